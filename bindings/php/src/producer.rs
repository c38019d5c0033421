//! `\RdKafka` (the abstract parent), `RdKafka\Producer` and `RdKafka\ProducerTopic`.
//!
//! Delivery reports and client errors are core events; `poll` and `flush` hand them to the
//! Conf's callbacks on the PHP thread, as php-rdkafka does. A `msg_opaque` (a PHP string) is kept
//! here under the numeric opaque the core carries, and given back in the report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ext_php_rs::flags::ClassFlags;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{PhpRef, ZendClassObject, ZendHashTable, Zval};
use ferrokafka::blocking;
use ferrokafka::{ClientEvent, ErrorKind, ProducerRecord};

use crate::conf::{call, Callbacks, Conf, TopicConf};
use crate::errors;
use crate::message::Message;

/// RD_KAFKA_PARTITION_UA.
const PARTITION_UA: i64 = -1;
/// RD_KAFKA_MSG_F_BLOCK: accepted; produce waits for queue space either way.
const MSG_F_BLOCK: i64 = 4;

#[php_class]
#[php(name = "RdKafka")]
#[php(flags = ClassFlags::Abstract)]
#[derive(Debug, Default)]
pub struct RdKafka;

/// What a Producer and its topics share.
pub struct Shared {
    pub producer: blocking::Producer,
    callbacks: Callbacks,
    opaques: Mutex<HashMap<u64, String>>,
    next_opaque: AtomicU64,
}

#[php_class]
#[php(name = "RdKafka\\Producer")]
#[php(extends(RdKafka))]
pub struct Producer {
    shared: Arc<Shared>,
}

/// A duration from PHP's milliseconds (negative: none).
pub fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The client's config from a Conf: php-rdkafka users get librdkafka's default partitioner,
/// consistent_random, so keys land where they did before the switch.
pub fn client_config(conf: Option<&Conf>) -> (ferrokafka::ClientConfig, Callbacks) {
    let (mut config, callbacks) = conf.map_or_else(|| (ferrokafka::ClientConfig::new(), Callbacks::default()), |c| (c.config.clone(), c.callbacks.clone()));
    let mut topic = config.default_topic_config();
    if !topic.is_set("partitioner") && topic.try_set("partitioner", "consistent_random").is_ok() {
        config.set_default_topic_config(topic);
    }
    (config, callbacks)
}

/// `$this` as a PHP value, to pass to callbacks.
pub fn this<T: ext_php_rs::class::RegisteredClass>(self_: &mut ZendClassObject<T>) -> Zval {
    let mut z = Zval::new();
    z.set_object(self_.get_mut_zend_obj());
    z
}

impl Shared {
    /// Hands one event to its callback: delivery reports to dr_msg_cb with the msg_opaque
    /// they were produced with, client events as every client serves them.
    fn serve(&self, kafka: &Zval, event: ClientEvent) {
        let Some(ClientEvent::Delivery(r)) = self.callbacks.serve(kafka, event) else { return };
        let opaque = self.opaques.lock().ok().and_then(|mut o| o.remove(&r.opaque));
        if self.callbacks.dr_msg.is_some() {
            if let Ok(msg) = ext_php_rs::convert::IntoZval::into_zval(Message::delivery(&r, opaque), false) {
                call(&self.callbacks.dr_msg, vec![kafka, &msg]);
            }
        }
    }
}

#[php_impl]
impl Producer {
    pub fn __construct(conf: Option<&Conf>) -> PhpResult<Self> {
        let (config, callbacks) = client_config(conf);
        let producer = blocking::Producer::new(&config).map_err(|e| errors::message(e.message.clone(), e.kind.code()))?;
        Ok(Producer { shared: Arc::new(Shared { producer, callbacks, opaques: Mutex::new(HashMap::new()), next_opaque: AtomicU64::new(1) }) })
    }

