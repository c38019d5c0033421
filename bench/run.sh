#!/usr/bin/env bash
# `make bench`: ferrokafka against librdkafka and the Java client, on the testkit broker and on a real Apache
# Kafka broker, in one run; prints one table (and the broker comparison below it).
#
# usage: bench/run.sh
#
# For each broker (ferrokafka-broker, then Apache Kafka via scripts/kafka.sh; each started here on free ports
# and stopped by its pid on exit):
#   produce   N records of 100 B and of 1 KB, acks=1 and acks=all, no compression and lz4: records/s and MB/s
#             (ferrokafka-bench produce | bench/rdkafka_bench.c produce | Kafka's ProducerPerformance)
#   consume   the N records ferrokafka produced (acks=1, none), from the beginning
#             (ferrokafka-bench consume | rdkafka_bench consume | Kafka's ConsumerPerformance, whose fetch.*
#             figures leave out its group join)
#   latency   produce-to-consume p50/p99 at BENCH_RATE records/s of 100 B for BENCH_SECONDS s (after 1 s of
#             warm-up), producer and consumer in one process, send time in the payload
#             (ferrokafka-bench latency | rdkafka_bench latency | bench/JavaLatency.java)
# Every topic is created fresh with BENCH_PARTITIONS partitions and deleted when no longer needed. Every client
# runs with its defaults except acks and compression.type (linger 5 ms in all three). Throughput figures are the
# best of BENCH_REPEAT attempts, the clients taking turns; the topic the consumers read is read once, unmeasured,
# before them. ferrokafka-bench and rdkafka_bench also report their process's CPU time (column CPU fk/rdk),
# which the other work on a shared machine disturbs much less than throughput.
# The broker comparison: the Java producer's figures on the testkit versus Kafka, and the time from launching
# each broker to its first metadata answer (kcat -L).
#
# Environment: BENCH_SMALL_COUNT  records per 100 B producer run (1000000)
#              BENCH_LARGE_COUNT  records per 1 KB producer run (200000)
#              BENCH_REPEAT       attempts per throughput figure, the best one counts (2)
#              BENCH_PARTITIONS   partitions per topic (3)
#              BENCH_RATE, BENCH_SECONDS  latency rate and duration (2000, 10)
#              BENCH_BROKERS      which brokers: "testkit kafka" (default), or one of them
#              BENCH_FK_PROPS     extra -X key=value for ferrokafka-bench (space-separated), e.g. to try settings
#              BENCH_KEEP         set: keep the work folder (logs of every run) even when all went well
#              FERROKAFKA_BROKER  a ferrokafka-broker binary to use instead of building one
#              CARGO, CARGO_TARGET_DIR, FERROKAFKA_DEPS, KAFKA_HEAP  as for cargo, scripts/deps.sh, scripts/kafka.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SMALL=${BENCH_SMALL_COUNT:-1000000}
LARGE=${BENCH_LARGE_COUNT:-200000}
REPEAT=${BENCH_REPEAT:-2}
PARTITIONS=${BENCH_PARTITIONS:-3}
RATE=${BENCH_RATE:-2000}
SECONDS_LAT=${BENCH_SECONDS:-10}
BROKERS=${BENCH_BROKERS:-testkit kafka}
read -ra FK_PROPS <<<"${BENCH_FK_PROPS:-}"
FK_X=()
for kv in "${FK_PROPS[@]}"; do FK_X+=(-X "$kv"); done
CARGO=${CARGO:-cargo}
KAFKA=$ROOT/scripts/kafka.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferrokafka-bench.XXXXXX")
mkdir -p "$WORK/logs"
TESTKIT_PID=
KAFKA_DIR=
FAILURES=0

log() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
    local status=$?
    if [ -n "$TESTKIT_PID" ]; then
        kill "$TESTKIT_PID" 2>/dev/null || true
        wait "$TESTKIT_PID" 2>/dev/null || true
    fi
    [ -n "$KAFKA_DIR" ] && "$KAFKA" stop "$KAFKA_DIR" || true
    if [ $status -eq 0 ] && [ "$FAILURES" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
        rm -rf "$WORK"
    else
        rm -rf "$WORK/kafka/data"
        log "logs of every run are in $WORK/logs"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ----------------------------------------------------------------------------------------------
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$ROOT/$target_dir ;; esac
if [ -n "${FERROKAFKA_BROKER:-}" ]; then
    BROKER_BIN=$(realpath -m "$FERROKAFKA_BROKER")
    "$CARGO" build --release -p ferrokafka-bench
else
    "$CARGO" build --release -p ferrokafka-bench -p ferrokafka-testkit --bin ferrokafka-bench --bin ferrokafka-broker
    BROKER_BIN=$target_dir/release/ferrokafka-broker
fi
FK=$target_dir/release/ferrokafka-bench
RDK=$WORK/rdkafka_bench
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
gcc -O2 -Wall -o "$RDK" bench/rdkafka_bench.c $(pkg-config --cflags --libs rdkafka) -lpthread -lm
"$KAFKA" classpath >/dev/null # resolves the Kafka jars once (Maven), outside any measurement
RDK_VERSION=$(pkg-config --modversion rdkafka)
KAFKA_VERSION=$(grep -o '<kafka.version>[^<]*' scripts/kafka/pom.xml | cut -d'>' -f2)

# ---- running one measurement ------------------------------------------------------------------------------
T=(timeout 300)
declare -A R      # key -> the `result ...` line, or FAIL
declare -A NOTE   # key -> why a figure is missing

now_ms() { date +%s%3N; }

# attempt KEY CMD...: runs CMD once and keeps, as R[KEY], the `result` line with the highest msgs_per_sec of
# the key's attempts (the machine is shared: other work only ever slows a run down). A failed attempt fails
# the cell for good. Every command runs under `timeout 300` (T), so a hung client fails its cell, not the run.
attempt() {
    local key=$1 out=$WORK/logs/$1.log line ok=true
    shift
    [ "${R[$key]:-}" = FAIL ] && return 0
    printf '$ %s\n' "$*" >>"$out"
    "$@" >"$out.try" 2>&1 || ok=false
    cat "$out.try" >>"$out"
    line=$(grep '^result ' "$out.try" | tail -n 1) || ok=false
    rm -f "$out.try"
    if ! $ok; then
        fail "$key" "see $out"
        tail -n 5 "$out" | sed 's/^/    /' >&2
        return 0
    fi
    log "$key: ${line#result }"
    if [ -z "${R[$key]:-}" ] || awk -v a="$(msgs_rate "$line")" -v b="$(msgs_rate "${R[$key]}")" 'BEGIN { exit !(a > b) }'; then
        R[$key]=$line
    fi
}

fail() {
    R[$1]=FAIL
    FAILURES=$((FAILURES + 1))
    log "$1: FAILED ($2)"
}

msgs_rate() { sed -nE 's/.* msgs_per_sec=([^ ]+).*/\1/p' <<<" $1"; }

# run_client CLIENT MODE KEY FLAGS...: one attempt of MODE (produce, consume, latency) by CLIENT (fk, rdk, java),
# with the flags ferrokafka-bench and rdkafka_bench take.
run_client() {
    local client=$1 mode=$2 key=$3
    shift 3
    case $client.$mode in
    fk.*) attempt "$key" "${T[@]}" "$FK" "$mode" "$@" "${FK_X[@]}" ;;
    rdk.*) attempt "$key" "${T[@]}" "$RDK" "$mode" "$@" ;;
    java.*) attempt "$key" "java_$mode" "$@" ;;
    esac
}

