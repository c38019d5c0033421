//! Socket helpers shared by the wire tests: requests written with kafka-protocol's encoders over
//! plain blocking sockets.
#![allow(dead_code)] // each test crate uses its own subset

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

pub const TIMEOUT: Duration = Duration::from_secs(5);

pub fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    s
}

pub fn frame<R: Encodable>(key: ApiKey, version: i16, correlation_id: i32, request: &R) -> Vec<u8> {
    let header = RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("wire-test")));
    let mut buf = BytesMut::new();
    header
        .encode(&mut buf, key.request_header_version(version))
        .expect("header");
    request
        .encode(&mut buf, version)
        .unwrap_or_else(|e| panic!("encode {key:?} v{version}: {e}"));
    let mut out = (buf.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(&buf);
    out
}

/// Reads one response frame; None if the connection was closed instead.
pub fn read_frame(s: &mut TcpStream) -> Option<Bytes> {
    let mut len = [0u8; 4];
    match s.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if matches!(e.kind(), ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset) => return None,
        Err(e) => panic!("read failed (timeout?): {e}"),
    }
    let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).expect("frame body");
    Some(Bytes::from(body))
}

pub fn call<Req: Encodable, Resp: Decodable>(
    s: &mut TcpStream,
    key: ApiKey,
    version: i16,
    request: &Req,
) -> Resp {
    let correlation_id = 4242;
    s.write_all(&frame(key, version, correlation_id, request)).expect("write");
    let mut body = read_frame(s).unwrap_or_else(|| panic!("{key:?} v{version}: connection closed"));
    let header = ResponseHeader::decode(&mut body, key.response_header_version(version)).expect("header");
    assert_eq!(header.correlation_id, correlation_id);
    Resp::decode(&mut body, version).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"))
}

pub fn assert_closed(s: &mut TcpStream, what: &str) {
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Ok(n) => panic!("{what}: expected a close, got {n} bytes"),
        Err(e) => panic!("{what}: expected a close, got {e}"),
    }
}

