"""kcat (librdkafka) reading a compacted topic after compaction: kcat writes keyed records, some keys several
times and some deleted with a tombstone (a NULL value, kcat -Z); the testkit's log cleaner runs (SIGUSR1 to
ferrokafka-broker, INTEROP_BROKER_PID); kcat then reads one record per live key, its newest value, at its
original offset, and no tombstoned key. A record without a key is refused by the broker, as Kafka refuses it.

Testkit only: it triggers the broker's cleaner, which a real Kafka broker runs on its own schedule."""
import os
import signal
import subprocess
import time

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 30


def kcat(*args, stdin=None):
    done = subprocess.run(["kcat", *args], input=stdin, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"kcat {' '.join(args)} failed: {done.stderr}"
    return done.stdout


def read_all(bootstrap, topic):
    out = kcat("-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-Z", "-f", "%o %k=%s\n")
    return [line.split(" ", 1) for line in out.splitlines()]


def test_kcat_reads_one_record_per_key_after_compaction(bootstrap, topic):
    pid = int(os.environ["INTEROP_BROKER_PID"])
    admin = AdminClient({"bootstrap.servers": bootstrap})
    config = {"cleanup.policy": "compact", "delete.retention.ms": "0"}
    (created,) = admin.create_topics([NewTopic(topic, 1, 1, config=config)]).values()
    created.result(TIMEOUT)

    # k0..k9 three times each, then tombstones for k0..k2 (-Z: an empty value is NULL).
    lines = [f"k{k}:v{k}-{round_}" for round_ in range(3) for k in range(10)] + [f"k{k}:" for k in range(3)]
    kcat("-P", "-b", bootstrap, "-t", topic, "-K:", "-Z", stdin="\n".join(lines) + "\n")
    before = read_all(bootstrap, topic)
    assert len(before) == 33

    # The first pass keeps the tombstones (delete.retention.ms from now on), the second removes them.
    expected = [[str(20 + k), f"k{k}=v{k}-2"] for k in range(3, 10)]
    deadline = time.monotonic() + TIMEOUT
    while True:
        os.kill(pid, signal.SIGUSR1)
        time.sleep(0.3)
        after = read_all(bootstrap, topic)
        if after == expected:
            break
        assert time.monotonic() < deadline, f"after compaction kcat read {after}"

    # The log end did not move: the next record gets offset 33.
    kcat("-P", "-b", bootstrap, "-t", topic, "-K:", stdin="k3:v3-3\n")
    assert read_all(bootstrap, topic)[-1] == ["33", "k3=v3-3"]

    # A record without a key is refused on a compacted topic.
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "retries": 0, "enable.idempotence": False})
    errors = []
    p.produce(topic, value=b"no key", on_delivery=lambda err, msg: errors.append(err))
    p.flush(TIMEOUT)
    assert [e.code() for e in errors] == [KafkaError.INVALID_RECORD], errors
