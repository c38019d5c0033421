//! The transactional producer (KIP-98, KIP-447; librdkafka's rdkafka_txnmgr.c is the model for
//! states and error classes).
//!
//! ```text
//!  Init ─init_transactions─► Ready ─begin─► InTransaction ─commit─► (flush, EndTxn) ─► Ready
//!                              ▲                 │  │                                    │
//!                              │                 │  └─ a delivery or Add... fails ─► Abortable
//!                              └──── abort ◄─────┴─────────────────────────────────────────┘
//!  any state ─ fenced (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) ─► Fatal: recreate the producer
//! ```
//!
//! Partitions join the transaction lazily: the drain step ([`TransactionManager::admit`]) lets a
//! partition's batches out only once AddPartitionsToTxn confirmed it; until then it is queued in
//! `pending`, and the drain task sends one AddPartitionsToTxn for all pending partitions
//! ([`TransactionManager::add_pending`]) before its next round. So a batch can never reach a
//! partition the coordinator does not know, which Kafka would refuse (INVALID_TXN_STATE).
//!
//! Errors carry librdkafka's classes as data: `fatal` (fenced: the producer is done),
//! `txn_requires_abort` (abort_transaction, then go on), or retriable (call again).

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::txn_offset_commit_request::{TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, GroupId, InitProducerIdRequest, ProducerId, TopicName,
    TransactionalId, TxnOffsetCommitRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::ProducerInner;
use crate::client::coordinator::CoordinatorKind;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;
use crate::net::Connection;

/// What the consumer's group says about its member, for send_offsets_to_transaction: the group
/// coordinator refuses offsets from a member that is no longer in the group (KIP-447), which is
/// what fences a zombie that lost its partitions (librdkafka's rd_kafka_consumer_group_metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    pub group_id: String,
    /// -1 when unknown (then the coordinator only checks the group).
    pub generation_id: i32,
    /// "" when unknown.
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

impl ConsumerGroupMetadata {
    /// Metadata naming only the group (no member checks), as producers without a consumer at
    /// hand send it (librdkafka's rd_kafka_consumer_group_metadata_new).
    pub fn for_group(group_id: impl Into<String>) -> Self {
        ConsumerGroupMetadata { group_id: group_id.into(), generation_id: -1, member_id: String::new(), group_instance_id: None }
    }
}

/// One offset to commit with the transaction: the next offset to read (last processed + 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub metadata: Option<String>,
    /// -1 when unknown.
    pub leader_epoch: i32,
}

#[derive(Debug, Clone)]
enum State {
    /// init_transactions not done yet.
    Init,
    Ready,
    InTransaction,
    /// The transaction can only be aborted.
    Abortable(Error),
    /// The producer can no longer be used.
    Fatal(Error),
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Init => "Init",
            State::Ready => "Ready",
            State::InTransaction => "InTransaction",
            State::Abortable(_) => "AbortableError",
            State::Fatal(_) => "FatalError",
        }
    }
}

struct Inner {
    state: State,
    /// Partitions AddPartitionsToTxn confirmed for the ongoing transaction.
    added: HashSet<(Arc<str>, i32)>,
    /// Partitions with records waiting to be added.
    pending: BTreeSet<(Arc<str>, i32)>,
    /// The coordinator knows of this transaction (something was added): EndTxn is due.
    on_broker: bool,
    /// Failed records counted when the transaction began.
    failed_at_begin: u64,
    coordinator: Option<Arc<Connection>>,
}

pub(crate) struct TransactionManager {
    pub(crate) id: String,
    timeout: Duration,
    inner: Mutex<Inner>,
    /// Serialises the application's calls (init, begin, send_offsets, commit, abort).
    calls: tokio::sync::Mutex<()>,
}

/// The producer was fenced: a newer instance with the same transactional.id exists, or the
/// coordinator aborted a transaction that outlived transaction.timeout.ms (librdkafka's _FENCED).
fn fenced(code: i16, context: &str) -> Error {
    let broker = Error::from_kafka(code, context);
    Error {
        kind: ErrorKind::Fenced,
        kafka_code: Some(code),
        message: format!("{}: this producer was fenced by a newer instance with the same transactional.id, or its transaction outlived transaction.timeout.ms", broker.message),
        fatal: true,
        txn_requires_abort: false,
    }
}

