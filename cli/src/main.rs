//! `ferrokafka`: a kcat-compatible command-line Kafka client on the ferrokafka core.
//!
//! Same flags, same output, same exit codes as kcat 1.7 (checked side by side against kcat
//! 1.7.1 / librdkafka 2.0.2), so scripts written for kcat keep working. Deliberate differences:
//! the default partitioner is the core's `murmur2_random` (`-X partitioner=consistent_random`
//! gives kcat's), nothing of librdkafka's own logging is reproduced, and `-G` counts partitions at
//! their end afresh at each rebalance (see `group`).
//!
//! Beyond kcat: `ferrokafka topics|groups|records ...`, the admin commands (`admin`).
//!
//! Files: `admin` (admin commands) | `args` (getopt and properties) | `escapes` (kcat's escape dialects) | `format` (`-f`,
//! `-J`) | `produce` (`-P`) | `consume` (`-C`, and what `-G` shares) | `group` (`-G`) | `metadata`
//! (`-L`) | `query` (`-Q`) | `signals`.

mod admin;
mod args;
mod consume;
mod escapes;
mod format;
mod group;
mod metadata;
mod produce;
mod query;
mod signals;

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};

use ferrokafka::config::{property, Kind, Scope, PROPERTIES};
use ferrokafka::ClientConfig;

use args::{Mode, Options, Parsed, Source};

/// How a run ends other than normally.
#[derive(Debug)]
pub enum Failure {
    /// kcat's `KC_FATAL`: `% ERROR: <message>` on stderr, exit code 1.
    Fatal(String),
    /// kcat's `usage()` with a reason: the reason and the usage text on stderr, exit code 1.
    Usage(String),
    /// Exit with this code; whatever had to be said was said.
    Exit(u8),
}

static VERBOSITY: AtomicI32 = AtomicI32::new(1);

pub fn verbosity() -> i32 {
    VERBOSITY.load(Ordering::Relaxed)
}

pub fn set_verbosity(v: i32) {
    VERBOSITY.store(v, Ordering::Relaxed)
}

/// kcat's `KC_INFO(level, ...)`: `% ` and the message on stderr when verbosity >= level.
#[macro_export]
macro_rules! info {
    ($level:expr, $($arg:tt)*) => {
        if $crate::verbosity() >= $level {
            eprint!("% {}", format_args!($($arg)*));
        }
    };
}

/// librdkafka's default logger, which kcat keeps: log lines go to stderr as they happen (the
/// library itself never writes there; this is the embedding's choice).
pub fn log_to_stderr(events: &ferrokafka::EventQueue, config: &ferrokafka::ClientConfig) {
    let name = config.common().map(|c| c.client_id).unwrap_or_else(|_| "rdkafka".into());
    events.set_log_handler(Some(ferrokafka::events::stderr_logger(&name)));
}

/// `strerror()`'s text for an I/O error (Rust's Display adds " (os error N)").
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(at) => s[..at].to_string(),
        None => s,
    }
}

/// The core's full account of an error (kcat's messages only carry librdkafka's short text).
pub fn explain(e: &ferrokafka::Error) {
    info!(2, "{e}\n");
}

/// What kcat says when a metadata request fails: librdkafka reports an unreachable cluster as
/// a transport failure there, where the core says all brokers are down.
pub fn metadata_error_text(e: &ferrokafka::Error) -> &'static str {
    explain(e);
    match e.kind {
        ferrokafka::ErrorKind::AllBrokersDown => ferrokafka::ErrorKind::Transport.description(),
        kind => kind.description(),
    }
}

pub fn version_banner() -> String {
    let v = env!("CARGO_PKG_VERSION");
    format!(
        "ferrokafka - Apache Kafka producer and consumer tool (kcat 1.7 compatible)\n\
         Version {v} (JSON, ferrokafka {v} builtin.features=gzip,snappy,lz4,zstd)\n\n"
    )
}

