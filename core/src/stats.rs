//! librdkafka's statistics JSON (its STATISTICS.md), emitted every statistics.interval.ms as a
//! [`ClientEvent::Stats`] on the client's event queue.
//!
//! The field names, units (microseconds for times and ages, bytes) and nesting are librdkafka's,
//! so dashboards and parsers written for librdkafka's stats_cb read ours. A field appears only
//! where our model has the figure: nothing is filled in with a made-up value.
//!
//! One task per client builds the document from the client's own state (a weak reference: the
//! task ends with the client), under each lock only long enough to copy the figures.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::Client;
use crate::events::ClientEvent;

/// A small JSON writer: objects and scalars, strings escaped per RFC 8259.
#[derive(Default)]
pub(crate) struct Json {
    out: String,
    /// Whether the innermost open object already has a member (a comma goes before the next).
    has_member: Vec<bool>,
}

impl Json {
    pub fn new() -> Json {
        let mut j = Json::default();
        j.out.push('{');
        j.has_member.push(false);
        j
    }

    fn key(&mut self, k: &str) {
        if let Some(has) = self.has_member.last_mut() {
            if *has {
                self.out.push(',');
            }
            *has = true;
        }
        write_str(&mut self.out, k);
        self.out.push(':');
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        write_str(&mut self.out, v);
        self
    }

