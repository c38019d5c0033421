//! A pre-decode check of request bodies against allocation bombs.
//!
//! kafka-protocol decodes an array by reserving `count` elements before reading any of them, so a
//! 20-byte request announcing 2^31 topics asks the allocator for ~150 GB, and a failed allocation
//! aborts the whole process (measured: "memory allocation of 154618822584 bytes failed"). This
//! walker reads a request body with a light schema of the requests this broker decodes, and refuses
//! any array or string whose announced size cannot fit in the bytes that remain.
//!
//! The schemas list the fields outside the tagged-field sections (which the walker skips whole),
//! per version, as kafka-protocol 0.18's decoders read them. Flexible versions (compact lengths,
//! tag buffers) are those with request header v2. Only a definite "does not fit" is an error: when
//! the walk merely runs out of bytes, kafka-protocol's own decoder gives the precise error.

use kafka_protocol::messages::ApiKey;

#[derive(Clone, Copy)]
enum Kind {
    I8,
    I16,
    I32,
    I64,
    Uuid,
    /// (nullable) string, i16 length or compact.
    Str,
    /// (nullable) bytes or records, i32 length or compact.
    Bytes,
    /// Array of int32.
    Ints,
    /// Array of strings.
    Strs,
    /// Array of structs.
    Structs(&'static [Field]),
}

/// A field present in versions `min..=max`.
#[derive(Clone, Copy)]
struct Field(i16, i16, Kind);

const ANY: i16 = i16::MAX;
use Kind::*;

const PRODUCE: &[Field] = &[
    Field(0, ANY, Str),  // transactional_id
    Field(0, ANY, I16),  // acks
    Field(0, ANY, I32),  // timeout_ms
    Field(0, ANY, Structs(PRODUCE_TOPIC)),
];
const PRODUCE_TOPIC: &[Field] = &[
    Field(0, 12, Str),   // name
    Field(13, ANY, Uuid), // topic_id
    Field(0, ANY, Structs(&[Field(0, ANY, I32), Field(0, ANY, Bytes)])), // index, records
];

const FETCH: &[Field] = &[
    Field(0, 14, I32),  // replica_id
    Field(0, ANY, I32), // max_wait_ms
    Field(0, ANY, I32), // min_bytes
    Field(0, ANY, I32), // max_bytes
    Field(0, ANY, I8),  // isolation_level
    Field(7, ANY, I32), // session_id
    Field(7, ANY, I32), // session_epoch
    Field(0, ANY, Structs(FETCH_TOPIC)),
    Field(7, ANY, Structs(FORGOTTEN_TOPIC)),
    Field(11, ANY, Str), // rack_id
];
const FETCH_TOPIC: &[Field] = &[
    Field(0, 12, Str),
    Field(13, ANY, Uuid),
    Field(0, ANY, Structs(FETCH_PARTITION)),
];
const FETCH_PARTITION: &[Field] = &[
    Field(0, ANY, I32), // partition
    Field(9, ANY, I32), // current_leader_epoch
    Field(0, ANY, I64), // fetch_offset
    Field(12, ANY, I32), // last_fetched_epoch
    Field(5, ANY, I64), // log_start_offset
    Field(0, ANY, I32), // partition_max_bytes
];
const FORGOTTEN_TOPIC: &[Field] = &[Field(0, 12, Str), Field(13, ANY, Uuid), Field(0, ANY, Ints)];

const LIST_OFFSETS: &[Field] = &[
    Field(0, ANY, I32), // replica_id
    Field(2, ANY, I8),  // isolation_level
    Field(0, ANY, Structs(&[
        Field(0, ANY, Str), // name
        Field(0, ANY, Structs(&[
            Field(0, ANY, I32), // partition_index
            Field(4, ANY, I32), // current_leader_epoch
            Field(0, ANY, I64), // timestamp
        ])),
    ])),
    Field(10, ANY, I32), // timeout_ms
];

const METADATA: &[Field] = &[
    Field(0, ANY, Structs(&[Field(10, ANY, Uuid), Field(0, ANY, Str)])), // topic_id, name
    Field(4, ANY, I8),  // allow_auto_topic_creation
    Field(8, 10, I8),   // include_cluster_authorized_operations
    Field(8, ANY, I8),  // include_topic_authorized_operations
];

const FIND_COORDINATOR: &[Field] = &[
    Field(0, 3, Str),   // key
    Field(1, ANY, I8),  // key_type
    Field(4, ANY, Strs), // coordinator_keys
];

const API_VERSIONS: &[Field] = &[Field(3, ANY, Str), Field(3, ANY, Str)];

const OFFSET_COMMIT: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(1, ANY, I32), // generation_id_or_member_epoch
    Field(1, ANY, Str), // member_id
    Field(7, ANY, Str), // group_instance_id
    Field(2, 4, I64),   // retention_time_ms
    Field(0, ANY, Structs(&[
        Field(0, ANY, Str), // name
        Field(0, ANY, Structs(&[
            Field(0, ANY, I32), // partition_index
            Field(0, ANY, I64), // committed_offset
            Field(6, ANY, I32), // committed_leader_epoch
            Field(1, 1, I64),   // commit_timestamp
            Field(0, ANY, Str), // committed_metadata
        ])),
    ])),
];

