//! The blocking facade and the one shared runtime every binding uses.
//!
//! Bindings (PHP, Python, C, the CLI) call from threads that are not tokio's. They share one
//! multi-threaded runtime per process, made on first use. After `fork()` (php-fpm, Python
//! multiprocessing) the child has the runtime's memory but none of its threads, so a runtime
//! is keyed on the process id: a child builds its own, and the parent's copy is leaked on
//! purpose, since dropping it would wait forever for threads that do not exist in the child.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::client::admin::{self as admin, AdminClient as AsyncAdmin, AdminOptions, NewTopic, TopicResult};
use crate::client::Metadata;
use crate::config::ClientConfig;
use crate::consumer::{self, Event, Offset, RebalanceEvent, TopicPartitionOffset};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{ClientEvent, CommitResult, EventQueue};
use crate::producer::{self, Completion, DeliveryFuture, ProducerRecord};

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The shared runtime of this process (rebuilt after a fork).
pub fn runtime() -> Result<Arc<Runtime>> {
    let pid = std::process::id();
    let mut g = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((owner, rt)) = g.as_ref() {
        if *owner == pid {
            return Ok(rt.clone());
        }
    }
    if let Some((_, old)) = g.take() {
        // Forked child: the parent's runtime threads are gone; never drop it.
        std::mem::forget(old);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ferrokafka")
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorKind::CritSysResource, format!("cannot start the I/O runtime: {e}")))?;
    let rt = Arc::new(rt);
    *g = Some((pid, rt.clone()));
    Ok(rt)
}

/// A client made before fork() cannot work in the child: its runtime threads and sockets stayed
/// in the parent. Every call says so instead of hanging (librdkafka hangs there).
fn not_forked(pid: u32) -> Result<()> {
    let now = std::process::id();
    if now == pid {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::State,
        format!("this client was created in process {pid} before fork(); process {now} must create its own client"),
    ))
}

/// A producer for non-async callers.
#[derive(Clone)]
pub struct Producer {
    inner: producer::Producer,
    rt: Arc<Runtime>,
    pid: u32,
}

impl Producer {
    pub fn new(config: &ClientConfig) -> Result<Producer> {
        let rt = runtime()?;
        let inner = producer::Producer::with_runtime(config, rt.handle())?;
        Ok(Producer { inner, rt, pid: std::process::id() })
    }

    /// Queues a record; `wait()` on the result blocks until it is delivered or failed.
    pub fn send(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        not_forked(self.pid)?;
        self.inner.send(record)
    }

