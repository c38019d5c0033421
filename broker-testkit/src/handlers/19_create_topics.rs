//! CreateTopics (key 19).
//!
//! Versions: 2-7 (kafka-protocol decodes from v2; librdkafka, KafkaJS and kafka-python all send v2+
//! when offered it).
//!
//! Behaviour: num_partitions -1 means the cluster default; 0, other negative values or more than
//! 100000 give INVALID_PARTITIONS (37); an existing name TOPIC_ALREADY_EXISTS (36); an illegal name
//! INVALID_TOPIC_EXCEPTION (17); a replication factor other than -1 or 1..=number of brokers
//! INVALID_REPLICATION_FACTOR (38) (there is always exactly one replica, the leader). Configs are
//! Kafka's topic configs (configs.rs): an unknown name or a bad value is INVALID_CONFIG (40) with
//! Kafka's message. Manual assignments give the partition count (num_partitions must then be -1
//! and replication_factor -1, else INVALID_REQUEST (42)); each partition's first broker id must be
//! a broker of the cluster (INVALID_REPLICA_ASSIGNMENT, 39) and becomes its leader; partitions
//! are numbered 0.. in order (Kafka requires consecutive ids). validate_only checks everything and
//! creates nothing. From v5 the answer carries partition count, replication factor and every
//! config with its value and source; the topic id from v7.
//!
//! Not supported: more than one replica (a longer assignment list is accepted; only its first
//! broker holds the partition).

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::configs::{self, TopicConfigs};
use crate::error_code as ec;
use crate::state::PartitionError;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 2, max: 7 };

fn invalid(code: i16, message: String) -> PartitionError {
    PartitionError { code, message: Some(message) }
}

/// Checks everything but the name and count, which `create_topic_with` checks; returns the
/// partition count, the configs, and the leaders chosen by a manual assignment.
fn check(broker: &BrokerContext, topic: &CreatableTopic) -> Result<(i32, TopicConfigs, Option<Vec<i32>>), PartitionError> {
    let brokers = broker.cluster.brokers.len() as i16;
    let configs = TopicConfigs::from_pairs(topic.configs.iter().map(|c| (c.name.as_str(), c.value.as_deref())))
        .map_err(|m| invalid(ec::INVALID_CONFIG, m))?;
    if topic.assignments.is_empty() {
        if topic.replication_factor != -1 && !(1..=brokers).contains(&topic.replication_factor) {
            return Err(invalid(
                ec::INVALID_REPLICATION_FACTOR,
                format!("replication factor {} is not between 1 and the {brokers} brokers", topic.replication_factor),
            ));
        }
        return Ok((topic.num_partitions, configs, None));
    }
    if topic.num_partitions != -1 || topic.replication_factor != -1 {
        return Err(invalid(
            ec::INVALID_REQUEST,
            "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".into(),
        ));
    }
    let mut sorted: Vec<&_> = topic.assignments.iter().collect();
    sorted.sort_by_key(|a| a.partition_index);
    let mut leaders = Vec::with_capacity(sorted.len());
    for (expected, a) in sorted.iter().enumerate() {
        if a.partition_index != expected as i32 {
            return Err(invalid(ec::INVALID_REPLICA_ASSIGNMENT, "Partitions should be 0-based consecutive integers.".into()));
        }
        let leader = a.broker_ids.first().map(|b| b.0);
        match leader.filter(|&id| broker.cluster.broker(id).is_some()) {
            Some(id) => leaders.push(id),
            None => {
                return Err(invalid(
                    ec::INVALID_REPLICA_ASSIGNMENT,
                    format!("partition {} is assigned to {:?}, which are not all brokers of this cluster", a.partition_index, a.broker_ids),
                ))
            }
        }
    }
    Ok((leaders.len() as i32, configs, Some(leaders)))
}

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: CreateTopicsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let outcome = check(broker, &topic).and_then(|(partitions, configs, leaders)| {
                cluster
                    .create_topic_placed(topic.name.as_str(), partitions, configs.clone(), leaders, request.validate_only)
                    .map(|(id, n)| (id, n, configs))
            });
            let result = CreatableTopicResult::default().with_name(topic.name);
            match outcome {
                Ok((id, partitions, configs)) => {
                    let mut result = result.with_topic_id(id);
                    if version >= 5 {
                        result = result
                            .with_num_partitions(partitions)
                            .with_replication_factor(1)
                            .with_configs(Some(described(&configs)));
                    }
                    result
                }
                Err(e) => result
                    .with_error_code(e.code)
                    .with_error_message(e.message.as_deref().map(str_bytes)),
            }
        })
        .collect();
    super::encode(&CreateTopicsResponse::default().with_topics(topics), version)
}

/// Every topic config with its effective value, as Kafka answers CreateTopics v5+.
fn described(configs: &TopicConfigs) -> Vec<CreatableTopicConfigs> {
    configs::TOPIC_CONFIGS
        .iter()
        .map(|d| {
            let overridden = configs.is_override(d.name);
            CreatableTopicConfigs::default()
                .with_name(str_bytes(d.name))
                .with_value(Some(str_bytes(configs.value(d.name))))
                .with_config_source(if overridden { configs::SOURCE_DYNAMIC_TOPIC } else { configs::SOURCE_DEFAULT })
        })
        .collect()
}
