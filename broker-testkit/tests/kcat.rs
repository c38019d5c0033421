//! A real client (kcat / librdkafka) against the in-process cluster, through the fault injection
//! knobs. Skipped (with a note) when `kcat` is not installed.

use std::io::Write;
use std::process::{Command, Stdio};

use ferrokafka_testkit::Cluster;

fn kcat_available() -> bool {
    let found = Command::new("kcat").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("kcat not installed: skipping");
    }
    found
}

fn produce(bootstrap: &str, topic: &str, lines: &str, extra: &[&str]) {
    let mut child = Command::new("kcat")
        .args(["-b", bootstrap, "-P", "-t", topic, "-K:"])
        .args(extra)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn kcat");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write");
    let status = child.wait().expect("kcat -P");
    assert!(status.success(), "kcat -P failed: {status}");
}

fn consume(bootstrap: &str, topic: &str) -> Vec<String> {
    let out = Command::new("kcat")
        .args(["-b", bootstrap, "-C", "-t", topic, "-e", "-o", "beginning", "-q", "-f", "%k:%s\n"])
        .output()
        .expect("kcat -C");
    assert!(out.status.success(), "kcat -C failed");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("k{i}:v{i}\n")).collect()
}

#[test]
fn idempotent_kcat_survives_dropped_responses_without_duplicates() {
    if !kcat_available() {
        return;
    }
    // Several brokers: kcat gives up when ALL its broker connections are down at once, so the
    // others keep it alive while the leader connection is dropped.
    let cluster = Cluster::builder().brokers(3).topic("dup", 1).start().expect("start");
    cluster.drop_next_produce_responses(3);
    produce(
        &cluster.bootstrap(),
        "dup",
        &lines(2000),
        &["-X", "enable.idempotence=true", "-X", "linger.ms=5", "-X", "batch.num.messages=100"],
    );
    assert_eq!(cluster.record_count("dup", 0), 2000, "no duplicates, nothing lost");
    let got = consume(&cluster.bootstrap(), "dup");
    let want: Vec<String> = lines(2000).lines().map(str::to_string).collect();
    assert_eq!(got, want, "every message once, in order");
}

#[test]
fn kcat_retries_injected_produce_errors() {
    if !kcat_available() {
        return;
    }
    let cluster = Cluster::builder().brokers(3).topic("retry", 3).start().expect("start");
    cluster.fail_next_produce(2, 6);
    produce(&cluster.bootstrap(), "retry", &lines(300), &["-X", "enable.idempotence=true"]);
    let total: i64 = (0..3).map(|p| cluster.record_count("retry", p)).sum();
    assert_eq!(total, 300);
    let mut got = consume(&cluster.bootstrap(), "retry");
    got.sort();
    let mut want: Vec<String> = lines(300).lines().map(str::to_string).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn kcat_compressed_round_trips() {
    if !kcat_available() {
        return;
    }
    let cluster = Cluster::builder().start().expect("start");
    for codec in ["gzip", "snappy", "lz4", "zstd"] {
        let topic = format!("codec-{codec}");
        produce(&cluster.bootstrap(), &topic, &lines(500), &["-z", codec]);
        assert_eq!(consume(&cluster.bootstrap(), &topic).len(), 500, "{codec}");
    }
}
