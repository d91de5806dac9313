//! The crate's error type: why a run's sandbox in a worker process cannot
//! serve (the worker's own failure, or this side's exchange with it going
//! wrong). A run never sees it as an error: its cell ends with
//! `RunEnd::SandboxFailed` naming it.

use rlm_sandbox::SandboxError;

/// Why a worker-process sandbox cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum SandboxHostError {
    /// The worker (its pool, its channel, its process) failed.
    #[error(transparent)]
    Worker(#[from] SandboxError),
    /// The exchange with the worker went wrong: a reply that does not fit the
    /// request, no reply in time, a context that cannot be shared.
    #[error("the sandbox worker broke the protocol: {0}")]
    Protocol(String),
}
