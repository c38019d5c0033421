//! Consumer groups: subscribe, assignors, rebalances, commits, delivery semantics. Runs against
//! the testkit or real Kafka (KAFKA_BOOTSTRAP).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrokafka::blocking::Consumer;
use ferrokafka::consumer::{RebalanceEvent, RebalanceKind};
use ferrokafka::{ErrorKind, Event, Message};
use ferrokafka_tests::{unique, Env};

const T: Duration = Duration::from_secs(30);

fn group_config<'a>(group: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("group.id", group),
        ("auto.offset.reset", "earliest"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "300"),
    ];
    v.extend_from_slice(extra);
    v
}

/// Polls every consumer in turn until `n` messages arrived in total.
fn drain(consumers: &[&Consumer], n: usize) -> Vec<Vec<Message>> {
    let mut got: Vec<Vec<Message>> = consumers.iter().map(|_| Vec::new()).collect();
    let deadline = Instant::now() + T;
    while got.iter().map(Vec::len).sum::<usize>() < n {
        assert!(Instant::now() < deadline, "timed out: {} of {n}", got.iter().map(Vec::len).sum::<usize>());
        for (i, c) in consumers.iter().enumerate() {
            match c.poll(Duration::from_millis(50)) {
                Some(Event::Message(m)) => got[i].push(m),
                Some(Event::Error { error, .. }) => panic!("consumer {i}: {error}"),
                _ => {}
            }
        }
    }
    got
}

fn wait_for_assignment(consumers: &[&Consumer], total: usize) {
    let deadline = Instant::now() + T;
    loop {
        for c in consumers {
            let _ = c.poll(Duration::from_millis(20));
        }
        let sizes: Vec<usize> = consumers.iter().map(|c| c.assignment().len()).collect();
        if sizes.iter().sum::<usize>() == total && sizes.iter().all(|&s| s > 0) {
            return;
        }
        assert!(Instant::now() < deadline, "assignment never settled: {sizes:?}");
    }
}

#[test]
fn two_members_split_partitions_and_consume_everything_once() {
    for strategy in ["range", "roundrobin", "cooperative-sticky"] {
        let env = Env::new(3);
        let topic = env.topic("grp", 6);
        let group = unique("g");
        let cfg = group_config(&group, &[("partition.assignment.strategy", strategy)]);
        let a = Consumer::new(&env.config(&cfg)).expect("a");
        let b = Consumer::new(&env.config(&cfg)).expect("b");
        a.subscribe(&[topic.clone()]).expect("subscribe");
        b.subscribe(&[topic.clone()]).expect("subscribe");
        wait_for_assignment(&[&a, &b], 6);
        let (pa, pb): (BTreeSet<_>, BTreeSet<_>) = (a.assignment().into_iter().collect(), b.assignment().into_iter().collect());
        assert!(pa.is_disjoint(&pb), "{strategy}: overlapping assignments {pa:?} {pb:?}");
        assert_eq!(pa.len(), 3, "{strategy}: balanced");
        env.produce(&topic, 600);
        let got = drain(&[&a, &b], 600);
        let values: Vec<String> = got.iter().flatten().map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).to_string()).collect();
        let unique_values: HashSet<&String> = values.iter().collect();
        assert_eq!(values.len(), 600, "{strategy}");
        assert_eq!(unique_values.len(), 600, "{strategy}: each message exactly once");
        // Nothing more arrives.
        assert!(matches!(a.poll(Duration::from_millis(300)), None | Some(Event::PartitionEof { .. })));
        a.close().expect("close");
        b.close().expect("close");
    }
}

