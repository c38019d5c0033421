"""One consumer group, three clients: ferrokafka's CLI (`-G`, a subprocess), confluent-kafka (librdkafka) and
kafka-python, all with the range assignor, on a 6-partition topic.

1. The group splits the topic between all three (2 partitions each, no overlap, all 6 covered); the CLI's
   assignment is read from its stderr rebalance lines (kcat's text).
2. While that membership holds, every message produced is consumed exactly once across the three, each by the
   owner of its partition.
3. All stop (each commits what it consumed and leaves); the group's committed offsets are the ends of the
   partitions. Then each client resumes alone from the offsets another one committed: the CLI (-e) after
   confluent-kafka and kafka-python, kafka-python after the CLI, confluent-kafka after kafka-python; each reads
   exactly the messages produced since.

The CLI is $FERROKAFKA_CLI, or target/release/ferrokafka (built if missing). Exits 77 (skipped, for
tests/interop/run.sh) when the broker does not advertise the group APIs."""
import re
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor

from peers import advertised_api_keys, cli_binary

PARTITIONS = 6
COUNT = 600  # messages while the three share the group, spread evenly over the partitions
RESUME_COUNT = 60  # messages before each single-client resume
GROUP_APIS = {8: "OffsetCommit", 9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
              13: "LeaveGroup", 14: "SyncGroup"}
# Short heartbeats so a rebalance completes in about a second, whichever member has to notice it.
SESSION_MS, HEARTBEAT_MS = 10000, 500