    pub fn int(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn uint(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k);
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn begin(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.out.push('{');
        self.has_member.push(false);
        self
    }

    pub fn end(&mut self) -> &mut Self {
        self.out.push('}');
        self.has_member.pop();
        self
    }

    pub fn finish(mut self) -> String {
        while !self.has_member.is_empty() {
            self.end();
        }
        self.out
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The top-level fields every client type has, and the open `brokers` object filled in. The
/// caller adds its own fields and objects, then finishes.
pub(crate) fn common(client: &Client, kind: &str, created: Instant) -> Json {
    let mut j = Json::new();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let c = &client.config;
    j.str("name", &format!("{}#{kind}", c.client_id))
        .str("client_id", &c.client_id)
        .str("type", kind)
        .int("ts", micros(now))
        .int("time", i64::try_from(now.as_secs()).unwrap_or(i64::MAX))
        .int("age", micros(created.elapsed()))
        .uint("replyq", client.events.len() as u64);
    let crate::client::Known { brokers, topics } = client.known();
    j.uint("metadata_cache_cnt", topics.len() as u64);
    let conns = client.connection_stats();
    let (mut tx, mut txb, mut rx, mut rxb) = (0u64, 0u64, 0u64, 0u64);
    j.begin("brokers");
    for (addr, up, k) in &conns {
        let (plain, lane) = match addr.split_once('#') {
            Some((a, lane)) => (a, Some(lane)),
            None => (addr.as_str(), None),
        };
        let id = brokers.iter().find(|(_, a)| a == plain).map(|(i, _)| *i);
        let name = match (id, lane) {
            (Some(id), None) => format!("{plain}/{id}"),
            (Some(id), Some(lane)) => format!("{plain}/{id}#{lane}"),
            (None, _) => format!("{plain}/bootstrap"),
        };
        let r = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        tx += r(&k.tx);
        txb += r(&k.txbytes);
        rx += r(&k.rx);
        rxb += r(&k.rxbytes);
        j.begin(&name)
            .str("name", &name)
            .int("nodeid", i64::from(id.unwrap_or(-1)))
            .str("nodename", plain)
            .str("source", if id.is_some() { "learned" } else { "configured" })
            .str("state", if *up { "UP" } else { "DOWN" })
            .uint("outbuf_cnt", r(&k.outbuf))
            .uint("waitresp_cnt", r(&k.waitresp))
            .uint("tx", r(&k.tx))
            .uint("txbytes", r(&k.txbytes))
            .uint("txerrs", r(&k.txerrs))
            .uint("req_timeouts", r(&k.req_timeouts))
            .uint("rx", r(&k.rx))
            .uint("rxbytes", r(&k.rxbytes))
            .uint("rxerrs", r(&k.rxerrs))
            .uint("connects", r(&k.connects))
            .uint("disconnects", r(&k.disconnects));
        let cnt = r(&k.rtt_cnt);
        j.begin("rtt")
            .uint("min", if cnt == 0 { 0 } else { r(&k.rtt_min_us) })
            .uint("max", r(&k.rtt_max_us))
            .uint("avg", r(&k.rtt_sum_us).checked_div(cnt).unwrap_or(0))
            .uint("sum", r(&k.rtt_sum_us))
            .uint("cnt", cnt)
            .end();
        j.end();
    }
    j.end();
    j.uint("tx", tx).uint("tx_bytes", txb).uint("rx", rx).uint("rx_bytes", rxb);
    j
}

/// The producer's document: queue figures, brokers, per-partition queues and deliveries, eos.
pub(crate) fn producer(inner: &crate::producer::ProducerInner) -> String {
    let client = &inner.client;
    let cfg = &inner.config;
    let mut j = common(client, "producer", inner.created);
    let (unpolled, unpolled_bytes) = client.events.pending_reports();
    let (topics, queued_bytes) = inner.acc.figures();
    let msg_cnt = inner.acc.queued_records() + unpolled;
    j.uint("msg_cnt", msg_cnt as u64)
        .uint("msg_size", (queued_bytes + unpolled_bytes) as u64)
        .uint("msg_max", cfg.queue_buffering_max_messages as u64)
        .uint("msg_size_max", cfg.queue_buffering_max_kbytes.saturating_mul(1024) as u64);
    let known = client.known().topics;
    let (mut txmsgs, mut txmsg_bytes) = (0u64, 0u64);
    j.begin("topics");
    for (name, parts, waiting) in &topics {
        let leaders = known.iter().find(|(t, _)| **t == **name).map(|(_, i)| i.leaders.clone()).unwrap_or_default();
        j.begin(name).str("topic", name).uint("partition_cnt", leaders.len() as u64);
        j.begin("partitions");
        for p in parts {
            txmsgs += p.txmsgs;
            txmsg_bytes += p.txbytes;
            let leader = usize::try_from(p.partition).ok().and_then(|i| leaders.get(i)).copied().unwrap_or(-1);
            j.begin(&p.partition.to_string())
                .int("partition", i64::from(p.partition))
                .int("broker", i64::from(leader))
                .int("leader", i64::from(leader))
                .uint("msgq_cnt", p.msgq_cnt)
                .uint("xmit_msgq_cnt", p.xmit_msgq_cnt)
                .uint("txmsgs", p.txmsgs)
                .uint("txbytes", p.txbytes)
                .end();
        }
        // librdkafka's UA partition: records waiting for the topic's partitions to be known.
        j.begin("-1").int("partition", -1).int("broker", -1).int("leader", -1).uint("msgq_cnt", *waiting).end();
        j.end().end();
    }
    j.end();
    j.uint("txmsgs", txmsgs).uint("txmsg_bytes", txmsg_bytes);
    if cfg.enable_idempotence {
        let (state, pid, epoch) = inner.idempotence.describe();
        j.begin("eos").str("idemp_state", state).int("producer_id", pid).int("producer_epoch", i64::from(epoch)).end();
    }
    j.finish()
}

/// The consumer's document: brokers, per-partition positions, offsets and queues, the group.
pub(crate) fn consumer(inner: &crate::consumer::ConsumerInner) -> String {
    let client = &inner.client;
    let mut j = common(client, "consumer", inner.created);
    j.uint("rxmsgs", inner.rxmsgs.load(Ordering::Relaxed))
        .uint("rxmsg_bytes", inner.rxmsg_bytes.load(Ordering::Relaxed));
    let figures = inner.partition_figures();
    let known = client.known().topics;
    let mut by_topic: Vec<(&str, Vec<&crate::consumer::PartitionFigures>)> = Vec::new();
    for f in &figures {
        match by_topic.iter_mut().find(|(t, _)| *t == &*f.topic) {
            Some((_, v)) => v.push(f),
            None => by_topic.push((&f.topic, vec![f])),
        }
    }
    j.begin("topics");
    for (name, parts) in &by_topic {
        let leaders = known.iter().find(|(t, _)| t == name).map(|(_, i)| i.leaders.clone()).unwrap_or_default();
        j.begin(name).str("topic", name).uint("partition_cnt", leaders.len() as u64);
        j.begin("partitions");
        for p in parts {
            let leader = usize::try_from(p.partition).ok().and_then(|i| leaders.get(i)).copied().unwrap_or(-1);
            // librdkafka's lags: from the end offset (the high watermark, or the last stable
            // offset with read_committed) to the committed and to the stored offset; -1 unknown.
            let lag = |o: i64| if p.end_offset >= 0 && o >= 0 { (p.end_offset - o).max(0) } else { -1 };
            j.begin(&p.partition.to_string())
                .int("partition", i64::from(p.partition))
                .int("broker", i64::from(leader))
                .int("leader", i64::from(leader))
                .int("desired", 1)
                .str("fetch_state", p.fetch_state)
                .uint("fetchq_cnt", p.fetchq_cnt)
                .int("next_offset", p.next_offset)
                .int("stored_offset", p.stored_offset)
                .int("committed_offset", p.committed_offset)
                .int("eof_offset", p.eof_offset)
                .int(if p.read_committed { "ls_offset" } else { "hi_offset" }, p.end_offset)
                .int("consumer_lag", lag(p.committed_offset))
                .int("consumer_lag_stored", lag(p.stored_offset))
                .end();
        }
        j.end().end();
    }
    j.end();
    if let Some(g) = inner.group_figures() {
        j.begin("cgrp")
            .str("state", g.state)
            .str("join_state", g.join_state)
            .uint("rebalance_cnt", g.rebalance_cnt)
            .uint("assignment_size", figures.len() as u64)
            .end();
    }
    j.finish()
}

/// The admin client's document: the common fields and brokers.
pub(crate) fn admin(inner: &(Arc<Client>, Instant)) -> String {
    common(&inner.0, "producer", inner.1).finish()
}

/// Runs `build` every `interval` while `target` lives, queueing each document.
pub(crate) fn spawn<T: Send + Sync + 'static>(
    handle: &tokio::runtime::Handle,
    interval: Duration,
    target: Weak<T>,
    events: Arc<crate::events::EventQueue>,
    build: fn(&T) -> String,
) {
    crate::clock::spawn_every(handle, interval, target, move |t| {
        let doc = build(&t);
        drop(t);
        events.push(ClientEvent::Stats(doc));
        std::future::ready(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nests_and_escapes() {
        let mut j = Json::new();
        j.str("a", "q\"\\\n\u{1}").int("n", -3).begin("o").uint("x", 1).begin("p").end().end().str("z", "");
        assert_eq!(j.finish(), r#"{"a":"q\"\\\n\u0001","n":-3,"o":{"x":1,"p":{}},"z":""}"#);
    }
}
