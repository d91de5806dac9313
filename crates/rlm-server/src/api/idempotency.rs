//! `Idempotency-Key` on every POST of `/api`, as Stripe has it: a retry
//! with the same key (scoped by the caller's API key) and the same request
//! gets the first response again, status and JSON body as they were
//! (`Idempotent-Replayed: true`); the same key with another request answers
//! 422; while the first request is in flight, 409. A response worth
//! retrying (5xx, 409, 429) gives the key up, so a retry runs the request
//! again. Keys are kept for `jobs.idempotency_hours` (default 24), then
//! swept.
//!
//! **One idempotent write** (issue #75). A request that creates something
//! (a session, an execution, a job) answers its key in the store's
//! transaction that creates it ([`crate::store::Creation`]): a crash leaves
//! both or neither, never a record without its key or a key claimed for a
//! record that exists. A creation whose claim was taken over writes nothing
//! (409). The other POSTs (a `memory` edit, a cancel) are naturally
//! idempotent: their response is stored once they have answered.
//!
//! **In flight only while it can be.** A claim names this process (its
//! process lease, renewed with the leases: `crate::leases`) and this
//! request. It is taken over as soon as the request cannot be in flight
//! anywhere: its client went away before the answer (the claim is given up
//! as the handler is dropped), or its process is gone (its lease lapsed by
//! the one rule of who is dead; on a store one process holds, any other
//! process's claim), or it began before the stale bound.
//!
//! **A synchronous execution's key** names the execution, not its answer:
//! a retry waits for the execution's end (wherever it runs: a worker keeps
//! running it after its api died) and renders the response from its record,
//! so an answer of any size is replayed whole and an execution runs once.
//! Its client going away does not cancel it: the key's retry is its client.
//! A streamed execution's key replays a `303 See Other` to its event stream.
//!
//! A request's fingerprint is its path and body (SHA-256); a multipart
//! session upload, streamed to disk rather than held, is fingerprinted by
//! its path, content type and length.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::state::AppState;
use crate::error::ServerError;
use crate::leases::LeaseHolder;
use crate::store::{IdempotencyKey, KeyClaim, Store, StoredResponse, now_micros};
use rlm_listen::Tenant;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The replay's marker header.
pub const REPLAYED: &str = "idempotent-replayed";
/// The response header naming a streamed execution (its key's replay).
pub const EXECUTION_HEADER: &str = "x-execution-id";
/// The longest key.
const MAX_KEY: usize = 255;
/// A claim whose request never answered is taken over after this even if
/// its process lives (a request answers within it; an execution's key is
/// answered when it is admitted).
const STALE_CLAIM: Duration = Duration::from_secs(60);
/// A stored response that names an execution to render, not a body.
const RENDER_EXECUTION: &str = "rlm_render_execution";
/// How often a replay waiting for an execution another process runs reads
/// its record.
const SETTLED_POLL: Duration = Duration::from_millis(250);

/// The key of the request being served, for a handler that commits it
/// with what it creates.
#[derive(Debug, Clone)]
pub struct RequestKey(pub IdempotencyKey);

/// Set on a response whose key was answered in its creation's
/// transaction: nothing is left to store.
#[derive(Debug, Clone, Copy)]
pub struct KeyAnswered;

/// A synchronous execution's key: its retries render the execution.
pub fn render_execution(id: Uuid) -> StoredResponse {
    let body = serde_json::json!({ RENDER_EXECUTION: id });
    StoredResponse { status: StatusCode::OK.as_u16(), body: body.to_string() }
}

/// A streamed execution's key: its retries are sent to its events.
pub fn render_stream(id: Uuid) -> StoredResponse {
    let body = serde_json::json!({
        "detail": "this Idempotency-Key started an execution: its events are at `location`",
        "execution_id": id,
        "location": format!("/api/executions/{id}/events"),
    });
    StoredResponse { status: StatusCode::SEE_OTHER.as_u16(), body: body.to_string() }
}

