"""confluent-kafka's own exactly-once loop against the broker: a transactional producer that sends the consumer's
offsets with each transaction (send_offsets_to_transaction, KIP-447 group metadata), one transaction aborted and
redone, and read_committed consumers as the judge. Then fencing (a second instance with the same
transactional.id) and a transaction the broker aborts on its own clock (transaction.timeout.ms).

Runs against the testkit (tests/interop/run.sh) and against Apache Kafka (scripts/kafka.sh test), unchanged."""
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

N = 40
PER_TXN = 10


def create(bootstrap, *topics, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(t, partitions, 1) for t in topics]).values():
        f.result(30)


def values(bootstrap, topic, isolation, partitions=1):
    """Every value of `topic`, read from the beginning to the end with `isolation`."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"judge-{topic}-{isolation}",
                  "isolation.level": isolation, "enable.partition.eof": True, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out, eof = [], set()
    try:
        while len(eof) < partitions:
            m = c.poll(30)
            assert m is not None, f"no EOF ({isolation}) after {out}"
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                eof.add(m.partition())
                continue
            out.append(m.value().decode())
    finally:
        c.close()
    return out


def committed_values_become(bootstrap, topic, want):
    """read_committed's view once it is `want`: Kafka answers EndTxn in PrepareCommit and writes
    the markers (moving the last stable offset) a moment later."""
    deadline = time.monotonic() + 30
    while (seen := values(bootstrap, topic, "read_committed")) != want:
        assert time.monotonic() < deadline, f"read_committed saw {seen}, never {want}"
        time.sleep(0.2)


def test_consume_transform_produce_with_send_offsets(bootstrap, topic):
    src, dst, group = f"{topic}-in", f"{topic}-out", f"{topic}-g"
    create(bootstrap, src, dst)
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for i in range(N):
        p.produce(src, value=f"r{i}".encode(), partition=0)
    assert p.flush(30) == 0

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    c.subscribe([src])
    tp = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"{topic}-tx", "linger.ms": 0})
    tp.init_transactions(30)
    aborted_once = False
    done = 0
    deadline = time.time() + 60
    while done < N and time.time() < deadline:
        batch = c.consume(PER_TXN, 5)
        batch = [m for m in batch if not m.error()]
        if not batch:
            continue
        tp.begin_transaction()
        for m in batch:
            tp.produce(dst, value=m.value().upper(), partition=0)
        tp.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        if done >= PER_TXN and not aborted_once:
            # The second transaction is aborted: its output and its offsets must vanish; rewind and redo.
            aborted_once = True
            assert tp.flush(30) == 0  # in the log before the abort, so there is something to hide
            tp.abort_transaction(30)
            committed = c.committed(c.assignment(), 30)
            for t in committed:
                c.seek(t)
            continue
        tp.commit_transaction(30)
        done += len(batch)
    c.close()
    assert done == N

    expected = [f"R{i}" for i in range(N)]
    committed_values_become(bootstrap, dst, expected)
    everything = values(bootstrap, dst, "read_uncommitted")
    assert len(everything) == N + PER_TXN, everything
    assert sorted(set(everything)) == sorted(expected)

    # The group's offset is what the last transaction committed.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed"})
    assert [t.offset for t in c.committed([TopicPartition(src, 0)], 30)] == [N]
    c.close()


def test_a_second_instance_fences_the_first(bootstrap, topic):
    create(bootstrap, topic)
    conf = {"bootstrap.servers": bootstrap, "transactional.id": f"{topic}-tx", "linger.ms": 0}
    first = Producer(conf)
    first.init_transactions(30)
    first.begin_transaction()
    first.produce(topic, value=b"zombie", partition=0)
    assert first.flush(30) == 0

    second = Producer(conf)
    second.init_transactions(30)  # aborts the first one's open transaction
    second.begin_transaction()
    second.produce(topic, value=b"live", partition=0)
    second.commit_transaction(30)

    with pytest.raises(KafkaException) as failed:
        first.commit_transaction(30)
    err = failed.value.args[0]
    assert err.fatal(), err
    committed_values_become(bootstrap, topic, ["live"])


def test_the_broker_aborts_a_transaction_past_its_timeout(bootstrap, topic):
    create(bootstrap, topic)
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"{topic}-tx", "linger.ms": 0,
                  "transaction.timeout.ms": 2000})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, value=b"late", partition=0)
    assert p.flush(30) == 0
    time.sleep(4)
    with pytest.raises(KafkaException):
        p.commit_transaction(30)
    assert values(bootstrap, topic, "read_committed") == []
    assert values(bootstrap, topic, "read_uncommitted") == ["late"]
