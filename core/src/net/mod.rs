//! Connections to brokers: framing, correlation, ApiVersions negotiation.
//!
//! One [`Connection`] per broker, shared by every task of a client. Requests are pipelined: a
//! caller encodes its request, hands the frame to the connection's writer task and awaits the
//! answer. Kafka answers requests on one connection strictly in order, so the reader task pairs
//! each response with the oldest pending request and checks the correlation id to be sure.
//!
//! Why two tasks and not one `select!`: reading a frame is not cancel-safe (a half-read length
//! prefix would be lost), so the reader owns the read half for its whole life.

pub mod versions;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, ErrorKind, Result};
use versions::VersionTable;

/// The largest response frame we accept. Fetch responses are bounded by fetch.max.bytes (50 MiB
/// by default) plus overhead; anything far larger means a corrupt stream, not a big answer.
const MAX_RESPONSE_FRAME: usize = 512 * 1024 * 1024;
/// What a response buffer starts at; it grows as bytes arrive, never on the word of a prefix.
const INITIAL_FRAME_BUFFER: usize = 64 * 1024;

/// What one broker's connections did, over every reconnect (librdkafka's per-broker statistics).
/// Plain counters: updated with relaxed atomics on the I/O paths, read by the statistics task.
#[derive(Debug, Default)]
pub struct BrokerCounters {
    /// Requests written, and their bytes.
    pub tx: AtomicU64,
    pub txbytes: AtomicU64,
    pub txerrs: AtomicU64,
    /// Responses read, and their bytes.
    pub rx: AtomicU64,
    pub rxbytes: AtomicU64,
    pub rxerrs: AtomicU64,
    pub req_timeouts: AtomicU64,
    pub connects: AtomicU64,
    pub disconnects: AtomicU64,
    /// Requests queued for the writer, not yet written.
    pub outbuf: AtomicU64,
    /// Round trips, in microseconds.
    pub rtt_sum_us: AtomicU64,
    pub rtt_cnt: AtomicU64,
    pub rtt_min_us: AtomicU64,
    pub rtt_max_us: AtomicU64,
    /// Requests sent and waiting for their answer, on the current connection.
    pub waitresp: AtomicU64,
}

impl BrokerCounters {
    fn note_rtt(&self, rtt: Duration) {
        let us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.rtt_sum_us.fetch_add(us, Ordering::Relaxed);
        let n = self.rtt_cnt.fetch_add(1, Ordering::Relaxed);
        if n == 0 {
            self.rtt_min_us.store(us, Ordering::Relaxed);
        } else {
            self.rtt_min_us.fetch_min(us, Ordering::Relaxed);
        }
        self.rtt_max_us.fetch_max(us, Ordering::Relaxed);
    }
}

struct Pending {
    sent: Instant,
    correlation_id: i32,
    api_key: ApiKey,
    response_header_version: i16,
    reply: oneshot::Sender<Result<Bytes>>,
}

struct Outgoing {
    frame: Bytes,
    /// None for acks=0 produce requests, which the broker never answers.
    pending: Option<Pending>,
}

/// Socket options of broker connections (socket.nagle.disable, socket.keepalive.enable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    pub nodelay: bool,
    pub keepalive: bool,
}

/// A live connection to one broker.
pub struct Connection {
    addr: String,
    client_id: StrBytes,
    tx: mpsc::UnboundedSender<Outgoing>,
    next_correlation_id: AtomicI32,
    closed: Arc<AtomicBool>,
    versions: VersionTable,
    request_timeout: Duration,
    counters: Arc<BrokerCounters>,
    /// Tasks started for this connection, aborted on drop so nothing outlives the client.
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("addr", &self.addr).finish()
    }
}

