//! Execution handlers: run and wait (`/api/execute`), run and stream SSE
//! (`/api/execute/stream`), attach to a running or finished execution's
//! stream, list, get (with the tree), tree, trace (JSON lines), cancel; and
//! usage stats.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::{self, KeyAnswered, RequestKey};
use super::listeners::Listener;
use super::sessions::Page;
use super::state::AppState;
use crate::bus::{BusEvent, sse_name};
use crate::error::ServerError;
use crate::executions::disconnect::DisconnectGuard;
use crate::executions::{
    ExecutionKey, START_EVENT, StartRequest, Started, Target, start_data, terminal_frame,
};
use crate::governor::MemoryCharge;
use crate::recordings::ExchangeMode;
use crate::scope::Scope;
use crate::shapes::*;
use crate::store::{ExecutionFilter, ExecutionRecord, StreamedEvent, events_of};
use crate::tree::execution_tree;

/// The response header naming the OpenTelemetry trace of the execution's
/// run (32 hex digits): the incoming `traceparent`'s trace, or a fresh one.
pub const OTEL_TRACE_ID_HEADER: &str = "x-rlm-otel-trace-id";

/// The trace a request's run joins: its W3C `traceparent` header's, or a
/// fresh one (see [`rlm_core::TraceParent::of_request`]).
pub(crate) fn trace_parent_of(headers: &HeaderMap) -> rlm_core::TraceParent {
    let header = headers.get("traceparent").and_then(|v| v.to_str().ok());
    rlm_core::TraceParent::of_request(header)
}

/// `response` naming the OpenTelemetry trace `parent` is in.
pub(crate) fn with_otel_trace_id(
    mut response: Response,
    parent: &rlm_core::TraceParent,
) -> Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(&parent.trace_id_hex()) {
        response.headers_mut().insert(OTEL_TRACE_ID_HEADER, v);
    }
    response
}

fn start_request(
    state: &AppState,
    scope: Scope,
    body: ExecutionCreate,
    trace_parent: rlm_core::TraceParent,
    (body_charge, key): (Option<MemoryCharge>, Option<ExecutionKey>),
) -> Result<StartRequest, ServerError> {
    let exchanges =
        ExchangeMode::of_request(body.record, body.replay, state.limits.max_context_bytes)?;
    let target = match (body.session_id, body.context) {
        (Some(id), None) => Target::Session(id),
        (None, Some(text)) => Target::Inline(text),
        (Some(_), Some(_)) => {
            return Err(ServerError::BadRequest("give `session_id` or `context`, not both".into()));
        }
        (None, None) => {
            return Err(ServerError::BadRequest(
                "Either context or session_id with stored context is required".into(),
            ));
        }
    };
    Ok(StartRequest {
        owner: scope.owner().to_string(),
        target,
        query: body.user_query,
        model: body.model,
        job_id: None,
        interactive: true,
        attempt: None,
        job_holder: None,
        output_schema: None,
        exchanges,
        trace_parent: Some(trace_parent),
        body_charge,
        key,
    })
}

/// The request's `Idempotency-Key`, answered with what `render` makes of
/// the execution's id when the execution is stored.
fn execution_key(
    key: Option<Extension<RequestKey>>,
    render: fn(Uuid) -> crate::store::StoredResponse,
) -> Option<ExecutionKey> {
    key.map(|Extension(RequestKey(key))| ExecutionKey { key, render })
}

