//! The cap on long-lived response streams (SSE listeners): a stream holds a
//! connection busy for as long as its subject lives, so each tenant may have
//! at most [`StreamLimits::per_tenant`] open at once, and at most
//! [`StreamLimits::per_subject`] on one subject (one execution). A stream
//! past either is refused (429) before it starts. One guard, [`StreamSlot`],
//! held by the stream for as long as it is read, serves every route that
//! streams (`rlm serve`'s `/api/execute/stream`,
//! `/api/executions/{id}/events` and streamed `/v1/chat/completions`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::tenant::Tenant;

/// How many streams may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Streams one tenant may have open at once, all subjects together.
    pub per_tenant: usize,
    /// Streams on one subject (an execution) at once.
    pub per_subject: usize,
}

impl StreamLimits {
    /// A page watching a few executions, with a reconnect's overlap, and
    /// room to spare; an eighth of the default connection cap.
    pub const DEFAULT_PER_TENANT: usize = 64;
    /// Several tabs on one execution, each with a reconnect's overlap.
    pub const DEFAULT_PER_SUBJECT: usize = 16;
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            per_tenant: Self::DEFAULT_PER_TENANT,
            per_subject: Self::DEFAULT_PER_SUBJECT,
        }
    }
}

/// A stream refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamRefusal {
    #[error(
        "this API key has {limit} streams open, its limit (server.max_listeners_per_key); close one first"
    )]
    PerTenant { limit: usize },
    #[error(
        "this execution has {limit} listeners, its limit (server.max_listeners_per_execution); close one first"
    )]
    PerSubject { limit: usize },
}

/// The open streams of one server.
#[derive(Debug)]
pub struct Streams {
    limits: StreamLimits,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    by_tenant: HashMap<Tenant, usize>,
    by_subject: HashMap<(Tenant, String), usize>,
}

impl Streams {
    pub fn new(limits: StreamLimits) -> Arc<Streams> {
        Arc::new(Streams { limits, open: Mutex::new(Open::default()) })
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        // Each change is one statement: a panic elsewhere leaves the counts whole.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for one more stream of `tenant`, on `subject` (`None`: a
    /// subject that does not exist yet, named later with
    /// [`StreamSlot::attach`]); refused past either cap. The slot is given
    /// back when dropped: hold it in the stream.
    pub fn open(
        self: &Arc<Self>,
        tenant: &Tenant,
        subject: Option<&str>,
    ) -> Result<StreamSlot, StreamRefusal> {
        let mut open = self.lock();
        if open.by_tenant.get(tenant).copied().unwrap_or(0) >= self.limits.per_tenant {
            return Err(StreamRefusal::PerTenant { limit: self.limits.per_tenant });
        }
        if let Some(subject) = subject {
            let key = (tenant.clone(), subject.to_string());
            if open.by_subject.get(&key).copied().unwrap_or(0) >= self.limits.per_subject {
                return Err(StreamRefusal::PerSubject { limit: self.limits.per_subject });
            }
            *open.by_subject.entry(key).or_default() += 1;
        }
        *open.by_tenant.entry(tenant.clone()).or_default() += 1;
        Ok(StreamSlot {
            streams: Arc::clone(self),
            tenant: tenant.clone(),
            subject: subject.map(str::to_string),
        })
    }

    /// Streams `tenant` has open now.
    pub fn open_of(&self, tenant: &Tenant) -> usize {
        self.lock().by_tenant.get(tenant).copied().unwrap_or(0)
    }
}

/// One open stream, counted until dropped.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<Streams>,
    tenant: Tenant,
    subject: Option<String>,
}

impl StreamSlot {
    /// Names the subject of a slot opened before it existed (a new
    /// execution's first listener): counted on it, never refused.
    pub fn attach(&mut self, subject: &str) {
        if self.subject.is_some() {
            return;
        }
        let key = (self.tenant.clone(), subject.to_string());
        *self.streams.lock().by_subject.entry(key).or_default() += 1;
        self.subject = Some(subject.to_string());
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.lock();
        if let Some(n) = open.by_tenant.get_mut(&self.tenant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_tenant.remove(&self.tenant);
            }
        }
        if let Some(subject) = self.subject.take() {
            let key = (self.tenant.clone(), subject);
            if let Some(n) = open.by_subject.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.by_subject.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_past_either_cap_are_refused_and_slots_come_back() {
        let streams = Streams::new(StreamLimits { per_tenant: 3, per_subject: 2 });
        let (alice, bob) = (Tenant::of_key("alice"), Tenant::of_key("bob"));
        let a1 = streams.open(&alice, Some("e1")).unwrap();
        let _a2 = streams.open(&alice, Some("e1")).unwrap();
        assert_eq!(
            streams.open(&alice, Some("e1")).unwrap_err(),
            StreamRefusal::PerSubject { limit: 2 }
        );
        let mut a3 = streams.open(&alice, None).unwrap();
        a3.attach("e2");
        assert_eq!(
            streams.open(&alice, Some("e3")).unwrap_err(),
            StreamRefusal::PerTenant { limit: 3 }
        );
        assert!(streams.open(&bob, Some("e1")).is_ok(), "bob's own count");
        drop(a1);
        assert_eq!(streams.open_of(&alice), 2);
        let _again = streams.open(&alice, Some("e1")).expect("a slot came back");
        drop((a3, _again, _a2));
        assert_eq!(streams.open_of(&alice), 0);
        assert!(streams.lock().by_subject.is_empty(), "nothing left behind");
    }
}
