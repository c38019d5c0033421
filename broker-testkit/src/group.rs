//! One consumer group: the classic rebalance protocol's state machine (Kafka's `ClassicGroup` and
//! the group half of its `GroupMetadataManager`), plus the group's committed offsets.
//!
//! ```text
//!            first JoinGroup                  all members rejoined, or the join deadline
//!   Empty ─────────────────► PreparingRebalance ─────────────────────► CompletingRebalance
//!     ▲                          ▲      ▲  (nobody left: back to Empty)        │ leader's SyncGroup
//!     │                          │      └───────────────────────────────────── │ (or a member change)
//!     │                          │ member joins, leaves, changes protocols     ▼
//!     └── DeleteGroups: Dead     └──── or misses its session / sync deadline ─ Stable
//! ```
//!
//! Pure and synchronous: every method takes `now`, nothing sleeps. Delayed answers are
//! `oneshot` channels: a JoinGroup that must wait for the other members stores its sender on the
//! member and the handler awaits the receiver; the sender fires when the join phase completes
//! ([`Group::expire`] or the last member's JoinGroup). SyncGroup followers wait the same way for
//! the leader's assignment. [`Group::next_deadline`] tells the coordinator's timer task when the
//! next session, join, pending-member or sync deadline falls.
//!
//! Deadlines, as in Kafka:
//! - session: a member that does not heartbeat for `session.timeout.ms` is removed (never while
//!   its JoinGroup or SyncGroup is parked: then the rebalance deadlines below apply);
//! - join: PreparingRebalance ends when every member rejoined and no MEMBER_ID_REQUIRED member is
//!   pending, or after the largest `rebalance.timeout.ms`; dynamic members that did not rejoin
//!   are then removed, static ones kept (KIP-345);
//! - initial delay: a rebalance of an Empty group first waits `group.initial.rebalance.delay.ms`,
//!   extended by one delay per newly joined member, within the rebalance timeout;
//! - pending member: a MEMBER_ID_REQUIRED member (KIP-394) must rejoin within its session timeout;
//! - sync: after the join phase every member must SyncGroup within the rebalance timeout, or it
//!   is removed and the group rebalances again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use indexmap::IndexMap;
use tokio::sync::oneshot;

use crate::error_code as ec;

/// The states Kafka reports in DescribeGroups and ListGroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    /// Deleted. A deleted group leaves the coordinator's map at once, so only DescribeGroups of
    /// an unknown group reports it.
    Dead,
}

impl GroupState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// A JoinGroup request, decoded and validated by its handler.
#[derive(Debug, Clone, Default)]
pub(crate) struct JoinRequest {
    /// Empty for a member joining for the first time.
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    pub(crate) client_id: String,
    pub(crate) client_host: String,
    pub(crate) session_timeout: Duration,
    pub(crate) rebalance_timeout: Duration,
    pub(crate) protocol_type: String,
    /// (name, metadata) in the member's order of preference.
    pub(crate) protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED (KIP-394).
    pub(crate) require_known_member_id: bool,
    /// JoinGroup v9+: a static leader rejoining a stable group may skip the assignment (KIP-814).
    pub(crate) supports_skip_assignment: bool,
}

/// A member as the leader's JoinGroup response lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinedMember {
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    /// Its metadata for the selected protocol.
    pub(crate) metadata: Bytes,
}

/// A JoinGroup answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinResponse {
    pub(crate) error: i16,
    pub(crate) generation_id: i32,
    pub(crate) protocol_type: Option<String>,
    pub(crate) protocol_name: Option<String>,
    pub(crate) leader: String,
    pub(crate) skip_assignment: bool,
    pub(crate) member_id: String,
    /// Every member, for the leader only.
    pub(crate) members: Vec<JoinedMember>,
}

impl JoinResponse {
    pub(crate) fn error(error: i16, member_id: &str) -> Self {
        Self {
            error,
            generation_id: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            skip_assignment: false,
            member_id: member_id.to_string(),
            members: Vec::new(),
        }
    }
}

/// A SyncGroup request, decoded by its handler.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncRequest {
    pub(crate) generation_id: i32,
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    /// v5+; checked against the group's when given.
    pub(crate) protocol_type: Option<String>,
    pub(crate) protocol_name: Option<String>,
    /// (member id, assignment): the leader's plan; empty from followers.
    pub(crate) assignments: Vec<(String, Bytes)>,
}

/// A SyncGroup answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncResponse {
    pub(crate) error: i16,
    pub(crate) protocol_type: Option<String>,
    pub(crate) protocol_name: Option<String>,
    pub(crate) assignment: Bytes,
}

impl SyncResponse {
    pub(crate) fn error(error: i16) -> Self {
        Self {
            error,
            protocol_type: None,
            protocol_name: None,
            assignment: Bytes::new(),
        }
    }
}

/// An answer that is either ready or parked until the group decides.
#[derive(Debug)]
pub(crate) enum Answer<T> {
    Now(T),
    Later(oneshot::Receiver<T>),
}

impl<T> Answer<T> {
    /// Waits for the answer; `if_dropped` when the group went away without answering.
    pub(crate) async fn wait(self, if_dropped: impl FnOnce() -> T) -> T {
        match self {
            Answer::Now(answer) => answer,
            Answer::Later(receiver) => receiver.await.unwrap_or_else(|_| if_dropped()),
        }
    }
}

/// A committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommittedOffset {
    pub(crate) offset: i64,
    pub(crate) leader_epoch: i32,
    pub(crate) metadata: String,
}

/// A member as DescribeGroups shows it.
#[derive(Debug, Clone)]
pub(crate) struct MemberDescription {
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    pub(crate) client_id: String,
    pub(crate) client_host: String,
    pub(crate) metadata: Bytes,
    pub(crate) assignment: Bytes,
}

/// A group as DescribeGroups and ListGroups show it.
#[derive(Debug, Clone)]
pub(crate) struct GroupDescription {
    pub(crate) state: GroupState,
    pub(crate) protocol_type: String,
    /// The selected protocol, while Stable (Kafka shows none otherwise).
    pub(crate) protocol_name: String,
    pub(crate) members: Vec<MemberDescription>,
}

