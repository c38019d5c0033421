//! The admin client: topics, partitions, configs, records, the cluster, consumer groups and
//! transactions, as librdkafka's and the Java AdminClient's calls.
//!
//! Every call takes [`AdminOptions`] (a `Duration` converts into them: the whole call's timeout)
//! and answers per resource, in the order asked: one topic's failure does not fail the others.
//! Where Kafka requires it a request goes to the controller (topic creation, deletion, new
//! partitions, leader elections), a group's coordinator (group calls), a transactional id's
//! coordinator, a partition's leader (records, offsets, producers) or the broker a resource
//! names (broker configs); retriable answers (NOT_CONTROLLER, NOT_COORDINATOR, a coordinator
//! loading) are retried with backoff, after a metadata refresh, until the call's time is up.
//!
//! - mod.rs: the client, options, routing and retries; topics, partitions, records, cluster.
//! - configs.rs: DescribeConfigs, AlterConfigs, IncrementalAlterConfigs.
//! - groups.rs: consumer groups and their offsets.
//! - transactions.rs: DescribeProducers, ListTransactions, DescribeTransactions.

mod configs;
mod groups;
mod transactions;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::create_topics_request::{CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};
use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
use kafka_protocol::messages::{
    BrokerId, CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse, DeleteRecordsRequest,
    DeleteTopicsRequest, DeleteTopicsResponse,
    DescribeClusterRequest, ElectLeadersRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

pub use configs::{AlterConfigOp, ConfigEntry, ConfigResource, ConfigSource, ResourceType};
pub use groups::{GroupDescription, GroupListing, GroupMember, GroupOffset};
pub use transactions::{ProducerState, TransactionDescription, TransactionListing};

pub use super::offsets::ListedOffset;
use super::{Client, Metadata};
use crate::client::metadata::{BrokerMetadata, TopicMetadata};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;
use crate::net::Connection;

/// A new topic: name, partitions and replication factor (-1: the broker's defaults), or a
/// replica assignment (broker ids of each partition, in partition order; then both counts
/// must be -1), and config overrides.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub num_partitions: i32,
    pub replication_factor: i16,
    pub config: Vec<(String, String)>,
    pub replica_assignment: Vec<Vec<i32>>,
}

impl NewTopic {
    pub fn new(name: impl Into<String>, num_partitions: i32, replication_factor: i16) -> Self {
        NewTopic { name: name.into(), num_partitions, replication_factor, config: Vec::new(), replica_assignment: Vec::new() }
    }

    /// Adds a config override (e.g. `cleanup.policy`, `compact`).
    pub fn with_config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.push((name.into(), value.into()));
        self
    }

    /// Places the partitions: `replicas[i]` are the broker ids of partition i, leader first.
    pub fn with_replica_assignment(mut self, replicas: Vec<Vec<i32>>) -> Self {
        self.num_partitions = -1;
        self.replication_factor = -1;
        self.replica_assignment = replicas;
        self
    }
}

/// Grows a topic to `total_count` partitions; `assignment`, when given, places the new ones
/// (broker ids per new partition).
#[derive(Debug, Clone)]
pub struct NewPartitions {
    pub topic: String,
    pub total_count: i32,
    pub assignment: Option<Vec<Vec<i32>>>,
}

impl NewPartitions {
    pub fn new(topic: impl Into<String>, total_count: i32) -> Self {
        NewPartitions { topic: topic.into(), total_count, assignment: None }
    }
}

/// The outcome for one topic of a create, delete or create-partitions call.
pub type TopicResult = (String, Result<()>);

/// The outcome for one partition: ((topic, partition), result).
pub type PartitionResult<T> = ((String, i32), Result<T>);

/// The special offsets of ListOffsets, besides a timestamp (ms): the offset of the first record
/// at or after it.
pub mod offset_spec {
    pub const LATEST: i64 = -1;
    pub const EARLIEST: i64 = -2;
    /// The offset of the record with the highest timestamp (KIP-734).
    pub const MAX_TIMESTAMP: i64 = -3;
}

