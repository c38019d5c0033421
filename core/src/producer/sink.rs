//! The drain task and per-broker Produce requests.
//!
//! One task per producer loops: resolve records waiting for metadata, take the batches that
//! may go now ([`Accumulator::drain`]), encode (compress) each once, and send one Produce
//! request per leader broker and round (Kafka takes one batch per partition per request).
//! Each leader has its own engine task that connects and sends its rounds in order, so one
//! dead or slow broker never delays the others; each request's answer is handled by its own
//! small task, so many requests are in flight.
//!
//! Error handling per partition, decided in [`handle_partition`]:
//! - retriable (leader moved, timeouts, a dropped connection): back into the queue in order,
//!   after retry.backoff.ms, with a metadata refresh when the leader may have moved;
//! - idempotent sequence trouble: an out-of-order answer for a batch that is not the oldest
//!   unacknowledged one is just a retry (an earlier batch failed first); for the oldest one,
//!   or UNKNOWN_PRODUCER_ID, the epoch is bumped;
//! - anything else, or retries / message.timeout.ms exhausted: the batch's records fail.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, TopicName, TransactionalId};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::mpsc;

use super::accumulator::{Batch, Outcomes};
use super::ProducerInner;
use crate::config::Acks;
use crate::error::{Error, ErrorKind};
use crate::net::decode_body;
use crate::net::versions::ours;
use crate::protocol::record::{restamp, BatchParams};

/// How long a metadata refresh for unknown topics may take before the loop moves on.
const METADATA_STEP: Duration = Duration::from_secs(5);

pub(crate) async fn run(inner: Arc<ProducerInner>) {
    let cfg = inner.config.clone();
    let idempotent = cfg.enable_idempotence;
    // Without sequence numbers, one request per partition in flight is what keeps order.
    let per_partition_limit = if idempotent { cfg.max_in_flight.clamp(1, 5) } else { 1 };
    let mut last_metadata_attempt: Option<Instant> = None;
    // One engine per leader broker: a broker that is slow to connect (or down, waiting out its
    // reconnect backoff) holds back only its own partitions.
    let mut engines: HashMap<i32, mpsc::UnboundedSender<Vec<Batch>>> = HashMap::new();
    loop {
        let woken = inner.acc.wake.notified();
        if inner.acc.is_closed() {
            // Dropped without flush: what is not in flight fails with _DESTROY; in-flight
            // requests still complete (their answers may requeue, which wakes us again).
            let mut out = Outcomes::default();
            inner.acc.fail_all(&Error::new(ErrorKind::Destroy, "producer was closed before delivery"), &mut out);
            inner.acc.deliver(out, &inner.client.events);
            if inner.acc.queued_records() == 0 {
                return;
            }
            woken.await;
            continue;
        }

        // Idempotence: get an id first; bump the epoch only once nothing is in flight. A
        // transactional producer gets its id from init_transactions, and bumps it in
        // abort_transaction (its InitProducerId carries the transactional id).
        let mut ids = None;
        if idempotent {
            if inner.idempotence.needs_init() && inner.txn.is_none() && inner.acc.total_in_flight() == 0 {
                match inner.idempotence.init(&inner.client).await {
                    Ok(_) => inner.acc.reset_sequences(),
                    Err(e) => {
                        log_debug(&inner, &format!("InitProducerId failed: {e}"));
                        tokio::time::sleep(cfg.common.retry_backoff).await;
                    }
                }
            }
            ids = inner.idempotence.current();
        }

        let now = Instant::now();
        let mut out = Outcomes::default();
        inner.acc.resolve_waiting(&inner.client, now, &mut out);
        let drained = inner.acc.drain(&inner.client, now, per_partition_limit, ids, idempotent, inner.txn.as_ref(), &mut out);
        if drained.need_epoch_bump {
            inner.idempotence.request_bump();
        }
        inner.acc.deliver(out, &inner.client.events);

        if !drained.need_metadata.is_empty() {
            let backoff = cfg.common.retry_backoff;
            if last_metadata_attempt.is_none_or(|t| t.elapsed() >= backoff) {
                last_metadata_attempt = Some(Instant::now());
                let topics = drained.need_metadata.clone();
                let client = inner.client.clone();
                let acc_inner = inner.clone();
                tokio::spawn(async move {
                    let _ = client.fetch_metadata(Some(&topics), true, METADATA_STEP).await;
                    acc_inner.acc.wake.notify_one();
                });
            }
        }

        // Partitions new to the transaction join it before their batches may go.
        if let Some(txn) = &inner.txn {
            if txn.has_pending() {
                txn.add_pending(&inner).await;
            }
        }

        for (leader, batches) in drained.by_leader {
            let engine = engines.entry(leader).or_insert_with(|| broker_engine(inner.clone(), leader));
            if let Err(returned) = engine.send(batches) {
                // The engine ended (it never does while we hold its sender); send from here.
                engines.remove(&leader);
                send_to_leader(&inner, leader, returned.0).await;
            }
        }

        let mut next = drained.next_deadline;
        if !drained.need_metadata.is_empty() {
            let t = Instant::now() + cfg.common.retry_backoff;
            next = Some(next.map_or(t, |n| n.min(t)));
        }
        if idempotent && inner.idempotence.needs_init() && inner.txn.is_none() {
            let t = Instant::now() + Duration::from_millis(10);
            next = Some(next.map_or(t, |n| n.min(t)));
        }
        match next {
            Some(at) => {
                let _ = tokio::time::timeout_at(at.into(), woken).await;
            }
            None => woken.await,
        }
    }
}

