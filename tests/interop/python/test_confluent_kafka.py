"""confluent-kafka (librdkafka inside): produce with delivery reports, read back by assign() from the start."""
import time
from collections import defaultdict

import pytest
from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, Consumer, KafkaError, Producer, TopicPartition

from records import COUNT, check_offsets, check_partitions, record


@pytest.mark.parametrize("producer_config", [{}, {"enable.idempotence": True, "compression.type": "zstd"}],
                         ids=["default", "idempotent-zstd"])
def test_produce_then_assign_and_read_back(bootstrap, topic, partitions, producer_config):
    delivered = defaultdict(list)  # partition -> [(offset, seq)] in delivery order
    failures = []

    def on_delivery(err, msg):
        if err is not None:
            failures.append(err)
        else:
            delivered[msg.partition()].append((msg.offset(), int(msg.value()[1:])))

    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 30000, **producer_config})
    for seq in range(COUNT):
        r = record(seq)
        producer.produce(topic, r["value"], r["key"], headers=r["headers"], timestamp=r["timestamp"],
                         on_delivery=on_delivery)
        producer.poll(0)
    assert len(producer.list_topics(topic, timeout=10).topics[topic].partitions) == partitions
    assert producer.flush(60) == 0, "messages left undelivered"
    assert failures == [], f"delivery failed: {failures[:3]}"
    assert sum(map(len, delivered.values())) == COUNT
    check_offsets(delivered, partitions)

    # confluent-kafka requires a group.id even when partitions are assigned by hand; no group is joined.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    got, at_end, errors = defaultdict(list), set(), []
    deadline = time.monotonic() + 60
    while len(at_end) < partitions and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
            else:
                errors.append(msg.error())
                assert not msg.error().fatal(), f"fatal consumer error: {msg.error()}"
            continue
        ts_type, ts = msg.timestamp()
        assert ts_type == TIMESTAMP_CREATE_TIME
        got[msg.partition()].append((msg.offset(), msg.key(), msg.value(), msg.headers(), ts))
    consumer.close()
    assert len(at_end) == partitions, f"reached the end of partitions {sorted(at_end)} only; errors: {errors[:3]}"

    want = {p: [(offset, *(record(seq)[f] for f in ("key", "value", "headers", "timestamp")))
                for offset, seq in reports] for p, reports in delivered.items()}
    check_partitions(got, want, partitions)
