//! `AdapterError`: every way a model call can fail, typed so that the loop can
//! react (a context-length error shrinks the prompt, an auth error stops the
//! run), each carrying the provider's own message with secrets scrubbed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A failed model call. Provider messages inside are already scrubbed of
/// credentials (see [`crate::secret::scrub`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AdapterError {
    /// The prompt (plus requested output) does not fit the model's window.
    /// Never retried: the caller must send less.
    #[error("context length exceeded (HTTP {status}): {provider_message}")]
    ContextLengthExceeded { status: u16, provider_message: String },

    /// The credential was missing, wrong or not allowed (401/403).
    #[error("authentication failed (HTTP {status}): {provider_message}")]
    Auth { status: u16, provider_message: String },

    /// The provider does not know the model or deployment (404, or a 400 saying so).
    #[error("model not found (HTTP {status}): {provider_message}")]
    ModelNotFound { status: u16, provider_message: String },

    /// Still rate limited after every retry the policy allowed.
    #[error("rate limited after {attempts} attempt(s){}: {provider_message}", fmt_retry_after(.retry_after))]
    RateLimited { attempts: u32, retry_after: Option<Duration>, provider_message: String },

    /// The account is out of credit or quota (a 429 that waiting will not fix).
    #[error("quota exceeded (HTTP {status}): {provider_message}")]
    QuotaExceeded { status: u16, provider_message: String },

    /// No complete response within the configured timeout, after every retry.
    #[error("timed out after {}ms per attempt, {attempts} attempt(s)", .timeout.as_millis())]
    Timeout { timeout: Duration, attempts: u32 },

    /// Could not connect, or the connection broke mid-response, after every retry.
    #[error("connection failed after {attempts} attempt(s): {message}")]
    Connection { attempts: u32, message: String },

    /// A 5xx (or other retryable status) that persisted through every retry.
    #[error("server error HTTP {status} after {attempts} attempt(s): {provider_message}")]
    Server { status: u16, attempts: u32, provider_message: String },

    /// Any other 4xx: the request itself is wrong. Never retried.
    #[error("request rejected (HTTP {status}): {provider_message}")]
    BadRequest { status: u16, provider_message: String },

    /// The provider answered 2xx but the body is not what its API promises
    /// (invalid JSON, a missing field, a truncated stream).
    #[error("malformed response: {message}")]
    MalformedResponse { message: String },

    /// The adapter cannot be built or used as configured (missing key, bad URL,
    /// unknown provider, unreadable script file).
    #[error("configuration error: {0}")]
    Config(String),

    /// A scripted (fake) adapter ran out of replies and has no fallback.
    #[error(
        "fake script exhausted: {served} scripted repl(ies) already served and no rule matched"
    )]
    ScriptExhausted { served: usize },

    /// A replayed run asked for a request its recording does not hold
    /// (`--replay`): the message names the recording and shows a diff
    /// against the nearest recorded request. Never retried.
    #[error("{message}")]
    ReplayMissing { message: String },
}

fn fmt_retry_after(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (provider asked to wait {}ms)", d.as_millis()),
        None => String::new(),
    }
}

/// A stable, serialisable name for an error's kind: what traces and metrics count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdapterErrorKind {
    ContextLengthExceeded,
    Auth,
    ModelNotFound,
    RateLimited,
    QuotaExceeded,
    Timeout,
    Connection,
    Server,
    BadRequest,
    MalformedResponse,
    Config,
    ScriptExhausted,
    ReplayMissing,
}

impl AdapterErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AdapterErrorKind::ContextLengthExceeded => "context_length_exceeded",
            AdapterErrorKind::Auth => "auth",
            AdapterErrorKind::ModelNotFound => "model_not_found",
            AdapterErrorKind::RateLimited => "rate_limited",
            AdapterErrorKind::QuotaExceeded => "quota_exceeded",
            AdapterErrorKind::Timeout => "timeout",
            AdapterErrorKind::Connection => "connection",
            AdapterErrorKind::Server => "server",
            AdapterErrorKind::BadRequest => "bad_request",
            AdapterErrorKind::MalformedResponse => "malformed_response",
            AdapterErrorKind::Config => "config",
            AdapterErrorKind::ScriptExhausted => "script_exhausted",
            AdapterErrorKind::ReplayMissing => "replay_missing",
        }
    }
}

