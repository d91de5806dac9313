//! OpenAI chat completions, and every server that speaks it (Ollama, vLLM,
//! LM Studio, llama.cpp's server, OpenRouter; Azure OpenAI via [`crate::azure`]):
//! request body, response and SSE parsing, usage with cached tokens.

use std::time::Instant;

use futures::future::BoxFuture;
use rlm_types::{
    Completion, CompletionRequest, FinishReason, ModelId, OutputConstraint, Role, Usage,
};
use serde_json::{Map, Value, json};

use crate::adapter::{CallReport, ModelAdapter, StreamEvent, StreamReport};
use crate::error::AdapterError;
use crate::http::{
    HttpOptions, HttpRequest, HttpTransport, StreamBody, classify_failure, header,
    headers_with_trace, parse_json,
};
use crate::retry::RetryGate;
use crate::secret::Secret;
use crate::stream_util::single_shot;

/// Which field carries the output-token limit. OpenAI's reasoning models
/// (o1/o3/o4, gpt-5) reject `max_tokens` and want `max_completion_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLimitField {
    MaxTokens,
    MaxCompletionTokens,
}

/// Configuration of an OpenAI-compatible adapter.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The provider name in the model id (`openai`, `ollama`, `openrouter`, ...).
    pub provider: String,
    /// The model name sent to the server.
    pub model: String,
    /// Up to and including the version segment, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub organization: Option<String>,
    pub project: Option<String>,
    /// Extra headers (e.g. OpenRouter's `HTTP-Referer`, `X-Title`).
    pub extra_headers: Vec<(String, String)>,
    /// `None`: chosen from the model name for `openai`/`azure`, `max_tokens` otherwise.
    pub token_limit_field: Option<TokenLimitField>,
    /// `None`: sampling parameters and `stop` are dropped for OpenAI reasoning models only.
    pub reasoning_model: Option<bool>,
    /// `reasoning_effort` for reasoning models (`minimal`, `low`, `medium`, `high`).
    pub reasoning_effort: Option<String>,
    /// Ask for usage in streams (`stream_options.include_usage`).
    pub stream_usage: bool,
    pub context_window: Option<u64>,
    /// Whether the server takes llama.cpp's `grammar` field. `None`: yes
    /// for `llamacpp`, no otherwise; without it a grammar constraint is ignored.
    pub constrained_decoding: Option<bool>,
    /// Whether the server takes `response_format` with a JSON schema
    /// (structured outputs: OpenAI, Azure, OpenRouter, vLLM, Ollama, LM
    /// Studio, llama.cpp all do). `None`: yes; `false` for a server that
    /// refuses the field, whose schema'd requests then go without it.
    pub structured_outputs: Option<bool>,
    pub http: HttpOptions,
}

impl OpenAiConfig {
    pub fn new(
        provider: impl Into<String>,
        model: impl Into<String>,
        base_url: impl Into<String>,
    ) -> Self {
        OpenAiConfig {
            provider: provider.into(),
            model: model.into(),
            base_url: base_url.into(),
            api_key: None,
            organization: None,
            project: None,
            extra_headers: Vec::new(),
            token_limit_field: None,
            reasoning_model: None,
            reasoning_effort: None,
            stream_usage: true,
            context_window: None,
            constrained_decoding: None,
            structured_outputs: None,
            http: HttpOptions::default(),
        }
    }
}

/// Whether OpenAI treats this model as a reasoning model.
pub fn is_openai_reasoning_model(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
    (m.starts_with("o1") || m.starts_with("o3") || m.starts_with("o4") || m.starts_with("gpt-5"))
        && !m.contains("chat")
}

/// An OpenAI-compatible chat-completions adapter.
#[derive(Debug, Clone)]
pub struct OpenAiAdapter {
    id: ModelId,
    model: String,
    chat_url: String,
    send_model: bool,
    token_field: TokenLimitField,
    reasoning: bool,
    reasoning_effort: Option<String>,
    stream_usage: bool,
    context_window: Option<u64>,
    constrained_decoding: bool,
    structured_outputs: bool,
    /// OpenAI's strict mode for schemas that meet its rules (official API only).
    strict_schemas: bool,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    transport: HttpTransport,
}

impl OpenAiAdapter {
    pub fn new(config: OpenAiConfig) -> Result<Self, AdapterError> {
        let base = config.base_url.trim_end_matches('/');
        check_url(base)?;
        let mut headers = Vec::new();
        if let Some(key) = &config.api_key {
            headers.push(header("authorization", &format!("Bearer {}", key.expose()), true)?);
        }
        let chat_url = format!("{base}/chat/completions");
        Self::build(config, chat_url, true, headers)
    }

