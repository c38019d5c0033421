//! The admin commands (`ferrokafka topics|groups|records ...`) against the testkit, or against
//! the real Kafka of `make test-kafka` when KAFKA_BOOTSTRAP is set (scripts/kafka.sh test runs
//! this file there too).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ferrokafka_testkit::Cluster;

struct Broker {
    bootstrap: String,
    _cluster: Option<Cluster>,
}

fn broker() -> Broker {
    match std::env::var("KAFKA_BOOTSTRAP").ok().filter(|b| !b.is_empty()) {
        Some(bootstrap) => Broker { bootstrap, _cluster: None },
        None => {
            let cluster = Cluster::builder().start().expect("start testkit");
            Broker { bootstrap: cluster.bootstrap(), _cluster: Some(cluster) }
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn run(b: &Broker, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrokafka"))
        .args(args)
        .args(["-b", &b.bootstrap])
        .env("HOME", "/nonexistent")
        .env_remove("KCAT_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ferrokafka");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Runs a command that must succeed; returns its stdout.
fn ok(b: &Broker, args: &[&str]) -> String {
    let out = run(b, args, b"");
    assert!(out.status.success(), "ferrokafka {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Retries a command until its stdout satisfies `check` (real Kafka spreads changes to its
/// brokers' metadata a moment after answering).
fn until(b: &Broker, args: &[&str], check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = run(b, args, b"");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && check(&stdout) {
            return stdout;
        }
        assert!(Instant::now() < deadline, "ferrokafka {args:?}: last output {stdout:?} {}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn topics_are_created_described_altered_and_deleted() {
    let b = broker();
    let t = unique("cli-topic");
    assert_eq!(ok(&b, &["topics", "create", &t, "--partitions", "2", "--config", "cleanup.policy=compact", "--validate-only"]), format!("Validated topic {t:?}.\n"));
    assert_eq!(ok(&b, &["topics", "create", &t, "--partitions", "2", "--config", "cleanup.policy=compact"]), format!("Created topic {t:?}.\n"));
    let again = run(&b, &["topics", "create", &t, "--partitions", "2"], b"");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("TOPIC_ALREADY_EXISTS") || String::from_utf8_lossy(&again.stderr).contains("already exists"), "{again:?}");

    let described = until(&b, &["topics", "describe", &t], |s| s.contains("PartitionCount: 2"));
    assert!(described.starts_with(&format!("Topic: {t}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup.policy=compact\n")), "{described}");
    assert!(described.contains(&format!("\tTopic: {t}\tPartition: 1\tLeader: ")), "{described}");

    assert_eq!(ok(&b, &["topics", "alter", &t, "--partitions", "3", "--config", "retention.ms=3600000"]), format!("Altered topic {t:?}.\n"));
    let json = until(&b, &["topics", "describe", &t, "-J"], |s| s.contains("{\"partition\":2,"));
    assert!(json.contains("\"configs\":{\"cleanup.policy\":\"compact\",\"retention.ms\":\"3600000\"}"), "{json}");
    ok(&b, &["topics", "alter", &t, "--delete-config", "retention.ms"]);
    until(&b, &["topics", "describe", &t, "-J"], |s| s.contains("\"configs\":{\"cleanup.policy\":\"compact\"}"));

    let bad = run(&b, &["topics", "alter", &t, "--config", "retention.ms=soon"], b"");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("retention.ms"), "{bad:?}");

    assert_eq!(ok(&b, &["topics", "delete", &t, "-J"]), format!("[{{\"name\":\"{t}\",\"error\":null}}]\n"));
    until(&b, &["topics", "describe"], |s| !s.contains(&t));
}

#[test]
fn groups_are_listed_described_and_reset_and_records_deleted() {
    let b = broker();
    let t = unique("cli-group");
    ok(&b, &["topics", "create", &t, "--partitions", "1"]);
    until(&b, &["topics", "describe", &t], |s| s.contains("Leader: ") && !s.contains("Leader: -1"));
    let lines: String = (0..10).map(|i| format!("v{i}\n")).collect();
    let produced = run(&b, &["-P", "-t", &t, "-p", "0"], lines.as_bytes());
    assert!(produced.status.success(), "{produced:?}");
    let g = unique("cli-g");
    // A group member that reads 6 records and commits them on close.
    let consumed = run(&b, &["-G", &g, "-o", "beginning", "-c", "6", "-q", "-X", "auto.commit.interval.ms=100", &t], b"");
    assert!(consumed.status.success(), "{consumed:?}");
    assert_eq!(String::from_utf8_lossy(&consumed.stdout).lines().count(), 6);

    until(&b, &["groups", "list"], |s| s.lines().any(|l| l == g));
    let described = until(&b, &["groups", "describe", &g], |s| s.contains(&t));
    let row = described.lines().find(|l| l.starts_with(&t)).expect("a row for the partition");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cols[..5], &[t.as_str(), "0", "6", "10", "4"], "topic, partition, current, end, lag: {described}");

    // Dry run by default: the plan is shown, nothing changes.
    let plan = ok(&b, &["groups", "reset", &g, "--topic", &t, "--to-offset", "2"]);
    assert!(plan.lines().nth(1).is_some_and(|l| l.split_whitespace().collect::<Vec<_>>() == [g.as_str(), t.as_str(), "0", "2"]), "{plan}");
    assert!(ok(&b, &["groups", "describe", &g, "-J"]).contains("\"current_offset\":6"));
    ok(&b, &["groups", "reset", &g, "--all-topics", "--shift-by", "-3", "--execute"]);
    assert!(ok(&b, &["groups", "describe", &g, "-J"]).contains("\"current_offset\":3,\"log_end_offset\":10,\"lag\":7"));
    // Out of range is clamped to the log.
    ok(&b, &["groups", "reset", &g, "--topic", &format!("{t}:0"), "--to-offset", "99", "--execute"]);
    assert!(ok(&b, &["groups", "describe", &g, "-J"]).contains("\"current_offset\":10,"));
    ok(&b, &["groups", "reset", &g, "--topic", &t, "--to-earliest", "--execute"]);
    assert!(ok(&b, &["groups", "describe", &g, "-J"]).contains("\"current_offset\":0,"));

    assert_eq!(ok(&b, &["records", "delete", &format!("{t}:0:4")]), format!("{t} [0] low watermark now 4\n"));
    ok(&b, &["groups", "reset", &g, "--topic", &t, "--to-earliest", "--execute"]);
    assert!(ok(&b, &["groups", "describe", &g, "-J"]).contains("\"current_offset\":4,"), "earliest is the new log start");
    let missing = run(&b, &["records", "delete", &format!("{t}:7:1")], b"");
    assert_eq!(missing.status.code(), Some(1));

    assert_eq!(ok(&b, &["groups", "delete", &g]), format!("Deleted group {g:?}.\n"));
    until(&b, &["groups", "list"], |s| !s.lines().any(|l| l == g));
    ok(&b, &["topics", "delete", &t]);
}

#[test]
fn usage_errors_say_what_is_wrong() {
    let b = broker();
    let out = run(&b, &["groups", "reset", "g", "--topic", "t"], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Error: groups reset: give exactly one of --to-earliest"), "{err}");
    let out = run(&b, &["topics", "create", "x", "--partitions", "many"], b"");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("Error: --partitions: \"many\" is not a valid number"), "{out:?}");
    let out = run(&b, &["topics", "frobnicate"], b"");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("Error: unknown command topics frobnicate"), "{out:?}");
}