    #[php(optional = topic_conf)]
    pub fn new_topic(&self, topic_name: String, topic_conf: Option<&TopicConf>) -> PhpResult<ProducerTopic> {
        if let Some(tc) = topic_conf {
            self.shared.producer.set_topic_config(&topic_name, &tc.config).map_err(|e| errors::exception(&e))?;
        }
        Ok(ProducerTopic { shared: Arc::clone(&self.shared), name: topic_name })
    }

    /// Serves events, waiting up to `timeout_ms` for the first; returns how many were served.
    pub fn poll(self_: &mut ZendClassObject<Producer>, timeout_ms: i64) -> i64 {
        let shared = Arc::clone(&self_.shared);
        let kafka = this(self_);
        let events = shared.producer.poll(millis(timeout_ms), usize::MAX);
        let n = events.len() as i64;
        for ev in events {
            shared.serve(&kafka, ev);
        }
        n
    }

    /// Waits for every outcome, serving callbacks meanwhile: 0, or RD_KAFKA_RESP_ERR__TIMED_OUT.
    pub fn flush(self_: &mut ZendClassObject<Producer>, timeout_ms: i64) -> i64 {
        let shared = Arc::clone(&self_.shared);
        let kafka = this(self_);
        match shared.producer.flush_serving(millis(timeout_ms), &mut |ev| shared.serve(&kafka, ev)) {
            Ok(()) => 0,
            Err(e) => i64::from(e.kind.code()),
        }
    }

    /// RD_KAFKA_PURGE_F_QUEUE (1) | _INFLIGHT (2) | _NON_BLOCKING (4); purged records get
    /// _PURGE_QUEUE / _PURGE_INFLIGHT reports.
    pub fn purge(&self, purge_flags: i64) -> i64 {
        match self.shared.producer.purge(i32::try_from(purge_flags).unwrap_or(0)) {
            Ok(()) => 0,
            Err(e) => i64::from(e.kind.code()),
        }
    }

    pub fn get_out_q_len(&self) -> i64 {
        self.shared.producer.in_flight_count() as i64
    }

    /// Deprecated alias of getOutQLen.
    pub fn outq_len(&self) -> i64 {
        self.get_out_q_len()
    }

    pub fn init_transactions(&self, timeout_ms: i64) -> PhpResult<()> {
        self.shared.producer.init_transactions(millis(timeout_ms)).map_err(|e| errors::kafka_error(&e))
    }

    pub fn begin_transaction(&self) -> PhpResult<()> {
        self.shared.producer.begin_transaction().map_err(|e| errors::kafka_error(&e))
    }

    pub fn commit_transaction(&self, timeout_ms: i64) -> PhpResult<()> {
        self.shared.producer.commit_transaction(millis(timeout_ms)).map_err(|e| errors::kafka_error(&e))
    }

    pub fn abort_transaction(&self, timeout_ms: i64) -> PhpResult<()> {
        self.shared.producer.abort_transaction(millis(timeout_ms)).map_err(|e| errors::kafka_error(&e))
    }

    pub fn get_metadata(&self, all_topics: bool, only_topic: Option<&Zval>, timeout_ms: i64) -> PhpResult<crate::metadata::Metadata> {
        let p = &self.shared.producer;
        crate::metadata::get_metadata(all_topics, only_topic, |t| p.metadata(t, millis(timeout_ms)), || p.metadata_known(millis(timeout_ms)))
    }

    /// Deprecated alias of getMetadata.
    pub fn metadata(&self, all_topics: bool, only_topic: Option<&Zval>, timeout_ms: i64) -> PhpResult<crate::metadata::Metadata> {
        self.get_metadata(all_topics, only_topic, timeout_ms)
    }

    pub fn get_controller_id(&self, timeout_ms: i64) -> i64 {
        self.shared.producer.controller_id(millis(timeout_ms)).map_or(-1, i64::from)
    }

    /// Low and high watermarks into $low and $high (by reference).
    pub fn query_watermark_offsets(&self, topic: String, partition: i64, mut low: PhpRef, mut high: PhpRef, timeout_ms: i64) -> PhpResult<()> {
        let (lo, hi) = self.shared.producer.fetch_watermarks(&topic, partition as i32, millis(timeout_ms)).map_err(|e| errors::exception(&e))?;
        low.set_long(lo);
        high.set_long(hi);
        Ok(())
    }

