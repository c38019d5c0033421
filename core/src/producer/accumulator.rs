//! Per-partition batches between `send` and the drain task.
//!
//! Invariants:
//! - Records of one partition leave in the order they were sent: a partition's batches sit in
//!   `ready` ordered by creation (and, once numbered, by sequence), and a batch that must be
//!   retried goes back to its place in that order, never behind newer ones.
//! - Without idempotence a partition has at most ONE request in flight, so a retry can never
//!   overtake a later batch (the price of "retries keep order" without sequence numbers). With
//!   idempotence up to 5 are in flight and the broker's sequence check keeps the order.
//! - `queued` counts every record from `send` until its outcome is reported; flush waits for 0.
//! - Outcomes are delivered outside the lock (callbacks may call back into the producer).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng;

use super::{Completion, Delivery, DeliveryReport, PendingRecord, PersistenceStatus, ProducerRecord, TimestampType};
use crate::client::Client;
use crate::config::{ProducerConfig, TopicSettings};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::record::BatchBuilder;

/// Per-batch record overhead bound used for queue.buffering.max.kbytes accounting.
const RECORD_OVERHEAD: usize = 32;

/// A closed batch, queued or in flight.
pub(crate) struct Batch {
    pub topic: Arc<str>,
    pub partition: i32,
    pub builder: BatchBuilder,
    /// The encoded batch; built (and compressed) once, by the drain task, on first send.
    pub encoded: Option<Bytes>,
    /// After an epoch bump: the encoded batch waiting for its new id/epoch/sequence.
    pub unstamped: Option<Bytes>,
    pub records: Vec<PendingRecord>,
    /// When the oldest record was sent: message.timeout.ms counts from here.
    pub created: Instant,
    pub attempts: u32,
    pub retry_at: Option<Instant>,
    /// (producer id, epoch, base sequence) once numbered for the idempotent producer.
    pub sequence: Option<(i64, i16, i32)>,
}

impl Batch {
    pub fn record_count(&self) -> i32 {
        self.records.len() as i32
    }
}

struct OpenBatch {
    builder: BatchBuilder,
    records: Vec<PendingRecord>,
    created: Instant,
}

#[derive(Default)]
struct PartitionQueue {
    open: Option<OpenBatch>,
    ready: VecDeque<Batch>,
    in_flight: usize,
    /// Idempotence: the next sequence to assign, and the first not yet acknowledged.
    next_sequence: i32,
    acked_sequence: i32,
    /// Records delivered (acknowledged) and their key, value and header bytes, for statistics.
    txmsgs: u64,
    txbytes: u64,
}

/// One partition's figures for statistics.
pub(crate) struct PartitionFigures {
    pub partition: i32,
    /// Records not yet sent: in the open batch and in closed batches waiting to go.
    pub msgq_cnt: u64,
    /// Of those, the ones in closed batches (librdkafka's transmit queue).
    pub xmit_msgq_cnt: u64,
    pub txmsgs: u64,
    pub txbytes: u64,
}

#[derive(Default)]
struct TopicQueues {
    name: Option<Arc<str>>,
    partitions: Vec<PartitionQueue>,
    sticky: Option<i32>,
    /// When `sticky` was chosen: sticky.partitioning.linger.ms later the next keyless record
    /// picks a new one.
    sticky_since: Option<Instant>,
    /// Records sent before the topic's partitions were known.
    waiting: VecDeque<(ProducerRecord, Completion, Instant)>,
    /// The topic's own configuration (a topic handle's TopicConfig); None: the producer's.
    settings: Option<Arc<TopicSettings>>,
}

#[derive(Default)]
struct State {
    topics: HashMap<Arc<str>, TopicQueues>,
    queued: usize,
    queued_bytes: usize,
    flushing: usize,
    closed: bool,
}

pub(crate) struct Accumulator {
    cfg: Arc<ProducerConfig>,
    state: Mutex<State>,
    /// Wakes the drain task: a batch closed, a batch opened (new linger deadline), a flush.
    pub wake: tokio::sync::Notify,
    /// Records completed: queue space for send_wait, progress for flush.
    progress: tokio::sync::Notify,
    /// Bumped by purge(in-flight): every request waiting for its answer fails its records with
    /// _PURGE_INFLIGHT at once and ignores the answer.
    purge_inflight: tokio::sync::watch::Sender<u64>,
    /// Records that failed so far: a transaction that saw one fail cannot commit.
    failed_records: std::sync::atomic::AtomicU64,
}

