//! Anthropic Messages API: system prompt as a top-level field, strictly
//! alternating user/assistant turns, text content blocks, `anthropic-version`,
//! usage with cache reads, and the typed SSE events of its streams.

use std::time::Instant;

use futures::future::BoxFuture;
use rlm_types::{Completion, CompletionRequest, FinishReason, ModelId, Role, Usage};
use serde_json::{Map, Value, json};

use crate::adapter::{CallReport, ModelAdapter, StreamEvent, StreamReport};
use crate::error::AdapterError;
use crate::http::{
    HttpOptions, HttpRequest, HttpTransport, StreamBody, classify_failure, header,
    headers_with_trace, parse_json,
};
use crate::openai::check_url;
use crate::retry::RetryGate;
use crate::secret::Secret;
use crate::stream_util::{StreamState, fold_sse, single_shot};

pub const DEFAULT_ANTHROPIC_URL: &str = "https://api.anthropic.com";
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// Configuration of an Anthropic adapter.
#[derive(Debug, Clone)]
pub struct AnthropicConfig {
    pub model: String,
    /// Without the `/v1` suffix.
    pub base_url: String,
    pub api_key: Secret,
    pub anthropic_version: String,
    /// Sent as `anthropic-beta` when set.
    pub beta: Option<String>,
    /// The API requires `max_tokens`; this is used when the request has none.
    pub default_max_tokens: u32,
    pub context_window: Option<u64>,
    pub http: HttpOptions,
}

impl AnthropicConfig {
    pub fn new(model: impl Into<String>, api_key: Secret) -> Self {
        AnthropicConfig {
            model: model.into(),
            base_url: DEFAULT_ANTHROPIC_URL.into(),
            api_key,
            anthropic_version: DEFAULT_ANTHROPIC_VERSION.into(),
            beta: None,
            default_max_tokens: 4096,
            context_window: None,
            http: HttpOptions::default(),
        }
    }
}

/// An Anthropic Messages adapter.
#[derive(Debug, Clone)]
pub struct AnthropicAdapter {
    model: String,
    url: String,
    default_max_tokens: u32,
    context_window: Option<u64>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    transport: HttpTransport,
}

impl AnthropicAdapter {
    pub fn new(config: AnthropicConfig) -> Result<Self, AdapterError> {
        let base = config.base_url.trim_end_matches('/');
        check_url(base)?;
        if config.api_key.is_empty() {
            return Err(AdapterError::Config(
                "Anthropic needs an API key (ANTHROPIC_API_KEY)".into(),
            ));
        }
        let mut headers = vec![
            header("x-api-key", config.api_key.expose(), true)?,
            header("anthropic-version", &config.anthropic_version, false)?,
        ];
        if let Some(b) = &config.beta {
            headers.push(header("anthropic-beta", b, false)?);
        }
        let context_window =
            config.context_window.or_else(|| crate::pricing::known_context_window(&config.model));
        Ok(AnthropicAdapter {
            url: format!("{base}/v1/messages"),
            default_max_tokens: config.default_max_tokens,
            context_window,
            headers,
            transport: HttpTransport::new(config.http, vec![config.api_key])?,
            model: config.model,
        })
    }

    /// Parses a whole Messages response body.
    fn parse_body(&self, body: &[u8], started: Instant) -> Result<Completion, AdapterError> {
        let v = parse_json(body, |s| self.transport.scrub(s))?;
        if v.get("type").and_then(Value::as_str) == Some("error") {
            return Err(error_event(&v, &self.transport));
        }
        let blocks = v
            .get("content")
            .and_then(Value::as_array)
            .ok_or_else(|| AdapterError::malformed("response has no content array"))?;
        // A structured request's answer is its forced tool's input.
        let text: String = crate::structured::anthropic_answer(blocks).unwrap_or_else(|| {
            blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect()
        });
        let (prompt, cached, completion) = v.get("usage").map(usage_parts).unwrap_or_default();
        Ok(Completion {
            text,
            usage: Usage {
                prompt_tokens: prompt,
                completion_tokens: completion,
                cached_tokens: cached,
            },
            finish_reason: v.get("stop_reason").and_then(Value::as_str).map(anthropic_finish),
            model: v.get("model").and_then(Value::as_str).unwrap_or(&self.model).to_string(),
            latency: started.elapsed(),
        })
    }

