//! The group coordinator on the wire: every group API at every advertised version, generation
//! fencing, session and rebalance timeouts on the broker's clock, static membership, coordinator
//! ownership across brokers, batched LeaveGroup, multi-group OffsetFetch, DeleteGroups and
//! OffsetDelete. Requests are written with kafka-protocol's encoders over plain sockets.

mod common;

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrokafka_testkit::Cluster;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, StrBytes};

use common::{call, connect};

const MEMBER_ID_REQUIRED: i16 = 79;
const NOT_COORDINATOR: i16 = 16;
const ILLEGAL_GENERATION: i16 = 22;
const UNKNOWN_MEMBER_ID: i16 = 25;
const REBALANCE_IN_PROGRESS: i16 = 27;
const NON_EMPTY_GROUP: i16 = 68;
const GROUP_ID_NOT_FOUND: i16 = 69;
const FENCED_INSTANCE_ID: i16 = 82;
const GROUP_SUBSCRIBED_TO_TOPIC: i16 = 86;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// A consumer-protocol subscription to `topics`, as Java and librdkafka send it.
fn subscription(topics: &[&str]) -> Bytes {
    let message = ConsumerProtocolSubscription::default().with_topics(topics.iter().map(|t| s(t)).collect());
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&1i16.to_be_bytes());
    message.encode(&mut buf, 1).expect("subscription");
    buf.freeze()
}

/// What a member joins with.
#[derive(Clone)]
struct Joiner {
    addr: String,
    group: String,
    version: i16,
    member_id: String,
    instance_id: Option<String>,
    session_ms: i32,
    rebalance_ms: i32,
    metadata: Bytes,
}

impl Joiner {
    fn new(addr: &str, group: &str) -> Self {
        Self {
            addr: addr.to_string(),
            group: group.to_string(),
            version: 5,
            member_id: String::new(),
            instance_id: None,
            session_ms: 10_000,
            rebalance_ms: 10_000,
            metadata: subscription(&["t"]),
        }
    }

    fn request(&self) -> JoinGroupRequest {
        JoinGroupRequest::default()
            .with_group_id(GroupId(s(&self.group)))
            .with_session_timeout_ms(self.session_ms)
            .with_rebalance_timeout_ms(self.rebalance_ms)
            .with_member_id(s(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(s))
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![JoinGroupRequestProtocol::default().with_name(s("range")).with_metadata(self.metadata.clone())])
    }

    /// One JoinGroup on a fresh connection (it may be parked for a while).
    fn send(&self) -> JoinGroupResponse {
        call(&mut connect(&self.addr), ApiKey::JoinGroup, self.version, &self.request())
    }

    /// Joins, going through MEMBER_ID_REQUIRED when the version asks for it; remembers the id.
    fn join(&mut self) -> JoinGroupResponse {
        let mut r = self.send();
        if r.error_code == MEMBER_ID_REQUIRED {
            self.member_id = r.member_id.to_string();
            r = self.send();
        }
        assert_eq!(r.error_code, 0, "JoinGroup v{} of {}", self.version, self.group);
        self.member_id = r.member_id.to_string();
        r
    }

    /// Joins on another thread: for JoinGroups that wait for the rest of the group.
    fn join_in_background(&self) -> thread::JoinHandle<(Joiner, JoinGroupResponse)> {
        let mut joiner = self.clone();
        thread::spawn(move || {
            let r = joiner.join();
            (joiner, r)
        })
    }

    fn sync(&self, s_: &mut TcpStream, generation: i32, assignments: &[(&str, &[u8])]) -> SyncGroupResponse {
        let assignments = assignments
            .iter()
            .map(|(m, a)| SyncGroupRequestAssignment::default().with_member_id(s(m)).with_assignment(Bytes::copy_from_slice(a)))
            .collect();
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(s(&self.group)))
            .with_generation_id(generation)
            .with_member_id(s(&self.member_id))
            .with_group_instance_id(self.instance_id.as_deref().map(s))
            .with_assignments(assignments);
        call(s_, ApiKey::SyncGroup, 3, &request)
    }

    fn heartbeat(&self, s_: &mut TcpStream, generation: i32) -> i16 {
        heartbeat(s_, &self.group, generation, &self.member_id, self.instance_id.as_deref())
    }
}

