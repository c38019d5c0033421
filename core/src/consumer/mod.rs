//! The consumer front: assign, poll, seek, watermarks.
//!
//! This is the partition (low-level) consumer: the application says which partitions to read
//! and from where. Fetching runs in the background ([`source`]): one fetch at a time per leader
//! broker, into a bounded queue of events that [`Consumer::poll`] hands out.
//!
//! Invariants:
//! - Each partition has a `version`, bumped by assign/seek. Fetched data and queued events
//!   carry the version they were fetched under and are dropped when it no longer matches, so
//!   no message from before a seek is ever returned after it.
//! - The queue holds at most about queued.min.messages records: the fetchers wait when it is
//!   fuller, so a slow application costs bounded memory.

pub mod assignor;
pub mod group;
mod decode;
pub mod source;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::client::{Client, Metadata};
use crate::config::{ClientConfig, ConsumerConfig, IsolationLevel};
use crate::error::{Error, ErrorKind, Result};
pub use crate::protocol::record::Header;

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    Beginning,
    End,
    /// The group's committed offset (consumer groups); auto.offset.reset without one.
    Stored,
    Offset(i64),
    /// N records before the end (kcat's `-o -N`).
    Tail(i64),
    /// The first record at or after this time (ms since the epoch), via ListOffsets.
    Timestamp(i64),
}

impl Offset {
    /// librdkafka's special offsets: -2 beginning, -1 end, -1000 stored, -1001 invalid,
    /// <= -2000 tail. Invalid (what a rebalance callback's partitions carry) starts where
    /// stored does: at the committed offset, auto.offset.reset only when there is none.
    pub fn from_raw(raw: i64) -> Offset {
        match raw {
            -2 => Offset::Beginning,
            -1 => Offset::End,
            -1000 | -1001 => Offset::Stored,
            r if r <= -2000 => Offset::Tail(-2000 - r),
            r => Offset::Offset(r),
        }
    }
    pub fn to_raw(self) -> i64 {
        match self {
            Offset::Beginning => -2,
            Offset::End => -1,
            Offset::Stored => -1000,
            Offset::Tail(n) => -2000 - n,
            Offset::Offset(o) => o,
            Offset::Timestamp(_) => -1,
        }
    }
}

/// An offset to commit or store, or one the group has committed, with librdkafka's
/// rd_kafka_topic_partition_t fields: metadata and leader epoch (KIP-320) travel with the
/// offset; `error` is the partition's own outcome in results and ignored in requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetEntry {
    pub topic: String,
    pub partition: i32,
    /// The next offset to read (last processed + 1); -1001 where none is committed.
    pub offset: i64,
    pub metadata: String,
    /// -1 when unknown.
    pub leader_epoch: i32,
    pub error: Option<Error>,
}

impl OffsetEntry {
    pub fn new(topic: impl Into<String>, partition: i32, offset: i64) -> OffsetEntry {
        OffsetEntry { topic: topic.into(), partition, offset, metadata: String::new(), leader_epoch: -1, error: None }
    }
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> OffsetEntry {
        self.metadata = metadata.into();
        self
    }
    pub fn with_leader_epoch(mut self, epoch: i32) -> OffsetEntry {
        self.leader_epoch = epoch;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPartitionOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: Offset,
}

impl TopicPartitionOffset {
    pub fn new(topic: impl Into<String>, partition: i32, offset: Offset) -> Self {
        TopicPartitionOffset { topic: topic.into(), partition, offset }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamp {
    NotAvailable,
    CreateTime(i64),
    LogAppendTime(i64),
}

impl Timestamp {
    pub fn millis(self) -> Option<i64> {
        match self {
            Timestamp::NotAvailable => None,
            Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => Some(t),
        }
    }
}

/// A consumed record. Key, value and header values are slices of the fetched batch.
#[derive(Debug, Clone)]
pub struct Message {
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    pub timestamp: Timestamp,
    pub leader_epoch: Option<i32>,
}

/// What [`Consumer::poll`] returns.
#[derive(Debug, Clone)]
pub enum Event {
    Message(Message),
    /// Reached the end of a partition (only with enable.partition.eof=true); `offset` is the
    /// next offset that will be read.
    PartitionEof { topic: Arc<str>, partition: i32, offset: i64 },
    /// A consumer error, e.g. OFFSET_OUT_OF_RANGE with auto.offset.reset=error.
    Error { topic: Option<Arc<str>>, partition: i32, error: Error },
    /// The group moved partitions (only returned by poll when rebalance events were enabled
    /// with [`Consumer::enable_rebalance_events`]; otherwise poll applies it itself).
    Rebalance(RebalanceEvent),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceKind {
    /// New partitions (all of them with the eager protocol, the added ones when cooperative).
    Assign,
    /// Partitions to give back: stop processing them (and commit, for at-least-once).
    Revoke,
    /// Partitions already taken away (session lost): do not commit them.
    Lost,
}

/// One step of a rebalance, as librdkafka's rebalance callback sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebalanceEvent {
    pub kind: RebalanceKind,
    pub partitions: Vec<(String, i32)>,
    /// Cooperative (incremental) protocol: apply with incremental_assign / incremental_unassign.
    pub cooperative: bool,
    pub(crate) seq: u64,
}

/// A rebalance callback: runs inside poll on the application's thread; it may call assign /
/// incremental_assign / commit on the consumer it is given. If it assigns nothing itself, the
/// default (assign what was assigned, unassign what was revoked) is applied after it returns.
pub type RebalanceCallback = Arc<dyn Fn(&Consumer, &RebalanceEvent) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// Needs an offset lookup (ListOffsets) before fetching.
    Resolve(Offset),
    At(i64),
    /// Stopped by an error the application must act on (auto.offset.reset=error).
    Stopped,
}

pub(crate) struct PartitionState {
    pub topic: Arc<str>,
    pub partition: i32,
    pub position: Position,
    pub version: u64,
    pub paused: bool,
    pub fetching: bool,
    /// Where the last fetch said the partition ends for us: the last stable offset with
    /// read_committed, the high watermark with read_uncommitted (-1 before the first fetch).
    pub end_offset: i64,
    /// The offset at which EOF was last reported, so it is reported once per arrival at the end.
    pub eof_reported: Option<i64>,
    /// The offset store: the next offset to commit (enable.auto.offset.store or store_offsets).
    pub stored: Option<i64>,
    /// Metadata and leader epoch stored with `stored`, committed with it.
    pub stored_metadata: String,
    pub stored_epoch: i32,
    /// What the group last confirmed as committed for this partition.
    pub committed: Option<i64>,
    /// After a retriable ListOffsets or Fetch error: not fetched again before this instant.
    pub retry_at: Option<Instant>,
    /// Retriable errors in a row, for the exponential backoff (retry.backoff.ms doubling up to
    /// retry.backoff.max.ms); reset by the next success.
    pub retries: u32,
    /// Fetched events not yet handed out, and the messages and key+value bytes among them:
    /// the per-partition flow control (queued.min.messages, queued.max.messages.kbytes).
    pub fetched: VecDeque<Event>,
    pub fetched_msgs: usize,
    pub fetched_bytes: usize,
    /// The queue this partition's events are served from.
    pub queue: QueueId,
    /// An entry for this partition is in `State::ready[queue]`.
    pub in_ready: bool,
    /// The fetch manager found the partition at its limits and stopped fetching it: it fetches
    /// it again once a take brings it below half of them (and that take wakes it).
    pub throttled: bool,
}

impl PartitionState {
    /// Notes a retriable failure: the partition waits retry.backoff.ms, doubling with every
    /// failure in a row up to retry.backoff.max.ms (librdkafka's and Java's exponential backoff).
    pub(crate) fn back_off(&mut self, common: &crate::config::CommonConfig) {
        self.retries = self.retries.saturating_add(1);
        let factor = 1u32 << (self.retries - 1).min(20);
        let delay = common.retry_backoff.saturating_mul(factor).min(common.retry_backoff_max.max(common.retry_backoff));
        self.retry_at = Some(Instant::now() + delay);
    }

