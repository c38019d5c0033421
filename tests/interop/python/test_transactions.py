"""Isolation levels against transactions written by a real peer: confluent-kafka (librdkafka) writes, on one
partition, a committed transaction, an aborted one, another committed one, and leaves a fourth open. Then:

- ferrokafka's CLI consumer at its default isolation (read_committed, as librdkafka's) shows only the committed
  records and, with -e, stops at the last stable offset (the open transaction's start) instead of waiting;
- with -X isolation.level=read_uncommitted it shows every record, the aborted and the open ones included;
- confluent-kafka's own consumer, the reference, agrees on both.

Runs against the testkit (tests/interop/run.sh) and against Apache Kafka (scripts/kafka.sh test). Exits 77
(skipped, for tests/interop/run.sh) when a broker does not advertise the transaction APIs."""
import subprocess

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from peers import advertised_api_keys, cli_binary

TXN_APIS = {22: "InitProducerId", 24: "AddPartitionsToTxn", 26: "EndTxn"}
COMMITTED = ["c1", "c2", "c3"]
EVERYTHING = ["c1", "c2", "a1", "a2", "c3", "open"]


def write_transactions(bootstrap, topic):
    """Returns the producer holding the still-open fourth transaction."""
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"txn-{topic}", "linger.ms": 0})
    p.init_transactions(30)
    for values, outcome in ((["c1", "c2"], "commit"), (["a1", "a2"], "abort"), (["c3"], "commit"), (["open"], None)):
        p.begin_transaction()
        for v in values:
            p.produce(topic, value=v.encode(), partition=0)
        # Written to the log before the outcome, so an abort leaves real aborted records behind.
        assert p.flush(30) == 0
        if outcome == "commit":
            p.commit_transaction(30)
        elif outcome == "abort":
            p.abort_transaction(30)
    return p


def cli_values(bootstrap, topic, *extra):
    out = subprocess.run(
        [cli_binary(), "-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\\n",
         *extra],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "ERROR" not in out.stderr, out.stderr
    return out.stdout.splitlines()


def reference_values(bootstrap, topic, isolation):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ref-{topic}-{isolation}", "isolation.level": isolation,
                  "enable.partition.eof": True, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    try:
        while True:
            m = c.poll(30)
            assert m is not None, f"no EOF from confluent-kafka ({isolation}) after {values}"
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                return values
            values.append(m.value().decode())
    finally:
        c.close()


def test_read_committed_and_read_uncommitted(bootstrap, topic):
    missing = [name for key, name in TXN_APIS.items() if key not in advertised_api_keys(bootstrap)]
    if missing:  # 77: tests/interop/run.sh reports the scenario as skipped
        pytest.exit(f"broker does not advertise {', '.join(missing)}", returncode=77)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    open_txn = write_transactions(bootstrap, topic)
    try:
        assert reference_values(bootstrap, topic, "read_committed") == COMMITTED
        assert reference_values(bootstrap, topic, "read_uncommitted") == EVERYTHING
        assert cli_values(bootstrap, topic) == COMMITTED
        assert cli_values(bootstrap, topic, "-X", "isolation.level=read_committed") == COMMITTED
        assert cli_values(bootstrap, topic, "-X", "isolation.level=read_uncommitted") == EVERYTHING
    finally:
        open_txn.abort_transaction(30)
    # Aborted now: read_committed moves past it, still without the aborted records.
    assert cli_values(bootstrap, topic) == COMMITTED