/// A second member (same settings as `a`, new member id) joins `a`'s group in generation 1:
/// `a` learns of the rebalance from its heartbeat and rejoins; returns the second member.
fn second_member_joins(a: &mut Joiner, c: &mut TcpStream) -> Joiner {
    let mut b = a.clone();
    b.member_id.clear();
    let b = b.join_in_background();
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.heartbeat(c, 1) != REBALANCE_IN_PROGRESS {
        assert!(Instant::now() < deadline, "no REBALANCE_IN_PROGRESS");
        thread::sleep(Duration::from_millis(20));
    }
    a.join();
    b.join().expect("b").0
}

fn heartbeat(s_: &mut TcpStream, group: &str, generation: i32, member_id: &str, instance_id: Option<&str>) -> i16 {
    let request = HeartbeatRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_generation_id(generation)
        .with_member_id(s(member_id))
        .with_group_instance_id(instance_id.map(s));
    call::<_, HeartbeatResponse>(s_, ApiKey::Heartbeat, 3, &request).error_code
}

/// OffsetCommit of one partition; the partition's error code.
#[allow(clippy::too_many_arguments)]
fn commit(s_: &mut TcpStream, version: i16, group: &str, generation: i32, member_id: &str, topic: &str, partition: i32, offset: i64) -> i16 {
    let p = OffsetCommitRequestPartition::default()
        .with_partition_index(partition)
        .with_committed_offset(offset)
        .with_committed_metadata(Some(s("md")));
    let t = OffsetCommitRequestTopic::default().with_name(TopicName(s(topic))).with_partitions(vec![p]);
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(s(member_id))
        .with_topics(vec![t]);
    let r: OffsetCommitResponse = call(s_, ApiKey::OffsetCommit, version, &request);
    r.topics[0].partitions[0].error_code
}

/// OffsetFetch v1-7 of one group: (partition, offset, error) for the requested partitions.
fn fetch(s_: &mut TcpStream, version: i16, group: &str, topic: &str, partitions: &[i32]) -> (i16, Vec<(i32, i64, i16)>) {
    let t = OffsetFetchRequestTopic::default().with_name(TopicName(s(topic))).with_partition_indexes(partitions.to_vec());
    let request = OffsetFetchRequest::default().with_group_id(GroupId(s(group))).with_topics(Some(vec![t]));
    let r: OffsetFetchResponse = call(s_, ApiKey::OffsetFetch, version, &request);
    let partitions = r.topics.iter().flat_map(|t| t.partitions.iter()).map(|p| (p.partition_index, p.committed_offset, p.error_code)).collect();
    (r.error_code, partitions)
}

fn describe(s_: &mut TcpStream, version: i16, group: &str) -> describe_groups_response::DescribedGroup {
    let r: DescribeGroupsResponse = call(s_, ApiKey::DescribeGroups, version, &DescribeGroupsRequest::default().with_groups(vec![GroupId(s(group))]));
    r.groups.into_iter().next().expect("one group")
}

fn delete_group(s_: &mut TcpStream, version: i16, group: &str) -> i16 {
    let r: DeleteGroupsResponse = call(s_, ApiKey::DeleteGroups, version, &DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s(group))]));
    r.results[0].error_code
}

/// A group with one member that has joined and synced (generation 1, Stable).
fn stable_single(addr: &str, group: &str) -> Joiner {
    let mut j = Joiner::new(addr, group);
    let r = j.join();
    assert_eq!(r.generation_id, 1);
    let member = j.member_id.clone();
    assert_eq!(j.sync(&mut connect(addr), 1, &[(&member, b"all")]).error_code, 0);
    j
}

