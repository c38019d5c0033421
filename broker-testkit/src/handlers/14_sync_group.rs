//! SyncGroup (key 14).
//!
//! Versions: 0-5 (librdkafka sends up to 3, KafkaJS up to 3, kafka-python and Java 5).
//!
//! Behaviour: the assignment phase of the classic protocol (`group.rs`). Followers that sync
//! before the leader are parked until the leader's SyncGroup brings the assignment (then everyone
//! gets its share and the group is Stable), or until a new rebalance voids it
//! (REBALANCE_IN_PROGRESS, 27). In a Stable group the member's current assignment comes back at
//! once. A member that does not sync within the rebalance timeout after the join phase is removed
//! and the group rebalances. Errors: INVALID_GROUP_ID (24), NOT_COORDINATOR (16),
//! UNKNOWN_MEMBER_ID (25), FENCED_INSTANCE_ID (82), ILLEGAL_GENERATION (22),
//! REBALANCE_IN_PROGRESS (27) while the group is preparing a rebalance, and from v5
//! INCONSISTENT_GROUP_PROTOCOL (23) when the given protocol type or name is not the group's.
//!
//! Not supported: nothing notable.

use std::time::Instant;

use kafka_protocol::messages::{SyncGroupRequest, SyncGroupResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, opt_str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::group::{SyncRequest, SyncResponse};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(crate) async fn handle(broker: &BrokerContext, version: i16, request: SyncGroupRequest) -> anyhow::Result<Reply> {
    let answer = match group_error(broker, &request.group_id, true) {
        Some(code) => SyncResponse::error(code),
        None => {
            let sync = SyncRequest {
                generation_id: request.generation_id,
                member_id: request.member_id.to_string(),
                instance_id: request.group_instance_id.map(|i| i.to_string()),
                protocol_type: request.protocol_type.map(|p| p.to_string()),
                protocol_name: request.protocol_name.map(|p| p.to_string()),
                assignments: request
                    .assignments
                    .into_iter()
                    .map(|a| (a.member_id.to_string(), a.assignment))
                    .collect(),
            };
            broker
                .cluster
                .coordinator
                .sync(&request.group_id, Instant::now(), sync)
                .wait(|| SyncResponse::error(ec::COORDINATOR_NOT_AVAILABLE))
                .await
        }
    };
    let response = SyncGroupResponse::default()
        .with_error_code(answer.error)
        .with_protocol_type(opt_str_bytes(answer.protocol_type.as_deref()))
        .with_protocol_name(opt_str_bytes(answer.protocol_name.as_deref()))
        .with_assignment(answer.assignment);
    super::encode(&response, version)
}
