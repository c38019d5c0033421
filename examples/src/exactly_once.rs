//! Exactly-once consume-transform-produce, as the tests run it (and kill it).
//!
//!   exactly_once BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID
//!
//! Joins GROUP, reads INPUT (read_committed), and for each batch of up to 50 records, in ONE
//! transaction: writes each value upper-cased to OUTPUT (same partition), and sends the consumer's
//! next offsets with the transaction (send_offsets_to_transaction, with the group metadata that
//! lets the coordinator fence a zombie, KIP-447). Output and offsets commit together or not at
//! all, so a crash anywhere leaves, for read_committed readers of OUTPUT, every input record
//! exactly once: a restarted instance with the same TRANSACTIONAL_ID aborts what the dead one left
//! open and resumes from the offsets its last committed transaction carried.
//!
//! Prints `committed N` after each commit (N: records so far in this run) and stops after 10 s
//! without input (longer than the session timeout of a killed predecessor, whose partitions
//! come to this instance only when the group coordinator gives up on it).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::{ClientConfig, Event, Offset, ProducerRecord, TxnOffset};

const T: Duration = Duration::from_secs(30);

fn main() {
    if let Err(e) = run() {
        eprintln!("exactly_once: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, bootstrap, input, output, group, transactional_id] = &args[..] else {
        return Err("usage: exactly_once BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID".into());
    };
    let consumer = Consumer::new(&ClientConfig::from_pairs([
        ("bootstrap.servers", bootstrap.as_str()),
        ("group.id", group.as_str()),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"),
        ("isolation.level", "read_committed"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "500"),
    ])?)?;
    let producer = Producer::new(&ClientConfig::from_pairs([
        ("bootstrap.servers", bootstrap.as_str()),
        ("transactional.id", transactional_id.as_str()),
        ("linger.ms", "1"),
    ])?)?;
    // Fences an older instance with this id and aborts the transaction it left open.
    producer.init_transactions(T)?;
    consumer.subscribe(std::slice::from_ref(input))?;

    let mut done = 0usize;
    let mut idle_since = Instant::now();
    while idle_since.elapsed() < Duration::from_secs(10) {
        let mut batch = Vec::new();
        let until = Instant::now() + Duration::from_millis(100);
        while batch.len() < 50 && Instant::now() < until {
            match consumer.poll(Duration::from_millis(20)) {
                Some(Event::Message(m)) => batch.push(m),
                Some(Event::Error { error, .. }) => eprintln!("consumer error: {error}"),
                _ => {}
            }
        }
        if batch.is_empty() {
            continue;
        }
        idle_since = Instant::now();
        let mut next: HashMap<(String, i32), i64> = HashMap::new();
        producer.begin_transaction()?;
        for m in &batch {
            let value = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).to_uppercase();
            producer.send(ProducerRecord::new(output.as_str()).partition(m.partition).value(value))?;
            next.insert((m.topic.to_string(), m.partition), m.offset + 1);
        }
        let offsets: Vec<TxnOffset> = next
            .iter()
            .map(|((topic, partition), offset)| TxnOffset {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
                metadata: None,
                leader_epoch: -1,
            })
            .collect();
        let group_metadata = consumer.group_metadata().ok_or("the consumer has no group")?;
        let result = producer
            .send_offsets_to_transaction(&offsets, &group_metadata, T)
            .and_then(|()| producer.commit_transaction(T));
        match result {
            Ok(()) => {
                done += batch.len();
                println!("committed {done}");
            }
            Err(e) if e.txn_requires_abort => {
                // E.g. a rebalance moved the partitions: drop this batch's output and offsets,
                // and read again from what the group has committed.
                eprintln!("aborting: {e}");
                producer.abort_transaction(T)?;
                for (topic, partition) in next.keys() {
                    consumer.seek(topic, *partition, Offset::Stored)?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    consumer.close()?;
    Ok(())
}
