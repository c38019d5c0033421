//! Retention and compaction (Kafka's retention check and LogCleaner), on the broker's clock.
//!
//! Granularity is the batch where Kafka's is the segment: retention drops whole batches from the
//! front of the log, oldest first, and moves the log start offset to the first batch kept.
//! - cleanup.policy=delete (or compact,delete): a batch whose max timestamp is older than
//!   retention.ms goes, and old batches go while the partition holds more than retention.bytes.
//! - cleanup.policy=compact: below the last stable offset, and for batches older than
//!   min.compaction.lag.ms, only the newest record of each key is kept; records without a key go
//!   (produce refuses them on a compacted topic anyway). A tombstone (null value) is kept until
//!   delete.retention.ms after the first compaction that saw it (KIP-534's delete horizon), so a
//!   consumer that read the key's old value has that long to see the delete; a later compaction
//!   removes it. Kept records are copied verbatim into an uncompressed batch with the original
//!   base offset, base timestamp and producer fields, so offsets and timestamps do not change;
//!   a batch left empty is dropped. Transactional and control batches are left alone.
//!
//! [`run_cleaner`] runs this every log cleaner interval for partitions that changed;
//! `Cluster::clean_logs` (and SIGUSR1 to the standalone broker) runs it at once.

use std::collections::HashMap;
use std::time::Duration;

use super::{ClusterState, PartitionLog};
use crate::codecs;
use crate::configs::TopicConfigs;
use crate::record_batch::{self, RecordIter, StoredBatch, HEADER_LEN};


/// What one cleaner pass did, for tests and the broker's log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanerStats {
    /// Batches dropped by retention.
    pub batches_deleted: usize,
    /// Records removed by compaction (older values, tombstones past their horizon).
    pub records_compacted: usize,
}

/// The records of a stored batch, decompressed.
fn body(batch: &StoredBatch) -> Result<Vec<u8>, String> {
    codecs::decompress(batch.header.compression(), batch.data.get(HEADER_LEN..).unwrap_or_default())
}

impl PartitionLog {
    fn apply_retention(&mut self, configs: &TopicConfigs, now: i64, stats: &mut CleanerStats) {
        if !configs.deletes() {
            return;
        }
        let mut drop = 0;
        if let Some(ms) = configs.retention_ms() {
            let horizon = now.saturating_sub(ms);
            drop = self.batches.iter().take_while(|b| b.header.max_timestamp < horizon).count();
        }
        if let Some(limit) = configs.retention_bytes() {
            // As Kafka: a batch (its segment) goes only while what remains stays at or above
            // retention.bytes, so the partition never shrinks below the limit.
            let mut total: i64 = self.batches.iter().map(|b| b.data.len() as i64).sum();
            let mut by_size = 0;
            for b in &self.batches {
                let len = b.data.len() as i64;
                if total - len < limit {
                    break;
                }
                total -= len;
                by_size += 1;
            }
            drop = drop.max(by_size);
        }
        if drop == 0 {
            return;
        }
        let start = self.batches.get(drop).map_or(self.next_offset, |b| b.base_offset);
        stats.batches_deleted += drop;
        self.truncate_front(start);
    }

