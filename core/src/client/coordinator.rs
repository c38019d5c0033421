//! Finding the coordinator of a group or a transactional id (FindCoordinator), shared by the
//! consumer's group membership and the transactional producer.

use std::sync::Arc;

use kafka_protocol::messages::FindCoordinatorRequest;
use kafka_protocol::protocol::StrBytes;

use super::{Client, Lane};
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;
use crate::net::Connection;

/// What a coordinator coordinates (FindCoordinator's key_type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinatorKind {
    Group = 0,
    Transaction = 1,
}

impl CoordinatorKind {
    fn noun(self) -> &'static str {
        match self {
            CoordinatorKind::Group => "group",
            CoordinatorKind::Transaction => "transactional id",
        }
    }
}

impl Client {
    /// Asks any broker which one coordinates `key`, and connects to it on the coordinator lane.
    /// Errors keep the broker's code (COORDINATOR_NOT_AVAILABLE while Kafka creates its internal
    /// topic, NOT_COORDINATOR): callers retry those.
    pub async fn find_coordinator(&self, kind: CoordinatorKind, key: &str) -> Result<Arc<Connection>> {
        let conn = self.any_connection().await?;
        let version = conn.version::<FindCoordinatorRequest>(ours::FIND_COORDINATOR)?;
        let mut req = FindCoordinatorRequest::default().with_key_type(kind as i8);
        if version >= 4 {
            req = req.with_coordinator_keys(vec![StrBytes::from_string(key.to_string())]);
        } else {
            req = req.with_key(StrBytes::from_string(key.to_string()));
        }
        let resp = conn.send(&req, version).await?;
        let (code, host, port, msg) = if version >= 4 {
            let c = resp.coordinators.first().ok_or_else(|| Error::new(ErrorKind::BadMsg, "FindCoordinator: empty answer"))?;
            (c.error_code, c.host.to_string(), c.port, c.error_message.as_ref().map(|m| m.to_string()))
        } else {
            (resp.error_code, resp.host.to_string(), resp.port, resp.error_message.as_ref().map(|m| m.to_string()))
        };
        if code != 0 {
            return Err(Error::from_kafka(
                code,
                format!("FindCoordinator for {} {key:?}: {}", kind.noun(), msg.unwrap_or_default()),
            ));
        }
        self.connection_for(&format!("{host}:{port}"), Lane::Coordinator).await
    }
}
