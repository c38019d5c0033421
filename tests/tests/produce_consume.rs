//! Producer and partition-consumer behaviour, against the testkit (1 and 3 brokers) or real
//! Kafka (KAFKA_BOOTSTRAP).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::{ClientEvent, ErrorKind, Event, Message, Offset, ProducerRecord, Timestamp, TopicPartitionOffset};
use ferrokafka_tests::{skip, Env};

const T: Duration = Duration::from_secs(30);

/// Reads until `n` messages arrived (all partitions of `topic` from the beginning).
fn consume(env: &Env, topic: &str, partitions: i32, n: usize, extra: &[(&str, &str)]) -> Vec<Message> {
    let c = Consumer::new(&env.config(extra)).expect("consumer");
    let tps: Vec<_> = (0..partitions).map(|p| TopicPartitionOffset::new(topic, p, Offset::Beginning)).collect();
    c.assign(&tps).expect("assign");
    read_n(&c, n)
}

fn read_n(c: &Consumer, n: usize) -> Vec<Message> {
    let deadline = Instant::now() + T;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        assert!(Instant::now() < deadline, "timed out with {} of {n} messages", out.len());
        match c.poll(Duration::from_millis(500)) {
            Some(Event::Message(m)) => out.push(m),
            Some(Event::Error { error, .. }) => panic!("consumer error: {error}"),
            _ => {}
        }
    }
    out
}

fn produce_keyed(p: &Producer, topic: &str, n: usize) {
    let futures: Vec<_> = (0..n)
        .map(|i| {
            p.send(ProducerRecord::new(topic).key(format!("k{}", i % 17)).value(format!("v{i}")))
                .expect("send")
        })
        .collect();
    p.flush(T).expect("flush");
    let mut last: HashMap<i32, i64> = HashMap::new();
    for f in futures {
        let d = f.wait().expect("delivered");
        // Offsets grow per partition in send order.
        if let Some(prev) = last.insert(d.partition, d.offset) {
            assert!(d.offset > prev, "offsets must grow per partition");
        }
    }
}

/// Messages of one key keep their send order (a key maps to one partition).
fn assert_per_key_order(msgs: &[Message], n: usize) {
    assert_eq!(msgs.len(), n);
    let mut seen: HashMap<Bytes, i64> = HashMap::new();
    let mut values: Vec<usize> = Vec::with_capacity(n);
    for m in msgs {
        let v = std::str::from_utf8(m.value.as_deref().unwrap_or_default()).expect("utf8");
        let i: usize = v[1..].parse().expect("number");
        let key = m.key.clone().expect("key");
        assert_eq!(key, Bytes::from(format!("k{}", i % 17)));
        if let Some(prev) = seen.insert(key, i as i64) {
            assert!(i as i64 > prev, "per-key order broken: {prev} then {i}");
        }
        values.push(i);
    }
    values.sort_unstable();
    assert_eq!(values, (0..n).collect::<Vec<_>>(), "every message exactly once");
}

fn round_trip(brokers: usize, extra: &[(&str, &str)]) {
    let env = Env::new(brokers);
    let topic = env.topic("rt", 3);
    let p = Producer::new(&env.config(extra)).expect("producer");
    produce_keyed(&p, &topic, 500);
    let msgs = consume(&env, &topic, 3, 500, &[]);
    assert_per_key_order(&msgs, 500);
}

#[test]
fn acks_levels_one_broker() {
    for acks in ["0", "1", "all"] {
        let env = Env::new(1);
        let topic = env.topic("acks", 3);
        let p = Producer::new(&env.config(&[("acks", acks)])).expect("producer");
        let futures: Vec<_> = (0..200)
            .map(|i| p.send(ProducerRecord::new(&topic).key(format!("k{}", i % 17)).value(format!("v{i}"))).expect("send"))
            .collect();
        p.flush(T).expect("flush");
        for f in futures {
            let d = f.wait().expect("delivered");
            if acks == "0" {
                assert_eq!(d.offset, -1, "acks=0 has no offsets");
            } else {
                assert!(d.offset >= 0);
            }
        }
        let msgs = consume(&env, &topic, 3, 200, &[]);
        assert_per_key_order(&msgs, 200);
    }
}

#[test]
fn acks_all_three_brokers() {
    round_trip(3, &[("acks", "all")]);
}

