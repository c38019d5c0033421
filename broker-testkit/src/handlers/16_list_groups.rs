//! ListGroups (key 16).
//!
//! Versions: 0-5.
//!
//! Behaviour: lists the groups this broker coordinates (an admin client asks every broker and
//! merges, as with Kafka), sorted by id, with their protocol type ("consumer", or "" for groups
//! that only store offsets), their state (v4+) and type "classic" (v5+). The v4 states filter
//! matches state names case-insensitively; the v5 types filter matches "classic" only.
//!
//! Not supported: nothing notable.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: ListGroupsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let owned = |group: &str| cluster.coordinator_for(group).is_some_and(|b| b.node_id == broker.node_id);
    let state_wanted = |state: &str| {
        request.states_filter.is_empty() || request.states_filter.iter().any(|s| s.eq_ignore_ascii_case(state))
    };
    let classic_wanted =
        request.types_filter.is_empty() || request.types_filter.iter().any(|t| t.eq_ignore_ascii_case("classic"));
    let groups = cluster
        .coordinator
        .list(owned)
        .into_iter()
        .filter(|(_, _, state)| classic_wanted && state_wanted(state.name()))
        .map(|(id, protocol_type, state)| {
            ListedGroup::default()
                .with_group_id(GroupId(str_bytes(&id)))
                .with_protocol_type(str_bytes(&protocol_type))
                .with_group_state(str_bytes(state.name()))
                .with_group_type(str_bytes("classic"))
        })
        .collect();
    super::encode(&ListGroupsResponse::default().with_groups(groups), version)
}
