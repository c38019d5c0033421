//! Configuration: librdkafka-style string properties, validated when set, plus typed views.
//!
//! Every property librdkafka knows is one row of [`PROPERTIES`]: its name and aliases, which of
//! librdkafka's two tables it belongs to ([`Level`]: global or topic), default, allowed values,
//! Java client name, what it does here ([`Effect`]) and whether it is a credential. Bindings that
//! replace librdkafka pass the application's map through [`ClientConfig::set`] (or
//! [`TopicConfig::set`]) unchanged; the core reads the typed views ([`ClientConfig::producer`],
//! [`ClientConfig::consumer`], [`ClientConfig::topic_settings`]).
//!
//! Setting a property behaves as `rd_kafka_conf_set` does: an unknown name is
//! [`ConfResult::Unknown`] (`No such configuration property`), a value outside librdkafka's
//! ranges or values is [`ConfResult::Invalid`], with librdkafka's texts. A topic property set on a
//! [`ClientConfig`] goes to its default topic configuration, as in librdkafka; a global property
//! set on a [`TopicConfig`] is unknown there.
//!
//! What is accepted but not acted on is said, not hidden: rows marked [`Effect::NoEffect`] (the
//! features ferrokafka does not implement yet, OpenSSL and plugin settings, librdkafka internals)
//! are accepted so that librdkafka configurations keep working, and
//! [`ClientConfig::no_effect_set`] lists those an application set, for the client to log once.
//! Callback properties ([`Effect::Callback`]) are refused as strings, as librdkafka refuses them.
//! Values of credentials never appear in [`ClientConfig::dump`], [`ClientConfig::describe`],
//! `Debug` output or error messages.
//!
//! Deliberate differences from librdkafka:
//! - Canonical names are the Java ones where librdkafka has both (`bootstrap.servers`, `acks`,
//!   `linger.ms`, `retries`, `compression.type`, `message.timeout.ms`,
//!   `max.partition.fetch.bytes`); librdkafka's names are their aliases.
//! - `partitioner` defaults to `murmur2_random` (Java-compatible); bindings replacing a librdkafka
//!   wrapper set `consistent_random` themselves so existing keys keep their partitions.
//! - `api.version.request=false`, `security.protocol` other than plaintext and
//!   `group.protocol=consumer` are refused with librdkafka's "Unsupported value" and the reason.
//! - `acks` accepts -1, 0, 1 and `all` only (librdkafka takes -1..1000, but brokers reject anything
//!   but -1, 0 and 1 with INVALID_REQUIRED_ACKS).
//! - A [`TopicConfig`] given to [`ClientConfig::topic_settings`] overrides the default topic
//!   configuration property by property; librdkafka replaces it as a whole.
//! - Numbers are read in decimal only (librdkafka's `strtol` also takes hex, octal and trailing
//!   garbage); the `+`/`-` prefixes of librdkafka's flag lists are not supported.

use std::fmt;

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

/// Which of librdkafka's two tables a property belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// "Global configuration properties": one value per client.
    Global,
    /// "Topic configuration properties": per topic, with a default set on the client.
    Topic,
}

/// What setting a property does in ferrokafka.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The clients read it.
    Implemented,
    /// Accepted for compatibility with librdkafka configurations, without effect here (yet).
    NoEffect,
    /// A pointer (callback, opaque, object) librdkafka only takes through a dedicated setter:
    /// setting it from a string is refused.
    Callback {
        /// librdkafka's setter, named in the error.
        setter: &'static str,
    },
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
    /// The canonical name (librdkafka's, or the Java one where librdkafka has both).
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
    /// librdkafka's global or topic table.
    pub level: Level,
    /// What setting it does here.
    pub effect: Effect,
    /// A credential (librdkafka's "sensitive"): its value is shown as [`REDACTED`].
    pub sensitive: bool,
    /// Values librdkafka accepts that ferrokafka refuses, each with the reason the error gives
    /// (librdkafka's "Unsupported value" for features missing from a build).
    pub unsupported: &'static [(&'static str, &'static str)],
}

mod table;
mod views;

pub use table::PROPERTIES;
pub use views::{Acks, CommonConfig, ConsumerConfig, IsolationLevel, OffsetReset, ProducerConfig, TopicSettings};

/// What dumps, descriptions and `Debug` show instead of a credential's value.
pub const REDACTED: &str = "[redacted]";

/// The properties of one table, in table order.
pub fn properties(level: Level) -> impl Iterator<Item = &'static PropertyDef> {
    PROPERTIES.iter().filter(move |p| p.level == level)
}

/// The callback properties, which only a dedicated setter can set (each names it).
pub fn callback_properties() -> impl Iterator<Item = &'static PropertyDef> {
    PROPERTIES.iter().filter(|p| matches!(p.effect, Effect::Callback { .. }))
}

