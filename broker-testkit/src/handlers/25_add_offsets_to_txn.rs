//! AddOffsetsToTxn (key 25).
//!
//! Versions: 0-3.
//!
//! Behaviour: lets the producer's transaction carry offsets of a group (TxnOffsetCommit, sent to
//! the group's coordinator next), starting the transaction if needed. Errors as
//! AddPartitionsToTxn's: NOT_COORDINATOR (16), INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED
//! (90, INVALID_PRODUCER_EPOCH 47 before v2); an empty group id is INVALID_GROUP_ID (24).

use kafka_protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_for_version, txn_coordinator_error, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::ProducerRef;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: AddOffsetsToTxnRequest) -> anyhow::Result<Reply> {
    let producer = ProducerRef {
        producer_id: request.producer_id.0,
        epoch: request.producer_epoch,
    };
    let code = if request.group_id.is_empty() {
        ec::INVALID_GROUP_ID
    } else {
        match txn_coordinator_error(broker, &request.transactional_id) {
            Some(code) => code,
            None => broker
                .cluster
                .add_offsets_to_txn(&request.transactional_id, producer, &request.group_id)
                .err()
                .map_or(ec::NONE, |code| fenced_for_version(code, version, 2)),
        }
    };
    super::encode(&AddOffsetsToTxnResponse::default().with_error_code(code), version)
}
