//! `POST /v1/chat/completions`: one RLM execution per request, answered in
//! OpenAI's shapes. Blocking: a `chat.completion` once the execution is
//! settled. Streaming (`stream: true`): `chat.completion.chunk` SSE frames:
//! the role first; then the root models' tokens as they arrive, in
//! `delta.reasoning_content` (the field OpenAI-compatible servers use for a
//! model's working; the SDKs keep it as an extra field), since they are the
//! RLM's programs and reasoning, not its answer; then the answer in
//! `delta.content` once the execution is settled (an RLM knows its answer
//! only when a FINAL is accepted); the `finish_reason`; with
//! `stream_options.include_usage`, a last chunk with the usage and no
//! choices; then `data: [DONE]`. A failure mid-stream is a
//! `data: {"error": {...}}` frame (the SDKs raise it), then `[DONE]`.
//!
//! `usage` is the whole tree's tokens (root, sub-models, sub-RLMs). The
//! execution id is the RLM trace id: in the `x-rlm-trace-id` header and in
//! `rlm_trace_id` (a field the SDKs ignore), so a caller opens the tree at
//! `/api/executions/{id}/tree` or in the web page.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::sync::watch;
use uuid::Uuid;

use super::error::OpenAiError;
use super::extract::{OpenAiJson, OpenAiScope, TRACE_ID_HEADER};
use super::model::RlmModel;
use super::request::{ChatRequest, split_messages};
use super::shapes::{
    AssistantMessage, ChatCompletion, ChatCompletionChunk, ChatUsage, ChunkChoice, ChunkDelta,
    CompletionChoice, OpenAiErrorBody, RlmDetails,
};
use crate::api::listeners::Listener;
use crate::api::state::AppState;
use crate::bus::{BusEvent, COMPLETE_EVENT, FAILED_EVENT};
use crate::executions::disconnect::DisconnectGuard;
use crate::executions::{StartRequest, Started, Target};
use crate::recordings::ExchangeMode;
use crate::store::{ExecutionRecord, ExecutionStatus};

/// What every chunk and completion of one request repeats.
#[derive(Clone)]
struct Reply {
    execution_id: Uuid,
    /// The `model` the client named, echoed back.
    model: String,
    created: i64,
}

impl Reply {
    fn id(&self) -> String {
        format!("chatcmpl-{}", self.execution_id.simple())
    }

    fn chunk(&self, choices: Vec<ChunkChoice>, usage: Option<Option<ChatUsage>>) -> Event {
        let chunk = ChatCompletionChunk {
            id: self.id(),
            object: "chat.completion.chunk".into(),
            created: self.created,
            model: self.model.clone(),
            system_fingerprint: None,
            choices,
            rlm_trace_id: self.execution_id,
            usage,
        };
        Event::default().data(serde_json::to_string(&chunk).unwrap_or_default())
    }

    fn delta(&self, delta: ChunkDelta, finish_reason: Option<&str>, usage: bool) -> Event {
        let choices = vec![ChunkChoice {
            index: 0,
            delta,
            logprobs: None,
            finish_reason: finish_reason.map(str::to_string),
        }];
        // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
        self.chunk(choices, usage.then_some(None))
    }
}

/// The tree's tokens in OpenAI's shape.
pub(super) fn usage(record: &ExecutionRecord) -> ChatUsage {
    let s = &record.spend;
    ChatUsage {
        prompt_tokens: s.input_tokens,
        completion_tokens: s.output_tokens,
        total_tokens: s.total_tokens(),
    }
}

/// What the RLM did, in a field the SDKs keep as an extra.
fn rlm_details(record: &ExecutionRecord) -> RlmDetails {
    RlmDetails {
        execution_id: record.id,
        root_model: record.model.clone(),
        finish: record.finish.clone(),
        steps: record.steps,
        root_calls: record.spend.root_calls,
        subcalls: record.spend.calls,
        cost_usd: record.spend.cost_usd,
    }
}

