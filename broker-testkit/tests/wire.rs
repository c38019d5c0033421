//! Raw wire tests: requests written with kafka-protocol's encoders over plain sockets, against an
//! in-process cluster. They check framing robustness (garbage closes only its own connection) and
//! the protocol behaviour clients depend on.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrokafka_testkit::Cluster;
use kafka_protocol::messages::api_versions_response::ApiVersionsResponse;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use common::{assert_closed, call, connect, frame, read_frame};

fn api_versions(s: &mut TcpStream) -> ApiVersionsResponse {
    call(s, ApiKey::ApiVersions, 3, &ApiVersionsRequest::default())
}

fn metadata(s: &mut TcpStream, topic: &str) -> MetadataResponse {
    let t = MetadataRequestTopic::default().with_name(Some(TopicName(StrBytes::from_string(topic.into()))));
    call(s, ApiKey::Metadata, 12, &MetadataRequest::default().with_topics(Some(vec![t])))
}

fn batch(producer_id: i64, epoch: i16, sequence: i32, values: &[&str]) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id,
            producer_epoch: epoch,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // offset - sequence must stay constant for kafka-protocol to keep one batch, and a
            // non-idempotent batch has base sequence -1: -1, 0, 1...
            sequence: sequence + i as i32,
            timestamp: 1_700_000_000_000 + i as i64,
            key: None,
            value: Some(Bytes::copy_from_slice(v.as_bytes())),
            headers: Default::default(),
        })
        .collect();
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut buf, &records, &options).expect("batch");
    buf.freeze()
}

fn produce_request(topic: &str, partition: i32, acks: i16, records: Bytes) -> ProduceRequest {
    let data = PartitionProduceData::default()
        .with_index(partition)
        .with_records(Some(records));
    let topic = TopicProduceData::default()
        .with_name(TopicName(StrBytes::from_string(topic.into())))
        .with_partition_data(vec![data]);
    ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(5000)
        .with_topic_data(vec![topic])
}

/// (error code, base offset) of the only partition of a produce.
fn produce(s: &mut TcpStream, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
    let r: ProduceResponse = call(s, ApiKey::Produce, 9, &produce_request(topic, partition, -1, records));
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn fetch_request(topic: &str, offset: i64, max_wait_ms: i32, min_bytes: i32) -> FetchRequest {
    let p = FetchPartition::default()
        .with_partition(0)
        .with_fetch_offset(offset)
        .with_partition_max_bytes(1 << 20);
    let t = FetchTopic::default()
        .with_topic(TopicName(StrBytes::from_string(topic.into())))
        .with_partitions(vec![p]);
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(min_bytes)
        .with_max_bytes(50 << 20)
        .with_topics(vec![t])
}

#[test]
fn garbage_closes_only_its_own_connection() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut bystander = connect(&addr);
    assert_eq!(api_versions(&mut bystander).error_code, 0);

    // Deterministic pseudo-random bytes.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    let random_body = {
        let body = random(300);
        let mut f = (body.len() as i32).to_be_bytes().to_vec();
        f.extend_from_slice(&body);
        f
    };
    let unknown_key = {
        let mut body = 9999i16.to_be_bytes().to_vec();
        body.extend_from_slice(&0i16.to_be_bytes());
        body.extend_from_slice(&1i32.to_be_bytes());
        body.extend_from_slice(&(-1i16).to_be_bytes());
        let mut f = (body.len() as i32).to_be_bytes().to_vec();
        f.extend_from_slice(&body);
        f
    };
    // Metadata v1 announcing 2^31-1 topics: kafka-protocol would try to reserve ~150 GB.
    let array_bomb = {
        let mut body = frame(ApiKey::Metadata, 1, 7, &MetadataRequest::default().with_topics(Some(vec![])));
        let n = body.len();
        body[n - 4..].copy_from_slice(&0x7fff_ffffi32.to_be_bytes());
        body
    };
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("random bytes", random(1000), false),
        ("random body with a valid length", random_body, false),
        ("truncated frame", [&100i32.to_be_bytes()[..], &[0u8; 10]].concat(), true),
        ("truncated length prefix", vec![0, 0], true),
        ("oversized length", 0x7fff_ffffi32.to_be_bytes().to_vec(), false),
        ("negative length", (-1i32).to_be_bytes().to_vec(), false),
        ("frame too short for a header", [&3i32.to_be_bytes()[..], &[0, 3, 0]].concat(), false),
        ("unknown api key", unknown_key, false),
        ("unsupported Metadata version", {
            let mut f = frame(ApiKey::Metadata, 1, 1, &MetadataRequest::default());
            f[6..8].copy_from_slice(&99i16.to_be_bytes());
            f
        }, false),
        ("Produce v2 (advertised, not decodable)", {
            let mut f = frame(ApiKey::Produce, 3, 1, &produce_request("t", 0, 1, batch(-1, -1, -1, &["x"])));
            f[6..8].copy_from_slice(&2i16.to_be_bytes()); // the header's version field
            f
        }, false),
        ("array bomb", array_bomb, false),
    ];
    for (what, bytes, half_close) in cases {
        let mut s = connect(&addr);
        s.write_all(&bytes).expect("write garbage");
        if half_close {
            // The frame is only known to be truncated once the peer stops sending.
            s.shutdown(std::net::Shutdown::Write).expect("shutdown");
        }
        assert_closed(&mut s, what);
        // The connection opened before the garbage still works...
        assert_eq!(api_versions(&mut bystander).error_code, 0, "after {what}");
    }
    // ...and so does a fresh one.
    let mut fresh = connect(&addr);
    assert_eq!(api_versions(&mut fresh).error_code, 0);
    let md = metadata(&mut fresh, "after-garbage");
    assert_eq!(md.topics[0].error_code, 0);
    assert_eq!(md.brokers.len(), 1);
}