/// Run an execution and wait for its answer (the RLM Engine's call). A
/// client that disconnects before the answer cancels the execution (it
/// ends `cancelled`; `rlm serve --on-disconnect continue` lets it run on),
/// unless the request carries an `Idempotency-Key`: then the key's retry
/// is its client, and gets its answer once it has ended.
#[utoipa::path(post, path = "/api/execute", tag = "executions",
    request_body = ExecutionCreate,
    responses((status = 200, body = ExecutionResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn execute(
    State(state): State<AppState>,
    scope: Scope,
    headers: HeaderMap,
    charge: Option<Extension<MemoryCharge>>,
    key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<ExecutionCreate>,
) -> Result<Response, ServerError> {
    let trace = trace_parent_of(&headers);
    let key = execution_key(key, idempotency::render_execution);
    let keyed = key.is_some();
    let request = start_request(&state, scope, body, trace, (charge.map(|c| c.0), key))?;
    // Nothing is said before the end: the pending record needs no flush of its own.
    let Started { id, mut done, .. } = state.executions.start_unannounced(request).await?;
    // Dropped with this future when the client goes away: the execution is
    // cancelled, unless a key's retry is its client.
    let mut client = DisconnectGuard::new(&state.executions, id);
    if keyed {
        client.disarm();
    }
    let record = done
        .wait_for(Option::is_some)
        .await
        .map_err(|_| ServerError::Internal("the execution task ended without a record".into()))?
        .clone()
        .ok_or_else(|| ServerError::Internal("no execution record".into()))?;
    client.disarm();
    let mut response = Json(ExecutionResponse::from(&record)).into_response();
    if let Ok(id) = axum::http::HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(idempotency::EXECUTION_HEADER, id);
    }
    if keyed {
        response.extensions_mut().insert(KeyAnswered);
    }
    Ok(with_otel_trace_id(response, &trace))
}

fn sse_event(e: &BusEvent) -> Event {
    Event::default().id(e.id.to_string()).event(&e.name).data(&e.json)
}

fn sse_response<S>(events: S) -> Response
where
    S: Stream<Item = Event> + Send + 'static,
{
    Sse::new(events.map(Ok::<_, Infallible>))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Run an execution and stream it as Server-Sent Events: `execution_start`;
/// the trace as it happens (`run_started`, `model_call_started`, `token`
/// (root-model text as it arrives), `model_call_finished`, `program_started`,
/// `program_finished`, `subcall_started`, `subcall_finished`, `retry`,
/// `budget`, `compaction`, `trace_error` (a note: a program's exception, a
/// failed model call; the execution goes on), `final_answer`,
/// `run_finished`, with sub-RLMs nested by `parent_span_id`); then, always
/// last, `complete` (the execution) or `error` (`{error, execution}`: it
/// failed, was cancelled or interrupted). Every frame's data is
/// `{"type": ..., "data": ...}`; ids count from 0. A client that disconnects
/// does not stop the execution; it resumes with `GET
/// /api/executions/{id}/events` and `Last-Event-ID`.
#[utoipa::path(post, path = "/api/execute/stream", tag = "executions",
    request_body = ExecutionCreate,
    responses((status = 200, content_type = "text/event-stream", body = SseFrame, description = "SSE frames"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn execute_stream(
    State(state): State<AppState>,
    scope: Scope,
    headers: HeaderMap,
    charge: Option<Extension<MemoryCharge>>,
    key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<ExecutionCreate>,
) -> Result<Response, ServerError> {
    let trace = trace_parent_of(&headers);
    // Counted before the execution starts: a refused listener starts nothing.
    let mut listener = Listener::open(&state, &scope, None)?;
    let key = execution_key(key, idempotency::render_stream);
    let keyed = key.is_some();
    let started = state
        .executions
        .start(start_request(&state, scope, body, trace, (charge.map(|c| c.0), key))?)
        .await?;
    listener.attach(started.id);
    let mut response = sse_response(listener.hold(started.bus.subscribe(0).map(|e| sse_event(&e))));
    // Names the execution (for any client).
    if let Ok(id) = axum::http::HeaderValue::from_str(&started.id.to_string()) {
        response.headers_mut().insert(idempotency::EXECUTION_HEADER, id);
    }
    if keyed {
        response.extensions_mut().insert(KeyAnswered);
    }
    Ok(with_otel_trace_id(response, &trace))
}

/// Attach to an execution's event stream: a running one from its first event
/// (or after `Last-Event-ID`), then live; a finished one replayed from its
/// stored trace, each frame with the id it had live (root-model `token`
/// deltas are not stored: a replay skips their ids), also after
/// `Last-Event-ID`.
#[utoipa::path(get, path = "/api/executions/{id}/events", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id"),
        ("Last-Event-ID" = Option<String>, Header, description = "the id of the last frame received: the stream resumes after it")),
    responses((status = 200, content_type = "text/event-stream", body = SseFrame, description = "SSE frames"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    // An id that is not one of ours (not a number) resumes nothing: the whole stream.
    let last_seen: Option<u64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let from = last_seen.map_or(0, |n| n.saturating_add(1));
    if let Some(bus) = state.executions.live_bus(&scope, id) {
        let listener = Listener::open(&state, &scope, Some(id))?;
        return Ok(sse_response(listener.hold(bus.subscribe(from).map(|e| sse_event(&e)))));
    }
    let record = scope.execution(id).await?;
    if !record.status.is_terminal() {
        // Between its record and its live log (it is just starting): retry shortly.
        return Err(ServerError::TooManyRequests {
            message: "the execution is starting; retry".into(),
            retry_after_secs: 1,
        });
    }
    let listener = Listener::open(&state, &scope, Some(id))?;
    let trace = state.store.trace(id).await?;
    Ok(sse_response(listener.hold(futures::stream::iter(replay_frames(&record, &trace, from)))))
}

/// A finished execution's frames from position `from` on, as they were sent
/// live: `execution_start` at 0, each stored trace event at its position, the
/// terminal frame right after the last trace event (nothing follows a run's
/// `run_finished` but the end).
fn replay_frames(record: &ExecutionRecord, trace: &[StreamedEvent], from: u64) -> Vec<Event> {
    let frame = |position: u64, name: &str, data: serde_json::Value| {
        Event::default()
            .id(position.to_string())
            .event(name)
            .data(serde_json::json!({ "type": name, "data": data }).to_string())
    };
    let mut frames = Vec::new();
    if from == 0 {
        frames.push(frame(0, START_EVENT, start_data(record)));
    }
    for s in trace.iter().filter(|s| s.position >= from) {
        let data = serde_json::to_value(&s.event).unwrap_or_default();
        frames.push(frame(s.position, sse_name(&s.event), data));
    }
    let end = trace.last().map_or(1, |s| s.position + 1);
    if end >= from {
        let (name, json) = terminal_frame(record);
        frames.push(Event::default().id(end.to_string()).event(name).data(json));
    }
    frames
}

/// `?session_id=&cursor=&limit=&offset=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExecutionQuery {
    pub session_id: Option<Uuid>,
    /// Where the page starts: the `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-fA-F]{48}$")]
    pub cursor: Option<String>,
    /// At most this many (default 50, at most 1000).
    #[param(maximum = 1000000)]
    pub limit: Option<usize>,
    #[param(maximum = 1000000000)]
    pub offset: Option<usize>,
}

/// List the caller's executions, newest first (optionally one session's).
#[utoipa::path(get, path = "/api/executions", tag = "executions", params(ExecutionQuery),
    responses((status = 200, body = ExecutionListResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    ApiQuery(q): ApiQuery<ExecutionQuery>,
) -> Result<Json<ExecutionListResponse>, ServerError> {
    let page = Page { cursor: q.cursor, limit: q.limit, offset: q.offset }.request()?;
    let filter = ExecutionFilter { owner: scope.owner().to_string(), session_id: q.session_id };
    let listed = state.store.list_executions(&filter, &page).await?;
    Ok(Json(ExecutionListResponse {
        executions: listed.items.iter().map(ExecutionResponse::from).collect(),
        total: listed.total,
        next_cursor: listed.next_cursor,
    }))
}

/// One execution with its tree (the Engine's `ExecutionDetail`).
#[utoipa::path(get, path = "/api/executions/{id}", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, body = ExecutionDetailResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ExecutionDetailResponse>, ServerError> {
    let record = scope.execution(id).await?;
    let tree = tree_of(&state, &scope, &record).await?;
    let generated_code = tree.tree.as_ref().and_then(|t| t.generated_code.clone());
    Ok(Json(ExecutionDetailResponse {
        execution: ExecutionResponse::from(&record),
        tree: Some(tree),
        generated_code,
        metrics: None,
    }))
}

async fn tree_of(
    state: &AppState,
    scope: &Scope,
    record: &ExecutionRecord,
) -> Result<ExecutionTree, ServerError> {
    // A running execution's tree comes from its live log (the store may lag).
    let events = match state.executions.live_bus(scope, record.id) {
        Some(bus) => bus.trace_events(),
        None => events_of(state.store.trace(record.id).await?),
    };
    Ok(execution_tree(record.id, &events))
}

/// The execution tree (the Engine's shape: the root run, its subcalls and
/// sub-RLMs as nested `children`).
#[utoipa::path(get, path = "/api/executions/{id}/tree", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, body = ExecutionTree), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn tree(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ExecutionTree>, ServerError> {
    let record = scope.execution(id).await?;
    Ok(Json(tree_of(&state, &scope, &record).await?))
}

/// The execution's trace as JSON lines (one `rlm-trace` event per line).
#[utoipa::path(get, path = "/api/executions/{id}/trace", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, content_type = "application/x-ndjson", body = String, description = "JSON lines"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn trace(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ServerError> {
    let record = scope.execution(id).await?;
    let events = match state.executions.live_bus(&scope, record.id) {
        Some(bus) => bus.trace_events(),
        None => events_of(state.store.trace(id).await?),
    };
    let mut body = String::new();
    for e in &events {
        body.push_str(&rlm_trace::to_json_line(e));
        body.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// The execution's recording of its model exchanges (root and subcalls),
/// as JSON lines: what `rlm run --replay` reads, and what another
/// execution's `replay` takes. Stored when the execution ends; 404 when it
/// did not record (`"record": true`), 409 while it runs.
#[utoipa::path(get, path = "/api/executions/{id}/recording", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, content_type = "application/x-ndjson", body = String, description = "JSON lines, one exchange each"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn recording(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ServerError> {
    let record = scope.execution(id).await?;
    // A handed-back execution's part is stored, but it is not the recording yet.
    if !record.status.is_terminal() {
        return Err(ServerError::Conflict(format!(
            "execution {id} is {}: its recording is stored when it ends",
            record.status.as_str()
        )));
    }
    match state.store.load_recording(id).await? {
        Some(jsonl) => {
            Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], jsonl).into_response())
        }
        None => Err(ServerError::not_found("recording of execution", id)),
    }
}

