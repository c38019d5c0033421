//! `RdKafka\Metadata` and `RdKafka\Metadata\{Broker, Topic, Partition, Collection}`: the core's
//! metadata as php-rdkafka shapes it. A Collection is Countable and an Iterator (foreach,
//! count(), current/key/next/rewind/valid), keyed 0..n.

use ext_php_rs::convert::IntoZval;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ce;
use ferrokafka::client::metadata::{BrokerMetadata, PartitionMetadata, TopicMetadata};

fn err_code(e: Option<ferrokafka::ErrorKind>) -> i64 {
    e.map_or(0, |k| i64::from(k.code()))
}

/// What a Collection holds.
#[derive(Debug, Clone)]
enum Item {
    Broker(BrokerMetadata),
    Topic(TopicMetadata),
    Partition(PartitionMetadata),
    Id(i32),
}

impl Item {
    fn to_zval(&self) -> Option<Zval> {
        match self {
            Item::Broker(b) => MetadataBroker { broker: b.clone() }.into_zval(false).ok(),
            Item::Topic(t) => MetadataTopic { topic: t.clone() }.into_zval(false).ok(),
            Item::Partition(p) => MetadataPartition { partition: p.clone() }.into_zval(false).ok(),
            Item::Id(id) => i64::from(*id).into_zval(false).ok(),
        }
    }
}

#[php_class]
#[php(name = "RdKafka\\Metadata\\Collection")]
#[php(implements(ce = ce::countable, stub = "\\Countable"))]
#[php(implements(ce = ce::iterator, stub = "\\Iterator"))]
#[derive(Debug)]
pub struct Collection {
    items: Vec<Item>,
    position: usize,
}

impl Collection {
    fn of(items: Vec<Item>) -> Collection {
        Collection { items, position: 0 }
    }
}

#[php_impl]
impl Collection {
    pub fn count(&self) -> i64 {
        self.items.len() as i64
    }

    pub fn current(&self) -> Option<Zval> {
        self.items.get(self.position).and_then(Item::to_zval)
    }

    pub fn key(&self) -> i64 {
        self.position as i64
    }

    pub fn next(&mut self) {
        self.position += 1;
    }

    pub fn rewind(&mut self) {
        self.position = 0;
    }

    pub fn valid(&self) -> bool {
        self.position < self.items.len()
    }
}

#[php_class]
#[php(name = "RdKafka\\Metadata")]
#[derive(Debug)]
pub struct Metadata {
    metadata: ferrokafka::Metadata,
}

impl Metadata {
    pub fn new(metadata: ferrokafka::Metadata) -> Metadata {
        Metadata { metadata }
    }
}

#[php_impl]
impl Metadata {
    pub fn get_orig_broker_id(&self) -> i64 {
        i64::from(self.metadata.orig_broker_id)
    }

    pub fn get_orig_broker_name(&self) -> String {
        self.metadata.orig_broker_name.clone()
    }

    pub fn get_brokers(&self) -> Collection {
        Collection::of(self.metadata.brokers.iter().cloned().map(Item::Broker).collect())
    }

    pub fn get_topics(&self) -> Collection {
        Collection::of(self.metadata.topics.iter().cloned().map(Item::Topic).collect())
    }
}

#[php_class]
#[php(name = "RdKafka\\Metadata\\Broker")]
#[derive(Debug)]
pub struct MetadataBroker {
    broker: BrokerMetadata,
}

#[php_impl]
impl MetadataBroker {
    pub fn get_id(&self) -> i64 {
        i64::from(self.broker.id)
    }

    pub fn get_host(&self) -> String {
        self.broker.host.clone()
    }

    pub fn get_port(&self) -> i64 {
        i64::from(self.broker.port)
    }
}

#[php_class]
#[php(name = "RdKafka\\Metadata\\Topic")]
#[derive(Debug)]
pub struct MetadataTopic {
    topic: TopicMetadata,
}

#[php_impl]
impl MetadataTopic {
    pub fn get_topic(&self) -> String {
        self.topic.name.clone()
    }

    pub fn get_err(&self) -> i64 {
        err_code(self.topic.error)
    }

    pub fn get_partitions(&self) -> Collection {
        Collection::of(self.topic.partitions.iter().cloned().map(Item::Partition).collect())
    }
}

#[php_class]
#[php(name = "RdKafka\\Metadata\\Partition")]
#[derive(Debug)]
pub struct MetadataPartition {
    partition: PartitionMetadata,
}

#[php_impl]
impl MetadataPartition {
    pub fn get_id(&self) -> i64 {
        i64::from(self.partition.id)
    }

    pub fn get_err(&self) -> i64 {
        err_code(self.partition.error)
    }

    pub fn get_leader(&self) -> i64 {
        i64::from(self.partition.leader)
    }

    pub fn get_replicas(&self) -> Collection {
        Collection::of(self.partition.replicas.iter().copied().map(Item::Id).collect())
    }

    pub fn get_isrs(&self) -> Collection {
        Collection::of(self.partition.isrs.iter().copied().map(Item::Id).collect())
    }
}

/// getMetadata(bool $all_topics, ?Topic $only_topic, int $timeout_ms) for any client: every
/// topic, the one topic, or (neither) the topics this client knows, as librdkafka.
pub fn get_metadata(
    all_topics: bool,
    only_topic: Option<&Zval>,
    fetch: impl Fn(Option<&str>) -> ferrokafka::Result<ferrokafka::Metadata>,
    known: impl Fn() -> ferrokafka::Result<ferrokafka::Metadata>,
) -> PhpResult<Metadata> {
    let only = only_topic.filter(|z| !z.is_null()).map(|z| crate::topic_name_of(z).ok_or_else(|| crate::errors::message("$only_topic must be a RdKafka\\Topic", 0)));
    let result = match (only.transpose()?, all_topics) {
        (Some(name), _) => fetch(Some(&name)),
        (None, true) => fetch(None),
        (None, false) => known(),
    };
    result.map(Metadata::new).map_err(|e| crate::errors::exception(&e))
}