    /// The JSON body this adapter sends for `request`.
    pub fn request_body(&self, request: &CompletionRequest, stream: bool) -> Value {
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        // The API wants alternating turns starting with the user: merge runs of
        // the same role, and open with an empty-ish user turn if needed.
        let mut turns: Vec<(Role, String)> = Vec::new();
        for m in request.messages.iter().filter(|m| m.role != Role::System) {
            match turns.last_mut() {
                Some((r, text)) if *r == m.role => {
                    text.push_str("\n\n");
                    text.push_str(&m.content);
                }
                _ => turns.push((m.role, m.content.clone())),
            }
        }
        if turns.first().is_some_and(|(r, _)| *r == Role::Assistant) || turns.is_empty() {
            turns.insert(0, (Role::User, "(continue)".into()));
        }
        let messages: Vec<Value> = turns
            .into_iter()
            .map(|(r, text)| json!({"role": if r == Role::Assistant {"assistant"} else {"user"}, "content": text}))
            .collect();
        let mut body = Map::new();
        body.insert("model".into(), json!(self.model));
        body.insert(
            "max_tokens".into(),
            json!(request.params.max_tokens.unwrap_or(self.default_max_tokens)),
        );
        if !system.is_empty() {
            body.insert("system".into(), json!(system.join("\n\n")));
        }
        body.insert("messages".into(), Value::Array(messages));
        let p = &request.params;
        // Recent Claude models reject temperature and top_p together; temperature wins.
        if let Some(t) = p.temperature {
            body.insert("temperature".into(), json!(t));
        } else if let Some(t) = p.top_p {
            body.insert("top_p".into(), json!(t));
        }
        if !p.stop.is_empty() {
            body.insert("stop_sequences".into(), json!(p.stop));
        }
        if let Some(schema) = crate::structured::json_schema(request) {
            let (tools, choice) = crate::structured::anthropic_tool(schema);
            body.insert("tools".into(), tools);
            body.insert("tool_choice".into(), choice);
        }
        if stream {
            body.insert("stream".into(), json!(true));
        }
        Value::Object(body)
    }
}

fn anthropic_finish(s: &str) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_string()),
    }
}

/// Anthropic's `input_tokens` excludes cache reads and writes; our
/// `prompt_tokens` is every prompt token, `cached_tokens` the cache reads.
fn usage_parts(u: &Value) -> (u64, u64, u64) {
    let g = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    (
        g("input_tokens") + g("cache_read_input_tokens") + g("cache_creation_input_tokens"),
        g("cache_read_input_tokens"),
        g("output_tokens"),
    )
}

/// An `{"type":"error","error":{...}}` body or event → a typed error.
fn error_event(v: &Value, transport: &HttpTransport) -> AdapterError {
    let kind = v.pointer("/error/type").and_then(Value::as_str).unwrap_or("");
    let status = match kind {
        "overloaded_error" => 529,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "authentication_error" => 401,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        _ => 400,
    };
    let body = serde_json::to_vec(v).unwrap_or_default();
    classify_failure(status, &reqwest::header::HeaderMap::new(), &body, |s| transport.scrub(s))
        .error
}

impl ModelAdapter for AnthropicAdapter {
    fn model_id(&self) -> ModelId {
        ModelId::new("anthropic", self.model.as_str())
    }

    fn context_window(&self) -> Option<u64> {
        self.context_window
    }

    fn supports_streaming(&self) -> bool {
        true
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        self.call_gated(request, None)
    }

