//! What travels through the queue and what is recorded: a job, its outcome, the
//! one result per job, and how a handler answers.

use serde::{Deserialize, Serialize};

/// One job as queued: its id and the work, opaque to the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub payload: serde_json::Value,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueuedJobEnd {
    /// The handler finished it (its own failures, such as a failed run, are a value too).
    Done { value: serde_json::Value },
    /// No delivery finished it: the reason says why.
    Failed { reason: String },
}

/// The one result recorded for a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    pub job_id: String,
    /// The delivery (1-based) whose result this is.
    pub attempt: u32,
    /// The worker that recorded it.
    pub worker: String,
    pub outcome: QueuedJobEnd,
}

/// What a handler did with one delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// Record this outcome.
    Finished(QueuedJobEnd),
    /// This worker cannot run it now (shutting down, out of capacity): deliver
    /// it again, to any worker, unless this was the last delivery (then the job
    /// is FAILED with this reason).
    GiveBack(String),
    /// A later delivery of the job runs it now (this one was frozen past its
    /// ack wait, then thawed): nothing is recorded and the message is left
    /// alone, neither acked nor given back; the later delivery's heartbeats
    /// hold it and its end acks it.
    Superseded(String),
}

/// What recording a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// This is the job's result.
    First,
    /// The same job and attempt was recorded before (a retried write): still this result.
    Again,
    /// Another attempt's result was recorded first (a slow worker finishing after
    /// its job was redelivered): this one is dropped.
    Lost { winner_attempt: u32 },
}

/// A job id usable as a key: 1 to 128 of `A-Z a-z 0-9 - _` (a UUID is one).
pub(crate) fn valid_job_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
