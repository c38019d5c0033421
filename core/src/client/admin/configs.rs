//! DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. Topic resources go to any broker;
//! a broker resource (its node id) to that broker, as Kafka requires; the cluster-wide broker
//! default (an empty name) to any broker.

use std::collections::BTreeMap;
use std::sync::Arc;

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{AlterConfigsRequest, DescribeConfigsRequest, IncrementalAlterConfigsRequest};
use kafka_protocol::protocol::StrBytes;

use super::{kafka_result, retrying, AdminClient, AdminOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;
use crate::net::Connection;

/// What a config belongs to (Kafka's ConfigResource.Type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
    /// A consumer group's configs (KIP-848 brokers).
    Group = 32,
}

impl ResourceType {
    fn from_wire(v: i8) -> Option<ResourceType> {
        Some(match v {
            2 => ResourceType::Topic,
            4 => ResourceType::Broker,
            8 => ResourceType::BrokerLogger,
            32 => ResourceType::Group,
            _ => return None,
        })
    }
}

/// One resource: a topic name, a broker id ("" for the cluster-wide default) or a group id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigResource {
    pub kind: ResourceType,
    pub name: String,
}

impl ConfigResource {
    pub fn topic(name: impl Into<String>) -> Self {
        ConfigResource { kind: ResourceType::Topic, name: name.into() }
    }

    pub fn broker(id: i32) -> Self {
        ConfigResource { kind: ResourceType::Broker, name: id.to_string() }
    }

    pub fn group(id: impl Into<String>) -> Self {
        ConfigResource { kind: ResourceType::Group, name: id.into() }
    }

    /// The broker a request about this resource must go to, if any.
    fn broker_id(&self) -> Option<i32> {
        match self.kind {
            ResourceType::Broker | ResourceType::BrokerLogger => self.name.parse().ok(),
            _ => None,
        }
    }
}

/// Where a config's value comes from (DescribeConfigs v1+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    Unknown = 0,
    DynamicTopic = 1,
    DynamicBroker = 2,
    DynamicDefaultBroker = 3,
    StaticBroker = 4,
    Default = 5,
    DynamicBrokerLogger = 6,
    ClientMetrics = 7,
    Group = 8,
}

impl ConfigSource {
    fn from_wire(v: i8) -> ConfigSource {
        match v {
            1 => ConfigSource::DynamicTopic,
            2 => ConfigSource::DynamicBroker,
            3 => ConfigSource::DynamicDefaultBroker,
            4 => ConfigSource::StaticBroker,
            5 => ConfigSource::Default,
            6 => ConfigSource::DynamicBrokerLogger,
            7 => ConfigSource::ClientMetrics,
            8 => ConfigSource::Group,
            _ => ConfigSource::Unknown,
        }
    }

    /// Kafka's name (DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigSource::Unknown => "UNKNOWN",
            ConfigSource::DynamicTopic => "DYNAMIC_TOPIC_CONFIG",
            ConfigSource::DynamicBroker => "DYNAMIC_BROKER_CONFIG",
            ConfigSource::DynamicDefaultBroker => "DYNAMIC_DEFAULT_BROKER_CONFIG",
            ConfigSource::StaticBroker => "STATIC_BROKER_CONFIG",
            ConfigSource::Default => "DEFAULT_CONFIG",
            ConfigSource::DynamicBrokerLogger => "DYNAMIC_BROKER_LOGGER_CONFIG",
            ConfigSource::ClientMetrics => "CLIENT_METRICS_CONFIG",
            ConfigSource::Group => "GROUP_CONFIG",
        }
    }
}

/// One described config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    /// None for a sensitive value, or one that is unset.
    pub value: Option<String>,
    pub source: ConfigSource,
    pub read_only: bool,
    pub sensitive: bool,
    /// True when the value is the default (source DEFAULT_CONFIG).
    pub is_default: bool,
    /// (name, value, source) of each synonym, highest precedence first.
    pub synonyms: Vec<(String, Option<String>, ConfigSource)>,
    pub documentation: Option<String>,
}

/// One change of IncrementalAlterConfigs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterConfigOp {
    Set(String, String),
    /// Back to the default.
    Delete(String),
    /// Adds to a list config (cleanup.policy, ...).
    Append(String, String),
    /// Removes from a list config.
    Subtract(String, String),
}

