//! Record batch v2 (magic 2, Kafka >= 0.11): building, re-stamping, splitting and decoding.
//! Bytes only, no I/O.
//!
//! Layout (big-endian; see Kafka's `DefaultRecordBatch.java`):
//! ```text
//!  0 baseOffset i64 | 8 batchLength i32 (bytes after this field) | 12 partitionLeaderEpoch i32
//! 16 magic i8 | 17 crc u32 (CRC32C of bytes 21..end) | 21 attributes i16 | 23 lastOffsetDelta i32
//! 27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 | 51 producerEpoch i16
//! 53 baseSequence i32 | 57 recordCount i32 | 61 records (compressed as one blob when a codec is set)
//! ```
//! Attributes: bits 0-2 codec, bit 3 LogAppendTime, bit 4 transactional, bit 5 control.
//! Because the CRC starts at byte 21, base offset, length and leader epoch can be stamped (by a
//! broker) without recomputing it; producer id/epoch/sequence are covered, hence [`restamp`].
//!
//! Record: `length varint | attributes i8 | timestampDelta varlong | offsetDelta varint |
//! keyLength varint (-1 = null) | key | valueLength varint | value | headerCount varint |
//! headers (keyLength varint, key, valueLength varint (-1 = null), value)`. Varints are zigzag.
//!
//! Decoding never trusts the input: every length is checked against what is left, varints are
//! bounded to 5/10 bytes, counts never size an allocation beyond what the bytes could hold, and
//! any violation is an `Err` of kind [`ErrorKind::BadMsg`] saying what was wrong.

use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::protocol::compression::{self, Compression};

/// Size of the batch header before the first record.
pub const BATCH_HEADER_SIZE: usize = 61;
/// The record batch format this module speaks.
pub const MAGIC_V2: i8 = 2;
/// Bytes before (and including) the batch length field, which the length does not count.
const LOG_OVERHEAD: usize = 12;
/// Smallest valid `batchLength`: a header with no records.
const MIN_BATCH_LENGTH: usize = BATCH_HEADER_SIZE - LOG_OVERHEAD;
/// Where the CRC32C coverage starts (the attributes field).
const CRC_START: usize = 21;

const ATTR_LOG_APPEND_TIME: i16 = 0x08;
const ATTR_TRANSACTIONAL: i16 = 0x10;
const ATTR_CONTROL: i16 = 0x20;

// Field offsets inside the batch header.
const OFF_LENGTH: usize = 8;
const OFF_LEADER_EPOCH: usize = 12;
const OFF_MAGIC: usize = 16;
const OFF_CRC: usize = 17;
const OFF_ATTRIBUTES: usize = 21;
const OFF_LAST_OFFSET_DELTA: usize = 23;
const OFF_BASE_TIMESTAMP: usize = 27;
const OFF_MAX_TIMESTAMP: usize = 35;
const OFF_PRODUCER_ID: usize = 43;
const OFF_PRODUCER_EPOCH: usize = 51;
const OFF_BASE_SEQUENCE: usize = 53;
const OFF_RECORD_COUNT: usize = 57;

/// A record header. Duplicate keys are legal (KIP-82) and order is kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Header name. Decoded as UTF-8 with invalid sequences replaced, like Java's `Utils.utf8`.
    pub key: String,
    /// Header value; `None` is a null value (length -1), distinct from an empty one.
    pub value: Option<Bytes>,
}

impl Header {
    /// A header from anything string-like and byte-like.
    pub fn new(key: impl Into<String>, value: Option<impl Into<Bytes>>) -> Header {
        Header { key: key.into(), value: value.map(Into::into) }
    }
}

/// Builds one batch: records are encoded straight into an uncompressed buffer as they are
/// appended (no per-record allocation besides the buffer growing). Compression and the header
/// are done once, by [`BatchBuilder::finish`].
#[derive(Clone, Debug)]
pub struct BatchBuilder {
    base_timestamp: i64,
    max_timestamp: i64,
    record_count: i32,
    /// The encoded records, without the batch header.
    records: Vec<u8>,
}

/// Producer identity and codec for [`BatchBuilder::finish`]. `Default` is a non-idempotent,
/// uncompressed batch (-1 everywhere, as Java and librdkafka send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchParams {
    /// Codec for the records section.
    pub compression: Compression,
    /// `compression.level`; -1 is the codec default.
    pub compression_level: i32,
    /// Producer id from InitProducerId, or -1.
    pub producer_id: i64,
    /// Producer epoch, or -1.
    pub producer_epoch: i16,
    /// Sequence number of the first record, or -1.
    pub base_sequence: i32,
    /// Sets the transactional attribute bit.
    pub transactional: bool,
    /// Sets the control attribute bit (transaction markers; the testkit writes them).
    pub control: bool,
}

impl Default for BatchParams {
    fn default() -> Self {
        BatchParams {
            compression: Compression::None,
            compression_level: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            transactional: false,
            control: false,
        }
    }
}

impl BatchBuilder {
    /// An empty batch whose timestamp deltas are relative to `base_timestamp` (Java uses the
    /// first record's timestamp); `capacity` pre-sizes the record buffer.
    pub fn new(base_timestamp: i64, capacity: usize) -> Self {
        BatchBuilder { base_timestamp, max_timestamp: base_timestamp, record_count: 0, records: Vec::with_capacity(capacity) }
    }

