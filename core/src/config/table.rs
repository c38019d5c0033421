//! The property table: every librdkafka property, global table first, then the topic table, each
//! in the order of librdkafka's CONFIGURATION.md (2.x), with librdkafka's ranges, values and
//! defaults unless a row says otherwise. Descriptions are ferrokafka's: what the property does
//! here, or why it has no effect.

use super::Effect::{self, Implemented, NoEffect};
use super::Level::{self, Global as G, Topic as T};
use super::Scope::{self, Both as ALL, Consumer as C, Producer as P};
use super::{Kind, PropertyDef};

/// librdkafka's debug contexts.
const DEBUG_CONTEXTS: &[&str] = &[
    "generic", "broker", "topic", "metadata", "feature", "queue", "msg", "protocol", "cgrp", "security", "fetch",
    "interceptor", "plugin", "consumer", "admin", "eos", "mock", "assignor", "conf", "telemetry", "all",
];
/// librdkafka's build features; ferrokafka has the ones in [`FEATURES_HERE`].
const BUILTIN_FEATURES: &[&str] = &[
    "gzip", "snappy", "ssl", "sasl", "regex", "lz4", "sasl_gssapi", "sasl_plain", "sasl_scram", "plugins", "zstd",
    "sasl_oauthbearer", "http", "oidc",
];
const FEATURES_HERE: &str = "gzip,snappy,regex,lz4,zstd";
const NO_TLS: &str = "TLS is not supported yet";
const NO_SASL: &str = "SASL is not supported yet";
const MISSING_FEATURES: &[(&str, &str)] = &[
    ("ssl", NO_TLS),
    ("sasl", NO_SASL),
    ("sasl_gssapi", NO_SASL),
    ("sasl_plain", NO_SASL),
    ("sasl_scram", NO_SASL),
    ("plugins", "librdkafka plugins cannot be loaded into ferrokafka"),
    ("sasl_oauthbearer", NO_SASL),
    ("http", "HTTP clients (OIDC token retrieval) are not supported yet"),
    ("oidc", "OAuth/OIDC is not supported yet"),
];
/// librdkafka's debug contexts, for tests that check the error text.
#[cfg(test)]
pub(super) fn debug_contexts() -> &'static [&'static str] {
    DEBUG_CONTEXTS
}

const ACKS_VALUES: &[&str] = &["-1", "0", "1", "all"];
const COMPRESSION_VALUES: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd"];
const TOPIC_COMPRESSION_VALUES: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd", "inherit"];
pub(super) const PARTITIONER_VALUES: &[&str] =
    &["random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"];
const OFFSET_RESET_VALUES: &[&str] = &["smallest", "earliest", "beginning", "largest", "latest", "end", "error"];
const ISOLATION_VALUES: &[&str] = &["read_uncommitted", "read_committed"];
const SECURITY_PROTOCOL_VALUES: &[&str] = &["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"];

/// Largest `i32`, librdkafka's usual "unbounded" upper limit.
const I32_MAX: i64 = i32::MAX as i64;

/// Shorthand for table rows.
const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

/// A row; an empty `default` means "no default" (unset properties have no value at all).
const fn row(
    level: Level,
    name: &'static str,
    scope: Scope,
    kind: Kind,
    default: &'static str,
    effect: Effect,
    doc: &'static str,
) -> PropertyDef {
    PropertyDef {
        name,
        aliases: &[],
        default: if default.is_empty() { None } else { Some(default) },
        kind,
        doc,
        java_name: None,
        scope,
        level,
        effect,
        sensitive: false,
        unsupported: &[],
    }
}

/// A pointer-type property: librdkafka only sets it through `setter`, never from a string.
const fn callback(level: Level, name: &'static str, scope: Scope, setter: &'static str, doc: &'static str) -> PropertyDef {
    row(level, name, scope, Kind::String, "", Effect::Callback { setter }, doc)
}

/// A string property that ferrokafka accepts for compatibility and does not use yet.
const fn unused(level: Level, name: &'static str, scope: Scope, default: &'static str, doc: &'static str) -> PropertyDef {
    row(level, name, scope, Kind::String, default, NoEffect, doc)
}