    /// Notes a successful round: the next failure starts the backoff from the beginning.
    pub(crate) fn succeeded(&mut self) {
        self.retries = 0;
        self.retry_at = None;
    }

    /// The stored offset with its metadata and epoch, when it is ahead of the last commit.
    fn uncommitted_entry(&self) -> Option<OffsetEntry> {
        let o = self.uncommitted()?;
        Some(OffsetEntry::new(self.topic.to_string(), self.partition, o)
            .with_metadata(self.stored_metadata.clone())
            .with_leader_epoch(self.stored_epoch))
    }

    /// The stored offset, when it is ahead of the last commit.
    fn uncommitted(&self) -> Option<i64> {
        match (self.stored, self.committed) {
            (Some(s), Some(c)) if s == c => None,
            (s, _) => s,
        }
    }

    fn new(topic: Arc<str>, partition: i32, offset: Offset, version: u64) -> Self {
        PartitionState {
            topic,
            partition,
            position: initial_position(offset),
            version,
            paused: false,
            fetching: false,
            end_offset: -1,
            eof_reported: None,
            stored: None,
            stored_metadata: String::new(),
            stored_epoch: -1,
            committed: None,
            retry_at: None,
            retries: 0,
            fetched: VecDeque::new(),
            fetched_msgs: 0,
            fetched_bytes: 0,
            queue: MAIN_QUEUE,
            in_ready: false,
            throttled: false,
        }
    }

    /// Drops what was fetched and not handed out (a seek, or the partition leaving).
    fn clear_fetched(&mut self) {
        self.fetched.clear();
        self.fetched_msgs = 0;
        self.fetched_bytes = 0;
        self.throttled = false;
    }

    /// Whether the partition holds as much fetched data as it may.
    pub(crate) fn is_full(&self, cfg: &ConsumerConfig) -> bool {
        self.fetched_msgs >= cfg.queued_min_messages || self.fetched_bytes >= cfg.queued_max_bytes
    }

    /// Below half of both limits: a throttled partition may be fetched again.
    fn below_half(&self, cfg: &ConsumerConfig) -> bool {
        self.fetched_msgs < cfg.queued_min_messages.div_ceil(2) && self.fetched_bytes < cfg.queued_max_bytes.div_ceil(2)
    }
}

fn message_bytes(m: &Message) -> usize {
    m.key.as_ref().map_or(0, |k| k.len()) + m.value.as_ref().map_or(0, |v| v.len())
}

/// Which queue a partition's events are served from.
pub type QueueId = u64;
/// The consumer's own queue: [`Consumer::poll`] (with rebalances and group errors).
pub const MAIN_QUEUE: QueueId = 0;
/// No shared queue: only [`Consumer::consume_partition`] takes the partition's events
/// (librdkafka's rd_kafka_consume_start without a queue).
pub const PARTITION_QUEUE: QueueId = u64::MAX;

/// Where events are taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Queue(QueueId),
    Partition(Arc<str>, i32),
}

#[derive(Default)]
pub(crate) struct State {
    pub partitions: HashMap<(Arc<str>, i32), PartitionState>,
    /// Events of no partition (rebalances, group errors), served by the main queue first.
    pub global: VecDeque<Event>,
    /// Per queue, the partitions that may have fetched events, in round-robin order. An entry
    /// exists for every partition whose `in_ready` is set; stale entries (a partition gone,
    /// re-routed or drained by consume_partition) are skipped when met.
    pub ready: HashMap<QueueId, VecDeque<(Arc<str>, i32)>>,
    /// Queues made with [`Consumer::new_queue`].
    pub queues: std::collections::HashSet<QueueId>,
    pub next_queue: QueueId,
    pub closed: bool,
    pub next_version: u64,
    /// Stored offsets of partitions unassigned before they were committed (enable.auto.commit):
    /// committed with the next commit of stored offsets, as librdkafka commits on unassign.
    pub pending_commits: Vec<OffsetEntry>,
}

impl State {
    /// Whether `source` has an event to take (a quick look for waiters).
    fn has_events(&self, source: &Source) -> bool {
        match source {
            Source::Queue(q) => {
                (*q == MAIN_QUEUE && !self.global.is_empty())
                    || self.ready.get(q).is_some_and(|list| {
                        list.iter().any(|k| self.partitions.get(k).is_some_and(|p| p.queue == *q && !p.fetched.is_empty()))
                    })
            }
            Source::Partition(t, p) => self.partitions.get(&(t.clone(), *p)).is_some_and(|p| !p.fetched.is_empty()),
        }
    }
}

pub(crate) struct ConsumerInner {
    pub client: Arc<Client>,
    pub config: ConsumerConfig,
    state: Mutex<State>,
    /// Wakes the fetch manager: assignment changed, the queue drained, metadata arrived.
    pub wake: tokio::sync::Notify,
    /// Wakes poll: events arrived.
    pub arrived: tokio::sync::Notify,
    group: Mutex<group::GroupState>,
    /// Wakes the group task: subscription changed, rejoin needed, closing.
    pub wake_group: tokio::sync::Notify,
    /// The application handled a rebalance event.
    pub rebalance_acked: tokio::sync::Notify,
    rebalance_callback: Mutex<Option<RebalanceCallback>>,
    rebalance_events_to_app: AtomicBool,
    /// Set by assign/unassign/incremental_*: the application applied a rebalance itself.
    rebalance_handled: AtomicBool,
    /// A rebalance event returned by poll and not yet acknowledged.
    outstanding: Mutex<Option<RebalanceEvent>>,
    group_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// poll calls in progress: a poll waiting for data counts as polling for max.poll.interval.ms.
    pub polling: std::sync::atomic::AtomicUsize,
    /// Rounds of the fetch manager (each scans every partition under the state lock), for
    /// statistics and for the test that polls must not cause them.
    pub fetch_rounds: std::sync::atomic::AtomicU64,
    /// Messages queued for the application, and their key and value bytes (statistics).
    pub rxmsgs: std::sync::atomic::AtomicU64,
    pub rxmsg_bytes: std::sync::atomic::AtomicU64,
    pub created: Instant,
    /// The configuration the consumer was made from: topic configurations resolve against it.
    client_config: ClientConfig,
    /// auto.offset.reset of topics given their own topic configuration.
    topic_resets: Mutex<HashMap<String, crate::config::OffsetReset>>,
}

/// One assigned partition's figures for statistics (librdkafka's names; -1 where unknown).
pub(crate) struct PartitionFigures {
    pub topic: Arc<str>,
    pub partition: i32,
    pub fetch_state: &'static str,
    pub fetchq_cnt: u64,
    pub next_offset: i64,
    pub stored_offset: i64,
    pub committed_offset: i64,
    pub eof_offset: i64,
    pub end_offset: i64,
    pub read_committed: bool,
}

/// The group member's figures for statistics.
pub(crate) struct GroupFigures {
    pub state: &'static str,
    pub join_state: &'static str,
    pub rebalance_cnt: u64,
}

impl ConsumerInner {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn group_lock(&self) -> MutexGuard<'_, group::GroupState> {
        self.group.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn partition_figures(&self) -> Vec<PartitionFigures> {
        let st = self.lock();
        let read_committed = self.config.isolation_level == IsolationLevel::ReadCommitted;
        let mut v: Vec<PartitionFigures> = st
            .partitions
            .values()
            .map(|p| PartitionFigures {
                topic: p.topic.clone(),
                partition: p.partition,
                fetch_state: match (p.paused, p.position) {
                    (true, _) => "stopped",
                    (_, Position::Resolve(_)) => "offset-query",
                    (_, Position::Stopped) => "none",
                    (_, Position::At(_)) if p.retry_at.is_some() => "offset-wait",
                    (_, Position::At(_)) => "active",
                },
                fetchq_cnt: p.fetched_msgs as u64,
                next_offset: match p.position {
                    Position::At(o) => o,
                    _ => -1001,
                },
                stored_offset: p.stored.unwrap_or(-1001),
                committed_offset: p.committed.unwrap_or(-1001),
                eof_offset: p.eof_reported.unwrap_or(-1001),
                end_offset: p.end_offset,
                read_committed,
            })
            .collect();
        v.sort_by(|a, b| (&*a.topic, a.partition).cmp(&(&*b.topic, b.partition)));
        v
    }

