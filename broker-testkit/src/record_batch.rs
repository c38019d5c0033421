//! Record batch (magic v2) parsing and validation, bytes only, no I/O.
//!
//! The broker stores producer batches verbatim: it only stamps the base offset (bytes 0..8) and the
//! partition leader epoch (bytes 12..16), both outside the CRC32C, which covers byte 21 (attributes) to
//! the end. Everything else is read here to validate the batch and to answer idempotence and
//! timestamp questions.

use bytes::{Bytes, BytesMut};

/// Size of the v2 batch header, up to and including the record count.
pub(crate) const HEADER_LEN: usize = 61;
/// Bytes before the `batchLength` field counts from (base offset + batch length).
const LOG_OVERHEAD: usize = 12;

const OFFSET_BATCH_LENGTH: usize = 8;
const OFFSET_MAGIC: usize = 16;
const OFFSET_CRC: usize = 17;
const OFFSET_ATTRIBUTES: usize = 21;
const OFFSET_LAST_OFFSET_DELTA: usize = 23;
const OFFSET_BASE_TIMESTAMP: usize = 27;
const OFFSET_MAX_TIMESTAMP: usize = 35;
const OFFSET_PRODUCER_ID: usize = 43;
const OFFSET_PRODUCER_EPOCH: usize = 51;
const OFFSET_BASE_SEQUENCE: usize = 53;
const OFFSET_RECORD_COUNT: usize = 57;

const ATTR_COMPRESSION_MASK: i16 = 0x07;
const ATTR_LOG_APPEND_TIME: i16 = 0x08;
const ATTR_TRANSACTIONAL: i16 = 0x10;
const ATTR_CONTROL: i16 = 0x20;

/// Why a batch was refused; the produce handler turns it into an error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BatchError {
    /// Structure or checksum is wrong: CORRUPT_MESSAGE (2).
    Corrupt(String),
    /// Well formed but not acceptable here: INVALID_RECORD (87).
    Invalid(String),
}

/// The header fields of one validated v2 batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchHeader {
    pub(crate) attributes: i16,
    pub(crate) last_offset_delta: i32,
    pub(crate) base_timestamp: i64,
    pub(crate) max_timestamp: i64,
    pub(crate) producer_id: i64,
    pub(crate) producer_epoch: i16,
    pub(crate) base_sequence: i32,
    pub(crate) record_count: i32,
}

impl BatchHeader {
    pub(crate) fn compression(&self) -> i16 {
        self.attributes & ATTR_COMPRESSION_MASK
    }
    pub(crate) fn is_transactional(&self) -> bool {
        self.attributes & ATTR_TRANSACTIONAL != 0
    }
    pub(crate) fn is_control(&self) -> bool {
        self.attributes & ATTR_CONTROL != 0
    }
    pub(crate) fn is_log_append_time(&self) -> bool {
        self.attributes & ATTR_LOG_APPEND_TIME != 0
    }
    /// Sequence of the last record; sequences wrap from i32::MAX to 0 as in Kafka.
    pub(crate) fn last_sequence(&self) -> i32 {
        let last = self.base_sequence as i64 + self.last_offset_delta as i64;
        (last % (i32::MAX as i64 + 1)) as i32
    }
}

fn i16_at(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}
fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

/// Reads the header of a batch whose length was already checked (at least [`HEADER_LEN`] bytes).
fn read_header(b: &[u8]) -> BatchHeader {
    BatchHeader {
        attributes: i16_at(b, OFFSET_ATTRIBUTES),
        last_offset_delta: i32_at(b, OFFSET_LAST_OFFSET_DELTA),
        base_timestamp: i64_at(b, OFFSET_BASE_TIMESTAMP),
        max_timestamp: i64_at(b, OFFSET_MAX_TIMESTAMP),
        producer_id: i64_at(b, OFFSET_PRODUCER_ID),
        producer_epoch: i16_at(b, OFFSET_PRODUCER_EPOCH),
        base_sequence: i32_at(b, OFFSET_BASE_SEQUENCE),
        record_count: i32_at(b, OFFSET_RECORD_COUNT),
    }
}