    /// Queues a record whose delivery report is handed out by [`poll`](Self::poll)
    /// (librdkafka's model: produce, then poll to serve delivery callbacks).
    pub fn produce(&self, record: ProducerRecord) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.send_with(record, Completion::Queue)
    }

    /// Queues a record whose outcome goes to `completion`.
    pub fn send_with(&self, record: ProducerRecord, completion: Completion) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.send_with(record, completion)
    }

    /// Events (delivery reports of [`produce`](Self::produce)d records, errors, logs,
    /// statistics, throttle notices), waiting up to `timeout` for the first; at most `max`.
    /// This is librdkafka's rd_kafka_poll: the caller runs its callbacks on its own thread.
    pub fn poll(&self, timeout: Duration, max: usize) -> Vec<ClientEvent> {
        if let Err(e) = not_forked(self.pid) {
            return vec![ClientEvent::Error(e)];
        }
        self.inner.poll_events(timeout, max)
    }

    /// Waits until every record has an outcome, handing every event that arrives meanwhile to
    /// `serve` on this thread (librdkafka's flush serves callbacks while it waits). Returns once
    /// nothing is in flight and no report is left unserved; `_TIMED_OUT` at the deadline.
    pub fn flush_serving(&self, timeout: Duration, serve: &mut dyn FnMut(ClientEvent)) -> Result<()> {
        not_forked(self.pid)?;
        let deadline = crate::clock::deadline_after(timeout);
        let _flush = self.inner.begin_flush();
        loop {
            for ev in self.inner.events().take_now(usize::MAX) {
                serve(ev);
            }
            let left = self.in_flight_count();
            if left == 0 {
                return Ok(());
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    ErrorKind::TimedOut,
                    format!("flush timed out after {} ms with {left} record(s) not yet delivered", timeout.as_millis()),
                ));
            }
            // Reports wake this wait; records completed by future or callback do not, so look
            // again at least every 10 ms.
            for ev in self.inner.poll_events((deadline - now).min(Duration::from_millis(10)), usize::MAX) {
                serve(ev);
            }
        }
    }

    /// Sends everything queued and waits for every outcome. Delivery reports and other events
    /// stay queued for [`poll`](Self::poll); use [`flush_serving`](Self::flush_serving) to serve
    /// them while waiting.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.flush(timeout))
    }

    /// The event queue (wakeup, I/O event descriptor, forwarder, log handler).
    pub fn events(&self) -> &Arc<EventQueue> {
        self.inner.events()
    }

    /// See [`producer::Producer::set_topic_config`].
    pub fn set_topic_config(&self, topic: &str, config: &crate::config::TopicConfig) -> Result<()> {
        self.inner.set_topic_config(topic, config)
    }

    /// See [`producer::Producer::purge`]; `flags` from [`producer::purge`].
    pub fn purge(&self, flags: i32) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.purge(flags))
    }

    /// Records not yet delivered plus reports not yet polled.
    pub fn in_flight_count(&self) -> usize {
        self.inner.in_flight_count()
    }

    pub fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.metadata(topic, timeout))
    }

    /// See [`producer::Producer::init_transactions`].
    pub fn init_transactions(&self, timeout: Duration) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.init_transactions(timeout))
    }

    /// See [`producer::Producer::begin_transaction`].
    pub fn begin_transaction(&self) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.begin_transaction()
    }

    /// See [`producer::Producer::send_offsets_to_transaction`].
    pub fn send_offsets_to_transaction(
        &self,
        offsets: &[crate::producer::transaction::TxnOffset],
        group: &crate::producer::transaction::ConsumerGroupMetadata,
        timeout: Duration,
    ) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.send_offsets_to_transaction(offsets, group, timeout))
    }

    /// See [`producer::Producer::commit_transaction`].
    pub fn commit_transaction(&self, timeout: Duration) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.commit_transaction(timeout))
    }

    /// See [`producer::Producer::abort_transaction`].
    pub fn abort_transaction(&self, timeout: Duration) -> Result<()> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.abort_transaction(timeout))
    }

    pub fn as_async(&self) -> &producer::Producer {
        &self.inner
    }
}

/// A rebalance callback of the blocking consumer: runs inside `poll`, on the caller's thread,
/// outside the runtime, so it may call anything on the consumer (commit included).
pub type RebalanceCallback = Arc<dyn Fn(&Consumer, &RebalanceEvent) + Send + Sync>;

/// A consumer for non-async callers: partitions by assign(), or a group by subscribe().
#[derive(Clone)]
pub struct Consumer {
    inner: consumer::Consumer,
    rt: Arc<Runtime>,
    pid: u32,
    callback: Arc<Mutex<Option<RebalanceCallback>>>,
    events_to_app: Arc<std::sync::atomic::AtomicBool>,
}

impl Consumer {
    pub fn new(config: &ClientConfig) -> Result<Consumer> {
        let rt = runtime()?;
        let inner = consumer::Consumer::with_runtime(config, rt.handle())?;
        Ok(Consumer {
            inner,
            rt,
            pid: std::process::id(),
            callback: Arc::new(Mutex::new(None)),
            events_to_app: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        })
    }

    pub fn subscribe(&self, topics: &[String]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.subscribe(topics)
    }

