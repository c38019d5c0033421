//! Kafka's topic and broker configurations: names, types, defaults, validation and
//! documentation, as Kafka 4.x has them (`TopicConfig`, `LogConfig`, `ServerLogConfigs`).
//!
//! A topic stores only its overrides (what CreateTopics, AlterConfigs and
//! IncrementalAlterConfigs set); everything else is the default, reported with source
//! DEFAULT_CONFIG. The overrides that change how a partition behaves are read through
//! [`TopicConfigs`]' typed accessors: cleanup.policy, retention.ms, retention.bytes,
//! delete.retention.ms, min.compaction.lag.ms, max.message.bytes, message.timestamp.type.
//! Others are validated, stored and described, and change nothing here (segment sizes,
//! flushing, replication throttles: this broker keeps its log in memory with one replica).

use std::collections::BTreeMap;

/// Kafka's ConfigResource types.
pub(crate) const RESOURCE_TOPIC: i8 = 2;
pub(crate) const RESOURCE_BROKER: i8 = 4;
pub(crate) const RESOURCE_GROUP: i8 = 32;

/// DescribeConfigs config_source values.
pub(crate) const SOURCE_DYNAMIC_TOPIC: i8 = 1;
pub(crate) const SOURCE_DYNAMIC_BROKER: i8 = 2;
pub(crate) const SOURCE_STATIC_BROKER: i8 = 4;
pub(crate) const SOURCE_DEFAULT: i8 = 5;
pub(crate) const SOURCE_GROUP: i8 = 8;

/// DescribeConfigs config_type values (v3+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigType {
    Boolean = 1,
    String = 2,
    Int = 3,
    Long = 5,
    Double = 6,
    List = 7,
}

/// What a value must be.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// An integer of the type's range, at least this.
    AtLeast(i64),
    /// An integer at least `min` (the config's own validator), then within the bounds two broker
    /// configs set (Kafka's group configs: group.consumer.min.session.timeout.ms, ...).
    Bounded { min: i64, lo: i64, hi: i64, lo_name: &'static str, hi_name: &'static str },
    /// A double in this range.
    Between(f64, f64),
    /// One of these (case-sensitive, as Kafka).
    OneOf(&'static [&'static str]),
    /// A comma-separated list, every element one of these.
    ListOf(&'static [&'static str]),
    /// earliest, latest or by_duration:<ISO-8601 duration, not negative> (share.auto.offset.reset).
    OffsetReset,
    Any,
}

/// One configuration Kafka defines.
#[derive(Debug)]
pub(crate) struct ConfigDef {
    pub(crate) name: &'static str,
    pub(crate) kind: ConfigType,
    pub(crate) default: &'static str,
    rule: Rule,
    pub(crate) doc: &'static str,
}

const fn def(name: &'static str, kind: ConfigType, default: &'static str, rule: Rule, doc: &'static str) -> ConfigDef {
    ConfigDef { name, kind, default, rule, doc }
}

use ConfigType::{Boolean, Double, Int, List, Long, String as Str};