#[test]
fn every_codec_round_trips() {
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        round_trip(1, &[("compression.type", codec), ("linger.ms", "20")]);
    }
}

#[test]
fn keys_follow_java_murmur2() {
    // ../shared/vectors/partitioner.tsv: with 3 partitions "foo" -> 2, "bar" -> 0, "kafka" -> 1.
    let env = Env::new(1);
    let topic = env.topic("keys", 3);
    let p = Producer::new(&env.config(&[])).expect("producer");
    for (key, want) in [("foo", 2), ("bar", 0), ("kafka", 1)] {
        let d = p.send(ProducerRecord::new(&topic).key(key).value("x")).expect("send").wait().expect("delivered");
        assert_eq!(d.partition, want, "key {key}");
    }
    let p = Producer::new(&env.config(&[("partitioner", "consistent_random")])).expect("producer");
    let d = p.send(ProducerRecord::new(&topic).key("foo").value("x")).expect("send").wait().expect("delivered");
    assert_eq!(d.partition, 2, "consistent(crc32) foo % 3");
}

#[test]
fn null_keys_stick_to_one_partition_per_batch() {
    let env = Env::new(1);
    let topic = env.topic("sticky", 3);
    let p = Producer::new(&env.config(&[("linger.ms", "1000"), ("sticky.partitioning.linger.ms", "5000")])).expect("producer");
    let futures: Vec<_> = (0..50).map(|i| p.send(ProducerRecord::new(&topic).value(format!("{i}"))).expect("send")).collect();
    p.flush(T).expect("flush");
    let parts: Vec<i32> = futures.into_iter().map(|f| f.wait().expect("delivered").partition).collect();
    assert!(parts.iter().all(|&x| x == parts[0]), "one linger window, one batch, one partition: {parts:?}");
}

/// sticky.partitioning.linger.ms: the sticky partition moves on once it is that old; 0 spreads
/// every keyless record (librdkafka's semantics).
#[test]
fn sticky_partitioning_linger_moves_the_partition_on() {
    let env = Env::new(1);
    let topic = env.topic("stickylinger", 4);
    let partitions = |sticky_ms: &str, pause: Duration| -> Vec<i32> {
        let p = Producer::new(&env.config(&[("sticky.partitioning.linger.ms", sticky_ms), ("linger.ms", "0")])).expect("producer");
        let mut futures = Vec::new();
        for i in 0..40 {
            futures.push(p.send(ProducerRecord::new(&topic).value(format!("{i}"))).expect("send"));
            if i % 10 == 9 {
                std::thread::sleep(pause);
            }
        }
        p.flush(T).expect("flush");
        futures.into_iter().map(|f| f.wait().expect("delivered").partition).collect()
    };
    let timed = partitions("50", Duration::from_millis(120));
    for chunk in timed.chunks(10) {
        assert!(chunk.iter().all(|&x| x == chunk[0]), "sticky within 50 ms: {timed:?}");
    }
    assert!(timed.chunks(10).zip(timed.chunks(10).skip(1)).all(|(a, b)| a[0] != b[0]), "a new partition after 50 ms: {timed:?}");
    let spread = partitions("0", Duration::ZERO);
    let distinct: std::collections::BTreeSet<i32> = spread.iter().copied().collect();
    assert!(distinct.len() >= 3, "0 turns stickiness off: {spread:?}");
}

