//! The transaction coordinator (Kafka's `TransactionCoordinator` and `TransactionStateManager`,
//! plus the partition-side producer state the markers change).
//!
//! ```text
//!            InitProducerId (epoch + 1)
//!   (none) ─────────────────────────────► Empty ◄──────────────────────────────┐
//!                                           │ AddPartitionsToTxn / AddOffsetsToTxn │
//!                                           ▼                                      │ the next
//!                                        Ongoing ── EndTxn(commit) ─► CompleteCommit ┤ Add...
//!                                           │  └──── EndTxn(abort), InitProducerId, ─► CompleteAbort
//!                                           │        or transaction.timeout.ms passed (epoch + 1: fenced)
//! ```
//!
//! Everything lives in the cluster's one `Inner` lock, beside the partition logs, so an EndTxn
//! writes every marker of the transaction atomically: there are no Prepare* states to recover
//! from, and an EndTxn is answered only when its markers are in the logs (Kafka answers after
//! the prepare record and writes markers asynchronously; a client cannot tell the difference,
//! except that here the last stable offset moves before the answer).
//!
//! Partition side: the first transactional batch of a producer opens its transaction on that
//! partition (`open_txns`: producer id -> first offset); the last stable offset is the smallest
//! open first offset, or the high watermark. A marker closes it; an abort marker also records
//! (producer id, first offset, marker offset) in `aborted`, from which read_committed fetches get
//! their aborted-transactions list. Transactional batches are verified as Kafka 3.8+ does by
//! default (transaction.partition.verification.enable): the partition must be in the producer's
//! ongoing transaction, at its current epoch, or the batch is refused.
//!
//! Offsets sent with TxnOffsetCommit wait in the transaction and reach the group only at commit.
//! While they wait, an OffsetFetch with require_stable gets UNSTABLE_OFFSET_COMMIT for them.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::{ClusterState, Inner, PartitionLog, ProducerWindow, LEADER_EPOCH};
use crate::error_code as ec;
use crate::group::CommittedOffset;
use crate::record_batch::{self, StoredBatch};

/// Kafka's transaction.max.timeout.ms default: a longer transaction.timeout.ms is refused.
pub(crate) const MAX_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(900);

/// Kafka's transaction states (the Prepare* ones never last here: see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxnState {
    Empty,
    Ongoing,
    CompleteCommit,
    CompleteAbort,
}

impl TxnState {
    /// Kafka's name (DescribeTransactions, ListTransactions).
    pub(crate) fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
        }
    }
}

/// A group offset waiting in a transaction: (group, topic, partition, offset).
type PendingOffset = (String, String, i32, CommittedOffset);

/// One transactional id.
#[derive(Debug, Clone)]
pub(crate) struct TxnMeta {
    pub(crate) producer_id: i64,
    pub(crate) epoch: i16,
    pub(crate) timeout: Duration,
    pub(crate) state: TxnState,
    /// Partitions of the ongoing transaction.
    pub(crate) partitions: BTreeSet<(String, i32)>,
    /// Groups added with AddOffsetsToTxn.
    pub(crate) groups: BTreeSet<String>,
    pending_offsets: Vec<PendingOffset>,
    /// When the ongoing transaction started (its first Add...): the timeout counts from here.
    started: Option<Instant>,
    /// The same moment in ms since the epoch, as DescribeTransactions reports it.
    pub(crate) started_ms: i64,
}

/// An aborted transaction on one partition, as read_committed fetches need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AbortedTxn {
    pub(crate) producer_id: i64,
    pub(crate) first_offset: i64,
    /// The offset of its abort marker.
    pub(crate) last_offset: i64,
}

/// The ids and the error that says a request names a stale or foreign producer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProducerRef {
    pub(crate) producer_id: i64,
    pub(crate) epoch: i16,
}


impl PartitionLog {
    /// Kafka's last stable offset: below it no transaction is open.
    pub(crate) fn last_stable_offset(&self) -> i64 {
        self.open_txns.values().copied().min().unwrap_or(self.next_offset)
    }

    /// The aborted transactions a read_committed fetch of [from, to) must know about.
    pub(crate) fn aborted_between(&self, from: i64, to: i64) -> Vec<AbortedTxn> {
        self.aborted
            .iter()
            .filter(|a| a.last_offset >= from && a.first_offset < to)
            .copied()
            .collect()
    }