# flags FLAGS...: the bench programs' flags as variables (f_bootstrap, f_topic, f_count, f_size, f_acks, f_compression).
flags() {
    while [ $# -gt 1 ]; do
        case $1 in
        --bootstrap) f_bootstrap=$2 ;; --topic) f_topic=$2 ;; --count) f_count=$2 ;; --size) f_size=$2 ;;
        --acks) f_acks=$2 ;; --compression) f_compression=$2 ;;
        esac
        shift 2
    done
}

# java_produce FLAGS...: Kafka's ProducerPerformance, its summary as a `result` line.
java_produce() {
    local out f_bootstrap f_topic f_count f_size f_acks f_compression
    flags "$@"
    out=$("${T[@]}" "$KAFKA" java org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$f_bootstrap" \
        --topic "$f_topic" --num-records "$f_count" --record-size "$f_size" --throughput -1 \
        --command-property acks="$f_acks" compression.type="$f_compression" 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    # Final summary: "N records sent, X records/sec (Y MB/sec), ... 99th, 99.9th."
    printf '%s\n' "$out" | grep 'records sent.*99.9th' | tail -n 1 |
        sed -E 's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/result msgs=\1 msgs_per_sec=\2 mb_per_sec=\3/' |
        grep '^result '
}

# java_consume FLAGS...: Kafka's ConsumerPerformance; fetch.MB.sec and fetch.nMsg.sec (without the group join).
java_consume() {
    local out f_bootstrap f_topic f_count
    flags "$@"
    out=$("${T[@]}" "$KAFKA" java org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$f_bootstrap" \
        --topic "$f_topic" --num-records "$f_count" --timeout 60000 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    # start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    printf '%s\n' "$out" | tail -n 1 | awk -F', *' 'NF >= 10 && $5 + 0 > 0 {
        printf "result msgs=%d msgs_per_sec=%s mb_per_sec=%s rebalance_ms=%s\n", $5, $10, $9, $7 }' | grep '^result '
}

java_latency() {
    javac -version >/dev/null 2>&1 || { echo "no javac: JavaLatency.java needs a JDK"; return 1; }
    "${T[@]}" "$KAFKA" java "$ROOT/bench/JavaLatency.java" "$@"
}

# has_groups BOOTSTRAP: the broker advertises JoinGroup (ConsumerPerformance subscribes in a group).
has_groups() { kcat -L -b "$1" -m 5 -X debug=feature 2>&1 | grep -q 'ApiKey JoinGroup'; }

topic_create() { "$FK" create-topic --bootstrap "$1" --topic "$2" --partitions "$PARTITIONS" >>"$WORK/logs/topics.log" 2>&1; }
topic_delete() { "$FK" delete-topic --bootstrap "$1" --topic "$2" >>"$WORK/logs/topics.log" 2>&1 || true; }

CLIENTS=(fk rdk java)

# bench_broker NAME BOOTSTRAP: every client and measurement against one broker. The clients take turns
# (fk rdk java fk rdk java ...), so a slow moment of the machine or a broker still warming up does not fall on
# the same client every time.
bench_broker() {
    local b=$1 bs=$2 size n acks comp client topic try groups=true
    has_groups "$bs" || groups=false
    for size in 100 1024; do
        n=$SMALL
        [ "$size" -eq 1024 ] && n=$LARGE
        for acks in 1 all; do
            for comp in none lz4; do
                for client in "${CLIENTS[@]}"; do
                    topic_create "$bs" "$b-$client-$size-$acks-$comp" ||
                        fail "$b.produce.$size.$acks.$comp.$client" "cannot create topic $b-$client-$size-$acks-$comp"
                done
                for ((try = 1; try <= REPEAT; try++)); do
                    for client in "${CLIENTS[@]}"; do
                        run_client "$client" produce "$b.produce.$size.$acks.$comp.$client" --bootstrap "$bs" \
                            --topic "$b-$client-$size-$acks-$comp" --count "$n" --size "$size" --acks "$acks" --compression "$comp"
                    done
                done
                # ferrokafka's acks=1 uncompressed topics are what every consumer reads next.
                for client in "${CLIENTS[@]}"; do
                    [ "$client.$acks.$comp" = fk.1.none ] || topic_delete "$bs" "$b-$client-$size-$acks-$comp"
                done
            done
        done
        topic=$b-fk-$size-1-none
        if [ "${R[$b.produce.$size.1.none.fk]}" = FAIL ]; then
            for client in "${CLIENTS[@]}"; do NOTE[$b.consume.$size.$client]="no topic to read (ferrokafka's producer run failed)"; done
        else
            # One unmeasured read first: the first reader of a topic pays for the broker's cold caches.
            "${T[@]}" "$RDK" consume --bootstrap "$bs" --topic "$topic" --count "$n" >>"$WORK/logs/warm-up.log" 2>&1 || true
            $groups || NOTE[$b.consume.$size.java]="the broker has no group coordinator (no JoinGroup in ApiVersions); ConsumerPerformance needs one"
            for ((try = 1; try <= REPEAT; try++)); do
                for client in "${CLIENTS[@]}"; do
                    [ "$client" = java ] && ! $groups && continue
                    run_client "$client" consume "$b.consume.$size.$client" --bootstrap "$bs" --topic "$topic" --count "$n"
                done
            done
        fi
        topic_delete "$bs" "$topic"
    done
    # One 10 s attempt each: a latency figure is a distribution already.
    for client in "${CLIENTS[@]}"; do
        topic=$b-latency-$client
        if topic_create "$bs" "$topic"; then
            run_client "$client" latency "$b.latency.$client" --bootstrap "$bs" --topic "$topic" --rate "$RATE" \
                --seconds "$SECONDS_LAT" --size 100 --acks 1
        else
            fail "$b.latency.$client" "cannot create topic $topic"
        fi
        topic_delete "$bs" "$topic"
    done
}

# ---- the brokers ------------------------------------------------------------------------------------------
kcat_ready() { kcat -L -b "$1" -m 2 -J 2>/dev/null | grep -q '"brokers":\[{'; }

start_testkit() {
    local t0 deadline=$((SECONDS + 30)) bootstrap=
    : >"$WORK/testkit.out"
    t0=$(now_ms)
    "$BROKER_BIN" --port 0 >"$WORK/testkit.out" 2>"$WORK/logs/testkit.err" &
    TESTKIT_PID=$!
    until IFS= read -r bootstrap <"$WORK/testkit.out"; do
        kill -0 "$TESTKIT_PID" 2>/dev/null || { log "ferrokafka-broker exited: $(tail -n 5 "$WORK/logs/testkit.err")"; return 1; }
        [ $SECONDS -lt $deadline ] || { log "ferrokafka-broker printed no address in 30 s"; return 1; }
        sleep 0.01
    done
    until kcat_ready "$bootstrap"; do
        [ $SECONDS -lt $deadline ] || { log "ferrokafka-broker did not answer in 30 s"; return 1; }
        sleep 0.01
    done
    R[testkit.start]="result ms=$(($(now_ms) - t0))"
    BOOTSTRAP=$bootstrap
}

stop_testkit() {
    kill "$TESTKIT_PID" 2>/dev/null || true
    wait "$TESTKIT_PID" 2>/dev/null || true
    TESTKIT_PID=
}

start_kafka() {
    local t0
    KAFKA_DIR=$WORK/kafka
    t0=$(now_ms)
    # kafka.sh start formats the storage, starts the broker and returns once kcat -L lists it (polling every 0.5 s).
    BOOTSTRAP=$("$KAFKA" start "$KAFKA_DIR" 2>"$WORK/logs/kafka-start.log") || { log "Kafka did not start: $(tail -n 5 "$WORK/logs/kafka-start.log")"; return 1; }
    R[kafka.start]="result ms=$(($(now_ms) - t0))"
}

stop_kafka() {
    "$KAFKA" stop "$KAFKA_DIR"
    cp "$KAFKA_DIR/kafka.log" "$WORK/logs/kafka.log" 2>/dev/null || true
    rm -rf "$KAFKA_DIR"
    KAFKA_DIR=
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$(date -u '+%Y-%m-%d %H:%M UTC')
STARTED=$SECONDS
for broker in $BROKERS; do
    case $broker in
    testkit)
        if start_testkit; then
            log "ferrokafka-broker at $BOOTSTRAP (pid $TESTKIT_PID)"
            bench_broker testkit "$BOOTSTRAP"
            stop_testkit
        else
            FAILURES=$((FAILURES + 1)); stop_testkit
        fi
        ;;
    kafka)
        if start_kafka; then
            log "Apache Kafka $KAFKA_VERSION at $BOOTSTRAP"
            bench_broker kafka "$BOOTSTRAP"
            stop_kafka
        else
            FAILURES=$((FAILURES + 1))
        fi
        ;;
    *) log "unknown broker $broker (testkit or kafka)"; exit 2 ;;
    esac
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table --------------------------------------------------------------------------------------------
field() { sed -nE "s/.* $2=([^ ]+).*/\1/p" <<<" ${R[$1]:-}"; }

