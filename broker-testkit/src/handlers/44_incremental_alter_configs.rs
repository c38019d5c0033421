//! IncrementalAlterConfigs (key 44).
//!
//! Versions: 0-1.
//!
//! Behaviour: per resource, applies each operation in order: SET (0), DELETE (1: back to the
//! default), APPEND (2) and SUBTRACT (3) for list configs (cleanup.policy, the throttled replica
//! lists; INVALID_CONFIG, 40, for the others, as Kafka). Validation as AlterConfigs: one bad
//! change and the resource keeps its configs. A config named twice in one resource is
//! INVALID_REQUEST (42). Brokers: dynamic broker configs only. validate_only changes nothing.
//!
//! Not supported: group, broker logger and client metrics resources (INVALID_REQUEST).

use std::collections::HashSet;

use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::configs::{self, ConfigOp};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: IncrementalAlterConfigsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let responses = request
        .resources
        .into_iter()
        .map(|r| {
            let name = r.resource_name.as_str();
            let mut seen = HashSet::new();
            let mut changes = Vec::new();
            let mut bad = None;
            for c in &r.configs {
                if !seen.insert(c.name.as_str()) {
                    bad = Some((ec::INVALID_REQUEST, format!("Error due to duplicate config keys: {}", c.name.as_str())));
                }
                match ConfigOp::from_wire(c.config_operation) {
                    Some(op) => changes.push((c.name.as_str(), op, c.value.as_deref())),
                    None => bad = Some((ec::INVALID_REQUEST, format!("unknown config operation {}", c.config_operation))),
                }
            }
            let outcome: Result<(), (i16, String)> = match (bad, r.resource_type) {
                (Some(e), _) => Err(e),
                (None, configs::RESOURCE_TOPIC) => cluster
                    .alter_topic_configs(name, request.validate_only, |current| {
                        changes.iter().try_for_each(|(k, op, v)| current.apply(k, *op, *v))
                    })
                    .map_err(|e| (e.code, e.message.unwrap_or_default())),
                (None, kind @ (configs::RESOURCE_BROKER | configs::RESOURCE_GROUP)) => super::config_resource(broker, kind, name).and_then(|()| {
                    cluster.alter_resource_configs(kind, name, request.validate_only, |current| {
                        changes.iter().try_for_each(|(k, op, v)| configs::apply_resource(kind, current, k, *op, *v))
                    })
                }),
                (None, other) => Err((ec::INVALID_REQUEST, format!("resource type {other} is not supported by this broker"))),
            };
            let response = AlterConfigsResourceResponse::default()
                .with_resource_type(r.resource_type)
                .with_resource_name(r.resource_name.clone());
            match outcome {
                Ok(()) => response,
                Err((code, message)) => response.with_error_code(code).with_error_message(Some(str_bytes(&message))),
            }
        })
        .collect();
    super::encode(&IncrementalAlterConfigsResponse::default().with_responses(responses), version)
}
