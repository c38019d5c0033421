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

pub mod source;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use crate::client::offsets::{list_offsets, EARLIEST, LATEST};
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
    /// librdkafka's special offsets: -2 beginning, -1 end, -1000 stored, <= -2000 tail.
    pub fn from_raw(raw: i64) -> Offset {
        match raw {
            -2 => Offset::Beginning,
            -1 => Offset::End,
            -1000 => Offset::Stored,
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
}

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
    pub high_watermark: i64,
    /// The offset at which EOF was last reported, so it is reported once per arrival at the end.
    pub eof_reported: Option<i64>,
}

#[derive(Default)]
pub(crate) struct State {
    pub partitions: HashMap<(Arc<str>, i32), PartitionState>,
    pub queue: VecDeque<(u64, Event)>,
    pub queued_messages: usize,
    pub closed: bool,
    pub next_version: u64,
}

pub(crate) struct ConsumerInner {
    pub client: Arc<Client>,
    pub config: ConsumerConfig,
    state: Mutex<State>,
    /// Wakes the fetch manager: assignment changed, the queue drained, metadata arrived.
    pub wake: tokio::sync::Notify,
    /// Wakes poll: events arrived.
    pub arrived: tokio::sync::Notify,
}

impl ConsumerInner {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues events of one partition, dropping them if the partition moved meanwhile.
    pub fn push_events(&self, topic: &Arc<str>, partition: i32, version: u64, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        {
            let mut st = self.lock();
            let current = st.partitions.get(&(topic.clone(), partition)).map(|p| p.version);
            if current != Some(version) {
                return;
            }
            for e in events {
                if matches!(e, Event::Message(_)) {
                    st.queued_messages += 1;
                }
                st.queue.push_back((version, e));
            }
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
        self.0.arrived.notify_waiters();
    }
}

impl Consumer {
    pub fn with_runtime(config: &ClientConfig, handle: &tokio::runtime::Handle) -> Result<Consumer> {
        let cc = config.consumer()?;
        let inner = Arc::new(ConsumerInner {
            client: Client::new(cc.common.clone()),
            config: cc,
            state: Mutex::new(State::default()),
            wake: tokio::sync::Notify::new(),
            arrived: tokio::sync::Notify::new(),
        });
        handle.spawn(source::run(inner.clone()));
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
        let mut st = self.inner.lock();
        let old: Vec<(Arc<str>, i32)> = st.partitions.keys().cloned().collect();
        st.partitions.clear();
        st.queue.clear();
        st.queued_messages = 0;
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
            let version = st.next_version;
            st.partitions.insert(
                (topic.clone(), tp.partition),
                PartitionState {
                    topic,
                    partition: tp.partition,
                    position: initial_position(tp.offset),
                    version,
                    paused: false,
                    fetching: false,
                    high_watermark: -1,
                    eof_reported: None,
                },
            );
        }
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
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
        let key_topic = p.topic.clone();
        // Drop queued events of this partition: they predate the seek.
        let before = st.queue.len();
        st.queue.retain(|(_, e)| !matches!(e, Event::Message(m) if m.topic == key_topic && m.partition == partition));
        let removed = before - st.queue.len();
        st.queued_messages = st.queued_messages.saturating_sub(removed);
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }

    pub fn pause(&self, partitions: &[(String, i32)]) {
        self.set_paused(partitions, true)
    }

    pub fn resume(&self, partitions: &[(String, i32)]) {
        self.set_paused(partitions, false)
    }

    fn set_paused(&self, partitions: &[(String, i32)], paused: bool) {
        let mut st = self.inner.lock();
        for ((t, p), s) in st.partitions.iter_mut() {
            if partitions.iter().any(|(pt, pp)| pt.as_str() == &**t && pp == p) {
                s.paused = paused;
            }
        }
        drop(st);
        self.inner.wake.notify_one();
    }

    /// The next event, waiting up to `timeout`. None when nothing arrived in time.
    pub async fn poll(&self, timeout: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.inner.arrived.notified();
            if let Some(ev) = self.take_event() {
                return Some(ev);
            }
            if self.inner.lock().closed {
                return None;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.take_event();
            }
        }
    }

    fn take_event(&self) -> Option<Event> {
        let mut st = self.inner.lock();
        let threshold = self.inner.config.queued_min_messages;
        while let Some((version, ev)) = st.queue.pop_front() {
            let is_msg = matches!(ev, Event::Message(_));
            if is_msg {
                st.queued_messages = st.queued_messages.saturating_sub(1);
                if st.queued_messages + 1 == threshold / 2 {
                    self.inner.wake.notify_one();
                }
            }
            let current = match &ev {
                Event::Message(m) => st.partitions.get(&(m.topic.clone(), m.partition)).map(|p| p.version),
                Event::PartitionEof { topic, partition, .. } => {
                    st.partitions.get(&(topic.clone(), *partition)).map(|p| p.version)
                }
                Event::Error { .. } => Some(version),
            };
            if current == Some(version) {
                if st.queued_messages < threshold / 2 {
                    self.inner.wake.notify_one();
                }
                return Some(ev);
            }
        }
        self.inner.wake.notify_one();
        None
    }

    /// Low and high watermarks of a partition, asked from its leader.
    pub async fn fetch_watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
        let q = vec![(topic.to_string(), partition, EARLIEST), (topic.to_string(), partition, LATEST)];
        let mut r = list_offsets(&self.inner.client, &q, false, timeout).await.into_iter();
        let low = r.next().unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "no answer")))?;
        let high = r.next().unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "no answer")))?;
        Ok((low, high))
    }

    /// For each (topic, partition, timestamp): the earliest offset whose timestamp is at or
    /// after it (-1 if none).
    pub async fn offsets_for_times(&self, query: &[(String, i32, i64)], timeout: Duration) -> Vec<Result<i64>> {
        let rc = self.inner.config.isolation_level == IsolationLevel::ReadCommitted;
        list_offsets(&self.inner.client, query, rc, timeout).await
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

fn initial_position(offset: Offset) -> Position {
    match offset {
        Offset::Offset(o) if o >= 0 => Position::At(o),
        other => Position::Resolve(other),
    }
}
