//! ListOffsets (key 2).
//!
//! Versions: 1-10 (kafka-protocol cannot decode v0; every client in scope sends v1+).
//!
//! Behaviour: per partition, timestamp -1 (latest) gives the high watermark, -2 (earliest) and -4
//! (earliest local) the log start offset, -3 (max timestamp) the record with the highest timestamp,
//! -5 (latest tiered) -1 (nothing is tiered), and a timestamp >= 0 the first record whose timestamp
//! is >= it at or after the log start, or offset -1 when there is none. Record timestamps are
//! decoded (compressed batches opened; LogAppendTime records carry the broker's time). As in
//! Kafka, max timestamp may answer an offset below the log start after DeleteRecords (checked
//! against Kafka 4.3).
//! read_committed (isolation level 1, v2+): latest is the last stable offset.
//! Leader epoch 0 from v4. A partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER (6).
//! A partition named more than once in one request is answered once, with INVALID_REQUEST (42), as
//! Kafka does (its answers are keyed by partition; checked against Kafka 4.3).
//!
//! Fault injection: Cluster::fail_next_list_offsets answers the next requests with an error on every partition.
//!
//! Not supported: leader epoch validation (current_leader_epoch is ignored).

use std::collections::{HashMap, HashSet};

use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{BrokerContext, Reply};
use crate::error_code::INVALID_REQUEST;
use crate::state::LEADER_EPOCH;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 1, max: 10 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: ListOffsetsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let mut named: HashMap<(&str, i32), usize> = HashMap::new();
    for topic in &request.topics {
        for p in &topic.partitions {
            *named.entry((topic.name.as_str(), p.partition_index)).or_default() += 1;
        }
    }
    // Fault injection (Cluster::fail_next_list_offsets): this request fails on every partition.
    let injected = cluster.faults.take_fail(2);
    let read_committed = version >= 2 && request.isolation_level == 1;
    let mut answered: HashSet<(&str, i32)> = HashSet::new();
    let topics = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .filter(|p| answered.insert((topic.name.as_str(), p.partition_index)))
                .map(|p| {
                    let mut response =
                        ListOffsetsPartitionResponse::default().with_partition_index(p.partition_index);
                    if let Some(code) = injected {
                        return response.with_error_code(code).with_timestamp(-1).with_offset(-1);
                    }
                    if named[&(topic.name.as_str(), p.partition_index)] > 1 {
                        return response.with_error_code(INVALID_REQUEST).with_timestamp(-1).with_offset(-1);
                    }
                    match cluster.list_offset(broker.node_id, topic.name.as_str(), p.partition_index, p.timestamp, read_committed) {
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
                .with_name(topic.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    super::encode(&ListOffsetsResponse::default().with_topics(topics), version)
}
