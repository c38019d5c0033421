#!/usr/bin/env bash
# Third-party Kafka clients against ferrokafka-broker.
#
# usage: tests/interop/run.sh [SUBSTRING...]   run the scenarios whose name contains one of the substrings
#
# Each scenario gets a fresh broker (`ferrokafka-broker --port 0 ...`): its first stdout line is the bootstrap
# string, which the client test receives as KAFKA_BOOTSTRAP (with INTEROP_BROKERS, INTEROP_PARTITIONS and
# INTEROP_BROKER_PID, for tests that signal the broker).
# Client tests only read those variables, so the same tests can run against any Kafka.
# Prints one PASS/FAIL line per scenario and closes with `interop: N passed, M failed`. A test that exits
# with 77 is skipped (a SKIP line with its last output line as the reason, and `, K skipped` at the end):
# for a scenario that needs something the broker does not offer yet.
#
# Environment: FERROKAFKA_BROKER  a broker binary to use instead of building one
#              INTEROP_PARTITIONS partitions of auto-created topics (3)
#              INTEROP_TIMEOUT    seconds per scenario (120)
#              INTEROP_VERBOSE    set: print the log of passing scenarios too
#              CARGO, CARGO_TARGET_DIR, FERROKAFKA_DEPS  as for cargo and scripts/deps.sh
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BROKER=${FERROKAFKA_BROKER:+$(realpath -m "$FERROKAFKA_BROKER")}
cd "$ROOT"
PARTITIONS=${INTEROP_PARTITIONS:-3}
TIMEOUT=${INTEROP_TIMEOUT:-120}
DEPS=${FERROKAFKA_DEPS:-$ROOT/.deps}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/ferrokafka-interop.XXXXXX")
PASSED=0
FAILED=0
SKIPPED=0
BROKER_PID=
BOOTSTRAP=

