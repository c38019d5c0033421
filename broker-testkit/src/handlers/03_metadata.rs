//! Metadata (key 3).
//!
//! Versions: 0-13
//!
//! Behaviour: lists every broker (host 127.0.0.1 and its port), the cluster id, the controller (the
//! first broker) and the requested topics (all of them for a null list, or an empty one at v0). Each
//! topic carries its id (v10+); each partition its leader, leader epoch 0, replicas = isr = [leader].
//! Unknown topics are auto-created with the default partition count when the cluster allows it and
//! the request does too (`allow_auto_topic_creation`, v4+; always allowed before v4, as in Kafka);
//! otherwise they get UNKNOWN_TOPIC_OR_PARTITION (3). Topics asked for by id (v10+) are never created;
//! an unknown id gets UNKNOWN_TOPIC_ID (100). Invalid names get INVALID_TOPIC_EXCEPTION (17).
//!
//! Not supported: authorized operations (always "not requested"), racks, offline replicas.

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::VersionRange;
use uuid::Uuid;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::{TopicView, LEADER_EPOCH};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 13 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: MetadataRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let allow_create = version < 4 || request.allow_auto_topic_creation;
    let topics = match request.topics {
        None => cluster.all_topics().iter().map(topic_entry).collect(),
        Some(list) if list.is_empty() && version == 0 => {
            cluster.all_topics().iter().map(topic_entry).collect()
        }
        Some(list) => list
            .into_iter()
            .map(|wanted| match wanted.name {
                Some(name) => match cluster.topic_or_create(name.as_str(), allow_create) {
                    Ok(view) => topic_entry(&view),
                    Err(e) => error_entry(e.code, Some(name), Uuid::nil()),
                },
                None => match cluster.topic_name(wanted.topic_id).and_then(|n| cluster.topic(&n)) {
                    Some(view) => topic_entry(&view),
                    None => error_entry(ec::UNKNOWN_TOPIC_ID, None, wanted.topic_id),
                },
            })
            .collect(),
    };
    let brokers = cluster
        .brokers
        .iter()
        .map(|b| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(b.node_id))
                .with_host(str_bytes("127.0.0.1"))
                .with_port(b.port as i32)
        })
        .collect();
    let response = MetadataResponse::default()
        .with_brokers(brokers)
        .with_cluster_id(Some(str_bytes(&cluster.cluster_id)))
        .with_controller_id(BrokerId(cluster.controller_id()))
        .with_topics(topics);
    super::encode(&response, version)
}

fn topic_entry(view: &TopicView) -> MetadataResponseTopic {
    let partitions = view
        .leaders
        .iter()
        .enumerate()
        .map(|(index, &leader)| {
            MetadataResponsePartition::default()
                .with_partition_index(index as i32)
                .with_leader_id(BrokerId(leader))
                .with_leader_epoch(LEADER_EPOCH)
                .with_replica_nodes(vec![BrokerId(leader)])
                .with_isr_nodes(vec![BrokerId(leader)])
        })
        .collect();
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(str_bytes(&view.name))))
        .with_topic_id(view.id)
        .with_partitions(partitions)
}

fn error_entry(code: i16, name: Option<TopicName>, id: Uuid) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_error_code(code)
        .with_name(name)
        .with_topic_id(id)
}
