//! Request handlers, one file per API key (named after the key number, as franz-go's kfake does).
//! Each file opens with the versions it handles, its behaviour and what it does not support.
//!
//! This module owns the version table: ApiVersions advertises exactly these keys and ranges, and
//! a request outside the accepted range closes its connection (except ApiVersions, which answers
//! UNSUPPORTED_VERSION at v0 so the client can retry with a version we know).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::{Decodable, Encodable, VersionRange};

use crate::state::ClusterState;

#[path = "00_produce.rs"]
mod produce;
#[path = "01_fetch.rs"]
mod fetch;
#[path = "02_list_offsets.rs"]
mod list_offsets;
#[path = "03_metadata.rs"]
mod metadata;
#[path = "08_offset_commit.rs"]
mod offset_commit;
#[path = "09_offset_fetch.rs"]
mod offset_fetch;
#[path = "10_find_coordinator.rs"]
mod find_coordinator;
#[path = "11_join_group.rs"]
mod join_group;
#[path = "12_heartbeat.rs"]
mod heartbeat;
#[path = "13_leave_group.rs"]
mod leave_group;
#[path = "14_sync_group.rs"]
mod sync_group;
#[path = "15_describe_groups.rs"]
mod describe_groups;
#[path = "16_list_groups.rs"]
mod list_groups;
#[path = "18_api_versions.rs"]
mod api_versions;
#[path = "19_create_topics.rs"]
mod create_topics;
#[path = "20_delete_topics.rs"]
mod delete_topics;
#[path = "21_delete_records.rs"]
mod delete_records;
#[path = "23_offset_for_leader_epoch.rs"]
mod offset_for_leader_epoch;
#[path = "32_describe_configs.rs"]
mod describe_configs;
#[path = "33_alter_configs.rs"]
mod alter_configs;
#[path = "37_create_partitions.rs"]
mod create_partitions;
#[path = "43_elect_leaders.rs"]
mod elect_leaders;
#[path = "44_incremental_alter_configs.rs"]
mod incremental_alter_configs;
#[path = "60_describe_cluster.rs"]
mod describe_cluster;
#[path = "22_init_producer_id.rs"]
mod init_producer_id;
#[path = "24_add_partitions_to_txn.rs"]
mod add_partitions_to_txn;
#[path = "25_add_offsets_to_txn.rs"]
mod add_offsets_to_txn;
#[path = "26_end_txn.rs"]
mod end_txn;
#[path = "28_txn_offset_commit.rs"]
mod txn_offset_commit;
#[path = "42_delete_groups.rs"]
mod delete_groups;
#[path = "47_offset_delete.rs"]
mod offset_delete;
#[path = "61_describe_producers.rs"]
mod describe_producers;
#[path = "65_describe_transactions.rs"]
mod describe_transactions;
#[path = "66_list_transactions.rs"]
mod list_transactions;

/// The broker a connection belongs to.
#[derive(Debug, Clone)]
pub(crate) struct BrokerContext {
    pub(crate) node_id: i32,
    pub(crate) cluster: Arc<ClusterState>,
}

/// Who sent a request: the client id of its header and Kafka's form of the peer address
/// ("/127.0.0.1"). Group members are named and described with them.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) host: String,
}

/// What the connection does after a request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Send this encoded response body (the server adds the frame and header).
    Body(BytesMut),
    /// Send nothing (Produce with acks=0) and go on reading.
    Nothing,
    /// Close the connection without answering (fault injection, or a request we cannot serve).
    Close(String),
}

/// One supported API: what ApiVersions advertises and what the broker actually decodes.
struct Api {
    key: ApiKey,
    advertised: VersionRange,
    accepted: VersionRange,
}

const fn api(key: ApiKey, advertised: VersionRange, accepted: VersionRange) -> Api {
    Api {
        key,
        advertised,
        accepted,
    }
}