impl AlterConfigOp {
    fn wire(&self) -> (&str, i8, Option<&str>) {
        match self {
            AlterConfigOp::Set(n, v) => (n, 0, Some(v)),
            AlterConfigOp::Delete(n) => (n, 1, None),
            AlterConfigOp::Append(n, v) => (n, 2, Some(v)),
            AlterConfigOp::Subtract(n, v) => (n, 3, Some(v)),
        }
    }
}

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

type ResourceResult<T> = (ConfigResource, Result<T>);

impl AdminClient {
    /// The connection for a group of resources: the named broker, or any.
    async fn config_connection(&self, broker: Option<i32>) -> Result<Arc<Connection>> {
        match broker {
            Some(id) => {
                if self.client.broker_addr(id).is_none() {
                    self.client.fetch_metadata(Some(&[]), false, std::time::Duration::from_secs(10)).await?;
                }
                self.client.connection(id).await
            }
            None => self.client.any_connection().await,
        }
    }

    /// Splits resources by the broker their request goes to (None: any), keeping their indexes.
    fn by_broker(resources: impl Iterator<Item = ConfigResource>) -> BTreeMap<Option<i32>, Vec<usize>> {
        let mut groups: BTreeMap<Option<i32>, Vec<usize>> = BTreeMap::new();
        for (i, r) in resources.enumerate() {
            groups.entry(r.broker_id()).or_default().push(i);
        }
        groups
    }