const LONG_MAX: &str = "9223372036854775807";
const CODECS: &[&str] = &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// Kafka 4.x's topic configurations (`kafka-configs.sh --describe --all` on a topic).
pub(crate) const TOPIC_CONFIGS: &[ConfigDef] = &[
    def("cleanup.policy", List, "delete", Rule::ListOf(&["compact", "delete"]),
        "\"delete\" removes old segments past retention; \"compact\" keeps the latest value of each key."),
    def("compression.gzip.level", Int, "-1", Rule::AtLeast(-1), "gzip level when compression.type is gzip."),
    def("compression.lz4.level", Int, "9", Rule::AtLeast(1), "lz4 level when compression.type is lz4."),
    def("compression.type", Str, "producer", Rule::OneOf(CODECS),
        "Final codec of the topic's batches; \"producer\" keeps the producer's."),
    def("compression.zstd.level", Int, "3", Rule::AtLeast(-131072), "zstd level when compression.type is zstd."),
    def("delete.retention.ms", Long, "86400000", Rule::AtLeast(0),
        "How long a tombstone is kept on a compacted topic after compaction reached it."),
    def("file.delete.delay.ms", Long, "60000", Rule::AtLeast(0), "Delay before a deleted file is removed."),
    def("flush.messages", Long, LONG_MAX, Rule::AtLeast(1), "Messages between forced fsyncs."),
    def("flush.ms", Long, LONG_MAX, Rule::AtLeast(0), "Time between forced fsyncs."),
    def("follower.replication.throttled.replicas", List, "", Rule::Any, "Replicas throttled on the follower side."),
    def("index.interval.bytes", Int, "4096", Rule::AtLeast(0), "Bytes between offset index entries."),
    def("leader.replication.throttled.replicas", List, "", Rule::Any, "Replicas throttled on the leader side."),
    def("local.retention.bytes", Long, "-2", Rule::AtLeast(-2), "Local retention in bytes with tiered storage."),
    def("local.retention.ms", Long, "-2", Rule::AtLeast(-2), "Local retention in ms with tiered storage."),
    def("max.compaction.lag.ms", Long, LONG_MAX, Rule::AtLeast(1), "Longest a record stays uncompacted."),
    def("max.message.bytes", Int, "1048588", Rule::AtLeast(0), "Largest record batch the topic accepts."),
    def("message.timestamp.after.max.ms", Long, "3600000", Rule::AtLeast(0),
        "How far in the future a CreateTime timestamp may be."),
    def("message.timestamp.before.max.ms", Long, LONG_MAX, Rule::AtLeast(0),
        "How far in the past a CreateTime timestamp may be."),
    def("message.timestamp.type", Str, "CreateTime", Rule::OneOf(&["CreateTime", "LogAppendTime"]),
        "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's clock."),
    def("min.cleanable.dirty.ratio", Double, "0.5", Rule::Between(0.0, 1.0), "Dirty ratio that triggers compaction."),
    def("min.compaction.lag.ms", Long, "0", Rule::AtLeast(0), "Youngest a record must be to be compacted."),
    def("min.insync.replicas", Int, "1", Rule::AtLeast(1), "Replicas that must acknowledge an acks=all write."),
    def("preallocate", Boolean, "false", Rule::OneOf(&["true", "false"]), "Preallocate segment files."),
    def("remote.storage.enable", Boolean, "false", Rule::OneOf(&["true", "false"]), "Tiered storage for the topic."),
    def("retention.bytes", Long, "-1", Rule::AtLeast(-1), "Largest a partition grows before old segments go (-1: no limit)."),
    def("retention.ms", Long, "604800000", Rule::AtLeast(-1), "Longest a record is kept (-1: forever)."),
    def("segment.bytes", Int, "1073741824", Rule::AtLeast(1_048_576), "Segment file size."),
    def("segment.index.bytes", Int, "10485760", Rule::AtLeast(4), "Offset index size."),
    def("segment.jitter.ms", Long, "0", Rule::AtLeast(0), "Random jitter on segment.ms."),
    def("segment.ms", Long, "604800000", Rule::AtLeast(1), "Time after which a segment is rolled."),
    def("unclean.leader.election.enable", Boolean, "false", Rule::OneOf(&["true", "false"]),
        "Allow an out-of-sync replica to become leader."),
];

