//! `-C`, and what `-G` shares with it (kcat's one `consume_cb` serves both modes).
//!
//! `-C` reads one topic (every partition, or the `-p` one) and writes each message as `-f`/`-J`
//! say, like kcat's simple consumer: partition EOF is always tracked (enable.partition.eof=true)
//! and reported on stderr, `-e` stops each partition at its end and exits when all stopped, `-c`
//! counts messages across partitions.
//!
//! Shared with `-G` ([`crate::group`]): the buffered output and the `-c` count ([`Output`]), the
//! table of consumed partitions ([`Partitions`]), the poll loop that flushes before it waits and
//! ends at a signal ([`next_event`]), the end-of-partition line and kcat's fatal consumer errors.

use std::io::{BufWriter, StdoutLock, Write};
use std::sync::Arc;
use std::time::Duration;

use ferrokafka::blocking::Consumer;
use ferrokafka::{ClientConfig, Error, ErrorKind, Event, Message, Offset, TopicPartitionOffset};

use crate::args::{Options, Start};
use crate::format::Formatter;
use crate::{info, signals, strerror, Failure};

/// How long one poll waits before the stop flag is checked again.
const POLL_WAIT: Duration = Duration::from_millis(100);

/// Where messages go: stdout, buffered (flushed whenever the consumer waits, at every message
/// with `-u`), formatted by `-f`/`-J`, counted for `-c`.
pub struct Output {
    out: BufWriter<StdoutLock<'static>>,
    formatter: Formatter,
    unbuffered: bool,
    count: Option<u64>,
    received: u64,
}

impl Output {
    pub fn new(opts: &Options) -> Result<Output, Failure> {
        Ok(Output {
            out: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            formatter: Formatter::new(&opts.format, opts.json, opts.null_empty).map_err(Failure::Fatal)?,
            unbuffered: opts.unbuffered,
            count: opts.count,
            received: 0,
        })
    }

    /// Writes a message fetched from `broker`; true when it was the `-c`th.
    pub fn write(&mut self, m: &Message, broker: i32) -> Result<bool, Failure> {
        let written = self.formatter.write(&mut self.out, m, broker);
        let written = if self.unbuffered {
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
        Ok(Some(self.received) == self.count)
    }

    pub fn flush(&mut self) -> Result<(), Failure> {
        self.out
            .flush()
            .map_err(|e| Failure::Fatal(format!("Output write error: {}", strerror(&e))))
    }

    /// Ends a run: whatever happened, what was written so far reaches stdout (kcat's exit()
    /// flushes stdio); the run's own failure comes first.
    pub fn finish(mut self, run: Result<(), Failure>) -> Result<i32, Failure> {
        let flushed = self.flush();
        run?;
        flushed?;
        Ok(0)
    }
}

/// The next event; None once a signal asked to stop. What was written is flushed before waiting.
pub fn next_event(consumer: &Consumer, out: &mut Output) -> Result<Option<Event>, Failure> {
    loop {
        if signals::stop_requested() {
            return Ok(None);
        }
        if let Some(event) = consumer.poll(Duration::ZERO) {
            return Ok(Some(event));
        }
        out.flush()?;
        if let Some(event) = consumer.poll(POLL_WAIT) {
            return Ok(Some(event));
        }
    }
}

/// kcat's `Reached end of topic` line.
pub fn report_eof(topic: &str, partition: i32, offset: i64, exiting: bool) {
    info!(
        1,
        "Reached end of topic {topic} [{partition}] at offset {offset}{}\n",
        if exiting { ": exiting" } else { "" }
    );
}

/// kcat ends the run at any consumer error.
pub fn consumer_error(topic: Option<Arc<str>>, partition: i32, error: Error) -> Failure {
    let why = if error.message.is_empty() {
        error.kind.description().to_string()
    } else {
        error.message
    };
    Failure::Fatal(match topic {
        Some(t) => format!("Topic {t} [{partition}] error: {why}"),
        None => format!("Consumer error: {why}"),
    })
}

/// One consumed partition.
#[derive(Debug, Clone, Copy)]
pub struct Partition {
    /// The leader when consuming started: kcat's JSON `broker` is the broker the message came from.
    pub leader: i32,
    /// `-C`: stopped (by `-e` or `e@`); `-G`: at its end.
    pub done: bool,
}

/// The partitions being consumed, looked up for every message: a few topics, each a vector
/// indexed by partition id.
#[derive(Default)]
pub struct Partitions {
    topics: Vec<(Arc<str>, Vec<Option<Partition>>)>,
    len: usize,
    done: usize,
}

impl Partitions {
    pub fn get(&self, topic: &str, id: i32) -> Option<&Partition> {
        let (_, ids) = self.topics.iter().find(|(t, _)| &**t == topic)?;
        ids.get(usize::try_from(id).ok()?)?.as_ref()
    }

