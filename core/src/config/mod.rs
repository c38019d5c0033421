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
    /// Values librdkafka accepts that ferrokafka refuses, each with the reason the error gives
    /// (librdkafka's "Unsupported value" for features missing from a build).
    pub unsupported: &'static [(&'static str, &'static str)],
}

mod table;
mod views;

pub use table::PROPERTIES;
pub use views::{Acks, CommonConfig, ConsumerConfig, IsolationLevel, OffsetReset, ProducerConfig};

/// Finds a property by its canonical name or an alias.
pub fn property(key: &str) -> Option<&'static PropertyDef> {
    PROPERTIES.iter().find(|p| p.name == key || p.aliases.contains(&key))
}

/// The outcome of setting a property, with librdkafka's numbers (`rd_kafka_conf_res_t`), which
/// bindings hand on unchanged (php-rdkafka throws them as the exception code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ConfResult {
    /// `RD_KAFKA_CONF_OK`: the value was stored.
    Ok = 0,
    /// `RD_KAFKA_CONF_INVALID`: the property exists but the value was refused.
    Invalid = -1,
    /// `RD_KAFKA_CONF_UNKNOWN`: no property of that name.
    Unknown = -2,
}

impl ConfResult {
    /// librdkafka's number for it.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Why a property could not be set: librdkafka's result code and message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    /// [`ConfResult::Invalid`] or [`ConfResult::Unknown`].
    pub result: ConfResult,
    /// librdkafka's wording, e.g. `No such configuration property: "foo"`.
    pub message: String,
}

impl ConfError {
    fn unknown(key: &str) -> ConfError {
        ConfError { result: ConfResult::Unknown, message: format!("No such configuration property: \"{key}\"") }
    }

    fn invalid(message: String) -> ConfError {
        ConfError { result: ConfResult::Invalid, message }
    }

    /// librdkafka's number for the result (-1 invalid, -2 unknown).
    pub fn code(&self) -> i32 {
        self.result.code()
    }
}

impl std::fmt::Display for ConfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfError {}

impl From<ConfError> for Error {
    fn from(e: ConfError) -> Error {
        Error::new(ErrorKind::InvalidArg, e.message)
    }
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

    /// Sets `key` (a canonical name or alias) to `value` after validating it, like
    /// `rd_kafka_conf_set`: the error says whether the name is unknown or the value invalid, in
    /// librdkafka's words. An empty value resets a string property to its default.
    pub fn try_set(&mut self, key: &str, value: &str) -> std::result::Result<(), ConfError> {
        let def = property(key).ok_or_else(|| ConfError::unknown(key))?;
        store(&mut self.values, def, key, value)
    }

