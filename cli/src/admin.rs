//! The admin commands: the everyday jobs of kafka-topics.sh and kafka-consumer-groups.sh, which
//! kcat lacks, in kcat's terse style (`-J` for JSON).
//!
//! ```text
//! ferrokafka topics create NAME... [--partitions N] [--replication-factor R] [--config K=V]...
//!                                   [--replica-assignment 1:2,2:3,...] [--validate-only]
//! ferrokafka topics delete NAME...
//! ferrokafka topics describe [NAME...]
//! ferrokafka topics alter NAME [--partitions N] [--config K=V]... [--delete-config K]... [--validate-only]
//! ferrokafka groups list [--state STATE]...
//! ferrokafka groups describe GROUP...
//! ferrokafka groups delete GROUP...
//! ferrokafka groups reset GROUP (--topic T[:P,P...]... | --all-topics)
//!            (--to-earliest | --to-latest | --to-offset N | --to-datetime T | --shift-by N) [--execute]
//! ferrokafka records delete TOPIC:PARTITION:OFFSET...
//! ```
//! Every command takes `-b brokers`, `-X prop=value`, `-F file`, `-J`, `-m seconds` (the timeout,
//! default 30) and `-q`. `groups reset` is a dry run unless `--execute` is given, as Kafka's tool.
//! Exit status 1 when any resource failed (each failure on stderr, the others still done).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use ferrokafka::blocking::AdminClient;
use ferrokafka::client::admin::{offset_spec, AdminOptions, AlterConfigOp, ConfigResource, ConfigSource};
use ferrokafka::{ClientConfig, NewPartitions, NewTopic};

use crate::Failure;

pub const COMMANDS: &[&str] = &["topics", "groups", "records"];

pub const USAGE: &str = "Admin commands (kafka-topics.sh and kafka-consumer-groups.sh jobs):
  ferrokafka topics create NAME... [--partitions N] [--replication-factor R] [--config K=V]...
                                    [--replica-assignment 1:2,2:3,...] [--validate-only]
  ferrokafka topics delete NAME...
  ferrokafka topics describe [NAME...]
  ferrokafka topics alter NAME [--partitions N] [--config K=V]... [--delete-config K]... [--validate-only]
  ferrokafka groups list [--state STATE]...
  ferrokafka groups describe GROUP...
  ferrokafka groups delete GROUP...
  ferrokafka groups reset GROUP (--topic T[:P,P...]... | --all-topics)
             (--to-earliest | --to-latest | --to-offset N | --to-datetime T | --shift-by N) [--execute]
  ferrokafka records delete TOPIC:PARTITION:OFFSET...   (OFFSET -1: up to the end)
Common options: -b <brokers>  -X <prop=value>  -F <config file>  -J (JSON)  -m <timeout s, default 30>  -q
groups reset only shows the new offsets unless --execute is given. --to-datetime takes ms since
the epoch or YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM|-HH:MM] (no zone: UTC).
";

struct Args {
    command: String,
    verb: String,
    names: Vec<String>,
    properties: Vec<(String, String)>,
    json: bool,
    timeout: Duration,
    /// Long options: name -> values, in order.
    long: BTreeMap<String, Vec<String>>,
}

impl Args {
    fn one(&self, name: &str) -> Option<&str> {
        self.long.get(name).and_then(|v| v.last()).map(String::as_str)
    }

    fn all(&self, name: &str) -> &[String] {
        self.long.get(name).map_or(&[], Vec::as_slice)
    }

