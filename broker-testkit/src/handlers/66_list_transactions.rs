//! ListTransactions (key 66).
//!
//! Versions: 0-1 (v1: duration filter, KIP-994; v2's transactional id regex is not served).
//!
//! Behaviour: the transactional ids this broker coordinates, with producer id and state, filtered
//! by state names (unknown names are echoed in unknown_state_filters, as Kafka does), producer
//! ids, and (v1) transactions running longer than duration_filter ms (-1: no filter).

use std::time::{SystemTime, UNIX_EPOCH};

use kafka_protocol::messages::list_transactions_response::TransactionState;
use kafka_protocol::messages::{ListTransactionsRequest, ListTransactionsResponse, ProducerId, TransactionalId};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

const STATES: [&str; 4] = ["Empty", "Ongoing", "CompleteCommit", "CompleteAbort"];

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: ListTransactionsRequest) -> anyhow::Result<Reply> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let min_duration = if version >= 1 { request.duration_filter } else { -1 };
    let unknown: Vec<_> = request.state_filters.iter().filter(|s| !STATES.contains(&s.as_str())).cloned().collect();
    let states = broker
        .cluster
        .transactions()
        .into_iter()
        .filter(|(id, _)| broker.cluster.coordinator_for(id).is_some_and(|b| b.node_id == broker.node_id))
        .filter(|(_, m)| request.state_filters.is_empty() || request.state_filters.iter().any(|s| s.as_str() == m.state.name()))
        .filter(|(_, m)| request.producer_id_filters.is_empty() || request.producer_id_filters.contains(&ProducerId(m.producer_id)))
        .filter(|(_, m)| min_duration < 0 || (m.started_ms >= 0 && now_ms - m.started_ms > min_duration))
        .map(|(id, m)| {
            TransactionState::default()
                .with_transactional_id(TransactionalId(str_bytes(&id)))
                .with_producer_id(ProducerId(m.producer_id))
                .with_transaction_state(str_bytes(m.state.name()))
        })
        .collect();
    let response = ListTransactionsResponse::default().with_unknown_state_filters(unknown).with_transaction_states(states);
    super::encode(&response, version)
}
