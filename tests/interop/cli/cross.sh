#!/usr/bin/env bash
# ferrokafka's CLI against kcat, through one broker: what one writes the other must read back
# identically, and both must print it byte for byte the same.
#
#   tests/interop/cli/cross.sh BOOTSTRAP
#
# BOOTSTRAP: host:port of any Kafka-compatible broker that auto-creates topics (e.g. the first
# stdout line of `ferrokafka-broker --port 0 --partitions 3`). The CLI is $FERROKAFKA_CLI, or
# target/release/ferrokafka (built if missing); kcat is $KCAT or `kcat`.
#
# Checks, each on a fresh topic:
#  1. ferrokafka produces 1000 keyed lines with headers; kcat and ferrokafka consume them with
#     -f '%k:%s:%h\n' -e (partition by partition, so order within a partition counts) and with -J:
#     identical output, and the lines are exactly the ones sent.
#  2. The same with kcat producing.
#  3. With -X partitioner=consistent_random, ferrokafka puts every key in the partition kcat does.
# Exits 1 on any difference (with a diff), 2 when it cannot run.
set -euo pipefail

BOOTSTRAP=${1:?usage: cross.sh BOOTSTRAP}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
KCAT=${KCAT:-kcat}
CLI=${FERROKAFKA_CLI:-$ROOT/target/release/ferrokafka}
if [ ! -x "$CLI" ] && [ -z "${FERROKAFKA_CLI:-}" ]; then
    (cd "$ROOT" && cargo build --release -q -p ferrokafka-cli)
fi
[ -x "$CLI" ] || { echo "cross.sh: no CLI at $CLI" >&2; exit 2; }
command -v "$KCAT" >/dev/null || { echo "cross.sh: kcat not found" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RUN="cli-cross-$$-$(date +%s)"
TIMEOUT=120
failed=0
passed=0

# Every client call is bounded: a hang is a failure, not a stuck CI run.
ours() { timeout "$TIMEOUT" "$CLI" -b "$BOOTSTRAP" "$@"; }
theirs() { timeout "$TIMEOUT" "$KCAT" -b "$BOOTSTRAP" "$@"; }

HEADERS=(-H run=cross -H nullvalue -H empty= -H 'csv=a;b c')
HEADER_TEXT='run=cross,nullvalue=NULL,empty=,csv=a;b c'

# 1000 "key<TAB>value" lines: some with an empty key, some with an empty value, and bytes that
# need escaping in JSON.
for i in $(seq 1 1000); do
    case $((i % 10)) in
        0) printf '\tvalue with empty key %d\n' "$i" ;;
        1) printf 'key-%d\t\n' "$i" ;;
        *) printf 'key-%d\tvalue %d "quoted" back\\slash sl/ash \303\251 \001 %d\n' "$i" "$i" $((i * 7)) ;;
    esac
done >"$WORK/input"
# What '%k:%s:%h\n' must print for each input line, in some order.
awk -F '\t' -v h="$HEADER_TEXT" '{ print $1 ":" $2 ":" h }' "$WORK/input" | LC_ALL=C sort >"$WORK/expected"

partitions() {
    theirs -L -t "$1" | grep -c '^    partition '
}

# consume TOOL TOPIC ARGS...: the whole topic, partition after partition.
consume() {
    local tool=$1 topic=$2 n p
    shift 2
    n=$(partitions "$topic")
    for ((p = 0; p < n; p++)); do
        "$tool" -C -t "$topic" -p "$p" -e -q "$@"
    done
}

check_same() { # name file-ours file-kcat
    if cmp -s "$2" "$3"; then
        passed=$((passed + 1))
        echo "ok: $1"
    else
        failed=$((failed + 1))
        echo "FAIL: $1 (< ferrokafka, > kcat)"
        diff "$2" "$3" | head -40 || true
    fi
}

# cross_check NAME TOPIC: both consume TOPIC, both ways of printing, and the lines are the input's.
cross_check() {
    local name=$1 topic=$2
    consume ours "$topic" -f '%k:%s:%h\n' >"$WORK/$name.ours"
    consume theirs "$topic" -f '%k:%s:%h\n' >"$WORK/$name.kcat"
    check_same "$name: -f '%k:%s:%h\\n' output identical" "$WORK/$name.ours" "$WORK/$name.kcat"
    consume ours "$topic" -J >"$WORK/$name.ours.json"
    consume theirs "$topic" -J >"$WORK/$name.kcat.json"
    check_same "$name: -J output identical" "$WORK/$name.ours.json" "$WORK/$name.kcat.json"
    LC_ALL=C sort "$WORK/$name.kcat" >"$WORK/$name.sorted"
    check_same "$name: exactly the 1000 lines sent" "$WORK/$name.sorted" "$WORK/expected"
}

# 1. ferrokafka produces, both consume.
ours -P -t "$RUN-ours" -K '\t' "${HEADERS[@]}" <"$WORK/input"
cross_check "ferrokafka -> kcat" "$RUN-ours"

# 2. kcat produces, both consume.
theirs -P -t "$RUN-kcat" -K '\t' "${HEADERS[@]}" <"$WORK/input"
cross_check "kcat -> ferrokafka" "$RUN-kcat"

# 3. kcat's partitioner on request (empty keys go to a random partition in both: left out).
grep -v "^$(printf '\t')" "$WORK/input" >"$WORK/keyed"
theirs -P -t "$RUN-kpart" -K '\t' <"$WORK/keyed"
ours -P -t "$RUN-opart" -K '\t' -X partitioner=consistent_random <"$WORK/keyed"
consume ours "$RUN-opart" -f '%p:%o:%k:%s\n' >"$WORK/part.ours"
consume ours "$RUN-kpart" -f '%p:%o:%k:%s\n' >"$WORK/part.kcat"
check_same "partitioner=consistent_random places keys like kcat" "$WORK/part.ours" "$WORK/part.kcat"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