/// Options of one admin call (librdkafka's rd_kafka_AdminOptions_t). `Duration` converts into
/// the defaults with that request timeout.
#[derive(Debug, Clone)]
pub struct AdminOptions {
    /// The whole call, retries included.
    pub request_timeout: Duration,
    /// How long the controller waits for a change to take effect before answering (CreateTopics,
    /// DeleteTopics, CreatePartitions, DeleteRecords, ElectLeaders); never more than the
    /// request timeout.
    pub operation_timeout: Duration,
    /// Check the request, change nothing (CreateTopics, CreatePartitions, AlterConfigs,
    /// IncrementalAlterConfigs).
    pub validate_only: bool,
    /// ListOffsets: read_committed (the last stable offset for LATEST).
    pub read_committed: bool,
    /// ListConsumerGroupOffsets: fail pending transactional offsets with UNSTABLE_OFFSET_COMMIT
    /// instead of hiding them (KIP-447).
    pub require_stable: bool,
    /// ListConsumerGroups: only groups in these states (Stable, Empty, ...); empty: all.
    pub group_states: Vec<String>,
}

impl Default for AdminOptions {
    fn default() -> Self {
        Duration::from_secs(30).into()
    }
}

impl From<Duration> for AdminOptions {
    fn from(timeout: Duration) -> Self {
        AdminOptions {
            request_timeout: timeout,
            operation_timeout: timeout,
            validate_only: false,
            read_committed: false,
            require_stable: false,
            group_states: Vec::new(),
        }
    }
}

impl AdminOptions {
    pub fn validate_only(mut self, on: bool) -> Self {
        self.validate_only = on;
        self
    }

    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    fn deadline(&self) -> Instant {
        crate::clock::deadline_after(self.request_timeout)
    }

}

/// The cluster as DescribeCluster (or, from older brokers, Metadata) describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    pub cluster_id: Option<String>,
    /// -1 when unknown.
    pub controller_id: i32,
    pub brokers: Vec<BrokerMetadata>,
}

pub struct AdminClient {
    client: Arc<Client>,
    /// What the statistics task holds weakly (it ends with the admin client).
    _stats: Arc<(Arc<Client>, std::time::Instant)>,
}

