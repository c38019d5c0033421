#!/usr/bin/env bash
# ProducerPerformance: 100,000 records, acks=all, idempotent (Java's defaults), all sent without an error.
source "$(dirname "$0")/common.sh"
producer_perf 100000