/// A debug line of the `msg` context (librdkafka's producer debugging: debug=msg or all).
fn log_debug(inner: &ProducerInner, msg: &str) {
    inner.client.events.debug("msg", "PRODUCE", || msg.to_string());
}

/// Encodes each batch once (compressing it) and stamps its producer id and sequence.
fn encode(inner: &ProducerInner, b: &mut Batch) -> Result<Bytes, Error> {
    if let Some(e) = &b.encoded {
        return Ok(e.clone());
    }
    let cfg = &inner.config;
    let topic = inner.acc.topic_settings(&b.topic);
    let (compression, compression_level) =
        topic.as_ref().map_or((cfg.compression, cfg.compression_level), |t| (t.compression, t.compression_level));
    let (pid, epoch, seq) = b.sequence.unwrap_or((-1, -1, -1));
    let bytes = match b.unstamped.take() {
        // Renumbered after an epoch bump: only the header changes, no second compression.
        Some(old) => restamp(&old, pid, epoch, seq)?,
        None => b.builder.finish(&BatchParams {
            compression,
            compression_level,
            producer_id: pid,
            producer_epoch: epoch,
            base_sequence: seq,
            transactional: inner.txn.is_some(),
            ..BatchParams::default()
        })?,
    };
    b.encoded = Some(bytes.clone());
    Ok(bytes)
}

/// The per-broker engine: sends what the drain step hands it for `leader`, one round after
/// another, so the rounds of one broker keep their order (idempotent sequences, and one batch
/// per partition in flight without idempotence) while brokers proceed independently. It ends
/// when the drain task drops its sender.
fn broker_engine(inner: Arc<ProducerInner>, leader: i32) -> mpsc::UnboundedSender<Vec<Batch>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Batch>>();
    tokio::spawn(async move {
        while let Some(batches) = rx.recv().await {
            send_to_leader(&inner, leader, batches).await;
        }
    });
    tx
}

/// Fails batches whose request was purged in flight (rd_kafka_purge with PURGE_INFLIGHT): their
/// answer, if one comes, is ignored. An idempotent producer bumps its epoch, since the broker
/// may have written them and their sequence numbers are void.
fn purged_in_flight(inner: &ProducerInner, batches: Vec<Batch>) {
    let err = Error::new(ErrorKind::PurgeInflight, "purged while in flight: the broker may or may not have written it");
    let mut out = Outcomes::default();
    let mut numbered = false;
    for b in batches {
        numbered |= b.sequence.is_some();
        inner.acc.release(&b.topic, b.partition);
        out.fail_batch(b, &err);
    }
    if numbered {
        inner.idempotence.request_bump();
    }
    inner.acc.deliver(out, &inner.client.events);
}

