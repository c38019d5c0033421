//! Record batch compression codecs, bytes in, bytes out.
//!
//! What goes on the wire, and why:
//! - gzip: a single gzip member (what Java and librdkafka write); several members are accepted.
//! - snappy: we write raw snappy like librdkafka (every broker and client accepts it); we read raw
//!   and the xerial framing the Java producer writes (`\x82SNAPPY\0` header, then
//!   big-endian-length-prefixed raw chunks).
//! - lz4: Kafka's LZ4 *frame* format (KIP-57, correct header checksum) with independent 64 KiB
//!   blocks and no content size or checksums, which Java's `KafkaLZ4BlockInputStream` requires.
//! - zstd: standard frames; when reading, the frame content size may be absent (streaming).
//!
//! Decompression is bounded (see [`MAX_DECOMPRESSED_SIZE`]) so that a small malicious batch cannot
//! make the client allocate gigabytes. Every decoding failure is
//! [`ErrorKind::BadCompression`](crate::error::ErrorKind::BadCompression).

use std::io::{Read, Write};

use crate::error::{Error, ErrorKind, Result};

/// Upper bound on the decompressed size of one batch: 256 MiB, far above any sane
/// `message.max.bytes`/`fetch.max.bytes`, far below what a decompression bomb would ask for.
pub const MAX_DECOMPRESSED_SIZE: usize = 256 * 1024 * 1024;

/// Attribute bits 0-2 of a record batch.
const CODEC_MASK: i16 = 0x07;

/// The xerial snappy-java stream header: magic, then version and compatible version (i32 BE).
const XERIAL_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

/// A record batch compression codec (`compression.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Compression {
    /// No compression (attribute bits 0).
    #[default]
    None,
    /// gzip (1).
    Gzip,
    /// snappy (2).
    Snappy,
    /// lz4 frame format (3).
    Lz4,
    /// zstd (4); needs Produce v7+ / Fetch v10+ (Kafka 2.1).
    Zstd,
}

