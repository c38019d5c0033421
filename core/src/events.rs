//! The per-client event queue: what librdkafka serves through rd_kafka_poll, on the caller's thread.
//!
//! Every client (producer, consumer, admin) owns one [`EventQueue`], reachable from every background
//! task through its `Client`. Background tasks push; the application's thread takes events with
//! [`EventQueue::poll`] (or through the producer's poll/flush and the consumer's poll) and runs its
//! callbacks there. No application code runs on a runtime thread unless the embedding asks for it
//! with [`EventQueue::set_forwarder`] (a thread-safe mode, for Node's threadsafe functions) or
//! [`EventQueue::set_log_handler`] (the CLI's stderr logger).
//!
//! Invariants:
//! - Delivery reports are never dropped; they count against queue.buffering.max.messages until
//!   they are polled (librdkafka counts a message until its report is served), so a producer
//!   nobody polls stops with `_QUEUE_FULL` instead of growing without bound.
//! - Every other event is bounded: past [`MAX_OTHER_EVENTS`] the oldest log line or statistics
//!   document goes (then the oldest other event), and the loss is counted.
//! - `wakeup` ends a poll in progress at once; with no poll waiting, the next poll returns at
//!   once. `wakeup_from_signal` takes no lock and allocates nothing (an atomic store and a futex
//!   wake), so a signal handler may call it. Waits are sliced (at most [`WAIT_SLICE`]) so that a
//!   wake-up racing with a poll going to sleep costs at most one slice.
//! - With an I/O event enabled, the payload is written each time the queue goes from empty to
//!   non-empty (rd_kafka_queue_io_event_enable), with a non-blocking write: a full pipe never
//!   blocks a runtime thread, it only means the application has a wake-up pending already.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::producer::DeliveryReport;

/// syslog severities, as librdkafka's log_level and log_cb use them.
pub mod level {
    pub const EMERG: i32 = 0;
    pub const ALERT: i32 = 1;
    pub const CRIT: i32 = 2;
    pub const ERR: i32 = 3;
    pub const WARNING: i32 = 4;
    pub const NOTICE: i32 = 5;
    pub const INFO: i32 = 6;
    pub const DEBUG: i32 = 7;
}

/// Events other than delivery reports kept while nobody polls.
pub const MAX_OTHER_EVENTS: usize = 10_000;

/// The longest a poll sleeps before it looks at the wake-up flag again.
pub const WAIT_SLICE: Duration = Duration::from_millis(100);

/// One log line (librdkafka's log_cb arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// syslog severity, [`level`].
    pub level: i32,
    /// librdkafka's facility names where one exists ("FAIL", "FETCH", "COMMIT", "THROTTLE", ...).
    pub facility: String,
    pub message: String,
}

/// A broker asked the client to slow down (librdkafka's throttle_cb).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// "host:port/id", librdkafka's broker name.
    pub broker_name: String,
    pub broker_id: i32,
    pub throttle_time_ms: i32,
}

/// One partition of an offset commit.
#[derive(Debug, Clone)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub error: Option<Error>,
}

/// The outcome of one commit (librdkafka's offset_commit_cb): `error` is the request's error
/// (`_NO_OFFSET` when there was nothing to commit), each offset has its own.
#[derive(Debug, Clone)]
pub struct CommitResult {
    pub error: Option<Error>,
    pub offsets: Vec<CommittedOffset>,
}

impl CommitResult {
    /// From a commit's outcome: the request's error, or one result per partition.
    pub fn from_outcome(outcome: &crate::error::Result<Vec<(String, i32, crate::error::Result<i64>)>>) -> CommitResult {
        match outcome {
            Err(e) => CommitResult { error: Some(e.clone()), offsets: Vec::new() },
            Ok(parts) => CommitResult {
                error: None,
                offsets: parts
                    .iter()
                    .map(|(t, p, r)| CommittedOffset {
                        topic: t.clone(),
                        partition: *p,
                        offset: *r.as_ref().unwrap_or(&-1001),
                        error: r.as_ref().err().cloned(),
                    })
                    .collect(),
            },
        }
    }
}

