//! The group coordinator: every group of the cluster (see [`crate::group`] for one group's state
//! machine), the clock that drives their deadlines, and which broker coordinates which group.
//!
//! Groups live in one map for the whole in-process cluster, behind one `std::sync::Mutex` that is
//! never held across an `.await`. Each group is served by one broker only, as Kafka's
//! `__consumer_offsets` partitioning does (see [`coordinator_index`]); handlers answer
//! NOT_COORDINATOR for the others before they get here.
//!
//! Time: one task per cluster ([`run_timers`]) sleeps until the earliest group deadline and then
//! applies the expired ones. Operations that create an earlier deadline than the one it sleeps
//! towards wake it through a `Notify`; later deadlines (every heartbeat) cost nothing.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::error_code as ec;
use crate::group::{Answer, CommittedOffset, Group, GroupDescription, GroupState, JoinRequest, JoinResponse, SyncRequest, SyncResponse};
use crate::state::ClusterState;

/// Partitions of Kafka's `__consumer_offsets` (and `__transaction_state`): `offsets.topic.num.partitions`.
const COORDINATOR_PARTITIONS: u32 = 50;

/// Which of `brokers` brokers coordinates `key` (a group or transactional id): Kafka's
/// `abs(key.hashCode()) % 50` picks a partition of `__consumer_offsets`, whose leader is the
/// coordinator; here partition p is led by broker `p % brokers`.
pub(crate) fn coordinator_index(key: &str, brokers: usize) -> usize {
    let hash = key.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
    // Kafka's Utils.abs maps i32::MIN to 0.
    let partition = if hash == i32::MIN { 0 } else { hash.unsigned_abs() } % COORDINATOR_PARTITIONS;
    partition as usize % brokers.max(1)
}

/// Group-level validation of an OffsetCommit.
#[derive(Debug, Clone)]
pub(crate) struct CommitAuth {
    pub(crate) generation_id: i32,
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    /// From v9 an unknown group with a generation gets GROUP_ID_NOT_FOUND, before that
    /// ILLEGAL_GENERATION.
    pub(crate) version: i16,
}

/// Committed offsets of one topic as OffsetFetch returns them: `None` where nothing is committed.
pub(crate) type FetchedTopic = (String, Vec<(i32, Option<CommittedOffset>)>);

#[derive(Debug)]
struct Groups {
    by_id: HashMap<String, Group>,
    /// The deadline the timer task sleeps towards.
    next_wake: Option<Instant>,
    /// For member ids: a per-cluster random prefix and a counter.
    id_seed: u64,
    id_counter: u64,
}

/// Every group of one cluster.
#[derive(Debug)]
pub(crate) struct GroupCoordinator {
    groups: Mutex<Groups>,
    wake: Notify,
    initial_rebalance_delay: Duration,
}

