//! `-C`: reads one topic (every partition, or the `-p` one) and writes each message as `-f`/`-J`
//! say, like kcat's simple consumer: partition EOF is always tracked (enable.partition.eof=true)
//! and reported on stderr, `-e` stops each partition at its end and exits when all stopped, `-c`
//! counts messages across partitions.

use std::io::{BufWriter, StdoutLock, Write};
use std::time::Duration;

use ferrokafka::blocking::Consumer;
use ferrokafka::{ClientConfig, ErrorKind, Event, Message, Offset, TopicPartitionOffset};

use crate::args::{Options, Start};
use crate::format::Formatter;
use crate::{info, signals, strerror, Failure};

/// How long one poll waits before the stop flag is checked again.
const POLL_WAIT: Duration = Duration::from_millis(100);

/// What is known about one consumed partition.
struct Partition {
    /// The leader when we started: kcat's JSON `broker` is the broker the message came from.
    leader: i32,
    stopped: bool,
}

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    let fatal = |m: String| Failure::Fatal(m);
    let consumer = Consumer::new(config).map_err(|e| fatal(format!("Failed to create consumer: {}", e.message)))?;
    let topic = opts.topic.clone().unwrap_or_default();
    let formatter = Formatter::new(&opts.format, opts.json, opts.null_empty).map_err(fatal)?;

    let md = consumer.metadata(Some(&topic), opts.metadata_timeout).map_err(|e| {
        fatal(format!(
            "Failed to query metadata for topic {topic}: {}",
            crate::metadata_error_text(&e)
        ))
    })?;
    let Some(t) = md.topic(&topic) else {
        return Err(fatal(format!("No such topic in cluster: {topic}")));
    };
    if let Some(err) = t.error {
        return Err(fatal(format!("Topic {topic} error: {}", err.description())));
    }
    if t.partitions.is_empty() {
        return Err(fatal(format!("Topic {topic} has no partitions")));
    }
    let wanted: Vec<_> = t
        .partitions
        .iter()
        .filter(|p| opts.partition.is_none_or(|w| w == p.id))
        .collect();
    if let (Some(p), true) = (opts.partition, wanted.is_empty()) {
        return Err(fatal(format!(
            "Topic {topic} (with partitions 0..{}): partition {p} does not exist",
            t.partitions.len() - 1
        )));
    }

    let offset = match (opts.start_timestamp, opts.start) {
        (Some(ts), _) => Offset::Timestamp(ts),
        (None, Start::Beginning) => Offset::Beginning,
        (None, Start::End) => Offset::End,
        (None, Start::Stored) => Offset::Stored,
        (None, Start::Offset(o)) => Offset::Offset(o),
        (None, Start::Tail(n)) => Offset::Tail(n),
    };
    if offset == Offset::Stored && !config.is_set("group.id") {
        // librdkafka refuses to start a partition at its stored offset without a group.
        return Err(fatal(format!(
            "Failed to start consuming topic {topic} [{}]: {}",
            wanted[0].id,
            ErrorKind::InvalidArg.description()
        )));
    }
    let assignment: Vec<_> = wanted
        .iter()
        .map(|p| TopicPartitionOffset::new(&topic, p.id, offset))
        .collect();
    consumer.assign(&assignment).map_err(|e| {
        fatal(format!(
            "Failed to start consuming topic {topic}: {}",
            e.kind.description()
        ))
    })?;
    let max_id = wanted.iter().map(|p| p.id).max().unwrap_or(0);
    let mut partitions: Vec<Option<Partition>> = (0..=max_id).map(|_| None).collect();
    for p in &wanted {
        partitions[p.id as usize] = Some(Partition {
            leader: p.leader,
            stopped: false,
        });
    }

    let mut c = Consuming {
        consumer: &consumer,
        opts,
        out: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
        partitions,
        running: wanted.len(),
        received: 0,
    };
    let result = c.run(&formatter);
    // Whatever happened, what was written so far reaches stdout (kcat's exit() flushes stdio).
    let flushed = c.out.flush();
    result?;
    if let Err(e) = flushed {
        return Err(fatal(format!("Output write error: {}", strerror(&e))));
    }
    Ok(0)
}