    /// Shared by Azure: a different URL and auth header, the same body and parsing.
    pub(crate) fn build(
        config: OpenAiConfig,
        chat_url: String,
        send_model: bool,
        mut headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    ) -> Result<Self, AdapterError> {
        if config.model.trim().is_empty() {
            return Err(AdapterError::Config("empty model name".into()));
        }
        if let Some(org) = &config.organization {
            headers.push(header("openai-organization", org, false)?);
        }
        if let Some(p) = &config.project {
            headers.push(header("openai-project", p, false)?);
        }
        for (k, v) in &config.extra_headers {
            headers.push(header(k, v, false)?);
        }
        let official = matches!(config.provider.as_str(), "openai" | "azure");
        let reasoning =
            config.reasoning_model.unwrap_or(official && is_openai_reasoning_model(&config.model));
        let token_field = config.token_limit_field.unwrap_or(if official && reasoning {
            TokenLimitField::MaxCompletionTokens
        } else {
            TokenLimitField::MaxTokens
        });
        let context_window =
            config.context_window.or_else(|| crate::pricing::known_context_window(&config.model));
        let constrained_decoding =
            config.constrained_decoding.unwrap_or(config.provider == "llamacpp");
        let transport = HttpTransport::new(config.http, config.api_key.into_iter().collect())?;
        Ok(OpenAiAdapter {
            constrained_decoding,
            structured_outputs: config.structured_outputs.unwrap_or(true),
            strict_schemas: official,
            id: ModelId::new(config.provider.as_str(), config.model.as_str()),
            model: config.model,
            chat_url,
            send_model,
            token_field,
            reasoning,
            reasoning_effort: config.reasoning_effort,
            stream_usage: config.stream_usage,
            context_window,
            headers,
            transport,
        })
    }

    /// The JSON body this adapter sends for `request` (public for inspection and tests).
    pub fn request_body(&self, request: &CompletionRequest, stream: bool) -> Value {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| json!({"role": role_name(m.role), "content": m.content}))
            .collect();
        let mut body = Map::new();
        if self.send_model {
            body.insert("model".into(), json!(self.model));
        }
        body.insert("messages".into(), Value::Array(messages));
        let p = &request.params;
        if let Some(n) = p.max_tokens {
            let field = match self.token_field {
                TokenLimitField::MaxTokens => "max_tokens",
                TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
            };
            body.insert(field.into(), json!(n));
        }
        if !self.reasoning {
            if let Some(t) = p.temperature {
                body.insert("temperature".into(), json!(t));
            }
            if let Some(t) = p.top_p {
                body.insert("top_p".into(), json!(t));
            }
        }
        if let Some(e) = &self.reasoning_effort {
            body.insert("reasoning_effort".into(), json!(e));
        }
        // OpenAI's reasoning models reject `stop` as they reject sampling parameters.
        if !p.stop.is_empty() && !self.reasoning {
            body.insert("stop".into(), json!(p.stop));
        }
        if let Some(s) = p.seed {
            body.insert("seed".into(), json!(s));
        }
        match &p.constraint {
            Some(OutputConstraint::Grammar(g)) if self.constrained_decoding => {
                body.insert("grammar".into(), json!(g));
            }
            Some(OutputConstraint::JsonSchema(_)) if self.structured_outputs => {
                // Schema text that is not JSON is sent as a bare JSON object request.
                let format = match crate::structured::json_schema(request) {
                    Some(schema) => {
                        crate::structured::openai_response_format(schema, self.strict_schemas)
                    }
                    None => json!({"type": "json_object"}),
                };
                body.insert("response_format".into(), format);
            }
            _ => {}
        }
        if stream {
            body.insert("stream".into(), json!(true));
            if self.stream_usage {
                body.insert("stream_options".into(), json!({"include_usage": true}));
            }
        }
        Value::Object(body)
    }

    fn http_request(&self, request: &CompletionRequest, stream: bool) -> HttpRequest {
        HttpRequest {
            url: self.chat_url.clone(),
            headers: headers_with_trace(&self.headers, request),
            body: self.request_body(request, stream),
        }
    }
}

pub(crate) fn check_url(url: &str) -> Result<(), AdapterError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(AdapterError::Config(format!(
            "invalid base URL {url:?} (want http:// or https://)"
        ))),
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

pub(crate) fn openai_finish(s: &str) -> FinishReason {
    match s {
        "stop" | "eos" | "end_turn" => FinishReason::Stop,
        "length" | "max_tokens" => FinishReason::Length,
        "content_filter" => FinishReason::ContentFilter,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        other => FinishReason::Other(other.to_string()),
    }
}

fn u64_at(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

fn openai_usage(u: &Value) -> Usage {
    Usage {
        prompt_tokens: u64_at(u, "/prompt_tokens"),
        completion_tokens: u64_at(u, "/completion_tokens"),
        cached_tokens: u64_at(u, "/prompt_tokens_details/cached_tokens"),
    }
}

/// Text of a message `content`: a string, or an array of `{type:"text", text}` parts.
fn content_text(c: &Value) -> Option<String> {
    match c {
        Value::String(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
        ),
        _ => None,
    }
}

/// A body that is 2xx but carries an error (OpenRouter does this) becomes that error.
fn embedded_error(v: &Value, scrub: &dyn Fn(&str) -> String) -> Option<AdapterError> {
    let err = v.get("error")?;
    if err.is_null() {
        return None;
    }
    let status = err
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| *c >= 400);
    let body = serde_json::to_vec(v).unwrap_or_default();
    let failure =
        classify_failure(status.unwrap_or(502), &reqwest::header::HeaderMap::new(), &body, scrub);
    Some(failure.error)
}