#[test]
fn explicit_partition_headers_and_timestamps() {
    // An explicit CreateTime, recent enough that real Kafka's retention (7 days) keeps it.
    let an_hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
        - 3_600_000;
    let env = Env::new(1);
    let topic = env.topic("hdr", 3);
    let p = Producer::new(&env.config(&[])).expect("producer");
    let rec = ProducerRecord::new(&topic)
        .partition(1)
        .key("k")
        .value("v")
        .timestamp(an_hour_ago)
        .header("h", Some("1"))
        .header("h", Some("2"))
        .header("none", None::<Bytes>);
    let d = p.send(rec).expect("send").wait().expect("delivered");
    assert_eq!(d.partition, 1);
    // A null value and key are kept as null, not empty.
    let d2 = p.send(ProducerRecord::new(&topic).partition(1)).expect("send").wait().expect("delivered");
    assert_eq!(d2.offset, d.offset + 1);
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    c.assign(&[TopicPartitionOffset::new(&topic, 1, Offset::Beginning)]).expect("assign");
    let msgs = read_n(&c, 2);
    let m = &msgs[0];
    assert_eq!(m.timestamp, Timestamp::CreateTime(an_hour_ago));
    let hs: Vec<(String, Option<Bytes>)> = m.headers.iter().map(|h| (h.key.clone(), h.value.clone())).collect();
    assert_eq!(
        hs,
        vec![
            ("h".to_string(), Some(Bytes::from("1"))),
            ("h".to_string(), Some(Bytes::from("2"))),
            ("none".to_string(), None)
        ],
        "duplicate header keys keep order (KIP-82)"
    );
    assert_eq!(msgs[1].key, None);
    assert_eq!(msgs[1].value, None);
    // Unknown partition is refused at send time.
    let err = p.send(ProducerRecord::new(&topic).partition(7).value("x")).err().expect("refused");
    assert_eq!(err.kind, ErrorKind::UnknownPartition);
}

#[test]
fn hundred_thousand_in_per_partition_order() {
    let env = Env::new(3);
    let topic = env.topic("bulk", 3);
    let n = 100_000;
    let p = Producer::new(&env.config(&[("linger.ms", "5"), ("compression.type", "lz4")])).expect("producer");
    let mut futures = Vec::with_capacity(n);
    for i in 0..n {
        futures.push(p.send(ProducerRecord::new(&topic).key(format!("k{}", i % 17)).value(format!("v{i}"))).expect("send"));
    }
    p.flush(Duration::from_secs(120)).expect("flush");
    for f in futures {
        f.wait().expect("delivered");
    }
    let msgs = consume(&env, &topic, 3, n, &[]);
    assert_per_key_order(&msgs, n);
    // Offsets within each partition are consecutive from 0.
    let mut next: HashMap<i32, i64> = HashMap::new();
    for m in &msgs {
        let e = next.entry(m.partition).or_insert(0);
        assert_eq!(m.offset, *e, "partition {} offsets", m.partition);
        *e += 1;
    }
}

#[test]
fn idempotent_producer_survives_disconnects_without_duplicates() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return skip("idempotent_producer_survives_disconnects_without_duplicates", "needs testkit fault injection");
    };
    let topic = env.topic("idem", 2);
    let p = Producer::new(&env.config(&[("enable.idempotence", "true"), ("linger.ms", "2"), ("retry.backoff.ms", "20")]))
        .expect("producer");
    let n = 2000;
    let mut futures = Vec::new();
    for i in 0..n {
        if i % 400 == 200 {
            // The broker writes the next requests but drops the connection instead of answering:
            // the producer must retry, and the broker must recognise the retries as duplicates.
            cluster.drop_next_produce_responses(2);
        }
        if i % 500 == 499 {
            cluster.disconnect_all();
        }
        futures.push(p.send(ProducerRecord::new(&topic).key(format!("k{}", i % 17)).value(format!("v{i}"))).expect("send"));
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    p.flush(Duration::from_secs(60)).expect("flush");
    for f in futures {
        f.wait().expect("every record delivered");
    }
    let total: i64 = (0..2).map(|part| cluster.record_count(&topic, part)).sum();
    assert_eq!(total, n as i64, "no duplicates in the log");
    let msgs = consume(&env, &topic, 2, n, &[]);
    assert_per_key_order(&msgs, n);
}

#[test]
fn oversized_message_is_refused_naming_the_limit() {
    let env = Env::new(1);
    let topic = env.topic("big", 1);
    let p = Producer::new(&env.config(&[("message.max.bytes", "10000")])).expect("producer");
    let err = p.send(ProducerRecord::new(&topic).value(vec![0u8; 20_000])).err().expect("refused");
    assert_eq!(err.kind, ErrorKind::MsgSizeTooLarge);
    assert!(err.message.contains("message.max.bytes") && err.message.contains("10000"), "{}", err.message);
}