    /// Describes the configs of each resource (all of them, with synonyms and documentation).
    pub async fn describe_configs(&self, resources: &[ConfigResource], options: impl Into<AdminOptions>) -> Result<Vec<ResourceResult<Vec<ConfigEntry>>>> {
        let options = options.into();
        let deadline = options.deadline();
        let mut results: Vec<Option<Result<Vec<ConfigEntry>>>> = resources.iter().map(|_| None).collect();
        for (broker, idx) in Self::by_broker(resources.iter().cloned()) {
            let req = DescribeConfigsRequest::default().with_include_synonyms(true).with_include_documentation(true).with_resources(
                idx.iter()
                    .map(|&i| DescribeConfigsResource::default().with_resource_type(resources[i].kind as i8).with_resource_name(s(&resources[i].name)).with_configuration_keys(None))
                    .collect(),
            );
            let answer = retrying(deadline, || async {
                let conn = self.config_connection(broker).await?;
                let version = conn.version::<DescribeConfigsRequest>(ours::DESCRIBE_CONFIGS)?;
                conn.send(&req, version).await
            })
            .await;
            match answer {
                Ok(resp) => {
                    let mut by_key: BTreeMap<(Option<ResourceType>, String), Result<Vec<ConfigEntry>>> = BTreeMap::new();
                    for r in resp.results {
                        let key = (ResourceType::from_wire(r.resource_type), r.resource_name.to_string());
                        let outcome = kafka_result(r.error_code, r.error_message.as_ref(), "describe configs of", &key.1).map(|()| {
                            r.configs
                                .into_iter()
                                .map(|c| {
                                    let source = ConfigSource::from_wire(c.config_source);
                                    ConfigEntry {
                                        name: c.name.to_string(),
                                        value: c.value.map(|v| v.to_string()),
                                        source,
                                        read_only: c.read_only,
                                        sensitive: c.is_sensitive,
                                        is_default: source == ConfigSource::Default,
                                        synonyms: c.synonyms.into_iter().map(|y| (y.name.to_string(), y.value.map(|v| v.to_string()), ConfigSource::from_wire(y.source))).collect(),
                                        documentation: c.documentation.map(|d| d.to_string()),
                                    }
                                })
                                .collect()
                        });
                        by_key.insert(key, outcome);
                    }
                    for i in idx {
                        let key = (Some(resources[i].kind), resources[i].name.clone());
                        results[i] = Some(by_key.remove(&key).unwrap_or_else(|| Err(missing(&resources[i]))));
                    }
                }
                Err(e) => {
                    for i in idx {
                        results[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        Ok(zip_results(resources, results))
    }

    /// Replaces the configs of each resource with `configs` (the legacy AlterConfigs: a config
    /// not named goes back to its default). Prefer [`AdminClient::incremental_alter_configs`].
    pub async fn alter_configs(&self, changes: &[(ConfigResource, Vec<(String, String)>)], options: impl Into<AdminOptions>) -> Result<Vec<ResourceResult<()>>> {
        use kafka_protocol::messages::alter_configs_request::{AlterConfigsResource, AlterableConfig};
        let options = options.into();
        let deadline = options.deadline();
        let resources: Vec<ConfigResource> = changes.iter().map(|(r, _)| r.clone()).collect();
        let mut results: Vec<Option<Result<()>>> = changes.iter().map(|_| None).collect();
        for (broker, idx) in Self::by_broker(resources.iter().cloned()) {
            let req = AlterConfigsRequest::default().with_validate_only(options.validate_only).with_resources(
                idx.iter()
                    .map(|&i| {
                        let (r, configs) = &changes[i];
                        AlterConfigsResource::default()
                            .with_resource_type(r.kind as i8)
                            .with_resource_name(s(&r.name))
                            .with_configs(configs.iter().map(|(k, v)| AlterableConfig::default().with_name(s(k)).with_value(Some(s(v)))).collect())
                    })
                    .collect(),
            );
            let answer = retrying(deadline, || async {
                let conn = self.config_connection(broker).await?;
                let version = conn.version::<AlterConfigsRequest>(ours::ALTER_CONFIGS)?;
                let resp = conn.send(&req, version).await?;
                Ok(resp.responses.into_iter().map(|r| (r.resource_type, r.resource_name.to_string(), r.error_code, r.error_message)).collect::<Vec<_>>())
            })
            .await;
            fill_alter_results(&resources, &idx, answer, &mut results);
        }
        Ok(zip_results(&resources, results))
    }

    /// Applies each resource's operations in order (IncrementalAlterConfigs, KIP-339): one bad
    /// change and that resource keeps its configs.
    pub async fn incremental_alter_configs(&self, changes: &[(ConfigResource, Vec<AlterConfigOp>)], options: impl Into<AdminOptions>) -> Result<Vec<ResourceResult<()>>> {
        use kafka_protocol::messages::incremental_alter_configs_request::{AlterConfigsResource, AlterableConfig};
        let options = options.into();
        let deadline = options.deadline();
        let resources: Vec<ConfigResource> = changes.iter().map(|(r, _)| r.clone()).collect();
        let mut results: Vec<Option<Result<()>>> = changes.iter().map(|_| None).collect();
        for (broker, idx) in Self::by_broker(resources.iter().cloned()) {
            let req = IncrementalAlterConfigsRequest::default().with_validate_only(options.validate_only).with_resources(
                idx.iter()
                    .map(|&i| {
                        let (r, ops) = &changes[i];
                        AlterConfigsResource::default().with_resource_type(r.kind as i8).with_resource_name(s(&r.name)).with_configs(
                            ops.iter()
                                .map(|op| {
                                    let (name, code, value) = op.wire();
                                    AlterableConfig::default().with_name(s(name)).with_config_operation(code).with_value(value.map(s))
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            );
            let answer = retrying(deadline, || async {
                let conn = self.config_connection(broker).await?;
                let version = conn.version::<IncrementalAlterConfigsRequest>(ours::INCREMENTAL_ALTER_CONFIGS)?;
                let resp = conn.send(&req, version).await?;
                Ok(resp.responses.into_iter().map(|r| (r.resource_type, r.resource_name.to_string(), r.error_code, r.error_message)).collect::<Vec<_>>())
            })
            .await;
            fill_alter_results(&resources, &idx, answer, &mut results);
        }
        Ok(zip_results(&resources, results))
    }
}

fn missing(r: &ConfigResource) -> Error {
    Error::new(ErrorKind::BadMsg, format!("{:?} {:?}: missing from the broker's answer", r.kind, r.name))
}

type AlterAnswer = Vec<(i8, String, i16, Option<StrBytes>)>;

fn fill_alter_results(resources: &[ConfigResource], idx: &[usize], answer: Result<AlterAnswer>, results: &mut [Option<Result<()>>]) {
    match answer {
        Ok(answers) => {
            let mut by_key: BTreeMap<(Option<ResourceType>, String), Result<()>> = answers
                .into_iter()
                .map(|(kind, name, code, message)| {
                    let r = kafka_result(code, message.as_ref(), "alter configs of", &name);
                    ((ResourceType::from_wire(kind), name), r)
                })
                .collect();
            for &i in idx {
                let key = (Some(resources[i].kind), resources[i].name.clone());
                results[i] = Some(by_key.remove(&key).unwrap_or_else(|| Err(missing(&resources[i]))));
            }
        }
        Err(e) => {
            for &i in idx {
                results[i] = Some(Err(e.clone()));
            }
        }
    }
}

fn zip_results<T>(resources: &[ConfigResource], results: Vec<Option<Result<T>>>) -> Vec<ResourceResult<T>> {
    resources
        .iter()
        .cloned()
        .zip(results.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "not sent")))))
        .collect()
}
