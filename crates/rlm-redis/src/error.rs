//! The crate's errors: a Redis address that cannot work, or a Redis that did not answer.

/// Why a Redis-backed part could not be made or could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The URL is not a Redis URL (`redis://host:port/db`).
    #[error("invalid Redis URL {url:?}: {source}")]
    Url {
        url: String,
        #[source]
        source: redis::RedisError,
    },
    /// A setting that cannot work (a zero cap, an empty prefix).
    #[error("invalid Redis setting: {0}")]
    Setting(&'static str),
    /// Redis refused or did not answer in time (the callers turn this into a
    /// cache miss or a local-only rate limit, never into a failed run).
    #[error("Redis at {url} is unavailable: {detail}")]
    Unavailable { url: String, detail: String },
}
