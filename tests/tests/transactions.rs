//! Transactions: commit and abort seen through read_committed and read_uncommitted consumers,
//! fencing by a newer instance, the coordinator's timeout, offsets sent with a transaction
//! (consume-transform-produce), and the state and configuration errors librdkafka gives. Runs
//! against the testkit or real Kafka (KAFKA_BOOTSTRAP; `make test-kafka` checks timed-out
//! transactions every 500 ms, as the testkit does at once).

use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::{ConsumerGroupMetadata, ErrorKind, Event, Offset, ProducerRecord, TopicPartitionOffset, TxnOffset};
use ferrokafka_tests::{unique, Env};

const T: Duration = Duration::from_secs(30);

fn transactional(env: &Env, id: &str, extra: &[(&str, &str)]) -> Producer {
    let mut props = vec![("transactional.id", id), ("linger.ms", "0")];
    props.extend_from_slice(extra);
    let p = Producer::new(&env.config(&props)).expect("producer");
    p.init_transactions(T).expect("init_transactions");
    p
}

/// Every value of `topic`[0] from the beginning to the end, read with `isolation`.
fn values(env: &Env, topic: &str, isolation: &str) -> Vec<String> {
    let c = Consumer::new(&env.config(&[("isolation.level", isolation), ("enable.partition.eof", "true")])).expect("consumer");
    c.assign(&[TopicPartitionOffset::new(topic, 0, Offset::Beginning)]).expect("assign");
    let mut out = Vec::new();
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "no end of partition ({isolation}) after {out:?}");
        match c.poll(Duration::from_millis(100)) {
            Some(Event::Message(m)) => out.push(String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned()),
            Some(Event::PartitionEof { .. }) => return out,
            Some(Event::Error { error, .. }) => panic!("consumer error: {error}"),
            _ => {}
        }
    }
}

