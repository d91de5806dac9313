//! The crate's error type: every way a retrieval can fail, typed so callers
//! (the DSL host, the CLI) can tell bad input from a broken index or backend.

use std::path::PathBuf;

/// Why a retrieval operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    /// The caller passed something unusable (empty query, k = 0, bad filter...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// `get` of an id the index does not hold.
    #[error("no document with id '{0}'")]
    NotFound(String),
    /// The backend cannot do this (e.g. vector search without an embedder).
    #[error("{0}")]
    Unsupported(String),
    /// A file of a persisted index is missing, unreadable or corrupt.
    #[error("index at {path}: {message}")]
    CorruptIndex { path: PathBuf, message: String },
    /// File system trouble outside the index format.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The BM25 engine failed.
    #[cfg(feature = "embedded")]
    #[error("bm25 index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Loading or running the local embedding model failed.
    #[error("embedding model: {0}")]
    Model(String),
    /// An HTTP backend (embeddings endpoint, Elasticsearch) failed or answered badly.
    #[error("{service}: {message}")]
    Backend { service: &'static str, message: String },
    /// The context could not be cut into chunks.
    #[error("context: {0}")]
    Context(#[from] rlm_context::ContextError),
    /// A model call of a reranker or rewriter failed (budget refusal or provider error).
    #[error("model call: {0}")]
    ModelCall(String),
}

impl RetrievalError {
    // Used by the embedded backend's files only.
    #[cfg_attr(not(feature = "embedded"), allow(dead_code))]
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RetrievalError::Io { path: path.into(), source }
    }

    #[cfg_attr(not(feature = "embedded"), allow(dead_code))]
    pub(crate) fn corrupt(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        RetrievalError::CorruptIndex { path: path.into(), message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        RetrievalError::InvalidArgument(message.into())
    }
}

pub type Result<T, E = RetrievalError> = std::result::Result<T, E>;