    /// Appends a commit or abort marker for `producer_id` and closes its transaction here.
    fn write_marker(&mut self, producer_id: i64, epoch: i16, commit: bool) {
        let offset = self.next_offset;
        let encoded = record_batch::control_batch(producer_id, epoch, commit, super::clock_ms());
        let Ok(header) = record_batch::validate_produce_batch(&encoded) else {
            return; // cannot happen: we encoded it
        };
        self.batches.push(StoredBatch {
            base_offset: offset,
            header,
            data: record_batch::stamp(&encoded, offset, LEADER_EPOCH),
            delete_horizon: None,
        });
        self.next_offset += 1;
        // The marker makes the producer known here (DescribeProducers lists it), with no sequence.
        self.producers.entry(producer_id).or_insert_with(|| ProducerWindow::at_epoch(epoch));
        if let Some(first_offset) = self.open_txns.remove(&producer_id) {
            if !commit {
                self.aborted.push(AbortedTxn {
                    producer_id,
                    first_offset,
                    last_offset: offset,
                });
            }
        }
    }
}

/// Checks that a request comes from the transactional id's current producer.
fn check_producer(meta: &TxnMeta, producer: ProducerRef) -> Result<(), i16> {
    if producer.producer_id != meta.producer_id {
        return Err(ec::INVALID_PRODUCER_ID_MAPPING);
    }
    if producer.epoch != meta.epoch {
        return Err(ec::PRODUCER_FENCED);
    }
    Ok(())
}

/// Ends the ongoing transaction of `meta`: markers on every partition, offsets out (to apply to
/// their groups after the lock is released) on commit.
fn complete(inner: &mut Inner, txn_id: &str, commit: bool) -> Vec<PendingOffset> {
    let Some(meta) = inner.transactions.get_mut(txn_id) else {
        return Vec::new();
    };
    let partitions = std::mem::take(&mut meta.partitions);
    let offsets = std::mem::take(&mut meta.pending_offsets);
    meta.groups.clear();
    meta.started = None;
    meta.state = if commit { TxnState::CompleteCommit } else { TxnState::CompleteAbort };
    let (producer_id, epoch) = (meta.producer_id, meta.epoch);
    for (topic, partition) in partitions {
        let log = inner
            .topics
            .get_mut(&topic)
            .and_then(|t| usize::try_from(partition).ok().and_then(|p| t.partitions.get_mut(p)));
        // A topic deleted during the transaction has nothing left to mark.
        if let Some(log) = log {
            log.write_marker(producer_id, epoch, commit);
        }
    }
    if commit {
        offsets
    } else {
        Vec::new()
    }
}

/// Moves `meta` into Ongoing (starting its timeout) if it is not already; true if it was not.
fn start(meta: &mut TxnMeta) -> bool {
    if meta.state == TxnState::Ongoing {
        return false;
    }
    meta.state = TxnState::Ongoing;
    meta.started = Some(Instant::now());
    meta.started_ms = super::clock_ms();
    true
}