impl PropertyDef {
    const fn alias(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    const fn java(mut self, name: &'static str) -> Self {
        self.java_name = Some(name);
        self
    }

    /// A credential (librdkafka's `_RK_SENSITIVE`): its value never appears in dumps or errors.
    const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    const fn refuse(mut self, values: &'static [(&'static str, &'static str)]) -> Self {
        self.unsupported = values;
        self
    }
}

const TLS_LATER: &str = "TLS setting; no effect until TLS is supported (security.protocol allows only plaintext).";
const SASL_LATER: &str = "SASL setting; no effect until SASL is supported (security.protocol allows only plaintext).";
const OIDC_LATER: &str = "SASL/OAUTHBEARER OIDC setting; no effect until SASL is supported.";
const OPENSSL_ONLY: &str = "OpenSSL-specific; ferrokafka will not use OpenSSL, so this has no effect.";

/// Every property librdkafka knows (its two tables), plus `client.software.name` and
/// `client.software.version`, which librdkafka hides from its documentation but bindings set.
pub static PROPERTIES: &[PropertyDef] = &[
    // ======== Global properties (rd_kafka_conf_t) ========
    row(G, "builtin.features", ALL, Kind::Flags(BUILTIN_FEATURES), FEATURES_HERE, NoEffect,
        "Features of this build. Setting it checks for them: a feature ferrokafka lacks is refused with the reason.")
        .refuse(MISSING_FEATURES),
    row(G, "client.id", ALL, Kind::String, "rdkafka", Implemented,
        "Client identifier sent with every request (librdkafka's default, so broker quotas keyed on it keep working).")
        .java("client.id"),
    unused(G, "client.software.name", ALL, "ferrokafka",
        "Client name sent in ApiVersions (KIP-511); ferrokafka always sends its own. Hidden in librdkafka, set by bindings."),
    unused(G, "client.software.version", ALL, env!("CARGO_PKG_VERSION"),
        "Client version sent in ApiVersions (KIP-511); ferrokafka always sends its own."),
    row(G, "bootstrap.servers", ALL, Kind::Brokers, "", Implemented,
        "Initial brokers, a comma-separated list of host[:port] (port defaults to 9092). Required.")
        .alias(&["metadata.broker.list"])
        .java("bootstrap.servers"),
    row(G, "message.max.bytes", ALL, int(1000, 1_000_000_000), "1000000", Implemented,
        "Largest record (and, for the producer, record batch) the client will send; larger records fail with MSG_SIZE_TOO_LARGE at send time.")
        .java("max.request.size"),
    row(G, "message.copy.max.bytes", ALL, int(0, 1_000_000_000), "65535", NoEffect,
        "librdkafka copies payloads up to this size; ferrokafka always encodes records straight into the batch buffer."),
    row(G, "receive.message.max.bytes", ALL, int(1000, I32_MAX), "100000000", NoEffect,
        "Largest response librdkafka accepts; ferrokafka bounds responses by its own decoding limits."),
    row(G, "max.in.flight.requests.per.connection", ALL, int(1, 1_000_000), "1000000", Implemented,
        "Most requests outstanding per broker connection. With enable.idempotence the producer uses at most 5 per partition.")
        .alias(&["max.in.flight"])
        .java("max.in.flight.requests.per.connection"),
    row(G, "metadata.recovery.strategy", ALL, Kind::Enum(&["none", "rebootstrap"]), "rebootstrap", NoEffect,
        "Whether to bootstrap again when no known broker answers; not implemented yet.")
        .java("metadata.recovery.strategy"),
    row(G, "metadata.recovery.rebootstrap.trigger.ms", ALL, int(0, I32_MAX), "300000", NoEffect,
        "How long metadata may be unobtainable before bootstrapping again; not implemented yet.")
        .java("metadata.recovery.rebootstrap.trigger.ms"),
    row(G, "topic.metadata.refresh.interval.ms", ALL, int(-1, 3_600_000), "300000", Implemented,
        "Period of the proactive metadata refresh; -1 disables it (metadata is then refreshed only on errors)."),
    row(G, "metadata.max.age.ms", ALL, int(1, 86_400_000), "900000", Implemented,
        "Age after which a topic's cached metadata is stale: its next use waits for a refresh.")
        .java("metadata.max.age.ms"),
    row(G, "topic.metadata.refresh.fast.interval.ms", ALL, int(1, 60_000), "100", NoEffect,
        "First interval of librdkafka's fast metadata refresh after a leader loss; ferrokafka refreshes with retry.backoff.ms."),
    row(G, "topic.metadata.refresh.fast.cnt", ALL, int(0, 1000), "10", NoEffect, "Deprecated in librdkafka, no longer used."),
    row(G, "topic.metadata.refresh.sparse", ALL, Kind::Bool, "true", NoEffect,
        "Ask only for the topics in use. ferrokafka always asks for the topics it needs."),
    row(G, "topic.metadata.propagation.max.ms", ALL, int(0, 3_600_000), "30000", NoEffect,
        "How long a topic missing from metadata is waited for before UNKNOWN_TOPIC; not implemented yet."),
    unused(G, "topic.blacklist", ALL, "", "Regular expressions of topics to hide from metadata; not implemented yet."),
    row(G, "debug", ALL, Kind::Flags(DEBUG_CONTEXTS), "", Implemented,
        "Comma-separated debug contexts to log (librdkafka's names; `all` for everything)."),
    row(G, "socket.timeout.ms", ALL, int(10, 300_000), "60000", Implemented,
        "Default timeout for network requests (connection setup and requests without a more specific timeout)."),
    row(G, "socket.blocking.max.ms", ALL, int(1, 60_000), "1000", NoEffect, "Deprecated in librdkafka, no longer used."),
    row(G, "socket.send.buffer.bytes", ALL, int(0, 100_000_000), "0", NoEffect,
        "Socket send buffer size (SO_SNDBUF), 0 for the system default; not applied yet.")
        .java("send.buffer.bytes"),
    row(G, "socket.receive.buffer.bytes", ALL, int(0, 100_000_000), "0", NoEffect,
        "Socket receive buffer size (SO_RCVBUF), 0 for the system default; not applied yet.")
        .java("receive.buffer.bytes"),
    row(G, "socket.keepalive.enable", ALL, Kind::Bool, "false", Implemented,
        "TCP keep-alives (SO_KEEPALIVE) on broker sockets."),
    row(G, "socket.nagle.disable", ALL, Kind::Bool, "true", Implemented,
        "Disable Nagle's algorithm (TCP_NODELAY). Default true here: requests are batched by the client, and Nagle only adds latency."),
    row(G, "socket.max.fails", ALL, int(0, 1_000_000), "1", NoEffect,
        "Send failures before librdkafka drops a connection; ferrokafka closes a connection on its first failure."),
    row(G, "broker.address.ttl", ALL, int(0, 86_400_000), "1000", NoEffect,
        "How long resolved broker addresses are cached; ferrokafka resolves on every connect."),
    row(G, "broker.address.family", ALL, Kind::Enum(&["any", "v4", "v6"]), "any", NoEffect,
        "Address families to connect with; ferrokafka tries every address the resolver returns."),
    row(G, "socket.connection.setup.timeout.ms", ALL, int(1000, I32_MAX), "30000", NoEffect,
        "Longest time to set a connection up; ferrokafka bounds it with socket.timeout.ms.")
        .java("socket.connection.setup.timeout.ms"),
    row(G, "connections.max.idle.ms", ALL, int(0, I32_MAX), "0", NoEffect,
        "Close connections idle this long, 0 never; idle connections are kept open for now.")
        .java("connections.max.idle.ms"),
    row(G, "reconnect.backoff.jitter.ms", ALL, int(0, 3_600_000), "0", NoEffect, "Deprecated in librdkafka, no longer used."),
    row(G, "reconnect.backoff.ms", ALL, int(0, 3_600_000), "100", Implemented,
        "First wait before reconnecting to a broker; doubles up to reconnect.backoff.max.ms.")
        .java("reconnect.backoff.ms"),
    row(G, "reconnect.backoff.max.ms", ALL, int(0, 3_600_000), "10000", Implemented,
        "Longest wait before reconnecting to a broker.")
        .java("reconnect.backoff.max.ms"),
    row(G, "statistics.interval.ms", ALL, int(0, 86_400_000), "0", Implemented,
        "Period of librdkafka's statistics JSON (a Stats event on the client's queue, for stats_cb), 0 off."),
    row(G, "enabled_events", ALL, int(0, I32_MAX), "0", NoEffect, "librdkafka's event-API mask (rd_kafka_conf_set_events)."),
    callback(G, "error_cb", ALL, "rd_kafka_conf_set_error_cb", "Error callback."),
    callback(G, "throttle_cb", ALL, "rd_kafka_conf_set_throttle_cb", "Broker throttle callback."),
    callback(G, "stats_cb", ALL, "rd_kafka_conf_set_stats_cb", "Statistics callback."),
    callback(G, "log_cb", ALL, "rd_kafka_conf_set_log_cb", "Log callback."),
    row(G, "log_level", ALL, int(0, 7), "6", Implemented, "syslog severity threshold of log events (7 when debug is set, as librdkafka)."),
    row(G, "log.queue", ALL, Kind::Bool, "false", NoEffect, "Queue logs for rd_kafka_set_log_queue instead of calling log_cb from internal threads."),
    row(G, "log.thread.name", ALL, Kind::Bool, "true", NoEffect, "Print librdkafka's thread names in log lines."),
    row(G, "enable.random.seed", ALL, Kind::Bool, "true", NoEffect, "Seed C's PRNG; ferrokafka's random numbers do not use it."),
    row(G, "log.connection.close", ALL, Kind::Bool, "true", NoEffect, "Log broker disconnects."),
    callback(G, "background_event_cb", ALL, "rd_kafka_conf_set_background_event_cb", "Background queue event callback."),
    callback(G, "socket_cb", ALL, "rd_kafka_conf_set_socket_cb", "Socket creation callback."),
    callback(G, "connect_cb", ALL, "rd_kafka_conf_set_connect_cb", "Socket connect callback."),
    callback(G, "closesocket_cb", ALL, "rd_kafka_conf_set_closesocket_cb", "Socket close callback."),
    callback(G, "open_cb", ALL, "rd_kafka_conf_set_open_cb", "File open callback."),
    callback(G, "resolve_cb", ALL, "rd_kafka_conf_set_resolve_cb", "Address resolution callback."),
    callback(G, "opaque", ALL, "rd_kafka_conf_set_opaque", "Application opaque handed to callbacks."),
    callback(G, "default_topic_conf", ALL, "rd_kafka_conf_set_default_topic_conf",
        "Default topic configuration; here ClientConfig::set_default_topic_config."),
    row(G, "internal.termination.signal", ALL, int(0, 128), "0", NoEffect,
        "Signal librdkafka uses to wake its threads on destroy; ferrokafka has no such threads."),
    row(G, "api.version.request", ALL, Kind::Bool, "true", Implemented,
        "Query the broker's API versions (ApiVersions). Always on: `false` is refused because brokers older than 0.10 are not supported.")
        .refuse(&[("false", "brokers older than 0.10 are not supported, so ferrokafka always uses ApiVersions")]),
    row(G, "api.version.request.timeout.ms", ALL, int(1, 300_000), "10000", Implemented,
        "Timeout of the ApiVersions request on a new connection."),
    row(G, "api.version.fallback.ms", ALL, int(0, 604_800_000), "0", NoEffect,
        "How long librdkafka uses broker.version.fallback after ApiVersions fails; not applicable here."),
    unused(G, "broker.version.fallback", ALL, "0.10.0",
        "Broker version assumed when api.version.request=false, which ferrokafka does not support, so it has no effect."),
    row(G, "allow.auto.create.topics", ALL, Kind::Bool, "false", NoEffect,
        "Let metadata requests create missing topics on the broker; ferrokafka decides per request for now.")
        .java("allow.auto.create.topics"),
    row(G, "security.protocol", ALL, Kind::Enum(SECURITY_PROTOCOL_VALUES), "plaintext", Implemented,
        "Protocol to talk to brokers. Only `plaintext` is supported so far; ssl and sasl_* are refused rather than ignored.")
        .java("security.protocol")
        .refuse(&[
            ("ssl", "TLS is not supported yet, only plaintext"),
            ("sasl_plaintext", "SASL is not supported yet, only plaintext"),
            ("sasl_ssl", "TLS and SASL are not supported yet, only plaintext"),
        ]),
    unused(G, "ssl.cipher.suites", ALL, "", TLS_LATER).java("ssl.cipher.suites"),
    unused(G, "ssl.curves.list", ALL, "", TLS_LATER),
    unused(G, "ssl.sigalgs.list", ALL, "", TLS_LATER),
    unused(G, "ssl.key.location", ALL, "", TLS_LATER).sensitive(),
    unused(G, "ssl.key.password", ALL, "", TLS_LATER).sensitive().java("ssl.key.password"),
    unused(G, "ssl.key.pem", ALL, "", TLS_LATER).sensitive(),
    callback(G, "ssl_key", ALL, "rd_kafka_conf_set_ssl_cert", "Client private key given as an object.").sensitive(),
    unused(G, "ssl.certificate.location", ALL, "", TLS_LATER),
    unused(G, "ssl.certificate.pem", ALL, "", TLS_LATER),
    callback(G, "ssl_certificate", ALL, "rd_kafka_conf_set_ssl_cert", "Client certificate given as an object."),
    unused(G, "ssl.ca.location", ALL, "", TLS_LATER),
    unused(G, "https.ca.location", ALL, "", "CA certificates for HTTPS endpoints (OIDC); no effect until OIDC is supported."),
    unused(G, "https.ca.pem", ALL, "", "CA certificates for HTTPS endpoints (OIDC); no effect until OIDC is supported."),
    unused(G, "ssl.ca.pem", ALL, "", TLS_LATER).sensitive(),
    callback(G, "ssl_ca", ALL, "rd_kafka_conf_set_ssl_cert", "CA certificate given as an object."),
    unused(G, "ssl.ca.certificate.stores", ALL, "Root", "Windows certificate stores to load CAs from; no effect until TLS is supported."),
    unused(G, "ssl.crl.location", ALL, "", TLS_LATER),
    unused(G, "ssl.keystore.location", ALL, "", TLS_LATER).java("ssl.keystore.location"),
    unused(G, "ssl.keystore.password", ALL, "", TLS_LATER).sensitive().java("ssl.keystore.password"),
    unused(G, "ssl.providers", ALL, "", OPENSSL_ONLY),
    unused(G, "ssl.engine.location", ALL, "", OPENSSL_ONLY),
    unused(G, "ssl.engine.id", ALL, "dynamic", OPENSSL_ONLY),
    callback(G, "ssl_engine_callback_data", ALL, "rd_kafka_conf_set_engine_callback_data", OPENSSL_ONLY),
    row(G, "enable.ssl.certificate.verification", ALL, Kind::Bool, "true", NoEffect, TLS_LATER),
    row(G, "ssl.endpoint.identification.algorithm", ALL, Kind::Enum(&["none", "https"]), "https", NoEffect, TLS_LATER)
        .java("ssl.endpoint.identification.algorithm"),
    callback(G, "ssl.certificate.verify_cb", ALL, "rd_kafka_conf_set_ssl_cert_verify_cb", "Broker certificate verification callback."),
    unused(G, "sasl.mechanisms", ALL, "GSSAPI", SASL_LATER).alias(&["sasl.mechanism"]).java("sasl.mechanism"),
    unused(G, "sasl.kerberos.service.name", ALL, "kafka", SASL_LATER).java("sasl.kerberos.service.name"),
    unused(G, "sasl.kerberos.principal", ALL, "kafkaclient", SASL_LATER),
    unused(G, "sasl.kerberos.kinit.cmd", ALL,
        "kinit -R -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal} || kinit -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal}",
        SASL_LATER),
    unused(G, "sasl.kerberos.keytab", ALL, "", SASL_LATER),
    row(G, "sasl.kerberos.min.time.before.relogin", ALL, int(0, 86_400_000), "60000", NoEffect, SASL_LATER)
        .java("sasl.kerberos.min.time.before.relogin"),
    unused(G, "sasl.username", ALL, "", SASL_LATER).sensitive(),
    unused(G, "sasl.password", ALL, "", SASL_LATER).sensitive(),
    unused(G, "sasl.oauthbearer.config", ALL, "", SASL_LATER).sensitive(),
    row(G, "enable.sasl.oauthbearer.unsecure.jwt", ALL, Kind::Bool, "false", NoEffect, SASL_LATER),
    callback(G, "oauthbearer_token_refresh_cb", ALL, "rd_kafka_conf_set_oauthbearer_token_refresh_cb",
        "SASL/OAUTHBEARER token refresh callback."),
    row(G, "sasl.oauthbearer.method", ALL, Kind::Enum(&["default", "oidc"]), "default", NoEffect, OIDC_LATER),
    unused(G, "sasl.oauthbearer.client.id", ALL, "", OIDC_LATER).alias(&["sasl.oauthbearer.client.credentials.client.id"]),
    unused(G, "sasl.oauthbearer.client.secret", ALL, "", OIDC_LATER)
        .alias(&["sasl.oauthbearer.client.credentials.client.secret"])
        .sensitive(),
    unused(G, "sasl.oauthbearer.scope", ALL, "", OIDC_LATER),
    unused(G, "sasl.oauthbearer.extensions", ALL, "", OIDC_LATER),
    unused(G, "sasl.oauthbearer.token.endpoint.url", ALL, "", OIDC_LATER).java("sasl.oauthbearer.token.endpoint.url"),
    row(G, "sasl.oauthbearer.grant.type", ALL,
        Kind::Enum(&["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"]), "client_credentials", NoEffect,
        OIDC_LATER),
    row(G, "sasl.oauthbearer.assertion.algorithm", ALL, Kind::Enum(&["RS256", "ES256"]), "RS256", NoEffect, OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.private.key.file", ALL, "", OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.private.key.passphrase", ALL, "", OIDC_LATER).sensitive(),
    unused(G, "sasl.oauthbearer.assertion.private.key.pem", ALL, "", OIDC_LATER).sensitive(),
    unused(G, "sasl.oauthbearer.assertion.file", ALL, "", OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.claim.aud", ALL, "", OIDC_LATER),
    row(G, "sasl.oauthbearer.assertion.claim.exp.seconds", ALL, int(1, I32_MAX), "300", NoEffect, OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.claim.iss", ALL, "", OIDC_LATER),
    row(G, "sasl.oauthbearer.assertion.claim.jti.include", ALL, Kind::Bool, "false", NoEffect, OIDC_LATER),
    row(G, "sasl.oauthbearer.assertion.claim.nbf.seconds", ALL, int(0, I32_MAX), "60", NoEffect, OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.claim.sub", ALL, "", OIDC_LATER),
    unused(G, "sasl.oauthbearer.assertion.jwt.template.file", ALL, "", OIDC_LATER),
    row(G, "sasl.oauthbearer.metadata.authentication.type", ALL, Kind::Enum(&["none", "azure_imds"]), "none", NoEffect,
        OIDC_LATER),
    unused(G, "plugin.library.paths", ALL, "", "librdkafka plugin libraries to load; ferrokafka cannot load them."),
    callback(G, "interceptors", ALL, "rd_kafka_conf_interceptor_add_on_new",
        "Interceptors, added through librdkafka's interceptor API only."),
    // ---- consumer group ----
    row(G, "group.id", C, Kind::String, "", Implemented, "Consumer group; needed for subscribe and offset commits.")
        .java("group.id"),
    row(G, "group.instance.id", C, Kind::String, "", Implemented, "Static group membership id (KIP-345, Kafka >= 2.3).")
        .java("group.instance.id"),
    row(G, "partition.assignment.strategy", C, Kind::Flags(&["range", "roundrobin", "cooperative-sticky"]),
        "range,roundrobin", Implemented, "Assignors offered in JoinGroup, preferred first.")
        .java("partition.assignment.strategy"),
    row(G, "session.timeout.ms", C, int(1, 3_600_000), "45000", Implemented,
        "Group session timeout: without heartbeats for this long the member is removed.")
        .java("session.timeout.ms"),
    row(G, "heartbeat.interval.ms", C, int(1, 3_600_000), "3000", Implemented, "Interval between group heartbeats.")
        .java("heartbeat.interval.ms"),
    row(G, "group.protocol.type", C, Kind::String, "consumer", Implemented, "Protocol type sent in JoinGroup (classic protocol)."),
    row(G, "group.protocol", C, Kind::Enum(&["classic", "consumer"]), "classic", Implemented,
        "Group protocol: classic (JoinGroup/SyncGroup). The KIP-848 `consumer` protocol is refused until it is implemented.")
        .java("group.protocol")
        .refuse(&[("consumer", "the KIP-848 consumer group protocol is not supported yet, only classic")]),
    unused(G, "group.remote.assignor", C, "", "Server-side assignor of the KIP-848 protocol, which is not supported yet.")
        .java("group.remote.assignor"),
    row(G, "coordinator.query.interval.ms", C, int(1, 3_600_000), "600000", NoEffect,
        "How often librdkafka looks the coordinator up again; ferrokafka does so when the coordinator fails."),
    row(G, "max.poll.interval.ms", C, int(1, 86_400_000), "300000", Implemented,
        "Longest time between polls before the consumer leaves the group (MAX_POLL_EXCEEDED).")
        .java("max.poll.interval.ms"),
    // ---- consumer ----
    row(G, "enable.auto.commit", C, Kind::Bool, "true", Implemented, "Commit stored offsets periodically in the background.")
        .java("enable.auto.commit"),
    row(G, "auto.commit.interval.ms", C, int(0, 86_400_000), "5000", Implemented, "Period of automatic commits; 0 disables them.")
        .java("auto.commit.interval.ms"),
    row(G, "enable.auto.offset.store", C, Kind::Bool, "true", Implemented,
        "Store the offset of each record handed to the application, for the next commit."),
    row(G, "queued.min.messages", C, int(1, 10_000_000), "100000", Implemented,
        "Records per partition the consumer keeps prefetched at most (fetching resumes below half)."),
    row(G, "queued.max.messages.kbytes", C, int(1, 2_097_151), "65536", Implemented,
        "Most KiB of keys and values prefetched per partition (fetching resumes below half): a partition nobody reads never stalls the others."),
    row(G, "fetch.wait.max.ms", C, int(0, 300_000), "500", Implemented, "Longest time the broker may wait for fetch.min.bytes.")
        .java("fetch.max.wait.ms"),
    row(G, "fetch.queue.backoff.ms", C, int(0, 300_000), "1000", NoEffect,
        "How long librdkafka postpones fetching a partition whose queue is full; not implemented yet."),
    row(G, "max.partition.fetch.bytes", C, int(1, 1_000_000_000), "1048576", Implemented,
        "Most data per partition in a fetch response.")
        .alias(&["fetch.message.max.bytes"])
        .java("max.partition.fetch.bytes"),
    row(G, "fetch.max.bytes", C, int(0, 2_147_483_135), "52428800", Implemented,
        "Most data per fetch response (a first batch larger than this is still returned).")
        .java("fetch.max.bytes"),
    row(G, "fetch.min.bytes", C, int(1, 100_000_000), "1", Implemented,
        "Least data the broker should gather before answering a fetch (or fetch.wait.max.ms passes).")
        .java("fetch.min.bytes"),
    row(G, "fetch.error.backoff.ms", C, int(0, 300_000), "500", NoEffect,
        "How long to wait before fetching a partition again after an error; ferrokafka uses retry.backoff.ms."),
    row(G, "offset.store.method", C, Kind::Enum(&["none", "file", "broker"]), "broker", NoEffect,
        "Deprecated in librdkafka; offsets are always committed to the broker."),
    row(G, "isolation.level", C, Kind::Enum(ISOLATION_VALUES), "read_committed", Implemented,
        "read_committed hides aborted transactional records and stops at the last stable offset; read_uncommitted returns everything.")
        .java("isolation.level"),
    callback(G, "consume_cb", C, "rd_kafka_conf_set_consume_cb", "Message consume callback."),
    callback(G, "rebalance_cb", C, "rd_kafka_conf_set_rebalance_cb", "Rebalance callback."),
    callback(G, "offset_commit_cb", C, "rd_kafka_conf_set_offset_commit_cb", "Offset commit result callback."),
    row(G, "enable.partition.eof", C, Kind::Bool, "false", Implemented,
        "Report _PARTITION_EOF each time the consumer reaches the end of a partition."),
    row(G, "check.crcs", C, Kind::Bool, "false", Implemented, "Verify the CRC32C of fetched batches.").java("check.crcs"),
    unused(G, "client.rack", ALL, "", "Rack of this client, for fetching from the closest replica (KIP-392); not implemented yet.")
        .java("client.rack"),
    // ---- producer ----
    row(G, "transactional.id", P, Kind::String, "", Implemented,
        "Makes the producer transactional (init_transactions, begin/commit/abort_transaction, send_offsets_to_transaction); implies enable.idempotence. A newer producer with the same id fences this one.")
        .java("transactional.id"),
    row(G, "transaction.timeout.ms", P, int(1000, I32_MAX), "60000", Implemented,
        "How long the transaction coordinator lets a transaction stay open before aborting it (and fencing this producer); must not exceed the broker's transaction.max.timeout.ms.")
        .java("transaction.timeout.ms"),
    row(G, "enable.idempotence", P, Kind::Bool, "false", Implemented,
        "Idempotent producer: exactly-once, in-order delivery per partition (InitProducerId, sequence numbers, at most 5 in flight).")
        .java("enable.idempotence"),
    row(G, "enable.gapless.guarantee", P, Kind::Bool, "false", NoEffect,
        "Experimental in librdkafka: a fatal error instead of a gap in an idempotent series; not implemented."),
    row(G, "queue.buffering.max.messages", P, int(0, I32_MAX), "100000", Implemented,
        "Most records waiting in the producer (all partitions); send fails with QUEUE_FULL beyond it. 0 disables the limit."),
    row(G, "queue.buffering.max.kbytes", P, int(1, I32_MAX), "1048576", Implemented,
        "Most KiB of records waiting in the producer; send fails with QUEUE_FULL beyond it.")
        .java("buffer.memory (in bytes)"),
    row(G, "linger.ms", P, Kind::Float { min: 0.0, max: 900_000.0 }, "5", Implemented,
        "How long a batch may wait for more records before it is sent (fractions of a millisecond allowed).")
        .alias(&["queue.buffering.max.ms"])
        .java("linger.ms"),
    row(G, "retries", P, int(0, I32_MAX), "2147483647", Implemented,
        "How many times a failed batch is retried (message.timeout.ms bounds the total time anyway).")
        .alias(&["message.send.max.retries"])
        .java("retries"),
    row(G, "retry.backoff.ms", ALL, int(1, 300_000), "100", Implemented,
        "First wait before retrying a failed request; grows exponentially up to retry.backoff.max.ms.")
        .java("retry.backoff.ms"),
    row(G, "retry.backoff.max.ms", ALL, int(1, 300_000), "1000", Implemented,
        "Longest wait before a consumer retries a partition's ListOffsets or Fetch (retry.backoff.ms doubles up to it); the producer's retries wait retry.backoff.ms.")
        .java("retry.backoff.max.ms"),
    row(G, "queue.buffering.backpressure.threshold", P, int(1, 1_000_000), "1", NoEffect,
        "Untransmitted requests that hold back librdkafka's batching; ferrokafka's sink drains batches as they are ready."),
    row(G, "compression.type", P, Kind::Enum(COMPRESSION_VALUES), "none", Implemented,
        "Codec for produced batches: none, gzip, snappy, lz4 or zstd (zstd needs Kafka >= 2.1); a topic's compression.codec overrides it.")
        .alias(&["compression.codec"])
        .java("compression.type"),
    row(G, "batch.num.messages", P, int(1, 1_000_000), "10000", Implemented, "Most records in one batch."),
    row(G, "batch.size", P, int(1, I32_MAX), "1000000", Implemented,
        "Most bytes (uncompressed, with framing) in one batch; a first record larger than this still gets a batch of its own.")
        .java("batch.size"),
    row(G, "delivery.report.only.error", P, Kind::Bool, "false", NoEffect,
        "Report only failed deliveries; the core reports every delivery and bindings filter."),
    callback(G, "dr_cb", P, "rd_kafka_conf_set_dr_cb", "Delivery report callback (payload form)."),
    callback(G, "dr_msg_cb", P, "rd_kafka_conf_set_dr_msg_cb", "Delivery report callback (message form)."),
    row(G, "sticky.partitioning.linger.ms", P, int(0, 900_000), "10", Implemented,
        "How long keyless records stick to one partition (it also moves on when its batch is full, KIP-480); 0 turns stickiness off."),
    row(G, "client.dns.lookup", ALL, Kind::Enum(&["use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"]),
        "use_all_dns_ips", NoEffect, "How broker names are resolved; ferrokafka tries every address returned.")
        .java("client.dns.lookup"),
    row(G, "enable.metrics.push", ALL, Kind::Bool, "true", NoEffect,
        "Push client metrics to brokers that ask (KIP-714); ferrokafka does not push metrics.")
        .java("enable.metrics.push"),
    // ======== Topic properties (rd_kafka_topic_conf_t) ========
    row(T, "acks", P, Kind::Enum(ACKS_VALUES), "-1", Implemented,
        "Acknowledgements the leader waits for: 0 none (no response), 1 the leader, -1/all every in-sync replica.")
        .alias(&["request.required.acks"])
        .java("acks"),
    row(T, "request.timeout.ms", ALL, int(1, 900_000), "30000", Implemented,
        "Produce request timeout the broker enforces (acks != 0), and how long the client waits for a response.")
        .java("request.timeout.ms"),
    row(T, "message.timeout.ms", P, int(0, I32_MAX), "300000", Implemented,
        "Longest time a record may take to be delivered, retries included; 0 is infinite.")
        .alias(&["delivery.timeout.ms"])
        .java("delivery.timeout.ms"),
    row(T, "queuing.strategy", P, Kind::Enum(&["fifo", "lifo"]), "fifo", NoEffect,
        "Deprecated in librdkafka; records are always sent in order (fifo)."),
    row(T, "produce.offset.report", P, Kind::Bool, "false", NoEffect, "Deprecated in librdkafka, no longer used."),
    row(T, "partitioner", P, Kind::Enum(PARTITIONER_VALUES), "murmur2_random", Implemented,
        "Key -> partition mapping. Default murmur2_random, Java's; librdkafka's default is consistent_random.")
        .java("partitioner.class"),
    callback(T, "partitioner_cb", P, "rd_kafka_topic_conf_set_partitioner_cb", "Custom partitioner."),
    callback(T, "msg_order_cmp", P, "rd_kafka_topic_conf_set_msg_order_cmp", "Message queue ordering comparator (deprecated)."),
    callback(T, "opaque", ALL, "rd_kafka_topic_conf_set_opaque", "Topic opaque handed to the partitioner."),
    row(T, "compression.type", P, Kind::Enum(TOPIC_COMPRESSION_VALUES), "inherit", Implemented,
        "Codec for this topic's batches; `inherit` takes the global compression.codec.")
        .alias(&["compression.codec"])
        .java("compression.type"),
    row(T, "compression.level", P, int(-1, 12), "-1", Implemented,
        "Codec level: gzip 0-9, lz4 0-12, zstd 1-12 here; -1 is the codec's default; snappy has none.")
        .java("compression.gzip.level / compression.lz4.level / compression.zstd.level"),
    row(T, "auto.commit.enable", C, Kind::Bool, "true", NoEffect,
        "Legacy per-topic auto commit of librdkafka's simple consumer; the group consumer uses the global enable.auto.commit.")
        .alias(&["enable.auto.commit"]),
    row(T, "auto.commit.interval.ms", C, int(10, 86_400_000), "60000", NoEffect,
        "Legacy per-topic commit interval of librdkafka's simple consumer; the group consumer uses the global one."),
    row(T, "auto.offset.reset", C, Kind::Enum(OFFSET_RESET_VALUES), "largest", Implemented,
        "Where to start without a valid offset: smallest/earliest/beginning, largest/latest/end, or error (_AUTO_OFFSET_RESET).")
        .java("auto.offset.reset"),
    unused(T, "offset.store.path", C, ".", "Deprecated file offset store of librdkafka; not supported."),
    row(T, "offset.store.sync.interval.ms", C, int(-1, 86_400_000), "-1", NoEffect,
        "Deprecated file offset store of librdkafka; not supported."),
    row(T, "offset.store.method", C, Kind::Enum(&["file", "broker"]), "broker", NoEffect,
        "Deprecated in librdkafka; offsets are always committed to the broker."),
    row(T, "consume.callback.max.messages", C, int(0, 1_000_000), "0", NoEffect,
        "Most records per rd_kafka_consume_callback call, a binding-level limit."),
];

/// Java client properties librdkafka knows only to refuse (its `_RK_C_INVALID` rows), with the
/// reason given instead of "No such configuration property".
pub(super) static JAVA_ONLY: &[(&str, &str)] = &[
    (
        "ssl.truststore.location",
        "Java TrustStores are not supported, use `ssl.ca.location` and a certificate file instead.",
    ),
    (
        "sasl.jaas.config",
        "Java JAAS configuration is not supported, use `sasl.mechanisms`, `sasl.username` and `sasl.password` instead.",
    ),
];
