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

use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Result};

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

mod table;
mod views;

pub use table::PROPERTIES;
pub use views::{Acks, CommonConfig, ConsumerConfig, IsolationLevel, OffsetReset, ProducerConfig};

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


    fn effective(&self, def: &PropertyDef) -> Option<&str> {
        self.values.get(def.name).map(String::as_str).or(def.default)
    }

    /// Effective value by canonical name (always a table entry when called from this module).
    fn effective_of(&self, name: &str) -> Option<&str> {
        property(name).and_then(|def| self.effective(def))
    }

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
    use super::table::PARTITIONER_VALUES;
    use super::*;
    use crate::producer::partitioner::Partitioner;
    use crate::protocol::compression::Compression;
    use std::collections::HashSet;
    use std::time::Duration;

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
