//! OffsetDelete (key 47).
//!
//! Versions: 0.
//!
//! Behaviour: deletes committed offsets of a group. Allowed for an Empty group, and for a consumer
//! group's topics that no member subscribes to (per partition GROUP_SUBSCRIBED_TO_TOPIC, 86,
//! otherwise); a non-empty group of another protocol type gets NON_EMPTY_GROUP (68). Unknown
//! partitions get UNKNOWN_TOPIC_OR_PARTITION (3), an unknown group GROUP_ID_NOT_FOUND (69), a group
//! another broker coordinates NOT_COORDINATOR (16).
//!
//! Not supported: nothing notable.

use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: OffsetDeleteRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    // Known partitions go to the coordinator; the others are answered here.
    let mut known: Vec<(String, Vec<i32>)> = Vec::new();
    let checked: Vec<Vec<bool>> = request
        .topics
        .iter()
        .map(|topic| {
            let count = cluster.topic(&topic.name).map_or(0, |t| t.leaders.len());
            let exists: Vec<bool> = topic
                .partitions
                .iter()
                .map(|p| usize::try_from(p.partition_index).is_ok_and(|i| i < count))
                .collect();
            let partitions = topic.partitions.iter().zip(&exists).filter(|(_, e)| **e).map(|(p, _)| p.partition_index);
            known.push((topic.name.to_string(), partitions.collect()));
            exists
        })
        .collect();
    let outcome = match group_error(broker, &request.group_id, false) {
        Some(code) => Err(code),
        None => cluster.coordinator.delete_offsets(&request.group_id, &known),
    };
    let response = match outcome {
        Err(code) => OffsetDeleteResponse::default().with_error_code(code),
        Ok(codes) => {
            let topics = request
                .topics
                .into_iter()
                .zip(checked)
                .zip(codes)
                .map(|((topic, exists), codes)| {
                    let mut codes = codes.into_iter();
                    let partitions = topic
                        .partitions
                        .iter()
                        .zip(exists)
                        .map(|(p, exists)| {
                            let code = if exists { codes.next().unwrap_or(ec::NONE) } else { ec::UNKNOWN_TOPIC_OR_PARTITION };
                            OffsetDeleteResponsePartition::default()
                                .with_partition_index(p.partition_index)
                                .with_error_code(code)
                        })
                        .collect();
                    OffsetDeleteResponseTopic::default().with_name(topic.name).with_partitions(partitions)
                })
                .collect();
            OffsetDeleteResponse::default().with_topics(topics)
        }
    };
    super::encode(&response, version)
}