    pub fn unsubscribe(&self) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.unsubscribe()
    }

    pub fn subscription(&self) -> Vec<String> {
        self.inner.subscription()
    }

    /// See [`consumer::Consumer::member_id`].
    pub fn member_id(&self) -> Option<String> {
        self.inner.member_id()
    }

    pub fn generation(&self) -> i32 {
        self.inner.generation()
    }

    /// See [`consumer::Consumer::group_metadata`].
    pub fn group_metadata(&self) -> Option<crate::producer::transaction::ConsumerGroupMetadata> {
        self.inner.group_metadata()
    }

    /// See [`consumer::Consumer::enable_rebalance_events`].
    pub fn enable_rebalance_events(&self, on: bool) {
        self.events_to_app.store(on, std::sync::atomic::Ordering::Release);
        self.sync_rebalance_mode();
    }

    pub fn set_rebalance_callback(&self, cb: Option<RebalanceCallback>) {
        *self.callback.lock().unwrap_or_else(|p| p.into_inner()) = cb;
        self.sync_rebalance_mode();
    }

    fn sync_rebalance_mode(&self) {
        let has_cb = self.callback.lock().map(|c| c.is_some()).unwrap_or(false);
        let to_app = self.events_to_app.load(std::sync::atomic::Ordering::Acquire);
        self.inner.enable_rebalance_events(has_cb || to_app);
    }

    pub fn incremental_assign(&self, partitions: &[TopicPartitionOffset]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.incremental_assign(partitions)
    }

    pub fn incremental_unassign(&self, partitions: &[(String, i32)]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.incremental_unassign(partitions)
    }

    pub fn unassign(&self) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.unassign()
    }

    pub fn store_offsets(&self, offsets: &[(String, i32, i64)]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.store_offsets(offsets)
    }

    /// See [`consumer::Consumer::store_offset_entries`].
    pub fn store_offset_entries(&self, offsets: &[consumer::OffsetEntry]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.store_offset_entries(offsets)
    }

    /// See [`consumer::Consumer::offset_store`] (stores offset + 1).
    pub fn offset_store(&self, topic: &str, partition: i32, offset: i64) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.offset_store(topic, partition, offset)
    }

    /// Commits with metadata and leader epoch; None: every stored offset.
    pub fn commit_entries(&self, offsets: Option<&[consumer::OffsetEntry]>) -> Result<Vec<(String, i32, Result<i64>)>> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.commit_entries(offsets))
    }

    /// See [`consumer::Consumer::committed_entries`].
    pub fn committed_entries(&self, partitions: &[(String, i32)], timeout: Duration) -> Result<Vec<consumer::OffsetEntry>> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.committed_entries(partitions, timeout))
    }

    /// Commits and waits (librdkafka's synchronous commit). None: every stored offset.
    pub fn commit(&self, offsets: Option<&[(String, i32, i64)]>) -> Result<Vec<(String, i32, Result<i64>)>> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.commit(offsets))
    }

    /// Commits in the background (librdkafka's asynchronous commit); the outcome arrives as a
    /// [`ClientEvent::OffsetCommit`] for [`poll_serving`](Self::poll_serving), on the caller's
    /// thread, never as a callback on a runtime thread.
    pub fn commit_async(&self, offsets: Option<&[(String, i32, i64)]>) {
        let consumer = self.inner.clone();
        let offsets = offsets.map(|o| o.to_vec());
        self.rt.spawn(async move {
            let r = consumer.commit(offsets.as_deref()).await;
            consumer.events().push(ClientEvent::OffsetCommit(CommitResult::from_outcome(&r)));
        });
    }

    pub fn committed(&self, partitions: &[(String, i32)], timeout: Duration) -> Result<Vec<(String, i32, i64)>> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.committed(partitions, timeout))
    }

    /// Commits what is due, revokes the assignment through the rebalance callback (run here,
    /// on the caller's thread, as librdkafka's consumer_close does), leaves the group, stops.
    pub fn close(&self) -> Result<()> {
        not_forked(self.pid)?;
        if let Some(ev) = crate::wait::block_on(&self.rt, self.inner.begin_close_revocation()) {
            let cb = self.callback.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(cb) = cb {
                cb(self, &ev);
            }
            self.inner.complete_close_revocation(&ev);
        }
        crate::wait::block_on(&self.rt, self.inner.close())
    }

    pub fn assign(&self, partitions: &[TopicPartitionOffset]) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.assign(partitions)
    }

    pub fn assignment(&self) -> Vec<(String, i32)> {
        self.inner.assignment()
    }

    pub fn seek(&self, topic: &str, partition: i32, offset: Offset) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.seek(topic, partition, offset)
    }

    /// See [`consumer::Consumer::pause`]: one result per partition.
    pub fn pause(&self, partitions: &[(String, i32)]) -> Vec<(String, i32, Result<()>)> {
        self.inner.pause(partitions)
    }

    pub fn resume(&self, partitions: &[(String, i32)]) -> Vec<(String, i32, Result<()>)> {
        self.inner.resume(partitions)
    }

    /// The next consumer event (message, EOF, error, rebalance without a callback). Rebalances
    /// run the callback here, outside the runtime. Client events (logs, errors, statistics,
    /// commit results) stay queued: [`poll_serving`](Self::poll_serving) serves them too.
    pub fn poll(&self, timeout: Duration) -> Option<Event> {
        self.poll_with(timeout, None)
    }

    /// [`poll`](Self::poll) that hands every client event arriving meanwhile to `serve`, on this
    /// thread (librdkafka's consumer poll, which serves error, stats, log and offset-commit
    /// callbacks while it waits for a message).
    pub fn poll_serving(&self, timeout: Duration, serve: &mut dyn FnMut(ClientEvent)) -> Option<Event> {
        self.poll_with(timeout, Some(serve))
    }

    fn poll_with(&self, timeout: Duration, mut serve: Option<&mut dyn FnMut(ClientEvent)>) -> Option<Event> {
        if let Err(error) = not_forked(self.pid) {
            return Some(Event::Error { topic: None, partition: -1, error });
        }
        let deadline = crate::clock::deadline_after(timeout);
        let events = self.inner.events().clone();
        loop {
            if let Some(serve) = serve.as_mut() {
                for ev in events.take_now(usize::MAX) {
                    serve(ev);
                }
            }
            // Most polls find an event already queued: no need to enter the runtime for those.
            let ev = match self.inner.poll_now() {
                Some(ev) => ev,
                None => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    let tokio_deadline = crate::clock::tokio_deadline_after(left);
                    let wait = self.inner.wait_for_any(consumer::Source::Queue(consumer::MAIN_QUEUE), tokio_deadline, serve.is_some());
                    if crate::wait::block_on(&self.rt, wait) {
                        continue;
                    }
                    // Deadline, wake-up or close: serve what is there, then return.
                    if let Some(serve) = serve.as_mut() {
                        for ev in events.take_now(usize::MAX) {
                            serve(ev);
                        }
                    }
                    self.inner.poll_now()?
                }
            };
            let Event::Rebalance(rb) = &ev else { return Some(ev) };
            let cb = self.callback.lock().unwrap_or_else(|p| p.into_inner()).clone();
            match cb {
                Some(cb) => {
                    cb(self, rb);
                    self.inner.finish_rebalance();
                }
                None => return Some(ev),
            }
        }
    }

    /// Ends a blocking poll at once, from any thread.
    pub fn wakeup(&self) {
        self.inner.wakeup();
    }

    /// See [`consumer::Consumer::set_topic_config`].
    pub fn set_topic_config(&self, topic: &str, config: &crate::config::TopicConfig) -> Result<()> {
        self.inner.set_topic_config(topic, config)
    }

    /// See [`consumer::Consumer::new_queue`].
    pub fn new_queue(&self) -> consumer::QueueId {
        self.inner.new_queue()
    }

    pub fn destroy_queue(&self, queue: consumer::QueueId) {
        self.inner.destroy_queue(queue)
    }

    /// See [`consumer::Consumer::route`].
    pub fn route(&self, topic: &str, partition: i32, queue: consumer::QueueId) -> Result<()> {
        self.inner.route(topic, partition, queue)
    }

    /// See [`consumer::Consumer::consume_start`].
    pub fn consume_start(&self, topic: &str, partition: i32, offset: Offset, queue: consumer::QueueId) -> Result<()> {
        not_forked(self.pid)?;
        self.inner.consume_start(topic, partition, offset, queue)
    }

    pub fn consume_stop(&self, topic: &str, partition: i32) -> Result<()> {
        self.inner.consume_stop(topic, partition)
    }

    /// The next event of a queue from [`new_queue`](Self::new_queue) (the main queue: use
    /// [`poll`](Self::poll), which also runs rebalances).
    pub fn poll_queue(&self, queue: consumer::QueueId, timeout: Duration) -> Option<Event> {
        if let Err(error) = not_forked(self.pid) {
            return Some(Event::Error { topic: None, partition: -1, error });
        }
        crate::wait::block_on(&self.rt, self.inner.poll_queue(queue, timeout))
    }

    /// The next event of one partition (php-rdkafka's ConsumerTopic::consume).
    pub fn consume_partition(&self, topic: &str, partition: i32, timeout: Duration) -> Option<Event> {
        if let Err(error) = not_forked(self.pid) {
            return Some(Event::Error { topic: None, partition: -1, error });
        }
        crate::wait::block_on(&self.rt, self.inner.consume_partition(topic, partition, timeout))
    }

    /// Up to `max` events of a queue or partition, filling the batch until `timeout`
    /// (consumeBatch, confluent-kafka's consume(num_messages, timeout)).
    pub fn consume_batch(&self, source: consumer::Source, timeout: Duration, max: usize) -> Vec<Event> {
        if let Err(error) = not_forked(self.pid) {
            return vec![Event::Error { topic: None, partition: -1, error }];
        }
        crate::wait::block_on(&self.rt, self.inner.consume_batch(source, timeout, max))
    }

    /// The client event queue (I/O event descriptor, forwarder, log handler, batch poll).
    pub fn events(&self) -> &Arc<EventQueue> {
        self.inner.events()
    }

    pub fn fetch_watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.fetch_watermarks(topic, partition, timeout))
    }

    pub fn offsets_for_times(&self, query: &[(String, i32, i64)], timeout: Duration) -> Vec<Result<i64>> {
        if let Err(e) = not_forked(self.pid) {
            return query.iter().map(|_| Err(e.clone())).collect();
        }
        crate::wait::block_on(&self.rt, self.inner.offsets_for_times(query, timeout))
    }

    pub fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.metadata(topic, timeout))
    }

    pub fn position(&self) -> Vec<(String, i32, i64)> {
        self.inner.position()
    }

    pub fn as_async(&self) -> &consumer::Consumer {
        &self.inner
    }
}

