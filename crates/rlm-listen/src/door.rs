//! Who may knock: the rules every listening surface applies before its
//! service sees a request (the MCP specification's streamable-HTTP security
//! section: validate Origin against DNS rebinding, bind to loopback when
//! local). With API keys the key is the guard ([`require_key`]); without
//! keys the listener must be bound to loopback ([`check_bind`]) and the
//! request's Host must name loopback, so a page a browser loaded from
//! elsewhere cannot reach it through a rebound name. Either way a browser's
//! Origin must be loopback, one the server allows, or the server itself.
//! [`let_in`] is what every surface's door calls once the rules passed: it
//! names the request's tenant and holds it to its share of the connections.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::connections::ConnectionHandle;
use crate::error::{ListenError, Refusal};
use crate::keys::KeyRing;
use crate::tenant::Tenant;

/// Refuses to serve beyond loopback without keys.
pub fn check_bind(addr: SocketAddr, keys: &KeyRing) -> Result<(), ListenError> {
    if keys.enabled() || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ListenError::OpenToTheNetwork { addr })
    }
}

/// The door's rules: the keys, and the browser origins allowed besides loopback.
#[derive(Clone, Default)]
pub struct Door {
    pub keys: KeyRing,
    /// Exact origins (`https://app.example`) a keyless server answers too
    /// (`rlm serve --cors-origin`).
    pub allowed_origins: Vec<String>,
}

impl Door {
    pub fn new(keys: KeyRing, allowed_origins: Vec<String>) -> Arc<Door> {
        Arc::new(Door { keys, allowed_origins })
    }

    /// The Host rule (keyless listeners: loopback names only) and the
    /// Origin rule (every listener: a browser's Origin, when sent, is
    /// loopback, allowed, or the request's own Host).
    pub fn check_names(&self, request: &Request) -> Result<(), Refusal> {
        // HTTP/2 carries the authority in the URI, HTTP/1 in Host.
        let host = request
            .uri()
            .authority()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                let value = request.headers().get(header::HOST)?;
                Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .unwrap_or_default();
        if !self.keys.enabled() && !is_loopback_authority(&host) {
            return Err(Refusal::ForeignHost(host));
        }
        let Some(origin) = request.headers().get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        let authority =
            ["http://", "https://"].iter().find_map(|scheme| origin.strip_prefix(scheme));
        let allowed = self.allowed_origins.iter().any(|o| o.eq_ignore_ascii_case(&origin))
            || authority.is_some_and(|a| is_loopback_authority(a) || a.eq_ignore_ascii_case(&host));
        if allowed { Ok(()) } else { Err(Refusal::ForeignOrigin(origin)) }
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, tail)) if tail.is_empty() || tail.starts_with(':') => ip,
            _ => return false,
        },
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Middleware: the Host and Origin rules, for every route.
pub async fn check_names(State(door): State<Arc<Door>>, request: Request, next: Next) -> Response {
    match door.check_names(&request) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// Lets a request in: names its [`Tenant`] by `keys` and puts it in the
/// request's extensions (for the handlers), attributes the connection it
/// came on to that tenant, and refuses it (429, the connection closed after
/// the answer) when the tenant holds more busy connections than its share
/// of the listener's cap (`connections.rs`). Every door of every surface
/// ([`require_key`], `rlm serve`'s own) calls this one function, so none
/// re-makes who a request is for, nor the connection share. A request not
/// served by [`crate::serve`] (a test's `oneshot`) has no connection to
/// attribute: only its tenant is named.
pub fn let_in<B>(keys: &KeyRing, request: &mut axum::http::Request<B>) -> Result<Tenant, Refusal> {
    let tenant = keys.identify(request.headers())?;
    if let Some(handle) = request.extensions().get::<ConnectionHandle>() {
        handle.attribute(&tenant).map_err(|past| {
            tracing::debug!(tenant = %tenant, held = past.held, share = past.share, "request refused: past the connection share");
            Refusal::ConnectionShare { held: past.held, share: past.share, cap: past.cap }
        })?;
    }
    request.extensions_mut().insert(tenant.clone());
    Ok(tenant)
}

/// Middleware: a valid key (when keys are configured) within its
/// connection share ([`let_in`]); the request's [`Tenant`] goes to the
/// handlers, in its extensions.
pub async fn require_key(
    State(door): State<Arc<Door>>,
    mut request: Request,
    next: Next,
) -> Response {
    match let_in(&door.keys, &mut request) {
        Ok(_) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_only() {
        for ok in ["localhost", "LOCALHOST:80", "127.0.0.1", "127.0.0.1:8000", "[::1]:9", "[::1]"] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in
            ["", "example.com", "127.0.0.1.nip.io", "10.0.0.1:80", "[::1]x", "localhost.evil"]
        {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
        let keys = KeyRing::default();
        assert!(check_bind("0.0.0.0:1".parse().unwrap(), &keys).is_err());
        assert!(check_bind("127.0.0.1:1".parse().unwrap(), &keys).is_ok());
    }
}
