//! Bearer-token authentication: which API key (if any) a request carries,
//! by `rlm-listen`'s [`KeyRing`] (blake3 hashes, constant-time, the scheme's
//! name case-insensitive), the same code `rlm mcp` uses. The token itself is
//! never stored in records, logged or echoed: a request acts for the
//! [`Tenant`] of its key (its id; without keys, loopback only, every request
//! is `local`), which [`require_tenant`] puts in the request's extensions for
//! the handlers and the tenant scope (`api/scope.rs`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rlm_listen::{KeyRing, Refusal, Tenant};

use crate::config::ApiKey;
use crate::error::ServerError;

/// The configured keys, and which of them are operators'.
pub struct Auth {
    keys: KeyRing,
    operators: Vec<String>,
}

impl Auth {
    pub fn new(keys: &[ApiKey], operators: &[String]) -> Self {
        Auth { keys: KeyRing::new(keys), operators: operators.to_vec() }
    }

    /// Whether `tenant` sees what every tenant's load adds up to (the
    /// deployment's series): an operator key's, or the one caller of a
    /// server without keys.
    pub fn is_operator(&self, tenant: &Tenant) -> bool {
        !self.keys.enabled() || self.operators.iter().any(|o| o == tenant.id())
    }

    pub fn enabled(&self) -> bool {
        self.keys.enabled()
    }

    /// The ring itself (the listener's Host/Origin rules depend on it).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn identify(&self, headers: &HeaderMap) -> Result<Tenant, ServerError> {
        match self.keys.identify(headers) {
            Ok(tenant) => Ok(tenant),
            Err(Refusal::WrongKey) => Err(ServerError::WrongKey),
            Err(_) => Err(ServerError::MissingKey),
        }
    }
}

/// Middleware: rejects requests without a valid key, and hands the
/// request's [`Tenant`] to the handlers.
pub async fn require_tenant(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.identify(request.headers()) {
        Ok(tenant) => {
            request.extensions_mut().insert(tenant);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}
