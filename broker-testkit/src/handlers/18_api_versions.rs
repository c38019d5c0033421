//! ApiVersions (key 18).
//!
//! Versions: 0-4
//!
//! Behaviour: lists exactly the API keys this broker implements, with the advertised ranges from
//! `handlers/mod.rs`. The response header is always v0 (no tag buffer), even for v3+. A request at a
//! version above 4 is answered at v0 with UNSUPPORTED_VERSION (35) and the full list (KIP-511), so
//! the client retries at a version we know.
//!
//! Not supported: supported/finalized features (sent empty), so clients stay on their classic
//! code paths (no transaction.version 2, no KIP-848 groups).

use bytes::BytesMut;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse};
use kafka_protocol::protocol::{Encodable, VersionRange};

use super::Reply;
use crate::error_code as ec;

pub(crate) const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

fn response(error_code: i16) -> ApiVersionsResponse {
    let keys = super::advertised()
        .map(|(key, range)| {
            ApiVersion::default()
                .with_api_key(key)
                .with_min_version(range.min)
                .with_max_version(range.max)
        })
        .collect();
    ApiVersionsResponse::default()
        .with_error_code(error_code)
        .with_api_keys(keys)
}

pub(crate) fn handle(version: i16, _request: ApiVersionsRequest) -> anyhow::Result<Reply> {
    super::encode(&response(ec::NONE), version)
}

/// The v0 body answering an ApiVersions request at a version we do not know.
pub(crate) fn unsupported_version() -> anyhow::Result<BytesMut> {
    let message = response(ec::UNSUPPORTED_VERSION);
    let mut buf = BytesMut::new();
    message.encode(&mut buf, 0)?;
    Ok(buf)
}