/// Finds a property of one table by its canonical name or an alias.
pub fn property_at(level: Level, key: &str) -> Option<&'static PropertyDef> {
    properties(level).find(|p| p.name == key || p.aliases.contains(&key))
}

/// Finds a property by its canonical name or an alias, global table first (the order in which
/// [`ClientConfig::set`] resolves a name).
pub fn property(key: &str) -> Option<&'static PropertyDef> {
    property_at(Level::Global, key).or_else(|| property_at(Level::Topic, key))
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

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfError {}

impl From<ConfError> for Error {
    fn from(e: ConfError) -> Error {
        Error::new(ErrorKind::InvalidArg, e.message)
    }
}

/// Values as set, by canonical name, for the properties of one table.
type Values = IndexMap<&'static str, String>;

/// Client configuration (librdkafka's `rd_kafka_conf_t`): the global properties as set, and the
/// default topic configuration that topic properties set here go to.
#[derive(Clone, Default)]
pub struct ClientConfig {
    values: Values,
    topic: TopicConfig,
}

impl ClientConfig {
    /// An empty configuration (every property at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (a canonical name or alias) to `value` after validating it, like
    /// `rd_kafka_conf_set`: a name that is not a global property is tried as a topic property
    /// (optionally prefixed `topic.`) of the default topic configuration. The error says whether
    /// the name is unknown or the value invalid, in librdkafka's words. An empty value resets a
    /// string property to its default.
    pub fn try_set(&mut self, key: &str, value: &str) -> std::result::Result<(), ConfError> {
        if let Some(def) = property_at(Level::Global, key) {
            return store(&mut self.values, def, key, value);
        }
        if let Some((_, why)) = table::JAVA_ONLY.iter().find(|(name, _)| *name == key) {
            return Err(ConfError::invalid((*why).to_string()));
        }
        self.topic.try_set(key, value)
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

    /// The effective value (set value or default) of a global property, or else of a topic
    /// property in the default topic configuration; `key` may be an alias. `None` for an
    /// unknown key or a property that is unset and has no default. Credentials are returned as
    /// set: this is what the client reads.
    pub fn get(&self, key: &str) -> Option<String> {
        match property_at(Level::Global, key) {
            Some(def) => effective(&self.values, def).map(str::to_string),
            None => self.topic.get(key),
        }
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

    /// Every global property that has a value (set or default), canonical names in table order,
    /// like `rd_kafka_conf_dump`: callbacks are left out and credentials show [`REDACTED`]. The
    /// topic properties are in `default_topic_config().dump()`, as librdkafka keeps them in the
    /// default topic configuration.
    pub fn dump(&self) -> Vec<(String, String)> {
        dump(&self.values, Level::Global)
    }

    /// Every property of both tables with its value (credentials redacted, callbacks without
    /// one), default and what it does, for bindings that print a full table (`-X list`,
    /// php-rdkafka's documentation helpers).
    pub fn describe(&self) -> Vec<PropertyInfo> {
        let mut all = describe(&self.values, Level::Global);
        all.extend(describe(&self.topic.values, Level::Topic));
        all
    }

    /// Properties set explicitly, here or in the default topic configuration, that have no
    /// effect in ferrokafka ([`Effect::NoEffect`]), canonical names in table order, each once:
    /// the client logs each of them once rather than ignore them silently.
    pub fn no_effect_set(&self) -> Vec<&'static str> {
        let mut names = no_effect_set(&self.values, Level::Global);
        for name in no_effect_set(&self.topic.values, Level::Topic) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Whether the property (or one of its aliases) was set explicitly, on this configuration or
    /// its default topic configuration.
    pub fn is_set(&self, key: &str) -> bool {
        match property_at(Level::Global, key) {
            Some(def) => self.values.contains_key(def.name),
            None => self.topic.is_set(key),
        }
    }

    /// The topic properties set on this configuration: its default topic configuration
    /// (`rd_kafka_conf_get_default_topic_conf`).
    pub fn default_topic_config(&self) -> TopicConfig {
        self.topic.clone()
    }

    /// Replaces the default topic configuration (`rd_kafka_conf_set_default_topic_conf`): topic
    /// properties set here before are dropped.
    pub fn set_default_topic_config(&mut self, topic: TopicConfig) -> &mut Self {
        self.topic = topic;
        self
    }

    /// Properties that were set but do not apply to a client of type `scope`, each with a
    /// librdkafka-style warning, e.g. `Configuration property group.id is a consumer property and
    /// will be ignored by this producer instance`, for bindings to log.
    pub fn scope_warnings(&self, scope: Scope) -> Vec<String> {
        let role = |s: Scope| if s == Scope::Producer { "producer" } else { "consumer" };
        set_defs(&self.values, Level::Global)
            .chain(set_defs(&self.topic.values, Level::Topic))
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

    /// Effective value by name: the global property, or the topic property of the default topic
    /// configuration (always a table entry when called from this module).
    fn effective_of(&self, name: &str) -> Option<&str> {
        match property_at(Level::Global, name) {
            Some(def) => effective(&self.values, def),
            None => property_at(Level::Topic, name).and_then(|def| effective(&self.topic.values, def)),
        }
    }
}

/// Topic configuration (librdkafka's `rd_kafka_topic_conf_t`): the topic properties as set.
#[derive(Clone, Default)]
pub struct TopicConfig {
    values: Values,
}

impl TopicConfig {
    /// An empty topic configuration (every property at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a topic property, like `rd_kafka_topic_conf_set`: `key` may be an alias and may carry
    /// a `topic.` prefix; a global property is unknown here (`No such configuration property`).
    pub fn try_set(&mut self, key: &str, value: &str) -> std::result::Result<(), ConfError> {
        let key = key.strip_prefix("topic.").unwrap_or(key);
        let def = property_at(Level::Topic, key).ok_or_else(|| ConfError::unknown(key))?;
        store(&mut self.values, def, key, value)
    }

    /// [`TopicConfig::try_set`] with the crate's error (kind `InvalidArg`, the same message).
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        self.try_set(key, value)?;
        Ok(self)
    }

    /// [`TopicConfig::set`] by value, for chaining.
    pub fn with(mut self, key: &str, value: &str) -> Result<Self> {
        self.set(key, value)?;
        Ok(self)
    }

    /// Builds a topic configuration from `(key, value)` pairs, failing on the first invalid one.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = TopicConfig::new();
        for (key, value) in pairs {
            config.set(key.as_ref(), value.as_ref())?;
        }
        Ok(config)
    }

    /// The effective value (set value or default) of a topic property; `key` may be an alias.
    pub fn get(&self, key: &str) -> Option<String> {
        self.def(key).and_then(|def| effective(&self.values, def)).map(str::to_string)
    }

    /// Whether the topic property (or one of its aliases) was set explicitly.
    pub fn is_set(&self, key: &str) -> bool {
        self.def(key).is_some_and(|def| self.values.contains_key(def.name))
    }

    /// Every topic property that has a value, like `rd_kafka_topic_conf_dump` (see
    /// [`ClientConfig::dump`]).
    pub fn dump(&self) -> Vec<(String, String)> {
        dump(&self.values, Level::Topic)
    }

    /// Every topic property with its value, default and effect (see [`ClientConfig::describe`]).
    pub fn describe(&self) -> Vec<PropertyInfo> {
        describe(&self.values, Level::Topic)
    }

    /// Topic properties set explicitly that have no effect in ferrokafka (see
    /// [`ClientConfig::no_effect_set`]).
    pub fn no_effect_set(&self) -> Vec<&'static str> {
        no_effect_set(&self.values, Level::Topic)
    }

