//! The crate's errors: NATS refused or did not answer, a job id that cannot be a key.

/// Why the queue could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Connecting to NATS failed.
    #[error("cannot connect to NATS at {url}: {detail}")]
    Connect { url: String, detail: String },
    /// A JetStream call (stream, consumer, publish, key-value) failed.
    #[error("NATS JetStream {what} failed: {detail}")]
    JetStream { what: &'static str, detail: String },
    /// Job ids are keys in the results bucket: 1 to 128 of `A-Z a-z 0-9 - _`.
    #[error("invalid job id {0:?}: use 1 to 128 of A-Z a-z 0-9 - _")]
    JobId(String),
    /// A setting that cannot work.
    #[error("invalid queue setting: {0}")]
    Setting(&'static str),
    /// A stored result that does not decode.
    #[error("the stored result of job {job} is damaged: {detail}")]
    Damaged { job: String, detail: String },
}

impl QueueError {
    pub(crate) fn js(what: &'static str, e: impl std::fmt::Display) -> Self {
        QueueError::JetStream { what, detail: e.to_string() }
    }
}