#[derive(Debug)]
struct Member {
    instance_id: Option<String>,
    client_id: String,
    client_host: String,
    session_timeout: Duration,
    rebalance_timeout: Duration,
    protocols: Vec<(String, Bytes)>,
    assignment: Bytes,
    /// The parked JoinGroup, during PreparingRebalance.
    join_waiter: Option<oneshot::Sender<JoinResponse>>,
    /// The parked SyncGroup, during CompletingRebalance.
    sync_waiter: Option<oneshot::Sender<SyncResponse>>,
    /// Removed at this instant unless it heartbeats (not while a JoinGroup or SyncGroup is parked).
    session_deadline: Instant,
}

impl Member {
    fn new(now: Instant, request: JoinRequest) -> Self {
        Self {
            instance_id: request.instance_id,
            client_id: request.client_id,
            client_host: request.client_host,
            session_timeout: request.session_timeout,
            rebalance_timeout: request.rebalance_timeout,
            protocols: request.protocols,
            assignment: Bytes::new(),
            join_waiter: None,
            sync_waiter: None,
            session_deadline: now + request.session_timeout,
        }
    }

    /// Takes the request's protocols and timeouts (a rejoin may change them).
    fn update(&mut self, request: JoinRequest) {
        self.session_timeout = request.session_timeout;
        self.rebalance_timeout = request.rebalance_timeout;
        self.protocols = request.protocols;
    }

    /// Parks a JoinGroup. A JoinGroup already parked for this member (a retry on another
    /// connection) is answered REBALANCE_IN_PROGRESS, so its connection does not hang.
    fn park_join(&mut self, member_id: &str) -> oneshot::Receiver<JoinResponse> {
        let (sender, receiver) = oneshot::channel();
        if let Some(old) = self.join_waiter.replace(sender) {
            let _ = old.send(JoinResponse::error(ec::REBALANCE_IN_PROGRESS, member_id));
        }
        receiver
    }

    fn park_sync(&mut self) -> oneshot::Receiver<SyncResponse> {
        let (sender, receiver) = oneshot::channel();
        if let Some(old) = self.sync_waiter.replace(sender) {
            let _ = old.send(SyncResponse::error(ec::REBALANCE_IN_PROGRESS));
        }
        receiver
    }

    /// Answers a parked JoinGroup. The member was alive while it waited: its session restarts.
    fn unpark_join(&mut self, now: Instant, response: JoinResponse) {
        if let Some(waiter) = self.join_waiter.take() {
            let _ = waiter.send(response);
        }
        self.session_deadline = now + self.session_timeout;
    }

    /// Answers a parked SyncGroup; the session restarts as for [`Self::unpark_join`].
    fn unpark_sync(&mut self, now: Instant, response: SyncResponse) {
        if let Some(waiter) = self.sync_waiter.take() {
            let _ = waiter.send(response);
        }
        self.session_deadline = now + self.session_timeout;
    }

    /// Answers whatever this member has parked with `error` (it is leaving the group).
    fn answer_parked(&mut self, member_id: &str, error: i16) {
        if let Some(waiter) = self.join_waiter.take() {
            let _ = waiter.send(JoinResponse::error(error, member_id));
        }
        if let Some(waiter) = self.sync_waiter.take() {
            let _ = waiter.send(SyncResponse::error(error));
        }
    }

    fn is_parked(&self) -> bool {
        self.join_waiter.is_some() || self.sync_waiter.is_some()
    }

    fn metadata_for(&self, protocol: Option<&str>) -> Bytes {
        self.protocols
            .iter()
            .find(|(name, _)| Some(name.as_str()) == protocol)
            .map(|(_, metadata)| metadata.clone())
            .unwrap_or_default()
    }
}

/// The initial rebalance delay while it runs.
#[derive(Debug, Clone, Copy)]
struct InitialDelay {
    /// Length of the step now running.
    step: Duration,
    /// Rebalance time left after this step.
    remaining: Duration,
}

/// One group. See the module documentation.
#[derive(Debug)]
pub(crate) struct Group {
    state: GroupState,
    generation: i32,
    protocol_type: Option<String>,
    protocol_name: Option<String>,
    leader: Option<String>,
    /// By member id, in join order (the leader is re-elected from the front).
    members: IndexMap<String, Member>,
    /// group.instance.id -> member id.
    static_members: HashMap<String, String>,
    /// Members told MEMBER_ID_REQUIRED, with the deadline for their rejoin.
    pending_members: HashMap<String, Instant>,
    /// Members of the current generation that have not sent SyncGroup yet.
    pending_sync: HashSet<String>,
    sync_deadline: Option<Instant>,
    /// PreparingRebalance: when the join phase (or the current initial-delay step) ends.
    join_deadline: Option<Instant>,
    initial_delay: Option<InitialDelay>,
    new_member_added: bool,
    initial_rebalance_delay: Duration,
    /// topic -> partition -> offset.
    offsets: BTreeMap<String, BTreeMap<i32, CommittedOffset>>,
}

impl Group {
    pub(crate) fn new(initial_rebalance_delay: Duration) -> Self {
        Self {
            state: GroupState::Empty,
            generation: 0,
            protocol_type: None,
            protocol_name: None,
            leader: None,
            members: IndexMap::new(),
            static_members: HashMap::new(),
            pending_members: HashMap::new(),
            pending_sync: HashSet::new(),
            sync_deadline: None,
            join_deadline: None,
            initial_delay: None,
            new_member_added: false,
            initial_rebalance_delay,
            offsets: BTreeMap::new(),
        }
    }

    pub(crate) fn state(&self) -> GroupState {
        self.state
    }

    pub(crate) fn protocol_type(&self) -> &str {
        self.protocol_type.as_deref().unwrap_or("")
    }

    pub(crate) fn member_ids(&self) -> Vec<String> {
        self.members.keys().cloned().collect()
    }

    /// Never formed and holds nothing: what a failed first JoinGroup or an empty commit leaves.
    pub(crate) fn is_unused(&self) -> bool {
        self.generation == 0
            && self.members.is_empty()
            && self.pending_members.is_empty()
            && self.offsets.is_empty()
    }

