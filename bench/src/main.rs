//! `ferrokafka-bench`: ferrokafka's side of `make bench` (bench/run.sh drives it).
//!
//! ```text
//! ferrokafka-bench produce --bootstrap B --topic T --count N --size S [--acks 1|all] [--compression none|lz4]
//!                          [--delivery poll|future] [-X key=value]...
//! ferrokafka-bench consume --bootstrap B --topic T --count N [--api blocking|async] [-X key=value]...
//! ferrokafka-bench latency --bootstrap B --topic T [--rate R] [--seconds D] [--size S] [--acks 1|all]
//! ferrokafka-bench create-topic --bootstrap B --topic T [--partitions P]
//! ferrokafka-bench delete-topic --bootstrap B --topic T[,T...]
//! ```
//! Defaults are the fastest ways we found to drive ferrokafka (bench/RESULTS.md has the comparison):
//! `--delivery poll` (librdkafka's model: `produce` + `poll` for delivery reports) and `--api async`
//! (the async consumer's poll in one `block_on`, rather than one `block_on` per blocking poll).
//!
//! Each measurement prints one `result key=value ...` line on stdout, in the same format as
//! bench/rdkafka_bench.c and bench/JavaLatency.java, so run.sh parses every client alike.
//!
//! What is measured, for every client the same way:
//! - produce: from the first send until every delivery report is in (flush), N records of S random
//!   A-Z bytes (what Kafka's ProducerPerformance sends), no key, no per-record waiting;
//! - consume: from assign (offset lookup included) until N records were handed to the application;
//! - latency: R records/s for 1 + D seconds, each carrying its send time (monotonic ns) and sequence;
//!   the consumer in the same process computes receive time minus send time; the first second is
//!   warm-up (connections, metadata) and not counted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrokafka::blocking::{self, AdminClient, Consumer, Producer};
use ferrokafka::producer::Completion;
use ferrokafka::{ClientConfig, ClientEvent, DeliveryReport, ErrorKind, Event, NewTopic, Offset, ProducerRecord, TopicPartitionOffset};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: ferrokafka-bench produce|consume|latency|create-topic|delete-topic --bootstrap B --topic T \
[--count N] [--size S] [--acks 1|all] [--compression none|lz4] [--delivery poll|future] [--api blocking|async] \
[--rate R] [--seconds D] [--partitions P] [-X key=value]...";

/// MB as Kafka's perf tools count them.
const MB: f64 = 1024.0 * 1024.0;

struct Args {
    mode: String,
    bootstrap: String,
    topic: String,
    count: u64,
    size: usize,
    acks: String,
    compression: String,
    delivery: String,
    api: String,
    rate: u64,
    seconds: u64,
    partitions: i32,
    props: Vec<(String, String)>,
}

fn parse_args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().ok_or(USAGE)?;
    let mut a = Args {
        mode,
        bootstrap: String::new(),
        topic: String::new(),
        count: 100_000,
        size: 100,
        acks: "1".into(),
        compression: "none".into(),
        delivery: "poll".into(),
        api: "async".into(),
        rate: 2000,
        seconds: 10,
        partitions: 3,
        props: Vec::new(),
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--bootstrap" => a.bootstrap = value()?,
            "--topic" => a.topic = value()?,
            "--count" => a.count = value()?.parse()?,
            "--size" => a.size = value()?.parse()?,
            "--acks" => a.acks = value()?,
            "--compression" => a.compression = value()?,
            "--delivery" => a.delivery = value()?,
            "--api" => a.api = value()?,
            "--rate" => a.rate = value()?.parse()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--partitions" => a.partitions = value()?.parse()?,
            "-X" => {
                let kv = value()?;
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("-X {kv}: expected key=value"))?;
                a.props.push((k.to_string(), v.to_string()));
            }
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}").into()),
        }
    }
    if a.bootstrap.is_empty() || a.topic.is_empty() {
        return Err(format!("--bootstrap and --topic are required\n{USAGE}").into());
    }
    Ok(a)
}

