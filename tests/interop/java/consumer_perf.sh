#!/usr/bin/env bash
# ConsumerPerformance (a consumer group) reads back the 100,000 records ProducerPerformance wrote.
source "$(dirname "$0")/common.sh"
require_api 11 JoinGroup ConsumerPerformance
n=100000
producer_perf "$n"
out=$(tool ConsumerPerformance --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --num-records "$n" \
    --group "perf-$TOPIC" --timeout 30000 2>&1) || { echo "$out"; echo "ConsumerPerformance failed"; exit 1; }
echo "$out"
# One CSV line after the header; field 5 is data.consumed.in.nMsg.
consumed=$(echo "$out" | awk -F', *' '/^[0-9][0-9][0-9][0-9]-/ { print $5 }' | tail -n 1)
[ "$consumed" = "$n" ] || { echo "ConsumerPerformance consumed '${consumed}' records, not $n"; exit 1; }
if echo "$out" | grep -E 'ERROR|Exception'; then
    echo "ConsumerPerformance reported errors (above)"
    exit 1
fi
