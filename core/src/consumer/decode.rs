//! A fetched partition's record bytes to messages: batch skipping, CRC checks, and the
//! read_committed rules (KIP-98), apart from any state so they can be tested byte by byte.
//!
//! read_committed, as the Java client and librdkafka apply it:
//! - The broker answers up to the last stable offset (LSO) and lists the aborted transactions
//!   that overlap the answer: (producer id, first offset). A transactional batch whose producer
//!   has an aborted transaction that started at or before the batch's last offset is aborted and
//!   skipped; that producer's ABORT marker (a control batch) ends the skipping.
//! - Records at or past the LSO are never handed out (a broker should not send them; if one
//!   does, we stop there), and end-of-partition is the LSO, not the high watermark.
//! - Control batches (commit and abort markers) take offsets but are never messages.
//!
//! read_uncommitted hands out every data record up to the high watermark.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;

use super::{Message, Timestamp};
use crate::error::Error;
use crate::protocol::record::{split_batches, ControlRecordType};

/// What one partition's fetch answer says besides its records.
pub(crate) struct FetchedPartition<'a> {
    pub topic: &'a Arc<str>,
    pub partition: i32,
    /// The offset we asked for: records before it (fetch returns whole batches) are skipped.
    pub fetch_offset: i64,
    /// Where the application's view ends: the LSO with read_committed, else the high watermark.
    /// Negative when unknown (no limit applied).
    pub end_offset: i64,
    /// (producer id, first offset) of the aborted transactions, with read_committed; `None`
    /// with read_uncommitted (nothing is filtered).
    pub aborted: Option<Vec<(i64, i64)>>,
    pub check_crcs: bool,
}

/// The outcome: messages in offset order, the next fetch offset, and the error that stopped
/// decoding (a corrupt batch: the caller stops the partition rather than skip data).
pub(crate) struct Decoded {
    pub messages: Vec<Message>,
    pub next: i64,
    pub error: Option<Error>,
}