#[test]
fn api_versions_from_the_future_gets_a_v0_answer_with_the_list() {
    let cluster = Cluster::builder().start().expect("start");
    let mut s = connect(&cluster.broker_addrs()[0]);
    s.write_all(&frame(ApiKey::ApiVersions, 3, 77, &ApiVersionsRequest::default()).iter().enumerate().map(|(i, b)| if i == 7 { 99 } else { *b }).collect::<Vec<u8>>())
        .expect("write");
    let mut body = read_frame(&mut s).expect("answer");
    // Response header v0: just the correlation id.
    let header = ResponseHeader::decode(&mut body, 0).expect("header");
    assert_eq!(header.correlation_id, 77);
    let r = ApiVersionsResponse::decode(&mut body, 0).expect("v0 body");
    assert_eq!(r.error_code, 35);
    let produce = r.api_keys.iter().find(|k| k.api_key == 0).expect("Produce listed");
    assert_eq!((produce.min_version, produce.max_version), (0, 13));
    // The connection stays usable at a version we know.
    assert_eq!(api_versions(&mut s).error_code, 0);
}

#[test]
fn every_advertised_version_round_trips() {
    let cluster = Cluster::builder().start().expect("start");
    cluster.create_topic("t", 1).expect("topic");
    let mut s = connect(&cluster.broker_addrs()[0]);
    let advertised = api_versions(&mut s).api_keys;
    let keys: Vec<i16> = advertised.iter().map(|k| k.api_key).collect();
    assert_eq!(
        keys,
        vec![0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 32, 33, 37, 42, 43, 44, 47, 60, 61, 65, 66],
        "advertise exactly what is implemented (and never 68, ConsumerGroupHeartbeat)"
    );
    for api in &advertised {
        let key = ApiKey::try_from(api.api_key).expect("known key");
        for v in api.min_version..=api.max_version {
            let name = || TopicName(StrBytes::from_static_str("t"));
            match key {
                ApiKey::Produce if v < 3 => continue, // refused by closing, see garbage test
                ApiKey::Produce => {
                    let mut req = produce_request("t", 0, 1, batch(-1, -1, -1, &["v"]));
                    if v >= 13 {
                        let id = metadata(&mut s, "t").topics[0].topic_id;
                        req.topic_data[0].topic_id = id;
                        req.topic_data[0].name = TopicName::default();
                    }
                    let r: ProduceResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.responses[0].partition_responses[0].error_code, 0, "Produce v{v}");
                }
                ApiKey::Fetch => {
                    let mut req = fetch_request("t", 0, 0, 0);
                    if v >= 13 {
                        req.topics[0].topic_id = metadata(&mut s, "t").topics[0].topic_id;
                        req.topics[0].topic = TopicName::default();
                    }
                    let r: FetchResponse = call(&mut s, key, v, &req);
                    let p = &r.responses[0].partitions[0];
                    assert_eq!(p.error_code, 0, "Fetch v{v}");
                    assert!(p.records.as_ref().is_some_and(|r| !r.is_empty()), "Fetch v{v} returns data");
                }
                ApiKey::ListOffsets => {
                    let p = ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-1);
                    let t = ListOffsetsTopic::default().with_name(name()).with_partitions(vec![p]);
                    let req = ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![t]);
                    let r: ListOffsetsResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.topics[0].partitions[0].error_code, 0, "ListOffsets v{v}");
                }
                ApiKey::Metadata => {
                    let t = MetadataRequestTopic::default().with_name(Some(name()));
                    let r: MetadataResponse =
                        call(&mut s, key, v, &MetadataRequest::default().with_topics(Some(vec![t])));
                    assert_eq!(r.topics[0].error_code, 0, "Metadata v{v}");
                    assert_eq!(r.topics[0].partitions.len(), 1);
                }
                ApiKey::FindCoordinator => {
                    let req = if v >= 4 {
                        FindCoordinatorRequest::default().with_coordinator_keys(vec![StrBytes::from_static_str("g")])
                    } else {
                        FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g"))
                    };
                    let r: FindCoordinatorResponse = call(&mut s, key, v, &req);
                    let node = if v >= 4 { r.coordinators[0].node_id } else { r.node_id };
                    assert_eq!(node, BrokerId(1), "FindCoordinator v{v}");
                }
                ApiKey::ApiVersions => {
                    let r: ApiVersionsResponse = call(&mut s, key, v, &ApiVersionsRequest::default());
                    assert_eq!(r.error_code, 0, "ApiVersions v{v}");
                }
                ApiKey::CreateTopics => {
                    let topic = kafka_protocol::messages::create_topics_request::CreatableTopic::default()
                        .with_name(TopicName(StrBytes::from_string(format!("created-{v}"))))
                        .with_num_partitions(-1)
                        .with_replication_factor(-1);
                    let req = CreateTopicsRequest::default().with_topics(vec![topic]);
                    let r: CreateTopicsResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.topics[0].error_code, 0, "CreateTopics v{v}");
                }
                ApiKey::DeleteTopics => {
                    let topic = format!("created-{}", v + 1);
                    let mut req = DeleteTopicsRequest::default();
                    if v >= 6 {
                        let id = metadata(&mut s, &topic).topics[0].topic_id;
                        req.topics = vec![kafka_protocol::messages::delete_topics_request::DeleteTopicState::default().with_topic_id(id)];
                    } else {
                        req.topic_names = vec![TopicName(StrBytes::from_string(topic))];
                    }
                    let r: DeleteTopicsResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.responses[0].error_code, 0, "DeleteTopics v{v}");
                }
                ApiKey::InitProducerId => {
                    let r: InitProducerIdResponse = call(&mut s, key, v, &InitProducerIdRequest::default().with_transactional_id(None));
                    assert_eq!(r.error_code, 0, "InitProducerId v{v}");
                    assert!(r.producer_id.0 >= 0);
                }
                // Each transaction API at each version, inside a transaction begun at version 0.
                ApiKey::AddPartitionsToTxn | ApiKey::AddOffsetsToTxn | ApiKey::EndTxn | ApiKey::TxnOffsetCommit => {
                    let txn_id = StrBytes::from_string(format!("wire-{key:?}-{v}"));
                    let init = InitProducerIdRequest::default()
                        .with_transactional_id(Some(TransactionalId(txn_id.clone())))
                        .with_transaction_timeout_ms(60_000);
                    let r: InitProducerIdResponse = call(&mut s, ApiKey::InitProducerId, 3, &init);
                    assert_eq!(r.error_code, 0, "transactional InitProducerId");
                    let (pid, epoch) = (r.producer_id, r.producer_epoch);
                    let add_partitions = |v: i16, s: &mut TcpStream| -> i16 {
                        let t = kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic::default()
                            .with_name(name())
                            .with_partitions(vec![0]);
                        let req = AddPartitionsToTxnRequest::default()
                            .with_v3_and_below_transactional_id(TransactionalId(txn_id.clone()))
                            .with_v3_and_below_producer_id(pid)
                            .with_v3_and_below_producer_epoch(epoch)
                            .with_v3_and_below_topics(vec![t]);
                        let r: AddPartitionsToTxnResponse = call(s, ApiKey::AddPartitionsToTxn, v, &req);
                        r.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code
                    };
                    let add_offsets = |v: i16, s: &mut TcpStream| -> i16 {
                        let req = AddOffsetsToTxnRequest::default()
                            .with_transactional_id(TransactionalId(txn_id.clone()))
                            .with_producer_id(pid)
                            .with_producer_epoch(epoch)
                            .with_group_id(GroupId(StrBytes::from_static_str("g")));
                        let r: AddOffsetsToTxnResponse = call(s, ApiKey::AddOffsetsToTxn, v, &req);
                        r.error_code
                    };
                    let end = |v: i16, s: &mut TcpStream| -> i16 {
                        let req = EndTxnRequest::default()
                            .with_transactional_id(TransactionalId(txn_id.clone()))
                            .with_producer_id(pid)
                            .with_producer_epoch(epoch)
                            .with_committed(true);
                        let r: EndTxnResponse = call(s, ApiKey::EndTxn, v, &req);
                        r.error_code
                    };
                    let code = match key {
                        ApiKey::AddPartitionsToTxn => add_partitions(v, &mut s),
                        ApiKey::AddOffsetsToTxn => add_offsets(v, &mut s),
                        ApiKey::EndTxn => {
                            assert_eq!(add_partitions(0, &mut s), 0);
                            end(v, &mut s)
                        }
                        _ => {
                            assert_eq!(add_offsets(0, &mut s), 0);
                            let p = kafka_protocol::messages::txn_offset_commit_request::TxnOffsetCommitRequestPartition::default()
                                .with_partition_index(0)
                                .with_committed_offset(1);
                            let t = kafka_protocol::messages::txn_offset_commit_request::TxnOffsetCommitRequestTopic::default()
                                .with_name(name())
                                .with_partitions(vec![p]);
                            let req = TxnOffsetCommitRequest::default()
                                .with_transactional_id(TransactionalId(txn_id.clone()))
                                .with_group_id(GroupId(StrBytes::from_static_str("g")))
                                .with_producer_id(pid)
                                .with_producer_epoch(epoch)
                                .with_generation_id(-1)
                                .with_topics(vec![t]);
                            let r: TxnOffsetCommitResponse = call(&mut s, key, v, &req);
                            r.topics[0].partitions[0].error_code
                        }
                    };
                    assert_eq!(code, 0, "{key:?} v{v}");
                }
                ApiKey::DescribeProducers => {
                    let t = kafka_protocol::messages::describe_producers_request::TopicRequest::default()
                        .with_name(name())
                        .with_partition_indexes(vec![0]);
                    let r: DescribeProducersResponse =
                        call(&mut s, key, v, &DescribeProducersRequest::default().with_topics(vec![t]));
                    assert_eq!(r.topics[0].partitions[0].error_code, 0, "DescribeProducers v{v}");
                    assert!(!r.topics[0].partitions[0].active_producers.is_empty(), "the transactions above");
                }
                ApiKey::DescribeTransactions => {
                    let ids = vec![TransactionalId(StrBytes::from_static_str("wire-EndTxn-0")), TransactionalId(StrBytes::from_static_str("never"))];
                    let r: DescribeTransactionsResponse =
                        call(&mut s, key, v, &DescribeTransactionsRequest::default().with_transactional_ids(ids));
                    let codes: Vec<i16> = r.transaction_states.iter().map(|t| t.error_code).collect();
                    assert_eq!(codes, vec![0, 105], "DescribeTransactions v{v}");
                    assert_eq!(r.transaction_states[0].transaction_state.as_str(), "CompleteCommit");
                }
                ApiKey::ListTransactions => {
                    let req = ListTransactionsRequest::default()
                        .with_state_filters(vec![StrBytes::from_static_str("CompleteCommit"), StrBytes::from_static_str("Bogus")])
                        .with_duration_filter(-1);
                    let r: ListTransactionsResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.error_code, 0, "ListTransactions v{v}");
                    assert_eq!(r.unknown_state_filters.len(), 1);
                    assert!(r.transaction_states.iter().any(|t| t.transactional_id.as_str() == "wire-EndTxn-0"));
                }
                ApiKey::DeleteRecords => {
                    // Offset 0: nothing goes, so the data the other arms read stays.
                    let p = kafka_protocol::messages::delete_records_request::DeleteRecordsPartition::default().with_partition_index(0).with_offset(0);
                    let t = kafka_protocol::messages::delete_records_request::DeleteRecordsTopic::default().with_name(name()).with_partitions(vec![p]);
                    let r: DeleteRecordsResponse = call(&mut s, key, v, &DeleteRecordsRequest::default().with_topics(vec![t]).with_timeout_ms(1000));
                    let p = &r.topics[0].partitions[0];
                    assert_eq!((p.error_code, p.low_watermark), (0, 0), "DeleteRecords v{v}");
                }
                ApiKey::OffsetForLeaderEpoch => {
                    let p = kafka_protocol::messages::offset_for_leader_epoch_request::OffsetForLeaderPartition::default()
                        .with_partition(0)
                        .with_current_leader_epoch(-1)
                        .with_leader_epoch(0);
                    let t = kafka_protocol::messages::offset_for_leader_epoch_request::OffsetForLeaderTopic::default().with_topic(name()).with_partitions(vec![p]);
                    let req = OffsetForLeaderEpochRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![t]);
                    let r: OffsetForLeaderEpochResponse = call(&mut s, key, v, &req);
                    let p = &r.topics[0].partitions[0];
                    assert_eq!((p.error_code, p.leader_epoch), (0, 0), "OffsetForLeaderEpoch v{v}");
                    assert!(p.end_offset > 0, "the end of epoch 0 is the high watermark");
                }
                ApiKey::DescribeConfigs => {
                    let res = kafka_protocol::messages::describe_configs_request::DescribeConfigsResource::default()
                        .with_resource_type(2)
                        .with_resource_name(StrBytes::from_static_str("t"))
                        .with_configuration_keys(Some(vec![StrBytes::from_static_str("cleanup.policy")]));
                    let r: DescribeConfigsResponse = call(&mut s, key, v, &DescribeConfigsRequest::default().with_resources(vec![res]));
                    assert_eq!(r.results[0].error_code, 0, "DescribeConfigs v{v}");
                    let c = &r.results[0].configs;
                    assert_eq!(c.len(), 1);
                    assert_eq!(c[0].value.as_deref(), Some("delete"));
                }
                ApiKey::AlterConfigs => {
                    let c = kafka_protocol::messages::alter_configs_request::AlterableConfig::default()
                        .with_name(StrBytes::from_static_str("retention.ms"))
                        .with_value(Some(StrBytes::from_static_str("86400000")));
                    let res = kafka_protocol::messages::alter_configs_request::AlterConfigsResource::default()
                        .with_resource_type(2)
                        .with_resource_name(StrBytes::from_static_str("t"))
                        .with_configs(vec![c]);
                    let r: AlterConfigsResponse = call(&mut s, key, v, &AlterConfigsRequest::default().with_resources(vec![res]));
                    assert_eq!(r.responses[0].error_code, 0, "AlterConfigs v{v}");
                }
                ApiKey::CreatePartitions => {
                    let topic = format!("grow-{v}");
                    cluster.create_topic(&topic, 1).expect("topic");
                    let t = kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic::default()
                        .with_name(TopicName(StrBytes::from_string(topic.clone())))
                        .with_count(3)
                        .with_assignments(None);
                    let r: CreatePartitionsResponse =
                        call(&mut s, key, v, &CreatePartitionsRequest::default().with_topics(vec![t]).with_timeout_ms(1000));
                    assert_eq!(r.results[0].error_code, 0, "CreatePartitions v{v}");
                    assert_eq!(metadata(&mut s, &topic).topics[0].partitions.len(), 3);
                }
                ApiKey::ElectLeaders => {
                    let t = kafka_protocol::messages::elect_leaders_request::TopicPartitions::default().with_topic(name()).with_partitions(vec![0]);
                    let req = ElectLeadersRequest::default().with_topic_partitions(Some(vec![t])).with_timeout_ms(1000);
                    let r: ElectLeadersResponse = call(&mut s, key, v, &req);
                    assert_eq!(r.error_code, 0, "ElectLeaders v{v}");
                    // The only replica already leads: Kafka's answer for a preferred leader.
                    assert_eq!(r.replica_election_results[0].partition_result[0].error_code, 84);
                }
                ApiKey::IncrementalAlterConfigs => {
                    let c = kafka_protocol::messages::incremental_alter_configs_request::AlterableConfig::default()
                        .with_name(StrBytes::from_static_str("retention.ms"))
                        .with_config_operation(0)
                        .with_value(Some(StrBytes::from_static_str("86400000")));
                    let res = kafka_protocol::messages::incremental_alter_configs_request::AlterConfigsResource::default()
                        .with_resource_type(2)
                        .with_resource_name(StrBytes::from_static_str("t"))
                        .with_configs(vec![c]);
                    let r: IncrementalAlterConfigsResponse =
                        call(&mut s, key, v, &IncrementalAlterConfigsRequest::default().with_resources(vec![res]));
                    assert_eq!(r.responses[0].error_code, 0, "IncrementalAlterConfigs v{v}");
                }
                ApiKey::DescribeCluster => {
                    let r: DescribeClusterResponse =
                        call(&mut s, key, v, &DescribeClusterRequest::default().with_endpoint_type(1));
                    assert_eq!(r.error_code, 0, "DescribeCluster v{v}");
                    assert_eq!(r.brokers.len(), 1);
                    assert!(!r.cluster_id.is_empty());
                }
                // Version by version in tests/groups.rs.
                ApiKey::OffsetCommit
                | ApiKey::OffsetFetch
                | ApiKey::JoinGroup
                | ApiKey::Heartbeat
                | ApiKey::LeaveGroup
                | ApiKey::SyncGroup
                | ApiKey::DescribeGroups
                | ApiKey::ListGroups
                | ApiKey::DeleteGroups
                | ApiKey::OffsetDelete => continue,
                other => panic!("advertised but not exercised: {other:?}"),
            }
        }
    }
}