    pub(crate) fn group_figures(&self) -> Option<GroupFigures> {
        self.config.group_id.as_ref()?;
        let g = self.group_lock();
        Some(GroupFigures {
            state: if g.coordinator.as_ref().is_some_and(|c| !c.is_closed()) { "up" } else { "query-coord" },
            join_state: match (g.subscription.is_some(), g.generation >= 0, g.rejoin) {
                (false, _, _) => "init",
                (true, true, false) => "steady",
                (true, _, _) => "wait-join",
            },
            rebalance_cnt: g.pushed_seq,
        })
    }

    /// auto.offset.reset for `topic`: its own topic configuration's, else the consumer's.
    pub(crate) fn offset_reset(&self, topic: &str) -> crate::config::OffsetReset {
        let resets = self.topic_resets.lock().unwrap_or_else(|p| p.into_inner());
        resets.get(topic).copied().unwrap_or(self.config.auto_offset_reset)
    }

    /// Queues an event that belongs to no partition (rebalances, group errors).
    pub fn push_global(&self, event: Event) {
        self.lock().global.push_back(event);
        self.arrived.notify_waiters();
    }

    /// Stored offsets that are ahead of what was committed: of assigned partitions, and of
    /// partitions unassigned since.
    pub fn stored_uncommitted(&self) -> Vec<OffsetEntry> {
        let st = self.lock();
        let mut v: Vec<OffsetEntry> = st.partitions.values().filter_map(|p| p.uncommitted_entry()).collect();
        v.extend(st.pending_commits.iter().cloned());
        v.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        v
    }

    pub fn mark_committed(&self, offsets: &[(String, i32, i64)]) {
        let mut st = self.lock();
        for (t, p, o) in offsets {
            if let Some(ps) = st.partitions.get_mut(&(Arc::from(t.as_str()), *p)) {
                ps.committed = Some(*o);
            }
        }
        st.pending_commits.retain(|e| !offsets.iter().any(|(t, p, o)| e.topic == *t && e.partition == *p && e.offset == *o));
    }

    /// Keeps the uncommitted stored offsets of partitions leaving the assignment for the next
    /// commit (enable.auto.commit with a group only).
    fn keep_uncommitted(&self, st: &mut State, leaving: impl Iterator<Item = PartitionState>) {
        if !(self.config.enable_auto_commit && self.config.group_id.is_some()) {
            return;
        }
        for p in leaving {
            if let Some(e) = p.uncommitted_entry() {
                st.pending_commits.retain(|x| !(x.topic == *p.topic && x.partition == p.partition));
                st.pending_commits.push(e);
            }
        }
    }

    /// Queues events of one partition, dropping them if the partition moved meanwhile.
    pub fn push_events(&self, topic: &Arc<str>, partition: i32, version: u64, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        {
            let mut st = self.lock();
            let State { partitions, ready, .. } = &mut *st;
            let key = (topic.clone(), partition);
            let Some(p) = partitions.get_mut(&key) else { return };
            if p.version != version {
                return;
            }
            let (mut n, mut bytes) = (0u64, 0u64);
            for e in events {
                if let Event::Message(m) = &e {
                    let b = message_bytes(m);
                    p.fetched_msgs += 1;
                    p.fetched_bytes += b;
                    n += 1;
                    bytes += b as u64;
                }
                p.fetched.push_back(e);
            }
            if !p.in_ready {
                p.in_ready = true;
                ready.entry(p.queue).or_default().push_back(key);
            }
            self.rxmsgs.fetch_add(n, Ordering::Relaxed);
            self.rxmsg_bytes.fetch_add(bytes, Ordering::Relaxed);
        }
        self.arrived.notify_waiters();
    }
}

/// An asynchronous partition consumer.
#[derive(Clone)]
pub struct Consumer {
    inner: Arc<ConsumerInner>,
    _guard: Arc<CloseGuard>,
}

struct CloseGuard(Arc<ConsumerInner>);

impl Drop for CloseGuard {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.wake.notify_one();
        // The group task commits what is due and leaves the group on its own.
        self.0.wake_group.notify_one();
        self.0.rebalance_acked.notify_waiters();
        self.0.arrived.notify_waiters();
    }
}

