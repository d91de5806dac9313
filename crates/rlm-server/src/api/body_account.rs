//! The memory account of request bodies: every JSON body a client sends is
//! charged to the server-wide memory bound (the governor every sandbox
//! budget draws on) in its tenant's share, at the size reading and parsing
//! it takes, before it is parsed; the charge is held until the handler has
//! answered. A body whose parse would take more than the whole bound is
//! refused (413) without being parsed; one that does not fit now waits like
//! an execution does, then 429.
//!
//! The size is reckoned from the body's JSON by one scan, without parsing
//! it (rlm-listen's `json_parse_cost`, which `rlm mcp` applies too): the raw bytes, every string's bytes, and what each
//! value and object entry costs as a parsed tree (`serde_json::Value`
//! slots, vector slack, map entries). A body of one long string costs about
//! twice its length; 56 MiB of one-character enum values, about 40 times
//! (issue #74: such a `response_format` took 1.8 GB). A body is read only
//! after its announced length is charged; one without a length is read
//! within the body limit first.
//!
//! The charge is held until the request ends, unless the handler hands it
//! to what keeps the parsed buffers: an execution takes it into its own
//! reservation (its replay, its inline context), so a buffer is charged
//! once, from the moment it is read until it is dropped.
//!
//! A body whose whole cost is under [`UNCHARGED_BYTES`] is not charged:
//! a request that creates or reads a record goes in while executions hold
//! the whole bound (what such bodies take together, at most the connection
//! cap times it, is within the headroom the bound leaves the process).
//!
//! This is a layer: every route inside the door (`/api`, `/v1`, `/metrics`)
//! goes through it, so a new route's body is charged without a line of its
//! own. Multipart uploads are streamed to disk, not held: they pass.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rlm_listen::Tenant;

use super::state::AppState;
use crate::error::ServerError;
use crate::governor::{MemoryCharge, MemoryGovernor};

/// Whether the request's body is JSON (what the handlers parse whole).
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .is_some_and(|e| {
            e == "application/json" || (e.starts_with("application/") && e.ends_with("+json"))
        })
}

/// The parse cost under which a body is not charged (see the module docs).
pub const UNCHARGED_BYTES: u64 = 64 << 10;

/// A refusal in the words of the route's API (OpenAI's error object under `/v1`).
fn refused(openai: bool, e: ServerError) -> Response {
    if openai {
        return super::openai::extract::refusal(e).into_response();
    }
    e.into_response()
}

/// Middleware: see the module docs.
pub async fn charge(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let openai = super::openai::extract::owns(request.uri().path());
    if !is_json(&request) {
        return next.run(request).await;
    }
    let Some(tenant) = request.extensions().get::<Tenant>().cloned() else {
        return next.run(request).await;
    };
    let governor = Arc::clone(state.executions.governor());
    let limit = state.limits.max_body_bytes;
    let wait = Some(state.limits.sandbox_memory_wait);
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A short body is read uncharged; its cost, counted once it is read, decides.
    let small = announced.is_some_and(|n| n < UNCHARGED_BYTES);
    // The raw bytes first, when announced: nothing is read before they are charged.
    let raw_permit = match announced {
        Some(_) if small => None,
        Some(n) if n > limit => {
            // Read and dropped first, so the client reads the refusal (rlm-listen's request_body).
            rlm_listen::request_body::drain_refused(request.into_body(), announced).await;
            return refused(
                openai,
                ServerError::TooLarge { what: "the request body", found: n, limit },
            );
        }
        Some(n) => match reserve(&governor, &tenant, n, wait).await {
            Ok(p) => Some(p),
            Err(e) => return refused(openai, e),
        },
        None => None,
    };
    let (parts, body) = request.into_parts();
    let within = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes = match rlm_listen::request_body::read_within(body, within).await {
        Ok(b) => b,
        Err(_) => {
            let e = ServerError::TooLarge { what: "the request body", found: limit + 1, limit };
            return refused(openai, e);
        }
    };
    let held = raw_permit.as_ref().map_or(0, |p| p.bytes());
    let cost = rlm_listen::json_parse_cost(&bytes);
    if cost < UNCHARGED_BYTES {
        drop(raw_permit);
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    // The rest of the parse's cost now, or (holding nothing while it waits,
    // so no body's wait depends on another's) the whole cost at once.
    let extra = cost.saturating_sub(held);
    let permits = match governor.try_acquire(tenant.id(), extra) {
        Some(p) => raw_permit.into_iter().chain([p]).collect(),
        None => {
            drop(raw_permit);
            match reserve(&governor, &tenant, cost, wait).await {
                Ok(p) => vec![p],
                Err(e) => return refused(openai, e),
            }
        }
    };
    // The handler may hand the charge to what keeps the parsed buffers (an
    // execution); what it leaves is given back when the request ends.
    let charge = MemoryCharge::new(permits);
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(charge.clone());
    let response = next.run(request).await;
    drop(charge);
    response
}

/// `bytes` of the bound for `tenant`; a body larger than the whole bound
/// is refused (413), one that does not come free in time waits, then 429.
async fn reserve(
    governor: &Arc<MemoryGovernor>,
    tenant: &Tenant,
    bytes: u64,
    wait: Option<std::time::Duration>,
) -> Result<crate::governor::MemoryPermit, ServerError> {
    if bytes > governor.capacity() {
        return Err(ServerError::TooLarge {
            what: "the memory reading this request body would take (its JSON parsed)",
            found: bytes,
            limit: governor.capacity(),
        });
    }
    governor.acquire(tenant.id(), bytes, wait).await.map_err(|waited| {
        ServerError::TooManyRequests {
            message: format!(
                "the server's memory is in use: reading this request body needs {waited}; retry later"
            ),
            retry_after_secs: waited.waited.as_secs().clamp(1, 60),
        }
    })
}
