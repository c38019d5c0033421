//! `-G group topic..`: kcat's high-level KafkaConsumer (balanced consumer groups).
//!
//! Subscribes to the topics (`^regex` ones too) and writes messages as `-C` does. Every
//! rebalance is said on stderr as kcat's rebalance callback says it, and applied: `-o`, when
//! given, is where every assigned partition starts, committed offsets notwithstanding (kcat
//! assigns with it); without it a partition starts at the group's committed offset, else at
//! auto.offset.reset. Offsets are committed as librdkafka does by default: stored when a
//! message is handed out, committed every auto.commit.interval.ms and at close.
//! `-e` exits once every partition of the current assignment is at its end, `-c` after that
//! many messages, a signal at once; each ends as kcat's does: the assignment is revoked (and
//! said so, as librdkafka's close runs the rebalance callback), then the consumer commits and
//! leaves the group.
//!
//! Deliberate difference: kcat keeps its count of partitions at their end across rebalances, so
//! after one it may exit early or never; here each assignment counts afresh.

use std::collections::HashMap;

use ferrokafka::blocking::Consumer;
use ferrokafka::consumer::{RebalanceEvent, RebalanceKind};
use ferrokafka::{ClientConfig, ErrorKind, Event, Message, Offset, TopicPartitionOffset};

use crate::args::Options;
use crate::consume::{consumer_error, next_event, report_eof, Output, Partitions};
use crate::{info, Failure};

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    if opts.start_timestamp.is_some() || opts.stop_timestamp.is_some() {
        return Err(Failure::Fatal(
            "-o ..@ timestamps can't be used with -G mode\n".into(),
        ));
    }
    let consumer = Consumer::new(config)
        .map_err(|e| Failure::Fatal(format!("Failed to create consumer: {}", e.message)))?;
    crate::log_to_stderr(consumer.events(), config);
    // Rebalances come to us through poll, to be said and applied here.
    consumer.enable_rebalance_events(true);
    let out = Output::new(opts)?;
    let topics: Vec<String> = opts
        .positional
        .iter()
        .map(|t| t.to_string_lossy().into_owned())
        .collect();
    consumer.subscribe(&topics).map_err(|e| {
        Failure::Fatal(format!(
            "Failed to subscribe to {} topics: {}\n",
            topics.len(),
            e.kind.description()
        ))
    })?;
    info!(1, "Waiting for group rebalance\n");

    let mut member = Member {
        consumer: &consumer,
        opts,
        group: opts.group.as_deref().unwrap_or_default(),
        bootstrap_brokers: config.get("bootstrap.servers").map_or(0, |b| b.split(',').count()),
        out,
        assigned: Partitions::default(),
        cooperative: false,
        holding: false,
    };
    let result = member.run().and_then(|()| member.close());
    member.out.finish(result)
}

struct Member<'a> {
    consumer: &'a Consumer,
    opts: &'a Options,
    group: &'a str,
    /// For kcat's "N/N brokers are down".
    bootstrap_brokers: usize,
    out: Output,
    /// The current assignment; `done` is "at its end" (kept only for `-e`).
    assigned: Partitions,
    /// The group's rebalance protocol, as the last rebalance said.
    cooperative: bool,
    /// An eager assignment (maybe empty) was made and not revoked yet.
    holding: bool,
}

