//! FindCoordinator (key 10).
//!
//! Versions: 0-6 (batched keys from v4).
//!
//! Behaviour: names a coordinator broker for a group (key type 0) or transactional id (key type 1):
//! a stable hash of the key picks one of the brokers, as Kafka's `__consumer_offsets` partitioning
//! spreads coordinators. Other key types (share groups) get INVALID_REQUEST (42).
//! Implemented mainly because librdkafka (at least up to 2.0.2) takes FindCoordinator v0 as the sign
//! that a broker understands LZ4 (its "LZ4" feature depends on it) and otherwise silently sends LZ4
//! batches uncompressed.
//!
//! Not supported: the group and transaction APIs themselves (JoinGroup, OffsetCommit, EndTxn...)
//! are not implemented and not advertised, so clients fail cleanly when they need them; transactional
//! producers are then refused by InitProducerId.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::{StrBytes, VersionRange};

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::BrokerInfo;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 6 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: FindCoordinatorRequest) -> anyhow::Result<Reply> {
    let brokers = &broker.cluster.brokers;
    let supported_type = matches!(request.key_type, 0 | 1);
    let coordinator_for = |key: &StrBytes| -> Option<BrokerInfo> {
        // FNV-1a: stable across runs, unlike std's randomly seeded hasher.
        let hash = key
            .as_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3));
        brokers.get((hash % brokers.len().max(1) as u64) as usize).copied()
    };
    let response = if version >= 4 {
        let coordinators = request
            .coordinator_keys
            .iter()
            .map(|key| {
                let entry = Coordinator::default().with_key(key.clone());
                match coordinator_for(key).filter(|_| supported_type) {
                    Some(b) => entry
                        .with_node_id(BrokerId(b.node_id))
                        .with_host(str_bytes("127.0.0.1"))
                        .with_port(b.port as i32),
                    None => entry
                        .with_node_id(BrokerId(-1))
                        .with_port(-1)
                        .with_error_code(ec::INVALID_REQUEST)
                        .with_error_message(Some(str_bytes("unsupported coordinator key type"))),
                }
            })
            .collect();
        FindCoordinatorResponse::default().with_coordinators(coordinators)
    } else {
        match coordinator_for(&request.key).filter(|_| supported_type) {
            Some(b) => FindCoordinatorResponse::default()
                .with_node_id(BrokerId(b.node_id))
                .with_host(str_bytes("127.0.0.1"))
                .with_port(b.port as i32),
            None => FindCoordinatorResponse::default()
                .with_error_code(ec::INVALID_REQUEST)
                .with_node_id(BrokerId(-1))
                .with_port(-1),
        }
    };
    super::encode(&response, version)
}