fn main() {
    let r = parse_args().and_then(|a| match a.mode.as_str() {
        "produce" => produce(&a),
        "consume" => consume(&a),
        "latency" => latency(&a),
        "create-topic" => create_topic(&a),
        "delete-topic" => delete_topic(&a),
        other => Err(format!("unknown mode {other:?}\n{USAGE}").into()),
    });
    if let Err(e) = r {
        eprintln!("ferrokafka-bench: {e}");
        std::process::exit(1);
    }
}

fn config(a: &Args, extra: &[(&str, &str)]) -> Result<ClientConfig> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &a.bootstrap)?;
    for (k, v) in extra {
        c.set(k, v)?;
    }
    for (k, v) in &a.props {
        c.set(k, v)?;
    }
    Ok(c)
}

/// Random A-Z bytes, handed out as consecutive non-overlapping slices (zero-copy `Bytes`), so
/// that records differ like ProducerPerformance's and lz4 finds no repeats within a batch.
struct Payloads {
    pool: Bytes,
    size: usize,
    slots: usize,
}

impl Payloads {
    fn new(size: usize) -> Payloads {
        let len = (16 << 20).max(size * 64);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let pool: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b'A' + (x % 26) as u8
            })
            .collect();
        Payloads { pool: Bytes::from(pool), size, slots: len / size.max(1) }
    }

    fn get(&self, i: u64) -> Bytes {
        let at = (i as usize % self.slots) * self.size;
        self.pool.slice(at..at + self.size)
    }
}

/// Where a throughput measurement started: wall clock and the process's CPU time.
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn start() -> Clock {
        Clock { wall: Instant::now(), cpu: cpu_seconds() }
    }

    /// Prints the `result` line; cpu_s (user + system time of every thread of this process) is
    /// what the work cost, which other load on a shared machine disturbs far less than the wall clock.
    fn report(&self, n: u64, bytes: u64) {
        let secs = self.wall.elapsed().as_secs_f64();
        println!(
            "result msgs={n} bytes={bytes} secs={secs:.3} msgs_per_sec={:.0} mb_per_sec={:.2} cpu_s={:.3}",
            n as f64 / secs,
            bytes as f64 / MB / secs,
            cpu_seconds() - self.cpu
        );
    }
}

/// User + system CPU time of this process so far (utime and stime of /proc/self/stat, in
/// USER_HZ = 100 ticks per second on Linux); 0 where there is no /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|x| x.parse().ok()).collect();
    f.iter().sum::<f64>() / 100.0
}

fn produce(a: &Args) -> Result<()> {
    let cfg = config(a, &[("acks", &a.acks), ("compression.type", &a.compression)])?;
    let producer = Producer::new(&cfg)?;
    // Partitions known before the clock starts, as librdkafka's and Java's first send also wait for them.
    producer.metadata(Some(&a.topic), Duration::from_secs(30))?;
    let payloads = Payloads::new(a.size);
    let clock = Clock::start();
    match a.delivery.as_str() {
        "poll" => produce_poll(&producer, a, &payloads)?,
        "future" => produce_future(&producer, a, &payloads)?,
        other => return Err(format!("--delivery {other:?}: poll or future").into()),
    }
    clock.report(a.count, a.count * a.size as u64);
    Ok(())
}

fn record(a: &Args, payloads: &Payloads, i: u64) -> ProducerRecord {
    ProducerRecord { topic: a.topic.clone(), value: Some(payloads.get(i)), ..Default::default() }
}

/// librdkafka's model (rdkafka_performance): produce, serve delivery reports with poll every
/// 1,000 records and whenever the queue is full.
fn produce_poll(producer: &Producer, a: &Args, payloads: &Payloads) -> Result<()> {
    let mut reports = Reports::default();
    for i in 0..a.count {
        loop {
            match producer.produce(record(a, payloads, i)) {
                Ok(()) => break,
                Err(e) if e.kind == ErrorKind::QueueFull => reports.count(producer.poll(Duration::from_millis(10), usize::MAX)),
                Err(e) => return Err(e.into()),
            }
        }
        if i % 1000 == 999 {
            reports.count(producer.poll(Duration::ZERO, usize::MAX));
        }
    }
    producer.flush(Duration::from_secs(120))?;
    while reports.done < a.count && reports.first_error.is_none() {
        reports.count(producer.poll(Duration::from_secs(1), usize::MAX));
    }
    match reports.first_error {
        Some(e) => Err(format!("delivery failed: {e}").into()),
        None => Ok(()),
    }
}

