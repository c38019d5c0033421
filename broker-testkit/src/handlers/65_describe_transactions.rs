//! DescribeTransactions (key 65).
//!
//! Versions: 0.
//!
//! Behaviour: per transactional id, from its coordinator: state (Kafka's names: Empty, Ongoing,
//! CompleteCommit, CompleteAbort), transaction.timeout.ms, start time of the ongoing transaction
//! (-1 otherwise), producer id and epoch, and the partitions of the ongoing transaction.
//! NOT_COORDINATOR (16) away from the id's coordinator, TRANSACTIONAL_ID_NOT_FOUND (105) for an
//! id never initialised.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_transactions_response::{TopicData, TransactionState};
use kafka_protocol::messages::{DescribeTransactionsRequest, DescribeTransactionsResponse, ProducerId, TopicName};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, txn_coordinator_error, BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DescribeTransactionsRequest) -> anyhow::Result<Reply> {
    let all = broker.cluster.transactions();
    let states = request
        .transactional_ids
        .into_iter()
        .map(|id| {
            let entry = TransactionState::default().with_transactional_id(id.clone()).with_producer_id(ProducerId(-1));
            if let Some(code) = txn_coordinator_error(broker, &id) {
                return entry.with_error_code(code);
            }
            let Some((_, meta)) = all.iter().find(|(name, _)| name.as_str() == id.as_str()) else {
                return entry.with_error_code(ec::TRANSACTIONAL_ID_NOT_FOUND);
            };
            let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
            for (topic, p) in &meta.partitions {
                by_topic.entry(topic).or_default().push(*p);
            }
            entry
                .with_transaction_state(str_bytes(meta.state.name()))
                .with_transaction_timeout_ms(i32::try_from(meta.timeout.as_millis()).unwrap_or(i32::MAX))
                .with_transaction_start_time_ms(if meta.partitions.is_empty() && meta.groups.is_empty() { -1 } else { meta.started_ms })
                .with_producer_id(ProducerId(meta.producer_id))
                .with_producer_epoch(meta.epoch)
                .with_topics(
                    by_topic
                        .into_iter()
                        .map(|(t, ps)| TopicData::default().with_topic(TopicName(str_bytes(t))).with_partitions(ps))
                        .collect(),
                )
        })
        .collect();
    super::encode(&DescribeTransactionsResponse::default().with_transaction_states(states), version)
}
