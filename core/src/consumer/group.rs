//! The consumer group member: coordinator lookup, join/sync, heartbeats, commits, leave.
//!
//! One task per consumer with a group.id runs [`run`]. It owns the membership (member id,
//! generation, owned partitions) and talks to the application only through the consumer's
//! event queue: rebalances arrive at `poll` as [`Event::Rebalance`], which poll applies (or
//! hands to the application's callback) and acknowledges.
//!
//! Order of a rebalance, eager protocol: commit what is due, revoke everything (and wait until
//! the application has handled it, so it stops processing before others get the partitions),
//! JoinGroup, SyncGroup (the leader computes the assignment), assign.
//! Cooperative (KIP-429): JoinGroup with the owned partitions, SyncGroup, revoke only what was
//! taken away (then rejoin at once, so the new owner gets it in the next round), assign what is new.
//!
//! Failure handling: REBALANCE_IN_PROGRESS rejoins; ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID mean
//! our partitions were given away: they are reported lost, then we rejoin; coordinator errors
//! look the coordinator up again; FENCED_INSTANCE_ID is fatal (another instance took our
//! group.instance.id). If the application does not poll within max.poll.interval.ms the member
//! leaves the group, says so with a `_MAX_POLL_EXCEEDED` error, and rejoins on the next poll.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, GroupId, HeartbeatRequest,
    JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest, SyncGroupRequest, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

use super::assignor::{Assignor, MemberSubscription};
pub(crate) use super::assignor::RebalanceProtocol;
use super::{ConsumerInner, Event, OffsetEntry, RebalanceEvent, RebalanceKind};
use crate::events::{ClientEvent, CommitResult};
use crate::error::{Error, ErrorKind, Result};
use crate::client::coordinator::CoordinatorKind;
use crate::net::versions::ours;
use crate::net::Connection;

/// What the application subscribed to: names, and `^regex` patterns matched against all topics.
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    pub topics: Vec<String>,
    pub patterns: Vec<regex::Regex>,
}

impl Subscription {
    pub fn parse(topics: &[String]) -> Result<Subscription> {
        let mut s = Subscription::default();
        for t in topics {
            if t.is_empty() {
                return Err(Error::new(ErrorKind::InvalidArg, "subscribe: empty topic name"));
            }
            if t.starts_with('^') {
                let re = regex::Regex::new(t).map_err(|e| {
                    Error::new(ErrorKind::InvalidArg, format!("subscribe: invalid topic regex {t:?}: {e}"))
                })?;
                s.patterns.push(re);
            } else {
                s.topics.push(t.clone());
            }
        }
        Ok(s)
    }

    fn matches(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic) || (!topic.starts_with("__") && self.patterns.iter().any(|p| p.is_match(topic)))
    }
}

/// Membership state shared by the group task and the consumer front.
#[derive(Debug)]
pub(crate) struct GroupState {
    pub subscription: Option<Subscription>,
    pub member_id: String,
    pub generation: i32,
    /// Partitions the group gave us (what we report as owned in a cooperative JoinGroup).
    pub owned: BTreeSet<(String, i32)>,
    pub rejoin: bool,
    /// Highest rebalance event sequence pushed, and the highest the application handled.
    pub pushed_seq: u64,
    pub acked_seq: u64,
    pub last_poll: Instant,
    /// We left because the application stopped polling; the next poll rejoins.
    pub left_for_poll_timeout: bool,
    pub fatal: Option<Error>,
    /// The topics the subscription resolved to at the last join.
    pub joined_topics: BTreeSet<String>,
    pub coordinator: Option<Arc<Connection>>,
    /// `_ALL_BROKERS_DOWN` was reported and no broker answered since.
    pub reported_down: bool,
    /// A SyncGroup gave us an assignment (possibly empty) since the last leave.
    pub assigned_once: bool,
}

impl Default for GroupState {
    fn default() -> Self {
        GroupState {
            subscription: None,
            member_id: String::new(),
            generation: -1,
            owned: BTreeSet::new(),
            rejoin: false,
            pushed_seq: 0,
            acked_seq: 0,
            last_poll: Instant::now(),
            left_for_poll_timeout: false,
            fatal: None,
            joined_topics: BTreeSet::new(),
            coordinator: None,
            reported_down: false,
            assigned_once: false,
        }
    }
}

/// Encodes a consumer protocol message: an i16 version, then the struct at that version.
fn encode_versioned<T: Encodable>(msg: &T, version: i16) -> Result<Bytes> {
    let size = msg.compute_size(version).map_err(|e| Error::new(ErrorKind::Fail, format!("encode: {e}")))?;
    let mut buf = BytesMut::with_capacity(size + 2);
    buf.put_i16(version);
    msg.encode(&mut buf, version).map_err(|e| Error::new(ErrorKind::Fail, format!("encode: {e}")))?;
    Ok(buf.freeze())
}

