//! Produce (key 0).
//!
//! Versions: 0-13 advertised, 3-13 served. Versions 0-2 (message sets v0/v1) cannot be decoded; they
//! are advertised anyway because librdkafka < 2.11.1 silently turns compression off against a broker
//! whose Produce minimum is 3 (Kafka 4.0 does the same). Such a request closes its connection.
//!
//! Behaviour: acks 0, 1 and -1 (all the same here: every broker is the only replica). Each partition
//! must carry exactly one v2 batch; it is validated (lengths, magic, CRC32C, and every record when
//! uncompressed), then stored verbatim with only its base offset and partition leader epoch (0)
//! stamped. The answer carries the base offset, the log start offset and log_append_time: -1, or
//! for a topic with message.timestamp.type=LogAppendTime the broker's time, which is then also
//! written into the batch (timestamp-type bit, max timestamp, CRC), as Kafka does.
//! Per topic: a batch larger than max.message.bytes gets MESSAGE_TOO_LARGE (10); on a compacted
//! topic a record without a key gets INVALID_RECORD (87), with Kafka's message.
//! Transactional batches must come from a producer whose transaction holds the partition
//! (AddPartitionsToTxn), else INVALID_TXN_STATE (48); they open the partition's transaction.
//! Unknown topics are created when auto-creation is on; v13 addresses topics by id.
//! Idempotent batches (producer id >= 0) go through the per (producer id, partition) window of 5
//! batches: a duplicate is answered with success and the original base offset, a gap with
//! OUT_OF_ORDER_SEQUENCE_NUMBER (45), a stale epoch with INVALID_PRODUCER_EPOCH (47).
//! A partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER (6) plus, from v10, the
//! current leader and its endpoint (KIP-951). acks=0 requests get no response at all.
//! Fault injection (see `Cluster`): failing requests append nothing and answer the injected error on
//! every partition; dropped responses are appended, then the connection is closed unanswered;
//! `Cluster::throttle_produce` sets throttle_time_ms on every answer (v1+), without delaying it.
//!
//! Not supported: control batches from producers (INVALID_RECORD, 87), record-level errors
//! (`record_errors` stays empty).

use kafka_protocol::messages::produce_response::{
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{BrokerId, ProduceRequest, ProduceResponse};
use kafka_protocol::protocol::VersionRange;

use super::{str_bytes, BrokerContext, Reply};
use crate::error_code as ec;
use crate::state::{PartitionError, LEADER_EPOCH};

pub(crate) const ADVERTISED: VersionRange = VersionRange { min: 0, max: 13 };
pub(crate) const ACCEPTED: VersionRange = VersionRange { min: 3, max: 13 };

pub(crate) async fn handle(broker: &BrokerContext, version: i16, request: ProduceRequest) -> anyhow::Result<Reply> {
    let cluster = &broker.cluster;
    let injected = cluster.faults.take_fail(0);
    let acks_error = (!(-1..=1).contains(&request.acks)).then_some(ec::INVALID_REQUIRED_ACKS);
    let mut leaders_to_describe: Vec<i32> = Vec::new();
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for topic in request.topic_data {
        // v13 names topics by id; older versions by name (auto-created when allowed).
        let resolved: Result<(String, Vec<i32>), i16> = if version >= 13 {
            cluster
                .topic_name(topic.topic_id)
                .and_then(|n| cluster.topic(&n))
                .map(|v| (v.name, v.leaders))
                .ok_or(ec::UNKNOWN_TOPIC_ID)
        } else {
            cluster
                .topic_or_create(topic.name.as_str(), true)
                .map(|v| (v.name, v.leaders))
                .map_err(|e| e.code)
        };
        let mut partitions = Vec::with_capacity(topic.partition_data.len());
        for data in topic.partition_data {
            let outcome = match (&resolved, injected.or(acks_error), &data.records) {
                (_, Some(code), _) => Err(PartitionError { code, message: None }),
                (Err(code), _, _) => Err(PartitionError { code: *code, message: None }),
                (_, _, None) => Err(PartitionError {
                    code: ec::CORRUPT_MESSAGE,
                    message: Some("null record set".into()),
                }),
                (Ok((name, _)), None, Some(records)) => {
                    cluster.append(broker.node_id, name, data.index, records)
                }
            };
            let mut response = PartitionProduceResponse::default().with_index(data.index);
            match outcome {
                Ok(appended) => {
                    response = response
                        .with_base_offset(appended.base_offset)
                        .with_log_append_time_ms(appended.log_append_time)
                        .with_log_start_offset(appended.log_start_offset);
                }
                Err(e) => {
                    response = response
                        .with_error_code(e.code)
                        .with_base_offset(-1)
                        .with_log_append_time_ms(-1)
                        .with_log_start_offset(-1);
                    if version >= 8 {
                        response = response.with_error_message(e.message.as_deref().map(str_bytes));
                    }
                    let leader = resolved
                        .as_ref()
                        .ok()
                        .and_then(|(_, leaders)| usize::try_from(data.index).ok().and_then(|i| leaders.get(i)));
                    if let (true, Some(&leader)) = (e.code == ec::NOT_LEADER_OR_FOLLOWER && version >= 10, leader) {
                        response = response.with_current_leader(
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
            partitions.push(response);
        }
        let mut entry = TopicProduceResponse::default().with_partition_responses(partitions);
        entry = if version >= 13 {
            entry.with_topic_id(topic.topic_id)
        } else {
            entry.with_name(topic.name)
        };
        responses.push(entry);
    }
    if request.acks == 0 {
        return Ok(Reply::Nothing);
    }
    if cluster.faults.take_drop_response() {
        return Ok(Reply::Close("fault injection: produce appended, response dropped".into()));
    }
    let node_endpoints = leaders_to_describe
        .iter()
        .filter_map(|&id| cluster.broker(id))
        .map(|b| {
            NodeEndpoint::default()
                .with_node_id(BrokerId(b.node_id))
                .with_host(str_bytes("127.0.0.1"))
                .with_port(b.port as i32)
        })
        .collect();
    // The field exists from v1 (v0 cannot carry it).
    let throttle = if version >= 1 { cluster.faults.produce_throttle() } else { 0 };
    let mut response = ProduceResponse::default().with_responses(responses).with_throttle_time_ms(throttle);
    if version >= 10 {
        response = response.with_node_endpoints(node_endpoints);
    }
    super::encode(&response, version)
}
