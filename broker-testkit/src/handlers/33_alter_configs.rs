//! AlterConfigs (key 33).
//!
//! Versions: 0-2.
//!
//! Behaviour: REPLACES the configs of each resource with the ones given (the legacy semantics:
//! a topic config not named goes back to its default; use IncrementalAlterConfigs to change one).
//! Topics: every name must be a topic config and every value valid, else INVALID_CONFIG (40) and
//! nothing changes; configs that change behaviour (cleanup.policy, retention.*, max.message.bytes,
//! message.timestamp.type, ...) apply from the next request on. Brokers: only dynamic broker
//! configs (INVALID_REQUEST, 42, for the others). Groups (type 32): Kafka 4.3's group configs,
//! any group id (it need not exist, as in Kafka), bounds as its default broker configs set.
//! validate_only checks and changes nothing. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3).
//!
//! Not supported: broker logger and client metrics resources (INVALID_REQUEST).

use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{AlterConfigsRequest, AlterConfigsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::configs::{self, ConfigOp, TopicConfigs};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: AlterConfigsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let responses = request
        .resources
        .into_iter()
        .map(|r| {
            let name = r.resource_name.as_str();
            let pairs: Vec<(&str, Option<&str>)> = r.configs.iter().map(|c| (c.name.as_str(), c.value.as_deref())).collect();
            let outcome: Result<(), (i16, String)> = match r.resource_type {
                configs::RESOURCE_TOPIC => cluster
                    .alter_topic_configs(name, request.validate_only, |current| {
                        *current = TopicConfigs::from_pairs(pairs.iter().copied())?;
                        Ok(())
                    })
                    .map_err(|e| (e.code, e.message.unwrap_or_default())),
                kind @ (configs::RESOURCE_BROKER | configs::RESOURCE_GROUP) => super::config_resource(broker, kind, name).and_then(|()| {
                    cluster.alter_resource_configs(kind, name, request.validate_only, |current| {
                        current.clear();
                        pairs.iter().try_for_each(|(k, v)| configs::apply_resource(kind, current, k, ConfigOp::Set, *v))
                    })
                }),
                other => Err((ec::INVALID_REQUEST, format!("resource type {other} is not supported by this broker"))),
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
    super::encode(&AlterConfigsResponse::default().with_responses(responses), version)
}
