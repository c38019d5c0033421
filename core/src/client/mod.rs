//! The part every role shares: bootstrap, one connection per broker, the metadata cache.
//!
//! Invariants:
//! - At most one live [`Connection`] per broker node id; a dead one is replaced on next use,
//!   no sooner than the reconnect backoff allows (it doubles up to reconnect.backoff.max.ms).
//! - The metadata cache only grows knowledge: a refresh for some topics replaces those topics
//!   and the broker list, and leaves other topics alone.
//! - No lock is held across an await except the per-node connect slot, which exists precisely to
//!   make concurrent callers share one connect attempt.

pub mod admin;
pub mod coordinator;
pub mod offsets;
pub mod metadata;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::config::CommonConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{level, EventQueue};
use crate::net::versions::ours;
use crate::net::{BrokerCounters, Connection};
pub use metadata::{BrokerMetadata, Metadata, PartitionMetadata, TopicMetadata};

/// Which connection to a broker a request travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Produce, Fetch, Metadata, ListOffsets, admin.
    Data,
    /// Group coordination: FindCoordinator's answer, Join/Sync/Heartbeat/Leave, offset commits.
    Coordinator,
}

/// What the client knows of one topic.
#[derive(Debug, Clone)]
pub struct TopicInfo {
    pub error: Option<ErrorKind>,
    /// Leader node id per partition index (-1: none).
    pub leaders: Vec<i32>,
}

#[derive(Default)]
struct ConnectSlot {
    /// This broker's counters, across its connections (for statistics).
    counters: Arc<BrokerCounters>,
    conn: Option<Arc<Connection>>,
    failures: u32,
    retry_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    brokers: HashMap<i32, String>,
    topics: HashMap<String, TopicInfo>,
    /// When each topic's entry was last refreshed: older than metadata.max.age.ms, it is stale.
    topic_updated: HashMap<String, Instant>,
    last_metadata: Option<Instant>,
    /// From the last metadata answer (cluster id from Metadata v2, controller from v1).
    cluster_id: Option<String>,
    controller_id: Option<i32>,
}

/// What the metadata cache holds, sorted (for statistics).
pub(crate) struct Known {
    pub brokers: Vec<(i32, String)>,
    pub topics: Vec<(String, TopicInfo)>,
}

/// Connections and metadata of one client instance.
pub struct Client {
    pub(crate) config: CommonConfig,
    state: Mutex<State>,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<ConnectSlot>>>>,
    /// Serializes metadata refreshes so a burst of errors costs one request, not hundreds.
    refresh_lock: tokio::sync::Mutex<()>,
    /// Tells waiters that new metadata arrived.
    pub(crate) metadata_changed: tokio::sync::Notify,
    /// This client's events: logs, errors, delivery reports, ... for the application's poll.
    pub events: Arc<EventQueue>,
    /// An _ALL_BROKERS_DOWN error was reported and no connection succeeded since (it is
    /// reported once per outage, as librdkafka does).
    all_down_reported: std::sync::atomic::AtomicBool,
}