/// Broker configurations this broker reports; the read-only ones describe how it runs, the
/// dynamic ones can be changed with (Incremental)AlterConfigs and are only stored.
pub(crate) const BROKER_CONFIGS: &[(ConfigDef, bool)] = &[
    (def("auto.create.topics.enable", Boolean, "true", Rule::Any, "Create unknown topics on metadata requests and produce."), false),
    (def("default.replication.factor", Int, "1", Rule::Any, "Replication factor of auto-created topics."), false),
    (def("group.initial.rebalance.delay.ms", Int, "3000", Rule::Any, "Wait for more members before the first rebalance."), false),
    (def("log.cleaner.threads", Int, "1", Rule::AtLeast(1), "Threads that compact logs."), true),
    (def("log.retention.ms", Long, "604800000", Rule::AtLeast(-1), "Default retention.ms of topics."), true),
    (def("message.max.bytes", Int, "1048588", Rule::AtLeast(0), "Default max.message.bytes of topics."), true),
    (def("num.partitions", Int, "1", Rule::Any, "Partitions of auto-created topics."), false),
    (def("offsets.topic.num.partitions", Int, "50", Rule::Any, "Partitions of __consumer_offsets."), false),
    (def("transaction.max.timeout.ms", Int, "900000", Rule::Any, "Largest transaction.timeout.ms allowed."), false),
];

const fn bounded(min: i64, lo: i64, hi: i64, lo_name: &'static str, hi_name: &'static str) -> Rule {
    Rule::Bounded { min, lo, hi, lo_name, hi_name }
}

/// Kafka 4.3's group configurations (KIP-848 consumer groups, share and streams groups), with
/// the bounds its default broker configs set. They are stored and described; the testkit runs
/// classic groups only, which they do not govern.
pub(crate) const GROUP_CONFIGS: &[ConfigDef] = &[
    def("consumer.assignment.interval.ms", Int, "1000", Rule::AtLeast(0), "The interval between assignment updates for a consumer group."),
    def("consumer.heartbeat.interval.ms", Int, "5000",
        bounded(1, 5000, 15000, "group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms"),
        "The heartbeat interval given to the members of a consumer group."),
    def("consumer.session.timeout.ms", Int, "45000",
        bounded(1, 45000, 60000, "group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms"),
        "The timeout to detect client failures when using the consumer group protocol."),
    def("share.assignment.interval.ms", Int, "1000", Rule::AtLeast(0), "The interval between assignment updates for a share group."),
    def("share.auto.offset.reset", Str, "latest", Rule::OffsetReset, "The strategy to initialize the share-partition start offset."),
    def("share.delivery.count.limit", Int, "5", bounded(2, 2, 10, "group.share.min.delivery.count.limit", "group.share.max.delivery.count.limit"),
        "The maximum number of delivery attempts for a record delivered to a share group."),
    def("share.heartbeat.interval.ms", Int, "5000",
        bounded(1, 5000, 15000, "group.share.min.heartbeat.interval.ms", "group.share.max.heartbeat.interval.ms"),
        "The heartbeat interval given to the members of a share group."),
    def("share.isolation.level", Str, "read_uncommitted", Rule::OneOf(&["read_committed", "read_uncommitted"]),
        "Controls how to read records written transactionally."),
    def("share.partition.max.record.locks", Int, "2000",
        bounded(100, 100, 10000, "group.share.min.partition.max.record.locks", "group.share.max.partition.max.record.locks"),
        "Share-group record lock limit per share-partition."),
    def("share.record.lock.duration.ms", Int, "30000",
        bounded(1, 15000, 60000, "group.share.min.record.lock.duration.ms", "group.share.max.record.lock.duration.ms"),
        "The record acquisition lock duration in milliseconds for share groups."),
    def("share.renew.acknowledge.enable", Boolean, "true", Rule::Any, "Whether the renew acknowledge type is enabled for the share group."),
    def("share.session.timeout.ms", Int, "45000",
        bounded(1, 45000, 60000, "group.share.min.session.timeout.ms", "group.share.max.session.timeout.ms"),
        "The timeout to detect client failures when using the share group protocol."),
    def("streams.assignment.interval.ms", Int, "1000", Rule::AtLeast(0), "The interval between assignment updates for a streams group."),
    def("streams.heartbeat.interval.ms", Int, "5000",
        bounded(1, 5000, 15000, "group.streams.min.heartbeat.interval.ms", "group.streams.max.heartbeat.interval.ms"),
        "The heartbeat interval given to the members of a streams group."),
    def("streams.initial.rebalance.delay.ms", Int, "3000", Rule::AtLeast(0), "The delay of the first rebalance of a streams group."),
    def("streams.num.standby.replicas", Int, "0", bounded(0, 0, 2, "group.streams.min.standby.replicas", "group.streams.max.standby.replicas"),
        "The number of standby replicas for each task."),
    def("streams.session.timeout.ms", Int, "45000",
        bounded(1, 45000, 60000, "group.streams.min.session.timeout.ms", "group.streams.max.session.timeout.ms"),
        "The timeout to detect client failures when using the streams group protocol."),
];