impl Consumer {
    pub fn with_runtime(config: &ClientConfig, handle: &tokio::runtime::Handle) -> Result<Consumer> {
        let cc = config.consumer()?;
        let has_group = cc.group_id.is_some();
        let inner = Arc::new(ConsumerInner {
            client: Client::new(cc.common.clone()),
            config: cc,
            state: Mutex::new(State::default()),
            wake: tokio::sync::Notify::new(),
            arrived: tokio::sync::Notify::new(),
            group: Mutex::new(group::GroupState::default()),
            wake_group: tokio::sync::Notify::new(),
            rebalance_acked: tokio::sync::Notify::new(),
            rebalance_callback: Mutex::new(None),
            rebalance_events_to_app: AtomicBool::new(false),
            rebalance_handled: AtomicBool::new(false),
            outstanding: Mutex::new(None),
            group_task: Mutex::new(None),
            polling: std::sync::atomic::AtomicUsize::new(0),
            fetch_rounds: std::sync::atomic::AtomicU64::new(0),
            rxmsgs: std::sync::atomic::AtomicU64::new(0),
            rxmsg_bytes: std::sync::atomic::AtomicU64::new(0),
            created: Instant::now(),
            client_config: config.clone(),
            topic_resets: Mutex::new(HashMap::new()),
        });
        inner.client.warn_no_effect(config);
        inner.client.start_refresh(handle);
        handle.spawn(source::run(inner.clone()));
        if let Some(every) = inner.config.common.statistics_interval {
            let events = inner.client.events.clone();
            crate::stats::spawn(handle, every, Arc::downgrade(&inner), events, crate::stats::consumer);
        }
        if has_group {
            let task = handle.spawn(group::run(inner.clone()));
            *inner.group_task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        }
        Ok(Consumer { _guard: Arc::new(CloseGuard(inner.clone())), inner })
    }