    /// Compacts the cleanable batches. Returns whether some batch was left for later (too young
    /// for min.compaction.lag.ms, or at or above the last stable offset): the partition then
    /// stays due for the next pass.
    fn compact(&mut self, configs: &TopicConfigs, now: i64, stats: &mut CleanerStats) -> Result<bool, String> {
        if !configs.compacted() {
            return Ok(false);
        }
        let stable = self.last_stable_offset();
        let lag_horizon = now.saturating_sub(configs.min_compaction_lag_ms());
        let permanent = |b: &StoredBatch| b.header.is_transactional() || b.header.is_control();
        let later = |b: &StoredBatch| b.base_offset >= stable || b.header.max_timestamp > lag_horizon;
        let cleanable = |b: &StoredBatch| !permanent(b) && !later(b);
        let deferred = self.batches.iter().any(|b| !permanent(b) && later(b));
        let bodies: Vec<Option<Vec<u8>>> = self
            .batches
            .iter()
            .map(|b| if b.header.is_control() { Ok(None) } else { body(b).map(Some) })
            .collect::<Result<_, _>>()?;
        // The newest offset of every key in the cleanable part, and the keys that batches not
        // cleaned here hold: a tombstone for one of those must stay, or the older value would
        // come back.
        let mut latest: HashMap<&[u8], i64> = HashMap::new();
        let mut held: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
        for (b, body) in self.batches.iter().zip(&bodies) {
            let Some(body) = body else { continue };
            for r in RecordIter::new(body) {
                let r = r?;
                let Some(key) = r.key else { continue };
                if cleanable(b) {
                    latest.insert(key, b.base_offset + i64::from(r.offset_delta));
                } else {
                    held.insert(key);
                }
            }
        }
        let delete_retention = configs.delete_retention_ms();
        let last = self.batches.len().saturating_sub(1);
        let mut rebuilt: Vec<StoredBatch> = Vec::with_capacity(self.batches.len());
        for (i, (b, body)) in self.batches.iter().zip(&bodies).enumerate() {
            let (Some(body), true) = (body, cleanable(b)) else {
                rebuilt.push(b.clone());
                continue;
            };
            let mut kept = Vec::new();
            let mut removed = 0;
            let mut has_tombstone = false;
            for r in RecordIter::new(body) {
                let r = r?;
                let offset = b.base_offset + i64::from(r.offset_delta);
                let newest = r.key.is_some_and(|k| latest.get(k) == Some(&offset));
                let expired_tombstone =
                    r.value_is_null && b.delete_horizon.is_some_and(|h| now >= h) && r.key.is_some_and(|k| !held.contains(k));
                if newest && !expired_tombstone {
                    has_tombstone |= r.value_is_null;
                    kept.push(r);
                } else {
                    removed += 1;
                }
            }
            stats.records_compacted += removed;
            // The horizon is set by the first pass that sees a tombstone, and cleared once the
            // batch holds none (or every later pass would open it again).
            let horizon = if has_tombstone { b.delete_horizon.or(Some(now.saturating_add(delete_retention))) } else { None };
            if removed == 0 {
                let mut same = b.clone();
                same.delete_horizon = horizon;
                rebuilt.push(same);
                continue;
            }
            // A batch left empty goes, except the last one: it ends the log at the high
            // watermark (Kafka keeps empty batches too), so a fetch there finds a batch to
            // step over instead of nothing, forever.
            if kept.is_empty() && i != last {
                continue;
            }
            let (data, header) = record_batch::rebuild(&b.data, &kept);
            rebuilt.push(StoredBatch { base_offset: b.base_offset, header, data: data.into(), delete_horizon: horizon });
        }
        self.batches = rebuilt;
        Ok(deferred)
    }

    /// Whether a periodic pass has anything to do here: new batches since the last one, or a
    /// tombstone horizon that has passed.
    fn needs_cleaning(&self, now: i64) -> bool {
        self.next_offset != self.cleaned_to || self.batches.iter().any(|b| b.delete_horizon.is_some_and(|h| now >= h))
    }
}

impl ClusterState {
    /// Runs retention and compaction on every partition (`force`), or on those that changed
    /// since the last pass.
    pub(crate) fn clean_logs(&self, force: bool) -> CleanerStats {
        let now = super::clock_ms();
        let mut stats = CleanerStats::default();
        let mut inner = self.inner();
        for (name, topic) in inner.topics.iter_mut() {
            let configs = topic.configs.clone();
            for (p, log) in topic.partitions.iter_mut().enumerate() {
                let retention_due = configs.deletes() && (configs.retention_ms().is_some() || configs.retention_bytes().is_some());
                if !(force || retention_due || log.needs_cleaning(now)) {
                    continue;
                }
                log.apply_retention(&configs, now, &mut stats);
                match log.compact(&configs, now, &mut stats) {
                    Ok(false) => log.cleaned_to = log.next_offset,
                    // Some batches were too young or not yet stable: due again next pass.
                    Ok(true) => {}
                    Err(e) => {
                        // A batch the broker cannot open stays as it is; the log is never lost.
                        eprintln!("ferrokafka-testkit: cannot compact {name}[{p}]: {e}");
                        log.cleaned_to = log.next_offset;
                    }
                }
            }
        }
        drop(inner);
        if stats != CleanerStats::default() {
            self.data_changed();
        }
        stats
    }
}