impl Client {
    pub fn new(config: CommonConfig) -> Arc<Client> {
        Arc::new(Client {
            events: Arc::new(EventQueue::new(config.log_level, &config.debug)),
            all_down_reported: std::sync::atomic::AtomicBool::new(false),
            config,
            state: Mutex::new(State::default()),
            slots: Mutex::new(HashMap::new()),
            refresh_lock: tokio::sync::Mutex::new(()),
            metadata_changed: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of plain data; the data
        // is still usable, and refusing to work would turn one bug into a dead client.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn broker_addr(&self, node_id: i32) -> Option<String> {
        self.lock().brokers.get(&node_id).cloned()
    }

    /// What is known of a topic (the periodic task evicts entries older than
    /// metadata.max.age.ms, so no clock is read here: every send asks).
    pub fn topic(&self, name: &str) -> Option<TopicInfo> {
        self.lock().topics.get(name).cloned()
    }

    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let st = self.lock();
        let l = *st.topics.get(topic)?.leaders.get(usize::try_from(partition).ok()?)?;
        (l >= 0 && st.brokers.contains_key(&l)).then_some(l)
    }

    /// A connection to broker `node_id`.
    pub async fn connection(&self, node_id: i32) -> Result<Arc<Connection>> {
        let addr = self.broker_addr(node_id).ok_or_else(|| {
            Error::new(ErrorKind::UnknownBroker, format!("broker {node_id} is not in the metadata"))
        })?;
        self.connection_to(&addr).await
    }

    /// A connection to `addr` (host:port), made once and shared.
    pub async fn connection_to(&self, addr: &str) -> Result<Arc<Connection>> {
        self.connection_for(addr, Lane::Data).await
    }

    /// A connection to `addr` for one lane of traffic. A broker answers the requests of one
    /// connection strictly one after another, so a Fetch waiting up to fetch.wait.max.ms would
    /// hold back a commit or heartbeat sent behind it: group traffic gets its own connection
    /// (as Java's and librdkafka's coordinator connections do).
    pub async fn connection_for(&self, addr: &str, lane: Lane) -> Result<Arc<Connection>> {
        let key = match lane {
            Lane::Data => addr.to_string(),
            Lane::Coordinator => format!("{addr}#coordinator"),
        };
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(key).or_default().clone()
        };
        let mut slot = slot.lock().await;
        if let Some(c) = &slot.conn {
            if !c.is_closed() {
                return Ok(c.clone());
            }
        }
        if let Some(at) = slot.retry_at {
            let now = Instant::now();
            if at > now {
                tokio::time::sleep(at - now).await;
            }
        }
        let timeout = self.config.socket_timeout.min(self.config.api_version_request_timeout);
        let socket = crate::net::SocketOptions {
            nodelay: self.config.socket_nagle_disable,
            keepalive: self.config.socket_keepalive,
        };
        let r =
            Connection::connect(addr, &self.config.client_id, timeout, self.config.request_timeout, slot.counters.clone(), socket)
                .await;
        match r {
            Ok(c) => {
                let c = Arc::new(c);
                slot.conn = Some(c.clone());
                slot.failures = 0;
                slot.retry_at = None;
                self.all_down_reported.store(false, std::sync::atomic::Ordering::Release);
                slot.counters.connects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.events.debug("broker", "CONNECT", || format!("{addr}: connected (ApiVersions done)"));
                Ok(c)
            }
            Err(e) => {
                // librdkafka logs each failed connect at level 3 with facility FAIL.
                self.events.log(level::ERR, "FAIL", e.message.clone());
                slot.conn = None;
                slot.failures = slot.failures.saturating_add(1);
                let backoff = self
                    .config
                    .reconnect_backoff
                    .saturating_mul(1u32 << slot.failures.min(10))
                    .min(self.config.reconnect_backoff_max.max(self.config.reconnect_backoff));
                slot.retry_at = Some(Instant::now() + backoff);
                Err(e)
            }
        }
    }

    /// Brokers to ask for metadata: those with a connection up first, then the other known
    /// brokers, then the bootstrap list.
    fn candidates(&self) -> Vec<String> {
        let mut candidates: Vec<String> = self.lock().brokers.values().cloned().collect();
        candidates.sort();
        for b in &self.config.bootstrap_servers {
            if !candidates.contains(b) {
                candidates.push(b.clone());
            }
        }
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let up = |addr: &String| {
            slots.get(addr).and_then(|s| s.try_lock().ok()).is_some_and(|s| s.conn.as_ref().is_some_and(|c| !c.is_closed()))
        };
        let (mut first, rest): (Vec<String>, Vec<String>) = candidates.into_iter().partition(up);
        first.extend(rest);
        first
    }

    /// Reports _ALL_BROKERS_DOWN (once per outage) and returns it as the error.
    fn all_down(&self, candidates: &[String], last: &Error) -> Error {
        let err = Error::new(
            ErrorKind::AllBrokersDown,
            format!("all brokers are down (tried {}): last error: {}", candidates.join(", "), last.message),
        );
        if !self.all_down_reported.swap(true, std::sync::atomic::Ordering::AcqRel) {
            self.events.error("FAIL", err.clone());
        }
        err
    }

    /// Any broker that answers: known brokers first, then the bootstrap list.
    pub async fn any_connection(&self) -> Result<Arc<Connection>> {
        let mut candidates: Vec<String> = self.lock().brokers.values().cloned().collect();
        for b in &self.config.bootstrap_servers {
            if !candidates.contains(b) {
                candidates.push(b.clone());
            }
        }
        // Prefer a connection that is already up.
        {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            for addr in &candidates {
                if let Some(slot) = slots.get(addr) {
                    if let Ok(s) = slot.try_lock() {
                        if let Some(c) = &s.conn {
                            if !c.is_closed() {
                                return Ok(c.clone());
                            }
                        }
                    }
                }
            }
        }
        let mut last_err = None;
        for addr in &candidates {
            match self.connection_to(addr).await {
                Ok(c) => return Ok(c),
                Err(e) => last_err = Some(e),
            }
        }
        Err(match last_err {
            Some(e) => self.all_down(&candidates, &e),
            None => Error::new(ErrorKind::InvalidArg, "bootstrap.servers is empty"),
        })
    }