/// Validates the `records` field of one produce partition: exactly one v2 batch (Kafka refuses more
/// for produce v3+), lengths consistent, CRC32C right, and, when uncompressed, every record parses
/// with contiguous offset deltas. Compressed payloads are not opened here (only their header is
/// checked); the broker decompresses only what it must look inside (compacted topics).
pub(crate) fn validate_produce_batch(records: &[u8]) -> Result<BatchHeader, BatchError> {
    if records.len() < HEADER_LEN {
        return Err(BatchError::Corrupt(format!(
            "record set of {} bytes is shorter than a batch header",
            records.len()
        )));
    }
    let batch_length = i32_at(records, OFFSET_BATCH_LENGTH);
    let total = batch_length as i64 + LOG_OVERHEAD as i64;
    if batch_length < (HEADER_LEN - LOG_OVERHEAD) as i32 || total > records.len() as i64 {
        return Err(BatchError::Corrupt(format!(
            "batch length {batch_length} does not fit the {} bytes received",
            records.len()
        )));
    }
    if total < records.len() as i64 {
        return Err(BatchError::Invalid(
            "produce requests must carry exactly one record batch per partition".into(),
        ));
    }
    let magic = records[OFFSET_MAGIC];
    if magic != 2 {
        return Err(BatchError::Invalid(format!(
            "record batch magic {magic} is not supported (only v2)"
        )));
    }
    let stored_crc = i32_at(records, OFFSET_CRC) as u32;
    let crc = crc32c::crc32c(&records[OFFSET_ATTRIBUTES..]);
    if crc != stored_crc {
        return Err(BatchError::Corrupt(format!(
            "CRC32C mismatch: batch says {stored_crc:#010x}, computed {crc:#010x}"
        )));
    }
    let header = read_header(records);
    if header.record_count <= 0 {
        return Err(BatchError::Corrupt(format!(
            "record count {} must be positive",
            header.record_count
        )));
    }
    if header.last_offset_delta != header.record_count - 1 {
        return Err(BatchError::Corrupt(format!(
            "last offset delta {} does not match record count {}",
            header.last_offset_delta, header.record_count
        )));
    }
    if header.compression() > 4 {
        return Err(BatchError::Corrupt(format!(
            "unknown compression codec {}",
            header.compression()
        )));
    }
    if header.compression() == 0 {
        let mut count = 0i32;
        for record in RecordIter::new(&records[HEADER_LEN..]) {
            let record = record.map_err(BatchError::Corrupt)?;
            if record.offset_delta != count {
                return Err(BatchError::Corrupt(format!(
                    "record {count} has offset delta {}",
                    record.offset_delta
                )));
            }
            count += 1;
        }
        if count != header.record_count {
            return Err(BatchError::Corrupt(format!(
                "batch announces {} records but holds {count}",
                header.record_count
            )));
        }
    }
    Ok(header)
}

/// Copies a validated batch and stamps the offsets a broker owns: base offset and partition leader
/// epoch. Neither is covered by the CRC. The copy also frees the request frame the input points into.
pub(crate) fn stamp(records: &[u8], base_offset: i64, leader_epoch: i32) -> Bytes {
    let mut out = BytesMut::from(records);
    out[0..8].copy_from_slice(&base_offset.to_be_bytes());
    out[12..16].copy_from_slice(&leader_epoch.to_be_bytes());
    out.freeze()
}

/// One record of an uncompressed batch, as far as the broker needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordInfo<'a> {
    pub(crate) timestamp_delta: i64,
    pub(crate) offset_delta: i32,
    /// None for a null key.
    pub(crate) key: Option<&'a [u8]>,
    /// A tombstone on a compacted topic.
    pub(crate) value_is_null: bool,
    /// The whole encoded record, length prefix included: compaction copies kept ones verbatim
    /// (their deltas stay right as long as the batch keeps its base offset and timestamp).
    pub(crate) raw: &'a [u8],
}

