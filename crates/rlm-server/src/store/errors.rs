//! The one error type of the storage seam, [`StoreError`], and which of its
//! kinds a caller may retry.

use uuid::Uuid;

/// A storage failure. [`StoreError::Unavailable`] is the one a caller may
/// retry (the API answers it 503); the others are 500s, a bad cursor 400.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the database failed: {0}")]
    Backend(String),
    #[error("a stored record is unreadable ({what}): {message}")]
    Corrupt { what: String, message: String },
    /// The store's files are damaged (cut short, overwritten): nothing of
    /// it is served until an operator restores or moves it.
    #[error(
        "the store at {path} is damaged ({reason}): restore it from a backup, or move the \
         folder aside to start with an empty store"
    )]
    Damaged { path: String, reason: String },
    #[error("the data directory {path} is used by another process (or unreadable): {message}")]
    Locked { path: String, message: String },
    #[error("the cursor {0:?} is not one a list answered with")]
    BadCursor(String),
    /// The database cannot be reached now (connection lost or refused);
    /// nothing was acknowledged, and a later request may succeed.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database stayed unreachable through every retry of the
    /// operation (for `secs` seconds); nothing was acknowledged.
    #[error("the database was unavailable for {secs} s: {message}")]
    UnavailableFor { secs: u64, message: String },
    /// A creating request's idempotency key was taken over by a later
    /// request with it (this one's process was judged gone, or it ran past
    /// the stale bound): nothing was written; the later request answers.
    #[error("the Idempotency-Key was taken over by a later request with it")]
    KeyTakenOver,
    /// A write of a queue delivery's attempt when a later delivery runs the
    /// execution now (a worker frozen past its lease, then thawed): refused,
    /// nothing written. The later attempt's writes stand.
    #[error("attempt {attempt} of execution {execution} was superseded by attempt {newer}")]
    Superseded { execution: Uuid, attempt: u32, newer: u32 },
    /// A checkpoint covering trace events the store does not hold all of:
    /// refused, the stored checkpoint kept (a later delivery goes on from it).
    #[error("the checkpoint covers {expected} trace events, {stored} of which are stored")]
    TraceNotWhole { expected: u64, stored: u64 },
    /// A write of an execution's record after it ended (its record is final).
    #[error("execution {execution} has ended: its record is final")]
    Settled { execution: Uuid },
}

impl StoreError {
    /// Whether the database could not be reached (the API answers 503
    /// with `Retry-After`; a queued job is given back, not failed).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::UnavailableFor { .. })
    }
}
