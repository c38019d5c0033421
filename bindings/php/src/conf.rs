//! `RdKafka\Conf` and `RdKafka\TopicConf`: librdkafka's properties (validated by the core, with
//! its wording) and the callbacks, which a client copies when it is constructed.

use std::collections::BTreeMap;

use ext_php_rs::prelude::*;
use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::types::Zval;
use ferrokafka::config::TopicConfig;
use ferrokafka::{ClientConfig, ClientEvent};

use crate::kafka_consumer::TopicPartition;

use crate::errors;

/// The callables set on a Conf. Each is a PHP value (a closure, a function name, an array),
/// kept alive by the reference this holds.
#[derive(Debug, Default)]
pub struct Callbacks {
    pub dr_msg: Option<Zval>,
    pub error: Option<Zval>,
    pub rebalance: Option<Zval>,
    pub offset_commit: Option<Zval>,
    pub stats: Option<Zval>,
    pub log: Option<Zval>,
    pub consume: Option<Zval>,
}

impl Clone for Callbacks {
    fn clone(&self) -> Self {
        let copy = |z: &Option<Zval>| z.as_ref().map(Zval::shallow_clone);
        Callbacks {
            dr_msg: copy(&self.dr_msg),
            error: copy(&self.error),
            rebalance: copy(&self.rebalance),
            offset_commit: copy(&self.offset_commit),
            stats: copy(&self.stats),
            log: copy(&self.log),
            consume: copy(&self.consume),
        }
    }
}

/// Calls a PHP callback; an exception it throws stays pending and reaches the PHP caller.
pub fn call(callback: &Option<Zval>, args: Vec<&dyn IntoZvalDyn>) {
    if let Some(cb) = callback.as_ref().and_then(Zval::callable) {
        let _ = cb.try_call(args);
    }
}

impl Callbacks {
    /// Hands a client event to its callback, with `kafka` (the client object) first, as
    /// php-rdkafka does; returns what is not a client-wide event (a delivery report) to the
    /// caller.
    pub fn serve(&self, kafka: &Zval, event: ClientEvent) -> Option<ClientEvent> {
        match event {
            ClientEvent::Error(e) => {
                let reason = e.message.clone();
                call(&self.error, vec![kafka, &i64::from(e.kind.code()), &reason]);
            }
            ClientEvent::Stats(json) => {
                let len = json.len() as i64;
                call(&self.stats, vec![kafka, &json, &len]);
            }
            ClientEvent::Log(l) => call(&self.log, vec![kafka, &i64::from(l.level), &l.facility, &l.message]),
            ClientEvent::OffsetCommit(c) => {
                let err = c.error.as_ref().map_or(0, |e| i64::from(e.kind.code()));
                let tps: Vec<TopicPartition> = c
                    .offsets
                    .iter()
                    .map(|o| TopicPartition {
                        topic: o.topic.clone(),
                        partition: i64::from(o.partition),
                        offset: o.offset,
                        err: o.error.as_ref().map_or(0, |e| i64::from(e.kind.code())),
                    })
                    .collect();
                call(&self.offset_commit, vec![kafka, &err, &tps]);
            }
            other => return Some(other),
        }
        None
    }
}

/// A property value as php-rdkafka receives it: PHP's weak mode turns ints and floats into
/// their decimal text; bools become "true" / "false" (PHP would give "1" / "", and "" is not a
/// valid bool to librdkafka).
pub fn property_value(value: &Zval) -> PhpResult<String> {
    if let Some(s) = value.zend_str() {
        return Ok(String::from_utf8_lossy(s.as_bytes()).into_owned());
    }
    if let Some(b) = value.bool() {
        return Ok(if b { "true" } else { "false" }.to_string());
    }
    if let Some(n) = value.long() {
        return Ok(n.to_string());
    }
    if let Some(x) = value.double() {
        return Ok(x.to_string());
    }
    Err(PhpException::from_message("RdKafka\\Conf::set(): Argument #2 ($value) must be of type string".into()))
}

fn callable(value: &Zval, what: &str) -> PhpResult<Zval> {
    if value.is_callable() {
        Ok(value.shallow_clone())
    } else {
        Err(PhpException::from_message(format!("{what}(): Argument #1 ($callback) must be a valid callback")))
    }
}

#[php_class]
#[php(name = "RdKafka\\Conf")]
#[derive(Debug, Clone)]
pub struct Conf {
    pub config: ClientConfig,
    pub callbacks: Callbacks,
}

#[php_impl]
impl Conf {
    pub fn __construct() -> Self {
        Conf { config: ClientConfig::new(), callbacks: Callbacks::default() }
    }

    /// Every property with its current value, as librdkafka's rd_kafka_conf_dump.
    pub fn dump(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self.config.dump().into_iter().collect();
        out.extend(self.config.default_topic_config().dump());
        out
    }

    pub fn set(&mut self, name: String, value: &Zval) -> PhpResult<()> {
        let value = property_value(value)?;
        self.config.try_set(&name, &value).map_err(|e| errors::conf_error(&e))
    }

    /// Deprecated in php-rdkafka: the topic properties become this Conf's defaults.
    pub fn set_default_topic_conf(&mut self, topic_conf: &TopicConf) {
        self.config.set_default_topic_config(topic_conf.config.clone());
    }

    pub fn set_error_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.error = Some(callable(callback, "RdKafka\\Conf::setErrorCb")?);
        Ok(())
    }

    pub fn set_dr_msg_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.dr_msg = Some(callable(callback, "RdKafka\\Conf::setDrMsgCb")?);
        Ok(())
    }

    pub fn set_stats_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.stats = Some(callable(callback, "RdKafka\\Conf::setStatsCb")?);
        Ok(())
    }

    pub fn set_rebalance_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.rebalance = Some(callable(callback, "RdKafka\\Conf::setRebalanceCb")?);
        Ok(())
    }

    pub fn set_consume_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.consume = Some(callable(callback, "RdKafka\\Conf::setConsumeCb")?);
        Ok(())
    }

    pub fn set_offset_commit_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.offset_commit = Some(callable(callback, "RdKafka\\Conf::setOffsetCommitCb")?);
        Ok(())
    }

    pub fn set_log_cb(&mut self, callback: &Zval) -> PhpResult<()> {
        self.callbacks.log = Some(callable(callback, "RdKafka\\Conf::setLogCb")?);
        Ok(())
    }
}

#[php_class]
#[php(name = "RdKafka\\TopicConf")]
#[derive(Debug, Clone)]
pub struct TopicConf {
    pub config: TopicConfig,
}

#[php_impl]
impl TopicConf {
    pub fn __construct() -> Self {
        TopicConf { config: TopicConfig::new() }
    }

    pub fn dump(&self) -> BTreeMap<String, String> {
        self.config.dump().into_iter().collect()
    }

    pub fn set(&mut self, name: String, value: &Zval) -> PhpResult<()> {
        let value = property_value(value)?;
        self.config.try_set(&name, &value).map_err(|e| errors::conf_error(&e))
    }

    /// RD_KAFKA_MSG_PARTITIONER_* (2 random ... 6 murmur2_random), as php-rdkafka maps them.
    pub fn set_partitioner(&mut self, partitioner: i64) -> PhpResult<()> {
        let name = match partitioner {
            2 => "random",
            3 => "consistent",
            4 => "consistent_random",
            5 => "murmur2",
            6 => "murmur2_random",
            other => return Err(errors::message(format!("Invalid partitioner given: {other}"), 0)),
        };
        self.config.try_set("partitioner", name).map_err(|e| errors::conf_error(&e))
    }
}
