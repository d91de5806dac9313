//! Per-key quotas: how many sessions a key may hold, how many context bytes
//! its sessions may hold together (413), and how many uploads it may stream
//! at once (429). Counts come from the store's per-owner counters, so a
//! check costs the same whatever the store holds.
//!
//! A check made before a body is read can be outrun by another request of
//! the same key; so the write of a key's session is checked again at the
//! moment it is stored, under the key's lock ([`Quotas::admit`]): between
//! that check and the store's write no other session of the key is stored
//! by this process, so two requests can never both take the last place.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use crate::config::ServerLimits;
use crate::error::ServerError;
use crate::store::Store;

/// The context bytes a request may store: at most `per_context`, and at
/// most what is left of the key's quota.
#[derive(Debug, Clone, Copy)]
pub struct ContextAllowance {
    pub per_context: u64,
    /// The key's quota and what its other sessions hold (`None`: no quota).
    pub per_key: Option<(u64, u64)>,
}

impl ContextAllowance {
    /// Refuses `found` bytes (413) if they exceed either limit.
    pub fn check(&self, found: u64) -> Result<(), ServerError> {
        if found > self.per_context {
            return Err(ServerError::TooLarge {
                what: "the context",
                found,
                limit: self.per_context,
            });
        }
        if let Some((quota, used)) = self.per_key
            && used.saturating_add(found) > quota
        {
            return Err(ServerError::TooLarge {
                what: "this API key's contexts",
                found: used.saturating_add(found),
                limit: quota,
            });
        }
        Ok(())
    }
}

/// A key's session write admitted by [`Quotas::admit`]: while it is held,
/// no other session write of the key is checked or stored by this process.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code, reason = "held for its drop")] OwnedMutexGuard<()>);

/// The quotas and the upload slots in use.
#[derive(Debug)]
pub struct Quotas {
    limits: ServerLimits,
    uploads: DashMap<String, Arc<Semaphore>>,
    /// Per key: held from the last quota check to the store's write.
    writes: DashMap<String, Arc<Mutex<()>>>,
}

impl Quotas {
    pub fn new(limits: ServerLimits) -> Self {
        Quotas { limits, uploads: DashMap::new(), writes: DashMap::new() }
    }

    /// The last check before a session of `owner`'s is stored: a new
    /// session (`new_session`) must fit the session quota, and a context of
    /// `bytes` replacing one of `replacing` bytes the key's byte quota,
    /// counted from the store now. Hold the answer until the write is done.
    pub async fn admit(
        &self,
        store: &dyn Store,
        owner: &str,
        new_session: bool,
        bytes: u64,
        replacing: u64,
    ) -> Result<Admitted, ServerError> {
        let held = self.hold_writes(owner).await;
        if new_session {
            self.check_new_session(store, owner).await?;
        }
        if self.limits.max_context_bytes_per_key.is_some() && bytes > 0 {
            self.context_allowance(store, owner, replacing).await?.check(bytes)?;
        }
        Ok(held)
    }

    /// The key's write lock: no other session or `memory` write of the key
    /// is checked or stored by this process while it is held.
    pub async fn hold_writes(&self, owner: &str) -> Admitted {
        let lock = self.writes.entry(owner.to_string()).or_default().clone();
        Admitted(lock.lock_owned().await)
    }

    /// One of the key's upload slots, held while the body streams to disk.
    pub fn upload_slot(&self, owner: &str) -> Result<OwnedSemaphorePermit, ServerError> {
        let max = self.limits.max_uploads_per_key;
        let slots = self
            .uploads
            .entry(owner.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(max)))
            .clone();
        slots.try_acquire_owned().map_err(|_| ServerError::TooManyRequests {
            message: format!(
                "this API key already uploads {max} contexts at once (the limit); retry when one ends"
            ),
            retry_after_secs: 1,
        })
    }

    /// Refuses (429) a new session past the key's session quota.
    pub async fn check_new_session(
        &self,
        store: &dyn Store,
        owner: &str,
    ) -> Result<(), ServerError> {
        let Some(max) = self.limits.max_sessions_per_key else { return Ok(()) };
        let held = store.owner_usage(owner).await?.sessions;
        if held >= max {
            return Err(ServerError::TooManyRequests {
                message: format!(
                    "this API key holds {held} sessions, the limit: delete one (DELETE /api/sessions/{{id}}) first"
                ),
                retry_after_secs: 60,
            });
        }
        Ok(())
    }

    /// What a new context may take; `replacing` is the bytes of the context
    /// it replaces (freed when it is stored).
    pub async fn context_allowance(
        &self,
        store: &dyn Store,
        owner: &str,
        replacing: u64,
    ) -> Result<ContextAllowance, ServerError> {
        let per_key = match self.limits.max_context_bytes_per_key {
            None => None,
            Some(quota) => {
                let used = store.owner_usage(owner).await?.context_bytes;
                Some((quota, used.saturating_sub(replacing)))
            }
        };
        Ok(ContextAllowance { per_context: self.limits.max_context_bytes, per_key })
    }
}
