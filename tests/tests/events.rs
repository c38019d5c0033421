//! The client event queue, as bindings use it: delivery reports, errors, logs and commit results
//! served on the caller's thread by poll and flush, wakeup, the I/O descriptor, and the bound on
//! reports nobody polls. Runs against the testkit or real Kafka (KAFKA_BOOTSTRAP).

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::events::{ClientEvent, CommitResult};
use ferrokafka::{ClientConfig, ErrorKind, Event, ProducerRecord};
use ferrokafka_tests::{unique, Env};

const T: Duration = Duration::from_secs(30);

fn reports(events: Vec<ClientEvent>) -> usize {
    events.iter().filter(|e| matches!(e, ClientEvent::Delivery(_))).count()
}

/// Defect 4: delivery reports nobody polled grew without bound, since only records not yet
/// delivered counted against queue.buffering.max.messages. They count until polled now.
#[test]
fn unpolled_delivery_reports_count_against_the_queue_limit() {
    let env = Env::new(1);
    let topic = env.topic("unpolled", 1);
    let p = Producer::new(&env.config(&[("queue.buffering.max.messages", "50"), ("linger.ms", "1")])).expect("producer");
    for i in 0..50 {
        p.produce(ProducerRecord::new(&topic).value(format!("{i}"))).expect("produce");
    }
    p.flush(T).expect("flush");
    assert_eq!(p.in_flight_count(), 50, "every record delivered, every report still unpolled");
    let e = p.produce(ProducerRecord::new(&topic).value("one too many")).expect_err("queue full");
    assert_eq!(e.kind, ErrorKind::QueueFull, "{e}");
    assert!(e.message.contains("not yet polled"), "the error says why: {e}");
    assert_eq!(reports(p.poll(Duration::ZERO, 20)), 20, "batch poll: at most 20");
    p.produce(ProducerRecord::new(&topic).value("fits again")).expect("space after polling");
    let mut served = 0;
    p.flush_serving(T, &mut |e| served += reports(vec![e])).expect("flush_serving");
    assert_eq!(served, 31, "flush serves the remaining reports while it waits");
    assert_eq!(p.in_flight_count(), 0);
}

/// send_wait (the blocking produce) waits for space, and polling reports makes that space.
#[test]
fn a_blocking_send_waits_until_reports_are_polled() {
    let env = Env::new(1);
    let topic = env.topic("blocksend", 1);
    let p = Producer::new(&env.config(&[("queue.buffering.max.messages", "5")])).expect("producer");
    for i in 0..5 {
        p.produce(ProducerRecord::new(&topic).value(format!("{i}"))).expect("produce");
    }
    p.flush(T).expect("flush");
    let poller = p.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        reports(poller.poll(Duration::ZERO, usize::MAX))
    });
    let rt = ferrokafka::blocking::runtime().expect("runtime");
    let started = Instant::now();
    let fut = rt.block_on(p.as_async().send_wait(ProducerRecord::new(&topic).value("waited")));
    assert!(started.elapsed() >= Duration::from_millis(250), "send_wait returned before the reports were polled");
    assert_eq!(t.join().expect("poller"), 5);
    fut.expect("queued").wait().expect("delivered");
}

/// A client whose every broker is down says so once, as an error event served by poll, with
/// the failed connects as log lines (the library itself writes nothing to stderr).
#[test]
fn all_brokers_down_is_an_error_event() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = dead.local_addr().expect("addr").to_string();
    drop(dead);
    let mut config = ClientConfig::new();
    for (k, v) in [("bootstrap.servers", addr.as_str()), ("reconnect.backoff.ms", "20"), ("message.timeout.ms", "1500")] {
        config.set(k, v).expect("valid");
    }
    let p = Producer::new(&config).expect("producer");
    p.produce(ProducerRecord::new("nowhere").value("x")).expect("queued");
    let deadline = Instant::now() + T;
    let mut seen: Vec<ClientEvent> = Vec::new();
    let failed = |seen: &[ClientEvent]| seen.iter().any(|e| matches!(e, ClientEvent::Delivery(r) if r.error.is_some()));
    while !failed(&seen) {
        assert!(Instant::now() < deadline, "no delivery failure");
        seen.extend(p.poll(Duration::from_millis(100), usize::MAX));
    }
    // The client kept trying meanwhile (backoff 20 ms): many failed connects, one outage.
    std::thread::sleep(Duration::from_millis(300));
    seen.extend(p.poll(Duration::ZERO, usize::MAX));
    let down = seen.iter().filter(|e| matches!(e, ClientEvent::Error(e) if e.kind == ErrorKind::AllBrokersDown)).count();
    let fail_logs = seen.iter().filter(|e| matches!(e, ClientEvent::Log(l) if l.facility == "FAIL")).count();
    assert_eq!(down, 1, "_ALL_BROKERS_DOWN once per outage, not once per attempt");
    assert!(fail_logs >= 1, "the failed connects are logged as events");
}