/// librdkafka's classes for a transaction API's error code: `Ok(true)` retry, `Ok(false)` none.
fn classify(code: i16, context: &str) -> Result<bool> {
    if code == 0 {
        return Ok(false);
    }
    let e = Error::from_kafka(code, context);
    match e.kind {
        ErrorKind::ProducerFenced | ErrorKind::InvalidProducerEpoch => Err(fenced(code, context)),
        ErrorKind::CoordinatorNotAvailable
        | ErrorKind::NotCoordinator
        | ErrorKind::CoordinatorLoadInProgress
        | ErrorKind::ConcurrentTransactions
        | ErrorKind::UnknownTopicOrPart
        | ErrorKind::UnstableOffsetCommit => Ok(true),
        ErrorKind::TransactionalIdAuthorizationFailed
        | ErrorKind::ClusterAuthorizationFailed
        | ErrorKind::InvalidTxnState
        | ErrorKind::InvalidTransactionTimeout
        | ErrorKind::UnsupportedVersion
        | ErrorKind::UnsupportedForMessageFormat => Err(e.fatal()),
        _ if e.kind.is_retriable() => Ok(true),
        _ => Err(e.abortable()),
    }
}

fn is_coordinator_change(code: i16) -> bool {
    matches!(ErrorKind::from_kafka_code(code), ErrorKind::NotCoordinator | ErrorKind::CoordinatorNotAvailable)
}