# cell KEY: "812k msg/s 77.4 MB/s", "3.52 / 8.36 ms", FAIL or n/a.
cell() {
    local r=${R[$1]:-}
    if [ -z "$r" ]; then echo "n/a"; return; fi
    if [ "$r" = FAIL ]; then echo "FAIL"; return; fi
    if [[ $r == *p50_ms=* ]]; then
        printf '%s / %s ms' "$(field "$1" p50_ms)" "$(field "$1" p99_ms)"
        # Records lost or late beyond the run, or failed deliveries: the figure covers fewer than were sent.
        [ "$(field "$1" count)" = "$(field "$1" expected)" ] && [ "$(field "$1" failed)" = 0 ] ||
            printf ' (%s of %s, %s failed)' "$(field "$1" count)" "$(field "$1" expected)" "$(field "$1" failed)"
    else
        awk -v m="$(field "$1" msgs_per_sec)" -v b="$(field "$1" mb_per_sec)" \
            'BEGIN { printf "%s msg/s %.1f MB/s", (m >= 1e6 ? sprintf("%.2fM", m / 1e6) : sprintf("%.0fk", m / 1e3)), b }'
    fi
}

# ratio A B: A/B of throughput, or of p50 / p99 for latency (there, below 1 means ferrokafka is faster).
ratio() {
    local a=${R[$1]:-} b=${R[$2]:-}
    if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = FAIL ] || [ "$b" = FAIL ]; then echo "-"; return; fi
    if [[ $a == *p50_ms=* ]]; then
        awk -v a5="$(field "$1" p50_ms)" -v b5="$(field "$2" p50_ms)" -v a9="$(field "$1" p99_ms)" -v b9="$(field "$2" p99_ms)" \
            'BEGIN { printf "%.2f / %.2f", a5 / b5, a9 / b9 }'
    else
        awk -v a="$(field "$1" msgs_per_sec)" -v b="$(field "$2" msgs_per_sec)" 'BEGIN { printf "%.2f", a / b }'
    fi
}

