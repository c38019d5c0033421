//! Listeners and connections: framing, request headers, dispatch, responses in request order.
//!
//! Each connection is served by one task that handles its requests one at a time, as Kafka does
//! (it mutes a connection until the response of its current request is sent), so responses are
//! always in request order, including around acks=0 produce requests that get none.
//!
//! Anything malformed closes that connection only, with one line on stderr: a length prefix < 0 or
//! above [`MAX_FRAME`], a frame too short for a header or cut short by EOF, an unknown API key, an
//! unsupported version, an undecodable header or body. Nothing here unwraps network input.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader};
use kafka_protocol::protocol::Decodable;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::handlers::{self, BrokerContext, Client, Reply};
use crate::request_guard;

/// Largest request accepted (Kafka's socket.request.max.bytes default is 100 MiB).
pub(crate) const MAX_FRAME: i32 = 100 * 1024 * 1024;
/// api key + api version + correlation id: the least a request can hold.
const MIN_FRAME: usize = 8;

/// One line on stderr for connection-level events.
fn log(node_id: i32, peer: SocketAddr, message: &str) {
    eprintln!("ferrokafka-testkit broker {node_id}: {peer}: {message}");
}

/// Resolves once the cluster shuts down (or its state is gone). The `Ref` that `wait_for` returns
/// is not `Send`, so it is dropped here rather than held in a `select!`.
pub(crate) async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopped| *stopped).await.map(drop);
}

/// Accepts connections until the cluster shuts down.
pub(crate) async fn serve(listener: TcpListener, broker: BrokerContext) {
    let mut shutdown = broker.cluster.subscribe_shutdown();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(connection(stream, peer, broker.clone()));
                }
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning on the error.
                    eprintln!("ferrokafka-testkit broker {}: accept failed: {e}", broker.node_id);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stopped(&mut shutdown) => return,
        }
    }
}

/// Serves one connection until the peer closes it, it misbehaves, `disconnect_all` is called or the
/// cluster shuts down. Dropping the stream closes the socket.
async fn connection(stream: TcpStream, peer: SocketAddr, broker: BrokerContext) {
    // Subscribing marks the current value as seen: only a later `disconnect_all` closes us.
    let mut disconnect = broker.cluster.subscribe_disconnect();
    let mut shutdown = broker.cluster.subscribe_shutdown();
    let _ = stream.set_nodelay(true);
    tokio::select! {
        result = serve_requests(stream, peer, &broker) => {
            if let Err(reason) = result {
                log(broker.node_id, peer, &format!("closing connection: {reason}"));
            }
        }
        _ = disconnect.changed() => {}
        _ = stopped(&mut shutdown) => {}
    }
}

/// The request loop. `Ok` is a clean close by the peer; `Err` carries the reason we closed.
async fn serve_requests(stream: TcpStream, peer: SocketAddr, broker: &BrokerContext) -> Result<(), String> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    loop {
        let Some(frame) = read_frame(&mut reader).await? else {
            return Ok(());
        };
        // Fault injection: a stalled broker holds each request, unanswered, until released.
        while broker.cluster.faults.is_stalled(broker.node_id) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(response) = handle_frame(broker, peer, frame).await? {
            writer
                .write_all(&response)
                .await
                .map_err(|e| format!("write failed: {e}"))?;
        }
    }
}

/// Reads one length-prefixed frame; `None` on a clean EOF between frames.
async fn read_frame<R: AsyncReadExt + Unpin>(reader: &mut R) -> Result<Option<Bytes>, String> {
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match reader.read(&mut prefix[got..]).await {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(format!("truncated length prefix ({got} of 4 bytes)")),
            Ok(n) => got += n,
            Err(e) => return Err(format!("read failed: {e}")),
        }
    }
    let len = i32::from_be_bytes(prefix);
    if !(0..=MAX_FRAME).contains(&len) {
        return Err(format!("frame length {len} is outside 0..={MAX_FRAME}"));
    }
    let len = len as usize;
    if len < MIN_FRAME {
        return Err(format!("frame of {len} bytes is too short for a request header"));
    }
    // Grow with the data actually received, so a large prefix alone cannot make us allocate.
    let mut buf = Vec::with_capacity(len.min(64 * 1024));
    let read = reader
        .take(len as u64)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| format!("read failed: {e}"))?;
    if read < len {
        return Err(format!("truncated frame: {read} of {len} bytes before EOF"));
    }
    Ok(Some(Bytes::from(buf)))
}

/// Decodes the header, dispatches, and frames the response (`None`: nothing to send).
async fn handle_frame(broker: &BrokerContext, peer: SocketAddr, frame: Bytes) -> Result<Option<BytesMut>, String> {
    let raw_key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let correlation_id = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let key = ApiKey::try_from(raw_key).map_err(|_| format!("unknown API key {raw_key}"))?;
    let mut body = frame;
    let header_known = key != ApiKey::ApiVersions
        || handlers::api_versions_supported(version);
    // Kafka's form of the client host ("/127.0.0.1"), shown by DescribeGroups.
    let mut client = Client {
        id: String::new(),
        host: format!("/{}", peer.ip()),
    };
    if header_known {
        let header = RequestHeader::decode(&mut body, key.request_header_version(version))
            .map_err(|e| format!("{key:?} v{version}: bad request header: {e:#}"))?;
        client.id = header.client_id.map(|id| id.to_string()).unwrap_or_default();
        request_guard::check(key, version, &body).map_err(|e| format!("{key:?} v{version}: {e}"))?;
    }
    // else: an ApiVersions version from the future; its header layout may differ, but the
    // correlation id is always at bytes 4..8, which is all the v0 answer needs.
    let reply = handlers::dispatch(broker, &client, key, version, body)
        .await
        .map_err(|e| format!("{key:?} v{version}: {e:#}"))?;
    let body = match reply {
        Reply::Body(body) => body,
        Reply::Nothing => return Ok(None),
        Reply::Close(reason) => return Err(reason),
    };
    let header_version = if header_known {
        handlers::response_header_version(key, version)
    } else {
        0
    };
    let header_len = if header_version >= 1 { 5 } else { 4 };
    let mut out = BytesMut::with_capacity(4 + header_len + body.len());
    out.put_i32((header_len + body.len()) as i32);
    out.put_i32(correlation_id);
    if header_version >= 1 {
        out.put_u8(0); // empty tagged fields
    }
    out.extend_from_slice(&body);
    Ok(Some(out))
}
