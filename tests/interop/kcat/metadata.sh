#!/usr/bin/env bash
# kcat -L: after two topics are created by producing to them, the cluster metadata lists
#   - INTEROP_BROKERS brokers at distinct addresses, the bootstrap address among them,
#   - both topics, each with partitions 0..INTEROP_PARTITIONS-1, each led by a listed broker, no errors;
# and `kcat -L -t TOPIC` lists that topic alone.
set -euo pipefail
: "${KAFKA_BOOTSTRAP:?set by tests/interop/run.sh}" "${INTEROP_PARTITIONS:=3}" "${INTEROP_BROKERS:=1}"
topics=(kcat-metadata-a-$$ kcat-metadata-b-$$)
fail() { echo "FAILED: $*" >&2; exit 1; }

for t in "${topics[@]}"; do
    echo "k:v" | kcat -P -b "$KAFKA_BOOTSTRAP" -t "$t" -K: -X message.timeout.ms=30000 || fail "producing to $t"
done

all=$(kcat -L -b "$KAFKA_BOOTSTRAP") || fail "kcat -L exited non-zero"
echo "$all"
one=$(kcat -L -b "$KAFKA_BOOTSTRAP" -t "${topics[0]}") || fail "kcat -L -t exited non-zero"

# check_listing TEXT TOPIC...: brokers and the given topics are as expected.
check_listing() {
    local text=$1
    shift
    awk -v brokers="$INTEROP_BROKERS" -v partitions="$INTEROP_PARTITIONS" \
        -v bootstrap="${KAFKA_BOOTSTRAP%%,*}" -v wanted="$*" '
        function bad(msg) { print msg; failed = 1 }
        /^ [0-9]+ brokers:/  { if ($1 != brokers) bad("expected " brokers " brokers: " $0) }
        /^  broker [0-9]+ at / {
            id[$2] = 1; addr = $4
            if (addr in seen) bad("two brokers at " addr)
            seen[addr] = 1
        }
        /^  topic "/ { topic = $2; gsub(/"/, "", topic); listed[topic] = $4
                       if ($4 != partitions) bad("topic " topic " has " $4 " partitions, expected " partitions) }
        /^    partition / { p = $2; sub(/,/, "", p); leader = $4; sub(/,/, "", leader)
                            parts[topic, p] = 1
                            if (!(leader in id)) bad(topic " partition " p " led by unknown broker " leader)
                            if (/error/) bad("partition with error: " $0) }
        /^  topic ".*error/ { bad("topic with error: " $0) }
        END {
            if (!(bootstrap in seen)) bad("bootstrap address " bootstrap " is not among the listed brokers")
            n = split(wanted, want, " ")
            for (i = 1; i <= n; i++) {
                if (!(want[i] in listed)) { bad("topic " want[i] " not listed"); continue }
                for (p = 0; p < partitions; p++)
                    if (!((want[i], p) in parts)) bad("topic " want[i] " lacks partition " p)
            }
            exit failed
        }' <<<"$text" >&2
}
check_listing "$all" "${topics[@]}" || fail "kcat -L"
check_listing "$one" "${topics[0]}" || fail "kcat -L -t ${topics[0]}"
grep -q "${topics[1]}" <<<"$one" && fail "kcat -L -t ${topics[0]} also lists ${topics[1]}"
echo "ok: $INTEROP_BROKERS brokers, topics ${topics[*]} with $INTEROP_PARTITIONS partitions each"