/// Locks, ignoring poisoning, as `state.rs` does: nothing panics while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl GroupCoordinator {
    pub(crate) fn new(initial_rebalance_delay: Duration) -> Self {
        Self {
            groups: Mutex::new(Groups {
                by_id: HashMap::new(),
                next_wake: None,
                id_seed: RandomState::new().build_hasher().finish(),
                id_counter: 0,
            }),
            wake: Notify::new(),
            initial_rebalance_delay,
        }
    }

    /// Runs `f` on the group (created first when `create`); `None` if it does not exist.
    /// Afterwards an unused group is forgotten and the timer task is woken if `f` brought a
    /// deadline closer. Every operation goes through here.
    fn with_group<R>(&self, id: &str, create: bool, f: impl FnOnce(&mut Group, &mut Groups) -> R) -> Option<R> {
        let mut guard = lock(&self.groups);
        let groups = &mut *guard;
        let mut group = match groups.by_id.remove(id) {
            Some(group) => group,
            None if create => Group::new(self.initial_rebalance_delay),
            None => return None,
        };
        let result = f(&mut group, groups);
        let deadline = group.next_deadline();
        if !group.is_unused() {
            groups.by_id.insert(id.to_string(), group);
        }
        if let Some(deadline) = deadline {
            let sooner = match groups.next_wake {
                Some(wake) => deadline < wake,
                None => true,
            };
            if sooner {
                groups.next_wake = Some(deadline);
                self.wake.notify_one();
            }
        }
        Some(result)
    }

    pub(crate) fn join(&self, group_id: &str, now: Instant, request: JoinRequest) -> Answer<JoinResponse> {
        let create = request.member_id.is_empty();
        let member_id = request.member_id.clone();
        self.with_group(group_id, create, |group, groups| {
            // Kafka's form: client id (or group.instance.id) + "-" + a UUID.
            groups.id_counter += 1;
            let prefix = request.instance_id.as_deref().unwrap_or(&request.client_id);
            let unique = uuid::Uuid::from_u64_pair(groups.id_seed, groups.id_counter);
            let new_member_id = format!("{prefix}-{}", uuid::Builder::from_random_bytes(unique.into_bytes()).into_uuid());
            group.join(now, request, new_member_id)
        })
        .unwrap_or_else(|| Answer::Now(JoinResponse::error(ec::UNKNOWN_MEMBER_ID, &member_id)))
    }

    pub(crate) fn sync(&self, group_id: &str, now: Instant, request: SyncRequest) -> Answer<SyncResponse> {
        self.with_group(group_id, false, |group, _| group.sync(now, request))
            .unwrap_or_else(|| Answer::Now(SyncResponse::error(ec::UNKNOWN_MEMBER_ID)))
    }

    pub(crate) fn heartbeat(&self, group_id: &str, now: Instant, generation_id: i32, member_id: &str, instance_id: Option<&str>) -> i16 {
        self.with_group(group_id, false, |group, _| group.heartbeat(now, generation_id, member_id, instance_id))
            .unwrap_or(ec::UNKNOWN_MEMBER_ID)
    }

    /// LeaveGroup of several members: one error code each, or the group-level error.
    pub(crate) fn leave(&self, group_id: &str, now: Instant, members: &[(String, Option<String>)]) -> Result<Vec<i16>, i16> {
        self.with_group(group_id, false, |group, _| {
            members
                .iter()
                .map(|(member_id, instance_id)| group.leave(now, member_id, instance_id.as_deref()))
                .collect()
        })
        .ok_or(ec::UNKNOWN_MEMBER_ID)
    }

    /// OffsetCommit: validates the committer (Kafka's rules, see [`Group::validate_commit`]) and
    /// stores `offsets` (topic, partition, offset). A "simple" commit (generation < 0) to an
    /// unknown group creates it, as Kafka does for consumers that only use assign().
    pub(crate) fn commit(&self, group_id: &str, auth: &CommitAuth, offsets: Vec<(String, i32, CommittedOffset)>) -> Result<(), i16> {
        let simple = auth.generation_id < 0;
        self.with_group(group_id, simple, |group, _| {
            group.validate_commit(auth.generation_id, &auth.member_id, auth.instance_id.as_deref())?;
            for (topic, partition, offset) in offsets {
                group.commit(&topic, partition, offset);
            }
            Ok(())
        })
        .unwrap_or(Err(if auth.version >= 9 { ec::GROUP_ID_NOT_FOUND } else { ec::ILLEGAL_GENERATION }))
    }

    /// TxnOffsetCommit's group check (KIP-447): a member and generation, when named, must be
    /// current; generation -1 without a member (producers that do not know the group) passes,
    /// even while the group has members, as Kafka allows for transactional commits.
    pub(crate) fn validate_txn_commit(&self, group_id: &str, generation_id: i32, member_id: &str, instance_id: Option<&str>) -> Result<(), i16> {
        let named = generation_id >= 0 || !member_id.is_empty() || instance_id.is_some();
        if !named {
            return Ok(());
        }
        self.with_group(group_id, false, |group, _| group.validate_commit(generation_id, member_id, instance_id))
            .unwrap_or(Err(ec::ILLEGAL_GENERATION))
    }

    /// Stores an offset a committed transaction carried (validated when it was sent).
    pub(crate) fn commit_transactional(&self, group_id: &str, topic: &str, partition: i32, offset: CommittedOffset) {
        self.with_group(group_id, true, |group, _| group.commit(topic, partition, offset));
    }

    /// OffsetFetch of one group: the requested partitions (`None`: every committed one).
    pub(crate) fn fetch_offsets(&self, group_id: &str, topics: Option<Vec<(String, Vec<i32>)>>) -> Vec<FetchedTopic> {
        let groups = lock(&self.groups);
        let group = groups.by_id.get(group_id);
        match topics {
            Some(topics) => topics
                .into_iter()
                .map(|(topic, partitions)| {
                    let offsets = partitions
                        .into_iter()
                        .map(|p| (p, group.and_then(|g| g.committed(&topic, p)).cloned()))
                        .collect();
                    (topic, offsets)
                })
                .collect(),
            None => group
                .map(|g| {
                    g.all_committed()
                        .map(|(topic, partitions)| {
                            let offsets = partitions.iter().map(|(p, o)| (*p, Some(o.clone()))).collect();
                            (topic.to_string(), offsets)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// OffsetDelete: per partition, GROUP_SUBSCRIBED_TO_TOPIC for topics a member consumes;
    /// the others are deleted. Err: the group-level error.
    pub(crate) fn delete_offsets(&self, group_id: &str, topics: &[(String, Vec<i32>)]) -> Result<Vec<Vec<i16>>, i16> {
        self.with_group(group_id, false, |group, _| {
            if group.protocol_type() != "consumer" && group.state() != GroupState::Empty {
                return Err(ec::NON_EMPTY_GROUP);
            }
            Ok(topics
                .iter()
                .map(|(topic, partitions)| {
                    let subscribed = group.is_subscribed_to(topic);
                    partitions
                        .iter()
                        .map(|p| {
                            if subscribed {
                                ec::GROUP_SUBSCRIBED_TO_TOPIC
                            } else {
                                group.delete_offset(topic, *p);
                                ec::NONE
                            }
                        })
                        .collect()
                })
                .collect())
        })
        .unwrap_or(Err(ec::GROUP_ID_NOT_FOUND))
    }

    /// DeleteGroups of one group: only an Empty group can go (its offsets with it).
    pub(crate) fn delete_group(&self, group_id: &str) -> i16 {
        let mut groups = lock(&self.groups);
        match groups.by_id.get(group_id).map(Group::state) {
            None | Some(GroupState::Dead) => ec::GROUP_ID_NOT_FOUND,
            Some(GroupState::Empty) => {
                if let Some(mut group) = groups.by_id.remove(group_id) {
                    group.answer_all_parked(ec::COORDINATOR_NOT_AVAILABLE);
                }
                ec::NONE
            }
            Some(_) => ec::NON_EMPTY_GROUP,
        }
    }

    pub(crate) fn describe(&self, group_id: &str) -> Option<GroupDescription> {
        lock(&self.groups).by_id.get(group_id).map(Group::describe)
    }

    /// (group id, protocol type, state) of every group `owned` selects.
    pub(crate) fn list(&self, owned: impl Fn(&str) -> bool) -> Vec<(String, String, GroupState)> {
        let groups = lock(&self.groups);
        let mut listed: Vec<_> = groups
            .by_id
            .iter()
            .filter(|(id, _)| owned(id))
            .map(|(id, g)| (id.clone(), g.protocol_type().to_string(), g.state()))
            .collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        listed
    }

    /// Drops the committed offsets of a deleted topic, as Kafka does.
    pub(crate) fn forget_topic(&self, topic: &str) {
        let mut groups = lock(&self.groups);
        for group in groups.by_id.values_mut() {
            group.forget_topic(topic);
        }
        groups.by_id.retain(|_, g| !g.is_unused());
    }

    pub(crate) fn member_ids(&self, group_id: &str) -> Vec<String> {
        lock(&self.groups).by_id.get(group_id).map(Group::member_ids).unwrap_or_default()
    }

    pub(crate) fn committed_offset(&self, group_id: &str, topic: &str, partition: i32) -> Option<i64> {
        let groups = lock(&self.groups);
        groups.by_id.get(group_id)?.committed(topic, partition).map(|o| o.offset)
    }

    /// Applies every passed deadline; returns the next one (also remembered as `next_wake`).
    fn expire(&self, now: Instant) -> Option<Instant> {
        let mut groups = lock(&self.groups);
        let mut next: Option<Instant> = None;
        for group in groups.by_id.values_mut() {
            group.expire(now);
            next = match (next, group.next_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        // E.g. a new group whose only MEMBER_ID_REQUIRED member never came back.
        groups.by_id.retain(|_, g| !g.is_unused());
        groups.next_wake = next;
        next
    }
}

/// The coordinator's clock: sleeps until the next group deadline (or a wake-up), applies what
/// expired, until the cluster shuts down.
pub(crate) async fn run_timers(cluster: Arc<ClusterState>) {
    let coordinator = &cluster.coordinator;
    let mut shutdown = cluster.subscribe_shutdown();
    loop {
        let next = coordinator.expire(Instant::now());
        let sleep = async {
            match next {
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => {}
            // notify_one keeps a permit when nobody waits, so a wake-up between expire() and
            // here is not lost.
            _ = coordinator.wake.notified() => {}
            _ = crate::server::stopped(&mut shutdown) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinators_follow_kafkas_offsets_partitioning() {
        // Java: "my-group".hashCode() = -1906497762 -> partition 12 of __consumer_offsets.
        assert_eq!(coordinator_index("my-group", 50), 12);
        assert_eq!(coordinator_index("my-group", 5), 2);
        assert_eq!(coordinator_index("anything", 1), 0);
        let spread: std::collections::HashSet<usize> =
            (0..100).map(|i| coordinator_index(&format!("group-{i}"), 3)).collect();
        assert_eq!(spread.len(), 3, "groups spread over every broker");
    }
}