/// What the application's poll receives.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// A record produced with [`crate::producer::Completion::Queue`] has its outcome.
    Delivery(DeliveryReport),
    /// A client-level error (librdkafka's error_cb): all brokers down, authentication, a fatal
    /// idempotence or transaction error (`error.fatal`).
    Error(Error),
    Log(LogLine),
    /// librdkafka's statistics JSON, every statistics.interval.ms.
    Stats(String),
    Throttle(Throttle),
    /// Auto commits and asynchronous commits.
    OffsetCommit(CommitResult),
    /// sasl.oauthbearer.config, for the application to fetch a token with.
    OauthbearerTokenRefresh(String),
}

/// Receives events on whatever thread produces them (the thread-safe mode).
pub type Forwarder = Arc<dyn Fn(ClientEvent) + Send + Sync>;
/// Receives log lines on whatever thread logs them.
pub type LogHandler = Arc<dyn Fn(&LogLine) + Send + Sync>;

/// The stderr logger librdkafka installs by default: `%7|1700000000.123|FAC|client: message`.
pub fn stderr_logger(client_id: &str) -> LogHandler {
    let name = client_id.to_string();
    Arc::new(move |l: &LogLine| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "%{}|{}.{:03}|{}|{}: {}", l.level, now.as_secs(), now.subsec_millis(), l.facility, name, l.message);
    })
}

#[derive(Default)]
struct Queue {
    events: VecDeque<ClientEvent>,
    /// Delivery reports in `events`, and the key and value bytes they hold.
    reports: usize,
    report_bytes: usize,
    others: usize,
}

struct IoEvent {
    fd: std::fs::File,
    payload: Vec<u8>,
}

/// One client's events. Shared by its background tasks (push) and the application (poll).
pub struct EventQueue {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// For async waiters (the consumer's poll waits on its messages and on this).
    pub(crate) arrived: tokio::sync::Notify,
    /// Delivery reports were polled: queue space for a producer waiting in send_wait.
    pub(crate) reports_taken: tokio::sync::Notify,
    woken: AtomicBool,
    dropped: AtomicU64,
    /// Copies of `Queue::reports` / `report_bytes`, written under the queue lock, read without
    /// it: every send checks them against the queue limits, and must not take this lock.
    unpolled: std::sync::atomic::AtomicUsize,
    unpolled_bytes: std::sync::atomic::AtomicUsize,
    io: Mutex<Option<IoEvent>>,
    forwarder: RwLock<Option<Forwarder>>,
    log_handler: RwLock<Option<LogHandler>>,
    log_level: i32,
    debug: HashSet<String>,
}

