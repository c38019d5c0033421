//! Key -> partition mapping, bit-compatible with librdkafka's built-in partitioners
//! (`rdkafka_msg.c`) and, for `murmur2*`, with the Java producer.
//!
//! `partition_for_key` reproduces librdkafka's whole decision, not only its hash functions: since
//! librdkafka 1.5 (KIP-480 sticky partitioning) `rd_kafka_msg_partitioner()` sends every record
//! with a NULL key to the topic's sticky partition, whatever the partitioner, and for
//! `consistent_random` also records with an empty key. Only a present key reaches the hash.
//! `random` never looks at the key. In all those cases this module answers `None` and the
//! producer uses its sticky partition (`sticky.partitioning.linger.ms`).
//!
//! So: NULL key -> `None` everywhere; empty key -> hashed (`crc32("") = 0`, murmur2/fnv1a of the
//! empty input) except for `consistent_random` and `random`.

/// A partitioner name from the `partitioner` property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitioner {
    /// `random`: no key-based choice at all.
    Random,
    /// `consistent`: CRC32 (IEEE) of the key modulo the partition count.
    Consistent,
    /// `consistent_random`: like `consistent`, but NULL and empty keys go to the sticky partition.
    /// librdkafka's default.
    ConsistentRandom,
    /// `murmur2`: Java's `toPositive(murmur2(key, 0x9747b28c)) % n`.
    Murmur2,
    /// `murmur2_random`: `murmur2` with NULL keys on the sticky partition; the Java producer's
    /// default behaviour and this crate's default.
    Murmur2Random,
    /// `fnv1a`: 32-bit FNV-1a of the key modulo the partition count.
    Fnv1a,
    /// `fnv1a_random`: `fnv1a` with NULL keys on the sticky partition.
    Fnv1aRandom,
}

impl Partitioner {
    /// Every partitioner, in librdkafka's documentation order.
    pub const ALL: &'static [Partitioner] = &[
        Partitioner::Random,
        Partitioner::Consistent,
        Partitioner::ConsistentRandom,
        Partitioner::Murmur2,
        Partitioner::Murmur2Random,
        Partitioner::Fnv1a,
        Partitioner::Fnv1aRandom,
    ];

    /// Parses librdkafka's name (`consistent_random`, ...). Case-sensitive, like librdkafka.
    pub fn parse(s: &str) -> Option<Partitioner> {
        Partitioner::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// librdkafka's name for the partitioner.
    pub fn as_str(self) -> &'static str {
        match self {
            Partitioner::Random => "random",
            Partitioner::Consistent => "consistent",
            Partitioner::ConsistentRandom => "consistent_random",
            Partitioner::Murmur2 => "murmur2",
            Partitioner::Murmur2Random => "murmur2_random",
            Partitioner::Fnv1a => "fnv1a",
            Partitioner::Fnv1aRandom => "fnv1a_random",
        }
    }

    /// Some(p) for a deterministic choice; None means "no key-based choice: use the sticky
    /// partition" (random, a NULL key, or an empty key with `consistent_random`), exactly when
    /// librdkafka would use its sticky partition. Also None when `partition_count <= 0`, since
    /// there is nothing to choose from.
    pub fn partition_for_key(self, key: Option<&[u8]>, partition_count: i32) -> Option<i32> {
        if partition_count <= 0 {
            return None;
        }
        let key = key?;
        // librdkafka computes these with unsigned 32-bit arithmetic (`uint32_t % int32_t`
        // promotes to unsigned), so the modulo is unsigned too; the result is < partition_count.
        let n = partition_count as u32;
        let partition = match self {
            Partitioner::Random => return None,
            Partitioner::ConsistentRandom if key.is_empty() => return None,
            Partitioner::Consistent | Partitioner::ConsistentRandom => crc32fast::hash(key) % n,
            Partitioner::Murmur2 | Partitioner::Murmur2Random => {
                (murmur2::murmur2(key, murmur2::KAFKA_SEED) & 0x7fff_ffff) % n
            }
            Partitioner::Fnv1a | Partitioner::Fnv1aRandom => fnv1a(key) % n,
        };
        // Lossless: partition < n <= i32::MAX.
        Some(partition as i32)
    }
}

