#!/usr/bin/env bash
# A real Apache Kafka broker (and Kafka's Java tools) for the tests, from Maven Central.
#
# usage: scripts/kafka.sh classpath        print the classpath of the broker and tools (resolved on first use)
#        scripts/kafka.sh start DIR        format KRaft storage in DIR (created; must hold no broker), start ONE
#                                          combined broker+controller on free loopback ports, wait until it
#                                          answers; prints the bootstrap string (also in DIR/bootstrap)
#        scripts/kafka.sh stop DIR         stop the broker started in DIR (by its pid) and wait until it is gone
#        scripts/kafka.sh java CLASS ARG.. run a class of that classpath (e.g. org.apache.kafka.tools.ProducerPerformance)
#        scripts/kafka.sh test [CMD...]    start a broker in a temporary folder, run CMD (default: the behaviour
#                                          suite and the real-peer checks, see below) with KAFKA_BOOTSTRAP set,
#                                          stop the broker, exit with CMD's status; this is `make test-kafka`
#
# The Kafka release is pinned in scripts/kafka/pom.xml; Maven resolves it into ~/.m2 once, and the resulting
# classpath is cached in $FERROKAFKA_DEPS/kafka (.deps/kafka) until the pom changes or a jar disappears, so
# later runs do not start Maven at all.
#
# Environment: KAFKA_HEAP          heap of the broker JVM (512m)
#              KAFKA_START_TIMEOUT seconds to wait for the broker to answer (120)
#              CARGO, CARGO_TARGET_DIR, FERROKAFKA_DEPS  as for cargo and scripts/deps.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/scripts/kafka
DEPS=${FERROKAFKA_DEPS:-$ROOT/.deps}
CACHE=$DEPS/kafka
HEAP=${KAFKA_HEAP:-512m}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}