/// Cancel a running execution: in-flight model calls are dropped, the spend
/// so far is settled; answers with the settled execution.
#[utoipa::path(post, path = "/api/executions/{id}/cancel", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, body = ExecutionResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ExecutionResponse>, ServerError> {
    if let Some(record) = state.executions.cancel(&scope, id, Duration::from_secs(30)).await {
        return Ok(Json(ExecutionResponse::from(&record)));
    }
    let record = scope.execution(id).await?;
    if record.status.is_terminal() {
        return Err(ServerError::Conflict(format!(
            "execution {id} has already ended ({})",
            record.status.as_str()
        )));
    }
    Ok(Json(ExecutionResponse::from(&record)))
}

/// Delete an ended execution with its trace (it leaves the lists and the
/// statistics); a pending or running one is refused with 409.
#[utoipa::path(delete, path = "/api/executions/{id}", tag = "executions",
    params(("id" = Uuid, Path, description = "execution id")),
    responses((status = 200, body = DeletedExecution), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeletedExecution>, ServerError> {
    let record = scope.execution(id).await?;
    if !record.status.is_terminal() {
        return Err(ServerError::Conflict(format!(
            "execution {id} is {}: cancel it first",
            record.status.as_str()
        )));
    }
    if !state.store.delete_execution(id).await? {
        return Err(ServerError::not_found("execution", id));
    }
    Ok(Json(DeletedExecution { status: "deleted".into(), execution_id: id }))
}

/// `?session_id=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    pub session_id: Option<Uuid>,
}

/// Usage statistics over the caller's executions (or one session's): the
/// Engine's totals plus outcomes, latency percentiles, cache hit rate and
/// per-session totals.
#[utoipa::path(get, path = "/api/stats", tag = "executions", params(StatsQuery),
    responses((status = 200, body = UsageStats), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stats(
    State(state): State<AppState>,
    scope: Scope,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<UsageStats>, ServerError> {
    let snapshot = state.store.stats(scope.owner(), q.session_id).await?;
    Ok(Json(crate::stats::usage_stats(&snapshot)))
}
