//! At-least-once and at-most-once consumption, as the tests run them (and kill them).
//!
//!   delivery_semantics at-least-once|at-most-once BOOTSTRAP TOPIC GROUP OUTPUT_FILE EXPECTED
//!
//! Joins GROUP, consumes TOPIC and "processes" each message by appending
//! `partition offset value` to OUTPUT_FILE (flushed at once), until the file holds EXPECTED
//! distinct values or nothing arrives for 10 s.
//!
//! - at-least-once: process, THEN store the offset (enable.auto.offset.store=false); auto-commit
//!   commits stored offsets in the background. A crash after processing and before the commit
//!   means those messages are processed again: duplicates, never a loss.
//! - at-most-once: commit the offset synchronously BEFORE processing. A crash after the commit
//!   and before processing loses those messages: gaps, never a duplicate.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::time::{Duration, Instant};

use ferrokafka::blocking::Consumer;
use ferrokafka::{ClientConfig, Event};

fn main() {
    if let Err(e) = run() {
        eprintln!("delivery_semantics: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, bootstrap, topic, group, output, expected] = &args[..] else {
        return Err("usage: delivery_semantics at-least-once|at-most-once BOOTSTRAP TOPIC GROUP OUTPUT_FILE EXPECTED".into());
    };
    let expected: usize = expected.parse()?;
    let at_least_once = match mode.as_str() {
        "at-least-once" => true,
        "at-most-once" => false,
        other => return Err(format!("unknown mode {other:?}").into()),
    };
    let config = ClientConfig::from_pairs([
        ("bootstrap.servers", bootstrap.as_str()),
        ("group.id", group.as_str()),
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", if at_least_once { "true" } else { "false" }),
        ("auto.commit.interval.ms", "200"),
        ("enable.auto.offset.store", "false"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "500"),
    ])?;
    let consumer = Consumer::new(&config)?;
    consumer.subscribe(&[topic.clone()])?;
    let mut out = OpenOptions::new().create(true).append(true).open(output)?;
    let mut seen: HashSet<String> = std::fs::read_to_string(output)?
        .lines()
        .filter_map(|l| l.split(' ').nth(2).map(str::to_string))
        .collect();
    let mut idle_since = Instant::now();
    while seen.len() < expected && idle_since.elapsed() < Duration::from_secs(10) {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Event::Message(m)) => {
                idle_since = Instant::now();
                let value = String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).to_string();
                let next = [(m.topic.to_string(), m.partition, m.offset + 1)];
                if !at_least_once {
                    consumer.commit(Some(&next))?;
                }
                // "Processing": one durable line per message.
                writeln!(out, "{} {} {}", m.partition, m.offset, value)?;
                out.flush()?;
                seen.insert(value);
                if at_least_once {
                    consumer.store_offsets(&next)?;
                }
                // Slow enough that the test can kill us mid-stream.
                std::thread::sleep(Duration::from_millis(2));
            }
            Some(Event::Error { error, .. }) => eprintln!("consumer error: {error}"),
            _ => {}
        }
    }
    consumer.close()?;
    Ok(())
}
