//! CreateTopics (key 19).
//!
//! Versions: 2-7 (kafka-protocol decodes from v2; librdkafka, KafkaJS and kafka-python all send v2+
//! when offered it).
//!
//! Behaviour: num_partitions -1 means the cluster default; 0, other negative values or more than
//! 100000 give INVALID_PARTITIONS (37); an existing name TOPIC_ALREADY_EXISTS (36); an illegal name
//! INVALID_TOPIC_EXCEPTION (17); a replication factor other than -1 or 1..=number of brokers
//! INVALID_REPLICATION_FACTOR (38) (there is always exactly one replica, the leader). With manual
//! assignments the partition count is their number (placement itself is ignored: leaders are
//! spread round-robin). validate_only checks everything and creates nothing. The topic id is
//! returned from v7, partition count and replication factor from v5.
//!
//! Not supported: topic configs (accepted and ignored; none reported back), manual replica placement.

use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::PartitionError;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 2, max: 7 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: CreateTopicsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let brokers = cluster.brokers.len() as i16;
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = if topic.assignments.is_empty() {
                topic.num_partitions
            } else {
                topic.assignments.len() as i32
            };
            let outcome = if topic.replication_factor != -1
                && !(1..=brokers).contains(&topic.replication_factor)
            {
                Err(PartitionError {
                    code: ec::INVALID_REPLICATION_FACTOR,
                    message: Some(format!(
                        "replication factor {} is not between 1 and the {brokers} brokers",
                        topic.replication_factor
                    )),
                })
            } else {
                cluster.create_topic(topic.name.as_str(), partitions, request.validate_only)
            };
            let result = CreatableTopicResult::default().with_name(topic.name);
            match outcome {
                Ok((id, partitions)) => {
                    let mut result = result.with_topic_id(id);
                    if version >= 5 {
                        result = result
                            .with_num_partitions(partitions)
                            .with_replication_factor(1)
                            .with_configs(Some(Vec::new()));
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
