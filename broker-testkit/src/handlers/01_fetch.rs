//! Fetch (key 1).
//!
//! Versions: 4-18 (topic ids from v13: every topic has an id, see Metadata v10+).
//!
//! Behaviour: for each partition, the whole stored batches from the one containing the fetch offset
//! (so a mid-batch offset returns its whole batch; the client skips the records before it), up to
//! partition_max_bytes, but always at least one whole batch even when larger (KIP-74) while the
//! request's max_bytes budget is not used up. High watermark, last stable offset and log start
//! offset are returned. read_committed (isolation level 1) sees only batches below the last
//! stable offset, with the aborted transactions among them (producer id, first offset), which
//! the client uses to drop aborted records; control batches (markers) are returned as stored. An offset outside [log start, high
//! watermark] gets OFFSET_OUT_OF_RANGE (1); a partition this broker does not lead,
//! NOT_LEADER_OR_FOLLOWER (6) (plus the current leader from v12 and its endpoint from v16). When
//! fewer than min_bytes are available the request waits up to max_wait_ms, woken by appends (a
//! `watch` channel, no polling); any partition error answers at once.
//! Fetch sessions (KIP-227): the answer always carries session id 0, which tells clients there is
//! no session, so they keep sending full requests (Java sends epoch 0 or -1 with session id 0, and
//! stays sessionless when given id 0). A request naming a session id other than 0 gets
//! FETCH_SESSION_ID_NOT_FOUND (70), which makes clients start over without one.
//!
//! Fault injection: Cluster::fail_next_fetch answers the next requests with an error on every partition.
//!
//! Not supported: incremental fetch sessions, forgotten topics (ignored: requests are full), leader
//! epoch checks (current_leader_epoch is ignored), follower fetching, preferred read replicas.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, FetchableTopicResponse, LeaderIdAndEpoch, NodeEndpoint, PartitionData,
};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId, TopicName};
use kafka_protocol::protocol::VersionRange;
use tokio::time::Instant;
use uuid::Uuid;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::{ClusterState, ReadLimits, LEADER_EPOCH};

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 4, max: 18 };

/// Longest wait honoured, so a wild max_wait_ms cannot park a connection for days.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// A requested topic, resolved once per request.
struct WantedTopic {
    name: Result<String, i16>,
    wire_name: TopicName,
    topic_id: Uuid,
    /// (partition, fetch offset, partition max bytes)
    partitions: Vec<(i32, i64, i32)>,
}

pub(crate) async fn handle(broker: &BrokerContext, version: i16, request: FetchRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    if version >= 7 && request.session_id != 0 {
        let response = FetchResponse::default().with_error_code(ec::FETCH_SESSION_ID_NOT_FOUND);
        return super::encode(&response, version);
    }
    let wanted: Vec<WantedTopic> = request
        .topics
        .into_iter()
        .map(|t| {
            let name = if version >= 13 {
                cluster.topic_name(t.topic_id).ok_or(ec::UNKNOWN_TOPIC_ID)
            } else {
                Ok(t.topic.as_str().to_string())
            };
            WantedTopic {
                name,
                wire_name: t.topic,
                topic_id: t.topic_id,
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| (p.partition, p.fetch_offset, p.partition_max_bytes))
                    .collect(),
            }
        })
        .collect();
    if let Some(code) = cluster.faults.take_fail(1) {
        return super::encode(&injected_failure(&wanted, code), version);
    }
    let read_committed = request.isolation_level == 1;
    let max_bytes = usize::try_from(request.max_bytes).unwrap_or(0);
    let min_bytes = usize::try_from(request.min_bytes).unwrap_or(0);
    let wait = Duration::from_millis(u64::try_from(request.max_wait_ms).unwrap_or(0)).min(MAX_WAIT);
    let deadline = Instant::now() + wait;
    // Subscribe before the first read, so an append between the read and the wait still wakes us.
    let mut data_changed = cluster.subscribe_data();
    loop {
        let built = build(broker, version, &wanted, max_bytes, read_committed);
        let done = built.bytes >= min_bytes || built.has_error || Instant::now() >= deadline;
        if done {
            return super::encode(&built.response, version);
        }
        match tokio::time::timeout_at(deadline, data_changed.changed()).await {
            Ok(Ok(())) => continue,
            // Timed out, or the cluster is going away: answer with what we have.
            Ok(Err(_)) | Err(_) => return super::encode(&built.response, version),
        }
    }
}

/// Fault injection (Cluster::fail_next_fetch): every partition refused with `code`.
fn injected_failure(wanted: &[WantedTopic], code: i16) -> FetchResponse {
    let topics = wanted
        .iter()
        .map(|t| {
            FetchableTopicResponse::default()
                .with_topic(t.wire_name.clone())
                .with_topic_id(t.topic_id)
                .with_partitions(
                    t.partitions
                        .iter()
                        .map(|&(partition, _, _)| {
                            PartitionData::default()
                                .with_partition_index(partition)
                                .with_error_code(code)
                                .with_high_watermark(-1)
                                .with_last_stable_offset(-1)
                                .with_log_start_offset(-1)
                                .with_records(Some(Bytes::new()))
                        })
                        .collect(),
                )
        })
        .collect();
    FetchResponse::default().with_responses(topics)
}

