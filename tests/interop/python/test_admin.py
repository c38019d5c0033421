"""The admin clients of confluent-kafka (librdkafka) and kafka-python, as independent judges of the broker's
admin side: creating topics (configs, validate_only) and partitions, describing and altering configs (whole and
incremental, with INVALID_CONFIG for a bad value), deleting records, describing the cluster, listing offsets and
listing a group's committed offsets, and group configs.

Runs against the testkit (tests/interop/run.sh) and against Apache Kafka (scripts/kafka.sh test): every
expectation here is Kafka's behaviour."""
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
)

TIMEOUT = 30


@pytest.fixture
def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap})


def result(futures):
    """The one result of a dict of futures."""
    (future,) = futures.values()
    return future.result(TIMEOUT)


def create(admin, topic, partitions=1, config=None):
    result(admin.create_topics([NewTopic(topic, partitions, 1, config=config or {})], operation_timeout=TIMEOUT))
    # Metadata reaches every broker shortly after the controller answers (real Kafka).
    deadline = time.monotonic() + TIMEOUT
    while topic not in admin.list_topics(timeout=TIMEOUT).topics:
        assert time.monotonic() < deadline, f"{topic} never showed up in metadata"
        time.sleep(0.2)


def topic_config(admin, topic):
    return result(admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)]))


def config_becomes(admin, topic, name, value):
    """The entry once it has `value`: Kafka's controller applies a change and the broker that
    describes it learns of it a moment later."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        entry = topic_config(admin, topic)[name]
        if entry.value == value:
            return entry
        assert time.monotonic() < deadline, f"{name} stayed {entry.value}, never {value}"
        time.sleep(0.2)


def produce(bootstrap, topic, n, partition=0):
    """n records with timestamps 1 ms apart, the newest last."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    now = int(time.time() * 1000)
    for i in range(n):
        p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=partition, timestamp=now - n + i)
    assert p.flush(TIMEOUT) == 0


def test_create_topic_with_configs_and_validate_only(admin, topic):
    # validate_only checks and creates nothing.
    result(admin.create_topics([NewTopic(topic, 2, 1)], validate_only=True, operation_timeout=TIMEOUT))
    time.sleep(0.5)
    assert topic not in admin.list_topics(timeout=TIMEOUT).topics
    create(admin, topic, 2, {"cleanup.policy": "compact", "retention.ms": "3600000"})
    assert len(admin.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions) == 2
    configs = topic_config(admin, topic)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["cleanup.policy"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["retention.ms"].value == "3600000"
    # A config left alone is the default, from the broker.
    assert configs["min.compaction.lag.ms"].value == "0"
    assert configs["min.compaction.lag.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    # Creating it again, and a bad config value, fail with Kafka's codes.
    with pytest.raises(KafkaException) as exists:
        result(admin.create_topics([NewTopic(topic, 1, 1)], operation_timeout=TIMEOUT))
    assert exists.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS
    with pytest.raises(KafkaException) as bad:
        result(admin.create_topics([NewTopic(topic + "-bad", 1, 1, config={"cleanup.policy": "shred"})]))
    assert bad.value.args[0].code() == KafkaError.INVALID_CONFIG


def test_create_partitions(admin, bootstrap, topic):
    create(admin, topic, 1)
    result(admin.create_partitions([NewPartitions(topic, 3)], operation_timeout=TIMEOUT))
    deadline = time.monotonic() + TIMEOUT
    while len(admin.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions) != 3:
        assert time.monotonic() < deadline, "the new partitions never showed up"
        time.sleep(0.2)
    produce(bootstrap, topic, 1, partition=2)
    # Shrinking is refused.
    with pytest.raises(KafkaException) as shrink:
        result(admin.create_partitions([NewPartitions(topic, 2)], operation_timeout=TIMEOUT))
    assert shrink.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_incremental_and_whole_alter_configs(admin, topic):
    create(admin, topic, 1)
    set_retention = ConfigResource(
        ConfigResource.Type.TOPIC,
        topic,
        incremental_configs=[
            ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET),
            ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
        ],
    )
    result(admin.incremental_alter_configs([set_retention]))
    config_becomes(admin, topic, "retention.ms", "7200000")
    config_becomes(admin, topic, "cleanup.policy", "delete,compact")
    # A bad value changes nothing.
    bad = ConfigResource(
        ConfigResource.Type.TOPIC,
        topic,
        incremental_configs=[
            ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.SET),
            ConfigEntry("min.insync.replicas", "zero", incremental_operation=AlterConfigOpType.SET),
        ],
    )
    with pytest.raises(KafkaException) as invalid:
        result(admin.incremental_alter_configs([bad]))
    assert invalid.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert topic_config(admin, topic)["retention.ms"].value == "7200000"
    # DELETE goes back to the default.
    delete = ConfigResource(
        ConfigResource.Type.TOPIC,
        topic,
        incremental_configs=[ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE)],
    )
    result(admin.incremental_alter_configs([delete]))
    config_becomes(admin, topic, "retention.ms", "604800000")
    # The legacy AlterConfigs replaces the whole set: what is not named goes back to its default.
    whole = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"max.message.bytes": "500000"})
    result(admin.alter_configs([whole]))
    config_becomes(admin, topic, "max.message.bytes", "500000")
    config_becomes(admin, topic, "cleanup.policy", "delete")