finish() {
    local skipped=
    [ "$SKIPPED" -gt 0 ] && skipped=", $SKIPPED skipped"
    echo "interop: $PASSED passed, $FAILED failed$skipped"
    [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

bash "$ROOT/scripts/deps.sh" || { echo "interop: scripts/deps.sh failed"; FAILED=1; finish; exit 1; }

if [ -z "$BROKER" ]; then
    ${CARGO:-cargo} build --release -p ferrokafka-testkit --bin ferrokafka-broker ||
        { echo "interop: building ferrokafka-broker failed"; FAILED=1; finish; exit 1; }
    target_dir=${CARGO_TARGET_DIR:-target}
    case $target_dir in /*) ;; *) target_dir=$ROOT/$target_dir ;; esac
    BROKER=$target_dir/release/ferrokafka-broker
fi
[ -x "$BROKER" ] || { echo "interop: no broker binary at $BROKER"; FAILED=1; finish; exit 1; }

# start_broker BROKERS LOG: starts a broker, sets BROKER_PID and BOOTSTRAP (its first stdout line).
start_broker() {
    local brokers=$1 log=$2 args=(--port 0 --partitions "$PARTITIONS") deadline=$((SECONDS + 20))
    [ "$brokers" -gt 1 ] && args+=(--brokers "$brokers")
    echo "\$ ferrokafka-broker ${args[*]}" >>"$log"
    : >"$log.stdout"
    "$BROKER" "${args[@]}" >"$log.stdout" 2>"$log.broker" &
    BROKER_PID=$!
    until IFS= read -r BOOTSTRAP <"$log.stdout"; do # read fails until a whole line is there
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            echo "broker exited before printing its address; its stderr:" >>"$log"
            tail -n 20 "$log.broker" >>"$log"
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "broker printed no address line within 20 s" >>"$log"
            return 1
        fi
        sleep 0.05
    done
    BOOTSTRAP=${BOOTSTRAP%$'\r'}
    if [[ ! $BOOTSTRAP =~ ^[^[:space:],]+:[0-9]+(,[^[:space:],]+:[0-9]+)*$ ]]; then
        echo "broker's first stdout line is not a bootstrap string: '$BOOTSTRAP'" >>"$log"
        return 1
    fi
    echo "bootstrap: $BOOTSTRAP" >>"$log"
}

# stop_broker [LOG]: stops the running broker; with LOG, fails if it had died or panicked meanwhile.
stop_broker() {
    [ -n "$BROKER_PID" ] || return 0
    local pid=$BROKER_PID log=${1:-} ok=0 i
    BROKER_PID=
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        i=$?
        [ -n "$log" ] && echo "broker died during the scenario (exit status $i)" >>"$log"
        ok=1
    else
        kill "$pid" 2>/dev/null
        for i in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ -n "$log" ] && grep -q 'panicked at' "$log.broker"; then
        echo "broker panicked:" >>"$log"
        grep -A3 'panicked at' "$log.broker" | head -n 20 >>"$log"
        ok=1
    fi
    return $ok
}
trap 'stop_broker' EXIT
trap 'exit 130' INT TERM

selected() {
    [ ${#FILTERS[@]} -eq 0 ] && return 0
    local f
    for f in "${FILTERS[@]}"; do [[ $1 == *"$f"* ]] && return 0; done
    return 1
}

# scenario NAME BROKERS COMMAND...: runs COMMAND (from tests/interop) against a fresh broker.
scenario() {
    local name=$1 brokers=$2
    shift 2
    selected "$name" || return 0
    local log=$LOGS/${name//\//_}.log start=$EPOCHREALTIME status=0
    : >"$log"
    if start_broker "$brokers" "$log"; then
        (cd "$HERE" && KAFKA_BOOTSTRAP=$BOOTSTRAP INTEROP_BROKERS=$brokers INTEROP_PARTITIONS=$PARTITIONS \
            INTEROP_BROKER_PID=$BROKER_PID \
            timeout -k 10 "$TIMEOUT" "$@") >>"$log" 2>&1 </dev/null || status=$?
        [ $status -eq 124 ] && echo "timed out after $TIMEOUT s" >>"$log"
    else
        status=1
    fi
    stop_broker "$log" || status=1
    local seconds
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    if [ $status -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "PASS $name (${seconds}s)"
        [ -n "${INTEROP_VERBOSE:-}" ] && sed 's/^/    /' "$log"
    elif [ $status -eq 77 ]; then
        SKIPPED=$((SKIPPED + 1))
        echo "SKIP $name (${seconds}s): $(tail -n 1 "$log")"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $name (${seconds}s); last lines of $log:"
        tail -n 40 "$log" | sed 's/^/    /'
    fi
}

FILTERS=("$@")
PY=$DEPS/venv/bin/python
export NODE_PATH=$DEPS/node/node_modules KAFKAJS_NO_PARTITIONER_WARNING=1

for brokers in 1 3; do
    scenario "kcat/roundtrip-$brokers-broker" "$brokers" kcat/roundtrip.sh 10000
done
for codec in gzip snappy lz4 zstd; do
    scenario "kcat/roundtrip-$codec" 1 kcat/roundtrip.sh 2000 -z "$codec"
done
scenario kcat/roundtrip-idempotent 3 kcat/roundtrip.sh 10000 -X enable.idempotence=true
scenario kcat/metadata 3 kcat/metadata.sh
for brokers in 1 3; do
    scenario "kcat/group-$brokers-broker" "$brokers" kcat/group.sh 2000
done
for brokers in 1 3; do
    scenario "confluent-kafka/$brokers-broker" "$brokers" "$PY" -m pytest -q python/test_confluent_kafka.py
    scenario "kafka-python/$brokers-broker" "$brokers" "$PY" -m pytest -q python/test_kafka_python.py
    scenario "groups/$brokers-broker" "$brokers" "$PY" -m pytest -q python/test_groups.py
    scenario "kafkajs/$brokers-broker" "$brokers" node --test --test-reporter=spec node/producer.test.js node/group_consumer.test.js
done

# Our CLI's consumer against transactions confluent-kafka wrote; confluent-kafka's exactly-once loop, fencing
# and timeouts (scripts/kafka.sh test runs both against Apache Kafka too).
scenario transactions/isolation 1 "$PY" -m pytest -q python/test_transactions.py
scenario transactions/exactly-once 3 "$PY" -m pytest -q python/test_exactly_once.py
scenario transactions/kafkajs 3 node --test --test-reporter=spec node/transaction.test.js

# Admin clients of confluent-kafka and kafka-python; kcat reading a compacted topic after the broker's log
# cleaner ran (SIGUSR1 to ferrokafka-broker, INTEROP_BROKER_PID).
for brokers in 1 3; do
    scenario "admin/$brokers-broker" "$brokers" "$PY" -m pytest -q python/test_admin.py
done
scenario kcat/compaction 1 "$PY" -m pytest -q python/test_compaction.py

# Our CLI against kcat, both ways (tests/interop/cli/cross.sh).
for brokers in 1 3; do
    scenario "cli/cross-$brokers-broker" "$brokers" bash -c 'exec bash cli/cross.sh "$KAFKA_BOOTSTRAP"'
done

# One consumer group of our CLI (-G), confluent-kafka and kafka-python (python/test_mixed_group.py).
for brokers in 1 3; do
    scenario "mixed-group/$brokers-broker" "$brokers" "$PY" -m pytest -q python/test_mixed_group.py
done

# Kafka's own Java tools (org.apache.kafka.tools, fetched with Maven by scripts/kafka.sh; tests/interop/java).
# The consumer-side ones need consumer groups and skip while the broker does not advertise JoinGroup.
java_scenario() {
    selected "$1" || return 0
    if [ -z "${JAVA_CLASSPATH_OK:-}" ]; then
        if bash scripts/kafka.sh classpath >"$LOGS/kafka-classpath.log" 2>&1; then
            JAVA_CLASSPATH_OK=yes
        else
            JAVA_CLASSPATH_OK=no
            echo "scripts/kafka.sh classpath failed (Java, Maven or Maven Central); its output:"
            tail -n 40 "$LOGS/kafka-classpath.log" | sed 's/^/    /'
        fi
    fi
    if [ "$JAVA_CLASSPATH_OK" = no ]; then
        FAILED=$((FAILED + 1))
        echo "FAIL $1: no Kafka tools (scripts/kafka.sh classpath failed, above)"
        return
    fi
    scenario "$@"
}
for brokers in 1 3; do
    java_scenario "java/producer-perf-$brokers-broker" "$brokers" bash java/producer_perf.sh
    java_scenario "java/consumer-perf-$brokers-broker" "$brokers" bash java/consumer_perf.sh
    java_scenario "java/verifiable-$brokers-broker" "$brokers" bash java/verifiable.sh
done

[ $FAILED -eq 0 ] && rm -rf "$LOGS"
finish
