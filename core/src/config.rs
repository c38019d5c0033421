//! Configuration: librdkafka-style string properties, validated when set, plus typed views.
//!
//! Every property ferrokafka understands is one row of [`PROPERTIES`]: its librdkafka name and
//! aliases, default, allowed values, Java client name and what it does. Bindings that replace
//! librdkafka pass the application's map through [`ClientConfig::set`] unchanged; the core reads
//! the typed views ([`ClientConfig::producer`], [`ClientConfig::consumer`]).
//!
//! Nothing is silently ignored: an unknown property is an error (`No such configuration
//! property`), as are values outside librdkafka's documented ranges (CONFIGURATION.md). The few
//! properties accepted only for compatibility say so in their documentation.
//!
//! Deliberate differences from librdkafka:
//! - `partitioner` defaults to `murmur2_random` (Java-compatible); bindings replacing a librdkafka
//!   wrapper set `consistent_random` themselves so existing keys keep their partitions.
//! - `api.version.request=false` is refused: brokers older than 0.10 are not supported.
//! - `acks` accepts -1, 0, 1 and `all` only (librdkafka takes -1..1000, but brokers reject anything
//!   but -1, 0 and 1 with INVALID_REQUIRED_ACKS).

use std::time::Duration;

use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Result};
use crate::producer::partitioner::Partitioner;
use crate::protocol::compression::Compression;

/// Which client type a property applies to (librdkafka's C/P/* column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Producer only (P).
    Producer,
    /// Consumer only (C).
    Consumer,
    /// Every client (*).
    Both,
}

/// What values a property accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Any string.
    String,
    /// `true`/`false` (also `t`/`f`, `1`/`0`, case-insensitive, like librdkafka).
    Bool,
    /// A whole number in `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A number (fractions allowed) in `min..=max`.
    Float {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// One of the listed words (case-insensitive).
    Enum(&'static [&'static str]),
    /// A comma-separated subset of the listed words (case-insensitive).
    Flags(&'static [&'static str]),
    /// A comma-separated list of `host`, `host:port` or `[ipv6]:port` (optionally prefixed with
    /// `plaintext://`).
    Brokers,
}

/// One configuration property.
#[derive(Clone, Copy, Debug)]
pub struct PropertyDef {
    /// The canonical (librdkafka) name.
    pub name: &'static str,
    /// Other names accepted for it (librdkafka aliases).
    pub aliases: &'static [&'static str],
    /// Effective value when unset; `None` means "unset" (no value at all).
    pub default: Option<&'static str>,
    /// Accepted values.
    pub kind: Kind,
    /// What it does, and how ferrokafka uses it.
    pub doc: &'static str,
    /// The Java client's name for the same setting, if there is one.
    pub java_name: Option<&'static str>,
    /// Client types it applies to.
    pub scope: Scope,
}

/// librdkafka's debug contexts.
const DEBUG_CONTEXTS: &[&str] = &[
    "generic", "broker", "topic", "metadata", "feature", "queue", "msg", "protocol", "cgrp", "security", "fetch",
    "interceptor", "plugin", "consumer", "admin", "eos", "mock", "assignor", "conf", "telemetry", "all",
];
const ACKS_VALUES: &[&str] = &["-1", "0", "1", "all"];
const COMPRESSION_VALUES: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd"];
const PARTITIONER_VALUES: &[&str] =
    &["random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"];
const OFFSET_RESET_VALUES: &[&str] = &["smallest", "earliest", "beginning", "largest", "latest", "end", "error"];
const ISOLATION_VALUES: &[&str] = &["read_uncommitted", "read_committed"];
const SECURITY_PROTOCOL_VALUES: &[&str] = &["plaintext"];

/// Largest `i32`, librdkafka's usual "unbounded" upper limit.
const I32_MAX: i64 = i32::MAX as i64;

/// Shorthand for table rows.
const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