    /// The explicit value of a topic property, if set (for layering over a default).
    fn explicit(&self, def: &PropertyDef) -> Option<&str> {
        self.values.get(def.name).map(String::as_str)
    }

    fn def(&self, key: &str) -> Option<&'static PropertyDef> {
        property_at(Level::Topic, key.strip_prefix("topic.").unwrap_or(key))
    }
}

/// Set value or default.
fn effective<'a>(values: &'a Values, def: &'static PropertyDef) -> Option<&'a str> {
    values.get(def.name).map(String::as_str).or(def.default)
}

/// The rows of `level` that have an explicit value, in table order.
fn set_defs(values: &Values, level: Level) -> impl Iterator<Item = &'static PropertyDef> + '_ {
    properties(level).filter(move |def| values.contains_key(def.name))
}

/// What may be shown of a value.
fn shown<'a>(def: &PropertyDef, value: &'a str) -> &'a str {
    if def.sensitive { REDACTED } else { value }
}

fn dump(values: &Values, level: Level) -> Vec<(String, String)> {
    properties(level)
        .filter(|def| !matches!(def.effect, Effect::Callback { .. }))
        .filter_map(|def| effective(values, def).map(|v| (def.name.to_string(), shown(def, v).to_string())))
        .collect()
}

/// One property as [`ClientConfig::describe`] reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyInfo {
    /// Canonical name.
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// Effective value (set or default); [`REDACTED`] for a credential with a value; `None`
    /// when unset without default, and always for callbacks.
    pub value: Option<String>,
    /// Whether the value was set explicitly.
    pub is_set: bool,
    /// Default value.
    pub default: Option<&'static str>,
    /// Accepted values.
    pub kind: Kind,
    /// librdkafka's global or topic table.
    pub level: Level,
    /// Client types it applies to.
    pub scope: Scope,
    /// What setting it does here.
    pub effect: Effect,
    /// What it does.
    pub doc: &'static str,
}

