//! The exactly-once example (examples/src/exactly_once.rs) killed with SIGKILL mid-stream and
//! restarted: read_committed readers of its output see every input record exactly once. Runs
//! against the testkit or real Kafka (KAFKA_BOOTSTRAP).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ferrokafka::blocking::Consumer;
use ferrokafka::{Event, Offset, TopicPartitionOffset};
use ferrokafka_tests::{unique, Env};

const N: usize = 2000;
const T: Duration = Duration::from_secs(60);

/// Starts the example; its `committed N` lines arrive on the returned channel.
fn start(env: &Env, input: &str, output: &str, group: &str, txn_id: &str) -> (Child, mpsc::Receiver<usize>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exactly_once_for_tests"))
        .args([&env.bootstrap, input, output, group, txn_id])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn example");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ").and_then(|n| n.parse().ok()) {
                if tx.send(n).is_err() {
                    return;
                }
            }
        }
    });
    (child, rx)
}

/// Every value of `topic`'s `partitions` partitions, read to the end with `isolation`.
fn read_all(env: &Env, topic: &str, partitions: i32, isolation: &str) -> Vec<String> {
    let c = Consumer::new(&env.config(&[("isolation.level", isolation), ("enable.partition.eof", "true")])).expect("consumer");
    let assignment: Vec<_> = (0..partitions).map(|p| TopicPartitionOffset::new(topic, p, Offset::Beginning)).collect();
    c.assign(&assignment).expect("assign");
    let (mut out, mut eof) = (Vec::new(), HashSet::new());
    let deadline = Instant::now() + T;
    while eof.len() < partitions as usize {
        assert!(Instant::now() < deadline, "no end of {topic} after {} records", out.len());
        match c.poll(Duration::from_millis(100)) {
            Some(Event::Message(m)) => out.push(String::from_utf8_lossy(m.value.as_deref().unwrap_or_default()).into_owned()),
            Some(Event::PartitionEof { partition, .. }) => {
                eof.insert(partition);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn killed_mid_stream_and_restarted_the_output_holds_each_input_exactly_once() {
    let env = Env::new(1);
    let input = env.topic("eos-in", 2);
    let output = env.topic("eos-out", 2);
    let (group, txn_id) = (unique("eos-g"), unique("eos-tx"));
    env.produce(&input, N);

    let (mut first, progress) = start(&env, &input, &output, &group, &txn_id);
    let deadline = Instant::now() + T;
    let mut committed = 0;
    while committed < N / 4 {
        assert!(Instant::now() < deadline, "the first instance committed only {committed}");
        if let Ok(n) = progress.recv_timeout(Duration::from_millis(100)) {
            committed = n;
        }
    }
    first.kill().expect("kill"); // SIGKILL: mid-transaction, no abort, no leave
    let _ = first.wait();
    assert!(committed < N, "killed before the end ({committed} of {N})");

    let (mut second, _progress) = start(&env, &input, &output, &group, &txn_id);
    let status = second.wait().expect("second instance");
    assert!(status.success(), "the second instance failed");

    // Kafka answers the last EndTxn in PrepareCommit and writes its markers a moment later.
    let deadline = Instant::now() + T;
    let mut got = read_all(&env, &output, 2, "read_committed");
    while got.len() < N && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        got = read_all(&env, &output, 2, "read_committed");
    }
    let distinct: HashSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), N, "every input record reached the output");
    assert_eq!(got.len(), N, "and none twice ({} records)", got.len());
    let expected: HashSet<String> = (0..N).map(|i| i.to_string()).collect();
    assert!(got.iter().all(|v| expected.contains(v)), "values are the input's");
}