impl EventQueue {
    /// `log_level` is the syslog threshold; `debug` the enabled debug contexts (librdkafka raises
    /// the level to debug when any is set).
    pub fn new(log_level: i32, debug: &[String]) -> EventQueue {
        let debug: HashSet<String> = debug.iter().map(|d| d.to_ascii_lowercase()).collect();
        EventQueue {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            arrived: tokio::sync::Notify::new(),
            reports_taken: tokio::sync::Notify::new(),
            woken: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            unpolled: std::sync::atomic::AtomicUsize::new(0),
            unpolled_bytes: std::sync::atomic::AtomicUsize::new(0),
            io: Mutex::new(None),
            forwarder: RwLock::new(None),
            log_handler: RwLock::new(None),
            log_level: if debug.is_empty() { log_level } else { level::DEBUG },
            debug,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an event (or hands it to the forwarder).
    pub fn push(&self, event: ClientEvent) {
        let forwarder = self.forwarder.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(f) = forwarder {
            f(event);
            return;
        }
        self.push_all_queued(std::iter::once(event));
    }

    /// Queues delivery reports, in order.
    pub fn push_reports(&self, reports: Vec<DeliveryReport>) {
        let forwarder = self.forwarder.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(f) = forwarder {
            for r in reports {
                f(ClientEvent::Delivery(r));
            }
            return;
        }
        self.push_all_queued(reports.into_iter().map(ClientEvent::Delivery));
    }

    fn push_all_queued(&self, events: impl Iterator<Item = ClientEvent>) {
        let mut q = self.lock();
        let was_empty = q.events.is_empty();
        let mut pushed = false;
        for event in events {
            pushed = true;
            match &event {
                ClientEvent::Delivery(r) => {
                    q.reports += 1;
                    q.report_bytes += report_bytes(r);
                }
                _ => {
                    q.others += 1;
                    if q.others > MAX_OTHER_EVENTS {
                        drop_oldest_other(&mut q);
                        self.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            q.events.push_back(event);
        }
        self.unpolled.store(q.reports, Ordering::Relaxed);
        self.unpolled_bytes.store(q.report_bytes, Ordering::Relaxed);
        drop(q);
        if !pushed {
            return;
        }
        self.ready.notify_all();
        self.arrived.notify_waiters();
        if was_empty {
            self.signal_io();
        }
    }

    fn signal_io(&self) {
        let mut io = self.io.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(io) = io.as_mut() {
            // Non-blocking: WouldBlock means a wake-up is pending in the pipe already.
            let payload = io.payload.clone();
            let _ = io.fd.write(&payload);
        }
    }

    /// Takes up to `max` events, waiting up to `timeout` for the first. Returns early (possibly
    /// empty) after [`wakeup`](Self::wakeup).
    pub fn poll(&self, timeout: Duration, max: usize) -> Vec<ClientEvent> {
        let deadline = crate::clock::deadline_after(timeout);
        let mut q = self.lock();
        loop {
            if !q.events.is_empty() || max == 0 {
                return self.take(q, max);
            }
            if self.woken.swap(false, Ordering::AcqRel) {
                return Vec::new();
            }
            let now = Instant::now();
            if now >= deadline {
                return Vec::new();
            }
            let slice = (deadline - now).min(WAIT_SLICE);
            q = match self.ready.wait_timeout(q, slice) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Takes up to `max` events without waiting.
    pub fn take_now(&self, max: usize) -> Vec<ClientEvent> {
        self.take(self.lock(), max)
    }

    fn take(&self, mut q: MutexGuard<'_, Queue>, max: usize) -> Vec<ClientEvent> {
        let reports_before = q.reports;
        let out = take(&mut q, max);
        let took_reports = q.reports < reports_before;
        self.unpolled.store(q.reports, Ordering::Relaxed);
        self.unpolled_bytes.store(q.report_bytes, Ordering::Relaxed);
        drop(q);
        if took_reports {
            self.reports_taken.notify_waiters();
        }
        out
    }

    /// Ends a poll in progress at once, or the next one if none is waiting (rd_kafka_yield,
    /// rd_kafka_queue_yield). From any thread; in a signal handler use
    /// [`wakeup_from_signal`](Self::wakeup_from_signal).
    pub fn wakeup(&self) {
        self.wakeup_from_signal();
        self.arrived.notify_waiters();
    }

    /// [`wakeup`](Self::wakeup) for a signal handler: an atomic store and a futex wake, no lock
    /// and no allocation. A blocking poll returns at once; an async one (the consumer's) sees it
    /// within [`WAIT_SLICE`].
    pub fn wakeup_from_signal(&self) {
        self.woken.store(true, Ordering::Release);
        self.ready.notify_all();
    }

    /// Clears a pending wake-up and says whether there was one (for pollers that wait elsewhere).
    pub(crate) fn take_wakeup(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    /// Events waiting, delivery reports included.
    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Delivery reports not yet polled, and the key and value bytes they hold.
    pub fn pending_reports(&self) -> (usize, usize) {
        (self.unpolled.load(Ordering::Relaxed), self.unpolled_bytes.load(Ordering::Relaxed))
    }

    /// Events other than delivery reports dropped because nobody polled.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Writes `payload` to `fd` whenever the queue goes from empty to non-empty (None turns it
    /// off). The descriptor is set non-blocking. If events are queued already, it is written at
    /// once, so nothing that arrived before is missed.
    pub fn io_event_enable(&self, fd: Option<OwnedFd>, payload: &[u8]) -> std::io::Result<()> {
        let io = match fd {
            None => None,
            Some(fd) => {
                let sock = std::os::unix::net::UnixStream::from(fd);
                // Works on pipes too: set_nonblocking is fcntl(O_NONBLOCK) on any descriptor.
                sock.set_nonblocking(true)?;
                Some(IoEvent { fd: std::fs::File::from(OwnedFd::from(sock)), payload: payload.to_vec() })
            }
        };
        *self.io.lock().unwrap_or_else(|p| p.into_inner()) = io;
        if !self.is_empty() {
            self.signal_io();
        }
        Ok(())
    }

    /// A descriptor that becomes readable when events arrive (one byte per empty-to-non-empty
    /// change): the read end of a socket pair whose write end the queue keeps. The application
    /// reads and discards the bytes, then polls.
    pub fn io_event_fd(&self) -> std::io::Result<OwnedFd> {
        let (read, write) = std::os::unix::net::UnixStream::pair()?;
        self.io_event_enable(Some(OwnedFd::from(write)), b"1")?;
        Ok(OwnedFd::from(read))
    }

    /// Every event goes to `forwarder` on the thread that produces it, instead of the queue.
    /// Events already queued stay for poll.
    pub fn set_forwarder(&self, forwarder: Option<Forwarder>) {
        *self.forwarder.write().unwrap_or_else(|p| p.into_inner()) = forwarder;
    }

    /// Log lines go to `handler` on the thread that logs them, instead of the queue.
    pub fn set_log_handler(&self, handler: Option<LogHandler>) {
        *self.log_handler.write().unwrap_or_else(|p| p.into_inner()) = handler;
    }

    /// Whether a line of this severity would be logged (log_level).
    pub fn logs(&self, level: i32) -> bool {
        level <= self.log_level
    }

    /// Whether a debug context (librdkafka's `debug` words: broker, topic, msg, fetch, cgrp, ...)
    /// is on.
    pub fn debugs(&self, context: &str) -> bool {
        !self.debug.is_empty() && (self.debug.contains("all") || self.debug.contains(context))
    }

    /// Logs a line, if log_level lets it through.
    pub fn log(&self, level: i32, facility: &str, message: impl Into<String>) {
        if !self.logs(level) {
            return;
        }
        let line = LogLine { level, facility: facility.to_string(), message: message.into() };
        let handler = self.log_handler.read().unwrap_or_else(|p| p.into_inner()).clone();
        match handler {
            Some(h) => h(&line),
            None => self.push(ClientEvent::Log(line)),
        }
    }

    /// Logs a debug line of `context`, built only when that context is on.
    pub fn debug(&self, context: &str, facility: &str, message: impl FnOnce() -> String) {
        if self.debugs(context) {
            self.log(level::DEBUG, facility, message());
        }
    }

    /// Reports a client-level error (librdkafka's error_cb). `facility` names the debug
    /// context's facility of the debug line that goes with it.
    pub fn error(&self, facility: &str, error: Error) {
        self.debug("all", facility, || format!("error event: {error}"));
        self.push(ClientEvent::Error(error));
    }
}

fn report_bytes(r: &DeliveryReport) -> usize {
    r.key.as_ref().map_or(0, |k| k.len()) + r.value.as_ref().map_or(0, |v| v.len())
}

fn take(q: &mut Queue, max: usize) -> Vec<ClientEvent> {
    let n = q.events.len().min(max);
    let out: Vec<ClientEvent> = q.events.drain(..n).collect();
    for e in &out {
        match e {
            ClientEvent::Delivery(r) => {
                q.reports -= 1;
                q.report_bytes = q.report_bytes.saturating_sub(report_bytes(r));
            }
            _ => q.others -= 1,
        }
    }
    out
}

/// Makes room among the non-report events: the oldest log line or statistics document first.
fn drop_oldest_other(q: &mut Queue) {
    let pos = q
        .events
        .iter()
        .position(|e| matches!(e, ClientEvent::Log(_) | ClientEvent::Stats(_)))
        .or_else(|| q.events.iter().position(|e| !matches!(e, ClientEvent::Delivery(_))));
    if let Some(i) = pos {
        q.events.remove(i);
        q.others -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::io::Read;

    fn log_count(events: &[ClientEvent]) -> usize {
        events.iter().filter(|e| matches!(e, ClientEvent::Log(_))).count()
    }

    #[test]
    fn log_level_and_debug_contexts_filter_lines() {
        let q = EventQueue::new(level::INFO, &[]);
        q.log(level::INFO, "X", "kept");
        q.log(level::DEBUG, "X", "dropped: above log_level");
        q.debug("fetch", "FETCH", || unreachable!("not built when the context is off"));
        assert_eq!(log_count(&q.take_now(100)), 1);

        let q = EventQueue::new(level::WARNING, &["fetch".to_string()]);
        q.debug("fetch", "FETCH", || "on".into());
        q.debug("broker", "BROKER", || unreachable!("context off"));
        let got = q.take_now(100);
        assert_eq!(log_count(&got), 1);
        assert!(matches!(&got[0], ClientEvent::Log(l) if l.level == level::DEBUG && l.facility == "FETCH"));
    }

    #[test]
    fn batch_poll_takes_at_most_n_in_order() {
        let q = EventQueue::new(level::DEBUG, &[]);
        for i in 0..5 {
            q.log(level::INFO, "T", format!("{i}"));
        }
        let first = q.poll(Duration::ZERO, 3);
        let rest = q.poll(Duration::ZERO, 10);
        let text = |v: &[ClientEvent]| -> Vec<String> {
            v.iter().map(|e| if let ClientEvent::Log(l) = e { l.message.clone() } else { String::new() }).collect()
        };
        assert_eq!(text(&first), ["0", "1", "2"]);
        assert_eq!(text(&rest), ["3", "4"]);
    }

    #[test]
    fn wakeup_ends_a_blocking_poll_from_another_thread() {
        let q = Arc::new(EventQueue::new(level::INFO, &[]));
        let q2 = q.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            q2.wakeup();
        });
        let start = Instant::now();
        let got = q.poll(Duration::from_secs(30), 10);
        assert!(got.is_empty());
        assert!(start.elapsed() < Duration::from_secs(5), "poll returned after {:?}", start.elapsed());
        t.join().expect("thread");
        // A wake-up with nobody polling makes the next poll return at once, once.
        q.wakeup();
        assert!(q.poll(Duration::from_secs(30), 1).is_empty());
        let start = Instant::now();
        assert!(q.poll(Duration::from_millis(150), 1).is_empty());
        assert!(start.elapsed() >= Duration::from_millis(140), "the wake-up was used up");
    }

    #[test]
    fn other_events_are_bounded_and_errors_outlive_logs() {
        let q = EventQueue::new(level::DEBUG, &[]);
        q.push(ClientEvent::Error(Error::new(ErrorKind::AllBrokersDown, "down")));
        for i in 0..MAX_OTHER_EVENTS + 9 {
            q.log(level::INFO, "T", format!("{i}"));
        }
        assert_eq!(q.len(), MAX_OTHER_EVENTS);
        assert_eq!(q.dropped(), 10);
        let got = q.take_now(1);
        assert!(matches!(&got[0], ClientEvent::Error(e) if e.kind == ErrorKind::AllBrokersDown));
    }

    #[test]
    fn the_io_fd_becomes_readable_when_the_queue_fills() {
        let q = EventQueue::new(level::INFO, &[]);
        let fd = q.io_event_fd().expect("fd");
        let mut read = std::os::unix::net::UnixStream::from(fd);
        read.set_nonblocking(true).expect("nonblocking");
        let mut buf = [0u8; 16];
        assert!(read.read(&mut buf).is_err(), "nothing before an event");
        q.log(level::INFO, "T", "one");
        q.log(level::INFO, "T", "two");
        assert_eq!(read.read(&mut buf).expect("readable"), 1, "one byte per empty-to-non-empty change");
        assert_eq!(q.take_now(10).len(), 2);
        q.log(level::INFO, "T", "three");
        assert_eq!(read.read(&mut buf).expect("readable again"), 1);
    }

    #[test]
    fn a_forwarder_gets_events_on_the_pushing_thread() {
        let q = EventQueue::new(level::INFO, &[]);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        q.set_forwarder(Some(Arc::new(move |e| s.lock().expect("lock").push(e))));
        q.log(level::INFO, "T", "x");
        assert!(q.is_empty());
        assert_eq!(seen.lock().expect("lock").len(), 1);
    }
}