const TOPIC_PARTITIONS: &[Field] = &[Field(0, ANY, Str), Field(0, ANY, Ints)]; // name, partition indexes

const OFFSET_FETCH: &[Field] = &[
    Field(0, 7, Str), // group_id
    Field(0, 7, Structs(TOPIC_PARTITIONS)),
    Field(8, ANY, Structs(&[
        Field(8, ANY, Str), // group_id
        Field(9, ANY, Str), // member_id
        Field(9, ANY, I32), // member_epoch
        Field(8, ANY, Structs(TOPIC_PARTITIONS)),
    ])),
    Field(7, ANY, I8), // require_stable
];

const JOIN_GROUP: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(0, ANY, I32), // session_timeout_ms
    Field(1, ANY, I32), // rebalance_timeout_ms
    Field(0, ANY, Str), // member_id
    Field(5, ANY, Str), // group_instance_id
    Field(0, ANY, Str), // protocol_type
    Field(0, ANY, Structs(&[Field(0, ANY, Str), Field(0, ANY, Bytes)])), // protocols: name, metadata
    Field(8, ANY, Str), // reason
];

const HEARTBEAT: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(0, ANY, I32), // generation_id
    Field(0, ANY, Str), // member_id
    Field(3, ANY, Str), // group_instance_id
];

const LEAVE_GROUP: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(0, 2, Str),   // member_id
    Field(3, ANY, Structs(&[Field(3, ANY, Str), Field(3, ANY, Str), Field(5, ANY, Str)])), // member_id, instance, reason
];

const SYNC_GROUP: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(0, ANY, I32), // generation_id
    Field(0, ANY, Str), // member_id
    Field(3, ANY, Str), // group_instance_id
    Field(5, ANY, Str), // protocol_type
    Field(5, ANY, Str), // protocol_name
    Field(0, ANY, Structs(&[Field(0, ANY, Str), Field(0, ANY, Bytes)])), // assignments: member_id, assignment
];

const DESCRIBE_GROUPS: &[Field] = &[Field(0, ANY, Strs), Field(3, ANY, I8)];

const LIST_GROUPS: &[Field] = &[Field(4, ANY, Strs), Field(5, ANY, Strs)]; // states, types filters

const DELETE_GROUPS: &[Field] = &[Field(0, ANY, Strs)];

const OFFSET_DELETE: &[Field] = &[
    Field(0, ANY, Str), // group_id
    Field(0, ANY, Structs(&[Field(0, ANY, Str), Field(0, ANY, Structs(&[Field(0, ANY, I32)]))])),
];

const CREATE_TOPICS: &[Field] = &[
    Field(0, ANY, Structs(&[
        Field(0, ANY, Str), // name
        Field(0, ANY, I32), // num_partitions
        Field(0, ANY, I16), // replication_factor
        Field(0, ANY, Structs(&[Field(0, ANY, I32), Field(0, ANY, Ints)])), // assignments
        Field(0, ANY, Structs(&[Field(0, ANY, Str), Field(0, ANY, Str)])), // configs
    ])),
    Field(0, ANY, I32), // timeout_ms
    Field(0, ANY, I8),  // validate_only
];