/// Iterates the records of an uncompressed batch body (the bytes after [`HEADER_LEN`]). Every
/// length is checked against the remaining bytes, since the body comes from the network.
pub(crate) struct RecordIter<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> RecordIter<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        Self {
            rest: body,
            failed: false,
        }
    }
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = Result<RecordInfo<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        let result = parse_record(&mut self.rest);
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }
}

fn parse_record<'a>(buf: &mut &'a [u8]) -> Result<RecordInfo<'a>, String> {
    let start: &'a [u8] = buf;
    let length = read_varlong(buf)?;
    if length < 0 || length as u64 > buf.len() as u64 {
        return Err(format!(
            "record length {length} exceeds the {} bytes left",
            buf.len()
        ));
    }
    let (mut record, rest) = buf.split_at(length as usize);
    let raw = &start[..start.len() - rest.len()];
    *buf = rest;
    let _attributes = take(&mut record, 1)?;
    let timestamp_delta = read_varlong(&mut record)?;
    let offset_delta = read_varlong(&mut record)?;
    let offset_delta = i32::try_from(offset_delta).map_err(|_| "offset delta overflows".to_string())?;
    let key = nullable_bytes(&mut record, "key")?;
    let value_is_null = nullable_bytes(&mut record, "value")?.is_none();
    let headers = read_varlong(&mut record)?;
    if headers < 0 {
        return Err(format!("negative header count {headers}"));
    }
    for _ in 0..headers {
        let key_len = read_varlong(&mut record)?;
        if key_len < 0 {
            return Err("null header key".into());
        }
        take(&mut record, key_len as u64)?;
        skip_nullable_bytes(&mut record, "header value")?;
    }
    if !record.is_empty() {
        return Err(format!("{} stray bytes after a record", record.len()));
    }
    Ok(RecordInfo {
        timestamp_delta,
        offset_delta,
        key,
        value_is_null,
        raw,
    })
}

fn nullable_bytes<'a>(buf: &mut &'a [u8], what: &str) -> Result<Option<&'a [u8]>, String> {
    let len = read_varlong(buf)?;
    if len < -1 {
        return Err(format!("{what} length {len} is invalid"));
    }
    if len == -1 {
        return Ok(None);
    }
    take(buf, len as u64).map(Some)
}

fn take<'a>(buf: &mut &'a [u8], n: u64) -> Result<&'a [u8], String> {
    if n > buf.len() as u64 {
        return Err(format!("need {n} bytes, {} left", buf.len()));
    }
    let (head, rest) = buf.split_at(n as usize);
    *buf = rest;
    Ok(head)
}

fn skip_nullable_bytes(buf: &mut &[u8], what: &str) -> Result<(), String> {
    let len = read_varlong(buf)?;
    if len < -1 {
        return Err(format!("{what} length {len} is invalid"));
    }
    if len > 0 {
        take(buf, len as u64)?;
    }
    Ok(())
}

/// Zigzag varint as used inside records (up to 10 bytes).
fn read_varlong(buf: &mut &[u8]) -> Result<i64, String> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let Some((&b, rest)) = buf.split_first() else {
            return Err("truncated varint".into());
        };
        *buf = rest;
        value |= ((b & 0x7f) as u64) << (7 * i);
        if b < 0x80 {
            return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    Err("varint longer than 10 bytes".into())
}

/// A stored batch, as the log keeps it.
#[derive(Debug, Clone)]
pub(crate) struct StoredBatch {
    pub(crate) base_offset: i64,
    pub(crate) header: BatchHeader,
    pub(crate) data: Bytes,
    /// Compacted topics: when the tombstones of this batch may go (ms since the epoch), set by
    /// the first compaction that saw them (KIP-534).
    pub(crate) delete_horizon: Option<i64>,
}