impl Connection {
    /// Connects, then negotiates API versions. `connect_timeout` bounds both steps. `counters`
    /// (the broker's, shared by its successive connections) count what this one does.
    pub async fn connect(
        addr: &str,
        client_id: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
        counters: Arc<BrokerCounters>,
        socket: SocketOptions,
    ) -> Result<Connection> {
        let stream = tokio::time::timeout(connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Transport,
                    format!("{addr}: connection timed out after {} ms", connect_timeout.as_millis()),
                )
            })?
            .map_err(|e| Error::new(ErrorKind::Transport, format!("{addr}: connect failed: {e}")))?;
        apply_socket_options(&stream, socket);
        let (read_half, write_half) = stream.into_split();
        let (tx, rx) = mpsc::unbounded_channel();
        let closed = Arc::new(AtomicBool::new(false));
        let queue: Arc<Mutex<VecDeque<Pending>>> = Arc::new(Mutex::new(VecDeque::new()));
        let writer = tokio::spawn(write_loop(
            write_half,
            rx,
            queue.clone(),
            closed.clone(),
            addr.to_string(),
            counters.clone(),
        ));
        let reader = tokio::spawn(read_loop(read_half, queue, closed.clone(), addr.to_string(), counters.clone()));
        let mut conn = Connection {
            addr: addr.to_string(),
            client_id: StrBytes::from_string(client_id.to_string()),
            tx,
            next_correlation_id: AtomicI32::new(1),
            closed,
            versions: VersionTable::default(),
            request_timeout,
            counters,
            tasks: vec![writer.abort_handle(), reader.abort_handle()],
        };
        let versions = tokio::time::timeout(connect_timeout, conn.negotiate_versions())
            .await
            .map_err(|_| {
                Error::new(ErrorKind::Transport, format!("{addr}: ApiVersions request timed out"))
            })??;
        conn.versions = versions;
        Ok(conn)
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire) || self.tx.is_closed()
    }

    pub fn versions(&self) -> &VersionTable {
        &self.versions
    }

    /// The version to use for `R`: the highest both sides support, capped at `our_max`.
    pub fn version<R: Request>(&self, our_max: i16) -> Result<i16> {
        self.versions.pick::<R>(our_max).ok_or_else(|| {
            Error::new(
                ErrorKind::UnsupportedFeature,
                format!(
                    "{}: broker does not support {:?} in a version this client speaks",
                    self.addr,
                    ApiKey::try_from(R::KEY).map(|k| format!("{k:?}")).unwrap_or_default()
                ),
            )
        })
    }

    /// Sends `req` at `version` and awaits its response.
    pub async fn send<R: Request>(&self, req: &R, version: i16) -> Result<R::Response> {
        let rx = self.enqueue(req, version, true)?.ok_or_else(|| {
            Error::new(ErrorKind::Fail, "internal: response channel missing")
        })?;
        let body = match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(r)) => r?,
            Ok(Err(_)) => {
                return Err(Error::new(
                    ErrorKind::Transport,
                    format!("{}: connection closed before the response arrived", self.addr),
                ))
            }
            Err(_) => {
                // A response that never comes leaves the pipeline out of step: drop the connection
                // so later requests start clean (librdkafka does the same on request timeout).
                self.counters.req_timeouts.fetch_add(1, Ordering::Relaxed);
                self.close();
                return Err(Error::new(
                    ErrorKind::TimedOut,
                    format!(
                        "{}: request timed out after {} ms",
                        self.addr,
                        self.request_timeout.as_millis()
                    ),
                ));
            }
        };
        decode_body::<R::Response>(body, version, &self.addr)
    }

    /// Sends `req` and returns without waiting (acks=0 produce: the broker sends nothing back).
    pub fn send_no_response<R: Request>(&self, req: &R, version: i16) -> Result<()> {
        self.enqueue(req, version, false).map(|_| ())
    }

    /// Sends and returns a receiver for the raw response body; lets the producer keep many
    /// requests in flight without a task each.
    pub fn send_raw<R: Request>(&self, req: &R, version: i16) -> Result<oneshot::Receiver<Result<Bytes>>> {
        self.enqueue(req, version, true)?.ok_or_else(|| Error::new(ErrorKind::Fail, "internal"))
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    fn enqueue<R: Request>(
        &self,
        req: &R,
        version: i16,
        expect_response: bool,
    ) -> Result<Option<oneshot::Receiver<Result<Bytes>>>> {
        if self.is_closed() {
            return Err(Error::new(ErrorKind::Transport, format!("{}: connection closed", self.addr)));
        }
        let api_key = ApiKey::try_from(R::KEY)
            .map_err(|_| Error::new(ErrorKind::InvalidArg, format!("unknown api key {}", R::KEY)))?;
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(self.client_id.clone()));
        let frame = encode_frame(&header, api_key.request_header_version(version), req, version)?;
        let (pending, rx) = if expect_response {
            let (reply, rx) = oneshot::channel();
            (
                Some(Pending {
                    sent: Instant::now(),
                    correlation_id,
                    api_key,
                    response_header_version: api_key.response_header_version(version),
                    reply,
                }),
                Some(rx),
            )
        } else {
            (None, None)
        };
        self.tx
            .send(Outgoing { frame, pending })
            .map_err(|_| Error::new(ErrorKind::Transport, format!("{}: connection closed", self.addr)))?;
        self.counters.outbuf.fetch_add(1, Ordering::Relaxed);
        Ok(rx)
    }

    /// Closes the connection; pending requests fail with a transport error.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for t in &self.tasks {
            t.abort();
        }
    }

    async fn negotiate_versions(&self) -> Result<VersionTable> {
        // v3 carries our software name; a broker that does not know v3 answers in v0 with
        // UNSUPPORTED_VERSION and its list, which is all we need.
        let req = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("ferrokafka"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let rx = self.enqueue(&req, 3, true)?.ok_or_else(|| Error::new(ErrorKind::Fail, "internal"))?;
        let body = rx.await.map_err(|_| {
            Error::new(ErrorKind::Transport, format!("{}: connection closed during ApiVersions", self.addr))
        })??;
        let error_code = body.clone().try_get_i16().unwrap_or(-1);
        let resp = if error_code == ErrorKind::UnsupportedVersion.code() as i16 {
            decode_body::<ApiVersionsResponse>(body, 0, &self.addr)?
        } else {
            decode_body::<ApiVersionsResponse>(body, 3, &self.addr)?
        };
        if resp.error_code != 0 && resp.api_keys.is_empty() {
            return Err(Error::from_kafka(resp.error_code, format!("{}: ApiVersions", self.addr)));
        }
        Ok(VersionTable::from_response(&resp))
    }
}

