//! Decompression of record batches (gzip, snappy raw or xerial-framed as Java writes it, lz4
//! frames, zstd), for what the broker must look inside: compaction and the key check of
//! compacted topics. Output is bounded, so a hostile batch cannot make the broker allocate more
//! than the limit.

use std::io::Read;

/// Largest decompressed batch the broker opens (Kafka's message.max.bytes is 1 MiB; a batch
/// compresses maybe 10x).
pub(crate) const MAX_DECOMPRESSED: usize = 64 << 20;

const XERIAL_MAGIC: &[u8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

/// Decompresses the records section of a batch of `codec` (attribute bits 0-2).
pub(crate) fn decompress(codec: i16, data: &[u8]) -> Result<Vec<u8>, String> {
    let bounded = |reader: &mut dyn Read| -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        reader
            .take(MAX_DECOMPRESSED as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("invalid compressed data: {e}"))?;
        if out.len() > MAX_DECOMPRESSED {
            return Err(format!("batch decompresses to more than {MAX_DECOMPRESSED} bytes"));
        }
        Ok(out)
    };
    match codec {
        0 => Ok(data.to_vec()),
        1 => bounded(&mut flate2::read::MultiGzDecoder::new(data)),
        2 if data.len() >= XERIAL_HEADER_LEN && data.starts_with(XERIAL_MAGIC) => {
            let mut out = Vec::new();
            let mut rest = &data[XERIAL_HEADER_LEN..];
            while let Some((len, tail)) = rest.split_first_chunk::<4>() {
                let len = usize::try_from(i32::from_be_bytes(*len)).ok().filter(|&l| l <= tail.len()).ok_or("bad xerial chunk length")?;
                snappy_raw(&tail[..len], &mut out)?;
                rest = &tail[len..];
            }
            Ok(out)
        }
        2 => {
            let mut out = Vec::new();
            snappy_raw(data, &mut out)?;
            Ok(out)
        }
        3 => bounded(&mut lz4::Decoder::new(data).map_err(|e| format!("invalid lz4 data: {e}"))?),
        4 => bounded(&mut zstd::stream::read::Decoder::new(data).map_err(|e| format!("invalid zstd data: {e}"))?),
        other => Err(format!("unknown compression codec {other}")),
    }
}

fn snappy_raw(data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let len = snap::raw::decompress_len(data).map_err(|e| format!("invalid snappy data: {e}"))?;
    if out.len() + len > MAX_DECOMPRESSED {
        return Err(format!("batch decompresses to more than {MAX_DECOMPRESSED} bytes"));
    }
    let start = out.len();
    out.resize(start + len, 0);
    let n = snap::raw::Decoder::new().decompress(data, &mut out[start..]).map_err(|e| format!("invalid snappy data: {e}"))?;
    out.truncate(start + n);
    Ok(())
}