#[test]
fn every_group_api_version_round_trips() {
    let cluster = Cluster::builder().topic("t", 2).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    for v in 0..=9 {
        let mut j = Joiner::new(&addr, &format!("join-v{v}"));
        j.version = v;
        let first = j.send();
        assert_eq!(first.error_code, if v >= 4 { MEMBER_ID_REQUIRED } else { 0 }, "JoinGroup v{v}");
        j.member_id = first.member_id.to_string();
        let r = if v >= 4 { j.join() } else { first };
        assert_eq!((r.generation_id, r.leader.as_str(), r.members.len()), (1, j.member_id.as_str(), 1), "JoinGroup v{v}");
        assert_eq!(r.protocol_name.as_deref(), Some("range"), "JoinGroup v{v}");
        assert_eq!(r.members[0].metadata, j.metadata, "JoinGroup v{v}: the leader sees the metadata");
    }
    for v in 0..=5 {
        let j = {
            let mut j = Joiner::new(&addr, &format!("sync-v{v}"));
            j.join();
            j
        };
        let assignment = SyncGroupRequestAssignment::default().with_member_id(s(&j.member_id)).with_assignment(Bytes::from_static(b"plan"));
        let mut request = SyncGroupRequest::default()
            .with_group_id(GroupId(s(&j.group)))
            .with_generation_id(1)
            .with_member_id(s(&j.member_id))
            .with_assignments(vec![assignment]);
        if v >= 5 {
            request = request.with_protocol_type(Some(s("consumer"))).with_protocol_name(Some(s("range")));
        }
        let r: SyncGroupResponse = call(&mut c, ApiKey::SyncGroup, v, &request);
        assert_eq!((r.error_code, r.assignment.as_ref()), (0, &b"plan"[..]), "SyncGroup v{v}");
        if v >= 5 {
            assert_eq!(r.protocol_name.as_deref(), Some("range"));
        }
    }
    let j = stable_single(&addr, "hb");
    for v in 0..=4 {
        let request = HeartbeatRequest::default().with_group_id(GroupId(s("hb"))).with_generation_id(1).with_member_id(s(&j.member_id));
        let r: HeartbeatResponse = call(&mut c, ApiKey::Heartbeat, v, &request);
        assert_eq!(r.error_code, 0, "Heartbeat v{v}");
    }
    for v in 0..=5 {
        let j = stable_single(&addr, &format!("leave-v{v}"));
        let mut request = LeaveGroupRequest::default().with_group_id(GroupId(s(&j.group)));
        if v >= 3 {
            request.members = vec![MemberIdentity::default().with_member_id(s(&j.member_id))];
        } else {
            request.member_id = s(&j.member_id);
        }
        let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, v, &request);
        assert_eq!(r.error_code, 0, "LeaveGroup v{v}");
        if v >= 3 {
            assert_eq!(r.members[0].error_code, 0);
        }
        assert!(cluster.group_members(&j.group).is_empty());
    }
    for v in 2..=9 {
        // "Simple" commits (generation -1) into one group, one partition per version.
        assert_eq!(commit(&mut c, v, "offsets", -1, "", "t", 0, 100 + v as i64), 0, "OffsetCommit v{v}");
        assert_eq!(cluster.committed_offset("offsets", "t", 0), Some(100 + v as i64));
    }
    for v in 1..=9 {
        let offsets: Vec<(i32, i64, i16)> = if v >= 8 {
            let t = OffsetFetchRequestTopics::default().with_name(TopicName(s("t"))).with_partition_indexes(vec![0, 1]);
            let g = OffsetFetchRequestGroup::default().with_group_id(GroupId(s("offsets"))).with_topics(Some(vec![t]));
            let r: OffsetFetchResponse = call(&mut c, ApiKey::OffsetFetch, v, &OffsetFetchRequest::default().with_groups(vec![g]));
            r.groups[0].topics[0].partitions.iter().map(|p| (p.partition_index, p.committed_offset, p.error_code)).collect()
        } else {
            fetch(&mut c, v, "offsets", "t", &[0, 1]).1
        };
        assert_eq!(offsets, vec![(0, 109, 0), (1, -1, 0)], "OffsetFetch v{v}");
    }
    for v in 0..=6 {
        let d = describe(&mut c, v, "hb");
        assert_eq!((d.error_code, d.group_state.as_str(), d.protocol_data.as_str(), d.members.len()), (0, "Stable", "range", 1), "DescribeGroups v{v}");
        assert_eq!(d.members[0].client_id.as_str(), "wire-test");
        assert_eq!(d.members[0].client_host.as_str(), "/127.0.0.1");
        assert_eq!(d.members[0].member_assignment.as_ref(), b"all");
        let unknown = describe(&mut c, v, "nobody");
        assert_eq!((unknown.error_code, unknown.group_state.as_str()), (if v >= 6 { GROUP_ID_NOT_FOUND } else { 0 }, "Dead"));
    }
    for v in 0..=5 {
        let r: ListGroupsResponse = call(&mut c, ApiKey::ListGroups, v, &ListGroupsRequest::default());
        let hb = r.groups.iter().find(|g| g.group_id.as_str() == "hb").expect("listed");
        assert_eq!(hb.protocol_type.as_str(), "consumer", "ListGroups v{v}");
        if v >= 4 {
            assert_eq!(hb.group_state.as_str(), "Stable");
            let stable_only = ListGroupsRequest::default().with_states_filter(vec![s("stable")]);
            let r: ListGroupsResponse = call(&mut c, ApiKey::ListGroups, v, &stable_only);
            assert!(r.groups.iter().all(|g| g.group_state.as_str() == "Stable"));
            assert!(r.groups.iter().any(|g| g.group_id.as_str() == "hb"));
        }
        let offsets_only = r.groups.iter().find(|g| g.group_id.as_str() == "offsets").expect("simple group listed");
        assert_eq!(offsets_only.protocol_type.as_str(), "");
    }
    for v in 0..=2 {
        assert_eq!(commit(&mut c, 5, &format!("del-v{v}"), -1, "", "t", 0, 1), 0);
        assert_eq!(delete_group(&mut c, v, &format!("del-v{v}")), 0, "DeleteGroups v{v}");
        assert_eq!(cluster.committed_offset(&format!("del-v{v}"), "t", 0), None);
    }
    let p = OffsetDeleteRequestPartition::default().with_partition_index(0);
    let t = OffsetDeleteRequestTopic::default().with_name(TopicName(s("t"))).with_partitions(vec![p]);
    let r: OffsetDeleteResponse = call(&mut c, ApiKey::OffsetDelete, 0, &OffsetDeleteRequest::default().with_group_id(GroupId(s("offsets"))).with_topics(vec![t]));
    assert_eq!((r.error_code, r.topics[0].partitions[0].error_code), (0, 0));
    assert_eq!(cluster.committed_offset("offsets", "t", 0), None);
}