log() { printf 'kafka: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The classpath, from the cache when it was resolved from this pom and every jar is still in ~/.m2.
classpath() {
    local pom=$HERE/pom.xml want cp jar jars
    want=$(sha256sum "$pom" | cut -d' ' -f1)
    if [ -f "$CACHE/classpath" ] && [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$want" ]; then
        cp=$(cat "$CACHE/classpath")
        local complete=true
        IFS=: read -ra jars <<<"$cp"
        for jar in "${jars[@]}"; do [ -f "$jar" ] || { complete=false; break; }; done
        $complete && { printf '%s\n' "$cp"; return 0; }
    fi
    command -v mvn >/dev/null || die "mvn not found (scripts/deps.sh installs Debian's maven)"
    mkdir -p "$CACHE"
    log "resolving $(grep -o '<kafka.version>[^<]*' "$pom" | cut -d'>' -f2) with Maven into ~/.m2 (once)"
    # Per-process file names: two first runs at once (interop and bench) must not mix their outputs.
    if ! mvn -B -q -f "$pom" dependency:build-classpath -Dmdep.outputFile="$CACHE/classpath.$$" \
        >"$CACHE/mvn.$$.log" 2>&1; then
        cat "$CACHE/mvn.$$.log" >&2
        die "Maven could not resolve scripts/kafka/pom.xml (its output is above)"
    fi
    rm -f "$CACHE/mvn.$$.log"
    mv "$CACHE/classpath.$$" "$CACHE/classpath"
    echo "$want" >"$CACHE/stamp"
    cat "$CACHE/classpath"
}

# java_cmd LEVEL: the java command line (without class) for a JVM of this classpath, logging at LEVEL.
java_cmd() {
    command -v java >/dev/null || die "java not found (scripts/deps.sh installs Debian's default-jre-headless)"
    local cp major
    # Kafka 4 needs Java 17 (the broker) or 11 (clients and tools); ask for 17 and say so clearly.
    major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${major%%.*}" -ge 17 ] 2>/dev/null || die "Kafka 4 needs Java 17 or newer; $(command -v java) is ${major:-unknown}"
    cp=$(classpath)
    JAVA_CMD=(java -Djava.awt.headless=true -Dlog4j2.configurationFile="$HERE/log4j2.properties"
        -Dferrokafka.log.level="$1" -cp "$cp")
}

# free_ports N: N distinct free loopback ports, held open together while chosen so they differ.
free_ports() {
    python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# start DIR: sets KAFKA_PID and BOOTSTRAP; the broker is a child of this shell.
start() {
    local dir=$1 port cport cluster_id
    [ -e "$dir/kafka.pid" ] && die "$dir already holds a broker (kafka.pid); stop it first"
    command -v kcat >/dev/null || die "kcat not found (scripts/deps.sh installs it); it tells when the broker is up"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    java_cmd info
    read -r port cport < <(free_ports 2)
    # A KRaft cluster id is 16 random bytes in unpadded URL-safe base64 (what `kafka-storage random-uuid` prints).
    cluster_id=$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    # One process as broker and controller; every internal topic with one replica and one partition, since a
    # single broker could not place more replicas and 50 partitions each only slow the first group/transaction.
    cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
# Look for timed-out transactions every 500 ms instead of 10 s, so a test of transaction.timeout.ms is quick.
transaction.abort.timed.out.transaction.cleanup.interval.ms=500
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    # Formatting is what bin/kafka-storage.sh format does; --standalone makes this node the only voter.
    if ! "${JAVA_CMD[@]}" -Xmx256m -Dferrokafka.log.level=warn kafka.tools.StorageTool format --standalone \
        -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
        cat "$dir/format.log" >&2
        die "formatting KRaft storage in $dir failed"
    fi
    "${JAVA_CMD[@]}" -Xmx"$HEAP" -Xms"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        kafka.Kafka "$dir/server.properties" >"$dir/kafka.log" 2>&1 </dev/null &
    KAFKA_PID=$!
    echo "$KAFKA_PID" >"$dir/kafka.pid"
    BOOTSTRAP=127.0.0.1:$port
    # Ready when a metadata request lists the broker: it opens its client listener only once it is unfenced.
    local deadline=$((SECONDS + START_TIMEOUT))
    until kcat -L -b "$BOOTSTRAP" -m 2 -J 2>/dev/null | grep -q '"brokers":\[{'; do
        if ! kill -0 "$KAFKA_PID" 2>/dev/null; then
            tail -n 60 "$dir/kafka.log" >&2
            rm -f "$dir/kafka.pid"
            die "the broker exited during start-up (its log: $dir/kafka.log, last lines above)"
        fi
        if [ $SECONDS -ge $deadline ]; then
            tail -n 60 "$dir/kafka.log" >&2
            stop "$dir"
            die "the broker did not answer within $START_TIMEOUT s (its log: $dir/kafka.log, last lines above)"
        fi
        sleep 0.5
    done
    echo "$BOOTSTRAP" >"$dir/bootstrap"
}

# stop DIR: TERM (a controlled shutdown takes a few seconds), KILL after 60 s, and wait until the pid is gone.
stop() {
    local dir=$1 pid i
    [ -f "$dir/kafka.pid" ] || return 0
    pid=$(cat "$dir/kafka.pid")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "broker $pid still running after 60 s; killing it"
        kill -9 "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    wait "$pid" 2>/dev/null || true # reaps it when it is our child (start and stop in one shell)
    rm -f "$dir/kafka.pid"
}

run_test() {
    local dir status=0 start_time
    if [ $# -eq 0 ]; then
        # Every integration test of the workspace: those that read KAFKA_BOOTSTRAP (the behaviour suite
        # in tests/, the CLI's admin commands) run against this broker; the others (testkit, CLI, core)
        # use their own testkit and just run again, a few seconds. `--workspace` keeps the feature
        # resolution of `make test`'s build, so its binaries are reused instead of building tokio and
        # everything above it a second time (a subset of packages resolves other features). Built
        # before the broker starts, not while it waits.
        "${CARGO:-cargo}" test --release --no-fail-fast --workspace --test '*' --no-run ||
            die "building the behaviour suite failed"
        # Then the transaction judges of tests/interop, which also run against the testkit: run here, they
        # show that what they expect is what Apache Kafka does (our consumer against transactions
        # confluent-kafka wrote; confluent-kafka's and KafkaJS's exactly-once loops, fencing, timeouts; the admin
        # clients of confluent-kafka and kafka-python).
        set -- bash -c '"$1" test --release --no-fail-fast --workspace --test "*"; a=$?
            cd "$3/tests/interop/python" && "$2" -m pytest -q test_transactions.py test_exactly_once.py test_admin.py; b=$?
            cd "$3/tests/interop" && NODE_PATH=$4/node/node_modules KAFKAJS_NO_PARTITIONER_WARNING=1 \
                node --test --test-reporter=spec node/transaction.test.js; c=$?
            [ $a -eq 0 ] && [ $b -eq 0 ] && [ $c -eq 0 ]' suite "${CARGO:-cargo}" "$DEPS/venv/bin/python" "$ROOT" "$DEPS"
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ferrokafka-kafka.XXXXXX")
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    start_time=$SECONDS
    start "$dir"
    log "Apache Kafka at $BOOTSTRAP (pid $KAFKA_PID, started in $((SECONDS - start_time)) s; log $dir/kafka.log)"
    KAFKA_BOOTSTRAP=$BOOTSTRAP "$@" || status=$?
    stop "$dir"
    trap - EXIT
    if [ $status -eq 0 ]; then
        rm -rf "$dir"
    else
        log "failed (status $status); the broker's log stays in $dir/kafka.log"
    fi
    return $status
}

case ${1:-} in
classpath) classpath ;;
start)
    [ $# -eq 2 ] || die "usage: $0 start DIR"
    start "$2"
    echo "$BOOTSTRAP"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: $0 stop DIR"
    stop "$2"
    ;;
java)
    [ $# -ge 2 ] || die "usage: $0 java CLASS [ARG...]"
    shift
    java_cmd warn
    exec "${JAVA_CMD[@]}" -Xmx"$HEAP" "$@"
    ;;
test)
    shift
    run_test "$@"
    ;;
*) die "usage: $0 classpath | start DIR | stop DIR | java CLASS [ARG...] | test [CMD...]" ;;
esac
