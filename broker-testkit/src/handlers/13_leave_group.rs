//! LeaveGroup (key 13).
//!
//! Versions: 0-5 (librdkafka sends up to 1, KafkaJS up to 3; v3+ is batched).
//!
//! Behaviour: removes members at once, so the group rebalances without waiting for their
//! sessions to expire. v0-2 name one member, and its error is the response's. v3+ name several,
//! each by member id and/or group.instance.id (a static member may leave by instance id alone),
//! and each gets its own error: UNKNOWN_MEMBER_ID (25) or FENCED_INSTANCE_ID (82); the top-level
//! error is then NONE unless the group itself is wrong: INVALID_GROUP_ID (24), NOT_COORDINATOR
//! (16), or UNKNOWN_MEMBER_ID (25) for an unknown group.
//!
//! Not supported: the `reason` field (v5) is ignored.

use std::time::Instant;

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, opt_str_bytes, str_bytes, BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: LeaveGroupRequest) -> anyhow::Result<Reply> {
    let members: Vec<(String, Option<String>)> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| (m.member_id.to_string(), m.group_instance_id.as_ref().map(|i| i.to_string())))
            .collect()
    } else {
        vec![(request.member_id.to_string(), None)]
    };
    let outcome = match group_error(broker, &request.group_id, true) {
        Some(code) => Err(code),
        None => broker.cluster.coordinator.leave(&request.group_id, Instant::now(), &members),
    };
    let response = match outcome {
        Err(code) => LeaveGroupResponse::default().with_error_code(code),
        Ok(codes) if version < 3 => {
            LeaveGroupResponse::default().with_error_code(codes.first().copied().unwrap_or(ec::NONE))
        }
        Ok(codes) => LeaveGroupResponse::default().with_members(
            members
                .iter()
                .zip(codes)
                .map(|((member_id, instance_id), code)| {
                    MemberResponse::default()
                        .with_member_id(str_bytes(member_id))
                        .with_group_instance_id(opt_str_bytes(instance_id.as_deref()))
                        .with_error_code(code)
                })
                .collect(),
        ),
    };
    super::encode(&response, version)
}