async fn send_to_leader(inner: &Arc<ProducerInner>, leader: i32, mut batches: Vec<Batch>) {
    let cfg = &inner.config;
    // Subscribed before anything waits: a purge from here on reaches this request.
    let mut purged = inner.acc.purge_watch();
    let mut out = Outcomes::default();
    let mut good = Vec::with_capacity(batches.len());
    for mut b in batches.drain(..) {
        match encode(inner, &mut b) {
            Ok(_) => good.push(b),
            Err(e) => {
                inner.acc.release(&b.topic, b.partition);
                out.fail_batch(b, &e);
            }
        }
    }
    inner.acc.deliver(out, &inner.client.events);
    if good.is_empty() {
        return;
    }
    let connecting = inner.client.connection(leader);
    let conn = tokio::select! {
        c = connecting => c,
        _ = purged.changed() => return purged_in_flight(inner, good),
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            log_debug(inner, &format!("broker {leader}: {e}"));
            retry_or_fail(inner, good, &e);
            return;
        }
    };
    let version = match conn.version::<ProduceRequest>(ours::PRODUCE) {
        Ok(v) => v,
        Err(e) => {
            let mut out = Outcomes::default();
            for b in good {
                inner.acc.release(&b.topic, b.partition);
                out.fail_batch(b, &e);
            }
            inner.acc.deliver(out, &inner.client.events);
            return;
        }
    };
    // One request per (acks, request.timeout.ms): a topic's own configuration may ask for
    // other ones than the producer's.
    let mut groups: Vec<((Acks, Duration), Vec<Batch>)> = Vec::new();
    for b in good {
        let key = inner
            .acc
            .topic_settings(&b.topic)
            .map_or((cfg.acks, cfg.common.request_timeout), |t| (t.acks, t.request_timeout));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(b),
            None => groups.push((key, vec![b])),
        }
    }
    for ((acks, request_timeout), good) in groups {
        produce_request(inner, leader, conn.clone(), version, (acks, request_timeout), good, purged.clone());
    }
}