/// What read_committed consumers see, once it is `want`: Kafka answers EndTxn in PrepareCommit
/// and writes the markers (moving the last stable offset) a moment later.
fn committed_becomes(env: &Env, topic: &str, want: &[&str]) {
    let deadline = Instant::now() + T;
    loop {
        let seen = values(env, topic, "read_committed");
        if seen == want {
            return;
        }
        assert!(Instant::now() < deadline, "read_committed saw {seen:?}, never {want:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn send(p: &Producer, topic: &str, value: &str) {
    p.send(ProducerRecord::new(topic).partition(0).value(value.to_string())).expect("send");
}

#[test]
fn committed_transactions_are_visible_and_aborted_ones_are_not() {
    let env = Env::new(1);
    let topic = env.topic("txn", 1);
    let p = transactional(&env, &unique("tx"), &[]);
    for (values, commit) in [(["c1", "c2"], true), (["a1", "a2"], false), (["c3", "c4"], true)] {
        p.begin_transaction().expect("begin");
        for v in values {
            send(&p, &topic, v);
        }
        if commit {
            p.commit_transaction(T).expect("commit");
        } else {
            // In the log before the abort, so the abort has something to hide.
            p.flush(T).expect("flush");
            p.abort_transaction(T).expect("abort");
        }
    }
    committed_becomes(&env, &topic, &["c1", "c2", "c3", "c4"]);
    assert_eq!(values(&env, &topic, "read_uncommitted"), ["c1", "c2", "a1", "a2", "c3", "c4"]);

    // An open transaction holds read_committed consumers at its first offset.
    p.begin_transaction().expect("begin");
    send(&p, &topic, "open");
    p.flush(T).expect("flush");
    assert_eq!(values(&env, &topic, "read_committed"), ["c1", "c2", "c3", "c4"]);
    p.commit_transaction(T).expect("commit");
    committed_becomes(&env, &topic, &["c1", "c2", "c3", "c4", "open"]);
}

#[test]
fn records_outside_a_transaction_and_calls_out_of_order_are_state_errors() {
    let env = Env::new(1);
    let topic = env.topic("txn-state", 1);
    let id = unique("tx");
    let p = Producer::new(&env.config(&[("transactional.id", id.as_str())])).expect("producer");
    assert_eq!(p.begin_transaction().map_err(|e| e.kind), Err(ErrorKind::State), "before init_transactions");
    p.init_transactions(T).expect("init");
    let e = p.send(ProducerRecord::new(&topic).value("x")).map(|_| ()).expect_err("send outside a transaction");
    assert_eq!(e.kind, ErrorKind::State, "{e}");
    assert!(e.message.contains("begin_transaction"), "{e}");
    assert_eq!(p.commit_transaction(T).map_err(|e| e.kind), Err(ErrorKind::State));
    p.begin_transaction().expect("begin");
    assert_eq!(p.begin_transaction().map_err(|e| e.kind), Err(ErrorKind::State), "twice");
    // A transaction with nothing in it commits without asking the coordinator.
    p.commit_transaction(T).expect("empty commit");

    let plain = Producer::new(&env.config(&[])).expect("producer");
    assert_eq!(plain.begin_transaction().map_err(|e| e.kind), Err(ErrorKind::NotConfigured));
    let e = Producer::new(&env.config(&[("transactional.id", "x"), ("enable.idempotence", "false")])).map(|_| ()).expect_err("refused");
    assert!(e.message.contains("enable.idempotence") && e.message.contains("transactional.id"), "{e}");
    let e = Producer::new(&env.config(&[("transactional.id", "x"), ("acks", "1")])).map(|_| ()).expect_err("refused");
    assert!(e.message.contains("acks"), "{e}");
}

#[test]
fn a_newer_instance_fences_the_older_one() {
    let env = Env::new(1);
    let topic = env.topic("txn-fence", 1);
    let id = unique("tx");
    let old = transactional(&env, &id, &[]);
    old.begin_transaction().expect("begin");
    send(&old, &topic, "zombie");
    old.flush(T).expect("flush");

    let new = transactional(&env, &id, &[]); // aborts what the old one left open
    new.begin_transaction().expect("begin");
    send(&new, &topic, "live");
    new.commit_transaction(T).expect("commit");

    let e = old.commit_transaction(T).expect_err("the old instance is fenced");
    assert!(e.fatal, "fencing is fatal: {e:?}");
    assert_eq!(e.kind, ErrorKind::Fenced, "{e}");
    assert_eq!(old.begin_transaction().map_err(|e| e.fatal), Err(true), "and stays so");
    committed_becomes(&env, &topic, &["live"]);
}

#[test]
fn the_coordinator_aborts_a_transaction_past_its_timeout() {
    let env = Env::new(1);
    let topic = env.topic("txn-timeout", 1);
    let p = transactional(&env, &unique("tx"), &[("transaction.timeout.ms", "1000")]);
    p.begin_transaction().expect("begin");
    send(&p, &topic, "late");
    p.flush(T).expect("flush");
    std::thread::sleep(Duration::from_secs(3));
    let e = p.commit_transaction(T).expect_err("aborted by the coordinator");
    assert!(e.fatal && e.kind == ErrorKind::Fenced, "{e:?}");
    assert_eq!(values(&env, &topic, "read_committed"), Vec::<String>::new());
    assert_eq!(values(&env, &topic, "read_uncommitted"), ["late"]);
}

#[test]
fn offsets_sent_with_a_transaction_commit_with_it() {
    let env = Env::new(1);
    let input = env.topic("txn-in", 1);
    let output = env.topic("txn-out", 1);
    env.produce(&input, 10);
    let group = unique("g");
    let c = Consumer::new(&env.config(&[("group.id", group.as_str()), ("enable.auto.commit", "false"), ("auto.offset.reset", "earliest")]))
        .expect("consumer");
    c.subscribe(std::slice::from_ref(&input)).expect("subscribe");
    let p = transactional(&env, &unique("tx"), &[]);
    let mut read = 0i64;
    let deadline = Instant::now() + T;
    while read < 10 {
        assert!(Instant::now() < deadline, "read only {read} records");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            read = m.offset + 1;
        }
    }
    let metadata = c.group_metadata().expect("group metadata");
    assert_eq!(metadata.group_id, group);
    assert!(metadata.generation_id >= 1 && !metadata.member_id.is_empty(), "{metadata:?}");
    let offsets = |at: i64| vec![TxnOffset { topic: input.clone(), partition: 0, offset: at, metadata: None, leader_epoch: -1 }];

    // Aborted: neither the output nor the offset.
    p.begin_transaction().expect("begin");
    send(&p, &output, "aborted");
    p.send_offsets_to_transaction(&offsets(4), &metadata, T).expect("send offsets");
    p.abort_transaction(T).expect("abort");
    assert_eq!(c.committed(&[(input.clone(), 0)], T).expect("committed")[0].2, -1, "nothing committed");

    p.begin_transaction().expect("begin");
    send(&p, &output, "done");
    p.send_offsets_to_transaction(&offsets(read), &metadata, T).expect("send offsets");
    p.commit_transaction(T).expect("commit");
    assert_eq!(c.committed(&[(input.clone(), 0)], T).expect("committed")[0].2, read);
    committed_becomes(&env, &output, &["done"]);

    // A member the group does not know is refused (KIP-447): the zombie cannot commit.
    p.begin_transaction().expect("begin");
    let stranger = ConsumerGroupMetadata {
        group_id: group.clone(),
        generation_id: metadata.generation_id + 5,
        member_id: "not-a-member".into(),
        group_instance_id: None,
    };
    let e = p.send_offsets_to_transaction(&offsets(read), &stranger, T).expect_err("refused");
    assert!(e.txn_requires_abort && !e.fatal, "{e:?}");
    assert!(p.commit_transaction(T).err().is_some_and(|e| e.txn_requires_abort), "commit now needs an abort");
    p.abort_transaction(T).expect("abort");
    assert_eq!(c.committed(&[(input.clone(), 0)], T).expect("committed")[0].2, read);
    c.close().expect("close");
}
