//! EndTxn (key 26).
//!
//! Versions: 0-3 (v4 adds TRANSACTION_ABORTABLE, v5 the per-transaction epoch bump of KIP-890).
//!
//! Behaviour: commits or aborts the producer's ongoing transaction: a marker (control batch) on
//! every partition of it, and on commit its TxnOffsetCommit offsets become the groups' committed
//! offsets. Answered when all of it is done (state/transactions.rs). A retry of the EndTxn that
//! completed the transaction succeeds; otherwise, outside an ongoing transaction,
//! INVALID_TXN_STATE (48). NOT_COORDINATOR (16), INVALID_PRODUCER_ID_MAPPING (49) and
//! PRODUCER_FENCED (90, INVALID_PRODUCER_EPOCH 47 before v2) as the other transaction APIs; a
//! transaction the broker aborted on timeout has fenced its producer, so its EndTxn is fenced.

use kafka_protocol::messages::{EndTxnRequest, EndTxnResponse};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_for_version, txn_coordinator_error, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::ProducerRef;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: EndTxnRequest) -> anyhow::Result<Reply> {
    let producer = ProducerRef {
        producer_id: request.producer_id.0,
        epoch: request.producer_epoch,
    };
    let code = match txn_coordinator_error(broker, &request.transactional_id) {
        Some(code) => code,
        None => broker
            .cluster
            .end_txn(&request.transactional_id, producer, request.committed)
            .err()
            .map_or(ec::NONE, |code| fenced_for_version(code, version, 2)),
    };
    super::encode(&EndTxnResponse::default().with_error_code(code), version)
}
