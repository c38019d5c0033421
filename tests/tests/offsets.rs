//! Offsets as librdkafka has them: metadata and leader epoch travel with commits and stores,
//! committed() gives each partition its own error, and the low-level consumer's offset_store
//! (php-rdkafka's offsetStore) stores offset + 1 for the auto-commit timer to commit. Runs
//! against the testkit or real Kafka (KAFKA_BOOTSTRAP).

use std::time::{Duration, Instant};

use ferrokafka::blocking::Consumer;
use ferrokafka::consumer::{OffsetEntry, PARTITION_QUEUE};
use ferrokafka::{Event, Offset};
use ferrokafka_tests::{unique, Env};

const T: Duration = Duration::from_secs(30);

#[test]
fn commits_carry_metadata_and_leader_epoch() {
    let env = Env::new(1);
    let topic = env.topic("meta", 1);
    env.produce(&topic, 3);
    let group = unique("g");
    let c = Consumer::new(&env.config(&[("group.id", group.as_str()), ("enable.auto.offset.store", "false")])).expect("consumer");
    c.assign(&[ferrokafka::TopicPartitionOffset::new(&topic, 0, Offset::Beginning)]).expect("assign");
    let mut last = None;
    let deadline = Instant::now() + T;
    while last.is_none() {
        assert!(Instant::now() < deadline, "nothing consumed");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            last = Some(m);
        }
    }
    let m = last.expect("message");
    let epoch = m.leader_epoch.unwrap_or(-1);
    let entry = OffsetEntry::new(topic.clone(), 0, m.offset + 1).with_metadata("app-state-42").with_leader_epoch(epoch);
    for (_, _, r) in c.commit_entries(Some(&[entry])).expect("commit") {
        r.expect("partition committed");
    }
    let got = c.committed_entries(&[(topic.clone(), 0), (topic.clone(), 7)], T).expect("committed");
    assert_eq!(got[0].offset, m.offset + 1);
    assert_eq!(got[0].metadata, "app-state-42", "metadata round-trips");
    assert_eq!(got[0].leader_epoch, epoch, "leader epoch round-trips");
    assert!(got[0].error.is_none());
    assert_eq!(got[1].offset, -1001, "nothing committed for partition 7: {:?}", got[1]);

    // Stored offsets keep their metadata up to the commit.
    c.store_offset_entries(&[OffsetEntry::new(topic.clone(), 0, m.offset + 2).with_metadata("stored")]).expect("store");
    c.commit_entries(None).expect("commit stored");
    let got = c.committed_entries(&[(topic.clone(), 0)], T).expect("committed");
    assert_eq!((got[0].offset, got[0].metadata.as_str()), (m.offset + 2, "stored"));
    assert!(c.store_offset_entries(&[OffsetEntry::new(topic.clone(), 0, -5)]).is_err(), "a negative offset is refused");
    c.close().expect("close");
}

/// php-rdkafka's low-level at-least-once recipe: consumeStart, offsetStore(last processed)
/// after each message, the auto-commit timer commits; a restart resumes after the last one.
#[test]
fn the_legacy_offset_store_is_committed_by_the_auto_commit_timer() {
    let env = Env::new(1);
    let topic = env.topic("legacy", 1);
    env.produce(&topic, 10);
    let group = unique("g");
    // Only what offset_store stores is committed (nothing is stored as messages are handed out).
    let cfg = [
        ("group.id", group.as_str()),
        ("auto.commit.interval.ms", "100"),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.offset.store", "false"),
    ];
    let c = Consumer::new(&env.config(&cfg)).expect("consumer");
    c.consume_start(&topic, 0, Offset::Stored, PARTITION_QUEUE).expect("start");
    let mut processed = Vec::new();
    let deadline = Instant::now() + T;
    while processed.len() < 4 {
        assert!(Instant::now() < deadline, "consumed {}", processed.len());
        if let Some(Event::Message(m)) = c.consume_partition(&topic, 0, Duration::from_millis(100)) {
            c.offset_store(&topic, 0, m.offset).expect("offset_store");
            processed.push(m.offset);
        }
    }
    assert_eq!(processed, [0, 1, 2, 3]);
    let deadline = Instant::now() + T;
    loop {
        let committed = c.committed(&[(topic.clone(), 0)], T).expect("committed");
        if committed[0].2 == 4 {
            break;
        }
        assert!(Instant::now() < deadline, "the timer never committed offset + 1: {committed:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    c.consume_stop(&topic, 0).expect("stop");
    // With enable.auto.offset.store at its default (true) the legacy call is allowed too.
    let other = Consumer::new(&env.config(&[("group.id", unique("g2").as_str())])).expect("consumer");
    other.consume_start(&topic, 0, Offset::Beginning, PARTITION_QUEUE).expect("start");
    other.offset_store(&topic, 0, 0).expect("allowed with enable.auto.offset.store=true");
    c.close().expect("close");
    let again = Consumer::new(&env.config(&cfg)).expect("consumer");
    again.consume_start(&topic, 0, Offset::Stored, PARTITION_QUEUE).expect("start");
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "nothing after restart");
        if let Some(Event::Message(m)) = again.consume_partition(&topic, 0, Duration::from_millis(100)) {
            assert_eq!(m.offset, 4, "resumed after the last processed record");
            break;
        }
    }
}
