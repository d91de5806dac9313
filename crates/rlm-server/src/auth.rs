//! Bearer-token authentication: which API key (if any) a request carries,
//! by `rlm-listen`'s [`KeyRing`] (blake3 hashes, constant-time, the scheme's
//! name case-insensitive), the same code `rlm mcp` uses. The token itself is
//! never stored in records, logged or echoed: a request acts for the
//! [`Tenant`] of its key (its id; without keys, loopback only, every request
//! is `local`), which [`require_tenant`] puts in the request's extensions for
//! the handlers and the tenant scope (`api/scope.rs`), through rlm-listen's
//! door ([`rlm_listen::let_in`]), which also holds the tenant to its share of
//! the connections.

use std::sync::Arc;

use axum::extract::{Request, State};
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

    /// Lets `request` in through rlm-listen's one door
    /// ([`rlm_listen::let_in`]): its [`Tenant`] named in its extensions,
    /// its connection attributed to it and held to the tenant's share of
    /// the connection cap.
    pub fn let_in(&self, request: &mut Request) -> Result<Tenant, ServerError> {
        rlm_listen::let_in(&self.keys, request).map_err(refused)
    }
}

/// The server's error for a refusal at the door.
fn refused(refusal: Refusal) -> ServerError {
    match refusal {
        Refusal::WrongKey => ServerError::WrongKey,
        Refusal::ConnectionShare { .. } => {
            ServerError::TooManyRequests { message: refusal.to_string(), retry_after_secs: 1 }
        }
        _ => ServerError::MissingKey,
    }
}

/// Middleware: rejects requests without a valid key or past the key's
/// connection share, and hands the request's [`Tenant`] to the handlers.
pub async fn require_tenant(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.let_in(&mut request) {
        Ok(_) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}