    fn flag(&self, name: &str) -> bool {
        self.long.contains_key(name)
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Failure> {
        self.one(name)
            .map(|v| v.parse().map_err(|_| Failure::Usage(format!("--{name}: {v:?} is not a valid number"))))
            .transpose()
    }
}

/// Long options that take a value; the others are flags.
const VALUED: &[&str] = &[
    "partitions",
    "replication-factor",
    "config",
    "delete-config",
    "replica-assignment",
    "state",
    "topic",
    "to-offset",
    "to-datetime",
    "shift-by",
];
const FLAGS: &[&str] = &["validate-only", "all-topics", "to-earliest", "to-latest", "execute", "dry-run"];

fn parse(args: Vec<OsString>) -> Result<Args, Failure> {
    let mut it = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    let command = it.next().unwrap_or_default();
    let verb = it.next().ok_or_else(|| Failure::Usage(format!("{command}: which command? (see -h)")))?;
    let mut a = Args { command, verb, names: Vec::new(), properties: Vec::new(), json: false, timeout: Duration::from_secs(30), long: BTreeMap::new() };
    let mut brokers = None;
    while let Some(arg) = it.next() {
        let mut value = |what: &str| it.next().ok_or_else(|| Failure::Usage(format!("{what} needs a value")));
        match arg.as_str() {
            "-b" => brokers = Some(value("-b")?),
            "-X" => {
                let v = value("-X")?;
                let (k, val) = v.split_once('=').ok_or_else(|| Failure::Usage(format!("-X expects property=value, not {v:?}")))?;
                a.properties.push((k.to_string(), val.to_string()));
            }
            "-F" => {
                let path = value("-F")?;
                for (k, v, _) in crate::args::read_config_file(&path, true)? {
                    a.properties.push((k, v));
                }
            }
            "-J" => a.json = true,
            "-q" => crate::set_verbosity(0),
            "-m" => {
                let v = value("-m")?;
                let secs: u64 = v.parse().map_err(|_| Failure::Usage(format!("-m: {v:?} is not a number of seconds")))?;
                a.timeout = Duration::from_secs(secs.max(1));
            }
            long if long.starts_with("--") => {
                let (name, inline) = match long[2..].split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (long[2..].to_string(), None),
                };
                if VALUED.contains(&name.as_str()) {
                    let v = match inline {
                        Some(v) => v,
                        None => value(long)?,
                    };
                    a.long.entry(name).or_default().push(v);
                } else if FLAGS.contains(&name.as_str()) {
                    a.long.entry(name).or_default();
                } else {
                    return Err(Failure::Usage(format!("unknown option {long}")));
                }
            }
            other if other.starts_with('-') && other.len() > 1 => return Err(Failure::Usage(format!("unknown option {other}"))),
            name => a.names.push(name.to_string()),
        }
    }
    if let Some(b) = brokers {
        a.properties.insert(0, ("bootstrap.servers".into(), b));
    }
    if !a.properties.iter().any(|(k, _)| k == "bootstrap.servers" || k == "metadata.broker.list") {
        return Err(Failure::Usage("-b <broker,..> missing".into()));
    }
    Ok(a)
}

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return Ok(0);
    }
    // Usage errors show this usage, not kcat's.
    let a = parse(args).map_err(|f| match f {
        Failure::Usage(reason) => {
            eprint!("Error: {reason}\n\n{USAGE}");
            Failure::Exit(1)
        }
        other => other,
    })?;
    run_parsed(&a).map_err(|f| match f {
        Failure::Usage(reason) => {
            eprint!("Error: {reason}\n\n{USAGE}");
            Failure::Exit(1)
        }
        other => other,
    })
}

fn run_parsed(a: &Args) -> Result<i32, Failure> {
    let mut config = ClientConfig::new();
    for (k, v) in &a.properties {
        config.set(k, v).map_err(|e| Failure::Fatal(e.message))?;
    }
    let admin = AdminClient::new(&config).map_err(|e| Failure::Fatal(format!("Failed to create admin client: {}", e.message)))?;
    crate::log_to_stderr(admin.events(), &config);
    let mut out = Output { json: a.json, text: String::new(), items: Vec::new(), failed: false };
    match (a.command.as_str(), a.verb.as_str()) {
        ("topics", "create") => topics_create(&admin, a, &mut out)?,
        ("topics", "delete") => topics_delete(&admin, a, &mut out)?,
        ("topics", "describe") => topics_describe(&admin, a, &mut out)?,
        ("topics", "alter") => topics_alter(&admin, a, &mut out)?,
        ("groups", "list") => groups_list(&admin, a, &mut out)?,
        ("groups", "describe") => groups_describe(&admin, a, &mut out)?,
        ("groups", "delete") => groups_delete(&admin, a, &mut out)?,
        ("groups", "reset") => groups_reset(&admin, a, &mut out)?,
        ("records", "delete") => records_delete(&admin, a, &mut out)?,
        (c, v) => return Err(Failure::Usage(format!("unknown command {c} {v}"))),
    }
    out.finish()
}