#[test]
fn unreachable_bootstrap_fails_in_bounded_time() {
    // Port 1 on loopback: nothing listens there.
    let mut c = ferrokafka::ClientConfig::new();
    c.set("bootstrap.servers", "127.0.0.1:1").expect("set");
    c.set("message.timeout.ms", "1500").expect("set");
    let p = Producer::new(&c).expect("producer");
    let started = Instant::now();
    let f = p.send(ProducerRecord::new("nowhere").value("x")).expect("send");
    let err = f.wait().err().expect("must fail");
    assert_eq!(err.kind, ErrorKind::MsgTimedOut, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let md = p.metadata(None, Duration::from_secs(1)).err().expect("metadata must fail");
    assert!(
        matches!(md.kind, ErrorKind::Transport | ErrorKind::AllBrokersDown | ErrorKind::TimedOut),
        "{md}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn bounded_queue_reports_queue_full() {
    let mut c = ferrokafka::ClientConfig::new();
    c.set("bootstrap.servers", "127.0.0.1:1").expect("set");
    c.set("queue.buffering.max.messages", "10").expect("set");
    let p = Producer::new(&c).expect("producer");
    for i in 0..10 {
        p.produce(ProducerRecord::new("t").value(format!("{i}"))).expect("fits");
    }
    let err = p.produce(ProducerRecord::new("t").value("x")).err().expect("queue full");
    assert_eq!(err.kind, ErrorKind::QueueFull);
    assert!(err.message.contains("queue.buffering.max.messages"), "{}", err.message);
    let e = p.flush(Duration::from_millis(300)).err().expect("flush times out");
    assert_eq!(e.kind, ErrorKind::TimedOut);
}

#[test]
fn delivery_reports_through_poll() {
    let env = Env::new(1);
    let topic = env.topic("poll", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    for i in 0..10u64 {
        p.produce(ProducerRecord::new(&topic).value(format!("{i}")).opaque(i)).expect("produce");
    }
    let mut reports = Vec::new();
    let deadline = Instant::now() + T;
    while reports.len() < 10 && Instant::now() < deadline {
        reports.extend(p.poll(Duration::from_millis(200), usize::MAX).into_iter().filter_map(|e| match e {
            ClientEvent::Delivery(r) => Some(r),
            _ => None,
        }));
    }
    assert_eq!(reports.len(), 10);
    for (i, r) in reports.iter().enumerate() {
        assert!(r.error.is_none());
        assert_eq!(r.opaque, i as u64);
        assert_eq!(r.offset, i as i64);
        assert_eq!(r.value.as_deref(), Some(format!("{i}").as_bytes()));
    }
    // A report is queued a moment before its record leaves the count (so that flush never
    // returns before the reports exist): the count may lag the reports by that moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while p.in_flight_count() != 0 {
        assert!(Instant::now() < deadline, "in_flight_count stays {}", p.in_flight_count());
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn start_offsets_watermarks_seek_and_eof() {
    let env = Env::new(1);
    let topic = env.topic("pos", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    // Recent timestamps: real Kafka deletes records older than its retention (7 days) at its
    // first retention check (30 s after start), which emptied this log mid-test in CI runs.
    let base_ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
        - 60_000;
    for i in 0..10i64 {
        p.send(ProducerRecord::new(&topic).partition(0).value(format!("{i}")).timestamp(base_ts + i * 1000)).expect("send");
    }
    p.flush(T).expect("flush");
    let c = Consumer::new(&env.config(&[("enable.partition.eof", "true")])).expect("consumer");
    assert_eq!(c.fetch_watermarks(&topic, 0, T).expect("watermarks"), (0, 10));

    let first = |c: &Consumer| -> Option<i64> {
        let deadline = Instant::now() + T;
        while Instant::now() < deadline {
            match c.poll(Duration::from_millis(200)) {
                Some(Event::Message(m)) => return Some(m.offset),
                Some(Event::PartitionEof { .. }) => return None,
                Some(Event::Error { error, .. }) => panic!("{error}"),
                _ => {}
            }
        }
        panic!("nothing arrived");
    };
    for (start, want) in [
        (Offset::Beginning, Some(0)),
        (Offset::Offset(7), Some(7)),
        (Offset::Tail(3), Some(7)),
        (Offset::Timestamp(base_ts + 4500), Some(5)),
        (Offset::End, None),
    ] {
        c.assign(&[TopicPartitionOffset::new(&topic, 0, start)]).expect("assign");
        let got = first(&c);
        assert_eq!(got, want, "start {start:?}; position now {:?}", c.position());
    }
    // Seek back: what was fetched before is discarded.
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Beginning)]).expect("assign");
    assert_eq!(first(&c), Some(0));
    c.seek(&topic, 0, Offset::Offset(8)).expect("seek");
    assert_eq!(first(&c), Some(8));
    assert_eq!(first(&c), Some(9));
    // The end of the partition is reported once.
    let deadline = Instant::now() + T;
    let mut eof = 0;
    while Instant::now() < deadline && eof == 0 {
        if let Some(Event::PartitionEof { offset, .. }) = c.poll(Duration::from_millis(200)) {
            assert_eq!(offset, 10);
            eof += 1;
        }
    }
    assert_eq!(eof, 1);
    assert!(c.poll(Duration::from_millis(300)).is_none(), "EOF is not repeated without new data");
    let ts = c.offsets_for_times(&[(topic.clone(), 0, base_ts + 2000)], T);
    assert_eq!(ts[0].as_ref().ok(), Some(&2));
}

#[test]
fn offset_out_of_range_follows_auto_offset_reset() {
    let env = Env::new(1);
    let topic = env.topic("oor", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    for i in 0..5 {
        p.send(ProducerRecord::new(&topic).partition(0).value(format!("{i}"))).expect("send");
    }
    p.flush(T).expect("flush");
    let c = Consumer::new(&env.config(&[("auto.offset.reset", "smallest")])).expect("consumer");
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Offset(1000))]).expect("assign");
    assert_eq!(read_n(&c, 1)[0].offset, 0, "reset to the beginning");
    let c = Consumer::new(&env.config(&[("auto.offset.reset", "error")])).expect("consumer");
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Offset(1000))]).expect("assign");
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "no error reported");
        if let Some(Event::Error { error, .. }) = c.poll(Duration::from_millis(200)) {
            assert_eq!(error.kind, ErrorKind::AutoOffsetReset);
            break;
        }
    }
}

