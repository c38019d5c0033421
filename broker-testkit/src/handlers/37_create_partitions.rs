//! CreatePartitions (key 37).
//!
//! Versions: 0-3.
//!
//! Behaviour: grows each topic to `count` partitions; the new ones get leaders round-robin, or
//! the first broker of each manual assignment (which must name as many partitions as are added,
//! and brokers of the cluster: INVALID_REPLICA_ASSIGNMENT, 39). A count not above the current one
//! is INVALID_PARTITIONS (37) with Kafka's message, an unknown topic UNKNOWN_TOPIC_OR_PARTITION
//! (3), a topic named twice INVALID_REQUEST (42). validate_only checks and changes nothing.
//! Producers and consumers see the new partitions at their next metadata refresh.

use std::collections::HashMap;

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::PartitionError;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: CreatePartitionsRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let mut named: HashMap<&str, usize> = HashMap::new();
    for t in &request.topics {
        *named.entry(t.name.as_str()).or_default() += 1;
    }
    let results = request
        .topics
        .iter()
        .map(|t| {
            let name = t.name.as_str();
            let outcome = if named[name] > 1 {
                Err(PartitionError { code: ec::INVALID_REQUEST, message: Some(format!("Duplicate topic in request: {name}")) })
            } else {
                let current = cluster.topic(name).map_or(0, |v| v.leaders.len() as i32);
                let assignment_ok = t.assignments.as_ref().is_none_or(|a| {
                    a.len() as i32 == t.count - current
                        && a.iter().all(|r| r.broker_ids.first().is_some_and(|id| cluster.broker(id.0).is_some()))
                });
                if !assignment_ok && current > 0 && t.count > current {
                    Err(PartitionError {
                        code: ec::INVALID_REPLICA_ASSIGNMENT,
                        message: Some(format!(
                            "the assignment must name {} new partitions, each on brokers of this cluster",
                            t.count - current
                        )),
                    })
                } else {
                    let leaders = t.assignments.as_ref().map(|a| a.iter().filter_map(|r| r.broker_ids.first().map(|b| b.0)).collect());
                    cluster.create_partitions(name, t.count, leaders, request.validate_only)
                }
            };
            let result = CreatePartitionsTopicResult::default().with_name(t.name.clone());
            match outcome {
                Ok(()) => result,
                Err(e) => result.with_error_code(e.code).with_error_message(e.message.as_deref().map(str_bytes)),
            }
        })
        .collect();
    super::encode(&CreatePartitionsResponse::default().with_results(results), version)
}