    /// Appends; returns false (and appends nothing) if adding it would make the uncompressed size
    /// exceed `limit` and the batch already has at least one record. Also false if the record
    /// cannot be encoded at all (a record over 2 GiB, or a batch of `i32::MAX` records).
    pub fn try_append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
        limit: usize,
    ) -> bool {
        if self.record_count == i32::MAX {
            return false;
        }
        // Wrapping keeps absurd timestamps from panicking; the delta is a varlong either way.
        let timestamp_delta = timestamp.wrapping_sub(self.base_timestamp);
        let offset_delta = self.record_count;
        let body = record_body_size(timestamp_delta, offset_delta, key, value, headers);
        let Ok(body_len) = i64::try_from(body) else { return false };
        if body_len > i64::from(i32::MAX) {
            return false;
        }
        let total = varint_size(body_len) + body;
        if self.record_count > 0 && self.size_estimate().saturating_add(total) > limit {
            return false;
        }

        let buf = &mut self.records;
        buf.reserve(total);
        put_varint(buf, body_len);
        buf.push(0); // record attributes: unused
        put_varint(buf, timestamp_delta);
        put_varint(buf, i64::from(offset_delta));
        put_nullable_bytes(buf, key);
        put_nullable_bytes(buf, value);
        put_varint(buf, len_i64(headers.len()));
        for header in headers {
            put_varint(buf, len_i64(header.key.len()));
            buf.extend_from_slice(header.key.as_bytes());
            put_nullable_bytes(buf, header.value.as_deref());
        }

        if self.record_count == 0 || timestamp > self.max_timestamp {
            self.max_timestamp = timestamp;
        }
        self.record_count += 1;
        true
    }

    /// Records appended so far.
    pub fn record_count(&self) -> i32 {
        self.record_count
    }

    /// Uncompressed size of the batch as it stands: the 61-byte header plus the records.
    pub fn size_estimate(&self) -> usize {
        BATCH_HEADER_SIZE + self.records.len()
    }

    /// Whether no record has been appended.
    pub fn is_empty(&self) -> bool {
        self.record_count == 0
    }

    /// The timestamp deltas are relative to this.
    pub fn base_timestamp(&self) -> i64 {
        self.base_timestamp
    }

    /// Encoded size of one record including its length prefix, for the `message.max.bytes`
    /// check at send time.
    pub fn encoded_record_size(
        timestamp_delta: i64,
        offset_delta: i32,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
    ) -> usize {
        let body = record_body_size(timestamp_delta, offset_delta, key, value, headers);
        varint_size(len_i64(body)) + body
    }

    /// Writes the full batch: compresses the records once, fills the header (base offset 0,
    /// leader epoch -1, magic 2, attributes, last offset delta, base/max timestamp, producer
    /// id/epoch/base sequence, count) and the CRC32C. An empty batch is an error (Kafka rejects
    /// batches without records).
    pub fn finish(&self, params: &BatchParams) -> Result<Bytes> {
        if self.record_count == 0 {
            return Err(Error::new(ErrorKind::State, "cannot finish a record batch without records"));
        }
        let expected = match params.compression {
            Compression::None => self.records.len(),
            // A guess that avoids most regrowth for typical 2-4x ratios.
            _ => self.records.len() / 2 + 64,
        };
        let mut out = Vec::with_capacity(BATCH_HEADER_SIZE + expected);
        out.resize(BATCH_HEADER_SIZE, 0);
        compression::compress(params.compression, params.compression_level, &self.records, &mut out)?;
        let batch_length = i32::try_from(out.len() - LOG_OVERHEAD).map_err(|_| {
            Error::new(ErrorKind::MsgSizeTooLarge, format!("record batch of {} bytes exceeds 2 GiB", out.len()))
        })?;
        let mut attributes = params.compression.attribute_bits();
        if params.transactional {
            attributes |= ATTR_TRANSACTIONAL;
        }
        if params.control {
            attributes |= ATTR_CONTROL;
        }
        let header = BatchHeader {
            base_offset: 0,
            batch_length,
            partition_leader_epoch: -1,
            magic: MAGIC_V2,
            crc: 0,
            attributes,
            last_offset_delta: self.record_count - 1,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
            producer_id: params.producer_id,
            producer_epoch: params.producer_epoch,
            base_sequence: params.base_sequence,
            record_count: self.record_count,
        };
        header.write_to(&mut out);
        stamp_crc(&mut out);
        Ok(Bytes::from(out))
    }
}

