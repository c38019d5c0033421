//! Typed views of a [`ClientConfig`]: what the clients read, parsed once at construction.

use std::time::Duration;

use super::{effective, invalid, parse_bool, parse_brokers, property_at, split_list, ClientConfig, Level, TopicConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::producer::partitioner::Partitioner;
use crate::protocol::compression::Compression;

impl ClientConfig {
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
            log_level: i32::try_from(self.int("log_level")?).unwrap_or(6),
            statistics_interval: Some(self.ms("statistics.interval.ms")?).filter(|d| !d.is_zero()),
            api_version_request_timeout: self.ms("api.version.request.timeout.ms")?,
            socket_keepalive: self.boolean("socket.keepalive.enable")?,
            socket_nagle_disable: self.boolean("socket.nagle.disable")?,
        })
    }

    /// The producer's view (common settings included).
    pub fn producer(&self) -> Result<ProducerConfig> {
        let topic = self.topic_settings(None)?;
        Ok(ProducerConfig {
            common: self.common()?,
            acks: topic.acks,
            linger: self.float_ms("linger.ms")?,
            batch_num_messages: self.usize("batch.num.messages")?,
            batch_size: self.usize("batch.size")?,
            compression: topic.compression,
            compression_level: topic.compression_level,
            message_timeout: topic.message_timeout,
            retries: u32::try_from(self.int("retries")?).unwrap_or(u32::MAX),
            queue_buffering_max_messages: self.usize("queue.buffering.max.messages")?,
            queue_buffering_max_kbytes: self.usize("queue.buffering.max.kbytes")?,
            max_in_flight: self.usize("max.in.flight.requests.per.connection")?,
            enable_idempotence: self.idempotent()?,
            transactional_id: self.effective_of("transactional.id").filter(|v| !v.is_empty()).map(str::to_string),
            transaction_timeout: self.ms("transaction.timeout.ms")?,
            partitioner: topic.partitioner,
            sticky_linger: self.ms("sticky.partitioning.linger.ms")?,
        })
    }

    /// The consumer's view (common settings included).
    pub fn consumer(&self) -> Result<ConsumerConfig> {
        let auto_offset_reset = parse_offset_reset(self.effective_of("auto.offset.reset").unwrap_or("largest"));
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
            queued_max_bytes: self.usize("queued.max.messages.kbytes")?.saturating_mul(1024),
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
    /// The settings of one topic: each topic property from `topic` where it is set there, else
    /// from this configuration's default topic configuration (topic properties set on the
    /// client), else its default. `compression.codec=inherit` (the topic default) takes the
    /// global `compression.codec`. librdkafka uses a topic's configuration instead of the default
    /// one as a whole; overriding property by property keeps what the application set globally.
    pub fn topic_settings(&self, topic: Option<&TopicConfig>) -> Result<TopicSettings> {
        let value = |name: &str| {
            let def = property_at(Level::Topic, name)?;
            topic.and_then(|t| t.explicit(def)).or_else(|| effective(&self.topic.values, def))
        };
        let acks = parse_acks(value("acks").unwrap_or("-1"));
        let compression_name = match value("compression.type") {
            None | Some("inherit") => self.effective_of("compression.type").unwrap_or("none"),
            Some(name) => name,
        };
        let compression = Compression::parse(compression_name)
            .ok_or_else(|| invalid("compression.type", compression_name, "unknown codec"))?;
        let partitioner_name = value("partitioner").unwrap_or("murmur2_random");
        let partitioner = Partitioner::parse(&partitioner_name.to_ascii_lowercase())
            .ok_or_else(|| invalid("partitioner", partitioner_name, "unknown partitioner"))?;
        if self.idempotent()? && acks != Acks::All {
            // librdkafka refuses this too: without acks=all the broker may lose an acknowledged
            // batch, and the sequence numbers that promise no duplicates would be wrong.
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "`acks` must be set to `all` when `enable.idempotence` is true (transactional.id implies it)",
            ));
        }
        Ok(TopicSettings {
            acks,
            request_timeout: ms_of("request.timeout.ms", value("request.timeout.ms"))?,
            message_timeout: ms_of("message.timeout.ms", value("message.timeout.ms"))?,
            partitioner,
            compression,
            compression_level: i32_of("compression.level", value("compression.level"))?,
            auto_offset_reset: parse_offset_reset(value("auto.offset.reset").unwrap_or("largest")),
        })
    }

    fn int(&self, name: &str) -> Result<i64> {
        int_of(name, self.effective_of(name))
    }

    fn i32(&self, name: &str) -> Result<i32> {
        i32_of(name, self.effective_of(name))
    }

    fn usize(&self, name: &str) -> Result<usize> {
        let v = self.int(name)?;
        usize::try_from(v).map_err(|_| invalid(name, &v.to_string(), "must not be negative"))
    }

    fn ms(&self, name: &str) -> Result<Duration> {
        ms_of(name, self.effective_of(name))
    }

    fn float_ms(&self, name: &str) -> Result<Duration> {
        let value = self.effective_of(name).unwrap_or("");
        let ms = value.trim().parse::<f64>().map_err(|_| invalid(name, value, "must be a number"))?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| invalid(name, value, "must be a non-negative number"))
    }

    /// enable.idempotence, implied by transactional.id (as in librdkafka, which refuses an
    /// explicit enable.idempotence=false beside a transactional.id).
    fn idempotent(&self) -> Result<bool> {
        let transactional = self.effective_of("transactional.id").is_some_and(|v| !v.is_empty());
        if !transactional {
            return self.boolean("enable.idempotence");
        }
        if self.is_set("enable.idempotence") && !self.boolean("enable.idempotence")? {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "`enable.idempotence` must not be false when `transactional.id` is set: a transactional producer is idempotent",
            ));
        }
        Ok(true)
    }

    fn boolean(&self, name: &str) -> Result<bool> {
        let value = self.effective_of(name).unwrap_or("");
        parse_bool(value).ok_or_else(|| invalid(name, value, "must be true or false"))
    }
}

