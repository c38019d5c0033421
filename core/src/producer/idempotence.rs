//! Producer id and epoch of the idempotent producer (KIP-98, epoch bump of KIP-360).
//!
//! The broker keeps, per (producer id, partition), the last five batches' sequences. We number
//! each batch when first sent and keep that number across retries, so a retry of a batch the
//! broker already wrote is answered with its original offsets instead of writing it twice.
//! When the sequence can no longer be trusted (the broker forgot the producer, or a numbered
//! batch expired without an answer) we stop sending, wait for everything in flight, bump the
//! epoch with InitProducerId and renumber every unacknowledged batch from 0.

use std::sync::Mutex;

use kafka_protocol::messages::{InitProducerIdRequest, ProducerId};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::net::versions::ours;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No id yet: InitProducerId is due.
    Uninitialized,
    Ready,
    /// Sequences are broken: drain in-flight requests, then bump the epoch.
    NeedsBump,
}

#[derive(Debug)]
pub struct ProducerIdState {
    inner: Mutex<(Phase, i64, i16)>,
}

impl Default for ProducerIdState {
    fn default() -> Self {
        ProducerIdState { inner: Mutex::new((Phase::Uninitialized, -1, -1)) }
    }
}

impl ProducerIdState {
    /// The id and epoch to number new batches with, when sending is allowed.
    pub fn current(&self) -> Option<(i64, i16)> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (g.0 == Phase::Ready).then_some((g.1, g.2))
    }

    /// librdkafka's idempotence state name (its STATISTICS.md eos.idemp_state), producer id
    /// and epoch (-1 before the first InitProducerId).
    pub fn describe(&self) -> (&'static str, i64, i16) {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let name = match g.0 {
            Phase::Uninitialized => "RequestPID",
            Phase::Ready => "Assigned",
            Phase::NeedsBump => "DrainBump",
        };
        (name, g.1, g.2)
    }

    pub fn needs_init(&self) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 != Phase::Ready
    }

    /// Asks for a new epoch; ignored when one is already asked for.
    pub fn request_bump(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 == Phase::Ready {
            g.0 = Phase::NeedsBump;
        }
    }

    /// The id and epoch a transactional InitProducerId returned (the transaction manager owns
    /// that request: it carries the transactional id).
    pub fn set(&self, pid: i64, epoch: i16) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *g = (Phase::Ready, pid, epoch);
    }

    /// The id and epoch held now, whatever the phase ((-1, -1) before the first).
    pub fn ids(&self) -> (i64, i16) {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (g.1, g.2)
    }

    /// Whether the sequences are broken and only a new epoch gets past it.
    pub fn needs_bump(&self) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 == Phase::NeedsBump
    }

    /// Gets a producer id (first time) or a bumped epoch (after a sequence problem).
    pub async fn init(&self, client: &Client) -> Result<(i64, i16)> {
        let (pid, epoch) = {
            let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            (g.1, g.2)
        };
        let conn = client.any_connection().await?;
        let version = conn.version::<InitProducerIdRequest>(ours::INIT_PRODUCER_ID)?;
        // v3+ can bump the epoch of the id we have; older brokers just give a new id.
        let bump = pid >= 0 && version >= 3;
        let req = InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(i32::MAX)
            .with_producer_id(ProducerId(if bump { pid } else { -1 }))
            .with_producer_epoch(if bump { epoch } else { -1 });
        let resp = conn.send(&req, version).await?;
        if resp.error_code != 0 {
            return Err(Error::from_kafka(resp.error_code, "InitProducerId"));
        }
        let (pid, epoch) = (resp.producer_id.0, resp.producer_epoch);
        if pid < 0 {
            return Err(Error::new(ErrorKind::Fatal, "InitProducerId returned no producer id"));
        }
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *g = (Phase::Ready, pid, epoch);
        Ok((pid, epoch))
    }
}