/// Auto commits and asynchronous commits report through the queue (offset_commit_cb), served
/// on the polling thread by poll_serving.
#[test]
fn commit_results_are_served_by_poll() {
    let env = Env::new(1);
    let topic = env.topic("commitcb", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    for i in 0..10 {
        p.send(ProducerRecord::new(&topic).value(format!("{i}"))).expect("send");
    }
    p.flush(T).expect("flush");
    let group = unique("g");
    let c = Consumer::new(&env.config(&[
        ("group.id", group.as_str()),
        ("auto.offset.reset", "earliest"),
        ("auto.commit.interval.ms", "200"),
    ]))
    .expect("consumer");
    c.subscribe(std::slice::from_ref(&topic)).expect("subscribe");
    let commits: std::cell::RefCell<Vec<CommitResult>> = Default::default();
    let this_thread = std::thread::current().id();
    let mut serve = |e: ClientEvent| {
        assert_eq!(std::thread::current().id(), this_thread, "served on the polling thread");
        if let ClientEvent::OffsetCommit(r) = e {
            commits.borrow_mut().push(r);
        }
    };
    let mut got = 0;
    let deadline = Instant::now() + T;
    while got < 10 {
        assert!(Instant::now() < deadline, "{got} of 10 consumed");
        if let Some(Event::Message(_)) = c.poll_serving(Duration::from_millis(100), &mut serve) {
            got += 1;
        }
    }
    let auto_committed = |commits: &[CommitResult]| {
        commits.iter().any(|r| r.error.is_none() && r.offsets.iter().any(|o| o.offset == 10 && o.error.is_none()))
    };
    while !auto_committed(&commits.borrow()) {
        assert!(Instant::now() < deadline, "no auto-commit result: {commits:?}");
        c.poll_serving(Duration::from_millis(100), &mut serve);
    }
    let before = commits.borrow().len();
    c.commit_async(Some(&[(topic.clone(), 0, 7)]));
    while !commits.borrow()[before..].iter().any(|r| r.offsets.iter().any(|o| o.offset == 7)) {
        assert!(Instant::now() < deadline, "no async commit result: {commits:?}");
        c.poll_serving(Duration::from_millis(100), &mut serve);
    }
    c.close().expect("close");
}

/// wakeup() from another thread ends a consumer's long poll at once.
#[test]
fn wakeup_ends_a_blocking_consumer_poll() {
    let env = Env::new(1);
    let topic = env.topic("wakeup", 1);
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    c.assign(&[ferrokafka::TopicPartitionOffset::new(&topic, 0, ferrokafka::Offset::End)]).expect("assign");
    let waker = c.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        waker.wakeup();
    });
    let started = Instant::now();
    assert!(c.poll_serving(Duration::from_secs(60), &mut |_| {}).is_none());
    assert!(started.elapsed() < Duration::from_secs(10), "poll ended {:?} after start", started.elapsed());
    t.join().expect("waker");
}