const DELETE_TOPICS: &[Field] = &[
    Field(6, ANY, Structs(&[Field(0, ANY, Str), Field(0, ANY, Uuid)])), // topics
    Field(0, 5, Strs), // topic_names
    Field(0, ANY, I32), // timeout_ms
];

const INIT_PRODUCER_ID: &[Field] = &[
    Field(0, ANY, Str), // transactional_id
    Field(0, ANY, I32), // transaction_timeout_ms
    Field(3, ANY, I64), // producer_id
    Field(3, ANY, I16), // producer_epoch
];

fn schema(key: ApiKey) -> Option<&'static [Field]> {
    Some(match key {
        ApiKey::Produce => PRODUCE,
        ApiKey::Fetch => FETCH,
        ApiKey::ListOffsets => LIST_OFFSETS,
        ApiKey::Metadata => METADATA,
        ApiKey::OffsetCommit => OFFSET_COMMIT,
        ApiKey::OffsetFetch => OFFSET_FETCH,
        ApiKey::FindCoordinator => FIND_COORDINATOR,
        ApiKey::JoinGroup => JOIN_GROUP,
        ApiKey::Heartbeat => HEARTBEAT,
        ApiKey::LeaveGroup => LEAVE_GROUP,
        ApiKey::SyncGroup => SYNC_GROUP,
        ApiKey::DescribeGroups => DESCRIBE_GROUPS,
        ApiKey::ListGroups => LIST_GROUPS,
        ApiKey::ApiVersions => API_VERSIONS,
        ApiKey::CreateTopics => CREATE_TOPICS,
        ApiKey::DeleteTopics => DELETE_TOPICS,
        ApiKey::InitProducerId => INIT_PRODUCER_ID,
        ApiKey::DeleteGroups => DELETE_GROUPS,
        ApiKey::OffsetDelete => OFFSET_DELETE,
        _ => return None,
    })
}

/// Why the walk stopped early.
enum Stop {
    /// Ran out of bytes or met a malformed length: leave the verdict to the real decoder.
    Truncated,
    /// An announced size cannot fit: the request must not reach the decoder.
    TooLarge(String),
}

struct Walker<'a> {
    buf: &'a [u8],
    version: i16,
    flexible: bool,
}

/// Checks a request body (after its header). `Err` names an impossible size.
pub(crate) fn check(key: ApiKey, version: i16, body: &[u8]) -> Result<(), String> {
    let Some(fields) = schema(key) else {
        return Ok(());
    };
    let mut walker = Walker {
        buf: body,
        version,
        flexible: key.request_header_version(version) >= 2,
    };
    match walker.walk_struct(fields) {
        Ok(()) | Err(Stop::Truncated) => Ok(()),
        Err(Stop::TooLarge(message)) => Err(message),
    }
}

