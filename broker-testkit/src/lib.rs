//! A Kafka-wire-compatible broker for tests, in-process ([`Cluster`]) or standalone (the
//! `ferrokafka-broker` binary).
//!
//! Real clients (librdkafka/kcat, confluent-kafka, kafka-python, KafkaJS, Java) talk to it
//! unchanged: it implements Produce, Fetch, ListOffsets, Metadata, ApiVersions, CreateTopics,
//! DeleteTopics, InitProducerId, the classic consumer group protocol (FindCoordinator,
//! JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups,
//! DescribeGroups, DeleteGroups, OffsetDelete), transactions (AddPartitionsToTxn,
//! AddOffsetsToTxn, TxnOffsetCommit, EndTxn, DescribeTransactions, ListTransactions,
//! DescribeProducers) and the admin APIs (CreatePartitions, DescribeConfigs, AlterConfigs,
//! IncrementalAlterConfigs, DeleteRecords, DescribeCluster, ElectLeaders, OffsetForLeaderEpoch)
//! (see `src/handlers/`, one file per API key, each listing its versions, behaviour and gaps),
//! stores producer batches verbatim, and enforces idempotence. A cluster of N brokers lives in one
//! process; partition leaders and group coordinators are spread over them.
//!
//! Files: `state.rs` (topics, logs, producers) with `state/transactions.rs` (the transaction
//! coordinator) and `state/cleaner.rs` (retention and compaction) | `coordinator.rs` and
//! `group.rs` (the group coordinator) | `configs.rs` (Kafka's topic and broker configs: defaults,
//! validation, typed accessors) | `record_batch.rs` (batch validation, stamping, rebuilding) |
//! `codecs.rs` (decompression for what the broker must look inside) | `server.rs` (listeners,
//! framing) | `handlers/` (one file per API) | `hostile.rs` (a broker that answers badly, for
//! client robustness tests).
//!
//! ```
//! let cluster = ferrokafka_testkit::Cluster::builder().brokers(3).topic("orders", 6).start()?;
//! println!("bootstrap.servers={}", cluster.bootstrap());
//! assert_eq!(cluster.record_count("orders", 0), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`ClusterBuilder::start`] is synchronous: the brokers run on a tokio runtime the cluster owns
//! (two worker threads), so it works from a plain `#[test]`, from `#[tokio::test]` and next to a
//! blocking client alike. Dropping the [`Cluster`] stops every broker and closes its connections.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;
use std::time::Duration;

mod codecs;
mod configs;
mod coordinator;
mod error_code;
mod group;
mod handlers;
pub mod hostile;
mod record_batch;
mod request_guard;
mod server;
mod state;

use handlers::BrokerContext;
use state::{BrokerInfo, ClusterConfig, ClusterState};
pub use state::CleanerStats;

/// A running cluster of in-process brokers. Dropping it stops them all.
pub struct Cluster {
    state: Arc<ClusterState>,
    addrs: Vec<SocketAddr>,
    /// Always `Some` until drop; an `Option` so drop can take it and shut it down without blocking
    /// (dropping a runtime inside an async context would panic).
    runtime: Option<tokio::runtime::Runtime>,
}

/// Configures a [`Cluster`]; see [`Cluster::builder`].
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    brokers: usize,
    partitions: i32,
    auto_create_topics: bool,
    topics: Vec<(String, i32)>,
    first_port: u16,
    initial_rebalance_delay: Duration,
    log_cleaner_interval: Duration,
}

impl Default for ClusterBuilder {
    fn default() -> Self {
        Self {
            brokers: 1,
            partitions: 1,
            auto_create_topics: true,
            topics: Vec::new(),
            first_port: 0,
            initial_rebalance_delay: Duration::ZERO,
            log_cleaner_interval: Duration::from_secs(300),
        }
    }
}

impl ClusterBuilder {
    /// Number of brokers (default 1), with node ids 1..=n, each on its own listener.
    pub fn brokers(mut self, n: usize) -> Self {
        self.brokers = n;
        self
    }

    /// Partition count of auto-created topics and of CreateTopics with num_partitions -1 (default 1).
    pub fn partitions(mut self, n: i32) -> Self {
        self.partitions = n;
        self
    }