/// Decodes a consumer protocol message; newer versions than we know are read at our newest
/// (fields are only ever appended), as the Java client does.
pub(crate) fn decode_versioned<T: Decodable>(mut data: Bytes, max: i16) -> Result<Option<T>> {
    if data.is_empty() {
        return Ok(None);
    }
    if data.remaining() < 2 {
        return Err(Error::new(ErrorKind::BadMsg, "consumer protocol message shorter than its version"));
    }
    let version = data.get_i16().clamp(0, max);
    T::decode(&mut data, version)
        .map(Some)
        .map_err(|e| Error::new(ErrorKind::BadMsg, format!("cannot decode consumer protocol message: {e}")))
}

fn group_id(inner: &ConsumerInner) -> Result<&str> {
    inner.config.group_id.as_deref().ok_or_else(|| {
        Error::new(ErrorKind::InvalidArg, "group.id must be set to use subscribe() or commit offsets")
    })
}

fn assignors(inner: &ConsumerInner) -> Result<Vec<Assignor>> {
    let mut v = Vec::new();
    for name in &inner.config.partition_assignment_strategy {
        let a = Assignor::parse(name).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArg,
                format!("partition.assignment.strategy: unknown assignor {name:?}; allowed: range, roundrobin, cooperative-sticky"),
            )
        })?;
        v.push(a);
    }
    if v.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArg, "partition.assignment.strategy is empty"));
    }
    let coop = v.iter().filter(|a| a.protocol() == RebalanceProtocol::Cooperative).count();
    if coop != 0 && coop != v.len() {
        // librdkafka refuses this mix too: the two protocols cannot run in one member.
        return Err(Error::new(
            ErrorKind::InvalidArg,
            "partition.assignment.strategy: cooperative and eager assignors cannot be mixed",
        ));
    }
    Ok(v)
}

pub(crate) fn protocol(inner: &ConsumerInner) -> RebalanceProtocol {
    match assignors(inner) {
        Ok(v) if v.iter().all(|a| a.protocol() == RebalanceProtocol::Cooperative) => RebalanceProtocol::Cooperative,
        _ => RebalanceProtocol::Eager,
    }
}

/// The group coordinator's connection: cached until it closes or an answer says the
/// coordinator moved ([`forget_coordinator`]); otherwise found with FindCoordinator.
pub(crate) async fn coordinator(inner: &ConsumerInner) -> Result<Arc<Connection>> {
    let cached = inner.group_lock().coordinator.clone();
    if let Some(c) = cached {
        if !c.is_closed() {
            return Ok(c);
        }
    }
    let c = find_coordinator(inner).await?;
    inner.group_lock().coordinator = Some(c.clone());
    Ok(c)
}

fn forget_coordinator(inner: &ConsumerInner) {
    inner.group_lock().coordinator = None;
}

async fn find_coordinator(inner: &ConsumerInner) -> Result<Arc<Connection>> {
    let group = group_id(inner)?;
    inner.client.find_coordinator(CoordinatorKind::Group, group).await
}

/// Runs `op` against the group coordinator, looking it up again and retrying while the
/// coordinator is moving or loading (the first commit of a group on a fresh cluster meets
/// COORDINATOR_NOT_AVAILABLE while __consumer_offsets is created), up to request.timeout.ms.
async fn with_coordinator<T, F, Fut>(inner: &ConsumerInner, op: F) -> Result<T>
where
    F: Fn(Arc<Connection>) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let deadline = Instant::now() + inner.config.common.request_timeout;
    let backoff = inner.config.common.retry_backoff.max(Duration::from_millis(20));
    loop {
        let r = match coordinator(inner).await {
            Ok(c) => op(c).await,
            Err(e) => Err(e),
        };
        match r {
            Err(e) if is_coordinator_error(&e) && Instant::now() + backoff < deadline => {
                forget_coordinator(inner);
                tokio::time::sleep(backoff).await
            }
            Err(e) if is_coordinator_error(&e) => {
                forget_coordinator(inner);
                return Err(e);
            }
            other => return other,
        }
    }
}

/// Committed offsets of the group for `partitions` (-1 where none).
pub(crate) async fn fetch_committed(inner: &ConsumerInner, partitions: &[(String, i32)]) -> Result<HashMap<(String, i32), i64>> {
    let entries = fetch_committed_entries(inner, partitions).await?;
    let mut out = HashMap::new();
    for (k, e) in entries {
        if let Some(err) = e.error {
            return Err(err);
        }
        out.insert(k, e.offset);
    }
    Ok(out)
}

/// Committed offsets with metadata, leader epoch and each partition's own error.
pub(crate) async fn fetch_committed_entries(inner: &ConsumerInner, partitions: &[(String, i32)]) -> Result<HashMap<(String, i32), OffsetEntry>> {
    with_coordinator(inner, |conn| fetch_committed_once(inner, conn, partitions)).await
}

