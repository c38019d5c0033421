//! `RdKafka\KafkaConsumer` (a consumer group member) and `RdKafka\TopicPartition`.
//!
//! consume() never returns null (a timeout is a Message with err -185, as php-rdkafka). With a
//! rebalance callback, a rebalance reaches it inside consume(), as librdkafka delivers it: the
//! callback assigns (or not: the default is applied after it returns).

use std::sync::Arc;
use std::time::Instant;

use ext_php_rs::prelude::*;
use ext_php_rs::types::{PhpRef, ZendClassObject, ZendHashTable, Zval};
use ferrokafka::blocking;
use ferrokafka::consumer::{Event, RebalanceKind};
use ferrokafka::{ErrorKind, Offset, TopicPartitionOffset};

use crate::conf::{Callbacks, Conf};
use crate::errors;
use crate::message::Message;
use crate::conf::call;
use crate::producer::{client_config, millis, this};

#[php_class]
#[php(name = "RdKafka\\TopicPartition")]
#[derive(Debug, Clone, Default)]
pub struct TopicPartition {
    #[php(prop)]
    pub topic: String,
    #[php(prop)]
    pub partition: i64,
    #[php(prop)]
    pub offset: i64,
    #[php(prop)]
    pub err: i64,
}

#[php_impl]
impl TopicPartition {
    #[php(defaults(offset = 0))]
    pub fn __construct(topic: String, partition: i64, offset: i64) -> Self {
        TopicPartition { topic, partition, offset, err: 0 }
    }

    pub fn get_topic(&self) -> String {
        self.topic.clone()
    }

    pub fn set_topic(self_: &mut ZendClassObject<TopicPartition>, topic_name: String) -> &mut ZendClassObject<TopicPartition> {
        self_.topic = topic_name;
        self_
    }

    pub fn get_partition(&self) -> i64 {
        self.partition
    }

    pub fn set_partition(self_: &mut ZendClassObject<TopicPartition>, partition: i64) -> &mut ZendClassObject<TopicPartition> {
        self_.partition = partition;
        self_
    }

    pub fn get_offset(&self) -> i64 {
        self.offset
    }

    pub fn set_offset(self_: &mut ZendClassObject<TopicPartition>, offset: i64) -> &mut ZendClassObject<TopicPartition> {
        self_.offset = offset;
        self_
    }

    pub fn get_err(&self) -> i64 {
        self.err
    }
}

/// The TopicPartitions of a PHP array (anything else in it is refused).
fn partitions(array: &ZendHashTable) -> PhpResult<Vec<TopicPartition>> {
    array
        .values()
        .map(|v| {
            v.extract::<&TopicPartition>()
                .cloned()
                .ok_or_else(|| errors::message("Array value must be a RdKafka\\TopicPartition", 0))
        })
        .collect()
}

/// Each asked partition with its own outcome in `err` (pause / resume).
fn with_errors(asked: Vec<TopicPartition>, results: Vec<(String, i32, ferrokafka::Result<()>)>) -> Vec<TopicPartition> {
    asked
        .into_iter()
        .map(|mut tp| {
            tp.err = results
                .iter()
                .find(|(t, p, _)| *t == tp.topic && i64::from(*p) == tp.partition)
                .and_then(|(_, _, r)| r.as_ref().err())
                .map_or(0, |e| i64::from(e.kind.code()));
            tp
        })
        .collect()
}

/// offsetsForTimes for any client: each TopicPartition's offset is a timestamp (ms) in, the
/// first offset at or after it out (-1 where none), its error in `err`.
pub fn offsets_for_times(array: &ZendHashTable, lookup: impl Fn(&[(String, i32, i64)]) -> Vec<ferrokafka::Result<i64>>) -> PhpResult<Vec<TopicPartition>> {
    let asked = partitions(array)?;
    let query: Vec<(String, i32, i64)> = asked.iter().map(|tp| (tp.topic.clone(), tp.partition as i32, tp.offset)).collect();
    let found = lookup(&query);
    Ok(asked
        .into_iter()
        .zip(found)
        .map(|(mut tp, r)| {
            match r {
                Ok(o) => tp.offset = o,
                Err(e) => {
                    tp.offset = -1;
                    tp.err = i64::from(e.kind.code());
                }
            }
            tp
        })
        .collect())
}

