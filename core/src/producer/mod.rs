//! The producer front: `send`, `flush`, delivery results.
//!
//! Shape (after franz-go's producer.go / sink.go split):
//! - [`Producer::send`] validates the record, picks its partition and encodes it straight into
//!   that partition's open batch ([`accumulator`]); it never waits for the network.
//! - One drain task ([`sink`]) closes batches when linger.ms / batch.size / flush say so,
//!   compresses each once, groups them per leader broker and pipelines Produce requests.
//! - Responses complete each message exactly once: a future, a callback, or a report queued
//!   for [`Producer::poll_reports`] (how bindings deliver librdkafka-style reports on the
//!   application's thread).
//!
//! No message is reported delivered unless the broker acknowledged it (or acks=0 was asked).

pub mod accumulator;
pub mod idempotence;
pub mod partitioner;
pub mod sink;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::client::{Client, Metadata};
use crate::config::{ClientConfig, ProducerConfig};
use crate::error::{Error, ErrorKind, Result};
pub use crate::protocol::record::Header;
use accumulator::Accumulator;

/// A record to send.
#[derive(Debug, Clone, Default)]
pub struct ProducerRecord {
    pub topic: String,
    /// None: chosen by the partitioner.
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    /// CreateTime in ms since the epoch; None: now.
    pub timestamp: Option<i64>,
    /// Carried back in the delivery report untouched (librdkafka's msg_opaque).
    pub opaque: u64,
}

impl ProducerRecord {
    pub fn new(topic: impl Into<String>) -> Self {
        ProducerRecord { topic: topic.into(), ..Default::default() }
    }
    pub fn key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }
    pub fn value(mut self, value: impl Into<Bytes>) -> Self {
        self.value = Some(value.into());
        self
    }
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }
    pub fn timestamp(mut self, ms: i64) -> Self {
        self.timestamp = Some(ms);
        self
    }
    pub fn header(mut self, key: impl Into<String>, value: Option<impl Into<Bytes>>) -> Self {
        self.headers.push(Header { key: key.into(), value: value.map(Into::into) });
        self
    }
    pub fn opaque(mut self, opaque: u64) -> Self {
        self.opaque = opaque;
        self
    }
}

/// Where a successfully delivered record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub topic: String,
    pub partition: i32,
    /// -1 with acks=0 (the broker says nothing).
    pub offset: i64,
    /// CreateTime we sent, or the broker's LogAppendTime when the topic uses it.
    pub timestamp: i64,
}

/// The full outcome of one record, as bindings report it (librdkafka's dr_msg_cb message).
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    pub topic: String,
    /// -1 when no partition was chosen (e.g. the topic never appeared).
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    pub opaque: u64,
    pub error: Option<Error>,
}

impl DeliveryReport {
    pub fn result(&self) -> Result<Delivery> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(Delivery {
                topic: self.topic.clone(),
                partition: self.partition,
                offset: self.offset,
                timestamp: self.timestamp,
            }),
        }
    }
}

/// How a record's outcome reaches the application.
pub enum Completion {
    Future(oneshot::Sender<Result<Delivery>>),
    Callback(Box<dyn FnOnce(DeliveryReport) + Send>),
    /// Queued for [`Producer::poll_reports`].
    Queue,
    /// Nobody listens (fire and forget).
    Ignore,
}

/// A record accepted by `send`, kept until its outcome is known.
pub(crate) struct PendingRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    pub timestamp: i64,
    pub opaque: u64,
    pub completion: Completion,
    pub size: usize,
}

/// Resolves to the record's delivery.
pub struct DeliveryFuture {
    rx: oneshot::Receiver<Result<Delivery>>,
}

impl Future for DeliveryFuture {
    type Output = Result<Delivery>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| {
            r.unwrap_or_else(|_| Err(Error::new(ErrorKind::Destroy, "producer was dropped before delivery")))
        })
    }
}

impl DeliveryFuture {
    /// Blocks the calling thread until the outcome is known (from any thread, also one inside
    /// a runtime, where a oneshot's `blocking_recv` would panic).
    pub fn wait(self) -> Result<Delivery> {
        crate::wait::park_on(self)
    }
}

/// Delivery reports waiting for the application's poll call.
#[derive(Default)]
pub(crate) struct ReportQueue {
    queue: Mutex<VecDeque<DeliveryReport>>,
    ready: Condvar,
}

impl ReportQueue {
    pub fn push_all(&self, reports: impl IntoIterator<Item = DeliveryReport>) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.extend(reports);
        self.ready.notify_all();
    }

    fn take(&self, timeout: Duration, max: usize) -> Vec<DeliveryReport> {
        let deadline = crate::clock::deadline_after(timeout);
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        while q.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return Vec::new();
            }
            q = match self.ready.wait_timeout(q, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    fn len(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }
}