async fn fetch_committed_once(
    inner: &ConsumerInner,
    conn: Arc<Connection>,
    partitions: &[(String, i32)],
) -> Result<HashMap<(String, i32), OffsetEntry>> {
    let group = group_id(inner)?;
    let version = conn.version::<OffsetFetchRequest>(ours::OFFSET_FETCH)?;
    let mut topics: Vec<OffsetFetchRequestTopic> = Vec::new();
    for (t, p) in partitions {
        match topics.iter_mut().find(|x| x.name.0.as_str() == t) {
            Some(x) => x.partition_indexes.push(*p),
            None => topics.push(
                OffsetFetchRequestTopic::default()
                    .with_name(TopicName(StrBytes::from_string(t.clone())))
                    .with_partition_indexes(vec![*p]),
            ),
        }
    }
    let req = OffsetFetchRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_topics(Some(topics))
        .with_require_stable(true);
    let resp = conn.send(&req, version).await?;
    if resp.error_code != 0 {
        return Err(Error::from_kafka(resp.error_code, format!("OffsetFetch for group {group:?}")));
    }
    let mut out = HashMap::new();
    for t in resp.topics {
        for p in t.partitions {
            let name = t.name.0.to_string();
            let mut e = OffsetEntry::new(name.clone(), p.partition_index, p.committed_offset)
                .with_metadata(p.metadata.as_ref().map(|m| m.to_string()).unwrap_or_default())
                .with_leader_epoch(p.committed_leader_epoch);
            if p.error_code != 0 {
                let err = Error::from_kafka(p.error_code, format!("OffsetFetch {name}[{}]", p.partition_index));
                if is_coordinator_error(&err) {
                    // The whole request goes to the new coordinator.
                    return Err(err);
                }
                e.error = Some(err);
            }
            out.insert((name, p.partition_index), e);
        }
    }
    Ok(out)
}

/// Commits `offsets` ((topic, partition) -> next offset to read) for the group; one result
/// per partition.
pub(crate) async fn commit(inner: &ConsumerInner, offsets: &[OffsetEntry]) -> Result<Vec<(String, i32, Result<i64>)>> {
    if offsets.is_empty() {
        return Err(Error::new(ErrorKind::NoOffset, "no offsets to commit"));
    }
    with_coordinator(inner, |conn| commit_once(inner, conn, offsets)).await
}

async fn commit_once(
    inner: &ConsumerInner,
    conn: Arc<Connection>,
    offsets: &[OffsetEntry],
) -> Result<Vec<(String, i32, Result<i64>)>> {
    let group = group_id(inner)?;
    let (generation, member_id, instance) = {
        let g = inner.group_lock();
        if g.generation >= 0 && !g.member_id.is_empty() {
            (g.generation, g.member_id.clone(), inner.config.group_instance_id.clone())
        } else {
            // Not a member (assign() only): a "simple" commit, which Kafka accepts for a group
            // with no active members.
            (-1, String::new(), None)
        }
    };
    let version = conn.version::<OffsetCommitRequest>(ours::OFFSET_COMMIT)?;
    let mut topics: Vec<OffsetCommitRequestTopic> = Vec::new();
    for e in offsets {
        let (t, p) = (&e.topic, e.partition);
        let part = OffsetCommitRequestPartition::default()
            .with_partition_index(p)
            .with_committed_offset(e.offset)
            // The field exists from v6; below that it must stay at its default to encode.
            .with_committed_leader_epoch(if version >= 6 { e.leader_epoch } else { -1 })
            .with_committed_metadata(Some(StrBytes::from_string(e.metadata.clone())));
        match topics.iter_mut().find(|x| x.name.0.as_str() == t) {
            Some(x) => x.partitions.push(part),
            None => topics.push(
                OffsetCommitRequestTopic::default()
                    .with_name(TopicName(StrBytes::from_string(t.clone())))
                    .with_partitions(vec![part]),
            ),
        }
    }
    let req = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(StrBytes::from_string(member_id))
        .with_group_instance_id(instance.map(StrBytes::from_string))
        .with_retention_time_ms(-1)
        .with_topics(topics);
    let resp = conn.send(&req, version).await?;
    let mut out = Vec::new();
    let mut rejoin = false;
    for t in resp.topics {
        for p in t.partitions {
            let name = t.name.0.to_string();
            let offset = offsets
                .iter()
                .find(|e| e.topic == name && e.partition == p.partition_index)
                .map(|e| e.offset)
                .unwrap_or(-1);
            let r = if p.error_code == 0 {
                Ok(offset)
            } else {
                let k = ErrorKind::from_kafka_code(p.error_code);
                let e = Error::from_kafka(p.error_code, format!("OffsetCommit {name}[{}]", p.partition_index));
                if is_coordinator_error(&e) {
                    // The whole request goes to the new coordinator.
                    return Err(e);
                }
                if matches!(k, ErrorKind::IllegalGeneration | ErrorKind::UnknownMemberId | ErrorKind::RebalanceInProgress) {
                    rejoin = true;
                }
                Err(Error::from_kafka(p.error_code, format!("OffsetCommit {name}[{}]", p.partition_index)))
            };
            out.push((name, p.partition_index, r));
        }
    }
    if rejoin {
        inner.group_lock().rejoin = true;
        inner.wake_group.notify_one();
    }
    let committed: Vec<(String, i32, i64)> = out.iter().filter_map(|(t, p, r)| r.as_ref().ok().map(|o| (t.clone(), *p, *o))).collect();
    inner.mark_committed(&committed);
    Ok(out)
}