fn to_core(tps: &[TopicPartition]) -> Vec<TopicPartitionOffset> {
    tps.iter().map(|tp| TopicPartitionOffset::new(tp.topic.clone(), tp.partition as i32, Offset::from_raw(tp.offset))).collect()
}

fn php_list(tps: impl IntoIterator<Item = TopicPartition>) -> Vec<TopicPartition> {
    tps.into_iter().collect()
}

#[php_class]
#[php(name = "RdKafka\\KafkaConsumer")]
pub struct KafkaConsumer {
    consumer: Option<Arc<blocking::Consumer>>,
    callbacks: Callbacks,
}

impl KafkaConsumer {
    fn inner(&self) -> PhpResult<&Arc<blocking::Consumer>> {
        self.consumer.as_ref().ok_or_else(|| errors::message("KafkaConsumer::__construct() has not been called, or the consumer is closed", 0))
    }
}

#[php_impl]
impl KafkaConsumer {
    pub fn __construct(conf: &Conf) -> PhpResult<Self> {
        if conf.config.get("group.id").is_none_or(|g| g.is_empty()) {
            return Err(errors::message("\"group.id\" must be configured", 0));
        }
        let (config, callbacks) = client_config(Some(conf));
        let consumer = blocking::Consumer::new(&config).map_err(|e| errors::message(e.message.clone(), e.kind.code()))?;
        // With a rebalance callback the application assigns; without, the consumer does.
        consumer.enable_rebalance_events(callbacks.rebalance.is_some());
        Ok(KafkaConsumer { consumer: Some(Arc::new(consumer)), callbacks })
    }

    pub fn subscribe(&self, topics: Vec<String>) -> PhpResult<()> {
        self.inner()?.subscribe(&topics).map_err(|e| errors::exception(&e))
    }

    pub fn get_subscription(&self) -> PhpResult<Vec<String>> {
        Ok(self.inner()?.subscription())
    }

    pub fn unsubscribe(&self) -> PhpResult<()> {
        self.inner()?.unsubscribe().map_err(|e| errors::exception(&e))
    }

