//! Background fetching: one Fetch in flight per leader broker.
//!
//! The manager loop groups fetchable partitions by leader and starts one fetch per leader that
//! has none running; each fetch resolves pending start offsets (ListOffsets) first, then sends
//! a Fetch honouring fetch.min.bytes / fetch.wait.max.ms / max.partition.fetch.bytes, decodes
//! the batches once and queues the records. A broker that waits for fetch.min.bytes only
//! delays its own partitions, never those led by others.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::{BrokerId, FetchRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::task::JoinSet;

use kafka_protocol::messages::fetch_response::PartitionData as FetchablePartitionAnswer;

use super::{decode, ConsumerInner, Event, Offset, Position};
use crate::client::offsets::{list_offsets, EARLIEST, LATEST};
use crate::config::{IsolationLevel, OffsetReset};
use crate::error::{Error, ErrorKind};
use crate::net::versions::ours;

/// A partition handed to one fetch: identity plus the version it was taken under.
#[derive(Clone)]
struct Work {
    topic: Arc<str>,
    partition: i32,
    version: u64,
    position: Position,
}

pub(crate) async fn run(inner: Arc<ConsumerInner>) {
    let mut running: JoinSet<i32> = JoinSet::new();
    let mut busy: HashSet<i32> = HashSet::new();
    let mut last_refresh: Option<Instant> = None;
    loop {
        let woken = inner.wake.notified();
        inner.fetch_rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut need_metadata: Vec<String> = Vec::new();
        let mut groups: HashMap<i32, Vec<Work>> = HashMap::new();
        let mut next_retry: Option<Instant> = None;
        {
            let mut st = inner.lock();
            if st.closed {
                running.abort_all();
                return;
            }
            let now = Instant::now();
            for p in st.partitions.values_mut() {
                if p.paused || p.fetching || p.position == Position::Stopped {
                    continue;
                }
                if let Some(at) = p.retry_at.filter(|&at| at > now) {
                    // Backing off after a retriable error: wake up when it is over.
                    next_retry = Some(next_retry.map_or(at, |n: Instant| n.min(at)));
                    continue;
                }
                // A partition holding its limit of fetched data is not fetched until it drains
                // below half (offset lookups still go on); the others are, whoever reads them.
                if matches!(p.position, Position::At(_)) && (p.throttled || p.is_full(&inner.config)) {
                    p.throttled = true;
                    continue;
                }
                match inner.client.leader(&p.topic, p.partition) {
                    Some(l) if !busy.contains(&l) => {
                        p.fetching = true;
                        groups.entry(l).or_default().push(Work {
                            topic: p.topic.clone(),
                            partition: p.partition,
                            version: p.version,
                            position: p.position,
                        });
                    }
                    Some(_) => {}
                    None => need_metadata.push(p.topic.to_string()),
                }
            }
        }
        for (leader, work) in groups {
            busy.insert(leader);
            let inner = inner.clone();
            running.spawn(async move {
                fetch_once(&inner, leader, &work).await;
                let mut st = inner.lock();
                for w in &work {
                    if let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) {
                        p.fetching = false;
                    }
                }
                leader
            });
        }
        let backoff = inner.config.common.retry_backoff;
        let wait_more = !need_metadata.is_empty();
        if !need_metadata.is_empty() && last_refresh.is_none_or(|t| t.elapsed() >= backoff) {
            last_refresh = Some(Instant::now());
            need_metadata.sort();
            need_metadata.dedup();
            let client = inner.client.clone();
            let inner2 = inner.clone();
            tokio::spawn(async move {
                let _ = client.fetch_metadata(Some(&need_metadata), false, Duration::from_secs(5)).await;
                inner2.wake.notify_one();
            });
        }
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                if let Ok(leader) = done {
                    busy.remove(&leader);
                } else {
                    // A fetch task panicked or was aborted: forget every busy mark, the
                    // partitions' own flags were cleared by the tasks that did finish.
                    busy.clear();
                    let mut st = inner.lock();
                    for p in st.partitions.values_mut() { p.fetching = false; }
                }
            }
            _ = woken => {}
            _ = tokio::time::sleep(backoff), if wait_more => {}
            _ = tokio::time::sleep_until(next_retry.unwrap_or_else(Instant::now).into()), if next_retry.is_some() => {}
        }
    }
}