#[test]
fn bad_config_is_refused_clearly() {
    let mut c = ferrokafka::ClientConfig::new();
    let e = c.set("no.such.property", "1").err().expect("unknown");
    assert!(e.message.contains("no.such.property"), "{}", e.message);
    let e = c.set("acks", "7").err().expect("bad acks");
    assert!(e.message.contains("acks") && e.message.contains('7'), "{}", e.message);
    let e = c.set("compression.codec", "brotli").err().expect("bad codec");
    assert!(e.message.contains("brotli") && e.message.contains("zstd"), "{}", e.message);
    assert!(c.set("request.required.acks", "-1").is_ok(), "librdkafka alias");
    assert_eq!(c.get("acks").as_deref(), Some("-1"));
}

/// A binding maps librdkafka's -1 ("wait forever") to `Duration::MAX`, and an application may
/// call the blocking API from its own async code: neither may panic (a panic would cross an FFI
/// boundary).
#[test]
fn blocking_calls_take_forever_and_work_inside_a_runtime() {
    let env = Env::new(1);
    let topic = env.topic("inrt", 1);
    let app = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("app runtime");
    app.block_on(async {
        let p = Producer::new(&env.config(&[])).expect("producer");
        let delivery = p.send(ProducerRecord::new(&topic).value("x")).expect("send");
        p.flush(Duration::MAX).expect("flush forever");
        assert_eq!(delivery.wait().expect("delivered").offset, 0);
        p.produce(ProducerRecord::new(&topic).value("y")).expect("produce");
        assert!(
            matches!(p.poll(Duration::MAX, 1).as_slice(), [ClientEvent::Delivery(_)]),
            "poll(forever) returns with the report"
        );
        let c = Consumer::new(&env.config(&[])).expect("consumer");
        c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Beginning)]).expect("assign");
        match c.poll(Duration::MAX) {
            Some(Event::Message(m)) => assert_eq!(m.value.as_deref(), Some(&b"x"[..])),
            other => panic!("expected the first record, got {other:?}"),
        }
        let (low, high) = c.fetch_watermarks(&topic, 0, Duration::MAX).expect("watermarks");
        assert_eq!((low, high), (0, 2));
    });
}

