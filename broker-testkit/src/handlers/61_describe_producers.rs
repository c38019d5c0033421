//! DescribeProducers (key 61).
//!
//! Versions: 0.
//!
//! Behaviour: per partition, the producers the partition keeps idempotence state for: id, epoch,
//! last sequence, the max timestamp of their last batch, and the first offset of their open
//! transaction there (-1 when none; coordinator epoch 0 for it, -1 otherwise: there is one
//! coordinator generation). Sent to the partition leader: NOT_LEADER_OR_FOLLOWER (6) elsewhere,
//! UNKNOWN_TOPIC_OR_PARTITION (3) for partitions that do not exist.

use kafka_protocol::messages::describe_producers_response::{PartitionResponse, ProducerState, TopicResponse};
use kafka_protocol::messages::{DescribeProducersRequest, DescribeProducersResponse, ProducerId};
use kafka_protocol::protocol::VersionRange;

use super::{opt_str_bytes, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DescribeProducersRequest) -> anyhow::Result<Reply> {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partition_indexes
                .iter()
                .map(|&p| {
                    let entry = PartitionResponse::default().with_partition_index(p);
                    match broker.cluster.active_producers(broker.node_id, &t.name, p) {
                        Ok(producers) => entry.with_active_producers(
                            producers
                                .into_iter()
                                .map(|a| {
                                    ProducerState::default()
                                        .with_producer_id(ProducerId(a.producer_id))
                                        .with_producer_epoch(i32::from(a.epoch))
                                        .with_last_sequence(a.last_sequence)
                                        .with_last_timestamp(a.last_timestamp)
                                        .with_coordinator_epoch(if a.txn_start_offset >= 0 { 0 } else { -1 })
                                        .with_current_txn_start_offset(a.txn_start_offset)
                                })
                                .collect(),
                        ),
                        Err(e) => entry.with_error_code(e.code).with_error_message(opt_str_bytes(e.message.as_deref())),
                    }
                })
                .collect();
            TopicResponse::default().with_name(t.name).with_partitions(partitions)
        })
        .collect();
    super::encode(&DescribeProducersResponse::default().with_topics(topics), version)
}