    /// Whether Metadata and Produce create unknown topics (default true), like Kafka's
    /// `auto.create.topics.enable`.
    pub fn auto_create_topics(mut self, on: bool) -> Self {
        self.auto_create_topics = on;
        self
    }

    /// A topic that exists from the start.
    pub fn topic(mut self, name: &str, partitions: i32) -> Self {
        self.topics.push((name.to_string(), partitions));
        self
    }

    /// Port of the first broker (default 0: any free port). The others always pick free ports.
    pub fn port(mut self, port: u16) -> Self {
        self.first_port = port;
        self
    }

    /// How long the first rebalance of an empty group waits for more members (default 0), like
    /// Kafka's `group.initial.rebalance.delay.ms` (3 s in Kafka's defaults): each member joining
    /// meanwhile extends the wait by this much, within the rebalance timeout.
    pub fn initial_rebalance_delay(mut self, delay: Duration) -> Self {
        self.initial_rebalance_delay = delay;
        self
    }

    /// How often retention and compaction run on partitions that changed (default 300 s, Kafka's
    /// log.retention.check.interval.ms); [`Cluster::clean_logs`] runs them at once.
    pub fn log_cleaner_interval(mut self, every: Duration) -> Self {
        self.log_cleaner_interval = every;
        self
    }

    /// Binds every listener on 127.0.0.1 and starts serving on the cluster's own runtime.
    pub fn start(self) -> io::Result<Cluster> {
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        if self.brokers == 0 || self.brokers > 1000 {
            return Err(invalid(format!("broker count {} must be 1..=1000", self.brokers)));
        }
        if self.partitions <= 0 {
            return Err(invalid(format!("default partition count {} must be positive", self.partitions)));
        }
        let mut listeners = Vec::with_capacity(self.brokers);
        for i in 0..self.brokers {
            let port = if i == 0 { self.first_port } else { 0 };
            let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
            listener.set_nonblocking(true)?;
            listeners.push(listener);
        }
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<io::Result<Vec<_>>>()?;
        let brokers = addrs
            .iter()
            .zip(1..)
            .map(|(addr, node_id)| BrokerInfo {
                node_id,
                port: addr.port(),
            })
            .collect();
        let state = Arc::new(ClusterState::new(
            brokers,
            ClusterConfig {
                default_partitions: self.partitions,
                auto_create_topics: self.auto_create_topics,
                initial_rebalance_delay: self.initial_rebalance_delay,
            },
        ));
        for (name, partitions) in &self.topics {
            state
                .create_topic(name, *partitions, false)
                .map_err(|e| invalid(format!("topic {name:?}: {}", e.message.unwrap_or_default())))?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ferrokafka-testkit")
            .enable_all()
            .build()?;
        for (listener, node_id) in listeners.into_iter().zip(1..) {
            let listener = {
                let _context = runtime.enter();
                tokio::net::TcpListener::from_std(listener)?
            };
            let broker = BrokerContext {
                node_id,
                cluster: Arc::clone(&state),
            };
            runtime.spawn(server::serve(listener, broker));
        }
        runtime.spawn(coordinator::run_timers(Arc::clone(&state)));
        runtime.spawn(state::run_transaction_timers(Arc::clone(&state)));
        if !self.log_cleaner_interval.is_zero() {
            runtime.spawn(state::run_cleaner(Arc::clone(&state), self.log_cleaner_interval));
        }
        Ok(Cluster {
            state,
            addrs,
            runtime: Some(runtime),
        })
    }
}

impl Cluster {
    /// A builder with the defaults: 1 broker, 1 partition per auto-created topic, auto-creation on.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// `bootstrap.servers` for clients: every broker, comma-separated.
    pub fn bootstrap(&self) -> String {
        self.broker_addrs().join(",")
    }

    /// `127.0.0.1:PORT` of each broker, in node id order (node 1 first).
    pub fn broker_addrs(&self) -> Vec<String> {
        self.addrs.iter().map(|a| a.to_string()).collect()
    }

    /// Creates a topic (`partitions` -1 means the default); errors say why (exists, bad name...).
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<(), String> {
        self.state
            .create_topic(name, partitions, false)
            .map(|_| ())
            .map_err(|e| e.message.unwrap_or_else(|| format!("error code {}", e.code)))
    }

