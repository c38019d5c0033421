//! Heartbeat (key 12).
//!
//! Versions: 0-4 (librdkafka and KafkaJS send up to 3).
//!
//! Behaviour: keeps a member's session alive: a member that sends none for its session timeout
//! is removed and the group rebalances. Answers REBALANCE_IN_PROGRESS (27) while the group is
//! preparing a rebalance (that is how members learn they must rejoin), ILLEGAL_GENERATION (22)
//! for another generation, UNKNOWN_MEMBER_ID (25) for a member the group does not know,
//! FENCED_INSTANCE_ID (82) for an old member id of a static member, INVALID_GROUP_ID (24) and
//! NOT_COORDINATOR (16) as the other group APIs.
//!
//! Not supported: nothing notable.

use std::time::Instant;

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: HeartbeatRequest) -> anyhow::Result<Reply> {
    let error = group_error(broker, &request.group_id, true).unwrap_or_else(|| {
        broker.cluster.coordinator.heartbeat(
            &request.group_id,
            Instant::now(),
            request.generation_id,
            &request.member_id,
            request.group_instance_id.as_deref(),
        )
    });
    super::encode(&HeartbeatResponse::default().with_error_code(error), version)
}
