//! `RdKafka\Message`: consumed records, delivery reports and errors, with the fields php-rdkafka
//! fills (and leaves null) in each case.

use std::collections::BTreeMap;

use ext_php_rs::prelude::*;
use ferrokafka::{DeliveryReport, Error, ErrorKind};

use crate::convert::PhpBytes;

#[php_class]
#[php(name = "RdKafka\\Message")]
#[derive(Debug, Default)]
pub struct Message {
    #[php(prop)]
    pub err: i64,
    #[php(prop, name = "topic_name")]
    pub topic_name: Option<String>,
    #[php(prop)]
    pub timestamp: Option<i64>,
    #[php(prop)]
    pub partition: i64,
    #[php(prop)]
    pub payload: Option<PhpBytes>,
    #[php(prop)]
    pub len: Option<i64>,
    #[php(prop)]
    pub key: Option<PhpBytes>,
    #[php(prop)]
    pub offset: i64,
    #[php(prop)]
    pub headers: BTreeMap<String, PhpBytes>,
    #[php(prop)]
    pub opaque: Option<String>,
}

#[php_impl]
impl Message {
    /// librdkafka's text of `err` (an error message's own text when it has one), null for 0.
    pub fn errstr(&self) -> Option<String> {
        if self.err == 0 {
            return None;
        }
        match &self.payload {
            Some(p) => Some(p.lossy()),
            None => Some(crate::errors::err2str(self.err)),
        }
    }
}

fn bytes(b: &Option<bytes::Bytes>) -> Option<PhpBytes> {
    b.as_ref().map(|b| PhpBytes(b.to_vec()))
}

fn headers(h: &[ferrokafka::Header]) -> BTreeMap<String, PhpBytes> {
    // An associative array: the last of duplicate names wins, as in php-rdkafka.
    h.iter().map(|h| (h.key.clone(), PhpBytes(h.value.as_ref().map(|v| v.to_vec()).unwrap_or_default()))).collect()
}

impl Message {
    pub fn consumed(m: &ferrokafka::Message) -> Message {
        let payload = bytes(&m.value);
        Message {
            err: 0,
            topic_name: Some(m.topic.to_string()),
            timestamp: payload.as_ref().map(|_| m.timestamp.millis().unwrap_or(-1)),
            partition: i64::from(m.partition),
            len: payload.as_ref().map(|p| p.len() as i64),
            payload,
            key: bytes(&m.key),
            offset: m.offset,
            headers: headers(&m.headers),
            opaque: None,
        }
    }

    pub fn delivery(r: &DeliveryReport, opaque: Option<String>) -> Message {
        let payload = bytes(&r.value);
        let err = r.error.as_ref().map_or(0, |e| i64::from(e.kind.code()));
        Message {
            err,
            topic_name: Some(r.topic.clone()),
            timestamp: payload.as_ref().map(|_| r.timestamp),
            partition: i64::from(r.partition),
            len: payload.as_ref().map(|p| p.len() as i64),
            payload,
            key: bytes(&r.key),
            offset: r.offset,
            headers: if err == 0 { headers(&r.headers) } else { BTreeMap::new() },
            opaque,
        }
    }

    /// An error as a message: librdkafka's text in the payload, as consumer errors carry it.
    pub fn error(e: &Error, topic: Option<&str>, partition: i32, offset: i64) -> Message {
        let text = e.kind.description().as_bytes().to_vec();
        Message {
            err: i64::from(e.kind.code()),
            topic_name: topic.map(str::to_string),
            partition: i64::from(partition),
            len: Some(text.len() as i64),
            payload: Some(PhpBytes(text)),
            offset,
            ..Message::default()
        }
    }

    /// What KafkaConsumer::consume returns when nothing came in time (never null).
    pub fn timed_out() -> Message {
        Message { err: i64::from(ErrorKind::TimedOut.code()), ..Message::default() }
    }

    /// End of a partition (enable.partition.eof): err -191 with librdkafka's text.
    pub fn eof(topic: &str, partition: i32, offset: i64) -> Message {
        let e = Error::new(ErrorKind::PartitionEof, "end of partition");
        Message::error(&e, Some(topic), partition, offset)
    }
}