/// Outcomes computed under the lock, delivered after it is released.
#[derive(Default)]
pub(crate) struct Outcomes {
    items: Vec<Outcome>,
}

/// librdkafka's rd_kafka_message_status: acknowledged, never sent or refused for sure, or sent
/// with no answer that says (a timeout, a lost connection, a purge in flight; acks=0).
fn persistence(result: &Result<(i64, i64)>, sent: bool) -> PersistenceStatus {
    match result {
        Ok((offset, _)) if *offset >= 0 => PersistenceStatus::Persisted,
        Ok(_) => PersistenceStatus::PossiblyPersisted,
        Err(_) if !sent => PersistenceStatus::NotPersisted,
        Err(e) if e.kafka_code.is_some() => PersistenceStatus::NotPersisted,
        Err(e) => match e.kind {
            ErrorKind::MsgTimedOut | ErrorKind::TimedOut | ErrorKind::Transport | ErrorKind::PurgeInflight | ErrorKind::Destroy => {
                PersistenceStatus::PossiblyPersisted
            }
            _ => PersistenceStatus::NotPersisted,
        },
    }
}

/// One record's outcome: Ok((offset, timestamp)), whether the timestamp is the broker's
/// LogAppendTime, and whether the record was ever sent (for the persistence status).
struct Outcome {
    topic: Arc<str>,
    partition: i32,
    rec: PendingRecord,
    result: Result<(i64, i64)>,
    log_append_time: bool,
    sent: bool,
}

impl Outcomes {
    pub fn fail_batch(&mut self, batch: Batch, err: &Error) {
        // A batch is encoded on its first send: an encoded one may have reached the broker.
        let sent = batch.encoded.is_some() || batch.unstamped.is_some();
        for rec in batch.records {
            let (topic, partition) = (batch.topic.clone(), batch.partition);
            self.items.push(Outcome { topic, partition, rec, result: Err(err.clone()), log_append_time: false, sent });
        }
    }
    pub fn succeed_batch(&mut self, batch: Batch, base_offset: i64, log_append_time: i64) {
        for (i, r) in batch.records.into_iter().enumerate() {
            let offset = if base_offset < 0 { -1 } else { base_offset + i as i64 };
            let ts = if log_append_time >= 0 { log_append_time } else { r.timestamp };
            self.items.push(Outcome {
                topic: batch.topic.clone(),
                partition: batch.partition,
                rec: r,
                result: Ok((offset, ts)),
                log_append_time: log_append_time >= 0,
                sent: true,
            });
        }
    }
    fn fail_record(&mut self, topic: Arc<str>, rec: ProducerRecord, completion: Completion, enqueued: Instant, err: &Error) {
        let size = record_size(&rec);
        let p = PendingRecord {
            key: rec.key,
            value: rec.value,
            headers: rec.headers,
            timestamp: rec.timestamp.unwrap_or(-1),
            opaque: rec.opaque,
            completion,
            size,
            enqueued,
        };
        let partition = rec.partition.unwrap_or(-1);
        self.items.push(Outcome { topic, partition, rec: p, result: Err(err.clone()), log_append_time: false, sent: false });
    }
}