    /// Answers every parked request with `error` (the group is being dropped).
    pub(crate) fn answer_all_parked(&mut self, error: i16) {
        for (id, member) in &mut self.members {
            member.answer_parked(id, error);
        }
    }

    // ---- membership -------------------------------------------------------------------------

    /// JoinGroup. `new_member_id` is used when the request needs a fresh member id.
    pub(crate) fn join(&mut self, now: Instant, request: JoinRequest, new_member_id: String) -> Answer<JoinResponse> {
        let fail = |error: i16, request: &JoinRequest| Answer::Now(JoinResponse::error(error, &request.member_id));
        if self.state == GroupState::Dead {
            return fail(ec::COORDINATOR_NOT_AVAILABLE, &request);
        }
        if !self.supports_protocols(&request.protocol_type, &request.protocols) {
            return fail(ec::INCONSISTENT_GROUP_PROTOCOL, &request);
        }
        if request.member_id.is_empty() {
            match &request.instance_id {
                Some(instance) => {
                    if let Some(old_id) = self.static_members.get(instance).cloned() {
                        return self.rejoin_static_member(now, old_id, new_member_id, request);
                    }
                }
                None if request.require_known_member_id => {
                    self.pending_members.insert(new_member_id.clone(), now + request.session_timeout);
                    return Answer::Now(JoinResponse::error(ec::MEMBER_ID_REQUIRED, &new_member_id));
                }
                None => {}
            }
            return self.add_member_and_rebalance(now, new_member_id, request);
        }
        if self.pending_members.contains_key(&request.member_id) {
            // A pending member is dynamic by construction; a static one must rejoin without an id.
            if request.instance_id.is_some() {
                return fail(ec::UNKNOWN_MEMBER_ID, &request);
            }
            self.pending_members.remove(&request.member_id);
            let id = request.member_id.clone();
            return self.add_member_and_rebalance(now, id, request);
        }
        if let Err(error) = self.validate_member(&request.member_id, request.instance_id.as_deref()) {
            return fail(error, &request);
        }
        let id = request.member_id.clone();
        let unchanged = self.members.get(&id).is_some_and(|m| m.protocols == request.protocols);
        let is_leader = self.leader.as_deref() == Some(id.as_str());
        match self.state {
            // The member lost its JoinGroup answer: repeat it (the leader gets the member list).
            GroupState::CompletingRebalance if unchanged => Answer::Now(self.generation_response(&id, is_leader)),
            // A follower rejoining with nothing new: no rebalance. A leader's rejoin asks for one.
            GroupState::Stable if unchanged && !is_leader => Answer::Now(self.generation_response(&id, false)),
            GroupState::PreparingRebalance | GroupState::CompletingRebalance | GroupState::Stable => {
                let Some(member) = self.members.get_mut(&id) else {
                    return fail(ec::UNKNOWN_MEMBER_ID, &request);
                };
                member.update(request);
                let receiver = member.park_join(&id);
                self.rebalance_or_complete(now);
                Answer::Later(receiver)
            }
            GroupState::Empty | GroupState::Dead => fail(ec::UNKNOWN_MEMBER_ID, &request),
        }
    }

    fn add_member_and_rebalance(&mut self, now: Instant, id: String, request: JoinRequest) -> Answer<JoinResponse> {
        if self.members.is_empty() {
            self.protocol_type = Some(request.protocol_type.clone());
        }
        if self.initial_delay.is_some() {
            self.new_member_added = true;
        }
        if let Some(instance) = &request.instance_id {
            self.static_members.insert(instance.clone(), id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(id.clone());
        }
        let mut member = Member::new(now, request);
        let receiver = member.park_join(&id);
        self.members.insert(id, member);
        self.rebalance_or_complete(now);
        Answer::Later(receiver)
    }

    /// A known group.instance.id joins again without a member id (a restarted static member): it
    /// takes over the old member's place under a new id. Kafka's rules: the old id is fenced
    /// (its parked requests get FENCED_INSTANCE_ID); a stable group whose selected protocol does
    /// not change answers at once, without a rebalance, with the old assignment kept.
    fn rejoin_static_member(
        &mut self,
        now: Instant,
        old_id: String,
        new_id: String,
        request: JoinRequest,
    ) -> Answer<JoinResponse> {
        let leader_before = self.leader.clone().unwrap_or_default();
        let Some(mut member) = self.members.shift_remove(&old_id) else {
            // A stale mapping (cannot happen: removal clears it); join as a new member.
            if let Some(instance) = &request.instance_id {
                self.static_members.remove(instance);
            }
            return self.add_member_and_rebalance(now, new_id, request);
        };
        member.answer_parked(&old_id, ec::FENCED_INSTANCE_ID);
        if let Some(instance) = &request.instance_id {
            self.static_members.insert(instance.clone(), new_id.clone());
        }
        if self.leader.as_deref() == Some(old_id.as_str()) {
            self.leader = Some(new_id.clone());
        }
        if self.pending_sync.remove(&old_id) {
            self.pending_sync.insert(new_id.clone());
        }
        let supports_skip = request.supports_skip_assignment;
        member.update(request);
        member.session_deadline = now + member.session_timeout;
        let receiver = member.park_join(&new_id);
        self.members.insert(new_id.clone(), member);
        match self.state {
            GroupState::Stable if self.select_protocol() == self.protocol_name => {
                let is_leader = self.leader.as_deref() == Some(new_id.as_str());
                let mut response = self.generation_response(&new_id, false);
                if supports_skip && is_leader {
                    // KIP-814: tell the leader it leads, but that the assignment stands.
                    response.members = self.joined_members();
                    response.skip_assignment = true;
                } else if !supports_skip {
                    // Name the leader as it was, so a rejoining leader acts as a follower and
                    // does not compute an assignment a stable group would not propagate.
                    response.leader = leader_before;
                }
                if let Some(member) = self.members.get_mut(&new_id) {
                    member.unpark_join(now, response);
                }
            }
            // Stable with a protocol change, or CompletingRebalance: the leader may have
            // assigned to the old id, so the group must rebalance.
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now),
            _ => self.rebalance_or_complete(now),
        }
        Answer::Later(receiver)
    }

