//! Retention: a background sweeper that deletes ended executions (with
//! their traces, index entries and share of the aggregates) older than
//! `--retain-days`, and the oldest ended ones while the store is larger than
//! `--max-store-gb`. Each sweep deletes a bounded number, so a sweep never
//! holds the store for long; the next sweep continues.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Micros, Store, StoreError, now_micros};

/// Executions deleted per sweep at most (per rule).
const SWEEP_BATCH: usize = 512;

/// What the sweeper keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionConfig {
    /// Ended executions older than this are deleted (`None`: kept).
    pub retain: Option<Duration>,
    /// While the store takes more bytes than this on disk, the oldest ended
    /// executions are deleted (`None`: no cap).
    pub max_store_bytes: Option<u64>,
    /// Time between sweeps.
    pub every: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { retain: None, max_store_bytes: None, every: Duration::from_secs(60) }
    }
}

impl RetentionConfig {
    pub fn is_off(&self) -> bool {
        self.retain.is_none() && self.max_store_bytes.is_none()
    }
}

/// One sweep at time `now`: returns how many executions it deleted.
pub async fn sweep(
    store: &dyn Store,
    config: &RetentionConfig,
    now: Micros,
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    if let Some(retain) = config.retain {
        let cutoff = now.saturating_sub(i64::try_from(retain.as_micros()).unwrap_or(i64::MAX));
        for id in store.ended_executions_before(cutoff, SWEEP_BATCH).await? {
            deleted += u64::from(store.delete_execution(id).await?);
        }
    }
    if let Some(max) = config.max_store_bytes
        && store.size_on_disk().await? > max
    {
        // One batch per sweep: the backend may give space back only later
        // (sled when it rewrites segments), so the next sweep measures again.
        for id in store.ended_executions_before(Micros::MAX, SWEEP_BATCH).await? {
            deleted += u64::from(store.delete_execution(id).await?);
        }
    }
    Ok(deleted)
}

/// Sweeps every `config.every` until `stop`.
pub fn spawn(
    store: Arc<dyn Store>,
    config: RetentionConfig,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sweep(store.as_ref(), &config, now_micros()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "retention: deleted ended executions"),
                Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(config.every) => {}
            }
        }
    })
}
