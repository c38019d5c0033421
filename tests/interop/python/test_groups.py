"""Consumer groups: confluent-kafka (librdkafka) and kafka-python members subscribe, alone and mixed in one
group; partitions are split, each record is read once while membership is stable, commits are resumed by
another client after a restart, static members come back without a rebalance, and the admin group APIs
(list, describe, offsets, delete) answer as Kafka does. Every member is its own process (group_members.py)."""
import time
import uuid

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient
from kafka import TopicPartition as KafkaPythonTopicPartition
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata

from group_members import Member

PARTITIONS = 6


def create_topic(bootstrap, topic, partitions=PARTITIONS):
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive the future
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def produce(bootstrap, topic, first, count):
    """Records v<first>..v<first+count-1> with keys that spread over the partitions."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for seq in range(first, first + count):
        producer.produce(topic, f"v{seq}".encode(), f"k{seq}".encode())
        producer.poll(0)
    assert producer.flush(30) == 0, "records left undelivered"


def wait_until(members, condition, timeout, what):
    """Takes in the members' reports until condition() holds; on timeout, fails with what they report."""
    deadline = time.monotonic() + timeout
    while True:
        for m in members:
            m.update()
        if condition():
            return
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}:\n" + "\n".join(m.report() for m in members))
        time.sleep(0.05)


def wait_for_split(members, partitions=PARTITIONS, timeout=60):
    """Until the members' assignments are non-empty, disjoint and cover every partition."""
    def split():
        sets = [m.assigned for m in members]
        return all(sets) and sum(map(len, sets)) == partitions and set().union(*sets) == set(range(partitions))
    wait_until(members, split, timeout, "the members to split the partitions")
    return [set(m.assigned) for m in members]


def stop_all(members):
    for m in members:
        m.stop()


@pytest.mark.parametrize("kinds", [("confluent-kafka", "confluent-kafka"), ("kafka-python", "kafka-python"),
                                   ("confluent-kafka", "kafka-python")], ids="+".join)
def test_two_members_split_partitions_and_read_each_record_once(bootstrap, topic, kinds):
    create_topic(bootstrap, topic)
    group = f"{topic}-group"
    members = [Member(kind, bootstrap, group, topic) for kind in kinds]
    try:
        assignments = wait_for_split(members)
        count = 600
        produce(bootstrap, topic, 0, count)
        wait_until(members, lambda: sum(len(m.got) for m in members) >= count, 60, f"{count} records")
        time.sleep(0.5)  # anything read twice would show up now
        for m in members:
            m.update()
            assert m.errors == [], f"{m.kind}: {m.errors[:3]}"
        assert [m.assigned for m in members] == assignments, "membership changed while reading"
        values = [value for m in members for _, _, value in m.got]
        assert sorted(values) == sorted(f"v{seq}" for seq in range(count)), \
            f"read {len(values)} records ({len(set(values))} distinct) for {count} sent"
        for m, assigned in zip(members, assignments):
            assert m.got, f"{m.kind} read nothing from partitions {sorted(assigned)}"
            assert {p for p, _, _ in m.got} <= assigned, f"{m.kind} read outside its assignment"
        ends = {}
        for m in members:
            for p, offset, _ in m.got:
                ends[p] = max(ends.get(p, 0), offset + 1)
        assert sorted(ends) == list(range(PARTITIONS)), "records did not reach every partition"
        # Each commits its positions while the membership holds; both read the whole group's offsets back.
        for m in members:
            m.commit()
        for m in members:
            assert m.committed(range(PARTITIONS)) == ends, f"{m.kind} reads other committed offsets"
    finally:
        stop_all(members)