/// Gives the claim up if the request's handler is dropped before it
/// answered (its client went away): the key is free for the retry at once.
struct ClaimGuard {
    store: Arc<dyn Store>,
    key: Option<IdempotencyKey>,
}

impl ClaimGuard {
    fn disarm(&mut self) {
        self.key = None;
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let store = Arc::clone(&self.store);
            tokio::spawn(async move {
                if let Err(e) = store.release_idempotency_key(&key).await {
                    tracing::warn!(error = %e, "cannot give an abandoned idempotency key up");
                }
            });
        }
    }
}

/// The middleware: see the module docs.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let keyed = request.method() == Method::POST && request.uri().path().starts_with("/api/");
    let raw = request.headers().get(HEADER).cloned();
    let tenant = request.extensions().get::<Tenant>().cloned();
    let (Some(raw), Some(tenant), true) = (raw, tenant, keyed) else {
        return next.run(request).await;
    };
    let key = match raw.to_str() {
        Ok(k) if (1..=MAX_KEY).contains(&k.len()) => k.to_string(),
        _ => {
            return ServerError::BadRequest(format!(
                "the Idempotency-Key header must be 1 to {MAX_KEY} visible ASCII characters"
            ))
            .into_response();
        }
    };
    let (request, fingerprint) = match fingerprinted(request, state.limits.max_body_bytes).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let key = IdempotencyKey {
        owner: tenant.id().to_string(),
        key,
        fingerprint,
        holder: state.executions.holder().to_string(),
        claim: Uuid::new_v4().to_string(),
    };
    let now = now_micros();
    let stale = stale_after(request.uri().path(), state.limits.max_execution);
    let stale_before = now - i64::try_from(stale.as_micros()).unwrap_or(i64::MAX);
    let lapsed = crate::leases::lapsed_before(state.store.as_ref(), state.executions.lease());
    match state.store.claim_idempotency_key(&key, now, stale_before, lapsed).await {
        Err(e) => return ServerError::from(e).into_response(),
        Ok(KeyClaim::InFlight) => {
            return ServerError::Conflict(
                "a request with this Idempotency-Key is still running; retry once it has answered"
                    .into(),
            )
            .into_response();
        }
        Ok(KeyClaim::Mismatch) => {
            return ServerError::Unprocessable(
                "this Idempotency-Key was used with another request (path or body)".into(),
            )
            .into_response();
        }
        Ok(KeyClaim::Replay(stored)) => {
            state.metrics.cluster.idempotent_replays.inc();
            return replay(&state, &tenant, stored).await;
        }
        Ok(KeyClaim::Fresh) => {}
    }
    let mut claim = ClaimGuard { store: Arc::clone(&state.store), key: Some(key.clone()) };
    let mut request = request;
    request.extensions_mut().insert(RequestKey(key.clone()));
    let response = next.run(request).await;
    let response = remember(&state, &key, response).await;
    claim.disarm();
    response
}

fn stale_after(path: &str, max_execution: Duration) -> Duration {
    if path.starts_with("/api/execute") { max_execution + STALE_CLAIM } else { STALE_CLAIM }
}

