//! The `ferrokafka` binary against the in-process testkit broker: what kcat scripts rely on
//! (output formats, exit codes, error lines). Exact comparisons with kcat itself are in
//! tests/interop/cli/cross.sh; the expected texts here were taken from kcat 1.7.1.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use ferrokafka_testkit::Cluster;

fn cluster(partitions: i32) -> Cluster {
    Cluster::builder()
        .partitions(partitions)
        .start()
        .expect("start testkit")
}

/// Runs the CLI with `args`, feeding `stdin`.
fn cli(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrokafka"))
        .args(args)
        .env("HOME", "/nonexistent") // no ~/.config/kcat.conf
        .env_remove("KCAT_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ferrokafka");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for ferrokafka")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Consumes every partition in turn, so the output order is deterministic.
fn consume_all(bootstrap: &str, topic: &str, partitions: i32, extra: &[&str]) -> String {
    let mut all = String::new();
    for p in 0..partitions {
        let p = p.to_string();
        let mut args = vec!["-b", bootstrap, "-C", "-t", topic, "-p", &p, "-e", "-q"];
        args.extend_from_slice(extra);
        let out = cli(&args, b"");
        assert!(out.status.success(), "consume failed: {}", text(&out.stderr));
        all.push_str(&text(&out.stdout));
    }
    all
}

#[test]
fn produce_then_consume_keys_values_headers() {
    let c = cluster(3);
    let b = c.bootstrap();
    let input = "k1\tv1\nk2\tv2\n\n\tempty key\nk3\t\nno key\nlast\tline";
    let out = cli(
        &[
            "-b", &b, "-P", "-t", "kv", "-K", "\\t", "-H", "a=1", "-H", "n", "-H", "e=",
        ],
        input.as_bytes(),
    );
    assert!(out.status.success(), "produce failed: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");

    let got = consume_all(&b, "kv", 3, &["-f", "%k|%s|%K|%S|%h\\n"]);
    let mut lines: Vec<&str> = got.lines().collect();
    lines.sort();
    // The empty line is skipped, as kcat does; the last line needs no delimiter.
    assert_eq!(
        lines,
        [
            "k1|v1|2|2|a=1,n=NULL,e=",
            "k2|v2|2|2|a=1,n=NULL,e=",
            "k3||2|0|a=1,n=NULL,e=",
            "last|line|4|4|a=1,n=NULL,e=",
            "|empty key|0|9|a=1,n=NULL,e=",
            "|no key|-1|6|a=1,n=NULL,e=",
        ]
    );
}

#[test]
fn murmur2_random_by_default_and_consistent_random_on_request() {
    let c = cluster(3);
    let b = c.bootstrap();
    // librdkafka's vectors for 3 partitions: murmur2 "foo" -> 2, "bar" -> 0, "kafka" -> 1.
    let out = cli(&["-b", &b, "-P", "-t", "m2", "-K", ":"], b"foo:1\nbar:2\nkafka:3\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(consume_all(&b, "m2", 3, &["-f", "%p %k\\n"]), "0 bar\n1 kafka\n2 foo\n");
    let out = cli(
        &[
            "-b",
            &b,
            "-P",
            "-t",
            "crc",
            "-K",
            ":",
            "-X",
            "partitioner=consistent_random",
        ],
        b"foo:1\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn json_envelope_like_kcat() {
    let c = cluster(1);
    let b = c.bootstrap();
    let out = cli(
        &["-b", &b, "-P", "-t", "j", "-K", ":", "-H", "h\"1=v"],
        b"k:q\"uo\\te\x01\nnokey\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = consume_all(&b, "j", 1, &["-J"]);
    let lines: Vec<String> = got
        .lines()
        .map(|l| {
            // The timestamp is the producer's clock: check its shape, then drop it.
            let at = l.find(",\"ts\":").expect("ts");
            let end = at + 6 + l[at + 6..].find(',').expect("ts end");
            assert!(l[at + 6..end].parse::<i64>().is_ok(), "{l}");
            format!("{}{}", &l[..at], &l[end..])
        })
        .collect();
    assert_eq!(
        lines,
        [
            r#"{"topic":"j","partition":0,"offset":0,"tstype":"create","broker":1,"headers":["h\"1","v"],"key":"k","payload":"q\"uo\\te\u0001"}"#,
            r#"{"topic":"j","partition":0,"offset":1,"tstype":"create","broker":1,"headers":["h\"1","v"],"key":null,"payload":"nokey"}"#,
        ]
    );
}

#[test]
fn metadata_listing_like_kcat() {
    let c = Cluster::builder().topic("t", 2).start().expect("start testkit");
    let b = c.bootstrap();
    let out = cli(&["-b", &b, "-L"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Metadata for all topics (from broker 1: {b}/1):\n 1 brokers:\n  broker 1 at {b} (controller)\n 1 topics:\n  \
             topic \"t\" with 2 partitions:\n    partition 0, leader 1, replicas: 1, isrs: 1\n    \
             partition 1, leader 1, replicas: 1, isrs: 1\n"
        )
    );
    let out = cli(&["-b", &b, "-L", "-t", "t", "-J"], b"");
    assert_eq!(
        text(&out.stdout),
        format!(
            "{{\"originating_broker\":{{\"id\":1,\"name\":\"{b}/1\"}},\"query\":{{\"topic\":\"t\"}},\"controllerid\":1,\
             \"brokers\":[{{\"id\":1,\"name\":\"{b}\"}}],\"topics\":[{{\"topic\":\"t\",\"partitions\":[\
             {{\"partition\":0,\"leader\":1,\"replicas\":[{{\"id\":1}}],\"isrs\":[{{\"id\":1}}]}},\
             {{\"partition\":1,\"leader\":1,\"replicas\":[{{\"id\":1}}],\"isrs\":[{{\"id\":1}}]}}]}}]}}"
        )
    );
}

#[test]
fn offsets_counts_and_eof() {
    let c = cluster(1);
    let b = c.bootstrap();
    let input: String = (0..10).map(|i| format!("m{i}\n")).collect();
    assert!(cli(&["-b", &b, "-P", "-t", "o"], input.as_bytes()).status.success());

    let run = |extra: &[&str]| {
        let mut args = vec!["-b", b.as_str(), "-C", "-t", "o", "-f", "%o:%s "];
        args.extend_from_slice(extra);
        let out = cli(&args, b"");
        (text(&out.stdout), text(&out.stderr), out.status.code())
    };
    assert_eq!(run(&["-o", "8", "-e", "-q"]).0, "8:m8 9:m9 ");
    assert_eq!(run(&["-o", "-2", "-e", "-q"]).0, "8:m8 9:m9 ");
    assert_eq!(run(&["-o", "end", "-e", "-q"]).0, "");
    assert_eq!(run(&["-c", "3", "-q"]).0, "0:m0 1:m1 2:m2 ");
    // EOF is reported on stderr unless -q; with -e the last one says it exits.
    let (out, err, code) = run(&["-o", "9", "-e"]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("9:m9 ", "% Reached end of topic o [0] at offset 10: exiting\n", Some(0))
    );

    let out = cli(&["-b", &b, "-Q", "-t", "o:0:-1"], b"");
    assert_eq!(text(&out.stdout), "o [0] offset 10\n");
    let out = cli(&["-b", &b, "-Q", "-t", "o:0:1", "-J"], b"");
    assert_eq!(
        text(&out.stdout),
        r#"{"o":{"topic":"o","0":{"partition":0,"offset":0}}}"#
    );
}

#[test]
fn errors_like_kcat() {
    let c = Cluster::builder()
        .auto_create_topics(false)
        .topic("t", 2)
        .start()
        .expect("start testkit");
    let b = c.bootstrap();
    let err = |args: &[&str]| {
        let out = cli(args, b"");
        (text(&out.stderr), out.status.code())
    };
    assert_eq!(
        err(&["-b", &b, "-C", "-t", "nosuch", "-e"]),
        (
            "% ERROR: Topic nosuch error: Broker: Unknown topic or partition\n".into(),
            Some(1)
        )
    );
    assert_eq!(
        err(&["-b", &b, "-C", "-t", "t", "-p", "5"]),
        (
            "% ERROR: Topic t (with partitions 0..1): partition 5 does not exist\n".into(),
            Some(1)
        )
    );
    assert_eq!(
        err(&["-b", &b, "-C", "-t", "t", "-f", "%x"]),
        ("% ERROR: Unsupported formatter: %x\n".into(), Some(1))
    );
    assert_eq!(
        err(&["-b", &b, "-L", "-X", "foo=bar"]),
        ("% ERROR: No such configuration property: \"foo\"\n".into(), Some(1))
    );
    assert_eq!(
        err(&["-b", &b, "-C", "-P", "-t", "t"]),
        (
            "% ERROR: Do not mix modes: -P seen when -C already set\n".into(),
            Some(1)
        )
    );
    let (stderr, code) = err(&["-C", "-t", "t"]);
    assert!(
        stderr.starts_with("Error: -b <broker,..> missing\n\nUsage: "),
        "{stderr}"
    );
    assert_eq!(code, Some(1));
    let (stderr, code) = err(&["-b", &b, "-C"]);
    assert!(stderr.starts_with("Error: -t <topic> missing\n\n"), "{stderr}");
    assert_eq!(code, Some(1));
    // kcat's messages end in a newline of their own, hence the empty line.
    assert_eq!(
        err(&["-b", &b, "-G", "g"]),
        (
            "% ERROR: Failed to subscribe to 0 topics: Local: Invalid argument or configuration\n\n".into(),
            Some(1)
        )
    );
    assert_eq!(
        err(&["-b", &b, "-G", "g", "t", "-o", "s@5"]),
        (
            "% ERROR: -o ..@ timestamps can't be used with -G mode\n\n".into(),
            Some(1)
        )
    );
}

#[test]
fn delivery_failures_are_reported_and_fail_the_run() {
    let c = Cluster::builder().topic("t", 1).start().expect("start testkit");
    let b = c.bootstrap();
    // 87 INVALID_RECORD is not retriable: every record of the batch fails.
    c.fail_next_produce(1, 87);
    let out = cli(&["-b", &b, "-P", "-t", "t", "-p", "0"], b"a\nb\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "% Delivery failed for message: Broker: Broker failed to validate record\n".repeat(2)
    );
}

/// `ferrokafka -L` against a broker whose answers lie (impossible array counts, truncated
/// frames, gigabyte length prefixes, absurd partition ids), under a 1 GiB address-space limit
/// as a new user's shell might have: a clear error line and an exit code, never a signal.
#[test]
fn metadata_from_a_hostile_broker_ends_in_a_clear_error() {
    use ferrokafka_testkit::hostile::{Hostile, HostileBroker};
    use std::os::unix::process::ExitStatusExt;
    for case in Hostile::ALL {
        let broker = HostileBroker::start(case).expect("start hostile broker");
        let bootstrap = broker.bootstrap();
        let out = Command::new("sh")
            .args(["-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_ferrokafka"))
            .args(["-L", "-v", "-b", &bootstrap, "-m", "3", "-X", "socket.timeout.ms=2000", "-X", "api.version.request.timeout.ms=2000"])
            .env("HOME", "/nonexistent")
            .env_remove("KCAT_CONFIG")
            .stdin(Stdio::null())
            .output()
            .expect("run ferrokafka");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.signal(), None, "{case:?}: killed by a signal; stderr: {stderr}");
        assert!(!stderr.contains("memory allocation"), "{case:?}: {stderr}");
        if case == Hostile::AbsurdPartitionIds {
            // The answer decodes; the ids it names size nothing.
            assert!(out.status.success() && stdout.contains("hostile"), "{case:?}: {stdout}{stderr}");
        } else {
            assert!(!out.status.success(), "{case:?}: succeeded against a lying broker: {stdout}");
            assert!(stderr.contains("ERROR"), "{case:?}: no error line: {stderr}");
        }
    }
}