/// `length` for an answer the budget forced (the loop finalized at the soft
/// limit or gave its best effort); `stop` for every answer the model gave.
fn finish_reason(record: &ExecutionRecord) -> &'static str {
    match record.finish.as_deref() {
        Some("finalized" | "best_effort") => "length",
        _ => "stop",
    }
}

/// An execution that ended without an answer, as an error: the model
/// failing is 502, its time limit 504, a cancel or a server stop 503, no
/// answer within the budget (or a sandbox failure) 422. With
/// `response_format`, no answer matching the schema is 422 with the code
/// `schema_failed`: the message names the failing paths and the last
/// candidate (never sent as the content, so a client never parses it as valid).
pub(super) fn failure(record: &ExecutionRecord) -> OpenAiError {
    let finish = record.finish.clone().unwrap_or_else(|| record.status.as_str().to_string());
    let status = match (record.status, finish.as_str()) {
        (_, "model_error") => StatusCode::BAD_GATEWAY,
        (_, "timeout") => StatusCode::GATEWAY_TIMEOUT,
        (ExecutionStatus::Cancelled | ExecutionStatus::Interrupted, _) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut why =
        record.error_message.clone().unwrap_or("the execution ended without an answer".into());
    if finish == "schema_failed"
        && let Some(candidate) = &record.final_result
    {
        let shown: String = candidate.chars().take(500).collect();
        why = format!("{why}\nthe last candidate: {shown}");
    }
    OpenAiError {
        status,
        message: format!("{why} (rlm trace {})", record.id),
        param: None,
        code: finish,
        retry_after_secs: None,
    }
}

/// `response` naming the execution (`x-rlm-trace-id`) and its OpenTelemetry
/// trace (`x-rlm-otel-trace-id`).
pub(super) fn with_trace_header(
    mut response: Response,
    id: Uuid,
    trace: &rlm_core::TraceParent,
) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(TRACE_ID_HEADER, v);
    }
    crate::api::executions::with_otel_trace_id(response, trace)
}

pub(super) async fn settled(
    mut done: watch::Receiver<Option<ExecutionRecord>>,
) -> Result<ExecutionRecord, OpenAiError> {
    let lost = || {
        OpenAiError::from(crate::error::ServerError::Internal(
            "the execution task ended without a record".into(),
        ))
    };
    let record = done.wait_for(Option::is_some).await.map_err(|_| lost())?.clone();
    record.ok_or_else(lost)
}

/// Ask an RLM, as OpenAI's chat completions (see the module docs of
/// `api/openai/request.rs` for how messages become question and context).
/// Without `stream`, the settled execution as a `chat.completion`; with
/// `stream: true`, `chat.completion.chunk` frames then `data: [DONE]`. An
/// execution that ends without an answer is an error: 502 (the model
/// failed), 504 (its time limit), 503 (cancelled or the server stopped),
/// 422 (no answer within the budget). A client that disconnects before the
/// end (a closed connection, a stream no longer read) cancels the execution
/// (`rlm serve --on-disconnect continue` lets it run on).
#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai",
    request_body = ChatRequest,
    responses(
        (status = 200, description = "The answer (a `chat.completion`), or with `stream: true` its SSE frames",
            content((ChatCompletion = "application/json"), (ChatCompletionChunk = "text/event-stream"))),
        (status = 400, body = OpenAiErrorBody), (status = 401, body = OpenAiErrorBody),
        (status = 404, body = OpenAiErrorBody, description = "No such model (or session)"),
        (status = 409, body = OpenAiErrorBody), (status = 413, body = OpenAiErrorBody),
        (status = 415, body = OpenAiErrorBody), (status = 422, body = OpenAiErrorBody),
        (status = 429, body = OpenAiErrorBody), (status = 502, body = OpenAiErrorBody),
        (status = 503, body = OpenAiErrorBody), (status = 504, body = OpenAiErrorBody)),
    security(("bearer" = [])))]