impl Member<'_> {
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
                    let exiting = self.opts.exit_eof
                        && self.assigned.set_done(&topic, partition, true)
                        && self.assigned.running() == 0;
                    report_eof(&topic, partition, offset, exiting);
                    if exiting {
                        return Ok(());
                    }
                }
                Event::Rebalance(rb) => self.rebalance(&rb)?,
                Event::Error {
                    topic: Some(topic),
                    error,
                    ..
                } if error.kind == ErrorKind::UnknownTopicOrPart => {
                    // librdkafka's text; its error names no partition, which kcat prints as 0.
                    return Err(Failure::Fatal(format!(
                        "Topic {topic} [0] error: Subscribed topic not available: {topic}: {}",
                        error.kind.description()
                    )));
                }
                Event::Error { topic: None, error, .. } if error.kind == ErrorKind::AllBrokersDown => {
                    // kcat's error callback ends the run at librdkafka's "all brokers down".
                    crate::explain(&error);
                    let n = self.bootstrap_brokers;
                    return Err(Failure::Fatal(format!(
                        "{}: {n}/{n} brokers are down: terminating",
                        error.kind.description()
                    )));
                }
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
        if self.opts.exit_eof {
            self.assigned.set_done(&m.topic, m.partition, false);
        }
        let leader = self
            .assigned
            .get(&m.topic, m.partition)
            .map_or(-1, |p| p.leader);
        self.out.write(m, leader)
    }

    /// Says a rebalance as kcat's rebalance callback does, and applies it.
    fn rebalance(&mut self, rb: &RebalanceEvent) -> Result<(), Failure> {
        self.cooperative = rb.cooperative;
        self.holding = rb.kind == RebalanceKind::Assign;
        self.say(rb.kind, &rb.partitions);
        let n = rb.partitions.len();
        let applied = match rb.kind {
            RebalanceKind::Assign => {
                // kcat assigns at -o when given, else at the committed offsets.
                let offset = self.opts.start.map_or(Offset::Stored, |s| s.offset());
                let tps: Vec<_> = rb
                    .partitions
                    .iter()
                    .map(|(t, p)| TopicPartitionOffset::new(t.as_str(), *p, offset))
                    .collect();
                if !rb.cooperative {
                    self.assigned.clear();
                }
                let leaders = self.leaders(&rb.partitions);
                for (t, p) in &rb.partitions {
                    let leader = leaders.get(&(t.as_str(), *p)).copied().unwrap_or(-1);
                    self.assigned.insert(t, *p, leader);
                }
                if rb.cooperative {
                    self.consumer.incremental_assign(&tps)
                } else {
                    self.consumer.assign(&tps)
                }
            }
            RebalanceKind::Revoke | RebalanceKind::Lost if rb.cooperative => {
                for (t, p) in &rb.partitions {
                    self.assigned.remove(t, *p);
                }
                self.consumer.incremental_unassign(&rb.partitions)
            }
            RebalanceKind::Revoke | RebalanceKind::Lost => {
                self.assigned.clear();
                self.consumer.unassign()
            }
        };
        applied.map_err(|e| {
            // kcat's KC_ERROR, which terminates; its message ends in a newline of its own.
            Failure::Fatal(format!(
                "{}ebalance {} of {n} partition(s) failed: {}\n: terminating",
                if rb.cooperative { "Incremental r" } else { "R" },
                if rb.kind == RebalanceKind::Assign { "assign" } else { "unassign" },
                e.kind.description()
            ))
        })
    }

    /// kcat's rebalance lines: `rebalance_cb` (eager) and `incremental_rebalance_cb`.
    fn say(&self, kind: RebalanceKind, partitions: &[(String, i32)]) {
        let list = partitions
            .iter()
            .map(|(t, p)| format!("{t} [{p}]"))
            .collect::<Vec<_>>()
            .join(", ");
        let group = self.group;
        let member = self.consumer.member_id().unwrap_or_default();
        if self.cooperative {
            info!(
                1,
                "Group {group} rebalanced: incremental {} of {} partition(s) \
                 (memberid {member}{}, COOPERATIVE rebalance protocol): {list}\n",
                if kind == RebalanceKind::Assign { "assignment" } else { "revoke" },
                partitions.len(),
                if kind == RebalanceKind::Lost { ", assignment lost" } else { "" },
            );
        } else {
            info!(
                1,
                "Group {group} rebalanced (memberid {member}): {}: {list}\n",
                if kind == RebalanceKind::Assign { "assigned" } else { "revoked" },
            );
        }
    }

    /// Partition leaders, for the JSON `broker` (only asked for with `-J`; -1 where unknown).
    fn leaders<'p>(&self, partitions: &'p [(String, i32)]) -> HashMap<(&'p str, i32), i32> {
        let mut leaders = HashMap::new();
        if !self.opts.json {
            return leaders;
        }
        let mut topics: Vec<&str> = partitions.iter().map(|(t, _)| t.as_str()).collect();
        topics.dedup();
        for topic in topics {
            let Ok(md) = self.consumer.metadata(Some(topic), self.opts.metadata_timeout) else {
                continue;
            };
            if let Some(t) = md.topic(topic) {
                leaders.extend(t.partitions.iter().map(|p| ((topic, p.id), p.leader)));
            }
        }
        leaders
    }

    /// Ends the membership as librdkafka's close does: the assignment is revoked through the
    /// rebalance callback, so kcat says so (eager: even an empty one; cooperative: a non-empty
    /// one), then offsets are committed and the group left.
    fn close(&mut self) -> Result<(), Failure> {
        let assignment = self.consumer.assignment();
        if (self.holding && !self.cooperative) || !assignment.is_empty() {
            self.say(RebalanceKind::Revoke, &assignment);
        }
        self.consumer.close().map_err(|e| {
            Failure::Fatal(format!("Failed to close consumer: {}\n", e.kind.description()))
        })
    }
}