impl ClusterState {
    /// InitProducerId with a transactional id: the id's producer id with its epoch bumped (a new
    /// producer id at the first use or when the epoch would overflow), which fences every older
    /// instance. An ongoing transaction is aborted first. With `existing` (KIP-360, v3+) the
    /// caller must be the current producer, or it is fenced.
    pub(crate) fn init_transactional(
        &self,
        txn_id: &str,
        timeout_ms: i32,
        existing: Option<(i64, i16)>,
    ) -> Result<(i64, i16), i16> {
        let timeout = Duration::from_millis(u64::try_from(timeout_ms).unwrap_or(0));
        if timeout_ms <= 0 || timeout > MAX_TRANSACTION_TIMEOUT {
            return Err(ec::INVALID_TRANSACTION_TIMEOUT);
        }
        let mut inner = self.inner();
        if let (Some((pid, epoch)), Some(meta)) = (existing, inner.transactions.get(txn_id)) {
            // The current producer, or a retry of the InitProducerId that bumped it.
            let current = pid == meta.producer_id && (epoch == meta.epoch || epoch == meta.epoch - 1);
            if !current {
                return Err(ec::PRODUCER_FENCED);
            }
        }
        if inner.transactions.get(txn_id).is_some_and(|m| m.state == TxnState::Ongoing) {
            // Fence first (the markers carry the new epoch), as Kafka does.
            if let Some(meta) = inner.transactions.get_mut(txn_id) {
                meta.epoch = meta.epoch.saturating_add(1);
            }
            complete(&mut inner, txn_id, false);
        }
        let fresh = match inner.transactions.get(txn_id) {
            None => true,
            Some(meta) => meta.epoch >= i16::MAX - 1,
        };
        if fresh {
            let producer_id = inner.next_producer_id;
            inner.next_producer_id += 1;
            if let Some(old) = inner.transactions.get(txn_id) {
                let old_id = old.producer_id;
                inner.txn_by_pid.remove(&old_id);
            }
            inner.txn_by_pid.insert(producer_id, txn_id.to_string());
            inner.transactions.insert(
                txn_id.to_string(),
                TxnMeta {
                    producer_id,
                    epoch: 0,
                    timeout,
                    state: TxnState::Empty,
                    partitions: BTreeSet::new(),
                    groups: BTreeSet::new(),
                    pending_offsets: Vec::new(),
                    started: None,
                    started_ms: -1,
                },
            );
            return Ok((producer_id, 0));
        }
        let Some(meta) = inner.transactions.get_mut(txn_id) else {
            return Err(ec::COORDINATOR_NOT_AVAILABLE);
        };
        meta.epoch += 1;
        meta.timeout = timeout;
        meta.state = TxnState::Empty;
        Ok((meta.producer_id, meta.epoch))
    }

    /// AddPartitionsToTxn: per partition NONE, or UNKNOWN_TOPIC_OR_PARTITION for those that do not
    /// exist and OPERATION_NOT_ATTEMPTED for the rest (nothing is added then), as Kafka answers.
    pub(crate) fn add_partitions_to_txn(
        &self,
        txn_id: &str,
        producer: ProducerRef,
        partitions: &[(String, i32)],
    ) -> Result<Vec<i16>, i16> {
        let mut inner = self.inner();
        let exists: Vec<bool> = partitions
            .iter()
            .map(|(topic, p)| {
                inner
                    .topics
                    .get(topic)
                    .is_some_and(|t| usize::try_from(*p).is_ok_and(|p| p < t.partitions.len()))
            })
            .collect();
        let meta = inner.transactions.get_mut(txn_id).ok_or(ec::INVALID_PRODUCER_ID_MAPPING)?;
        check_producer(meta, producer)?;
        if exists.iter().any(|e| !e) {
            return Ok(exists
                .iter()
                .map(|&e| if e { ec::OPERATION_NOT_ATTEMPTED } else { ec::UNKNOWN_TOPIC_OR_PARTITION })
                .collect());
        }
        let started = start(meta);
        meta.partitions.extend(partitions.iter().cloned());
        drop(inner);
        if started {
            self.txn_timer.notify_one();
        }
        Ok(vec![ec::NONE; partitions.len()])
    }

    /// AddOffsetsToTxn: the group's offsets may now be sent with TxnOffsetCommit.
    pub(crate) fn add_offsets_to_txn(&self, txn_id: &str, producer: ProducerRef, group: &str) -> Result<(), i16> {
        let mut inner = self.inner();
        let meta = inner.transactions.get_mut(txn_id).ok_or(ec::INVALID_PRODUCER_ID_MAPPING)?;
        check_producer(meta, producer)?;
        let started = start(meta);
        meta.groups.insert(group.to_string());
        drop(inner);
        if started {
            self.txn_timer.notify_one();
        }
        Ok(())
    }

    /// TxnOffsetCommit: keeps the offsets in the transaction until it commits. The group must
    /// have been added with AddOffsetsToTxn (Kafka 3.8+ verifies it too).
    pub(crate) fn txn_offset_commit(
        &self,
        txn_id: &str,
        producer: ProducerRef,
        group: &str,
        offsets: Vec<(String, i32, CommittedOffset)>,
    ) -> Result<(), i16> {
        let mut inner = self.inner();
        let meta = inner.transactions.get_mut(txn_id).ok_or(ec::INVALID_PRODUCER_ID_MAPPING)?;
        check_producer(meta, producer)?;
        if meta.state != TxnState::Ongoing || !meta.groups.contains(group) {
            return Err(ec::INVALID_TXN_STATE);
        }
        for (topic, partition, offset) in offsets {
            meta.pending_offsets
                .retain(|(g, t, p, _)| !(g == group && *t == topic && *p == partition));
            meta.pending_offsets.push((group.to_string(), topic, partition, offset));
        }
        Ok(())
    }

