//! Deadlines from caller-given timeouts.
//!
//! Bindings map "wait forever" (-1 in librdkafka's API) to `Duration::MAX`, and `Instant + Duration`
//! panics on overflow. Every deadline computed from a timeout that crossed the API goes through
//! [`deadline_after`], which caps it at a century: later than anything will wait, and far from
//! the overflow of any clock representation (tokio's timer clamps long sleeps by itself).

use std::time::{Duration, Instant};

/// Long enough to be "never" for any client, short enough to add to any `Instant`.
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `Instant::now() + timeout`, never panicking.
pub fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout.min(FOREVER)).unwrap_or(now)
}

/// The same deadline as a tokio instant.
pub fn tokio_deadline_after(timeout: Duration) -> tokio::time::Instant {
    tokio::time::Instant::from_std(deadline_after(timeout))
}

/// Runs `tick` every `every` (the first after one period) while `target` lives: the task holds
/// it weakly and ends with it. Late ticks are skipped, not bunched.
pub(crate) fn spawn_every<T, F, Fut>(handle: &tokio::runtime::Handle, every: Duration, target: std::sync::Weak<T>, mut tick: F)
where
    T: Send + Sync + 'static,
    F: FnMut(std::sync::Arc<T>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    handle.spawn(async move {
        let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            timer.tick().await;
            let Some(t) = target.upgrade() else { return };
            tick(t).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forever_does_not_overflow() {
        assert!(deadline_after(Duration::MAX) > Instant::now() + Duration::from_secs(3600 * 24 * 365));
        let _ = tokio_deadline_after(Duration::MAX);
        assert!(deadline_after(Duration::ZERO) <= Instant::now());
    }
}
