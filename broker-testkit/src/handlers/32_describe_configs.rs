//! DescribeConfigs (key 32).
//!
//! Versions: 1-4 (kafka-protocol decodes from v1).
//!
//! Behaviour: topics (resource type 2): every topic config of Kafka 4.x (configs.rs) with its
//! effective value, source DYNAMIC_TOPIC_CONFIG (1) for overrides and DEFAULT_CONFIG (5)
//! otherwise, type and (with include_documentation) documentation from v3; with include_synonyms
//! the value's own entry as its synonym. Brokers (type 4, the node id or "" for the cluster
//! default): a set of broker configs, the dynamic ones writable (source DYNAMIC_BROKER_CONFIG
//! (2) once set), the rest read-only STATIC_BROKER_CONFIG (4). configuration_keys narrows the
//! answer; unknown keys are left out. An unknown topic is UNKNOWN_TOPIC_OR_PARTITION (3), an
//! unknown broker id INVALID_REQUEST (42) as Kafka answers; other resource types INVALID_REQUEST.
//!
//! Groups (type 32): Kafka 4.3's group configs, GROUP_CONFIG (8) once set, for any group id.
//!
//! Not supported: broker loggers (type 8), client metrics (16).

use kafka_protocol::messages::describe_configs_response::{DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::configs::{self, Described};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 1, max: 4 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DescribeConfigsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let results = request
        .resources
        .into_iter()
        .map(|r| {
            let keys: Option<Vec<&str>> = r.configuration_keys.as_ref().map(|k| k.iter().map(|s| s.as_str()).collect());
            let name = r.resource_name.as_str();
            let described: Result<Vec<Described>, (i16, String)> = match r.resource_type {
                configs::RESOURCE_TOPIC => cluster
                    .topic_configs(name)
                    .map(|c| configs::describe_topic(&c, keys.as_deref()))
                    .ok_or((ec::UNKNOWN_TOPIC_OR_PARTITION, format!("Topic {name} does not exist"))),
                kind @ (configs::RESOURCE_BROKER | configs::RESOURCE_GROUP) => super::config_resource(broker, kind, name)
                    .map(|()| configs::describe_resource(kind, &cluster.resource_configs(kind, name), keys.as_deref())),
                other => Err((ec::INVALID_REQUEST, format!("resource type {other} is not supported by this broker"))),
            };
            let result = DescribeConfigsResult::default()
                .with_resource_type(r.resource_type)
                .with_resource_name(r.resource_name.clone());
            match described {
                Ok(entries) => result.with_configs(
                    entries
                        .into_iter()
                        .map(|d| {
                            let synonyms = if request.include_synonyms {
                                vec![DescribeConfigsSynonym::default()
                                    .with_name(str_bytes(d.name))
                                    .with_value(Some(str_bytes(&d.value)))
                                    .with_source(d.source)]
                            } else {
                                Vec::new()
                            };
                            DescribeConfigsResourceResult::default()
                                .with_name(str_bytes(d.name))
                                .with_value(Some(str_bytes(&d.value)))
                                .with_read_only(d.read_only)
                                .with_config_source(d.source)
                                .with_synonyms(synonyms)
                                .with_config_type(d.kind as i8)
                                .with_documentation(request.include_documentation.then(|| str_bytes(d.doc)))
                        })
                        .collect(),
                ),
                Err((code, message)) => result.with_error_code(code).with_error_message(Some(str_bytes(&message))),
            }
        })
        .collect();
    super::encode(&DescribeConfigsResponse::default().with_results(results), version)
}