/// Integer value; values were validated when set and defaults by a test, so the error paths only
/// guard against a table mistake.
fn int_of(name: &str, value: Option<&str>) -> Result<i64> {
    let value = value.unwrap_or("");
    value.trim().parse::<i64>().map_err(|_| invalid(name, value, "must be an integer"))
}

fn i32_of(name: &str, value: Option<&str>) -> Result<i32> {
    let v = int_of(name, value)?;
    i32::try_from(v).map_err(|_| invalid(name, &v.to_string(), "does not fit in 32 bits"))
}

fn ms_of(name: &str, value: Option<&str>) -> Result<Duration> {
    let v = int_of(name, value)?;
    u64::try_from(v).map(Duration::from_millis).map_err(|_| invalid(name, &v.to_string(), "must not be negative"))
}

fn parse_acks(value: &str) -> Acks {
    match value.to_ascii_lowercase().as_str() {
        "0" => Acks::None,
        "1" => Acks::Leader,
        _ => Acks::All,
    }
}

fn parse_offset_reset(value: &str) -> OffsetReset {
    match value.to_ascii_lowercase().as_str() {
        "smallest" | "earliest" | "beginning" => OffsetReset::Earliest,
        "error" => OffsetReset::Error,
        _ => OffsetReset::Latest,
    }
}

/// The settings librdkafka keeps per topic (its topic configuration table), resolved for one
/// topic by [`ClientConfig::topic_settings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSettings {
    /// `acks` (alias `request.required.acks`), default all (-1).
    pub acks: Acks,
    /// `request.timeout.ms`, default 30000.
    pub request_timeout: Duration,
    /// `message.timeout.ms` (alias `delivery.timeout.ms`), default 300000; zero means infinite.
    pub message_timeout: Duration,
    /// `partitioner`, default murmur2_random.
    pub partitioner: Partitioner,
    /// The topic's `compression.codec` (alias `compression.type`), or the global one when it is
    /// `inherit` (the default).
    pub compression: Compression,
    /// `compression.level`, default -1 (codec default).
    pub compression_level: i32,
    /// `auto.offset.reset`, default latest.
    pub auto_offset_reset: OffsetReset,
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
    /// `log_level`, the syslog threshold of log events, default 6 (info).
    pub log_level: i32,
    /// `statistics.interval.ms`, None when 0 (off, the default).
    pub statistics_interval: Option<Duration>,
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
    /// `enable.idempotence`, default false; true with a `transactional.id`.
    pub enable_idempotence: bool,
    /// `transactional.id`, default none (not transactional).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`, default 60000.
    pub transaction_timeout: Duration,
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
    /// `queued.min.messages`, default 100000: the most records prefetched per partition.
    pub queued_min_messages: usize,
    /// `queued.max.messages.kbytes` in bytes, default 64 MiB: the most key and value bytes
    /// prefetched per partition.
    pub queued_max_bytes: usize,
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