#[test]
fn idempotent_producer_with_dropped_responses_creates_no_duplicates() {
    let cluster = Cluster::builder().topic("idem", 1).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut s = connect(&addr);
    let init: InitProducerIdResponse = call(&mut s, ApiKey::InitProducerId, 4, &InitProducerIdRequest::default().with_transactional_id(None));
    let (pid, epoch) = (init.producer_id.0, init.producer_epoch);

    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch, 0, &["a", "b"])), (0, 0));
    // The next response is dropped: the batch is appended but the connection closes.
    cluster.drop_next_produce_responses(1);
    let b1 = batch(pid, epoch, 2, &["c"]);
    s.write_all(&frame(ApiKey::Produce, 9, 1, &produce_request("idem", 0, -1, b1.clone()))).expect("write");
    assert_closed(&mut s, "dropped produce response");
    assert_eq!(cluster.record_count("idem", 0), 3);
    // The retry is recognised: success with the original offset, nothing appended.
    let mut s = connect(&addr);
    assert_eq!(produce(&mut s, "idem", 0, b1.clone()), (0, 2));
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch, 0, &["a", "b"])), (0, 0));
    assert_eq!(cluster.record_count("idem", 0), 3);
    // A gap, then a stale epoch.
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch, 7, &["x"])).0, 45);
    let bump: InitProducerIdResponse = call(
        &mut s,
        ApiKey::InitProducerId,
        4,
        &InitProducerIdRequest::default().with_transactional_id(None).with_producer_id(ProducerId(pid)).with_producer_epoch(epoch),
    );
    assert_eq!((bump.error_code, bump.producer_id.0, bump.producer_epoch), (0, pid, epoch + 1));
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch + 1, 0, &["d"])), (0, 3));
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch, 3, &["e"])).0, 47);
    // Injected failures append nothing.
    cluster.fail_next_produce(2, 6);
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch + 1, 1, &["f"])).0, 6);
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch + 1, 1, &["f"])).0, 6);
    assert_eq!(produce(&mut s, "idem", 0, batch(pid, epoch + 1, 1, &["f"])), (0, 4));
    assert_eq!(cluster.record_count("idem", 0), 5);
}

