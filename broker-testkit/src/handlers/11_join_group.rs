//! JoinGroup (key 11).
//!
//! Versions: 0-9 (librdkafka sends up to 5, KafkaJS up to 5, kafka-python up to 7, Java 9).
//!
//! Behaviour: the join phase of Kafka's classic rebalance protocol, as `group.rs` implements it.
//! The answer is parked until the group completes the join phase: when every known member has
//! rejoined, or at the rebalance timeout (the largest of the members'; v0 uses the session
//! timeout), after which dynamic members that did not rejoin are gone. The connection serves
//! nothing else meanwhile, as in Kafka. From v4 a new member without an id first gets
//! MEMBER_ID_REQUIRED (79) with its id (KIP-394). The protocol is Kafka's selectProtocol: the one
//! all members support with the most first-choice votes. Static members (group.instance.id, v5+)
//! that restart take over their old member id's place without a rebalance when their protocols
//! did not change; the old id is then FENCED_INSTANCE_ID (82). From v9 such a rejoining static
//! leader gets skip_assignment (KIP-814). With an initial rebalance delay configured, the first
//! rebalance of an empty group waits that long (and once more per member that joins meanwhile).
//! Errors: INVALID_GROUP_ID (24) for "", NOT_COORDINATOR (16) on the wrong broker,
//! INVALID_SESSION_TIMEOUT (26) outside 1 ms..30 min, INCONSISTENT_GROUP_PROTOCOL (23),
//! UNKNOWN_MEMBER_ID (25), REBALANCE_IN_PROGRESS (27) for a JoinGroup superseded by a retry.
//!
//! Not supported: group.max.size; Kafka's 6 s minimum session timeout (tests want short ones);
//! the `reason` field is ignored.

use std::time::Instant;

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, millis, opt_str_bytes, str_bytes, BrokerContext, Client, Reply};
use crate::error_code as ec;
use crate::group::{JoinRequest, JoinResponse};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 9 };

/// Kafka's default group.max.session.timeout.ms.
const MAX_SESSION_TIMEOUT_MS: i32 = 30 * 60 * 1000;

pub(crate) async fn handle(
    broker: &BrokerContext,
    client: &Client,
    version: i16,
    request: JoinGroupRequest,
) -> anyhow::Result<Reply> {
    let member_id = request.member_id.to_string();
    let error = group_error(broker, &request.group_id, true).or_else(|| {
        (!(1..=MAX_SESSION_TIMEOUT_MS).contains(&request.session_timeout_ms)).then_some(ec::INVALID_SESSION_TIMEOUT)
    });
    let answer = match error {
        Some(code) => JoinResponse::error(code, &member_id),
        None => {
            let rebalance_timeout_ms = if version >= 1 {
                request.rebalance_timeout_ms
            } else {
                request.session_timeout_ms
            };
            let join = JoinRequest {
                member_id: member_id.clone(),
                instance_id: request.group_instance_id.map(|i| i.to_string()),
                client_id: client.id.clone(),
                client_host: client.host.clone(),
                session_timeout: millis(request.session_timeout_ms),
                // At least 1 ms, so a join phase always has a deadline ahead of it.
                rebalance_timeout: millis(rebalance_timeout_ms.max(1)),
                protocol_type: request.protocol_type.to_string(),
                protocols: request.protocols.into_iter().map(|p| (p.name.to_string(), p.metadata)).collect(),
                require_known_member_id: version >= 4,
                supports_skip_assignment: version >= 9,
            };
            broker
                .cluster
                .coordinator
                .join(&request.group_id, Instant::now(), join)
                .wait(|| JoinResponse::error(ec::COORDINATOR_NOT_AVAILABLE, &member_id))
                .await
        }
    };
    let members = answer
        .members
        .into_iter()
        .map(|m| {
            JoinGroupResponseMember::default()
                .with_member_id(str_bytes(&m.member_id))
                .with_group_instance_id(opt_str_bytes(m.instance_id.as_deref()))
                .with_metadata(m.metadata)
        })
        .collect();
    // Before v7 the protocol name is not nullable: Kafka sends "" instead.
    let protocol_name = match answer.protocol_name {
        None if version < 7 => Some(String::new()),
        name => name,
    };
    let response = JoinGroupResponse::default()
        .with_error_code(answer.error)
        .with_generation_id(answer.generation_id)
        .with_protocol_type(opt_str_bytes(answer.protocol_type.as_deref()))
        .with_protocol_name(opt_str_bytes(protocol_name.as_deref()))
        .with_leader(str_bytes(&answer.leader))
        .with_skip_assignment(answer.skip_assignment && version >= 9)
        .with_member_id(str_bytes(&answer.member_id))
        .with_members(members);
    super::encode(&response, version)
}
