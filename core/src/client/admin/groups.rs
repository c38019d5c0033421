//! Consumer groups: list (every broker), describe, delete, and their committed offsets (list,
//! alter, delete), each at the group's coordinator.

use std::collections::BTreeMap;
use std::sync::Arc;

use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, DeleteGroupsRequest, DescribeGroupsRequest, GroupId, ListGroupsRequest, OffsetCommitRequest,
    OffsetDeleteRequest, OffsetFetchRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::{every_broker, in_asked_order, kafka_result, per_id, retrying, topic_name, AdminClient, AdminOptions, PartitionResult};
use crate::client::coordinator::CoordinatorKind;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;
use crate::net::Connection;

/// One group as ListGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    pub group_id: String,
    /// "consumer" for consumer groups; "" for groups that only commit offsets.
    pub protocol_type: String,
    /// Stable, Empty, PreparingRebalance, ... ("" from brokers before Kafka 2.6).
    pub state: String,
    /// The broker that coordinates it.
    pub coordinator: i32,
}

/// A group member and the partitions it was assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<(String, i32)>,
}

/// A group as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    /// The assignor in use (range, roundrobin, cooperative-sticky, ...).
    pub protocol: String,
    pub members: Vec<GroupMember>,
    /// The address of its coordinator.
    pub coordinator: String,
}

/// A committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOffset {
    pub offset: i64,
    pub metadata: Option<String>,
    /// -1 when unknown.
    pub leader_epoch: i32,
}

const COORDINATOR_LOADING: i16 = 14;
const COORDINATOR_NOT_AVAILABLE: i16 = 15;
const NOT_COORDINATOR: i16 = 16;

/// A group-level code that means "ask the coordinator again" becomes a retriable error.
fn coordinator_moved(code: i16, group: &str) -> Result<()> {
    if matches!(code, COORDINATOR_LOADING | COORDINATOR_NOT_AVAILABLE | NOT_COORDINATOR) {
        return Err(Error::from_kafka(code, format!("group {group:?}")));
    }
    Ok(())
}

fn group_id(g: &str) -> GroupId {
    GroupId(StrBytes::from_string(g.to_string()))
}

impl AdminClient {
    async fn group_coordinator(&self, group: &str) -> Result<Arc<Connection>> {
        self.client.find_coordinator(CoordinatorKind::Group, group).await
    }

    /// Lists the groups of every broker; `options.group_states` filters by state (brokers
    /// before Kafka 2.6 cannot filter: UNSUPPORTED_FEATURE). Returns the groups and, apart, the
    /// brokers that could not answer.
    pub async fn list_consumer_groups(&self, options: impl Into<AdminOptions>) -> Result<(Vec<GroupListing>, Vec<Error>)> {
        let options = options.into();
        let deadline = options.deadline();
        let req = ListGroupsRequest::default().with_states_filter(options.group_states.iter().map(|s| StrBytes::from_string(s.clone())).collect());
        let answers = every_broker(&self.client, deadline, move |client, id| {
            let req = req.clone();
            async move {
                let conn = client.connection(id).await?;
                let version = conn.version::<ListGroupsRequest>(ours::LIST_GROUPS)?;
                if !req.states_filter.is_empty() && version < 4 {
                    return Err(Error::new(ErrorKind::UnsupportedFeature, format!("{}: the broker cannot filter groups by state", conn.addr())));
                }
                let resp = conn.send(&req, version).await?;
                coordinator_moved(resp.error_code, "")?;
                kafka_result(resp.error_code, None, "list groups at", conn.addr())?;
                Ok(resp.groups)
            }
        })
        .await?;
        let mut groups = Vec::new();
        let mut errors = Vec::new();
        for (broker, answer) in answers {
            match answer {
                Ok(listed) => groups.extend(listed.into_iter().map(|g| GroupListing {
                    group_id: g.group_id.0.to_string(),
                    protocol_type: g.protocol_type.to_string(),
                    state: g.group_state.to_string(),
                    coordinator: broker,
                })),
                Err(e) => errors.push(e),
            }
        }
        groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        Ok((groups, errors))
    }