const APIS: &[Api] = &[
    api(ApiKey::Produce, produce::ADVERTISED, produce::ACCEPTED),
    api(ApiKey::Fetch, fetch::VERSIONS, fetch::VERSIONS),
    api(ApiKey::ListOffsets, list_offsets::VERSIONS, list_offsets::VERSIONS),
    api(ApiKey::Metadata, metadata::VERSIONS, metadata::VERSIONS),
    api(ApiKey::OffsetCommit, offset_commit::VERSIONS, offset_commit::VERSIONS),
    api(ApiKey::OffsetFetch, offset_fetch::VERSIONS, offset_fetch::VERSIONS),
    api(ApiKey::FindCoordinator, find_coordinator::VERSIONS, find_coordinator::VERSIONS),
    api(ApiKey::JoinGroup, join_group::VERSIONS, join_group::VERSIONS),
    api(ApiKey::Heartbeat, heartbeat::VERSIONS, heartbeat::VERSIONS),
    api(ApiKey::LeaveGroup, leave_group::VERSIONS, leave_group::VERSIONS),
    api(ApiKey::SyncGroup, sync_group::VERSIONS, sync_group::VERSIONS),
    api(ApiKey::DescribeGroups, describe_groups::VERSIONS, describe_groups::VERSIONS),
    api(ApiKey::ListGroups, list_groups::VERSIONS, list_groups::VERSIONS),
    api(ApiKey::ApiVersions, api_versions::VERSIONS, api_versions::VERSIONS),
    api(ApiKey::CreateTopics, create_topics::VERSIONS, create_topics::VERSIONS),
    api(ApiKey::DeleteTopics, delete_topics::VERSIONS, delete_topics::VERSIONS),
    api(ApiKey::DeleteRecords, delete_records::VERSIONS, delete_records::VERSIONS),
    api(ApiKey::InitProducerId, init_producer_id::VERSIONS, init_producer_id::VERSIONS),
    api(ApiKey::OffsetForLeaderEpoch, offset_for_leader_epoch::VERSIONS, offset_for_leader_epoch::VERSIONS),
    api(ApiKey::AddPartitionsToTxn, add_partitions_to_txn::VERSIONS, add_partitions_to_txn::VERSIONS),
    api(ApiKey::AddOffsetsToTxn, add_offsets_to_txn::VERSIONS, add_offsets_to_txn::VERSIONS),
    api(ApiKey::EndTxn, end_txn::VERSIONS, end_txn::VERSIONS),
    api(ApiKey::TxnOffsetCommit, txn_offset_commit::VERSIONS, txn_offset_commit::VERSIONS),
    api(ApiKey::DescribeConfigs, describe_configs::VERSIONS, describe_configs::VERSIONS),
    api(ApiKey::AlterConfigs, alter_configs::VERSIONS, alter_configs::VERSIONS),
    api(ApiKey::CreatePartitions, create_partitions::VERSIONS, create_partitions::VERSIONS),
    api(ApiKey::DeleteGroups, delete_groups::VERSIONS, delete_groups::VERSIONS),
    api(ApiKey::ElectLeaders, elect_leaders::VERSIONS, elect_leaders::VERSIONS),
    api(ApiKey::IncrementalAlterConfigs, incremental_alter_configs::VERSIONS, incremental_alter_configs::VERSIONS),
    api(ApiKey::OffsetDelete, offset_delete::VERSIONS, offset_delete::VERSIONS),
    api(ApiKey::DescribeCluster, describe_cluster::VERSIONS, describe_cluster::VERSIONS),
    api(ApiKey::DescribeProducers, describe_producers::VERSIONS, describe_producers::VERSIONS),
    api(ApiKey::DescribeTransactions, describe_transactions::VERSIONS, describe_transactions::VERSIONS),
    api(ApiKey::ListTransactions, list_transactions::VERSIONS, list_transactions::VERSIONS),
    // Not ConsumerGroupHeartbeat (68, KIP-848): clients that see it switch to the new protocol.
];

/// (api key, min, max) triples for ApiVersions.
fn advertised() -> impl Iterator<Item = (i16, VersionRange)> {
    APIS.iter().map(|a| (a.key as i16, a.advertised))
}

/// Whether an ApiVersions request at `version` can be decoded (otherwise it gets the v0 answer).
pub(crate) fn api_versions_supported(version: i16) -> bool {
    (api_versions::VERSIONS.min..=api_versions::VERSIONS.max).contains(&version)
}

