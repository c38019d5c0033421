//! OffsetCommit (key 8).
//!
//! Versions: 2-9 (kafka-protocol decodes from v2, Kafka 4.0's minimum too; librdkafka, KafkaJS
//! and kafka-python pick the highest they share with us).
//!
//! Behaviour: stores offsets per group, kept across member churn and restarts of the members
//! (until the group or the topic is deleted). Kafka's validation: a commit naming a member or a
//! generation must come from a current member of the current generation (UNKNOWN_MEMBER_ID 25,
//! FENCED_INSTANCE_ID 82, ILLEGAL_GENERATION 22; REBALANCE_IN_PROGRESS 27 between JoinGroup and
//! SyncGroup); a "simple" commit (generation -1, no member id: consumers using assign() only) is
//! accepted while the group has no members, and creates the group if needed. A generation >= 0
//! for an unknown group is ILLEGAL_GENERATION, or GROUP_ID_NOT_FOUND (69) from v9.
//! Per partition: UNKNOWN_TOPIC_OR_PARTITION (3) for partitions that do not exist,
//! OFFSET_METADATA_TOO_LARGE (12) above 4096 bytes of metadata. NOT_COORDINATOR (16) on the
//! wrong broker.
//!
//! Not supported: retention_time_ms (offsets never expire).

use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetCommitResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, BrokerContext, Reply};
use crate::coordinator::CommitAuth;
use crate::error_code as ec;
use crate::group::CommittedOffset;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 2, max: 9 };

/// Kafka's offset.metadata.max.bytes default.
const MAX_METADATA_BYTES: usize = 4096;

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: OffsetCommitRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    // Partition-level errors first: those partitions are not committed whatever the group says.
    let mut offsets = Vec::new();
    let checked: Vec<Vec<Option<i16>>> = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = cluster.topic(&topic.name).map_or(0, |t| t.leaders.len());
            topic
                .partitions
                .iter()
                .map(|p| {
                    let exists = usize::try_from(p.partition_index).is_ok_and(|i| i < partitions);
                    let metadata = p.committed_metadata.as_deref().unwrap_or_default();
                    if !exists {
                        Some(ec::UNKNOWN_TOPIC_OR_PARTITION)
                    } else if metadata.len() > MAX_METADATA_BYTES {
                        Some(ec::OFFSET_METADATA_TOO_LARGE)
                    } else {
                        let offset = CommittedOffset {
                            offset: p.committed_offset,
                            leader_epoch: p.committed_leader_epoch,
                            metadata: metadata.to_string(),
                        };
                        offsets.push((topic.name.to_string(), p.partition_index, offset));
                        None
                    }
                })
                .collect()
        })
        .collect();
    let group_result = match group_error(broker, &request.group_id, false) {
        Some(code) => Err(code),
        None => {
            let auth = CommitAuth {
                generation_id: request.generation_id_or_member_epoch,
                member_id: request.member_id.to_string(),
                instance_id: request.group_instance_id.as_ref().map(|i| i.to_string()),
                version,
            };
            cluster.coordinator.commit(&request.group_id, &auth, offsets)
        }
    };
    let group_code = group_result.err().unwrap_or(ec::NONE);
    let topics = request
        .topics
        .into_iter()
        .zip(checked)
        .map(|(topic, codes)| {
            let partitions = topic
                .partitions
                .iter()
                .zip(codes)
                .map(|(p, code)| {
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code.unwrap_or(group_code))
                })
                .collect();
            OffsetCommitResponseTopic::default().with_name(topic.name).with_partitions(partitions)
        })
        .collect();
    super::encode(&OffsetCommitResponse::default().with_topics(topics), version)
}