/// Every property ferrokafka accepts. Ranges and defaults are librdkafka's (CONFIGURATION.md).
pub static PROPERTIES: &[PropertyDef] = &[
    // ---- every client ----
    PropertyDef {
        name: "bootstrap.servers",
        aliases: &["metadata.broker.list"],
        default: None,
        kind: Kind::Brokers,
        doc: "Initial brokers, a comma-separated list of host[:port] (port defaults to 9092). Required.",
        java_name: Some("bootstrap.servers"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "client.id",
        aliases: &[],
        default: Some("rdkafka"),
        kind: Kind::String,
        doc: "Client identifier sent with every request (librdkafka's default, so broker quotas keyed on it keep working).",
        java_name: Some("client.id"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "message.max.bytes",
        aliases: &[],
        default: Some("1000000"),
        kind: int(1000, 1_000_000_000),
        doc: "Largest record (and, for the producer, record batch) the client will send; larger records fail with MSG_SIZE_TOO_LARGE at send time.",
        java_name: Some("max.request.size"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "max.in.flight.requests.per.connection",
        aliases: &["max.in.flight"],
        default: Some("1000000"),
        kind: int(1, 1_000_000),
        doc: "Most requests outstanding per broker connection. With enable.idempotence the producer uses at most 5 per partition.",
        java_name: Some("max.in.flight.requests.per.connection"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "topic.metadata.refresh.interval.ms",
        aliases: &[],
        default: Some("300000"),
        kind: int(-1, 3_600_000),
        doc: "Period of the proactive metadata refresh; -1 disables it (metadata is then refreshed only on errors).",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "metadata.max.age.ms",
        aliases: &[],
        default: Some("900000"),
        kind: int(1, 86_400_000),
        doc: "Age after which cached metadata is considered stale and refetched before use.",
        java_name: Some("metadata.max.age.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "debug",
        aliases: &[],
        default: None,
        kind: Kind::Flags(DEBUG_CONTEXTS),
        doc: "Comma-separated debug contexts to log (librdkafka's names; `all` for everything).",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "socket.timeout.ms",
        aliases: &[],
        default: Some("60000"),
        kind: int(10, 300_000),
        doc: "Default timeout for network requests (connection setup and requests without a more specific timeout).",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "socket.keepalive.enable",
        aliases: &[],
        default: Some("false"),
        kind: Kind::Bool,
        doc: "Enable TCP keep-alives (SO_KEEPALIVE) on broker sockets.",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "socket.nagle.disable",
        aliases: &[],
        default: Some("true"),
        kind: Kind::Bool,
        doc: "Disable Nagle's algorithm (TCP_NODELAY) on broker sockets.",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "reconnect.backoff.ms",
        aliases: &[],
        default: Some("100"),
        kind: int(0, 3_600_000),
        doc: "First wait before reconnecting to a broker; doubles up to reconnect.backoff.max.ms.",
        java_name: Some("reconnect.backoff.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "reconnect.backoff.max.ms",
        aliases: &[],
        default: Some("10000"),
        kind: int(0, 3_600_000),
        doc: "Longest wait before reconnecting to a broker.",
        java_name: Some("reconnect.backoff.max.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "retry.backoff.ms",
        aliases: &[],
        default: Some("100"),
        kind: int(1, 300_000),
        doc: "First wait before retrying a failed request; grows exponentially up to retry.backoff.max.ms.",
        java_name: Some("retry.backoff.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "retry.backoff.max.ms",
        aliases: &[],
        default: Some("1000"),
        kind: int(1, 300_000),
        doc: "Longest wait before retrying a failed request.",
        java_name: Some("retry.backoff.max.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "api.version.request",
        aliases: &[],
        default: Some("true"),
        kind: Kind::Bool,
        doc: "Query the broker's API versions (ApiVersions). Always on: `false` is refused because brokers older than 0.10 are not supported.",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "api.version.request.timeout.ms",
        aliases: &[],
        default: Some("10000"),
        kind: int(1, 300_000),
        doc: "Timeout of the ApiVersions request on a new connection.",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "broker.version.fallback",
        aliases: &[],
        default: Some("0.10.0"),
        kind: Kind::String,
        doc: "Accepted for compatibility only: librdkafka uses it when api.version.request=false, which ferrokafka does not support, so it has no effect.",
        java_name: None,
        scope: Scope::Both,
    },
    PropertyDef {
        name: "security.protocol",
        aliases: &[],
        default: Some("plaintext"),
        kind: Kind::Enum(SECURITY_PROTOCOL_VALUES),
        doc: "Protocol to talk to brokers. Only `plaintext` is supported so far; ssl and sasl_* are refused rather than ignored.",
        java_name: Some("security.protocol"),
        scope: Scope::Both,
    },
    // ---- producer ----
    PropertyDef {
        name: "acks",
        aliases: &["request.required.acks"],
        default: Some("-1"),
        kind: Kind::Enum(ACKS_VALUES),
        doc: "Acknowledgements the leader waits for: 0 none (no response), 1 the leader, -1/all every in-sync replica.",
        java_name: Some("acks"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "linger.ms",
        aliases: &["queue.buffering.max.ms"],
        default: Some("5"),
        kind: Kind::Float { min: 0.0, max: 900_000.0 },
        doc: "How long a batch may wait for more records before it is sent (fractions of a millisecond allowed).",
        java_name: Some("linger.ms"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "batch.num.messages",
        aliases: &[],
        default: Some("10000"),
        kind: int(1, 1_000_000),
        doc: "Most records in one batch.",
        java_name: None,
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "batch.size",
        aliases: &[],
        default: Some("1000000"),
        kind: int(1, I32_MAX),
        doc: "Most bytes (uncompressed, with framing) in one batch; a first record larger than this still gets a batch of its own.",
        java_name: Some("batch.size"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "compression.type",
        aliases: &["compression.codec"],
        default: Some("none"),
        kind: Kind::Enum(COMPRESSION_VALUES),
        doc: "Codec for produced batches: none, gzip, snappy, lz4 or zstd (zstd needs Kafka >= 2.1).",
        java_name: Some("compression.type"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "compression.level",
        aliases: &[],
        default: Some("-1"),
        kind: int(-1, 12),
        doc: "Codec level: gzip 0-9, lz4 0-12, zstd 1-12 here; -1 is the codec's default; snappy has none.",
        java_name: Some("compression.gzip.level / compression.lz4.level / compression.zstd.level"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "message.timeout.ms",
        aliases: &["delivery.timeout.ms"],
        default: Some("300000"),
        kind: int(0, I32_MAX),
        doc: "Longest time a record may take to be delivered, retries included; 0 is infinite.",
        java_name: Some("delivery.timeout.ms"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "request.timeout.ms",
        aliases: &[],
        default: Some("30000"),
        kind: int(1, 900_000),
        doc: "Produce request timeout the broker enforces (acks != 0), and how long the client waits for a response.",
        java_name: Some("request.timeout.ms"),
        scope: Scope::Both,
    },
    PropertyDef {
        name: "retries",
        aliases: &["message.send.max.retries"],
        default: Some("2147483647"),
        kind: int(0, I32_MAX),
        doc: "How many times a failed batch is retried (message.timeout.ms bounds the total time anyway).",
        java_name: Some("retries"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "queue.buffering.max.messages",
        aliases: &[],
        default: Some("100000"),
        kind: int(0, I32_MAX),
        doc: "Most records waiting in the producer (all partitions); send fails with QUEUE_FULL beyond it. 0 disables the limit.",
        java_name: None,
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "queue.buffering.max.kbytes",
        aliases: &[],
        default: Some("1048576"),
        kind: int(1, I32_MAX),
        doc: "Most KiB of records waiting in the producer; send fails with QUEUE_FULL beyond it.",
        java_name: Some("buffer.memory (in bytes)"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "enable.idempotence",
        aliases: &[],
        default: Some("false"),
        kind: Kind::Bool,
        doc: "Idempotent producer: exactly-once, in-order delivery per partition (InitProducerId, sequence numbers, at most 5 in flight).",
        java_name: Some("enable.idempotence"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "partitioner",
        aliases: &[],
        default: Some("murmur2_random"),
        kind: Kind::Enum(PARTITIONER_VALUES),
        doc: "Key -> partition mapping. Default murmur2_random, Java's; librdkafka's default is consistent_random.",
        java_name: Some("partitioner.class"),
        scope: Scope::Producer,
    },
    PropertyDef {
        name: "sticky.partitioning.linger.ms",
        aliases: &[],
        default: Some("10"),
        kind: int(0, 900_000),
        doc: "How long records without a key stick to one partition before another is picked; 0 picks per record.",
        java_name: None,
        scope: Scope::Producer,
    },
    // ---- consumer ----
    PropertyDef {
        name: "group.id",
        aliases: &[],
        default: None,
        kind: Kind::String,
        doc: "Consumer group; needed for subscribe and offset commits.",
        java_name: Some("group.id"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "group.instance.id",
        aliases: &[],
        default: None,
        kind: Kind::String,
        doc: "Static group membership id (KIP-345, Kafka >= 2.3).",
        java_name: Some("group.instance.id"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "group.protocol.type",
        aliases: &[],
        default: Some("consumer"),
        kind: Kind::String,
        doc: "Protocol type sent in JoinGroup (classic protocol).",
        java_name: None,
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "partition.assignment.strategy",
        aliases: &[],
        default: Some("range,roundrobin"),
        kind: Kind::Flags(&["range", "roundrobin", "cooperative-sticky"]),
        doc: "Assignors offered in JoinGroup, preferred first.",
        java_name: Some("partition.assignment.strategy"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "session.timeout.ms",
        aliases: &[],
        default: Some("45000"),
        kind: int(1, 3_600_000),
        doc: "Group session timeout: without heartbeats for this long the member is removed.",
        java_name: Some("session.timeout.ms"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "heartbeat.interval.ms",
        aliases: &[],
        default: Some("3000"),
        kind: int(1, 3_600_000),
        doc: "Interval between group heartbeats.",
        java_name: Some("heartbeat.interval.ms"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "max.poll.interval.ms",
        aliases: &[],
        default: Some("300000"),
        kind: int(1, 86_400_000),
        doc: "Longest time between polls before the consumer leaves the group (MAX_POLL_EXCEEDED).",
        java_name: Some("max.poll.interval.ms"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "enable.auto.commit",
        aliases: &[],
        default: Some("true"),
        kind: Kind::Bool,
        doc: "Commit stored offsets periodically in the background.",
        java_name: Some("enable.auto.commit"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "auto.commit.interval.ms",
        aliases: &[],
        default: Some("5000"),
        kind: int(0, 86_400_000),
        doc: "Period of automatic commits; 0 disables them.",
        java_name: Some("auto.commit.interval.ms"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "enable.auto.offset.store",
        aliases: &[],
        default: Some("true"),
        kind: Kind::Bool,
        doc: "Store the offset of each record handed to the application, for the next commit.",
        java_name: None,
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "fetch.min.bytes",
        aliases: &[],
        default: Some("1"),
        kind: int(1, 100_000_000),
        doc: "Least data the broker should gather before answering a fetch (or fetch.wait.max.ms passes).",
        java_name: Some("fetch.min.bytes"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "fetch.wait.max.ms",
        aliases: &[],
        default: Some("500"),
        kind: int(0, 300_000),
        doc: "Longest time the broker may wait for fetch.min.bytes.",
        java_name: Some("fetch.max.wait.ms"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "fetch.max.bytes",
        aliases: &[],
        default: Some("52428800"),
        kind: int(0, 2_147_483_135),
        doc: "Most data per fetch response (a first batch larger than this is still returned).",
        java_name: Some("fetch.max.bytes"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "max.partition.fetch.bytes",
        aliases: &["fetch.message.max.bytes"],
        default: Some("1048576"),
        kind: int(1, 1_000_000_000),
        doc: "Most data per partition in a fetch response.",
        java_name: Some("max.partition.fetch.bytes"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "auto.offset.reset",
        aliases: &[],
        default: Some("largest"),
        kind: Kind::Enum(OFFSET_RESET_VALUES),
        doc: "Where to start without a valid offset: smallest/earliest/beginning, largest/latest/end, or error (_AUTO_OFFSET_RESET).",
        java_name: Some("auto.offset.reset"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "enable.partition.eof",
        aliases: &[],
        default: Some("false"),
        kind: Kind::Bool,
        doc: "Report _PARTITION_EOF each time the consumer reaches the end of a partition.",
        java_name: None,
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "check.crcs",
        aliases: &[],
        default: Some("false"),
        kind: Kind::Bool,
        doc: "Verify the CRC32C of fetched batches.",
        java_name: Some("check.crcs"),
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "queued.min.messages",
        aliases: &[],
        default: Some("100000"),
        kind: int(1, 10_000_000),
        doc: "Records per partition the consumer tries to keep prefetched.",
        java_name: None,
        scope: Scope::Consumer,
    },
    PropertyDef {
        name: "isolation.level",
        aliases: &[],
        default: Some("read_committed"),
        kind: Kind::Enum(ISOLATION_VALUES),
        doc: "read_committed hides aborted transactional records and stops at the last stable offset; read_uncommitted returns everything.",
        java_name: Some("isolation.level"),
        scope: Scope::Consumer,
    },
];

/// Finds a property by its canonical name or an alias.
pub fn property(key: &str) -> Option<&'static PropertyDef> {
    PROPERTIES.iter().find(|p| p.name == key || p.aliases.contains(&key))
}

/// Client configuration: canonical property name -> value as set.
#[derive(Clone, Debug, Default)]
pub struct ClientConfig {
    values: IndexMap<&'static str, String>,
}

impl ClientConfig {
    /// An empty configuration (every property at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (a canonical name or alias) to `value` after validating it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        let def = property(key).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArg, format!("No such configuration property: \"{key}\""))
        })?;
        validate(def, key, value)?;
        self.values.insert(def.name, value.trim().to_string());
        Ok(self)
    }

    /// [`ClientConfig::set`] by value, for chaining: `ClientConfig::new().with("a", "1")?.with(..)?`.
    pub fn with(mut self, key: &str, value: &str) -> Result<Self> {
        self.set(key, value)?;
        Ok(self)
    }

    /// The effective value (set value or default); `key` may be an alias. `None` for an unknown
    /// key or a property that is unset and has no default.
    pub fn get(&self, key: &str) -> Option<String> {
        property(key).and_then(|def| self.effective(def)).map(str::to_string)
    }

    /// Builds a configuration from `(key, value)` pairs, failing on the first invalid one.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = ClientConfig::new();
        for (key, value) in pairs {
            config.set(key.as_ref(), value.as_ref())?;
        }
        Ok(config)
    }

    /// Every property that has a value, with its effective value, in table order (like
    /// `rd_kafka_conf_dump`, which also leaves out unset properties).
    pub fn dump(&self) -> Vec<(String, String)> {
        PROPERTIES
            .iter()
            .filter_map(|def| self.effective(def).map(|v| (def.name.to_string(), v.to_string())))
            .collect()
    }

    /// Whether the property (or one of its aliases) was set explicitly.
    pub fn is_set(&self, key: &str) -> bool {
        property(key).is_some_and(|def| self.values.contains_key(def.name))
    }

    /// Properties that were set but do not apply to a client of type `scope`, each with a
    /// librdkafka-style warning, e.g. `Configuration property group.id is a consumer property and
    /// will be ignored by this producer instance`, for bindings to log.
    pub fn scope_warnings(&self, scope: Scope) -> Vec<String> {
        let role = |s: Scope| if s == Scope::Producer { "producer" } else { "consumer" };
        self.values
            .keys()
            .filter_map(|name| property(name))
            .filter(|def| def.scope != Scope::Both && scope != Scope::Both && def.scope != scope)
            .map(|def| {
                format!(
                    "Configuration property {} is a {} property and will be ignored by this {} instance",
                    def.name,
                    role(def.scope),
                    role(scope)
                )
            })
            .collect()
    }

    /// Settings every client uses.
    pub fn common(&self) -> Result<CommonConfig> {
        let bootstrap = self.effective_of("bootstrap.servers").unwrap_or("");
        let bootstrap_servers = parse_brokers(bootstrap).map_err(|why| invalid("bootstrap.servers", bootstrap, &why))?;
        if bootstrap_servers.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "Configuration property \"bootstrap.servers\" is required: set it to a comma-separated list of host:port",
            ));
        }
        let debug = self
            .effective_of("debug")
            .map(|v| split_list(v).map(|s| s.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        let refresh = self.int("topic.metadata.refresh.interval.ms")?;
        Ok(CommonConfig {
            bootstrap_servers,
            client_id: self.effective_of("client.id").unwrap_or("rdkafka").to_string(),
            socket_timeout: self.ms("socket.timeout.ms")?,
            request_timeout: self.ms("request.timeout.ms")?,
            metadata_max_age: self.ms("metadata.max.age.ms")?,
            // -1 disables the periodic refresh: a year is "never" without overflowing Instant math.
            topic_metadata_refresh_interval: if refresh < 0 {
                Duration::from_secs(365 * 24 * 3600)
            } else {
                Duration::from_millis(refresh.unsigned_abs())
            },
            reconnect_backoff: self.ms("reconnect.backoff.ms")?,
            reconnect_backoff_max: self.ms("reconnect.backoff.max.ms")?,
            retry_backoff: self.ms("retry.backoff.ms")?,
            retry_backoff_max: self.ms("retry.backoff.max.ms")?,
            message_max_bytes: self.usize("message.max.bytes")?,
            debug,
            api_version_request_timeout: self.ms("api.version.request.timeout.ms")?,
            socket_keepalive: self.boolean("socket.keepalive.enable")?,
            socket_nagle_disable: self.boolean("socket.nagle.disable")?,
        })
    }

    /// The producer's view (common settings included).
    pub fn producer(&self) -> Result<ProducerConfig> {
        let acks = match self.effective_of("acks").unwrap_or("-1").to_ascii_lowercase().as_str() {
            "0" => Acks::None,
            "1" => Acks::Leader,
            _ => Acks::All,
        };
        let compression_name = self.effective_of("compression.type").unwrap_or("none");
        let compression = Compression::parse(compression_name)
            .ok_or_else(|| invalid("compression.type", compression_name, "unknown codec"))?;
        let partitioner_name = self.effective_of("partitioner").unwrap_or("murmur2_random");
        let partitioner = Partitioner::parse(&partitioner_name.to_ascii_lowercase())
            .ok_or_else(|| invalid("partitioner", partitioner_name, "unknown partitioner"))?;
        let enable_idempotence = self.boolean("enable.idempotence")?;
        if enable_idempotence && acks != Acks::All {
            // librdkafka refuses this too: without acks=all the broker may lose an acknowledged
            // batch, and the sequence numbers that promise no duplicates would be wrong.
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "`acks` must be set to `all` when `enable.idempotence` is true",
            ));
        }
        Ok(ProducerConfig {
            common: self.common()?,
            acks,
            linger: self.float_ms("linger.ms")?,
            batch_num_messages: self.usize("batch.num.messages")?,
            batch_size: self.usize("batch.size")?,
            compression,
            compression_level: self.i32("compression.level")?,
            message_timeout: self.ms("message.timeout.ms")?,
            retries: u32::try_from(self.int("retries")?).unwrap_or(u32::MAX),
            queue_buffering_max_messages: self.usize("queue.buffering.max.messages")?,
            queue_buffering_max_kbytes: self.usize("queue.buffering.max.kbytes")?,
            max_in_flight: self.usize("max.in.flight.requests.per.connection")?,
            enable_idempotence,
            partitioner,
            sticky_linger: self.ms("sticky.partitioning.linger.ms")?,
        })
    }

    /// The consumer's view (common settings included).
    pub fn consumer(&self) -> Result<ConsumerConfig> {
        let reset = self.effective_of("auto.offset.reset").unwrap_or("largest").to_ascii_lowercase();
        let auto_offset_reset = match reset.as_str() {
            "smallest" | "earliest" | "beginning" => OffsetReset::Earliest,
            "error" => OffsetReset::Error,
            _ => OffsetReset::Latest,
        };
        let isolation_level =
            match self.effective_of("isolation.level").unwrap_or("read_committed").to_ascii_lowercase().as_str() {
                "read_uncommitted" => IsolationLevel::ReadUncommitted,
                _ => IsolationLevel::ReadCommitted,
            };
        let non_empty = |name| self.effective_of(name).filter(|v| !v.is_empty()).map(str::to_string);
        Ok(ConsumerConfig {
            common: self.common()?,
            fetch_min_bytes: self.i32("fetch.min.bytes")?,
            fetch_wait_max: self.ms("fetch.wait.max.ms")?,
            fetch_max_bytes: self.i32("fetch.max.bytes")?,
            max_partition_fetch_bytes: self.i32("max.partition.fetch.bytes")?,
            auto_offset_reset,
            enable_partition_eof: self.boolean("enable.partition.eof")?,
            check_crcs: self.boolean("check.crcs")?,
            queued_min_messages: self.usize("queued.min.messages")?,
            isolation_level,
            group_id: non_empty("group.id"),
            group_instance_id: non_empty("group.instance.id"),
            group_protocol_type: self.effective_of("group.protocol.type").unwrap_or("consumer").to_string(),
            partition_assignment_strategy: self
                .effective_of("partition.assignment.strategy")
                .map(|v| split_list(v).map(|s| s.to_ascii_lowercase()).collect())
                .unwrap_or_default(),
            session_timeout: self.ms("session.timeout.ms")?,
            heartbeat_interval: self.ms("heartbeat.interval.ms")?,
            max_poll_interval: self.ms("max.poll.interval.ms")?,
            enable_auto_commit: self.boolean("enable.auto.commit")?,
            auto_commit_interval: self.ms("auto.commit.interval.ms")?,
            enable_auto_offset_store: self.boolean("enable.auto.offset.store")?,
        })
    }

    fn effective(&self, def: &PropertyDef) -> Option<&str> {
        self.values.get(def.name).map(String::as_str).or(def.default)
    }

    /// Effective value by canonical name (always a table entry when called from this module).
    fn effective_of(&self, name: &str) -> Option<&str> {
        property(name).and_then(|def| self.effective(def))
    }

    /// Integer value; values were validated by `set` and defaults by a test, so the error paths
    /// only guard against a table mistake.
    fn int(&self, name: &str) -> Result<i64> {
        let value = self.effective_of(name).unwrap_or("");
        value.trim().parse::<i64>().map_err(|_| invalid(name, value, "must be an integer"))
    }

    fn i32(&self, name: &str) -> Result<i32> {
        let v = self.int(name)?;
        i32::try_from(v).map_err(|_| invalid(name, &v.to_string(), "does not fit in 32 bits"))
    }

    fn usize(&self, name: &str) -> Result<usize> {
        let v = self.int(name)?;
        usize::try_from(v).map_err(|_| invalid(name, &v.to_string(), "must not be negative"))
    }

    fn ms(&self, name: &str) -> Result<Duration> {
        let v = self.int(name)?;
        u64::try_from(v).map(Duration::from_millis).map_err(|_| invalid(name, &v.to_string(), "must not be negative"))
    }

    fn float_ms(&self, name: &str) -> Result<Duration> {
        let value = self.effective_of(name).unwrap_or("");
        let ms = value.trim().parse::<f64>().map_err(|_| invalid(name, value, "must be a number"))?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| invalid(name, value, "must be a non-negative number"))
    }

    fn boolean(&self, name: &str) -> Result<bool> {
        let value = self.effective_of(name).unwrap_or("");
        parse_bool(value).ok_or_else(|| invalid(name, value, "must be true or false"))
    }
}

/// Settings every client uses.
#[derive(Clone, Debug)]
pub struct CommonConfig {
    /// `bootstrap.servers` (alias `metadata.broker.list`), each `host:port` (`[v6]:port` for IPv6
    /// literals); never empty.
    pub bootstrap_servers: Vec<String>,
    /// `client.id`, default `rdkafka` (librdkafka's).
    pub client_id: String,
    /// `socket.timeout.ms`, default 60000.
    pub socket_timeout: Duration,
    /// `request.timeout.ms`, default 30000.
    pub request_timeout: Duration,
    /// `metadata.max.age.ms`, default 900000.
    pub metadata_max_age: Duration,
    /// `topic.metadata.refresh.interval.ms`, default 300000; -1 (disabled) becomes one year.
    pub topic_metadata_refresh_interval: Duration,
    /// `reconnect.backoff.ms`, default 100.
    pub reconnect_backoff: Duration,
    /// `reconnect.backoff.max.ms`, default 10000.
    pub reconnect_backoff_max: Duration,
    /// `retry.backoff.ms`, default 100.
    pub retry_backoff: Duration,
    /// `retry.backoff.max.ms`, default 1000.
    pub retry_backoff_max: Duration,
    /// `message.max.bytes`, default 1000000.
    pub message_max_bytes: usize,
    /// `debug` contexts, lowercased (empty when unset).
    pub debug: Vec<String>,
    /// `api.version.request.timeout.ms`, default 10000.
    pub api_version_request_timeout: Duration,
    /// `socket.keepalive.enable`, default false.
    pub socket_keepalive: bool,
    /// `socket.nagle.disable` (TCP_NODELAY), default true.
    pub socket_nagle_disable: bool,
}

/// `acks` / `request.required.acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// 0: the broker sends no response.
    None,
    /// 1: the leader has written the records.
    Leader,
    /// -1 / all: every in-sync replica has them (default).
    All,
}

impl Acks {
    /// The value of the Produce request's `acks` field.
    pub fn as_i16(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// The producer's settings.
#[derive(Clone, Debug)]
pub struct ProducerConfig {
    /// Settings shared with every client.
    pub common: CommonConfig,
    /// `acks` (alias `request.required.acks`), default all (-1).
    pub acks: Acks,
    /// `linger.ms` (alias `queue.buffering.max.ms`), default 5.
    pub linger: Duration,
    /// `batch.num.messages`, default 10000.
    pub batch_num_messages: usize,
    /// `batch.size`, default 1000000.
    pub batch_size: usize,
    /// `compression.type` (alias `compression.codec`), default none.
    pub compression: Compression,
    /// `compression.level`, default -1 (codec default).
    pub compression_level: i32,
    /// `message.timeout.ms` (alias `delivery.timeout.ms`), default 300000; zero means infinite.
    pub message_timeout: Duration,
    /// `retries` (alias `message.send.max.retries`), default 2147483647.
    pub retries: u32,
    /// `queue.buffering.max.messages`, default 100000; 0 disables the limit.
    pub queue_buffering_max_messages: usize,
    /// `queue.buffering.max.kbytes`, default 1048576.
    pub queue_buffering_max_kbytes: usize,
    /// `max.in.flight.requests.per.connection` (alias `max.in.flight`), default 1000000.
    pub max_in_flight: usize,
    /// `enable.idempotence`, default false.
    pub enable_idempotence: bool,
    /// `partitioner`, default murmur2_random.
    pub partitioner: Partitioner,
    /// `sticky.partitioning.linger.ms`, default 10.
    pub sticky_linger: Duration,
}

/// `auto.offset.reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetReset {
    /// smallest / earliest / beginning.
    Earliest,
    /// largest / latest / end (default).
    Latest,
    /// error: report _AUTO_OFFSET_RESET.
    Error,
}

/// `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolationLevel {
    /// read_uncommitted: every record, aborted ones included.
    ReadUncommitted,
    /// read_committed (default, like librdkafka): up to the last stable offset, aborted records hidden.
    ReadCommitted,
}

/// The consumer's settings.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// Settings shared with every client.
    pub common: CommonConfig,
    /// `fetch.min.bytes`, default 1.
    pub fetch_min_bytes: i32,
    /// `fetch.wait.max.ms`, default 500.
    pub fetch_wait_max: Duration,
    /// `fetch.max.bytes`, default 52428800.
    pub fetch_max_bytes: i32,
    /// `max.partition.fetch.bytes` (alias `fetch.message.max.bytes`), default 1048576.
    pub max_partition_fetch_bytes: i32,
    /// `auto.offset.reset`, default latest.
    pub auto_offset_reset: OffsetReset,
    /// `enable.partition.eof`, default false.
    pub enable_partition_eof: bool,
    /// `check.crcs`, default false.
    pub check_crcs: bool,
    /// `queued.min.messages`, default 100000.
    pub queued_min_messages: usize,
    /// `isolation.level`, default read_committed.
    pub isolation_level: IsolationLevel,
    /// `group.id`; `None` when unset or empty.
    pub group_id: Option<String>,
    /// `group.instance.id`; `None` when unset or empty.
    pub group_instance_id: Option<String>,
    /// `group.protocol.type`, default consumer.
    pub group_protocol_type: String,
    /// `partition.assignment.strategy`, default [range, roundrobin].
    pub partition_assignment_strategy: Vec<String>,
    /// `session.timeout.ms`, default 45000.
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms`, default 3000.
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`, default 300000.
    pub max_poll_interval: Duration,
    /// `enable.auto.commit`, default true.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`, default 5000; zero disables automatic commits.
    pub auto_commit_interval: Duration,
    /// `enable.auto.offset.store`, default true.
    pub enable_auto_offset_store: bool,
}

fn invalid(name: &str, value: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArg,
        format!("Invalid value \"{value}\" for configuration property \"{name}\": {why}"),
    )
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" => Some(true),
        "false" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// Non-empty, trimmed items of a comma-separated list.
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Checks `value` against the property's kind; `key` is the name the caller used.
fn validate(def: &PropertyDef, key: &str, value: &str) -> Result<()> {
    let v = value.trim();
    let bad = |why: String| Err(invalid(key, value, &why));
    match def.kind {
        Kind::String => {}
        Kind::Bool => {
            if parse_bool(v).is_none() {
                return bad("must be true or false".into());
            }
        }
        Kind::Int { min, max } => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => {}
            _ => return bad(format!("must be an integer between {min} and {max}")),
        },
        Kind::Float { min, max } => match v.parse::<f64>() {
            Ok(n) if n.is_finite() && (min..=max).contains(&n) => {}
            _ => return bad(format!("must be a number between {min} and {max}")),
        },
        Kind::Enum(allowed) => {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                return bad(format!("allowed values are {}", allowed.join(", ")));
            }
        }
        Kind::Flags(allowed) => {
            for flag in split_list(v) {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(flag)) {
                    return bad(format!("unknown value \"{flag}\"; allowed values are {}", allowed.join(", ")));
                }
            }
        }
        Kind::Brokers => {
            if let Err(why) = parse_brokers(v) {
                return bad(why);
            }
        }
    }
    if def.name == "api.version.request" && parse_bool(v) == Some(false) {
        return bad(
            "false is not supported: ferrokafka always uses ApiVersions and needs brokers >= 0.10".into(),
        );
    }
    Ok(())
}

/// Parses a broker list into `host:port` strings (default port 9092). An empty list is `Ok`
/// here; [`ClientConfig::common`] rejects it, since the property may be set later.
fn parse_brokers(value: &str) -> std::result::Result<Vec<String>, String> {
    split_list(value).map(parse_broker).collect()
}

fn parse_broker(entry: &str) -> std::result::Result<String, String> {
    const DEFAULT_PORT: u16 = 9092;
    let addr = match entry.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("plaintext") => rest,
        Some((scheme, _)) => return Err(format!("\"{entry}\": security protocol {scheme} is not supported, only plaintext")),
        None => entry,
    };
    let port = |p: &str| match p.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("\"{entry}\": invalid port \"{p}\" (must be 1-65535)")),
    };
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        // [ipv6] or [ipv6]:port
        let (host, after) = rest.split_once(']').ok_or_else(|| format!("\"{entry}\": missing ']'"))?;
        let port = match after {
            "" => DEFAULT_PORT,
            _ => port(after.strip_prefix(':').ok_or_else(|| format!("\"{entry}\": expected ':' after ']'"))?)?,
        };
        (format!("[{host}]"), port)
    } else {
        match addr.matches(':').count() {
            0 => (addr.to_string(), DEFAULT_PORT),
            1 => {
                let (host, p) = addr.split_once(':').unwrap_or((addr, ""));
                (host.to_string(), port(p)?)
            }
            // A bare IPv6 literal: no port can be told apart from it.
            _ => (format!("[{addr}]"), DEFAULT_PORT),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(format!("\"{entry}\": missing host"));
    }
    if host.contains(char::is_whitespace) || host.contains('/') {
        return Err(format!("\"{entry}\": invalid host"));
    }
    Ok(format!("{host}:{port}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn base() -> ClientConfig {
        ClientConfig::new().with("bootstrap.servers", "localhost:9092").unwrap()
    }

    #[test]
    fn table_is_consistent() {
        let mut names = HashSet::new();
        for def in PROPERTIES {
            assert!(names.insert(def.name), "duplicate {}", def.name);
            for alias in def.aliases {
                assert!(names.insert(alias), "duplicate alias {alias}");
            }
            if let Some(default) = def.default {
                validate(def, def.name, default).unwrap_or_else(|e| panic!("default of {}: {e}", def.name));
            }
            assert!(!def.doc.is_empty(), "{} undocumented", def.name);
        }
    }

    #[test]
    fn defaults_match_librdkafka() {
        let p = base().producer().unwrap();
        let c = &p.common;
        assert_eq!(c.bootstrap_servers, ["localhost:9092"]);
        assert_eq!(c.client_id, "rdkafka");
        assert_eq!(c.socket_timeout, Duration::from_millis(60_000));
        assert_eq!(c.request_timeout, Duration::from_millis(30_000));
        assert_eq!(c.metadata_max_age, Duration::from_millis(900_000));
        assert_eq!(c.topic_metadata_refresh_interval, Duration::from_millis(300_000));
        assert_eq!((c.reconnect_backoff, c.reconnect_backoff_max), (Duration::from_millis(100), Duration::from_secs(10)));
        assert_eq!((c.retry_backoff, c.retry_backoff_max), (Duration::from_millis(100), Duration::from_secs(1)));
        assert_eq!(c.message_max_bytes, 1_000_000);
        assert!(c.debug.is_empty());
        assert_eq!(c.api_version_request_timeout, Duration::from_secs(10));
        assert!(!c.socket_keepalive && c.socket_nagle_disable);
        assert_eq!(p.acks, Acks::All);
        assert_eq!(p.linger, Duration::from_millis(5));
        assert_eq!((p.batch_num_messages, p.batch_size), (10_000, 1_000_000));
        assert_eq!((p.compression, p.compression_level), (Compression::None, -1));
        assert_eq!(p.message_timeout, Duration::from_millis(300_000));
        assert_eq!(p.retries, 2_147_483_647);
        assert_eq!((p.queue_buffering_max_messages, p.queue_buffering_max_kbytes), (100_000, 1_048_576));
        assert_eq!(p.max_in_flight, 1_000_000);
        assert!(!p.enable_idempotence);
        assert_eq!(p.partitioner, Partitioner::Murmur2Random);
        assert_eq!(p.sticky_linger, Duration::from_millis(10));

        let c = base().consumer().unwrap();
        assert_eq!((c.fetch_min_bytes, c.fetch_max_bytes, c.max_partition_fetch_bytes), (1, 52_428_800, 1_048_576));
        assert_eq!(c.fetch_wait_max, Duration::from_millis(500));
        assert_eq!(c.auto_offset_reset, OffsetReset::Latest);
        assert!(!c.enable_partition_eof && !c.check_crcs);
        assert_eq!(c.queued_min_messages, 100_000);
        assert_eq!(c.isolation_level, IsolationLevel::ReadCommitted);
        assert_eq!(c.group_id, None);
        assert_eq!(c.partition_assignment_strategy, ["range", "roundrobin"]);
        assert_eq!((c.session_timeout, c.heartbeat_interval), (Duration::from_secs(45), Duration::from_secs(3)));
        assert_eq!(c.max_poll_interval, Duration::from_secs(300));
        assert!(c.enable_auto_commit && c.enable_auto_offset_store);
        assert_eq!(c.auto_commit_interval, Duration::from_secs(5));
        assert_eq!(c.group_protocol_type, "consumer");
    }

    #[test]
    fn aliases_resolve_to_one_property() {
        let mut config = base();
        config.set("metadata.broker.list", "a:1,b:2").unwrap();
        config.set("request.required.acks", "1").unwrap();
        config.set("queue.buffering.max.ms", "0.5").unwrap();
        config.set("compression.codec", "LZ4").unwrap();
        config.set("delivery.timeout.ms", "0").unwrap();
        config.set("message.send.max.retries", "3").unwrap();
        config.set("max.in.flight", "5").unwrap();
        config.set("fetch.message.max.bytes", "4096").unwrap();
        assert_eq!(config.get("bootstrap.servers").as_deref(), Some("a:1,b:2"));
        assert!(config.is_set("acks") && config.is_set("request.required.acks"));
        let p = config.producer().unwrap();
        assert_eq!(p.common.bootstrap_servers, ["a:1", "b:2"]);
        assert_eq!((p.acks, p.acks.as_i16()), (Acks::Leader, 1));
        assert_eq!(p.linger, Duration::from_micros(500));
        assert_eq!(p.compression, Compression::Lz4);
        assert_eq!(p.message_timeout, Duration::ZERO);
        assert_eq!((p.retries, p.max_in_flight), (3, 5));
        assert_eq!(config.consumer().unwrap().max_partition_fetch_bytes, 4096);
        // The dump shows canonical names only.
        let dump = config.dump();
        assert!(dump.iter().any(|(k, v)| k == "acks" && v == "1"));
        assert!(!dump.iter().any(|(k, _)| k == "request.required.acks"));
        assert!(dump.iter().any(|(k, v)| k == "client.id" && v == "rdkafka"));
        assert!(!dump.iter().any(|(k, _)| k == "group.id"), "unset without default is left out");
    }

    #[test]
    fn clear_errors() {
        let mut config = ClientConfig::new();
        let err = config.set("foo.bar", "1").unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArg);
        assert_eq!(err.message, "No such configuration property: \"foo.bar\"");
        let err = config.set("acks", "7").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value \"7\" for configuration property \"acks\": allowed values are -1, 0, 1, all"
        );
        let err = config.set("batch.num.messages", "0").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value \"0\" for configuration property \"batch.num.messages\": must be an integer between 1 and 1000000"
        );
        let err = config.set("linger.ms", "-1").unwrap_err();
        assert!(err.message.contains("\"linger.ms\": must be a number between 0 and 900000"), "{err}");
        let err = config.set("enable.idempotence", "yes").unwrap_err();
        assert!(err.message.ends_with("must be true or false"), "{err}");
        let err = config.set("debug", "broker,nope").unwrap_err();
        assert!(err.message.contains("unknown value \"nope\""), "{err}");
        let err = config.set("queue.buffering.max.ms", "abc").unwrap_err();
        assert!(err.message.contains("\"queue.buffering.max.ms\""), "the name the caller used: {err}");
        let err = config.set("api.version.request", "false").unwrap_err();
        assert!(err.message.contains("not supported"), "{err}");
        config.set("api.version.request", "true").unwrap();
        config.set("broker.version.fallback", "0.9.0").unwrap();
        assert!(config.set("security.protocol", "ssl").is_err());
        // Nothing was stored by the failed calls.
        assert!(!config.is_set("acks") && !config.is_set("linger.ms"));
    }

    #[test]
    fn values_are_liberal_where_librdkafka_is() {
        let mut config = base();
        for (v, expected) in [("true", true), ("FALSE", false), ("1", true), ("0", false), ("t", true)] {
            config.set("enable.idempotence", v).unwrap();
            assert_eq!(config.producer().unwrap().enable_idempotence, expected, "{v}");
        }
        config.set("enable.idempotence", "false").unwrap();
        for (v, expected) in [("all", Acks::All), ("-1", Acks::All), ("0", Acks::None), ("1", Acks::Leader)] {
            config.set("acks", v).unwrap();
            assert_eq!(config.producer().unwrap().acks, expected, "{v}");
        }
        // As librdkafka: idempotence needs acks=all.
        config.set("enable.idempotence", "true").unwrap();
        let e = config.producer().err().expect("acks=1 with idempotence is refused");
        assert!(e.message.contains("acks") && e.message.contains("enable.idempotence"), "{}", e.message);
        config.set("enable.idempotence", "false").unwrap();
        for (v, expected) in [
            ("smallest", OffsetReset::Earliest),
            ("earliest", OffsetReset::Earliest),
            ("beginning", OffsetReset::Earliest),
            ("largest", OffsetReset::Latest),
            ("latest", OffsetReset::Latest),
            ("end", OffsetReset::Latest),
            ("error", OffsetReset::Error),
        ] {
            config.set("auto.offset.reset", v).unwrap();
            assert_eq!(config.consumer().unwrap().auto_offset_reset, expected, "{v}");
        }
        for &name in PARTITIONER_VALUES {
            config.set("partitioner", name).unwrap();
            assert_eq!(config.producer().unwrap().partitioner.as_str(), name);
        }
        config.set("isolation.level", "read_uncommitted").unwrap();
        config.set("debug", "Broker, topic,msg").unwrap();
        config.set("group.id", "g1").unwrap();
        config.set("topic.metadata.refresh.interval.ms", "-1").unwrap();
        let c = config.consumer().unwrap();
        assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
        assert_eq!(c.common.debug, ["broker", "topic", "msg"]);
        assert_eq!(c.group_id.as_deref(), Some("g1"));
        assert!(c.common.topic_metadata_refresh_interval > Duration::from_secs(3600 * 24 * 300));
    }

    #[test]
    fn bootstrap_servers() {
        let err = ClientConfig::new().common().unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArg);
        assert!(err.message.contains("bootstrap.servers"), "{err}");
        let config = ClientConfig::new()
            .with("bootstrap.servers", " host1 , host2:19092,PLAINTEXT://h3:1,[::1]:9093,[fe80::1],::1 ")
            .unwrap();
        assert_eq!(
            config.common().unwrap().bootstrap_servers,
            ["host1:9092", "host2:19092", "h3:1", "[::1]:9093", "[fe80::1]:9092", "[::1]:9092"]
        );
        for bad in ["host:0", "host:70000", "host:abc", ":9092", "ssl://h:1", "[::1", "[::1]x", "a b:1"] {
            let err = ClientConfig::new().set("bootstrap.servers", bad).unwrap_err();
            assert!(err.message.contains("\"bootstrap.servers\""), "{bad}: {err}");
        }
        let err = ClientConfig::new().with("bootstrap.servers", " , ").unwrap().common().unwrap_err();
        assert!(err.message.contains("required"), "{err}");
    }

    #[test]
    fn from_pairs_and_scope_warnings() {
        let config = ClientConfig::from_pairs([("bootstrap.servers", "k:9092"), ("group.id", "g"), ("linger.ms", "1")]).unwrap();
        assert_eq!(config.get("linger.ms").as_deref(), Some("1"));
        assert_eq!(config.get("queue.buffering.max.ms").as_deref(), Some("1"));
        assert_eq!(config.get("nope"), None);
        assert_eq!(
            config.scope_warnings(Scope::Producer),
            ["Configuration property group.id is a consumer property and will be ignored by this producer instance"]
        );
        assert_eq!(
            config.scope_warnings(Scope::Consumer),
            ["Configuration property linger.ms is a producer property and will be ignored by this consumer instance"]
        );
        assert!(ClientConfig::from_pairs([("bootstrap.servers", "k"), ("nope", "1")]).is_err());
    }
}