/// The I/O descriptor becomes readable when a delivery report arrives: an event loop can wait
/// on it instead of polling.
#[test]
fn the_io_descriptor_signals_delivery_reports() {
    let env = Env::new(1);
    let topic = env.topic("iofd", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    let fd = p.events().io_event_fd().expect("fd");
    let mut read = std::os::unix::net::UnixStream::from(fd);
    read.set_read_timeout(Some(T)).expect("timeout");
    p.produce(ProducerRecord::new(&topic).value("x")).expect("produce");
    let mut byte = [0u8; 1];
    assert_eq!(read.read(&mut byte).expect("readable when the report is queued"), 1);
    assert_eq!(reports(p.poll(Duration::ZERO, usize::MAX)), 1, "the report is there without waiting");
}

/// A thread-safe forwarder (Node's mode) gets events on the runtime's threads instead.
#[test]
fn a_forwarder_receives_delivery_reports_without_poll() {
    let env = Env::new(1);
    let topic = env.topic("forward", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    p.events().set_forwarder(Some(Arc::new(move |e| {
        if let ClientEvent::Delivery(r) = e {
            let _ = tx.lock().map(|t| t.send(r.offset));
        }
    })));
    p.produce(ProducerRecord::new(&topic).value("x")).expect("produce");
    assert_eq!(rx.recv_timeout(T).expect("forwarded"), 0);
}

/// A broker that throttles us is reported as a throttle event (librdkafka's throttle_cb).
#[test]
fn throttled_produce_answers_are_throttle_events() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("throttle events", "needs the testkit's throttle injection");
    };
    let topic = env.topic("throttle", 1);
    cluster.throttle_produce(250);
    let p = Producer::new(&env.config(&[])).expect("producer");
    p.produce(ProducerRecord::new(&topic).value("x")).expect("produce");
    let mut throttles = Vec::new();
    let deadline = Instant::now() + T;
    let mut delivered = false;
    while !delivered || throttles.is_empty() {
        assert!(Instant::now() < deadline, "no throttle event");
        for e in p.poll(Duration::from_millis(100), usize::MAX) {
            match e {
                ClientEvent::Throttle(t) => throttles.push(t),
                ClientEvent::Delivery(r) => delivered = r.error.is_none(),
                _ => {}
            }
        }
    }
    cluster.throttle_produce(0);
    assert_eq!(throttles[0].throttle_time_ms, 250);
    assert_eq!(throttles[0].broker_id, 1);
    assert!(throttles[0].broker_name.ends_with("/1"), "{:?}", throttles[0]);
}

/// Polls `events` until a statistics document satisfies `ready`, and returns it parsed.
fn stats_until(mut poll: impl FnMut() -> Vec<ClientEvent>, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "no statistics document matched");
        for e in poll() {
            if let ClientEvent::Stats(doc) = e {
                let v: serde_json::Value = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("invalid JSON ({e}): {doc}"));
                if ready(&v) {
                    return v;
                }
            }
        }
    }
}

