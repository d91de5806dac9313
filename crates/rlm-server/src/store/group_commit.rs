//! Group commit: a write is acknowledged only once it is durable, and the
//! writers that arrive while a flush runs share the next one.
//!
//! A writer applies its write to the backend's log first, then calls
//! [`GroupCommit::commit`], which hands it a ticket. Whoever holds the flush
//! lock flushes everything ticketed so far and publishes that high-water
//! mark; a writer whose ticket is at or below it returns at once, so under
//! load one flush serves every write that arrived during the previous one.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use super::errors::StoreError;

/// Tickets and the durable high-water mark of one store.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    /// Tickets handed out: writes applied to the log, durable or not.
    issued: AtomicU64,
    /// Every ticket up to this one is durable.
    durable: AtomicU64,
    /// Held while a flush runs; waiting on it is waiting for the next flush.
    flushing: tokio::sync::Mutex<()>,
    /// Flushes done (for the tests and the benchmark: group size = writes / flushes).
    flushes: AtomicU64,
}

impl GroupCommit {
    /// Waits until the writes this caller applied before calling are durable,
    /// flushing with `flush` if no other writer's flush covers them. A failed
    /// flush fails its caller; writers waiting behind it try again themselves.
    pub(crate) async fn commit<F, Fut>(&self, flush: F) -> Result<(), StoreError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let ticket = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        if self.durable.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        let _lock = self.flushing.lock().await;
        if self.durable.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        // Every ticket up to `covered` was taken after its write reached the
        // log, so this flush makes all of them durable.
        let covered = self.issued.load(Ordering::SeqCst);
        flush().await?;
        self.flushes.fetch_add(1, Ordering::Relaxed);
        self.durable.fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }

    /// How many flushes have run (the unit tests count writes per flush).
    #[cfg(test)]
    pub(crate) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_share_flushes() {
        let gc = Arc::new(GroupCommit::default());
        let flushed_calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let gc = Arc::clone(&gc);
            let calls = Arc::clone(&flushed_calls);
            tasks.push(tokio::spawn(async move {
                gc.commit(|| {
                    let calls = Arc::clone(&calls);
                    async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        Ok(())
                    }
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let flushes = flushed_calls.load(Ordering::SeqCst);
        assert_eq!(flushes, gc.flushes());
        assert!((1..64).contains(&flushes), "64 writers took {flushes} flushes");
        assert_eq!(gc.durable.load(Ordering::SeqCst), 64);
    }

    #[tokio::test]
    async fn a_failed_flush_fails_its_writer_and_the_next_writer_flushes_again() {
        let gc = GroupCommit::default();
        let err =
            gc.commit(|| async { Err(StoreError::Backend("disk full".into())) }).await.unwrap_err();
        assert!(err.to_string().contains("disk full"));
        assert_eq!(gc.durable.load(Ordering::SeqCst), 0);
        gc.commit(|| async { Ok(()) }).await.unwrap();
        assert_eq!(gc.durable.load(Ordering::SeqCst), 2);
    }
}
