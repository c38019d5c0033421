//! OffsetFetch (key 9).
//!
//! Versions: 1-9 (kafka-protocol decodes from v1, Kafka 4.0's minimum too); v8+ fetch several
//! groups at once.
//!
//! Behaviour: returns a group's committed offsets: for each requested partition its offset,
//! leader epoch and metadata, or offset -1 with no error when nothing is committed there (also
//! for unknown groups and topics). A null topic list (v2+) means every partition the group has
//! committed. Group-level errors (NOT_COORDINATOR, 16) go where each version puts them: on every
//! requested partition for v1, top-level for v2-7, per group from v8.
//!
//! require_stable (v7+, sent by read_committed consumers): a partition for which an ongoing
//! transaction holds an offset (TxnOffsetCommit) gets UNSTABLE_OFFSET_COMMIT (88), so the
//! consumer retries instead of starting from an offset about to change.
//!
//! Not supported: the v9 member id and epoch (KIP-848 groups) are not checked for classic groups, as in Kafka.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, TopicName};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, str_bytes, BrokerContext, Reply};
use crate::coordinator::FetchedTopic;
use crate::error_code as ec;
use crate::group::CommittedOffset;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 1, max: 9 };

/// (partition, offset, leader epoch, metadata, error) as every version's partition entry holds it.
type PartitionEntry = (i32, i64, i32, String, i16);

fn entry(partition: i32, committed: Option<CommittedOffset>, error: i16) -> PartitionEntry {
    match committed {
        Some(c) => (partition, c.offset, c.leader_epoch, c.metadata, error),
        None => (partition, -1, -1, String::new(), error),
    }
}

/// One group's answer: the group-level error, and the partitions.
fn fetch_group(
    broker: &BrokerContext,
    group: &str,
    topics: Option<Vec<(String, Vec<i32>)>>,
    require_stable: bool,
) -> (i16, Vec<(String, Vec<PartitionEntry>)>) {
    if let Some(code) = group_error(broker, group, false) {
        // Only v1 reports it per partition; it has a topic list by definition.
        let topics = topics
            .unwrap_or_default()
            .into_iter()
            .map(|(t, ps)| (t, ps.into_iter().map(|p| entry(p, None, code)).collect()))
            .collect();
        return (code, topics);
    }
    let fetched: Vec<FetchedTopic> = broker.cluster.coordinator.fetch_offsets(group, topics);
    let topics = fetched
        .into_iter()
        .map(|(t, ps)| {
            let entries = ps
                .into_iter()
                .map(|(p, c)| {
                    let unstable = require_stable && broker.cluster.has_pending_txn_offset(group, &t, p);
                    entry(p, c, if unstable { ec::UNSTABLE_OFFSET_COMMIT } else { ec::NONE })
                })
                .collect();
            (t, entries)
        })
        .collect();
    (ec::NONE, topics)
}

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: OffsetFetchRequest) -> anyhow::Result<Reply> {
    if version >= 8 {
        let groups = request
            .groups
            .into_iter()
            .map(|g| {
                let topics = g.topics.map(|ts| {
                    ts.into_iter().map(|t| (t.name.to_string(), t.partition_indexes)).collect()
                });
                let (error, topics) = fetch_group(broker, &g.group_id, topics, request.require_stable);
                let topics = if error != ec::NONE { Vec::new() } else { topics };
                OffsetFetchResponseGroup::default()
                    .with_group_id(g.group_id)
                    .with_error_code(error)
                    .with_topics(
                        topics
                            .into_iter()
                            .map(|(name, partitions)| {
                                OffsetFetchResponseTopics::default()
                                    .with_name(TopicName(str_bytes(&name)))
                                    .with_partitions(partitions.into_iter().map(partitions_v8).collect())
                            })
                            .collect(),
                    )
            })
            .collect();
        return super::encode(&OffsetFetchResponse::default().with_groups(groups), version);
    }
    let topics = request
        .topics
        .map(|ts| ts.into_iter().map(|t| (t.name.to_string(), t.partition_indexes)).collect());
    let (error, topics) = fetch_group(broker, &request.group_id, topics, version >= 7 && request.require_stable);
    let topics = if error != ec::NONE && version >= 2 { Vec::new() } else { topics };
    let response = OffsetFetchResponse::default()
        .with_error_code(if version >= 2 { error } else { ec::NONE })
        .with_topics(
            topics
                .into_iter()
                .map(|(name, partitions)| {
                    OffsetFetchResponseTopic::default()
                        .with_name(TopicName(str_bytes(&name)))
                        .with_partitions(partitions.into_iter().map(partition_v0).collect())
                })
                .collect(),
        );
    super::encode(&response, version)
}

fn partition_v0((partition, offset, epoch, metadata, error): PartitionEntry) -> OffsetFetchResponsePartition {
    OffsetFetchResponsePartition::default()
        .with_partition_index(partition)
        .with_committed_offset(offset)
        .with_committed_leader_epoch(epoch)
        .with_metadata(Some(str_bytes(&metadata)))
        .with_error_code(error)
}

fn partitions_v8((partition, offset, epoch, metadata, error): PartitionEntry) -> OffsetFetchResponsePartitions {
    OffsetFetchResponsePartitions::default()
        .with_partition_index(partition)
        .with_committed_offset(offset)
        .with_committed_leader_epoch(epoch)
        .with_metadata(Some(str_bytes(&metadata)))
        .with_error_code(error)
}