/// Admin operations for non-async callers.
pub struct AdminClient {
    inner: AsyncAdmin,
    rt: Arc<Runtime>,
    pid: u32,
}

impl AdminClient {
    pub fn new(config: &ClientConfig) -> Result<AdminClient> {
        let rt = runtime()?;
        let _guard = rt.enter();
        Ok(AdminClient { inner: AsyncAdmin::new(config)?, rt, pid: std::process::id() })
    }

    pub fn metadata(&self, topics: Option<&[String]>, timeout: Duration) -> Result<Metadata> {
        not_forked(self.pid)?;
        crate::wait::block_on(&self.rt, self.inner.metadata(topics, timeout))
    }

    /// Client events (errors, logs, statistics), waiting up to `timeout` for the first.
    pub fn poll(&self, timeout: Duration, max: usize) -> Vec<ClientEvent> {
        if let Err(e) = not_forked(self.pid) {
            return vec![ClientEvent::Error(e)];
        }
        self.inner.events().poll(timeout, max)
    }

    pub fn events(&self) -> &Arc<EventQueue> {
        self.inner.events()
    }
}

/// Calls every client type has (librdkafka's rd_kafka_t: cluster id, controller id, metadata of
/// the known topics), written once for the three facades.
macro_rules! client_calls {
    ($t:ty) => {
        impl $t {
            /// The cluster id (None when the broker does not say), from known metadata or a request.
            pub fn cluster_id(&self, timeout: Duration) -> Result<Option<String>> {
                not_forked(self.pid)?;
                crate::wait::block_on(&self.rt, self.inner.client().cluster_id(timeout))
            }

            /// The controller's broker id (-1 when the broker does not say).
            pub fn controller_id(&self, timeout: Duration) -> Result<i32> {
                not_forked(self.pid)?;
                crate::wait::block_on(&self.rt, self.inner.client().controller_id(timeout))
            }

            /// Metadata of the locally known topics only.
            pub fn metadata_known(&self, timeout: Duration) -> Result<Metadata> {
                not_forked(self.pid)?;
                crate::wait::block_on(&self.rt, self.inner.client().metadata_known(timeout))
            }
        }
    };
}

