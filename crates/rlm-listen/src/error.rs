//! The crate's error type: what stops a listener from starting, and why a
//! request was refused at the door (no key, a wrong key, a Host or Origin a
//! loopback-only listener does not answer, a tenant past its share of the
//! connections).

use std::net::SocketAddr;

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// An API key that cannot be used (its id empty, its token short);
    /// `origin` says where it was given (`RLM_API_KEY`, `--api-key`, a key
    /// file's line).
    #[error(
        "the API key {origin} is unusable: give `id:token` (or a bare token) with a token of at \
         least {min} characters",
        min = crate::keys::MIN_TOKEN_CHARS
    )]
    UnusableKey { origin: String },
    /// Two keys share an id (callers are known by it).
    #[error("two API keys have the same id {0:?}")]
    DuplicateKeyId(String),
    /// A key file that cannot be read.
    #[error("cannot read the API key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    /// Listening beyond loopback without a key would open the surface to anyone.
    #[error(
        "refusing to listen on {addr} without API keys: set RLM_API_KEY or --api-key-file, or bind to 127.0.0.1"
    )]
    OpenToTheNetwork { addr: SocketAddr },
    /// A limit of the serve loop that cannot work (zero connections, a zero timeout).
    #[error("{0}")]
    BadLimit(String),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Why a request was refused before reaching the service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("missing bearer token: send `Authorization: Bearer <key>`")]
    MissingKey,
    #[error("the API key is not valid")]
    WrongKey,
    #[error("Host {0:?} is refused: this server answers loopback names only (it has no API keys)")]
    ForeignHost(String),
    #[error("Origin {0:?} is refused: not a loopback origin nor one this server allows")]
    ForeignOrigin(String),
    /// The tenant holds more busy connections than its share of the cap
    /// (`connections.rs`): the request is refused and its connection closed.
    #[error(
        "this API key has {held} requests under way on as many connections, past its share of the connection cap ({share} of {cap}); retry when one has ended"
    )]
    ConnectionShare { held: usize, share: usize, cap: usize },
}

impl Refusal {
    /// The stable code of `{"detail", "code"}` bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::MissingKey => "missing_key",
            Refusal::WrongKey => "wrong_key",
            Refusal::ForeignHost(_) => "foreign_host",
            Refusal::ForeignOrigin(_) => "foreign_origin",
            Refusal::ConnectionShare { .. } => "connection_share",
        }
    }

    /// 401 for keys, 403 for a Host or Origin, 429 past the connection share.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Refusal::ConnectionShare { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
            Refusal::MissingKey | Refusal::WrongKey => axum::http::StatusCode::UNAUTHORIZED,
            Refusal::ForeignHost(_) | Refusal::ForeignOrigin(_) => {
                axum::http::StatusCode::FORBIDDEN
            }
        }
    }
}

impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> axum::response::Response {
        let body = serde_json::json!({ "detail": self.to_string(), "code": self.code() });
        let mut response = (self.status(), axum::Json(body)).into_response();
        if matches!(self, Refusal::MissingKey | Refusal::WrongKey) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if matches!(self, Refusal::ConnectionShare { .. }) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}
