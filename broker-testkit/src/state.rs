//! Cluster state shared by every broker of one [`crate::Cluster`]: topics, partitions, their logs of
//! verbatim batches indexed by base offset, partition leaders, producer ids and idempotence windows,
//! the group coordinator (`coordinator.rs`, with its own lock), and the signals connections wait on.
//!
//! One `std::sync::Mutex` guards the data; it is never held across an `.await` (handlers lock, copy
//! out what they need, unlock). Waiters use `tokio::sync::watch` channels instead of polling.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use indexmap::IndexMap;
use tokio::sync::watch;
use uuid::Uuid;

use crate::configs::TopicConfigs;
use crate::coordinator::{self, GroupCoordinator};

mod cleaner;
mod transactions;

pub use cleaner::CleanerStats;
pub(crate) use cleaner::run_cleaner;
pub(crate) use transactions::{run_timers as run_transaction_timers, AbortedTxn, ProducerRef, TxnMeta};
use crate::error_code as ec;
use crate::record_batch::{self, BatchError, BatchHeader, StoredBatch};

/// Batches per (producer id, partition) the broker remembers for duplicate detection, as Kafka.
const PRODUCER_WINDOW: usize = 5;
/// Leader epoch of every partition: leadership never moves in this broker.
pub(crate) const LEADER_EPOCH: i32 = 0;

/// A broker of the cluster as clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BrokerInfo {
    pub(crate) node_id: i32,
    pub(crate) port: u16,
}

/// Settings fixed when the cluster starts.
#[derive(Debug, Clone)]
pub(crate) struct ClusterConfig {
    pub(crate) default_partitions: i32,
    pub(crate) auto_create_topics: bool,
    /// Kafka's `group.initial.rebalance.delay.ms`.
    pub(crate) initial_rebalance_delay: Duration,
}

/// An error answered for one topic or partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionError {
    pub(crate) code: i16,
    pub(crate) message: Option<String>,
}

impl PartitionError {
    fn code(code: i16) -> Self {
        Self {
            code,
            message: None,
        }
    }
    fn with_message(code: i16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: Some(message.into()),
        }
    }
}

/// What metadata reports about one topic.
#[derive(Debug, Clone)]
pub(crate) struct TopicView {
    pub(crate) name: String,
    pub(crate) id: Uuid,
    /// Leader node id of each partition, by partition index.
    pub(crate) leaders: Vec<i32>,
}

/// Result of a successful append (or of a recognised duplicate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Appended {
    pub(crate) base_offset: i64,
    pub(crate) log_start_offset: i64,
    /// False for a recognised duplicate (nothing was written).
    pub(crate) fresh: bool,
    /// The broker's timestamp for a LogAppendTime topic, else -1.
    pub(crate) log_append_time: i64,
}

/// How much one partition read may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadLimits {
    pub(crate) max_bytes: usize,
    /// Return the first batch even when it is larger than `max_bytes` (KIP-74).
    pub(crate) min_one: bool,
    /// Stop at the last stable offset and report aborted transactions.
    pub(crate) read_committed: bool,
}

impl ReadLimits {
    #[cfg(test)]
    pub(crate) fn new(max_bytes: usize, min_one: bool, read_committed: bool) -> Self {
        Self { max_bytes, min_one, read_committed }
    }
}

/// Batches read for a fetch, plus the partition's offsets.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ReadResult {
    pub(crate) batches: Vec<Bytes>,
    pub(crate) bytes: usize,
    pub(crate) high_watermark: i64,
    pub(crate) last_stable_offset: i64,
    pub(crate) log_start_offset: i64,
    /// read_committed only: the aborted transactions overlapping the batches returned.
    pub(crate) aborted: Vec<AbortedTxn>,
}

/// Fault injection knobs, consumed by the produce handler.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    drop_produce_responses: AtomicUsize,
    /// API key -> (requests left to fail, error code for every partition).
    fail_next: Mutex<HashMap<i16, (usize, i16)>>,
    /// Node ids of brokers that read requests but answer none.
    stalled: Mutex<std::collections::HashSet<i32>>,
    /// throttle_time_ms every Produce answer carries (0: none), as a quota-limited broker says.
    produce_throttle_ms: std::sync::atomic::AtomicI32,
    /// Requests served per API key, on every broker (for tests that count a client's requests).
    requests: Mutex<HashMap<i16, u64>>,
}

