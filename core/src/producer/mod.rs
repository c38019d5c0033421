//! The producer front: `send`, `flush`, delivery results.
//!
//! Shape (after franz-go's producer.go / sink.go split):
//! - [`Producer::send`] validates the record, picks its partition and encodes it straight into
//!   that partition's open batch ([`accumulator`]); it never waits for the network.
//! - One drain task ([`sink`]) closes batches when linger.ms / batch.size / flush say so,
//!   compresses each once, groups them per leader broker and pipelines Produce requests.
//! - Responses complete each message exactly once: a future, a callback, or a report queued
//!   on the client's event queue for [`Producer::poll_events`] (how bindings deliver
//!   librdkafka-style reports on the application's thread).
//!
//! No message is reported delivered unless the broker acknowledged it (or acks=0 was asked).

pub mod accumulator;
pub mod idempotence;
pub mod partitioner;
pub mod sink;
pub mod transaction;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::client::{Client, Metadata};
use crate::config::{ClientConfig, ProducerConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{ClientEvent, EventQueue};
pub use crate::protocol::record::Header;
use accumulator::Accumulator;

/// rd_kafka_purge's flags, for bindings that pass them through.
pub mod purge {
    /// Records not yet sent.
    pub const QUEUE: i32 = 0x1;
    /// Records in requests waiting for the broker's answer.
    pub const INFLIGHT: i32 = 0x2;
    /// Return without waiting for the in-flight records' reports to be queued.
    pub const NON_BLOCKING: i32 = 0x4;
}

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

/// What a delivery report's timestamp is (librdkafka's rd_kafka_timestamp_type_t).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    NotAvailable = 0,
    CreateTime = 1,
    LogAppendTime = 2,
}

/// Whether a record is in the log (librdkafka's rd_kafka_msg_status_t, same values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistenceStatus {
    /// Never sent, or refused by the broker: retrying cannot duplicate it.
    NotPersisted = 0,
    /// Sent, with no answer that says (timeout, lost connection, purged in flight, acks=0).
    PossiblyPersisted = 1,
    /// Acknowledged by the broker.
    Persisted = 2,
}

/// The full outcome of one record, as bindings report it (librdkafka's dr_msg_cb message).
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    pub topic: String,
    /// -1 when no partition was chosen (e.g. the topic never appeared).
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    /// CreateTime (ours), LogAppendTime (the topic's, from the broker), or none.
    pub timestamp_type: TimestampType,
    /// From send to this report (librdkafka's rd_kafka_message_latency).
    pub latency: Duration,
    pub status: PersistenceStatus,
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
    /// Queued as a [`ClientEvent::Delivery`] on the client's event queue, for the application's
    /// poll (librdkafka's dr_msg_cb model).
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
    /// When `send` accepted it, for the report's latency.
    pub enqueued: std::time::Instant,
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