impl AdapterError {
    pub fn kind(&self) -> AdapterErrorKind {
        match self {
            AdapterError::ContextLengthExceeded { .. } => AdapterErrorKind::ContextLengthExceeded,
            AdapterError::Auth { .. } => AdapterErrorKind::Auth,
            AdapterError::ModelNotFound { .. } => AdapterErrorKind::ModelNotFound,
            AdapterError::RateLimited { .. } => AdapterErrorKind::RateLimited,
            AdapterError::QuotaExceeded { .. } => AdapterErrorKind::QuotaExceeded,
            AdapterError::Timeout { .. } => AdapterErrorKind::Timeout,
            AdapterError::Connection { .. } => AdapterErrorKind::Connection,
            AdapterError::Server { .. } => AdapterErrorKind::Server,
            AdapterError::BadRequest { .. } => AdapterErrorKind::BadRequest,
            AdapterError::MalformedResponse { .. } => AdapterErrorKind::MalformedResponse,
            AdapterError::Config(_) => AdapterErrorKind::Config,
            AdapterError::ScriptExhausted { .. } => AdapterErrorKind::ScriptExhausted,
            AdapterError::ReplayMissing { .. } => AdapterErrorKind::ReplayMissing,
        }
    }

    /// Whether the loop should shrink its prompt and try again.
    pub fn is_context_length_exceeded(&self) -> bool {
        matches!(self, AdapterError::ContextLengthExceeded { .. })
    }

    /// Whether this kind of failure is transient (worth retrying by a policy).
    /// Errors returned by an adapter have already been retried as allowed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AdapterError::RateLimited { .. }
                | AdapterError::Timeout { .. }
                | AdapterError::Connection { .. }
                | AdapterError::Server { .. }
        )
    }

    /// The provider's own message, when the provider sent one.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            AdapterError::ContextLengthExceeded { provider_message, .. }
            | AdapterError::Auth { provider_message, .. }
            | AdapterError::ModelNotFound { provider_message, .. }
            | AdapterError::RateLimited { provider_message, .. }
            | AdapterError::QuotaExceeded { provider_message, .. }
            | AdapterError::Server { provider_message, .. }
            | AdapterError::BadRequest { provider_message, .. } => Some(provider_message),
            _ => None,
        }
    }

    /// The HTTP status the provider answered with, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            AdapterError::ContextLengthExceeded { status, .. }
            | AdapterError::Auth { status, .. }
            | AdapterError::ModelNotFound { status, .. }
            | AdapterError::QuotaExceeded { status, .. }
            | AdapterError::Server { status, .. }
            | AdapterError::BadRequest { status, .. } => Some(*status),
            AdapterError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Requests the call sent before it failed: the count the retried kinds
    /// carry, 1 for the kinds never retried (0 for a configuration error,
    /// which sends nothing).
    pub fn attempts(&self) -> u32 {
        match self {
            AdapterError::RateLimited { attempts, .. }
            | AdapterError::Timeout { attempts, .. }
            | AdapterError::Connection { attempts, .. }
            | AdapterError::Server { attempts, .. } => *attempts,
            AdapterError::Config(_) => 0,
            _ => 1,
        }
    }

    /// Sets the attempt count on the kinds that carry one (after a retry loop).
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            AdapterError::RateLimited { attempts, .. }
            | AdapterError::Timeout { attempts, .. }
            | AdapterError::Connection { attempts, .. }
            | AdapterError::Server { attempts, .. } => *attempts = n,
            _ => {}
        }
        self
    }

    /// An error of `kind` carrying `message`, as a provider would have sent it
    /// (for scripted adapters and fault injection). HTTP kinds get their usual status.
    pub fn synthetic(kind: AdapterErrorKind, message: impl Into<String>) -> Self {
        let provider_message = message.into();
        match kind {
            AdapterErrorKind::ContextLengthExceeded => {
                AdapterError::ContextLengthExceeded { status: 400, provider_message }
            }
            AdapterErrorKind::Auth => AdapterError::Auth { status: 401, provider_message },
            AdapterErrorKind::ModelNotFound => {
                AdapterError::ModelNotFound { status: 404, provider_message }
            }
            AdapterErrorKind::RateLimited => {
                AdapterError::RateLimited { attempts: 1, retry_after: None, provider_message }
            }
            AdapterErrorKind::QuotaExceeded => {
                AdapterError::QuotaExceeded { status: 429, provider_message }
            }
            AdapterErrorKind::Timeout => {
                AdapterError::Timeout { timeout: Duration::ZERO, attempts: 1 }
            }
            AdapterErrorKind::Connection => {
                AdapterError::Connection { attempts: 1, message: provider_message }
            }
            AdapterErrorKind::Server => {
                AdapterError::Server { status: 500, attempts: 1, provider_message }
            }
            AdapterErrorKind::BadRequest => {
                AdapterError::BadRequest { status: 400, provider_message }
            }
            AdapterErrorKind::MalformedResponse => {
                AdapterError::MalformedResponse { message: provider_message }
            }
            AdapterErrorKind::Config => AdapterError::Config(provider_message),
            AdapterErrorKind::ScriptExhausted => AdapterError::ScriptExhausted { served: 0 },
            AdapterErrorKind::ReplayMissing => {
                AdapterError::ReplayMissing { message: provider_message }
            }
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        AdapterError::MalformedResponse { message: message.into() }
    }
}
