//! ListOffsets: earliest, latest and by-timestamp lookups, grouped per leader.

use std::collections::HashMap;
use std::time::Duration;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{BrokerId, ListOffsetsRequest, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;

/// The special timestamps of ListOffsets.
pub const EARLIEST: i64 = -2;
pub const LATEST: i64 = -1;

/// One lookup: (topic, partition, timestamp or EARLIEST / LATEST).
pub type OffsetQuery = (String, i32, i64);

/// One ListOffsets answer: the offset, the timestamp of the record there (-1 for earliest and
/// latest) and its leader epoch (-1 when the broker does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    pub offset: i64,
    pub timestamp: i64,
    pub leader_epoch: i32,
}

/// Looks up offsets; one result per query, in order. An offset of -1 for a timestamp query
/// means no record at or after it (as Kafka answers).
pub async fn list_offsets(
    client: &Client,
    queries: &[OffsetQuery],
    read_committed: bool,
    timeout: Duration,
) -> Vec<Result<i64>> {
    list_offsets_detailed(client, queries, read_committed, timeout).await.into_iter().map(|r| r.map(|o| o.offset)).collect()
}

/// [`list_offsets`] with each answer's timestamp and leader epoch (the admin client has its own,
/// which retries leader moves).
async fn list_offsets_detailed(
    client: &Client,
    queries: &[OffsetQuery],
    read_committed: bool,
    timeout: Duration,
) -> Vec<Result<ListedOffset>> {
    let mut results: Vec<Option<Result<ListedOffset>>> = queries.iter().map(|_| None).collect();
    let mut by_leader: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut missing: Vec<String> = Vec::new();
    for (i, (t, p, _)) in queries.iter().enumerate() {
        match client.leader(t, *p) {
            Some(l) => by_leader.entry(l).or_default().push(i),
            None => missing.push(t.clone()),
        }
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        let _ = client.fetch_metadata(Some(&missing), false, timeout).await;
        for (i, (t, p, _)) in queries.iter().enumerate() {
            if by_leader.values().any(|v| v.contains(&i)) {
                continue;
            }
            match client.leader(t, *p) {
                Some(l) => by_leader.entry(l).or_default().push(i),
                None => {
                    let kind = match client.topic(t) {
                        Some(info) if info.error.is_none() => ErrorKind::UnknownPartition,
                        _ => ErrorKind::UnknownTopicOrPart,
                    };
                    results[i] = Some(Err(Error::new(kind, format!("{t}[{p}]: no leader known"))));
                }
            }
        }
    }
    // Kafka refuses a request naming one partition twice: a repeated (topic, partition), e.g.
    // earliest and latest for watermarks, goes in a later round.
    let mut rounds: Vec<(i32, Vec<usize>)> = Vec::new();
    for (leader, idx) in by_leader {
        let mut per_round: Vec<Vec<usize>> = Vec::new();
        for i in idx {
            let (t, p, _) = &queries[i];
            let slot = per_round
                .iter()
                .position(|r| !r.iter().any(|&j| queries[j].0 == *t && queries[j].1 == *p))
                .unwrap_or_else(|| {
                    per_round.push(Vec::new());
                    per_round.len() - 1
                });
            per_round[slot].push(i);
        }
        rounds.extend(per_round.into_iter().map(|r| (leader, r)));
    }
    for (leader, idx) in rounds {
        let outcome = tokio::time::timeout(timeout, ask_leader(client, leader, queries, &idx, read_committed)).await;
        match outcome {
            Ok(Ok(found)) => {
                for (i, r) in found {
                    results[i] = Some(r);
                }
            }
            Ok(Err(e)) => {
                for &i in &idx {
                    results[i] = Some(Err(e.clone()));
                }
            }
            Err(_) => {
                for &i in &idx {
                    results[i] = Some(Err(Error::new(ErrorKind::TimedOut, "ListOffsets timed out")));
                }
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::new(ErrorKind::Fail, "no answer"))))
        .collect()
}

async fn ask_leader(
    client: &Client,
    leader: i32,
    queries: &[OffsetQuery],
    idx: &[usize],
    read_committed: bool,
) -> Result<Vec<(usize, Result<ListedOffset>)>> {
    let conn = client.connection(leader).await?;
    let version = conn.version::<ListOffsetsRequest>(ours::LIST_OFFSETS)?;
    let mut topics: Vec<ListOffsetsTopic> = Vec::new();
    for &i in idx {
        let (t, p, ts) = &queries[i];
        let part = ListOffsetsPartition::default().with_partition_index(*p).with_timestamp(*ts).with_current_leader_epoch(-1);
        match topics.iter_mut().find(|x| x.name.0.as_str() == t) {
            Some(x) => x.partitions.push(part),
            None => topics.push(
                ListOffsetsTopic::default()
                    .with_name(TopicName(StrBytes::from_string(t.clone())))
                    .with_partitions(vec![part]),
            ),
        }
    }
    let req = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(if read_committed { 1 } else { 0 })
        .with_topics(topics);
    let resp = conn.send(&req, version).await?;
    let mut out = Vec::new();
    for &i in idx {
        let (t, p, _) = &queries[i];
        let found = resp
            .topics
            .iter()
            .filter(|x| x.name.0.as_str() == t)
            .flat_map(|x| x.partitions.iter())
            .find(|x| x.partition_index == *p);
        let r = match found {
            Some(x) if x.error_code == 0 => Ok(ListedOffset { offset: x.offset, timestamp: x.timestamp, leader_epoch: x.leader_epoch }),
            Some(x) => {
                if matches!(ErrorKind::from_kafka_code(x.error_code), ErrorKind::NotLeaderOrFollower | ErrorKind::UnknownTopicOrPart) {
                    client.invalidate_topic(t);
                }
                Err(Error::from_kafka(x.error_code, format!("ListOffsets {t}[{p}]")))
            }
            None => Err(Error::new(ErrorKind::BadMsg, format!("ListOffsets: no answer for {t}[{p}]"))),
        };
        out.push((i, r));
    }
    Ok(out)
}
