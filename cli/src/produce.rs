//! `-P`: one message per delimited piece of stdin (or of the `-l` file), or one per file.
//!
//! A reader thread splits the input into messages (zero-copy `Bytes` slices of large read
//! buffers) while the main thread produces them, so reading and producing overlap. Records are
//! queued with `produce` and their delivery reports collected in bulk with `poll`; nothing waits
//! per message. As in kcat: empty messages are skipped, the last piece is sent even without a
//! trailing delimiter, a full queue is waited out, any delivery failure makes the exit code 1.

use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ferrokafka::blocking::Producer;
use ferrokafka::{ClientConfig, ClientEvent, DeliveryReport, ErrorKind, ProducerRecord};

use crate::args::Options;
use crate::{info, signals, strerror, Failure};

/// How much input the reader asks for at once.
const READ_SIZE: usize = 256 * 1024;
/// Delivery reports are collected after this many produced messages.
const POLL_EVERY: u64 = 1024;

#[derive(Default)]
struct Stats {
    tx: u64,
    delivery_failed: u64,
}

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    let producer =
        Producer::new(config).map_err(|e| Failure::Fatal(format!("Failed to create producer: {}", e.message)))?;
    crate::log_to_stderr(producer.events(), config);
    let topic = opts.topic.clone().unwrap_or_default();
    let mut p = Producing {
        opts,
        producer,
        topic,
        stats: Stats::default(),
        stdout: std::io::stdout(),
    };
    let mut exit = 0;

    if !opts.positional.is_empty() && !opts.line_mode {
        // Each file is one message.
        let mut good = 0;
        for path in &opts.positional {
            let shown = path.to_string_lossy();
            let data = match std::fs::read(path) {
                Ok(d) => d,
                Err(e) => {
                    info!(1, "Failed to open {shown}: {}\n", strerror(&e));
                    continue;
                }
            };
            good += 1;
            if data.is_empty() {
                info!(3, "Skipping empty file {shown}\n");
                continue;
            }
            info!(4, "Producing file {shown} ({} bytes)\n", data.len());
            p.produce(opts.fixed_key.clone(), Some(Bytes::from(data)))?;
        }
        if good == 0 {
            exit = 1;
        } else if good < opts.positional.len() {
            info!(
                1,
                "Failed to produce from {}/{} files\n",
                opts.positional.len() - good,
                opts.positional.len()
            );
        }
    } else {
        let input: Box<dyn Read + Send> = match opts.positional.first() {
            Some(path) => Box::new(
                std::fs::File::open(path)
                    .map_err(|e| Failure::Fatal(format!("Cannot open {}: {}", path.to_string_lossy(), strerror(&e))))?,
            ),
            None => Box::new(std::io::stdin()),
        };
        let max_size = config
            .get("message.max.bytes")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let batches = spawn_reader(input, opts.delim.clone(), max_size);
        p.produce_input(&batches)?;
    }

    p.wait_for_deliveries();
    if p.stats.delivery_failed > 0 {
        exit = 1;
    }
    Ok(exit)
}

struct Producing<'a> {
    opts: &'a Options,
    producer: Producer,
    topic: String,
    stats: Stats,
    stdout: std::io::Stdout,
}

