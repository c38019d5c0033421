//! `make demo`: starts the embedded testkit broker, produces 1,000 keyed messages, consumes
//! them back and prints a short summary. Needs only Rust.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ferrokafka::blocking::{AdminClient, Consumer, Producer};
use ferrokafka::{ClientConfig, Event, NewTopic, Offset, ProducerRecord, TopicPartitionOffset};
use ferrokafka_testkit::Cluster;

const MESSAGES: usize = 1000;
const PARTITIONS: i32 = 3;

fn main() {
    if let Err(e) = run() {
        eprintln!("demo failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let cluster = Cluster::builder().brokers(1).start()?;
    let bootstrap = cluster.bootstrap();
    println!("testkit broker listening on {bootstrap}");

    let config = ClientConfig::from_pairs([("bootstrap.servers", bootstrap.as_str()), ("linger.ms", "5")])?;
    let admin = AdminClient::new(&config)?;
    for (topic, result) in admin.create_topics(&[NewTopic::new("demo", PARTITIONS, 1)], Duration::from_secs(10))? {
        result.map_err(|e| format!("create topic {topic}: {e}"))?;
    }

    let started = Instant::now();
    let producer = Producer::new(&config)?;
    let mut deliveries = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let record = ProducerRecord::new("demo").key(format!("user-{}", i % 10)).value(format!("event {i}"));
        deliveries.push(producer.send(record)?);
    }
    producer.flush(Duration::from_secs(30))?;
    let mut per_partition: HashMap<i32, usize> = HashMap::new();
    for d in deliveries {
        *per_partition.entry(d.wait()?.partition).or_default() += 1;
    }
    let produced_in = started.elapsed();

    let started = Instant::now();
    let consumer = Consumer::new(&config)?;
    let assignment: Vec<_> = (0..PARTITIONS).map(|p| TopicPartitionOffset::new("demo", p, Offset::Beginning)).collect();
    consumer.assign(&assignment)?;
    let mut consumed = 0;
    let mut last_by_key: HashMap<String, usize> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while consumed < MESSAGES && Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(500)) {
            Some(Event::Message(m)) => {
                let key = String::from_utf8_lossy(m.key.as_deref().unwrap_or_default()).to_string();
                let value = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).to_string();
                let n: usize = value.trim_start_matches("event ").parse()?;
                if let Some(prev) = last_by_key.insert(key.clone(), n) {
                    if prev > n {
                        return Err(format!("order broken for key {key}: {prev} before {n}").into());
                    }
                }
                consumed += 1;
            }
            Some(Event::Error { error, .. }) => return Err(error.into()),
            _ => {}
        }
    }
    if consumed != MESSAGES {
        return Err(format!("consumed {consumed} of {MESSAGES} messages").into());
    }
    let mut parts: Vec<_> = per_partition.into_iter().collect();
    parts.sort();
    println!("produced {MESSAGES} keyed messages in {:.0?} across partitions {:?}", produced_in, parts);
    println!("consumed {consumed} messages in {:.0?}, per-key order intact for {} keys", started.elapsed(), last_by_key.len());
    println!("demo: OK");
    Ok(())
}