#[test]
fn generation_fencing() {
    let cluster = Cluster::builder().topic("t", 1).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let a = stable_single(&addr, "g");
    // Wrong generation, unknown member.
    assert_eq!(a.heartbeat(&mut c, 1), 0);
    assert_eq!(a.heartbeat(&mut c, 7), ILLEGAL_GENERATION);
    assert_eq!(heartbeat(&mut c, "g", 1, "stranger", None), UNKNOWN_MEMBER_ID);
    assert_eq!(heartbeat(&mut c, "nogroup", 1, "stranger", None), UNKNOWN_MEMBER_ID);
    assert_eq!(a.sync(&mut c, 7, &[]).error_code, ILLEGAL_GENERATION);
    // Commits: by a member of the current generation; not a stale one, a stranger, or a "simple" one
    // while the group has members.
    assert_eq!(commit(&mut c, 7, "g", 1, &a.member_id, "t", 0, 5), 0);
    assert_eq!(commit(&mut c, 7, "g", 0, &a.member_id, "t", 0, 6), ILLEGAL_GENERATION);
    assert_eq!(commit(&mut c, 7, "g", 1, "stranger", "t", 0, 6), UNKNOWN_MEMBER_ID);
    assert_eq!(commit(&mut c, 7, "g", -1, "", "t", 0, 6), UNKNOWN_MEMBER_ID);
    assert_eq!(commit(&mut c, 7, "g", 1, &a.member_id, "nope", 0, 6), 3, "unknown topic");
    assert_eq!(commit(&mut c, 7, "unknown", 1, "m", "t", 0, 6), ILLEGAL_GENERATION);
    assert_eq!(commit(&mut c, 9, "unknown", 1, "m", "t", 0, 6), GROUP_ID_NOT_FOUND);
    assert_eq!(cluster.committed_offset("g", "t", 0), Some(5));
    // A second member joins: the first learns of the rebalance from its heartbeat.
    let b = Joiner::new(&addr, "g").join_in_background();
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.heartbeat(&mut c, 1) != REBALANCE_IN_PROGRESS {
        assert!(Instant::now() < deadline, "no REBALANCE_IN_PROGRESS");
        thread::sleep(Duration::from_millis(20));
    }
    // Commits still go through while the group prepares the rebalance (onPartitionsRevoked).
    assert_eq!(commit(&mut c, 7, "g", 1, &a.member_id, "t", 0, 7), 0);
    assert_eq!(a.sync(&mut c, 1, &[]).error_code, REBALANCE_IN_PROGRESS);
    let mut a = a;
    let r = a.join();
    let (b, rb) = b.join().expect("b joined");
    assert_eq!((r.generation_id, rb.generation_id), (2, 2));
    assert_eq!(r.leader.as_str(), a.member_id, "the first member stays leader");
    assert_eq!((r.members.len(), rb.members.len()), (2, 0), "only the leader gets the member list");
    // Between JoinGroup and SyncGroup commits are refused, and the old generation is fenced.
    assert_eq!(commit(&mut c, 7, "g", 2, &b.member_id, "t", 0, 8), REBALANCE_IN_PROGRESS);
    assert_eq!(a.heartbeat(&mut c, 1), ILLEGAL_GENERATION);
    assert_eq!(b.heartbeat(&mut c, 2), 0);
    // A follower syncing first waits for the leader's assignment.
    let follower = {
        let b = b.clone();
        thread::spawn(move || b.sync(&mut connect(&b.addr), 2, &[]))
    };
    thread::sleep(Duration::from_millis(200));
    let leader = a.sync(&mut c, 2, &[(&a.member_id, b"p0"), (&b.member_id, b"p1")]);
    assert_eq!(leader.assignment.as_ref(), b"p0");
    let follower = follower.join().expect("follower synced");
    assert_eq!((follower.error_code, follower.assignment.as_ref()), (0, &b"p1"[..]));
    assert_eq!(commit(&mut c, 7, "g", 2, &b.member_id, "t", 0, 9), 0);
    assert_eq!(cluster.group_members("g"), vec![a.member_id.clone(), b.member_id.clone()]);
}

