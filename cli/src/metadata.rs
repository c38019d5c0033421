//! `-L`: cluster metadata, as kcat's `metadata_print()` and (with `-J`) `metadata_print_json()`.

use std::fmt::Write as _;
use std::io::Write;

use ferrokafka::blocking::AdminClient;
use ferrokafka::client::metadata::Metadata;
use ferrokafka::{ClientConfig, ErrorKind};

use crate::args::Options;
use crate::format::json_string;
use crate::{strerror, Failure};

pub fn run(opts: &Options, config: &ClientConfig) -> Result<i32, Failure> {
    let admin =
        AdminClient::new(config).map_err(|e| Failure::Fatal(format!("Failed to create producer: {}", e.message)))?;
    crate::log_to_stderr(admin.events(), config);
    let topics = opts.topic.clone().map(|t| vec![t]);
    let md = admin.metadata(topics.as_deref(), opts.metadata_timeout).map_err(|e| {
        let why = crate::metadata_error_text(&e);
        let hint = if why == ErrorKind::Transport.description() {
            " (Are the brokers reachable? Also try increasing the metadata timeout with -m <timeout>?)"
        } else {
            ""
        };
        Failure::Fatal(format!("Failed to acquire metadata: {why}{hint}"))
    })?;
    let text = if opts.json {
        json(&md, opts.topic.as_deref())
    } else {
        text(&md, opts.topic.as_deref())
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Fatal(format!("Output write error: {}", strerror(&e))))?;
    Ok(0)
}

fn ids(v: &[i32]) -> String {
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// kcat's `metadata_print()`.
pub fn text(md: &Metadata, topic: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Metadata for {} (from broker {}: {}):",
        topic.unwrap_or("all topics"),
        md.orig_broker_id,
        md.orig_broker_name
    );
    let _ = writeln!(s, " {} brokers:", md.brokers.len());
    for b in &md.brokers {
        let controller = if b.id == md.controller_id { " (controller)" } else { "" };
        let _ = writeln!(s, "  broker {} at {}:{}{controller}", b.id, b.host, b.port);
    }
    let _ = writeln!(s, " {} topics:", md.topics.len());
    for t in &md.topics {
        let _ = write!(s, "  topic \"{}\" with {} partitions:", t.name, t.partitions.len());
        if let Some(err) = t.error {
            let _ = write!(s, " {}", err.description());
            if err == ErrorKind::LeaderNotAvailable {
                s.push_str(" (try again)");
            }
        }
        s.push('\n');
        for p in &t.partitions {
            let _ = write!(
                s,
                "    partition {}, leader {}, replicas: {}, isrs: {}",
                p.id,
                p.leader,
                ids(&p.replicas),
                ids(&p.isrs)
            );
            if let Some(err) = p.error {
                let _ = write!(s, ", {}", err.description());
            }
            s.push('\n');
        }
    }
    s
}

/// kcat's `metadata_print_json()` (compact, no trailing newline).
pub fn json(md: &Metadata, topic: Option<&str>) -> String {
    let mut b: Vec<u8> = Vec::new();
    let str_ = |b: &mut Vec<u8>, v: &str| {
        let _ = json_string(b, v.as_bytes());
    };
    let id_list = |b: &mut Vec<u8>, v: &[i32]| {
        b.push(b'[');
        for (i, id) in v.iter().enumerate() {
            let _ = write!(b, "{}{{\"id\":{id}}}", if i > 0 { "," } else { "" });
        }
        b.push(b']');
    };
    let _ = write!(b, "{{\"originating_broker\":{{\"id\":{},\"name\":", md.orig_broker_id);
    str_(&mut b, &md.orig_broker_name);
    b.extend_from_slice(b"},\"query\":{\"topic\":");
    str_(&mut b, topic.unwrap_or("*"));
    let _ = write!(b, "}},\"controllerid\":{},\"brokers\":[", md.controller_id);
    for (i, br) in md.brokers.iter().enumerate() {
        let _ = write!(b, "{}{{\"id\":{},\"name\":", if i > 0 { "," } else { "" }, br.id);
        str_(&mut b, &format!("{}:{}", br.host, br.port));
        b.push(b'}');
    }
    b.extend_from_slice(b"],\"topics\":[");
    for (i, t) in md.topics.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        b.extend_from_slice(b"{\"topic\":");
        str_(&mut b, &t.name);
        if let Some(err) = t.error {
            b.extend_from_slice(b",\"error\":");
            str_(&mut b, err.description());
        }
        b.extend_from_slice(b",\"partitions\":[");
        for (j, p) in t.partitions.iter().enumerate() {
            let _ = write!(b, "{}{{\"partition\":{}", if j > 0 { "," } else { "" }, p.id);
            if let Some(err) = p.error {
                b.extend_from_slice(b",\"error\":");
                str_(&mut b, err.description());
            }
            let _ = write!(b, ",\"leader\":{},\"replicas\":", p.leader);
            id_list(&mut b, &p.replicas);
            b.extend_from_slice(b",\"isrs\":");
            id_list(&mut b, &p.isrs);
            b.push(b'}');
        }
        b.extend_from_slice(b"]}");
    }
    b.extend_from_slice(b"]}");
    String::from_utf8_lossy(&b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrokafka::client::metadata::{BrokerMetadata, PartitionMetadata, TopicMetadata};

    fn sample() -> Metadata {
        Metadata {
            orig_broker_id: 1,
            orig_broker_name: "127.0.0.1:40869/1".into(),
            cluster_id: None,
            controller_id: 1,
            brokers: vec![BrokerMetadata {
                id: 1,
                host: "127.0.0.1".into(),
                port: 40869,
                rack: None,
            }],
            topics: vec![TopicMetadata {
                name: "t".into(),
                is_internal: false,
                partitions: (0..2)
                    .map(|id| PartitionMetadata {
                        id,
                        leader: 1,
                        leader_epoch: 0,
                        replicas: vec![1],
                        isrs: vec![1],
                        error: None,
                    })
                    .collect(),
                error: None,
            }],
        }
    }

    #[test]
    fn text_like_kcat() {
        assert_eq!(
            text(&sample(), None),
            "Metadata for all topics (from broker 1: 127.0.0.1:40869/1):\n 1 brokers:\n  broker 1 at 127.0.0.1:40869 (controller)\n 1 topics:\n  topic \"t\" with 2 partitions:\n    partition 0, leader 1, replicas: 1, isrs: 1\n    partition 1, leader 1, replicas: 1, isrs: 1\n"
        );
    }

    #[test]
    fn json_like_kcat() {
        assert_eq!(
            json(&sample(), Some("t")),
            "{\"originating_broker\":{\"id\":1,\"name\":\"127.0.0.1:40869/1\"},\"query\":{\"topic\":\"t\"},\"controllerid\":1,\"brokers\":[{\"id\":1,\"name\":\"127.0.0.1:40869\"}],\"topics\":[{\"topic\":\"t\",\"partitions\":[{\"partition\":0,\"leader\":1,\"replicas\":[{\"id\":1}],\"isrs\":[{\"id\":1}]},{\"partition\":1,\"leader\":1,\"replicas\":[{\"id\":1}],\"isrs\":[{\"id\":1}]}]}]}"
        );
    }
}