pub async fn chat_completions(
    State(state): State<AppState>,
    OpenAiScope(scope): OpenAiScope,
    headers: axum::http::HeaderMap,
    charge: Option<axum::Extension<crate::governor::MemoryCharge>>,
    OpenAiJson(body): OpenAiJson<ChatRequest>,
) -> Result<Response, OpenAiError> {
    let model = body.model.clone();
    let include_usage = body.include_usage();
    let begun = begin(&state, &scope, &headers, charge, body).await?;
    let reply = Reply { execution_id: begun.id, model, created: chrono::Utc::now().timestamp() };
    let (id, trace) = (begun.id, begun.trace);
    let mut begun = begun;
    if let Some(listener) = begun.listener.take() {
        let sse =
            begun.stream(listener, move |bus, done| stream_frames(reply, bus, done, include_usage));
        return Ok(with_trace_header(sse.into_response(), id, &trace));
    }
    let record = begun.settled().await?;
    if record.status != ExecutionStatus::Completed {
        return Ok(with_trace_header(failure(&record).into_response(), id, &trace));
    }
    let completion = ChatCompletion {
        id: reply.id(),
        object: "chat.completion".into(),
        created: record.created_at / 1_000_000,
        model: reply.model.clone(),
        system_fingerprint: None,
        choices: vec![CompletionChoice {
            index: 0,
            message: AssistantMessage {
                role: "assistant".into(),
                content: record.final_result.clone(),
                refusal: None,
            },
            logprobs: None,
            finish_reason: finish_reason(&record).into(),
        }],
        usage: usage(&record),
        rlm_trace_id: record.id,
        rlm: rlm_details(&record),
    };
    Ok(with_trace_header(Json(completion).into_response(), id, &trace))
}

/// An execution a `/v1` request started: what its answer, blocking or
/// streamed, is read from. Dropped before the end, its guard cancels the
/// execution (the client went away).
pub(super) struct Begun {
    pub(super) id: Uuid,
    pub(super) trace: rlm_core::TraceParent,
    bus: std::sync::Arc<crate::bus::ExecutionBus>,
    done: watch::Receiver<Option<ExecutionRecord>>,
    client: DisconnectGuard,
    /// A streamed request's listener, counted before the execution started.
    pub(super) listener: Option<Listener>,
}

impl Begun {
    /// The settled record (a blocking request's answer); the client stayed.
    pub(super) async fn settled(mut self) -> Result<ExecutionRecord, OpenAiError> {
        let record = settled(self.done.clone()).await?;
        self.client.disarm();
        Ok(record)
    }