/// What a command prints: text lines, or JSON items (an array), plus whether anything failed.
struct Output {
    json: bool,
    text: String,
    items: Vec<String>,
    failed: bool,
}

impl Output {
    fn error(&mut self, what: &str, e: &ferrokafka::Error) {
        self.failed = true;
        if e.message.contains(what) {
            eprintln!("% ERROR: {}", e.message);
        } else {
            eprintln!("% ERROR: {what}: {}", e.message);
        }
    }

    fn finish(self) -> Result<i32, Failure> {
        let mut stdout = std::io::stdout().lock();
        let body = if self.json { format!("[{}]\n", self.items.join(",")) } else { self.text };
        stdout.write_all(body.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Failure::Fatal(format!("Output write error: {}", crate::strerror(&e))))?;
        Ok(i32::from(self.failed))
    }
}

/// A JSON string literal.
fn js(s: &str) -> String {
    let mut v = Vec::new();
    let _ = crate::format::json_string(&mut v, s.as_bytes());
    String::from_utf8_lossy(&v).into_owned()
}

fn js_error(r: &ferrokafka::Result<()>) -> String {
    match r {
        Ok(()) => "null".into(),
        Err(e) => js(&e.message),
    }
}

fn need_names(a: &Args, what: &str) -> Result<(), Failure> {
    if a.names.is_empty() {
        return Err(Failure::Usage(format!("{} {}: name at least one {what}", a.command, a.verb)));
    }
    Ok(())
}

fn options(a: &Args) -> AdminOptions {
    AdminOptions::from(a.timeout).validate_only(a.flag("validate-only"))
}

fn configs(a: &Args) -> Result<Vec<(String, String)>, Failure> {
    a.all("config")
        .iter()
        .map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| Failure::Usage(format!("--config expects K=V, not {kv:?}"))))
        .collect()
}

fn fail_all(e: ferrokafka::Error) -> Failure {
    Failure::Fatal(e.message)
}

fn topics_create(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    need_names(a, "topic")?;
    let mut template = NewTopic::new("", a.number("partitions")?.unwrap_or(-1), a.number("replication-factor")?.unwrap_or(-1));
    template.config = configs(a)?;
    if let Some(spec) = a.one("replica-assignment") {
        let replicas = spec
            .split(',')
            .map(|p| p.split(':').map(|b| b.trim().parse::<i32>()).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Failure::Usage(format!("--replica-assignment: {spec:?} is not broker ids like 1:2,2:3")))?;
        template = template.with_replica_assignment(replicas);
    }
    let topics: Vec<NewTopic> = a.names.iter().map(|n| NewTopic { name: n.clone(), ..template.clone() }).collect();
    let verb = if a.flag("validate-only") { "Validated topic" } else { "Created topic" };
    for (name, r) in admin.create_topics(&topics, options(a)).map_err(fail_all)? {
        report(out, &name, verb, &r);
    }
    Ok(())
}

/// One line (or JSON item) per resource of a change.
fn report(out: &mut Output, name: &str, verb: &str, r: &ferrokafka::Result<()>) {
    out.items.push(format!("{{\"name\":{},\"error\":{}}}", js(name), js_error(r)));
    match r {
        Ok(()) => {
            let _ = writeln!(out.text, "{verb} {name:?}.");
        }
        Err(e) => out.error(name, e),
    }
}

fn topics_delete(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    need_names(a, "topic")?;
    for (name, r) in admin.delete_topics(&a.names, options(a)).map_err(fail_all)? {
        report(out, &name, "Deleted topic", &r);
    }
    Ok(())
}

