//! A broker that lies: answers built to crash a client that trusts the peer.
//!
//! Each [`Hostile`] case is one way a corrupt or malicious server can answer. A well-behaved
//! client ends every case with an error and never with a signal (an allocation failure aborts the
//! process), so the tests run the client under a 1 GiB address-space limit.
//!
//! The server is a plain thread with blocking sockets, so a synchronous test, an async test and a
//! child process (the CLI) can all use it. It answers ApiVersions honestly (unless the case is
//! about ApiVersions) with only ApiVersions 0-3 and Metadata 1 advertised, so every client picks
//! Metadata v1 and the bytes below are exactly what it decodes.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{ApiVersionsResponse, BrokerId, MetadataResponse, TopicName};
use kafka_protocol::protocol::{Encodable, StrBytes};

const API_VERSIONS: i16 = 18;
const METADATA: i16 = 3;

/// One way of answering badly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// ApiVersions v3 whose api_keys compact array claims 2^32-2 entries.
    ApiVersionsArrayBomb,
    /// ApiVersions v0-style (error UNSUPPORTED_VERSION) whose api_keys array claims 2^31-1 entries.
    ApiVersionsV0ArrayBomb,
    /// A valid ApiVersions, then a Metadata v1 whose brokers array claims 2^31-1 entries.
    MetadataArrayBomb,
    /// A valid ApiVersions, then Metadata v1 listing partitions with ids 2,000,000,000,
    /// i32::MAX and -5 of a topic named `hostile`.
    AbsurdPartitionIds,
    /// A frame announcing 1000 bytes, 10 bytes of it, then the connection closes.
    TruncatedFrame,
    /// A length prefix of 2 GiB - 1, then nothing (the connection stays open).
    HugeLengthPrefix,
    /// A length prefix of 500 MiB (under any sane frame limit), 8 bytes, then silence.
    LyingLengthPrefix,
}

impl Hostile {
    /// Every case, for tests that walk them all.
    pub const ALL: [Hostile; 7] = [
        Hostile::ApiVersionsArrayBomb,
        Hostile::ApiVersionsV0ArrayBomb,
        Hostile::MetadataArrayBomb,
        Hostile::AbsurdPartitionIds,
        Hostile::TruncatedFrame,
        Hostile::HugeLengthPrefix,
        Hostile::LyingLengthPrefix,
    ];

    /// The case named like the variant in kebab case (`metadata-array-bomb`), for the
    /// standalone broker's command line.
    pub fn parse(name: &str) -> Option<Hostile> {
        Hostile::ALL.into_iter().find(|h| h.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Hostile::ApiVersionsArrayBomb => "api-versions-array-bomb",
            Hostile::ApiVersionsV0ArrayBomb => "api-versions-v0-array-bomb",
            Hostile::MetadataArrayBomb => "metadata-array-bomb",
            Hostile::AbsurdPartitionIds => "absurd-partition-ids",
            Hostile::TruncatedFrame => "truncated-frame",
            Hostile::HugeLengthPrefix => "huge-length-prefix",
            Hostile::LyingLengthPrefix => "lying-length-prefix",
        }
    }
}

/// A running hostile server; dropping it stops accepting (open connections end with the client).
pub struct HostileBroker {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl HostileBroker {
    /// Listens on a free loopback port and answers every connection with `case`.
    pub fn start(case: Hostile) -> io::Result<HostileBroker> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::Builder::new().name(format!("hostile-{}", case.name())).spawn(move || {
            while !stopped.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = thread::Builder::new().spawn(move || {
                            let _ = serve(stream, case, addr);
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(5)),
                    Err(_) => return,
                }
            }
        })?;
        Ok(HostileBroker { addr, stop })
    }

    /// `127.0.0.1:port`, for bootstrap.servers.
    pub fn bootstrap(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for HostileBroker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Reads one request frame: (api key, api version, correlation id).
fn read_request(stream: &mut TcpStream) -> io::Result<(i16, i16, i32)> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = i32::from_be_bytes(len);
    if !(8..=1 << 20).contains(&len) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "request frame length"));
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body)?;
    let i16_at = |i: usize| i16::from_be_bytes([body[i], body[i + 1]]);
    let correlation = i32::from_be_bytes([body[4], body[5], body[6], body[7]]);
    Ok((i16_at(0), i16_at(2), correlation))
}