impl AdminClient {
    /// Creates an admin client; inside a tokio runtime (the blocking facade enters the shared
    /// one), statistics.interval.ms starts its statistics there.
    pub fn new(config: &ClientConfig) -> Result<AdminClient> {
        let client = Client::new(config.common()?);
        client.warn_no_effect(config);
        let stats = Arc::new((client.clone(), std::time::Instant::now()));
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            client.start_refresh(&handle);
            if let Some(every) = client.config.statistics_interval {
                crate::stats::spawn(&handle, every, Arc::downgrade(&stats), client.events.clone(), crate::stats::admin);
            }
        }
        Ok(AdminClient { client, _stats: stats })
    }

    /// The client's connections and metadata (cluster id, controller id).
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// This client's event queue (errors, logs, statistics).
    pub fn events(&self) -> &Arc<crate::events::EventQueue> {
        &self.client.events
    }

    pub async fn metadata(&self, topics: Option<&[String]>, timeout: Duration) -> Result<Metadata> {
        self.client.fetch_metadata(topics, false, timeout).await
    }

    /// The broker-side wait of a request: the operation timeout, within the call's timeout and
    /// a second below request.timeout.ms, so the broker answers before the connection gives up
    /// on the request.
    fn operation_ms(&self, options: &AdminOptions) -> i32 {
        let connection_limit = self.client.config.request_timeout.saturating_sub(Duration::from_secs(1));
        timeout_ms(options.operation_timeout.min(options.request_timeout).min(connection_limit))
    }

    /// A connection to the controller, from fresh metadata (Kafka forwards from any broker in
    /// KRaft mode, but answers NOT_CONTROLLER to older requests sent elsewhere).
    async fn controller(&self, deadline: Instant) -> Result<Arc<Connection>> {
        let meta = self.client.fetch_metadata(Some(&[]), false, remaining(deadline)).await?;
        if meta.controller_id >= 0 {
            if let Ok(conn) = self.client.connection(meta.controller_id).await {
                return Ok(conn);
            }
        }
        self.client.any_connection().await
    }

    /// Sends a request that changes the cluster to the controller: NOT_CONTROLLER anywhere in
    /// the answer (`codes`) retries at the new controller; a request sent and not answered is
    /// not sent again, since it may have been applied (a second CreateTopics would answer
    /// TOPIC_ALREADY_EXISTS for a topic this call created). `needs`: the version a requested
    /// option requires, and its name for the error.
    async fn controller_once<R: kafka_protocol::protocol::Request>(
        &self,
        req: &R,
        our_max: i16,
        needs: Option<(i16, &str)>,
        deadline: Instant,
        codes: impl Fn(&R::Response) -> Vec<i16>,
    ) -> Result<R::Response> {
        retrying(deadline, || async {
            let conn = self.controller(deadline).await?;
            let version = conn.version::<R>(our_max)?;
            if let Some((_, what)) = needs.filter(|(min, _)| version < *min) {
                return Ok(Err(unsupported(&conn, what)));
            }
            let sent = conn.send(req, version).await;
            let Ok(resp) = sent else { return Ok(sent) };
            controller_moved(codes(&resp))?;
            Ok(Ok(resp))
        })
        .await?
    }

    /// Creates topics; each gets its own result. With a nonzero operation timeout the answer
    /// comes once the controller has them.
    pub async fn create_topics(&self, topics: &[NewTopic], options: impl Into<AdminOptions>) -> Result<Vec<TopicResult>> {
        let options = options.into();
        let deadline = options.deadline();
        let req = CreateTopicsRequest::default()
            .with_timeout_ms(self.operation_ms(&options))
            .with_validate_only(options.validate_only)
            .with_topics(topics.iter().map(creatable).collect());
        let needs = options.validate_only.then_some((1, "validate_only for CreateTopics"));
        let resp = self.controller_once(&req, ours::CREATE_TOPICS, needs, deadline, |r: &CreateTopicsResponse| r.topics.iter().map(|t| t.error_code).collect()).await?;
        let answers = resp
            .topics
            .into_iter()
            .map(|t| (t.name.0.to_string(), kafka_result(t.error_code, t.error_message.as_ref(), "create topic", &t.name.0)))
            .collect();
        Ok(in_order(topics.iter().map(|t| t.name.clone()), answers))
    }

    /// Deletes topics; each gets its own result.
    pub async fn delete_topics(&self, names: &[String], options: impl Into<AdminOptions>) -> Result<Vec<TopicResult>> {
        let options = options.into();
        let deadline = options.deadline();
        let req = DeleteTopicsRequest::default()
            .with_timeout_ms(self.operation_ms(&options))
            .with_topic_names(names.iter().map(|n| topic_name(n)).collect());
        let resp = self.controller_once(&req, ours::DELETE_TOPICS, None, deadline, |r: &DeleteTopicsResponse| r.responses.iter().map(|t| t.error_code).collect()).await?;
        let answers = resp
            .responses
            .into_iter()
            .map(|t| {
                let name = t.name.map(|n| n.0.to_string()).unwrap_or_default();
                let r = kafka_result(t.error_code, t.error_message.as_ref(), "delete topic", &name);
                (name, r)
            })
            .collect();
        Ok(in_order(names.iter().cloned(), answers))
    }

    /// Adds partitions to topics (never removes: INVALID_PARTITIONS).
    pub async fn create_partitions(&self, topics: &[NewPartitions], options: impl Into<AdminOptions>) -> Result<Vec<TopicResult>> {
        let options = options.into();
        let deadline = options.deadline();
        let req = CreatePartitionsRequest::default()
            .with_timeout_ms(self.operation_ms(&options))
            .with_validate_only(options.validate_only)
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatePartitionsTopic::default().with_name(topic_name(&t.topic)).with_count(t.total_count).with_assignments(
                            t.assignment.as_ref().map(|a| {
                                a.iter().map(|ids| CreatePartitionsAssignment::default().with_broker_ids(ids.iter().map(|&b| BrokerId(b)).collect())).collect()
                            }),
                        )
                    })
                    .collect(),
            );
        let resp = self.controller_once(&req, ours::CREATE_PARTITIONS, None, deadline, |r: &CreatePartitionsResponse| r.results.iter().map(|t| t.error_code).collect()).await?;
        for t in topics {
            self.client.invalidate_topic(&t.topic);
        }
        let answers = resp
            .results
            .into_iter()
            .map(|t| (t.name.0.to_string(), kafka_result(t.error_code, t.error_message.as_ref(), "create partitions for", &t.name.0)))
            .collect();
        Ok(in_order(topics.iter().map(|t| t.topic.clone()), answers))
    }

    /// Describes topics (partitions, leaders, replicas) from fresh metadata; an unknown topic
    /// is UNKNOWN_TOPIC_OR_PART. Never creates a topic.
    pub async fn describe_topics(&self, names: &[String], options: impl Into<AdminOptions>) -> Result<Vec<(String, Result<TopicMetadata>)>> {
        let options = options.into();
        let meta = self.client.fetch_metadata(Some(names), false, options.request_timeout).await?;
        Ok(names
            .iter()
            .map(|n| {
                let r = match meta.topic(n) {
                    Some(t) => match t.error {
                        Some(kind) => Err(Error::new(kind, format!("describe topic {n:?}: {}", kind.description()))),
                        None => Ok(t.clone()),
                    },
                    None => Err(Error::new(ErrorKind::UnknownTopicOrPart, format!("describe topic {n:?}: not in the answer"))),
                };
                (n.clone(), r)
            })
            .collect())
    }

    /// The cluster id, controller and brokers (DescribeCluster; Metadata from brokers before
    /// Kafka 2.8).
    pub async fn describe_cluster(&self, options: impl Into<AdminOptions>) -> Result<ClusterDescription> {
        let options = options.into();
        let deadline = options.deadline();
        retrying(deadline, || async {
            let conn = self.client.any_connection().await?;
            let Ok(version) = conn.version::<DescribeClusterRequest>(ours::DESCRIBE_CLUSTER) else {
                let meta = self.client.fetch_metadata(Some(&[]), false, remaining(deadline)).await?;
                return Ok(ClusterDescription { cluster_id: meta.cluster_id, controller_id: meta.controller_id, brokers: meta.brokers });
            };
            let resp = conn.send(&DescribeClusterRequest::default().with_endpoint_type(1), version).await?;
            kafka_result(resp.error_code, resp.error_message.as_ref(), "describe cluster", "")?;
            Ok(ClusterDescription {
                cluster_id: Some(resp.cluster_id.to_string()),
                controller_id: resp.controller_id.0,
                brokers: resp
                    .brokers
                    .into_iter()
                    .map(|b| BrokerMetadata { id: b.broker_id.0, host: b.host.to_string(), port: b.port, rack: b.rack.map(|r| r.to_string()) })
                    .collect(),
            })
        })
        .await
    }

    /// Deletes the records before each offset (-1: the high watermark): the log start moves
    /// there. Each partition's result is its new low watermark.
    pub async fn delete_records(&self, before: &[(String, i32, i64)], options: impl Into<AdminOptions>) -> Result<Vec<PartitionResult<i64>>> {
        let options = options.into();
        let deadline = options.deadline();
        let keys: Vec<(String, i32)> = before.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
        let answers = self
            .per_leader(&keys, deadline, |conn, idx| {
                let mut topics: BTreeMap<&str, Vec<DeleteRecordsPartition>> = BTreeMap::new();
                for &i in &idx {
                    let (t, p, offset) = &before[i];
                    topics.entry(t).or_default().push(DeleteRecordsPartition::default().with_partition_index(*p).with_offset(*offset));
                }
                let req = DeleteRecordsRequest::default().with_timeout_ms(self.operation_ms(&options)).with_topics(
                    topics.into_iter().map(|(t, ps)| DeleteRecordsTopic::default().with_name(topic_name(t)).with_partitions(ps)).collect(),
                );
                async move {
                    let version = conn.version::<DeleteRecordsRequest>(ours::DELETE_RECORDS)?;
                    let resp = conn.send(&req, version).await?;
                    Ok(resp
                        .topics
                        .into_iter()
                        .flat_map(|t| {
                            let name = t.name.0.to_string();
                            t.partitions.into_iter().map(move |p| {
                                let what = format!("{name}[{}]", p.partition_index);
                                let r = kafka_result(p.error_code, None, "delete records of", &what).map(|()| p.low_watermark);
                                ((name.clone(), p.partition_index), r)
                            })
                        })
                        .collect())
                }
            })
            .await;
        Ok(answers)
    }

    /// Offsets by [`offset_spec`] or timestamp, one result per query, in order, each with the
    /// record's timestamp and leader epoch; isolation per `options.read_committed`. Leader
    /// moves are retried within the call's timeout.
    pub async fn list_offsets(&self, queries: &[(String, i32, i64)], options: impl Into<AdminOptions>) -> Result<Vec<Result<ListedOffset>>> {
        use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
        use kafka_protocol::messages::ListOffsetsRequest;
        let options = options.into();
        let deadline = options.deadline();
        let keys: Vec<(String, i32)> = queries.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
        let answers = self
            .per_leader(&keys, deadline, |conn, idx| {
                let mut topics: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
                for &i in &idx {
                    let (t, p, spec) = &queries[i];
                    topics.entry(t).or_default().push(ListOffsetsPartition::default().with_partition_index(*p).with_timestamp(*spec).with_current_leader_epoch(-1));
                }
                let req = ListOffsetsRequest::default()
                    .with_replica_id(BrokerId(-1))
                    .with_isolation_level(i8::from(options.read_committed))
                    .with_topics(topics.into_iter().map(|(t, ps)| ListOffsetsTopic::default().with_name(topic_name(t)).with_partitions(ps)).collect());
                async move {
                    let version = conn.version::<ListOffsetsRequest>(ours::LIST_OFFSETS)?;
                    let resp = conn.send(&req, version).await?;
                    Ok(resp
                        .topics
                        .into_iter()
                        .flat_map(|t| {
                            let name = t.name.0.to_string();
                            t.partitions.into_iter().map(move |p| {
                                let what = format!("{name}[{}]", p.partition_index);
                                let r = kafka_result(p.error_code, None, "list offsets of", &what)
                                    .map(|()| ListedOffset { offset: p.offset, timestamp: p.timestamp, leader_epoch: p.leader_epoch });
                                ((name.clone(), p.partition_index), r)
                            })
                        })
                        .collect())
                }
            })
            .await;
        Ok(answers.into_iter().map(|(_, r)| r).collect())
    }

    /// Elects leaders: `unclean` false for the preferred replica (ELECTION_NOT_NEEDED where it
    /// already leads), true for an unclean election. `partitions` None: every partition (the
    /// answer then lists only those whose leader changed).
    pub async fn elect_leaders(
        &self,
        unclean: bool,
        partitions: Option<&[(String, i32)]>,
        options: impl Into<AdminOptions>,
    ) -> Result<Vec<PartitionResult<()>>> {
        let options = options.into();
        let deadline = options.deadline();
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for (t, p) in partitions.unwrap_or_default() {
            by_topic.entry(t).or_default().push(*p);
        }
        let req = ElectLeadersRequest::default()
            .with_election_type(i8::from(unclean))
            .with_timeout_ms(self.operation_ms(&options))
            .with_topic_partitions(
                partitions.map(|_| by_topic.into_iter().map(|(t, ps)| TopicPartitions::default().with_topic(topic_name(t)).with_partitions(ps)).collect()),
            );
        let resp = retrying(deadline, || async {
            let conn = self.controller(deadline).await?;
            let version = conn.version::<ElectLeadersRequest>(ours::ELECT_LEADERS)?;
            if unclean && version < 1 {
                return Err(unsupported(&conn, "unclean leader election"));
            }
            let resp = conn.send(&req, version).await?;
            kafka_result(resp.error_code, None, "elect leaders", "")?;
            Ok(resp)
        })
        .await?;
        let answers: Vec<PartitionResult<()>> = resp
            .replica_election_results
            .into_iter()
            .flat_map(|t| {
                let name = t.topic.0.to_string();
                t.partition_result.into_iter().map(move |p| {
                    let what = format!("{name}[{}]", p.partition_id);
                    ((name.clone(), p.partition_id), kafka_result(p.error_code, p.error_message.as_ref(), "elect leader of", &what))
                })
            })
            .collect();
        // New leaders: the next lookup of these topics asks again.
        for ((topic, _), _) in &answers {
            self.client.invalidate_topic(topic);
        }
        Ok(match partitions {
            Some(asked) => in_asked_order(asked.iter().cloned(), answers),
            None => answers,
        })
    }

    /// Sends one request per leader of `keys` (partition indexes grouped by leader) and collects
    /// per-partition answers in the order of `keys`. A partition without a leader, or whose
    /// leader's request failed, gets that error; answers that mean the leader moved
    /// (NOT_LEADER, LEADER_NOT_AVAILABLE, a fenced or unknown leader epoch) are retried after a
    /// metadata refresh until `deadline`. A partition named twice goes in a later round (Kafka
    /// refuses a request naming one partition twice).
    async fn per_leader<T, F, Fut>(&self, keys: &[(String, i32)], deadline: Instant, request: F) -> Vec<PartitionResult<T>>
    where
        F: Fn(Arc<Connection>, Vec<usize>) -> Fut,
        Fut: Future<Output = Result<Vec<PartitionResult<T>>>>,
    {
        let mut results: Vec<Option<Result<T>>> = keys.iter().map(|_| None).collect();
        let mut backoff = Duration::from_millis(100);
        loop {
            let pending: Vec<usize> = (0..keys.len()).filter(|&i| results[i].is_none()).collect();
            if pending.is_empty() {
                break;
            }
            let mut topics: Vec<String> = pending.iter().map(|&i| keys[i].0.clone()).collect();
            topics.sort();
            topics.dedup();
            let meta = self.client.fetch_metadata(Some(&topics), false, remaining(deadline)).await;
            let mut by_leader: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
            let mut this_round: std::collections::HashSet<&(String, i32)> = std::collections::HashSet::new();
            let mut retry = false;
            for &i in &pending {
                let (t, p) = &keys[i];
                if !this_round.insert(&keys[i]) {
                    continue;
                }
                let partition = meta.as_ref().ok().and_then(|m| m.topic(t)).map(|tm| (tm.error, tm.partitions.iter().find(|x| x.id == *p).map(|x| x.leader)));
                match partition {
                    Some((None, Some(leader))) if leader >= 0 => by_leader.entry(leader).or_default().push(i),
                    Some((None, None)) => results[i] = Some(Err(Error::new(ErrorKind::UnknownPartition, format!("{t}[{p}]: no such partition")))),
                    Some((Some(kind), _)) if !kind.is_retriable() || kind == ErrorKind::UnknownTopicOrPart => results[i] = Some(Err(Error::new(kind, format!("{t}: {}", kind.description())))),
                    _ if Instant::now() >= deadline => {
                        results[i] = Some(Err(match &meta {
                            Err(e) => e.clone(),
                            Ok(_) => Error::new(ErrorKind::LeaderNotAvailable, format!("{t}[{p}]: no leader known")),
                        }))
                    }
                    _ => retry = true,
                }
            }
            for (leader, idx) in by_leader {
                let attempt = async {
                    let conn = self.client.connection(leader).await?;
                    request(conn, idx.clone()).await
                };
                let answers = match tokio::time::timeout(remaining(deadline), attempt).await {
                    Ok(r) => r,
                    Err(_) => Err(Error::new(ErrorKind::TimedOut, "admin request timed out")),
                };
                match answers {
                    Ok(answers) => {
                        let mut answers: BTreeMap<(String, i32), Result<T>> = answers.into_iter().collect();
                        for i in idx {
                            match answers.remove(&keys[i]) {
                                Some(Err(e)) if leader_moved(e.kind()) && Instant::now() < deadline => retry = true,
                                Some(r) => results[i] = Some(r),
                                None => {
                                    let (t, p) = &keys[i];
                                    results[i] = Some(Err(Error::new(ErrorKind::BadMsg, format!("{t}[{p}]: missing from the broker's answer"))));
                                }
                            }
                        }
                    }
                    Err(e) if e.is_retriable() && Instant::now() < deadline => retry = true,
                    Err(e) => {
                        for i in idx {
                            results[i] = Some(Err(e.clone()));
                        }
                    }
                }
            }
            // Waiting for a leader, or a leader's error: back off. Only repeated partitions
            // left: their round goes at once.
            if retry {
                tokio::time::sleep(backoff.min(remaining(deadline))).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        keys.iter().cloned().zip(results.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::new(ErrorKind::TimedOut, "admin request timed out"))))).collect()
    }
}