def test_offsets_committed_by_one_client_are_resumed_by_another(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    group = f"{topic}-group"
    sent = 0
    for kind, count in [("confluent-kafka", 200), ("kafka-python", 100), ("confluent-kafka", 50),
                        ("kafka-python", 25)]:
        produce(bootstrap, topic, sent, count)
        sent += count
        # Joins the group alone, reads exactly the records not committed yet, commits, leaves.
        member = Member(kind, bootstrap, group, topic)
        try:
            wait_until([member], lambda: len(member.got) >= count, 60, f"{count} records")
            time.sleep(1)  # nothing more may come
            member.update()
            assert member.errors == [], member.errors[:3]
            assert sorted(v for _, _, v in member.got) == sorted(f"v{s}" for s in range(sent - count, sent)), \
                f"{kind} did not resume where the previous client committed"
            member.commit()
        finally:
            member.stop()
    admin = AdminClient({"bootstrap.servers": bootstrap})
    result = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(30)
    assert sum(tp.offset for tp in result.topic_partitions if tp.topic == topic) == sent


def test_static_member_restart_keeps_its_partitions_without_a_rebalance(bootstrap, topic):
    create_topic(bootstrap, topic)
    group = f"{topic}-group"
    instance = f"static-{uuid.uuid4().hex[:6]}"
    first = Member("confluent-kafka", bootstrap, group, topic, **{"group.instance.id": instance})
    other = Member("confluent-kafka", bootstrap, group, topic, **{"group.instance.id": instance + "-other"})
    members = [first, other]
    try:
        before, other_before = wait_for_split(members)
        revocations = other.revocations
        # A static member closes without LeaveGroup; back within its session timeout, it takes its old
        # place under a new member id, the group does not rebalance and keeps its assignment.
        first.stop()
        restarted = Member("confluent-kafka", bootstrap, group, topic, **{"group.instance.id": instance})
        members.append(restarted)
        wait_until(members, lambda: restarted.assigned, 30, "the restarted static member's assignment")
        assert restarted.assigned == before
        time.sleep(1)
        other.update()
        assert other.assigned == other_before
        assert other.revocations == revocations, "the other member went through a rebalance"
    finally:
        stop_all(members)


def test_a_crashed_member_is_replaced_after_its_session_timeout(bootstrap, topic):
    create_topic(bootstrap, topic)
    group = f"{topic}-group"
    survivor = Member("confluent-kafka", bootstrap, group, topic)
    crashing = Member("kafka-python", bootstrap, group, topic)
    try:
        wait_for_split([survivor, crashing])
        crashing.kill()  # no LeaveGroup: the broker notices when its 6 s session runs out
        started = time.monotonic()
        wait_until([survivor], lambda: survivor.assigned == set(range(PARTITIONS)), 30,
                   "the survivor to take every partition")
        assert time.monotonic() - started >= 4, "the member was removed before its session timeout"
    finally:
        stop_all([survivor])


def test_admin_group_apis_with_confluent_kafka(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, 0, 30)
    group = f"{topic}-group"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    member = Member("confluent-kafka", bootstrap, group, topic, **{"client.id": "admin-test"})
    try:
        wait_until([member], lambda: len(member.got) == 30, 60, "30 records")
        listed = admin.list_consumer_groups().result(30)
        assert group in {g.group_id for g in listed.valid}, listed.valid
        described = admin.describe_consumer_groups([group])[group].result(30)
        assert described.state == ConsumerGroupState.STABLE
        assert [m.client_id for m in described.members] == ["admin-test"]
        assert {tp.partition for tp in described.members[0].assignment.topic_partitions} == {0, 1, 2}
        with pytest.raises(KafkaException) as refused:
            admin.delete_consumer_groups([group])[group].result(30)
        assert refused.value.args[0].name() == "NON_EMPTY_GROUP"
        member.commit()
    finally:
        member.stop()
    offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(30)
    assert sum(tp.offset for tp in offsets.topic_partitions) == 30
    described = admin.describe_consumer_groups([group])[group].result(30)
    assert described.state == ConsumerGroupState.EMPTY
    admin.delete_consumer_groups([group])[group].result(30)
    assert group not in {g.group_id for g in admin.list_consumer_groups().result(30).valid}


def test_admin_group_apis_with_kafka_python(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, 0, 30)
    group = f"{topic}-group"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    tp = lambda p: KafkaPythonTopicPartition(topic, p)  # noqa: E731
    member = Member("kafka-python", bootstrap, group, topic)
    try:
        wait_until([member], lambda: len(member.got) == 30, 60, "30 records")
        listed = {g["group_id"]: g for g in admin.list_groups()}
        assert listed[group]["protocol_type"] == "consumer"
        assert group in {g["group_id"] for g in admin.list_groups(states_filter=["Stable"])}
        described = admin.describe_groups([group])[group]
        assert (described["group_state"], described["protocol_type"], described["protocol_data"]) == \
            ("Stable", "consumer", "range")
        [only] = described["members"]
        assert only["client_host"] == "/127.0.0.1" and only["member_assignment"], only
        assert admin.delete_groups([group]) == {group: "NonEmptyGroupError"}
        # Offsets of a topic a member subscribes to stay.
        assert admin.delete_group_offsets(group, [tp(0)]) == {tp(0): kafka_errors.GroupSubscribedToTopicError}
        member.commit()
        committed = member.committed(range(3))
    finally:
        member.stop()
    assert sum(committed.values()) == 30
    assert {t.partition: m.offset for t, m in admin.list_group_offsets(group)[group].items()} == committed
    # The group is empty now: offsets can be set by hand (a "generation -1" commit) and deleted.
    assert admin.alter_group_offsets(group, {tp(0): OffsetAndMetadata(0, "", -1)}) == {tp(0): kafka_errors.NoError}
    assert admin.delete_group_offsets(group, [tp(1)]) == {tp(1): kafka_errors.NoError}
    assert {t.partition: m.offset for t, m in admin.list_group_offsets(group)[group].items()} == \
        {0: 0, 2: committed[2]}
    assert admin.delete_groups([group]) == {group: "OK"}
    assert group not in {g["group_id"] for g in admin.list_groups()}
    admin.close()