pub(crate) fn decode(fp: FetchedPartition<'_>, records: Option<Bytes>) -> Decoded {
    let mut out = Decoded { messages: Vec::new(), next: fp.fetch_offset, error: None };
    let Some(data) = records else { return out };
    let limit = if fp.end_offset >= 0 { fp.end_offset } else { i64::MAX };
    let mut txns = fp.aborted.map(AbortedTransactions::new);
    for batch in split_batches(data) {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        let h = &batch.header;
        if h.base_offset >= limit {
            break;
        }
        // Transaction bookkeeping sees every batch, also those before the fetch offset: an
        // abort marker there still ends its producer's aborted range.
        let aborted = match txns.as_mut() {
            Some(t) if h.producer_id >= 0 => {
                t.open_up_to(h.last_offset());
                if h.is_control() {
                    if is_abort_marker(&batch) {
                        t.close(h.producer_id);
                    }
                    false
                } else {
                    h.is_transactional() && t.is_aborted(h.producer_id)
                }
            }
            _ => false,
        };
        if h.last_offset() < out.next {
            continue;
        }
        if fp.check_crcs {
            if let Err(e) = batch.verify_crc() {
                out.error = Some(e);
                break;
            }
        }
        if aborted || h.is_control() {
            // Aborted records and transaction markers take offsets but are not messages.
            out.next = (h.last_offset() + 1).min(limit);
            continue;
        }
        let log_append = h.timestamp_type_log_append();
        let leader_epoch = (h.partition_leader_epoch >= 0).then_some(h.partition_leader_epoch);
        let recs = match batch.records() {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        for r in recs {
            if r.offset < out.next {
                // Fetch returns whole batches: skip what precedes the requested offset.
                continue;
            }
            if r.offset >= limit {
                return out;
            }
            out.next = r.offset + 1;
            out.messages.push(Message {
                topic: fp.topic.clone(),
                partition: fp.partition,
                offset: r.offset,
                key: r.key,
                value: r.value,
                headers: r.headers,
                timestamp: if log_append { Timestamp::LogAppendTime(r.timestamp) } else { Timestamp::CreateTime(r.timestamp) },
                leader_epoch,
            });
        }
        // Compacted-away offsets at the end of a batch still advance the position.
        out.next = out.next.max((h.last_offset() + 1).min(limit));
    }
    out
}

/// Whether a control batch holds an ABORT marker (its first record's key says so).
fn is_abort_marker(batch: &crate::protocol::record::RawBatch) -> bool {
    let Ok(mut records) = batch.iter_records() else { return false };
    matches!(
        records.next(),
        Some(Ok(r)) if r.key.as_deref().and_then(ControlRecordType::parse) == Some(ControlRecordType::Abort)
    )
}

/// The aborted transactions of one answer, opened as the batches reach their first offsets.
struct AbortedTransactions {
    /// (first offset, producer id), latest first, so the next to open is at the end.
    pending: Vec<(i64, i64)>,
    open: HashSet<i64>,
}

impl AbortedTransactions {
    fn new(list: Vec<(i64, i64)>) -> Self {
        let mut pending: Vec<(i64, i64)> = list.into_iter().map(|(pid, first)| (first, pid)).collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        AbortedTransactions { pending, open: HashSet::new() }
    }

    fn open_up_to(&mut self, last_offset: i64) {
        while let Some(&(first, pid)) = self.pending.last() {
            if first > last_offset {
                break;
            }
            self.open.insert(pid);
            self.pending.pop();
        }
    }

    fn is_aborted(&self, producer_id: i64) -> bool {
        self.open.contains(&producer_id)
    }

    fn close(&mut self, producer_id: i64) {
        self.open.remove(&producer_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::record::{BatchBuilder, BatchParams};

    /// One batch at `base` holding `values` (or a marker when `marker` is set), from `pid`.
    fn batch(base: i64, pid: i64, transactional: bool, marker: Option<i16>, values: &[&str]) -> Vec<u8> {
        let mut b = BatchBuilder::new(1_000, 256);
        match marker {
            // Control record: key = version 0, type; value = version 0, coordinator epoch 0.
            Some(kind) => {
                let key = [0u8, 0, (kind >> 8) as u8, kind as u8];
                assert!(b.try_append(1_000, Some(&key), Some(&[0, 0, 0, 0, 0, 0]), &[], usize::MAX));
            }
            None => {
                for v in values {
                    assert!(b.try_append(1_000, None, Some(v.as_bytes()), &[], usize::MAX));
                }
            }
        }
        let params = BatchParams {
            producer_id: pid,
            producer_epoch: if pid >= 0 { 0 } else { -1 },
            base_sequence: if pid >= 0 { 0 } else { -1 },
            transactional,
            control: marker.is_some(),
            ..BatchParams::default()
        };
        let mut bytes = b.finish(&params).expect("batch").to_vec();
        // The base offset lies outside the CRC's coverage: set it as a broker would.
        bytes[..8].copy_from_slice(&base.to_be_bytes());
        bytes
    }

    const ABORT: Option<i16> = Some(0);
    const COMMIT: Option<i16> = Some(1);

    /// Committed txn (pid 1), aborted txn (pid 2), a plain record, committed txn (pid 1), then
    /// an open transaction (pid 3) past the LSO.
    fn log() -> Bytes {
        let mut all = Vec::new();
        all.extend(batch(0, 1, true, None, &["c1", "c2"])); // 0-1
        all.extend(batch(2, 1, true, COMMIT, &[])); // 2
        all.extend(batch(3, 2, true, None, &["a1", "a2"])); // 3-4
        all.extend(batch(5, -1, false, None, &["plain"])); // 5
        all.extend(batch(6, 2, true, None, &["a3"])); // 6
        all.extend(batch(7, 2, true, ABORT, &[])); // 7
        all.extend(batch(8, 1, true, None, &["c3"])); // 8
        all.extend(batch(9, 1, true, COMMIT, &[])); // 9
        all.extend(batch(10, 3, true, None, &["open"])); // 10
        Bytes::from(all)
    }

    fn run(fetch_offset: i64, end_offset: i64, aborted: Option<Vec<(i64, i64)>>) -> (Vec<String>, i64) {
        let topic: Arc<str> = Arc::from("t");
        let fp = FetchedPartition { topic: &topic, partition: 0, fetch_offset, end_offset, aborted, check_crcs: true };
        let d = decode(fp, Some(log()));
        assert!(d.error.is_none(), "{:?}", d.error);
        let values = d.messages.iter().map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or(b"")).into_owned()).collect();
        (values, d.next)
    }

    #[test]
    fn read_committed_hides_aborted_and_stops_at_the_lso() {
        let (values, next) = run(0, 10, Some(vec![(2, 3)]));
        assert_eq!(values, ["c1", "c2", "plain", "c3"]);
        assert_eq!(next, 10, "the position ends at the LSO, not past the open transaction");
    }

    #[test]
    fn read_uncommitted_sees_everything_up_to_the_high_watermark() {
        let (values, next) = run(0, 11, None);
        assert_eq!(values, ["c1", "c2", "a1", "a2", "plain", "a3", "c3", "open"]);
        assert_eq!(next, 11);
    }

    #[test]
    fn a_fetch_starting_inside_an_aborted_transaction_still_skips_it() {
        // From offset 4 (the middle of pid 2's first batch): a3 at 6 is still aborted.
        let (values, next) = run(4, 10, Some(vec![(2, 3)]));
        assert_eq!(values, ["plain", "c3"]);
        assert_eq!(next, 10);
    }

    #[test]
    fn a_producer_aborting_twice_is_skipped_each_time_only() {
        let mut all = Vec::new();
        all.extend(batch(0, 7, true, None, &["x1"]));
        all.extend(batch(1, 7, true, ABORT, &[]));
        all.extend(batch(2, 7, true, None, &["ok"]));
        all.extend(batch(3, 7, true, COMMIT, &[]));
        all.extend(batch(4, 7, true, None, &["x2"]));
        all.extend(batch(5, 7, true, ABORT, &[]));
        let topic: Arc<str> = Arc::from("t");
        let fp = FetchedPartition {
            topic: &topic,
            partition: 0,
            fetch_offset: 0,
            end_offset: 6,
            aborted: Some(vec![(7, 0), (7, 4)]),
            check_crcs: true,
        };
        let d = decode(fp, Some(Bytes::from(all)));
        let values: Vec<_> = d.messages.iter().map(|m| m.value.clone().unwrap_or_default()).collect();
        assert_eq!(values, [Bytes::from_static(b"ok")]);
        assert_eq!(d.next, 6);
    }
}