    /// Describes groups: state, assignor, members and their assignments.
    pub async fn describe_consumer_groups(&self, ids: &[String], options: impl Into<AdminOptions>) -> Result<Vec<(String, Result<GroupDescription>)>> {
        let deadline = options.into().deadline();
        Ok(per_id(ids, deadline, |id| async move {
                let id = id.as_str();
                let conn = self.group_coordinator(id).await?;
                let version = conn.version::<DescribeGroupsRequest>(ours::DESCRIBE_GROUPS)?;
                let resp = conn.send(&DescribeGroupsRequest::default().with_groups(vec![group_id(id)]), version).await?;
                let g = resp.groups.into_iter().next().ok_or_else(|| Error::new(ErrorKind::BadMsg, format!("group {id:?}: empty DescribeGroups answer")))?;
                coordinator_moved(g.error_code, id)?;
                kafka_result(g.error_code, g.error_message.as_ref(), "describe group", id)?;
                let consumer = g.protocol_type.as_str() == "consumer";
                let members = g
                    .members
                    .into_iter()
                    .map(|m| {
                        // Only the consumer protocol's assignment has a known shape.
                        let assignment = if consumer {
                            crate::consumer::group::decode_versioned::<ConsumerProtocolAssignment>(m.member_assignment, 3)?
                                .map(|a| a.assigned_partitions.into_iter().flat_map(|t| t.partitions.into_iter().map(move |p| (t.topic.0.to_string(), p))).collect())
                                .unwrap_or_default()
                        } else {
                            Vec::new()
                        };
                        Ok(GroupMember {
                            member_id: m.member_id.to_string(),
                            group_instance_id: m.group_instance_id.map(|s| s.to_string()),
                            client_id: m.client_id.to_string(),
                            host: m.client_host.to_string(),
                            assignment,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(GroupDescription {
                    group_id: g.group_id.0.to_string(),
                    state: g.group_state.to_string(),
                    protocol_type: g.protocol_type.to_string(),
                    protocol: g.protocol_data.to_string(),
                    members,
                    coordinator: conn.addr().to_string(),
                })
            })
            .await)
    }

    /// Deletes groups (with their offsets); a group with members is NON_EMPTY_GROUP.
    pub async fn delete_consumer_groups(&self, ids: &[String], options: impl Into<AdminOptions>) -> Result<Vec<(String, Result<()>)>> {
        let deadline = options.into().deadline();
        Ok(per_id(ids, deadline, |id| async move {
                let id = id.as_str();
                let conn = self.group_coordinator(id).await?;
                let version = conn.version::<DeleteGroupsRequest>(ours::DELETE_GROUPS)?;
                let resp = conn.send(&DeleteGroupsRequest::default().with_groups_names(vec![group_id(id)]), version).await?;
                let code = resp
                    .results
                    .first()
                    .map(|r| r.error_code)
                    .ok_or_else(|| Error::new(ErrorKind::BadMsg, format!("group {id:?}: empty DeleteGroups answer")))?;
                coordinator_moved(code, id)?;
                kafka_result(code, None, "delete group", id)
            })
            .await)
    }

    /// A group's committed offsets: of `partitions`, or of every partition it committed (None).
    /// With `options.require_stable`, a partition with a pending transactional commit is
    /// UNSTABLE_OFFSET_COMMIT (retried until the call's time is up).
    pub async fn list_consumer_group_offsets(
        &self,
        group: &str,
        partitions: Option<&[(String, i32)]>,
        options: impl Into<AdminOptions>,
    ) -> Result<Vec<PartitionResult<GroupOffset>>> {
        let options = options.into();
        let deadline = options.deadline();
        let topics = partitions.map(|ps| {
            let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
            for (t, p) in ps {
                by_topic.entry(t).or_default().push(*p);
            }
            by_topic.into_iter().map(|(t, ps)| OffsetFetchRequestTopic::default().with_name(topic_name(t)).with_partition_indexes(ps)).collect()
        });
        let req = OffsetFetchRequest::default().with_group_id(group_id(group)).with_topics(topics).with_require_stable(options.require_stable);
        retrying(deadline, || async {
            let conn = self.group_coordinator(group).await?;
            let version = conn.version::<OffsetFetchRequest>(ours::OFFSET_FETCH)?;
            if options.require_stable && version < 7 {
                return Err(Error::new(ErrorKind::UnsupportedFeature, format!("{}: the broker does not support require_stable", conn.addr())));
            }
            let resp = conn.send(&req, version).await?;
            coordinator_moved(resp.error_code, group)?;
            kafka_result(resp.error_code, None, "list offsets of group", group)?;
            let mut out = Vec::new();
            for t in resp.topics {
                let name = t.name.0.to_string();
                for p in t.partitions {
                    const UNSTABLE_OFFSET_COMMIT: i16 = 88;
                    if p.error_code == UNSTABLE_OFFSET_COMMIT {
                        return Err(Error::from_kafka(p.error_code, format!("group {group:?}: {name}[{}]", p.partition_index)));
                    }
                    let what = format!("{name}[{}]", p.partition_index);
                    let r = kafka_result(p.error_code, None, "committed offset of", &what).map(|()| GroupOffset {
                        offset: p.committed_offset,
                        metadata: p.metadata.map(|m| m.to_string()),
                        leader_epoch: p.committed_leader_epoch,
                    });
                    out.push(((name.clone(), p.partition_index), r));
                }
            }
            match partitions {
                Some(asked) => out = in_asked_order(asked.iter().cloned(), out),
                None => out.sort_by(|a, b| a.0.cmp(&b.0)),
            }
            Ok(out)
        })
        .await
    }

    /// Sets a group's committed offsets (the group must have no members: UNKNOWN_MEMBER_ID
    /// otherwise, as Kafka answers a commit from outside an active group).
    pub async fn alter_consumer_group_offsets(&self, group: &str, offsets: &[(String, i32, i64)], options: impl Into<AdminOptions>) -> Result<Vec<PartitionResult<()>>> {
        let options = options.into();
        let deadline = options.deadline();
        let mut by_topic: BTreeMap<&str, Vec<OffsetCommitRequestPartition>> = BTreeMap::new();
        for (t, p, o) in offsets {
            by_topic.entry(t).or_default().push(OffsetCommitRequestPartition::default().with_partition_index(*p).with_committed_offset(*o).with_committed_leader_epoch(-1));
        }
        let req = OffsetCommitRequest::default()
            .with_group_id(group_id(group))
            .with_generation_id_or_member_epoch(-1)
            .with_topics(by_topic.into_iter().map(|(t, ps)| OffsetCommitRequestTopic::default().with_name(topic_name(t)).with_partitions(ps)).collect());
        retrying(deadline, || async {
            let conn = self.group_coordinator(group).await?;
            let version = conn.version::<OffsetCommitRequest>(ours::OFFSET_COMMIT)?;
            let resp = conn.send(&req, version).await?;
            let mut out = Vec::new();
            for t in resp.topics {
                let name = t.name.0.to_string();
                for p in t.partitions {
                    coordinator_moved(p.error_code, group)?;
                    let what = format!("{name}[{}]", p.partition_index);
                    out.push(((name.clone(), p.partition_index), kafka_result(p.error_code, None, "set offset of group partition", &what)));
                }
            }
            let out = in_asked_order(offsets.iter().map(|(t, p, _)| (t.clone(), *p)), out);
            Ok(out)
        })
        .await
    }

    /// Deletes a group's committed offsets of partitions no member is subscribed to
    /// (GROUP_SUBSCRIBED_TO_TOPIC otherwise).
    pub async fn delete_consumer_group_offsets(&self, group: &str, partitions: &[(String, i32)], options: impl Into<AdminOptions>) -> Result<Vec<PartitionResult<()>>> {
        let options = options.into();
        let deadline = options.deadline();
        let mut by_topic: BTreeMap<&str, Vec<OffsetDeleteRequestPartition>> = BTreeMap::new();
        for (t, p) in partitions {
            by_topic.entry(t).or_default().push(OffsetDeleteRequestPartition::default().with_partition_index(*p));
        }
        let req = OffsetDeleteRequest::default()
            .with_group_id(group_id(group))
            .with_topics(by_topic.into_iter().map(|(t, ps)| OffsetDeleteRequestTopic::default().with_name(topic_name(t)).with_partitions(ps)).collect());
        retrying(deadline, || async {
            let conn = self.group_coordinator(group).await?;
            let version = conn.version::<OffsetDeleteRequest>(ours::OFFSET_DELETE)?;
            let resp = conn.send(&req, version).await?;
            coordinator_moved(resp.error_code, group)?;
            kafka_result(resp.error_code, None, "delete offsets of group", group)?;
            let mut out = Vec::new();
            for t in resp.topics {
                let name = t.name.0.to_string();
                for p in t.partitions {
                    let what = format!("{name}[{}]", p.partition_index);
                    out.push(((name.clone(), p.partition_index), kafka_result(p.error_code, None, "delete offset of", &what)));
                }
            }
            let out = in_asked_order(partitions.iter().cloned(), out);
            Ok(out)
        })
        .await
    }
}