/// One round for one leader: resolve start offsets, then fetch.
async fn fetch_once(inner: &ConsumerInner, leader: i32, work: &[Work]) {
    let (resolve, fetch): (Vec<&Work>, Vec<&Work>) = work.iter().partition(|w| matches!(w.position, Position::Resolve(_)));
    if !resolve.is_empty() {
        resolve_offsets(inner, &resolve).await;
    }
    if fetch.is_empty() {
        return;
    }
    if let Err(e) = fetch_records(inner, leader, &fetch).await {
        // The connection or broker failed: refresh leaders and try again after a backoff.
        inner.client.events.log(crate::events::level::WARNING, "FETCH", format!("fetch from broker {leader} failed: {e}"));
        for w in &fetch {
            inner.client.invalidate_topic(&w.topic);
        }
        tokio::time::sleep(inner.config.common.retry_backoff).await;
    }
}

async fn resolve_offsets(inner: &ConsumerInner, work: &[&Work]) {
    // Offset::Stored: the group's committed offset when there is one.
    let stored: Vec<(String, i32)> = work
        .iter()
        .filter(|w| w.position == Position::Resolve(Offset::Stored))
        .map(|w| (w.topic.to_string(), w.partition))
        .collect();
    let mut resolved_from_group: Vec<&Work> = Vec::new();
    if !stored.is_empty() && inner.config.group_id.is_some() {
        match super::group::fetch_committed(inner, &stored).await {
            Ok(committed) => {
                let mut st = inner.lock();
                for w in work.iter().filter(|w| w.position == Position::Resolve(Offset::Stored)) {
                    let Some(&o) = committed.get(&(w.topic.to_string(), w.partition)) else { continue };
                    if o < 0 {
                        continue;
                    }
                    if let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) {
                        if p.version == w.version {
                            p.position = Position::At(o);
                            p.committed = Some(o);
                            resolved_from_group.push(w);
                        }
                    }
                }
            }
            Err(e) => {
                // Coordinator not ready yet (it may still be loading): try again next round.
                inner.client.events.debug("cgrp", "OFFSET", || format!("committed offsets unavailable: {e}"));
                tokio::time::sleep(inner.config.common.retry_backoff).await;
                return;
            }
        }
    }
    let work: Vec<&Work> = work.iter().copied().filter(|w| !resolved_from_group.iter().any(|r| std::ptr::eq(*r, *w))).collect();
    let work = &work[..];
    if work.is_empty() {
        return;
    }
    let queries: Vec<(String, i32, i64)> = work
        .iter()
        .map(|w| {
            let ts = match w.position {
                Position::Resolve(Offset::Beginning) => EARLIEST,
                Position::Resolve(Offset::Timestamp(t)) => t,
                Position::Resolve(Offset::Stored) | Position::Resolve(Offset::Offset(_)) => match inner.offset_reset(&w.topic) {
                    OffsetReset::Earliest => EARLIEST,
                    _ => LATEST,
                },
                _ => LATEST,
            };
            (w.topic.to_string(), w.partition, ts)
        })
        .collect();
    let rc = inner.config.isolation_level == IsolationLevel::ReadCommitted;
    let results = list_offsets(&inner.client, &queries, rc, inner.config.common.request_timeout).await;
    let needs_low: Vec<usize> = work.iter().enumerate().filter(|(_, w)| matches!(w.position, Position::Resolve(Offset::Tail(_)))).map(|(i, _)| i).collect();
    let lows = if needs_low.is_empty() {
        Vec::new()
    } else {
        let q: Vec<_> = needs_low.iter().map(|&i| (work[i].topic.to_string(), work[i].partition, EARLIEST)).collect();
        list_offsets(&inner.client, &q, rc, inner.config.common.request_timeout).await
    };
    let mut errors = Vec::new();
    {
        let mut st = inner.lock();
        for (i, (w, r)) in work.iter().zip(results).enumerate() {
            let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) else { continue };
            if p.version != w.version {
                continue;
            }
            match r {
                Ok(mut offset) => {
                    if let Position::Resolve(Offset::Tail(n)) = w.position {
                        let low = needs_low
                            .iter()
                            .position(|&x| x == i)
                            .and_then(|k| lows.get(k))
                            .and_then(|r| r.as_ref().ok().copied())
                            .unwrap_or(0);
                        offset = (offset - n).max(low);
                    }
                    if offset < 0 {
                        // A timestamp after the last record: start at the end.
                        p.position = Position::Resolve(Offset::End);
                    } else {
                        p.position = Position::At(offset);
                    }
                    p.succeeded();
                }
                Err(e) if e.is_retriable() || e.kind == ErrorKind::UnknownTopicOrPart => {
                    // Leader moved or topic not there yet: try again after a backoff.
                    p.back_off(&inner.config.common);
                }
                Err(e) => {
                    p.position = Position::Stopped;
                    errors.push(((*w).clone(), e));
                }
            }
        }
    }
    for (w, e) in errors {
        inner.push_events(&w.topic, w.partition, w.version, vec![Event::Error { topic: Some(w.topic.clone()), partition: w.partition, error: e }]);
    }
}