/// statistics.interval.ms emits librdkafka's statistics JSON, with its field names.
#[test]
fn statistics_json_with_librdkafkas_fields() {
    let env = Env::new(1);
    let topic = env.topic("stats", 1);
    let p = Producer::new(&env.config(&[("statistics.interval.ms", "100"), ("enable.idempotence", "true")])).expect("producer");
    for i in 0..5 {
        p.produce(ProducerRecord::new(&topic).value(format!("{i}"))).expect("produce");
    }
    p.flush(T).expect("flush");
    let v = stats_until(|| p.poll(Duration::from_millis(100), usize::MAX), |v| v["txmsgs"].as_u64() >= Some(5));
    assert_eq!(v["type"], "producer");
    assert!(v["name"].as_str().is_some_and(|n| n.ends_with("#producer")), "{v}");
    for field in ["ts", "time", "age", "replyq", "msg_cnt", "msg_size", "msg_max", "msg_size_max", "tx", "tx_bytes", "rx", "rx_bytes"] {
        assert!(v[field].is_u64() || v[field].is_i64(), "top-level {field} missing: {v}");
    }
    let brokers = v["brokers"].as_object().expect("brokers");
    let up: Vec<_> = brokers.values().filter(|b| b["state"] == "UP" && b["nodeid"].as_i64() >= Some(0)).collect();
    assert!(!up.is_empty(), "a learned broker that is up: {v}");
    assert!(up.iter().any(|b| b["tx"].as_u64() > Some(0) && b["rtt"]["cnt"].as_u64() > Some(0)), "{v}");
    let part = &v["topics"][&topic]["partitions"]["0"];
    assert_eq!(part["txmsgs"], 5, "{v}");
    assert_eq!(part["txbytes"], 5, "one byte per value: {v}");
    assert_eq!(part["msgq_cnt"], 0);
    assert_eq!(v["eos"]["idemp_state"], "Assigned", "{v}");
    assert!(v["eos"]["producer_id"].as_i64() >= Some(0));

    let c = Consumer::new(&env.config(&[("statistics.interval.ms", "100")])).expect("consumer");
    c.assign(&[ferrokafka::TopicPartitionOffset::new(&topic, 0, ferrokafka::Offset::Beginning)]).expect("assign");
    let mut got = 0;
    let deadline = Instant::now() + T;
    while got < 5 {
        assert!(Instant::now() < deadline, "{got} of 5 consumed");
        if let Some(Event::Message(_)) = c.poll(Duration::from_millis(100)) {
            got += 1;
        }
    }
    let v = stats_until(
        || c.events().poll(Duration::from_millis(100), usize::MAX),
        |v| v["topics"][&topic]["partitions"]["0"]["next_offset"] == 5,
    );
    assert_eq!(v["type"], "consumer");
    assert!(v["rxmsgs"].as_u64() >= Some(5), "{v}");
    let part = &v["topics"][&topic]["partitions"]["0"];
    assert_eq!(part["ls_offset"], 5, "read_committed: the end is the last stable offset: {v}");
    assert_eq!(part["fetch_state"], "active");
    assert_eq!(part["fetchq_cnt"], 0);
    assert!(v.get("cgrp").is_none(), "no group, no cgrp: {v}");
}

/// A property librdkafka has and ferrokafka ignores is accepted, and said once as a warning.
#[test]
fn properties_without_effect_are_logged_once() {
    let env = Env::new(1);
    let p = Producer::new(&env.config(&[("ssl.engine.id", "pkcs11")])).expect("a client with it set still starts");
    let warnings: Vec<String> = p
        .poll(Duration::from_millis(50), usize::MAX)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Log(l) if l.facility == "CONFWARN" => Some(l.message),
            _ => None,
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("ssl.engine.id") && warnings[0].contains("no effect"), "{warnings:?}");
}

/// rd_kafka_purge: queued records fail with _PURGE_QUEUE, in-flight ones with _PURGE_INFLIGHT,
/// each through its normal report; the producer goes on working afterwards.
#[test]
fn purge_fails_queued_and_in_flight_records_through_their_reports() {
    use ferrokafka::producer::purge;
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("purge in flight", "needs the testkit to stall a broker");
    };
    let topic = env.topic("purge", 1);
    for idempotent in ["false", "true"] {
        let p = Producer::new(&env.config(&[("linger.ms", "60000"), ("enable.idempotence", idempotent)])).expect("producer");
        p.send(ProducerRecord::new(&topic).value("warm-up")).expect("send");
        p.flush(T).expect("flush (linger.ms is ignored by flush)");
        for i in 0..10 {
            p.produce(ProducerRecord::new(&topic).value(format!("{i}"))).expect("produce");
        }
        p.purge(purge::QUEUE).expect("purge queue");
        let purged = p.poll(Duration::ZERO, usize::MAX);
        assert_eq!(purged.len(), 10, "every queued record reported at once: {purged:?}");
        assert!(purged.iter().all(|e| matches!(e, ClientEvent::Delivery(r) if r.error.as_ref().map(|e| e.kind) == Some(ErrorKind::PurgeQueue))));
        p.flush(Duration::from_millis(100)).expect("nothing left to flush");

        // In flight: the broker reads the request and answers nothing until released.
        cluster.stall_broker(1, true);
        let stuck = p.send(ProducerRecord::new(&topic).value("stuck")).expect("send");
        let flushing = p.clone();
        let t = std::thread::spawn(move || flushing.flush(Duration::from_millis(300)));
        let _ = t.join();
        p.purge(purge::INFLIGHT).expect("purge in flight");
        let e = stuck.wait().expect_err("purged");
        assert_eq!(e.kind, ErrorKind::PurgeInflight, "{e}");
        cluster.stall_broker(1, false);
        let after = p.send(ProducerRecord::new(&topic).value("after")).expect("send");
        p.flush(T).expect("flush");
        after.wait().expect("the producer works after a purge (idempotent: after an epoch bump)");
        assert!(p.purge(0x10).is_err(), "unknown flags are refused");
    }
}