/// TCP_NODELAY by default: small requests (heartbeats, metadata) must not wait for Nagle, and
/// we batch ourselves. Failing to set an option is not worth failing the connection over.
fn apply_socket_options(stream: &TcpStream, socket: SocketOptions) {
    let _ = stream.set_nodelay(socket.nodelay);
    if socket.keepalive {
        let _ = socket2::SockRef::from(stream).set_keepalive(true);
    }
}

fn encode_frame<R: Encodable>(header: &RequestHeader, header_version: i16, req: &R, version: i16) -> Result<Bytes> {
    let size = header.compute_size(header_version).map_err(proto_err)? + req.compute_size(version).map_err(proto_err)?;
    let mut buf = BytesMut::with_capacity(size + 4);
    buf.put_i32(size as i32);
    header.encode(&mut buf, header_version).map_err(proto_err)?;
    req.encode(&mut buf, version).map_err(proto_err)?;
    Ok(buf.freeze())
}

fn proto_err(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidArg, format!("cannot encode request: {e}"))
}

pub(crate) fn decode_body<T: Decodable>(mut body: Bytes, version: i16, addr: &str) -> Result<T> {
    T::decode(&mut body, version).map_err(|e| {
        Error::new(ErrorKind::BadMsg, format!("{addr}: cannot decode response (version {version}): {e}"))
    })
}

async fn write_loop(
    half: tokio::net::tcp::OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    queue: Arc<Mutex<VecDeque<Pending>>>,
    closed: Arc<AtomicBool>,
    addr: String,
    counters: Arc<BrokerCounters>,
) {
    let mut w = BufWriter::with_capacity(256 * 1024, half);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        // Write everything already queued before one flush: many small requests, one syscall.
        while let Some(out) = next.take() {
            counters.outbuf.fetch_sub(1, Ordering::Relaxed);
            if let Some(p) = out.pending {
                if closed.load(Ordering::Acquire) {
                    let _ = p.reply.send(Err(Error::new(ErrorKind::Transport, format!("{addr}: connection closed"))));
                    continue;
                }
                // Registered before the bytes leave, so the reader always finds it.
                if let Ok(mut q) = queue.lock() {
                    q.push_back(p);
                    counters.waitresp.store(q.len() as u64, Ordering::Relaxed);
                }
            }
            if let Err(e) = w.write_all(&out.frame).await {
                counters.txerrs.fetch_add(1, Ordering::Relaxed);
                fail_all(&queue, &closed, &format!("{addr}: write failed: {e}"));
                return;
            }
            counters.tx.fetch_add(1, Ordering::Relaxed);
            counters.txbytes.fetch_add(out.frame.len() as u64, Ordering::Relaxed);
            next = rx.try_recv().ok();
        }
        if let Err(e) = w.flush().await {
            fail_all(&queue, &closed, &format!("{addr}: write failed: {e}"));
            return;
        }
    }
    closed.store(true, Ordering::Release);
}