/// Response header version for a request we answered. ApiVersions always uses v0 (librdkafka
/// chokes on a tag buffer there); kafka-protocol's table already says so.
pub(crate) fn response_header_version(key: ApiKey, version: i16) -> i16 {
    key.response_header_version(version)
}

/// Handles one request body. Errors mean the request could not be decoded or the response
/// encoded: the server logs them and closes the connection.
pub(crate) async fn dispatch(
    broker: &BrokerContext,
    client: &Client,
    key: ApiKey,
    version: i16,
    body: Bytes,
) -> anyhow::Result<Reply> {
    let Some(api) = APIS.iter().find(|a| a.key == key) else {
        return Ok(Reply::Close(format!("API {key:?} ({}) is not supported", key as i16)));
    };
    if version < api.accepted.min || version > api.accepted.max {
        if key == ApiKey::ApiVersions {
            // KIP-511: answer with what we support, at v0, so the client downgrades.
            return Ok(Reply::Body(api_versions::unsupported_version()?));
        }
        return Ok(Reply::Close(format!(
            "{key:?} v{version} is not supported (accepted {}-{})",
            api.accepted.min, api.accepted.max
        )));
    }
    broker.cluster.faults.count_request(key as i16);
    let mut body = body;
    match key {
        ApiKey::Produce => produce::handle(broker, version, decode(&mut body, version)?).await,
        ApiKey::Fetch => fetch::handle(broker, version, decode(&mut body, version)?).await,
        ApiKey::ListOffsets => list_offsets::handle(broker, version, decode(&mut body, version)?),
        ApiKey::Metadata => metadata::handle(broker, version, decode(&mut body, version)?),
        ApiKey::OffsetCommit => offset_commit::handle(broker, version, decode(&mut body, version)?),
        ApiKey::OffsetFetch => offset_fetch::handle(broker, version, decode(&mut body, version)?),
        ApiKey::FindCoordinator => {
            find_coordinator::handle(broker, version, decode(&mut body, version)?)
        }
        ApiKey::JoinGroup => join_group::handle(broker, client, version, decode(&mut body, version)?).await,
        ApiKey::Heartbeat => heartbeat::handle(broker, version, decode(&mut body, version)?),
        ApiKey::LeaveGroup => leave_group::handle(broker, version, decode(&mut body, version)?),
        ApiKey::SyncGroup => sync_group::handle(broker, version, decode(&mut body, version)?).await,
        ApiKey::DescribeGroups => describe_groups::handle(broker, version, decode(&mut body, version)?),
        ApiKey::ListGroups => list_groups::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DeleteGroups => delete_groups::handle(broker, version, decode(&mut body, version)?),
        ApiKey::OffsetDelete => offset_delete::handle(broker, version, decode(&mut body, version)?),
        ApiKey::ApiVersions => api_versions::handle(version, decode(&mut body, version)?),
        ApiKey::CreateTopics => create_topics::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DeleteTopics => delete_topics::handle(broker, version, decode(&mut body, version)?),
        ApiKey::InitProducerId => {
            init_producer_id::handle(broker, version, decode(&mut body, version)?)
        }
        ApiKey::AddPartitionsToTxn => add_partitions_to_txn::handle(broker, version, decode(&mut body, version)?),
        ApiKey::AddOffsetsToTxn => add_offsets_to_txn::handle(broker, version, decode(&mut body, version)?),
        ApiKey::EndTxn => end_txn::handle(broker, version, decode(&mut body, version)?),
        ApiKey::TxnOffsetCommit => txn_offset_commit::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DeleteRecords => delete_records::handle(broker, version, decode(&mut body, version)?),
        ApiKey::OffsetForLeaderEpoch => offset_for_leader_epoch::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DescribeConfigs => describe_configs::handle(broker, version, decode(&mut body, version)?),
        ApiKey::AlterConfigs => alter_configs::handle(broker, version, decode(&mut body, version)?),
        ApiKey::CreatePartitions => create_partitions::handle(broker, version, decode(&mut body, version)?),
        ApiKey::ElectLeaders => elect_leaders::handle(broker, version, decode(&mut body, version)?),
        ApiKey::IncrementalAlterConfigs => incremental_alter_configs::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DescribeCluster => describe_cluster::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DescribeProducers => describe_producers::handle(broker, version, decode(&mut body, version)?),
        ApiKey::DescribeTransactions => describe_transactions::handle(broker, version, decode(&mut body, version)?),
        ApiKey::ListTransactions => list_transactions::handle(broker, version, decode(&mut body, version)?),
        other => Ok(Reply::Close(format!("API {other:?} is not supported"))),
    }
}