/// Re-stamps producer id/epoch/base sequence of an already finished batch (after an epoch bump)
/// and recomputes the CRC. The records (possibly compressed) are copied as they are.
pub fn restamp(batch: &[u8], producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Result<Bytes> {
    let header = BatchHeader::parse(batch)?;
    if usize::try_from(header.batch_length).ok().map(|len| len + LOG_OVERHEAD) != Some(batch.len()) {
        return Err(bad_msg(format!(
            "cannot restamp: batch length field {} does not match the {} bytes given",
            header.batch_length,
            batch.len()
        )));
    }
    let mut out = batch.to_vec();
    out[OFF_PRODUCER_ID..OFF_PRODUCER_ID + 8].copy_from_slice(&producer_id.to_be_bytes());
    out[OFF_PRODUCER_EPOCH..OFF_PRODUCER_EPOCH + 2].copy_from_slice(&producer_epoch.to_be_bytes());
    out[OFF_BASE_SEQUENCE..OFF_BASE_SEQUENCE + 4].copy_from_slice(&base_sequence.to_be_bytes());
    stamp_crc(&mut out);
    Ok(Bytes::from(out))
}

/// Computes the CRC32C of bytes 21.. and stores it at 17..21. `buf` is at least a header long.
fn stamp_crc(buf: &mut [u8]) {
    let crc = crc32c::crc32c(&buf[CRC_START..]);
    buf[OFF_CRC..OFF_CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

/// The fixed 61-byte header of a v2 record batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// Offset of the first record (0 when produced; the broker assigns it).
    pub base_offset: i64,
    /// Bytes after the length field.
    pub batch_length: i32,
    /// Leader epoch stamped by the broker, -1 from producers.
    pub partition_leader_epoch: i32,
    /// Format version; always 2 here.
    pub magic: i8,
    /// CRC32C of bytes 21.. (attributes to the end).
    pub crc: u32,
    /// Codec, timestamp type, transactional and control bits.
    pub attributes: i16,
    /// Offset delta of the last record (`record_count - 1` unless compacted).
    pub last_offset_delta: i32,
    /// Timestamp the record deltas are relative to.
    pub base_timestamp: i64,
    /// Largest record timestamp (the append time when LogAppendTime is set).
    pub max_timestamp: i64,
    /// Idempotent producer id, or -1.
    pub producer_id: i64,
    /// Producer epoch, or -1.
    pub producer_epoch: i16,
    /// Sequence of the first record, or -1.
    pub base_sequence: i32,
    /// Number of records in the batch.
    pub record_count: i32,
}

impl BatchHeader {
    /// Parses the header at the start of `buf`, which must hold at least 61 bytes of a magic 2
    /// batch. Does not check the CRC or the length against `buf`.
    pub fn parse(buf: &[u8]) -> Result<BatchHeader> {
        let Some(h) = buf.first_chunk::<BATCH_HEADER_SIZE>() else {
            return Err(bad_msg(format!(
                "record batch header needs {BATCH_HEADER_SIZE} bytes, only {} available",
                buf.len()
            )));
        };
        check_magic(h[OFF_MAGIC] as i8)?;
        let header = BatchHeader {
            base_offset: i64::from_be_bytes(field(h, 0)),
            batch_length: i32::from_be_bytes(field(h, OFF_LENGTH)),
            partition_leader_epoch: i32::from_be_bytes(field(h, OFF_LEADER_EPOCH)),
            magic: h[OFF_MAGIC] as i8,
            crc: u32::from_be_bytes(field(h, OFF_CRC)),
            attributes: i16::from_be_bytes(field(h, OFF_ATTRIBUTES)),
            last_offset_delta: i32::from_be_bytes(field(h, OFF_LAST_OFFSET_DELTA)),
            base_timestamp: i64::from_be_bytes(field(h, OFF_BASE_TIMESTAMP)),
            max_timestamp: i64::from_be_bytes(field(h, OFF_MAX_TIMESTAMP)),
            producer_id: i64::from_be_bytes(field(h, OFF_PRODUCER_ID)),
            producer_epoch: i16::from_be_bytes(field(h, OFF_PRODUCER_EPOCH)),
            base_sequence: i32::from_be_bytes(field(h, OFF_BASE_SEQUENCE)),
            record_count: i32::from_be_bytes(field(h, OFF_RECORD_COUNT)),
        };
        if header.batch_length < MIN_BATCH_LENGTH as i32 {
            return Err(bad_msg(format!(
                "record batch length {} is below the minimum {MIN_BATCH_LENGTH}",
                header.batch_length
            )));
        }
        Ok(header)
    }

    /// Writes every field (the CRC as stored in `self`) into the first 61 bytes of `buf`.
    fn write_to(&self, buf: &mut [u8]) {
        let mut put = |at: usize, bytes: &[u8]| buf[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, &self.base_offset.to_be_bytes());
        put(OFF_LENGTH, &self.batch_length.to_be_bytes());
        put(OFF_LEADER_EPOCH, &self.partition_leader_epoch.to_be_bytes());
        put(OFF_MAGIC, &self.magic.to_be_bytes());
        put(OFF_CRC, &self.crc.to_be_bytes());
        put(OFF_ATTRIBUTES, &self.attributes.to_be_bytes());
        put(OFF_LAST_OFFSET_DELTA, &self.last_offset_delta.to_be_bytes());
        put(OFF_BASE_TIMESTAMP, &self.base_timestamp.to_be_bytes());
        put(OFF_MAX_TIMESTAMP, &self.max_timestamp.to_be_bytes());
        put(OFF_PRODUCER_ID, &self.producer_id.to_be_bytes());
        put(OFF_PRODUCER_EPOCH, &self.producer_epoch.to_be_bytes());
        put(OFF_BASE_SEQUENCE, &self.base_sequence.to_be_bytes());
        put(OFF_RECORD_COUNT, &self.record_count.to_be_bytes());
    }

    /// The codec of the records section.
    pub fn compression(&self) -> Result<Compression> {
        Compression::from_attributes(self.attributes)
    }

    /// Part of a transaction (attribute bit 4).
    pub fn is_transactional(&self) -> bool {
        self.attributes & ATTR_TRANSACTIONAL != 0
    }

    /// A control batch holding a transaction marker (attribute bit 5).
    pub fn is_control(&self) -> bool {
        self.attributes & ATTR_CONTROL != 0
    }

    /// Timestamps are the broker's append time (`max_timestamp`) rather than the producer's.
    pub fn timestamp_type_log_append(&self) -> bool {
        self.attributes & ATTR_LOG_APPEND_TIME != 0
    }

    /// Offset of the last record: `base_offset + last_offset_delta`.
    pub fn last_offset(&self) -> i64 {
        self.base_offset.saturating_add(i64::from(self.last_offset_delta))
    }
}

/// Copies `N` bytes at `at` out of a header. Offsets are constants within the 61-byte array.
fn field<const N: usize>(h: &[u8; BATCH_HEADER_SIZE], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&h[at..at + N]);
    out
}

fn check_magic(magic: i8) -> Result<()> {
    match magic {
        MAGIC_V2 => Ok(()),
        0 | 1 => Err(Error::new(
            ErrorKind::UnsupportedFeature,
            format!(
                "message set v{magic} (pre-0.11 message format) is not supported: only record batch v2 \
                 (magic 2, Kafka >= 0.11) is"
            ),
        )),
        other => Err(bad_msg(format!("unknown record batch magic {other}"))),
    }
}

fn bad_msg(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadMsg, message)
}

/// A batch as it sits in a fetch response (a zero-copy slice of it).
#[derive(Clone, Debug)]
pub struct RawBatch {
    /// The parsed header.
    pub header: BatchHeader,
    /// The whole batch, header included.
    pub bytes: Bytes,
}