#[test]
fn cooperative_rebalance_only_moves_what_it_must() {
    let env = Env::new(1);
    let topic = env.topic("coop", 6);
    let group = unique("g");
    let events: Arc<Mutex<Vec<(usize, RebalanceKind, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let cfg = group_config(&group, &[("partition.assignment.strategy", "cooperative-sticky")]);
    let make = |i: usize| {
        let c = Consumer::new(&env.config(&cfg)).expect("consumer");
        let ev = events.clone();
        c.set_rebalance_callback(Some(Arc::new(move |_c: &Consumer, e: &RebalanceEvent| {
            assert!(e.cooperative);
            ev.lock().expect("lock").push((i, e.kind, e.partitions.len()));
        })));
        c.subscribe(&[topic.clone()]).expect("subscribe");
        c
    };
    let a = make(0);
    let deadline = Instant::now() + T;
    while a.assignment().len() < 6 {
        let _ = a.poll(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "a never got all partitions");
    }
    let before: BTreeSet<_> = a.assignment().into_iter().collect();
    let b = make(1);
    wait_for_assignment(&[&a, &b], 6);
    let after: BTreeSet<_> = a.assignment().into_iter().collect();
    assert!(after.is_subset(&before), "a keeps a subset of what it had");
    let ev = events.lock().expect("lock").clone();
    // a never revoked everything: it gave back exactly 3, incrementally.
    let revoked: usize = ev.iter().filter(|(i, k, _)| *i == 0 && *k == RebalanceKind::Revoke).map(|e| e.2).sum();
    assert_eq!(revoked, 3, "events: {ev:?}");
    a.close().expect("close");
    b.close().expect("close");
}

#[test]
fn commits_are_resumed_by_the_next_member() {
    let env = Env::new(1);
    let topic = env.topic("commit", 2);
    let group = unique("g");
    env.produce(&topic, 100);
    let cfg = group_config(&group, &[("enable.auto.commit", "false")]);
    let a = Consumer::new(&env.config(&cfg)).expect("a");
    a.subscribe(&[topic.clone()]).expect("subscribe");
    let got = drain(&[&a], 60);
    // Commit exactly what was processed: next offset per partition.
    let mut next: HashMap<i32, i64> = HashMap::new();
    for m in &got[0] {
        next.insert(m.partition, m.offset + 1);
    }
    let offsets: Vec<(String, i32, i64)> = next.iter().map(|(p, o)| (topic.clone(), *p, *o)).collect();
    for (_, _, r) in a.commit(Some(&offsets)).expect("commit") {
        r.expect("partition committed");
    }
    let committed = a.committed(&[(topic.clone(), 0), (topic.clone(), 1)], T).expect("committed");
    for (_, p, o) in &committed {
        assert_eq!(Some(o), next.get(p).or(Some(&-1)), "partition {p}");
    }
    a.close().expect("close");
    // A new member starts where the commit says.
    let b = Consumer::new(&env.config(&cfg)).expect("b");
    b.subscribe(&[topic.clone()]).expect("subscribe");
    let rest = drain(&[&b], 40);
    for m in &rest[0] {
        assert!(m.offset >= *next.get(&m.partition).unwrap_or(&0), "resumed before the commit: {}[{}]", m.partition, m.offset);
    }
    let mut all: Vec<String> = got[0].iter().chain(rest[0].iter()).map(|m| String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).to_string()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 100);
    // Nothing left to commit is an error, as in librdkafka.
    let e = b.commit(Some(&[])).err().expect("nothing to commit");
    assert_eq!(e.kind, ErrorKind::NoOffset);
    b.close().expect("close");
}

#[test]
fn auto_commit_and_close_leave_at_once() {
    let env = Env::new(1);
    let topic = env.topic("auto", 2);
    let group = unique("g");
    let cfg = group_config(&group, &[("auto.commit.interval.ms", "100"), ("session.timeout.ms", "30000")]);
    let a = Consumer::new(&env.config(&cfg)).expect("a");
    let b = Consumer::new(&env.config(&cfg)).expect("b");
    a.subscribe(&[topic.clone()]).expect("subscribe");
    b.subscribe(&[topic.clone()]).expect("subscribe");
    wait_for_assignment(&[&a, &b], 2);
    // Produced once the assignment settled: wait_for_assignment's polls must not eat any.
    env.produce(&topic, 50);
    drain(&[&a, &b], 50);
    // close() commits what is due and leaves now: b takes over long before the 30 s session timeout.
    let started = Instant::now();
    a.close().expect("close");
    let deadline = Instant::now() + Duration::from_secs(15);
    while b.assignment().len() < 2 {
        let _ = b.poll(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "b never took over a's partition");
    }
    assert!(started.elapsed() < Duration::from_secs(15));
    let committed = b.committed(&[(topic.clone(), 0), (topic.clone(), 1)], T).expect("committed");
    let total: i64 = committed.iter().map(|c| c.2.max(0)).sum();
    assert_eq!(total, 50, "auto-commit stored every consumed offset: {committed:?}");
    b.close().expect("close");
}