impl std::fmt::Display for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 32-bit FNV-1a as librdkafka's `rd_fnv1a` computes it: the hash is then taken as a signed
/// 32-bit value and made absolute (to match Sarama's `NewHashPartitioner`); `i32::MIN` stays
/// itself, i.e. 0x8000_0000 once read back as unsigned, as in C.
fn fnv1a(data: &[u8]) -> u32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    let hash = data.iter().fold(OFFSET_BASIS, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(PRIME));
    (hash as i32).wrapping_abs() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row of `partitioner.tsv`, produced by librdkafka itself.
    struct Vector {
        key: Vec<u8>,
        partitions: i32,
        murmur2: i32,
        consistent: i32,
        fnv1a: i32,
    }

    fn load_vectors() -> Vec<Vector> {
        let dir = env!("CARGO_MANIFEST_DIR");
        let shared = format!("{dir}/../../shared/vectors/partitioner.tsv");
        let local = format!("{dir}/tests/vectors/partitioner.tsv");
        let text = std::fs::read_to_string(&shared)
            .or_else(|_| std::fs::read_to_string(&local))
            .expect("partitioner.tsv in ../shared/vectors or core/tests/vectors");
        let mut rows = Vec::new();
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "bad row {line:?}");
            let key = (0..cols[0].len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&cols[0][i..i + 2], 16).expect("hex key"))
                .collect();
            let num = |s: &str| s.parse::<i32>().expect("number");
            rows.push(Vector {
                key,
                partitions: num(cols[1]),
                murmur2: num(cols[2]),
                consistent: num(cols[3]),
                fnv1a: num(cols[4]),
            });
        }
        rows
    }

    #[test]
    fn matches_librdkafka_vectors() {
        let vectors = load_vectors();
        assert!(vectors.len() >= 72, "expected the full vector file, got {} rows", vectors.len());
        for v in &vectors {
            let key = Some(v.key.as_slice());
            let ctx = format!("key {:?} partitions {}", String::from_utf8_lossy(&v.key), v.partitions);
            assert_eq!(Partitioner::Murmur2.partition_for_key(key, v.partitions), Some(v.murmur2), "murmur2 {ctx}");
            assert_eq!(Partitioner::Murmur2Random.partition_for_key(key, v.partitions), Some(v.murmur2), "murmur2_random {ctx}");
            assert_eq!(Partitioner::Consistent.partition_for_key(key, v.partitions), Some(v.consistent), "consistent {ctx}");
            assert_eq!(Partitioner::Fnv1a.partition_for_key(key, v.partitions), Some(v.fnv1a), "fnv1a {ctx}");
            assert_eq!(Partitioner::Fnv1aRandom.partition_for_key(key, v.partitions), Some(v.fnv1a), "fnv1a_random {ctx}");
            let expected_cr = if v.key.is_empty() { None } else { Some(v.consistent) };
            assert_eq!(Partitioner::ConsistentRandom.partition_for_key(key, v.partitions), expected_cr, "consistent_random {ctx}");
        }
    }

    #[test]
    fn java_examples_from_facts() {
        let p = Partitioner::Murmur2Random;
        assert_eq!(p.partition_for_key(Some(b"foo"), 3), Some(2));
        assert_eq!(p.partition_for_key(Some(b"bar"), 3), Some(0));
        assert_eq!(p.partition_for_key(Some(b""), 3), Some(0));
        assert_eq!(p.partition_for_key(Some(b"kafka"), 3), Some(1));
    }

    #[test]
    fn null_keys_and_random_use_sticky() {
        for &p in Partitioner::ALL {
            assert_eq!(p.partition_for_key(None, 6), None, "{p}");
            assert_eq!(p.partition_for_key(Some(b"k"), 0), None, "{p}");
        }
        assert_eq!(Partitioner::Random.partition_for_key(Some(b"k"), 6), None);
        assert_eq!(Partitioner::ConsistentRandom.partition_for_key(Some(b""), 6), None);
        assert_eq!(Partitioner::Consistent.partition_for_key(Some(b""), 6), Some(0));
    }

    #[test]
    fn names_round_trip() {
        for &p in Partitioner::ALL {
            assert_eq!(Partitioner::parse(p.as_str()), Some(p));
        }
        assert_eq!(Partitioner::parse("Murmur2"), None);
        assert_eq!(Partitioner::parse("java"), None);
    }

    #[test]
    fn large_partition_counts_stay_in_range() {
        for &p in Partitioner::ALL {
            for key in [&b"a"[..], b"zzzzzzzz", b"\xff\xff\xff\xff"] {
                if let Some(part) = p.partition_for_key(Some(key), i32::MAX) {
                    assert!((0..i32::MAX).contains(&part));
                }
            }
        }
    }
}