fn topics_alter(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    let [name] = a.names.as_slice() else {
        return Err(Failure::Usage("topics alter: name exactly one topic".into()));
    };
    let mut ops: Vec<AlterConfigOp> = configs(a)?.into_iter().map(|(k, v)| AlterConfigOp::Set(k, v)).collect();
    ops.extend(a.all("delete-config").iter().map(|k| AlterConfigOp::Delete(k.clone())));
    let partitions: Option<i32> = a.number("partitions")?;
    if ops.is_empty() && partitions.is_none() {
        return Err(Failure::Usage("topics alter: give --partitions, --config or --delete-config".into()));
    }
    let mut result = Ok(());
    if let Some(count) = partitions {
        let r = admin.create_partitions(&[NewPartitions::new(name, count)], options(a)).map_err(fail_all)?;
        result = r.into_iter().next().map_or(Ok(()), |(_, r)| r);
    }
    if result.is_ok() && !ops.is_empty() {
        let r = admin.incremental_alter_configs(&[(ConfigResource::topic(name), ops)], options(a)).map_err(fail_all)?;
        result = r.into_iter().next().map_or(Ok(()), |(_, r)| r);
    }
    report(out, name, if a.flag("validate-only") { "Validated topic" } else { "Altered topic" }, &result);
    Ok(())
}

fn topics_describe(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    let names = if a.names.is_empty() {
        let md = admin.metadata(None, a.timeout).map_err(fail_all)?;
        let mut all: Vec<String> = md.topics.into_iter().filter(|t| !t.is_internal).map(|t| t.name).collect();
        all.sort();
        all
    } else {
        a.names.clone()
    };
    let described = admin.describe_topics(&names, a.timeout).map_err(fail_all)?;
    let resources: Vec<ConfigResource> = names.iter().map(ConfigResource::topic).collect();
    let configs = admin.describe_configs(&resources, a.timeout).map_err(fail_all)?;
    for ((name, topic), (_, conf)) in described.into_iter().zip(configs) {
        let topic = match topic {
            Ok(t) => t,
            Err(e) => {
                out.error(&name, &e);
                continue;
            }
        };
        // The topic's own overrides only, as kafka-topics.sh --describe (not broker-wide settings).
        let overrides: Vec<(String, String)> = conf
            .map(|entries| entries.into_iter().filter(|e| e.source == ConfigSource::DynamicTopic).map(|e| (e.name, e.value.unwrap_or_default())).collect())
            .unwrap_or_default();
        let rf = topic.partitions.first().map_or(0, |p| p.replicas.len());
        let listed = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let _ = writeln!(out.text, "Topic: {name}\tPartitionCount: {}\tReplicationFactor: {rf}\tConfigs: {listed}", topic.partitions.len());
        let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        let mut parts = Vec::new();
        for p in &topic.partitions {
            let _ = writeln!(out.text, "\tTopic: {name}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}", p.id, p.leader, ids(&p.replicas), ids(&p.isrs));
            parts.push(format!("{{\"partition\":{},\"leader\":{},\"replicas\":[{}],\"isrs\":[{}]}}", p.id, p.leader, ids(&p.replicas), ids(&p.isrs)));
        }
        let conf_json = overrides.iter().map(|(k, v)| format!("{}:{}", js(k), js(v))).collect::<Vec<_>>().join(",");
        out.items.push(format!("{{\"topic\":{},\"partitions\":[{}],\"configs\":{{{conf_json}}}}}", js(&name), parts.join(",")));
    }
    Ok(())
}

fn groups_list(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    let mut o = AdminOptions::from(a.timeout);
    o.group_states = a.all("state").to_vec();
    let (groups, errors) = admin.list_consumer_groups(o).map_err(fail_all)?;
    for e in &errors {
        out.error("list groups", e);
    }
    for g in groups {
        let _ = writeln!(out.text, "{}", g.group_id);
        out.items.push(format!(
            "{{\"group\":{},\"state\":{},\"protocol_type\":{},\"coordinator\":{}}}",
            js(&g.group_id),
            js(&g.state),
            js(&g.protocol_type),
            g.coordinator
        ));
    }
    Ok(())
}