    /// [`ClientConfig::try_set`] with the crate's error (kind `InvalidArg`, the same message).
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        self.try_set(key, value)?;
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

/// Validates `value` and stores its canonical form under the property's canonical name, or
/// removes the entry when the value resets the property to its default.
fn store(
    values: &mut IndexMap<&'static str, String>,
    def: &'static PropertyDef,
    key: &str,
    value: &str,
) -> std::result::Result<(), ConfError> {
    match parse_value(def, key, value)? {
        Some(v) => {
            values.insert(def.name, v);
        }
        None => {
            values.shift_remove(def.name);
        }
    }
    Ok(())
}

/// Checks `value` against the property (`key` is the name the caller used, which the messages
/// repeat) and returns what to store: `Some(canonical form)` (enum words as the table spells
/// them, `true`/`false`, plain numbers, so `dump` shows what librdkafka's would), or `None` when an
/// empty value resets a string property to its default, as librdkafka treats "" as NULL.
///
/// The messages are librdkafka's (`rd_kafka_anyconf_set_prop` in rdkafka_conf.c), except that
/// its range errors end in a stray newline, left out here, and a value librdkafka knows but
/// ferrokafka does not support yet says why.
fn parse_value(def: &PropertyDef, key: &str, value: &str) -> std::result::Result<Option<String>, ConfError> {
    let v = value.trim();
    let bad = |message: String| Err(ConfError::invalid(message));
    if v.is_empty() {
        return match def.kind {
            Kind::String | Kind::Brokers => Ok(None),
            Kind::Bool => bad(format!("Bool configuration property \"{key}\" cannot be set to empty value")),
            Kind::Int { .. } => bad(format!("Integer configuration property \"{key}\" cannot be set to empty value")),
            Kind::Float { .. } => bad(format!("Float configuration property \"{key}\" cannot be set to empty value")),
            Kind::Enum(_) | Kind::Flags(_) => bad(format!("Configuration property \"{key}\" cannot be set to empty value")),
        };
    }
    let unsupported = |word: &str| {
        let why = def.unsupported.iter().find(|(w, _)| *w == word).map(|(_, why)| *why);
        why.map(|why| format!("Unsupported value \"{word}\" for configuration property \"{key}\": {why}"))
    };
    let canonical = match def.kind {
        Kind::String => v.to_string(),
        Kind::Brokers => match parse_brokers(v) {
            Ok(_) => v.to_string(),
            Err(why) => return bad(format!("Invalid value \"{v}\" for configuration property \"{key}\": {why}")),
        },
        Kind::Bool => match parse_bool(v) {
            Some(b) => b.to_string(),
            None => return bad(format!("Expected bool value for \"{key}\": true or false")),
        },
        Kind::Int { min, max } => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n.to_string(),
            Ok(n) => return bad(format!("Configuration property \"{key}\" value {n} is outside allowed range {min}..{max}")),
            Err(_) => return bad(format!("Invalid value for configuration property \"{key}\"")),
        },
        Kind::Float { min, max } => match v.parse::<f64>() {
            Ok(n) if (min..=max).contains(&n) => n.to_string(),
            Ok(n) if !n.is_nan() => {
                let (n, min, max) = (format_g(n), format_g(min), format_g(max));
                return bad(format!("Configuration property \"{key}\" value {n} is outside allowed range {min}..{max}"));
            }
            _ => return bad(format!("Invalid value for configuration property \"{key}\"")),
        },
        Kind::Enum(allowed) => match allowed.iter().find(|a| a.eq_ignore_ascii_case(v)) {
            Some(word) => word.to_string(),
            None => return bad(format!("Invalid value \"{v}\" for configuration property \"{key}\"")),
        },
        Kind::Flags(allowed) => {
            let mut words = Vec::new();
            for flag in split_list(v) {
                match allowed.iter().find(|a| a.eq_ignore_ascii_case(flag)) {
                    Some(word) => words.push(*word),
                    None => return bad(format!("Invalid value \"{flag}\" for configuration property \"{key}\"")),
                }
            }
            if let Some(message) = words.iter().find_map(|w| unsupported(w)) {
                return bad(message);
            }
            return Ok(Some(words.join(",")));
        }
    };
    match unsupported(&canonical) {
        Some(message) => bad(message),
        None => Ok(Some(canonical)),
    }
}

