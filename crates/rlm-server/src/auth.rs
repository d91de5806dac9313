//! Bearer-token authentication: which API key (if any) a request carries.
//! Keys are compared by their blake3 hashes (constant-time equality); the
//! token itself is never stored in records, logged or echoed: callers are
//! known by the key's id. Without keys (loopback only) every caller is `local`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
    keys: Vec<(String, blake3::Hash)>,
}

impl Auth {
    pub fn new(keys: &[ApiKey]) -> Self {
        Auth {
            keys: keys
                .iter()
                .map(|k| (k.id.clone(), blake3::hash(k.token.expose().as_bytes())))
                .collect(),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    pub fn identify(&self, headers: &HeaderMap) -> Result<Caller, ServerError> {
        if self.keys.is_empty() {
            return Ok(Caller { owner: LOCAL_OWNER.into() });
        }
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ServerError::MissingKey);
        };
        // The scheme's name is case-insensitive (RFC 9110, 11.1).
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ServerError::MissingKey)?;
        let hash = blake3::hash(token.as_bytes());
        // Check every key (no early exit), so timing does not depend on which matched.
        let mut found = None;
        for (id, key) in &self.keys {
            if *key == hash {
                found = Some(id.clone());
            }
        }
        found.map(|owner| Caller { owner }).ok_or(ServerError::WrongKey)
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
