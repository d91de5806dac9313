//! Deleting blobs nobody references. A record's write moves its blob's
//! reference count (`Store::blob_references`); a blob is written before
//! the record that names it, so a crash between the two leaves an
//! unreferenced blob, and a record's deletion leaves one too. Both go here,
//! and only once older than the grace period (`server.blob_grace_secs`):
//! an upload stores its blob moments before its record, and every put
//! refreshes the blob's time ([`crate::blobs`]), so a blob an upload in
//! flight is about to reference is never taken. [`release`] runs after a
//! record dropped a reference; [`sweep`] at start and then periodically.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::blobs::{BlobError, BlobStore};
use crate::store::{Store, StoreError};

/// Blobs one sweep looks at, at most (the next sweep goes on).
pub const SWEEP_LIMIT: usize = 100_000;

/// The temporary file of a write (an upload streaming in) is removed only
/// once untouched this long, whatever the grace period: a shorter one
/// would take uploads in flight.
pub const LEFTOVER_AGE: Duration = Duration::from_secs(3600);

/// The shortest time between two periodic sweeps.
pub const MIN_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Why a sweep or a release failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// What the sweep deletes: unreferenced blobs stored before `now - grace`.
#[derive(Clone)]
pub struct BlobSweep {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub grace: Duration,
}

impl std::fmt::Debug for BlobSweep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobSweep").field("blobs", &self.blobs).field("grace", &self.grace).finish()
    }
}

fn cutoff(grace: Duration, now: SystemTime) -> SystemTime {
    now.checked_sub(grace).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// After a record dropped its reference to `name`: deletes the blob if no
/// record references it any more and it was stored before `now - grace`
/// (a younger one is left to a later sweep). `true` if it went.
pub async fn release(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    grace: Duration,
    name: &str,
    now: SystemTime,
) -> Result<bool, SweepError> {
    if store.blob_references(name).await? > 0 {
        return Ok(false);
    }
    Ok(blobs.delete_if_older(name, cutoff(grace, now))?)
}

/// One sweep at `now`: every stored blob (at most [`SWEEP_LIMIT`]) no
/// record references and stored before `now - grace` goes, with the
/// leftovers of interrupted writes untouched for [`LEFTOVER_AGE`].
/// Returns how many blobs went.
pub async fn sweep(
    store: &dyn Store,
    blobs: &dyn BlobStore,
    grace: Duration,
    now: SystemTime,
) -> Result<u64, SweepError> {
    let leftovers = cutoff(grace.max(LEFTOVER_AGE), now);
    let cutoff = cutoff(grace, now);
    let mut deleted = 0;
    for name in blobs.list(SWEEP_LIMIT, leftovers)? {
        if store.blob_references(&name).await? == 0 && blobs.delete_if_older(&name, cutoff)? {
            deleted += 1;
        }
    }
    Ok(deleted)
}

impl BlobSweep {
    /// [`release`] with this sweep's store, blobs and grace period.
    pub async fn release(&self, name: &str, now: SystemTime) -> Result<bool, SweepError> {
        release(self.store.as_ref(), self.blobs.as_ref(), self.grace, name, now).await
    }

    /// [`sweep`] with this sweep's store, blobs and grace period.
    pub async fn sweep(&self, now: SystemTime) -> Result<u64, SweepError> {
        sweep(self.store.as_ref(), self.blobs.as_ref(), self.grace, now).await
    }

    /// Sweeps now, then every `every` (at least [`MIN_SWEEP_EVERY`]), until `stop`.
    pub fn spawn(self, every: Duration, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let every = every.max(MIN_SWEEP_EVERY);
        tokio::spawn(async move {
            loop {
                match self.sweep(SystemTime::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "blob sweep: deleted unreferenced blobs"),
                    Err(e) => tracing::warn!(error = %e, "blob sweep failed"),
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        })
    }
}