/// Commits what enable.auto.commit says is due now (close).
pub(crate) async fn commit_due(inner: &ConsumerInner) {
    commit_stored(inner, None, None).await
}

/// Runs `work` (waiting for the application to handle a rebalance, or a commit) while sending
/// heartbeats every heartbeat.interval.ms on `conn`, so a slow rebalance handler or a slow commit
/// does not cost the membership: session.timeout.ms keeps running on the coordinator meanwhile.
/// Heartbeat errors are only noted (a rebalance in progress sets `rejoin`): the main loop's own
/// heartbeat meets them again and handles them, outside the wait.
async fn heartbeating<F: std::future::Future>(inner: &ConsumerInner, conn: Option<&Connection>, work: F) -> F::Output {
    let Some(conn) = conn else { return work.await };
    let mut work = std::pin::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tokio::time::sleep(inner.config.heartbeat_interval) => {
                if inner.group_lock().generation >= 0 {
                    if let Err(e) = send_heartbeat(inner, conn).await {
                        if e.kind == ErrorKind::RebalanceInProgress {
                            inner.group_lock().rejoin = true;
                        }
                    }
                }
            }
        }
    }
}

/// Commits the stored offsets that moved since the last commit (auto-commit, revoke, close),
/// heartbeating on `conn` (when given) while the commit is out.
async fn commit_stored(inner: &ConsumerInner, only: Option<&BTreeSet<(String, i32)>>, conn: Option<&Connection>) {
    if !inner.config.enable_auto_commit {
        return;
    }
    let due: Vec<OffsetEntry> = inner
        .stored_uncommitted()
        .into_iter()
        .filter(|e| only.is_none_or(|o| o.contains(&(e.topic.clone(), e.partition))))
        .collect();
    if due.is_empty() {
        return;
    }
    let outcome = heartbeating(inner, conn, commit(inner, &due)).await;
    // librdkafka's offset_commit_cb sees every automatic commit, successful or not.
    inner.client.events.push(ClientEvent::OffsetCommit(CommitResult::from_outcome(&outcome)));
    match outcome {
        Ok(results) => {
            let failed: Vec<String> = results.iter().filter_map(|(t, p, r)| r.as_ref().err().map(|e| format!("{t}[{p}]: {e}"))).collect();
            if !failed.is_empty() {
                inner.push_global(Event::Error {
                    topic: None,
                    partition: -1,
                    error: Error::new(ErrorKind::Fail, format!("auto-commit failed for {}", failed.join(", "))),
                });
            }
        }
        Err(e) => inner.push_global(Event::Error { topic: None, partition: -1, error: e }),
    }
}

/// Hands a rebalance to the application (through poll). With `wait`, returns once it was handled,
/// heartbeating on `conn` (when given) meanwhile.
async fn rebalance(
    inner: &ConsumerInner,
    kind: RebalanceKind,
    partitions: BTreeSet<(String, i32)>,
    wait: bool,
    conn: Option<&Connection>,
) {
    let protocol = protocol(inner);
    let seq = {
        let mut g = inner.group_lock();
        g.pushed_seq += 1;
        g.pushed_seq
    };
    inner.push_global(Event::Rebalance(RebalanceEvent {
        kind,
        partitions: partitions.into_iter().collect(),
        cooperative: protocol == RebalanceProtocol::Cooperative,
        seq,
    }));
    if !wait {
        return;
    }
    let handled = async {
        loop {
            let acked = inner.rebalance_acked.notified();
            {
                if inner.group_lock().acked_seq >= seq || inner.lock().closed {
                    return;
                }
            }
            acked.await;
        }
    };
    heartbeating(inner, conn, handled).await
}