#[test]
fn fetch_returns_whole_batches_and_waits_without_polling() {
    let cluster = Cluster::builder().topic("f", 1).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut s = connect(&addr);
    assert_eq!(produce(&mut s, "f", 0, batch(-1, -1, -1, &["a", "b", "c"])).1, 0);
    assert_eq!(produce(&mut s, "f", 0, batch(-1, -1, -1, &["d", "e"])).1, 3);
    // Mid-batch offset 1: the whole first batch comes back (and the second).
    let r: FetchResponse = call(&mut s, ApiKey::Fetch, 11, &fetch_request("f", 1, 0, 0));
    let p = &r.responses[0].partitions[0];
    assert_eq!((p.error_code, p.high_watermark, p.last_stable_offset, p.log_start_offset), (0, 5, 5, 0));
    let mut records = p.records.clone().expect("records");
    let sets = RecordBatchDecoder::decode_all(&mut records).expect("decode");
    let offsets: Vec<i64> = sets.iter().flat_map(|s| s.records.iter().map(|r| r.offset)).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
    // Out of range.
    let r: FetchResponse = call(&mut s, ApiKey::Fetch, 11, &fetch_request("f", 6, 0, 0));
    assert_eq!(r.responses[0].partitions[0].error_code, 1);
    // Long poll at the end of the log, woken by a produce from another connection.
    let producer_addr = addr.clone();
    let waker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut p = connect(&producer_addr);
        produce(&mut p, "f", 0, batch(-1, -1, -1, &["late"]))
    });
    let start = Instant::now();
    let r: FetchResponse = call(&mut s, ApiKey::Fetch, 11, &fetch_request("f", 5, 4000, 1));
    let waited = start.elapsed();
    assert_eq!(waker.join().expect("producer"), (0, 5));
    let p = &r.responses[0].partitions[0];
    assert_eq!(p.high_watermark, 6);
    assert!(p.records.as_ref().is_some_and(|r| !r.is_empty()));
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(3), "waited {waited:?}");
    // Nothing arrives: the wait ends at max_wait_ms with an empty answer.
    let start = Instant::now();
    let r: FetchResponse = call(&mut s, ApiKey::Fetch, 11, &fetch_request("f", 6, 300, 1));
    assert!(start.elapsed() >= Duration::from_millis(290));
    assert!(r.responses[0].partitions[0].records.as_ref().is_some_and(|r| r.is_empty()));
}