#[test]
fn a_silent_member_is_removed_after_its_session_timeout() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let mut a = Joiner::new(&addr, "g");
    a.session_ms = 600;
    a.join();
    // a rejoins when told, then both sync; from then on only a heartbeats.
    let b = second_member_joins(&mut a, &mut c);
    let b_sync = {
        let b = b.clone();
        thread::spawn(move || b.sync(&mut connect(&b.addr), 2, &[]))
    };
    thread::sleep(Duration::from_millis(50));
    assert_eq!(a.sync(&mut c, 2, &[]).error_code, 0);
    assert_eq!(b_sync.join().expect("b synced").error_code, 0);
    let synced = Instant::now();
    assert_eq!(cluster.group_members("g").len(), 2);
    let removed = loop {
        let error = a.heartbeat(&mut c, 2);
        if error == REBALANCE_IN_PROGRESS {
            break synced.elapsed();
        }
        assert_eq!(error, 0);
        assert!(synced.elapsed() < Duration::from_secs(5), "b never expired");
        thread::sleep(Duration::from_millis(50));
    };
    assert!(removed >= Duration::from_millis(550), "b removed after {removed:?}, before its session timeout");
    assert_eq!(cluster.group_members("g"), vec![a.member_id.clone()]);
    let r = a.join();
    assert_eq!((r.generation_id, r.members.len()), (3, 1));
}

#[test]
fn members_that_do_not_rejoin_within_the_rebalance_timeout_are_removed() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let mut a = Joiner::new(&addr, "g");
    a.rebalance_ms = 800;
    a.join();
    let b = second_member_joins(&mut a, &mut c);
    let mut bc = connect(&addr);
    let b_sync = {
        let b = b.clone();
        thread::spawn(move || b.sync(&mut connect(&b.addr), 2, &[]))
    };
    thread::sleep(Duration::from_millis(50));
    assert_eq!(a.sync(&mut c, 2, &[]).error_code, 0);
    assert_eq!(b_sync.join().expect("b synced").error_code, 0);
    // a, the leader, asks for a rebalance; b keeps heartbeating but never rejoins.
    let start = Instant::now();
    let rejoin = a.join_in_background();
    while !rejoin.is_finished() {
        let error = b.heartbeat(&mut bc, 2);
        assert!(error == REBALANCE_IN_PROGRESS || error == 0, "heartbeat: {error}");
        thread::sleep(Duration::from_millis(50));
    }
    let waited = start.elapsed();
    let (a, r) = rejoin.join().expect("a rejoined");
    assert!(waited >= Duration::from_millis(750) && waited < Duration::from_secs(3), "join phase took {waited:?}");
    assert_eq!((r.generation_id, r.members.len()), (3, 1));
    assert_eq!(cluster.group_members("g"), vec![a.member_id.clone()]);
    assert_eq!(b.heartbeat(&mut bc, 2), UNKNOWN_MEMBER_ID);
}

