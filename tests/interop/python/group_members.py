"""Consumer group members for the interop tests, each in its own process, as applications are: a
confluent-kafka or kafka-python consumer subscribes, polls, and reports what it reads and holds; on request it
commits, reads the group's committed offsets back, or closes.

(Two kafka-python 3.0.12 consumers polled from threads of one process sometimes stall inside kafka-python,
a user thread blocked in its IO loop's wakeup-socket send; one consumer per process never does.)"""
import multiprocessing
import queue
import time

# Short sessions and frequent heartbeats, so members notice rebalances quickly.
CONFLUENT_FAST = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 300}
KAFKA_PYTHON_FAST = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 300}


class _Confluent:
    def __init__(self, bootstrap, group, topic, events, config):
        from confluent_kafka import Consumer
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False, **CONFLUENT_FAST, **config})
        self.consumer.subscribe([topic], on_revoke=lambda _, partitions: partitions and events.put(("revoked",)))

    def poll(self):
        from confluent_kafka import KafkaException
        msg = self.consumer.poll(0.2)
        if msg is None:
            return []
        if msg.error():
            raise KafkaException(msg.error())
        return [(msg.partition(), msg.offset(), msg.value().decode())]

    def assignment(self):
        return {tp.partition for tp in self.consumer.assignment()}

    def commit(self):
        self.consumer.commit(asynchronous=False)

    def committed(self, topic, partitions):
        from confluent_kafka import TopicPartition
        tps = self.consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in tps if tp.offset >= 0}

    def close(self):
        self.consumer.close()


class _KafkaPython:
    def __init__(self, bootstrap, group, topic, events, config):
        from kafka import KafkaConsumer
        self.consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                      auto_offset_reset="earliest", enable_auto_commit=False,
                                      **KAFKA_PYTHON_FAST, **config)

    def poll(self):
        return [(tp.partition, m.offset, m.value.decode())
                for tp, msgs in self.consumer.poll(timeout_ms=200).items() for m in msgs]

    def assignment(self):
        return {tp.partition for tp in self.consumer.assignment()}

    def commit(self):
        self.consumer.commit()

    def committed(self, topic, partitions):
        from kafka import TopicPartition
        offsets = {p: self.consumer.committed(TopicPartition(topic, p)) for p in partitions}
        return {p: o for p, o in offsets.items() if o is not None}

    def close(self):
        self.consumer.close()


KINDS = {"confluent-kafka": _Confluent, "kafka-python": _KafkaPython}


def _run(kind, bootstrap, group, topic, config, events, commands):
    try:
        member = KINDS[kind](bootstrap, group, topic, events, config)
    except Exception as e:
        events.put(("error", repr(e)))
        events.put(("closed",))
        return
    assigned = None
    while True:
        try:
            name, argument = commands.get_nowait()
        except queue.Empty:
            name = None
        if name == "close":
            break
        if name is not None:
            try:
                value = member.commit() if name == "commit" else member.committed(topic, argument)
                events.put(("reply", True, value))
            except Exception as e:
                events.put(("reply", False, repr(e)))
            continue
        try:
            records = member.poll()
            if records:
                events.put(("got", records))
            now = member.assignment()
            if now != assigned:
                assigned = now
                events.put(("assigned", now))
        except Exception as e:  # reported to the test, which decides
            events.put(("error", repr(e)))
            time.sleep(0.1)
    member.close()
    events.put(("closed",))


class Member:
    """A consumer process of `kind` ("confluent-kafka" or "kafka-python") in `group`, subscribed to `topic`.
    got: [(partition, offset, value)] read so far; assigned: its partitions now; revocations (confluent-kafka):
    rebalances that took partitions away. update() (wait_until calls it) takes in the latest reports."""

    _context = multiprocessing.get_context("spawn")  # no fork: both clients run threads

    def __init__(self, kind, bootstrap, group, topic, **config):
        self.kind = kind
        self.got = []
        self.assigned = set()
        self.errors = []
        self.revocations = 0
        self.closed = False
        self._replies = []
        self._events = self._context.Queue()
        self._commands = self._context.Queue()
        self._process = self._context.Process(target=_run, daemon=True,
                                              args=(kind, bootstrap, group, topic, config, self._events,
                                                    self._commands))
        self._process.start()

    def update(self):
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            if event[0] == "got":
                self.got.extend(event[1])
            elif event[0] == "assigned":
                self.assigned = event[1]
            elif event[0] == "revoked":
                self.revocations += 1
            elif event[0] == "error":
                self.errors.append(event[1])
            elif event[0] == "reply":
                self._replies.append(event[1:])
            elif event[0] == "closed":
                self.closed = True

    def _wait(self, done, timeout, what):
        deadline = time.monotonic() + timeout
        while not done():
            self.update()
            if done():
                return
            assert self._process.is_alive() or not self._events.empty(), f"{self.kind} member died; {self.report()}"
            assert time.monotonic() < deadline, f"{self.kind} member: no {what} within {timeout} s; {self.report()}"
            time.sleep(0.05)

    def _call(self, name, argument=None, timeout=60):
        self._commands.put((name, argument))
        self._wait(lambda: self._replies, timeout, name)
        ok, value = self._replies.pop(0)
        assert ok, f"{self.kind} {name} failed: {value}"
        return value

    def commit(self):
        """Commits the positions of its partitions (synchronously)."""
        self._call("commit")

    def committed(self, partitions):
        """{partition: offset} the group has committed, as this client reads them (no entry: none committed)."""
        return self._call("committed", list(partitions))

    def stop(self, timeout=60):
        """Closes the consumer (LeaveGroup, unless static) and ends the process; again: no-op."""
        if not self.closed and self._process.is_alive():
            self._commands.put(("close", None))
            self._wait(lambda: self.closed, timeout, "close")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def kill(self):
        """Ends the process at once: no commit, no LeaveGroup (a crash)."""
        self._process.kill()
        self._process.join(10)
        self.closed = True

    def report(self):
        return f"{self.kind}: assigned {sorted(self.assigned)}, read {len(self.got)}, errors {self.errors[:3]}"