def test_describe_cluster_and_broker_configs(admin):
    cluster = admin.describe_cluster(request_timeout=TIMEOUT).result(TIMEOUT)
    assert cluster.cluster_id
    assert len(cluster.nodes) >= 1
    node = cluster.nodes[0]
    configs = result(admin.describe_configs([ConfigResource(ConfigResource.Type.BROKER, str(node.id))]))
    assert configs["message.max.bytes"].value == "1048588"
    # A dynamic broker config is not read-only.
    assert not configs["message.max.bytes"].is_read_only


def test_delete_records_and_list_offsets(admin, bootstrap, topic):
    create(admin, topic, 1)
    produce(bootstrap, topic, 10)
    tp = TopicPartition(topic, 0, 4)
    (deleted,) = admin.delete_records([tp], operation_timeout=TIMEOUT).values()
    assert deleted.result(TIMEOUT).low_watermark == 4, "the new low watermark"
    offsets = admin.list_offsets(
        {TopicPartition(topic, 0): OffsetSpec.earliest()}, request_timeout=TIMEOUT
    )
    (earliest,) = offsets.values()
    assert earliest.result(TIMEOUT).offset == 4
    (latest,) = admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.latest()}).values()
    assert latest.result(TIMEOUT).offset == 10
    (maxts,) = admin.list_offsets({TopicPartition(topic, 0): OffsetSpec.max_timestamp()}).values()
    assert maxts.result(TIMEOUT).offset == 9
    # A consumer asked for an offset below the log start is reset (auto.offset.reset=earliest) to it.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": topic, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, 1)])
    msg = None
    deadline = time.monotonic() + TIMEOUT
    while msg is None or msg.error():
        assert time.monotonic() < deadline
        msg = c.poll(1)
    assert msg.offset() == 4
    c.close()


def test_list_consumer_group_offsets(admin, bootstrap, topic):
    from confluent_kafka import ConsumerGroupTopicPartitions

    create(admin, topic, 2)
    group = f"{topic}-g"
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 7)], asynchronous=False)
    c.close()
    (listed,) = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)]).values()
    got = {(tp.topic, tp.partition): tp.offset for tp in listed.result(TIMEOUT).topic_partitions}
    assert got == {(topic, 0): 5, (topic, 1): 7}
    groups = admin.list_consumer_groups(request_timeout=TIMEOUT).result(TIMEOUT)
    assert group in {g.group_id for g in groups.valid}


def test_kafka_python_admin(bootstrap, topic):
    from kafka import KafkaConsumer
    from kafka.admin import ConfigResource as KpConfigResource
    from kafka.admin import ConfigResourceType, KafkaAdminClient
    from kafka.admin import NewPartitions as KpNewPartitions
    from kafka.admin import NewTopic as KpNewTopic
    from kafka.structs import OffsetAndMetadata
    from kafka.structs import TopicPartition as KpTopicPartition

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT * 1000)
    try:
        admin.create_topics([KpNewTopic(topic, 1, 1, topic_configs={"retention.bytes": "1048576"})])
        deadline = time.monotonic() + TIMEOUT
        while topic not in admin.list_topics():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        admin.create_partitions({topic: KpNewPartitions(total_count=4)})
        deadline = time.monotonic() + TIMEOUT
        while len(admin.describe_topics([topic])[0]["partitions"]) != 4:
            assert time.monotonic() < deadline, "the new partitions never showed up"
            time.sleep(0.2)

        def configs(which="all"):
            described = admin.describe_configs([KpConfigResource(ConfigResourceType.TOPIC, topic)], config_filter=which)
            return {name: entry["value"] for name, entry in described["topic"][topic].items()}

        assert configs()["retention.bytes"] == "1048576"
        admin.alter_configs([KpConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "86400000"})])
        # kafka-python's alter_configs re-sends the other overrides (those DescribeConfigs reports as
        # dynamic, not default), so both stay (once the describing broker has the change).
        want = {"retention.ms": "86400000", "retention.bytes": "1048576"}
        deadline = time.monotonic() + TIMEOUT
        while (after := configs("modified")) != want:
            assert time.monotonic() < deadline, after
            time.sleep(0.2)

        group = f"{topic}-g"
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        consumer.commit({KpTopicPartition(topic, 3): OffsetAndMetadata(11, "", -1)})
        consumer.close()
        offsets = admin.list_group_offsets(group)[group]
        assert {tp.partition: om.offset for tp, om in offsets.items()} == {3: 11}
    finally:
        admin.close()


def test_group_configs(admin, topic):
    """Kafka 4.x group configs: any group id, Kafka's bounds, source GROUP_CONFIG once set."""
    group = ConfigResource(ConfigResource.Type.GROUP, f"{topic}-g")
    entry = lambda: result(admin.describe_configs([group]))["consumer.session.timeout.ms"]
    assert (entry().value, entry().source) == ("45000", ConfigSource.DEFAULT_CONFIG.value)
    change = [ConfigEntry("consumer.session.timeout.ms", "50000", incremental_operation=AlterConfigOpType.SET)]
    result(admin.incremental_alter_configs([ConfigResource(ConfigResource.Type.GROUP, group.name, incremental_configs=change)]))
    deadline = time.monotonic() + TIMEOUT
    while entry().value != "50000":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert entry().source == ConfigSource.GROUP_CONFIG.value
    low = [ConfigEntry("consumer.session.timeout.ms", "1000", incremental_operation=AlterConfigOpType.SET)]
    with pytest.raises(KafkaException) as refused:
        result(admin.incremental_alter_configs([ConfigResource(ConfigResource.Type.GROUP, group.name, incremental_configs=low)]))
    assert refused.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "group.consumer.min.session.timeout.ms" in refused.value.args[0].str()