class CliMember:
    """`ferrokafka -G GROUP TOPIC -f '%p %o %s\\n'`: what it prints, and its assignment from its stderr."""

    REBALANCE = re.compile(r"^% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$")

    def __init__(self, bootstrap, group, topic, *extra):
        self.args = [cli_binary(), "-b", bootstrap, "-G", group, topic, "-f", "%p %o %s\\n",
                     "-X", "partition.assignment.strategy=range", "-X", f"session.timeout.ms={SESSION_MS}",
                     "-X", f"heartbeat.interval.ms={HEARTBEAT_MS}", "-X", "auto.offset.reset=earliest", *extra]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages = []  # (partition, offset, value)
        self.stderr = []
        self.assignment = set()
        self.rebalances = 0
        self.lock = threading.Lock()
        self.readers = [threading.Thread(target=self._read_stdout, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self.readers:
            t.start()

    def _read_stdout(self):
        for line in self.proc.stdout:
            p, o, value = line.decode().rstrip("\n").split(" ", 2)
            with self.lock:
                self.messages.append((int(p), int(o), value))

    def _read_stderr(self):
        for line in self.proc.stderr:
            text = line.decode().rstrip("\n")
            m = self.REBALANCE.match(text)
            with self.lock:
                self.stderr.append(text)
                if m:
                    self.rebalances += 1
                    parts = {int(p) for p in re.findall(r"\[(\d+)\]", m.group(2))}
                    self.assignment = parts if m.group(1) == "assigned" else set()

    def poll(self):
        assert self.proc.poll() is None, f"the CLI exited ({self.proc.returncode}): {self.log()}"

    def log(self):
        with self.lock:
            return "\n".join(self.stderr[-20:])

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops it (a signal: commit, leave) or waits for it to exit by itself (sig=None); the exit code."""
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        for t in self.readers:
            t.join(timeout=10)
        return code


class ConfluentMember:
    def __init__(self, bootstrap, group, topic):
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": group, "partition.assignment.strategy": "range",
            "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_MS,
            "heartbeat.interval.ms": HEARTBEAT_MS, "auto.commit.interval.ms": 1000})
        self.messages, self.assignment, self.rebalances, self.errors = [], set(), 0, []

        def on_assign(_, partitions):
            self.rebalances += 1
            self.assignment = {tp.partition for tp in partitions}

        def on_revoke(_, partitions):
            self.rebalances += 1
            self.assignment = set()

        self.consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)

    def poll(self):
        for msg in self.consumer.consume(num_messages=500, timeout=0.05):
            if msg.error():
                assert msg.error().code() == KafkaError._PARTITION_EOF, f"confluent-kafka: {msg.error()}"
                continue
            self.messages.append((msg.partition(), msg.offset(), msg.value().decode()))

    def stop(self):
        self.consumer.close()  # commits what was consumed, leaves the group


class KafkaPythonMember:
    def __init__(self, bootstrap, group, topic):
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.rebalances += 1
                member.assignment = set()

            def on_partitions_assigned(self, assigned):
                member.rebalances += 1
                member.assignment = {tp.partition for tp in assigned}

        self.messages, self.assignment, self.rebalances = [], set(), 0
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, partition_assignment_strategy=(RangePartitionAssignor,),
            auto_offset_reset="earliest", session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS,
            auto_commit_interval_ms=1000)
        self.consumer.subscribe(topics=[topic], listener=Listener())

    def poll(self):
        for tp, records in self.consumer.poll(timeout_ms=50).items():
            self.messages.extend((tp.partition, r.offset, r.value.decode()) for r in records)

    def stop(self):
        self.consumer.close()  # autocommit on close, LeaveGroup


def drive(members, until, seconds, what):
    """Polls every member until until() holds; fails after `seconds` saying `what` (a string, or a function
    giving one then) did not happen."""
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, f"{what() if callable(what) else what} within {seconds} s"
        for m in members:
            m.poll()


def produce(bootstrap, topic, first, count):
    """Messages first..first+count-1, "m<seq>", message seq to partition seq % PARTITIONS; returns their values."""
    producer = Producer({"bootstrap.servers": bootstrap})
    failures = []
    for seq in range(first, first + count):
        producer.produce(topic, f"m{seq}".encode(), partition=seq % PARTITIONS,
                         on_delivery=lambda err, _: err is not None and failures.append(err))
    assert producer.flush(60) == 0, "messages left undelivered"
    assert failures == [], f"delivery failed: {failures[:3]}"
    return {f"m{seq}" for seq in range(first, first + count)}


def committed(bootstrap, group, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return {tp.partition: tp.offset
                for tp in c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=30)}
    finally:
        c.close()


def read_alone(member, want, seconds=60):
    """Polls a lone member until it has read len(want) messages, and a second more for extras."""
    drive([member], lambda: len(member.messages) >= len(want), seconds,
          lambda: f"{type(member).__name__} resumed and read {len(want)} messages (it read {len(member.messages)}, "
                  f"holds partitions {sorted(member.assignment)} after {member.rebalances} rebalance callbacks)")
    settle = time.monotonic() + 1
    while time.monotonic() < settle:
        member.poll()
    return member.messages


def test_mixed_group_shares_partitions_and_commits(bootstrap, topic):
    advertised = advertised_api_keys(bootstrap)
    missing = [name for key, name in GROUP_APIS.items() if key not in advertised]
    if missing:  # 77: tests/interop/run.sh reports the scenario as skipped
        pytest.exit(f"broker does not advertise {', '.join(missing)}", returncode=77)
    admin = AdminClient({"bootstrap.servers": bootstrap})  # alive until the futures are done
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)]).values():
        future.result(30)
    group = f"{topic}-group"

    # 1. Three members, one partition range each.
    cli = CliMember(bootstrap, group, topic)
    members = [cli]
    try:
        librdkafka = ConfluentMember(bootstrap, group, topic)
        members.append(librdkafka)
        kpython = KafkaPythonMember(bootstrap, group, topic)
        members.append(kpython)

        def split_three_ways():
            views = [m.assignment for m in members]
            return all(views) and sum(map(len, views)) == PARTITIONS and set().union(*views) == set(range(PARTITIONS))

        drive(members, split_three_ways, 90, "the group split the topic between the three")
        # The same split for a while: the rebalance is over, not caught midway.
        stable_at = [m.rebalances for m in members]
        split = [set(m.assignment) for m in members]
        hold = time.monotonic() + 2
        drive(members, lambda: time.monotonic() > hold, 10, "nothing")
        assert [m.rebalances for m in members] == stable_at, "the group kept rebalancing"
        assert [len(s) for s in split] == [2, 2, 2], f"range assignment of 6 partitions to 3: {split}"

        # 2. Exactly once across the three while the membership holds.
        produced = produce(bootstrap, topic, 0, COUNT)
        drive(members, lambda: sum(len(m.messages) for m in members) >= COUNT, 60, f"the group consumed {COUNT} messages")
        settle = time.monotonic() + 2
        drive(members, lambda: time.monotonic() > settle, 10, "nothing")  # duplicates would show up now
        assert [m.rebalances for m in members] == stable_at, "a rebalance happened while consuming"
        for member, partitions in zip(members, split):
            stray = {p for p, _, _ in member.messages} - partitions
            assert not stray, f"{type(member).__name__} read partitions {stray} it does not own ({partitions})"
        everything = [msg for m in members for msg in m.messages]
        twice = [key for key, n in Counter((p, o) for p, o, _ in everything).items() if n > 1]
        assert not twice, f"consumed more than once: {twice[:10]}"
        assert {v for _, _, v in everything} == produced
        assert len(everything) == COUNT

        # 3. All stop; what each consumed is committed.
        kpython.stop()
        members.remove(kpython)
        librdkafka.stop()
        members.remove(librdkafka)
        assert cli.stop() == 0, cli.log()
        members.remove(cli)
        assert "% ERROR" not in cli.log(), cli.log()
        assert committed(bootstrap, group, topic) == {p: COUNT // PARTITIONS for p in range(PARTITIONS)}
    finally:
        for m in members:
            m.stop()

    # The CLI alone resumes from what confluent-kafka, kafka-python and itself committed, and exits at the end (-e).
    want = produce(bootstrap, topic, COUNT, RESUME_COUNT)
    cli = CliMember(bootstrap, group, topic, "-e")
    try:
        assert cli.stop(sig=None, timeout=90) == 0, cli.log()
    finally:
        if cli.proc.poll() is None:
            cli.stop(signal.SIGKILL)
    assert sorted(v for _, _, v in cli.messages) == sorted(want), cli.log()
    assert cli.assignment == set() and "revoked: " in cli.log(), cli.log()
    ends = {p: (COUNT + RESUME_COUNT) // PARTITIONS for p in range(PARTITIONS)}
    assert committed(bootstrap, group, topic) == ends

    # kafka-python resumes from the CLI's commits.
    want = produce(bootstrap, topic, COUNT + RESUME_COUNT, RESUME_COUNT)
    kpython = KafkaPythonMember(bootstrap, group, topic)
    try:
        got = read_alone(kpython, want)
    finally:
        kpython.stop()
    assert sorted(v for _, _, v in got) == sorted(want)

    # confluent-kafka resumes from kafka-python's commits.
    want = produce(bootstrap, topic, COUNT + 2 * RESUME_COUNT, RESUME_COUNT)
    librdkafka = ConfluentMember(bootstrap, group, topic)
    try:
        got = read_alone(librdkafka, want)
    finally:
        librdkafka.stop()
    assert sorted(v for _, _, v in got) == sorted(want)
    ends = {p: (COUNT + 3 * RESUME_COUNT) // PARTITIONS for p in range(PARTITIONS)}
    assert committed(bootstrap, group, topic) == ends