/// The periodic cleaner: a pass every `every` until the cluster shuts down.
pub(crate) async fn run_cleaner(cluster: std::sync::Arc<ClusterState>, every: Duration) {
    let mut shutdown = cluster.subscribe_shutdown();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = crate::server::stopped(&mut shutdown) => return,
        }
        cluster.clean_logs(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code as ec;
    use crate::record_batch::{encode_batch, KeyValue};
    use crate::state::{BrokerInfo, ClusterConfig, ReadLimits};

    fn cluster(configs: &[(&str, &str)]) -> ClusterState {
        let c = ClusterState::new(
            vec![BrokerInfo { node_id: 1, port: 9001 }],
            ClusterConfig {
                default_partitions: 1,
                auto_create_topics: false,
                initial_rebalance_delay: Duration::ZERO,
            },
        );
        let configs = TopicConfigs::from_pairs(configs.iter().map(|&(k, v)| (k, Some(v)))).expect("configs");
        c.create_topic_placed("t", 1, configs, None, false).expect("create");
        c
    }

    fn append(c: &ClusterState, timestamp: i64, records: &[KeyValue<'_>]) -> Result<i64, i16> {
        c.append(1, "t", 0, &encode_batch(0, -1, -1, -1, timestamp, 1, records)).map(|a| a.base_offset).map_err(|e| e.code)
    }

    /// (offset, key, value) of every record in the partition.
    fn contents(c: &ClusterState) -> Vec<(i64, String, Option<String>)> {
        let read = c.read(1, "t", 0, c.offsets(1, "t", 0).expect("offsets").1, ReadLimits::new(1 << 20, true, false)).expect("read");
        let mut out = Vec::new();
        for data in read.batches {
            let base = i64::from_be_bytes(data[..8].try_into().expect("8 bytes"));
            let crc = u32::from_be_bytes(data[17..21].try_into().expect("4 bytes"));
            assert_eq!(crc32c::crc32c(&data[21..]), crc, "every stored batch keeps a valid CRC");
            for r in RecordIter::new(&data[HEADER_LEN..]) {
                let r = r.expect("record");
                let key = String::from_utf8_lossy(r.key.unwrap_or_default()).into_owned();
                // The value is the raw record's tail; the tests use one-byte values or tombstones.
                let value = (!r.value_is_null).then(|| String::from_utf8_lossy(&r.raw[r.raw.len() - 2..r.raw.len() - 1]).into_owned());
                out.push((base + i64::from(r.offset_delta), key, value));
            }
        }
        out
    }

    #[test]
    fn compaction_keeps_the_newest_value_of_each_key_at_its_offset() {
        let c = cluster(&[("cleanup.policy", "compact"), ("delete.retention.ms", "0")]);
        let now = super::super::clock_ms() - 1000;
        append(&c, now, &[(Some(b"a"), Some(b"1")), (Some(b"b"), Some(b"1")), (Some(b"a"), Some(b"2"))]).expect("append");
        append(&c, now, &[(Some(b"b"), None), (Some(b"c"), Some(b"1"))]).expect("append");
        let stats = c.clean_logs(true);
        assert_eq!(stats.records_compacted, 2, "a=1 and b=1 are superseded");
        let kept = contents(&c);
        assert_eq!(
            kept,
            vec![(2, "a".into(), Some("2".into())), (3, "b".into(), None), (4, "c".into(), Some("1".into()))],
            "offsets never change; the tombstone stays for delete.retention.ms"
        );
        assert_eq!(c.offsets(1, "t", 0), Ok((5, 0)), "compaction moves neither end of the log");
        // The next pass is past the tombstone's horizon (delete.retention.ms=0): it goes.
        assert_eq!(c.clean_logs(true).records_compacted, 1);
        assert_eq!(contents(&c), vec![(2, "a".into(), Some("2".into())), (4, "c".into(), Some("1".into()))]);
        // Fetching from a removed offset returns the next record kept.
        let read = c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, false)).expect("read");
        assert!(!read.batches.is_empty());
    }

    #[test]
    fn the_last_batch_stays_when_compaction_empties_it() {
        let c = cluster(&[("cleanup.policy", "compact"), ("delete.retention.ms", "0")]);
        let then = super::super::clock_ms() - 1000;
        append(&c, then, &[(Some(b"a"), Some(b"1"))]).expect("append");
        append(&c, then, &[(Some(b"a"), None)]).expect("tombstone");
        c.clean_logs(true);
        c.clean_logs(true);
        assert_eq!(contents(&c), vec![], "a and its tombstone are gone");
        assert_eq!(c.offsets(1, "t", 0), Ok((2, 0)));
        // A fetch at the end of what was removed finds the empty batch to step over.
        let read = c.read(1, "t", 0, 1, ReadLimits::new(1 << 20, true, false)).expect("read");
        assert_eq!(read.batches.len(), 1);
        let header = record_batch::validate_produce_batch(&read.batches[0]).map(|h| (h.record_count, h.last_offset_delta));
        assert!(matches!(header, Ok((0, 0)) | Err(_)), "an empty batch: {header:?}");
        assert_eq!(i64::from_be_bytes(read.batches[0][..8].try_into().expect("8 bytes")), 1);
    }

    #[test]
    fn a_tombstone_stays_while_a_transactional_value_of_its_key_does() {
        use crate::state::ProducerRef;
        let c = cluster(&[("cleanup.policy", "compact"), ("delete.retention.ms", "0")]);
        let (producer_id, epoch) = c.init_transactional("tx", 60_000, None).expect("init");
        let p = ProducerRef { producer_id, epoch };
        c.add_partitions_to_txn("tx", p, &[("t".into(), 0)]).expect("add");
        let then = super::super::clock_ms() - 1000;
        c.append(1, "t", 0, &encode_batch(0x10, producer_id, epoch, 0, then, 1, &[(Some(b"k"), Some(b"1"))])).expect("txn append");
        c.end_txn("tx", p, true).expect("commit");
        append(&c, then, &[(Some(b"k"), None)]).expect("tombstone");
        append(&c, then, &[(Some(b"z"), Some(b"1"))]).expect("a later batch");
        c.clean_logs(true);
        c.clean_logs(true);
        // Transactional batches are not compacted here; removing the tombstone would bring k=1 back.
        let kept: Vec<(i64, String, Option<String>)> = contents(&c).into_iter().filter(|(_, k, _)| k == "k").collect();
        assert_eq!(kept, vec![(0, "k".into(), Some("1".into())), (2, "k".into(), None)]);
    }

    #[test]
    fn compaction_waits_for_min_compaction_lag() {
        let c = cluster(&[("cleanup.policy", "compact"), ("min.compaction.lag.ms", "3600000")]);
        let now = super::super::clock_ms();
        append(&c, now, &[(Some(b"a"), Some(b"1")), (Some(b"a"), Some(b"2"))]).expect("append");
        assert_eq!(c.clean_logs(true).records_compacted, 0);
        assert_eq!(contents(&c).len(), 2);
    }

    #[test]
    fn retention_drops_old_batches_from_the_front() {
        let c = cluster(&[("retention.ms", "60000")]);
        let now = super::super::clock_ms();
        append(&c, now - 120_000, &[(None, Some(b"1")), (None, Some(b"2"))]).expect("old");
        append(&c, now, &[(None, Some(b"3"))]).expect("new");
        let stats = c.clean_logs(false);
        assert_eq!(stats.batches_deleted, 1);
        assert_eq!(c.offsets(1, "t", 0), Ok((3, 2)), "the log starts at the first batch kept");
        assert_eq!(c.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, false)).map_err(|e| e.code), Err(ec::OFFSET_OUT_OF_RANGE));
    }

    #[test]
    fn retention_bytes_keeps_the_newest_batches_under_the_limit() {
        let c = cluster(&[("retention.bytes", "100")]);
        let now = super::super::clock_ms();
        for _ in 0..4 {
            append(&c, now, &[(None, Some(b"x"))]).expect("append");
        }
        // Each one-record batch is 70 bytes: as Kafka, the partition keeps at least the limit
        // (two batches, 140 bytes; one would leave 70 < 100).
        assert_eq!(c.clean_logs(false).batches_deleted, 2);
        assert_eq!(c.offsets(1, "t", 0), Ok((4, 2)));
    }

    #[test]
    fn topic_configs_govern_what_produce_accepts() {
        let compacted = cluster(&[("cleanup.policy", "compact")]);
        assert_eq!(append(&compacted, 0, &[(Some(b"k"), Some(b"v")), (None, Some(b"v"))]), Err(ec::INVALID_RECORD));
        assert_eq!(append(&compacted, 0, &[(Some(b"k"), None)]), Ok(0), "tombstones have keys");

        let small = cluster(&[("max.message.bytes", "100")]);
        assert_eq!(append(&small, 0, &[(None, Some(&[0u8; 200]))]), Err(ec::MESSAGE_TOO_LARGE));
        assert_eq!(append(&small, 0, &[(None, Some(b"v"))]), Ok(0));

        let stamped = cluster(&[("message.timestamp.type", "LogAppendTime")]);
        let before = super::super::clock_ms();
        let appended = stamped.append(1, "t", 0, &encode_batch(0, -1, -1, -1, 5, 1, &[(None, Some(b"v"))])).expect("append");
        assert!(appended.log_append_time >= before);
        let read = stamped.read(1, "t", 0, 0, ReadLimits::new(1 << 20, true, false)).expect("read");
        let header = record_batch::validate_produce_batch(&read.batches[0]).expect("valid after the rewrite");
        assert!(header.is_log_append_time());
        assert_eq!(header.max_timestamp, appended.log_append_time);
    }
}