async fn fetch_records(inner: &ConsumerInner, leader: i32, work: &[&Work]) -> Result<(), Error> {
    let cfg = &inner.config;
    let conn = inner.client.connection(leader).await?;
    let version = conn.version::<FetchRequest>(ours::FETCH)?;
    let mut topics: Vec<FetchTopic> = Vec::new();
    for w in work {
        let Position::At(offset) = w.position else { continue };
        let part = FetchPartition::default()
            .with_partition(w.partition)
            .with_fetch_offset(offset)
            .with_current_leader_epoch(-1)
            .with_last_fetched_epoch(-1)
            .with_log_start_offset(-1)
            .with_partition_max_bytes(cfg.max_partition_fetch_bytes);
        match topics.iter_mut().find(|t| t.topic.0.as_str() == &*w.topic) {
            Some(t) => t.partitions.push(part),
            None => topics.push(
                FetchTopic::default()
                    .with_topic(TopicName(StrBytes::from_string(w.topic.to_string())))
                    .with_partitions(vec![part]),
            ),
        }
    }
    let max_wait = i32::try_from(cfg.fetch_wait_max.as_millis()).unwrap_or(i32::MAX);
    let req = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait)
        .with_min_bytes(cfg.fetch_min_bytes)
        .with_max_bytes(cfg.fetch_max_bytes)
        .with_isolation_level(if cfg.isolation_level == IsolationLevel::ReadCommitted { 1 } else { 0 })
        // No fetch session (epoch -1): every request is a full one. Simple and always correct.
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(topics);
    let resp = conn.send(&req, version).await?;
    inner.client.note_throttle(conn.addr(), leader, resp.throttle_time_ms);
    if resp.error_code != 0 {
        return Err(Error::from_kafka(resp.error_code, format!("fetch from broker {leader}")));
    }
    let mut refresh = false;
    for t in resp.responses {
        let name = t.topic.0.to_string();
        for p in t.partitions {
            let Some(w) = work.iter().find(|w| &*w.topic == name.as_str() && w.partition == p.partition_index) else {
                continue;
            };
            let Position::At(fetch_offset) = w.position else { continue };
            if p.error_code != 0 {
                refresh |= handle_partition_error(inner, w, p.error_code);
                continue;
            }
            let events = decode_partition(inner, w, fetch_offset, p);
            inner.push_events(&w.topic, w.partition, w.version, events);
        }
    }
    if refresh {
        let topics: Vec<String> = work.iter().map(|w| w.topic.to_string()).collect();
        let _ = inner.client.fetch_metadata(Some(&topics), false, Duration::from_secs(5)).await;
    }
    Ok(())
}