impl Walker<'_> {
    fn take(&mut self, n: u64) -> Result<(), Stop> {
        if n > self.buf.len() as u64 {
            return Err(Stop::TooLarge(format!(
                "a field of {n} bytes cannot fit in the {} bytes left",
                self.buf.len()
            )));
        }
        self.buf = &self.buf[n as usize..];
        Ok(())
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let Some((head, rest)) = self.buf.split_first_chunk::<N>() else {
            return Err(Stop::Truncated);
        };
        self.buf = rest;
        Ok(*head)
    }

    fn uvarint(&mut self) -> Result<u64, Stop> {
        let mut value = 0u64;
        for i in 0..5 {
            let [b] = self.fixed::<1>()?;
            value |= ((b & 0x7f) as u64) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(Stop::Truncated)
    }

    /// Length of a string, bytes or array; None for null.
    fn length(&mut self, wide: bool) -> Result<Option<u64>, Stop> {
        if self.flexible {
            return Ok(self.uvarint()?.checked_sub(1));
        }
        let n = if wide {
            i32::from_be_bytes(self.fixed::<4>()?) as i64
        } else {
            i16::from_be_bytes(self.fixed::<2>()?) as i64
        };
        match n {
            -1 => Ok(None),
            n if n < -1 => Err(Stop::Truncated),
            n => Ok(Some(n as u64)),
        }
    }

    /// Element count of an array, refused when even one byte per element cannot fit.
    fn count(&mut self) -> Result<u64, Stop> {
        let n = self.length(true)?.unwrap_or(0);
        if n > self.buf.len() as u64 {
            return Err(Stop::TooLarge(format!(
                "an array of {n} elements cannot fit in the {} bytes left",
                self.buf.len()
            )));
        }
        Ok(n)
    }

    fn walk_struct(&mut self, fields: &[Field]) -> Result<(), Stop> {
        for &Field(min, max, kind) in fields {
            if (min..=max).contains(&self.version) {
                self.walk(kind)?;
            }
        }
        if self.flexible {
            let tags = self.uvarint()?;
            if tags > self.buf.len() as u64 {
                return Err(Stop::TooLarge(format!("{tags} tagged fields cannot fit")));
            }
            for _ in 0..tags {
                self.uvarint()?; // tag
                let size = self.uvarint()?;
                self.take(size)?;
            }
        }
        Ok(())
    }

    fn walk(&mut self, kind: Kind) -> Result<(), Stop> {
        match kind {
            I8 => self.take(1),
            I16 => self.take(2),
            I32 => self.take(4),
            I64 => self.take(8),
            Uuid => self.take(16),
            Str => match self.length(false)? {
                Some(n) => self.take(n),
                None => Ok(()),
            },
            Bytes => match self.length(true)? {
                Some(n) => self.take(n),
                None => Ok(()),
            },
            Ints => {
                let n = self.count()?;
                self.take(n * 4)
            }
            Strs => {
                for _ in 0..self.count()? {
                    self.walk(Str)?;
                }
                Ok(())
            }
            Structs(fields) => {
                for _ in 0..self.count()? {
                    self.walk_struct(fields)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
    use kafka_protocol::messages::{MetadataRequest, TopicName};
    use kafka_protocol::protocol::{Encodable, StrBytes};

    #[test]
    fn refuses_array_bombs_in_both_encodings() {
        // Metadata v1: topics array of i32::MAX elements, nothing after it.
        let body = 0x7fff_ffffi32.to_be_bytes();
        assert!(check(ApiKey::Metadata, 1, &body).is_err());
        // Metadata v12 (flexible): compact count 2^32-2.
        let body = [0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(check(ApiKey::Metadata, 12, &body).is_err());
        // A string bomb in Produce v9's transactional id.
        let body = [0xff, 0xff, 0xff, 0x7f];
        assert!(check(ApiKey::Produce, 9, &body).is_err());
    }

    fn check_every_version<R: Encodable + Default>(key: ApiKey, request: &R, versions: std::ops::RangeInclusive<i16>) {
        for version in versions {
            let mut buf = BytesMut::new();
            request.encode(&mut buf, version).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"));
            assert!(check(key, version, &buf).is_ok(), "{key:?} v{version} refused");
            // Each schema must walk the whole body: an extra tag buffer or field would show here.
            let mut walker = Walker { buf: &buf, version, flexible: key.request_header_version(version) >= 2 };
            assert!(walker.walk_struct(schema(key).expect("schema")).is_ok(), "{key:?} v{version}: walk");
            assert!(walker.buf.is_empty(), "{key:?} v{version}: {} bytes left", walker.buf.len());
        }
    }

    #[test]
    fn group_schemas_match_kafka_protocol_at_every_version() {
        use bytes::Bytes;
        use kafka_protocol::messages::*;
        let s = |v: &str| StrBytes::from_string(v.to_string());
        let name = || TopicName(s("orders"));
        let protocol = join_group_request::JoinGroupRequestProtocol::default()
            .with_name(s("range"))
            .with_metadata(Bytes::from_static(b"\0\x01meta"));
        let join = JoinGroupRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_member_id(s("m"))
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![protocol.clone(), protocol]);
        check_every_version(ApiKey::JoinGroup, &join.clone().with_group_instance_id(Some(s("i"))).with_reason(Some(s("r"))), 5..=9);
        check_every_version(ApiKey::JoinGroup, &join, 0..=4);
        let assignment = sync_group_request::SyncGroupRequestAssignment::default()
            .with_member_id(s("m"))
            .with_assignment(Bytes::from_static(b"plan"));
        let sync = SyncGroupRequest::default().with_group_id(GroupId(s("g"))).with_member_id(s("m")).with_assignments(vec![assignment]);
        check_every_version(ApiKey::SyncGroup, &sync, 0..=2);
        check_every_version(ApiKey::SyncGroup, &sync.clone().with_group_instance_id(Some(s("i"))), 3..=4);
        check_every_version(ApiKey::SyncGroup, &sync.with_protocol_type(Some(s("consumer"))).with_protocol_name(Some(s("range"))), 5..=5);
        check_every_version(ApiKey::Heartbeat, &HeartbeatRequest::default().with_group_id(GroupId(s("g"))).with_member_id(s("m")), 0..=4);
        let member = leave_group_request::MemberIdentity::default().with_member_id(s("m"));
        check_every_version(ApiKey::LeaveGroup, &LeaveGroupRequest::default().with_group_id(GroupId(s("g"))).with_member_id(s("m")), 0..=2);
        check_every_version(ApiKey::LeaveGroup, &LeaveGroupRequest::default().with_members(vec![member.clone(), member]), 3..=5);
        let partition = offset_commit_request::OffsetCommitRequestPartition::default()
            .with_committed_offset(7)
            .with_committed_metadata(Some(s("md")));
        let topic = offset_commit_request::OffsetCommitRequestTopic::default().with_name(name()).with_partitions(vec![partition.clone(), partition]);
        check_every_version(ApiKey::OffsetCommit, &OffsetCommitRequest::default().with_group_id(GroupId(s("g"))).with_topics(vec![topic]), 2..=9);
        let topic = offset_fetch_request::OffsetFetchRequestTopic::default().with_name(name()).with_partition_indexes(vec![0, 1]);
        check_every_version(ApiKey::OffsetFetch, &OffsetFetchRequest::default().with_group_id(GroupId(s("g"))).with_topics(Some(vec![topic])), 1..=7);
        check_every_version(ApiKey::OffsetFetch, &OffsetFetchRequest::default().with_topics(None), 2..=7);
        let topics = offset_fetch_request::OffsetFetchRequestTopics::default().with_name(name()).with_partition_indexes(vec![0, 1]);
        let group = offset_fetch_request::OffsetFetchRequestGroup::default().with_group_id(GroupId(s("g"))).with_topics(Some(vec![topics]));
        check_every_version(ApiKey::OffsetFetch, &OffsetFetchRequest::default().with_groups(vec![group.clone(), group.with_topics(None)]), 8..=9);
        let groups = vec![GroupId(s("a")), GroupId(s("b"))];
        check_every_version(ApiKey::DescribeGroups, &DescribeGroupsRequest::default().with_groups(groups.clone()), 0..=6);
        check_every_version(ApiKey::DeleteGroups, &DeleteGroupsRequest::default().with_groups_names(groups), 0..=2);
        check_every_version(ApiKey::ListGroups, &ListGroupsRequest::default(), 0..=3);
        check_every_version(ApiKey::ListGroups, &ListGroupsRequest::default().with_states_filter(vec![s("Stable")]), 4..=4);
        check_every_version(ApiKey::ListGroups, &ListGroupsRequest::default().with_states_filter(vec![s("Stable")]).with_types_filter(vec![s("classic")]), 5..=5);
        let partition = offset_delete_request::OffsetDeleteRequestPartition::default().with_partition_index(3);
        let topic = offset_delete_request::OffsetDeleteRequestTopic::default().with_name(name()).with_partitions(vec![partition]);
        check_every_version(ApiKey::OffsetDelete, &OffsetDeleteRequest::default().with_group_id(GroupId(s("g"))).with_topics(vec![topic]), 0..=0);
    }

    #[test]
    fn accepts_real_requests_at_every_version() {
        for version in 0..=13 {
            let topic = MetadataRequestTopic::default()
                .with_name(Some(TopicName(StrBytes::from_static_str("orders"))));
            let request = MetadataRequest::default().with_topics(Some(vec![topic.clone(), topic]));
            let mut buf = BytesMut::new();
            request.encode(&mut buf, version).expect("encode");
            assert!(check(ApiKey::Metadata, version, &buf).is_ok(), "v{version}");
        }
    }
}