fn frame(correlation: i32, body: &[u8]) -> Vec<u8> {
    // Response header v0 (correlation id only): ApiVersions always, Metadata v1 too.
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    out.extend_from_slice(&correlation.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn encoded(message: &impl Encodable, version: i16) -> io::Result<Vec<u8>> {
    let mut buf = BytesMut::new();
    message.encode(&mut buf, version).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    Ok(buf.to_vec())
}

fn honest_api_versions(version: i16) -> io::Result<Vec<u8>> {
    let key = |api_key, max_version| {
        ApiVersion::default().with_api_key(api_key).with_min_version(if api_key == METADATA { 1 } else { 0 }).with_max_version(max_version)
    };
    let response = ApiVersionsResponse::default().with_api_keys(vec![key(API_VERSIONS, 3), key(METADATA, 1)]);
    encoded(&response, version.min(3))
}

fn absurd_metadata(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let broker = MetadataResponseBroker::default()
        .with_node_id(BrokerId(0))
        .with_host(StrBytes::from_string(addr.ip().to_string()))
        .with_port(i32::from(addr.port()));
    let partition = |id| MetadataResponsePartition::default().with_partition_index(id).with_leader_id(BrokerId(0));
    let topic = MetadataResponseTopic::default()
        .with_name(Some(TopicName(StrBytes::from_static_str("hostile"))))
        .with_partitions(vec![partition(2_000_000_000), partition(i32::MAX), partition(-5)]);
    let response = MetadataResponse::default().with_brokers(vec![broker]).with_topics(vec![topic]);
    encoded(&response, 1)
}

fn serve(mut stream: TcpStream, case: Hostile, addr: SocketAddr) -> io::Result<()> {
    loop {
        let (key, version, correlation) = read_request(&mut stream)?;
        let reply: Vec<u8> = match (case, key) {
            (Hostile::ApiVersionsArrayBomb, API_VERSIONS) => {
                // error_code 0, api_keys: compact count 2^32-1 (= 2^32-2 entries), nothing after.
                frame(correlation, &[0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f])
            }
            (Hostile::ApiVersionsV0ArrayBomb, API_VERSIONS) => {
                // error_code UNSUPPORTED_VERSION (35) makes a client read the body as v0.
                frame(correlation, &[0, 35, 0x7f, 0xff, 0xff, 0xff])
            }
            (Hostile::TruncatedFrame, _) => {
                let mut out = 1000i32.to_be_bytes().to_vec();
                out.extend_from_slice(&correlation.to_be_bytes());
                out.extend_from_slice(&[0; 6]);
                stream.write_all(&out)?;
                return Ok(());
            }
            (Hostile::HugeLengthPrefix, _) => {
                stream.write_all(&i32::MAX.to_be_bytes())?;
                // Stay open: the client must not wait for 2 GiB that will never come.
                let mut sink = [0u8; 1024];
                while stream.read(&mut sink)? > 0 {}
                return Ok(());
            }
            (Hostile::LyingLengthPrefix, _) => {
                let mut out = (500i32 << 20).to_be_bytes().to_vec();
                out.extend_from_slice(&correlation.to_be_bytes());
                out.extend_from_slice(&[0; 4]);
                stream.write_all(&out)?;
                let mut sink = [0u8; 1024];
                while stream.read(&mut sink)? > 0 {}
                return Ok(());
            }
            (_, API_VERSIONS) => frame(correlation, &honest_api_versions(version)?),
            (Hostile::MetadataArrayBomb, METADATA) => {
                let mut body = BytesMut::new();
                body.put_i32(i32::MAX); // brokers: 2^31-1 entries, none present
                frame(correlation, &body)
            }
            (Hostile::AbsurdPartitionIds, METADATA) => frame(correlation, &absurd_metadata(addr)?),
            _ => return Ok(()), // anything else: hang up
        };
        stream.write_all(&reply)?;
    }
}