/// Answers that mean the request went to a broker that no longer leads the partition.
fn leader_moved(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::NotLeaderForPartition | ErrorKind::LeaderNotAvailable | ErrorKind::FencedLeaderEpoch | ErrorKind::UnknownLeaderEpoch)
}

fn creatable(t: &NewTopic) -> CreatableTopic {
    CreatableTopic::default()
        .with_name(topic_name(&t.name))
        .with_num_partitions(t.num_partitions)
        .with_replication_factor(t.replication_factor)
        .with_assignments(
            t.replica_assignment
                .iter()
                .zip(0..)
                .map(|(ids, p)| CreatableReplicaAssignment::default().with_partition_index(p).with_broker_ids(ids.iter().map(|&b| BrokerId(b)).collect()))
                .collect(),
        )
        .with_configs(
            t.config
                .iter()
                .map(|(k, v)| CreatableTopicConfig::default().with_name(StrBytes::from_string(k.clone())).with_value(Some(StrBytes::from_string(v.clone()))))
                .collect(),
        )
}

pub(crate) fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

pub(crate) fn timeout_ms(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

fn unsupported(conn: &Connection, what: &str) -> Error {
    Error::new(ErrorKind::UnsupportedFeature, format!("{}: the broker does not support {what}", conn.addr()))
}

/// Ok for code 0, else the Kafka error with the broker's message and what was asked.
pub(crate) fn kafka_result(code: i16, message: Option<&StrBytes>, what: &str, name: &str) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    let name = if name.is_empty() { String::new() } else { format!(" {name:?}") };
    let detail = message.map(|m| format!(": {m}")).unwrap_or_default();
    Err(Error::from_kafka(code, format!("{what}{name}{detail}")))
}