/// A broker that hangs (accepts, never answers) delays only the partitions it leads: sends to
/// the other brokers are delivered meanwhile, and its own records arrive once it answers again.
#[test]
fn a_hung_broker_does_not_hold_back_the_others() {
    let env = Env::new(3);
    let Some(cluster) = env.testkit() else {
        return skip("a_hung_broker_does_not_hold_back_the_others", "needs testkit fault injection");
    };
    let topic = env.topic("hung", 3);
    let admin = ferrokafka::blocking::AdminClient::new(&env.config(&[])).expect("admin");
    let md = admin.metadata(Some(&[topic.clone()]), T).expect("metadata");
    let leaders: Vec<i32> = md.topic(&topic).expect("topic").partitions.iter().map(|p| p.leader).collect();
    let hung = leaders[0];
    let others: Vec<i32> = (0..3).filter(|&p| leaders[p as usize] != hung).collect();
    assert!(!others.is_empty(), "every partition has the same leader: {leaders:?}");
    // Connection set-up to the hung broker would take the full api.version.request.timeout.ms.
    let p = Producer::new(&env.config(&[("api.version.request.timeout.ms", "20000"), ("socket.timeout.ms", "30000")]))
        .expect("producer");
    // Metadata and connections first; then the hung broker's connection is lost, so the next
    // send to it must connect again (the step that used to hold every broker back).
    for part in 0..3 {
        p.send(ProducerRecord::new(&topic).partition(part).value("warm-up")).expect("send").wait().expect("warm-up");
    }
    cluster.stall_broker(hung, true);
    cluster.disconnect_all();
    let stuck = p.send(ProducerRecord::new(&topic).partition(0).value("to the hung broker")).expect("send");
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let fine: Vec<_> = others
        .iter()
        .map(|&part| p.send(ProducerRecord::new(&topic).partition(part).value("elsewhere")).expect("send"))
        .collect();
    for f in fine {
        f.wait().expect("delivered by a healthy broker");
    }
    let took = started.elapsed();
    cluster.stall_broker(hung, false);
    assert!(took < Duration::from_secs(8), "healthy brokers waited {took:?} behind the hung one");
    stuck.wait().expect("delivered once the broker answers again");
    p.flush(T).expect("flush");
}

/// Retriable Fetch and ListOffsets errors are retried after retry.backoff.ms, doubling up to
/// retry.backoff.max.ms, not at once (which hammers the broker and burns a core).
#[test]
fn retriable_fetch_and_list_offsets_errors_back_off() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return skip("retriable_fetch_and_list_offsets_errors_back_off", "needs testkit fault injection");
    };
    let topic = env.topic("backoff", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    p.send(ProducerRecord::new(&topic).value("v")).expect("send").wait().expect("delivered");
    let cfg = [("retry.backoff.ms", "100"), ("retry.backoff.max.ms", "400")];
    // Three failed lookups of the start offset: at least 100 + 200 + 400 ms before the record.
    cluster.fail_next_list_offsets(3, 6);
    let c = Consumer::new(&env.config(&cfg)).expect("consumer");
    let started = Instant::now();
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::End)]).expect("assign");
    let deadline = Instant::now() + T;
    while !c.position().iter().any(|(_, _, o)| *o >= 0) {
        let _ = c.poll(Duration::from_millis(20));
        assert!(Instant::now() < deadline, "the start offset was never resolved");
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(650), "ListOffsets retried without backoff: resolved in {took:?}");
    // Four failed fetches: 100 + 200 + 400 + 400 ms (capped) before the next record arrives.
    cluster.fail_next_fetch(4, 6);
    c.seek(&topic, 0, Offset::Beginning).expect("seek");
    let started = Instant::now();
    let got = read_n(&c, 1);
    let took = started.elapsed();
    assert_eq!(got[0].value.as_deref(), Some(&b"v"[..]));
    assert!(took >= Duration::from_millis(1000), "Fetch retried without backoff: record after {took:?}");
}