    fn call_gated<'a>(
        &'a self,
        request: &'a CompletionRequest,
        gate: Option<&'a dyn RetryGate>,
    ) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            let started = Instant::now();
            let req = HttpRequest {
                url: self.url.clone(),
                headers: headers_with_trace(&self.headers, request),
                body: self.request_body(request, false),
            };
            let r = self.transport.post_json(&req, gate).await;
            let result = r.result.and_then(|body| self.parse_body(&body, started));
            CallReport { result, retries: r.retries, attempts: r.attempts }
        })
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            if crate::structured::json_schema(request).is_some() {
                // The forced tool's input streams as partial JSON: a
                // structured request is asked whole and given as one chunk.
                let r = self.call(request).await;
                return StreamReport {
                    result: r.result.map(|c| single_shot(Ok(c))),
                    retries: r.retries,
                    attempts: r.attempts,
                };
            }
            let started = Instant::now();
            let req = HttpRequest {
                url: self.url.clone(),
                headers: headers_with_trace(&self.headers, request),
                body: self.request_body(request, true),
            };
            let r = self.transport.post_sse(&req, None).await;
            let transport = self.transport.clone();
            let state = AnthropicStream { model: self.model.clone(), ..AnthropicStream::default() };
            let result = r.result.map(|body| match body {
                StreamBody::Sse(sse) => {
                    fold_sse(sse, state, started, move |st, ev| st.on_event(&ev.data, &transport))
                }
                StreamBody::Json(body) => single_shot(self.parse_body(&body, started)),
            });
            StreamReport { result, retries: r.retries, attempts: r.attempts }
        })
    }
}

#[derive(Default)]
pub(crate) struct AnthropicStream {
    text: String,
    model: String,
    usage: Usage,
    finish: Option<FinishReason>,
    stopped: bool,
}

impl StreamState for AnthropicStream {
    fn finish(self, started: Instant) -> Result<Completion, AdapterError> {
        if !self.stopped {
            return Err(AdapterError::Connection {
                attempts: 1,
                message: "stream ended before message_stop".into(),
            });
        }
        Ok(Completion {
            text: self.text,
            usage: self.usage,
            finish_reason: self.finish,
            model: self.model,
            latency: started.elapsed(),
        })
    }
    fn done(&self) -> bool {
        self.stopped
    }
}

impl AnthropicStream {
    pub(crate) fn on_event(
        &mut self,
        data: &str,
        transport: &HttpTransport,
    ) -> Result<Vec<StreamEvent>, AdapterError> {
        let v = parse_json(data.as_bytes(), |s| transport.scrub(s))?;
        match v.get("type").and_then(Value::as_str).unwrap_or("") {
            "message_start" => {
                if let Some(m) = v.pointer("/message/model").and_then(Value::as_str) {
                    self.model = m.to_string();
                }
                if let Some(u) = v.pointer("/message/usage") {
                    let (p, c, o) = usage_parts(u);
                    self.usage = Usage { prompt_tokens: p, completion_tokens: o, cached_tokens: c };
                }
            }
            "content_block_delta"
                if v.pointer("/delta/type").and_then(Value::as_str) == Some("text_delta") =>
            {
                if let Some(t) = v.pointer("/delta/text").and_then(Value::as_str) {
                    self.text.push_str(t);
                    return Ok(vec![StreamEvent::Delta { text: t.to_string() }]);
                }
            }
            "message_delta" => {
                if let Some(s) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.finish = Some(anthropic_finish(s));
                }
                if let Some(o) = v.pointer("/usage/output_tokens").and_then(Value::as_u64) {
                    self.usage.completion_tokens = o;
                }
            }
            "message_stop" => self.stopped = true,
            "error" => return Err(error_event(&v, transport)),
            _ => {} // ping, content_block_start/stop, thinking deltas
        }
        Ok(Vec::new())
    }
}
