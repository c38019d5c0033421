//! DeleteRecords (key 21).
//!
//! Versions: 0-2.
//!
//! Behaviour: per partition, moves the log start offset up to `offset` (-1: the high watermark)
//! and drops the batches wholly below it; the answer's low_watermark is the new log start. A
//! fetch below it then gets OFFSET_OUT_OF_RANGE (1) and ListOffsets earliest returns it. An offset
//! above the high watermark is OFFSET_OUT_OF_RANGE; a partition this broker does not lead
//! NOT_LEADER_OR_FOLLOWER (6); an unknown one UNKNOWN_TOPIC_OR_PARTITION (3). The log start never
//! moves down.

use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DeleteRecordsRequest) -> anyhow::Result<Reply> {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let result = DeleteRecordsPartitionResult::default().with_partition_index(p.partition_index);
                    match broker.cluster.delete_records(broker.node_id, &t.name, p.partition_index, p.offset) {
                        Ok(low) => result.with_low_watermark(low),
                        Err(e) => result.with_low_watermark(-1).with_error_code(e.code),
                    }
                })
                .collect();
            DeleteRecordsTopicResult::default().with_name(t.name).with_partitions(partitions)
        })
        .collect();
    super::encode(&DeleteRecordsResponse::default().with_topics(topics), version)
}