    /// The next message, error or end of partition; a Message with err -185 on timeout.
    pub fn consume(self_: &mut ZendClassObject<KafkaConsumer>, timeout_ms: i64) -> PhpResult<Message> {
        let consumer = Arc::clone(self_.inner()?);
        let callbacks = self_.callbacks.clone();
        let kafka = this(self_);
        let deadline = Instant::now() + millis(timeout_ms);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = consumer.poll_serving(left, &mut |ev| {
                callbacks.serve(&kafka, ev);
            });
            let Some(event) = event else { return Ok(Message::timed_out()) };
            return Ok(match event {
                Event::Message(m) => Message::consumed(&m),
                Event::PartitionEof { topic, partition, offset } => Message::eof(&topic, partition, offset),
                Event::Error { topic, partition, error } => Message::error(&error, topic.as_deref(), partition, -1),
                Event::Rebalance(rb) => {
                    let err = match rb.kind {
                        RebalanceKind::Assign => ErrorKind::AssignPartitions,
                        RebalanceKind::Revoke | RebalanceKind::Lost => ErrorKind::RevokePartitions,
                    };
                    let tps = php_list(rb.partitions.iter().map(|(t, p)| TopicPartition { topic: t.clone(), partition: i64::from(*p), offset: -1001, err: 0 }));
                    call(&callbacks.rebalance, vec![&kafka, &i64::from(err.code()), &tps]);
                    consumer.as_async().finish_rebalance();
                    if ext_php_rs::zend::ExecutorGlobals::has_exception() || Instant::now() >= deadline {
                        return Ok(Message::timed_out());
                    }
                    continue;
                }
            });
        }
    }

    /// Commits a Message's offset + 1, the given TopicPartitions, or (null) the current positions.
    #[php(optional = message_or_offsets)]
    pub fn commit(&self, message_or_offsets: Option<&Zval>) -> PhpResult<()> {
        self.commit_with(message_or_offsets, false)
    }

    #[php(optional = message_or_offsets)]
    pub fn commit_async(&self, message_or_offsets: Option<&Zval>) -> PhpResult<()> {
        self.commit_with(message_or_offsets, true)
    }

    /// Assigns partitions (null or nothing: unassign).
    #[php(optional = topic_partitions)]
    pub fn assign(&self, topic_partitions: Option<&ZendHashTable>) -> PhpResult<()> {
        let consumer = self.inner()?;
        match topic_partitions {
            Some(array) => consumer.assign(&to_core(&partitions(array)?)),
            None => consumer.unassign(),
        }
        .map_err(|e| errors::exception(&e))
    }

    pub fn incremental_assign(&self, topic_partitions: &ZendHashTable) -> PhpResult<()> {
        self.inner()?.incremental_assign(&to_core(&partitions(topic_partitions)?)).map_err(|e| errors::exception(&e))
    }

    pub fn incremental_unassign(&self, topic_partitions: &ZendHashTable) -> PhpResult<()> {
        let tps: Vec<(String, i32)> = partitions(topic_partitions)?.into_iter().map(|tp| (tp.topic, tp.partition as i32)).collect();
        self.inner()?.incremental_unassign(&tps).map_err(|e| errors::exception(&e))
    }

    pub fn get_assignment(&self) -> PhpResult<Vec<TopicPartition>> {
        Ok(php_list(self.inner()?.assignment().into_iter().map(|(t, p)| TopicPartition { topic: t, partition: i64::from(p), offset: -1001, err: 0 })))
    }

    /// The committed offsets of `topic_partitions` (-1001 where none).
    pub fn get_committed_offsets(&self, topic_partitions: &ZendHashTable, timeout_ms: i64) -> PhpResult<Vec<TopicPartition>> {
        let asked: Vec<(String, i32)> = partitions(topic_partitions)?.into_iter().map(|tp| (tp.topic, tp.partition as i32)).collect();
        let committed = self.inner()?.committed(&asked, millis(timeout_ms)).map_err(|e| errors::exception(&e))?;
        Ok(php_list(committed.into_iter().map(|(t, p, o)| TopicPartition { topic: t, partition: i64::from(p), offset: o, err: 0 })))
    }

    pub fn get_metadata(&self, all_topics: bool, only_topic: Option<&Zval>, timeout_ms: i64) -> PhpResult<crate::metadata::Metadata> {
        let c = self.inner()?;
        crate::metadata::get_metadata(all_topics, only_topic, |t| c.metadata(t, millis(timeout_ms)), || c.metadata_known(millis(timeout_ms)))
    }

    pub fn get_controller_id(&self, timeout_ms: i64) -> PhpResult<i64> {
        Ok(self.inner()?.controller_id(millis(timeout_ms)).map_or(-1, i64::from))
    }

    #[php(optional = topic_conf)]
    pub fn new_topic(&self, topic_name: String, topic_conf: Option<&crate::conf::TopicConf>) -> PhpResult<KafkaConsumerTopic> {
        let consumer = Arc::clone(self.inner()?);
        if let Some(tc) = topic_conf {
            consumer.set_topic_config(&topic_name, &tc.config).map_err(|e| errors::exception(&e))?;
        }
        Ok(KafkaConsumerTopic { consumer, name: topic_name })
    }

    /// The current positions (next offset to read) of `topic_partitions`; -1001 where none.
    pub fn get_offset_positions(&self, topic_partitions: &ZendHashTable) -> PhpResult<Vec<TopicPartition>> {
        let positions = self.inner()?.position();
        Ok(partitions(topic_partitions)?
            .into_iter()
            .map(|mut tp| {
                tp.offset = positions.iter().find(|(t, p, _)| *t == tp.topic && i64::from(*p) == tp.partition).map_or(-1001, |(_, _, o)| *o);
                tp
            })
            .collect())
    }

    pub fn pause_partitions(&self, topic_partitions: &ZendHashTable) -> PhpResult<Vec<TopicPartition>> {
        let asked = partitions(topic_partitions)?;
        let keys: Vec<(String, i32)> = asked.iter().map(|tp| (tp.topic.clone(), tp.partition as i32)).collect();
        Ok(with_errors(asked, self.inner()?.pause(&keys)))
    }

    pub fn resume_partitions(&self, topic_partitions: &ZendHashTable) -> PhpResult<Vec<TopicPartition>> {
        let asked = partitions(topic_partitions)?;
        let keys: Vec<(String, i32)> = asked.iter().map(|tp| (tp.topic.clone(), tp.partition as i32)).collect();
        Ok(with_errors(asked, self.inner()?.resume(&keys)))
    }

    pub fn offsets_for_times(&self, topic_partitions: &ZendHashTable, timeout_ms: i64) -> PhpResult<Vec<TopicPartition>> {
        let c = self.inner()?;
        offsets_for_times(topic_partitions, |q| c.offsets_for_times(q, millis(timeout_ms)))
    }

    pub fn query_watermark_offsets(&self, topic: String, partition: i64, mut low: PhpRef, mut high: PhpRef, timeout_ms: i64) -> PhpResult<()> {
        let (lo, hi) = self.inner()?.fetch_watermarks(&topic, partition as i32, millis(timeout_ms)).map_err(|e| errors::exception(&e))?;
        low.set_long(lo);
        high.set_long(hi);
        Ok(())
    }

    /// Leaves the group (committing first with enable.auto.commit); every later call throws.
    pub fn close(&mut self) -> PhpResult<()> {
        match self.consumer.take() {
            Some(c) => c.close().map_err(|e| errors::exception(&e)),
            None => Ok(()),
        }
    }
}