    /// SyncGroup.
    pub(crate) fn sync(&mut self, now: Instant, request: SyncRequest) -> Answer<SyncResponse> {
        let fail = |error: i16| Answer::Now(SyncResponse::error(error));
        if self.state == GroupState::Dead {
            return fail(ec::COORDINATOR_NOT_AVAILABLE);
        }
        if let Err(error) = self.validate_member(&request.member_id, request.instance_id.as_deref()) {
            return fail(error);
        }
        if request.generation_id != self.generation {
            return fail(ec::ILLEGAL_GENERATION);
        }
        let mismatch = |given: &Option<String>, ours: &Option<String>| given.is_some() && given != ours;
        if mismatch(&request.protocol_type, &self.protocol_type) || mismatch(&request.protocol_name, &self.protocol_name) {
            return fail(ec::INCONSISTENT_GROUP_PROTOCOL);
        }
        let id = request.member_id.clone();
        match self.state {
            GroupState::Empty | GroupState::Dead => fail(ec::UNKNOWN_MEMBER_ID),
            GroupState::PreparingRebalance => fail(ec::REBALANCE_IN_PROGRESS),
            GroupState::CompletingRebalance => {
                self.synced(&id);
                let Some(member) = self.members.get_mut(&id) else {
                    return fail(ec::UNKNOWN_MEMBER_ID);
                };
                let receiver = member.park_sync();
                if self.leader.as_deref() == Some(id.as_str()) {
                    let mut plan: HashMap<String, Bytes> = request.assignments.into_iter().collect();
                    self.state = GroupState::Stable;
                    for (member_id, member) in &mut self.members {
                        member.assignment = plan.remove(member_id).unwrap_or_default();
                        if member.sync_waiter.is_some() {
                            let response = SyncResponse {
                                error: ec::NONE,
                                protocol_type: self.protocol_type.clone(),
                                protocol_name: self.protocol_name.clone(),
                                assignment: member.assignment.clone(),
                            };
                            member.unpark_sync(now, response);
                        }
                    }
                }
                Answer::Later(receiver)
            }
            GroupState::Stable => {
                self.synced(&id);
                let Some(member) = self.members.get_mut(&id) else {
                    return fail(ec::UNKNOWN_MEMBER_ID);
                };
                member.session_deadline = now + member.session_timeout;
                Answer::Now(SyncResponse {
                    error: ec::NONE,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: self.protocol_name.clone(),
                    assignment: member.assignment.clone(),
                })
            }
        }
    }

    fn synced(&mut self, member_id: &str) {
        self.pending_sync.remove(member_id);
        if self.pending_sync.is_empty() {
            self.sync_deadline = None;
        }
    }

    /// Heartbeat: the error code to answer.
    pub(crate) fn heartbeat(&mut self, now: Instant, generation_id: i32, member_id: &str, instance_id: Option<&str>) -> i16 {
        if self.state == GroupState::Dead {
            return ec::COORDINATOR_NOT_AVAILABLE;
        }
        if let Err(error) = self.validate_member(member_id, instance_id) {
            return error;
        }
        if generation_id != self.generation {
            return ec::ILLEGAL_GENERATION;
        }
        if self.state == GroupState::Empty {
            return ec::UNKNOWN_MEMBER_ID;
        }
        if let Some(member) = self.members.get_mut(member_id) {
            member.session_deadline = now + member.session_timeout;
        }
        if self.state == GroupState::PreparingRebalance {
            ec::REBALANCE_IN_PROGRESS
        } else {
            ec::NONE
        }
    }

    /// LeaveGroup of one member (by member id, group.instance.id or both): the error code.
    pub(crate) fn leave(&mut self, now: Instant, member_id: &str, instance_id: Option<&str>) -> i16 {
        if self.state == GroupState::Dead {
            return ec::COORDINATOR_NOT_AVAILABLE;
        }
        let id = match (member_id.is_empty(), instance_id) {
            (true, None) => return ec::UNKNOWN_MEMBER_ID,
            (true, Some(instance)) => match self.static_members.get(instance) {
                Some(id) => id.clone(),
                None => return ec::UNKNOWN_MEMBER_ID,
            },
            (false, None) if self.pending_members.remove(member_id).is_some() => {
                self.try_complete_join(now);
                return ec::NONE;
            }
            (false, _) => {
                if let Err(error) = self.validate_member(member_id, instance_id) {
                    return error;
                }
                member_id.to_string()
            }
        };
        self.remove_member_and_rebalance(now, &id);
        ec::NONE
    }

    /// Kafka's validateMember: a static member is recognised by its instance id, and any other
    /// member id for that instance id is fenced.
    fn validate_member(&self, member_id: &str, instance_id: Option<&str>) -> Result<(), i16> {
        match instance_id {
            Some(instance) => match self.static_members.get(instance) {
                Some(id) if id == member_id => Ok(()),
                Some(_) => Err(ec::FENCED_INSTANCE_ID),
                None => Err(ec::UNKNOWN_MEMBER_ID),
            },
            None if self.members.contains_key(member_id) => Ok(()),
            None => Err(ec::UNKNOWN_MEMBER_ID),
        }
    }

    /// Kafka's supportsProtocols: the first member sets the protocol type; later ones must share
    /// it and offer a protocol every current member supports.
    fn supports_protocols(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols.iter().any(|(name, _)| {
                self.members.values().all(|m| m.protocols.iter().any(|(n, _)| n == name))
            })
    }

    /// Kafka's selectProtocol: among the protocols every member supports, each member votes for
    /// its most preferred one, and the most votes win (ties: the leader's preference order).
    fn select_protocol(&self) -> Option<String> {
        let supported_by_all =
            |name: &str| self.members.values().all(|m| m.protocols.iter().any(|(n, _)| n == name));
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for member in self.members.values() {
            if let Some((name, _)) = member.protocols.iter().find(|(n, _)| supported_by_all(n)) {
                *votes.entry(name.as_str()).or_default() += 1;
            }
        }
        let leader = self
            .leader
            .as_ref()
            .and_then(|id| self.members.get(id))
            .or_else(|| self.members.values().next())?;
        let mut best: Option<(&str, usize)> = None;
        for (name, _) in &leader.protocols {
            let count = votes.get(name.as_str()).copied().unwrap_or(0);
            if count > best.map_or(0, |(_, most)| most) {
                best = Some((name, count));
            }
        }
        best.map(|(name, _)| name.to_string())
    }

