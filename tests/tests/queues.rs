//! Consumer queues as librdkafka has them: per-partition consumption (rd_kafka_consume), user
//! queues several partitions are routed into (consume_start_queue), batches, and per-partition
//! flow control, so a partition nobody reads never stalls the others and prefetching is bounded
//! in bytes. Runs against the testkit or real Kafka (KAFKA_BOOTSTRAP).

use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::consumer::{Source, MAIN_QUEUE, PARTITION_QUEUE};
use ferrokafka::events::ClientEvent;
use ferrokafka::{Event, Offset, ProducerRecord};
use ferrokafka_tests::Env;

const T: Duration = Duration::from_secs(30);

fn produce(env: &Env, topic: &str, partition: i32, n: usize, size: usize) {
    // Small batches: a fetch answer holds whole batches, so the batch size is its granularity.
    let p = Producer::new(&env.config(&[("linger.ms", "5"), ("batch.size", "4096")])).expect("producer");
    let value = vec![b'v'; size];
    let fs: Vec<_> =
        (0..n).map(|_| p.send(ProducerRecord::new(topic).partition(partition).value(value.clone())).expect("send")).collect();
    p.flush(T).expect("flush");
    for f in fs {
        f.wait().expect("delivered");
    }
}

fn messages(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Message(_))).count()
}

#[test]
fn a_partition_nobody_reads_does_not_stall_the_others() {
    let env = Env::new(1);
    let topic = env.topic("stall", 2);
    produce(&env, &topic, 0, 200, 10);
    produce(&env, &topic, 1, 200, 10);
    let c = Consumer::new(&env.config(&[("queued.min.messages", "10")])).expect("consumer");
    c.consume_start(&topic, 1, Offset::Beginning, PARTITION_QUEUE).expect("start 1, read by nobody");
    c.consume_start(&topic, 0, Offset::Beginning, MAIN_QUEUE).expect("start 0");
    let mut got = 0;
    let deadline = Instant::now() + T;
    while got < 200 {
        assert!(Instant::now() < deadline, "partition 0 stalled at {got} of 200");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            assert_eq!(m.partition, 0, "partition 1 is not routed to the main queue");
            got += 1;
        }
    }
    // Partition 1 kept what it prefetched: it is all there for whoever reads it.
    let first = c.consume_partition(&topic, 1, T);
    assert!(matches!(&first, Some(Event::Message(m)) if m.partition == 1 && m.offset == 0), "{first:?}");
}

/// Defect 4, consumer half: prefetching had no byte bound. queued.max.messages.kbytes bounds
/// each partition now (a fetch in flight may bring one answer more).
#[test]
fn prefetching_is_bounded_in_bytes_per_partition() {
    let env = Env::new(1);
    let topic = env.topic("bytes", 1);
    produce(&env, &topic, 0, 400, 1000);
    let c = Consumer::new(&env.config(&[
        ("queued.max.messages.kbytes", "20"),
        ("max.partition.fetch.bytes", "8192"),
        ("fetch.max.bytes", "8192"),
        ("statistics.interval.ms", "100"),
    ]))
    .expect("consumer");
    c.consume_start(&topic, 0, Offset::Beginning, PARTITION_QUEUE).expect("start");
    std::thread::sleep(Duration::from_millis(1500));
    let mut fetchq = None;
    for e in c.events().take_now(usize::MAX) {
        if let ClientEvent::Stats(doc) = e {
            let v: serde_json::Value = serde_json::from_str(&doc).expect("json");
            fetchq = v["topics"][&topic]["partitions"]["0"]["fetchq_cnt"].as_u64().or(fetchq);
        }
    }
    let fetchq = fetchq.expect("statistics with the partition");
    assert!(fetchq > 0 && fetchq <= 40, "20 KiB of 1 KB records, plus at most one 8 KiB answer: {fetchq} prefetched");
    // Reading makes room again: everything arrives.
    let got = c.consume_batch(Source::Partition(topic.as_str().into(), 0), T, 400);
    assert_eq!(messages(&got), 400);
}

#[test]
fn a_user_queue_serves_the_partitions_routed_into_it() {
    let env = Env::new(1);
    let topic = env.topic("userq", 3);
    for p in 0..3 {
        produce(&env, &topic, p, 5, 10);
    }
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    let q = c.new_queue();
    c.consume_start(&topic, 0, Offset::Beginning, q).expect("start 0");
    c.consume_start(&topic, 1, Offset::Beginning, q).expect("start 1");
    c.consume_start(&topic, 2, Offset::Beginning, MAIN_QUEUE).expect("start 2");
    assert!(c.consume_start(&topic, 2, Offset::Beginning, q).is_err(), "already started");
    let mut from_queue = Vec::new();
    let deadline = Instant::now() + T;
    while from_queue.len() < 10 {
        assert!(Instant::now() < deadline, "{} of 10 from the queue", from_queue.len());
        if let Some(Event::Message(m)) = c.poll_queue(q, Duration::from_millis(100)) {
            from_queue.push((m.partition, m.offset));
        }
    }
    assert!(from_queue.iter().all(|(p, _)| *p == 0 || *p == 1), "{from_queue:?}");
    for p in [0, 1] {
        let offsets: Vec<i64> = from_queue.iter().filter(|(pp, _)| *pp == p).map(|(_, o)| *o).collect();
        assert_eq!(offsets, [0, 1, 2, 3, 4], "in order per partition");
    }
    let main = c.consume_batch(Source::Queue(MAIN_QUEUE), Duration::from_secs(10), 5);
    assert_eq!(messages(&main), 5, "the main queue has partition 2's");
    assert!(main.iter().all(|e| !matches!(e, Event::Message(m) if m.partition != 2)));
    // Destroying the queue routes its partitions back to the main queue.
    produce(&env, &topic, 0, 1, 10);
    c.destroy_queue(q);
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "partition 0 never reached the main queue");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            assert_eq!((m.partition, m.offset), (0, 5));
            break;
        }
    }
    c.consume_stop(&topic, 1).expect("stop");
    assert!(c.consume_stop(&topic, 1).is_err(), "stopped already");
}

#[test]
fn consume_batch_returns_when_full_or_at_the_timeout() {
    let env = Env::new(1);
    let topic = env.topic("batch", 1);
    produce(&env, &topic, 0, 10, 10);
    let c = Consumer::new(&env.config(&[])).expect("consumer");
    c.consume_start(&topic, 0, Offset::Beginning, PARTITION_QUEUE).expect("start");
    let source = Source::Partition(topic.as_str().into(), 0);
    let started = Instant::now();
    let got = c.consume_batch(source.clone(), Duration::from_secs(20), 10);
    assert_eq!(messages(&got), 10);
    assert!(started.elapsed() < Duration::from_secs(15), "returned when full, not at the timeout");
    let started = Instant::now();
    let more = c.consume_batch(source, Duration::from_millis(300), 10);
    assert!(more.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(250), "waited for the batch to fill until the timeout");
}
