//! What the store keeps for the job queue's protocol: the outbox (messages
//! committed with the record they announce, published by a relay after the
//! commit), idempotency keys (a creating request's first response, replayed
//! to its retries) and the deployment's protocol settings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Micros;

/// One message waiting in the outbox for the job queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The job's (or queued execution's) id: one waiting message per id.
    pub id: Uuid,
    /// The queue's `Nats-Msg-Id`: the id itself for the first publication
    /// (JetStream drops a duplicate of it), `{id}-r{n}` for a sweep's copy.
    pub message_id: String,
    /// The queued job's payload (`{}` for a job, `kind: execution` for an
    /// execution an `api` queued).
    pub payload: serde_json::Value,
    pub created_at: Micros,
}

impl OutboxEntry {
    /// The first publication of `id`.
    pub fn first(id: Uuid, payload: serde_json::Value, now: Micros) -> Self {
        OutboxEntry { id, message_id: id.to_string(), payload, created_at: now }
    }

    /// A sweep's copy of `id` (its message was lost, or its delivery died
    /// with its message gone): a message id of its own, so JetStream's
    /// duplicate window does not drop it, and `copy` in the payload, so a
    /// worker drops it while a live delivery holds the job.
    pub fn copy(id: Uuid, mut payload: serde_json::Value, now: Micros) -> Self {
        if let Some(object) = payload.as_object_mut() {
            object.insert("copy".into(), serde_json::Value::from(now));
        }
        OutboxEntry { id, message_id: format!("{id}-r{now}"), payload, created_at: now }
    }
}

/// The outbox's depth, for the relay's refusals and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    pub entries: u64,
    /// When the oldest waiting entry was written (`None`: none waits).
    pub oldest: Option<Micros>,
}

/// The jobs' counts across the deployment (`/metrics`, from the store).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
}

/// A creating request's idempotency key, scoped by owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub owner: String,
    pub key: String,
    /// A digest of the request (method, path, body): the same key with
    /// another request is refused.
    pub fingerprint: String,
}

/// The response stored for a key (replayed as it was: status and JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is this request's now: run it.
    Fresh,
    /// A request with this key is still running (or died less than the
    /// stale bound ago).
    InFlight,
    /// The key was used with another request.
    Mismatch,
    /// The key's request ran: its response.
    Replay(StoredResponse),
}

/// A key's row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredKey {
    pub fingerprint: String,
    pub created_at: Micros,
    pub response: Option<StoredResponse>,
}

impl StoredKey {
    /// What a claim at `now` finds in this row; `None`: the claim takes the
    /// key (its request died before it answered, longer than `stale_before` ago).
    pub(crate) fn claim(&self, key: &IdempotencyKey, stale_before: Micros) -> Option<KeyClaim> {
        if self.fingerprint != key.fingerprint {
            return Some(KeyClaim::Mismatch);
        }
        match &self.response {
            Some(response) => Some(KeyClaim::Replay(response.clone())),
            None if self.created_at < stale_before => None,
            None => Some(KeyClaim::InFlight),
        }
    }
}

/// A job to store with its outbox entry and, when the request carried an
/// idempotency key, the response its retries replay: one transaction.
#[derive(Debug, Clone)]
pub struct JobSubmission<'a> {
    pub job: &'a super::JobRecord,
    pub outbox: Option<OutboxEntry>,
    pub key: Option<(&'a IdempotencyKey, StoredResponse)>,
}

/// The settings of the queue's protocol a process runs with; every process
/// of a deployment must agree on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolSettings {
    pub stream: String,
    pub ack_wait_ms: u64,
    pub lease_ms: u64,
    pub max_attempts: u32,
}

impl ProtocolSettings {
    /// How `self` (this process) differs from `deployment`, one phrase per setting.
    pub fn differences(&self, deployment: &ProtocolSettings) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |name: &str, mine: String, theirs: String| {
            if mine != theirs {
                out.push(format!("{name} is {mine} here, {theirs} in the deployment"));
            }
        };
        check("the stream", self.stream.clone(), deployment.stream.clone());
        check(
            "the ack wait (ms)",
            self.ack_wait_ms.to_string(),
            deployment.ack_wait_ms.to_string(),
        );
        check("the lease (ms)", self.lease_ms.to_string(), deployment.lease_ms.to_string());
        check(
            "the max attempts",
            self.max_attempts.to_string(),
            deployment.max_attempts.to_string(),
        );
        out
    }
}

/// The relay's publication of one entry, as the store's relay round calls it.
pub type Publish = dyn Fn(OutboxEntry) -> futures::future::BoxFuture<'static, bool> + Send + Sync;

/// What one relay round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayRound {
    /// Whether this process held the relay's lock (another process relays otherwise).
    pub leader: bool,
    pub published: u64,
    pub failed: u64,
}
