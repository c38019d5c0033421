//! ElectLeaders (key 43).
//!
//! Versions: 0-2 (top-level error code from v1).
//!
//! Behaviour: every partition has one replica, which leads it: it is its preferred leader and
//! there is no other to elect, so each named partition gets ELECTION_NOT_NEEDED (84), as Kafka
//! answers for a partition already led by its preferred replica; an unknown one
//! UNKNOWN_TOPIC_OR_PARTITION (3). A null partition list (all partitions) returns only the
//! partitions an election changed: none. election_type other than 0 (preferred) or 1 (unclean)
//! is INVALID_REQUEST (42).

use kafka_protocol::messages::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use kafka_protocol::messages::{ElectLeadersRequest, ElectLeadersResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(crate) fn handle(broker: &BrokerContext, version: i16, request: ElectLeadersRequest) -> anyhow::Result<Reply> {
    if !matches!(request.election_type, 0 | 1) {
        return super::encode(&ElectLeadersResponse::default().with_error_code(ec::INVALID_REQUEST), version);
    }
    let results = request
        .topic_partitions
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let count = broker.cluster.topic(&t.topic).map_or(0, |v| v.leaders.len());
            let partitions = t
                .partitions
                .iter()
                .map(|&p| {
                    let exists = usize::try_from(p).is_ok_and(|i| i < count);
                    let (code, message) = if exists {
                        (ec::ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.")
                    } else {
                        (ec::UNKNOWN_TOPIC_OR_PARTITION, "The partition does not exist.")
                    };
                    PartitionResult::default()
                        .with_partition_id(p)
                        .with_error_code(code)
                        .with_error_message(Some(str_bytes(message)))
                })
                .collect();
            ReplicaElectionResult::default().with_topic(t.topic).with_partition_result(partitions)
        })
        .collect();
    super::encode(&ElectLeadersResponse::default().with_replica_election_results(results), version)
}