/// The group member task.
pub(crate) async fn run(inner: Arc<ConsumerInner>) {
    let mut conn: Option<Arc<Connection>> = None;
    let mut next_heartbeat = Instant::now();
    // auto.commit.interval.ms=0 disables the periodic commit (librdkafka: "0 = disable"); commits
    // at revoke and close still follow enable.auto.commit.
    let auto_commit_every = (inner.config.enable_auto_commit && !inner.config.auto_commit_interval.is_zero())
        .then_some(inner.config.auto_commit_interval);
    let mut next_commit = auto_commit_every.map(|every| Instant::now() + every);
    let mut next_topic_check = Instant::now();
    let backoff = inner.config.common.retry_backoff.max(Duration::from_millis(50));
    loop {
        let woken = inner.wake_group.notified();
        if inner.lock().closed {
            commit_stored(&inner, None, conn.as_deref()).await;
            leave(&inner, conn.as_deref(), "the consumer is closing").await;
            return;
        }
        let (subscribed, member, rejoin, fatal) = {
            let g = inner.group_lock();
            (g.subscription.is_some(), g.generation >= 0, g.rejoin, g.fatal.is_some())
        };
        if fatal {
            woken.await;
            continue;
        }
        // Auto-commit runs for assign()-only consumers with a group.id too.
        if let (Some(due), Some(every)) = (next_commit, auto_commit_every) {
            if Instant::now() >= due {
                next_commit = Some(Instant::now() + every);
                commit_stored(&inner, None, conn.as_deref()).await;
            }
        }
        // Far enough to mean "no commit due" without overflowing instant arithmetic.
        let commit_wake = next_commit.unwrap_or_else(|| crate::clock::deadline_after(crate::clock::FOREVER));
        if !subscribed {
            if member {
                leave(&inner, conn.as_deref(), "unsubscribed").await;
            }
            let _ = tokio::time::timeout_at(commit_wake.into(), woken).await;
            continue;
        }
        // max.poll.interval.ms: an application that stopped polling leaves the group.
        let poll_late = {
            let g = inner.group_lock();
            g.generation >= 0
                && inner.polling.load(std::sync::atomic::Ordering::Acquire) == 0
                && g.last_poll.elapsed() > inner.config.max_poll_interval
        };
        if poll_late {
            let ms = inner.config.max_poll_interval.as_millis();
            leave(&inner, conn.as_deref(), "max.poll.interval.ms exceeded").await;
            let lost: BTreeSet<(String, i32)> = std::mem::take(&mut inner.group_lock().owned);
            inner.group_lock().left_for_poll_timeout = true;
            inner.push_global(Event::Error {
                topic: None,
                partition: -1,
                error: Error::new(
                    ErrorKind::MaxPollExceeded,
                    format!("Application maximum poll interval ({ms}ms) exceeded: leaving the group; it rejoins at the next poll"),
                ),
            });
            if !lost.is_empty() {
                rebalance(&inner, RebalanceKind::Lost, lost, false, None).await;
            }
            woken.await;
            continue;
        }
        if inner.group_lock().left_for_poll_timeout {
            woken.await;
            continue;
        }
        // A regex subscription or missing topics: check now and then whether the topic set moved.
        if Instant::now() >= next_topic_check {
            next_topic_check = Instant::now() + inner.config.common.topic_metadata_refresh_interval.min(Duration::from_secs(5));
            if member && !rejoin {
                if let Ok(topics) = subscribed_topics(&inner).await {
                    let mut g = inner.group_lock();
                    if topics != g.joined_topics {
                        g.rejoin = true;
                    }
                }
            }
        }
        let c = match coordinator(&inner).await {
            Ok(c) => {
                conn = Some(c.clone());
                inner.group_lock().reported_down = false;
                c
            }
            Err(e) => {
                let report = if e.kind == ErrorKind::AllBrokersDown {
                    // Once per outage, as librdkafka's error callback says "N/N brokers are down".
                    !std::mem::replace(&mut inner.group_lock().reported_down, true)
                } else {
                    !e.is_retriable() && !matches!(e.kind, ErrorKind::CoordinatorNotAvailable | ErrorKind::NotCoordinator)
                };
                if report {
                    inner.push_global(Event::Error { topic: None, partition: -1, error: e });
                }
                let _ = tokio::time::timeout(backoff, woken).await;
                continue;
            }
        };
        if !member || inner.group_lock().rejoin {
            match join(&inner, &c).await {
                Ok(()) => {
                    next_heartbeat = Instant::now() + inner.config.heartbeat_interval;
                }
                Err(e) => {
                    if !membership_failed(&inner, &e) && !e.is_retriable() && e.kind != ErrorKind::RebalanceInProgress {
                        inner.push_global(Event::Error { topic: None, partition: -1, error: e });
                    }
                    tokio::time::sleep(backoff).await;
                }
            }
            continue;
        }
        if Instant::now() >= next_heartbeat {
            next_heartbeat = Instant::now() + inner.config.heartbeat_interval;
            if let Err(e) = heartbeat(&inner, &c).await {
                membership_failed(&inner, &e);
                continue;
            }
        }
        let wake_at = next_heartbeat.min(commit_wake).min(next_topic_check);
        let _ = tokio::time::timeout_at(wake_at.into(), woken).await;
    }
}

/// Handles the errors of Join/Sync/Heartbeat that end in the coordinator or the member: the
/// coordinator moved (look it up again) or our group.instance.id was taken (fatal, reported).
/// Returns whether it was one of those.
fn membership_failed(inner: &ConsumerInner, e: &Error) -> bool {
    if is_coordinator_error(e) {
        forget_coordinator(inner);
        true
    } else if e.kind == ErrorKind::FencedInstanceId {
        inner.group_lock().fatal = Some(e.clone());
        inner.push_global(Event::Error { topic: None, partition: -1, error: e.clone().fatal() });
        // Fatal to the client: also an error event (librdkafka's error_cb with a fatal error).
        inner.client.events.error("CGRP", e.clone().fatal());
        true
    } else {
        false
    }
}