    pub fn new(config: &ClientConfig) -> Result<Consumer> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(ErrorKind::State, "Consumer::new must be called inside a tokio runtime; use blocking::Consumer otherwise")
        })?;
        Self::with_runtime(config, &handle)
    }

    /// Replaces the assignment with `partitions`, each starting where its offset says.
    pub fn assign(&self, partitions: &[TopicPartitionOffset]) -> Result<()> {
        self.inner.rebalance_handled.store(true, Ordering::Release);
        let mut st = self.inner.lock();
        let old_states: HashMap<(Arc<str>, i32), PartitionState> = std::mem::take(&mut st.partitions);
        let old: Vec<(Arc<str>, i32)> = old_states.keys().cloned().collect();
        // Records of the old assignment go with their partitions; events that belong to no
        // partition (in `global`) stay.
        st.ready.clear();
        for tp in partitions {
            if tp.partition < 0 {
                return Err(Error::new(
                    ErrorKind::InvalidArg,
                    format!("partition {} of topic {:?} is negative", tp.partition, tp.topic),
                ));
            }
            let topic: Arc<str> = old
                .iter()
                .find(|(t, _)| &**t == tp.topic.as_str())
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| Arc::from(tp.topic.as_str()));
            st.next_version += 1;
            let mut state = PartitionState::new(topic.clone(), tp.partition, tp.offset, st.next_version);
            // The offset store survives a re-assignment of the same partition.
            if let Some(old) = old_states.get(&(topic.clone(), tp.partition)) {
                state.stored = old.stored;
                state.stored_metadata = old.stored_metadata.clone();
                state.stored_epoch = old.stored_epoch;
                state.committed = old.committed;
            }
            st.partitions.insert((topic, tp.partition), state);
        }
        let leaving: Vec<PartitionState> = old_states
            .into_iter()
            .filter(|(k, _)| !st.partitions.contains_key(k))
            .map(|(_, v)| v)
            .collect();
        self.inner.keep_uncommitted(&mut st, leaving.into_iter());
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Adds partitions to the assignment (cooperative rebalancing); others keep their state.
    pub fn incremental_assign(&self, partitions: &[TopicPartitionOffset]) -> Result<()> {
        self.inner.rebalance_handled.store(true, Ordering::Release);
        let mut st = self.inner.lock();
        for tp in partitions {
            if tp.partition < 0 {
                return Err(Error::new(ErrorKind::InvalidArg, format!("partition {} of topic {:?} is negative", tp.partition, tp.topic)));
            }
            let key = (Arc::from(tp.topic.as_str()), tp.partition);
            if st.partitions.contains_key(&key) {
                continue;
            }
            st.next_version += 1;
            let state = PartitionState::new(key.0.clone(), tp.partition, tp.offset, st.next_version);
            st.partitions.insert(key, state);
        }
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Removes partitions from the assignment (cooperative rebalancing).
    pub fn incremental_unassign(&self, partitions: &[(String, i32)]) -> Result<()> {
        self.inner.rebalance_handled.store(true, Ordering::Release);
        let mut st = self.inner.lock();
        let mut leaving = Vec::new();
        for (t, p) in partitions {
            leaving.extend(st.partitions.remove(&(Arc::from(t.as_str()), *p)));
        }
        // Their fetched events go with them; their entries in the ready lists are skipped.
        self.inner.keep_uncommitted(&mut st, leaving.into_iter());
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Removes every partition from the assignment.
    pub fn unassign(&self) -> Result<()> {
        self.assign(&[])
    }

    /// Joins the group (group.id) and consumes what it assigns. Topics starting with `^` are
    /// regular expressions matched against the cluster's topics.
    pub fn subscribe(&self, topics: &[String]) -> Result<()> {
        group::protocol(&self.inner);
        let sub = group::Subscription::parse(topics)?;
        if self.inner.config.group_id.is_none() {
            return Err(Error::new(ErrorKind::InvalidArg, "subscribe() needs group.id to be set"));
        }
        if topics.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArg, "subscribe() needs at least one topic; use unsubscribe() to stop"));
        }
        let mut g = self.inner.group_lock();
        g.subscription = Some(sub);
        g.rejoin = true;
        g.last_poll = Instant::now();
        drop(g);
        self.inner.wake_group.notify_one();
        Ok(())
    }

    /// Leaves the group and drops the assignment.
    pub fn unsubscribe(&self) -> Result<()> {
        self.inner.group_lock().subscription = None;
        self.inner.group_lock().owned.clear();
        self.inner.wake_group.notify_one();
        self.assign(&[])
    }

    /// The member id the group coordinator gave us (librdkafka's rd_kafka_memberid); None
    /// before the first join.
    pub fn member_id(&self) -> Option<String> {
        let g = self.inner.group_lock();
        (!g.member_id.is_empty()).then(|| g.member_id.clone())
    }

    /// What send_offsets_to_transaction needs to know of this member (KIP-447): group id,
    /// generation, member id, group instance id. None without a group.id.
    pub fn group_metadata(&self) -> Option<crate::producer::transaction::ConsumerGroupMetadata> {
        let group_id = self.inner.config.group_id.clone()?;
        let g = self.inner.group_lock();
        Some(crate::producer::transaction::ConsumerGroupMetadata {
            group_id,
            generation_id: g.generation,
            member_id: g.member_id.clone(),
            group_instance_id: self.inner.config.group_instance_id.clone(),
        })
    }

    /// The current generation of the group (-1 when not a member).
    pub fn generation(&self) -> i32 {
        self.inner.group_lock().generation
    }

    /// The subscribed topics and patterns.
    pub fn subscription(&self) -> Vec<String> {
        let g = self.inner.group_lock();
        g.subscription
            .as_ref()
            .map(|s| s.topics.iter().cloned().chain(s.patterns.iter().map(|p| p.as_str().to_string())).collect())
            .unwrap_or_default()
    }

    /// Rebalances reach the application as [`Event::Rebalance`] from poll (librdkafka's
    /// rebalance_cb model for bindings); it applies them with assign / incremental_assign /
    /// unassign. Unapplied events get the default at the next poll.
    pub fn enable_rebalance_events(&self, on: bool) {
        self.inner.rebalance_events_to_app.store(on, Ordering::Release);
    }

    /// Sets a rebalance callback (see [`RebalanceCallback`]).
    pub fn set_rebalance_callback(&self, cb: Option<RebalanceCallback>) {
        *self.inner.rebalance_callback.lock().unwrap_or_else(|p| p.into_inner()) = cb;
    }

    /// Stores offsets to be committed (the next offset to read, i.e. last processed + 1).
    /// Needs enable.auto.offset.store=false, as in librdkafka.
    pub fn store_offsets(&self, offsets: &[(String, i32, i64)]) -> Result<()> {
        let entries: Vec<OffsetEntry> = offsets.iter().map(|(t, p, o)| OffsetEntry::new(t.clone(), *p, *o)).collect();
        self.store_offset_entries(&entries)
    }

    /// [`store_offsets`](Self::store_offsets) with metadata and leader epoch
    /// (rd_kafka_offsets_store).
    pub fn store_offset_entries(&self, offsets: &[OffsetEntry]) -> Result<()> {
        if self.inner.config.enable_auto_offset_store {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "store_offsets needs enable.auto.offset.store=false (offsets are stored automatically now)",
            ));
        }
        self.store(offsets, 0)
    }

    /// The legacy per-partition store (rd_kafka_offset_store, php-rdkafka's
    /// ConsumerTopic::offsetStore): `offset` is the last processed one, and offset + 1 is stored.
    /// Allowed whatever enable.auto.offset.store says, as librdkafka's legacy call is; with a
    /// group.id and enable.auto.commit, the auto-commit timer commits it.
    pub fn offset_store(&self, topic: &str, partition: i32, offset: i64) -> Result<()> {
        self.store(&[OffsetEntry::new(topic, partition, offset)], 1)
    }

    fn store(&self, offsets: &[OffsetEntry], plus: i64) -> Result<()> {
        let mut st = self.inner.lock();
        for e in offsets {
            if e.offset < 0 {
                return Err(Error::new(ErrorKind::InvalidArg, format!("cannot store offset {} for {}[{}]: offsets to store are >= 0", e.offset, e.topic, e.partition)));
            }
        }
        for e in offsets {
            match st.partitions.get_mut(&(Arc::from(e.topic.as_str()), e.partition)) {
                Some(ps) => {
                    ps.stored = Some(e.offset.saturating_add(plus));
                    ps.stored_metadata = e.metadata.clone();
                    ps.stored_epoch = e.leader_epoch;
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::UnknownPartition,
                        format!("cannot store offset for {}[{}]: not assigned", e.topic, e.partition),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Commits `offsets` (next offset to read per partition), or every stored offset not yet
    /// committed when None. `_NO_OFFSET` when there is nothing to commit.
    pub async fn commit(&self, offsets: Option<&[(String, i32, i64)]>) -> Result<Vec<(String, i32, Result<i64>)>> {
        let list: Option<Vec<OffsetEntry>> = offsets.map(|o| o.iter().map(|(t, p, o)| OffsetEntry::new(t.clone(), *p, *o)).collect());
        self.commit_entries(list.as_deref()).await
    }

    /// [`commit`](Self::commit) with metadata and leader epoch per partition
    /// (rd_kafka_commit with a topic partition list).
    pub async fn commit_entries(&self, offsets: Option<&[OffsetEntry]>) -> Result<Vec<(String, i32, Result<i64>)>> {
        let list = match offsets {
            Some(o) => o.to_vec(),
            None => self.inner.stored_uncommitted(),
        };
        group::commit(&self.inner, &list).await
    }

    /// The group's committed offsets with their metadata and leader epoch, each with its own
    /// error (rd_kafka_committed); offset -1001 where nothing is committed.
    pub async fn committed_entries(&self, partitions: &[(String, i32)], timeout: Duration) -> Result<Vec<OffsetEntry>> {
        let map = tokio::time::timeout(timeout, group::fetch_committed_entries(&self.inner, partitions))
            .await
            .map_err(|_| Error::new(ErrorKind::TimedOut, "committed() timed out"))??;
        Ok(partitions
            .iter()
            .map(|(t, p)| {
                let mut e = map.get(&(t.clone(), *p)).cloned().unwrap_or_else(|| OffsetEntry::new(t.clone(), *p, -1));
                // The broker says -1 for "none"; librdkafka's committed() says RD_KAFKA_OFFSET_INVALID.
                if e.offset < 0 {
                    e.offset = -1001;
                }
                e
            })
            .collect())
    }

    /// The group's committed offsets for `partitions` (-1 where none).
    pub async fn committed(&self, partitions: &[(String, i32)], timeout: Duration) -> Result<Vec<(String, i32, i64)>> {
        let map = tokio::time::timeout(timeout, group::fetch_committed(&self.inner, partitions))
            .await
            .map_err(|_| Error::new(ErrorKind::TimedOut, "committed() timed out"))??;
        Ok(partitions.iter().map(|(t, p)| (t.clone(), *p, map.get(&(t.clone(), *p)).copied().unwrap_or(-1))).collect())
    }

    /// Commits what is due (enable.auto.commit), revokes the assignment through the rebalance
    /// callback (where an application commits its own offsets), leaves the group at once and
    /// stops fetching.
    pub async fn close(&self) -> Result<()> {
        if let Some(ev) = self.begin_close_revocation().await {
            self.apply_rebalance(&ev, true);
        }
        self.inner.lock().closed = true;
        self.inner.wake.notify_one();
        self.inner.wake_group.notify_one();
        self.inner.rebalance_acked.notify_waiters();
        self.inner.arrived.notify_waiters();
        let task = self.inner.group_task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        Ok(())
    }

    /// Runs the rebalance callback (if any), then completes the event.
    fn apply_rebalance(&self, ev: &RebalanceEvent, run_callback: bool) {
        self.inner.rebalance_handled.store(false, Ordering::Release);
        if run_callback {
            let cb = self.inner.rebalance_callback.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(cb) = cb {
                cb(self, ev);
            }
        }
        self.complete_rebalance(ev);
    }

    /// Applies the default for `ev` unless the application assigned or unassigned something
    /// since it was handed out, and tells the group task it was handled.
    fn complete_rebalance(&self, ev: &RebalanceEvent) {
        if !self.inner.rebalance_handled.load(Ordering::Acquire) {
            let tps: Vec<TopicPartitionOffset> =
                ev.partitions.iter().map(|(t, p)| TopicPartitionOffset::new(t.clone(), *p, Offset::Stored)).collect();
            let _ = match (ev.kind, ev.cooperative) {
                (RebalanceKind::Assign, false) => self.assign(&tps),
                (RebalanceKind::Assign, true) => self.incremental_assign(&tps),
                (_, false) => self.assign(&[]),
                (_, true) => self.incremental_unassign(&ev.partitions),
            };
        }
        let mut g = self.inner.group_lock();
        g.acked_seq = g.acked_seq.max(ev.seq);
        drop(g);
        self.inner.rebalance_acked.notify_waiters();
    }

    /// The first step of closing a group member, as librdkafka's consumer_close: commits what
    /// is due (enable.auto.commit), then returns the revocation of everything the group gave
    /// us, for the caller to hand to its rebalance callback before [`complete_close_revocation`].
    /// None when not a member.
    ///
    /// [`complete_close_revocation`]: Self::complete_close_revocation
    pub async fn begin_close_revocation(&self) -> Option<RebalanceEvent> {
        if self.inner.group_lock().generation < 0 {
            return None;
        }
        group::commit_due(&self.inner).await;
        let mut g = self.inner.group_lock();
        let owned = std::mem::take(&mut g.owned);
        g.pushed_seq += 1;
        let ev = RebalanceEvent {
            kind: RebalanceKind::Revoke,
            partitions: owned.into_iter().collect(),
            cooperative: group::protocol(&self.inner) == group::RebalanceProtocol::Cooperative,
            seq: g.pushed_seq,
        };
        drop(g);
        self.inner.rebalance_handled.store(false, Ordering::Release);
        Some(ev)
    }

    /// Ends the close-time revocation (default: unassign what the callback left assigned).
    pub fn complete_close_revocation(&self, ev: &RebalanceEvent) {
        self.complete_rebalance(ev);
    }

    /// Ends the rebalance step `poll` returned (with rebalance events enabled): the default is
    /// applied if the application assigned nothing itself. poll does this at its next call anyway.
    pub fn finish_rebalance(&self) {
        self.settle_outstanding();
    }

    /// A rebalance event handed to the application earlier and not applied by it gets the
    /// default now.
    fn settle_outstanding(&self) {
        let ev = self.inner.outstanding.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(ev) = ev {
            let handled = self.inner.rebalance_handled.load(Ordering::Acquire);
            if handled {
                let mut g = self.inner.group_lock();
                g.acked_seq = g.acked_seq.max(ev.seq);
                drop(g);
                self.inner.rebalance_acked.notify_waiters();
            } else {
                self.apply_rebalance(&ev, false);
            }
        }
    }

    /// The current assignment.
    pub fn assignment(&self) -> Vec<(String, i32)> {
        let mut v: Vec<(String, i32)> = self.inner.lock().partitions.keys().map(|(t, p)| (t.to_string(), *p)).collect();
        v.sort();
        v
    }

    /// Moves an assigned partition to `offset`; what was fetched before is discarded.
    pub fn seek(&self, topic: &str, partition: i32, offset: Offset) -> Result<()> {
        let mut st = self.inner.lock();
        st.next_version += 1;
        let version = st.next_version;
        let p = st.partitions.iter_mut().find(|((t, p), _)| &**t == topic && *p == partition).map(|(_, s)| s);
        let Some(p) = p else {
            return Err(Error::new(
                ErrorKind::State,
                format!("cannot seek {topic}[{partition}]: partition is not assigned"),
            ));
        };
        p.position = initial_position(offset);
        p.version = version;
        p.eof_reported = None;
        // A seek is the application's new start: fetch it now, not after an old backoff.
        p.succeeded();
        // What was fetched predates the seek.
        p.clear_fetched();
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Stops fetching the partitions (what is queued stays); one result per partition, in
    /// order: `_UNKNOWN_PARTITION` for one not assigned (rd_kafka_pause_partitions).
    pub fn pause(&self, partitions: &[(String, i32)]) -> Vec<(String, i32, Result<()>)> {
        self.set_paused(partitions, true)
    }

    /// Fetches the partitions again; results as [`pause`](Self::pause).
    pub fn resume(&self, partitions: &[(String, i32)]) -> Vec<(String, i32, Result<()>)> {
        self.set_paused(partitions, false)
    }

    fn set_paused(&self, partitions: &[(String, i32)], paused: bool) -> Vec<(String, i32, Result<()>)> {
        let mut st = self.inner.lock();
        let results = partitions
            .iter()
            .map(|(t, p)| {
                let r = match st.partitions.get_mut(&(Arc::from(t.as_str()), *p)) {
                    Some(s) => {
                        s.paused = paused;
                        Ok(())
                    }
                    None => Err(Error::new(
                        ErrorKind::UnknownPartition,
                        format!("cannot {} {t}[{p}]: partition is not assigned", if paused { "pause" } else { "resume" }),
                    )),
                };
                (t.clone(), *p, r)
            })
            .collect();
        drop(st);
        self.inner.wake.notify_one();
        results
    }

    /// An event already queued, without waiting (what the blocking facade tries before it
    /// enters the runtime to wait).
    pub fn poll_now(&self) -> Option<Event> {
        self.note_poll();
        let _polling = PollingGuard::new(&self.inner);
        self.take_event()
    }

    /// The next event of the main queue (messages of the partitions routed there, EOFs,
    /// errors, rebalances), waiting up to `timeout`. None when nothing arrived in time, or after
    /// [`wakeup`](Self::wakeup). Client events (logs, errors, commit results) stay on
    /// [`events`](Self::events) for the caller to serve.
    pub async fn poll(&self, timeout: Duration) -> Option<Event> {
        self.note_poll();
        let _polling = PollingGuard::new(&self.inner);
        self.next_event(&Source::Queue(MAIN_QUEUE), timeout).await
    }

    /// The next event of `source`, waiting up to `timeout` (None: nothing in time, a wake-up,
    /// or closed).
    async fn next_event(&self, source: &Source, timeout: Duration) -> Option<Event> {
        let deadline = crate::clock::tokio_deadline_after(timeout);
        loop {
            if let Some(ev) = self.take_one(source) {
                return Some(ev);
            }
            if !self.wait_for_any(source.clone(), deadline, false).await {
                return self.take_one(source);
            }
        }
    }

    /// One event of `source`; the main queue's runs rebalances as poll does.
    fn take_one(&self, source: &Source) -> Option<Event> {
        match source {
            Source::Queue(MAIN_QUEUE) => self.take_event(),
            s => self.take_from(s.clone()),
        }
    }

    /// Gives `topic` its own topic configuration (php-rdkafka's newTopic(name, TopicConf)):
    /// its auto.offset.reset applies to the topic's partitions from now on.
    pub fn set_topic_config(&self, topic: &str, config: &crate::config::TopicConfig) -> Result<()> {
        let settings = self.inner.client_config.topic_settings(Some(config))?;
        self.inner.topic_resets.lock().unwrap_or_else(|p| p.into_inner()).insert(topic.to_string(), settings.auto_offset_reset);
        Ok(())
    }

    /// A new queue that partitions can be routed into ([`route`](Self::route)); librdkafka's
    /// rd_kafka_queue_new for consume_start_queue.
    pub fn new_queue(&self) -> QueueId {
        let mut st = self.inner.lock();
        st.next_queue += 1;
        let id = st.next_queue;
        st.queues.insert(id);
        id
    }

    /// Removes a queue made by [`new_queue`](Self::new_queue); its partitions go back to the
    /// main queue.
    pub fn destroy_queue(&self, queue: QueueId) {
        let routed: Vec<(String, i32)> = {
            let mut st = self.inner.lock();
            st.queues.remove(&queue);
            st.ready.remove(&queue);
            st.partitions.values().filter(|p| p.queue == queue).map(|p| (p.topic.to_string(), p.partition)).collect()
        };
        for (t, p) in routed {
            let _ = self.route(&t, p, MAIN_QUEUE);
        }
    }

    /// Serves an assigned partition's events from `queue`: [`MAIN_QUEUE`], a queue from
    /// [`new_queue`](Self::new_queue), or [`PARTITION_QUEUE`] (only
    /// [`consume_partition`](Self::consume_partition) takes them). What was fetched moves along.
    pub fn route(&self, topic: &str, partition: i32, queue: QueueId) -> Result<()> {
        let mut st = self.inner.lock();
        if queue != MAIN_QUEUE && queue != PARTITION_QUEUE && !st.queues.contains(&queue) {
            return Err(Error::new(ErrorKind::InvalidArg, format!("queue {queue} does not exist (made by new_queue, not destroyed)")));
        }
        let State { partitions, ready, .. } = &mut *st;
        let key = (Arc::from(topic), partition);
        let Some(p) = partitions.get_mut(&key) else {
            return Err(Error::new(ErrorKind::UnknownPartition, format!("cannot route {topic}[{partition}]: partition is not assigned")));
        };
        p.queue = queue;
        // The entry in the old queue's list is skipped from now on (the partition's queue no
        // longer matches); a fresh one goes into the new queue's list.
        p.in_ready = !p.fetched.is_empty();
        if p.in_ready {
            ready.entry(queue).or_default().push_back(key);
        }
        drop(st);
        self.inner.arrived.notify_waiters();
        Ok(())
    }

    /// Assigns one more partition from `offset`, served from `queue` (librdkafka's
    /// rd_kafka_consume_start and consume_start_queue: php-rdkafka's ConsumerTopic::consumeStart
    /// and consumeQueueStart).
    pub fn consume_start(&self, topic: &str, partition: i32, offset: Offset, queue: QueueId) -> Result<()> {
        if self.inner.lock().partitions.contains_key(&(Arc::from(topic), partition)) {
            return Err(Error::new(ErrorKind::Conflict, format!("{topic}[{partition}] is already being consumed; consume_stop it first")));
        }
        self.incremental_assign(&[TopicPartitionOffset::new(topic, partition, offset)])?;
        self.route(topic, partition, queue)
    }

    /// Stops consuming a partition started with [`consume_start`](Self::consume_start).
    pub fn consume_stop(&self, topic: &str, partition: i32) -> Result<()> {
        if !self.inner.lock().partitions.contains_key(&(Arc::from(topic), partition)) {
            return Err(Error::new(ErrorKind::UnknownPartition, format!("{topic}[{partition}] is not being consumed")));
        }
        self.incremental_unassign(&[(topic.to_string(), partition)])
    }

    /// The next event of a queue made by [`new_queue`](Self::new_queue) (or of the main queue),
    /// waiting up to `timeout`.
    pub async fn poll_queue(&self, queue: QueueId, timeout: Duration) -> Option<Event> {
        if queue == MAIN_QUEUE {
            return self.poll(timeout).await;
        }
        self.next_event(&Source::Queue(queue), timeout).await
    }

    /// The next event of one partition, whatever queue it is routed to (librdkafka's
    /// rd_kafka_consume), waiting up to `timeout`.
    pub async fn consume_partition(&self, topic: &str, partition: i32, timeout: Duration) -> Option<Event> {
        self.next_event(&Source::Partition(Arc::from(topic), partition), timeout).await
    }

    /// Up to `max` events of a queue or a partition, waiting until there are `max` or `timeout`
    /// passed (librdkafka's consume_batch semantics: it fills the batch while time is left).
    pub async fn consume_batch(&self, source: Source, timeout: Duration, max: usize) -> Vec<Event> {
        if source == Source::Queue(MAIN_QUEUE) {
            self.note_poll();
        }
        let deadline = crate::clock::tokio_deadline_after(timeout);
        let mut out = Vec::new();
        while out.len() < max {
            match self.take_one(&source) {
                Some(ev) => out.push(ev),
                None => {
                    if !self.wait_for_any(source.clone(), deadline, false).await {
                        break;
                    }
                }
            }
        }
        out
    }

    /// Waits until an event of `source` (or, with `client_events`, a client event) may be there,
    /// `deadline`, a wake-up or close. False when waiting should end: deadline, wake-up, closed.
    pub(crate) async fn wait_for_any(&self, source: Source, deadline: tokio::time::Instant, client_events: bool) -> bool {
        let events = &self.inner.client.events;
        loop {
            let arrived = self.inner.arrived.notified();
            let client = events.arrived.notified();
            if self.inner.lock().has_events(&source) || (client_events && !events.is_empty()) {
                return true;
            }
            if self.inner.lock().closed || events.take_wakeup() {
                return false;
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return false;
            }
            // Sliced, so a wake-up from a signal handler (which cannot notify) is seen.
            let slice = deadline.min(now + crate::events::WAIT_SLICE);
            tokio::select! {
                _ = arrived => return true,
                _ = client => {}
                _ = tokio::time::sleep_until(slice) => {}
            }
        }
    }

    /// The client's connections and metadata (cluster id, controller id).
    pub fn client(&self) -> &Arc<Client> {
        &self.inner.client
    }

    /// This consumer's client event queue (logs, errors, statistics, commit results).
    pub fn events(&self) -> &Arc<crate::events::EventQueue> {
        &self.inner.client.events
    }

    /// Ends a blocking poll at once (rd_kafka_consumer_poll's yield), from any thread.
    pub fn wakeup(&self) {
        self.inner.client.events.wakeup();
    }

    /// poll was called: max.poll.interval.ms restarts, a member that left for not polling rejoins,
    /// and a rebalance the application did not apply gets the default.
    fn note_poll(&self) {
        self.settle_outstanding();
        let mut g = self.inner.group_lock();
        g.last_poll = Instant::now();
        if g.left_for_poll_timeout {
            g.left_for_poll_timeout = false;
            g.rejoin = true;
            drop(g);
            self.inner.wake_group.notify_one();
        }
    }

    fn take_event(&self) -> Option<Event> {
        loop {
            let ev = self.take_raw_event()?;
            let Event::Rebalance(rb) = ev else { return Some(ev) };
            let has_callback = self.inner.rebalance_callback.lock().map(|c| c.is_some()).unwrap_or(false);
            if !has_callback && self.inner.rebalance_events_to_app.load(Ordering::Acquire) {
                self.inner.rebalance_handled.store(false, Ordering::Release);
                *self.inner.outstanding.lock().unwrap_or_else(|p| p.into_inner()) = Some(rb.clone());
                return Some(Event::Rebalance(rb));
            }
            self.apply_rebalance(&rb, true);
        }
    }

    fn take_raw_event(&self) -> Option<Event> {
        self.take_from(Source::Queue(MAIN_QUEUE))
    }

    /// Takes the next event of a queue (round robin over its partitions, global events first
    /// on the main queue) or of one partition. With enable.auto.offset.store and a group, a
    /// message's offset is stored as it is handed out, as librdkafka does.
    fn take_from(&self, source: Source) -> Option<Event> {
        let cfg = &self.inner.config;
        let auto_store = cfg.enable_auto_offset_store && cfg.group_id.is_some();
        let mut st = self.inner.lock();
        let State { partitions, ready, global, .. } = &mut *st;
        let p = match source {
            Source::Queue(q) => {
                if q == MAIN_QUEUE {
                    if let Some(ev) = global.pop_front() {
                        return Some(ev);
                    }
                }
                let list = ready.get_mut(&q)?;
                loop {
                    let key = list.pop_front()?;
                    let Some(p) = partitions.get_mut(&key) else { continue };
                    if p.queue != q {
                        continue; // re-routed: its entry is in the other queue's list
                    }
                    if p.fetched.is_empty() {
                        p.in_ready = false;
                        continue;
                    }
                    // Round robin: the partition goes to the back while it has more.
                    if p.fetched.len() > 1 {
                        list.push_back(key.clone());
                    } else {
                        p.in_ready = false;
                    }
                    break p;
                }
            }
            Source::Partition(topic, partition) => {
                partitions.get_mut(&(topic, partition))?
            }
        };
        let ev = p.fetched.pop_front()?;
        if let Event::Message(m) = &ev {
            // The fetch manager stops fetching a partition at its limits and resumes below half
            // of them: only the take that crosses that line wakes it (waking it on every take
            // made it scan every partition under this lock once per message).
            p.fetched_msgs = p.fetched_msgs.saturating_sub(1);
            p.fetched_bytes = p.fetched_bytes.saturating_sub(message_bytes(m));
            if p.throttled && p.below_half(cfg) {
                p.throttled = false;
                self.inner.wake.notify_one();
            }
            if auto_store {
                p.stored = Some(m.offset + 1);
                p.stored_epoch = m.leader_epoch.unwrap_or(-1);
                p.stored_metadata.clear();
            }
        }
        Some(ev)
    }

    /// Low and high watermarks of a partition, asked from its leader.
    pub async fn fetch_watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
        self.inner.client.fetch_watermarks(topic, partition, false, timeout).await
    }

    /// For each (topic, partition, timestamp): the earliest offset whose timestamp is at or
    /// after it (-1 if none).
    pub async fn offsets_for_times(&self, query: &[(String, i32, i64)], timeout: Duration) -> Vec<Result<i64>> {
        let rc = self.inner.config.isolation_level == IsolationLevel::ReadCommitted;
        self.inner.client.offsets_for_times(query, rc, timeout).await
    }

    /// Cluster metadata (all topics when `topic` is None).
    pub async fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        let topics = topic.map(|t| vec![t.to_string()]);
        self.inner.client.fetch_metadata(topics.as_deref(), false, timeout).await
    }

    /// The next offset to be fetched for each assigned partition (-1001 when not yet known).
    pub fn position(&self) -> Vec<(String, i32, i64)> {
        let st = self.inner.lock();
        let mut v: Vec<_> = st
            .partitions
            .values()
            .map(|p| {
                let o = match p.position {
                    Position::At(o) => o,
                    _ => -1001,
                };
                (p.topic.to_string(), p.partition, o)
            })
            .collect();
        v.sort();
        v
    }
}

/// Marks a poll in progress; the end of a poll also counts as polling.
struct PollingGuard<'a>(&'a ConsumerInner);

impl<'a> PollingGuard<'a> {
    fn new(inner: &'a ConsumerInner) -> Self {
        inner.polling.fetch_add(1, Ordering::AcqRel);
        PollingGuard(inner)
    }
}

impl Drop for PollingGuard<'_> {
    fn drop(&mut self) {
        self.0.group_lock().last_poll = Instant::now();
        self.0.polling.fetch_sub(1, Ordering::AcqRel);
    }
}