/// Delivery reports served so far.
#[derive(Default)]
struct Reports {
    done: u64,
    first_error: Option<String>,
}

impl Reports {
    fn count(&mut self, events: Vec<ClientEvent>) {
        for r in events.into_iter().filter_map(|e| if let ClientEvent::Delivery(r) = e { Some(r) } else { None }) {
            self.done += 1;
            if let (Some(e), None) = (&r.error, &self.first_error) {
                self.first_error = Some(e.to_string());
            }
        }
    }
}

/// The async API: `send_wait` (waits for queue space, never per record for delivery), futures
/// checked in bulk, oldest first.
fn produce_future(producer: &Producer, a: &Args, payloads: &Payloads) -> Result<()> {
    let rt = blocking::runtime()?;
    let p = producer.as_async();
    rt.block_on(async {
        let mut pending = VecDeque::with_capacity(65_536);
        for i in 0..a.count {
            pending.push_back(p.send_wait(record(a, payloads, i)).await?);
            if pending.len() >= 65_536 {
                while pending.len() > 32_768 {
                    if let Some(f) = pending.pop_front() {
                        f.await?;
                    }
                }
            }
        }
        for f in pending {
            f.await?;
        }
        Ok(())
    })
}

fn assignment(consumer: &Consumer, topic: &str) -> Result<Vec<TopicPartitionOffset>> {
    let md = consumer.metadata(Some(topic), Duration::from_secs(30))?;
    let t = md.topic(topic).ok_or_else(|| format!("topic {topic} not in metadata"))?;
    if t.partitions.is_empty() {
        return Err(format!("topic {topic} has no partitions").into());
    }
    Ok(t.partitions.iter().map(|p| TopicPartitionOffset::new(topic, p.id, Offset::Beginning)).collect())
}