    fn rebalance_timeout(&self) -> Duration {
        self.members.values().map(|m| m.rebalance_timeout).max().unwrap_or_default()
    }

    fn joined_members(&self) -> Vec<JoinedMember> {
        let protocol = self.protocol_name.as_deref();
        self.members
            .iter()
            .map(|(id, m)| JoinedMember {
                member_id: id.clone(),
                instance_id: m.instance_id.clone(),
                metadata: m.metadata_for(protocol),
            })
            .collect()
    }

    /// The current generation as a JoinGroup answer for `member_id`.
    fn generation_response(&self, member_id: &str, with_members: bool) -> JoinResponse {
        JoinResponse {
            error: ec::NONE,
            generation_id: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            leader: self.leader.clone().unwrap_or_default(),
            skip_assignment: false,
            member_id: member_id.to_string(),
            members: if with_members { self.joined_members() } else { Vec::new() },
        }
    }

    // ---- rebalancing ------------------------------------------------------------------------

    fn rebalance_or_complete(&mut self, now: Instant) {
        match self.state {
            GroupState::Empty | GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now),
            GroupState::PreparingRebalance => self.try_complete_join(now),
            GroupState::Dead => {}
        }
    }

    fn prepare_rebalance(&mut self, now: Instant) {
        if self.state == GroupState::CompletingRebalance {
            // The assignment being synced is void: parked followers learn it at once.
            for member in self.members.values_mut() {
                member.assignment = Bytes::new();
                if member.sync_waiter.is_some() {
                    member.unpark_sync(now, SyncResponse::error(ec::REBALANCE_IN_PROGRESS));
                }
            }
        }
        self.pending_sync.clear();
        self.sync_deadline = None;
        let delayed = self.state == GroupState::Empty && !self.initial_rebalance_delay.is_zero();
        self.state = GroupState::PreparingRebalance;
        if delayed {
            let step = self.initial_rebalance_delay;
            self.initial_delay = Some(InitialDelay {
                step,
                remaining: self.rebalance_timeout().saturating_sub(step),
            });
            self.new_member_added = false;
            self.join_deadline = Some(now + step);
        } else {
            self.initial_delay = None;
            self.join_deadline = Some(now + self.rebalance_timeout());
            self.try_complete_join(now);
        }
    }

    /// Ends the join phase early once every member rejoined (never during the initial delay).
    fn try_complete_join(&mut self, now: Instant) {
        if self.state == GroupState::PreparingRebalance
            && self.initial_delay.is_none()
            && self.pending_members.is_empty()
            && self.members.values().all(|m| m.join_waiter.is_some())
        {
            self.complete_join(now);
        }
    }

    /// Kafka's onCompleteJoin: drop dynamic members that did not rejoin, elect a leader among
    /// those that did, start the next generation and answer every parked JoinGroup.
    fn complete_join(&mut self, now: Instant) {
        let missing: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| m.join_waiter.is_none() && m.instance_id.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in &missing {
            self.remove_member(id);
        }
        let rejoined = |g: &Self, id: &str| g.members.get(id).is_some_and(|m| m.join_waiter.is_some());
        if !self.members.is_empty() && !self.leader.as_deref().is_some_and(|l| rejoined(self, l)) {
            match self.members.iter().find(|(_, m)| m.join_waiter.is_some()) {
                Some((id, _)) => self.leader = Some(id.clone()),
                None => {
                    // Only static members that have not rejoined: give them another rebalance
                    // timeout (their sessions still run).
                    self.initial_delay = None;
                    self.join_deadline = Some(now + self.rebalance_timeout());
                    return;
                }
            }
        }
        self.generation += 1;
        self.join_deadline = None;
        self.initial_delay = None;
        self.new_member_added = false;
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.protocol_name = None;
            self.leader = None;
            return;
        }
        self.protocol_name = self.select_protocol().or_else(|| {
            // Unreachable while supports_protocols guards every join; the leader's choice then.
            let leader = self.leader.as_ref().and_then(|id| self.members.get(id))?;
            leader.protocols.first().map(|(name, _)| name.clone())
        });
        self.state = GroupState::CompletingRebalance;
        let everyone = self.joined_members();
        let leader = self.leader.clone().unwrap_or_default();
        for (id, member) in &mut self.members {
            // Static members that did not rejoin have nothing parked; they stay for their session.
            member.unpark_join(
                now,
                JoinResponse {
                    error: ec::NONE,
                    generation_id: self.generation,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: self.protocol_name.clone(),
                    leader: leader.clone(),
                    skip_assignment: false,
                    member_id: id.clone(),
                    members: if *id == leader { everyone.clone() } else { Vec::new() },
                },
            );
            self.pending_sync.insert(id.clone());
        }
        self.sync_deadline = Some(now + self.rebalance_timeout());
    }

    /// Removes a member outright; its parked requests get UNKNOWN_MEMBER_ID.
    fn remove_member(&mut self, id: &str) {
        let Some(mut member) = self.members.shift_remove(id) else {
            return;
        };
        member.answer_parked(id, ec::UNKNOWN_MEMBER_ID);
        if let Some(instance) = &member.instance_id {
            if self.static_members.get(instance).is_some_and(|m| m == id) {
                self.static_members.remove(instance);
            }
        }
        self.pending_sync.remove(id);
        if self.leader.as_deref() == Some(id) {
            self.leader = self.members.keys().next().cloned();
        }
    }

    fn remove_member_and_rebalance(&mut self, now: Instant, id: &str) {
        self.remove_member(id);
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now),
            GroupState::PreparingRebalance => self.try_complete_join(now),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    // ---- time -------------------------------------------------------------------------------

    /// Applies every deadline that has passed.
    pub(crate) fn expire(&mut self, now: Instant) {
        let before = self.pending_members.len();
        self.pending_members.retain(|_, deadline| *deadline > now);
        if self.pending_members.len() != before {
            self.try_complete_join(now);
        }
        if self.state == GroupState::PreparingRebalance && self.join_deadline.is_some_and(|d| d <= now) {
            match self.initial_delay {
                Some(delay) if self.new_member_added && !delay.remaining.is_zero() => {
                    // Someone joined during this step: wait one more, within the rebalance timeout.
                    self.new_member_added = false;
                    let step = self.initial_rebalance_delay.min(delay.remaining);
                    self.initial_delay = Some(InitialDelay {
                        step,
                        remaining: delay.remaining.saturating_sub(delay.step),
                    });
                    self.join_deadline = Some(now + step);
                }
                _ => {
                    self.initial_delay = None;
                    self.complete_join(now);
                }
            }
        }
        if matches!(self.state, GroupState::CompletingRebalance | GroupState::Stable)
            && self.sync_deadline.is_some_and(|d| d <= now)
        {
            self.sync_deadline = None;
            let late: Vec<String> = self.pending_sync.drain().collect();
            if !late.is_empty() {
                for id in &late {
                    self.remove_member(id);
                }
                self.prepare_rebalance(now);
            }
        }
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| !m.is_parked() && m.session_deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.remove_member_and_rebalance(now, &id);
        }
    }

    /// The earliest deadline still ahead, if any.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let join = self.join_deadline.filter(|_| self.state == GroupState::PreparingRebalance);
        let sync = self.sync_deadline.filter(|_| !self.pending_sync.is_empty());
        let sessions = self.members.values().filter(|m| !m.is_parked()).map(|m| m.session_deadline);
        self.pending_members.values().copied().chain(join).chain(sync).chain(sessions).min()
    }

    // ---- offsets ----------------------------------------------------------------------------

    /// May this OffsetCommit (or OffsetDelete-free commit) go ahead? Kafka's validateOffsetCommit:
    /// generation -1 without a member id is a "simple" commit, allowed while the group has no
    /// members; otherwise the member must be known and the generation current.
    pub(crate) fn validate_commit(&self, generation_id: i32, member_id: &str, instance_id: Option<&str>) -> Result<(), i16> {
        if self.state == GroupState::Dead {
            return Err(ec::COORDINATOR_NOT_AVAILABLE);
        }
        if generation_id < 0 && self.state == GroupState::Empty {
            return Ok(());
        }
        if generation_id >= 0 || !member_id.is_empty() || instance_id.is_some() {
            self.validate_member(member_id, instance_id)?;
            if generation_id != self.generation {
                return Err(ec::ILLEGAL_GENERATION);
            }
        } else if self.state != GroupState::Empty {
            return Err(ec::UNKNOWN_MEMBER_ID);
        }
        if self.state == GroupState::CompletingRebalance {
            return Err(ec::REBALANCE_IN_PROGRESS);
        }
        Ok(())
    }

    pub(crate) fn commit(&mut self, topic: &str, partition: i32, offset: CommittedOffset) {
        self.offsets.entry(topic.to_string()).or_default().insert(partition, offset);
    }

    pub(crate) fn committed(&self, topic: &str, partition: i32) -> Option<&CommittedOffset> {
        self.offsets.get(topic).and_then(|p| p.get(&partition))
    }

    /// Every committed offset, by topic.
    pub(crate) fn all_committed(&self) -> impl Iterator<Item = (&str, &BTreeMap<i32, CommittedOffset>)> {
        self.offsets.iter().map(|(topic, partitions)| (topic.as_str(), partitions))
    }

    pub(crate) fn delete_offset(&mut self, topic: &str, partition: i32) {
        if let Some(partitions) = self.offsets.get_mut(topic) {
            partitions.remove(&partition);
            if partitions.is_empty() {
                self.offsets.remove(topic);
            }
        }
    }

    pub(crate) fn forget_topic(&mut self, topic: &str) {
        self.offsets.remove(topic);
    }

    /// Whether a member's consumer-protocol subscription names `topic` (OffsetDelete refuses
    /// those partitions). Unreadable subscriptions count as not subscribed, as in Kafka.
    pub(crate) fn is_subscribed_to(&self, topic: &str) -> bool {
        if self.protocol_type.as_deref() != Some("consumer") {
            return false;
        }
        let protocol = self.protocol_name.as_deref();
        self.members.values().any(|m| {
            subscribed_topics(m.metadata_for(protocol)).is_some_and(|topics| topics.iter().any(|t| t == topic))
        })
    }

    pub(crate) fn describe(&self) -> GroupDescription {
        let stable = self.state == GroupState::Stable;
        let protocol = self.protocol_name.as_deref().filter(|_| stable);
        GroupDescription {
            state: self.state,
            protocol_type: self.protocol_type().to_string(),
            protocol_name: protocol.unwrap_or_default().to_string(),
            members: self
                .members
                .iter()
                .map(|(id, m)| MemberDescription {
                    member_id: id.clone(),
                    instance_id: m.instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    metadata: if stable { m.metadata_for(protocol) } else { Bytes::new() },
                    assignment: if stable { m.assignment.clone() } else { Bytes::new() },
                })
                .collect(),
        }
    }
}