fn initial_position(offset: Offset) -> Position {
    match offset {
        Offset::Offset(o) if o >= 0 => Position::At(o),
        other => Position::Resolve(other),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::*;
    use crate::producer::{Producer, ProducerRecord};

    /// Produces `n` records to `topic`, consumes them all with `extra` settings, and returns
    /// the fetch-manager rounds counted after the first message arrived.
    async fn rounds_while_consuming(topic: &str, n: usize, extra: &[(&str, &str)]) -> u64 {
        let cluster = ferrokafka_testkit::Cluster::builder().start().expect("testkit");
        let bootstrap = cluster.bootstrap();
        let config = ClientConfig::from_pairs([("bootstrap.servers", bootstrap.as_str())]).expect("config");
        let producer = Producer::new(&config).expect("producer");
        let sends: Vec<_> = (0..n).map(|i| producer.send(ProducerRecord::new(topic).value(format!("{i}"))).expect("send")).collect();
        producer.flush(Duration::from_secs(30)).await.expect("flush");
        for s in sends {
            s.await.expect("delivered");
        }
        let mut pairs = vec![("bootstrap.servers", bootstrap.as_str())];
        pairs.extend_from_slice(extra);
        let consumer = Consumer::new(&ClientConfig::from_pairs(pairs).expect("config")).expect("consumer");
        consumer.assign(&[TopicPartitionOffset::new(topic, 0, Offset::Beginning)]).expect("assign");
        let mut got = 0;
        let mut rounds_at_first = None;
        while got < n {
            if let Some(Event::Message(_)) = consumer.poll(Duration::from_secs(10)).await {
                got += 1;
                rounds_at_first.get_or_insert(consumer.inner.fetch_rounds.load(Ordering::Relaxed));
            }
        }
        consumer.inner.fetch_rounds.load(Ordering::Relaxed) - rounds_at_first.unwrap_or(0)
    }

    /// Defect: every poll below half of queued.min.messages woke the fetch manager, which then
    /// scanned every partition under the state lock: one round per message polled.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polls_below_half_full_do_not_wake_the_fetch_manager() {
        let rounds = rounds_while_consuming("rounds", 3000, &[]).await;
        // A few rounds per fetch answer and long-poll timeout; not one per message.
        assert!(rounds < 300, "{rounds} fetch-manager rounds while 3000 messages were polled");
    }

    /// A partition at its limit (one answer can bring far more than queued.min.messages) is not
    /// fetched, and nobody wakes the fetch manager for it, until it drains below half: not one
    /// round per message taken above the limit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_partition_wakes_the_fetch_manager_once_below_half() {
        let rounds = rounds_while_consuming("full", 3000, &[("queued.min.messages", "100")]).await;
        // Before: one round per message taken above the limit (about 650 here).
        assert!(rounds < 100, "{rounds} fetch-manager rounds while 3000 messages were polled");
    }
}