fn consume(a: &Args) -> Result<()> {
    let consumer = Consumer::new(&config(a, &[])?)?;
    let parts = assignment(&consumer, &a.topic)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let clock = Clock::start();
    consumer.assign(&parts)?;
    let mut t = Tally { n: 0, bytes: 0, want: a.count, deadline };
    match a.api.as_str() {
        "blocking" => {
            while t.n < t.want {
                t.on_event(consumer.poll(Duration::from_secs(1)))?;
            }
        }
        "async" => {
            let c = consumer.as_async();
            blocking::runtime()?.block_on(async {
                while t.n < t.want {
                    t.on_event(c.poll(Duration::from_secs(1)).await)?;
                }
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
        }
        other => return Err(format!("--api {other:?}: blocking or async").into()),
    }
    clock.report(t.n, t.bytes);
    Ok(())
}

/// Records consumed so far.
struct Tally {
    n: u64,
    bytes: u64,
    want: u64,
    deadline: Instant,
}

impl Tally {
    fn on_event(&mut self, ev: Option<Event>) -> Result<()> {
        match ev {
            Some(Event::Message(m)) => {
                self.n += 1;
                self.bytes += m.value.as_ref().map_or(0, |v| v.len() as u64);
            }
            Some(Event::Error { error, .. }) => return Err(error.into()),
            _ if Instant::now() > self.deadline => {
                return Err(format!("consumed only {} of {} records in 120 s", self.n, self.want).into())
            }
            _ => {}
        }
        Ok(())
    }
}

fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn latency(a: &Args) -> Result<()> {
    now_ns();
    let size = a.size.max(16);
    let warmup = a.rate;
    let total = a.rate * (1 + a.seconds);
    let consumer = Consumer::new(&config(a, &[])?)?;
    consumer.assign(&assignment(&consumer, &a.topic)?)?;
    let producer = Producer::new(&config(a, &[("acks", &a.acks)])?)?;
    producer.metadata(Some(&a.topic), Duration::from_secs(30))?;
    let failed = Arc::new(AtomicU64::new(0));
    let sender = {
        let (producer, failed, topic, rate) = (producer.clone(), failed.clone(), a.topic.clone(), a.rate);
        let payloads = Payloads::new(size);
        std::thread::spawn(move || -> std::result::Result<(), String> {
            let t0 = Instant::now();
            for i in 0..total {
                let due = t0 + Duration::from_nanos(i * 1_000_000_000 / rate);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let mut value = BytesMut::with_capacity(size);
                value.extend_from_slice(&now_ns().to_be_bytes());
                value.extend_from_slice(&i.to_be_bytes());
                value.extend_from_slice(&payloads.get(i)[16..]);
                let failed = failed.clone();
                let done = Completion::Callback(Box::new(move |r: DeliveryReport| {
                    if r.error.is_some() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }));
                let rec = ProducerRecord { topic: topic.clone(), value: Some(value.freeze()), ..Default::default() };
                producer.send_with(rec, done).map_err(|e| e.to_string())?;
            }
            producer.flush(Duration::from_secs(30)).map_err(|e| e.to_string())
        })
    };
    let mut samples: Vec<u64> = Vec::with_capacity(total as usize);
    let mut seen = 0u64;
    let deadline = Instant::now() + Duration::from_secs(a.seconds + 31);
    while seen < total && Instant::now() < deadline {
        if let Some(Event::Message(m)) = consumer.poll(Duration::from_millis(100)) {
            let now = now_ns();
            let v: &[u8] = m.value.as_deref().unwrap_or_default();
            if v.len() < 16 {
                continue;
            }
            let sent = u64::from_be_bytes(v[0..8].try_into()?);
            let seq = u64::from_be_bytes(v[8..16].try_into()?);
            seen += 1;
            if seq >= warmup {
                samples.push(now.saturating_sub(sent));
            }
        }
    }
    sender.join().map_err(|_| "sender thread panicked")??;
    report_latency(&mut samples, total - warmup, failed.load(Ordering::Relaxed));
    Ok(())
}

fn report_latency(samples: &mut [u64], expected: u64, failed: u64) {
    samples.sort_unstable();
    let pct = |p: f64| -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i] as f64 / 1e6
    };
    println!(
        "result count={} expected={expected} failed={failed} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        samples.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}

fn create_topic(a: &Args) -> Result<()> {
    let cfg = config(a, &[])?;
    let admin = AdminClient::new(&cfg)?;
    for (name, r) in admin.create_topics(&[NewTopic::new(a.topic.as_str(), a.partitions, 1)], Duration::from_secs(30))? {
        match r {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::TopicAlreadyExists => {}
            Err(e) => return Err(format!("create topic {name}: {e}").into()),
        }
    }
    // Every partition led before anyone produces (real Kafka's metadata can run ahead of its leaders).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let md = admin.metadata(Some(std::slice::from_ref(&a.topic)), Duration::from_secs(10))?;
        let ready = md.topic(&a.topic).is_some_and(|t| {
            t.partitions.len() == a.partitions as usize && t.partitions.iter().all(|p| p.leader >= 0 && p.error.is_none())
        });
        if ready {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("topic {} has no leader for every partition after 30 s", a.topic).into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Frees what a measurement stored (the testkit keeps every batch in memory).
fn delete_topic(a: &Args) -> Result<()> {
    let admin = AdminClient::new(&config(a, &[])?)?;
    let names: Vec<String> = a.topic.split(',').map(str::to_string).collect();
    for (name, r) in admin.delete_topics(&names, Duration::from_secs(30))? {
        if let Err(e) = r {
            if e.kind != ErrorKind::UnknownTopicOrPart {
                return Err(format!("delete topic {name}: {e}").into());
            }
        }
    }
    Ok(())
}
