//! `POST /v1/responses`: OpenAI's Responses API, the default of the AI SDK's
//! `createOpenAI(...)(model)`, the OpenAI Agents SDK and newer `openai`
//! clients. A request is read as the chat completion it amounts to
//! (`instructions` the system message, `input` the messages, `text.format`
//! the output schema) and runs through the same start as
//! `/v1/chat/completions` (`completions::begin`: the tenant's scope, its
//! limits, the memory charge, disconnect cancellation), so the two doors
//! keep one set of rules. Blocking: a `response` object once the execution
//! is settled. Streaming (`stream: true`): the Responses event sequence
//! (`response.created`, `response.in_progress`, the output item and its
//! text part opened, the answer as one `response.output_text.delta` once a
//! FINAL is accepted, the parts closed, `response.completed`); a failure is
//! an `error` event. Not supported, and refused: `tools`,
//! `previous_response_id` (send the conversation in `input`), and input
//! items other than text messages.

use axum::Json;
use axum::extract::State;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use utoipa::ToSchema;

use super::completions::{begin, failure, settled, usage, with_trace_header};
use super::error::OpenAiError;
use super::extract::{OpenAiJson, OpenAiScope};
use super::request::{
    ChatRequest, ContentPart, JsonSchemaFormat, MessageContent, OpenAiMessage, ResponseFormat,
};
use crate::api::state::AppState;
use crate::bus::{COMPLETE_EVENT, FAILED_EVENT};
use crate::store::{ExecutionRecord, ExecutionStatus};

/// `POST /v1/responses`'s body (the fields this endpoint reads; sampling
/// settings and the like are accepted and not used: the RLM's budgets
/// bound a run).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResponsesRequest {
    /// `rlm`, `rlm:<provider>:<model>` or `rlm:session/<id>` (`GET /v1/models`).
    pub model: String,
    /// A string (one user message), or a list of messages
    /// (`{"role", "content"}`, content a string or `input_text` parts).
    #[schema(value_type = String)]
    pub input: Value,
    /// The system message.
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub stream: Option<bool>,
    /// `{"format": {"type": "json_schema", "name", "schema", "strict"}}`,
    /// `{"format": {"type": "json_object"}}` or `{"format": {"type": "text"}}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub text: Option<Value>,
    /// Not supported: absent or empty.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub tools: Option<Value>,
    /// Not supported (responses are not stored): read only to refuse it,
    /// so not in the OpenAPI document.
    #[serde(default)]
    #[schema(ignore)]
    pub previous_response_id: Option<String>,
    /// An rlm extension, as `/v1/chat/completions`'s.
    #[serde(default)]
    pub record: Option<bool>,
    /// An rlm extension, as `/v1/chat/completions`'s.
    #[serde(default)]
    pub replay: Option<crate::recordings::InlineReplay>,
}

impl ResponsesRequest {
    /// The chat completion this request amounts to, and what its response
    /// repeats back (the instructions, the text format).
    fn into_chat(self) -> Result<(ChatRequest, Echo), OpenAiError> {
        if self
            .tools
            .as_ref()
            .is_some_and(|t| !t.is_null() && t.as_array().is_none_or(|a| !a.is_empty()))
        {
            return Err(OpenAiError::invalid(
                "tools",
                "tools are not supported by the RLM endpoint",
            ));
        }
        if self.previous_response_id.is_some() {
            return Err(OpenAiError::invalid(
                "previous_response_id",
                "previous_response_id is not supported (responses are not stored): send the \
                 conversation in `input`",
            ));
        }
        let mut messages = Vec::new();
        if let Some(i) = &self.instructions {
            messages.push(OpenAiMessage {
                role: "system".into(),
                content: Some(MessageContent::Text(i.clone())),
            });
        }
        match self.input {
            Value::String(text) => messages.push(OpenAiMessage {
                role: "user".into(),
                content: Some(MessageContent::Text(text)),
            }),
            Value::Array(items) => {
                for item in items {
                    messages.push(message_of(item)?);
                }
            }
            _ => {
                return Err(OpenAiError::invalid(
                    "input",
                    "input is a string or a list of messages",
                ));
            }
        }
        let format = self.text.as_ref().and_then(|t| t.get("format")).cloned();
        let response_format = format.as_ref().map(format_of).transpose()?;
        let echo = Echo {
            instructions: self.instructions,
            format: format.unwrap_or_else(|| json!({"type": "text"})),
            model: self.model.clone(),
        };
        let chat = ChatRequest {
            model: self.model,
            messages,
            stream: self.stream,
            stream_options: None,
            n: None,
            tools: None,
            functions: None,
            response_format,
            record: self.record,
            replay: self.replay,
        };
        Ok((chat, echo))
    }
}