#[test]
fn regex_subscription_follows_new_topics() {
    let env = Env::new(1);
    let prefix = unique("rx");
    let t1 = env.topic(&format!("{prefix}-a"), 1);
    let group = unique("g");
    let c = Consumer::new(&env.config(&group_config(&group, &[]))).expect("consumer");
    let pattern = format!("^{}.*", regex_escape(&prefix));
    c.subscribe(&[pattern]).expect("subscribe");
    env.produce(&t1, 5);
    drain(&[&c], 5);
    let t2 = env.topic(&format!("{prefix}-b"), 1);
    env.produce(&t2, 5);
    let got = drain(&[&c], 5);
    assert!(got[0].iter().all(|m| &*m.topic == t2.as_str()));
    c.close().expect("close");
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch.to_string() } else { format!("\\{ch}") }).collect()
}

#[test]
fn max_poll_interval_leaves_the_group_and_says_so() {
    let env = Env::new(1);
    let topic = env.topic("mpi", 2);
    let group = unique("g");
    let slow_cfg = group_config(&group, &[("max.poll.interval.ms", "1500"), ("session.timeout.ms", "6000")]);
    let slow = Consumer::new(&env.config(&slow_cfg)).expect("slow");
    let fast = Consumer::new(&env.config(&group_config(&group, &[]))).expect("fast");
    slow.subscribe(&[topic.clone()]).expect("subscribe");
    fast.subscribe(&[topic.clone()]).expect("subscribe");
    wait_for_assignment(&[&slow, &fast], 2);
    // slow stops polling; fast keeps going and ends up with both partitions.
    let deadline = Instant::now() + T;
    while fast.assignment().len() < 2 {
        let _ = fast.poll(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "fast never got both partitions");
    }
    // When slow polls again it learns why.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(Event::Error { error, .. }) = slow.poll(Duration::from_millis(100)) {
            assert_eq!(error.kind, ErrorKind::MaxPollExceeded, "{error}");
            break;
        }
        assert!(Instant::now() < deadline, "no max.poll.interval error");
    }
    slow.close().expect("close");
    fast.close().expect("close");
}