impl Faults {
    pub(crate) fn set_produce_throttle(&self, ms: i32) {
        self.produce_throttle_ms.store(ms, Ordering::SeqCst);
    }
    pub(crate) fn count_request(&self, api_key: i16) {
        *lock(&self.requests).entry(api_key).or_default() += 1;
    }
    pub(crate) fn request_count(&self, api_key: i16) -> u64 {
        lock(&self.requests).get(&api_key).copied().unwrap_or(0)
    }
    pub(crate) fn produce_throttle(&self) -> i32 {
        self.produce_throttle_ms.load(Ordering::SeqCst)
    }
    pub(crate) fn set_stalled(&self, node_id: i32, stalled: bool) {
        let mut set = lock(&self.stalled);
        if stalled {
            set.insert(node_id);
        } else {
            set.remove(&node_id);
        }
    }
    pub(crate) fn is_stalled(&self, node_id: i32) -> bool {
        lock(&self.stalled).contains(&node_id)
    }
    /// True if this produce request must be appended but left unanswered (connection closed).
    pub(crate) fn take_drop_response(&self) -> bool {
        self.drop_produce_responses
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
    /// Some(code) if this request of API `api_key` (Produce, Fetch, ListOffsets) must be
    /// refused with `code` on every partition.
    pub(crate) fn take_fail(&self, api_key: i16) -> Option<i16> {
        let mut fail = lock(&self.fail_next);
        let (left, code) = fail.get_mut(&api_key)?;
        if *left == 0 {
            return None;
        }
        *left -= 1;
        Some(*code)
    }
    pub(crate) fn drop_next_produce_responses(&self, n: usize) {
        self.drop_produce_responses.store(n, Ordering::SeqCst);
    }
    pub(crate) fn fail_next(&self, api_key: i16, n: usize, code: i16) {
        lock(&self.fail_next).insert(api_key, (n, code));
    }
}

/// What DescribeProducers reports about one producer of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActiveProducer {
    pub(crate) producer_id: i64,
    pub(crate) epoch: i16,
    pub(crate) last_sequence: i32,
    pub(crate) last_timestamp: i64,
    /// First offset of its open transaction here, or -1.
    pub(crate) txn_start_offset: i64,
}

/// Idempotence window of one producer on one partition.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProducerWindow {
    epoch: i16,
    /// Max timestamp of its last batch.
    last_timestamp: i64,
    /// (first sequence, last sequence, base offset) of the last batches, oldest first.
    recent: VecDeque<(i32, i32, i64)>,
}

/// What to do with an idempotent batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SequenceCheck {
    Append,
    /// Already in the log: answer success with the original base offset, append nothing.
    Duplicate { base_offset: i64 },
}

impl ProducerWindow {
    /// A producer known at `epoch` with no batches remembered (a transaction marker's).
    pub(crate) fn at_epoch(epoch: i16) -> Self {
        Self {
            epoch,
            last_timestamp: -1,
            recent: VecDeque::new(),
        }
    }

    /// Kafka's rules (ProducerStateManager): stale epoch -> INVALID_PRODUCER_EPOCH; a new epoch must
    /// start at sequence 0; a batch equal to one of the last five is a duplicate; otherwise the
    /// sequence must follow the last one exactly, or it is OUT_OF_ORDER_SEQUENCE_NUMBER.
    pub(crate) fn check(&self, epoch: i16, first_seq: i32, last_seq: i32) -> Result<SequenceCheck, i16> {
        if epoch < self.epoch {
            return Err(ec::INVALID_PRODUCER_EPOCH);
        }
        if epoch > self.epoch {
            return if first_seq == 0 {
                Ok(SequenceCheck::Append)
            } else {
                Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER)
            };
        }
        if let Some(&(_, _, base_offset)) =
            self.recent.iter().find(|(f, l, _)| *f == first_seq && *l == last_seq)
        {
            return Ok(SequenceCheck::Duplicate { base_offset });
        }
        match self.recent.back() {
            Some(&(_, last, _)) if first_seq != next_sequence(last) => {
                Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER)
            }
            _ => Ok(SequenceCheck::Append),
        }
    }

    /// Remembers an appended batch (after [`Self::check`] said Append).
    pub(crate) fn record(&mut self, epoch: i16, first_seq: i32, last_seq: i32, base_offset: i64) {
        if epoch != self.epoch {
            self.epoch = epoch;
            self.recent.clear();
        }
        if self.recent.len() == PRODUCER_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back((first_seq, last_seq, base_offset));
    }
}

fn next_sequence(seq: i32) -> i32 {
    if seq == i32::MAX {
        0
    } else {
        seq + 1
    }
}

#[derive(Debug, Default)]
struct PartitionLog {
    leader: i32,
    log_start: i64,
    /// High watermark: offset the next batch gets (every broker is the only replica).
    next_offset: i64,
    /// Sorted by base offset, contiguous.
    batches: Vec<StoredBatch>,
    /// Producers that have no window here yet may start at any sequence, as in Kafka (the log may
    /// have been truncated by retention).
    producers: HashMap<i64, ProducerWindow>,
    /// Producer id -> first offset of its transaction open on this partition.
    open_txns: HashMap<i64, i64>,
    /// Aborted transactions, in marker order.
    aborted: Vec<AbortedTxn>,
    /// next_offset at the last cleaner pass: a periodic pass skips an unchanged partition.
    cleaned_to: i64,
}

impl PartitionLog {
    /// Moves the log start up to `offset` (never down), dropping the batches wholly below it.
    fn truncate_front(&mut self, offset: i64) {
        if offset <= self.log_start {
            return;
        }
        self.log_start = offset;
        let keep_from = self.batches.partition_point(|b| b.last_offset() < offset);
        self.batches.drain(..keep_from);
        self.aborted.retain(|a| a.last_offset >= offset);
    }
}

#[derive(Debug)]
struct Topic {
    id: Uuid,
    partitions: Vec<PartitionLog>,
    configs: TopicConfigs,
}

#[derive(Debug)]
struct Inner {
    topics: IndexMap<String, Topic>,
    /// Round-robin cursor for partition leaders.
    next_leader: usize,
    next_producer_id: i64,
    /// Current epoch of each allocated producer id.
    producer_epochs: HashMap<i64, i16>,
    id_counter: u64,
    /// Transactional id -> its producer and transaction.
    transactions: HashMap<String, TxnMeta>,
    /// Producer id -> transactional id, for the partition-side checks.
    txn_by_pid: HashMap<i64, String>,
    /// Configs set with (Incremental)AlterConfigs on brokers and groups: (resource type, name:
    /// "" for the cluster-wide broker default, a node id, or a group id) -> name -> value.
    /// Topics keep theirs on the topic.
    resource_configs: std::collections::BTreeMap<(i8, String), std::collections::BTreeMap<String, String>>,
}