row() { printf '| %-7s | %-27s | %-22s | %-22s | %-22s | %-11s | %-11s | %-11s |\n' "$@"; }

# cpu_ratio A B: CPU time per record of A over B's (from cpu_s: the whole client process, user + system).
cpu_ratio() {
    local ca cb
    ca=$(field "$1" cpu_s) cb=$(field "$2" cpu_s)
    if [ -z "$ca" ] || [ -z "$cb" ]; then echo "-"; return; fi
    awk -v ca="$ca" -v cb="$cb" -v na="$(field "$1" msgs)" -v nb="$(field "$2" msgs)" \
        'BEGIN { if (cb > 0 && na > 0) printf "%.2f", (ca / na) / (cb / nb); else print "-" }'
}

size_label() { if [ "$1" = 1024 ]; then echo "1 KB"; else echo "$1 B"; fi; }

label() {
    local _ size acks comp
    case $1 in
    produce.*) IFS=. read -r _ size acks comp <<<"$1"; echo "produce $(size_label "$size") acks=$acks $comp" ;;
    consume.*) echo "consume $(size_label "${1#consume.}")" ;;
    latency) echo "latency p50/p99 ${RATE}/s" ;;
    esac
}

CASES=()
for size in 100 1024; do for acks in 1 all; do for comp in none lz4; do CASES+=("produce.$size.$acks.$comp"); done; done; done
CASES+=(consume.100 consume.1024 latency)