/// Watermarks and offsets for times, read uncommitted (the consumer has its own, which
/// follows isolation.level).
macro_rules! offset_queries {
    ($t:ty) => {
        impl $t {
            /// Low and high watermarks of a partition (rd_kafka_query_watermark_offsets).
            pub fn fetch_watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
                not_forked(self.pid)?;
                crate::wait::block_on(&self.rt, self.inner.client().fetch_watermarks(topic, partition, false, timeout))
            }

            /// See [`crate::client::Client::offsets_for_times`].
            pub fn offsets_for_times(&self, query: &[(String, i32, i64)], timeout: Duration) -> Vec<Result<i64>> {
                if let Err(e) = not_forked(self.pid) {
                    return query.iter().map(|_| Err(e.clone())).collect();
                }
                crate::wait::block_on(&self.rt, self.inner.client().offsets_for_times(query, false, timeout))
            }
        }
    };
}

/// The admin calls of [`crate::client::admin::AdminClient`], blocking: same arguments, same
/// per-resource results.
macro_rules! admin_calls {
    ($( fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        impl AdminClient {
            $(
                #[doc = concat!("See [`crate::client::admin::AdminClient::", stringify!($name), "`].")]
                pub fn $name(&self, $($arg: $ty,)* options: impl Into<AdminOptions>) -> Result<$ret> {
                    not_forked(self.pid)?;
                    crate::wait::block_on(&self.rt, self.inner.$name($($arg,)* options))
                }
            )*
        }
    };
}

admin_calls! {
    fn create_topics(topics: &[NewTopic]) -> Vec<TopicResult>;
    fn delete_topics(names: &[String]) -> Vec<TopicResult>;
    fn create_partitions(topics: &[admin::NewPartitions]) -> Vec<TopicResult>;
    fn describe_topics(names: &[String]) -> Vec<(String, Result<crate::client::metadata::TopicMetadata>)>;
    fn describe_cluster() -> admin::ClusterDescription;
    fn delete_records(before: &[(String, i32, i64)]) -> Vec<admin::PartitionResult<i64>>;
    fn list_offsets(queries: &[(String, i32, i64)]) -> Vec<Result<admin::ListedOffset>>;
    fn elect_leaders(unclean: bool, partitions: Option<&[(String, i32)]>) -> Vec<admin::PartitionResult<()>>;
    fn describe_configs(resources: &[admin::ConfigResource]) -> Vec<(admin::ConfigResource, Result<Vec<admin::ConfigEntry>>)>;
    fn alter_configs(changes: &[(admin::ConfigResource, Vec<(String, String)>)]) -> Vec<(admin::ConfigResource, Result<()>)>;
    fn incremental_alter_configs(changes: &[(admin::ConfigResource, Vec<admin::AlterConfigOp>)]) -> Vec<(admin::ConfigResource, Result<()>)>;
    fn list_consumer_groups() -> (Vec<admin::GroupListing>, Vec<crate::Error>);
    fn describe_consumer_groups(ids: &[String]) -> Vec<(String, Result<admin::GroupDescription>)>;
    fn delete_consumer_groups(ids: &[String]) -> Vec<(String, Result<()>)>;
    fn list_consumer_group_offsets(group: &str, partitions: Option<&[(String, i32)]>) -> Vec<admin::PartitionResult<admin::GroupOffset>>;
    fn alter_consumer_group_offsets(group: &str, offsets: &[(String, i32, i64)]) -> Vec<admin::PartitionResult<()>>;
    fn delete_consumer_group_offsets(group: &str, partitions: &[(String, i32)]) -> Vec<admin::PartitionResult<()>>;
    fn describe_producers(partitions: &[(String, i32)]) -> Vec<admin::PartitionResult<Vec<admin::ProducerState>>>;
    fn list_transactions(states: &[String], producer_ids: &[i64]) -> (Vec<admin::TransactionListing>, Vec<crate::Error>);
    fn describe_transactions(ids: &[String]) -> Vec<(String, Result<admin::TransactionDescription>)>;
}

client_calls!(Producer);
client_calls!(Consumer);
client_calls!(AdminClient);
offset_queries!(Producer);
offset_queries!(AdminClient);