#[test]
fn static_members_come_back_without_a_rebalance_and_fence_their_old_id() {
    let cluster = Cluster::builder().topic("t", 1).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let mut a = Joiner::new(&addr, "g");
    a.instance_id = Some("instance-a".into());
    a.join();
    let mut b = Joiner::new(&addr, "g");
    b.instance_id = Some("instance-b".into());
    let b = b.join_in_background();
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.heartbeat(&mut c, 1) != REBALANCE_IN_PROGRESS {
        assert!(Instant::now() < deadline, "no REBALANCE_IN_PROGRESS");
        thread::sleep(Duration::from_millis(20));
    }
    a.join();
    let (b, _) = b.join().expect("b");
    let b_sync = {
        let b = b.clone();
        thread::spawn(move || b.sync(&mut connect(&b.addr), 2, &[]))
    };
    thread::sleep(Duration::from_millis(50));
    a.sync(&mut c, 2, &[(&a.member_id, b"pa"), (&b.member_id, b"pb")]);
    assert_eq!(b_sync.join().expect("b synced").assignment.as_ref(), b"pb");
    // b restarts: same instance id, no member id. It replaces its old id at once, generation 2 stays.
    let old_b = b.clone();
    let mut new_b = b.clone();
    new_b.member_id.clear();
    let r = new_b.join();
    assert_ne!(new_b.member_id, old_b.member_id);
    assert_eq!((r.generation_id, r.leader, r.members.len()), (2, s(&a.member_id), 0));
    assert_eq!(a.heartbeat(&mut c, 2), 0, "no rebalance");
    assert_eq!(new_b.sync(&mut c, 2, &[]).assignment.as_ref(), b"pb", "the old assignment is kept");
    assert_eq!(old_b.heartbeat(&mut c, 2), FENCED_INSTANCE_ID);
    assert_eq!(old_b.sync(&mut c, 2, &[]).error_code, FENCED_INSTANCE_ID);
    assert_eq!(commit(&mut c, 7, "g", 2, &old_b.member_id, "t", 0, 1), UNKNOWN_MEMBER_ID);
    assert_eq!(commit(&mut c, 7, "g", 2, &new_b.member_id, "t", 0, 1), 0);
    // A static member may leave by instance id alone (LeaveGroup v3+): then the group rebalances.
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_members(vec![MemberIdentity::default().with_group_instance_id(Some(s("instance-b")))]);
    let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, 4, &leave);
    assert_eq!((r.error_code, r.members[0].error_code), (0, 0));
    assert_eq!(a.heartbeat(&mut c, 2), REBALANCE_IN_PROGRESS);
    assert_eq!(cluster.group_members("g"), vec![a.member_id.clone()]);
}

#[test]
fn each_group_has_one_coordinator_among_three_brokers() {
    let cluster = Cluster::builder().brokers(3).topic("t", 3).start().expect("start");
    let addrs = cluster.broker_addrs();
    let mut by_node = Vec::new();
    for i in 0..12 {
        let group = format!("group-{i}");
        let r: FindCoordinatorResponse =
            call(&mut connect(&addrs[0]), ApiKey::FindCoordinator, 2, &FindCoordinatorRequest::default().with_key(s(&group)));
        assert_eq!(r.error_code, 0);
        by_node.push((group, r.node_id.0));
    }
    let nodes: std::collections::BTreeSet<i32> = by_node.iter().map(|(_, n)| *n).collect();
    assert_eq!(nodes.len(), 3, "groups spread over all brokers: {by_node:?}");
    // Batched FindCoordinator (v4+) agrees.
    let keys = by_node.iter().map(|(g, _)| s(g)).collect();
    let r: FindCoordinatorResponse = call(&mut connect(&addrs[1]), ApiKey::FindCoordinator, 4, &FindCoordinatorRequest::default().with_coordinator_keys(keys));
    assert_eq!(r.coordinators.iter().map(|c| c.node_id.0).collect::<Vec<_>>(), by_node.iter().map(|(_, n)| *n).collect::<Vec<_>>());
    for (group, node) in by_node.iter().take(3) {
        let owner = &addrs[*node as usize - 1];
        let other = &addrs[(*node as usize) % 3];
        let mut j = Joiner::new(other, group);
        assert_eq!(j.send().error_code, NOT_COORDINATOR);
        j.addr = owner.clone();
        j.join();
        let mut wrong = connect(other);
        assert_eq!(j.heartbeat(&mut wrong, 1), NOT_COORDINATOR);
        assert_eq!(j.sync(&mut wrong, 1, &[]).error_code, NOT_COORDINATOR);
        assert_eq!(commit(&mut wrong, 8, group, 1, &j.member_id, "t", 0, 1), NOT_COORDINATOR);
        assert_eq!(fetch(&mut wrong, 5, group, "t", &[0]).0, NOT_COORDINATOR);
        assert_eq!(fetch(&mut wrong, 1, group, "t", &[0]).1, vec![(0, -1, NOT_COORDINATOR)], "v1: per partition");
        assert_eq!(describe(&mut wrong, 5, group).error_code, NOT_COORDINATOR);
        assert_eq!(delete_group(&mut wrong, 2, group), NOT_COORDINATOR);
        let mut right = connect(owner);
        assert_eq!(j.sync(&mut right, 1, &[]).error_code, 0);
        assert_eq!(commit(&mut right, 8, group, 1, &j.member_id, "t", 0, 1), 0);
        // Each broker lists the groups it coordinates, and only those.
        for (i, addr) in addrs.iter().enumerate() {
            let r: ListGroupsResponse = call(&mut connect(addr), ApiKey::ListGroups, 4, &ListGroupsRequest::default());
            let listed = r.groups.iter().any(|g| g.group_id.as_str() == group);
            assert_eq!(listed, i + 1 == *node as usize, "{group} listed by broker {}", i + 1);
        }
    }
}