/// `-X list`: every property the core accepts.
pub fn properties_list() -> String {
    let mut s = format!(
        "{:<40} | {:<3} | {:<24} | {:>13} | Description\n",
        "Property", "C/P", "Range", "Default"
    );
    s.push_str(&format!(
        "{:-<40}-|-----|-{:-<24}-|-{:-<13}-|-{:-<20}\n",
        "", "", "", ""
    ));
    for p in PROPERTIES {
        let scope = match p.scope {
            Scope::Producer => "P",
            Scope::Consumer => "C",
            Scope::Both => "*",
        };
        let range = match p.kind {
            Kind::Int { min, max } => format!("{min} .. {max}"),
            Kind::Float { min, max } => format!("{min} .. {max}"),
            Kind::Bool => "true, false".into(),
            Kind::Enum(v) | Kind::Flags(v) => v.join(", "),
            Kind::String | Kind::Brokers => String::new(),
        };
        s.push_str(&format!(
            "{:<40} | {scope:<3} | {range:<24} | {:>13} | {}\n",
            p.name,
            p.default.unwrap_or(""),
            p.doc
        ));
        for alias in p.aliases {
            s.push_str(&format!(
                "{alias:<40} | {scope:<3} | {:<24} | {:>13} | Alias for `{}`\n",
                "", "", p.name
            ));
        }
    }
    s
}

/// Applies the properties in kcat's order; `topic.X` means X when X is a property, as kcat
/// tries the topic configuration first.
fn build_config(opts: &Options) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new();
    for (name, value, source) in &opts.properties {
        let key = match name.strip_prefix("topic.") {
            Some(stripped) if property(stripped).is_some() => stripped,
            _ => name.as_str(),
        };
        if let Err(e) = config.set(key, value) {
            return Err(Failure::Fatal(match source {
                Source::CommandLine => e.message,
                Source::File { path, line } => format!("{path}:{line}: {}\n", e.message),
            }));
        }
    }
    Ok(config)
}

fn run() -> Result<i32, Failure> {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    // kcat's flags all start with '-': a leading word is an admin command.
    if argv.first().is_some_and(|a| a == "ferrokafka" || a == "kcat") && argv.get(1).is_some_and(|a| admin::COMMANDS.iter().any(|c| a == *c)) {
        argv.remove(0);
    }
    if argv.first().is_some_and(|a| admin::COMMANDS.iter().any(|c| a == *c)) {
        return admin::run(argv);
    }
    let opts = match args::parse(argv)? {
        Parsed::Run(opts) => opts,
        Parsed::Print(text) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            return Ok(0);
        }
    };
    let config = build_config(&opts)?;
    if opts.dump_config {
        let mut s = String::from("# Global config\n");
        for (k, v) in config.dump() {
            s.push_str(&format!("{k} = {v}\n"));
        }
        // kcat's layout: the default topic config (topic properties set on the client) after it.
        s.push_str("\n# Topic config\n");
        for (k, v) in config.default_topic_config().dump() {
            s.push_str(&format!("{k} = {v}\n"));
        }
        s.push('\n');
        print!("{s}");
        return Ok(0);
    }
    match opts.mode {
        Mode::Produce => {
            signals::install();
            produce::run(&opts, &config)
        }
        Mode::Consume => {
            signals::install();
            consume::run(&opts, &config)
        }
        Mode::List => metadata::run(&opts, &config),
        Mode::Group => {
            signals::install();
            group::run(&opts, &config)
        }
        Mode::Query => query::run(&opts, &config),
    }
}

fn main() -> ExitCode {
    let code = match run() {
        Ok(code) => code,
        Err(Failure::Fatal(message)) => {
            let _ = std::io::stdout().flush();
            eprintln!("% ERROR: {message}");
            1
        }
        Err(Failure::Usage(reason)) => {
            eprint!("Error: {reason}\n\n{}", args::usage_text());
            1
        }
        Err(Failure::Exit(code)) => i32::from(code),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