/// Decodes a request body. Trailing bytes are ignored, as Kafka does for newer optional fields.
fn decode<T: Decodable>(body: &mut Bytes, version: i16) -> anyhow::Result<T> {
    T::decode(body, version)
}

/// Encodes a response body.
pub(crate) fn encode<T: Encodable>(message: &T, version: i16) -> anyhow::Result<Reply> {
    let mut buf = BytesMut::with_capacity(message.compute_size(version)?);
    message.encode(&mut buf, version)?;
    Ok(Reply::Body(buf))
}

/// The group-level error for a request about `group`, if any: INVALID_GROUP_ID for an empty id
/// where Kafka requires one (membership APIs; commits and fetches accept ""), NOT_COORDINATOR
/// when another broker coordinates the group.
pub(crate) fn group_error(broker: &BrokerContext, group: &str, id_required: bool) -> Option<i16> {
    if id_required && group.is_empty() {
        return Some(crate::error_code::INVALID_GROUP_ID);
    }
    match broker.cluster.coordinator_for(group) {
        Some(b) if b.node_id == broker.node_id => None,
        _ => Some(crate::error_code::NOT_COORDINATOR),
    }
}

/// NOT_COORDINATOR when another broker coordinates this transactional id (an empty id is
/// INVALID_REQUEST: Kafka requires one).
pub(crate) fn txn_coordinator_error(broker: &BrokerContext, txn_id: &str) -> Option<i16> {
    if txn_id.is_empty() {
        return Some(crate::error_code::INVALID_REQUEST);
    }
    match broker.cluster.coordinator_for(txn_id) {
        Some(b) if b.node_id == broker.node_id => None,
        _ => Some(crate::error_code::NOT_COORDINATOR),
    }
}

/// KIP-588: requests older than `since` learn of fencing as INVALID_PRODUCER_EPOCH, the code
/// their clients know; newer ones as PRODUCER_FENCED.
pub(crate) fn fenced_for_version(code: i16, version: i16, since: i16) -> i16 {
    if code == crate::error_code::PRODUCER_FENCED && version < since {
        crate::error_code::INVALID_PRODUCER_EPOCH
    } else {
        code
    }
}

/// Checks a BROKER config resource name: "" (the cluster default) or a node id of this cluster;
/// Kafka answers INVALID_REQUEST for others.
pub(crate) fn broker_resource(broker: &BrokerContext, name: &str) -> Result<(), (i16, String)> {
    if name.is_empty() || name.parse::<i32>().ok().and_then(|id| broker.cluster.broker(id)).is_some() {
        Ok(())
    } else {
        Err((crate::error_code::INVALID_REQUEST, format!("Unexpected broker id, expected one of the cluster's node ids or empty string, but received {name}")))
    }
}

/// Checks the name of a broker resource (a node id, or "" for the cluster-wide default) or of a
/// group resource (any non-empty group id: it need not exist, as in Kafka).
pub(crate) fn config_resource(broker: &BrokerContext, kind: i8, name: &str) -> Result<(), (i16, String)> {
    if kind == crate::configs::RESOURCE_BROKER {
        return broker_resource(broker, name);
    }
    if name.is_empty() {
        return Err((crate::error_code::INVALID_REQUEST, "Group resource must have a non-empty group id".into()));
    }
    Ok(())
}

/// A duration from a client's milliseconds (negative: zero).
pub(crate) fn millis(ms: i32) -> std::time::Duration {
    std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// A response-side optional string.
pub(crate) fn opt_str_bytes(s: Option<&str>) -> Option<kafka_protocol::protocol::StrBytes> {
    s.map(str_bytes)
}

/// A response-side string from a Rust string.
pub(crate) fn str_bytes(s: &str) -> kafka_protocol::protocol::StrBytes {
    kafka_protocol::protocol::StrBytes::from_string(s.to_string())
}