/// Splits a records blob (Fetch response partition `records`) into batches; a trailing partial
/// batch (brokers may truncate at max bytes) ends the iteration without error; a corrupt
/// length/magic gives Err, after which the iteration ends.
pub fn split_batches(records: Bytes) -> SplitBatches {
    SplitBatches { buf: records, pos: 0, done: false }
}

/// Iterator returned by [`split_batches`].
#[derive(Clone, Debug)]
pub struct SplitBatches {
    buf: Bytes,
    pos: usize,
    done: bool,
}

impl SplitBatches {
    fn next_batch(&mut self) -> Option<Result<RawBatch>> {
        let rest = &self.buf[self.pos..];
        if rest.len() < LOG_OVERHEAD {
            return None;
        }
        // Check the format as soon as its byte is there: an old-format message set is reported
        // as such rather than as a strange length.
        if let Some(&magic) = rest.get(OFF_MAGIC) {
            if let Err(e) = check_magic(magic as i8) {
                return Some(Err(e));
            }
        }
        let length = i32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]);
        let Some(length) = usize::try_from(length).ok().filter(|&l| l >= MIN_BATCH_LENGTH) else {
            return Some(Err(bad_msg(format!(
                "record batch at byte {} has length {length}, below the minimum {MIN_BATCH_LENGTH}",
                self.pos
            ))));
        };
        let total = LOG_OVERHEAD + length;
        if rest.len() < total {
            // Truncated by the broker at the fetch size limit: the rest comes with the next fetch.
            return None;
        }
        let bytes = self.buf.slice(self.pos..self.pos + total);
        self.pos += total;
        Some(BatchHeader::parse(&bytes).map(|header| RawBatch { header, bytes }))
    }
}

impl Iterator for SplitBatches {
    type Item = Result<RawBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_batch();
        // Stop after the end or an error: past a corrupt length nothing can be trusted.
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

impl RawBatch {
    /// Checks the stored CRC32C against the bytes (`check.crcs`).
    pub fn verify_crc(&self) -> Result<()> {
        let computed = self.bytes.get(CRC_START..).map(crc32c::crc32c);
        match computed {
            Some(crc) if crc == self.header.crc => Ok(()),
            Some(crc) => Err(bad_msg(format!(
                "record batch at offset {} is corrupt: CRC32C is {crc:#010x}, header says {:#010x}",
                self.header.base_offset, self.header.crc
            ))),
            None => Err(bad_msg("record batch shorter than its header")),
        }
    }

    /// Decompresses once, then decodes records; keys/values/header values are Bytes slices of
    /// the (decompressed) buffer, no copies.
    pub fn records(&self) -> Result<Vec<Record>> {
        self.iter_records()?.collect()
    }

    /// Like [`RawBatch::records`] but decodes one record per `next()`, so a consumer can hand
    /// records out as the application iterates. Decompression happens here, once.
    pub fn iter_records(&self) -> Result<RecordIter> {
        let payload = self.bytes.slice(BATCH_HEADER_SIZE.min(self.bytes.len())..);
        let data = match self.header.compression()? {
            Compression::None => payload,
            codec => Bytes::from(compression::decompress(codec, &payload)?),
        };
        if self.header.record_count < 0 {
            return Err(bad_msg(format!("record batch has a negative record count {}", self.header.record_count)));
        }
        Ok(RecordIter {
            data,
            pos: 0,
            remaining: self.header.record_count,
            base_offset: self.header.base_offset,
            base_timestamp: self.header.base_timestamp,
            log_append_time: self.header.timestamp_type_log_append().then_some(self.header.max_timestamp),
            done: false,
        })
    }
}

/// Iterator over the records of one batch, see [`RawBatch::iter_records`].
#[derive(Clone, Debug)]
pub struct RecordIter {
    data: Bytes,
    pos: usize,
    remaining: i32,
    base_offset: i64,
    base_timestamp: i64,
    log_append_time: Option<i64>,
    done: bool,
}

impl RecordIter {
    fn decode_next(&mut self) -> Result<Record> {
        let mut outer = Cursor { data: &self.data, pos: self.pos, end: self.data.len() };
        let length = outer.varint()?;
        let Some(length) = usize::try_from(length).ok().filter(|&l| l <= outer.left()) else {
            return Err(bad_msg(format!("record length {length} exceeds the {} bytes left in the batch", outer.left())));
        };
        let end = outer.pos + length;
        let mut c = Cursor { data: &self.data, pos: outer.pos, end };
        let _attributes = c.u8()?;
        let timestamp_delta = c.varlong()?;
        let offset_delta = c.varint()?;
        let key = c.nullable_bytes("key")?;
        let value = c.nullable_bytes("value")?;
        let header_count = c.varint()?;
        let Ok(header_count) = usize::try_from(header_count) else {
            return Err(bad_msg(format!("record has a negative header count {header_count}")));
        };
        // Each header takes at least 2 bytes: never let the count alone size the allocation.
        let mut headers = Vec::with_capacity(header_count.min(c.left() / 2));
        for _ in 0..header_count {
            let key_len = c.varint()?;
            let Ok(key_len) = usize::try_from(key_len) else {
                return Err(bad_msg(format!("record header has a negative key length {key_len}")));
            };
            let key = String::from_utf8_lossy(c.take(key_len, "header key")?).into_owned();
            let value = c.nullable_bytes("header value")?;
            headers.push(Header { key, value });
        }
        if c.pos != end {
            return Err(bad_msg(format!("record declares {length} bytes but its fields take {}", c.pos - (end - length))));
        }
        self.pos = end;

        let offset = self
            .base_offset
            .checked_add(i64::from(offset_delta))
            .ok_or_else(|| bad_msg(format!("record offset overflows: {} + {offset_delta}", self.base_offset)))?;
        let timestamp = match self.log_append_time {
            Some(append_time) => append_time,
            None => self.base_timestamp.checked_add(timestamp_delta).ok_or_else(|| {
                bad_msg(format!("record timestamp overflows: {} + {timestamp_delta}", self.base_timestamp))
            })?,
        };
        Ok(Record { offset, timestamp, key, value, headers })
    }
}

impl Iterator for RecordIter {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.remaining == 0 {
            self.done = true;
            // Kafka rejects a batch whose records do not fill it exactly ("Incorrect declared
            // batch size, records still remaining").
            let left = self.data.len() - self.pos;
            return (left != 0)
                .then(|| Err(bad_msg(format!("{left} bytes left over after the batch's declared records"))));
        }
        let item = self.decode_next();
        self.remaining -= 1;
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, usize::try_from(self.remaining).ok().map(|r| r + 1))
    }
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Absolute offset: base offset + offset delta.
    pub offset: i64,
    /// base_timestamp + delta, or max_timestamp when LogAppendTime.
    pub timestamp: i64,
    /// Key; `None` is null, distinct from empty.
    pub key: Option<Bytes>,
    /// Value; `None` is null (a tombstone on compacted topics).
    pub value: Option<Bytes>,
    /// Headers in wire order, duplicates kept.
    pub headers: Vec<Header>,
}

