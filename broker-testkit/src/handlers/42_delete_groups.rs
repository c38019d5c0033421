//! DeleteGroups (key 42).
//!
//! Versions: 0-2.
//!
//! Behaviour: deletes groups that have no members (state Empty), with their committed offsets.
//! Per group: NON_EMPTY_GROUP (68) while it has members, GROUP_ID_NOT_FOUND (69) when unknown,
//! NOT_COORDINATOR (16) when another broker coordinates it.
//!
//! Not supported: nothing notable.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{group_error, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DeleteGroupsRequest) -> anyhow::Result<Reply> {
    let results = request
        .groups_names
        .into_iter()
        .map(|id| {
            let code = group_error(broker, &id, false).unwrap_or_else(|| broker.cluster.coordinator.delete_group(&id));
            DeletableGroupResult::default().with_group_id(id).with_error_code(code)
        })
        .collect();
    super::encode(&DeleteGroupsResponse::default().with_results(results), version)
}