/// The state of one in-process cluster.
#[derive(Debug)]
pub(crate) struct ClusterState {
    pub(crate) cluster_id: String,
    pub(crate) brokers: Vec<BrokerInfo>,
    pub(crate) config: ClusterConfig,
    pub(crate) faults: Faults,
    pub(crate) coordinator: GroupCoordinator,
    inner: Mutex<Inner>,
    id_seed: (u64, u64),
    /// Bumped on every append or topic change; fetches waiting for min_bytes watch it.
    data_version: watch::Sender<u64>,
    /// Bumped by `disconnect_all`; every connection closes when it changes.
    disconnect: watch::Sender<u64>,
    /// Set when the cluster is dropped: listeners and connections end.
    shutdown: watch::Sender<bool>,
    /// Wakes the transaction timeout task when a transaction starts.
    txn_timer: tokio::sync::Notify,
}

/// Locks, ignoring poisoning: no code path panics while holding these locks, and a test broker is
/// more useful serving possibly-odd state than refusing every request.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// Kafka's topic name rule: 1-249 characters from [a-zA-Z0-9._-], not "." or "..".
pub(crate) fn validate_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("topic name {name:?} is illegal"));
    }
    if name.len() > 249 {
        return Err("topic name is longer than 249 characters".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!("topic name {name:?} contains the illegal character {c:?}"));
    }
    Ok(())
}