/// The marker in a control batch's record key (version i16, type i16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlRecordType {
    /// Transaction aborted (type 0).
    Abort,
    /// Transaction committed (type 1).
    Commit,
    /// Another control type; Kafka says to ignore those.
    Other(i16),
}

impl ControlRecordType {
    /// Parses a control record key; `None` if it is shorter than 4 bytes.
    pub fn parse(key: &[u8]) -> Option<ControlRecordType> {
        let bytes = key.get(2..4)?;
        Some(match i16::from_be_bytes([bytes[0], bytes[1]]) {
            0 => ControlRecordType::Abort,
            1 => ControlRecordType::Commit,
            other => ControlRecordType::Other(other),
        })
    }
}

/// Bounds-checked reads over `data[pos..end]`.
struct Cursor<'a> {
    data: &'a Bytes,
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.end - self.pos
    }

    fn u8(&mut self) -> Result<u8> {
        if self.pos >= self.end {
            return Err(bad_msg("record truncated"));
        }
        let b = self.data[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// Zigzag varint of at most `max_bytes` bytes.
    fn zigzag(&mut self, max_bytes: u32, what: &str) -> Result<i64> {
        let mut raw: u64 = 0;
        for i in 0..max_bytes {
            let b = self.u8().map_err(|_| bad_msg(format!("record truncated inside a {what}")))?;
            raw |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err(bad_msg(format!("{what} longer than {max_bytes} bytes")))
    }

    fn varint(&mut self) -> Result<i32> {
        let v = self.zigzag(5, "varint")?;
        i32::try_from(v).map_err(|_| bad_msg(format!("varint {v} overflows 32 bits")))
    }

    fn varlong(&mut self) -> Result<i64> {
        self.zigzag(10, "varlong")
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&[u8]> {
        if len > self.left() {
            return Err(bad_msg(format!("record {what} of {len} bytes exceeds the {} bytes left in the record", self.left())));
        }
        let start = self.pos;
        self.pos += len;
        Ok(&self.data[start..self.pos])
    }

    /// Length-prefixed bytes, -1 meaning null; returned as a zero-copy slice.
    fn nullable_bytes(&mut self, what: &str) -> Result<Option<Bytes>> {
        let len = self.varint()?;
        if len == -1 {
            return Ok(None);
        }
        let Ok(len) = usize::try_from(len) else {
            return Err(bad_msg(format!("record {what} has a negative length {len}")));
        };
        if len > self.left() {
            return Err(bad_msg(format!("record {what} of {len} bytes exceeds the {} bytes left in the record", self.left())));
        }
        let start = self.pos;
        self.pos += len;
        Ok(Some(self.data.slice(start..self.pos)))
    }
}

/// Body size of a record, i.e. without its own length prefix.
fn record_body_size(
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
) -> usize {
    let mut size = 1 // attributes
        + varint_size(timestamp_delta)
        + varint_size(i64::from(offset_delta))
        + nullable_bytes_size(key)
        + nullable_bytes_size(value)
        + varint_size(len_i64(headers.len()));
    for header in headers {
        size += varint_size(len_i64(header.key.len())) + header.key.len() + nullable_bytes_size(header.value.as_deref());
    }
    size
}

fn nullable_bytes_size(bytes: Option<&[u8]>) -> usize {
    match bytes {
        None => 1,
        Some(b) => varint_size(len_i64(b.len())) + b.len(),
    }
}

/// A length as i64; lengths of in-memory slices always fit.
fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn zigzag_encode(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Bytes taken by the zigzag varint encoding of `v` (same for varint and varlong).
fn varint_size(v: i64) -> usize {
    let z = zigzag_encode(v);
    let bits = 64 - (z | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

fn put_varint(buf: &mut Vec<u8>, v: i64) {
    let mut z = zigzag_encode(v);
    while z >= 0x80 {
        buf.push((z as u8) | 0x80);
        z >>= 7;
    }
    buf.push(z as u8);
}

fn put_nullable_bytes(buf: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => put_varint(buf, -1),
        Some(b) => {
            put_varint(buf, len_i64(b.len()));
            buf.extend_from_slice(b);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (timestamp, key, value, headers)
    type TestRecord = (i64, Option<Vec<u8>>, Option<Vec<u8>>, Vec<Header>);

    fn build(records: &[TestRecord], params: &BatchParams) -> Bytes {
        let mut b = BatchBuilder::new(records[0].0, 1024);
        for (ts, k, v, h) in records {
            assert!(b.try_append(*ts, k.as_deref(), v.as_deref(), h, usize::MAX));
        }
        b.finish(params).unwrap()
    }

    fn decode_one(bytes: Bytes) -> (RawBatch, Vec<Record>) {
        let batches: Vec<_> = split_batches(bytes).collect::<Result<_>>().unwrap();
        assert_eq!(batches.len(), 1);
        let batch = batches.into_iter().next().unwrap();
        batch.verify_crc().unwrap();
        let records = batch.records().unwrap();
        (batch, records)
    }

    #[test]
    fn varints() {
        for v in [0i64, 1, -1, 63, -64, 64, -65, 8191, 1 << 20, i32::MAX as i64, i32::MIN as i64, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            assert_eq!(buf.len(), varint_size(v), "{v}");
            let data = Bytes::from(buf);
            let mut c = Cursor { data: &data, pos: 0, end: data.len() };
            assert_eq!(c.varlong().unwrap(), v);
        }
        // Java's ByteUtils examples: zigzag(-1) = 1, zigzag(1) = 2.
        let mut buf = Vec::new();
        put_varint(&mut buf, -1);
        put_varint(&mut buf, 1);
        put_varint(&mut buf, 300);
        assert_eq!(buf, [0x01, 0x02, 0xd8, 0x04]);
        // An 11-byte varlong and a 6-byte varint are errors.
        let data = Bytes::from(vec![0xff; 11]);
        let mut c = Cursor { data: &data, pos: 0, end: 11 };
        assert!(c.varlong().is_err());
        let mut c = Cursor { data: &data, pos: 0, end: 11 };
        assert!(c.varint().is_err());
        let data = Bytes::from(vec![0xfe, 0xff, 0xff, 0xff, 0x1f]); // 2^32 - 1 zigzagged: > i32
        let mut c = Cursor { data: &data, pos: 0, end: 5 };
        assert!(c.varint().is_err());
    }

    #[test]
    fn header_fields_and_round_trip() {
        let headers = vec![Header::new("a", Some("1")), Header::new("a", None::<Bytes>), Header::new("b", Some(""))];
        let records = vec![
            (1_000, Some(b"k1".to_vec()), Some(b"v1".to_vec()), headers.clone()),
            (999, None, Some(Vec::new()), vec![]),
            (1_500, Some(Vec::new()), None, vec![]),
        ];
        let params = BatchParams {
            producer_id: 42,
            producer_epoch: 3,
            base_sequence: 7,
            transactional: true,
            ..BatchParams::default()
        };
        let bytes = build(&records, &params);
        assert_eq!(bytes[OFF_MAGIC], 2);
        let (batch, decoded) = decode_one(bytes);
        let h = batch.header;
        assert_eq!((h.base_offset, h.partition_leader_epoch, h.magic), (0, -1, 2));
        assert_eq!((h.last_offset_delta, h.record_count, h.last_offset()), (2, 3, 2));
        assert_eq!((h.base_timestamp, h.max_timestamp), (1_000, 1_500));
        assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (42, 3, 7));
        assert!(h.is_transactional() && !h.is_control() && !h.timestamp_type_log_append());
        assert_eq!(h.compression().unwrap(), Compression::None);
        assert_eq!(decoded.len(), 3);
        assert_eq!(decoded[0].headers, headers);
        assert_eq!(decoded[0].key.as_deref(), Some(&b"k1"[..]));
        assert_eq!((decoded[1].offset, decoded[1].timestamp), (1, 999));
        assert_eq!(decoded[1].key, None);
        assert_eq!(decoded[1].value.as_deref(), Some(&b""[..]));
        assert_eq!(decoded[2].key.as_deref(), Some(&b""[..]));
        assert_eq!(decoded[2].value, None);
    }

    #[test]
    fn size_accounting_and_limit() {
        let mut b = BatchBuilder::new(0, 0);
        assert!(b.is_empty());
        assert_eq!(b.size_estimate(), 61);
        let value = vec![7u8; 100];
        let one = BatchBuilder::encoded_record_size(0, 0, Some(b"key"), Some(&value), &[]);
        // The first record always goes in, even over the limit.
        assert!(b.try_append(0, Some(b"key"), Some(&value), &[], 10));
        assert_eq!(b.size_estimate(), 61 + one);
        // The second does not fit in 61 + 2 * one - 1 ...
        assert!(!b.try_append(0, Some(b"key"), Some(&value), &[], 61 + 2 * one - 1));
        assert_eq!(b.record_count(), 1);
        // ... but fits exactly in 61 + 2 * one (offset delta 1 has the same size as 0).
        assert!(b.try_append(0, Some(b"key"), Some(&value), &[], 61 + 2 * one));
        assert_eq!(b.size_estimate(), 61 + 2 * one);
        let finished = b.finish(&BatchParams::default()).unwrap();
        assert_eq!(finished.len(), b.size_estimate(), "uncompressed batches are exactly the estimate");
        assert!(BatchBuilder::new(0, 0).finish(&BatchParams::default()).is_err());
    }

    #[test]
    fn large_timestamp_deltas_survive() {
        // kafka-protocol < 0.18 truncated deltas to 32 bits; ours is a varlong.
        let base = 1_700_000_000_000i64;
        let later = base + 40 * 24 * 3600 * 1000;
        let bytes = build(&[(base, None, Some(b"a".to_vec()), vec![]), (later, None, None, vec![])], &BatchParams::default());
        let (_, records) = decode_one(bytes);
        assert_eq!(records[1].timestamp, later);
    }

    #[test]
    fn restamp_keeps_records_and_fixes_crc() {
        let records = vec![(5, Some(b"k".to_vec()), Some(b"v".repeat(1000)), vec![Header::new("h", Some("x"))])];
        for &codec in Compression::ALL {
            let params = BatchParams { compression: codec, ..BatchParams::default() };
            let original = build(&records, &params);
            let restamped = restamp(&original, 9, 2, 100).unwrap();
            let (batch, decoded) = decode_one(restamped.clone());
            assert_eq!((batch.header.producer_id, batch.header.producer_epoch, batch.header.base_sequence), (9, 2, 100));
            assert_eq!(batch.header.compression().unwrap(), codec);
            let (_, before) = decode_one(original.clone());
            assert_eq!(decoded, before);
            assert_eq!(original[OFF_RECORD_COUNT..], restamped[OFF_RECORD_COUNT..], "records untouched");
        }
        assert!(restamp(&[0u8; 10], 1, 1, 1).is_err());
    }

    #[test]
    fn split_handles_multiple_and_partial_batches() {
        let a = build(&[(1, None, Some(b"a".to_vec()), vec![])], &BatchParams::default());
        let mut b_builder = BatchBuilder::new(2, 0);
        b_builder.try_append(2, None, Some(b"b"), &[], usize::MAX);
        b_builder.try_append(3, None, Some(b"c"), &[], usize::MAX);
        let mut b = b_builder.finish(&BatchParams::default()).unwrap().to_vec();
        // A broker stamps the base offset (outside the CRC).
        b[..8].copy_from_slice(&10i64.to_be_bytes());
        let mut blob = a.to_vec();
        blob.extend_from_slice(&b);
        let full = Bytes::from(blob.clone());
        let batches: Vec<RawBatch> = split_batches(full).collect::<Result<_>>().unwrap();
        assert_eq!(batches.len(), 2);
        batches[1].verify_crc().unwrap();
        let offsets: Vec<i64> = batches.iter().flat_map(|b| b.records().unwrap()).map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 10, 11]);
        // Every truncation of the second batch yields just the first, without error.
        for cut in a.len()..blob.len() {
            let batches: Vec<RawBatch> = split_batches(Bytes::from(blob[..cut].to_vec())).collect::<Result<_>>().unwrap();
            assert_eq!(batches.len(), 1, "cut at {cut}");
        }
        assert_eq!(split_batches(Bytes::new()).count(), 0);
    }

    #[test]
    fn corruption_is_detected() {
        let bytes = build(&[(1, Some(b"key".to_vec()), Some(b"value".to_vec()), vec![])], &BatchParams::default());
        for i in CRC_START..bytes.len() {
            let mut corrupt = bytes.to_vec();
            corrupt[i] ^= 0x01;
            let batch = split_batches(Bytes::from(corrupt)).next().unwrap().unwrap();
            let err = batch.verify_crc().unwrap_err();
            assert_eq!(err.kind, ErrorKind::BadMsg);
            assert!(err.message.contains("CRC"), "{err}");
        }
        // Old message formats are refused clearly.
        let mut old = bytes.to_vec();
        old[OFF_MAGIC] = 1;
        let err = split_batches(Bytes::from(old)).next().unwrap().unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnsupportedFeature);
        // A length below the header size is corrupt, and ends the iteration.
        let mut short = bytes.to_vec();
        short[8..12].copy_from_slice(&10i32.to_be_bytes());
        let mut it = split_batches(Bytes::from(short));
        assert_eq!(it.next().unwrap().unwrap_err().kind, ErrorKind::BadMsg);
        assert!(it.next().is_none());
    }

    #[test]
    fn log_append_time_and_control_batches() {
        let mut bytes = build(
            &[(1, Some(vec![0, 0, 0, 1]), Some(vec![0, 0, 0, 0, 0, 0]), vec![])],
            &BatchParams::default(),
        )
        .to_vec();
        let attrs = ATTR_LOG_APPEND_TIME | ATTR_CONTROL | ATTR_TRANSACTIONAL;
        bytes[OFF_ATTRIBUTES..OFF_ATTRIBUTES + 2].copy_from_slice(&attrs.to_be_bytes());
        bytes[OFF_MAX_TIMESTAMP..OFF_MAX_TIMESTAMP + 8].copy_from_slice(&777i64.to_be_bytes());
        stamp_crc(&mut bytes);
        let (batch, records) = decode_one(Bytes::from(bytes));
        assert!(batch.header.is_control() && batch.header.timestamp_type_log_append());
        assert_eq!(records[0].timestamp, 777);
        assert_eq!(ControlRecordType::parse(records[0].key.as_deref().unwrap()), Some(ControlRecordType::Commit));
        assert_eq!(ControlRecordType::parse(&[0, 0, 0, 0]), Some(ControlRecordType::Abort));
        assert_eq!(ControlRecordType::parse(&[0]), None);
    }

    #[test]
    fn zero_copy_values() {
        let bytes = build(&[(1, Some(b"key".to_vec()), Some(b"value".to_vec()), vec![])], &BatchParams::default());
        let (batch, records) = decode_one(bytes);
        let value = records[0].value.as_ref().unwrap();
        let range = batch.bytes.as_ptr_range();
        assert!(range.contains(&value.as_ptr()), "value is a slice of the fetched bytes");
    }

    #[test]
    fn kafka_protocol_decodes_ours() {
        use kafka_protocol::records::RecordBatchDecoder;
        let records = vec![
            (1_000, Some(b"k1".to_vec()), Some(b"v1".to_vec()), vec![Header::new("h1", Some("x")), Header::new("h2", None::<Bytes>)]),
            (1_001, None, None, vec![]),
        ];
        let params = BatchParams { producer_id: 5, producer_epoch: 1, base_sequence: 0, ..BatchParams::default() };
        let mut bytes = build(&records, &params);
        let set = RecordBatchDecoder::decode(&mut bytes).unwrap();
        assert_eq!(set.records.len(), 2);
        let r = &set.records[0];
        assert_eq!((r.offset, r.timestamp, r.producer_id, r.producer_epoch, r.sequence), (0, 1_000, 5, 1, 0));
        assert_eq!(r.key.as_deref(), Some(&b"k1"[..]));
        assert_eq!(r.value.as_deref(), Some(&b"v1"[..]));
        assert_eq!(r.headers.len(), 2);
        let r = &set.records[1];
        assert_eq!((r.offset, r.timestamp, r.sequence), (1, 1_001, 1));
        assert_eq!((r.key.clone(), r.value.clone()), (None, None));
    }

    #[test]
    fn we_decode_kafka_protocols() {
        use kafka_protocol::protocol::StrBytes;
        use kafka_protocol::records::{
            Compression as KpCompression, Record as KpRecord, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
        };
        let mut headers = indexmap::IndexMap::new();
        headers.insert(StrBytes::from_static_str("trace"), Some(Bytes::from_static(b"abc")));
        headers.insert(StrBytes::from_static_str("none"), None);
        let make = |offset: i64, timestamp: i64, key: Option<&'static [u8]>, value: Option<&'static [u8]>| KpRecord {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id: 77,
            producer_epoch: 2,
            timestamp_type: TimestampType::Creation,
            offset,
            sequence: offset as i32,
            timestamp,
            key: key.map(Bytes::from_static),
            value: value.map(Bytes::from_static),
            headers: indexmap::IndexMap::new(),
        };
        let mut first = make(100, 5_000, Some(b"key"), Some(b"value"));
        first.headers = headers;
        let records = vec![first, make(101, 5_010, None, Some(b"")), make(102, 4_990, Some(b""), None)];
        let mut buf = bytes::BytesMut::new();
        let options = RecordEncodeOptions { version: 2, compression: KpCompression::None };
        RecordBatchEncoder::encode(&mut buf, &records, &options).unwrap();
        let (batch, decoded) = decode_one(buf.freeze());
        assert_eq!((batch.header.base_offset, batch.header.producer_id, batch.header.producer_epoch), (100, 77, 2));
        assert_eq!(batch.header.base_sequence, 100);
        assert_eq!(decoded.len(), 3);
        for (ours, theirs) in decoded.iter().zip(&records) {
            assert_eq!((ours.offset, ours.timestamp), (theirs.offset, theirs.timestamp));
            assert_eq!((&ours.key, &ours.value), (&theirs.key, &theirs.value));
            let their_headers: Vec<Header> =
                theirs.headers.iter().map(|(k, v)| Header { key: k.to_string(), value: v.clone() }).collect();
            assert_eq!(ours.headers, their_headers);
        }
    }

    fn record_strategy() -> impl Strategy<Value = TestRecord> {
        let bytes = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40));
        // Few distinct header keys, so duplicates are common.
        let header = (prop_oneof![Just("a"), Just("b"), Just("ünï")], bytes())
            .prop_map(|(k, v)| Header { key: k.to_string(), value: v.map(Bytes::from) });
        (
            prop_oneof![Just(0i64), -1_000_000i64..1_000_000, Just(i64::MAX / 2), Just(i64::MIN / 2)],
            bytes(),
            bytes(),
            proptest::collection::vec(header, 0..4),
        )
    }

    fn codec_strategy() -> impl Strategy<Value = Compression> {
        proptest::sample::select(Compression::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn round_trip(records in proptest::collection::vec(record_strategy(), 1..20), codec in codec_strategy(),
                      pid in -1i64..1000, epoch in -1i16..10, seq in -1i32..1000) {
            let params = BatchParams { compression: codec, producer_id: pid, producer_epoch: epoch,
                                       base_sequence: seq, ..BatchParams::default() };
            let bytes = build(&records, &params);
            let (batch, decoded) = decode_one(bytes);
            prop_assert_eq!(batch.header.compression().unwrap(), codec);
            prop_assert_eq!(batch.header.record_count as usize, records.len());
            prop_assert_eq!(batch.header.max_timestamp, records.iter().map(|r| r.0).max().unwrap());
            prop_assert_eq!((batch.header.producer_id, batch.header.producer_epoch, batch.header.base_sequence),
                            (pid, epoch, seq));
            prop_assert_eq!(decoded.len(), records.len());
            for (i, (d, r)) in decoded.iter().zip(&records).enumerate() {
                prop_assert_eq!(d.offset, i as i64);
                prop_assert_eq!(d.timestamp, r.0);
                prop_assert_eq!(d.key.as_deref(), r.1.as_deref());
                prop_assert_eq!(d.value.as_deref(), r.2.as_deref());
                prop_assert_eq!(&d.headers, &r.3);
            }
            // The size estimate matches what was appended.
            let mut b = BatchBuilder::new(records[0].0, 0);
            let mut expected = BATCH_HEADER_SIZE;
            for (i, (ts, k, v, h)) in records.iter().enumerate() {
                expected += BatchBuilder::encoded_record_size(ts.wrapping_sub(records[0].0), i as i32, k.as_deref(), v.as_deref(), h);
                b.try_append(*ts, k.as_deref(), v.as_deref(), h, usize::MAX);
            }
            prop_assert_eq!(b.size_estimate(), expected);
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            for batch in split_batches(Bytes::from(data)).flatten() {
                let _ = batch.verify_crc();
                let _ = batch.records();
            }
        }

        #[test]
        fn mutated_batches_never_panic(records in proptest::collection::vec(record_strategy(), 1..5), codec in codec_strategy(),
                                       flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                                       cut in any::<prop::sample::Index>()) {
            let params = BatchParams { compression: codec, ..BatchParams::default() };
            let mut bytes = build(&records, &params).to_vec();
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let cut = cut.index(bytes.len() + 1);
            for data in [bytes.clone(), bytes[..cut].to_vec()] {
                for batch in split_batches(Bytes::from(data)).flatten() {
                    let _ = batch.verify_crc();
                    if let Ok(iter) = batch.iter_records() {
                        for r in iter { let _ = r; }
                    }
                }
            }
        }
    }
}