impl Compression {
    /// Every codec, in attribute-bit order.
    pub const ALL: &'static [Compression] =
        &[Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    /// Parses a `compression.type` / `compression.codec` value (`none`, `gzip`, `snappy`, `lz4`,
    /// `zstd`), case-insensitively like librdkafka.
    pub fn parse(s: &str) -> Option<Self> {
        Compression::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The configuration name (`"gzip"` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// The codec's value in record batch attribute bits 0-2.
    pub fn attribute_bits(self) -> i16 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// The codec named by a batch's attributes; codes 5-7 are not defined by Kafka.
    pub fn from_attributes(attrs: i16) -> Result<Self> {
        match attrs & CODEC_MASK {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(Error::new(
                ErrorKind::BadCompression,
                format!("unknown compression codec {other} in record batch attributes"),
            )),
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compresses `data` with `codec` and appends the result to `out` (so a caller can reserve a
/// header in front and avoid a copy). `level` is `compression.level`: -1 is the codec default,
/// other values are clamped to the codec's range (gzip 0-9, lz4 0-12, zstd 1-22; snappy has none).
pub fn compress(codec: Compression, level: i32, data: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let failed = |e: std::io::Error| Error::new(ErrorKind::BadCompression, format!("{codec} compression failed: {e}"));
    match codec {
        Compression::None => out.extend_from_slice(data),
        Compression::Gzip => {
            let level = if level < 0 { 6 } else { level.min(9) };
            // Lossless: 0 <= level <= 9.
            let mut encoder = flate2::write::GzEncoder::new(&mut *out, flate2::Compression::new(level as u32));
            encoder.write_all(data).map_err(failed)?;
            encoder.finish().map_err(failed)?;
        }
        Compression::Snappy => {
            let start = out.len();
            out.resize(start + snap::raw::max_compress_len(data.len()), 0);
            let written = snap::raw::Encoder::new()
                .compress(data, &mut out[start..])
                .map_err(|e| Error::new(ErrorKind::BadCompression, format!("snappy compression failed: {e}")))?;
            out.truncate(start + written);
        }
        Compression::Lz4 => {
            let level = if level < 0 { 0 } else { level.min(12) };
            let mut encoder = lz4::EncoderBuilder::new()
                .level(level as u32)
                .block_size(lz4::BlockSize::Max64KB)
                .block_mode(lz4::BlockMode::Independent)
                .block_checksum(lz4::liblz4::BlockChecksum::NoBlockChecksum)
                .checksum(lz4::ContentChecksum::NoChecksum)
                .build(&mut *out)
                .map_err(failed)?;
            encoder.write_all(data).map_err(failed)?;
            let (_, result) = encoder.finish();
            result.map_err(failed)?;
        }
        Compression::Zstd => {
            let level = if level < 0 { zstd::DEFAULT_COMPRESSION_LEVEL } else { level.clamp(1, 22) };
            zstd::stream::copy_encode(data, &mut *out, level).map_err(failed)?;
        }
    }
    Ok(())
}

/// Decompresses a batch's records section, refusing output over [`MAX_DECOMPRESSED_SIZE`].
pub fn decompress(codec: Compression, data: &[u8]) -> Result<Vec<u8>> {
    decompress_with_limit(codec, data, MAX_DECOMPRESSED_SIZE)
}

/// [`decompress`] with an explicit output bound in bytes.
pub fn decompress_with_limit(codec: Compression, data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| Error::new(ErrorKind::BadCompression, format!("invalid {codec} data: {e}"));
    match codec {
        Compression::None => {
            if data.len() > limit {
                return Err(too_large(codec, limit));
            }
            Ok(data.to_vec())
        }
        Compression::Gzip => read_bounded(codec, flate2::read::MultiGzDecoder::new(data), data.len(), limit),
        Compression::Snappy => {
            let mut out = Vec::new();
            if data.len() >= XERIAL_HEADER_LEN && data.starts_with(XERIAL_MAGIC) {
                decompress_xerial(&data[XERIAL_HEADER_LEN..], limit, &mut out)?;
            } else {
                decompress_snappy_raw(data, limit, &mut out)?;
            }
            Ok(out)
        }
        Compression::Lz4 => {
            let decoder = lz4::Decoder::new(data).map_err(failed)?;
            read_bounded(codec, decoder, data.len(), limit)
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(data).map_err(failed)?;
            read_bounded(codec, decoder, data.len(), limit)
        }
    }
}

fn too_large(codec: Compression, limit: usize) -> Error {
    Error::new(ErrorKind::BadCompression, format!("{codec} data decompresses to more than {limit} bytes"))
}

/// Reads a streaming decoder to the end, failing once the output would pass `limit`.
fn read_bounded(codec: Compression, reader: impl Read, input_len: usize, limit: usize) -> Result<Vec<u8>> {
    // Batches typically compress 2-5x; start there instead of growing from zero.
    let mut out = Vec::with_capacity(input_len.saturating_mul(4).min(limit));
    // Reading one byte past the limit tells "exactly at the limit" from "over it".
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(bound)
        .read_to_end(&mut out)
        .map_err(|e| Error::new(ErrorKind::BadCompression, format!("invalid {codec} data: {e}")))?;
    if out.len() > limit {
        return Err(too_large(codec, limit));
    }
    Ok(out)
}

/// Raw snappy: the uncompressed length is stated up front, so it is checked before allocating.
fn decompress_snappy_raw(data: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<()> {
    let bad = |e: snap::Error| Error::new(ErrorKind::BadCompression, format!("invalid snappy data: {e}"));
    let len = snap::raw::decompress_len(data).map_err(bad)?;
    if len > limit.saturating_sub(out.len()) {
        return Err(too_large(Compression::Snappy, limit));
    }
    let start = out.len();
    out.resize(start + len, 0);
    let written = snap::raw::Decoder::new().decompress(data, &mut out[start..]).map_err(bad)?;
    out.truncate(start + written);
    Ok(())
}

/// xerial (snappy-java) framing after the 16-byte header: `[i32 BE length][raw snappy block]`*.
fn decompress_xerial(mut data: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<()> {
    while !data.is_empty() {
        let Some((len_bytes, rest)) = data.split_first_chunk::<4>() else {
            return Err(Error::new(ErrorKind::BadCompression, "truncated xerial snappy chunk length"));
        };
        let len = i32::from_be_bytes(*len_bytes);
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= rest.len())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadCompression,
                    format!("xerial snappy chunk length {len} exceeds the {} bytes left", rest.len()),
                )
            })?;
        let (chunk, rest) = rest.split_at(len);
        decompress_snappy_raw(chunk, limit, out)?;
        data = rest;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut data = Vec::new();
        for i in 0..5_000u32 {
            data.extend_from_slice(format!("record-{i} value {} ", i % 97).as_bytes());
        }
        data
    }

    #[test]
    fn round_trips_every_codec_and_level() {
        let data = sample();
        for &codec in Compression::ALL {
            for level in [-1, 0, 1, 5, 12, 100] {
                let mut out = b"HDR".to_vec();
                compress(codec, level, &data, &mut out).unwrap();
                assert_eq!(&out[..3], b"HDR", "compress appends");
                // gzip level 0 stores without compressing.
                if codec != Compression::None && !(codec == Compression::Gzip && level == 0) {
                    assert!(out.len() < data.len() / 2, "{codec} level {level} compresses");
                }
                assert_eq!(decompress(codec, &out[3..]).unwrap(), data, "{codec} level {level}");
            }
            let mut empty = Vec::new();
            compress(codec, -1, &[], &mut empty).unwrap();
            assert_eq!(decompress(codec, &empty).unwrap(), Vec::<u8>::new(), "{codec} empty");
        }
    }

    #[test]
    fn names_and_attributes() {
        for &codec in Compression::ALL {
            assert_eq!(Compression::parse(codec.as_str()), Some(codec));
            assert_eq!(Compression::from_attributes(codec.attribute_bits() | 0x30).unwrap(), codec);
        }
        assert_eq!(Compression::parse("GZIP"), Some(Compression::Gzip));
        assert_eq!(Compression::parse("brotli"), None);
        for bits in 5..8 {
            assert_eq!(Compression::from_attributes(bits).unwrap_err().kind, ErrorKind::BadCompression);
        }
    }

    #[test]
    fn snappy_xerial_framing_is_accepted() {
        let data = sample();
        let mut framed = XERIAL_MAGIC.to_vec();
        framed.extend_from_slice(&1i32.to_be_bytes());
        framed.extend_from_slice(&1i32.to_be_bytes());
        // snappy-java writes chunks of at most 32 KiB of input.
        for chunk in data.chunks(32 * 1024) {
            let block = snap::raw::Encoder::new().compress_vec(chunk).unwrap();
            framed.extend_from_slice(&(block.len() as i32).to_be_bytes());
            framed.extend_from_slice(&block);
        }
        assert_eq!(decompress(Compression::Snappy, &framed).unwrap(), data);
        // A chunk length pointing past the end is an error, not a panic.
        let mut bad = framed[..XERIAL_HEADER_LEN].to_vec();
        bad.extend_from_slice(&1000i32.to_be_bytes());
        bad.extend_from_slice(b"short");
        assert_eq!(decompress(Compression::Snappy, &bad).unwrap_err().kind, ErrorKind::BadCompression);
        bad.truncate(XERIAL_HEADER_LEN + 2);
        assert_eq!(decompress(Compression::Snappy, &bad).unwrap_err().kind, ErrorKind::BadCompression);
    }

    #[test]
    fn lz4_frames_are_kafka_compatible() {
        let mut out = Vec::new();
        compress(Compression::Lz4, -1, b"hello hello hello", &mut out).unwrap();
        // Frame magic, then FLG: version 01, block independence, no checksums, no content size.
        assert_eq!(&out[..4], &[0x04, 0x22, 0x4d, 0x18]);
        assert_eq!(out[4], 0b0110_0000);
        // BD: 64 KiB maximum block size.
        assert_eq!(out[5], 0x40);
    }

    #[test]
    fn zstd_without_content_size_is_accepted() {
        let data = sample();
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        encoder.include_contentsize(false).unwrap();
        encoder.write_all(&data).unwrap();
        let frame = encoder.finish().unwrap();
        assert_eq!(decompress(Compression::Zstd, &frame).unwrap(), data);
    }

    #[test]
    fn decompression_is_bounded() {
        let zeros = vec![0u8; 1 << 20];
        for &codec in Compression::ALL {
            let mut out = Vec::new();
            compress(codec, -1, &zeros, &mut out).unwrap();
            let err = decompress_with_limit(codec, &out, 1000).unwrap_err();
            assert_eq!(err.kind, ErrorKind::BadCompression, "{codec}");
            assert!(err.message.contains("more than 1000 bytes"), "{codec}: {err}");
            assert_eq!(decompress_with_limit(codec, &out, zeros.len()).unwrap().len(), zeros.len(), "{codec} at limit");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let inputs: [&[u8]; 5] = [b"", b"\x00", b"not compressed at all", &[0xff; 64], b"\x82SNAPPY\x00\x00\x00\x00\x01"];
        for &codec in &Compression::ALL[1..] {
            for input in inputs {
                if let Err(err) = decompress(codec, input) {
                    assert_eq!(err.kind, ErrorKind::BadCompression, "{codec}");
                }
            }
        }
    }
}