/// An input item: a message whose content is a string or text parts. Its
/// texts are taken, not copied: a long context is held once (its body was
/// charged as it was read).
fn message_of(mut item: Value) -> Result<OpenAiMessage, OpenAiError> {
    let kind = item.get("type").and_then(Value::as_str).unwrap_or("message");
    if kind != "message" {
        return Err(OpenAiError::invalid(
            "input",
            format!("input items of type {kind:?} are not supported (messages only)"),
        ));
    }
    let Some(role) = item.get("role").and_then(Value::as_str).map(str::to_string) else {
        return Err(OpenAiError::invalid("input", "an input message has no `role`"));
    };
    let content = match item.get_mut("content").map(Value::take) {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(MessageContent::Text(t)),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::with_capacity(parts.len());
            for mut part in parts {
                let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
                if !matches!(kind, "input_text" | "output_text" | "text") {
                    return Err(OpenAiError::invalid(
                        "input",
                        format!("content parts of type {kind:?} are not supported (text only)"),
                    ));
                }
                let text = match part.get_mut("text").map(Value::take) {
                    Some(Value::String(t)) => Some(t),
                    _ => None,
                };
                texts.push(ContentPart { kind: "text".into(), text, rlm_context: false });
            }
            Some(MessageContent::Parts(texts))
        }
        Some(_) => return Err(OpenAiError::invalid("input", "a message's content is text")),
    };
    Ok(OpenAiMessage { role, content })
}

/// `text.format` as chat's `response_format`.
fn format_of(format: &Value) -> Result<ResponseFormat, OpenAiError> {
    let kind = format.get("type").and_then(Value::as_str).unwrap_or("text").to_string();
    let json_schema = (kind == "json_schema").then(|| JsonSchemaFormat {
        name: format.get("name").and_then(Value::as_str).map(str::to_string),
        description: format.get("description").and_then(Value::as_str).map(str::to_string),
        schema: format.get("schema").cloned(),
        strict: format.get("strict").and_then(Value::as_bool),
    });
    if !matches!(kind.as_str(), "text" | "json_object" | "json_schema") {
        return Err(OpenAiError::invalid(
            "text",
            format!(
                "text.format type {kind:?} is not supported (json_schema, json_object or text)"
            ),
        ));
    }
    Ok(ResponseFormat { kind, json_schema })
}

/// What a response repeats of its request.
#[derive(Clone)]
struct Echo {
    instructions: Option<String>,
    format: Value,
    model: String,
}

/// A `response` object: `status` and its `output` (the answer's message,
/// when there is one).
fn response_object(
    id: uuid::Uuid,
    created_at: i64,
    status: &str,
    echo: &Echo,
    output: Vec<Value>,
    usage: Option<Value>,
) -> Value {
    json!({
        "id": format!("resp_{}", id.simple()),
        "object": "response",
        "created_at": created_at,
        "status": status,
        "error": null,
        "incomplete_details": null,
        "instructions": echo.instructions,
        "max_output_tokens": null,
        "model": echo.model,
        "output": output,
        "parallel_tool_calls": false,
        "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null},
        "store": false,
        "temperature": null,
        "text": {"format": echo.format},
        "tool_choice": "auto",
        "tools": [],
        "top_p": null,
        "truncation": "disabled",
        "usage": usage,
        "user": null,
        "metadata": {},
        "rlm_trace_id": id,
    })
}

/// The answer's message item (`status`: `in_progress` while it is written).
fn message_item(id: uuid::Uuid, status: &str, text: Option<&str>) -> Value {
    let content: Vec<Value> = text.map(output_text).into_iter().collect();
    json!({
        "type": "message",
        "id": message_id(id),
        "status": status,
        "role": "assistant",
        "content": content,
    })
}

fn message_id(id: uuid::Uuid) -> String {
    format!("msg_{}", id.simple())
}

fn output_text(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
}

/// The Responses API's usage, from the tree's tokens.
fn usage_of(record: &ExecutionRecord) -> Value {
    let u = usage(record);
    json!({
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": u.total_tokens,
    })
}

/// Ask an RLM, as OpenAI's Responses API (see the module docs). Errors are
/// `/v1/chat/completions`': 502 (the model failed), 504 (its time limit),
/// 503 (cancelled), 422 (no answer within the budget, or none matching
/// `text.format`'s schema: `schema_failed`).
#[utoipa::path(post, path = "/v1/responses", tag = "openai",
    request_body = ResponsesRequest,
    responses(
        (status = 200, description = "The `response` object, or with `stream: true` its SSE events"),
        (status = 400, body = super::shapes::OpenAiErrorBody),
        (status = 401, body = super::shapes::OpenAiErrorBody),
        (status = 404, body = super::shapes::OpenAiErrorBody),
        (status = 422, body = super::shapes::OpenAiErrorBody),
        (status = 429, body = super::shapes::OpenAiErrorBody),
        (status = 502, body = super::shapes::OpenAiErrorBody),
        (status = 503, body = super::shapes::OpenAiErrorBody),
        (status = 504, body = super::shapes::OpenAiErrorBody)),
    security(("bearer" = [])))]