fn describe(values: &Values, level: Level) -> Vec<PropertyInfo> {
    properties(level)
        .map(|def| PropertyInfo {
            name: def.name,
            aliases: def.aliases,
            value: match def.effect {
                Effect::Callback { .. } => None,
                _ => effective(values, def).map(|v| shown(def, v).to_string()),
            },
            is_set: values.contains_key(def.name),
            default: def.default,
            kind: def.kind,
            level: def.level,
            scope: def.scope,
            effect: def.effect,
            doc: def.doc,
        })
        .collect()
}

fn no_effect_set(values: &Values, level: Level) -> Vec<&'static str> {
    set_defs(values, level).filter(|def| def.effect == Effect::NoEffect).map(|def| def.name).collect()
}

/// `Debug` output with credentials redacted: the derived one would print passwords.
fn debug_values(f: &mut fmt::Formatter<'_>, values: &Values, level: Level) -> fmt::Result {
    f.debug_map()
        .entries(values.iter().map(|(name, v)| (name, property_at(level, name).map_or(v.as_str(), |def| shown(def, v)))))
        .finish()
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientConfig ")?;
        debug_values(f, &self.values, Level::Global)?;
        f.write_str(" topic ")?;
        debug_values(f, &self.topic.values, Level::Topic)
    }
}

impl fmt::Debug for TopicConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TopicConfig ")?;
        debug_values(f, &self.values, Level::Topic)
    }
}