/// Runs the delivery_semantics example as a child process, kills it mid-stream, runs a second
/// one to finish, and returns every processed value (with repeats).
fn kill_mid_stream(mode: &str) -> (Vec<String>, usize) {
    let env = Env::new(1);
    let topic = env.topic(mode, 2);
    let n = 400;
    env.produce(&topic, n);
    let group = unique("g");
    let dir = std::env::temp_dir().join(unique("sem"));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("processed.txt");
    let bin = env!("CARGO_BIN_EXE_delivery_semantics_for_tests");
    let spawn = || {
        std::process::Command::new(bin)
            .args([mode, &env.bootstrap, &topic, &group, out.to_str().unwrap_or_default(), &n.to_string()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn example")
    };
    let mut first = spawn();
    let deadline = Instant::now() + T;
    loop {
        let lines = std::fs::read_to_string(&out).map(|s| s.lines().count()).unwrap_or(0);
        if lines >= n / 3 {
            break;
        }
        assert!(Instant::now() < deadline, "the first consumer made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    first.kill().expect("kill"); // SIGKILL: no commit, no leave
    let _ = first.wait();
    let killed_at = std::fs::read_to_string(&out).map(|s| s.lines().count()).unwrap_or(0);
    let mut second = spawn();
    let status = second.wait().expect("second consumer");
    assert!(status.success(), "second consumer failed");
    let values: Vec<String> = std::fs::read_to_string(&out)
        .expect("output")
        .lines()
        .filter_map(|l| l.split(' ').nth(2).map(str::to_string))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (values, killed_at)
}

#[test]
fn at_least_once_loses_nothing_when_killed() {
    let (values, killed_at) = kill_mid_stream("at-least-once");
    let distinct: HashSet<&String> = values.iter().collect();
    assert!(killed_at > 0);
    assert_eq!(distinct.len(), 400, "at-least-once: every message processed at least once");
}

#[test]
fn at_most_once_duplicates_nothing_when_killed() {
    let (values, killed_at) = kill_mid_stream("at-most-once");
    let distinct: HashSet<&String> = values.iter().collect();
    assert!(killed_at > 0);
    assert_eq!(distinct.len(), values.len(), "at-most-once: no message processed twice");
    assert!(values.len() <= 400);
}

#[test]
fn close_revokes_through_the_callback_where_the_application_commits() {
    let env = Env::new(1);
    let topic = env.topic("closerev", 2);
    let group = unique("g");
    let cfg = group_config(&group, &[("enable.auto.commit", "false")]);
    let c = Consumer::new(&env.config(&cfg)).expect("consumer");
    let revoked: Arc<Mutex<Vec<(RebalanceKind, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = revoked.clone();
    c.set_rebalance_callback(Some(Arc::new(move |c: &Consumer, e: &RebalanceEvent| {
        seen.lock().expect("lock").push((e.kind, e.partitions.len()));
        if e.kind == RebalanceKind::Revoke && !e.partitions.is_empty() {
            // The at-least-once idiom: commit what was processed before giving partitions up.
            for (_, _, r) in c.commit(None).expect("commit in the revoke callback") {
                r.expect("partition committed");
            }
        }
    })));
    c.subscribe(&[topic.clone()]).expect("subscribe");
    env.produce(&topic, 20);
    drain(&[&c], 20);
    c.close().expect("close");
    let events = revoked.lock().expect("lock").clone();
    assert!(events.contains(&(RebalanceKind::Revoke, 2)), "close revoked both partitions: {events:?}");
    let check = Consumer::new(&env.config(&group_config(&group, &[]))).expect("check");
    let committed = check.committed(&[(topic.clone(), 0), (topic.clone(), 1)], T).expect("committed");
    assert_eq!(committed.iter().map(|c| c.2.max(0)).sum::<i64>(), 20, "{committed:?}");
}

/// CPU time this process has used (user + system), from /proc/self/stat.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime");
    // USER_HZ is 100 on every Linux ABI.
    Duration::from_millis(ticks * 10)
}

#[test]
fn auto_commit_interval_zero_turns_the_timer_off_without_spinning() {
    let env = Env::new(1);
    let topic = env.topic("ac0", 1);
    let group = unique("g");
    let c = Consumer::new(&env.config(&group_config(&group, &[("auto.commit.interval.ms", "0")]))).expect("consumer");
    c.subscribe(&[topic.clone()]).expect("subscribe");
    env.produce(&topic, 5);
    drain(&[&c], 5);
    // Idle, subscribed and assigned: the group task should sleep between heartbeats.
    let (cpu, wall) = (process_cpu(), Instant::now());
    while wall.elapsed() < Duration::from_secs(2) {
        let _ = c.poll(Duration::from_millis(100));
    }
    let used = process_cpu() - cpu;
    assert!(used < Duration::from_millis(700), "an idle consumer used {used:?} of CPU in 2 s");
    // "0 = disable": nothing was committed by a timer; close still commits what was consumed.
    let committed = c.committed(&[(topic.clone(), 0)], T).expect("committed");
    assert!(committed[0].2 < 0, "no periodic commit with auto.commit.interval.ms=0: {committed:?}");
    c.close().expect("close");
    let check = Consumer::new(&env.config(&group_config(&group, &[]))).expect("check");
    assert_eq!(check.committed(&[(topic.clone(), 0)], T).expect("committed")[0].2, 5);
}

/// A revoke handler slower than session.timeout.ms keeps the membership: the group keeps
/// heartbeating while it waits for the application. Evicted, `a` would lose its partitions and
/// `b` would first be given both.
#[test]
fn a_slow_rebalance_handler_keeps_the_membership() {
    let env = Env::new(1);
    let topic = env.topic("slowcb", 2);
    let group = unique("g");
    let cfg = group_config(&group, &[("session.timeout.ms", "6000"), ("heartbeat.interval.ms", "500")]);
    let a = Consumer::new(&env.config(&cfg)).expect("a");
    let a_events: Arc<Mutex<Vec<(RebalanceKind, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = a_events.clone();
    a.set_rebalance_callback(Some(Arc::new(move |_c: &Consumer, e: &RebalanceEvent| {
        seen.lock().expect("lock").push((e.kind, e.partitions.len()));
        if e.kind == RebalanceKind::Revoke && !e.partitions.is_empty() {
            std::thread::sleep(Duration::from_secs(9));
        }
    })));
    a.subscribe(&[topic.clone()]).expect("subscribe");
    let deadline = Instant::now() + T;
    while a.assignment().len() < 2 {
        let _ = a.poll(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "a never got both partitions");
    }
    let b_cfg = env.config(&cfg);
    let b_thread = std::thread::spawn(move || {
        let b = Consumer::new(&b_cfg).expect("b");
        let assigned: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(Vec::new()));
        let seen = assigned.clone();
        b.set_rebalance_callback(Some(Arc::new(move |_c: &Consumer, e: &RebalanceEvent| {
            if e.kind == RebalanceKind::Assign {
                seen.lock().expect("lock").push(e.partitions.len());
            }
        })));
        b.subscribe(&[topic]).expect("subscribe");
        let deadline = Instant::now() + Duration::from_secs(40);
        while b.assignment().is_empty() {
            let _ = b.poll(Duration::from_millis(50));
            assert!(Instant::now() < deadline, "b never got a partition");
        }
        b.close().expect("close b");
        let got = assigned.lock().expect("lock").clone();
        got
    });
    // a serves its slow revoke here, then rejoins with b.
    let deadline = Instant::now() + Duration::from_secs(40);
    while !b_thread.is_finished() {
        let _ = a.poll(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "the rebalance never completed");
    }
    let b_assigned = b_thread.join().expect("b thread");
    assert_eq!(b_assigned.first(), Some(&1), "b was first given {b_assigned:?} partitions: a was evicted");
    let events = a_events.lock().expect("lock").clone();
    assert!(!events.iter().any(|(k, _)| *k == RebalanceKind::Lost), "a lost its partitions: {events:?}");
    a.close().expect("close a");
}

/// librdkafka's rebalance callbacks assign what they are given, whose offsets are -1001
/// (RD_KAFKA_OFFSET_INVALID): that means "the committed offset", never auto.offset.reset while
/// a commit exists.
#[test]
fn assigning_with_offset_invalid_resumes_at_the_commit() {
    use ferrokafka::{Offset, TopicPartitionOffset};
    let env = Env::new(1);
    let topic = env.topic("invalid", 1);
    let group = unique("g");
    env.produce(&topic, 10);
    let cfg = group_config(&group, &[("enable.auto.commit", "false"), ("auto.offset.reset", "latest")]);
    let first = Consumer::new(&env.config(&cfg)).expect("first");
    first.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Beginning)]).expect("assign");
    first.commit(Some(&[(topic.clone(), 0, 4)])).expect("commit 4");
    first.close().expect("close");

    let c = Consumer::new(&env.config(&cfg)).expect("consumer");
    c.set_rebalance_callback(Some(Arc::new(|c: &Consumer, e: &RebalanceEvent| {
        let tps: Vec<TopicPartitionOffset> =
            e.partitions.iter().map(|(t, p)| TopicPartitionOffset::new(t.clone(), *p, Offset::from_raw(-1001))).collect();
        match e.kind {
            RebalanceKind::Assign => c.assign(&tps).expect("assign"),
            _ => c.unassign().expect("unassign"),
        }
    })));
    c.subscribe(&[topic.clone()]).expect("subscribe");
    let got = drain(&[&c], 6);
    assert_eq!(got[0].first().map(|m| m.offset), Some(4), "started at the committed offset, not at latest");
    c.close().expect("close");
}