/// A compacted copy of `original` (a stored batch) holding only `kept` of its records, copied
/// verbatim: same base offset, base timestamp, producer id, epoch, base sequence and last offset
/// delta (Kafka keeps the batch's last offset too, so the producer state and the log's
/// contiguity survive compaction); uncompressed; record count and max timestamp from what is
/// kept (for LogAppendTime the broker's timestamp stays, and an empty batch keeps its max
/// timestamp); CRC recomputed. `kept` may be empty: the log's last batch stays as an empty
/// batch, as Kafka keeps them.
pub(crate) fn rebuild(original: &[u8], kept: &[RecordInfo<'_>]) -> (Vec<u8>, BatchHeader) {
    let header = read_header(original);
    let body_len: usize = kept.iter().map(|r| r.raw.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + body_len);
    out.extend_from_slice(&original[..HEADER_LEN]);
    let attributes = header.attributes & !ATTR_COMPRESSION_MASK;
    let max_timestamp = if header.is_log_append_time() || kept.is_empty() {
        header.max_timestamp
    } else {
        let base = header.base_timestamp;
        kept.iter().map(|r| base.saturating_add(r.timestamp_delta)).max().unwrap_or(base)
    };
    out[OFFSET_BATCH_LENGTH..OFFSET_BATCH_LENGTH + 4].copy_from_slice(&((HEADER_LEN - LOG_OVERHEAD + body_len) as i32).to_be_bytes());
    out[OFFSET_ATTRIBUTES..OFFSET_ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
    out[OFFSET_MAX_TIMESTAMP..OFFSET_MAX_TIMESTAMP + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    out[OFFSET_RECORD_COUNT..OFFSET_RECORD_COUNT + 4].copy_from_slice(&(kept.len() as i32).to_be_bytes());
    for r in kept {
        out.extend_from_slice(r.raw);
    }
    let crc = crc32c::crc32c(&out[OFFSET_ATTRIBUTES..]);
    out[OFFSET_CRC..OFFSET_CRC + 4].copy_from_slice(&crc.to_be_bytes());
    let header = read_header(&out);
    (out, header)
}

/// Rewrites a validated batch for a LogAppendTime topic: the timestamp-type attribute set and
/// the broker's time as max timestamp (what consumers then report for every record), CRC
/// recomputed, as Kafka does.
pub(crate) fn set_log_append_time(records: &[u8], now_ms: i64) -> Vec<u8> {
    let mut out = records.to_vec();
    let attributes = read_header(records).attributes | ATTR_LOG_APPEND_TIME;
    out[OFFSET_ATTRIBUTES..OFFSET_ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
    out[OFFSET_MAX_TIMESTAMP..OFFSET_MAX_TIMESTAMP + 8].copy_from_slice(&now_ms.to_be_bytes());
    let crc = crc32c::crc32c(&out[OFFSET_ATTRIBUTES..]);
    out[OFFSET_CRC..OFFSET_CRC + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

impl StoredBatch {
    pub(crate) fn last_offset(&self) -> i64 {
        self.base_offset + self.header.last_offset_delta as i64
    }

    /// Offset and timestamp of the first record at or after offset `from` (the log start: a
    /// partly deleted batch keeps records below it) whose timestamp is >= `ts`, if any.
    pub(crate) fn first_at_or_after(&self, ts: i64, from: i64) -> Option<(i64, i64)> {
        if self.header.max_timestamp < ts || self.last_offset() < from {
            return None;
        }
        self.records().into_iter().find(|&(o, t)| o >= from && t >= ts)
    }

    /// Offset of the record carrying the batch max timestamp (as Kafka, also when the log start
    /// has moved past it).
    pub(crate) fn offset_of_max_timestamp(&self) -> i64 {
        self.records().into_iter().find(|&(_, t)| t == self.header.max_timestamp).map_or(self.base_offset, |(o, _)| o)
    }

    /// (offset, timestamp) of each record, compressed batches opened; LogAppendTime records all
    /// carry the broker's time. Stops at the first malformed record (cannot happen for validated
    /// batches); a batch that cannot be decompressed counts as its base offset at its max
    /// timestamp, which a client treats as "start reading here".
    fn records(&self) -> Vec<(i64, i64)> {
        let fallback = vec![(self.base_offset, self.header.max_timestamp)];
        let Ok(body) = crate::codecs::decompress(self.header.compression(), self.data.get(HEADER_LEN..).unwrap_or_default()) else {
            return fallback;
        };
        let append_time = self.header.is_log_append_time();
        let records: Vec<(i64, i64)> = RecordIter::new(&body)
            .map_while(Result::ok)
            .map(|r| {
                let t = if append_time { self.header.max_timestamp } else { self.header.base_timestamp.saturating_add(r.timestamp_delta) };
                (self.base_offset + r.offset_delta as i64, t)
            })
            .collect();
        if records.is_empty() {
            fallback
        } else {
            records
        }
    }
}

fn put_varlong(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        if z < 0x80 {
            out.push(z as u8);
            return;
        }
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
}

fn put_nullable(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            put_varlong(out, b.len() as i64);
            out.extend_from_slice(b);
        }
        None => put_varlong(out, -1),
    }
}

/// A record's (key, value), either possibly null.
pub(crate) type KeyValue<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Encodes an uncompressed v2 batch at base offset 0 (stamped when appended): records of (key,
/// value), without headers, `timestamp_step` ms apart from `base_timestamp`.
pub(crate) fn encode_batch(
    attributes: i16,
    producer_id: i64,
    epoch: i16,
    base_sequence: i32,
    base_timestamp: i64,
    timestamp_step: i64,
    records: &[KeyValue<'_>],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, (key, value)) in records.iter().enumerate() {
        let mut rec = vec![0u8];
        put_varlong(&mut rec, i as i64 * timestamp_step);
        put_varlong(&mut rec, i as i64);
        put_nullable(&mut rec, *key);
        put_nullable(&mut rec, *value);
        put_varlong(&mut rec, 0); // headers
        put_varlong(&mut body, rec.len() as i64);
        body.extend_from_slice(&rec);
    }
    let n = records.len() as i32;
    let mut b = Vec::with_capacity(HEADER_LEN + body.len());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&((HEADER_LEN - LOG_OVERHEAD + body.len()) as i32).to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    b.push(2);
    b.extend_from_slice(&[0; 4]); // crc, filled below
    b.extend_from_slice(&attributes.to_be_bytes());
    b.extend_from_slice(&(n - 1).to_be_bytes());
    b.extend_from_slice(&base_timestamp.to_be_bytes());
    b.extend_from_slice(&(base_timestamp + (n as i64 - 1).max(0) * timestamp_step).to_be_bytes());
    b.extend_from_slice(&producer_id.to_be_bytes());
    b.extend_from_slice(&epoch.to_be_bytes());
    b.extend_from_slice(&base_sequence.to_be_bytes());
    b.extend_from_slice(&n.to_be_bytes());
    b.extend_from_slice(&body);
    let crc = crc32c::crc32c(&b[OFFSET_ATTRIBUTES..]);
    b[OFFSET_CRC..OFFSET_CRC + 4].copy_from_slice(&crc.to_be_bytes());
    b
}

/// A transaction marker (Kafka's EndTransactionMarker): a control batch of one record whose key
/// is (version 0, type 0 abort / 1 commit) and value (version 0, coordinator epoch).
pub(crate) fn control_batch(producer_id: i64, epoch: i16, commit: bool, timestamp: i64) -> Vec<u8> {
    let key = [0u8, 0, 0, u8::from(commit)];
    let mut value = vec![0u8, 0];
    value.extend_from_slice(&0i32.to_be_bytes());
    encode_batch(
        ATTR_TRANSACTIONAL | ATTR_CONTROL,
        producer_id,
        epoch,
        -1,
        timestamp,
        0,
        &[(Some(&key), Some(&value))],
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds an uncompressed v2 batch the way a producer does, for tests: null keys, timestamps
    /// 10 ms apart.
    pub(crate) fn build_batch(
        producer_id: i64,
        epoch: i16,
        base_sequence: i32,
        base_timestamp: i64,
        values: &[&[u8]],
    ) -> Vec<u8> {
        let records: Vec<KeyValue<'_>> = values.iter().map(|v| (None, Some(*v))).collect();
        encode_batch(0, producer_id, epoch, base_sequence, base_timestamp, 10, &records)
    }

    #[test]
    fn accepts_a_well_formed_batch() {
        let b = build_batch(7, 1, 40, 1000, &[b"a", b"bb", b"ccc"]);
        let h = validate_produce_batch(&b).expect("valid");
        assert_eq!(h.record_count, 3);
        assert_eq!(h.producer_id, 7);
        assert_eq!(h.producer_epoch, 1);
        assert_eq!(h.base_sequence, 40);
        assert_eq!(h.last_sequence(), 42);
        assert_eq!(h.max_timestamp, 1020);
    }

    #[test]
    fn rejects_bad_crc() {
        let mut b = build_batch(-1, -1, -1, 0, &[b"x"]);
        let last = b.len() - 2;
        b[last] ^= 0xff;
        assert!(matches!(validate_produce_batch(&b), Err(BatchError::Corrupt(m)) if m.contains("CRC")));
    }

    #[test]
    fn stamping_keeps_the_crc_valid() {
        let b = build_batch(-1, -1, -1, 0, &[b"x", b"y"]);
        let stamped = stamp(&b, 123_456, 0);
        assert_eq!(i64_at(&stamped, 0), 123_456);
        assert!(validate_produce_batch(&stamped).is_ok());
    }

    #[test]
    fn rejects_truncated_and_overlong_and_wrong_magic() {
        let b = build_batch(-1, -1, -1, 0, &[b"hello"]);
        assert!(matches!(validate_produce_batch(&b[..30]), Err(BatchError::Corrupt(_))));
        assert!(matches!(validate_produce_batch(&b[..b.len() - 1]), Err(BatchError::Corrupt(_))));
        let mut two = b.clone();
        two.extend_from_slice(&b);
        assert!(matches!(validate_produce_batch(&two), Err(BatchError::Invalid(_))));
        let mut m = b.clone();
        m[OFFSET_MAGIC] = 1;
        assert!(matches!(validate_produce_batch(&m), Err(BatchError::Invalid(_))));
    }

    #[test]
    fn rejects_record_count_mismatch_even_with_a_valid_crc() {
        let mut b = build_batch(-1, -1, -1, 0, &[b"a", b"b"]);
        // Claim three records (and a matching last offset delta), then fix the CRC.
        b[OFFSET_RECORD_COUNT..OFFSET_RECORD_COUNT + 4].copy_from_slice(&3i32.to_be_bytes());
        b[OFFSET_LAST_OFFSET_DELTA..OFFSET_LAST_OFFSET_DELTA + 4].copy_from_slice(&2i32.to_be_bytes());
        let crc = crc32c::crc32c(&b[OFFSET_ATTRIBUTES..]);
        b[OFFSET_CRC..OFFSET_CRC + 4].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(validate_produce_batch(&b), Err(BatchError::Corrupt(m)) if m.contains("holds 2")));
    }

    #[test]
    fn record_timestamps_are_decoded() {
        let b = build_batch(-1, -1, -1, 1000, &[b"a", b"b", b"c"]);
        let header = validate_produce_batch(&b).expect("valid");
        let stored = StoredBatch {
            base_offset: 50,
            header,
            data: stamp(&b, 50, 0),
            delete_horizon: None,
        };
        assert_eq!(stored.first_at_or_after(0, 0), Some((50, 1000)));
        assert_eq!(stored.first_at_or_after(1005, 0), Some((51, 1010)));
        assert_eq!(stored.first_at_or_after(1020, 0), Some((52, 1020)));
        assert_eq!(stored.first_at_or_after(1021, 0), None);
        // Records below the log start are not found.
        assert_eq!(stored.first_at_or_after(0, 52), Some((52, 1020)));
        assert_eq!(stored.first_at_or_after(0, 53), None);
        assert_eq!(stored.offset_of_max_timestamp(), 52);
    }

    #[test]
    fn sequence_wraps_like_kafka() {
        let b = build_batch(1, 0, i32::MAX, 0, &[b"a", b"b"]);
        let h = validate_produce_batch(&b).expect("valid");
        assert_eq!(h.last_sequence(), 0);
    }
}
