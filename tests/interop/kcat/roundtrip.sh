#!/usr/bin/env bash
# kcat round trip: produce COUNT keyed lines (k0..k999 : v<seq>) into a new topic, read every partition
# back, and check that
#   - what came back is exactly what was sent (as a multiset),
#   - each partition holds offsets 0..n-1, its records in the order they were sent, every partition used,
#   - each key sits in one partition only,
#   - reading from an offset in the middle of a partition gives exactly the records from there on,
#   - with -z CODEC, the producer really sent compressed batches.
# usage: roundtrip.sh COUNT [kcat producer options, e.g. -z zstd or -X enable.idempotence=true]
set -euo pipefail
count=$1
shift
: "${KAFKA_BOOTSTRAP:?set by tests/interop/run.sh}" "${INTEROP_PARTITIONS:=3}"
topic=kcat-roundtrip-$$-$RANDOM
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) printf "k%d:v%d\n", i % 1000, i }' >"$work/sent"

# debug=msg logs each produced batch with its codec; message.timeout.ms turns a stuck delivery into an
# error well within the scenario's timeout.
kcat -P -b "$KAFKA_BOOTSTRAP" -t "$topic" -K: -X message.timeout.ms=30000 -X debug=msg "$@" \
    <"$work/sent" 2>"$work/produce.log" || { tail -n 20 "$work/produce.log" >&2; fail "kcat -P exited non-zero"; }
if grep -qE 'Delivery failed|ERROR' "$work/produce.log"; then
    grep -E 'Delivery failed|ERROR' "$work/produce.log" | head -n 10 >&2
    fail "kcat -P reported errors"
fi

# Each batch the producer sent is logged as "Produce MessageSet with N message(s) (..., MsgVersion 2, MsgId M,
# BaseSeq S, PID{...}, CODEC)". librdkafka silently falls back to old message formats or no compression when
# the broker's ApiVersions answer does not allow them, so check the batches were what was asked for.
codec=uncompressed idempotent=false
for ((i = 1; i < $#; i++)); do
    next=$((i + 1))
    [ "${!i}" = -z ] && codec=${!next}
    [ "${!i}" = -X ] && [ "${!next}" = enable.idempotence=true ] && idempotent=true
done
grep 'Produce MessageSet' "$work/produce.log" >"$work/batches" || fail "kcat -P logged no produced batch"
# librdkafka sends a batch uncompressed when compressing does not make it smaller (a batch of one or
# two short records, e.g. when the producer is slow to start): so only batches of 10 or more records
# must carry the codec, and at least one batch must.
awk -v codec="$codec" -v idempotent="$idempotent" '
    !/MsgVersion 2,/                 { print "not a v2 record batch: " $0; bad = 1 }
    { n = $0; sub(/.*MessageSet with /, "", n); n = n + 0 }
    $0 ~ (", " codec "\\)$")         { with_codec = 1 }
    n >= 10 && $0 !~ (", " codec "\\)$") { print "not " codec ": " $0; bad = 1 }
    idempotent == "true" && /BaseSeq -1|PID\{Invalid\}/ { print "not idempotent: " $0; bad = 1 }
    END { if (!with_codec) { print "no batch used " codec; bad = 1 }; exit bad }' "$work/batches" >"$work/bad-batches" ||
    { head -n 5 "$work/bad-batches" >&2; fail "produced batches are not as configured"; }

for ((p = 0; p < INTEROP_PARTITIONS; p++)); do
    kcat -C -b "$KAFKA_BOOTSTRAP" -t "$topic" -p "$p" -o beginning -e -q -f '%p %o %k:%s\n' >"$work/part$p" ||
        fail "kcat -C of partition $p exited non-zero"
done

cat "$work"/part* | cut -d' ' -f3 | sort >"$work/got.sorted"
sort "$work/sent" >"$work/sent.sorted"
if ! cmp -s "$work/sent.sorted" "$work/got.sorted"; then
    echo "sent $(wc -l <"$work/sent") lines, read back $(wc -l <"$work/got.sorted"); first differences (< sent, > read):" >&2
    diff "$work/sent.sorted" "$work/got.sorted" | head -n 10 >&2 || true
    fail "content differs"
fi

for ((p = 0; p < INTEROP_PARTITIONS; p++)); do
    awk -v want="$p" -v file="partition $p" '
        { split($3, kv, ":"); seq = substr(kv[2], 2) + 0 }
        $1 != want     { print file ": record at line " NR " says partition " $1; bad = 1; exit }
        $2 != NR - 1   { print file ": line " NR " has offset " $2 ", expected " NR - 1; bad = 1; exit }
        NR > 1 && seq <= last { print file ": v" seq " (offset " $2 ") after v" last ": order not kept"; bad = 1; exit }
        { last = seq }
        END { if (!bad && NR == 0) { print file ": empty, records did not spread over partitions"; bad = 1 }
              exit bad }' "$work/part$p" >&2 || fail "partition $p"
done

# Start mid-partition: the offset usually falls inside a stored batch, whose earlier records the client skips.
records=$(wc -l <"$work/part0")
mid=$((records / 2 + 1))
kcat -C -b "$KAFKA_BOOTSTRAP" -t "$topic" -p 0 -o "$mid" -e -q -f '%p %o %k:%s\n' >"$work/from-mid" ||
    fail "kcat -C -o $mid exited non-zero"
tail -n "+$((mid + 1))" "$work/part0" | cmp -s - "$work/from-mid" ||
    fail "reading partition 0 from offset $mid gave $(wc -l <"$work/from-mid") records starting with" \
        "'$(head -n 1 "$work/from-mid")', expected $((records - mid)) from '$(sed -n "$((mid + 1))p" "$work/part0")'"

cat "$work"/part* | awk '{ split($3, kv, ":") }
    (kv[1] in home) && home[kv[1]] != $1 { print "key " kv[1] " in partitions " home[kv[1]] " and " $1; bad = 1; exit }
    { home[kv[1]] = $1 }
    END { exit bad }' >&2 || fail "a key spans partitions"

echo "ok: $count records, $INTEROP_PARTITIONS partitions, options: ${*:-none}"