struct Consuming<'a> {
    consumer: &'a Consumer,
    opts: &'a Options,
    out: BufWriter<StdoutLock<'static>>,
    /// Indexed by partition id; None for partitions not consumed.
    partitions: Vec<Option<Partition>>,
    /// Partitions not stopped yet (by -e or e@).
    running: usize,
    received: u64,
}

impl Consuming<'_> {
    fn run(&mut self, formatter: &Formatter) -> Result<(), Failure> {
        loop {
            if signals::stop_requested() {
                return Ok(());
            }
            let event = match self.consumer.poll(Duration::ZERO) {
                Some(e) => e,
                None => {
                    // About to wait: let what was written so far out.
                    self.out
                        .flush()
                        .map_err(|e| Failure::Fatal(format!("Output write error: {}", strerror(&e))))?;
                    match self.consumer.poll(POLL_WAIT) {
                        Some(e) => e,
                        None => continue,
                    }
                }
            };
            match event {
                Event::Message(m) => {
                    if self.handle_message(formatter, &m)? {
                        return Ok(());
                    }
                }
                Event::PartitionEof {
                    topic,
                    partition,
                    offset,
                } => {
                    if self.partition(partition).is_none_or(|p| p.stopped) {
                        continue;
                    }
                    if self.opts.exit_eof {
                        self.stop(partition);
                    }
                    let exiting = self.running == 0;
                    info!(
                        1,
                        "Reached end of topic {topic} [{partition}] at offset {offset}{}\n",
                        if exiting { ": exiting" } else { "" }
                    );
                    if exiting {
                        return Ok(());
                    }
                }
                // assign()-only consumers never rebalance.
                Event::Rebalance(_) => {}
                Event::Error {
                    topic,
                    partition,
                    error,
                } => {
                    let why = if error.message.is_empty() {
                        error.kind.description().to_string()
                    } else {
                        error.message
                    };
                    return Err(Failure::Fatal(match topic {
                        Some(t) => format!("Topic {t} [{partition}] error: {why}"),
                        None => format!("Consumer error: {why}"),
                    }));
                }
            }
        }
    }

    /// Writes a message; true when consuming is over.
    fn handle_message(&mut self, formatter: &Formatter, m: &Message) -> Result<bool, Failure> {
        let Some(leader) = self.partition(m.partition).filter(|p| !p.stopped).map(|p| p.leader) else {
            return Ok(false);
        };
        if let Some(stop_ts) = self.opts.stop_timestamp {
            if m.timestamp.millis().unwrap_or(-1) >= stop_ts {
                self.stop(m.partition);
                let exiting = self.running == 0;
                info!(
                    1,
                    "Reached stop timestamp for topic {} [{}] at offset {}{}\n",
                    m.topic,
                    m.partition,
                    m.offset,
                    if exiting { ": exiting" } else { "" }
                );
                return Ok(exiting);
            }
        }
        let written = formatter.write(&mut self.out, m, leader);
        let written = if self.opts.unbuffered {
            written.and_then(|()| self.out.flush())
        } else {
            written
        };
        written.map_err(|e| {
            Failure::Fatal(format!(
                "Write error for message of {} bytes in {} [{}] at offset {}: {}",
                m.value.as_ref().map_or(0, |v| v.len()),
                m.topic,
                m.partition,
                m.offset,
                strerror(&e)
            ))
        })?;
        self.received += 1;
        Ok(Some(self.received) == self.opts.count)
    }

    fn partition(&self, id: i32) -> Option<&Partition> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.partitions.get(i))
            .and_then(Option::as_ref)
    }

    /// Stops fetching a partition; what it had queued is skipped.
    fn stop(&mut self, id: i32) {
        let Some(p) = usize::try_from(id)
            .ok()
            .and_then(|i| self.partitions.get_mut(i))
            .and_then(Option::as_mut)
        else {
            return;
        };
        if !p.stopped {
            p.stopped = true;
            self.running -= 1;
            let topic = self.opts.topic.clone().unwrap_or_default();
            self.consumer.pause(&[(topic, id)]);
        }
    }
}
