//! DescribeCluster (key 60).
//!
//! Versions: 0-1 (v1: endpoint_type, KIP-919; v2's fenced brokers are not served).
//!
//! Behaviour: cluster id, controller id (the first broker, as Metadata says) and every broker's
//! endpoint. endpoint_type 1 (brokers) is what there is; 2 (controllers) gets
//! UNSUPPORTED_ENDPOINT_TYPE (119) as a broker answers it. There are no ACLs, so when authorized
//! operations are asked for, every cluster operation is reported; otherwise the field is Kafka's
//! "not requested" value (i32::MIN).

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

/// Kafka's cluster operations (ALTER, ALTER_CONFIGS, CLUSTER_ACTION, CREATE, DESCRIBE,
/// DESCRIBE_CONFIGS, IDEMPOTENT_WRITE) as authorized_operations bits.
const CLUSTER_OPERATIONS: i32 = (1 << 4) | (1 << 7) | (1 << 9) | (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12);

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DescribeClusterRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let endpoint_type = if version >= 1 { request.endpoint_type } else { 1 };
    let mut response = DescribeClusterResponse::default()
        .with_endpoint_type(endpoint_type)
        .with_cluster_id(str_bytes(&cluster.cluster_id))
        .with_controller_id(BrokerId(cluster.controller_id()))
        .with_cluster_authorized_operations(if request.include_cluster_authorized_operations { CLUSTER_OPERATIONS } else { i32::MIN });
    if endpoint_type != 1 {
        response = response
            .with_error_code(crate::error_code::UNSUPPORTED_ENDPOINT_TYPE)
            .with_error_message(Some(str_bytes("this broker has no separate controller endpoints")));
    } else {
        response = response.with_brokers(
            cluster
                .brokers
                .iter()
                .map(|b| {
                    DescribeClusterBroker::default()
                        .with_broker_id(BrokerId(b.node_id))
                        .with_host(str_bytes("127.0.0.1"))
                        .with_port(b.port as i32)
                })
                .collect(),
        );
    }
    super::encode(&response, version)
}
