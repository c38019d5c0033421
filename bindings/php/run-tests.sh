#!/usr/bin/env bash
# The PHP extension's .phpt suite, run by PHP's own run-tests.php against a fresh ferrokafka-broker
# (KAFKA_BOOTSTRAP is set for the tests; the broker stops afterwards).
#
# usage: bindings/php/run-tests.sh EXTENSION_SO [BROKER_BINARY]
# With KAFKA_BOOTSTRAP already set, that cluster is used and no broker is started.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SO=$(realpath "${1:?usage: run-tests.sh EXTENSION_SO [BROKER_BINARY]}")
BROKER=${2:-$ROOT/target/release/ferrokafka-broker}
RUN_TESTS=$(php-config --extension-dir)/build/run-tests.php
[ -f "$RUN_TESTS" ] || { echo "php: no run-tests.php at $RUN_TESTS (Debian's php-dev has it)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ferrokafka-phpt.XXXXXX")
broker_pid=
cleanup() {
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
    "$BROKER" --port 0 --partitions 1 >"$work/broker.out" 2>"$work/broker.err" &
    broker_pid=$!
    for _ in $(seq 1 200); do
        IFS= read -r KAFKA_BOOTSTRAP <"$work/broker.out" && break
        kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.err" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "${KAFKA_BOOTSTRAP:-}" ] || { echo "php: the broker printed no address" >&2; exit 1; }
    export KAFKA_BOOTSTRAP
fi

# -n: no php.ini, so only this extension is loaded (and no other rdkafka shadows it).
out=$work/run-tests.log
status=0
REPORT_EXIT_STATUS=1 TEST_PHP_EXECUTABLE=$(command -v php) NO_INTERACTION=1 \
    php "$RUN_TESTS" -q -n -d "extension=$SO" --show-diff "$HERE/tests" >"$out" 2>&1 || status=$?
cat "$out"
# run-tests.php prints "Tests failed : N"; trust it as much as the exit status.
if [ $status -ne 0 ] || grep -Eq '^Tests failed +: +[1-9]' "$out" || ! grep -Eq '^Tests passed +: +[1-9]' "$out"; then
    echo "php: the phpt suite failed" >&2
    exit 1
fi
echo "php: phpt suite passed"

# examples/php, as php-rdkafka users write them: the producer loop, then the consumer loop reads it all.
topic=php-example-$$-$RANDOM
php -n -d "extension=$SO" "$ROOT/examples/php/producer.php" "$topic" 20 >"$work/producer.out"
timeout 60 php -n -d "extension=$SO" "$ROOT/examples/php/consumer.php" "$topic" 20 "$topic-group" >"$work/consumer.out"
expected=$(seq 0 19 | sed 's/^/Message /')
if [ "$(cat "$work/producer.out")" != "produced 20" ] || [ "$(sort -t' ' -k2 -n "$work/consumer.out")" != "$expected" ]; then
    echo "php: the examples did not round-trip; producer said: $(cat "$work/producer.out"); consumer read:" >&2
    cat "$work/consumer.out" >&2
    exit 1
fi
echo "php: examples/php round-trip passed"