fn groups_describe(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    need_names(a, "group")?;
    for (group, described) in admin.describe_consumer_groups(&a.names, a.timeout).map_err(fail_all)? {
        let d = match described {
            Ok(d) => d,
            Err(e) => {
                out.error(&group, &e);
                continue;
            }
        };
        let committed = match admin.list_consumer_group_offsets(&group, None, a.timeout) {
            Ok(c) => c,
            Err(e) => {
                out.error(&group, &e);
                continue;
            }
        };
        // Every partition with a commit or an owner.
        let mut rows: BTreeMap<(String, i32), (i64, Option<usize>)> = BTreeMap::new();
        for ((t, p), r) in committed {
            rows.insert((t, p), (r.map_or(-1, |o| o.offset), None));
        }
        for (i, m) in d.members.iter().enumerate() {
            for tp in &m.assignment {
                rows.entry(tp.clone()).or_insert((-1, None)).1 = Some(i);
            }
        }
        let queries: Vec<(String, i32, i64)> = rows.keys().map(|(t, p)| (t.clone(), *p, offset_spec::LATEST)).collect();
        let ends: Vec<ferrokafka::Result<i64>> = admin.list_offsets(&queries, a.timeout).map_err(fail_all)?.into_iter().map(|r| r.map(|o| o.offset)).collect();
        let _ = writeln!(out.text, "Group {group} ({}, {} members, assignor {:?}, coordinator {}):", d.state, d.members.len(), d.protocol, d.coordinator);
        let _ = writeln!(out.text, "{:<24} {:>9} {:>14} {:>14} {:>8}  CONSUMER-ID HOST CLIENT-ID", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG");
        let mut parts = Vec::new();
        for (((t, p), (current, owner)), end) in rows.iter().zip(ends) {
            let end = end.unwrap_or(-1);
            let lag = (*current >= 0 && end >= 0).then(|| (end - current).max(0));
            let member = owner.map(|i| &d.members[i]);
            let show = |v: i64| if v < 0 { "-".to_string() } else { v.to_string() };
            let _ = writeln!(
                out.text,
                "{t:<24} {p:>9} {:>14} {:>14} {:>8}  {} {} {}",
                show(*current),
                show(end),
                lag.map_or("-".into(), |l| l.to_string()),
                member.map_or("-", |m| m.member_id.as_str()),
                member.map_or("-", |m| m.host.as_str()),
                member.map_or("-", |m| m.client_id.as_str()),
            );
            parts.push(format!(
                "{{\"topic\":{},\"partition\":{p},\"current_offset\":{current},\"log_end_offset\":{end},\"lag\":{},\"member_id\":{}}}",
                js(t),
                lag.map_or("null".into(), |l| l.to_string()),
                member.map_or("null".into(), |m| js(&m.member_id))
            ));
        }
        let members = d
            .members
            .iter()
            .map(|m| format!("{{\"member_id\":{},\"client_id\":{},\"host\":{}}}", js(&m.member_id), js(&m.client_id), js(&m.host)))
            .collect::<Vec<_>>()
            .join(",");
        out.items.push(format!(
            "{{\"group\":{},\"state\":{},\"protocol\":{},\"members\":[{members}],\"partitions\":[{}]}}",
            js(&group),
            js(&d.state),
            js(&d.protocol),
            parts.join(",")
        ));
    }
    Ok(())
}

fn groups_delete(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    need_names(a, "group")?;
    for (group, r) in admin.delete_consumer_groups(&a.names, a.timeout).map_err(fail_all)? {
        report(out, &group, "Deleted group", &r);
    }
    Ok(())
}

/// How `groups reset` computes a partition's new offset.
enum Target {
    Earliest,
    Latest,
    Offset(i64),
    Time(i64),
    Shift(i64),
}

fn groups_reset(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    let [group] = a.names.as_slice() else {
        return Err(Failure::Usage("groups reset: name exactly one group".into()));
    };
    let mut targets = Vec::new();
    if a.flag("to-earliest") {
        targets.push(Target::Earliest);
    }
    if a.flag("to-latest") {
        targets.push(Target::Latest);
    }
    if let Some(o) = a.number("to-offset")? {
        targets.push(Target::Offset(o));
    }
    if let Some(t) = a.one("to-datetime") {
        targets.push(Target::Time(parse_time(t).ok_or_else(|| Failure::Usage(format!("--to-datetime: {t:?} is neither ms nor YYYY-MM-DDTHH:MM:SS[.mmm]")))?));
    }
    if let Some(n) = a.number("shift-by")? {
        targets.push(Target::Shift(n));
    }
    let target = match targets.len() {
        1 => targets.remove(0),
        _ => return Err(Failure::Usage("groups reset: give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by".into())),
    };
    let committed: BTreeMap<(String, i32), i64> = admin
        .list_consumer_group_offsets(group, None, a.timeout)
        .map_err(fail_all)?
        .into_iter()
        .filter_map(|(tp, r)| r.ok().map(|o| (tp, o.offset)))
        .collect();
    let mut partitions: Vec<(String, i32)> = Vec::new();
    if a.flag("all-topics") {
        partitions.extend(committed.keys().cloned());
    }
    for spec in a.all("topic") {
        match spec.split_once(':') {
            Some((t, ps)) => {
                for p in ps.split(',') {
                    let p = p.trim().parse().map_err(|_| Failure::Usage(format!("--topic: {spec:?} is not TOPIC:P,P,...")))?;
                    partitions.push((t.to_string(), p));
                }
            }
            None => {
                let md = admin.describe_topics(&[spec.clone()], a.timeout).map_err(fail_all)?;
                let topic = md.into_iter().next().map(|(_, r)| r).transpose().map_err(fail_all)?;
                partitions.extend(topic.into_iter().flat_map(|t| t.partitions).map(|p| (spec.clone(), p.id)));
            }
        }
    }
    if partitions.is_empty() {
        return Err(Failure::Usage("groups reset: give --topic T[:P,...] or --all-topics (with committed offsets)".into()));
    }
    partitions.sort();
    partitions.dedup();
    let query = |spec: i64| -> Result<Vec<i64>, Failure> {
        let q: Vec<(String, i32, i64)> = partitions.iter().map(|(t, p)| (t.clone(), *p, spec)).collect();
        admin.list_offsets(&q, a.timeout).map_err(fail_all)?.into_iter().map(|r| r.map(|o| o.offset).map_err(fail_all)).collect()
    };
    let earliest = query(offset_spec::EARLIEST)?;
    let latest = query(offset_spec::LATEST)?;
    let by_time = match target {
        Target::Time(ts) => Some(query(ts)?),
        _ => None,
    };
    let mut plan = Vec::new();
    for (i, tp) in partitions.iter().enumerate() {
        let (lo, hi) = (earliest[i], latest[i]);
        let new = match target {
            Target::Earliest => lo,
            Target::Latest => hi,
            Target::Offset(o) => o,
            // No record at or after the time: the end, as Kafka's tool.
            Target::Time(_) => by_time.as_ref().map_or(hi, |v| if v[i] < 0 { hi } else { v[i] }),
            Target::Shift(n) => committed.get(tp).copied().filter(|c| *c >= 0).unwrap_or(lo).saturating_add(n),
        };
        // Out of range is clamped to the log, as kafka-consumer-groups.sh does.
        // (max then min: earliest and latest come from two lookups, and a log truncated in
        // between may give earliest > latest, which clamp would panic on.)
        plan.push((tp.clone(), new.max(lo).min(hi)));
    }
    let execute = a.flag("execute") && !a.flag("dry-run");
    let results: Vec<ferrokafka::Result<()>> = if execute {
        let offsets: Vec<(String, i32, i64)> = plan.iter().map(|((t, p), o)| (t.clone(), *p, *o)).collect();
        // One answer per partition, in the plan's order (the core says which one it lacks).
        admin.alter_consumer_group_offsets(group, &offsets, a.timeout).map_err(fail_all)?.into_iter().map(|(_, r)| r).collect()
    } else {
        plan.iter().map(|_| Ok(())).collect()
    };
    let _ = writeln!(out.text, "{:<24} {:<24} {:>9} {:>10}", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (((t, p), new), r) in plan.iter().zip(&results) {
        let _ = writeln!(out.text, "{group:<24} {t:<24} {p:>9} {new:>10}");
        out.items.push(format!("{{\"group\":{},\"topic\":{},\"partition\":{p},\"new_offset\":{new},\"error\":{}}}", js(group), js(t), js_error(r)));
        if let Err(e) = r {
            out.error(&format!("{t}[{p}]"), e);
        }
    }
    if !execute {
        crate::info!(1, "Dry run: nothing changed (add --execute to set these offsets)\n");
    }
    Ok(())
}

fn records_delete(admin: &AdminClient, a: &Args, out: &mut Output) -> Result<(), Failure> {
    need_names(a, "TOPIC:PARTITION:OFFSET")?;
    let mut before = Vec::new();
    for spec in &a.names {
        let parsed = spec.rsplitn(3, ':').collect::<Vec<_>>();
        let [offset, partition, topic] = parsed.as_slice() else {
            return Err(Failure::Usage(format!("records delete: {spec:?} is not TOPIC:PARTITION:OFFSET")));
        };
        let (Ok(p), Ok(o)) = (partition.parse::<i32>(), offset.parse::<i64>()) else {
            return Err(Failure::Usage(format!("records delete: {spec:?} is not TOPIC:PARTITION:OFFSET")));
        };
        before.push((topic.to_string(), p, o));
    }
    for ((t, p), r) in admin.delete_records(&before, options(a)).map_err(fail_all)? {
        match r {
            Ok(low) => {
                let _ = writeln!(out.text, "{t} [{p}] low watermark now {low}");
                out.items.push(format!("{{\"topic\":{},\"partition\":{p},\"low_watermark\":{low},\"error\":null}}", js(&t)));
            }
            Err(e) => {
                out.items.push(format!("{{\"topic\":{},\"partition\":{p},\"low_watermark\":null,\"error\":{}}}", js(&t), js(&e.message)));
                out.error(&format!("{t}[{p}]"), &e);
            }
        }
    }
    Ok(())
}

/// Milliseconds since the epoch, or YYYY-MM-DDTHH:MM:SS[.mmm] with an optional zone: Z or
/// +HH:MM / -HH:MM (none: UTC). Strict: every field must be in range and the result at or
/// after the epoch (a negative time would read as one of ListOffsets' special offsets).
fn parse_time(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok();
    }
    let number = |t: &str, digits: usize| -> Option<i64> {
        (t.len() == digits && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
    };
    let (date, time) = s.split_once('T')?;
    // The zone: Z, or a sign and HH:MM after the seconds.
    let (time, zone_minutes) = if let Some(t) = time.strip_suffix('Z') {
        (t, 0)
    } else if let Some(at) = time.rfind(['+', '-']) {
        let (t, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        let (h, m) = (number(h, 2)?, number(m, 2)?);
        if h > 23 || m > 59 {
            return None;
        }
        (t, sign * (h * 60 + m))
    } else {
        (time, 0)
    };
    let mut d = date.split('-');
    let (y, m, day) = (number(d.next()?, 4)?, number(d.next()?, 2)?, number(d.next()?, 2)?);
    if d.next().is_some() {
        return None;
    }
    let (hms, millis) = match time.split_once('.') {
        Some((hms, frac)) if (1..=3).contains(&frac.len()) => (hms, number(frac, frac.len())? * 10_i64.pow(3 - frac.len() as u32)),
        Some(_) => return None,
        None => (time, 0),
    };
    let mut t = hms.split(':');
    let (h, min) = (number(t.next()?, 2)?, number(t.next()?, 2)?);
    let sec = match t.next() {
        Some(x) => number(x, 2)?,
        None => 0,
    };
    if t.next().is_some() {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || day < 1 || day > days_in_month[(m - 1) as usize] || h > 23 || min > 59 || sec > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm); the year has 4 digits, so no overflow.
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = ((days * 24 + h) * 60 + min - zone_minutes) * 60_000 + sec * 1000 + millis;
    (ms >= 0).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_parse_as_utc() {
        assert_eq!(parse_time("0"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:00"), Some(0));
        assert_eq!(parse_time("2026-12-04T10:30:00.5Z"), Some(1_796_380_200_500));
        assert_eq!(parse_time("2000-02-29T23:59:59"), Some(951_868_799_000));
        assert_eq!(parse_time("2026-12-04T12:30:00.5+02:00"), Some(1_796_380_200_500));
        assert_eq!(parse_time("2026-12-04T10:30"), Some(1_796_380_200_000));
        for bad in [
            "2026-13-01T00:00:00",
            "yesterday",
            "2024-05-01T10:30:xx",
            "2026-02-29T00:00:00",
            "2026-01-01T-1:00:00",
            "2026-01-01T10:00:00.-5",
            "1969-12-31T23:59:59.999",
            "2026-01-01T10:00:00:00",
            "2026-01-01T10:00:00+25:00",
            "-5",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