    /// The earliest offset at or after each TopicPartition's offset, read as a timestamp (ms).
    pub fn offsets_for_times(&self, topic_partitions: &ZendHashTable, timeout_ms: i64) -> PhpResult<Vec<crate::kafka_consumer::TopicPartition>> {
        crate::kafka_consumer::offsets_for_times(topic_partitions, |q| self.shared.producer.offsets_for_times(q, millis(timeout_ms)))
    }
}

impl Drop for Producer {
    /// As php-rdkafka: what was not flushed is purged, without delivery callbacks (apps flush).
    fn drop(&mut self) {
        if Arc::strong_count(&self.shared) == 1 {
            let _ = self.shared.producer.purge(1 | 2 | 4);
        }
    }
}

#[php_class]
#[php(name = "RdKafka\\ProducerTopic")]
pub struct ProducerTopic {
    shared: Arc<Shared>,
    name: String,
}

/// Bytes of an optional PHP string argument.
fn bytes_arg(z: Option<&Zval>) -> Option<Vec<u8>> {
    z.and_then(|z| z.zend_str()).map(|s| s.as_bytes().to_vec())
}

impl ProducerTopic {
    fn send(&self, partition: i64, msgflags: i64, payload: Option<&Zval>, key: Option<&Zval>, headers: Option<&ZendHashTable>, timestamp_ms: Option<i64>, opaque: Option<String>) -> PhpResult<()> {
        if msgflags != 0 && msgflags != MSG_F_BLOCK {
            return Err(errors::message(format!("Invalid value '{msgflags}' for $msgflags"), 0));
        }
        if partition != PARTITION_UA && !(0..=i64::from(i32::MAX)).contains(&partition) {
            return Err(errors::message(format!("Out of range value '{partition}' for $partition"), 0));
        }
        let mut record = ProducerRecord::new(self.name.clone());
        if partition != PARTITION_UA {
            record = record.partition(partition as i32);
        }
        if let Some(v) = bytes_arg(payload) {
            record = record.value(v);
        }
        if let Some(k) = bytes_arg(key) {
            record = record.key(k);
        }
        if let Some(ts) = timestamp_ms.filter(|&t| t != 0) {
            record = record.timestamp(ts);
        }
        for (name, value) in headers.into_iter().flat_map(|h| h.iter()) {
            let value = value.zend_str().map(|s| s.as_bytes().to_vec());
            record = record.header(name.to_string(), value);
        }
        if let Some(o) = opaque {
            let id = self.shared.next_opaque.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut map) = self.shared.opaques.lock() {
                map.insert(id, o);
            }
            record = record.opaque(id);
        }
        self.shared.producer.produce(record).map_err(|e| {
            if e.kind == ErrorKind::QueueFull {
                errors::message(ErrorKind::QueueFull.description(), e.kind.code())
            } else {
                errors::exception(&e)
            }
        })
    }
}

impl ProducerTopic {
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[php_impl]
impl ProducerTopic {
    pub fn get_name(&self) -> String {
        self.name.clone()
    }

    #[php(optional = payload)]
    pub fn produce(&self, partition: i64, msgflags: i64, payload: Option<&Zval>, key: Option<&Zval>, msg_opaque: Option<String>) -> PhpResult<()> {
        self.send(partition, msgflags, payload, key, None, None, msg_opaque)
    }

    #[php(optional = payload)]
    #[allow(clippy::too_many_arguments)]
    pub fn producev(
        &self,
        partition: i64,
        msgflags: i64,
        payload: Option<&Zval>,
        key: Option<&Zval>,
        headers: Option<&ZendHashTable>,
        timestamp_ms: Option<i64>,
        msg_opaque: Option<String>,
    ) -> PhpResult<()> {
        self.send(partition, msgflags, payload, key, headers, timestamp_ms, msg_opaque)
    }
}