struct Built {
    response: FetchResponse,
    bytes: usize,
    has_error: bool,
}

fn build(
    broker: &BrokerContext,
    version: i16,
    wanted: &[WantedTopic],
    max_bytes: usize,
    read_committed: bool,
) -> Built {
    let cluster: &ClusterState = &broker.cluster;
    let mut total = 0usize;
    let mut has_error = false;
    let mut leaders_to_describe: Vec<i32> = Vec::new();
    let mut topics = Vec::with_capacity(wanted.len());
    for topic in wanted {
        let leaders = topic
            .name
            .as_ref()
            .ok()
            .and_then(|n| cluster.topic(n))
            .map(|v| v.leaders)
            .unwrap_or_default();
        let mut partitions = Vec::with_capacity(topic.partitions.len());
        for &(partition, fetch_offset, partition_max) in &topic.partitions {
            let remaining = max_bytes.saturating_sub(total);
            let limit = usize::try_from(partition_max).unwrap_or(0).min(remaining);
            let read = match &topic.name {
                Ok(name) => cluster
                    .read(
                        broker.node_id,
                        name,
                        partition,
                        fetch_offset,
                        ReadLimits {
                            max_bytes: limit,
                            min_one: remaining > 0 || total == 0,
                            read_committed,
                        },
                    )
                    .map_err(|e| e.code),
                Err(code) => Err(*code),
            };
            let mut data = PartitionData::default()
                .with_partition_index(partition)
                .with_aborted_transactions(read_committed.then(Vec::new));
            match read {
                Ok(r) => {
                    total += r.bytes;
                    if read_committed {
                        let aborted = r
                            .aborted
                            .iter()
                            .map(|a| {
                                AbortedTransaction::default()
                                    .with_producer_id(ProducerId(a.producer_id))
                                    .with_first_offset(a.first_offset)
                            })
                            .collect();
                        data = data.with_aborted_transactions(Some(aborted));
                    }
                    data = data
                        .with_high_watermark(r.high_watermark)
                        .with_last_stable_offset(r.last_stable_offset)
                        .with_log_start_offset(r.log_start_offset)
                        .with_records(Some(concat(r.batches, r.bytes)));
                }
                Err(code) => {
                    has_error = true;
                    // Out of range still reports the offsets, which clients use to reset.
                    let (hw, start) = match (&topic.name, code) {
                        (Ok(name), ec::OFFSET_OUT_OF_RANGE) => {
                            cluster.offsets(broker.node_id, name, partition).unwrap_or((-1, -1))
                        }
                        _ => (-1, -1),
                    };
                    data = data
                        .with_error_code(code)
                        .with_high_watermark(hw)
                        .with_last_stable_offset(hw)
                        .with_log_start_offset(start)
                        .with_records(Some(Bytes::new()));
                    let leader = usize::try_from(partition).ok().and_then(|i| leaders.get(i));
                    if let (true, Some(&leader)) = (code == ec::NOT_LEADER_OR_FOLLOWER && version >= 12, leader) {
                        data = data.with_current_leader(
                            LeaderIdAndEpoch::default()
                                .with_leader_id(BrokerId(leader))
                                .with_leader_epoch(LEADER_EPOCH),
                        );
                        if !leaders_to_describe.contains(&leader) {
                            leaders_to_describe.push(leader);
                        }
                    }
                }
            }
            partitions.push(data);
        }
        let entry = FetchableTopicResponse::default().with_partitions(partitions);
        topics.push(if version >= 13 {
            entry.with_topic_id(topic.topic_id)
        } else {
            entry.with_topic(topic.wire_name.clone())
        });
    }
    let mut response = FetchResponse::default().with_responses(topics);
    if version >= 16 {
        let endpoints = leaders_to_describe
            .iter()
            .filter_map(|&id| cluster.broker(id))
            .map(|b| {
                NodeEndpoint::default()
                    .with_node_id(BrokerId(b.node_id))
                    .with_host(str_bytes("127.0.0.1"))
                    .with_port(b.port as i32)
            })
            .collect();
        response = response.with_node_endpoints(endpoints);
    }
    Built {
        response,
        bytes: total,
        has_error,
    }
}

/// One buffer for the batches of a partition (zero-copy when there is a single batch).
fn concat(batches: Vec<Bytes>, len: usize) -> Bytes {
    if batches.len() == 1 {
        return batches.into_iter().next().unwrap_or_default();
    }
    let mut buf = BytesMut::with_capacity(len);
    for b in batches {
        buf.extend_from_slice(&b);
    }
    buf.freeze()
}
