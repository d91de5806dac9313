//! The crate's errors: the channel's, and a worker's (spawning, setting up,
//! dying).

/// Why a frame could not be sent or received.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("the other end closed the channel")]
    Closed,
    #[error("a frame of {0} bytes is over the channel's limit")]
    TooLarge(usize),
    #[error("a message could not be encoded: {0}")]
    Encode(serde_json::Error),
    #[error("a message could not be decoded: {0}")]
    Decode(serde_json::Error),
    #[error("channel i/o: {0}")]
    Io(std::io::Error),
}

/// Why a worker could not serve.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot start a sandbox worker ({program}): {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("the sandbox worker could not confine itself: {0}")]
    Confine(String),
    #[error("the sandbox worker broke the protocol: {0}")]
    Protocol(String),
    /// The worker process ended (or was ended) while it held an execution.
    #[error("the sandbox worker died: {reason}")]
    Died { reason: String },
    #[error(transparent)]
    Channel(#[from] ChannelError),
}