/// NOT_CONTROLLER anywhere in an answer means the request went to a broker that stopped being
/// the controller: the whole request is retried at the new one.
fn controller_moved(codes: impl IntoIterator<Item = i16>) -> Result<()> {
    const NOT_CONTROLLER: i16 = 41;
    if codes.into_iter().any(|c| c == NOT_CONTROLLER) {
        return Err(Error::from_kafka(NOT_CONTROLLER, "the controller moved"));
    }
    Ok(())
}

/// Answers in the order of the names asked (a name the broker left out is an error).
fn in_order(names: impl Iterator<Item = String>, answers: Vec<(String, Result<()>)>) -> Vec<TopicResult> {
    let mut answers: BTreeMap<String, Result<()>> = answers.into_iter().collect();
    names
        .map(|n| {
            let r = answers
                .remove(&n)
                .unwrap_or_else(|| Err(Error::new(ErrorKind::BadMsg, format!("{n:?}: missing from the broker's answer"))));
            (n, r)
        })
        .collect()
}

/// Asks every broker of the cluster at once (ListGroups, ListTransactions: each broker
/// answers for what it coordinates), each retried until `deadline`, so one dead broker costs
/// only its own answer. One result per broker, in broker id order.
pub(crate) async fn every_broker<T, F, Fut>(client: &Arc<Client>, deadline: Instant, ask: F) -> Result<Vec<(i32, Result<T>)>>
where
    T: Send + 'static,
    F: Fn(Arc<Client>, i32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let meta = client.fetch_metadata(Some(&[]), false, remaining(deadline)).await?;
    let ask = Arc::new(ask);
    let mut tasks = tokio::task::JoinSet::new();
    for broker in meta.brokers {
        let (client, ask) = (Arc::clone(client), Arc::clone(&ask));
        tasks.spawn(async move { (broker.id, retrying(deadline, || ask(Arc::clone(&client), broker.id)).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.map_err(|e| Error::new(ErrorKind::Fail, format!("internal: admin task failed: {e}")))?);
    }
    out.sort_by_key(|(id, _)| *id);
    Ok(out)
}

/// Runs `call` for each id in turn (group ids, transactional ids: each at its own coordinator),
/// each retried until `deadline`; one result per id, in order.
pub(crate) async fn per_id<T, F, Fut>(ids: &[String], deadline: Instant, call: F) -> Vec<(String, Result<T>)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = retrying(deadline, || call(id.clone())).await;
        out.push((id.clone(), r));
    }
    out
}

