//! The versions a broker supports, from its ApiVersions answer, and the ones we pick.

use std::collections::HashMap;

use kafka_protocol::messages::ApiVersionsResponse;
use kafka_protocol::protocol::Request;

/// Highest version of each API this client speaks. Capped below kafka-protocol's newest where a
/// newer version changes semantics we have not implemented (Produce v13 / Fetch v13+ address
/// topics by id only).
pub mod ours {
    pub const PRODUCE: i16 = 12;
    pub const FETCH: i16 = 12;
    pub const LIST_OFFSETS: i16 = 9;
    pub const METADATA: i16 = 12;
    pub const INIT_PRODUCER_ID: i16 = 5;
    pub const CREATE_TOPICS: i16 = 7;
    pub const DELETE_TOPICS: i16 = 5;
    pub const FIND_COORDINATOR: i16 = 6;
    pub const JOIN_GROUP: i16 = 9;
    pub const SYNC_GROUP: i16 = 5;
    pub const HEARTBEAT: i16 = 4;
    pub const LEAVE_GROUP: i16 = 5;
    /// v9+ belongs to the KIP-848 protocol (member epochs), which we do not speak.
    pub const OFFSET_COMMIT: i16 = 8;
    /// v8+ batches groups; one group per request is all we need.
    pub const OFFSET_FETCH: i16 = 7;
    /// v4+ serve brokers' verification (KIP-890); v3 is the newest client version.
    pub const ADD_PARTITIONS_TO_TXN: i16 = 3;
    pub const ADD_OFFSETS_TO_TXN: i16 = 3;
    /// v4 adds TRANSACTION_ABORTABLE and v5 a new epoch per transaction (KIP-890 part 2).
    pub const END_TXN: i16 = 3;
    pub const TXN_OFFSET_COMMIT: i16 = 3;
    // Admin.
    pub const CREATE_PARTITIONS: i16 = 3;
    pub const DELETE_RECORDS: i16 = 2;
    pub const ELECT_LEADERS: i16 = 2;
    pub const DESCRIBE_CONFIGS: i16 = 4;
    pub const ALTER_CONFIGS: i16 = 2;
    pub const INCREMENTAL_ALTER_CONFIGS: i16 = 1;
    /// v2 reports fenced brokers, which we do not show.
    pub const DESCRIBE_CLUSTER: i16 = 1;
    pub const LIST_GROUPS: i16 = 5;
    pub const DESCRIBE_GROUPS: i16 = 5;
    pub const DELETE_GROUPS: i16 = 2;
    pub const OFFSET_DELETE: i16 = 0;
    pub const DESCRIBE_PRODUCERS: i16 = 0;
    pub const LIST_TRANSACTIONS: i16 = 1;
    pub const DESCRIBE_TRANSACTIONS: i16 = 0;
}

#[derive(Debug, Clone, Default)]
pub struct VersionTable {
    ranges: HashMap<i16, (i16, i16)>,
}

impl VersionTable {
    pub fn from_response(resp: &ApiVersionsResponse) -> Self {
        VersionTable {
            ranges: resp.api_keys.iter().map(|k| (k.api_key, (k.min_version, k.max_version))).collect(),
        }
    }

    /// The broker's range for an API key.
    pub fn range(&self, api_key: i16) -> Option<(i16, i16)> {
        self.ranges.get(&api_key).copied()
    }

    /// The highest version both sides support: ours is kafka-protocol's range capped at `our_max`.
    pub fn pick<R: Request>(&self, our_max: i16) -> Option<i16> {
        let (bmin, bmax) = self.range(R::KEY)?;
        let lo = bmin.max(R::VERSIONS.min);
        let hi = bmax.min(our_max).min(R::VERSIONS.max);
        (lo <= hi).then_some(hi)
    }
}