fn record_size(r: &ProducerRecord) -> usize {
    r.key.as_ref().map_or(0, |k| k.len())
        + r.value.as_ref().map_or(0, |v| v.len())
        + r.headers.iter().map(|h| h.key.len() + h.value.as_ref().map_or(0, |v| v.len())).sum::<usize>()
        + RECORD_OVERHEAD
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What the drain step hands the sink: per leader, batches to send (at most one per partition
/// per request, as Kafka requires for record batch v2).
pub(crate) struct Drained {
    pub by_leader: HashMap<i32, Vec<Batch>>,
    pub next_deadline: Option<Instant>,
    /// Topics whose leaders are unknown: the sink refreshes their metadata.
    pub need_metadata: Vec<String>,
    /// A numbered batch expired unacknowledged: it leaves a gap in the sequence the broker
    /// expects, which only a new epoch (renumbering from 0) gets past.
    pub need_epoch_bump: bool,
}

impl Accumulator {
    pub fn new(cfg: Arc<ProducerConfig>) -> Self {
        Accumulator {
            cfg,
            state: Mutex::new(State::default()),
            wake: tokio::sync::Notify::new(),
            progress: tokio::sync::Notify::new(),
            purge_inflight: tokio::sync::watch::channel(0).0,
            failed_records: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn space_notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.progress.notified()
    }
    pub fn drained_notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.progress.notified()
    }

    /// How many records have failed since the producer started.
    pub fn failed_records(&self) -> u64 {
        self.failed_records.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn queued_records(&self) -> usize {
        self.lock().queued
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    pub fn shutdown(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// While the returned guard lives, linger.ms is ignored.
    pub fn begin_flush(&self) -> FlushGuard<'_> {
        self.lock().flushing += 1;
        self.wake.notify_one();
        FlushGuard(self)
    }

    /// Accepts one record, or gives it back with the reason.
    #[allow(clippy::result_large_err)]
    pub fn append(
        &self,
        client: &Client,
        rec: ProducerRecord,
        completion: Completion,
    ) -> std::result::Result<(), (Error, ProducerRecord, Completion)> {
        let cfg = &self.cfg;
        // For the delivery report's latency (librdkafka's rd_kafka_message_latency).
        let enqueued = Instant::now();
        let size = record_size(&rec);
        // message.max.bytes bounds one record as encoded in a batch, as the broker sees it.
        let encoded = BatchBuilder::encoded_record_size(
            0,
            0,
            rec.key.as_deref(),
            rec.value.as_deref(),
            &rec.headers,
        ) + 61;
        if encoded > cfg.common.message_max_bytes {
            let e = Error::new(
                ErrorKind::MsgSizeTooLarge,
                format!(
                    "message of {encoded} bytes (encoded in a batch) exceeds message.max.bytes {}",
                    cfg.common.message_max_bytes
                ),
            );
            return Err((e, rec, completion));
        }
        if rec.topic.is_empty() {
            let e = Error::new(ErrorKind::InvalidArg, "topic name must not be empty");
            return Err((e, rec, completion));
        }
        let mut st = self.lock();
        if st.closed {
            drop(st);
            return Err((Error::new(ErrorKind::Destroy, "producer is closed"), rec, completion));
        }
        // Reports not yet polled count too, as librdkafka counts a message until its report is
        // served: a producer nobody polls stops here instead of growing without bound.
        let (unpolled, unpolled_bytes) = client.events.pending_reports();
        let records = st.queued + unpolled;
        let bytes = st.queued_bytes + unpolled_bytes;
        if records >= cfg.queue_buffering_max_messages || bytes + size > cfg.queue_buffering_max_kbytes.saturating_mul(1024) {
            let e = Error::new(
                ErrorKind::QueueFull,
                format!(
                    "producer queue is full ({records} records, {bytes} bytes, delivery reports not yet polled included; queue.buffering.max.messages={}, queue.buffering.max.kbytes={})",
                    cfg.queue_buffering_max_messages, cfg.queue_buffering_max_kbytes
                ),
            );
            drop(st);
            return Err((e, rec, completion));
        }
        let info = client.topic(&rec.topic);
        let known = info.as_ref().filter(|i| i.error.is_none() && !i.leaders.is_empty());
        let tq = topic_entry(&mut st.topics, &rec.topic);
        let info = match known {
            // Partitions known, and no earlier record of this topic still waiting for them.
            Some(info) if tq.waiting.is_empty() => info,
            _ => {
                // Keep the record as sent; the drain task places it once metadata arrives (or
                // times it out), in send order behind any record already waiting.
                tq.waiting.push_back((rec, completion, enqueued));
                st.queued += 1;
                st.queued_bytes += size;
                drop(st);
                self.wake.notify_one();
                return Ok(());
            }
        };
        let count = info.leaders.len() as i32;
        let leaders = info.leaders.clone();
        match self.place(tq, rec, completion, enqueued, count, &leaders) {
            Ok(woke) => {
                st.queued += 1;
                st.queued_bytes += size;
                drop(st);
                if woke {
                    self.wake.notify_one();
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Chooses the partition and encodes the record into its open batch. Returns whether the
    /// drain task must be woken (a batch closed or a new linger deadline started).
    #[allow(clippy::result_large_err)]
    fn place(
        &self,
        tq: &mut TopicQueues,
        rec: ProducerRecord,
        completion: Completion,
        enqueued: Instant,
        count: i32,
        leaders: &[i32],
    ) -> std::result::Result<bool, (Error, ProducerRecord, Completion)> {
        let partition = match rec.partition {
            Some(p) if p >= 0 && p < count => p,
            Some(p) => {
                let e = Error::new(
                    ErrorKind::UnknownPartition,
                    format!("topic {:?} has {count} partitions; partition {p} does not exist", rec.topic),
                );
                return Err((e, rec, completion));
            }
            None => match tq.settings.as_ref().map_or(self.cfg.partitioner, |s| s.partitioner).partition_for_key(rec.key.as_deref(), count) {
                Some(p) => p,
                // sticky.partitioning.linger.ms: 0 turns stickiness off (a random available
                // partition per record); otherwise the sticky partition changes once it is that
                // old, or when its batch fills (KIP-480).
                None if self.cfg.sticky_linger.is_zero() => pick_available(leaders, None),
                None => match (tq.sticky, tq.sticky_since) {
                    (Some(p), Some(since)) if p < count && enqueued.saturating_duration_since(since) < self.cfg.sticky_linger => p,
                    (old, _) => {
                        let p = pick_available(leaders, old.filter(|&o| o < count));
                        tq.sticky = Some(p);
                        tq.sticky_since = Some(enqueued);
                        p
                    }
                },
            },
        };
        if tq.partitions.len() < count as usize {
            tq.partitions.resize_with(count as usize, PartitionQueue::default);
        }
        let topic_name = tq.name.clone().unwrap_or_else(|| Arc::from(rec.topic.as_str()));
        let cfg = &self.cfg;
        let ts = rec.timestamp.unwrap_or_else(now_ms);
        let mut woke = false;
        let pq = &mut tq.partitions[partition as usize];
        let size = record_size(&rec);
        loop {
            let open = pq.open.get_or_insert_with(|| {
                woke = true;
                OpenBatch {
                    builder: BatchBuilder::new(ts, cfg.batch_size.min(64 * 1024)),
                    records: Vec::new(),
                    created: Instant::now(),
                }
            });
            if open.builder.try_append(ts, rec.key.as_deref(), rec.value.as_deref(), &rec.headers, cfg.batch_size) {
                open.records.push(PendingRecord {
                    key: rec.key,
                    value: rec.value,
                    headers: rec.headers,
                    timestamp: ts,
                    opaque: rec.opaque,
                    completion,
                    size,
                    enqueued,
                });
                let full = open.records.len() >= cfg.batch_num_messages || open.builder.size_estimate() >= cfg.batch_size;
                if full {
                    close_open(&topic_name, partition, pq);
                    if tq.sticky == Some(partition) {
                        tq.sticky = None;
                    }
                    woke = true;
                }
                return Ok(woke);
            }
            // The open batch is full: close it and retry in a fresh one (which always accepts).
            close_open(&topic_name, partition, pq);
            if tq.sticky == Some(partition) && rec.partition.is_none() && rec.key.is_none() {
                // KIP-480: a full batch moves the sticky partition on.
                let p = pick_available(leaders, Some(partition));
                tq.sticky = Some(p);
                tq.sticky_since = Some(enqueued);
                // A batch closed either way: the drain task must look.
                return self.place(tq, rec, completion, enqueued, count, leaders).map(|_| true);
            }
            woke = true;
        }
    }

    /// Places records that waited for metadata. Called by the drain task after a refresh.
    pub fn resolve_waiting(&self, client: &Client, now: Instant, out: &mut Outcomes) {
        let mut st = self.lock();
        let names: Vec<Arc<str>> = st.topics.iter().filter(|(_, t)| !t.waiting.is_empty()).map(|(k, _)| k.clone()).collect();
        for name in names {
            let info = client.topic(&name);
            let Some(tq) = st.topics.get_mut(&name) else { continue };
            let timeout = tq.settings.as_ref().map_or(self.cfg.message_timeout, |s| s.message_timeout);
            match info {
                Some(i) if i.error.is_none() && !i.leaders.is_empty() => {
                    let count = i.leaders.len() as i32;
                    while let Some((rec, completion, enqueued)) = tq.waiting.pop_front() {
                        if let Err((e, rec, completion)) = self.place(tq, rec, completion, enqueued, count, &i.leaders) {
                            out.fail_record(name.clone(), rec, completion, enqueued, &e);
                        }
                    }
                }
                other => {
                    // Fail records that waited longer than message.timeout.ms; a permanent
                    // topic error (authorization, invalid name) fails them now.
                    let permanent = other
                        .as_ref()
                        .and_then(|i| i.error)
                        .filter(|k| !k.is_retriable() && *k != ErrorKind::UnknownTopicOrPart);
                    while let Some((_, _, since)) = tq.waiting.front() {
                        let expired = !timeout.is_zero() && now.duration_since(*since) >= timeout;
                        if !expired && permanent.is_none() {
                            break;
                        }
                        if let Some((rec, completion, enqueued)) = tq.waiting.pop_front() {
                            let e = match permanent {
                                Some(k) => Error::new(k, format!("topic {:?}: {}", rec.topic, k.description())),
                                None => Error::new(
                                    ErrorKind::MsgTimedOut,
                                    format!(
                                        "message timed out: topic {:?} unknown or without leaders after {} ms",
                                        rec.topic,
                                        timeout.as_millis()
                                    ),
                                ),
                            };
                            out.fail_record(name.clone(), rec, completion, enqueued, &e);
                        }
                    }
                }
            }
        }
    }

    /// Closes what linger/flush say is due, expires what waited too long, and takes the
    /// batches that may be sent now.
    #[allow(clippy::too_many_arguments)]
    pub fn drain(
        &self,
        client: &Client,
        now: Instant,
        in_flight_limit: usize,
        allow_new_sequences: Option<(i64, i16)>,
        idempotent: bool,
        txn: Option<&super::transaction::TransactionManager>,
        out: &mut Outcomes,
    ) -> Drained {
        let mut st = self.lock();
        let linger = if st.flushing > 0 || st.closed { Duration::ZERO } else { self.cfg.linger };
        let mut drained = Drained { by_leader: HashMap::new(), next_deadline: None, need_metadata: Vec::new(), need_epoch_bump: false };
        let deadline = |d: Instant, dr: &mut Drained| {
            dr.next_deadline = Some(dr.next_deadline.map_or(d, |x| x.min(d)));
        };
        let mut expired_with_sequence = false;
        for (name, tq) in st.topics.iter_mut() {
            let timeout = tq.settings.as_ref().map_or(self.cfg.message_timeout, |s| s.message_timeout);
            if !tq.waiting.is_empty() {
                drained.need_metadata.push(name.to_string());
                if let Some((_, _, since)) = tq.waiting.front() {
                    if !timeout.is_zero() {
                        deadline(*since + timeout, &mut drained);
                    }
                }
            }
            for (p, pq) in tq.partitions.iter_mut().enumerate() {
                let p = p as i32;
                if let Some(open) = &pq.open {
                    let due = open.created + linger;
                    if due <= now {
                        // The sticky partition stays: it moves on with sticky.partitioning.linger.ms
                        // (librdkafka's rule), not with every linger window.
                        close_open(name, p, pq);
                    } else {
                        deadline(due, &mut drained);
                    }
                }
                // message.timeout.ms: expire from the front (oldest first), never reordering.
                if !timeout.is_zero() {
                    while let Some(front) = pq.ready.front() {
                        if now.duration_since(front.created) < timeout {
                            deadline(front.created + timeout, &mut drained);
                            break;
                        }
                        if let Some(b) = pq.ready.pop_front() {
                            if b.sequence.is_some() {
                                expired_with_sequence = true;
                            }
                            let e = Error::new(
                                ErrorKind::MsgTimedOut,
                                format!("message timed out after {} ms (message.timeout.ms) in {}[{p}]", timeout.as_millis(), name),
                            );
                            out.fail_batch(b, &e);
                        }
                    }
                }
                if pq.ready.is_empty() {
                    continue;
                }
                let Some(leader) = client.leader(name, p) else {
                    if !drained.need_metadata.iter().any(|t| t.as_str() == &**name) {
                        drained.need_metadata.push(name.to_string());
                    }
                    continue;
                };
                // One batch per partition per request; the sink sends one request per round.
                if pq.in_flight >= in_flight_limit {
                    continue;
                }
                let Some(front) = pq.ready.front() else { continue };
                if let Some(at) = front.retry_at {
                    if at > now {
                        deadline(at, &mut drained);
                        continue;
                    }
                }
                if idempotent && allow_new_sequences.is_none() {
                    // No id yet, or an epoch bump pending: nothing goes out until it is done.
                    continue;
                }
                // A transaction's partition sends once the coordinator has it (AddPartitionsToTxn).
                if txn.is_some_and(|t| !t.admit(name, p)) {
                    continue;
                }
                if idempotent && front.sequence.is_none() {
                    let Some((pid, epoch)) = allow_new_sequences else { continue };
                    if let Some(b) = pq.ready.front_mut() {
                        b.sequence = Some((pid, epoch, pq.next_sequence));
                        pq.next_sequence = pq.next_sequence.wrapping_add(b.record_count());
                    }
                }
                if let Some(b) = pq.ready.pop_front() {
                    pq.in_flight += 1;
                    drained.by_leader.entry(leader).or_default().push(b);
                }
            }
        }
        drained.need_epoch_bump = expired_with_sequence;
        drained
    }

    /// Puts batches back for a retry, in their original order.
    pub fn requeue(&self, batches: Vec<Batch>, backoff: Duration) {
        let mut st = self.lock();
        let at = Instant::now() + backoff;
        for mut b in batches {
            b.attempts += 1;
            b.retry_at = Some(at);
            let Some(pq) = st.topics.get_mut(&b.topic).and_then(|t| t.partitions.get_mut(b.partition as usize)) else {
                continue;
            };
            pq.in_flight = pq.in_flight.saturating_sub(1);
            // Ordered by sequence when numbered, else by creation time.
            let pos = pq
                .ready
                .iter()
                .position(|q| match (q.sequence, b.sequence) {
                    (Some((_, _, qs)), Some((_, _, bs))) => qs > bs,
                    (None, Some(_)) => true,
                    _ => q.created > b.created,
                })
                .unwrap_or(pq.ready.len());
            pq.ready.insert(pos, b);
        }
        drop(st);
        self.wake.notify_one();
    }

    /// A request finished for these partitions (successfully or with a final error).
    pub fn release(&self, topic: &str, partition: i32) {
        let mut st = self.lock();
        if let Some(pq) = st.topics.get_mut(topic).and_then(|t| t.partitions.get_mut(partition as usize)) {
            pq.in_flight = pq.in_flight.saturating_sub(1);
        }
        drop(st);
        self.wake.notify_one();
    }

    /// The broker wrote `b`: the partition's oldest unacknowledged sequence moves past it.
    pub fn acknowledge(&self, b: &Batch) {
        let mut st = self.lock();
        if let Some(pq) = st.topics.get_mut(&b.topic).and_then(|t| t.partitions.get_mut(b.partition as usize)) {
            pq.in_flight = pq.in_flight.saturating_sub(1);
            if let Some((_, _, seq)) = b.sequence {
                pq.acked_sequence = seq.wrapping_add(b.record_count());
            }
        }
        drop(st);
        // A free in-flight slot may let the partition's next batch go.
        self.wake.notify_one();
    }

    /// Whether `b` is the oldest batch of its partition the broker has not acknowledged: an
    /// out-of-order answer for it means the broker lost our sequence, not that one before failed.
    pub fn is_oldest_unacknowledged(&self, b: &Batch) -> bool {
        let st = self.lock();
        match (st.topics.get(&b.topic).and_then(|t| t.partitions.get(b.partition as usize)), b.sequence) {
            (Some(pq), Some((_, _, seq))) => pq.acked_sequence == seq,
            _ => true,
        }
    }

    /// New producer epoch: every partition's unacknowledged batches are renumbered from 0 when
    /// next sent. Only called with nothing in flight.
    pub fn reset_sequences(&self) {
        let mut st = self.lock();
        for tq in st.topics.values_mut() {
            for pq in &mut tq.partitions {
                pq.next_sequence = 0;
                pq.acked_sequence = 0;
                for b in &mut pq.ready {
                    if b.sequence.take().is_some() {
                        b.unstamped = b.encoded.take();
                    }
                }
            }
        }
    }

    /// Per topic: its partitions' figures and the records waiting for its metadata; the bytes
    /// of every queued record.
    pub fn figures(&self) -> (Vec<(Arc<str>, Vec<PartitionFigures>, u64)>, usize) {
        let st = self.lock();
        let topics = st
            .topics
            .iter()
            .map(|(name, tq)| {
                let parts = tq
                    .partitions
                    .iter()
                    .enumerate()
                    .map(|(i, pq)| {
                        let xmit: usize = pq.ready.iter().map(|b| b.records.len()).sum();
                        let open = pq.open.as_ref().map_or(0, |o| o.records.len());
                        PartitionFigures {
                            partition: i as i32,
                            msgq_cnt: (xmit + open) as u64,
                            xmit_msgq_cnt: xmit as u64,
                            txmsgs: pq.txmsgs,
                            txbytes: pq.txbytes,
                        }
                    })
                    .collect();
                (name.clone(), parts, tq.waiting.len() as u64)
            })
            .collect();
        (topics, st.queued_bytes)
    }

    pub fn total_in_flight(&self) -> usize {
        self.lock().topics.values().flat_map(|t| t.partitions.iter()).map(|p| p.in_flight).sum()
    }

    /// Gives `topic` its own settings (librdkafka's topic handle with a topic configuration):
    /// its partitioner and message.timeout.ms here, its acks and compression in the sink. The
    /// last call for a topic wins.
    pub fn set_topic_settings(&self, topic: &str, settings: TopicSettings) {
        let mut st = self.lock();
        topic_entry(&mut st.topics, topic).settings = Some(Arc::new(settings));
    }

    /// The settings a topic was given, if any.
    pub fn topic_settings(&self, topic: &str) -> Option<Arc<TopicSettings>> {
        self.lock().topics.get(topic).and_then(|t| t.settings.clone())
    }

    /// What a request about to go out watches: it changes when in-flight records are purged.
    pub fn purge_watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.purge_inflight.subscribe()
    }

    /// librdkafka's rd_kafka_purge: with `queue`, every record not yet sent (waiting for
    /// metadata, in an open batch, in a batch waiting to go or to be retried) fails with
    /// _PURGE_QUEUE into `out`; with `inflight`, requests waiting for an answer fail theirs with
    /// _PURGE_INFLIGHT (by their own tasks, at once). Returns whether a purged queued batch had
    /// a sequence number (the idempotent producer must then bump its epoch).
    pub fn purge(&self, queue: bool, inflight: bool, out: &mut Outcomes) -> bool {
        let mut numbered = false;
        if queue {
            let err = Error::new(ErrorKind::PurgeQueue, "purged from the producer queue before it was sent");
            let mut st = self.lock();
            for (name, tq) in st.topics.iter_mut() {
                while let Some((rec, completion, enqueued)) = tq.waiting.pop_front() {
                    out.fail_record(name.clone(), rec, completion, enqueued, &err);
                }
                tq.sticky = None;
                for (p, pq) in tq.partitions.iter_mut().enumerate() {
                    close_open(name, p as i32, pq);
                    while let Some(b) = pq.ready.pop_front() {
                        numbered |= b.sequence.is_some();
                        out.fail_batch(b, &err);
                    }
                }
            }
        }
        if inflight {
            self.purge_inflight.send_modify(|n| *n += 1);
        }
        numbered
    }

    /// Fails everything still queued (shutdown).
    pub fn fail_all(&self, err: &Error, out: &mut Outcomes) {
        let mut st = self.lock();
        for (name, tq) in st.topics.iter_mut() {
            while let Some((rec, completion, enqueued)) = tq.waiting.pop_front() {
                out.fail_record(name.clone(), rec, completion, enqueued, err);
            }
            for (p, pq) in tq.partitions.iter_mut().enumerate() {
                close_open(name, p as i32, pq);
                while let Some(b) = pq.ready.pop_front() {
                    out.fail_batch(b, err);
                }
            }
        }
    }

    /// Delivers outcomes (outside every lock), then updates the counters, so that a flush that
    /// sees the queue empty knows every report was already handed out.
    pub fn deliver(&self, mut out: Outcomes, reports: &crate::events::EventQueue) {
        if out.items.is_empty() {
            return;
        }
        let (n, bytes) = out.items.iter().fold((0usize, 0usize), |(n, b), it| (n + 1, b + it.rec.size));
        let failed = out.items.iter().filter(|o| o.result.is_err()).count() as u64;
        if failed > 0 {
            self.failed_records.fetch_add(failed, std::sync::atomic::Ordering::Relaxed);
        }
        // Deliveries per partition, counted before the records are handed out.
        let mut delivered: Vec<(Arc<str>, i32, u64, u64)> = Vec::new();
        for o in &out.items {
            if o.result.is_err() {
                continue;
            }
            let size = o.rec.size.saturating_sub(RECORD_OVERHEAD) as u64;
            match delivered.last_mut() {
                Some(d) if d.0 == o.topic && d.1 == o.partition => {
                    d.2 += 1;
                    d.3 += size;
                }
                _ => delivered.push((o.topic.clone(), o.partition, 1, size)),
            }
        }
        let mut queued = Vec::new();
        // One clock read for every report's latency.
        let now = Instant::now();
        for Outcome { topic, partition, rec, result, log_append_time, sent } in out.items.drain(..) {
            match rec.completion {
                Completion::Future(tx) => {
                    let _ = tx.send(result.map(|(offset, timestamp)| Delivery {
                        topic: topic.to_string(),
                        partition,
                        offset,
                        timestamp,
                    }));
                }
                Completion::Ignore => {}
                c => {
                    let status = persistence(&result, sent);
                    let (offset, timestamp, error) = match result {
                        Ok((o, t)) => (o, t, None),
                        Err(e) => (-1, rec.timestamp, Some(e)),
                    };
                    let timestamp_type = match (log_append_time, timestamp) {
                        (true, _) => TimestampType::LogAppendTime,
                        (false, t) if t < 0 => TimestampType::NotAvailable,
                        _ => TimestampType::CreateTime,
                    };
                    let report = DeliveryReport {
                        topic: topic.to_string(),
                        partition,
                        offset,
                        timestamp,
                        timestamp_type,
                        latency: now.saturating_duration_since(rec.enqueued),
                        status,
                        key: rec.key,
                        value: rec.value,
                        headers: rec.headers,
                        opaque: rec.opaque,
                        error,
                    };
                    match c {
                        Completion::Callback(f) => f(report),
                        _ => queued.push(report),
                    }
                }
            }
        }
        if !queued.is_empty() {
            reports.push_reports(queued);
        }
        let mut st = self.lock();
        st.queued = st.queued.saturating_sub(n);
        st.queued_bytes = st.queued_bytes.saturating_sub(bytes);
        for (topic, partition, msgs, bytes) in delivered {
            let pq = st.topics.get_mut(&topic).and_then(|t| t.partitions.get_mut(usize::try_from(partition).ok()?));
            if let Some(pq) = pq {
                pq.txmsgs += msgs;
                pq.txbytes += bytes;
            }
        }
        drop(st);
        self.progress.notify_waiters();
    }
}

pub(crate) struct FlushGuard<'a>(&'a Accumulator);

impl Drop for FlushGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.flushing = st.flushing.saturating_sub(1);
    }
}

fn topic_entry<'a>(topics: &'a mut HashMap<Arc<str>, TopicQueues>, name: &str) -> &'a mut TopicQueues {
    if !topics.contains_key(name) {
        let key: Arc<str> = Arc::from(name);
        topics.insert(key.clone(), TopicQueues { name: Some(key), ..Default::default() });
    }
    // Present: inserted just above when missing.
    topics.get_mut(name).unwrap_or_else(|| unreachable!())
}

fn close_open(topic: &Arc<str>, partition: i32, pq: &mut PartitionQueue) {
    if let Some(open) = pq.open.take() {
        if open.records.is_empty() {
            return;
        }
        pq.ready.push_back(Batch {
            topic: topic.clone(),
            partition,
            builder: open.builder,
            encoded: None,
            unstamped: None,
            records: open.records,
            created: open.created,
            attempts: 0,
            retry_at: None,
            sequence: None,
        });
    }
}

/// A random partition that has a leader, avoiding `not` when there is a choice.
fn pick_available(leaders: &[i32], not: Option<i32>) -> i32 {
    let n = leaders.len() as i32;
    if n <= 1 {
        return 0;
    }
    let mut rng = rand::thread_rng();
    let candidates: Vec<i32> = (0..n).filter(|p| leaders[*p as usize] >= 0 && Some(*p) != not).collect();
    if candidates.is_empty() {
        return rng.gen_range(0..n);
    }
    candidates[rng.gen_range(0..candidates.len())]
}