impl ClusterState {
    pub(crate) fn new(brokers: Vec<BrokerInfo>, config: ClusterConfig) -> Self {
        let id_seed = (random_u64(), random_u64());
        let cluster_uuid = Uuid::from_u64_pair(id_seed.0, id_seed.1 ^ 0x5eed);
        Self {
            cluster_id: base64url(cluster_uuid.as_bytes()),
            brokers,
            coordinator: GroupCoordinator::new(config.initial_rebalance_delay),
            config,
            faults: Faults::default(),
            inner: Mutex::new(Inner {
                topics: IndexMap::new(),
                next_leader: 0,
                next_producer_id: 1000,
                producer_epochs: HashMap::new(),
                id_counter: 0,
                transactions: HashMap::new(),
                txn_by_pid: HashMap::new(),
                resource_configs: std::collections::BTreeMap::new(),
            }),
            id_seed,
            data_version: watch::Sender::new(0),
            disconnect: watch::Sender::new(0),
            shutdown: watch::Sender::new(false),
            txn_timer: tokio::sync::Notify::new(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    pub(crate) fn controller_id(&self) -> i32 {
        self.brokers.first().map_or(-1, |b| b.node_id)
    }

    pub(crate) fn broker(&self, node_id: i32) -> Option<BrokerInfo> {
        self.brokers.iter().copied().find(|b| b.node_id == node_id)
    }

    /// The broker coordinating a group or transactional id (see [`coordinator::coordinator_index`]).
    pub(crate) fn coordinator_for(&self, key: &str) -> Option<BrokerInfo> {
        self.brokers.get(coordinator::coordinator_index(key, self.brokers.len())).copied()
    }

    pub(crate) fn subscribe_data(&self) -> watch::Receiver<u64> {
        self.data_version.subscribe()
    }
    pub(crate) fn subscribe_disconnect(&self) -> watch::Receiver<u64> {
        self.disconnect.subscribe()
    }
    pub(crate) fn subscribe_shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
    pub(crate) fn disconnect_all(&self) {
        self.disconnect.send_modify(|v| *v += 1);
    }
    pub(crate) fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }
    fn data_changed(&self) {
        self.data_version.send_modify(|v| *v += 1);
    }

    /// A fresh, non-nil random-looking id (version 4 bits set), unique within this cluster.
    fn next_uuid(&self, inner: &mut Inner) -> Uuid {
        inner.id_counter += 1;
        let hi = self.id_seed.0 ^ inner.id_counter.rotate_left(32);
        let lo = self.id_seed.1.wrapping_add(inner.id_counter.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// Creates a topic with default configs (see [`Self::create_topic_with`]).
    pub(crate) fn create_topic(&self, name: &str, partitions: i32, validate_only: bool) -> Result<(Uuid, i32), PartitionError> {
        self.create_topic_placed(name, partitions, TopicConfigs::default(), None, validate_only)
    }

    /// Creates a topic. `partitions == -1` means the cluster default; `leaders` (a manual
    /// assignment, one node id per partition) places them, else they go round-robin. With
    /// `validate_only` nothing changes. Returns the topic id and partition count.
    pub(crate) fn create_topic_placed(
        &self,
        name: &str,
        partitions: i32,
        configs: TopicConfigs,
        leaders: Option<Vec<i32>>,
        validate_only: bool,
    ) -> Result<(Uuid, i32), PartitionError> {
        validate_topic_name(name).map_err(|m| PartitionError::with_message(ec::INVALID_TOPIC_EXCEPTION, m))?;
        let partitions = if partitions == -1 {
            self.config.default_partitions
        } else {
            partitions
        };
        if partitions <= 0 || partitions > 100_000 {
            return Err(PartitionError::with_message(
                ec::INVALID_PARTITIONS,
                format!("number of partitions must be between 1 and 100000, got {partitions}"),
            ));
        }
        let mut inner = self.inner();
        if let Some(topic) = inner.topics.get(name) {
            return Err(PartitionError::with_message(
                ec::TOPIC_ALREADY_EXISTS,
                format!("topic {name:?} already exists with id {}", topic.id),
            ));
        }
        let id = self.next_uuid(&mut inner);
        if validate_only {
            return Ok((id, partitions));
        }
        let n = self.brokers.len().max(1);
        let start = inner.next_leader;
        if leaders.is_none() {
            inner.next_leader = (start + partitions as usize) % n;
        }
        let partition_logs = (0..partitions as usize)
            .map(|p| PartitionLog {
                leader: match &leaders {
                    Some(l) => l.get(p).copied().unwrap_or(-1),
                    None => self.brokers.get((start + p) % n).map_or(-1, |b| b.node_id),
                },
                ..PartitionLog::default()
            })
            .collect();
        inner.topics.insert(
            name.to_string(),
            Topic {
                id,
                partitions: partition_logs,
                configs,
            },
        );
        drop(inner);
        self.data_changed();
        Ok((id, partitions))
    }

    /// Returns the topic, creating it with the default partition count when auto-creation is on
    /// and `allow_create` (the request's own permission) is set.
    pub(crate) fn topic_or_create(&self, name: &str, allow_create: bool) -> Result<TopicView, PartitionError> {
        if let Some(view) = self.topic(name) {
            return Ok(view);
        }
        if !(allow_create && self.config.auto_create_topics) {
            return Err(PartitionError::code(ec::UNKNOWN_TOPIC_OR_PARTITION));
        }
        match self.create_topic(name, -1, false) {
            // Lost a race with another creator: fine, it exists now.
            Ok(_) | Err(PartitionError { code: ec::TOPIC_ALREADY_EXISTS, .. }) => self
                .topic(name)
                .ok_or_else(|| PartitionError::code(ec::UNKNOWN_TOPIC_OR_PARTITION)),
            Err(e) => Err(e),
        }
    }

    /// A topic's configuration overrides.
    pub(crate) fn topic_configs(&self, name: &str) -> Option<TopicConfigs> {
        self.inner().topics.get(name).map(|t| t.configs.clone())
    }

    /// Changes a topic's overrides with `change`, which validates; with `validate_only` the
    /// topic keeps its configs.
    pub(crate) fn alter_topic_configs(
        &self,
        name: &str,
        validate_only: bool,
        change: impl FnOnce(&mut TopicConfigs) -> Result<(), String>,
    ) -> Result<(), PartitionError> {
        let mut inner = self.inner();
        let topic = inner
            .topics
            .get_mut(name)
            .ok_or_else(|| PartitionError::with_message(ec::UNKNOWN_TOPIC_OR_PARTITION, format!("topic {name:?} does not exist")))?;
        let mut configs = topic.configs.clone();
        change(&mut configs).map_err(|m| PartitionError::with_message(ec::INVALID_CONFIG, m))?;
        if !validate_only {
            topic.configs = configs;
            drop(inner);
            self.data_changed();
        }
        Ok(())
    }

    /// The configs set on a broker or group resource (`kind` is its resource type).
    pub(crate) fn resource_configs(&self, kind: i8, name: &str) -> std::collections::BTreeMap<String, String> {
        self.inner().resource_configs.get(&(kind, name.to_string())).cloned().unwrap_or_default()
    }

    /// Changes a broker or group resource's configs with `change`, which validates; all or
    /// nothing.
    pub(crate) fn alter_resource_configs(
        &self,
        kind: i8,
        name: &str,
        validate_only: bool,
        change: impl FnOnce(&mut std::collections::BTreeMap<String, String>) -> Result<(), (i16, String)>,
    ) -> Result<(), (i16, String)> {
        let mut inner = self.inner();
        let key = (kind, name.to_string());
        let mut configs = inner.resource_configs.get(&key).cloned().unwrap_or_default();
        change(&mut configs)?;
        if !validate_only {
            inner.resource_configs.insert(key, configs);
        }
        Ok(())
    }

    /// CreatePartitions: grows a topic to `count` partitions (leaders round-robin).
    pub(crate) fn create_partitions(&self, name: &str, count: i32, leaders: Option<Vec<i32>>, validate_only: bool) -> Result<(), PartitionError> {
        let mut inner = self.inner();
        let n = self.brokers.len().max(1);
        let start = inner.next_leader;
        let topic = inner
            .topics
            .get_mut(name)
            .ok_or_else(|| PartitionError::with_message(ec::UNKNOWN_TOPIC_OR_PARTITION, format!("topic {name:?} does not exist")))?;
        let current = topic.partitions.len() as i32;
        if count <= current {
            return Err(PartitionError::with_message(
                ec::INVALID_PARTITIONS,
                format!("Topic currently has {current} partitions, which is higher than the requested {count}."),
            ));
        }
        if count > 100_000 {
            return Err(PartitionError::with_message(ec::INVALID_PARTITIONS, "number of partitions must be at most 100000"));
        }
        if validate_only {
            return Ok(());
        }
        let added = (count - current) as usize;
        for p in 0..added {
            let leader = match &leaders {
                Some(l) => l.get(p).copied().unwrap_or(-1),
                None => self.brokers.get((start + p) % n).map_or(-1, |b| b.node_id),
            };
            topic.partitions.push(PartitionLog {
                leader,
                ..PartitionLog::default()
            });
        }
        if leaders.is_none() {
            inner.next_leader = (start + added) % n;
        }
        drop(inner);
        self.data_changed();
        Ok(())
    }

    /// DeleteRecords: moves the log start offset to `offset` (-1: the high watermark) and drops
    /// the batches wholly below it. Returns the new log start (low watermark).
    pub(crate) fn delete_records(&self, node_id: i32, topic: &str, partition: i32, offset: i64) -> Result<i64, PartitionError> {
        let mut inner = self.inner();
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        let target = if offset == -1 { log.next_offset } else { offset };
        if target < 0 || target > log.next_offset {
            return Err(PartitionError::with_message(
                ec::OFFSET_OUT_OF_RANGE,
                format!("offset {offset} is outside [0, {}] (the high watermark)", log.next_offset),
            ));
        }
        log.truncate_front(target);
        let start = log.log_start;
        drop(inner);
        self.data_changed();
        Ok(start)
    }

    pub(crate) fn topic(&self, name: &str) -> Option<TopicView> {
        let inner = self.inner();
        inner.topics.get(name).map(|t| view(name, t))
    }

    pub(crate) fn topic_name(&self, id: Uuid) -> Option<String> {
        let inner = self.inner();
        inner
            .topics
            .iter()
            .find(|(_, t)| t.id == id)
            .map(|(name, _)| name.clone())
    }

    pub(crate) fn all_topics(&self) -> Vec<TopicView> {
        let inner = self.inner();
        inner.topics.iter().map(|(n, t)| view(n, t)).collect()
    }

    /// Deletes a topic; its producer windows and committed offsets go with it. Returns its id.
    pub(crate) fn delete_topic(&self, name: &str) -> Result<Uuid, i16> {
        let removed = self.inner().topics.shift_remove(name);
        match removed {
            Some(topic) => {
                self.coordinator.forget_topic(name);
                self.data_changed();
                Ok(topic.id)
            }
            None => Err(ec::UNKNOWN_TOPIC_OR_PARTITION),
        }
    }

    /// Finds the partition, checking that `node_id` leads it.
    fn led_partition<'a>(
        inner: &'a mut Inner,
        node_id: i32,
        topic: &str,
        partition: i32,
    ) -> Result<&'a mut PartitionLog, PartitionError> {
        let log = inner
            .topics
            .get_mut(topic)
            .and_then(|t| usize::try_from(partition).ok().and_then(|p| t.partitions.get_mut(p)))
            .ok_or_else(|| PartitionError::code(ec::UNKNOWN_TOPIC_OR_PARTITION))?;
        if log.leader != node_id {
            return Err(PartitionError::code(ec::NOT_LEADER_OR_FOLLOWER));
        }
        Ok(log)
    }

    /// Validates and appends the single batch of a produce partition, applying idempotence.
    pub(crate) fn append(
        &self,
        node_id: i32,
        topic: &str,
        partition: i32,
        records: &[u8],
    ) -> Result<Appended, PartitionError> {
        let header = record_batch::validate_produce_batch(records).map_err(|e| match e {
            BatchError::Corrupt(m) => PartitionError::with_message(ec::CORRUPT_MESSAGE, m),
            BatchError::Invalid(m) => PartitionError::with_message(ec::INVALID_RECORD, m),
        })?;
        if header.is_control() {
            return Err(PartitionError::with_message(
                ec::INVALID_RECORD,
                "control batches are written by the transaction coordinator, not by producers",
            ));
        }
        let mut inner = self.inner();
        let Some(configs) = inner.topics.get(topic).map(|t| t.configs.clone()) else {
            return Err(PartitionError::code(ec::UNKNOWN_TOPIC_OR_PARTITION));
        };
        if records.len() > configs.max_message_bytes() {
            return Err(PartitionError::with_message(
                ec::MESSAGE_TOO_LARGE,
                format!(
                    "the batch of {} bytes is larger than max.message.bytes ({}) of topic {topic}",
                    records.len(),
                    configs.max_message_bytes()
                ),
            ));
        }
        if configs.compacted() {
            refuse_null_keys(records, header, topic, partition)?;
        }
        if header.is_transactional() {
            let producer = ProducerRef {
                producer_id: header.producer_id,
                epoch: header.producer_epoch,
            };
            transactions::verify_transactional_batch(&inner.transactions, &inner.txn_by_pid, topic, partition, producer)
                .map_err(|(code, message)| PartitionError::with_message(code, message))?;
        }
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        let appended = if configs.log_append_time() {
            let now = clock_ms();
            let stamped = record_batch::set_log_append_time(records, now);
            let header = record_batch::validate_produce_batch(&stamped)
                .map_err(|e| PartitionError::with_message(ec::CORRUPT_MESSAGE, format!("{e:?}")))?;
            let mut appended = append_to_log(log, &stamped, header)?;
            appended.log_append_time = if appended.fresh { now } else { -1 };
            appended
        } else {
            append_to_log(log, records, header)?
        };
        if header.is_transactional() && appended.fresh {
            log.open_txns.entry(header.producer_id).or_insert(appended.base_offset);
        }
        drop(inner);
        self.data_changed();
        Ok(appended)
    }

    /// Reads whole batches from the one containing `fetch_offset` on, up to `max_bytes`; with
    /// `min_one` the first batch is returned even when larger (KIP-74).
    pub(crate) fn read(
        &self,
        node_id: i32,
        topic: &str,
        partition: i32,
        fetch_offset: i64,
        limits: ReadLimits,
    ) -> Result<ReadResult, PartitionError> {
        let ReadLimits { max_bytes, min_one, read_committed } = limits;
        let mut inner = self.inner();
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        let last_stable = log.last_stable_offset();
        let mut result = ReadResult {
            high_watermark: log.next_offset,
            last_stable_offset: last_stable,
            log_start_offset: log.log_start,
            ..ReadResult::default()
        };
        if fetch_offset < log.log_start || fetch_offset > log.next_offset {
            return Err(PartitionError::code(ec::OFFSET_OUT_OF_RANGE));
        }
        // read_committed sees nothing at or above the last stable offset (a transaction's first
        // batch starts there, so this cuts between batches).
        let upper = if read_committed { last_stable } else { log.next_offset };
        let first = log.batches.partition_point(|b| b.last_offset() < fetch_offset);
        let mut end = fetch_offset;
        for batch in &log.batches[first..] {
            if batch.base_offset >= upper {
                break;
            }
            let len = batch.data.len();
            let fits = result.bytes + len <= max_bytes;
            if !(fits || (min_one && result.batches.is_empty())) {
                break;
            }
            result.bytes += len;
            result.batches.push(batch.data.clone());
            end = batch.last_offset() + 1;
        }
        if read_committed {
            result.aborted = log.aborted_between(fetch_offset, end);
        }
        Ok(result)
    }

    /// The producers with state on a partition led by `node_id` (DescribeProducers).
    pub(crate) fn active_producers(&self, node_id: i32, topic: &str, partition: i32) -> Result<Vec<ActiveProducer>, PartitionError> {
        let mut inner = self.inner();
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        let mut producers: Vec<ActiveProducer> = log
            .producers
            .iter()
            .map(|(&producer_id, w)| ActiveProducer {
                producer_id,
                epoch: w.epoch,
                last_sequence: w.recent.back().map_or(-1, |&(_, last, _)| last),
                last_timestamp: w.last_timestamp,
                txn_start_offset: log.open_txns.get(&producer_id).copied().unwrap_or(-1),
            })
            .collect();
        producers.sort_by_key(|p| p.producer_id);
        Ok(producers)
    }

    /// (high watermark, log start) of a partition led by `node_id`.
    /// (Out-of-range answers carry these; the last stable offset is reported with reads.)
    pub(crate) fn offsets(&self, node_id: i32, topic: &str, partition: i32) -> Result<(i64, i64), PartitionError> {
        let mut inner = self.inner();
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        Ok((log.next_offset, log.log_start))
    }

    /// ListOffsets for one partition: returns (timestamp, offset).
    pub(crate) fn list_offset(
        &self,
        node_id: i32,
        topic: &str,
        partition: i32,
        timestamp: i64,
        read_committed: bool,
    ) -> Result<(i64, i64), PartitionError> {
        let mut inner = self.inner();
        let log = Self::led_partition(&mut inner, node_id, topic, partition)?;
        Ok(match timestamp {
            // latest: the last stable offset for read_committed
            -1 if read_committed => (-1, log.last_stable_offset()),
            -1 => (-1, log.next_offset),
            // earliest, earliest-local (no tiered storage here)
            -2 | -4 => (-1, log.log_start),
            // max timestamp: first batch holding the highest timestamp
            -3 => {
                let mut best: Option<&StoredBatch> = None;
                for b in &log.batches {
                    match best {
                        Some(x) if x.header.max_timestamp >= b.header.max_timestamp => {}
                        _ => best = Some(b),
                    }
                }
                best.map_or((-1, -1), |b| (b.header.max_timestamp, b.offset_of_max_timestamp()))
            }
            // latest-tiered: nothing is tiered
            -5 => (-1, -1),
            ts if ts >= 0 => log
                .batches
                .iter()
                .find_map(|b| b.first_at_or_after(ts, log.log_start))
                .map_or((-1, -1), |(offset, t)| (t, offset)),
            other => {
                return Err(PartitionError::with_message(
                    ec::INVALID_REQUEST,
                    format!("unsupported ListOffsets timestamp {other}"),
                ))
            }
        })
    }

    /// Allocates a producer id (epoch 0), or bumps the epoch of `existing` (KIP-360).
    pub(crate) fn init_producer_id(&self, existing: Option<(i64, i16)>) -> Result<(i64, i16), i16> {
        let mut inner = self.inner();
        if let Some((id, epoch)) = existing {
            match inner.producer_epochs.get(&id).copied() {
                Some(current) if current == epoch && epoch < i16::MAX - 1 => {
                    inner.producer_epochs.insert(id, epoch + 1);
                    return Ok((id, epoch + 1));
                }
                Some(current) if epoch < current => return Err(ec::INVALID_PRODUCER_EPOCH),
                // Unknown id, or an epoch about to overflow: start over with a fresh id.
                _ => {}
            }
        }
        let id = inner.next_producer_id;
        inner.next_producer_id += 1;
        inner.producer_epochs.insert(id, 0);
        Ok((id, 0))
    }

    /// The compression codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd) of each stored batch of a
    /// partition, oldest first; empty for an unknown partition.
    pub(crate) fn batch_codecs(&self, topic: &str, partition: i32) -> Vec<i16> {
        let inner = self.inner();
        inner
            .topics
            .get(topic)
            .and_then(|t| usize::try_from(partition).ok().and_then(|p| t.partitions.get(p)))
            .map_or_else(Vec::new, |log| log.batches.iter().map(|b| b.header.compression()).collect())
    }

    /// High watermark minus log start; 0 for an unknown partition.
    pub(crate) fn record_count(&self, topic: &str, partition: i32) -> i64 {
        let inner = self.inner();
        inner
            .topics
            .get(topic)
            .and_then(|t| usize::try_from(partition).ok().and_then(|p| t.partitions.get(p)))
            .map_or(0, |log| log.next_offset - log.log_start)
    }
}

fn view(name: &str, topic: &Topic) -> TopicView {
    TopicView {
        name: name.to_string(),
        id: topic.id,
        leaders: topic.partitions.iter().map(|p| p.leader).collect(),
    }
}

/// Kafka refuses records without a key on a compacted topic (compaction keeps the newest value
/// per key, so such a record could never be cleaned).
fn refuse_null_keys(records: &[u8], header: BatchHeader, topic: &str, partition: i32) -> Result<(), PartitionError> {
    let body = crate::codecs::decompress(header.compression(), records.get(record_batch::HEADER_LEN..).unwrap_or_default())
        .map_err(|m| PartitionError::with_message(ec::CORRUPT_MESSAGE, m))?;
    for record in record_batch::RecordIter::new(&body) {
        let record = record.map_err(|m| PartitionError::with_message(ec::CORRUPT_MESSAGE, m))?;
        if record.key.is_none() {
            return Err(PartitionError::with_message(
                ec::INVALID_RECORD,
                format!("Compacted topic cannot accept message without key in topic partition {topic}-{partition}."),
            ));
        }
    }
    Ok(())
}

/// Milliseconds since the epoch on the broker's clock.
pub(crate) fn clock_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn append_to_log(
    log: &mut PartitionLog,
    records: &[u8],
    header: BatchHeader,
) -> Result<Appended, PartitionError> {
    let idempotent = header.producer_id >= 0;
    if idempotent {
        if let Some(window) = log.producers.get(&header.producer_id) {
            match window.check(header.producer_epoch, header.base_sequence, header.last_sequence()) {
                Ok(SequenceCheck::Duplicate { base_offset }) => {
                    return Ok(Appended {
                        base_offset,
                        log_start_offset: log.log_start,
                        fresh: false,
                        log_append_time: -1,
                    })
                }
                Ok(SequenceCheck::Append) => {}
                Err(code) => {
                    return Err(PartitionError::with_message(
                        code,
                        format!(
                            "producer {} epoch {} sequence {} rejected",
                            header.producer_id, header.producer_epoch, header.base_sequence
                        ),
                    ))
                }
            }
        }
    }
    let base_offset = log.next_offset;
    let data = record_batch::stamp(records, base_offset, LEADER_EPOCH);
    log.next_offset += header.last_offset_delta as i64 + 1;
    log.batches.push(StoredBatch {
        base_offset,
        header,
        data,
        delete_horizon: None,
    });
    if idempotent {
        let window = log.producers.entry(header.producer_id).or_default();
        window.record(header.producer_epoch, header.base_sequence, header.last_sequence(), base_offset);
        window.last_timestamp = header.max_timestamp;
    }
    Ok(Appended {
        base_offset,
        log_start_offset: log.log_start,
        fresh: true,
        log_append_time: -1,
    })
}

/// Unpadded base64url, the form of Kafka cluster ids.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..chunk.len() + 1 {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record_batch::tests::build_batch;

    fn cluster(brokers: usize) -> ClusterState {
        let brokers = (1..=brokers as i32)
            .map(|node_id| BrokerInfo {
                node_id,
                port: 9000 + node_id as u16,
            })
            .collect();
        ClusterState::new(
            brokers,
            ClusterConfig {
                default_partitions: 1,
                auto_create_topics: true,
                initial_rebalance_delay: Duration::ZERO,
            },
        )
    }

    #[test]
    fn window_accepts_in_order_and_detects_duplicates_with_original_offsets() {
        let mut w = ProducerWindow::default();
        let mut offset = 0;
        for seq in (0..50).step_by(5) {
            assert_eq!(w.check(0, seq, seq + 4), Ok(SequenceCheck::Append));
            w.record(0, seq, seq + 4, offset);
            offset += 5;
        }
        // The last five batches (seq 25..49) are remembered with their offsets.
        assert_eq!(w.check(0, 45, 49), Ok(SequenceCheck::Duplicate { base_offset: 45 }));
        assert_eq!(w.check(0, 25, 29), Ok(SequenceCheck::Duplicate { base_offset: 25 }));
        // Older than the window: not a duplicate any more, and out of order.
        assert_eq!(w.check(0, 20, 24), Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER));
        // A gap.
        assert_eq!(w.check(0, 51, 55), Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(w.check(0, 50, 50), Ok(SequenceCheck::Append));
    }

    #[test]
    fn window_epochs() {
        let mut w = ProducerWindow::default();
        w.record(3, 0, 9, 0);
        assert_eq!(w.check(2, 10, 10), Err(ec::INVALID_PRODUCER_EPOCH));
        assert_eq!(w.check(4, 10, 10), Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER));
        assert_eq!(w.check(4, 0, 0), Ok(SequenceCheck::Append));
        w.record(4, 0, 0, 10);
        assert_eq!(w.check(3, 10, 10), Err(ec::INVALID_PRODUCER_EPOCH));
        assert_eq!(w.check(4, 0, 0), Ok(SequenceCheck::Duplicate { base_offset: 10 }));
    }