/// rd_kafka_clusterid / rd_kafka_controllerid on every client type.
#[test]
fn cluster_id_and_controller_id() {
    let env = Env::new(1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    let a = ferrokafka::blocking::AdminClient::new(&env.config(&[])).expect("admin");
    let id = p.cluster_id(T).expect("cluster id").expect("Kafka and the testkit both say it");
    assert!(!id.is_empty());
    assert_eq!(c.cluster_id(T).expect("cluster id").as_deref(), Some(id.as_str()));
    assert_eq!(a.cluster_id(T).expect("cluster id").as_deref(), Some(id.as_str()));
    let controller = a.controller_id(T).expect("controller");
    assert!(controller >= 0, "a broker id: {controller}");
    assert_eq!(p.controller_id(T).expect("controller"), controller);
    let md = a.metadata(None, T).expect("metadata");
    assert!(md.brokers.iter().any(|b| b.id == controller), "the controller is one of the brokers");
}

/// pause/resume give one result per partition; a paused partition is not fetched.
#[test]
fn pause_and_resume_with_per_partition_results() {
    let env = Env::new(1);
    let topic = env.topic("pause", 1);
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Beginning)]).expect("assign");
    let r = c.pause(&[(topic.clone(), 0), (topic.clone(), 9)]);
    assert!(r[0].2.is_ok());
    assert_eq!(r[1].2.as_ref().map_err(|e| e.kind), Err(ErrorKind::UnknownPartition));
    let p = Producer::new(&env.config(&[])).expect("producer");
    p.send(ProducerRecord::new(&topic).value("x")).expect("send").wait().expect("delivered");
    let deadline = Instant::now() + Duration::from_millis(700);
    while Instant::now() < deadline {
        assert!(!matches!(c.poll(Duration::from_millis(100)), Some(Event::Message(_))), "a paused partition was fetched");
    }
    assert!(c.resume(&[(topic.clone(), 0)])[0].2.is_ok());
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "nothing after resume");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            assert_eq!(m.offset, 0);
            break;
        }
    }
}

/// A broker that hangs (accepts, never answers) costs a metadata request one attempt's share of
/// its time, then another broker is asked: before, every attempt went to the first connection
/// up, hung or not, until the whole timeout was gone.
#[test]
fn metadata_goes_around_a_hung_broker() {
    let env = Env::new(3);
    let Some(cluster) = env.testkit() else {
        return skip("metadata_goes_around_a_hung_broker", "needs the testkit to stall brokers");
    };
    let topic = env.topic("hung", 3);
    let a = ferrokafka::blocking::AdminClient::new(&env.config(&[])).expect("admin");
    let p = Producer::new(&env.config(&[])).expect("producer");
    // Connections to every broker: one record to each partition (leaders are spread).
    for part in 0..3 {
        p.send(ProducerRecord::new(&topic).partition(part).value("x")).expect("send").wait().expect("delivered");
    }
    a.metadata(None, T).expect("metadata");
    cluster.stall_broker(1, true);
    cluster.stall_broker(2, true);
    let started = Instant::now();
    let md = a.metadata(Some(std::slice::from_ref(&topic)), Duration::from_secs(9));
    cluster.stall_broker(1, false);
    cluster.stall_broker(2, false);
    let md = md.expect("answered by the broker that is not hung");
    assert_eq!(md.topics.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(9), "{:?}", started.elapsed());
}

/// Every client type has watermarks, offsetsForTimes and metadata of the known topics only
/// (php-rdkafka's RdKafka base class: queryWatermarkOffsets, offsetsForTimes, getMetadata).
#[test]
fn every_client_type_has_watermarks_offsets_for_times_and_known_metadata() {
    let env = Env::new(1);
    let topic = env.topic("wm", 1);
    let other = env.topic("wmother", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    for i in 0..3 {
        p.send(ProducerRecord::new(&topic).value(format!("{i}"))).expect("send").wait().expect("delivered");
    }
    assert_eq!(p.fetch_watermarks(&topic, 0, T).expect("producer watermarks"), (0, 3));
    let a = ferrokafka::blocking::AdminClient::new(&env.config(&[])).expect("admin");
    assert_eq!(a.fetch_watermarks(&topic, 0, T).expect("admin watermarks"), (0, 3));
    let at = p.offsets_for_times(&[(topic.clone(), 0, before - 60_000)], T);
    assert_eq!(at[0].as_ref().ok(), Some(&0));
    let at = a.offsets_for_times(&[(topic.clone(), 0, i64::MAX / 2)], T);
    assert_eq!(at[0].as_ref().ok(), Some(&-1), "no record that late");
    let known = p.metadata_known(T).expect("known");
    let names: Vec<&str> = known.topics.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&topic.as_str()) && !names.contains(&other.as_str()), "only the topics this producer used: {names:?}");
}