/// Parses a chat-completions response body.
pub(crate) fn parse_openai_response(
    body: &[u8],
    fallback_model: &str,
    started: Instant,
    scrub: &dyn Fn(&str) -> String,
) -> Result<Completion, AdapterError> {
    let v = parse_json(body, scrub)?;
    if v.get("choices").is_none() {
        if let Some(e) = embedded_error(&v, scrub) {
            return Err(e);
        }
    }
    let choice = v
        .pointer("/choices/0")
        .ok_or_else(|| AdapterError::malformed("response has no choices[0]"))?;
    let content = choice.pointer("/message/content").unwrap_or(&Value::Null);
    let text = content_text(content).ok_or_else(|| {
        AdapterError::malformed("choices[0].message.content is neither text nor parts")
    })?;
    let finish_reason = choice.get("finish_reason").and_then(Value::as_str).map(openai_finish);
    Ok(Completion {
        text,
        usage: v.get("usage").map(openai_usage).unwrap_or_default(),
        finish_reason,
        model: v.get("model").and_then(Value::as_str).unwrap_or(fallback_model).to_string(),
        latency: started.elapsed(),
    })
}

impl ModelAdapter for OpenAiAdapter {
    fn model_id(&self) -> ModelId {
        self.id.clone()
    }

    fn context_window(&self) -> Option<u64> {
        self.context_window
    }

    fn supports_streaming(&self) -> bool {
        true
    }

    fn decodes_grammar(&self) -> bool {
        self.constrained_decoding
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
            let req = self.http_request(request, false);
            let r = self.transport.post_json(&req, gate).await;
            let scrub = |s: &str| self.transport.scrub(s);
            let result = r
                .result
                .and_then(|body| parse_openai_response(&body, &self.model, started, &scrub));
            CallReport { result, retries: r.retries, attempts: r.attempts }
        })
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let started = Instant::now();
            let req = self.http_request(request, true);
            let r = self.transport.post_sse(&req, None).await;
            let transport = self.transport.clone();
            let model = self.model.clone();
            let result = r.result.map(|body| match body {
                StreamBody::Sse(sse) => {
                    let state = OpenAiStream { model, ..OpenAiStream::default() };
                    crate::stream_util::fold_sse(sse, state, started, move |st, ev| {
                        st.on_event(&ev.data, &transport)
                    })
                }
                StreamBody::Json(body) => {
                    let scrub = |s: &str| transport.scrub(s);
                    single_shot(parse_openai_response(&body, &model, started, &scrub))
                }
            });
            StreamReport { result, retries: r.retries, attempts: r.attempts }
        })
    }
}

/// Accumulated state of an OpenAI SSE stream.
#[derive(Default)]
pub(crate) struct OpenAiStream {
    text: String,
    usage: Usage,
    finish: Option<FinishReason>,
    model: String,
    saw_done: bool,
}

impl crate::stream_util::StreamState for OpenAiStream {
    fn finish(self, started: Instant) -> Result<Completion, AdapterError> {
        if !self.saw_done && self.finish.is_none() {
            return Err(AdapterError::Connection {
                attempts: 1,
                message: "stream ended before a finish reason or [DONE]".into(),
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
        self.saw_done
    }
}

impl OpenAiStream {
    pub(crate) fn on_event(
        &mut self,
        data: &str,
        transport: &HttpTransport,
    ) -> Result<Vec<StreamEvent>, AdapterError> {
        let data = data.trim();
        if data == "[DONE]" {
            self.saw_done = true;
            return Ok(Vec::new());
        }
        let scrub = |s: &str| transport.scrub(s);
        let v = parse_json(data.as_bytes(), scrub)?;
        if v.get("choices").is_none() {
            if let Some(e) = embedded_error(&v, &scrub) {
                return Err(e);
            }
        }
        if let Some(m) = v.get("model").and_then(Value::as_str) {
            if !m.is_empty() {
                self.model = m.to_string();
            }
        }
        if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
            self.usage = openai_usage(u);
        }
        let mut out = Vec::new();
        if let Some(choice) = v.pointer("/choices/0") {
            if let Some(t) = choice.pointer("/delta/content").and_then(content_text) {
                if !t.is_empty() {
                    self.text.push_str(&t);
                    out.push(StreamEvent::Delta { text: t });
                }
            }
            if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish = Some(openai_finish(f));
            }
        }
        Ok(out)
    }
}
