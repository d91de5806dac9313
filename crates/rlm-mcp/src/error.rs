//! The crate's error type: what can stop the MCP server itself (a transport
//! that fails, an address that cannot be bound) and what the front end's
//! engine factory reports. A tool's own failure (a bad path, a program's
//! exception, a run that ends without an answer) is not an error of the
//! server: it is the tool's result, marked `isError`, for the client to read.

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The front end could not build an engine or load a context (its message
    /// is the paragraph the CLI would print for the same settings).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The stdio or HTTP transport failed.
    #[error("the MCP transport failed: {0}")]
    Transport(String),
    /// The HTTP listener refused to start (an address beyond loopback
    /// without keys, an address that cannot be bound, a bad limit).
    #[error("cannot serve MCP over HTTP: {0}")]
    Listen(#[from] rlm_listen::ListenError),
}

/// A failure of the [`crate::Engines`] the front end supplies: settings that do
/// not build an engine, a context source that cannot be loaded. Shown to the
/// client as the tool's error text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    pub message: String,
}

impl EngineError {
    pub fn new(message: impl Into<String>) -> EngineError {
        EngineError { message: message.into() }
    }
}