    /// Creates a topic with config overrides (e.g. `("cleanup.policy", "compact")`), checked as
    /// CreateTopics checks them.
    pub fn create_topic_with_configs(&self, name: &str, partitions: i32, configs: &[(&str, &str)]) -> Result<(), String> {
        let configs = configs::TopicConfigs::from_pairs(configs.iter().map(|&(k, v)| (k, Some(v))))?;
        self.state
            .create_topic_placed(name, partitions, configs, None, false)
            .map(|_| ())
            .map_err(|e| e.message.unwrap_or_else(|| format!("error code {}", e.code)))
    }

    /// Runs retention and compaction on every partition now (what the periodic cleaner does for
    /// partitions that changed); returns what it removed.
    pub fn clean_logs(&self) -> CleanerStats {
        self.state.clean_logs(true)
    }

    /// Closes every client connection open right now (new ones are accepted as usual).
    pub fn disconnect_all(&self) {
        self.state.disconnect_all();
    }

    /// The next `n` Produce requests with acks != 0 are appended to the log, but instead of
    /// answering, the broker closes that connection: the client must retry, and an idempotent
    /// producer must not create duplicates. Replaces any previous setting.
    pub fn drop_next_produce_responses(&self, n: usize) {
        self.state.faults.drop_next_produce_responses(n);
    }

    /// The next `n` Produce requests append nothing and are answered with `error_code` on every
    /// partition (e.g. 6 NOT_LEADER_OR_FOLLOWER). Replaces any previous setting.
    pub fn fail_next_produce(&self, n: usize, error_code: i16) {
        self.state.faults.fail_next(0, n, error_code);
    }

    /// The next `n` Fetch requests return no records and `error_code` on every partition
    /// (e.g. 6 NOT_LEADER_OR_FOLLOWER). Replaces any previous setting.
    pub fn fail_next_fetch(&self, n: usize, error_code: i16) {
        self.state.faults.fail_next(1, n, error_code);
    }

    /// Every Produce answer says the client was throttled for `ms` (0 turns it off). Only the
    /// field is set: answers are not delayed.
    pub fn throttle_produce(&self, ms: i32) {
        self.state.faults.set_produce_throttle(ms);
    }

    /// The next `n` ListOffsets requests answer `error_code` on every partition.
    pub fn fail_next_list_offsets(&self, n: usize, error_code: i16) {
        self.state.faults.fail_next(2, n, error_code);
    }

    /// Stalls broker `node_id` (1-based) or releases it: while stalled it accepts connections
    /// and reads requests but answers none, as a hung process or a black-holed network would;
    /// what it read is answered once released. Clients see connection set-up and requests time out.
    pub fn stall_broker(&self, node_id: i32, stalled: bool) {
        self.state.faults.set_stalled(node_id, stalled);
    }

    /// Requests of API `api_key` (3 Metadata, 1 Fetch, ...) served so far by all brokers.
    pub fn request_count(&self, api_key: i16) -> u64 {
        self.state.faults.request_count(api_key)
    }

    /// The compression codec of each batch stored in a partition, oldest first (0 none, 1 gzip,
    /// 2 snappy, 3 lz4, 4 zstd): batches are kept as the producer sent them.
    pub fn batch_codecs(&self, topic: &str, partition: i32) -> Vec<i16> {
        self.state.batch_codecs(topic, partition)
    }

    /// Records in a partition: high watermark minus log start (0 if it does not exist).
    pub fn record_count(&self, topic: &str, partition: i32) -> i64 {
        self.state.record_count(topic, partition)
    }

    /// Member ids of a consumer group, in join order (empty for an unknown group). Members told
    /// MEMBER_ID_REQUIRED that have not rejoined yet are not members.
    pub fn group_members(&self, group: &str) -> Vec<String> {
        self.state.coordinator.member_ids(group)
    }

    /// The offset a group committed for a partition, if any.
    pub fn committed_offset(&self, group: &str, topic: &str, partition: i32) -> Option<i64> {
        self.state.coordinator.committed_offset(group, topic, partition)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Wake every listener and connection so they close their sockets now, then let the
        // runtime wind down in the background (blocking here could deadlock an async caller).
        self.state.shut_down();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("bootstrap", &self.bootstrap())
            .field("cluster_id", &self.state.cluster_id)
            .finish()
    }
}