    /// EndTxn: writes the markers and, on commit, hands the offsets to their groups. A retry of
    /// the EndTxn that completed the transaction succeeds again; anything else outside an ongoing
    /// transaction is INVALID_TXN_STATE.
    pub(crate) fn end_txn(&self, txn_id: &str, producer: ProducerRef, commit: bool) -> Result<(), i16> {
        let mut inner = self.inner();
        let meta = inner.transactions.get(txn_id).ok_or(ec::INVALID_PRODUCER_ID_MAPPING)?;
        check_producer(meta, producer)?;
        match (meta.state, commit) {
            (TxnState::Ongoing, _) => {}
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => return Ok(()),
            _ => return Err(ec::INVALID_TXN_STATE),
        }
        let offsets = complete(&mut inner, txn_id, commit);
        drop(inner);
        self.apply_txn_offsets(offsets);
        self.data_changed();
        Ok(())
    }

    fn apply_txn_offsets(&self, offsets: Vec<PendingOffset>) {
        for (group, topic, partition, offset) in offsets {
            self.coordinator.commit_transactional(&group, &topic, partition, offset);
        }
    }

    /// Aborts (and fences: epoch + 1, as Kafka does) every transaction open longer than its
    /// transaction.timeout.ms. Returns when the next one would time out.
    pub(crate) fn expire_transactions(&self, now: Instant) -> Option<Instant> {
        let mut inner = self.inner();
        let expired: Vec<String> = inner
            .transactions
            .iter()
            .filter(|(_, m)| m.state == TxnState::Ongoing && m.started.is_some_and(|s| now >= s + m.timeout))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            if let Some(meta) = inner.transactions.get_mut(id) {
                meta.epoch = meta.epoch.saturating_add(1);
            }
            complete(&mut inner, id, false);
        }
        let next = inner
            .transactions
            .values()
            .filter(|m| m.state == TxnState::Ongoing)
            .filter_map(|m| m.started.map(|s| s + m.timeout))
            .min();
        drop(inner);
        if !expired.is_empty() {
            self.data_changed();
        }
        next
    }

    /// Whether a transaction holds an uncommitted offset for this group partition (OffsetFetch
    /// with require_stable answers UNSTABLE_OFFSET_COMMIT then).
    pub(crate) fn has_pending_txn_offset(&self, group: &str, topic: &str, partition: i32) -> bool {
        let inner = self.inner();
        inner.transactions.values().any(|m| {
            m.pending_offsets
                .iter()
                .any(|(g, t, p, _)| g == group && t == topic && *p == partition)
        })
    }

    /// Every transactional id and its state (DescribeTransactions, ListTransactions, tests).
    pub(crate) fn transactions(&self) -> Vec<(String, TxnMeta)> {
        let inner = self.inner();
        let mut all: Vec<(String, TxnMeta)> =
            inner.transactions.iter().map(|(id, m)| (id.clone(), m.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

/// Partition-side check of a transactional batch (called under the lock, before the append):
/// the producer's transaction must be ongoing at this epoch and include the partition.
pub(super) fn verify_transactional_batch(
    transactions: &HashMap<String, TxnMeta>,
    txn_by_pid: &HashMap<i64, String>,
    topic: &str,
    partition: i32,
    producer: ProducerRef,
) -> Result<(), (i16, String)> {
    let meta = txn_by_pid
        .get(&producer.producer_id)
        .and_then(|id| transactions.get(id))
        .ok_or_else(|| {
            (
                ec::INVALID_PRODUCER_ID_MAPPING,
                format!("producer id {} has no transactional id", producer.producer_id),
            )
        })?;
    if producer.epoch < meta.epoch {
        return Err((
            ec::INVALID_PRODUCER_EPOCH,
            format!("producer epoch {} is older than the current {}", producer.epoch, meta.epoch),
        ));
    }
    if meta.state != TxnState::Ongoing || !meta.partitions.contains(&(topic.to_string(), partition)) {
        return Err((
            ec::INVALID_TXN_STATE,
            format!("{topic}[{partition}] was not added to the transaction (AddPartitionsToTxn)"),
        ));
    }
    Ok(())
}

/// The transaction timeout clock: sleeps until the next ongoing transaction times out (or a new
/// one starts), aborts what expired, until the cluster shuts down.
pub(crate) async fn run_timers(cluster: std::sync::Arc<ClusterState>) {
    let mut shutdown = cluster.subscribe_shutdown();
    loop {
        let next = cluster.expire_transactions(Instant::now());
        let sleep = async {
            match next {
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => {}
            _ = cluster.txn_timer.notified() => {}
            _ = crate::server::stopped(&mut shutdown) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record_batch::encode_batch;
    use crate::state::{BrokerInfo, ClusterConfig, ReadLimits};

    fn cluster() -> ClusterState {
        let c = ClusterState::new(
            vec![BrokerInfo { node_id: 1, port: 9001 }],
            ClusterConfig {
                default_partitions: 1,
                auto_create_topics: false,
                initial_rebalance_delay: Duration::ZERO,
            },
        );
        c.create_topic("t", 2, false).expect("create");
        c
    }

    /// A transactional batch of `n` records from `producer` at `sequence`.
    fn txn_batch(producer: ProducerRef, sequence: i32, n: usize) -> Vec<u8> {
        let records: Vec<crate::record_batch::KeyValue<'_>> = (0..n).map(|_| (None, Some(&b"v"[..]))).collect();
        encode_batch(0x10, producer.producer_id, producer.epoch, sequence, 0, 1, &records)
    }

    fn init(c: &ClusterState, id: &str) -> ProducerRef {
        let (producer_id, epoch) = c.init_transactional(id, 60_000, None).expect("init");
        ProducerRef { producer_id, epoch }
    }

    #[test]
    fn commit_and_abort_write_markers_and_move_the_last_stable_offset() {
        let c = cluster();
        let p = init(&c, "tx");
        // Not added yet: refused, as Kafka's partition verification does.
        let refused = c.append(1, "t", 0, &txn_batch(p, 0, 2)).map_err(|e| e.code);
        assert_eq!(refused, Err(ec::INVALID_TXN_STATE));
        assert_eq!(c.add_partitions_to_txn("tx", p, &[("t".into(), 0)]), Ok(vec![ec::NONE]));
        assert_eq!(c.append(1, "t", 0, &txn_batch(p, 0, 2)).map(|a| a.base_offset), Ok(0));
        let open = c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, true)).expect("read");
        assert_eq!((open.last_stable_offset, open.high_watermark, open.batches.len()), (0, 2, 0));
        assert_eq!(c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, false)).map(|r| r.batches.len()), Ok(1));
        assert_eq!(c.list_offset(1, "t", 0, -1, true), Ok((-1, 0)));
        c.end_txn("tx", p, false).expect("abort");
        // Abort marker at offset 2; the aborted range is reported to read_committed fetches.
        let after = c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, true)).expect("read");
        assert_eq!((after.last_stable_offset, after.high_watermark, after.batches.len()), (3, 3, 2));
        assert_eq!(after.aborted, vec![AbortedTxn { producer_id: p.producer_id, first_offset: 0, last_offset: 2 }]);
        // A retried abort succeeds, a commit now is out of place.
        assert_eq!(c.end_txn("tx", p, false), Ok(()));
        assert_eq!(c.end_txn("tx", p, true), Err(ec::INVALID_TXN_STATE));

        c.add_partitions_to_txn("tx", p, &[("t".into(), 0), ("t".into(), 1)]).expect("add");
        c.append(1, "t", 0, &txn_batch(p, 2, 1)).expect("append");
        c.end_txn("tx", p, true).expect("commit");
        let committed = c.read(1, "t", 0, 3, ReadLimits::new(1 << 20, true, true)).expect("read");
        assert_eq!((committed.last_stable_offset, committed.batches.len()), (5, 2));
        assert!(committed.aborted.is_empty(), "the old abort lies before the fetch offset");
        // Partition 1 got a marker although nothing was written there, as in Kafka.
        assert_eq!(c.offsets(1, "t", 1), Ok((1, 0)));
    }

    #[test]
    fn a_new_instance_fences_the_old_one_and_aborts_its_transaction() {
        let c = cluster();
        let old = init(&c, "tx");
        c.add_partitions_to_txn("tx", old, &[("t".into(), 0)]).expect("add");
        c.append(1, "t", 0, &txn_batch(old, 0, 1)).expect("append");
        let new = init(&c, "tx");
        // Kafka bumps twice here: once to fence (the abort markers carry it), once for the new
        // instance.
        assert_eq!((new.producer_id, new.epoch), (old.producer_id, old.epoch + 2));
        // The open transaction was aborted: nothing committed, the log is stable again.
        let r = c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, true)).expect("read");
        assert_eq!((r.last_stable_offset, r.aborted.len()), (2, 1));
        assert_eq!(c.add_partitions_to_txn("tx", old, &[("t".into(), 0)]), Err(ec::PRODUCER_FENCED));
        assert_eq!(c.end_txn("tx", old, true), Err(ec::PRODUCER_FENCED));
        assert_eq!(c.init_transactional("tx", 1000, Some((old.producer_id, old.epoch - 1))), Err(ec::PRODUCER_FENCED));
        c.add_partitions_to_txn("tx", new, &[("t".into(), 0)]).expect("add");
        let stale = c.append(1, "t", 0, &txn_batch(old, 1, 1)).map_err(|e| e.code);
        assert_eq!(stale, Err(ec::INVALID_PRODUCER_EPOCH));
        assert_eq!(c.init_transactional("tx", 900_001, None), Err(ec::INVALID_TRANSACTION_TIMEOUT));
    }

    #[test]
    fn offsets_reach_the_group_only_when_the_transaction_commits() {
        let c = cluster();
        let p = init(&c, "tx");
        let offset = |o| CommittedOffset { offset: o, leader_epoch: -1, metadata: String::new() };
        // Not added with AddOffsetsToTxn first.
        assert_eq!(c.txn_offset_commit("tx", p, "g", vec![("t".into(), 0, offset(5))]), Err(ec::INVALID_TXN_STATE));
        c.add_offsets_to_txn("tx", p, "g").expect("add offsets");
        c.txn_offset_commit("tx", p, "g", vec![("t".into(), 0, offset(5))]).expect("txn commit");
        assert!(c.has_pending_txn_offset("g", "t", 0));
        assert_eq!(c.coordinator.committed_offset("g", "t", 0), None);
        c.end_txn("tx", p, false).expect("abort");
        assert!(!c.has_pending_txn_offset("g", "t", 0));
        assert_eq!(c.coordinator.committed_offset("g", "t", 0), None);
        c.add_offsets_to_txn("tx", p, "g").expect("add offsets");
        c.txn_offset_commit("tx", p, "g", vec![("t".into(), 0, offset(7))]).expect("txn commit");
        c.end_txn("tx", p, true).expect("commit");
        assert_eq!(c.coordinator.committed_offset("g", "t", 0), Some(7));
    }

    #[test]
    fn a_transaction_past_its_timeout_is_aborted_and_its_producer_fenced() {
        let c = cluster();
        let (producer_id, epoch) = c.init_transactional("tx", 50, None).expect("init");
        let p = ProducerRef { producer_id, epoch };
        c.add_partitions_to_txn("tx", p, &[("t".into(), 0)]).expect("add");
        c.append(1, "t", 0, &txn_batch(p, 0, 1)).expect("append");
        let deadline = c.expire_transactions(Instant::now()).expect("a deadline");
        assert!(c.expire_transactions(deadline - Duration::from_millis(1)).is_some(), "not yet");
        assert_eq!(c.expire_transactions(deadline), None);
        assert_eq!(c.end_txn("tx", p, true), Err(ec::PRODUCER_FENCED));
        let r = c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, true)).expect("read");
        assert_eq!((r.last_stable_offset, r.aborted.len()), (2, 1));
        assert_eq!(c.transactions()[0].1.state, TxnState::CompleteAbort);
    }
}
