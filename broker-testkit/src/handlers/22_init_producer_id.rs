//! InitProducerId (key 22).
//!
//! Versions: 0-5 (kafka-protocol 0.18 lists 0-6 but its decoder stops at 5).
//!
//! Behaviour: for idempotent producers (null transactional id) allocates a new producer id with
//! epoch 0. From v3 a producer may send its current id and epoch (KIP-360, after a sequence error):
//! a known id with its current epoch gets the epoch bumped (a new id when the epoch would overflow),
//! a stale epoch gets INVALID_PRODUCER_EPOCH (47), an unknown id a fresh id.
//!
//! Not supported: transactions. A non-null transactional id is refused with
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), which clients treat as fatal with a clear message
//! instead of retrying forever (the response has no message field).

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};
use kafka_protocol::protocol::VersionRange;

use super::{BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: InitProducerIdRequest) -> anyhow::Result<Reply> {
    let result = if request.transactional_id.is_some() {
        Err(ec::TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    } else {
        let existing = (version >= 3 && request.producer_id.0 >= 0)
            .then_some((request.producer_id.0, request.producer_epoch));
        broker.cluster.init_producer_id(existing)
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