pub(crate) struct ProducerInner {
    pub client: Arc<Client>,
    pub config: Arc<ProducerConfig>,
    pub acc: Accumulator,
    pub idempotence: idempotence::ProducerIdState,
    pub created: std::time::Instant,
    /// The configuration the producer was made from: topic configurations resolve against it.
    pub client_config: ClientConfig,
    /// With a transactional.id.
    pub(crate) txn: Option<transaction::TransactionManager>,
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
        client.warn_no_effect(config);
        client.start_refresh(handle);
        let inner = Arc::new(ProducerInner {
            client,
            acc: Accumulator::new(pc.clone()),
            config: pc.clone(),
            idempotence: idempotence::ProducerIdState::default(),
            created: std::time::Instant::now(),
            client_config: config.clone(),
            txn: pc.transactional_id.clone().map(|id| transaction::TransactionManager::new(id, pc.transaction_timeout)),
        });
        handle.spawn(sink::run(inner.clone()));
        if let Some(every) = inner.config.common.statistics_interval {
            let events = inner.client.events.clone();
            crate::stats::spawn(handle, every, Arc::downgrade(&inner), events, crate::stats::producer);
        }
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
            let polled = self.inner.client.events.reports_taken.notified();
            let (record, completion) = pending.take().ok_or_else(|| Error::new(ErrorKind::Fail, "internal"))?;
            match self.inner.acc.append(&self.inner.client, record, completion) {
                Ok(()) => return Ok(DeliveryFuture { rx }),
                Err((e, rec, comp)) if e.kind == ErrorKind::QueueFull => {
                    pending = Some((rec, comp));
                    // Space comes from deliveries or from the application polling their reports.
                    tokio::select! {
                        _ = space => {}
                        _ = polled => {}
                    }
                }
                Err((e, _, _)) => return Err(e),
            }
        }
    }

    /// Queues a record whose outcome goes to `completion`.
    pub fn send_with(&self, record: ProducerRecord, completion: Completion) -> Result<()> {
        if let Some(txn) = &self.inner.txn {
            txn.check_send()?;
        }
        self.inner.acc.append(&self.inner.client, record, completion).map_err(|(e, _, _)| e)
    }

    fn transactions(&self) -> Result<&transaction::TransactionManager> {
        self.inner.txn.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::NotConfigured, "the producer has no transactional.id: transactions need one")
        })
    }

    /// Gets the producer id for transactional.id, fencing older producers with the same id and
    /// aborting what they left open (librdkafka's rd_kafka_init_transactions). Call once.
    pub async fn init_transactions(&self, timeout: Duration) -> Result<()> {
        self.transactions()?.init(&self.inner, timeout).await
    }

    /// Starts a transaction: what is sent until commit or abort belongs to it.
    pub fn begin_transaction(&self) -> Result<()> {
        self.transactions()?.begin(&self.inner)
    }

    /// Commits a consumer's offsets with the transaction (consume-transform-produce): they
    /// become the group's committed offsets only if the transaction commits. `group` comes from
    /// [`crate::consumer::Consumer::group_metadata`].
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &[transaction::TxnOffset],
        group: &transaction::ConsumerGroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        self.transactions()?.send_offsets(&self.inner, offsets, group, timeout).await
    }

    /// Delivers every record of the transaction and commits it. On an error with
    /// `txn_requires_abort` call [`abort_transaction`](Self::abort_transaction); a retriable one
    /// (timeout) may be retried; a fatal one means this producer is done.
    pub async fn commit_transaction(&self, timeout: Duration) -> Result<()> {
        self.transactions()?.commit(self, timeout).await
    }

    /// Aborts the transaction: unsent records fail with `_PURGE_QUEUE`, nothing of it becomes
    /// visible to read_committed consumers, and its offsets are not committed.
    pub async fn abort_transaction(&self, timeout: Duration) -> Result<()> {
        self.transactions()?.abort(self, timeout).await
    }

    /// Takes up to `max` events (delivery reports of records sent with [`Completion::Queue`],
    /// logs, errors, ...), waiting up to `timeout` for the first. Blocking: call it from a
    /// non-async thread.
    pub fn poll_events(&self, timeout: Duration, max: usize) -> Vec<ClientEvent> {
        self.inner.client.events.poll(timeout, max)
    }

    /// The client's connections and metadata (cluster id, controller id).
    pub fn client(&self) -> &Arc<Client> {
        &self.inner.client
    }

    /// This producer's event queue (wakeup, I/O event, forwarder, log handler).
    pub fn events(&self) -> &Arc<EventQueue> {
        &self.inner.client.events
    }

    /// Records sent but not yet reported, plus reports not yet polled (librdkafka's outq_len).
    pub fn in_flight_count(&self) -> usize {
        self.inner.acc.queued_records() + self.inner.client.events.pending_reports().0
    }

    /// Purges records (librdkafka's rd_kafka_purge, `flags` from [`purge`]): each fails with
    /// `_PURGE_QUEUE` or `_PURGE_INFLIGHT` through its normal report (future, callback or
    /// event queue). Without NON_BLOCKING this waits (up to the request timeout) until the
    /// purged in-flight records have their reports, so a poll right after sees them.
    pub async fn purge(&self, flags: i32) -> Result<()> {
        if flags & !(purge::QUEUE | purge::INFLIGHT | purge::NON_BLOCKING) != 0 {
            return Err(Error::new(ErrorKind::InvalidArg, format!("purge flags {flags:#x}: allowed are QUEUE 0x1, INFLIGHT 0x2, NON_BLOCKING 0x4")));
        }
        let mut out = accumulator::Outcomes::default();
        let numbered = self.inner.acc.purge(flags & purge::QUEUE != 0, flags & purge::INFLIGHT != 0, &mut out);
        if numbered {
            self.inner.idempotence.request_bump();
        }
        self.inner.acc.deliver(out, &self.inner.client.events);
        self.inner.acc.wake.notify_one();
        if flags & purge::INFLIGHT != 0 && flags & purge::NON_BLOCKING == 0 {
            let deadline = tokio::time::Instant::now() + self.inner.config.common.request_timeout;
            while self.inner.acc.total_in_flight() > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        Ok(())
    }

    /// Gives `topic` its own topic configuration (librdkafka's rd_kafka_topic_new with a
    /// topic conf, php-rdkafka's newTopic(name, TopicConf)): its acks, message.timeout.ms,
    /// partitioner and compression apply to the records sent to it from now on; properties it
    /// does not set come from the producer's default topic configuration. The last call wins.
    pub fn set_topic_config(&self, topic: &str, config: &crate::config::TopicConfig) -> Result<()> {
        if topic.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArg, "topic name must not be empty"));
        }
        let settings = self.inner.client_config.topic_settings(Some(config))?;
        if self.inner.config.enable_idempotence && settings.acks != crate::config::Acks::All {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                format!("topic {topic:?}: `acks` must be all (-1) with enable.idempotence=true, as librdkafka requires"),
            ));
        }
        self.inner.acc.set_topic_settings(topic, settings);
        Ok(())
    }

    /// While the guard lives linger.ms is ignored (what flush does).
    pub(crate) fn begin_flush(&self) -> accumulator::FlushGuard<'_> {
        self.inner.acc.begin_flush()
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
