//! Admin operations: create and delete topics (more come with the admin issue).

use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{CreateTopicsRequest, DeleteTopicsRequest, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::{Client, Metadata};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::net::versions::ours;

/// A new topic: name, partitions (-1: broker default), replication factor (-1: broker default).
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub num_partitions: i32,
    pub replication_factor: i16,
    pub config: Vec<(String, String)>,
}

impl NewTopic {
    pub fn new(name: impl Into<String>, num_partitions: i32, replication_factor: i16) -> Self {
        NewTopic { name: name.into(), num_partitions, replication_factor, config: Vec::new() }
    }
}

/// The outcome for one topic of a create or delete call.
pub type TopicResult = (String, Result<()>);

pub struct AdminClient {
    client: Arc<Client>,
    /// What the statistics task holds weakly (it ends with the admin client).
    _stats: Arc<(Arc<Client>, std::time::Instant)>,
}

impl AdminClient {
    /// Creates an admin client; inside a tokio runtime (the blocking facade enters the shared
    /// one), statistics.interval.ms starts its statistics there.
    pub fn new(config: &ClientConfig) -> Result<AdminClient> {
        let client = Client::new(config.common()?);
        client.warn_no_effect(config);
        let stats = Arc::new((client.clone(), std::time::Instant::now()));
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            client.start_refresh(&handle);
            if let Some(every) = client.config.statistics_interval {
                crate::stats::spawn(&handle, every, Arc::downgrade(&stats), client.events.clone(), crate::stats::admin);
            }
        }
        Ok(AdminClient { client, _stats: stats })
    }

    /// The client's connections and metadata (cluster id, controller id).
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// This client's event queue (errors, logs, statistics).
    pub fn events(&self) -> &Arc<crate::events::EventQueue> {
        &self.client.events
    }

    pub async fn metadata(&self, topics: Option<&[String]>, timeout: Duration) -> Result<Metadata> {
        self.client.fetch_metadata(topics, false, timeout).await
    }

    /// Creates topics; each gets its own result. The call waits until the broker has them.
    pub async fn create_topics(&self, topics: &[NewTopic], timeout: Duration) -> Result<Vec<TopicResult>> {
        let conn = self.client.any_connection().await?;
        let version = conn.version::<CreateTopicsRequest>(ours::CREATE_TOPICS)?;
        let req = CreateTopicsRequest::default()
            .with_timeout_ms(timeout_ms(timeout))
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatableTopic::default()
                            .with_name(TopicName(StrBytes::from_string(t.name.clone())))
                            .with_num_partitions(t.num_partitions)
                            .with_replication_factor(t.replication_factor)
                            .with_configs(
                                t.config
                                    .iter()
                                    .map(|(k, v)| {
                                        kafka_protocol::messages::create_topics_request::CreatableTopicConfig::default()
                                            .with_name(StrBytes::from_string(k.clone()))
                                            .with_value(Some(StrBytes::from_string(v.clone())))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        let resp = conn.send(&req, version).await?;
        Ok(resp
            .topics
            .into_iter()
            .map(|t| {
                let name = t.name.0.to_string();
                let r = if t.error_code == 0 {
                    Ok(())
                } else {
                    let msg = t.error_message.map(|m| m.to_string()).unwrap_or_default();
                    Err(Error::from_kafka(t.error_code, format!("create topic {name:?}: {msg}")))
                };
                (name, r)
            })
            .collect())
    }

    pub async fn delete_topics(&self, names: &[String], timeout: Duration) -> Result<Vec<TopicResult>> {
        let conn = self.client.any_connection().await?;
        let version = conn.version::<DeleteTopicsRequest>(ours::DELETE_TOPICS)?;
        let req = DeleteTopicsRequest::default()
            .with_timeout_ms(timeout_ms(timeout))
            .with_topic_names(names.iter().map(|n| TopicName(StrBytes::from_string(n.clone()))).collect());
        let resp = conn.send(&req, version).await?;
        Ok(resp
            .responses
            .into_iter()
            .map(|t| {
                let name = t.name.map(|n| n.0.to_string()).unwrap_or_default();
                let r = if t.error_code == 0 {
                    Ok(())
                } else {
                    Err(Error::from_kafka(t.error_code, format!("delete topic {name:?}")))
                };
                (name, r)
            })
            .collect())
    }
}

pub(crate) fn timeout_ms(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