    fn slot(&mut self, topic: &str, id: i32) -> Option<&mut Option<Partition>> {
        let (_, ids) = self.topics.iter_mut().find(|(t, _)| &**t == topic)?;
        ids.get_mut(usize::try_from(id).ok()?)
    }

    pub fn insert(&mut self, topic: &str, id: i32, leader: i32) {
        let Ok(index) = usize::try_from(id) else { return };
        self.remove(topic, id);
        let at = match self.topics.iter().position(|(t, _)| &**t == topic) {
            Some(at) => at,
            None => {
                self.topics.push((Arc::from(topic), Vec::new()));
                self.topics.len() - 1
            }
        };
        let ids = &mut self.topics[at].1;
        if ids.len() <= index {
            ids.resize(index + 1, None);
        }
        ids[index] = Some(Partition { leader, done: false });
        self.len += 1;
    }

    pub fn remove(&mut self, topic: &str, id: i32) {
        if let Some(p) = self.slot(topic, id).and_then(Option::take) {
            self.len -= 1;
            self.done -= usize::from(p.done);
        }
    }

    pub fn clear(&mut self) {
        *self = Partitions::default();
    }

    /// Marks a partition done or not; true if that changed something.
    pub fn set_done(&mut self, topic: &str, id: i32, done: bool) -> bool {
        let Some(p) = self.slot(topic, id).and_then(Option::as_mut) else {
            return false;
        };
        if p.done == done {
            return false;
        }
        p.done = done;
        if done {
            self.done += 1;
        } else {
            self.done -= 1;
        }
        true
    }

    /// Partitions not done.
    pub fn running(&self) -> usize {
        self.len - self.done
    }
}

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    let fatal = |m: String| Failure::Fatal(m);
    let consumer = Consumer::new(config).map_err(|e| fatal(format!("Failed to create consumer: {}", e.message)))?;
    crate::log_to_stderr(consumer.events(), config);
    let topic = opts.topic.clone().unwrap_or_default();
    let out = Output::new(opts)?;

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

    let offset = match opts.start_timestamp {
        Some(ts) => Offset::Timestamp(ts),
        None => opts.start.unwrap_or(Start::Beginning).offset(),
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
    let mut partitions = Partitions::default();
    for p in &wanted {
        partitions.insert(&topic, p.id, p.leader);
    }

    let mut c = Consuming {
        consumer: &consumer,
        opts,
        topic,
        out,
        partitions,
    };
    let result = c.run();
    c.out.finish(result)
}

struct Consuming<'a> {
    consumer: &'a Consumer,
    opts: &'a Options,
    topic: String,
    out: Output,
    partitions: Partitions,
}

impl Consuming<'_> {
    fn run(&mut self) -> Result<(), Failure> {
        while let Some(event) = next_event(self.consumer, &mut self.out)? {
            match event {
                Event::Message(m) => {
                    if self.handle_message(&m)? {
                        return Ok(());
                    }
                }
                Event::PartitionEof {
                    topic,
                    partition,
                    offset,
                } => {
                    if self.partitions.get(&topic, partition).is_none_or(|p| p.done) {
                        continue;
                    }
                    if self.opts.exit_eof {
                        self.stop(partition);
                    }
                    let exiting = self.partitions.running() == 0;
                    report_eof(&topic, partition, offset, exiting);
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
                } => return Err(consumer_error(topic, partition, error)),
            }
        }
        Ok(())
    }

    /// Writes a message; true when consuming is over.
    fn handle_message(&mut self, m: &Message) -> Result<bool, Failure> {
        let Some(leader) = self
            .partitions
            .get(&m.topic, m.partition)
            .filter(|p| !p.done)
            .map(|p| p.leader)
        else {
            return Ok(false);
        };
        if let Some(stop_ts) = self.opts.stop_timestamp {
            if m.timestamp.millis().unwrap_or(-1) >= stop_ts {
                self.stop(m.partition);
                let exiting = self.partitions.running() == 0;
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
        self.out.write(m, leader)
    }

    /// Stops fetching a partition; what it had queued is skipped.
    fn stop(&mut self, id: i32) {
        if self.partitions.set_done(&self.topic, id, true) {
            self.consumer.pause(&[(self.topic.clone(), id)]);
        }
    }
}
