//! Gives memory the allocator keeps back to the OS after work ends (an
//! execution of `rlm serve`, a tool call of `rlm mcp`). A program may take
//! its whole budget (512 MiB by default); once it ends, the allocator
//! (mimalloc in the `rlm` binary) keeps the freed pages of threads that went
//! idle, so without a purge the server's RSS stays near its peak, and each
//! new piece of work on another thread adds its own. The binary hands its
//! allocator's purge (`mi_collect(true)`) to each surface; ends close
//! together share one purge, run on a blocking thread [`DELAY`] after the first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long after an execution's end the purge runs.
pub const DELAY: Duration = Duration::from_millis(200);

/// See the module docs.
#[derive(Debug)]
pub struct AllocatorPurge {
    purge: Option<fn()>,
    scheduled: AtomicBool,
}

impl AllocatorPurge {
    pub fn new(purge: Option<fn()>) -> Arc<Self> {
        Arc::new(AllocatorPurge { purge, scheduled: AtomicBool::new(false) })
    }

    /// A guard that calls [`Self::after_execution`] when dropped: however
    /// the work it is held by ends (an answer, an error, a cancellation).
    pub fn on_drop(self: &Arc<Self>) -> PurgeOnDrop {
        PurgeOnDrop(Arc::clone(self))
    }

    /// An execution ended: purge soon, unless a purge is due already.
    pub fn after_execution(self: &Arc<Self>) {
        let Some(purge) = self.purge else { return };
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(DELAY).await;
            this.scheduled.store(false, Ordering::Release);
            let _ = tokio::task::spawn_blocking(purge).await;
        });
    }
}

/// See [`AllocatorPurge::on_drop`].
#[derive(Debug)]
pub struct PurgeOnDrop(Arc<AllocatorPurge>);

impl Drop for PurgeOnDrop {
    fn drop(&mut self) {
        // Dropped outside a runtime (a test's end), there is nothing to schedule on.
        if tokio::runtime::Handle::try_current().is_ok() {
            self.0.after_execution();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static PURGES: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        PURGES.fetch_add(1, Ordering::SeqCst);
    }

    #[tokio::test]
    async fn ends_close_together_share_one_purge() {
        let purge = AllocatorPurge::new(Some(count));
        for _ in 0..5 {
            purge.after_execution();
        }
        tokio::time::sleep(DELAY * 3).await;
        assert_eq!(PURGES.load(Ordering::SeqCst), 1);
        purge.after_execution();
        tokio::time::sleep(DELAY * 3).await;
        assert_eq!(PURGES.load(Ordering::SeqCst), 2);
    }
}
