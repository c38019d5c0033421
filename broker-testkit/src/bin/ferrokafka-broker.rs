//! `ferrokafka-broker`: the testkit broker as a standalone server, for tests in other languages.
//!
//! ```text
//! ferrokafka-broker [--port P] [--brokers N] [--partitions P] [--no-auto-create] [--topic name:partitions]...
//!                   [--group-initial-rebalance-delay-ms N] [--log-cleaner-interval-ms N]
//! ```
//! The first line on stdout is the bootstrap string (every broker, comma-separated), flushed at
//! once; log lines go to stderr. Serves until SIGINT or SIGTERM; SIGUSR1 runs retention and
//! compaction on every partition at once (tests of compacted topics use it).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ferrokafka_testkit::Cluster;

const USAGE: &str = "usage: ferrokafka-broker [--port P] [--brokers N] [--partitions P] \
[--no-auto-create] [--topic name:partitions]... [--group-initial-rebalance-delay-ms N] \
[--log-cleaner-interval-ms N]
  --port P            port of the first broker (default 0: any free port)
  --brokers N         number of brokers, node ids 1..=N (default 1)
  --partitions P      partitions of auto-created topics (default 1)
  --no-auto-create    do not create unknown topics on Metadata/Produce
  --topic name:P      create a topic at start (repeatable)
  --group-initial-rebalance-delay-ms N
                      how long the first rebalance of an empty consumer group waits for more
                      members (default 0; Kafka's group.initial.rebalance.delay.ms)
  --log-cleaner-interval-ms N
                      how often retention and compaction run (default 300000; 0: only on SIGUSR1)
Prints the bootstrap address on the first line of stdout and serves until SIGINT/SIGTERM.
SIGUSR1 runs retention and compaction on every partition now.";

fn parse_args() -> Result<ferrokafka_testkit::ClusterBuilder, String> {
    let mut builder = Cluster::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        builder = match flag.as_str() {
            "--port" => builder.port(parse(&value("--port")?, "--port")?),
            "--brokers" => builder.brokers(parse(&value("--brokers")?, "--brokers")?),
            "--partitions" => builder.partitions(parse(&value("--partitions")?, "--partitions")?),
            "--no-auto-create" => builder.auto_create_topics(false),
            "--group-initial-rebalance-delay-ms" => {
                let flag = "--group-initial-rebalance-delay-ms";
                builder.initial_rebalance_delay(Duration::from_millis(parse(&value(flag)?, flag)?))
            }
            "--log-cleaner-interval-ms" => {
                let flag = "--log-cleaner-interval-ms";
                builder.log_cleaner_interval(Duration::from_millis(parse(&value(flag)?, flag)?))
            }
            "--topic" => {
                let spec = value("--topic")?;
                let (name, partitions) = match spec.rsplit_once(':') {
                    Some((name, p)) => (name.to_string(), parse(p, "--topic partitions")?),
                    None => (spec, -1),
                };
                builder.topic(&name, partitions)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        };
    }
    Ok(builder)
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{what}: invalid value {s:?}"))
}

/// Waits for SIGINT or SIGTERM; each SIGUSR1 meanwhile cleans every log.
async fn wait_for_signal(cluster: &Cluster) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    loop {
        tokio::select! {
            r = tokio::signal::ctrl_c() => return r,
            _ = term.recv() => return Ok(()),
            _ = usr1.recv() => {
                let stats = cluster.clean_logs();
                eprintln!(
                    "ferrokafka-broker: cleaned logs: {} batches deleted, {} records compacted",
                    stats.batches_deleted, stats.records_compacted
                );
            }
        }
    }
}

fn main() -> ExitCode {
    let builder = match parse_args() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("ferrokafka-broker: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let cluster = match builder.start() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ferrokafka-broker: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", cluster.bootstrap()).and_then(|_| stdout.flush()).is_err() {
        // Whoever started us stopped listening: keep serving anyway, they may still connect.
        eprintln!("ferrokafka-broker: could not write the bootstrap address to stdout");
    }
    drop(stdout);
    eprintln!("ferrokafka-broker: serving {} ({cluster:?})", cluster.bootstrap());
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| rt.block_on(wait_for_signal(&cluster)));
    if let Err(e) = signals {
        eprintln!("ferrokafka-broker: cannot wait for signals: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("ferrokafka-broker: stopping");
    drop(cluster);
    ExitCode::SUCCESS
}