/// The topics of a ConsumerProtocolSubscription (any version: they all start with a version
/// and the topic array). Parsed by hand with bounds checks: it is client input.
fn subscribed_topics(mut metadata: Bytes) -> Option<Vec<String>> {
    if metadata.remaining() < 6 {
        return None;
    }
    let _version = metadata.get_i16();
    let count = metadata.get_i32();
    let count = usize::try_from(count).ok().filter(|n| n * 2 <= metadata.remaining())?;
    let mut topics = Vec::with_capacity(count);
    for _ in 0..count {
        if metadata.remaining() < 2 {
            return None;
        }
        let len = usize::try_from(metadata.get_i16()).ok().filter(|n| *n <= metadata.remaining())?;
        topics.push(String::from_utf8_lossy(&metadata.split_to(len)).into_owned());
    }
    Some(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn request(member_id: &str, protocols: &[&str]) -> JoinRequest {
        JoinRequest {
            member_id: member_id.to_string(),
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout: 10 * SECOND,
            rebalance_timeout: 30 * SECOND,
            protocol_type: "consumer".into(),
            protocols: protocols.iter().map(|p| (p.to_string(), Bytes::from(format!("meta-{p}")))).collect(),
            require_known_member_id: false,
            ..JoinRequest::default()
        }
    }

    fn now_answer<T: std::fmt::Debug>(answer: Answer<T>) -> T {
        match answer {
            Answer::Now(t) => t,
            Answer::Later(mut receiver) => receiver.try_recv().expect("answered already"),
        }
    }

    fn parked<T>(answer: Answer<T>) -> oneshot::Receiver<T> {
        match answer {
            Answer::Later(receiver) => receiver,
            Answer::Now(_) => panic!("expected a parked answer"),
        }
    }

    /// Joins `ids` one after the other into an empty group and completes the rebalance.
    fn stable_group(now: Instant, ids: &[&str]) -> Group {
        let mut g = Group::new(Duration::ZERO);
        let first = now_answer(g.join(now, request("", &["range"]), ids[0].into()));
        assert_eq!((first.error, first.generation_id, first.leader.as_str()), (0, 1, ids[0]));
        let mut receivers = Vec::new();
        for id in &ids[1..] {
            receivers.push(parked(g.join(now, request("", &["range"]), id.to_string())));
        }
        if ids.len() > 1 {
            assert_eq!(g.heartbeat(now, 1, ids[0], None), ec::REBALANCE_IN_PROGRESS);
            receivers.push(parked(g.join(now, request(ids[0], &["range"]), String::new())));
            for mut r in receivers {
                assert_eq!(r.try_recv().expect("joined").generation_id, 2);
            }
        }
        let generation = g.generation;
        let plan = ids.iter().map(|id| (id.to_string(), Bytes::from(format!("a-{id}")))).collect();
        let leader = g.leader.clone().expect("leader");
        let mut followers: Vec<_> = ids
            .iter()
            .filter(|id| **id != leader)
            .map(|id| parked(g.sync(now, SyncRequest { generation_id: generation, member_id: id.to_string(), ..SyncRequest::default() })))
            .collect();
        let r = now_answer(g.sync(now, SyncRequest { generation_id: generation, member_id: leader.clone(), assignments: plan, ..SyncRequest::default() }));
        assert_eq!((r.error, r.assignment.clone()), (0, Bytes::from(format!("a-{leader}"))));
        for f in &mut followers {
            assert_eq!(f.try_recv().expect("synced").error, 0);
        }
        assert_eq!(g.state, GroupState::Stable);
        g
    }

    #[test]
    fn protocol_selection_follows_votes_among_common_protocols() {
        let now = Instant::now();
        let mut g = Group::new(Duration::ZERO);
        for (id, protocols) in [("a", &["x", "range", "rr"][..]), ("b", &["rr", "range"]), ("c", &["rr", "range"])] {
            g.members.insert(id.into(), Member::new(now, request("", protocols)));
        }
        g.leader = Some("a".into());
        // "x" is not supported by all; a votes range, b and c vote rr.
        assert_eq!(g.select_protocol().as_deref(), Some("rr"));
        g.members.shift_remove("c");
        // A tie: the leader's preference order decides.
        assert_eq!(g.select_protocol().as_deref(), Some("range"));
    }

    #[test]
    fn member_id_required_then_join_sync_and_fencing() {
        let now = Instant::now();
        let mut g = Group::new(Duration::ZERO);
        let mut r = request("", &["range"]);
        r.require_known_member_id = true;
        let answer = now_answer(g.join(now, r.clone(), "m1".into()));
        assert_eq!((answer.error, answer.member_id.as_str()), (ec::MEMBER_ID_REQUIRED, "m1"));
        r.member_id = "m1".into();
        let joined = now_answer(g.join(now, r, String::new()));
        assert_eq!((joined.error, joined.generation_id, joined.leader.as_str(), joined.members.len()), (0, 1, "m1", 1));
        assert_eq!(g.state, GroupState::CompletingRebalance);
        assert_eq!(g.heartbeat(now, 0, "m1", None), ec::ILLEGAL_GENERATION);
        assert_eq!(g.heartbeat(now, 1, "nobody", None), ec::UNKNOWN_MEMBER_ID);
        assert_eq!(g.validate_commit(1, "m1", None), Err(ec::REBALANCE_IN_PROGRESS));
        let sync = now_answer(g.sync(now, SyncRequest { generation_id: 1, member_id: "m1".into(), assignments: vec![("m1".into(), Bytes::from_static(b"p0"))], ..SyncRequest::default() }));
        assert_eq!(sync.assignment, Bytes::from_static(b"p0"));
        assert_eq!(g.state, GroupState::Stable);
        assert_eq!(g.validate_commit(1, "m1", None), Ok(()));
        assert_eq!(g.validate_commit(-1, "", None), Err(ec::UNKNOWN_MEMBER_ID));
    }

    #[test]
    fn a_second_member_triggers_a_rebalance_and_the_leader_assigns() {
        let now = Instant::now();
        let g = stable_group(now, &["a", "b"]);
        assert_eq!(g.generation, 2);
        assert_eq!(g.members["b"].assignment, Bytes::from_static(b"a-b"));
    }

    #[test]
    fn session_timeout_removes_a_silent_member_and_rebalances() {
        let t0 = Instant::now();
        let mut g = stable_group(t0, &["a", "b"]);
        // a keeps heartbeating, b goes silent.
        assert_eq!(g.heartbeat(t0 + 6 * SECOND, 2, "a", None), 0);
        g.expire(t0 + 10 * SECOND);
        assert_eq!(g.member_ids(), vec!["a"]);
        assert_eq!(g.state, GroupState::PreparingRebalance);
        assert_eq!(g.heartbeat(t0 + 11 * SECOND, 2, "a", None), ec::REBALANCE_IN_PROGRESS);
        let j = now_answer(g.join(t0 + 11 * SECOND, request("a", &["range"]), String::new()));
        assert_eq!((j.generation_id, j.leader.as_str()), (3, "a"));
    }

    #[test]
    fn rebalance_timeout_removes_members_that_do_not_rejoin() {
        let t0 = Instant::now();
        let mut g = stable_group(t0, &["a", "b"]);
        // a (the leader) rejoins: b keeps heartbeating but never rejoins.
        let mut a = parked(g.join(t0, request("a", &["range"]), String::new()));
        assert_eq!(g.next_deadline(), Some(t0 + 10 * SECOND), "b's session");
        assert_eq!(g.heartbeat(t0 + 9 * SECOND, 2, "b", None), ec::REBALANCE_IN_PROGRESS);
        assert_eq!(g.heartbeat(t0 + 18 * SECOND, 2, "b", None), ec::REBALANCE_IN_PROGRESS);
        g.expire(t0 + 27 * SECOND);
        assert!(a.try_recv().is_err(), "still waiting");
        g.expire(t0 + 30 * SECOND);
        let j = a.try_recv().expect("completed at the rebalance timeout");
        assert_eq!((j.generation_id, j.members.len()), (3, 1));
        assert_eq!(g.member_ids(), vec!["a"]);
    }

    #[test]
    fn a_member_that_never_syncs_is_removed() {
        let t0 = Instant::now();
        let mut g = Group::new(Duration::ZERO);
        now_answer(g.join(t0, request("", &["range"]), "a".into()));
        let mut b = parked(g.join(t0, request("", &["range"]), "b".into()));
        let mut a = parked(g.join(t0, request("a", &["range"]), String::new()));
        assert_eq!(a.try_recv().expect("a").generation_id, 2);
        assert_eq!(b.try_recv().expect("b").generation_id, 2);
        // b syncs and waits for the leader, which never syncs.
        let mut bs = parked(g.sync(t0, SyncRequest { generation_id: 2, member_id: "b".into(), ..SyncRequest::default() }));
        g.expire(t0 + 30 * SECOND);
        assert_eq!(bs.try_recv().expect("answered").error, ec::REBALANCE_IN_PROGRESS);
        assert_eq!(g.member_ids(), vec!["b"]);
        assert_eq!(g.state, GroupState::PreparingRebalance);
    }

    #[test]
    fn static_member_rejoin_replaces_the_old_id_without_a_rebalance() {
        let t0 = Instant::now();
        let mut g = Group::new(Duration::ZERO);
        let mut r = request("", &["range"]);
        r.instance_id = Some("i1".into());
        now_answer(g.join(t0, r.clone(), "old".into()));
        now_answer(g.sync(t0, SyncRequest { generation_id: 1, member_id: "old".into(), instance_id: Some("i1".into()), assignments: vec![("old".into(), Bytes::from_static(b"all"))], ..SyncRequest::default() }));
        // Restart: same instance id, no member id.
        let j = now_answer(g.join(t0, r.clone(), "new".into()));
        assert_eq!((j.error, j.generation_id, j.member_id.as_str(), j.leader.as_str()), (0, 1, "new", "old"));
        assert_eq!(g.state, GroupState::Stable);
        assert_eq!(g.member_ids(), vec!["new"]);
        assert_eq!(g.heartbeat(t0, 1, "old", Some("i1")), ec::FENCED_INSTANCE_ID);
        let s = now_answer(g.sync(t0, SyncRequest { generation_id: 1, member_id: "new".into(), instance_id: Some("i1".into()), ..SyncRequest::default() }));
        assert_eq!(s.assignment, Bytes::from_static(b"all"));
        // With JoinGroup v9 the leader is told it leads but may skip the assignment.
        r.supports_skip_assignment = true;
        let j = now_answer(g.join(t0, r.clone(), "newer".into()));
        assert_eq!((j.leader.as_str(), j.skip_assignment, j.members.len()), ("newer", true, 1));
        // A protocol change does rebalance.
        let mut changed = r.clone();
        changed.protocols = vec![("range".into(), Bytes::from_static(b"other"))];
        changed.member_id = "newer".into();
        let j = now_answer(g.join(t0, changed, String::new()));
        assert_eq!(j.generation_id, 2);
    }

    #[test]
    fn initial_delay_waits_and_extends_while_members_arrive() {
        let t0 = Instant::now();
        let mut g = Group::new(3 * SECOND);
        let mut a = parked(g.join(t0, request("", &["range"]), "a".into()));
        let mut b = parked(g.join(t0 + SECOND, request("", &["range"]), "b".into()));
        g.expire(t0 + 3 * SECOND);
        assert!(a.try_recv().is_err(), "b joined during the first step: one more step");
        g.expire(t0 + 6 * SECOND);
        assert_eq!(a.try_recv().expect("a").generation_id, 1);
        assert_eq!(b.try_recv().expect("b").generation_id, 1);
    }

    #[test]
    fn leave_and_pending_members() {
        let t0 = Instant::now();
        let mut g = stable_group(t0, &["a", "b"]);
        assert_eq!(g.leave(t0, "zz", None), ec::UNKNOWN_MEMBER_ID);
        assert_eq!(g.leave(t0, "", None), ec::UNKNOWN_MEMBER_ID);
        assert_eq!(g.leave(t0, "b", None), ec::NONE);
        assert_eq!(g.state, GroupState::PreparingRebalance);
        assert_eq!(g.leave(t0, "a", None), ec::NONE);
        assert_eq!((g.state, g.generation), (GroupState::Empty, 3));
        assert_eq!(g.validate_commit(-1, "", None), Ok(()));
    }

    #[test]
    fn subscription_topics_parse_defensively() {
        let mut v = vec![0, 1, 0, 0, 0, 2, 0, 1, b'a', 0, 2, b'b', b'c', 0xff, 0xff, 0xff, 0xff];
        assert_eq!(subscribed_topics(Bytes::from(v.clone())), Some(vec!["a".into(), "bc".into()]));
        v[5] = 200; // more topics than bytes
        assert_eq!(subscribed_topics(Bytes::from(v)), None);
        assert_eq!(subscribed_topics(Bytes::from_static(&[0, 0, 0x7f, 0xff, 0xff, 0xff])), None);
    }
}
