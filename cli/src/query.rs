//! `-Q`: offsets for timestamps (`-t topic:partition:timestamp`, repeatable), as kcat's
//! `query_offsets_by_time()` prints them: sorted by topic and partition, one
//! `topic [partition] offset N` line each, or one JSON object with `-J`.

use std::io::Write;
use std::time::Duration;

use ferrokafka::blocking::Consumer;
use ferrokafka::ClientConfig;

use crate::args::Options;
use crate::escapes::{strtoll, strtoul};
use crate::format::json_string;
use crate::{strerror, Failure};

/// kcat waits this long for the answer, whatever -m says.
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// kcat's `add_topparoff()`: `topic:partition:offset_or_timestamp`.
pub fn parse_query(arg: &str) -> Result<(String, i32, i64), Failure> {
    let bad = || Failure::Fatal("-t: expected \"topic:partition:offset_or_timestamp\"".into());
    let (topic, rest) = arg.split_once(':').ok_or_else(bad)?;
    let (partition, ts) = rest.split_once(':').ok_or_else(bad)?;
    let (p, used) = strtoul(partition.as_bytes(), 0);
    let ts_digits = ts.trim_start().trim_start_matches(['-', '+']);
    if used == 0 || !ts_digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad());
    }
    Ok((topic.to_string(), p as i32, strtoll(ts)))
}

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    let consumer =
        Consumer::new(config).map_err(|e| Failure::Fatal(format!("Failed to create producer: {}", e.message)))?;
    crate::log_to_stderr(consumer.events(), config);
    let mut queries = opts.queries.clone();
    let results = consumer.offsets_for_times(&queries, QUERY_TIMEOUT);
    let mut answers = Vec::with_capacity(queries.len());
    for (q, r) in queries.drain(..).zip(results) {
        match r {
            Ok(offset) => answers.push((q.0, q.1, offset)),
            Err(e) => {
                crate::explain(&e);
                return Err(Failure::Fatal(format!(
                    "offsets_for_times failed: {}",
                    e.kind.description()
                )));
            }
        }
    }
    answers.sort();
    let mut out = Vec::new();
    if opts.json {
        out.push(b'{');
        let mut last: Option<&str> = None;
        for (t, p, o) in &answers {
            if last != Some(t.as_str()) {
                if last.is_some() {
                    out.extend_from_slice(b"},");
                }
                let _ = json_string(&mut out, t.as_bytes());
                out.extend_from_slice(b":{\"topic\":");
                let _ = json_string(&mut out, t.as_bytes());
                last = Some(t);
            }
            let _ = write!(out, ",\"{p}\":{{\"partition\":{p},\"offset\":{o}}}");
        }
        if last.is_some() {
            out.push(b'}');
        }
        out.push(b'}');
    } else {
        for (t, p, o) in &answers {
            let _ = writeln!(out, "{t} [{p}] offset {o}");
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Fatal(format!("Output write error: {}", strerror(&e))))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_arguments() {
        assert_eq!(parse_query("t:1:-2").ok(), Some(("t".to_string(), 1, -2)));
        assert_eq!(parse_query("a:b:0x10:5").ok(), None);
        assert_eq!(
            parse_query("t:0x2:1700000000000").ok(),
            Some(("t".to_string(), 2, 1700000000000))
        );
        assert!(parse_query("t:1").is_err());
        assert!(parse_query("t::5").is_err());
        assert!(parse_query("t:1:x").is_err());
    }
}