fn is_coordinator_error(e: &Error) -> bool {
    matches!(
        e.kind,
        ErrorKind::NotCoordinator
            | ErrorKind::CoordinatorNotAvailable
            | ErrorKind::CoordinatorLoadInProgress
            | ErrorKind::Transport
            | ErrorKind::TimedOut
            | ErrorKind::AllBrokersDown
            // OffsetFetch with require_stable while a commit is still being written.
            | ErrorKind::UnstableOffsetCommit
    )
}

/// The topics the subscription covers now (patterns are matched against the cluster's topics).
async fn subscribed_topics(inner: &ConsumerInner) -> Result<BTreeSet<String>> {
    let sub = inner.group_lock().subscription.clone().unwrap_or_default();
    if sub.patterns.is_empty() {
        return Ok(sub.topics.iter().cloned().collect());
    }
    let md = inner.client.fetch_metadata(None, false, inner.config.common.request_timeout).await?;
    let mut set: BTreeSet<String> = sub.topics.iter().cloned().collect();
    set.extend(md.topics.iter().filter(|t| t.error.is_none() && sub.matches(&t.name)).map(|t| t.name.clone()));
    Ok(set)
}

async fn heartbeat(inner: &ConsumerInner, conn: &Connection) -> Result<()> {
    let e = match send_heartbeat(inner, conn).await {
        Err(e) if e.kafka_code.is_some() => e,
        other => return other,
    };
    handle_membership_error(inner, &e).await;
    Err(e)
}

/// One Heartbeat request; a broker error comes back as an `Error` with its `kafka_code`.
async fn send_heartbeat(inner: &ConsumerInner, conn: &Connection) -> Result<()> {
    let group = group_id(inner)?;
    let (generation, member_id) = {
        let g = inner.group_lock();
        (g.generation, g.member_id.clone())
    };
    let version = conn.version::<HeartbeatRequest>(ours::HEARTBEAT)?;
    let req = HeartbeatRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_generation_id(generation)
        .with_member_id(StrBytes::from_string(member_id))
        .with_group_instance_id(inner.config.group_instance_id.clone().map(StrBytes::from_string));
    let resp = conn.send(&req, version).await?;
    if resp.error_code == 0 {
        return Ok(());
    }
    Err(Error::from_kafka(resp.error_code, format!("Heartbeat for group {group:?}")))
}

/// Reacts to errors that say our membership changed.
async fn handle_membership_error(inner: &ConsumerInner, e: &Error) {
    match e.kind {
        ErrorKind::RebalanceInProgress => inner.group_lock().rejoin = true,
        ErrorKind::IllegalGeneration | ErrorKind::UnknownMemberId => {
            let lost = {
                let mut g = inner.group_lock();
                g.generation = -1;
                if e.kind == ErrorKind::UnknownMemberId {
                    g.member_id.clear();
                }
                g.rejoin = true;
                std::mem::take(&mut g.owned)
            };
            if !lost.is_empty() {
                // The group gave these away already: do not commit them, just stop.
                rebalance(inner, RebalanceKind::Lost, lost, true, None).await;
            }
        }
        _ => {}
    }
}

