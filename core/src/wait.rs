//! Waiting for a future from a caller's thread, on any thread.
//!
//! `Runtime::block_on` panics on a thread that is already inside a runtime, and so does a
//! oneshot's `blocking_recv`: an embedding that calls the blocking facade from its own async code,
//! or from a callback we did not expect, would see a panic cross its FFI boundary. [`park_on`] polls
//! a future on the calling thread and parks between wake-ups, which is what tokio's multi-threaded
//! `block_on` does as well, without the check. The I/O and timers our futures wait on are driven
//! by the shared runtime's own worker threads, so the caller only needs that runtime's context
//! ([`block_on`] enters it).
//!
//! Blocking a worker thread of the shared runtime itself still costs that worker while it waits;
//! no path of ours does that (callbacks run on the application's threads), and it is a slow call
//! instead of a crash if an embedding does.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives `fut` to completion on this thread, parking while it is pending.
pub fn park_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // A wake between the poll and here leaves the unpark token set: park returns at once.
        std::thread::park();
    }
}

/// Runs `fut` to completion from any thread, inside `rt`'s context (timers, I/O, spawn).
pub fn block_on<F: Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    let _context = rt.enter();
    park_on(fut)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn waits_inside_another_runtime_without_panicking() {
        let shared = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let app = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // An application's async code calling the blocking facade: tokio's block_on would panic.
        let out = app.block_on(async {
            super::block_on(&shared, async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let (tx, rx) = tokio::sync::oneshot::channel();
                tokio::spawn(async move { tx.send(7).ok() });
                rx.await.unwrap()
            })
        });
        assert_eq!(out, 7);
    }
}
