//! Every admin call, against the testkit and (make test-kafka) a real Kafka broker: the same
//! expectations hold for both, so they are Kafka's behaviour, not the testkit's.

use std::time::{Duration, Instant};

use ferrokafka::blocking::{AdminClient, Consumer, Producer};
use ferrokafka::client::admin::{offset_spec, AdminOptions, AlterConfigOp, ConfigResource, ConfigSource};
use ferrokafka::{ErrorKind, Event, NewPartitions, NewTopic, ProducerRecord};
use ferrokafka_tests::{unique, Env};

const T: Duration = Duration::from_secs(30);

fn admin(env: &Env) -> AdminClient {
    AdminClient::new(&env.config(&[])).expect("admin client")
}

/// Retries `check` until it returns Some (metadata and group state reach every broker of a real
/// cluster a moment after the answer).
fn eventually<R>(what: &str, mut check: impl FnMut() -> Option<R>) -> R {
    let deadline = Instant::now() + T;
    loop {
        if let Some(r) = check() {
            return r;
        }
        assert!(Instant::now() < deadline, "{what}: not within {T:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn partition_count(a: &AdminClient, topic: &str) -> Option<usize> {
    let described = a.describe_topics(&[topic.to_string()], T).expect("describe topics");
    described.into_iter().next().and_then(|(_, r)| r.ok()).map(|t| t.partitions.len())
}

fn kind<T: std::fmt::Debug>(r: &ferrokafka::Result<T>) -> Option<ErrorKind> {
    r.as_ref().err().map(|e| e.kind())
}

#[test]
fn topics_are_created_grown_described_and_deleted() {
    let env = Env::new(1);
    let a = admin(&env);
    let name = unique("admin-topic");
    let topic = NewTopic::new(&name, 2, 1).with_config("cleanup.policy", "compact");

    // validate_only checks and creates nothing.
    let checked = a.create_topics(&[topic.clone()], AdminOptions::from(T).validate_only(true)).expect("validate");
    assert!(checked[0].1.is_ok(), "{checked:?}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(kind(&a.describe_topics(&[name.clone()], T).expect("describe")[0].1), Some(ErrorKind::UnknownTopicOrPart));

    let created = a.create_topics(&[topic.clone(), NewTopic::new(format!("{name}-bad"), 1, 1).with_config("cleanup.policy", "shred")], T).expect("create");
    assert!(created[0].1.is_ok(), "{created:?}");
    assert_eq!(kind(&created[1].1), Some(ErrorKind::InvalidConfig), "one topic's failure is its own");
    assert_eq!(kind(&a.create_topics(&[topic], T).expect("again")[0].1), Some(ErrorKind::TopicAlreadyExists));
    eventually("the topic in metadata", || (partition_count(&a, &name) == Some(2)).then_some(()));

    let grow = NewPartitions::new(&name, 4);
    let checked = a.create_partitions(&[grow.clone()], AdminOptions::from(T).validate_only(true)).expect("validate");
    assert!(checked[0].1.is_ok(), "{checked:?}");
    assert_eq!(partition_count(&a, &name), Some(2), "validate_only adds nothing");
    assert!(a.create_partitions(&[grow], T).expect("grow")[0].1.is_ok());
    eventually("4 partitions", || (partition_count(&a, &name) == Some(4)).then_some(()));
    let shrink = a.create_partitions(&[NewPartitions::new(&name, 3)], T).expect("shrink");
    assert_eq!(kind(&shrink[0].1), Some(ErrorKind::InvalidPartitions));

    let deleted = a.delete_topics(&[name.clone(), unique("never-created")], T).expect("delete");
    assert!(deleted[0].1.is_ok(), "{deleted:?}");
    assert_eq!(kind(&deleted[1].1), Some(ErrorKind::UnknownTopicOrPart));
    eventually("the topic gone", || partition_count(&a, &name).is_none().then_some(()));
}

#[test]
fn configs_are_described_and_altered() {
    let env = Env::new(1);
    let a = admin(&env);
    let topic = env.topic("admin-configs", 1);
    let resource = ConfigResource::topic(&topic);
    let value = |name: &str| {
        let described = a.describe_configs(&[resource.clone()], T).expect("describe");
        let entries = described.into_iter().next().expect("one resource").1.expect("described");
        entries.into_iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no config {name}"))
    };
    // Kafka's controller applies a change and the broker that describes learns of it a moment
    // later (KRaft's metadata log): wait for the value, with its source.
    let becomes = |name: &str, want: &str| {
        eventually(&format!("{name}={want}"), || {
            let e = value(name);
            (e.value.as_deref() == Some(want)).then_some(e)
        })
    };
    let default = value("retention.ms");
    assert_eq!((default.value.as_deref(), default.source, default.is_default), (Some("604800000"), ConfigSource::Default, true));

    let ops = vec![
        AlterConfigOp::Set("retention.ms".into(), "7200000".into()),
        AlterConfigOp::Append("cleanup.policy".into(), "compact".into()),
    ];
    let altered = a.incremental_alter_configs(&[(resource.clone(), ops)], T).expect("alter");
    assert!(altered[0].1.is_ok(), "{altered:?}");
    assert_eq!(becomes("retention.ms", "7200000").source, ConfigSource::DynamicTopic);
    becomes("cleanup.policy", "delete,compact");

    // One bad value and nothing changes.
    let bad = vec![AlterConfigOp::Set("retention.ms".into(), "1".into()), AlterConfigOp::Set("min.insync.replicas".into(), "zero".into())];
    let refused = a.incremental_alter_configs(&[(resource.clone(), bad)], T).expect("alter");
    assert_eq!(kind(&refused[0].1), Some(ErrorKind::InvalidConfig));
    assert_eq!(value("retention.ms").value.as_deref(), Some("7200000"));

    // validate_only changes nothing; DELETE goes back to the default.
    let delete = vec![AlterConfigOp::Delete("retention.ms".into())];
    a.incremental_alter_configs(&[(resource.clone(), delete.clone())], AdminOptions::from(T).validate_only(true)).expect("validate");
    assert_eq!(value("retention.ms").value.as_deref(), Some("7200000"));
    a.incremental_alter_configs(&[(resource.clone(), delete)], T).expect("delete");
    assert_eq!(becomes("retention.ms", "604800000").source, ConfigSource::Default);

    // The legacy AlterConfigs replaces the whole set.
    let whole = a.alter_configs(&[(resource.clone(), vec![("max.message.bytes".into(), "500000".into())])], T).expect("alter");
    assert!(whole[0].1.is_ok(), "{whole:?}");
    becomes("max.message.bytes", "500000");
    becomes("cleanup.policy", "delete");

    // A broker's configs come from that broker.
    let cluster = a.describe_cluster(T).expect("describe cluster");
    let broker = ConfigResource::broker(cluster.brokers[0].id);
    let described = a.describe_configs(&[broker, ConfigResource::topic(unique("no-such-topic"))], T).expect("describe");
    let broker_entries = described[0].1.as_ref().expect("broker configs");
    let max = broker_entries.iter().find(|e| e.name == "message.max.bytes").expect("message.max.bytes");
    assert_eq!(max.value.as_deref(), Some("1048588"));
    assert_eq!(kind(&described[1].1), Some(ErrorKind::UnknownTopicOrPart));

    // A dynamic broker config set on that broker, then deleted.
    let broker = ConfigResource::broker(cluster.brokers[0].id);
    let broker_value = |name: &str| {
        let described = a.describe_configs(&[broker.clone()], T).expect("describe");
        let entries = described.into_iter().next().expect("one").1.expect("broker configs");
        entries.into_iter().find(|e| e.name == name).expect("entry")
    };
    let set = vec![AlterConfigOp::Set("message.max.bytes".into(), "2000000".into())];
    assert!(a.incremental_alter_configs(&[(broker.clone(), set)], T).expect("alter")[0].1.is_ok());
    let changed = eventually("message.max.bytes set", || Some(broker_value("message.max.bytes")).filter(|e| e.value.as_deref() == Some("2000000")));
    assert_eq!(changed.source, ConfigSource::DynamicBroker);
    let delete = vec![AlterConfigOp::Delete("message.max.bytes".into())];
    assert!(a.incremental_alter_configs(&[(broker.clone(), delete)], T).expect("alter")[0].1.is_ok());
    eventually("message.max.bytes back", || Some(broker_value("message.max.bytes")).filter(|e| e.value.as_deref() == Some("1048588")));
}

#[test]
fn group_configs_are_described_and_altered() {
    let env = Env::new(1);
    let a = admin(&env);
    // Any group id: Kafka keeps configs for groups that do not exist (yet).
    let group = ConfigResource::group(unique("admin-group-configs"));
    let entry = |name: &str| {
        let described = a.describe_configs(&[group.clone()], T).expect("describe");
        described.into_iter().next().expect("one").1.expect("described").into_iter().find(|e| e.name == name).expect("entry")
    };
    let default = entry("consumer.session.timeout.ms");
    assert_eq!((default.value.as_deref(), default.source), (Some("45000"), ConfigSource::Default));
    let set = vec![AlterConfigOp::Set("consumer.session.timeout.ms".into(), "50000".into())];
    assert!(a.incremental_alter_configs(&[(group.clone(), set)], T).expect("alter")[0].1.is_ok());
    let changed = eventually("the group config set", || Some(entry("consumer.session.timeout.ms")).filter(|e| e.value.as_deref() == Some("50000")));
    assert_eq!(changed.source, ConfigSource::Group);
    // Outside the bounds the broker's configs set: INVALID_CONFIG, naming the bound.
    let low = vec![AlterConfigOp::Set("consumer.session.timeout.ms".into(), "1000".into())];
    let refused = a.incremental_alter_configs(&[(group.clone(), low)], T).expect("alter");
    let e = refused[0].1.as_ref().expect_err("below the minimum");
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(e.message().contains("group.consumer.min.session.timeout.ms"), "{e}");
}

#[test]
fn records_are_deleted_and_offsets_listed() {
    let env = Env::new(1);
    let a = admin(&env);
    let topic = env.topic("admin-records", 1);
    env.produce(&topic, 10);
    let deleted = a.delete_records(&[(topic.clone(), 0, 4), (topic.clone(), 7, 1)], T).expect("delete records");
    assert_eq!(deleted[0].1.as_ref().ok(), Some(&4), "the new low watermark");
    assert_eq!(kind(&deleted[1].1), Some(ErrorKind::UnknownPartition));
    let offsets = a
        .list_offsets(&[(topic.clone(), 0, offset_spec::EARLIEST), (topic.clone(), 0, offset_spec::LATEST), (topic.clone(), 0, offset_spec::MAX_TIMESTAMP)], T)
        .expect("list offsets");
    assert_eq!(offsets[0].as_ref().map(|o| o.offset).ok(), Some(4));
    assert_eq!(offsets[1].as_ref().map(|o| o.offset).ok(), Some(10));
    // The record with the highest timestamp, and that timestamp.
    let max = offsets[2].as_ref().expect("max timestamp");
    assert!((0..10).contains(&max.offset) && max.timestamp > 0, "{offsets:?}");
    let by_time = a.list_offsets(&[(topic.clone(), 0, max.timestamp)], T).expect("by time");
    let found = by_time[0].as_ref().expect("by time");
    // By time, the first record at or after the log start with that timestamp or later (the
    // max-timestamp answer may lie below the log start: Kafka does not move it).
    assert!(found.timestamp >= max.timestamp && found.offset >= 4 && found.offset <= max.offset.max(4), "{found:?} {max:?}");
    // -1 deletes up to the high watermark.
    assert_eq!(a.delete_records(&[(topic.clone(), 0, -1)], T).expect("delete all")[0].1.as_ref().ok(), Some(&10));
}

#[test]
fn the_cluster_is_described_and_leaders_elected() {
    let env = Env::new(1);
    let a = admin(&env);
    let topic = env.topic("admin-elect", 1);
    let cluster = a.describe_cluster(T).expect("describe cluster");
    assert!(cluster.cluster_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(!cluster.brokers.is_empty());
    assert!(cluster.brokers.iter().any(|b| b.id == cluster.controller_id) || cluster.controller_id >= 0);
    // The only replica is the preferred leader and leads already.
    let elected = a.elect_leaders(false, Some(&[(topic.clone(), 0)]), T).expect("elect");
    assert_eq!(elected.len(), 1);
    assert_eq!(kind(&elected[0].1), Some(ErrorKind::ElectionNotNeeded));
}

#[test]
fn consumer_groups_are_listed_described_and_their_offsets_managed() {
    let env = Env::new(1);
    let a = admin(&env);
    let topic = env.topic("admin-groups", 2);
    env.produce(&topic, 20);
    let group = unique("admin-group");
    let c = Consumer::new(&env.config(&[("group.id", &group), ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false")])).expect("consumer");
    c.subscribe(&[topic.clone()]).expect("subscribe");
    let mut seen = 0;
    eventually("20 records", || {
        if let Some(Event::Message(_)) = c.poll(Duration::from_millis(100)) {
            seen += 1;
        }
        (seen == 20).then_some(())
    });
    c.commit(None).expect("commit");

    let listed = eventually("the group listed as Stable", || {
        let (groups, errors) = a.list_consumer_groups(AdminOptions { group_states: vec!["Stable".into()], ..T.into() }).expect("list");
        assert!(errors.is_empty(), "{errors:?}");
        groups.into_iter().find(|g| g.group_id == group)
    });
    assert_eq!((listed.protocol_type.as_str(), listed.state.as_str()), ("consumer", "Stable"));
    let (empty, _) = a.list_consumer_groups(AdminOptions { group_states: vec!["Empty".into()], ..T.into() }).expect("list");
    assert!(!empty.iter().any(|g| g.group_id == group), "the state filter");

    let described = a.describe_consumer_groups(&[group.clone()], T).expect("describe");
    let d = described[0].1.as_ref().expect("described");
    assert_eq!(d.state, "Stable");
    assert_eq!(d.members.len(), 1);
    let mut assigned = d.members[0].assignment.clone();
    assigned.sort();
    assert_eq!(assigned, vec![(topic.clone(), 0), (topic.clone(), 1)]);

    let offsets = a.list_consumer_group_offsets(&group, None, T).expect("list offsets");
    let total: i64 = offsets.iter().map(|(_, r)| r.as_ref().expect("offset").offset).sum();
    assert_eq!(total, 20);
    let deleted = a.delete_consumer_groups(&[group.clone()], T).expect("delete");
    assert_eq!(kind(&deleted[0].1), Some(ErrorKind::NonEmptyGroup));

    c.close().expect("close");
    drop(c);
    // Kafka refuses a commit for a group that still has members; it may need a moment to see
    // the leave.
    let p0 = (topic.clone(), 0);
    eventually("offsets altered once the group is empty", || {
        let r = a.alter_consumer_group_offsets(&group, &[(topic.clone(), 0, 3)], T).expect("alter");
        r[0].1.is_ok().then_some(())
    });
    let one = a.list_consumer_group_offsets(&group, Some(&[p0.clone()]), T).expect("list");
    assert_eq!(one[0].1.as_ref().map(|o| o.offset).ok(), Some(3));
    let removed = a.delete_consumer_group_offsets(&group, &[p0.clone()], T).expect("delete offsets");
    assert!(removed[0].1.is_ok(), "{removed:?}");
    let gone = a.list_consumer_group_offsets(&group, Some(&[p0]), T).expect("list");
    assert_eq!(gone[0].1.as_ref().map(|o| o.offset).ok(), Some(-1), "no committed offset");

    let deleted = a.delete_consumer_groups(&[group.clone(), unique("never-a-group")], T).expect("delete");
    assert!(deleted[0].1.is_ok(), "{deleted:?}");
    assert_eq!(kind(&deleted[1].1), Some(ErrorKind::GroupIdNotFound));
}

#[test]
fn producers_and_transactions_are_described() {
    let env = Env::new(1);
    let a = admin(&env);
    let topic = env.topic("admin-txn", 1);
    let id = unique("admin-tx");
    let p = Producer::new(&env.config(&[("transactional.id", &id), ("linger.ms", "0")])).expect("producer");
    p.init_transactions(T).expect("init");
    p.begin_transaction().expect("begin");
    p.send(ProducerRecord::new(&topic).partition(0).value("open")).expect("send");
    p.flush(T).expect("flush");

    let producers = a.describe_producers(&[(topic.clone(), 0)], T).expect("describe producers");
    let states = producers[0].1.as_ref().expect("producers");
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!(states[0].current_txn_start_offset, 0, "the open transaction starts at offset 0");

    let (listed, errors) = a.list_transactions(&["Ongoing".into()], &[], T).expect("list");
    assert!(errors.is_empty(), "{errors:?}");
    let ongoing = listed.iter().find(|t| t.transactional_id == id).expect("listed as Ongoing");
    assert_eq!(ongoing.producer_id, states[0].producer_id);

    let described = a.describe_transactions(&[id.clone(), unique("never-a-txn")], T).expect("describe");
    let d = described[0].1.as_ref().expect("described");
    assert_eq!(d.state, "Ongoing");
    assert_eq!(d.partitions, vec![(topic.clone(), 0)]);
    assert_eq!(kind(&described[1].1), Some(ErrorKind::TransactionalIdNotFound));

    p.commit_transaction(T).expect("commit");
    // Kafka answers EndTxn in PrepareCommit and writes the markers after.
    eventually("CompleteCommit", || {
        let after = a.describe_transactions(&[id.clone()], T).expect("describe");
        (after[0].1.as_ref().map(|d| d.state.as_str()).ok() == Some("CompleteCommit")).then_some(())
    });
    eventually("no open transaction on the partition", || {
        let none = a.describe_producers(&[(topic.clone(), 0)], T).expect("describe producers");
        (none[0].1.as_ref().expect("producers")[0].current_txn_start_offset == -1).then_some(())
    });
}
