//! Shared fixtures of the behaviour suite.
//!
//! Every test runs against the in-process testkit broker, or against a real Kafka cluster when
//! `KAFKA_BOOTSTRAP` is set (`make test-kafka`). Tests that need fault injection, which only the
//! testkit offers, ask for it with [`Env::testkit`] and are skipped (with a line saying so)
//! against real Kafka.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ferrokafka::blocking::{AdminClient, Consumer, Producer};
use ferrokafka::{ClientConfig, NewTopic, ProducerRecord};
use ferrokafka_testkit::Cluster;

pub struct Env {
    pub bootstrap: String,
    cluster: Option<Cluster>,
}

static TOPIC_SEQ: AtomicU32 = AtomicU32::new(0);

impl Env {
    /// A broker for one test: real Kafka when KAFKA_BOOTSTRAP is set, else a testkit cluster
    /// with `brokers` brokers.
    pub fn new(brokers: usize) -> Env {
        if let Ok(b) = std::env::var("KAFKA_BOOTSTRAP") {
            if !b.is_empty() {
                return Env { bootstrap: b, cluster: None };
            }
        }
        let cluster = Cluster::builder().brokers(brokers).partitions(1).start().expect("start testkit cluster");
        Env { bootstrap: cluster.bootstrap(), cluster: Some(cluster) }
    }

    /// The testkit cluster, for fault injection; None against real Kafka.
    pub fn testkit(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }

    pub fn is_real_kafka(&self) -> bool {
        self.cluster.is_none()
    }

    /// Properties every client of this environment needs, plus `extra`.
    pub fn config(&self, extra: &[(&str, &str)]) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.bootstrap).expect("bootstrap.servers");
        for (k, v) in extra {
            c.set(k, v).unwrap_or_else(|e| panic!("config {k}={v}: {e}"));
        }
        c
    }

    /// Creates a topic with a name unique to this run and waits until it is usable.
    pub fn topic(&self, prefix: &str, partitions: i32) -> String {
        let n = TOPIC_SEQ.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("{prefix}-{}-{n}-{nanos}", std::process::id());
        let admin = AdminClient::new(&self.config(&[])).expect("admin client");
        let results = admin
            .create_topics(&[NewTopic::new(&name, partitions, 1)], Duration::from_secs(30))
            .expect("create topic");
        for (t, r) in results {
            r.unwrap_or_else(|e| panic!("create topic {t}: {e}"));
        }
        // Wait until every partition has a leader (real Kafka needs a moment).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(md) = admin.metadata(Some(&[name.clone()]), Duration::from_secs(5)) {
                if let Some(t) = md.topic(&name) {
                    if t.error.is_none()
                        && t.partitions.len() == partitions as usize
                        && t.partitions.iter().all(|p| p.leader >= 0)
                    {
                        break;
                    }
                }
            }
            assert!(std::time::Instant::now() < deadline, "topic {name} did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        // Real Kafka publishes a new partition's leader in its metadata a moment before that leader
        // serves it: until then a produce gets NOT_LEADER_OR_FOLLOWER, which an acks=0 producer never
        // sees (the broker just closes the connection) and so loses the records. A ListOffsets that
        // each leader answers shows it serves the partition.
        let consumer = Consumer::new(&self.config(&[])).expect("consumer");
        for p in 0..partitions {
            while let Err(e) = consumer.fetch_watermarks(&name, p, Duration::from_secs(5)) {
                assert!(std::time::Instant::now() < deadline, "{name}[{p}] is not served: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        name
    }
}

/// A name unique to this process and moment (group ids, and the like).
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

impl Env {
    /// Writes `n` records (key `k{i}`, value `{i}`) to `topic` and waits until all are delivered.
    pub fn produce(&self, topic: &str, n: usize) {
        let p = Producer::new(&self.config(&[("linger.ms", "2")])).expect("producer");
        let fs: Vec<_> =
            (0..n).map(|i| p.send(ProducerRecord::new(topic).key(format!("k{i}")).value(format!("{i}"))).expect("send")).collect();
        p.flush(Duration::from_secs(30)).expect("flush");
        for f in fs {
            f.wait().expect("delivered");
        }
    }
}

/// Prints why a test does nothing here, so a skipped test is visible in the output.
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIP {test}: {why}");
}