/// Validates `value` and stores its canonical form under the property's canonical name, or
/// removes the entry when the value resets the property to its default.
fn store(
    values: &mut Values,
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
    if let Effect::Callback { setter } = def.effect {
        return Err(ConfError::invalid(format!(
            "Property \"{}\" must be set through dedicated .._set_..() function: {setter}()",
            def.name
        )));
    }
    let v = value.trim();
    let bad = |message: String| Err(ConfError::invalid(message));
    // Only messages about credentials' values need this; no credential has a kind that quotes
    // the value, but a table change must not start leaking them.
    let quoted = shown(def, v);
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
            Err(why) => return bad(format!("Invalid value \"{quoted}\" for configuration property \"{key}\": {why}")),
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
            // librdkafka's text, plus what is allowed: a user should not need the docs to fix it.
            None => {
                return bad(format!(
                    "Invalid value \"{quoted}\" for configuration property \"{key}\" (allowed: {})",
                    allowed.join(", ")
                ))
            }
        },
        Kind::Flags(allowed) => {
            let mut words = Vec::new();
            for flag in split_list(v) {
                match allowed.iter().find(|a| a.eq_ignore_ascii_case(flag)) {
                    Some(word) => words.push(*word),
                    None => {
                        return bad(format!(
                            "Invalid value \"{flag}\" for configuration property \"{key}\" (allowed: {})",
                            allowed.join(", ")
                        ))
                    }
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

    /// Every name in librdkafka's CONFIGURATION.md (2.x, the version with
    /// `metadata.recovery.rebootstrap.trigger.ms` and the OAUTHBEARER assertion properties), per
    /// table, aliases included: 174 global rows (165 properties, 9 aliases) and 22 topic rows
    /// (18 properties, 4 aliases).
    const LIBRDKAFKA_GLOBAL: &str = "builtin.features client.id metadata.broker.list bootstrap.servers message.max.bytes
        message.copy.max.bytes receive.message.max.bytes max.in.flight.requests.per.connection max.in.flight
        metadata.recovery.strategy metadata.recovery.rebootstrap.trigger.ms topic.metadata.refresh.interval.ms
        metadata.max.age.ms topic.metadata.refresh.fast.interval.ms topic.metadata.refresh.fast.cnt
        topic.metadata.refresh.sparse topic.metadata.propagation.max.ms topic.blacklist debug socket.timeout.ms
        socket.blocking.max.ms socket.send.buffer.bytes socket.receive.buffer.bytes socket.keepalive.enable
        socket.nagle.disable socket.max.fails broker.address.ttl broker.address.family socket.connection.setup.timeout.ms
        connections.max.idle.ms reconnect.backoff.jitter.ms reconnect.backoff.ms reconnect.backoff.max.ms
        statistics.interval.ms enabled_events error_cb throttle_cb stats_cb log_cb log_level log.queue log.thread.name
        enable.random.seed log.connection.close background_event_cb socket_cb connect_cb closesocket_cb open_cb
        resolve_cb opaque default_topic_conf internal.termination.signal api.version.request
        api.version.request.timeout.ms api.version.fallback.ms broker.version.fallback allow.auto.create.topics
        security.protocol ssl.cipher.suites ssl.curves.list ssl.sigalgs.list ssl.key.location ssl.key.password
        ssl.key.pem ssl_key ssl.certificate.location ssl.certificate.pem ssl_certificate ssl.ca.location
        https.ca.location https.ca.pem ssl.ca.pem ssl_ca ssl.ca.certificate.stores ssl.crl.location
        ssl.keystore.location ssl.keystore.password ssl.providers ssl.engine.location ssl.engine.id
        ssl_engine_callback_data enable.ssl.certificate.verification ssl.endpoint.identification.algorithm
        ssl.certificate.verify_cb sasl.mechanisms sasl.mechanism sasl.kerberos.service.name sasl.kerberos.principal
        sasl.kerberos.kinit.cmd sasl.kerberos.keytab sasl.kerberos.min.time.before.relogin sasl.username
        sasl.password sasl.oauthbearer.config enable.sasl.oauthbearer.unsecure.jwt oauthbearer_token_refresh_cb
        sasl.oauthbearer.method sasl.oauthbearer.client.id sasl.oauthbearer.client.credentials.client.id
        sasl.oauthbearer.client.credentials.client.secret sasl.oauthbearer.client.secret sasl.oauthbearer.scope
        sasl.oauthbearer.extensions sasl.oauthbearer.token.endpoint.url sasl.oauthbearer.grant.type
        sasl.oauthbearer.assertion.algorithm sasl.oauthbearer.assertion.private.key.file
        sasl.oauthbearer.assertion.private.key.passphrase sasl.oauthbearer.assertion.private.key.pem
        sasl.oauthbearer.assertion.file sasl.oauthbearer.assertion.claim.aud
        sasl.oauthbearer.assertion.claim.exp.seconds sasl.oauthbearer.assertion.claim.iss
        sasl.oauthbearer.assertion.claim.jti.include sasl.oauthbearer.assertion.claim.nbf.seconds
        sasl.oauthbearer.assertion.claim.sub sasl.oauthbearer.assertion.jwt.template.file
        sasl.oauthbearer.metadata.authentication.type plugin.library.paths interceptors group.id group.instance.id
        partition.assignment.strategy session.timeout.ms heartbeat.interval.ms group.protocol.type group.protocol
        group.remote.assignor coordinator.query.interval.ms max.poll.interval.ms enable.auto.commit
        auto.commit.interval.ms enable.auto.offset.store queued.min.messages queued.max.messages.kbytes
        fetch.wait.max.ms fetch.queue.backoff.ms fetch.message.max.bytes max.partition.fetch.bytes fetch.max.bytes
        fetch.min.bytes fetch.error.backoff.ms offset.store.method isolation.level consume_cb rebalance_cb
        offset_commit_cb enable.partition.eof check.crcs client.rack transactional.id transaction.timeout.ms
        enable.idempotence enable.gapless.guarantee queue.buffering.max.messages queue.buffering.max.kbytes
        queue.buffering.max.ms linger.ms message.send.max.retries retries retry.backoff.ms retry.backoff.max.ms
        queue.buffering.backpressure.threshold compression.codec compression.type batch.num.messages batch.size
        delivery.report.only.error dr_cb dr_msg_cb sticky.partitioning.linger.ms client.dns.lookup enable.metrics.push";
    const LIBRDKAFKA_TOPIC: &str = "request.required.acks acks request.timeout.ms message.timeout.ms delivery.timeout.ms
        queuing.strategy produce.offset.report partitioner partitioner_cb msg_order_cmp opaque compression.codec
        compression.type compression.level auto.commit.enable enable.auto.commit auto.commit.interval.ms
        auto.offset.reset offset.store.path offset.store.sync.interval.ms offset.store.method
        consume.callback.max.messages";

    #[test]
    fn every_librdkafka_property_is_known_at_its_level() {
        for (level, names, rows, props) in [(Level::Global, LIBRDKAFKA_GLOBAL, 174, 165), (Level::Topic, LIBRDKAFKA_TOPIC, 22, 18)] {
            let names: Vec<&str> = names.split_whitespace().collect();
            assert_eq!(names.len(), rows, "{level:?} rows of CONFIGURATION.md");
            for name in &names {
                assert!(property_at(level, name).is_some(), "{level:?} property {name} is unknown");
            }
            let ours = properties(level).count();
            let our_names = properties(level).map(|p| 1 + p.aliases.len()).sum::<usize>();
            assert!(ours >= props && our_names >= rows, "{level:?}: {ours} properties, {our_names} names");
        }
    }

    #[test]
    fn table_is_consistent() {
        for level in [Level::Global, Level::Topic] {
            let mut names = HashSet::new();
            for def in properties(level) {
                assert!(names.insert(def.name), "duplicate {}", def.name);
                for alias in def.aliases {
                    assert!(names.insert(alias), "duplicate alias {alias}");
                }
            }
        }
        // Table order: every global row before the first topic row.
        assert!(PROPERTIES.windows(2).all(|w| !(w[0].level == Level::Topic && w[1].level == Level::Global)));
        for def in PROPERTIES {
            // Every row parses its own default.
            if let Some(default) = def.default {
                let stored = parse_value(def, def.name, default).unwrap_or_else(|e| panic!("default of {}: {e}", def.name));
                assert_eq!(stored.as_deref(), Some(default), "default of {} is not in canonical form", def.name);
            }
            assert!(!def.doc.is_empty(), "{} undocumented", def.name);
            if let Effect::Callback { setter } = def.effect {
                assert!(def.default.is_none() && def.aliases.is_empty() && setter.starts_with("rd_kafka_"), "{}", def.name);
            }
            if def.sensitive {
                assert_eq!(def.kind, Kind::String, "{}: only strings never quote the value in errors", def.name);
            }
            for (value, why) in def.unsupported {
                assert!(!why.is_empty() && def.default != Some(*value), "{}: the default must be supported", def.name);
            }
        }
        for (name, _) in table::JAVA_ONLY {
            assert!(property(name).is_none(), "{name}");
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
        // The dumps show canonical names only; acks is a topic property, in the default topic
        // configuration's dump as in librdkafka's.
        let dump = config.dump();
        assert!(dump.iter().any(|(k, v)| k == "client.id" && v == "rdkafka"));
        assert!(dump.iter().any(|(k, v)| k == "compression.type" && v == "lz4"), "stored in canonical form");
        assert!(!dump.iter().any(|(k, _)| k == "group.id"), "unset without default is left out");
        assert!(!dump.iter().any(|(k, _)| k == "acks" || k == "compression.codec"));
        let topic_dump = config.default_topic_config().dump();
        assert!(topic_dump.iter().any(|(k, v)| k == "acks" && v == "1"));
        assert!(!topic_dump.iter().any(|(k, _)| k == "request.required.acks"));
        assert!(topic_dump.iter().any(|(k, v)| k == "compression.type" && v == "inherit"));
    }

    /// The result code and librdkafka's exact text for `set(key, value)` on a fresh configuration.
    fn refused(key: &str, value: &str) -> (i32, String) {
        let err = ClientConfig::new().try_set(key, value).unwrap_err();
        (err.code(), err.message)
    }

    #[test]
    fn unknown_and_invalid_are_told_apart_in_librdkafkas_words() {
        assert_eq!(refused("foo.bar", "1"), (-2, "No such configuration property: \"foo.bar\"".into()));
        assert_eq!(refused("acks", "7"), (-1, "Invalid value \"7\" for configuration property \"acks\" (allowed: -1, 0, 1, all)".into()));
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
            (-1, format!("Invalid value \"nope\" for configuration property \"debug\" (allowed: {})", super::table::debug_contexts().join(", ")))
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
    fn topic_properties_on_the_client_go_to_the_default_topic_config() {
        let mut config = base();
        config.set("request.required.acks", "1").unwrap();
        config.set("topic.message.timeout.ms", "1000").unwrap();
        config.set("topic.compression.codec", "zstd").unwrap();
        config.set("compression.codec", "gzip").unwrap();
        // The global compression.codec and the topic one are two properties.
        assert_eq!(config.get("compression.type").as_deref(), Some("gzip"));
        let topic = config.default_topic_config();
        assert_eq!(topic.get("acks").as_deref(), Some("1"));
        assert_eq!(topic.get("delivery.timeout.ms").as_deref(), Some("1000"));
        assert_eq!(topic.get("compression.codec").as_deref(), Some("zstd"));
        assert!(topic.is_set("message.timeout.ms") && !topic.is_set("partitioner"));
        assert!(config.is_set("acks") && config.is_set("topic.acks"));
        // The producer reads them, and the topic's codec overrides the global one.
        let p = config.producer().unwrap();
        assert_eq!((p.acks, p.message_timeout, p.compression), (Acks::Leader, Duration::from_secs(1), Compression::Zstd));
        // Names librdkafka has in both tables resolve to the global one on the client.
        config.set("enable.auto.commit", "false").unwrap();
        assert_eq!(config.get("enable.auto.commit").as_deref(), Some("false"));
        assert!(!config.default_topic_config().is_set("auto.commit.enable"));
        // A name in neither table is unknown, without the prefix (as librdkafka words it).
        assert_eq!(refused("topic.nope", "1"), (-2, "No such configuration property: \"nope\"".into()));
        // Replacing the default topic configuration drops what was set before.
        config.set_default_topic_config(TopicConfig::new().with("partitioner", "random").unwrap());
        assert_eq!(config.get("acks").as_deref(), Some("-1"));
        assert_eq!(config.producer().unwrap().partitioner, Partitioner::Random);
    }

    #[test]
    fn topic_config_takes_topic_properties_only() {
        let mut topic = TopicConfig::new();
        topic.set("acks", "0").unwrap();
        topic.set("topic.auto.offset.reset", "earliest").unwrap();
        topic.set("enable.auto.commit", "false").unwrap();
        assert_eq!(topic.get("auto.commit.enable").as_deref(), Some("false"), "the topic alias");
        assert_eq!(topic.get("auto.commit.interval.ms").as_deref(), Some("60000"), "the topic row's default");
        let err = topic.try_set("linger.ms", "1").unwrap_err();
        assert_eq!((err.code(), err.message.as_str()), (-2, "No such configuration property: \"linger.ms\""));
        assert_eq!(topic.try_set("bootstrap.servers", "k").unwrap_err().result, ConfResult::Unknown);
        assert_eq!(
            topic.try_set("auto.commit.interval.ms", "5").unwrap_err().message,
            "Configuration property \"auto.commit.interval.ms\" value 5 is outside allowed range 10..86400000"
        );
        assert_eq!(
            topic.try_set("compression.codec", "brotli").unwrap_err().message,
            "Invalid value \"brotli\" for configuration property \"compression.codec\" (allowed: none, gzip, snappy, lz4, zstd, inherit)"
        );
        assert!(topic.get("linger.ms").is_none() && !topic.is_set("linger.ms"));
        let dump = topic.dump();
        assert_eq!(dump.first().map(|(k, v)| (k.as_str(), v.as_str())), Some(("acks", "0")));
        assert!(dump.iter().all(|(k, _)| property_at(Level::Topic, k).is_some()));
        assert!(!dump.iter().any(|(k, _)| k == "opaque" || k == "partitioner_cb"), "callbacks are left out");
        assert!(TopicConfig::from_pairs([("acks", "all"), ("linger.ms", "1")]).is_err());
    }

    #[test]
    fn topic_settings_layer_a_topic_config_over_the_client() {
        let config = base()
            .with("acks", "1")
            .unwrap()
            .with("compression.type", "lz4")
            .unwrap()
            .with("topic.compression.level", "3")
            .unwrap();
        let defaults = config.topic_settings(None).unwrap();
        assert_eq!((defaults.acks, defaults.compression, defaults.compression_level), (Acks::Leader, Compression::Lz4, 3));
        assert_eq!(defaults.auto_offset_reset, OffsetReset::Latest);
        assert_eq!(defaults.request_timeout, Duration::from_secs(30));
        let topic = TopicConfig::new()
            .with("request.required.acks", "0")
            .unwrap()
            .with("compression.codec", "snappy")
            .unwrap()
            .with("auto.offset.reset", "smallest")
            .unwrap()
            .with("request.timeout.ms", "500")
            .unwrap();
        let t = config.topic_settings(Some(&topic)).unwrap();
        assert_eq!((t.acks, t.compression, t.auto_offset_reset), (Acks::None, Compression::Snappy, OffsetReset::Earliest));
        assert_eq!(t.request_timeout, Duration::from_millis(500));
        assert_eq!(t.compression_level, 3, "not set on the topic: the client's default topic value");
        assert_eq!(t.message_timeout, Duration::from_secs(300));
        // inherit takes the global codec.
        let inherit = TopicConfig::new().with("compression.type", "inherit").unwrap();
        assert_eq!(config.topic_settings(Some(&inherit)).unwrap().compression, Compression::Lz4);
        // Idempotence needs acks=all on every topic, as librdkafka checks per topic.
        let idempotent = base().with("enable.idempotence", "true").unwrap();
        assert!(idempotent.topic_settings(None).is_ok());
        let e = idempotent.topic_settings(Some(&topic)).unwrap_err();
        assert!(e.message.contains("enable.idempotence"), "{e}");
    }

    #[test]
    fn callbacks_are_refused_as_strings() {
        assert_eq!(
            refused("dr_msg_cb", "0x1234"),
            (-1, "Property \"dr_msg_cb\" must be set through dedicated .._set_..() function: rd_kafka_conf_set_dr_msg_cb()".into())
        );
        for def in callback_properties() {
            let err = match def.level {
                Level::Global => ClientConfig::new().try_set(def.name, "x").unwrap_err(),
                Level::Topic => TopicConfig::new().try_set(def.name, "x").unwrap_err(),
            };
            let Effect::Callback { setter } = def.effect else { unreachable!() };
            assert_eq!(err.result, ConfResult::Invalid, "{}", def.name);
            assert!(err.message.contains(setter), "{}", err.message);
        }
        let names: Vec<&str> = callback_properties().map(|d| d.name).collect();
        for name in ["dr_cb", "dr_msg_cb", "error_cb", "throttle_cb", "stats_cb", "log_cb", "rebalance_cb", "offset_commit_cb",
            "consume_cb", "oauthbearer_token_refresh_cb", "socket_cb", "opaque", "default_topic_conf", "partitioner_cb",
            "msg_order_cmp", "background_event_cb", "ssl_engine_callback_data", "interceptors"]
        {
            assert!(names.contains(&name), "{name}");
        }
        // Java-only properties librdkafka knows only to refuse are invalid, not unknown.
        let (code, message) = refused("sasl.jaas.config", "x");
        assert_eq!(code, -1);
        assert!(message.starts_with("Java JAAS configuration is not supported"), "{message}");
        // Values librdkafka has but ferrokafka lacks.
        assert!(refused("builtin.features", "gzip,SSL").1.starts_with("Unsupported value \"ssl\" for configuration property \"builtin.features\""));
        ClientConfig::new().set("builtin.features", "zstd, lz4").unwrap();
        assert_eq!(refused("group.protocol", "consumer").0, -1);
    }

    #[test]
    fn credentials_are_redacted() {
        let mut config = base();
        config.set("sasl.password", "hunter2").unwrap();
        config.set("sasl.oauthbearer.client.credentials.client.secret", "s3cret").unwrap();
        config.set("ssl.key.pem", "-----BEGIN PRIVATE KEY-----").unwrap();
        config.set("sasl.mechanism", "PLAIN").unwrap();
        // The client reads the real values.
        assert_eq!(config.get("sasl.password").as_deref(), Some("hunter2"));
        assert_eq!(config.get("sasl.oauthbearer.client.secret").as_deref(), Some("s3cret"));
        let dump = config.dump();
        let shown = |name: &str| dump.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(shown("sasl.password"), Some(REDACTED));
        assert_eq!(shown("sasl.oauthbearer.client.secret"), Some(REDACTED));
        assert_eq!(shown("ssl.key.pem"), Some(REDACTED));
        assert_eq!(shown("sasl.mechanisms"), Some("PLAIN"));
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("s3cret") && !debug.contains("BEGIN"), "{debug}");
        assert!(debug.contains("PLAIN"), "{debug}");
        for name in ["sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
            "ssl.key.pem", "sasl.oauthbearer.config", "sasl.oauthbearer.assertion.private.key.passphrase",
            "sasl.oauthbearer.assertion.private.key.pem", "sasl.username"]
        {
            let def = property(name).unwrap();
            assert!(def.sensitive, "{name}");
            // No error message quotes a credential's value.
            if let Err(e) = parse_value(def, name, "hunter2") {
                assert!(!e.message.contains("hunter2"), "{e}");
            }
        }
    }

    #[test]
    fn describe_and_no_effect_set() {
        let mut config = base();
        config.set("sasl.password", "hunter2").unwrap();
        config.set("statistics.interval.ms", "1000").unwrap();
        config.set("ssl.engine.id", "pkcs11").unwrap();
        config.set("linger.ms", "2").unwrap();
        config.set("topic.offset.store.method", "file").unwrap();
        config.set("queuing.strategy", "lifo").unwrap();
        // Table order, global first, each once; implemented ones are not listed.
        assert_eq!(
            config.no_effect_set(),
            ["ssl.engine.id", "sasl.password", "queuing.strategy", "offset.store.method"]
        );
        assert!(base().no_effect_set().is_empty(), "defaults are not reported");
        let topic = TopicConfig::new().with("consume.callback.max.messages", "5").unwrap().with("acks", "1").unwrap();
        assert_eq!(topic.no_effect_set(), ["consume.callback.max.messages"]);

        let all = config.describe();
        assert_eq!(all.len(), PROPERTIES.len());
        let info = |name: &str, level: Level| all.iter().find(|i| i.name == name && i.level == level).unwrap();
        let password = info("sasl.password", Level::Global);
        assert_eq!((password.value.as_deref(), password.is_set, password.effect), (Some(REDACTED), true, Effect::NoEffect));
        let linger = info("linger.ms", Level::Global);
        assert_eq!((linger.value.as_deref(), linger.default, linger.effect), (Some("2"), Some("5"), Effect::Implemented));
        assert_eq!(linger.aliases, ["queue.buffering.max.ms"]);
        let acks = info("acks", Level::Topic);
        assert_eq!((acks.value.as_deref(), acks.is_set, acks.scope), (Some("-1"), false, Scope::Producer));
        let cb = info("dr_msg_cb", Level::Global);
        assert_eq!((cb.value.as_deref(), cb.effect), (None, Effect::Callback { setter: "rd_kafka_conf_set_dr_msg_cb" }));
        assert!(!format!("{all:?}").contains("hunter2"));
        assert_eq!(topic.describe().len(), properties(Level::Topic).count());
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
