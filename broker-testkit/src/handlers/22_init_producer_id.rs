//! InitProducerId (key 22).
//!
//! Versions: 0-5 (kafka-protocol 0.18 lists 0-6 but its decoder stops at 5).
//!
//! Behaviour, idempotent producers (null transactional id): a new producer id with epoch 0. From
//! v3 a producer may send its current id and epoch (KIP-360, after a sequence error): a known id
//! with its current epoch gets the epoch bumped (a new id when the epoch would overflow), a stale
//! epoch gets INVALID_PRODUCER_EPOCH (47), an unknown id a fresh id.
//!
//! Transactional producers (sent to the transactional id's coordinator, NOT_COORDINATOR (16)
//! elsewhere): the id's producer id with its epoch bumped, which fences older instances; an
//! ongoing transaction of the id is aborted first (state/transactions.rs). A
//! transaction.timeout.ms above transaction.max.timeout.ms (900000) or below 1 gets
//! INVALID_TRANSACTION_TIMEOUT (50). With a producer id and epoch (v3+) that are not the current
//! ones: PRODUCER_FENCED (90), INVALID_PRODUCER_EPOCH (47) before v4 (KIP-588).

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_for_version, txn_coordinator_error, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: InitProducerIdRequest) -> anyhow::Result<Reply> {
    let existing = (version >= 3 && request.producer_id.0 >= 0).then_some((request.producer_id.0, request.producer_epoch));
    let result = match &request.transactional_id {
        Some(txn_id) => match txn_coordinator_error(broker, txn_id) {
            Some(code) => Err(code),
            None => broker
                .cluster
                .init_transactional(txn_id, request.transaction_timeout_ms, existing)
                .map_err(|code| fenced_for_version(code, version, 4)),
        },
        None => broker.cluster.init_producer_id(existing),
    };
    let response = match result {
        Ok((id, epoch)) => InitProducerIdResponse::default()
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch),
        Err(code) => InitProducerIdResponse::default()
            .with_error_code(code)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
    };
    super::encode(&response, version)
}