async fn join(inner: &ConsumerInner, conn: &Connection) -> Result<()> {
    let group = group_id(inner)?.to_string();
    let assignors = assignors(inner)?;
    let protocol = protocol(inner);
    let topics = subscribed_topics(inner).await?;
    // Eager: give everything back before joining (after committing what is due).
    if protocol == RebalanceProtocol::Eager {
        let (owned, was_assigned) = {
            let g = inner.group_lock();
            (g.owned.clone(), g.assigned_once)
        };
        // librdkafka revokes before every rejoin once assigned, even an empty assignment.
        if was_assigned {
            if !owned.is_empty() {
                commit_stored(inner, Some(&owned), Some(conn)).await;
            }
            inner.group_lock().owned.clear();
            rebalance(inner, RebalanceKind::Revoke, owned, true, Some(conn)).await;
            // What the application stored while handling the revocation (still this generation).
            commit_stored(inner, None, Some(conn)).await;
        }
    }
    let owned = inner.group_lock().owned.clone();
    let subscription = ConsumerProtocolSubscription::default()
        .with_topics(topics.iter().map(|t| StrBytes::from_string(t.clone())).collect())
        .with_owned_partitions(group_by_topic(&owned).into_iter().map(|(t, ps)| OwnedTopic::default().with_topic(TopicName(StrBytes::from_string(t))).with_partitions(ps)).collect());
    let metadata = encode_versioned(&subscription, 1)?;
    let version = conn.version::<JoinGroupRequest>(ours::JOIN_GROUP)?;
    let session_ms = crate::client::admin::timeout_ms(inner.config.session_timeout);
    let rebalance_ms = crate::client::admin::timeout_ms(inner.config.max_poll_interval);
    let mut attempts = 0;
    let resp = loop {
        attempts += 1;
        let member_id = inner.group_lock().member_id.clone();
        let req = JoinGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.clone())))
            .with_session_timeout_ms(session_ms)
            .with_rebalance_timeout_ms(rebalance_ms)
            .with_member_id(StrBytes::from_string(member_id))
            .with_group_instance_id(inner.config.group_instance_id.clone().map(StrBytes::from_string))
            .with_protocol_type(StrBytes::from_string(inner.config.group_protocol_type.clone()))
            .with_protocols(
                assignors
                    .iter()
                    .map(|a| JoinGroupRequestProtocol::default().with_name(StrBytes::from_static_str(a.name())).with_metadata(metadata.clone()))
                    .collect(),
            );
        // The broker holds JoinGroup until the rebalance completes: allow for that.
        let resp = tokio::time::timeout(
            inner.config.max_poll_interval + Duration::from_secs(5),
            conn.send(&req, version),
        )
        .await
        .map_err(|_| Error::new(ErrorKind::TimedOut, "JoinGroup timed out"))??;
        match ErrorKind::from_kafka_code(resp.error_code) {
            ErrorKind::NoError => break resp,
            ErrorKind::MemberIdRequired if attempts < 3 => {
                // KIP-394: the broker gives us our member id; join again with it.
                inner.group_lock().member_id = resp.member_id.to_string();
            }
            ErrorKind::UnknownMemberId if attempts < 3 => inner.group_lock().member_id.clear(),
            _ => return Err(Error::from_kafka(resp.error_code, format!("JoinGroup for group {group:?}"))),
        }
    };
    let generation = resp.generation_id;
    let member_id = resp.member_id.to_string();
    {
        let mut g = inner.group_lock();
        g.member_id = member_id.clone();
        g.generation = generation;
        g.joined_topics = topics.clone();
    }
    let protocol_name = resp.protocol_name.as_ref().map(|p| p.to_string()).unwrap_or_default();
    let assignments = if resp.leader.as_str() == member_id {
        leader_assign(inner, &resp.members, &protocol_name).await?
    } else {
        Vec::new()
    };
    let version = conn.version::<SyncGroupRequest>(ours::SYNC_GROUP)?;
    let req = SyncGroupRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.clone())))
        .with_generation_id(generation)
        .with_member_id(StrBytes::from_string(member_id))
        .with_group_instance_id(inner.config.group_instance_id.clone().map(StrBytes::from_string))
        .with_protocol_type(Some(StrBytes::from_string(inner.config.group_protocol_type.clone())))
        .with_protocol_name(Some(StrBytes::from_string(protocol_name)))
        .with_assignments(assignments);
    let resp = tokio::time::timeout(inner.config.max_poll_interval + Duration::from_secs(5), conn.send(&req, version))
        .await
        .map_err(|_| Error::new(ErrorKind::TimedOut, "SyncGroup timed out"))??;
    if resp.error_code != 0 {
        let e = Error::from_kafka(resp.error_code, format!("SyncGroup for group {group:?}"));
        handle_membership_error(inner, &e).await;
        return Err(e);
    }
    let assigned: BTreeSet<(String, i32)> = decode_versioned::<ConsumerProtocolAssignment>(resp.assignment, 3)?
        .map(|a| {
            a.assigned_partitions
                .into_iter()
                .flat_map(|t| {
                    let name = t.topic.0.to_string();
                    t.partitions.into_iter().map(move |p| (name.clone(), p))
                })
                .collect()
        })
        .unwrap_or_default();
    let (revoked, added) = {
        let mut g = inner.group_lock();
        g.rejoin = false;
        g.assigned_once = true;
        let revoked: BTreeSet<_> = g.owned.difference(&assigned).cloned().collect();
        let added: BTreeSet<_> = assigned.difference(&g.owned).cloned().collect();
        g.owned = assigned.clone();
        (revoked, added)
    };
    match protocol {
        RebalanceProtocol::Eager => rebalance(inner, RebalanceKind::Assign, assigned, false, None).await,
        RebalanceProtocol::Cooperative => {
            if !revoked.is_empty() {
                commit_stored(inner, Some(&revoked), Some(conn)).await;
                rebalance(inner, RebalanceKind::Revoke, revoked, true, Some(conn)).await;
                commit_stored(inner, None, Some(conn)).await;
                // KIP-429: rejoin at once so the partitions we gave up find their new owner.
                inner.group_lock().rejoin = true;
            }
            // An empty incremental assign still tells the application the rebalance is over.
            rebalance(inner, RebalanceKind::Assign, added, false, None).await;
        }
    }
    Ok(())
}

fn group_by_topic(set: &BTreeSet<(String, i32)>) -> Vec<(String, Vec<i32>)> {
    let mut out: Vec<(String, Vec<i32>)> = Vec::new();
    for (t, p) in set {
        match out.last_mut() {
            Some((lt, ps)) if lt == t => ps.push(*p),
            _ => out.push((t.clone(), vec![*p])),
        }
    }
    out
}

