//! `ferrokafka -G` against the in-process testkit: kcat's balanced-consumer mode. The expected
//! stderr lines were taken from kcat 1.7.1 (librdkafka 2.0.2) against Kafka; member ids, which
//! the broker makes up, are replaced by `M`.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferrokafka_testkit::Cluster;

fn ferrokafka() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferrokafka"));
    c.env("HOME", "/nonexistent").env_remove("KCAT_CONFIG");
    c
}

/// Short heartbeats: a rebalance completes as soon as every member heard of it.
const QUICK: [&str; 4] = ["-X", "heartbeat.interval.ms=200", "-X", "session.timeout.ms=6000"];

/// How long any run of the CLI may take: a hang fails the test instead of stalling the suite.
const DEADLINE: Duration = Duration::from_secs(60);

/// What a finished run left.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs the CLI to its end.
fn run(args: &[&str]) -> Run {
    let mut m = Member::start(args);
    let code = m.wait();
    Run { code, stdout: m.stdout_bytes(), stderr: m.stderr_bytes() }
}

fn produce(bootstrap: &str, topic: &str, partition: i32, lines: &str) {
    let mut child = ferrokafka()
        .args(["-b", bootstrap, "-P", "-t", topic, "-p", &partition.to_string()])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run ferrokafka -P");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write stdin");
    assert!(child.wait().expect("wait").success(), "produce failed");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// stderr with member ids replaced by M and the end-of-partition lines (whose order is the
/// fetchers') sorted after the others.
fn normalized(stderr: &str) -> Vec<String> {
    let mut lines: Vec<String> = stderr
        .lines()
        .map(|l| match (l.find("(memberid "), l.find(')')) {
            (Some(a), Some(b)) if b > a => format!("{}(memberid M{}", &l[..a], &l[b..]),
            _ => l.to_string(),
        })
        .collect();
    lines.sort_by_key(|l| l.starts_with("% Reached end"));
    lines
}

fn sorted_lines(b: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = text(b).lines().map(str::to_string).collect();
    v.sort();
    v
}

/// A CLI running in the background, its output collected as it comes.
struct Member {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(mut pipe: impl Read + Send + 'static, into: &Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    let into = into.clone();
    std::thread::spawn(move || {
        let mut buf = [0; 8192];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            into.lock().expect("lock").extend_from_slice(&buf[..n]);
        }
    })
}

impl Member {
    fn start(args: &[&str]) -> Member {
        let mut child = ferrokafka()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ferrokafka");
        let (stdout, stderr) = (Arc::default(), Arc::default());
        let readers = vec![
            collect(child.stdout.take().expect("stdout"), &stdout),
            collect(child.stderr.take().expect("stderr"), &stderr),
        ];
        Member { child, stdout, stderr, readers }
    }

    fn stdout_bytes(&self) -> Vec<u8> {
        self.stdout.lock().expect("lock").clone()
    }

    fn stderr_bytes(&self) -> Vec<u8> {
        self.stderr.lock().expect("lock").clone()
    }

    /// The lines written to stdout so far, sorted.
    fn stdout(&self) -> Vec<String> {
        sorted_lines(&self.stdout_bytes())
    }

    fn stderr(&self) -> Vec<String> {
        text(&self.stderr_bytes()).lines().map(str::to_string).collect()
    }