/// C's `%g` (six significant digits, exponent form outside 1e-4..1e6), which librdkafka's range
/// errors for fractional properties use: 9999999 prints as `1e+07`.
fn format_g(x: f64) -> String {
    fn trim(s: &str) -> &str {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
    }
    if x == 0.0 || !x.is_finite() {
        return if x.is_nan() { "nan".into() } else if x.is_infinite() { (if x > 0.0 { "inf" } else { "-inf" }).into() } else { "0".into() };
    }
    // Rounding to six digits first decides the exponent (999999.5 is 1e+06).
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.unsigned_abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{x:.decimals$}")).to_string()
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
                parse_value(def, def.name, default).unwrap_or_else(|e| panic!("default of {}: {e}", def.name));
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

    /// The result code and librdkafka's exact text for `set(key, value)` on a fresh configuration.
    fn refused(key: &str, value: &str) -> (i32, String) {
        let err = ClientConfig::new().try_set(key, value).unwrap_err();
        (err.code(), err.message)
    }

    #[test]
    fn unknown_and_invalid_are_told_apart_in_librdkafkas_words() {
        assert_eq!(refused("foo.bar", "1"), (-2, "No such configuration property: \"foo.bar\"".into()));
        assert_eq!(refused("acks", "7"), (-1, "Invalid value \"7\" for configuration property \"acks\"".into()));
        assert_eq!(
            refused("batch.num.messages", "0"),
            (-1, "Configuration property \"batch.num.messages\" value 0 is outside allowed range 1..1000000".into())
        );
        assert_eq!(
            refused("batch.num.messages", "many"),
            (-1, "Invalid value for configuration property \"batch.num.messages\"".into())
        );
        // Fractional properties print with C's %g, as librdkafka's message does.
        assert_eq!(
            refused("linger.ms", "9999999"),
            (-1, "Configuration property \"linger.ms\" value 1e+07 is outside allowed range 0..900000".into())
        );
        assert_eq!(
            refused("linger.ms", "-0.5"),
            (-1, "Configuration property \"linger.ms\" value -0.5 is outside allowed range 0..900000".into())
        );
        assert_eq!(refused("linger.ms", "NaN").1, "Invalid value for configuration property \"linger.ms\"");
        assert_eq!(
            refused("enable.idempotence", "yes"),
            (-1, "Expected bool value for \"enable.idempotence\": true or false".into())
        );
        assert_eq!(
            refused("debug", "broker,nope"),
            (-1, "Invalid value \"nope\" for configuration property \"debug\"".into())
        );
        // Empty values: strings go back to their default, the others are refused.
        assert_eq!(refused("batch.size", ""), (-1, "Integer configuration property \"batch.size\" cannot be set to empty value".into()));
        assert_eq!(refused("check.crcs", " "), (-1, "Bool configuration property \"check.crcs\" cannot be set to empty value".into()));
        assert_eq!(refused("linger.ms", ""), (-1, "Float configuration property \"linger.ms\" cannot be set to empty value".into()));
        assert_eq!(refused("isolation.level", ""), (-1, "Configuration property \"isolation.level\" cannot be set to empty value".into()));
        let mut config = ClientConfig::new();
        config.set("client.id", "app").unwrap();
        config.set("client.id", "").unwrap();
        assert_eq!(config.get("client.id").as_deref(), Some("rdkafka"));
        assert!(!config.is_set("client.id"));
        // The name the caller used is the one the message repeats.
        assert!(refused("queue.buffering.max.ms", "abc").1.contains("\"queue.buffering.max.ms\""));
        // Values librdkafka knows but ferrokafka does not support yet say so.
        assert_eq!(
            refused("security.protocol", "SSL"),
            (-1, "Unsupported value \"ssl\" for configuration property \"security.protocol\": TLS is not supported yet, only plaintext".into())
        );
        assert!(refused("security.protocol", "sasl_ssl").1.contains("TLS and SASL are not supported yet"));
        let (code, message) = refused("api.version.request", "0");
        assert_eq!(code, -1);
        assert!(message.starts_with("Unsupported value \"false\" for configuration property \"api.version.request\""), "{message}");
        assert!(message.contains("not supported"), "{message}");
        // The crate error carries the same text.
        let err = ClientConfig::new().set("foo.bar", "1").unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::InvalidArg, "No such configuration property: \"foo.bar\""));
        // Nothing was stored by the failed calls.
        let mut config = ClientConfig::new();
        assert!(config.set("acks", "7").is_err() && config.set("linger.ms", "-1").is_err());
        assert!(!config.is_set("acks") && !config.is_set("linger.ms"));
        config.set("api.version.request", "true").unwrap();
        config.set("broker.version.fallback", "0.9.0").unwrap();
        config.set("security.protocol", "PlainText").unwrap();
        assert_eq!(config.get("security.protocol").as_deref(), Some("plaintext"), "stored as the table spells it");
    }

    #[test]
    fn percent_g() {
        for (x, s) in [(0.0, "0"), (5.0, "5"), (0.5, "0.5"), (900000.0, "900000"), (9999999.0, "1e+07"), (999999.5, "1e+06"),
            (-1.0, "-1"), (0.0001, "0.0001"), (0.00001234, "1.234e-05"), (123.456789, "123.457")]
        {
            assert_eq!(format_g(x), s, "{x}");
        }
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
