//! ListOffsets answers that only real Kafka could tell us, checked against Apache Kafka 4.3.1
//! (scripts/kafka.sh start): raw requests over a plain socket, against an in-process cluster.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ferrokafka_testkit::Cluster;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    ApiKey, BrokerId, ListOffsetsRequest, ListOffsetsResponse, RequestHeader, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

fn list_offsets(addr: &str, version: i16, request: &ListOffsetsRequest) -> ListOffsetsResponse {
    let key = ApiKey::ListOffsets;
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut buf = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(7)
        .encode(&mut buf, key.request_header_version(version))
        .expect("header");
    request.encode(&mut buf, version).expect("request");
    s.write_all(&(buf.len() as i32).to_be_bytes()).expect("write");
    s.write_all(&buf).expect("write");
    let mut len = [0u8; 4];
    s.read_exact(&mut len).expect("response length");
    let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).expect("response");
    let mut body = Bytes::from(body);
    let header = ResponseHeader::decode(&mut body, key.response_header_version(version)).expect("header");
    assert_eq!(header.correlation_id, 7);
    ListOffsetsResponse::decode(&mut body, version).expect("response")
}

/// Kafka 4.3.1 answers a v1 request naming t[0] twice (latest, earliest) and t[1] with ONE entry for
/// t[0], INVALID_REQUEST (42), offset -1, and t[1] as usual: its answers are keyed by partition, and
/// its duplicate check does not depend on the version.
#[test]
fn a_partition_named_twice_is_answered_once_with_invalid_request() {
    let cluster = Cluster::builder().topic("t", 2).start().expect("cluster");
    let partition = |p: i32, timestamp: i64| {
        ListOffsetsPartition::default().with_partition_index(p).with_timestamp(timestamp)
    };
    let topic = ListOffsetsTopic::default()
        .with_name(TopicName(StrBytes::from_static_str("t")))
        .with_partitions(vec![partition(0, -1), partition(0, -2), partition(1, -1)]);
    let request = ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![topic]);
    for version in [1, 5, 10] {
        let response = list_offsets(&cluster.bootstrap(), version, &request);
        assert_eq!(response.topics.len(), 1);
        let answers: Vec<(i32, i16, i64)> =
            response.topics[0].partitions.iter().map(|p| (p.partition_index, p.error_code, p.offset)).collect();
        assert_eq!(answers, vec![(0, 42, -1), (1, 0, 0)], "v{version}");
    }
}