impl KafkaConsumer {
    fn commit_with(&self, what: Option<&Zval>, asynchronous: bool) -> PhpResult<()> {
        let consumer = self.inner()?;
        let offsets: Option<Vec<(String, i32, i64)>> = match what {
            None => None,
            Some(z) if z.is_null() => None,
            Some(z) => {
                if let Some(m) = z.extract::<&Message>() {
                    if m.err != 0 {
                        return Err(errors::message("Invalid argument: Specified Message has an error", ErrorKind::InvalidArg.code()));
                    }
                    let topic = m.topic_name.clone().unwrap_or_default();
                    Some(vec![(topic, m.partition as i32, m.offset + 1)])
                } else if let Some(array) = z.array() {
                    Some(partitions(array)?.into_iter().map(|tp| (tp.topic, tp.partition as i32, tp.offset)).collect())
                } else {
                    return Err(errors::message("KafkaConsumer::commit(): Argument #1 must be a RdKafka\\Message, an array of RdKafka\\TopicPartition, or null", 0));
                }
            }
        };
        if asynchronous {
            consumer.commit_async(offsets.as_deref());
            return Ok(());
        }
        let results = consumer.commit(offsets.as_deref()).map_err(|e| errors::exception(&e))?;
        match results.into_iter().find_map(|(_, _, r)| r.err()) {
            Some(e) => Err(errors::exception(&e)),
            None => Ok(()),
        }
    }
}

impl Drop for KafkaConsumer {
    /// As php-rdkafka: a consumer that goes away closes (commits, leaves the group).
    fn drop(&mut self) {
        if let Some(c) = self.consumer.take() {
            let _ = c.close();
        }
    }
}

#[php_class]
#[php(name = "RdKafka\\KafkaConsumerTopic")]
pub struct KafkaConsumerTopic {
    consumer: Arc<blocking::Consumer>,
    name: String,
}

impl KafkaConsumerTopic {
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[php_impl]
impl KafkaConsumerTopic {
    pub fn get_name(&self) -> String {
        self.name.clone()
    }

    /// Stores `offset` for the next commit (enable.auto.offset.store=false; at-least-once).
    pub fn offset_store(&self, partition: i64, offset: i64) -> PhpResult<()> {
        self.consumer.offset_store(&self.name, partition as i32, offset).map_err(|e| errors::exception(&e))
    }
}
