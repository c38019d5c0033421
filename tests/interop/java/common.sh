# Sourced by the Java tool scenarios: Kafka's own tools (org.apache.kafka.tools, from the Maven download of
# scripts/kafka.sh) against the broker at KAFKA_BOOTSTRAP.
set -euo pipefail

JAVA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$JAVA_DIR/../../.." && pwd)
TOPIC=java-$$-$RANDOM

# tool CLASS ARG...: runs org.apache.kafka.tools.CLASS.
tool() {
    local class=$1
    shift
    bash "$ROOT/scripts/kafka.sh" java "org.apache.kafka.tools.$class" "$@"
}

# require_api KEY NAME WHY: skips the scenario (exit 77) unless the broker advertises API KEY.
require_api() {
    local status=0
    python3 "$JAVA_DIR/advertises.py" "$1" || status=$?
    case $status in
    0) ;;
    1) echo "the broker does not advertise $2 ($1), which $3 needs; this runs once it does"; exit 77 ;;
    *) echo "could not ask the broker for its API versions"; exit 1 ;;
    esac
}

# producer_perf N: ProducerPerformance sends N records of 100 bytes to $TOPIC with acks=all (and Java's
# default enable.idempotence=true), as fast as it can; fails unless all N were sent without an error.
producer_perf() {
    local n=$1 out
    out=$(tool ProducerPerformance --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --num-records "$n" \
        --record-size 100 --throughput -1 --command-property acks=all 2>&1) || {
        echo "$out"
        echo "ProducerPerformance failed"
        return 1
    }
    echo "$out" | tail -n 3
    # The summary line: "100000 records sent, 52938.1 records/sec (5.05 MB/sec), ..."
    echo "$out" | grep -q "^$n records sent," || { echo "$out"; echo "no '$n records sent' summary"; return 1; }
    if echo "$out" | grep -E 'ERROR|Exception'; then
        echo "ProducerPerformance reported errors (above)"
        return 1
    fi
}
