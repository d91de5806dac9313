//! What the store keeps for the job queue's protocol: the outbox (messages
//! committed with the record they announce, published by a relay after the
//! commit), idempotency keys (a creating request's first response, replayed
//! to its retries) and the deployment's protocol settings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Micros;
use super::errors::StoreError;
use super::job_records::JobRecord;
use super::records::{ExecutionRecord, SessionRecord};

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

/// A request's claim on an idempotency key, scoped by owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub owner: String,
    pub key: String,
    /// A digest of the request (method, path, body): the same key with
    /// another request is refused.
    pub fingerprint: String,
    /// The process serving the request (its process lease says whether it
    /// is alive: a dead process's claim is taken over at once).
    pub holder: String,
    /// This request's claim (unique per request): only the request that
    /// holds the claim may answer the key, so a request whose claim a retry
    /// took over creates nothing.
    pub claim: String,
}

/// The response stored for a key (replayed as it was: status and JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// A key's response written with what its request creates, in the same
/// transaction (the one idempotent write of a creating POST).
#[derive(Debug, Clone, Copy)]
pub struct KeyedAnswer<'a> {
    pub key: &'a IdempotencyKey,
    pub response: &'a StoredResponse,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is this request's now: run it.
    Fresh,
    /// A request with this key is still running (its process is alive and
    /// it began less than the stale bound ago).
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
    /// The process that claimed it (rows written before issue #75: none).
    #[serde(default)]
    pub holder: Option<String>,
    /// The claim of the request that holds it.
    #[serde(default)]
    pub claim: Option<String>,
}

impl StoredKey {
    /// The row of a fresh claim by `key`'s request.
    pub(crate) fn claimed(key: &IdempotencyKey, now: Micros) -> Self {
        StoredKey {
            fingerprint: key.fingerprint.clone(),
            created_at: now,
            response: None,
            holder: Some(key.holder.clone()),
            claim: Some(key.claim.clone()),
        }
    }

    /// The row answered by `key`'s request.
    pub(crate) fn answered(&self, key: &IdempotencyKey, response: &StoredResponse) -> Self {
        StoredKey { response: Some(response.clone()), ..StoredKey::claimed(key, self.created_at) }
    }

    /// What a claim finds in this row; `None`: the claim takes the key (its
    /// request never answered, and began before `stale_before` or ran in
    /// a process that is gone: `holder_gone`).
    pub(crate) fn claim(
        &self,
        key: &IdempotencyKey,
        stale_before: Micros,
        holder_gone: bool,
    ) -> Option<KeyClaim> {
        if self.fingerprint != key.fingerprint {
            return Some(KeyClaim::Mismatch);
        }
        match &self.response {
            Some(response) => Some(KeyClaim::Replay(response.clone())),
            None if self.created_at < stale_before || holder_gone => None,
            None => Some(KeyClaim::InFlight),
        }
    }

    /// Whether `key`'s request may answer this row: it still holds the
    /// claim (unanswered, or answered by its own earlier try of the same
    /// write); `Err` when another request took the key over.
    pub(crate) fn check_answer(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        if self.claim.as_deref() == Some(key.claim.as_str()) {
            Ok(())
        } else {
            Err(StoreError::KeyTakenOver)
        }
    }
}

/// What a creating request makes.
#[derive(Debug, Clone, Copy)]
pub enum Created<'a> {
    Session(&'a SessionRecord),
    Execution(&'a ExecutionRecord),
    Job(&'a JobRecord),
}

/// The one idempotent write of a creating request (issue #75): what it
/// makes, its outbox entry (a job or an execution queued for a worker) and,
/// when the request carried an idempotency key, the response its retries
/// replay, in one transaction: a crash leaves all or none, and a request
/// whose claim a retry took over writes nothing.
#[derive(Debug, Clone)]
pub struct Creation<'a> {
    pub created: Created<'a>,
    pub outbox: Option<OutboxEntry>,
    pub key: Option<KeyedAnswer<'a>>,
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