/// Per-partition answers in the order the partitions were asked (a partition named twice gets
/// its answer twice); one the broker left out is an error of its own.
pub(crate) fn in_asked_order<T: Clone>(asked: impl IntoIterator<Item = (String, i32)>, answers: Vec<PartitionResult<T>>) -> Vec<PartitionResult<T>> {
    let answers: BTreeMap<(String, i32), Result<T>> = answers.into_iter().collect();
    asked
        .into_iter()
        .map(|key| {
            let r = answers.get(&key).cloned().unwrap_or_else(|| {
                Err(Error::new(ErrorKind::BadMsg, format!("{}[{}]: missing from the broker's answer", key.0, key.1)))
            });
            (key, r)
        })
        .collect()
}

/// Runs `attempt` until it succeeds, fails with a non-retriable error, or `deadline` passes
/// (the last error is returned), backing off 100 ms doubling to 1 s between attempts.
pub(crate) async fn retrying<T, F, Fut>(deadline: Instant, attempt: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut backoff = Duration::from_millis(100);
    loop {
        let outcome = match tokio::time::timeout(remaining(deadline), attempt()).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(ErrorKind::TimedOut, "admin request timed out")),
        };
        match outcome {
            Err(e) if e.is_retriable() && Instant::now() + backoff < deadline => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            other => return other,
        }
    }
}
