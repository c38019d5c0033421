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

use crate::client::admin::{AdminClient as AsyncAdmin, NewTopic, TopicResult};
use crate::client::Metadata;
use crate::config::ClientConfig;
use crate::consumer::{self, Event, Offset, TopicPartitionOffset};
use crate::error::{Error, ErrorKind, Result};
use crate::producer::{self, Completion, DeliveryFuture, DeliveryReport, ProducerRecord};

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

/// A producer for non-async callers.
#[derive(Clone)]
pub struct Producer {
    inner: producer::Producer,
    rt: Arc<Runtime>,
}

impl Producer {
    pub fn new(config: &ClientConfig) -> Result<Producer> {
        let rt = runtime()?;
        let inner = producer::Producer::with_runtime(config, rt.handle())?;
        Ok(Producer { inner, rt })
    }

    /// Queues a record; `wait()` on the result blocks until it is delivered or failed.
    pub fn send(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        self.inner.send(record)
    }

    /// Queues a record whose delivery report is handed out by [`poll`](Self::poll)
    /// (librdkafka's model: produce, then poll to serve delivery callbacks).
    pub fn produce(&self, record: ProducerRecord) -> Result<()> {
        self.inner.send_with(record, Completion::Queue)
    }

    /// Queues a record whose outcome goes to `completion`.
    pub fn send_with(&self, record: ProducerRecord, completion: Completion) -> Result<()> {
        self.inner.send_with(record, completion)
    }

    /// Delivery reports of [`produce`](Self::produce)d records, waiting up to `timeout` for one.
    pub fn poll(&self, timeout: Duration) -> Vec<DeliveryReport> {
        self.inner.poll_reports(timeout, usize::MAX)
    }

    pub fn flush(&self, timeout: Duration) -> Result<()> {
        self.rt.block_on(self.inner.flush(timeout))
    }

    /// Records not yet delivered plus reports not yet polled.
    pub fn in_flight_count(&self) -> usize {
        self.inner.in_flight_count()
    }

    pub fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        self.rt.block_on(self.inner.metadata(topic, timeout))
    }

    pub fn as_async(&self) -> &producer::Producer {
        &self.inner
    }
}

/// A partition consumer for non-async callers.
#[derive(Clone)]
pub struct Consumer {
    inner: consumer::Consumer,
    rt: Arc<Runtime>,
}

impl Consumer {
    pub fn new(config: &ClientConfig) -> Result<Consumer> {
        let rt = runtime()?;
        let inner = consumer::Consumer::with_runtime(config, rt.handle())?;
        Ok(Consumer { inner, rt })
    }

    pub fn assign(&self, partitions: &[TopicPartitionOffset]) -> Result<()> {
        self.inner.assign(partitions)
    }

    pub fn assignment(&self) -> Vec<(String, i32)> {
        self.inner.assignment()
    }

    pub fn seek(&self, topic: &str, partition: i32, offset: Offset) -> Result<()> {
        self.inner.seek(topic, partition, offset)
    }

    pub fn pause(&self, partitions: &[(String, i32)]) {
        self.inner.pause(partitions)
    }

    pub fn resume(&self, partitions: &[(String, i32)]) {
        self.inner.resume(partitions)
    }

    pub fn poll(&self, timeout: Duration) -> Option<Event> {
        self.rt.block_on(self.inner.poll(timeout))
    }

    pub fn fetch_watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> Result<(i64, i64)> {
        self.rt.block_on(self.inner.fetch_watermarks(topic, partition, timeout))
    }

    pub fn offsets_for_times(&self, query: &[(String, i32, i64)], timeout: Duration) -> Vec<Result<i64>> {
        self.rt.block_on(self.inner.offsets_for_times(query, timeout))
    }

    pub fn metadata(&self, topic: Option<&str>, timeout: Duration) -> Result<Metadata> {
        self.rt.block_on(self.inner.metadata(topic, timeout))
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
}

impl AdminClient {
    pub fn new(config: &ClientConfig) -> Result<AdminClient> {
        let rt = runtime()?;
        let _guard = rt.enter();
        Ok(AdminClient { inner: AsyncAdmin::new(config)?, rt })
    }

    pub fn create_topics(&self, topics: &[NewTopic], timeout: Duration) -> Result<Vec<TopicResult>> {
        self.rt.block_on(self.inner.create_topics(topics, timeout))
    }

    pub fn delete_topics(&self, names: &[String], timeout: Duration) -> Result<Vec<TopicResult>> {
        self.rt.block_on(self.inner.delete_topics(names, timeout))
    }

    pub fn metadata(&self, topics: Option<&[String]>, timeout: Duration) -> Result<Metadata> {
        self.rt.block_on(self.inner.metadata(topics, timeout))
    }
}
