//! ListOffsets (key 2).
//!
//! Versions: 1-10 (kafka-protocol cannot decode v0; every client in scope sends v1+).
//!
//! Behaviour: per partition, timestamp -1 (latest) gives the high watermark, -2 (earliest) and -4
//! (earliest local) the log start offset, -3 (max timestamp) the record with the highest timestamp,
//! -5 (latest tiered) -1 (nothing is tiered), and a timestamp >= 0 the first record whose timestamp
//! is >= it, or offset -1 when there is none. Record timestamps are decoded from uncompressed
//! batches; for a compressed batch (no codecs compiled in) its base offset and max timestamp are
//! returned, which makes a consumer start at the right batch and skip nothing it should read.
//! read_committed is the same as read_uncommitted (last stable offset = high watermark).
//! Leader epoch 0 from v4. A partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER (6).
//!
//! Not supported: leader epoch validation (current_leader_epoch is ignored).

use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{BrokerContext, Reply};
use crate::state::LEADER_EPOCH;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 1, max: 10 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: ListOffsetsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let mut response =
                        ListOffsetsPartitionResponse::default().with_partition_index(p.partition_index);
                    match cluster.list_offset(broker.node_id, topic.name.as_str(), p.partition_index, p.timestamp) {
                        Ok((timestamp, offset)) => {
                            response = response.with_timestamp(timestamp).with_offset(offset);
                            if version >= 4 {
                                response = response.with_leader_epoch(LEADER_EPOCH);
                            }
                        }
                        Err(e) => {
                            response = response.with_error_code(e.code).with_timestamp(-1).with_offset(-1);
                        }
                    }
                    response
                })
                .collect();
            ListOffsetsTopicResponse::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    super::encode(&ListOffsetsResponse::default().with_topics(topics), version)
}