/// Delivery reports carry librdkafka's timestamp type, latency and persistence status.
#[test]
fn delivery_reports_say_timestamp_type_latency_and_persistence() {
    use ferrokafka::producer::{PersistenceStatus, TimestampType};
    let env = Env::new(1);
    let topic = env.topic("drfields", 1);
    let p = Producer::new(&env.config(&[("linger.ms", "20")])).expect("producer");
    let sent = Instant::now();
    p.produce(ProducerRecord::new(&topic).value("x").timestamp(1_700_000_000_000)).expect("produce");
    // Polled, not flushed: flush would send at once, ignoring linger.ms.
    let mut got = Vec::new();
    while got.is_empty() {
        assert!(sent.elapsed() < T, "no report");
        got = p.poll(Duration::from_millis(100), usize::MAX);
    }
    let waited = sent.elapsed();
    let [ClientEvent::Delivery(r)] = got.as_slice() else { panic!("one report: {got:?}") };
    assert_eq!(r.status, PersistenceStatus::Persisted);
    assert_eq!((r.timestamp, r.timestamp_type), (1_700_000_000_000, TimestampType::CreateTime));
    assert!(r.latency >= Duration::from_millis(15) && r.latency <= waited, "latency {:?} (linger 20 ms, {waited:?} in all)", r.latency);

    // Never sent (purged from the queue): not persisted, so a retry cannot duplicate it.
    let p = Producer::new(&env.config(&[("linger.ms", "60000")])).expect("producer");
    p.send(ProducerRecord::new(&topic).value("metadata")).expect("send");
    p.flush(T).expect("flush");
    p.produce(ProducerRecord::new(&topic).value("queued")).expect("produce");
    p.purge(ferrokafka::producer::purge::QUEUE).expect("purge");
    let got = p.poll(Duration::ZERO, usize::MAX);
    let [ClientEvent::Delivery(r)] = got.as_slice() else { panic!("one report: {got:?}") };
    assert_eq!(r.status, PersistenceStatus::NotPersisted);
}

/// topic.metadata.refresh.interval.ms refreshes metadata on its own, without an error first;
/// -1 turns that off.
#[test]
fn metadata_is_refreshed_periodically() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("periodic refresh", "counts Metadata requests at the testkit");
    };
    let topic = env.topic("refresh", 1);
    let count = |refresh: &str| {
        let p = Producer::new(&env.config(&[("topic.metadata.refresh.interval.ms", refresh)])).expect("producer");
        p.send(ProducerRecord::new(&topic).value("x")).expect("send").wait().expect("delivered");
        let before = cluster.request_count(3);
        std::thread::sleep(Duration::from_millis(1000));
        cluster.request_count(3) - before
    };
    // -1 first: a refreshing producer's last request cannot then fall into its window.
    assert_eq!(count("-1"), 0, "-1: no periodic refresh");
    let refreshed = count("200");
    assert!((3..=8).contains(&refreshed), "about one Metadata request per 200 ms in a second: {refreshed}");

    // metadata.max.age.ms: a topic known longer than that is asked for again at its next use.
    let p = Producer::new(&env.config(&[("topic.metadata.refresh.interval.ms", "-1"), ("metadata.max.age.ms", "300")]))
        .expect("producer");
    p.send(ProducerRecord::new(&topic).value("x")).expect("send").wait().expect("delivered");
    std::thread::sleep(Duration::from_millis(500));
    let before = cluster.request_count(3);
    p.send(ProducerRecord::new(&topic).value("y")).expect("send").wait().expect("delivered");
    assert!(cluster.request_count(3) > before, "stale metadata was used as is");
}