pub async fn create_response(
    State(state): State<AppState>,
    OpenAiScope(scope): OpenAiScope,
    headers: axum::http::HeaderMap,
    charge: Option<axum::Extension<crate::governor::MemoryCharge>>,
    OpenAiJson(body): OpenAiJson<ResponsesRequest>,
) -> Result<Response, OpenAiError> {
    let (chat, echo) = body.into_chat()?;
    let mut begun = begin(&state, &scope, &headers, charge, chat).await?;
    let (id, trace) = (begun.id, begun.trace);
    let created_at = chrono::Utc::now().timestamp();
    if let Some(listener) = begun.listener.take() {
        let sse =
            begun.stream(listener, move |bus, done| stream_events(id, created_at, echo, bus, done));
        return Ok(with_trace_header(sse.into_response(), id, &trace));
    }
    let record = begun.settled().await?;
    if record.status != ExecutionStatus::Completed {
        return Ok(with_trace_header(failure(&record).into_response(), id, &trace));
    }
    let text = record.final_result.clone().unwrap_or_default();
    let output = vec![message_item(id, "completed", Some(&text))];
    let response = response_object(
        id,
        record.created_at / 1_000_000,
        "completed",
        &echo,
        output,
        Some(usage_of(&record)),
    );
    Ok(with_trace_header(Json(response).into_response(), id, &trace))
}

/// One SSE event of the Responses stream: its `type` as the event's name,
/// numbered.
fn event(sequence: &mut u64, kind: &str, mut data: Value) -> Event {
    data["type"] = json!(kind);
    data["sequence_number"] = json!(*sequence);
    *sequence += 1;
    Event::default().event(kind).data(data.to_string())
}

/// The events of one streamed response (see the module docs): the opening
/// at once, the rest once the execution is settled.
fn stream_events(
    id: uuid::Uuid,
    created_at: i64,
    echo: Echo,
    events: impl futures::Stream<Item = std::sync::Arc<crate::bus::BusEvent>> + Send + 'static,
    done: watch::Receiver<Option<ExecutionRecord>>,
) -> impl futures::Stream<Item = Event> + Send + 'static {
    let mut n = 0;
    let item_id = message_id(id);
    let opening = response_object(id, created_at, "in_progress", &echo, Vec::new(), None);
    let first = vec![
        event(&mut n, "response.created", json!({"response": opening})),
        event(&mut n, "response.in_progress", json!({"response": opening})),
        event(
            &mut n,
            "response.output_item.added",
            json!({"output_index": 0, "item": message_item(id, "in_progress", None)}),
        ),
        event(
            &mut n,
            "response.content_part.added",
            json!({"item_id": item_id, "output_index": 0, "content_index": 0, "part": output_text("")}),
        ),
    ];
    let end = events
        .filter(|e| {
            // The execution's end carries no trace event (a step's error is one).
            let end = (e.name == COMPLETE_EVENT || e.name == FAILED_EVENT) && e.trace.is_none();
            async move { end }
        })
        .take(1)
        .then(move |_| {
            let (done, echo, item_id) = (done.clone(), echo.clone(), item_id.clone());
            async move {
                let mut n = n;
                let record = match settled(done).await {
                    Ok(r) => r,
                    Err(e) => return vec![error_event(&mut n, &e)],
                };
                if record.status != ExecutionStatus::Completed {
                    return vec![error_event(&mut n, &failure(&record))];
                }
                let text = record.final_result.clone().unwrap_or_default();
                let at = |n: &mut u64, kind: &str, extra: Value| {
                    let mut data = json!({"item_id": item_id, "output_index": 0, "content_index": 0});
                    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
                        d.extend(e);
                    }
                    event(n, kind, data)
                };
                let completed = response_object(
                    id,
                    created_at,
                    "completed",
                    &echo,
                    vec![message_item(id, "completed", Some(&text))],
                    Some(usage_of(&record)),
                );
                vec![
                    at(&mut n, "response.output_text.delta", json!({"delta": text, "logprobs": []})),
                    at(&mut n, "response.output_text.done", json!({"text": text, "logprobs": []})),
                    at(&mut n, "response.content_part.done", json!({"part": output_text(&text)})),
                    event(
                        &mut n,
                        "response.output_item.done",
                        json!({"output_index": 0, "item": message_item(id, "completed", Some(&text))}),
                    ),
                    event(&mut n, "response.completed", json!({"response": completed})),
                ]
            }
        })
        .flat_map(futures::stream::iter);
    futures::stream::iter(first).chain(end)
}

/// A failure as the Responses stream's `error` event.
fn error_event(sequence: &mut u64, e: &OpenAiError) -> Event {
    let body = e.body();
    let error = &body["error"];
    event(
        sequence,
        "error",
        json!({"code": error["code"], "message": error["message"], "param": error["param"]}),
    )
}
