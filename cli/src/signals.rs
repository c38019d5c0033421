//! SIGINT/SIGTERM as kcat handles them: the first asks the producer or consumer to stop
//! cleanly (what was read is still delivered, what was consumed is still written); the producer
//! gives up waiting for deliveries at the second.
//!
//! The handlers run on the shared ferrokafka runtime, so no signal code of our own is needed.

use std::sync::atomic::{AtomicUsize, Ordering};

static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// Starts counting SIGINT and SIGTERM instead of dying of them.
pub fn install() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(rt) = ferrokafka::blocking::runtime() else {
        return;
    };
    let _guard = rt.enter();
    for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
        if let Ok(mut stream) = signal(kind) {
            rt.spawn(async move {
                while stream.recv().await.is_some() {
                    RECEIVED.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    }
}

/// How many termination signals arrived.
pub fn count() -> usize {
    RECEIVED.load(Ordering::SeqCst)
}

pub fn stop_requested() -> bool {
    count() > 0
}