/// Sends one Produce request with `acks` for `good` and hands its answer to a task, which waits
/// for it up to `request_timeout` (the broker is asked to answer within it too).
fn produce_request(
    inner: &Arc<ProducerInner>,
    leader: i32,
    conn: Arc<crate::net::Connection>,
    version: i16,
    (acks, request_timeout): (Acks, Duration),
    good: Vec<Batch>,
    mut purged: tokio::sync::watch::Receiver<u64>,
) {
    // Group by topic, keeping one batch per partition (the drain step guarantees it).
    let mut topics: Vec<(Arc<str>, Vec<usize>)> = Vec::new();
    for (i, b) in good.iter().enumerate() {
        match topics.iter_mut().find(|(t, _)| *t == b.topic) {
            Some((_, v)) => v.push(i),
            None => topics.push((b.topic.clone(), vec![i])),
        }
    }
    let req = ProduceRequest::default()
        .with_transactional_id(inner.txn.as_ref().map(|t| TransactionalId(StrBytes::from_string(t.id.clone()))))
        .with_acks(acks.as_i16())
        .with_timeout_ms(i32::try_from(request_timeout.as_millis()).unwrap_or(i32::MAX))
        .with_topic_data(
            topics
                .iter()
                .map(|(t, idx)| {
                    TopicProduceData::default()
                        .with_name(TopicName(StrBytes::from_string(t.to_string())))
                        .with_partition_data(
                            idx.iter()
                                .map(|&i| {
                                    PartitionProduceData::default()
                                        .with_index(good[i].partition)
                                        .with_records(good[i].encoded.clone())
                                })
                                .collect(),
                        )
                })
                .collect(),
        );
    if acks == Acks::None {
        // The broker never answers acks=0: a record counts as delivered once written.
        let result = conn.send_no_response(&req, version);
        let mut out = Outcomes::default();
        for b in good {
            inner.acc.release(&b.topic, b.partition);
            match &result {
                Ok(()) => out.succeed_batch(b, -1, -1),
                Err(e) => out.fail_batch(b, e),
            }
        }
        inner.acc.deliver(out, &inner.client.events);
        return;
    }
    log_debug(inner, &format!("produce to {leader}: {:?}", good.iter().map(|b| (b.partition, b.sequence, b.attempts)).collect::<Vec<_>>()));
    let rx = match conn.send_raw(&req, version) {
        Ok(rx) => rx,
        Err(e) => {
            retry_or_fail(inner, good, &e);
            return;
        }
    };
    let inner = inner.clone();
    let timeout = request_timeout;
    let addr = conn.addr().to_string();
    tokio::spawn(async move {
        let answer = tokio::select! {
            a = tokio::time::timeout(timeout, rx) => a,
            _ = purged.changed() => return purged_in_flight(&inner, good),
        };
        let body = match answer {
            Ok(Ok(Ok(body))) => body,
            Ok(Ok(Err(e))) => return retry_or_fail(&inner, good, &e),
            Ok(Err(_)) => {
                let e = Error::new(ErrorKind::Transport, format!("{addr}: connection closed before the produce response"));
                return retry_or_fail(&inner, good, &e);
            }
            Err(_) => {
                conn.close();
                let e = Error::new(ErrorKind::TimedOut, format!("{addr}: produce request timed out"));
                return retry_or_fail(&inner, good, &e);
            }
        };
        let resp: ProduceResponse = match decode_body(body, version, &addr) {
            Ok(r) => r,
            Err(e) => return retry_or_fail(&inner, good, &e),
        };
        inner.client.note_throttle(&addr, leader, resp.throttle_time_ms);
        // Index the answer by (topic, partition).
        let mut answers: HashMap<(String, i32), (i16, i64, i64, Option<String>)> = HashMap::new();
        for t in resp.responses {
            for p in t.partition_responses {
                answers.insert(
                    (t.name.0.to_string(), p.index),
                    (p.error_code, p.base_offset, p.log_append_time_ms, p.error_message.map(|m| m.to_string())),
                );
            }
        }
        let mut out = Outcomes::default();
        let mut retry = Vec::new();
        let mut refresh = false;
        for b in good {
            let answer = answers.remove(&(b.topic.to_string(), b.partition));
            handle_partition(&inner, b, answer, &mut out, &mut retry, &mut refresh);
        }
        inner.acc.deliver(out, &inner.client.events);
        if !retry.is_empty() {
            inner.acc.requeue(retry, inner.config.common.retry_backoff);
        }
        if refresh {
            let client = inner.client.clone();
            let _ = client.fetch_metadata(None, false, METADATA_STEP).await;
            inner.acc.wake.notify_one();
        }
    });
}