pub(crate) struct ProducerInner {
    pub client: Arc<Client>,
    pub config: Arc<ProducerConfig>,
    pub acc: Accumulator,
    pub reports: ReportQueue,
    pub idempotence: idempotence::ProducerIdState,
}

/// An asynchronous Kafka producer. Cheap to clone; the last clone dropped stops it (records
/// not yet delivered then fail with `_DESTROY`: call [`Producer::flush`] first).
#[derive(Clone)]
pub struct Producer {
    inner: Arc<ProducerInner>,
    _guard: Arc<ShutdownGuard>,
}

struct ShutdownGuard(Arc<ProducerInner>);

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        self.0.acc.shutdown();
    }
}

impl Producer {
    /// Creates a producer; its background task runs on `handle`.
    pub fn with_runtime(config: &ClientConfig, handle: &tokio::runtime::Handle) -> Result<Producer> {
        let pc = Arc::new(config.producer()?);
        let client = Client::new(pc.common.clone());
        let inner = Arc::new(ProducerInner {
            client,
            acc: Accumulator::new(pc.clone()),
            config: pc,
            reports: ReportQueue::default(),
            idempotence: idempotence::ProducerIdState::default(),
        });
        handle.spawn(sink::run(inner.clone()));
        Ok(Producer { _guard: Arc::new(ShutdownGuard(inner.clone())), inner })
    }

    /// Creates a producer on the current tokio runtime.
    pub fn new(config: &ClientConfig) -> Result<Producer> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(ErrorKind::State, "Producer::new must be called inside a tokio runtime; use blocking::Producer otherwise")
        })?;
        Self::with_runtime(config, &handle)
    }

    /// Queues a record; the future resolves when the broker acknowledged it (or it failed).
    /// Fails at once with `_QUEUE_FULL`, `MSG_SIZE_TOO_LARGE`, `_UNKNOWN_PARTITION`.
    pub fn send(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        let (tx, rx) = oneshot::channel();
        self.send_with(record, Completion::Future(tx))?;
        Ok(DeliveryFuture { rx })
    }

    /// Like [`send`](Self::send), but waits for queue space instead of failing with `_QUEUE_FULL`.
    pub async fn send_wait(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        let (tx, rx) = oneshot::channel();
        let mut pending = Some((record, Completion::Future(tx)));
        loop {
            let space = self.inner.acc.space_notified();
            let (record, completion) = pending.take().ok_or_else(|| Error::new(ErrorKind::Fail, "internal"))?;
            match self.inner.acc.append(&self.inner.client, record, completion) {
                Ok(()) => return Ok(DeliveryFuture { rx }),
                Err((e, rec, comp)) if e.kind == ErrorKind::QueueFull => {
                    pending = Some((rec, comp));
                    space.await;
                }
                Err((e, _, _)) => return Err(e),
            }
        }
    }

    /// Queues a record whose outcome goes to `completion`.
    pub fn send_with(&self, record: ProducerRecord, completion: Completion) -> Result<()> {
        self.inner.acc.append(&self.inner.client, record, completion).map_err(|(e, _, _)| e)
    }

    /// Takes up to `max` queued delivery reports (records sent with [`Completion::Queue`]),
    /// waiting up to `timeout` for the first. Blocking: call it from a non-async thread.
    pub fn poll_reports(&self, timeout: Duration, max: usize) -> Vec<DeliveryReport> {
        self.inner.reports.take(timeout, max)
    }

    /// Records sent but not yet reported, plus reports not yet polled (librdkafka's outq_len).
    pub fn in_flight_count(&self) -> usize {
        self.inner.acc.queued_records() + self.inner.reports.len()
    }

    /// Sends everything queued now (ignoring linger.ms) and waits until every record has an
    /// outcome. `_TIMED_OUT` if some are still pending at the deadline.
    pub async fn flush(&self, timeout: Duration) -> Result<()> {
        let deadline = crate::clock::tokio_deadline_after(timeout);
        let _flush = self.inner.acc.begin_flush();
        loop {
            let drained = self.inner.acc.drained_notified();
            let left = self.inner.acc.queued_records();
            if left == 0 {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, drained).await.is_err() {
                let left = self.inner.acc.queued_records();
                if left == 0 {
                    return Ok(());
                }
                return Err(Error::new(
                    ErrorKind::TimedOut,
                    format!("flush timed out after {} ms with {left} record(s) not yet delivered", timeout.as_millis()),
                ));
            }
        }
    }

    /// Cluster metadata (all topics when `topic` is None). As librdkafka's producer does
    /// (allow.auto.create.topics defaults to true there), naming a topic lets the broker
    /// auto-create it.
    pub async fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        let topics = topic.map(|t| vec![t.to_string()]);
        self.inner.client.fetch_metadata(topics.as_deref(), topic.is_some(), timeout).await
    }

    pub fn config(&self) -> &ProducerConfig {
        &self.inner.config
    }
}
