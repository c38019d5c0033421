//! DeleteTopics (key 20).
//!
//! Versions: 1-6 (kafka-protocol decodes from v1).
//!
//! Behaviour: deletes topics by name (v1-5) or by name or topic id (v6), with their logs and
//! producer state, at once. Unknown names get UNKNOWN_TOPIC_OR_PARTITION (3), unknown ids
//! UNKNOWN_TOPIC_ID (100). Fetches waiting on a deleted topic are woken and answer with the error.
//!
//! Not supported: nothing notable (deletion is immediate, so timeout_ms is irrelevant).

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, TopicName};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 1, max: 6 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: DeleteTopicsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    // (name, topic id) pairs as the client gave them: v6 may give either.
    let wanted: Vec<(Option<String>, uuid::Uuid)> = if version >= 6 {
        request
            .topics
            .into_iter()
            .map(|t| (t.name.map(|n| n.as_str().to_string()), t.topic_id))
            .collect()
    } else {
        request
            .topic_names
            .into_iter()
            .map(|n| (Some(n.as_str().to_string()), uuid::Uuid::nil()))
            .collect()
    };
    let responses = wanted
        .into_iter()
        .map(|(name, id)| {
            let outcome = match &name {
                Some(name) => cluster.delete_topic(name).map(|id| (name.clone(), id)),
                None => match cluster.topic_name(id) {
                    Some(name) => cluster.delete_topic(&name).map(|id| (name, id)),
                    None => Err(ec::UNKNOWN_TOPIC_ID),
                },
            };
            match outcome {
                Ok((name, id)) => DeletableTopicResult::default()
                    .with_name(Some(TopicName(str_bytes(&name))))
                    .with_topic_id(id),
                Err(code) => DeletableTopicResult::default()
                    .with_name(name.as_deref().map(|n| TopicName(str_bytes(n))))
                    .with_topic_id(id)
                    .with_error_code(code),
            }
        })
        .collect();
    super::encode(&DeleteTopicsResponse::default().with_responses(responses), version)
}
