//! Bearer-token authentication: which API key (if any) a request carries,
//! by `rlm-listen`'s [`KeyRing`] (blake3 hashes, constant-time, the scheme's
//! name case-insensitive), the same code `rlm mcp` uses. The token itself is
//! never stored in records, logged or echoed: callers are known by the key's
//! id. Without keys (loopback only) every caller is `local`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rlm_listen::{KeyRing, Refusal};

use crate::config::ApiKey;
use crate::error::ServerError;

/// Who is calling: the id of their API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub owner: String,
}

/// The owner of everything created without authentication.
pub const LOCAL_OWNER: &str = "local";

/// The configured keys.
pub struct Auth {
    keys: KeyRing,
}

impl Auth {
    pub fn new(keys: &[ApiKey]) -> Self {
        Auth { keys: KeyRing::new(keys) }
    }

    pub fn enabled(&self) -> bool {
        self.keys.enabled()
    }

    /// The ring itself (the listener's Host/Origin rules depend on it).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn identify(&self, headers: &HeaderMap) -> Result<Caller, ServerError> {
        match self.keys.identify(headers) {
            Ok(Some(owner)) => Ok(Caller { owner }),
            Ok(None) => Ok(Caller { owner: LOCAL_OWNER.into() }),
            Err(Refusal::WrongKey) => Err(ServerError::WrongKey),
            Err(_) => Err(ServerError::MissingKey),
        }
    }
}

/// Middleware: rejects requests without a valid key, and hands the [`Caller`]
/// to the handlers.
pub async fn require_caller(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.identify(request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}
