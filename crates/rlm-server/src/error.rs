//! The server's error type: every failure a handler can meet, with the HTTP
//! status and the JSON body (`{"detail": ..., "code": ...}`, FastAPI's shape,
//! so the RLM Engine's clients read it, plus `field` when one request field
//! is at fault) it turns into.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Everything that can go wrong while serving a request or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{what} is too large: {found} bytes, the limit is {limit}")]
    TooLarge { what: &'static str, found: u64, limit: u64 },
    #[error("{0}")]
    Unprocessable(String),
    /// A request field of the wrong shape or out of its range (`field`: its
    /// path, `settings.max_steps`; `None`: the body as a whole).
    #[error("{}{message}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Invalid { field: Option<String>, message: String },
    #[error("missing bearer token: send `Authorization: Bearer <key>`")]
    MissingKey,
    #[error("the API key is not valid")]
    WrongKey,
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// The job queue (NATS JetStream) cannot take the job now; nothing was queued.
    #[error("the job queue is unavailable: {0}")]
    QueueUnavailable(String),
    /// The job queue has been unreachable too long, or too much waits to
    /// be published to it: 503 with `Retry-After` (nothing was stored).
    #[error("{message}")]
    QueueBacklogged { message: String, retry_after_secs: u64 },
    #[error("context: {0}")]
    Context(#[from] rlm_context::ContextError),
    /// A stored context's blob is not in the blob store (409: the record
    /// names a context the server no longer has).
    #[error("{0}")]
    ContextMissing(String),
    /// A stored context's blob does not match its SHA-256 name or its
    /// record's length (409: it is not used).
    #[error("{0}")]
    ContextDamaged(String),
    #[error("model setup: {0}")]
    Model(String),
    /// rlm-core's session refused or failed (its cumulative budget is spent...).
    #[error("{0}")]
    Session(#[from] rlm_core::SessionError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// A request axum's extractors refused (bad JSON, wrong content type, body too large...).
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
}

impl ServerError {
    pub fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        ServerError::NotFound { what, id: id.to_string() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::BadRequest(_) | ServerError::Model(_) => StatusCode::BAD_REQUEST,
            ServerError::Context(e) => match e {
                rlm_context::ContextError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            },
            ServerError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::Unprocessable(_) | ServerError::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServerError::MissingKey | ServerError::WrongKey => StatusCode::UNAUTHORIZED,
            ServerError::NotFound { .. } => StatusCode::NOT_FOUND,
            ServerError::Conflict(_)
            | ServerError::ContextMissing(_)
            | ServerError::ContextDamaged(_) => StatusCode::CONFLICT,
            ServerError::Session(e) => match e {
                rlm_core::SessionError::BudgetExhausted { .. } => StatusCode::CONFLICT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ServerError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServerError::ShuttingDown
            | ServerError::QueueUnavailable(_)
            | ServerError::QueueBacklogged { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Rejected { status, .. } => *status,
            ServerError::Store(StoreError::BadCursor(_)) => StatusCode::BAD_REQUEST,
            ServerError::Store(StoreError::KeyTakenOver) => StatusCode::CONFLICT,
            ServerError::Store(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Store(_)
            | ServerError::Config(_)
            | ServerError::Internal(_)
            | ServerError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// When a client may try again (`Retry-After`): a full queue's wait, or
    /// [`STORAGE_RETRY_AFTER_SECS`] while the database is away.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ServerError::TooManyRequests { retry_after_secs, .. }
            | ServerError::QueueBacklogged { retry_after_secs, .. } => Some(*retry_after_secs),
            ServerError::Store(e) if e.is_unavailable() => Some(STORAGE_RETRY_AFTER_SECS),
            _ => None,
        }
    }

    /// A short machine-readable name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::BadRequest(_) => "bad_request",
            ServerError::TooLarge { .. } => "too_large",
            ServerError::Unprocessable(_) | ServerError::Invalid { .. } => "unprocessable",
            ServerError::MissingKey => "missing_key",
            ServerError::WrongKey => "wrong_key",
            ServerError::NotFound { .. } => "not_found",
            ServerError::Conflict(_) => "conflict",
            ServerError::ContextMissing(_) => "context_missing",
            ServerError::ContextDamaged(_) => "context_damaged",
            ServerError::TooManyRequests { .. } => "too_many_requests",
            ServerError::ShuttingDown => "shutting_down",
            ServerError::QueueUnavailable(_) | ServerError::QueueBacklogged { .. } => {
                "queue_unavailable"
            }
            ServerError::Store(StoreError::BadCursor(_)) => "bad_request",
            ServerError::Store(StoreError::KeyTakenOver) => "conflict",
            ServerError::Store(e) if e.is_unavailable() => "storage_unavailable",
            ServerError::Store(_) => "storage",
            ServerError::Context(_) => "context",
            ServerError::Model(_) => "model",
            ServerError::Session(e) => match e {
                rlm_core::SessionError::BudgetExhausted { .. } => "budget_exhausted",
                _ => "internal",
            },
            ServerError::Config(_) => "config",
            ServerError::Internal(_) | ServerError::Io { .. } => "internal",
            ServerError::Rejected { status, .. } => match status.as_u16() {
                405 => "method_not_allowed",
                413 => "too_large",
                415 => "unsupported_media_type",
                422 => "unprocessable",
                _ => "bad_request",
            },
        }
    }
}

/// The `Retry-After` of a 503 while the database is away: a restarted or
/// failed-over database is usually back within seconds.
pub const STORAGE_RETRY_AFTER_SECS: u64 = 5;

/// The most characters of a client's own input (a model name, an id) an
/// error message repeats.
pub const ECHO_CHARS: usize = 200;

/// A client's input as an error message repeats it: quoted, and cut after
/// [`ECHO_CHARS`] characters with its whole length said, so a 1 MB model
/// name is not sent back.
pub fn echo(input: &str) -> String {
    match input.char_indices().nth(ECHO_CHARS) {
        None => format!("{input:?}"),
        Some((cut, _)) => {
            format!("{:?}… ({} characters)", &input[..cut], input.chars().count())
        }
    }
}

/// The most bytes of an execution's error message kept in its record (and
/// so in every response and page that shows it): a model's or a replay's
/// failure can be megabytes long.
pub const MAX_STORED_MESSAGE_BYTES: usize = 16 << 10;

/// `message` as a record keeps it: its first [`MAX_STORED_MESSAGE_BYTES`]
/// (at a character boundary), the cut said with the whole length.
pub fn stored_message(message: &str) -> String {
    if message.len() <= MAX_STORED_MESSAGE_BYTES {
        return message.to_string();
    }
    let mut cut = MAX_STORED_MESSAGE_BYTES;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… (cut: {} bytes in all)", &message[..cut], message.len())
}

/// The longest `detail` an error body carries: a client's 65k-character id
/// is not echoed back whole.
const MAX_DETAIL_CHARS: usize = 300;

fn bounded(detail: String) -> String {
    match detail.char_indices().nth(MAX_DETAIL_CHARS) {
        None => detail,
        Some((cut, _)) => {
            let total = detail.chars().count();
            format!("{}… ({total} characters in all)", &detail[..cut])
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            // A refusal during a graceful shutdown is expected, not a failure.
            ServerError::ShuttingDown => tracing::info!("refused: the server is shutting down"),
            _ if status.is_server_error() => tracing::error!(error = %self, "request failed"),
            _ => {}
        }
        let mut body =
            serde_json::json!({ "detail": bounded(self.to_string()), "code": self.code() });
        if let ServerError::Invalid { field: Some(field), .. } = &self {
            body["field"] = serde_json::Value::String(bounded(field.clone()));
        }
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let ServerError::MissingKey | ServerError::WrongKey = &self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_message_is_cut_at_a_character_boundary_and_says_so() {
        assert_eq!(stored_message("short"), "short");
        let long = "é".repeat(MAX_STORED_MESSAGE_BYTES);
        let kept = stored_message(&long);
        assert!(kept.len() < MAX_STORED_MESSAGE_BYTES + 64, "{}", kept.len());
        assert!(kept.ends_with(&format!("… (cut: {} bytes in all)", long.len())), "{kept}");
    }
}