/// The request (its body read when it is held anyway) and its fingerprint.
async fn fingerprinted(request: Request, limit: u64) -> Result<(Request, String), Response> {
    let path = request.uri().path().to_string();
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut digest = Sha256::new();
    digest.update(path.as_bytes());
    digest.update([0]);
    if content_type.starts_with("multipart/") {
        let length = request.headers().get(header::CONTENT_LENGTH).cloned();
        digest.update(content_type.as_bytes());
        digest.update(length.as_ref().map_or(&b""[..], |l| l.as_bytes()));
        return Ok((request, hex(&digest.finalize())));
    }
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes = rlm_listen::request_body::read_within(body, limit).await.map_err(|_| {
        ServerError::TooLarge {
            what: "the request body",
            found: limit as u64 + 1,
            limit: limit as u64,
        }
        .into_response()
    })?;
    digest.update(&bytes);
    Ok((Request::from_parts(parts, Body::from(bytes)), hex(&digest.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores the response for the key's retries (or gives the key up), and
/// answers it. A response whose key its creation answered is left as it is.
async fn remember(state: &AppState, key: &IdempotencyKey, response: Response) -> Response {
    if response.extensions().get::<KeyAnswered>().is_some() {
        return response;
    }
    let status = response.status();
    let retry_worthy = status.is_server_error()
        || status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS;
    if retry_worthy {
        release(state, key).await;
        return response;
    }
    let streamed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if streamed {
        // A stream that named no execution: nothing to send a retry to.
        release(state, key).await;
        return response;
    }
    // A non-creating POST's answer (a `memory` edit, a cancel), or an
    // error: bounded by its request (the body limit) and the record.
    let (parts, body) = response.into_parts();
    let limit =
        usize::try_from(state.limits.max_body_bytes.saturating_mul(2)).unwrap_or(usize::MAX);
    match axum::body::to_bytes(body, limit.saturating_add(1 << 20)).await {
        Ok(bytes) => {
            store(state, key, status, String::from_utf8_lossy(&bytes).into_owned()).await;
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => {
            release(state, key).await;
            ServerError::Internal("the response could not be kept for its idempotency key".into())
                .into_response()
        }
    }
}

async fn store(state: &AppState, key: &IdempotencyKey, status: StatusCode, body: String) {
    let response = StoredResponse { status: status.as_u16(), body };
    if let Err(e) = state.store.complete_idempotency_key(key, &response).await {
        tracing::warn!(error = %e, "cannot store an idempotency key's response; a retry runs again");
        release(state, key).await;
    }
}

async fn release(state: &AppState, key: &IdempotencyKey) {
    if let Err(e) = state.store.release_idempotency_key(key).await {
        tracing::warn!(error = %e, "cannot give an idempotency key up; it is taken over once stale");
    }
}

/// The stored response, as it was (a streamed execution's: 303 to its
/// events; a synchronous execution's: rendered from its record once it has
/// ended).
async fn replay(state: &AppState, tenant: &Tenant, stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let named = serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v.get(RENDER_EXECUTION).and_then(|id| id.as_str()).map(str::to_string))
        .and_then(|id| uuid::Uuid::parse_str(&id).ok());
    if let Some(id) = named {
        let scope = crate::scope::Scope::new(tenant.clone(), Arc::clone(&state.store));
        let mut response = match settled(state, &scope, id).await {
            Ok(record) => (status, axum::Json(crate::shapes::ExecutionResponse::from(&record)))
                .into_response(),
            Err(e) => e.into_response(),
        };
        response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
        return response;
    }
    let location = (status == StatusCode::SEE_OTHER)
        .then(|| serde_json::from_str::<serde_json::Value>(&stored.body).ok())
        .flatten()
        .and_then(|v| v["location"].as_str().map(str::to_string));
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// The execution's record once it has ended: waited for where it runs
/// (in this process, its live log; elsewhere, its record read again), at
/// most as long as an execution may run and a lease more; a 409 to retry
/// past that.
async fn settled(
    state: &AppState,
    scope: &crate::scope::Scope,
    id: Uuid,
) -> Result<crate::store::ExecutionRecord, ServerError> {
    let bound = state.limits.max_execution + crate::leases::grace(state.executions.lease());
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let record = scope.execution(id).await?;
        if record.status.is_terminal() {
            return Ok(record);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ServerError::Conflict(
                "the execution this Idempotency-Key started is still running; retry".into(),
            ));
        }
        match state.executions.live_done(id) {
            Some(mut done) => {
                let _ = tokio::time::timeout_at(deadline, done.wait_for(Option::is_some)).await;
            }
            None => tokio::time::sleep(SETTLED_POLL).await,
        }
    }
}