echo
echo "ferrokafka vs librdkafka $RDK_VERSION vs Java (kafka-clients $KAFKA_VERSION); $STARTED_AT, $(nproc) cores,"
echo "load average $LOAD_BEFORE before, $LOAD_AFTER after; $PARTITIONS partitions; produce $SMALL x 100 B / $LARGE x 1 KB;"
echo "MB = 2^20 bytes of record values; best of $REPEAT attempts. Ratios > 1: ferrokafka faster; latency ratios < 1: ferrokafka"
echo "lower. CPU fk/rdk: CPU time per record of the client process, ferrokafka over librdkafka (< 1: ferrokafka cheaper)."
echo
row broker benchmark ferrokafka librdkafka Java fk/rdkafka fk/Java "CPU fk/rdk"
row ------- --------------------------- ---------------------- ---------------------- ---------------------- ----------- ----------- -----------
for broker in $BROKERS; do
    for c in "${CASES[@]}"; do
        row "$broker" "$(label "$c")" "$(cell "$broker.$c.fk")" "$(cell "$broker.$c.rdk")" "$(cell "$broker.$c.java")" \
            "$(ratio "$broker.$c.fk" "$broker.$c.rdk")" "$(ratio "$broker.$c.fk" "$broker.$c.java")" \
            "$(cpu_ratio "$broker.$c.fk" "$broker.$c.rdk")"
    done
done

if [[ $BROKERS == *testkit* && $BROKERS == *kafka* ]]; then
    echo
    echo "Broker side: the Java client on ferrokafka-broker (testkit) versus Apache Kafka $KAFKA_VERSION"
    echo
    printf '| %-34s | %-22s | %-22s | %-13s |\n' "measurement" "testkit" "Kafka" "testkit/Kafka"
    printf '| %-34s | %-22s | %-22s | %-13s |\n' "----------------------------------" "----------------------" "----------------------" "-------------"
    for c in "${CASES[@]}"; do
        [ "$c" = latency ] && continue
        printf '| %-34s | %-22s | %-22s | %-13s |\n' "Java $(label "$c")" "$(cell "testkit.$c.java")" "$(cell "kafka.$c.java")" \
            "$(ratio "testkit.$c.java" "kafka.$c.java")"
    done
    printf '| %-34s | %-22s | %-22s | %-13s |\n' "Java latency p50/p99 ${RATE}/s" "$(cell testkit.latency.java)" "$(cell kafka.latency.java)" \
        "$(ratio testkit.latency.java kafka.latency.java)"
    printf '| %-34s | %-22s | %-22s | %-13s |\n' "start to first metadata answer" "$(field testkit.start ms) ms" "$(field kafka.start ms) ms" \
        "$(awk -v a="$(field testkit.start ms)" -v b="$(field kafka.start ms)" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
fi
for key in "${!NOTE[@]}"; do echo "n/a $key: ${NOTE[$key]}"; done | sort
echo
echo "bench: $((SECONDS - STARTED)) s of measurements, $FAILURES failure(s)"
[ "$FAILURES" -eq 0 ]