impl TransactionManager {
    pub(crate) fn new(id: String, timeout: Duration) -> Self {
        TransactionManager {
            id,
            timeout,
            inner: Mutex::new(Inner {
                state: State::Init,
                added: HashSet::new(),
                pending: BTreeSet::new(),
                on_broker: false,
                failed_at_begin: 0,
                coordinator: None,
            }),
            calls: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a batch of `topic`[`partition`] may be sent now. A partition not yet in the
    /// transaction is queued for AddPartitionsToTxn. Called by the drain step under the
    /// accumulator's lock (this lock is taken inside it, never the other way round).
    pub(crate) fn admit(&self, topic: &Arc<str>, partition: i32) -> bool {
        let mut g = self.lock();
        if g.added.contains(&(topic.clone(), partition)) {
            return true;
        }
        if matches!(g.state, State::InTransaction) {
            g.pending.insert((topic.clone(), partition));
        }
        false
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.lock().pending.is_empty()
    }

    /// Checks that a record may be sent now: only inside a transaction.
    pub(crate) fn check_send(&self) -> Result<()> {
        match &self.lock().state {
            State::InTransaction => Ok(()),
            State::Abortable(e) => Err(e.clone()),
            State::Fatal(e) => Err(e.clone()),
            other => Err(Error::new(
                ErrorKind::State,
                format!("a transactional producer sends only inside a transaction: call begin_transaction() first (state {})", other.name()),
            )),
        }
    }

    /// Moves to an error state (a fatal one is never left; an abortable one only by abort).
    fn fail(&self, inner: &ProducerInner, e: &Error) {
        let mut g = self.lock();
        if matches!(g.state, State::Fatal(_)) {
            return;
        }
        if e.fatal {
            g.state = State::Fatal(e.clone());
            drop(g);
            inner.client.events.error("TXNERR", e.clone());
        } else if e.txn_requires_abort && matches!(g.state, State::InTransaction) {
            g.state = State::Abortable(e.clone());
        }
    }

    /// A broker answered a batch of this transaction with a fencing error.
    pub(crate) fn fenced_by_produce(&self, inner: &ProducerInner, code: i16, context: &str) -> Error {
        let e = fenced(code, context);
        self.fail(inner, &e);
        e
    }

    async fn coordinator(&self, inner: &ProducerInner) -> Result<Arc<Connection>> {
        let cached = self.lock().coordinator.clone();
        if let Some(c) = cached.filter(|c| !c.is_closed()) {
            return Ok(c);
        }
        let c = inner.client.find_coordinator(CoordinatorKind::Transaction, &self.id).await?;
        self.lock().coordinator = Some(c.clone());
        Ok(c)
    }

    fn forget_coordinator(&self) {
        self.lock().coordinator = None;
    }

    /// Runs one coordinator request until it succeeds, fails for good, or `deadline` passes;
    /// `op` returns the broker's error code and its answer.
    async fn with_retries<T, F, Fut>(&self, inner: &ProducerInner, what: &str, deadline: tokio::time::Instant, op: F) -> Result<T>
    where
        F: Fn(Arc<Connection>) -> Fut,
        Fut: std::future::Future<Output = Result<(i16, T)>>,
    {
        let backoff = inner.config.common.retry_backoff.max(Duration::from_millis(10));
        loop {
            let attempt = match self.coordinator(inner).await {
                Ok(conn) => op(conn).await,
                Err(e) => Err(e),
            };
            let retry_error = match attempt {
                Ok((0, answer)) => return Ok(answer),
                Ok((code, _)) => {
                    if is_coordinator_change(code) {
                        self.forget_coordinator();
                    }
                    match classify(code, &format!("{what} (transactional.id {:?})", self.id)) {
                        Ok(_) => Error::from_kafka(code, what),
                        Err(e) => {
                            self.fail(inner, &e);
                            return Err(e);
                        }
                    }
                }
                Err(e) if e.is_retriable() || e.kafka_code.is_some_and(is_coordinator_change) => {
                    self.forget_coordinator();
                    e
                }
                Err(e) => return Err(e),
            };
            if tokio::time::Instant::now() + backoff >= deadline {
                return Err(Error::new(
                    ErrorKind::TimedOut,
                    format!("{what} timed out; last error: {retry_error} (retriable: call again)"),
                ));
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// InitProducerId for the transactional id: fences older instances and aborts what they left
    /// open. `bump` (KIP-360) keeps the producer id and bumps the epoch after lost sequences.
    async fn init_producer_id(&self, inner: &ProducerInner, deadline: tokio::time::Instant, bump: bool) -> Result<()> {
        let (pid, epoch) = if bump { inner.idempotence.ids() } else { (-1, -1) };
        let timeout_ms = i32::try_from(self.timeout.as_millis()).unwrap_or(i32::MAX);
        let id = self.id.clone();
        let (pid, epoch) = self
            .with_retries(inner, "InitProducerId", deadline, |conn| {
                let id = id.clone();
                async move {
                    let version = conn.version::<InitProducerIdRequest>(ours::INIT_PRODUCER_ID)?;
                    let bump = bump && version >= 3;
                    let req = InitProducerIdRequest::default()
                        .with_transactional_id(Some(TransactionalId(StrBytes::from_string(id))))
                        .with_transaction_timeout_ms(timeout_ms)
                        .with_producer_id(ProducerId(if bump { pid } else { -1 }))
                        .with_producer_epoch(if bump { epoch } else { -1 });
                    let resp = conn.send(&req, version).await?;
                    Ok((resp.error_code, (resp.producer_id.0, resp.producer_epoch)))
                }
            })
            .await?;
        if pid < 0 {
            return Err(Error::new(ErrorKind::Fatal, "InitProducerId returned no producer id").fatal());
        }
        inner.idempotence.set(pid, epoch);
        inner.acc.reset_sequences();
        inner.acc.wake.notify_one();
        Ok(())
    }

    /// init_transactions: gets the producer id and epoch for the transactional id. Call once,
    /// before anything else; a call after a timeout (retriable) resumes.
    pub(crate) async fn init(&self, inner: &ProducerInner, timeout: Duration) -> Result<()> {
        let _call = self.calls.lock().await;
        let deadline = crate::clock::tokio_deadline_after(timeout);
        match self.lock().state.clone() {
            State::Init => {}
            State::Fatal(e) => return Err(e),
            other => {
                return Err(Error::new(ErrorKind::State, format!("init_transactions was already called (state {})", other.name())))
            }
        }
        self.init_producer_id(inner, deadline, false).await?;
        self.lock().state = State::Ready;
        Ok(())
    }

    /// begin_transaction: local only; the coordinator learns of it with the first partition.
    pub(crate) fn begin(&self, inner: &ProducerInner) -> Result<()> {
        let mut g = self.lock();
        match &g.state {
            State::Ready => {}
            State::Init => {
                return Err(Error::new(ErrorKind::State, "call init_transactions() before begin_transaction()"));
            }
            State::InTransaction => return Err(Error::new(ErrorKind::State, "a transaction is already in progress")),
            State::Abortable(e) | State::Fatal(e) => return Err(e.clone()),
        }
        g.state = State::InTransaction;
        g.added.clear();
        g.pending.clear();
        g.on_broker = false;
        g.failed_at_begin = inner.acc.failed_records();
        Ok(())
    }

    /// Sends one AddPartitionsToTxn for every pending partition (the drain task calls this
    /// before its next round). Partitions confirmed may send; on a retriable error they stay
    /// pending; otherwise the transaction becomes abortable (or fatal).
    pub(crate) async fn add_pending(&self, inner: &ProducerInner) {
        let pending: Vec<(Arc<str>, i32)> = {
            let g = self.lock();
            if !matches!(g.state, State::InTransaction) {
                return;
            }
            g.pending.iter().cloned().collect()
        };
        if pending.is_empty() {
            return;
        }
        let (pid, epoch) = inner.idempotence.ids();
        let mut topics: Vec<AddPartitionsToTxnTopic> = Vec::new();
        for (t, p) in &pending {
            match topics.iter_mut().find(|x| x.name.0.as_str() == &**t) {
                Some(x) => x.partitions.push(*p),
                None => topics.push(
                    AddPartitionsToTxnTopic::default()
                        .with_name(TopicName(StrBytes::from_string(t.to_string())))
                        .with_partitions(vec![*p]),
                ),
            }
        }
        let result = async {
            let conn = self.coordinator(inner).await?;
            let version = conn.version::<AddPartitionsToTxnRequest>(ours::ADD_PARTITIONS_TO_TXN)?;
            let req = AddPartitionsToTxnRequest::default()
                .with_v3_and_below_transactional_id(TransactionalId(StrBytes::from_string(self.id.clone())))
                .with_v3_and_below_producer_id(ProducerId(pid))
                .with_v3_and_below_producer_epoch(epoch)
                .with_v3_and_below_topics(topics);
            conn.send(&req, version).await
        }
        .await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                // Transport trouble: try again next round, with the coordinator looked up again.
                inner.client.events.debug("eos", "ADDPARTS", || format!("AddPartitionsToTxn failed: {e}"));
                self.forget_coordinator();
                tokio::time::sleep(inner.config.common.retry_backoff).await;
                return;
            }
        };
        let mut retry = false;
        let mut confirmed = Vec::new();
        for t in &resp.results_by_topic_v3_and_below {
            for p in &t.results_by_partition {
                let context = format!("AddPartitionsToTxn {}[{}]", t.name.0.as_str(), p.partition_index);
                if is_coordinator_change(p.partition_error_code) {
                    self.forget_coordinator();
                }
                match classify(p.partition_error_code, &context) {
                    Ok(false) => confirmed.push((Arc::<str>::from(t.name.0.as_str()), p.partition_index)),
                    Ok(true) => retry = true,
                    // OPERATION_NOT_ATTEMPTED: another partition of the request failed.
                    Err(e) if e.kind == ErrorKind::OperationNotAttempted => retry = true,
                    Err(e) => {
                        self.fail(inner, &e);
                        return;
                    }
                }
            }
        }
        {
            let mut g = self.lock();
            for key in confirmed {
                g.pending.remove(&key);
                g.added.insert(key);
                g.on_broker = true;
            }
        }
        inner.acc.wake.notify_one();
        if retry {
            tokio::time::sleep(inner.config.common.retry_backoff).await;
        }
    }

    /// send_offsets_to_transaction: the consumer's offsets commit with the transaction.
    pub(crate) async fn send_offsets(
        &self,
        inner: &ProducerInner,
        offsets: &[TxnOffset],
        group: &ConsumerGroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        let _call = self.calls.lock().await;
        if group.group_id.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArg, "send_offsets_to_transaction: the group metadata has an empty group id"));
        }
        if let Some(bad) = offsets.iter().find(|o| o.offset < 0) {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                format!("send_offsets_to_transaction: {}[{}] has offset {}: an offset to commit must be >= 0", bad.topic, bad.partition, bad.offset),
            ));
        }
        self.check_in_transaction()?;
        if offsets.is_empty() {
            return Ok(()); // as librdkafka: nothing to send
        }
        let deadline = crate::clock::tokio_deadline_after(timeout);
        let (pid, epoch) = inner.idempotence.ids();
        let id = TransactionalId(StrBytes::from_string(self.id.clone()));
        let group_id = GroupId(StrBytes::from_string(group.group_id.clone()));
        self.with_retries(inner, "AddOffsetsToTxn", deadline, |conn| {
            let req = AddOffsetsToTxnRequest::default()
                .with_transactional_id(id.clone())
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_group_id(group_id.clone());
            async move {
                let version = conn.version::<AddOffsetsToTxnRequest>(ours::ADD_OFFSETS_TO_TXN)?;
                Ok((conn.send(&req, version).await?.error_code, ()))
            }
        })
        .await?;
        self.lock().on_broker = true;

        // TxnOffsetCommit goes to the group's coordinator.
        let mut topics: Vec<TxnOffsetCommitRequestTopic> = Vec::new();
        for o in offsets {
            let p = TxnOffsetCommitRequestPartition::default()
                .with_partition_index(o.partition)
                .with_committed_offset(o.offset)
                .with_committed_leader_epoch(o.leader_epoch)
                .with_committed_metadata(o.metadata.clone().map(StrBytes::from_string));
            match topics.iter_mut().find(|t| t.name.0.as_str() == o.topic) {
                Some(t) => t.partitions.push(p),
                None => topics.push(
                    TxnOffsetCommitRequestTopic::default()
                        .with_name(TopicName(StrBytes::from_string(o.topic.clone())))
                        .with_partitions(vec![p]),
                ),
            }
        }
        let req = TxnOffsetCommitRequest::default()
            .with_transactional_id(id)
            .with_group_id(group_id)
            .with_producer_id(ProducerId(pid))
            .with_producer_epoch(epoch)
            .with_generation_id(group.generation_id)
            .with_member_id(StrBytes::from_string(group.member_id.clone()))
            .with_group_instance_id(group.group_instance_id.clone().map(StrBytes::from_string))
            .with_topics(topics);
        let backoff = inner.config.common.retry_backoff.max(Duration::from_millis(10));
        let mut group_coordinator: Option<Arc<Connection>> = None;
        loop {
            let attempt = async {
                let conn = match group_coordinator.clone().filter(|c| !c.is_closed()) {
                    Some(c) => c,
                    None => inner.client.find_coordinator(CoordinatorKind::Group, &group.group_id).await?,
                };
                group_coordinator = Some(conn.clone());
                let version = conn.version::<TxnOffsetCommitRequest>(ours::TXN_OFFSET_COMMIT)?;
                conn.send(&req, version).await
            }
            .await;
            let mut retry_error = None;
            match attempt {
                Ok(resp) => {
                    for t in &resp.topics {
                        for p in &t.partitions {
                            let context = format!("TxnOffsetCommit {}[{}] for group {:?}", t.name.0.as_str(), p.partition_index, group.group_id);
                            if is_coordinator_change(p.error_code) {
                                group_coordinator = None;
                            }
                            match classify(p.error_code, &context) {
                                Ok(false) => {}
                                Ok(true) => retry_error = Some(Error::from_kafka(p.error_code, context)),
                                Err(e) => {
                                    self.fail(inner, &e);
                                    return Err(e);
                                }
                            }
                        }
                    }
                    if retry_error.is_none() {
                        return Ok(());
                    }
                }
                Err(e) if e.is_retriable() => {
                    group_coordinator = None;
                    retry_error = Some(e);
                }
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() + backoff >= deadline {
                let last = retry_error.map(|e| e.to_string()).unwrap_or_default();
                return Err(Error::new(ErrorKind::TimedOut, format!("TxnOffsetCommit timed out; last error: {last} (retriable: call again)")));
            }
            tokio::time::sleep(backoff).await;
        }
    }

    fn check_in_transaction(&self) -> Result<()> {
        match &self.lock().state {
            State::InTransaction => Ok(()),
            State::Abortable(e) | State::Fatal(e) => Err(e.clone()),
            other => Err(Error::new(ErrorKind::State, format!("no transaction in progress: call begin_transaction() first (state {})", other.name()))),
        }
    }

    async fn end(&self, inner: &ProducerInner, commit: bool, deadline: tokio::time::Instant) -> Result<()> {
        let (pid, epoch) = inner.idempotence.ids();
        let id = TransactionalId(StrBytes::from_string(self.id.clone()));
        self.with_retries(inner, if commit { "EndTxn(commit)" } else { "EndTxn(abort)" }, deadline, |conn| {
            let req = EndTxnRequest::default()
                .with_transactional_id(id.clone())
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_committed(commit);
            async move {
                let version = conn.version::<EndTxnRequest>(ours::END_TXN)?;
                Ok((conn.send(&req, version).await?.error_code, ()))
            }
        })
        .await
    }

    /// commit_transaction: delivers every record of the transaction, then commits it. Any
    /// record that failed makes it abortable. A timeout is retriable: call commit again.
    pub(crate) async fn commit(&self, producer: &super::Producer, timeout: Duration) -> Result<()> {
        let _call = self.calls.lock().await;
        let inner = &producer.inner;
        let deadline = crate::clock::tokio_deadline_after(timeout);
        self.check_in_transaction()?;
        // Flush, but give up early when the transaction turns abortable meanwhile (records of a
        // partition AddPartitionsToTxn refused would otherwise wait out the whole timeout).
        loop {
            let slice = deadline.saturating_duration_since(tokio::time::Instant::now()).min(Duration::from_millis(100));
            match producer.flush(slice).await {
                Ok(()) => break,
                Err(e) if e.kind == ErrorKind::TimedOut && tokio::time::Instant::now() < deadline => self.check_in_transaction()?,
                Err(e) => return Err(e),
            }
        }
        self.check_in_transaction()?;
        let failed = inner.acc.failed_records() - self.lock().failed_at_begin;
        if failed > 0 {
            let e = Error::new(
                ErrorKind::State,
                format!("{failed} record(s) of this transaction failed to be delivered (see their delivery reports): abort it"),
            )
            .abortable();
            self.fail(inner, &e);
            return Err(e);
        }
        if self.lock().on_broker {
            self.end(inner, true, deadline).await?;
        }
        let mut g = self.lock();
        g.state = State::Ready;
        g.added.clear();
        g.on_broker = false;
        Ok(())
    }

    /// abort_transaction: the records not sent yet fail with _PURGE_QUEUE, those in flight are
    /// awaited, then the transaction is aborted on the coordinator. After lost sequence
    /// numbers the epoch is bumped too, so the next transaction starts clean.
    pub(crate) async fn abort(&self, producer: &super::Producer, timeout: Duration) -> Result<()> {
        let _call = self.calls.lock().await;
        let inner = &producer.inner;
        let deadline = crate::clock::tokio_deadline_after(timeout);
        match self.lock().state.clone() {
            State::InTransaction | State::Abortable(_) => {}
            State::Fatal(e) => return Err(e),
            other => {
                return Err(Error::new(ErrorKind::State, format!("no transaction in progress to abort (state {})", other.name())))
            }
        }
        self.lock().pending.clear();
        let mut out = super::accumulator::Outcomes::default();
        let numbered = inner.acc.purge(true, false, &mut out);
        if numbered {
            inner.idempotence.request_bump();
        }
        inner.acc.deliver(out, &inner.client.events);
        producer.flush(timeout).await?;
        if self.lock().on_broker {
            self.end(inner, false, deadline).await?;
        }
        if inner.idempotence.needs_bump() {
            self.init_producer_id(inner, deadline, true).await?;
        }
        let mut g = self.lock();
        g.state = State::Ready;
        g.added.clear();
        g.on_broker = false;
        Ok(())
    }
}