impl Producing<'_> {
    fn produce_input(&mut self, batches: &Receiver<Result<Vec<Bytes>, String>>) -> Result<(), Failure> {
        loop {
            if signals::stop_requested() {
                return Ok(());
            }
            let batch = match batches.recv_timeout(Duration::from_millis(100)) {
                Ok(Ok(batch)) => batch,
                Ok(Err(e)) => return Err(Failure::Fatal(e)),
                Err(RecvTimeoutError::Timeout) => {
                    self.serve_reports(Duration::ZERO);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            for line in batch {
                if line.is_empty() {
                    continue;
                }
                let (key, value) = self.split_key(&line);
                self.produce(key.or_else(|| self.opts.fixed_key.clone()), value)?;
                if self.opts.tee {
                    // kcat tees the input piece without its delimiter.
                    self.stdout.write_all(&line).map_err(|e| {
                        Failure::Fatal(format!(
                            "Tee write error for message of {} bytes: {}",
                            line.len(),
                            strerror(&e)
                        ))
                    })?;
                }
                if Some(self.stats.tx) == self.opts.count || signals::stop_requested() {
                    return Ok(());
                }
            }
        }
    }

    /// `-K`: the key is what precedes the first key delimiter; with `-Z` an empty key or value
    /// is NULL. No delimiter: no key, the whole piece is the value.
    fn split_key(&self, line: &Bytes) -> (Option<Bytes>, Option<Bytes>) {
        let Some(kd) = self.opts.key_delim.as_deref().filter(|d| !d.is_empty()) else {
            return (None, Some(line.clone()));
        };
        let Some(at) = find(line, kd) else {
            return (None, Some(line.clone()));
        };
        let key = line.slice(..at);
        let value = line.slice(at + kd.len()..);
        let nullable = |b: Bytes| {
            if self.opts.null_empty && b.is_empty() {
                None
            } else {
                Some(b)
            }
        };
        (nullable(key), nullable(value))
    }

    /// Queues one record, waiting while the queue is full.
    fn produce(&mut self, key: Option<Bytes>, value: Option<Bytes>) -> Result<(), Failure> {
        let len = value.as_ref().map_or(0, Bytes::len);
        loop {
            let record = ProducerRecord {
                topic: self.topic.clone(),
                partition: self.opts.partition,
                key: key.clone(),
                value: value.clone(),
                headers: self.opts.headers.clone(),
                timestamp: None,
                opaque: 0,
            };
            match self.producer.produce(record) {
                Ok(()) => break,
                Err(e) if e.kind == ErrorKind::QueueFull => {
                    if signals::stop_requested() {
                        return Err(Failure::Fatal(format!(
                            "Program terminated while producing message of {len} bytes"
                        )));
                    }
                    self.serve_reports(Duration::from_millis(5));
                }
                Err(e) => {
                    return Err(Failure::Fatal(format!(
                        "Failed to produce message ({len} bytes): {}",
                        e.kind.description()
                    )))
                }
            }
        }
        self.stats.tx += 1;
        if self.stats.tx.is_multiple_of(POLL_EVERY) {
            self.serve_reports(Duration::ZERO);
        }
        Ok(())
    }

    /// Handles the delivery reports that are ready, waiting up to `timeout` for the first.
    fn serve_reports(&mut self, timeout: Duration) {
        for event in self.producer.poll(timeout, usize::MAX) {
            match event {
                ClientEvent::Delivery(report) => self.report(&report),
                // kcat's error_cb: say it and go on (the library keeps retrying).
                ClientEvent::Error(e) => info!(1, "ERROR: {}\n", e.message),
                _ => {}
            }
        }
    }

    fn report(&mut self, r: &DeliveryReport) {
        match &r.error {
            Some(e) => {
                self.stats.delivery_failed += 1;
                info!(1, "Delivery failed for message: {}\n", e.kind.description());
                info!(2, "Delivery failure detail: {}\n", e.message);
            }
            None => info!(
                3,
                "Message delivered to partition {} (offset {}) on broker -1\n", r.partition, r.offset
            ),
        }
    }

    /// Sends what is queued and waits for every outcome; a second signal gives up waiting.
    fn wait_for_deliveries(&mut self) {
        loop {
            let flushed = self.producer.flush(Duration::from_millis(100));
            self.serve_reports(Duration::ZERO);
            if flushed.is_ok() && self.producer.in_flight_count() == 0 {
                break;
            }
            if signals::count() >= 2 {
                info!(
                    1,
                    "Giving up on {} undelivered message(s)\n",
                    self.producer.in_flight_count()
                );
                self.stats.delivery_failed += 1;
                break;
            }
        }
        let _ = self.stdout.flush();
    }
}

/// First occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&c| c == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads `input` on its own thread and sends batches of delimited pieces (the delimiter
/// removed, empty pieces included). The channel closes at end of input; a read error or a piece
/// longer than `max_size` is sent as an error.
fn spawn_reader(
    mut input: Box<dyn Read + Send>,
    delim: Vec<u8>,
    max_size: usize,
) -> Receiver<Result<Vec<Bytes>, String>> {
    let (tx, rx) = mpsc::sync_channel(8);
    std::thread::Builder::new()
        .name("ferrokafka-stdin".into())
        .spawn(move || {
            let mut splitter = Splitter::new(delim, max_size);
            loop {
                let mut batch = Vec::new();
                let result = splitter.fill(&mut input).and_then(|eof| {
                    splitter.drain_into(&mut batch, eof)?;
                    Ok(eof)
                });
                match result {
                    Ok(eof) => {
                        if (!batch.is_empty() && tx.send(Ok(batch)).is_err()) || eof {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        })
        .expect("spawn the input reader thread");
    rx
}

/// Splits a byte stream at a (possibly multi-byte) delimiter without copying the pieces.
struct Splitter {
    buf: BytesMut,
    delim: Vec<u8>,
    /// Where the delimiter search resumes (everything before has no delimiter start).
    scanned: usize,
    max_size: usize,
}

impl Splitter {
    fn new(delim: Vec<u8>, max_size: usize) -> Splitter {
        Splitter {
            buf: BytesMut::with_capacity(READ_SIZE),
            delim,
            scanned: 0,
            max_size,
        }
    }

    /// Reads once; true at end of input.
    fn fill(&mut self, input: &mut dyn Read) -> Result<bool, String> {
        let len = self.buf.len();
        self.buf.resize(len + READ_SIZE, 0);
        loop {
            match input.read(&mut self.buf[len..]) {
                Ok(n) => {
                    self.buf.truncate(len + n);
                    return Ok(n == 0);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(format!("Unable to read message: {}", strerror(&e)));
                }
            }
        }
    }

    /// Moves every complete piece to `out`; at end of input the rest is a piece too.
    fn drain_into(&mut self, out: &mut Vec<Bytes>, eof: bool) -> Result<(), String> {
        let dlen = self.delim.len();
        while let Some(at) = find(&self.buf[self.scanned..], &self.delim).map(|i| i + self.scanned) {
            let piece = self.buf.split_to(at).freeze();
            let _ = self.buf.split_to(dlen);
            self.scanned = 0;
            out.push(piece);
        }
        if eof {
            if !self.buf.is_empty() {
                out.push(self.buf.split().freeze());
            }
            return Ok(());
        }
        if self.buf.len() > self.max_size + dlen {
            return Err(format!("Input is too large, maximum size is {}", self.max_size + dlen));
        }
        // A delimiter may straddle the next read: rescan its first dlen-1 bytes then.
        self.scanned = self.buf.len().saturating_sub(dlen - 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], delim: &[u8], read_size: usize) -> Vec<Vec<u8>> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut input = Trickle(input, read_size);
        let mut s = Splitter::new(delim.to_vec(), 1_000_000);
        let mut out = Vec::new();
        loop {
            let eof = s.fill(&mut input).unwrap_or_else(|e| panic!("{e}"));
            s.drain_into(&mut out, eof).unwrap_or_else(|e| panic!("{e}"));
            if eof {
                return out.iter().map(|b| b.to_vec()).collect();
            }
        }
    }

    #[test]
    fn splits_like_kcat_inbuf() {
        for read_size in [1, 2, 3, 1000] {
            assert_eq!(
                split(b"a\nbb\n\nc", b"\n", read_size),
                vec![&b"a"[..], b"bb", b"", b"c"]
            );
            assert_eq!(split(b"a\n", b"\n", read_size), vec![&b"a"[..]]);
            assert_eq!(split(b"x::y:z::::", b"::", read_size), vec![&b"x"[..], b"y:z", b""]);
            assert_eq!(split(b"", b"\n", read_size), Vec::<Vec<u8>>::new());
        }
    }

    #[test]
    fn rejects_oversized_pieces() {
        let mut s = Splitter::new(b"\n".to_vec(), 1000);
        let mut input: &[u8] = &[b'a'; 5000];
        s.fill(&mut input).unwrap_or_else(|e| panic!("{e}"));
        let err = s.drain_into(&mut Vec::new(), false).expect_err("invalid");
        assert_eq!(err, "Input is too large, maximum size is 1001");
    }
}
