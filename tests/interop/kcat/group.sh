#!/usr/bin/env bash
# kcat balanced consumers (-G, librdkafka's classic group protocol): two kcat members of one group split the
# partitions of a topic between them; once the split is settled, COUNT records produced are each read exactly
# once, every member reading only its own partitions; when one member stops (LeaveGroup, offsets committed on
# close), the other takes its partitions over and resumes from the committed offsets: the next records are read
# once and nothing old comes back.
# usage: group.sh COUNT
set -euo pipefail
count=$1
: "${KAFKA_BOOTSTRAP:?set by tests/interop/run.sh}" "${INTEROP_PARTITIONS:=3}"
topic=kcat-group-$$-$RANDOM
group=$topic-group
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; for m in a b; do echo "--- member $m:" >&2; tail -n 8 "$work/$m.log" >&2; done; exit 1; }

produce() { # produce FIRST COUNT: lines k<i>:v<i>
    awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++) printf "k%d:v%d\n", i, i }' |
        kcat -P -b "$KAFKA_BOOTSTRAP" -t "$topic" -K: -X message.timeout.ms=30000 || fail "kcat -P exited non-zero"
}

# Partitions a member holds now: from its last "assigned:" line, unless a "revoked:" line came after it.
assigned() {
    awk '/rebalanced .*: assigned: / { sub(/.*assigned: /, ""); last = $0 } /rebalanced .*: revoked: / { last = "" }
         END { n = split(last, parts, ", "); for (i = 1; i <= n; i++) { gsub(/.*\[|\].*/, "", parts[i]); print parts[i] } }' "$1"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND... (COMMAND is run again on each try)
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what (read: a $(wc -l <"$work/a.out"), b $(wc -l <"$work/b.out"))"
        sleep 0.2
    done
}

produce 0 1 # creates the topic (INTEROP_PARTITIONS partitions); its record is read by whoever owns it
for m in a b; do
    kcat -b "$KAFKA_BOOTSTRAP" -G "$group" -X session.timeout.ms=6000 -X heartbeat.interval.ms=300 \
        -X auto.offset.reset=earliest -u -f '%p %o %k:%s\n' "$topic" >"$work/$m.out" 2>"$work/$m.log" &
    pids+=($!)
done

split_settled() {
    assigned "$work/a.log" >"$work/a.parts"
    assigned "$work/b.log" >"$work/b.parts"
    [ -s "$work/a.parts" ] && [ -s "$work/b.parts" ] &&
        [ "$(sort -n "$work/a.parts" "$work/b.parts" | tr '\n' ' ')" = "$(seq -s ' ' 0 $((INTEROP_PARTITIONS - 1))) " ]
}
wait_for 60 "two members splitting $INTEROP_PARTITIONS partitions" split_settled
echo "split: a has [$(tr '\n' ' ' <"$work/a.parts")], b has [$(tr '\n' ' ' <"$work/b.parts")]"
declare -A settled_at # lines each member had read when the split settled (at most the first record)
for m in a b; do settled_at[$m]=$(wc -l <"$work/$m.out"); done

lines() { cat "$work/a.out" "$work/b.out" | wc -l; }
read_all() { [ "$(lines)" -ge "$count" ]; }
produce 1 "$((count - 1))"
wait_for 60 "$count records" read_all
sleep 1 # a record read twice would show up now
for m in a b; do
    tail -n "+$((settled_at[$m] + 1))" "$work/$m.out" >"$work/$m.after"
    awk 'NR == FNR { mine[$1] = 1; next } !($1 in mine) { print "read partition " $1 " it does not own"; bad = 1 }
         END { exit bad }' "$work/$m.parts" "$work/$m.after" >&2 || fail "member $m read outside its assignment"
    [ -s "$work/$m.out" ] || fail "member $m read nothing"
done
cut -d' ' -f3 "$work/a.out" "$work/b.out" | sort >"$work/got"
awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) printf "k%d:v%d\n", i, i }' | sort >"$work/want"
cmp -s "$work/want" "$work/got" ||
    fail "read $(wc -l <"$work/got") records ($(sort -u "$work/got" | wc -l) distinct), sent $count"
split_settled || fail "membership changed while reading"

# b leaves; a takes over b's partitions from the offsets b committed when closing.
kill -TERM "${pids[1]}"
wait "${pids[1]}" || true
all() { [ "$(assigned "$work/a.log" | wc -l)" -eq "$INTEROP_PARTITIONS" ]; }
wait_for 30 "member a to take every partition" all
before=$(wc -l <"$work/a.out")
more=$((count / 2))
produce "$count" "$more"
read_more() { [ "$(($(wc -l <"$work/a.out") - before))" -ge "$more" ]; }
wait_for 60 "$more more records" read_more
sleep 1
tail -n "+$((before + 1))" "$work/a.out" | cut -d' ' -f3 | sort >"$work/got-more"
awk -v f="$count" -v n="$more" 'BEGIN { for (i = f; i < f + n; i++) printf "k%d:v%d\n", i, i }' | sort >"$work/want-more"
cmp -s "$work/want-more" "$work/got-more" ||
    fail "after b left, a read $(wc -l <"$work/got-more") records, expected exactly the $more new ones"
echo "ok: $count records split over 2 members, $more more after one left, $INTEROP_PARTITIONS partitions"
