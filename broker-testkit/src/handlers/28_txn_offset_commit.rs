//! TxnOffsetCommit (key 28).
//!
//! Versions: 0-3 (v3: the consumer's generation, member id and group instance id, KIP-447).
//!
//! Behaviour: sent to the group's coordinator; stores the offsets in the producer's transaction,
//! where they become committed offsets of the group only when the transaction commits (and
//! vanish when it aborts). The group must have been added with AddOffsetsToTxn and the
//! transaction be ongoing, else INVALID_TXN_STATE (48); INVALID_PRODUCER_ID_MAPPING (49) and
//! PRODUCER_FENCED (90, INVALID_PRODUCER_EPOCH 47 before v3) as the other transaction APIs. With a generation or member (v3), they must be
//! the group's current ones (ILLEGAL_GENERATION 22, UNKNOWN_MEMBER_ID 25, FENCED_INSTANCE_ID 82),
//! which fences a zombie that lost its partitions; generation -1 without a member skips the check.
//! Per partition UNKNOWN_TOPIC_OR_PARTITION (3) for partitions that do not exist; NOT_COORDINATOR
//! (16) away from the group's coordinator.

use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{TxnOffsetCommitRequest, TxnOffsetCommitResponse};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_for_version, group_error, BrokerContext, Reply};
use crate::error_code as ec;
use crate::group::CommittedOffset;
use crate::state::ProducerRef;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: TxnOffsetCommitRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let mut offsets = Vec::new();
    let known: Vec<Vec<bool>> = request
        .topics
        .iter()
        .map(|t| {
            let count = cluster.topic(&t.name).map_or(0, |v| v.leaders.len());
            t.partitions
                .iter()
                .map(|p| {
                    let exists = usize::try_from(p.partition_index).is_ok_and(|i| i < count);
                    if exists {
                        let offset = CommittedOffset {
                            offset: p.committed_offset,
                            leader_epoch: p.committed_leader_epoch,
                            metadata: p.committed_metadata.as_deref().unwrap_or_default().to_string(),
                        };
                        offsets.push((t.name.to_string(), p.partition_index, offset));
                    }
                    exists
                })
                .collect()
        })
        .collect();
    let producer = ProducerRef {
        producer_id: request.producer_id.0,
        epoch: request.producer_epoch,
    };
    let group_code = group_error(broker, &request.group_id, true)
        .or_else(|| {
            let (generation, member, instance) = if version >= 3 {
                (request.generation_id, request.member_id.as_str(), request.group_instance_id.as_deref())
            } else {
                (-1, "", None)
            };
            cluster
                .coordinator
                .validate_txn_commit(&request.group_id, generation, member, instance)
                .err()
        })
        .or_else(|| {
            cluster
                .txn_offset_commit(&request.transactional_id, producer, &request.group_id, offsets)
                .err()
                .map(|code| fenced_for_version(code, version, 3))
        })
        .unwrap_or(ec::NONE);
    let topics = request
        .topics
        .into_iter()
        .zip(known)
        .map(|(t, known)| {
            let partitions = t
                .partitions
                .iter()
                .zip(known)
                .map(|(p, exists)| {
                    TxnOffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(if exists { group_code } else { ec::UNKNOWN_TOPIC_OR_PARTITION })
                })
                .collect();
            TxnOffsetCommitResponseTopic::default().with_name(t.name).with_partitions(partitions)
        })
        .collect();
    super::encode(&TxnOffsetCommitResponse::default().with_topics(topics), version)
}