fn handle_partition(
    inner: &ProducerInner,
    b: Batch,
    answer: Option<(i16, i64, i64, Option<String>)>,
    out: &mut Outcomes,
    retry: &mut Vec<Batch>,
    refresh: &mut bool,
) {
    let Some((code, base_offset, log_append_time, message)) = answer else {
        inner.acc.release(&b.topic, b.partition);
        let e = Error::new(ErrorKind::BadMsg, format!("broker did not answer for {}[{}]", b.topic, b.partition));
        return out.fail_batch(b, &e);
    };
    if code == 0 {
        inner.acc.acknowledge(&b);
        return out.succeed_batch(b, base_offset, log_append_time);
    }
    let kind = ErrorKind::from_kafka_code(code);
    log_debug(inner, &format!("{}[{}] seq {:?} attempt {}: error {code}", b.topic, b.partition, b.sequence, b.attempts));
    let context = format!(
        "{}[{}]{}",
        b.topic,
        b.partition,
        message.map(|m| format!(": {m}")).unwrap_or_default()
    );
    let err = Error::from_kafka(code, context);
    match kind {
        // A transactional producer that was fenced (or whose transaction the coordinator aborted
        // on timeout) is done: fatal, never retried.
        ErrorKind::InvalidProducerEpoch | ErrorKind::ProducerFenced if inner.txn.is_some() => {
            inner.acc.release(&b.topic, b.partition);
            let fenced = inner.txn.as_ref().map(|t| t.fenced_by_produce(inner, code, &err.message)).unwrap_or(err);
            out.fail_batch(b, &fenced);
        }
        // Already written (an earlier attempt got through): success, offsets unknown.
        ErrorKind::DuplicateSequenceNumber => {
            inner.acc.acknowledge(&b);
            out.succeed_batch(b, base_offset, log_append_time);
        }
        ErrorKind::OutOfOrderSequenceNumber | ErrorKind::UnknownProducerId | ErrorKind::InvalidProducerEpoch
            if inner.config.enable_idempotence =>
        {
            // Either an earlier batch failed first (then this one is retried after it), or the
            // broker lost our sequence (then a new epoch renumbers from 0). Retrying under the
            // bumped epoch covers both; the bump waits for all in-flight answers.
            if kind != ErrorKind::OutOfOrderSequenceNumber || inner.acc.is_oldest_unacknowledged(&b) {
                inner.idempotence.request_bump();
            }
            retry_one(inner, b, &err, out, retry);
        }
        _ if kind.is_retriable() => {
            if matches!(
                kind,
                ErrorKind::NotLeaderOrFollower
                    | ErrorKind::UnknownTopicOrPart
                    | ErrorKind::LeaderNotAvailable
                    | ErrorKind::NotEnoughReplicas
                    | ErrorKind::FencedLeaderEpoch
                    | ErrorKind::KafkaStorageError
            ) {
                *refresh = true;
            }
            retry_one(inner, b, &err, out, retry);
        }
        _ => {
            inner.acc.release(&b.topic, b.partition);
            out.fail_batch(b, &err);
        }
    }
}

fn retry_one(inner: &ProducerInner, b: Batch, err: &Error, out: &mut Outcomes, retry: &mut Vec<Batch>) {
    let cfg = &inner.config;
    let timeout = inner.acc.topic_settings(&b.topic).map_or(cfg.message_timeout, |t| t.message_timeout);
    let expired = !timeout.is_zero() && b.created.elapsed() >= timeout;
    if b.attempts >= cfg.retries || expired {
        inner.acc.release(&b.topic, b.partition);
        if b.sequence.is_some() {
            inner.idempotence.request_bump();
        }
        let e = if expired {
            Error::new(ErrorKind::MsgTimedOut, format!("message timed out after {} retries; last error: {err}", b.attempts))
        } else {
            err.clone()
        };
        out.fail_batch(b, &e);
    } else {
        retry.push(b);
    }
}

/// A whole request failed (transport): every batch is retried in order, or fails when out of
/// retries. The connection is gone, so leaders are re-checked too.
fn retry_or_fail(inner: &Arc<ProducerInner>, batches: Vec<Batch>, err: &Error) {
    log_debug(inner, &format!("request of {} batch(es) failed: {err}", batches.len()));
    let mut out = Outcomes::default();
    let mut retry = Vec::new();
    for b in batches {
        retry_one(inner, b, err, &mut out, &mut retry);
    }
    inner.acc.deliver(out, &inner.client.events);
    if !retry.is_empty() {
        inner.acc.requeue(retry, inner.config.common.retry_backoff);
    }
    let client = inner.client.clone();
    let acc_inner = inner.clone();
    tokio::spawn(async move {
        let _ = client.fetch_metadata(None, false, METADATA_STEP).await;
        acc_inner.acc.wake.notify_one();
    });
}
