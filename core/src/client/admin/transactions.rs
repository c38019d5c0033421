//! Producers and transactions: DescribeProducers (at each partition's leader), ListTransactions
//! (every broker: each coordinates some transactional ids), DescribeTransactions (at each id's
//! coordinator).

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::{DescribeProducersRequest, DescribeTransactionsRequest, ListTransactionsRequest, ProducerId, TransactionalId};
use kafka_protocol::protocol::StrBytes;

use super::{every_broker, kafka_result, per_id, topic_name, AdminClient, AdminOptions, PartitionResult};
use crate::client::coordinator::CoordinatorKind;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;

/// A producer with state on a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerState {
    pub producer_id: i64,
    pub producer_epoch: i32,
    /// -1 when it wrote nothing idempotent here.
    pub last_sequence: i32,
    pub last_timestamp: i64,
    pub coordinator_epoch: i32,
    /// The first offset of its open transaction here, -1 when none.
    pub current_txn_start_offset: i64,
}

/// A transactional id as ListTransactions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionListing {
    pub transactional_id: String,
    pub producer_id: i64,
    /// Empty, Ongoing, PrepareCommit, CompleteCommit, PrepareAbort, CompleteAbort, ...
    pub state: String,
    pub coordinator: i32,
}

/// A transactional id as DescribeTransactions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionDescription {
    pub transactional_id: String,
    pub state: String,
    pub timeout_ms: i32,
    /// -1 when no transaction is open.
    pub start_time_ms: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub partitions: Vec<(String, i32)>,
}

impl AdminClient {
    /// The producers with state on each partition (KIP-664), asked from its leader.
    pub async fn describe_producers(&self, partitions: &[(String, i32)], options: impl Into<AdminOptions>) -> Result<Vec<PartitionResult<Vec<ProducerState>>>> {
        let options = options.into();
        let deadline = options.deadline();
        Ok(self
            .per_leader(partitions, deadline, |conn, idx| {
                let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
                for &i in &idx {
                    by_topic.entry(&partitions[i].0).or_default().push(partitions[i].1);
                }
                let req = DescribeProducersRequest::default()
                    .with_topics(by_topic.into_iter().map(|(t, ps)| TopicRequest::default().with_name(topic_name(t)).with_partition_indexes(ps)).collect());
                async move {
                    let version = conn.version::<DescribeProducersRequest>(ours::DESCRIBE_PRODUCERS)?;
                    let resp = conn.send(&req, version).await?;
                    let mut out = Vec::new();
                    for t in resp.topics {
                        let name = t.name.0.to_string();
                        for p in t.partitions {
                            let what = format!("{name}[{}]", p.partition_index);
                            let r = kafka_result(p.error_code, p.error_message.as_ref(), "describe producers of", &what).map(|()| {
                                p.active_producers
                                    .into_iter()
                                    .map(|s| ProducerState {
                                        producer_id: s.producer_id.0,
                                        producer_epoch: s.producer_epoch,
                                        last_sequence: s.last_sequence,
                                        last_timestamp: s.last_timestamp,
                                        coordinator_epoch: s.coordinator_epoch,
                                        current_txn_start_offset: s.current_txn_start_offset,
                                    })
                                    .collect()
                            });
                            out.push(((name.clone(), p.partition_index), r));
                        }
                    }
                    Ok(out)
                }
            })
            .await)
    }

    /// The transactional ids every broker coordinates, optionally only in `states` and of
    /// `producer_ids`. Returns them and, apart, the brokers that could not answer.
    pub async fn list_transactions(&self, states: &[String], producer_ids: &[i64], options: impl Into<AdminOptions>) -> Result<(Vec<TransactionListing>, Vec<Error>)> {
        let options = options.into();
        let deadline = options.deadline();
        let req = ListTransactionsRequest::default()
            .with_state_filters(states.iter().map(|s| StrBytes::from_string(s.clone())).collect())
            .with_producer_id_filters(producer_ids.iter().map(|&p| ProducerId(p)).collect())
            .with_duration_filter(-1);
        let answers = every_broker(&self.client, deadline, move |client, id| {
            let req = req.clone();
            async move {
                let conn = client.connection(id).await?;
                let version = conn.version::<ListTransactionsRequest>(ours::LIST_TRANSACTIONS)?;
                let resp = conn.send(&req, version).await?;
                kafka_result(resp.error_code, None, "list transactions at", conn.addr())?;
                Ok(resp.transaction_states)
            }
        })
        .await?;
        let mut listed = Vec::new();
        let mut errors = Vec::new();
        for (broker, answer) in answers {
            match answer {
                Ok(states) => listed.extend(states.into_iter().map(|t| TransactionListing {
                    transactional_id: t.transactional_id.0.to_string(),
                    producer_id: t.producer_id.0,
                    state: t.transaction_state.to_string(),
                    coordinator: broker,
                })),
                Err(e) => errors.push(e),
            }
        }
        listed.sort_by(|a, b| a.transactional_id.cmp(&b.transactional_id));
        Ok((listed, errors))
    }

    /// Describes transactional ids: state, producer id and epoch, timeout, partitions of the
    /// open transaction. An unknown id is TRANSACTIONAL_ID_NOT_FOUND.
    pub async fn describe_transactions(&self, ids: &[String], options: impl Into<AdminOptions>) -> Result<Vec<(String, Result<TransactionDescription>)>> {
        let deadline = options.into().deadline();
        Ok(per_id(ids, deadline, |id| async move {
                let conn = self.client.find_coordinator(CoordinatorKind::Transaction, &id).await?;
                let version = conn.version::<DescribeTransactionsRequest>(ours::DESCRIBE_TRANSACTIONS)?;
                let req = DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(StrBytes::from_string(id.clone()))]);
                let resp = conn.send(&req, version).await?;
                let t = resp
                    .transaction_states
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::new(ErrorKind::BadMsg, format!("transactional id {id:?}: empty DescribeTransactions answer")))?;
                kafka_result(t.error_code, None, "describe transactional id", &id)?;
                Ok(TransactionDescription {
                    transactional_id: t.transactional_id.0.to_string(),
                    state: t.transaction_state.to_string(),
                    timeout_ms: t.transaction_timeout_ms,
                    start_time_ms: t.transaction_start_time_ms,
                    producer_id: t.producer_id.0,
                    producer_epoch: t.producer_epoch,
                    partitions: t.topics.into_iter().flat_map(|d| d.partitions.into_iter().map(move |p| (d.topic.0.to_string(), p))).collect(),
                })
            })
            .await)
    }
}
