//! The `rdkafka` PHP extension: php-rdkafka 6.x's API on the ferrokafka core, so PHP apps swap
//! the extension and run unchanged (../../shared/PHP-COMPAT.md lists what must match).
//!
//! A thin translation layer: Kafka logic lives in the core. Files: `errors` (the one error
//! mapping) | `conf` (Conf, TopicConf, callbacks) | `producer` (\RdKafka, Producer,
//! ProducerTopic) | `kafka_consumer` (KafkaConsumer, KafkaConsumerTopic, TopicPartition) |
//! `message` (Message) | `metadata` (Metadata and its collections) | `convert` (byte strings).
#![cfg_attr(windows, feature(abi_vectorcall))]

mod conf;
mod convert;
mod errors;
mod kafka_consumer;
mod message;
mod metadata;
mod producer;

use ext_php_rs::constant::IntoConst;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};
use ferrokafka::ErrorKind;

/// php-rdkafka's version this extension replaces (Composer's `ext-rdkafka: ^6.0`).
const MODULE_VERSION: &str = "6.0.5";
/// The librdkafka version apps read from RD_KAFKA_VERSION: the one whose behaviour we match.
const LIBRDKAFKA_VERSION: i64 = 0x020b_01ff;

#[php_function]
#[php(name = "rd_kafka_err2str")]
pub fn rd_kafka_err2str(err: i64) -> String {
    errors::err2str(err)
}

#[php_function]
#[php(name = "rd_kafka_err2name")]
pub fn rd_kafka_err2name(err: i64) -> String {
    errors::err2name(err)
}

/// librdkafka's RD_KAFKA_OFFSET_TAIL(cnt).
#[php_function]
#[php(name = "rd_kafka_offset_tail")]
pub fn rd_kafka_offset_tail(cnt: i64) -> i64 {
    (-2000_i64).saturating_sub(cnt)
}

/// Threads of the shared runtime (librdkafka counts its own threads here).
#[php_function]
#[php(name = "rd_kafka_thread_cnt")]
pub fn rd_kafka_thread_cnt() -> i64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as i64)
}

/// Every error code with its name and librdkafka's description (rd_kafka_get_err_descs).
#[php_function]
#[php(name = "rd_kafka_get_err_descs")]
pub fn rd_kafka_get_err_descs() -> Vec<std::collections::BTreeMap<String, ext_php_rs::types::Zval>> {
    ErrorKind::ALL
        .iter()
        .filter_map(|k| {
            let mut entry = std::collections::BTreeMap::new();
            entry.insert("code".to_string(), ext_php_rs::convert::IntoZval::into_zval(i64::from(k.code()), false).ok()?);
            entry.insert("name".to_string(), ext_php_rs::convert::IntoZval::into_zval(k.as_str(), false).ok()?);
            entry.insert("desc".to_string(), ext_php_rs::convert::IntoZval::into_zval(k.description(), false).ok()?);
            Some(entry)
        })
        .collect()
}

/// The name of a Topic object (getMetadata's $only_topic).
pub(crate) fn topic_name_of(z: &ext_php_rs::types::Zval) -> Option<String> {
    if let Some(t) = z.extract::<&producer::ProducerTopic>() {
        return Some(t.name().to_string());
    }
    z.extract::<&kafka_consumer::KafkaConsumerTopic>().map(|t| t.name().to_string())
}

/// The constants: every RD_KAFKA_RESP_ERR_* of the core's error table, and the others.
fn startup(_ty: i32, module: i32) -> i32 {
    let mut ok = true;
    let mut int = |name: &str, value: i64| ok &= value.register_constant(name, module).is_ok();
    for kind in ErrorKind::ALL {
        int(&format!("RD_KAFKA_RESP_ERR_{}", kind.as_str()), i64::from(kind.code()));
    }
    for (name, value) in [
        ("RD_KAFKA_RESP_ERR__BEGIN", -200),
        ("RD_KAFKA_RESP_ERR__END", -100),
        ("RD_KAFKA_CONSUMER", 1),
        ("RD_KAFKA_PRODUCER", 0),
        ("RD_KAFKA_OFFSET_BEGINNING", -2),
        ("RD_KAFKA_OFFSET_END", -1),
        ("RD_KAFKA_OFFSET_STORED", -1000),
        ("RD_KAFKA_OFFSET_INVALID", -1001),
        ("RD_KAFKA_PARTITION_UA", -1),
        ("RD_KAFKA_MSG_F_BLOCK", 4),
        ("RD_KAFKA_PURGE_F_QUEUE", 1),
        ("RD_KAFKA_PURGE_F_INFLIGHT", 2),
        ("RD_KAFKA_PURGE_F_NON_BLOCKING", 4),
        ("RD_KAFKA_VERSION", LIBRDKAFKA_VERSION),
        ("RD_KAFKA_BUILD_VERSION", LIBRDKAFKA_VERSION),
        ("RD_KAFKA_CONF_UNKNOWN", -2),
        ("RD_KAFKA_CONF_INVALID", -1),
        ("RD_KAFKA_CONF_OK", 0),
        ("RD_KAFKA_MSG_PARTITIONER_RANDOM", 2),
        ("RD_KAFKA_MSG_PARTITIONER_CONSISTENT", 3),
        ("RD_KAFKA_MSG_PARTITIONER_CONSISTENT_RANDOM", 4),
        ("RD_KAFKA_MSG_PARTITIONER_MURMUR2", 5),
        ("RD_KAFKA_MSG_PARTITIONER_MURMUR2_RANDOM", 6),
        ("RD_KAFKA_LOG_PRINT", 100),
        ("RD_KAFKA_LOG_SYSLOG", 101),
        ("RD_KAFKA_LOG_SYSLOG_PRINT", 102),
    ] {
        int(name, value);
    }
    if ok {
        0
    } else {
        1
    }
}

extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("rdkafka support", "enabled");
    info_table_row!("implementation", "ferrokafka (pure Rust, php-rdkafka 6 compatible)");
    info_table_row!("ferrokafka version", env!("CARGO_PKG_VERSION"));
    info_table_row!("version", MODULE_VERSION);
    info_table_end!();
}

#[php_module]
#[php(startup = startup)]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("rdkafka")
        .version(MODULE_VERSION)
        .info_function(info)
        .class::<errors::RdKafkaException>()
        .class::<errors::KafkaErrorException>()
        .class::<conf::Conf>()
        .class::<conf::TopicConf>()
        .class::<message::Message>()
        .class::<producer::RdKafka>()
        .class::<producer::Producer>()
        .class::<producer::ProducerTopic>()
        .class::<kafka_consumer::TopicPartition>()
        .class::<kafka_consumer::KafkaConsumer>()
        .class::<kafka_consumer::KafkaConsumerTopic>()
        .class::<metadata::Metadata>()
        .class::<metadata::MetadataBroker>()
        .class::<metadata::MetadataTopic>()
        .class::<metadata::MetadataPartition>()
        .class::<metadata::Collection>()
        .function(wrap_function!(rd_kafka_err2str))
        .function(wrap_function!(rd_kafka_err2name))
        .function(wrap_function!(rd_kafka_offset_tail))
        .function(wrap_function!(rd_kafka_thread_cnt))
        .function(wrap_function!(rd_kafka_get_err_descs))
}