/// Returns whether leaders must be refreshed.
fn handle_partition_error(inner: &ConsumerInner, w: &Work, code: i16) -> bool {
    let kind = ErrorKind::from_kafka_code(code);
    match kind {
        ErrorKind::OffsetOutOfRange => {
            let mut event = None;
            {
                let mut st = inner.lock();
                if let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) {
                    if p.version == w.version {
                        match inner.offset_reset(&w.topic) {
                            OffsetReset::Earliest => p.position = Position::Resolve(Offset::Beginning),
                            OffsetReset::Latest => p.position = Position::Resolve(Offset::End),
                            OffsetReset::Error => {
                                p.position = Position::Stopped;
                                let offset = match w.position {
                                    Position::At(o) => o,
                                    _ => -1,
                                };
                                event = Some(Error::new(
                                    ErrorKind::AutoOffsetReset,
                                    format!(
                                        "{}[{}]: fetch offset {offset} is out of range and auto.offset.reset=error",
                                        w.topic, w.partition
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            if let Some(error) = event {
                inner.push_events(&w.topic, w.partition, w.version, vec![Event::Error { topic: Some(w.topic.clone()), partition: w.partition, error }]);
            }
            false
        }
        k if k.is_retriable() || k == ErrorKind::UnknownTopicOrPart => {
            inner.client.invalidate_topic(&w.topic);
            let mut st = inner.lock();
            if let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) {
                if p.version == w.version {
                    p.back_off(&inner.config.common);
                }
            }
            true
        }
        _ => {
            let error = Error::from_kafka(code, format!("fetch {}[{}]", w.topic, w.partition));
            inner.push_events(&w.topic, w.partition, w.version, vec![Event::Error { topic: Some(w.topic.clone()), partition: w.partition, error }]);
            false
        }
    }
}

/// Turns a partition's records into events and advances its position (decode.rs has the
/// rules, read_committed's among them).
fn decode_partition(inner: &ConsumerInner, w: &Work, fetch_offset: i64, p: FetchablePartitionAnswer) -> Vec<Event> {
    let rc = inner.config.isolation_level == IsolationLevel::ReadCommitted;
    // A broker that does not know the LSO (-1, before v4) gives the high watermark as the end.
    let end_offset = if rc && p.last_stable_offset >= 0 { p.last_stable_offset } else { p.high_watermark };
    let aborted = rc.then(|| {
        p.aborted_transactions.unwrap_or_default().iter().map(|t| (t.producer_id.0, t.first_offset)).collect()
    });
    let fetched = decode::FetchedPartition {
        topic: &w.topic,
        partition: w.partition,
        fetch_offset,
        end_offset,
        aborted,
        check_crcs: inner.config.check_crcs,
    };
    let decoded = decode::decode(fetched, p.records);
    let mut events: Vec<Event> = decoded.messages.into_iter().map(Event::Message).collect();
    let next = decoded.next;
    let mut st = inner.lock();
    let Some(p) = st.partitions.get_mut(&(w.topic.clone(), w.partition)) else { return Vec::new() };
    if p.version != w.version {
        return Vec::new();
    }
    p.end_offset = end_offset;
    if let Some(e) = decoded.error {
        // A batch we cannot decode: report it and stop this partition rather than skip data.
        p.position = Position::Stopped;
        events.push(Event::Error { topic: Some(w.topic.clone()), partition: w.partition, error: e });
        return events;
    }
    p.position = Position::At(next);
    p.succeeded();
    if inner.config.enable_partition_eof && end_offset >= 0 && next >= end_offset && p.eof_reported != Some(next) {
        p.eof_reported = Some(next);
        events.push(Event::PartitionEof { topic: w.topic.clone(), partition: w.partition, offset: next });
    }
    events
}
