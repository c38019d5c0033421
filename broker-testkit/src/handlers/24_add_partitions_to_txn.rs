//! AddPartitionsToTxn (key 24).
//!
//! Versions: 0-3 (the client versions; v4+ batch several transactions and serve brokers'
//! verification, KIP-890, which has no second broker process here).
//!
//! Behaviour: adds partitions to the producer's transaction, starting it (and its
//! transaction.timeout.ms) if it is not ongoing. Per partition: NONE, or
//! UNKNOWN_TOPIC_OR_PARTITION (3) for partitions that do not exist and OPERATION_NOT_ATTEMPTED
//! (55) for the others of the request, which are then not added either (Kafka's answer). Every
//! partition carries the request-level error otherwise: NOT_COORDINATOR (16) away from the
//! transactional id's coordinator, INVALID_PRODUCER_ID_MAPPING (49) for an unknown id or another
//! producer id, PRODUCER_FENCED (90, INVALID_PRODUCER_EPOCH 47 before v2) for another epoch.

use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::{AddPartitionsToTxnRequest, AddPartitionsToTxnResponse};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_for_version, txn_coordinator_error, BrokerContext, Reply};
use crate::state::ProducerRef;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: AddPartitionsToTxnRequest) -> anyhow::Result<Reply> {
    let txn_id = request.v3_and_below_transactional_id.as_str();
    let wanted: Vec<(String, i32)> = request
        .v3_and_below_topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |&p| (t.name.to_string(), p)))
        .collect();
    let producer = ProducerRef {
        producer_id: request.v3_and_below_producer_id.0,
        epoch: request.v3_and_below_producer_epoch,
    };
    let codes = match txn_coordinator_error(broker, txn_id) {
        Some(code) => vec![code; wanted.len()],
        None => match broker.cluster.add_partitions_to_txn(txn_id, producer, &wanted) {
            Ok(codes) => codes,
            Err(code) => vec![fenced_for_version(code, version, 2); wanted.len()],
        },
    };
    let mut codes = codes.into_iter();
    let topics = request
        .v3_and_below_topics
        .into_iter()
        .map(|t| {
            let results = t
                .partitions
                .iter()
                .map(|&p| {
                    AddPartitionsToTxnPartitionResult::default()
                        .with_partition_index(p)
                        .with_partition_error_code(codes.next().unwrap_or_default())
                })
                .collect();
            AddPartitionsToTxnTopicResult::default().with_name(t.name).with_results_by_partition(results)
        })
        .collect();
    super::encode(&AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(topics), version)
}