    /// The SSE response of `frames` (made from the execution's events and
    /// its settled record), held by the listener and the disconnect guard:
    /// a reader that leaves cancels the execution.
    pub(super) fn stream<S>(
        self,
        mut listener: Listener,
        frames: impl FnOnce(
            std::pin::Pin<Box<dyn futures::Stream<Item = std::sync::Arc<BusEvent>> + Send>>,
            watch::Receiver<Option<ExecutionRecord>>,
        ) -> S,
    ) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>>
    where
        S: futures::Stream<Item = Event> + Send + 'static,
    {
        let Begun { id, bus, done, client, .. } = self;
        listener.attach(id);
        let frames = listener.hold(frames(Box::pin(bus.subscribe(0)), done));
        Sse::new(frames.map(move |frame| {
            // Held by the stream: dropped with it when the reader leaves.
            let _client = &client;
            Ok::<_, Infallible>(frame)
        }))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

/// Starts the execution a `/v1` request asks for (chat completions, or a
/// Responses request read as one): its model, question and context, output
/// schema, recording, trace parent and body charge; a streamed one's
/// listener is counted first (a refused listener starts nothing).
pub(super) async fn begin(
    state: &AppState,
    scope: &crate::scope::Scope,
    headers: &axum::http::HeaderMap,
    charge: Option<axum::Extension<crate::governor::MemoryCharge>>,
    mut body: ChatRequest,
) -> Result<Begun, OpenAiError> {
    body.check_supported()?;
    let trace = crate::api::executions::trace_parent_of(headers);
    let output_schema = body.output_schema()?;
    let exchanges =
        ExchangeMode::of_request(body.record, body.replay.take(), state.limits.max_context_bytes)?;
    let model = RlmModel::resolve(state, scope, &body.model).await?;
    let asked = split_messages(&body.messages, matches!(model, RlmModel::Session(_)))?;
    let (target, root) = match model {
        RlmModel::Session(id) => (Target::Session(id), None),
        RlmModel::Default => (Target::Inline(asked.context.unwrap_or_default()), None),
        RlmModel::Root(m) => (Target::Inline(asked.context.unwrap_or_default()), Some(m)),
    };
    let request = StartRequest {
        owner: scope.owner().to_string(),
        target,
        query: asked.question,
        model: root,
        job_id: None,
        interactive: true,
        attempt: None,
        job_holder: None,
        output_schema,
        exchanges,
        trace_parent: Some(trace),
        body_charge: charge.map(|c| c.0),
        key: None,
    };
    let listener = if body.streams() { Some(Listener::open(state, scope, None)?) } else { None };
    // A request not streamed says nothing before the end: its pending
    // record needs no flush of its own (`Executions::start_unannounced`).
    let Started { id, bus, done, .. } = if body.streams() {
        state.executions.start(request).await?
    } else {
        state.executions.start_unannounced(request).await?
    };
    // Dropped with the request's future, or with the stream, when the
    // client goes away before the end: the execution is cancelled.
    let client = DisconnectGuard::new(&state.executions, id);
    Ok(Begun { id, trace, bus, done, client, listener })
}

/// The chunks of one streamed completion (see the module docs).
fn stream_frames(
    reply: Reply,
    events: impl futures::Stream<Item = std::sync::Arc<BusEvent>> + Send + 'static,
    done: watch::Receiver<Option<ExecutionRecord>>,
    include_usage: bool,
) -> impl futures::Stream<Item = Event> + Send + 'static {
    let opening = ChunkDelta {
        role: Some("assistant".into()),
        content: Some(String::new()),
        ..ChunkDelta::default()
    };
    let first = reply.delta(opening, None, include_usage);
    let body = events
        .filter(|e| {
            // The execution's end carries no trace event (a step's error is one).
            let end = e.name == COMPLETE_EVENT || e.name == FAILED_EVENT;
            let wanted = e.name == "token" || (end && e.trace.is_none());
            async move { wanted }
        })
        .then(move |e| {
            let reply = reply.clone();
            let done = done.clone();
            async move {
                if e.name == "token" {
                    let text = serde_json::from_str::<serde_json::Value>(&e.json)
                        .ok()
                        .and_then(|v| v["data"]["text"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let delta =
                        ChunkDelta { reasoning_content: Some(text), ..ChunkDelta::default() };
                    return vec![reply.delta(delta, None, include_usage)];
                }
                // The execution has ended: its settled record says how.
                let record = match settled(done).await {
                    Ok(r) => r,
                    Err(e) => return vec![Event::default().data(e.body().to_string())],
                };
                if record.status != ExecutionStatus::Completed {
                    return vec![Event::default().data(failure(&record).body().to_string())];
                }
                let mut frames = vec![
                    reply.delta(
                        ChunkDelta {
                            content: Some(record.final_result.clone().unwrap_or_default()),
                            ..ChunkDelta::default()
                        },
                        None,
                        include_usage,
                    ),
                    reply.delta(ChunkDelta::default(), Some(finish_reason(&record)), include_usage),
                ];
                if include_usage {
                    frames.push(reply.chunk(Vec::new(), Some(Some(usage(&record)))));
                }
                frames
            }
        })
        .flat_map(futures::stream::iter);
    futures::stream::once(async move { first })
        .chain(body)
        .chain(futures::stream::once(async { Event::default().data("[DONE]") }))
}