async fn read_loop(
    mut half: tokio::net::tcp::OwnedReadHalf,
    queue: Arc<Mutex<VecDeque<Pending>>>,
    closed: Arc<AtomicBool>,
    addr: String,
    counters: Arc<BrokerCounters>,
) {
    let result: Result<()> = async {
        loop {
            let len = half.read_i32().await.map_err(|e| {
                Error::new(ErrorKind::Transport, format!("{addr}: connection closed by broker ({e})"))
            })?;
            if len < 4 || len as usize > MAX_RESPONSE_FRAME {
                return Err(Error::new(ErrorKind::BadMsg, format!("{addr}: invalid response frame length {len}")));
            }
            // Filled straight from the socket: no zeroing of large fetch responses first. The
            // buffer grows with the bytes that actually arrive (doubling from 64 KiB), so a
            // length prefix that lies costs no more memory than the bytes sent.
            let len = len as usize;
            let mut buf = BytesMut::with_capacity(len.min(INITIAL_FRAME_BUFFER));
            while buf.len() < len {
                if buf.capacity() == buf.len() {
                    buf.reserve((len - buf.len()).min(buf.capacity().max(INITIAL_FRAME_BUFFER)));
                }
                let mut limited = (&mut half).take((len - buf.len()) as u64);
                let n = limited.read_buf(&mut buf).await.map_err(|e| {
                    Error::new(ErrorKind::Transport, format!("{addr}: connection closed mid-response ({e})"))
                })?;
                if n == 0 {
                    return Err(Error::new(ErrorKind::Transport, format!("{addr}: connection closed mid-response")));
                }
            }
            let mut body = buf.freeze();
            counters.rx.fetch_add(1, Ordering::Relaxed);
            counters.rxbytes.fetch_add(len as u64 + 4, Ordering::Relaxed);
            let pending = queue
                .lock()
                .ok()
                .and_then(|mut q| {
                    let p = q.pop_front();
                    counters.waitresp.store(q.len() as u64, Ordering::Relaxed);
                    p
                })
                .ok_or_else(|| Error::new(ErrorKind::BadMsg, format!("{addr}: response with no request waiting for it")))?;
            counters.note_rtt(pending.sent.elapsed());
            // ApiVersions always answers with header v0 (see FACTS.md), whatever we asked.
            let hv = if pending.api_key == ApiKey::ApiVersions { 0 } else { pending.response_header_version };
            let header = ResponseHeader::decode(&mut body, hv).map_err(|e| {
                Error::new(ErrorKind::BadMsg, format!("{addr}: bad response header: {e}"))
            })?;
            if header.correlation_id != pending.correlation_id {
                let msg = format!(
                    "{addr}: response correlation id {} does not match request {}",
                    header.correlation_id, pending.correlation_id
                );
                let _ = pending.reply.send(Err(Error::new(ErrorKind::BadMsg, msg.clone())));
                return Err(Error::new(ErrorKind::BadMsg, msg));
            }
            let _ = pending.reply.send(Ok(body));
        }
    }
    .await;
    if let Err(e) = result {
        if e.kind == ErrorKind::BadMsg {
            counters.rxerrs.fetch_add(1, Ordering::Relaxed);
        }
        counters.disconnects.fetch_add(1, Ordering::Relaxed);
        counters.waitresp.store(0, Ordering::Relaxed);
        fail_all(&queue, &closed, &e.message);
    }
}

fn fail_all(queue: &Mutex<VecDeque<Pending>>, closed: &AtomicBool, msg: &str) {
    closed.store(true, Ordering::Release);
    if let Ok(mut q) = queue.lock() {
        for p in q.drain(..) {
            let _ = p.reply.send(Err(Error::new(ErrorKind::Transport, msg.to_string())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn socket_options_reach_the_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        for (nodelay, keepalive) in [(true, false), (false, true)] {
            let stream = TcpStream::connect(addr).await.expect("connect");
            apply_socket_options(&stream, SocketOptions { nodelay, keepalive });
            assert_eq!(stream.nodelay().expect("nodelay"), nodelay);
            assert_eq!(socket2::SockRef::from(&stream).keepalive().expect("keepalive"), keepalive);
        }
    }
}