#[test]
fn leave_group_removes_several_members_at_once() {
    let cluster = Cluster::builder().start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let mut a = Joiner::new(&addr, "g");
    a.join();
    // Two more members: a must rejoin for the group to form generation 2.
    let others: Vec<_> = (0..2).map(|_| Joiner::new(&addr, "g").join_in_background()).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while cluster.group_members("g").len() < 3 {
        assert!(Instant::now() < deadline, "members did not arrive");
        thread::sleep(Duration::from_millis(20));
    }
    a.join();
    let others: Vec<Joiner> = others.into_iter().map(|h| h.join().expect("joined").0).collect();
    let leave = LeaveGroupRequest::default().with_group_id(GroupId(s("g"))).with_members(vec![
        MemberIdentity::default().with_member_id(s(&others[0].member_id)),
        MemberIdentity::default().with_member_id(s(&others[1].member_id)),
        MemberIdentity::default().with_member_id(s("stranger")),
        MemberIdentity::default().with_group_instance_id(Some(s("no-such-instance"))),
    ]);
    let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, 3, &leave);
    assert_eq!(r.error_code, 0);
    let codes: Vec<(String, i16)> = r.members.iter().map(|m| (m.member_id.to_string(), m.error_code)).collect();
    assert_eq!(
        codes,
        vec![(others[0].member_id.clone(), 0), (others[1].member_id.clone(), 0), ("stranger".into(), UNKNOWN_MEMBER_ID), (String::new(), UNKNOWN_MEMBER_ID)]
    );
    assert_eq!(cluster.group_members("g"), vec![a.member_id.clone()]);
    assert_eq!(a.heartbeat(&mut c, 2), REBALANCE_IN_PROGRESS);
    // v0-2: one member, its error at the top; an unknown group is UNKNOWN_MEMBER_ID.
    let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, 1, &LeaveGroupRequest::default().with_group_id(GroupId(s("g"))).with_member_id(s("stranger")));
    assert_eq!(r.error_code, UNKNOWN_MEMBER_ID);
    let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, 1, &LeaveGroupRequest::default().with_group_id(GroupId(s("none"))).with_member_id(s("x")));
    assert_eq!(r.error_code, UNKNOWN_MEMBER_ID);
}

#[test]
fn offset_fetch_answers_several_groups_at_once() {
    let cluster = Cluster::builder().brokers(3).topic("t", 3).topic("u", 1).start().expect("start");
    let addrs = cluster.broker_addrs();
    let owner_of = |group: &str| -> usize {
        let r: FindCoordinatorResponse = call(&mut connect(&addrs[0]), ApiKey::FindCoordinator, 3, &FindCoordinatorRequest::default().with_key(s(group)));
        r.node_id.0 as usize - 1
    };
    // Three groups on the first broker (the third never commits), a fourth elsewhere.
    let mut here = Vec::new();
    let mut elsewhere = None;
    for i in 0.. {
        let group = format!("multi-{i}");
        if owner_of(&group) == 0 {
            here.push(group);
        } else if elsewhere.is_none() {
            elsewhere = Some(group);
        }
        if here.len() == 3 && elsewhere.is_some() {
            break;
        }
    }
    let elsewhere = elsewhere.expect("a group on another broker");
    let mut c = connect(&addrs[0]);
    assert_eq!(commit(&mut c, 8, &here[0], -1, "", "t", 1, 11), 0);
    assert_eq!(commit(&mut c, 8, &here[1], -1, "", "t", 2, 22), 0);
    assert_eq!(commit(&mut c, 8, &here[1], -1, "", "u", 0, 33), 0);
    let topics = |name: &str, partitions: Vec<i32>| {
        OffsetFetchRequestTopics::default().with_name(TopicName(s(name))).with_partition_indexes(partitions)
    };
    let groups = vec![
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s(&here[0]))).with_topics(Some(vec![topics("t", vec![0, 1])])),
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s(&here[1]))).with_topics(None),
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s(&here[2]))).with_topics(None),
        OffsetFetchRequestGroup::default().with_group_id(GroupId(s(&elsewhere))).with_topics(None),
    ];
    let r: OffsetFetchResponse = call(&mut c, ApiKey::OffsetFetch, 8, &OffsetFetchRequest::default().with_groups(groups));
    type Offsets = Vec<(String, i32, i64)>;
    let summary: Vec<(String, i16, Offsets)> = r
        .groups
        .iter()
        .map(|g| {
            let offsets = g
                .topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| (t.name.to_string(), p.partition_index, p.committed_offset)))
                .collect();
            (g.group_id.to_string(), g.error_code, offsets)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (here[0].clone(), 0, vec![("t".into(), 0, -1), ("t".into(), 1, 11)]),
            (here[1].clone(), 0, vec![("t".into(), 2, 22), ("u".into(), 0, 33)]),
            (here[2].clone(), 0, vec![]),
            (elsewhere.clone(), NOT_COORDINATOR, vec![]),
        ]
    );
}