    /// Fetches metadata for `topics` (None: all topics) and updates the cache.
    /// Retries on other brokers until `timeout`, so a dead bootstrap broker is not fatal.
    pub async fn fetch_metadata(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
        timeout: Duration,
    ) -> Result<Metadata> {
        let deadline = crate::clock::deadline_after(timeout);
        let _guard = self.refresh_lock.lock().await;
        let mut last_err: Option<Error> = None;
        // One broker per attempt, each tried once per round: a broker that hangs (accepts,
        // never answers) costs one attempt's share of the time, then the next one is asked.
        let mut tried: Vec<String> = Vec::new();
        let mut connect_failures = 0usize;
        loop {
            let candidates = self.candidates();
            let Some(addr) = candidates.iter().find(|a| !tried.contains(a)).cloned() else {
                // A round over every broker failed.
                if connect_failures >= candidates.len() {
                    if let Some(e) = &last_err {
                        last_err = Some(self.all_down(&candidates, e));
                    }
                }
                tried.clear();
                connect_failures = 0;
                if Instant::now() + self.config.retry_backoff >= deadline {
                    return Err(last_err.unwrap_or_else(|| {
                        Error::new(ErrorKind::TimedOut, format!("metadata request timed out after {} ms", timeout.as_millis()))
                    }));
                }
                tokio::time::sleep(self.config.retry_backoff).await;
                continue;
            };
            tried.push(addr.clone());
            let connected = std::sync::atomic::AtomicBool::new(false);
            let attempt = async {
                let conn = self.connection_to(&addr).await?;
                connected.store(true, std::sync::atomic::Ordering::Relaxed);
                let version = conn.version::<MetadataRequest>(ours::METADATA)?;
                let req = MetadataRequest::default()
                    .with_topics(topics.map(|ts| {
                        ts.iter()
                            .map(|t| {
                                MetadataRequestTopic::default()
                                    .with_name(Some(TopicName(StrBytes::from_string(t.clone()))))
                            })
                            .collect()
                    }))
                    // Before v4 the field does not exist and brokers auto-create by their own
                    // setting: a `false` there cannot be encoded at all.
                    .with_allow_auto_topic_creation(allow_auto_create || version < 4);
                let resp = conn.send(&req, version).await?;
                Ok::<_, Error>((conn.addr().to_string(), resp))
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            // A third of what is left (at least a second): room for two more brokers after a
            // hung one.
            let share = if candidates.len() > 1 { (remaining / 3).max(Duration::from_secs(1)).min(remaining) } else { remaining };
            match tokio::time::timeout(share, attempt).await {
                Ok(Ok((addr, resp))) => return Ok(self.apply_metadata(&addr, resp)),
                Ok(Err(e)) => {
                    if !connected.load(std::sync::atomic::Ordering::Relaxed) {
                        connect_failures += 1;
                    }
                    last_err = Some(e);
                }
                Err(_) => {
                    self.events.debug("metadata", "METADATA", || format!("{addr}: no metadata answer within {} ms", share.as_millis()));
                }
            }
            if Instant::now() >= deadline {
                return Err(last_err.unwrap_or_else(|| {
                    Error::new(ErrorKind::TimedOut, format!("metadata request timed out after {} ms", timeout.as_millis()))
                }));
            }
        }
    }

    fn apply_metadata(&self, answered_by: &str, resp: MetadataResponse) -> Metadata {
        let brokers: Vec<BrokerMetadata> = resp
            .brokers
            .iter()
            .map(|b| BrokerMetadata {
                id: b.node_id.0,
                host: b.host.to_string(),
                port: b.port,
                rack: b.rack.as_ref().map(|r| r.to_string()),
            })
            .collect();
        let topics: Vec<TopicMetadata> = resp
            .topics
            .iter()
            .map(|t| {
                let mut partitions: Vec<PartitionMetadata> = t
                    .partitions
                    .iter()
                    .map(|p| PartitionMetadata {
                        id: p.partition_index,
                        leader: p.leader_id.0,
                        leader_epoch: p.leader_epoch,
                        replicas: p.replica_nodes.iter().map(|n| n.0).collect(),
                        isrs: p.isr_nodes.iter().map(|n| n.0).collect(),
                        error: error_of(p.error_code),
                    })
                    .collect();
                partitions.sort_by_key(|p| p.id);
                TopicMetadata {
                    name: t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default(),
                    is_internal: t.is_internal,
                    partitions,
                    error: error_of(t.error_code),
                }
            })
            .collect();
        let mut orig_broker_id = -1;
        {
            let mut st = self.lock();
            st.brokers = brokers.iter().map(|b| (b.id, format!("{}:{}", b.host, b.port))).collect();
            for (id, addr) in &st.brokers {
                if addr == answered_by {
                    orig_broker_id = *id;
                }
            }
            for t in &topics {
                let info = TopicInfo {
                    error: t.error,
                    leaders: {
                        // Kafka numbers partitions 0..count. An id outside that range is a broken
                        // (or hostile) answer: it is left out rather than trusted to size a table.
                        let mut v = vec![-1; t.partitions.len()];
                        for p in &t.partitions {
                            if let Some(slot) = usize::try_from(p.id).ok().and_then(|i| v.get_mut(i)) {
                                *slot = p.leader;
                            }
                        }
                        v
                    },
                };
                st.topics.insert(t.name.clone(), info);
                st.topic_updated.insert(t.name.clone(), Instant::now());
            }
            st.last_metadata = Some(Instant::now());
            st.cluster_id = resp.cluster_id.as_ref().map(|c| c.to_string());
            st.controller_id = Some(resp.controller_id.0);
        }
        self.metadata_changed.notify_waiters();
        Metadata {
            orig_broker_id,
            orig_broker_name: format!("{answered_by}/{orig_broker_id}"),
            cluster_id: resp.cluster_id.map(|c| c.to_string()),
            controller_id: resp.controller_id.0,
            brokers,
            topics,
        }
    }

    /// Logs once, at creation, each property the application set that has no effect here
    /// (librdkafka's CONFWARN warnings for properties that do not apply).
    pub(crate) fn warn_no_effect(&self, config: &crate::config::ClientConfig) {
        for name in config.no_effect_set() {
            self.events.log(
                level::WARNING,
                "CONFWARN",
                format!("Configuration property {name} is accepted for compatibility with librdkafka but has no effect in ferrokafka"),
            );
        }
    }

    /// A response said the broker throttled us: a throttle event (librdkafka's throttle_cb) for
    /// a non-zero time.
    pub(crate) fn note_throttle(&self, addr: &str, node_id: i32, throttle_time_ms: i32) {
        if throttle_time_ms <= 0 {
            return;
        }
        let broker_name = format!("{addr}/{node_id}");
        self.events.debug("broker", "THROTTLE", || format!("{broker_name}: throttled for {throttle_time_ms} ms"));
        self.events.push(crate::events::ClientEvent::Throttle(crate::events::Throttle {
            broker_name,
            broker_id: node_id,
            throttle_time_ms,
        }));
    }

    /// Per connection slot (a broker address, `#coordinator` for the group lane): whether a
    /// connection is up, and the broker's counters. For statistics.
    pub(crate) fn connection_stats(&self) -> Vec<(String, bool, Arc<BrokerCounters>)> {
        let slots: Vec<(String, Arc<tokio::sync::Mutex<ConnectSlot>>)> =
            self.slots.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        slots
            .into_iter()
            .filter_map(|(addr, slot)| {
                // A slot locked right now is connecting: shown as down this round.
                let s = slot.try_lock().ok();
                let up = s.as_ref().and_then(|s| s.conn.as_ref()).is_some_and(|c| !c.is_closed());
                let counters = s.map(|s| s.counters.clone())?;
                Some((addr, up, counters))
            })
            .collect()
    }

    /// Known brokers (id -> host:port) and known topics with their leaders, for statistics.
    pub(crate) fn known(&self) -> Known {
        let st = self.lock();
        let mut brokers: Vec<(i32, String)> = st.brokers.iter().map(|(i, a)| (*i, a.clone())).collect();
        brokers.sort();
        let mut topics: Vec<(String, TopicInfo)> = st.topics.iter().map(|(t, i)| (t.clone(), i.clone())).collect();
        topics.sort_by(|a, b| a.0.cmp(&b.0));
        Known { brokers, topics }
    }

    /// Metadata of the topics this client already knows only (librdkafka's getMetadata with
    /// all_topics=false and no topic); the brokers only when it knows none.
    pub async fn metadata_known(&self, timeout: Duration) -> Result<Metadata> {
        let topics: Vec<String> = self.lock().topics.keys().cloned().collect();
        self.fetch_metadata(Some(&topics), false, timeout).await
    }

    /// Low and high watermarks of a partition, asked from its leader (every client type has
    /// them, as librdkafka's rd_kafka_query_watermark_offsets).
    pub async fn fetch_watermarks(&self, topic: &str, partition: i32, read_committed: bool, timeout: Duration) -> Result<(i64, i64)> {
        use offsets::{list_offsets, EARLIEST, LATEST};
        let q = vec![(topic.to_string(), partition, EARLIEST), (topic.to_string(), partition, LATEST)];
        let mut r = list_offsets(self, &q, read_committed, timeout).await.into_iter();
        let low = r.next().unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "no answer")))?;
        let high = r.next().unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "no answer")))?;
        Ok((low, high))
    }

    /// For each (topic, partition, timestamp): the earliest offset whose timestamp is at or
    /// after it (-1 if none), as rd_kafka_offsets_for_times.
    pub async fn offsets_for_times(&self, query: &[(String, i32, i64)], read_committed: bool, timeout: Duration) -> Vec<Result<i64>> {
        offsets::list_offsets(self, query, read_committed, timeout).await
    }

    /// The cluster id (librdkafka's rd_kafka_clusterid): from the metadata already known, else
    /// from a metadata request within `timeout`. None when the broker does not say (Metadata
    /// below v2).
    pub async fn cluster_id(&self, timeout: Duration) -> Result<Option<String>> {
        if self.lock().last_metadata.is_none() {
            self.fetch_metadata(Some(&[]), false, timeout).await?;
        }
        Ok(self.lock().cluster_id.clone())
    }

    /// The controller's broker id (rd_kafka_controllerid), -1 when the broker does not say.
    pub async fn controller_id(&self, timeout: Duration) -> Result<i32> {
        if self.lock().controller_id.is_none() {
            self.fetch_metadata(Some(&[]), false, timeout).await?;
        }
        Ok(self.lock().controller_id.unwrap_or(-1))
    }

    /// Forgets a topic's cached leaders, so the next lookup refreshes them.
    pub fn invalidate_topic(&self, topic: &str) {
        let mut st = self.lock();
        st.topics.remove(topic);
        st.topic_updated.remove(topic);
    }

    /// Starts the periodic metadata task: it evicts topic entries older than
    /// metadata.max.age.ms (their next use waits for a refresh, as for an unknown topic), and
    /// every topic.metadata.refresh.interval.ms (-1: never) asks again for the topics this
    /// client knows, only the broker list when it knows none (librdkafka's sparse refresh), so
    /// leader moves and new partitions are seen without an error first. It holds the client
    /// weakly and ends with it.
    pub(crate) fn start_refresh(self: &Arc<Self>, handle: &tokio::runtime::Handle) {
        let refresh = self.config.topic_metadata_refresh_interval;
        let refreshing = refresh < Duration::from_secs(365 * 24 * 3600);
        let max_age = self.config.metadata_max_age;
        let tick = if refreshing { refresh.min(max_age / 2) } else { max_age / 2 }.max(Duration::from_millis(10));
        let mut last_refresh = Instant::now();
        crate::clock::spawn_every(handle, tick, Arc::downgrade(self), move |client: Arc<Client>| {
            let now = Instant::now();
            let due = refreshing && now.duration_since(last_refresh) >= refresh;
            if due {
                last_refresh = now;
            }
            async move {
                let topics: Vec<String> = {
                    let mut st = client.lock();
                    let State { topics, topic_updated, .. } = &mut *st;
                    topic_updated.retain(|_, t| now.duration_since(*t) < max_age);
                    topics.retain(|name, _| topic_updated.contains_key(name));
                    topics.keys().cloned().collect()
                };
                if !due {
                    return;
                }
                let timeout = client.config.request_timeout.min(refresh.max(Duration::from_secs(1)));
                client.events.debug("metadata", "METADATA", || format!("periodic refresh of {} topic(s)", topics.len()));
                if let Err(e) = client.fetch_metadata(Some(&topics), false, timeout).await {
                    client.events.debug("metadata", "METADATA", || format!("periodic refresh failed: {e}"));
                }
            }
        });
    }
}

fn error_of(code: i16) -> Option<ErrorKind> {
    (code != 0).then(|| ErrorKind::from_kafka_code(code))
}