    /// What the last rebalance line says: "assigned: t [0], t [1]" or "revoked: ...".
    fn last_rebalance(&self) -> Option<String> {
        let lines = self.stderr();
        let last = lines.iter().rev().find(|l| l.contains(" rebalanced "))?;
        let (_, what) = last.split_once("): ")?;
        Some(what.to_string())
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&Member) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok(self) {
            assert!(Instant::now() < deadline, "{what}; stderr: {:?}", self.stderr());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the exit (within [`DEADLINE`]) and for the last of its output: the exit code.
    fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "ferrokafka still runs after {DEADLINE:?}; stderr: {:?}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            r.join().expect("output reader");
        }
        status.code()
    }

    /// Sends a signal and waits for the exit: its code.
    fn stop(&mut self, signal: &str) -> Option<i32> {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().expect("kill").success());
        self.wait()
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // A failed test must not leave a consumer running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn reads_assigned_partitions_commits_and_resumes() {
    let c = Cluster::builder().topic("t", 3).start().expect("start testkit");
    let b = c.bootstrap();
    for p in 0..3 {
        produce(&b, "t", p, &format!("a{p}\nb{p}\n"));
    }
    let group = |extra: &[&str]| {
        let mut args = vec!["-b", &b, "-G", "g", "t", "-e", "-f", "%p %o %s\\n"];
        args.extend_from_slice(&QUICK);
        args.extend_from_slice(extra);
        run(&args)
    };

    // A new group starts at auto.offset.reset (end by default): only -o reads what is there.
    let out = group(&["-o", "beginning"]);
    assert_eq!(out.code, Some(0), "{}", text(&out.stderr));
    assert_eq!(
        sorted_lines(&out.stdout),
        ["0 0 a0", "0 1 b0", "1 0 a1", "1 1 b1", "2 0 a2", "2 1 b2"]
    );
    let stderr = normalized(&text(&out.stderr));
    assert_eq!(
        stderr[..3],
        [
            "% Waiting for group rebalance",
            "% Group g rebalanced (memberid M): assigned: t [0], t [1], t [2]",
            "% Group g rebalanced (memberid M): revoked: t [0], t [1], t [2]",
        ]
    );
    let mut eof: Vec<&str> = stderr[3..].iter().map(|l| l.trim_end_matches(": exiting")).collect();
    eof.sort();
    assert_eq!(
        eof,
        [
            "% Reached end of topic t [0] at offset 2",
            "% Reached end of topic t [1] at offset 2",
            "% Reached end of topic t [2] at offset 2",
        ]
    );
    assert_eq!(stderr.iter().filter(|l| l.ends_with(": exiting")).count(), 1, "{stderr:?}");

    // What was read was committed at close: the group resumes after it.
    produce(&b, "t", 1, "c1\n");
    let out = group(&[]);
    assert_eq!(out.code, Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1 2 c1\n");

    // kcat assigns at -o when given, whatever was committed.
    let out = group(&["-o", "-1", "-q"]);
    assert_eq!(sorted_lines(&out.stdout), ["0 1 b0", "1 2 c1", "2 1 b2"]);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn count_regex_and_json_broker() {
    let c = Cluster::builder()
        .brokers(3)
        .topic("re-a", 2)
        .topic("re-b", 2)
        .topic("other", 1)
        .start()
        .expect("start testkit");
    let b = c.bootstrap();
    for (t, p) in [("re-a", 0), ("re-a", 1), ("re-b", 0), ("re-b", 1), ("other", 0)] {
        produce(&b, t, p, &format!("{t}/{p}\n"));
    }
    let mut args = vec!["-b", &b, "-G", "rx", "^re-.*", "-o", "beginning", "-e", "-q", "-J"];
    args.extend_from_slice(&QUICK);
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", text(&out.stderr));
    // -J as -C prints it, the broker being each partition's leader.
    let mut from_c = Vec::new();
    for (t, p) in [("re-a", "0"), ("re-a", "1"), ("re-b", "0"), ("re-b", "1")] {
        let out = run(&["-b", &b, "-C", "-t", t, "-p", p, "-e", "-q", "-J"]);
        from_c.extend(sorted_lines(&out.stdout));
    }
    from_c.sort();
    assert_eq!(sorted_lines(&out.stdout), from_c);

    let mut args = vec!["-b", &b, "-G", "count", "re-a", "re-b", "-o", "beginning", "-c", "3"];
    args.extend_from_slice(&QUICK);
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    let stderr = normalized(&text(&out.stderr));
    assert_eq!(
        stderr.iter().rev().find(|l| l.contains(" rebalanced ")).map(String::as_str),
        Some("% Group count rebalanced (memberid M): revoked: re-a [0], re-a [1], re-b [0], re-b [1]"),
        "{stderr:?}"
    );
}

#[test]
fn two_members_share_a_topic_and_a_signal_closes_cleanly() {
    let c = Cluster::builder().topic("t", 4).start().expect("start testkit");
    let b = c.bootstrap();
    let mut args = vec!["-b", &b, "-G", "pair", "t", "-f", "%p %s\\n", "-X", "auto.offset.reset=earliest"];
    args.extend_from_slice(&QUICK);
    let all = "assigned: t [0], t [1], t [2], t [3]";
    let mut first = Member::start(&args);
    first.wait_for("first member assigned all", |m| m.last_rebalance().as_deref() == Some(all));
    let mut second = Member::start(&args);
    let half = |m: &Member| {
        m.last_rebalance()
            .is_some_and(|a| a == "assigned: t [0], t [1]" || a == "assigned: t [2], t [3]")
    };
    first.wait_for("first member has half", half);
    second.wait_for("second member has half", half);
    assert_ne!(first.last_rebalance(), second.last_rebalance());
    // Eager: everything is given back before the group assigns anew.
    assert!(
        normalized(&first.stderr().join("\n"))
            .contains(&"% Group pair rebalanced (memberid M): revoked: t [0], t [1], t [2], t [3]".into()),
        "{:?}",
        first.stderr()
    );

    // Each reads what its partitions get.
    for p in 0..4 {
        produce(&b, "t", p, &format!("m{p}\n"));
    }
    let own = |m: &Member| -> Vec<String> {
        let a = m.last_rebalance().unwrap_or_default();
        (0..4)
            .filter(|p| a.contains(&format!("[{p}]")))
            .map(|p| format!("{p} m{p}"))
            .collect()
    };
    let (first_half, second_half) = (own(&first), own(&second));
    first.wait_for("first member read its half", |m| m.stdout() == first_half);
    second.wait_for("second member read its half", |m| m.stdout() == second_half);

    // A signal closes: the assignment is revoked (and said so), what was read committed, the
    // group left, so the first member gets every partition and reads nothing again.
    let revoke = second.last_rebalance().map(|a| a.replace("assigned", "revoked"));
    assert_eq!(second.stop("-TERM"), Some(0), "{:?}", second.stderr());
    assert_eq!(second.last_rebalance(), revoke);
    first.wait_for("first member has all again", |m| m.last_rebalance().as_deref() == Some(all));
    produce(&b, "t", 0, "late\n");
    first.wait_for("first member read the new message", |m| m.stdout().len() == first_half.len() + 1);
    std::thread::sleep(Duration::from_millis(500)); // a message read twice would show now
    assert_eq!(first.stop("-INT"), Some(0));
    let mut want = first_half.clone();
    want.push("0 late".into());
    want.sort();
    assert_eq!(first.stdout(), want);
    assert_eq!(first.last_rebalance().as_deref(), Some("revoked: t [0], t [1], t [2], t [3]"));
}

#[test]
fn errors_like_kcat() {
    let c = Cluster::builder()
        .auto_create_topics(false)
        .topic("t", 1)
        .start()
        .expect("start testkit");
    let b = c.bootstrap();
    let out = run(&["-b", &b, "-G", "g", "nosuch", "-q"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        text(&out.stderr),
        "% ERROR: Topic nosuch [0] error: Subscribed topic not available: nosuch: Broker: Unknown topic or partition\n"
    );
    // Nothing listens on port 1. As with kcat, librdkafka's logger also prints the failed
    // connects ("%3|<time>|FAIL|..."): those lines are checked apart.
    let out = run(&["-b", "127.0.0.1:1", "-G", "g", "t"]);
    assert_eq!(out.code, Some(1));
    let stderr = text(&out.stderr);
    let (logs, said): (Vec<&str>, Vec<&str>) = stderr.lines().partition(|l| l.starts_with("%3|"));
    assert_eq!(
        said,
        ["% Waiting for group rebalance", "% ERROR: Local: All broker connections are down: 1/1 brokers are down: terminating"]
    );
    assert!(logs.iter().any(|l| l.contains("|FAIL|") && l.contains("127.0.0.1:1")), "{stderr}");
}
