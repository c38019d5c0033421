//! DescribeGroups (key 15).
//!
//! Versions: 0-6.
//!
//! Behaviour: for each group: its state, protocol type, and members (member id, group.instance.id
//! from v4, client id, client host as "/127.0.0.1"). While Stable, also the selected protocol and
//! each member's metadata and assignment, as Kafka shows them (empty otherwise). An unknown group
//! is "Dead" with no error before v6 and GROUP_ID_NOT_FOUND (69) from v6; a group another broker
//! coordinates gets NOT_COORDINATOR (16).
//!
//! Not supported: authorized operations (always "not provided", i32::MIN).

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, opt_str_bytes, str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::group::GroupState;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 6 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DescribeGroupsRequest) -> anyhow::Result<Reply> {
    let groups = request
        .groups
        .into_iter()
        .map(|id| {
            let described = DescribedGroup::default().with_group_id(id.clone());
            if let Some(code) = group_error(broker, &id, false) {
                return described.with_error_code(code);
            }
            let Some(group) = broker.cluster.coordinator.describe(&id) else {
                let described = described.with_group_state(str_bytes(GroupState::Dead.name()));
                return if version >= 6 {
                    described
                        .with_error_code(ec::GROUP_ID_NOT_FOUND)
                        .with_error_message(Some(str_bytes(&format!("group {} not found", id.as_str()))))
                } else {
                    described
                };
            };
            let members = group
                .members
                .into_iter()
                .map(|m| {
                    DescribedGroupMember::default()
                        .with_member_id(str_bytes(&m.member_id))
                        .with_group_instance_id(opt_str_bytes(m.instance_id.as_deref()))
                        .with_client_id(str_bytes(&m.client_id))
                        .with_client_host(str_bytes(&m.client_host))
                        .with_member_metadata(m.metadata)
                        .with_member_assignment(m.assignment)
                })
                .collect();
            described
                .with_group_state(str_bytes(group.state.name()))
                .with_protocol_type(str_bytes(&group.protocol_type))
                .with_protocol_data(str_bytes(&group.protocol_name))
                .with_members(members)
        })
        .collect();
    super::encode(&DescribeGroupsResponse::default().with_groups(groups), version)
}