/// The leader's job: decode every member's subscription, run the chosen assignor.
async fn leader_assign(
    inner: &ConsumerInner,
    members: &[kafka_protocol::messages::join_group_response::JoinGroupResponseMember],
    protocol_name: &str,
) -> Result<Vec<SyncGroupRequestAssignment>> {
    let assignor = Assignor::parse(protocol_name).ok_or_else(|| {
        Error::new(ErrorKind::UnknownProtocol, format!("group chose assignor {protocol_name:?}, which this client does not have"))
    })?;
    let mut subs = Vec::new();
    let mut all_topics: BTreeSet<String> = BTreeSet::new();
    for m in members {
        let s = decode_versioned::<ConsumerProtocolSubscription>(m.metadata.clone(), 3)?.unwrap_or_default();
        let topics: Vec<String> = s.topics.iter().map(|t| t.to_string()).collect();
        all_topics.extend(topics.iter().cloned());
        subs.push(MemberSubscription {
            member_id: m.member_id.to_string(),
            instance_id: m.group_instance_id.as_ref().map(|i| i.to_string()),
            topics,
            owned: s.owned_partitions.iter().flat_map(|t| t.partitions.iter().map(move |p| (t.topic.0.to_string(), *p))).collect(),
            generation: s.generation_id,
        });
    }
    let topics: Vec<String> = all_topics.into_iter().collect();
    let md = inner.client.fetch_metadata(Some(&topics), false, inner.config.common.request_timeout).await?;
    let counts: HashMap<String, i32> = md
        .topics
        .iter()
        .filter(|t| t.error.is_none())
        .map(|t| (t.name.clone(), t.partitions.len() as i32))
        .collect();
    for t in md.topics.iter().filter(|t| t.error.is_some()) {
        inner.push_global(Event::Error {
            topic: Some(Arc::from(t.name.as_str())),
            partition: -1,
            error: Error::new(t.error.unwrap_or(ErrorKind::UnknownTopicOrPart), format!("subscribed topic {:?} is not available", t.name)),
        });
    }
    let assignment = assignor.assign(&subs, &counts);
    let mut out = Vec::new();
    for (member, tps) in assignment {
        let set: BTreeSet<(String, i32)> = tps.into_iter().collect();
        let msg = ConsumerProtocolAssignment::default().with_assigned_partitions(
            group_by_topic(&set)
                .into_iter()
                .map(|(t, ps)| AssignedTopic::default().with_topic(TopicName(StrBytes::from_string(t))).with_partitions(ps))
                .collect(),
        );
        out.push(SyncGroupRequestAssignment::default().with_member_id(StrBytes::from_string(member)).with_assignment(encode_versioned(&msg, 1)?));
    }
    Ok(out)
}

/// Leaves the group (best effort: the session timeout would end membership anyway).
async fn leave(inner: &ConsumerInner, conn: Option<&Connection>, reason: &str) {
    let (generation, member_id) = {
        let mut g = inner.group_lock();
        let r = (g.generation, g.member_id.clone());
        g.generation = -1;
        g.assigned_once = false;
        // A static member keeps its id: leaving would trigger the rebalance it exists to avoid.
        if inner.config.group_instance_id.is_none() {
            g.member_id.clear();
        }
        r
    };
    if generation < 0 || member_id.is_empty() || inner.config.group_instance_id.is_some() {
        return;
    }
    let Ok(group) = group_id(inner) else { return };
    let Some(conn) = conn else { return };
    let Ok(version) = conn.version::<LeaveGroupRequest>(ours::LEAVE_GROUP) else { return };
    let mut req = LeaveGroupRequest::default().with_group_id(GroupId(StrBytes::from_string(group.to_string())));
    if version >= 3 {
        req = req.with_members(vec![MemberIdentity::default()
            .with_member_id(StrBytes::from_string(member_id))
            .with_reason(Some(StrBytes::from_string(reason.to_string())))]);
    } else {
        req = req.with_member_id(StrBytes::from_string(member_id));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.send(&req, version)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_round_trips_with_version_prefix() {
        let s = ConsumerProtocolSubscription::default()
            .with_topics(vec![StrBytes::from_static_str("t")])
            .with_owned_partitions(vec![OwnedTopic::default().with_topic(TopicName(StrBytes::from_static_str("t"))).with_partitions(vec![0, 2])]);
        let b = encode_versioned(&s, 1).expect("encode");
        assert_eq!(&b[..2], &[0, 1]);
        let d: ConsumerProtocolSubscription = decode_versioned(b, 3).expect("decode").expect("some");
        assert_eq!(d.topics, s.topics);
        assert_eq!(d.owned_partitions[0].partitions, vec![0, 2]);
        assert!(decode_versioned::<ConsumerProtocolSubscription>(Bytes::from_static(&[0]), 3).is_err());
        assert!(decode_versioned::<ConsumerProtocolAssignment>(Bytes::new(), 3).expect("empty ok").is_none());
    }

    #[test]
    fn regex_subscription_matches() {
        let s = Subscription::parse(&["^orders-.*".to_string(), "plain".to_string()]).expect("parse");
        assert!(s.matches("orders-eu"));
        assert!(s.matches("plain"));
        assert!(!s.matches("other"));
        assert!(Subscription::parse(&["^(".to_string()]).is_err());
    }
}
