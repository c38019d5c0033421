//! OffsetForLeaderEpoch (key 23).
//!
//! Versions: 2-4 (kafka-protocol decodes from v2).
//!
//! Behaviour: leadership never moves, so every partition has had one leader epoch, 0. Asked for
//! epoch 0 the answer is (epoch 0, high watermark): the end of that epoch; for a later epoch
//! UNDEFINED (-1, -1), as Kafka answers an epoch it never had; for an earlier one (negative)
//! also UNDEFINED. current_leader_epoch (when not -1) is checked as Kafka does: above ours
//! UNKNOWN_LEADER_EPOCH (76), below FENCED_LEADER_EPOCH (74). A partition this broker does not
//! lead: NOT_LEADER_OR_FOLLOWER (6); an unknown one UNKNOWN_TOPIC_OR_PARTITION (3).

use kafka_protocol::messages::offset_for_leader_epoch_response::{EpochEndOffset, OffsetForLeaderTopicResult};
use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
use kafka_protocol::protocol::VersionRange;

use super::{BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::LEADER_EPOCH;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 2, max: 4 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: OffsetForLeaderEpochRequest) -> anyhow::Result<Reply> {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let entry = EpochEndOffset::default().with_partition(p.partition).with_leader_epoch(-1).with_end_offset(-1);
                    if p.current_leader_epoch > LEADER_EPOCH {
                        return entry.with_error_code(ec::UNKNOWN_LEADER_EPOCH);
                    }
                    if p.current_leader_epoch >= 0 && p.current_leader_epoch < LEADER_EPOCH {
                        return entry.with_error_code(ec::FENCED_LEADER_EPOCH);
                    }
                    match broker.cluster.offsets(broker.node_id, &t.topic, p.partition) {
                        Ok((high_watermark, _)) if p.leader_epoch == LEADER_EPOCH => {
                            entry.with_leader_epoch(LEADER_EPOCH).with_end_offset(high_watermark)
                        }
                        Ok(_) => entry,
                        Err(e) => entry.with_error_code(e.code),
                    }
                })
                .collect();
            OffsetForLeaderTopicResult::default().with_topic(t.topic).with_partitions(partitions)
        })
        .collect();
    super::encode(&OffsetForLeaderEpochResponse::default().with_topics(topics), version)
}
