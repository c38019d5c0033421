//! Cluster metadata as the application sees it (`-L` in the CLI, getMetadata in bindings).

use crate::error::ErrorKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerMetadata {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub id: i32,
    /// -1 when the partition has no leader.
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isrs: Vec<i32>,
    pub error: Option<ErrorKind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    pub is_internal: bool,
    pub partitions: Vec<PartitionMetadata>,
    pub error: Option<ErrorKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The broker that answered, as librdkafka reports it (`orig_broker_id` / `orig_broker_name`).
    pub orig_broker_id: i32,
    pub orig_broker_name: String,
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub brokers: Vec<BrokerMetadata>,
    pub topics: Vec<TopicMetadata>,
}

impl Metadata {
    pub fn topic(&self, name: &str) -> Option<&TopicMetadata> {
        self.topics.iter().find(|t| t.name == name)
    }
}