#[test]
fn acks_zero_gets_no_response_and_keeps_order() {
    let cluster = Cluster::builder().topic("z", 1).start().expect("start");
    let mut s = connect(&cluster.broker_addrs()[0]);
    s.write_all(&frame(ApiKey::Produce, 9, 1, &produce_request("z", 0, 0, batch(-1, -1, -1, &["q"]))))
        .expect("write");
    // The next response on the wire is the ApiVersions answer (call checks its correlation id).
    assert_eq!(api_versions(&mut s).error_code, 0);
    assert_eq!(cluster.record_count("z", 0), 1);
}

#[test]
fn non_leaders_refuse_and_point_at_the_leader() {
    let cluster = Cluster::builder().brokers(3).topic("spread", 3).start().expect("start");
    let addrs = cluster.broker_addrs();
    assert_eq!(cluster.bootstrap(), addrs.join(","));
    let mut s = connect(&addrs[0]);
    let md = metadata(&mut s, "spread");
    assert_eq!(md.brokers.len(), 3);
    let leader = md.topics[0].partitions[0].leader_id.0;
    let other = (leader % 3) + 1;
    let mut wrong = connect(&addrs[other as usize - 1]);
    let r: ProduceResponse = call(&mut wrong, ApiKey::Produce, 10, &produce_request("spread", 0, 1, batch(-1, -1, -1, &["x"])));
    let p = &r.responses[0].partition_responses[0];
    assert_eq!(p.error_code, 6);
    assert_eq!(p.current_leader.leader_id.0, leader);
    assert_eq!(r.node_endpoints[0].node_id.0, leader);
    let mut right = connect(&addrs[leader as usize - 1]);
    assert_eq!(produce(&mut right, "spread", 0, batch(-1, -1, -1, &["x"])), (0, 0));
}

#[test]
fn disconnect_all_and_drop_close_connections() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut a = connect(&addr);
    assert_eq!(api_versions(&mut a).error_code, 0);
    cluster.disconnect_all();
    assert_closed(&mut a, "disconnect_all");
    let mut b = connect(&addr);
    assert_eq!(api_versions(&mut b).error_code, 0, "new connections still accepted");
    drop(cluster);
    assert_closed(&mut b, "cluster dropped");
    // The runtime shuts down in the background: give the listener a moment to go away.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while TcpStream::connect(&addr).is_ok() {
        assert!(std::time::Instant::now() < deadline, "listener still open 5 s after drop");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test]
async fn works_from_an_async_test_and_drops_there() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut s = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(&frame(ApiKey::ApiVersions, 0, 5, &ApiVersionsRequest::default())).await.expect("write");
    let len = s.read_i32().await.expect("len");
    assert!(len > 4);
    drop(cluster); // must not panic inside a runtime
}