pub(crate) fn topic_def(name: &str) -> Option<&'static ConfigDef> {
    TOPIC_CONFIGS.iter().find(|d| d.name == name)
}

pub(crate) fn group_def(name: &str) -> Option<&'static ConfigDef> {
    GROUP_CONFIGS.iter().find(|d| d.name == name)
}

pub(crate) fn broker_def(name: &str) -> Option<(&'static ConfigDef, bool)> {
    BROKER_CONFIGS.iter().find(|(d, _)| d.name == name).map(|(d, dynamic)| (d, *dynamic))
}

impl ConfigDef {
    /// Kafka's validation, with its wording ("Invalid value x for configuration y: ...").
    pub(crate) fn validate(&self, value: &str) -> Result<(), String> {
        let bad = |why: String| Err(format!("Invalid value {value} for configuration {}: {why}", self.name));
        match self.kind {
            Boolean if !matches!(value.to_ascii_lowercase().as_str(), "true" | "false") => {
                return bad("Expected value to be either true or false".into())
            }
            Int | Long => {
                let Ok(n) = value.trim().parse::<i64>() else {
                    return bad(format!("Not a number of type {}", if self.kind == Int { "INT" } else { "LONG" }));
                };
                if self.kind == Int && i32::try_from(n).is_err() {
                    return bad("Not a number of type INT".into());
                }
                match self.rule {
                    Rule::AtLeast(min) | Rule::Bounded { min, .. } if n < min => return bad(format!("Value must be at least {min}")),
                    Rule::Bounded { lo, lo_name, .. } if n < lo => {
                        return Err(format!("{} must be greater than or equal to {lo_name}", self.name))
                    }
                    Rule::Bounded { hi, hi_name, .. } if n > hi => {
                        return Err(format!("{} must be less than or equal to {hi_name}", self.name))
                    }
                    _ => {}
                }
            }
            Double => {
                let Ok(x) = value.trim().parse::<f64>() else {
                    return bad("Not a number of type DOUBLE".into());
                };
                if let Rule::Between(lo, hi) = self.rule {
                    if !(lo..=hi).contains(&x) {
                        return bad(format!("Value must be between {lo} and {hi}"));
                    }
                }
            }
            _ => {}
        }
        match self.rule {
            Rule::OneOf(allowed) if self.kind != Boolean && !allowed.contains(&value) => {
                bad(format!("String must be one of: {}", allowed.join(", ")))
            }
            Rule::OffsetReset => {
                let duration = value.strip_prefix("by_duration:");
                let ok = matches!(value, "earliest" | "latest")
                    || duration.is_some_and(|d| {
                        d.len() > 1 && d.starts_with('P') && d[1..].chars().all(|c| c.is_ascii_digit() || "DTHMS.".contains(c))
                    });
                if ok {
                    Ok(())
                } else {
                    bad(format!(
                        "Invalid value `{value}` for configuration {}. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.",
                        self.name
                    ))
                }
            }
            Rule::ListOf(allowed) => {
                let items: Vec<&str> = value.split(',').map(str::trim).collect();
                match items.iter().find(|i| !allowed.contains(i)) {
                    Some(i) if i.is_empty() => bad("Empty list element".into()),
                    Some(i) => bad(format!("{i} is not one of: {}", allowed.join(", "))),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// One topic's overrides, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TopicConfigs {
    overrides: BTreeMap<String, String>,
}

/// What a set of changes to a topic's overrides does, as (Incremental)AlterConfigs ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigOp {
    Set,
    Delete,
    Append,
    Subtract,
}

impl ConfigOp {
    pub(crate) fn from_wire(op: i8) -> Option<ConfigOp> {
        match op {
            0 => Some(ConfigOp::Set),
            1 => Some(ConfigOp::Delete),
            2 => Some(ConfigOp::Append),
            3 => Some(ConfigOp::Subtract),
            _ => None,
        }
    }
}

impl TopicConfigs {
    /// Overrides from CreateTopics or AlterConfigs: every name must be a topic config and every
    /// value valid (INVALID_CONFIG otherwise, with Kafka's message).
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Result<Self, String> {
        let mut configs = TopicConfigs::default();
        for (name, value) in pairs {
            configs.apply(name, ConfigOp::Set, value)?;
        }
        Ok(configs)
    }

    /// One incremental change.
    pub(crate) fn apply(&mut self, name: &str, op: ConfigOp, value: Option<&str>) -> Result<(), String> {
        let def = topic_def(name).ok_or_else(|| format!("Unknown topic config name: {name}"))?;
        match op {
            ConfigOp::Delete => {
                self.overrides.remove(name);
                return Ok(());
            }
            ConfigOp::Set => {
                // A null value in CreateTopics / AlterConfigs means the default.
                let Some(value) = value else {
                    self.overrides.remove(name);
                    return Ok(());
                };
                def.validate(value)?;
                self.overrides.insert(name.to_string(), value.to_string());
            }
            ConfigOp::Append | ConfigOp::Subtract => {
                if def.kind != List {
                    return Err(not_a_list(op, name));
                }
                let current = self.value(name).to_string();
                let mut items: Vec<String> = current.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
                for item in value.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if op == ConfigOp::Append {
                        if !items.iter().any(|i| i == item) {
                            items.push(item.to_string());
                        }
                    } else {
                        items.retain(|i| i != item);
                    }
                }
                let joined = items.join(",");
                def.validate(&joined)?;
                self.overrides.insert(name.to_string(), joined);
            }
        }
        Ok(())
    }

    /// The effective value (override, else default).
    pub(crate) fn value(&self, name: &str) -> &str {
        self.overrides
            .get(name)
            .map(String::as_str)
            .or_else(|| topic_def(name).map(|d| d.default))
            .unwrap_or("")
    }

    pub(crate) fn is_override(&self, name: &str) -> bool {
        self.overrides.contains_key(name)
    }

    fn long(&self, name: &str) -> i64 {
        self.value(name).trim().parse().unwrap_or(-1)
    }

    pub(crate) fn compacted(&self) -> bool {
        self.value("cleanup.policy").split(',').any(|p| p.trim() == "compact")
    }
    /// Old batches are deleted past retention (delete, or compact,delete).
    pub(crate) fn deletes(&self) -> bool {
        self.value("cleanup.policy").split(',').any(|p| p.trim() == "delete")
    }
    /// retention.ms, None for -1 (forever).
    pub(crate) fn retention_ms(&self) -> Option<i64> {
        Some(self.long("retention.ms")).filter(|&ms| ms >= 0)
    }
    /// retention.bytes, None for -1 (no limit).
    pub(crate) fn retention_bytes(&self) -> Option<i64> {
        Some(self.long("retention.bytes")).filter(|&b| b >= 0)
    }
    pub(crate) fn delete_retention_ms(&self) -> i64 {
        self.long("delete.retention.ms").max(0)
    }
    pub(crate) fn min_compaction_lag_ms(&self) -> i64 {
        self.long("min.compaction.lag.ms").max(0)
    }
    pub(crate) fn max_message_bytes(&self) -> usize {
        usize::try_from(self.long("max.message.bytes")).unwrap_or(0)
    }
    pub(crate) fn log_append_time(&self) -> bool {
        self.value("message.timestamp.type") == "LogAppendTime"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_uses_kafkas_wording() {
        let e = TopicConfigs::from_pairs([("retention.ms", Some("-7"))]).unwrap_err();
        assert_eq!(e, "Invalid value -7 for configuration retention.ms: Value must be at least -1");
        let e = TopicConfigs::from_pairs([("cleanup.policy", Some("compact,shred"))]).unwrap_err();
        assert!(e.contains("shred is not one of"), "{e}");
        let e = TopicConfigs::from_pairs([("no.such", Some("1"))]).unwrap_err();
        assert_eq!(e, "Unknown topic config name: no.such");
        assert!(TopicConfigs::from_pairs([("segment.bytes", Some("99999999999"))]).is_err(), "INT range");
        assert!(TopicConfigs::from_pairs([("message.timestamp.type", Some("logappendtime"))]).is_err());
        let ok = TopicConfigs::from_pairs([("cleanup.policy", Some("compact")), ("retention.ms", Some("-1"))]).expect("valid");
        assert!(ok.compacted() && !ok.deletes() && ok.retention_ms().is_none());
    }

    #[test]
    fn group_configs_have_kafkas_bounds() {
        let mut set = BTreeMap::new();
        let apply = |set: &mut BTreeMap<String, String>, k: &str, v: &str| apply_resource(RESOURCE_GROUP, set, k, ConfigOp::Set, Some(v)).map_err(|e| e.1);
        assert_eq!(
            apply(&mut set, "consumer.session.timeout.ms", "1000"),
            Err("consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms".into())
        );
        assert_eq!(
            apply(&mut set, "consumer.session.timeout.ms", "0"),
            Err("Invalid value 0 for configuration consumer.session.timeout.ms: Value must be at least 1".into())
        );
        assert_eq!(
            apply(&mut set, "streams.num.standby.replicas", "3"),
            Err("streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas".into())
        );
        assert!(apply(&mut set, "share.auto.offset.reset", "by_duration:-PT1H").is_err());
        assert_eq!(apply(&mut set, "share.auto.offset.reset", "by_duration:PT1H"), Ok(()));
        assert_eq!(apply(&mut set, "no.such", "1"), Err("Unknown group config name: no.such".into()));
        assert_eq!(
            apply_resource(RESOURCE_GROUP, &mut set, "consumer.session.timeout.ms", ConfigOp::Append, Some("1")).map_err(|e| e.1),
            Err("Can't APPEND to key consumer.session.timeout.ms because its type is not LIST.".into())
        );
        apply(&mut set, "consumer.session.timeout.ms", "50000").expect("in bounds");
        let described = describe_resource(RESOURCE_GROUP, &set, Some(&["consumer.session.timeout.ms", "consumer.heartbeat.interval.ms"]));
        let got: Vec<(&str, &str, i8)> = described.iter().map(|d| (d.name, d.value.as_str(), d.source)).collect();
        assert_eq!(got, vec![("consumer.heartbeat.interval.ms", "5000", SOURCE_DEFAULT), ("consumer.session.timeout.ms", "50000", SOURCE_GROUP)]);
    }

    #[test]
    fn incremental_operations() {
        let mut c = TopicConfigs::default();
        c.apply("cleanup.policy", ConfigOp::Append, Some("compact")).expect("append");
        assert_eq!(c.value("cleanup.policy"), "delete,compact");
        c.apply("cleanup.policy", ConfigOp::Subtract, Some("delete")).expect("subtract");
        assert_eq!(c.value("cleanup.policy"), "compact");
        assert!(c.apply("retention.ms", ConfigOp::Append, Some("1")).is_err(), "not a list");
        c.apply("cleanup.policy", ConfigOp::Delete, None).expect("delete");
        assert!(!c.is_override("cleanup.policy"));
        assert_eq!(c.value("cleanup.policy"), "delete");
    }
}

/// One config as DescribeConfigs reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Described {
    pub(crate) name: &'static str,
    pub(crate) value: String,
    pub(crate) read_only: bool,
    pub(crate) source: i8,
    pub(crate) kind: ConfigType,
    pub(crate) doc: &'static str,
}

/// A topic's configs, all of them or the `keys` asked for (unknown keys are left out, as Kafka).
pub(crate) fn describe_topic(configs: &TopicConfigs, keys: Option<&[&str]>) -> Vec<Described> {
    TOPIC_CONFIGS
        .iter()
        .filter(|d| keys.is_none_or(|k| k.contains(&d.name)))
        .map(|d| Described {
            name: d.name,
            value: configs.value(d.name).to_string(),
            read_only: false,
            source: if configs.is_override(d.name) { SOURCE_DYNAMIC_TOPIC } else { SOURCE_DEFAULT },
            kind: d.kind,
            doc: d.doc,
        })
        .collect()
}

/// A broker's configs: the dynamic ones with their overrides (`dynamic`), the others read-only.
fn describe_broker(dynamic: &BTreeMap<String, String>, keys: Option<&[&str]>) -> Vec<Described> {
    BROKER_CONFIGS
        .iter()
        .filter(|(d, _)| keys.is_none_or(|k| k.contains(&d.name)))
        .map(|(d, is_dynamic)| {
            let set = dynamic.get(d.name);
            Described {
                name: d.name,
                value: set.cloned().unwrap_or_else(|| d.default.to_string()),
                read_only: !is_dynamic,
                source: if set.is_some() { SOURCE_DYNAMIC_BROKER } else if *is_dynamic { SOURCE_DEFAULT } else { SOURCE_STATIC_BROKER },
                kind: d.kind,
                doc: d.doc,
            }
        })
        .collect()
}

/// Kafka's answer to APPEND or SUBTRACT on a config that is not a list.
fn not_a_list(op: ConfigOp, name: &str) -> String {
    let op = if op == ConfigOp::Append { "APPEND" } else { "SUBTRACT" };
    format!("Can't {op} to key {name} because its type is not LIST.")
}

/// One change to the configs of a broker resource (only dynamic broker configs: Kafka refuses
/// the others) or of a group resource.
pub(crate) fn apply_resource(kind: i8, configs: &mut BTreeMap<String, String>, name: &str, op: ConfigOp, value: Option<&str>) -> Result<(), (i16, String)> {
    use crate::error_code::{INVALID_CONFIG, INVALID_REQUEST};
    let def = if kind == RESOURCE_GROUP {
        group_def(name).ok_or_else(|| (INVALID_CONFIG, format!("Unknown group config name: {name}")))?
    } else {
        let Some((def, dynamic)) = broker_def(name) else {
            return Err((INVALID_CONFIG, format!("Unknown broker config name: {name}")));
        };
        if !dynamic {
            return Err((INVALID_REQUEST, format!("Cannot update these configs dynamically: Set({name})")));
        }
        def
    };
    match (op, value) {
        (ConfigOp::Delete, _) | (ConfigOp::Set, None) => {
            configs.remove(name);
        }
        (ConfigOp::Set, Some(v)) => {
            def.validate(v).map_err(|m| (INVALID_CONFIG, m))?;
            configs.insert(name.to_string(), v.to_string());
        }
        _ => return Err((INVALID_CONFIG, not_a_list(op, name))),
    }
    Ok(())
}

/// A broker's configs (the dynamic ones with what was set, the others read-only) or a group's.
pub(crate) fn describe_resource(kind: i8, set: &BTreeMap<String, String>, keys: Option<&[&str]>) -> Vec<Described> {
    if kind == RESOURCE_GROUP {
        return GROUP_CONFIGS
            .iter()
            .filter(|d| keys.is_none_or(|k| k.contains(&d.name)))
            .map(|d| Described {
                name: d.name,
                value: set.get(d.name).cloned().unwrap_or_else(|| d.default.to_string()),
                read_only: false,
                source: if set.contains_key(d.name) { SOURCE_GROUP } else { SOURCE_DEFAULT },
                kind: d.kind,
                doc: d.doc,
            })
            .collect();
    }
    describe_broker(set, keys)
}