    #[test]
    fn window_sequence_wraps() {
        let mut w = ProducerWindow::default();
        w.record(0, i32::MAX - 1, i32::MAX, 0);
        assert_eq!(w.check(0, 0, 3), Ok(SequenceCheck::Append));
        assert_eq!(w.check(0, 1, 3), Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER));
    }

    #[test]
    fn idempotent_appends_do_not_duplicate() {
        let c = cluster(1);
        c.create_topic("t", 1, false).expect("create");
        let b0 = build_batch(1000, 0, 0, 0, &[b"a", b"b"]);
        let b1 = build_batch(1000, 0, 2, 0, &[b"c"]);
        assert_eq!(c.append(1, "t", 0, &b0).map(|a| a.base_offset), Ok(0));
        assert_eq!(c.append(1, "t", 0, &b1).map(|a| a.base_offset), Ok(2));
        // Retry of both: same offsets, nothing appended.
        assert_eq!(c.append(1, "t", 0, &b0).map(|a| a.base_offset), Ok(0));
        assert_eq!(c.append(1, "t", 0, &b1).map(|a| a.base_offset), Ok(2));
        assert_eq!(c.record_count("t", 0), 3);
        let gap = build_batch(1000, 0, 9, 0, &[b"z"]);
        assert_eq!(c.append(1, "t", 0, &gap).map_err(|e| e.code), Err(ec::OUT_OF_ORDER_SEQUENCE_NUMBER));
        // A bumped epoch restarts at sequence 0; the old epoch is then fenced.
        let bumped = build_batch(1000, 1, 0, 0, &[b"d"]);
        assert_eq!(c.append(1, "t", 0, &bumped).map(|a| a.base_offset), Ok(3));
        let stale = build_batch(1000, 0, 3, 0, &[b"z"]);
        assert_eq!(c.append(1, "t", 0, &stale).map_err(|e| e.code), Err(ec::INVALID_PRODUCER_EPOCH));
        assert_eq!(c.record_count("t", 0), 4);
    }

    #[test]
    fn leaders_spread_and_non_leaders_refuse() {
        let c = cluster(3);
        c.create_topic("t", 3, false).expect("create");
        let view = c.topic("t").expect("exists");
        let mut leaders = view.leaders.clone();
        leaders.sort();
        assert_eq!(leaders, vec![1, 2, 3]);
        let b = build_batch(-1, -1, -1, 0, &[b"x"]);
        let leader = view.leaders[0];
        let other = if leader == 1 { 2 } else { 1 };
        assert!(c.append(leader, "t", 0, &b).is_ok());
        assert_eq!(c.append(other, "t", 0, &b).map_err(|e| e.code), Err(ec::NOT_LEADER_OR_FOLLOWER));
    }

    #[test]
    fn reads_return_whole_batches_from_mid_batch_offsets() {
        let c = cluster(1);
        c.create_topic("t", 1, false).expect("create");
        for _ in 0..3 {
            let b = build_batch(-1, -1, -1, 0, &[b"a", b"b", b"c"]);
            c.append(1, "t", 0, &b).expect("append");
        }
        let r = c.read(1, "t", 0, 4, ReadLimits::new(1 << 20, true, false)).expect("read");
        assert_eq!(r.batches.len(), 2);
        assert_eq!(&r.batches[0][0..8], &3i64.to_be_bytes());
        assert_eq!(r.high_watermark, 9);
        // max_bytes smaller than one batch: still one whole batch with min_one, none without.
        assert_eq!(c.read(1, "t", 0, 0, ReadLimits::new(1, true, false)).map(|r| r.batches.len()), Ok(1));
        assert_eq!(c.read(1, "t", 0, 0, ReadLimits::new(1, false, false)).map(|r| r.batches.len()), Ok(0));
        assert_eq!(c.read(1, "t", 0, 9, ReadLimits::new(100, true, false)).map(|r| r.batches.len()), Ok(0));
        assert_eq!(c.read(1, "t", 0, 10, ReadLimits::new(100, true, false)).map_err(|e| e.code), Err(ec::OFFSET_OUT_OF_RANGE));
    }

    #[test]
    fn topic_names_and_partitions_are_validated() {
        let c = cluster(1);
        assert_eq!(c.create_topic("bad name", 1, false).map_err(|e| e.code), Err(ec::INVALID_TOPIC_EXCEPTION));
        assert_eq!(c.create_topic("t", 0, false).map_err(|e| e.code), Err(ec::INVALID_PARTITIONS));
        assert!(c.create_topic("t", 2, true).is_ok());
        assert!(c.topic("t").is_none(), "validate_only must not create");
        assert!(c.create_topic("t", -1, false).is_ok());
        assert_eq!(c.create_topic("t", 1, false).map_err(|e| e.code), Err(ec::TOPIC_ALREADY_EXISTS));
    }

    #[test]
    fn cluster_id_looks_like_kafkas() {
        let c = cluster(1);
        assert_eq!(c.cluster_id.len(), 22);
    }
}
