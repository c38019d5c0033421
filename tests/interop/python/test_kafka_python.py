"""kafka-python 3.x: idempotent producer (its default), read back by assign() + seek_to_beginning()."""
import time
from collections import defaultdict

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from records import COUNT, check_offsets, check_partitions, record


@pytest.mark.parametrize("compression", [None, "gzip"])  # gzip is the codec kafka-python has built in
def test_idempotent_produce_then_assign_and_read_back(bootstrap, topic, partitions, compression):
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=compression)
    # kafka-python quietly turns idempotence off when it judges the broker older than 0.11: make that loud.
    assert producer.config["enable_idempotence"], "kafka-python disabled idempotence for this broker"
    futures = []
    for seq in range(COUNT):
        r = record(seq)
        futures.append((seq, producer.send(topic, key=r["key"], value=r["value"], headers=r["headers"],
                                           timestamp_ms=r["timestamp"])))
    assert producer.partitions_for(topic) == set(range(partitions))
    delivered = defaultdict(list)  # partition -> [(offset, seq)]
    for seq, future in futures:
        meta = future.get(timeout=30)
        delivered[meta.partition].append((meta.offset, seq))
    assert producer._transaction_manager.has_producer_id(), "no producer id: InitProducerId did not happen"
    producer.close()
    for reports in delivered.values():
        reports.sort()
    check_offsets(delivered, partitions)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    assert {tp.partition: end[tp] for tp in tps} == {p: len(delivered.get(p, [])) for p in range(partitions)}
    got = defaultdict(list)
    deadline = time.monotonic() + 60
    while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
        for tp, records in consumer.poll(timeout_ms=500).items():
            for r in records:
                assert r.timestamp_type == 0, "expected CreateTime"
                got[tp.partition].append((r.offset, r.key, r.value, list(r.headers), r.timestamp))
    consumer.close()

    want = {p: [(offset, *(record(seq)[f] for f in ("key", "value", "headers", "timestamp")))
                for offset, seq in reports] for p, reports in delivered.items()}
    check_partitions(got, want, partitions)