#[test]
fn delete_groups_refuses_groups_with_members_and_offset_delete_subscribed_topics() {
    let cluster = Cluster::builder().topic("t", 2).topic("other", 1).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let mut c = connect(&addr);
    let a = stable_single(&addr, "g");
    assert_eq!(commit(&mut c, 7, "g", 1, &a.member_id, "t", 0, 10), 0);
    assert_eq!(commit(&mut c, 7, "g", 1, &a.member_id, "other", 0, 20), 0);
    assert_eq!(delete_group(&mut c, 2, "g"), NON_EMPTY_GROUP);
    assert_eq!(delete_group(&mut c, 2, "no-such-group"), GROUP_ID_NOT_FOUND);
    // OffsetDelete: the member subscribes to "t" (see Joiner::new), not to "other".
    let topic = |name: &str, p: i32| {
        OffsetDeleteRequestTopic::default()
            .with_name(TopicName(s(name)))
            .with_partitions(vec![OffsetDeleteRequestPartition::default().with_partition_index(p)])
    };
    let request = OffsetDeleteRequest::default().with_group_id(GroupId(s("g"))).with_topics(vec![topic("t", 0), topic("other", 0), topic("missing", 0)]);
    let r: OffsetDeleteResponse = call(&mut c, ApiKey::OffsetDelete, 0, &request);
    let codes: Vec<i16> = r.topics.iter().map(|t| t.partitions[0].error_code).collect();
    assert_eq!((r.error_code, codes), (0, vec![GROUP_SUBSCRIBED_TO_TOPIC, 0, 3]));
    assert_eq!((cluster.committed_offset("g", "t", 0), cluster.committed_offset("g", "other", 0)), (Some(10), None));
    // Once the member left, the offsets stay and the group can be deleted with them.
    let r: LeaveGroupResponse = call(&mut c, ApiKey::LeaveGroup, 0, &LeaveGroupRequest::default().with_group_id(GroupId(s("g"))).with_member_id(s(&a.member_id)));
    assert_eq!(r.error_code, 0);
    assert_eq!(describe(&mut c, 5, "g").group_state.as_str(), "Empty");
    assert_eq!(fetch(&mut c, 5, "g", "t", &[0]).1, vec![(0, 10, 0)], "offsets survive the members");
    assert_eq!(delete_group(&mut c, 2, "g"), 0);
    assert_eq!(cluster.committed_offset("g", "t", 0), None);
    assert_eq!(fetch(&mut c, 5, "g", "t", &[0]).1, vec![(0, -1, 0)]);
    let r: OffsetDeleteResponse = call(&mut c, ApiKey::OffsetDelete, 0, &OffsetDeleteRequest::default().with_group_id(GroupId(s("g"))).with_topics(vec![topic("t", 0)]));
    assert_eq!(r.error_code, GROUP_ID_NOT_FOUND);
}

#[test]
fn the_initial_rebalance_delay_gathers_members_into_one_generation() {
    let cluster = Cluster::builder().initial_rebalance_delay(Duration::from_millis(400)).start().expect("start");
    let addr = cluster.broker_addrs()[0].clone();
    let start = Instant::now();
    let a = Joiner::new(&addr, "g").join_in_background();
    thread::sleep(Duration::from_millis(150));
    let b = Joiner::new(&addr, "g").join_in_background();
    let (a, ra) = a.join().expect("a");
    let (_, rb) = b.join().expect("b");
    let waited = start.elapsed();
    assert_eq!((ra.generation_id, rb.generation_id), (1, 1), "one generation for both");
    assert_eq!((ra.leader.as_str(), ra.members.len()), (a.member_id.as_str(), 2));
    // b arrived during the first 400 ms step: one more step.
    assert!(waited >= Duration::from_millis(780) && waited < Duration::from_secs(3), "waited {waited:?}");
}
