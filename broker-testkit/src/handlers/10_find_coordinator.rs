//! FindCoordinator (key 10).
//!
//! Versions: 0-6 (batched keys from v4; librdkafka sends up to 2, KafkaJS up to 2).
//!
//! Behaviour: names the coordinator broker of a group (key type 0) or transactional id (type 1)
//! as Kafka does: `abs(key.hashCode()) % 50` picks a partition of `__consumer_offsets`, and
//! partition p is led by broker `p % brokers` (`coordinator.rs`). The group APIs answer
//! NOT_COORDINATOR (16) on every other broker. Other key types (share groups) get
//! INVALID_REQUEST (42). librdkafka (up to at least 2.0.2) also takes FindCoordinator v0 as the
//! sign that a broker understands LZ4, and otherwise silently sends LZ4 batches uncompressed.
//! The transaction APIs answer NOT_COORDINATOR the same way away from a transactional id's
//! coordinator.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::BrokerInfo;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 6 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: FindCoordinatorRequest) -> anyhow::Result<Reply> {
    let supported_type = matches!(request.key_type, 0 | 1);
    let coordinator_for = |key: &str| -> Option<BrokerInfo> { broker.cluster.coordinator_for(key) };
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
