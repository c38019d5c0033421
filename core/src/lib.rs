//! ferrokafka: a pure-Rust Apache Kafka client.
//!
//! - [`producer::Producer`]: async producer (partitioners, batching, compression, retries in
//!   order, idempotence, delivery results).
//! - [`consumer::Consumer`]: partition consumer (assign, fetch, seek, watermarks).
//! - [`client::admin::AdminClient`]: topics, partitions, configs, records, consumer groups,
//!   transactions.
//! - [`blocking`]: the same for non-async callers, on one shared runtime (what bindings use).
//! - [`config::ClientConfig`]: librdkafka-style string properties, validated.
//!
//! See DESIGN.md for the architecture and its invariants.
//!
//! The README's examples run as doctests of this crate, so they cannot rot.
#![doc = include_str!("../../README.md")]

pub mod blocking;
pub mod client;
pub mod clock;
pub mod config;
pub mod consumer;
pub mod error;
pub mod events;
pub mod net;
pub mod producer;
pub mod protocol;
mod stats;
pub mod wait;

pub use client::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic};
pub use client::Metadata;
pub use config::ClientConfig;
pub use consumer::{Consumer, Event, Message, Offset, Timestamp, TopicPartitionOffset};
pub use error::{Error, ErrorKind, Result};
pub use events::{ClientEvent, EventQueue};
pub use producer::transaction::{ConsumerGroupMetadata, TxnOffset};
pub use producer::{Delivery, DeliveryFuture, DeliveryReport, Header, Producer, ProducerRecord};
