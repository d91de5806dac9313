//! Google Gemini `generateContent` (API key, `x-goog-api-key` header so the key
//! never sits in a URL) and Vertex AI (a bearer token the user supplies):
//! `contents`/`parts`, `systemInstruction`, `generationConfig`, usage metadata,
//! and `streamGenerateContent?alt=sse`.

use std::time::Instant;

use futures::StreamExt;
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

pub const DEFAULT_GEMINI_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// Where the Gemini model lives and how to authenticate.
#[derive(Debug, Clone)]
pub enum GeminiEndpoint {
    /// The Gemini API: `{base_url}/models/{model}:generateContent`, key in `x-goog-api-key`.
    ApiKey { base_url: String, api_key: Secret },
    /// Vertex AI: `{base_url}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
    /// with `Authorization: Bearer {token}`. `base_url` defaults to
    /// `https://{location}-aiplatform.googleapis.com`.
    Vertex { base_url: Option<String>, project: String, location: String, access_token: Secret },
}

/// Configuration of a Gemini adapter.
#[derive(Debug, Clone)]
pub struct GeminiConfig {
    pub model: String,
    pub endpoint: GeminiEndpoint,
    pub context_window: Option<u64>,
    pub http: HttpOptions,
}

impl GeminiConfig {
    pub fn api_key(model: impl Into<String>, api_key: Secret) -> Self {
        GeminiConfig {
            model: model.into(),
            endpoint: GeminiEndpoint::ApiKey { base_url: DEFAULT_GEMINI_URL.into(), api_key },
            context_window: None,
            http: HttpOptions::default(),
        }
    }
}

/// A Gemini / Vertex AI adapter.
#[derive(Debug, Clone)]
pub struct GeminiAdapter {
    provider: &'static str,
    model: String,
    model_url: String,
    context_window: Option<u64>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    transport: HttpTransport,
}

impl GeminiAdapter {
    pub fn new(config: GeminiConfig) -> Result<Self, AdapterError> {
        if config.model.trim().is_empty() || config.model.contains(['?', '#']) {
            return Err(AdapterError::Config(format!(
                "invalid Gemini model name {:?}",
                config.model
            )));
        }
        let (provider, model_url, secret, auth) = match &config.endpoint {
            GeminiEndpoint::ApiKey { base_url, api_key } => {
                let base = base_url.trim_end_matches('/');
                check_url(base)?;
                (
                    "gemini",
                    format!("{base}/models/{}", config.model),
                    api_key.clone(),
                    header("x-goog-api-key", api_key.expose(), true)?,
                )
            }
            GeminiEndpoint::Vertex { base_url, project, location, access_token } => {
                let base = base_url
                    .clone()
                    .unwrap_or_else(|| format!("https://{location}-aiplatform.googleapis.com"));
                let base = base.trim_end_matches('/');
                check_url(base)?;
                (
                    "vertex",
                    format!(
                        "{base}/v1/projects/{project}/locations/{location}/publishers/google/models/{}",
                        config.model
                    ),
                    access_token.clone(),
                    header("authorization", &format!("Bearer {}", access_token.expose()), true)?,
                )
            }
        };
        if secret.is_empty() {
            return Err(AdapterError::Config(
                "Gemini needs GEMINI_API_KEY / GOOGLE_API_KEY (or a Vertex access token)".into(),
            ));
        }
        let context_window =
            config.context_window.or_else(|| crate::pricing::known_context_window(&config.model));
        Ok(GeminiAdapter {
            provider,
            model: config.model,
            model_url,
            context_window,
            headers: vec![auth],
            transport: HttpTransport::new(config.http, vec![secret])?,
        })
    }

    /// The JSON body this adapter sends for `request`.
    pub fn request_body(&self, request: &CompletionRequest) -> Value {
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let contents: Vec<Value> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| {
                let role = if m.role == Role::Assistant { "model" } else { "user" };
                json!({"role": role, "parts": [{"text": m.content}]})
            })
            .collect();
        let mut body = Map::new();
        body.insert("contents".into(), Value::Array(contents));
        if !system.is_empty() {
            body.insert(
                "systemInstruction".into(),
                json!({"parts": [{"text": system.join("\n\n")}]}),
            );
        }
        let p = &request.params;
        let mut gen_config = Map::new();
        if let Some(n) = p.max_tokens {
            gen_config.insert("maxOutputTokens".into(), json!(n));
        }
        if let Some(t) = p.temperature {
            gen_config.insert("temperature".into(), json!(t));
        }
        if let Some(t) = p.top_p {
            gen_config.insert("topP".into(), json!(t));
        }
        if !p.stop.is_empty() {
            gen_config.insert("stopSequences".into(), json!(p.stop));
        }
        if let Some(s) = p.seed {
            gen_config.insert("seed".into(), json!(s));
        }
        if let Some(schema) = crate::structured::json_schema(request) {
            crate::structured::gemini_generation(schema, &mut gen_config);
        }
        if !gen_config.is_empty() {
            body.insert("generationConfig".into(), Value::Object(gen_config));
        }
        Value::Object(body)
    }

    /// Parses a whole `generateContent` response body.
    fn parse_body(&self, body: &[u8], started: Instant) -> Result<Completion, AdapterError> {
        let v = parse_json(body, |s| self.scrub(s))?;
        let candidates = v.get("candidates").and_then(Value::as_array);
        let finish_reason = match candidates.and_then(|c| c.first()) {
            Some(c) => c.get("finishReason").and_then(Value::as_str).map(gemini_finish),
            // The whole prompt was blocked: no candidates, a block reason.
            None if v.pointer("/promptFeedback/blockReason").is_some() => {
                Some(FinishReason::ContentFilter)
            }
            None => {
                return Err(AdapterError::malformed(
                    "response has neither candidates nor promptFeedback",
                ));
            }
        };
        Ok(Completion {
            text: candidate_text(&v),
            usage: v.get("usageMetadata").map(gemini_usage).unwrap_or_default(),
            finish_reason,
            model: v.get("modelVersion").and_then(Value::as_str).unwrap_or(&self.model).to_string(),
            latency: started.elapsed(),
        })
    }

    fn scrub(&self, s: &str) -> String {
        self.transport.scrub(s)
    }
}

fn gemini_finish(s: &str) -> FinishReason {
    match s {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        "MALFORMED_FUNCTION_CALL" => FinishReason::ToolCalls,
        other => FinishReason::Other(other.to_lowercase()),
    }
}

/// Thinking tokens are billed as output, so they count as completion tokens.
fn gemini_usage(u: &Value) -> Usage {
    let g = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        prompt_tokens: g("promptTokenCount"),
        completion_tokens: g("candidatesTokenCount") + g("thoughtsTokenCount"),
        cached_tokens: g("cachedContentTokenCount"),
    }
}

/// The answer text of one response chunk (thought-summary parts excluded).
fn candidate_text(v: &Value) -> String {
    v.pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

impl ModelAdapter for GeminiAdapter {
    fn model_id(&self) -> ModelId {
        ModelId::new(self.provider, self.model.as_str())
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
                url: format!("{}:generateContent", self.model_url),
                headers: headers_with_trace(&self.headers, request),
                body: self.request_body(request),
            };
            let r = self.transport.post_json(&req, gate).await;
            let result = r.result.and_then(|body| self.parse_body(&body, started));
            CallReport { result, retries: r.retries, attempts: r.attempts }
        })
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let started = Instant::now();
            let req = HttpRequest {
                url: format!("{}:streamGenerateContent?alt=sse", self.model_url),
                headers: headers_with_trace(&self.headers, request),
                body: self.request_body(request),
            };
            let r = self.transport.post_sse(&req, None).await;
            let transport = self.transport.clone();
            let state = GeminiStream { model: self.model.clone(), ..GeminiStream::default() };
            let result = r.result.map(|body| match body {
                StreamBody::Sse(sse) => fold_sse(sse, state, started, move |st, ev| {
                    let v = parse_json(ev.data.as_bytes(), |s| transport.scrub(s))?;
                    st.on_chunk(&v, &transport)
                }),
                // Without `alt=sse` Gemini answers a JSON array of chunks.
                StreamBody::Json(body) => match parse_json(&body, |s| transport.scrub(s)) {
                    Ok(Value::Array(chunks)) => {
                        let mut st = state;
                        let mut events = Vec::new();
                        for chunk in &chunks {
                            match st.on_chunk(chunk, &transport) {
                                Ok(evs) => events.extend(evs.into_iter().map(Ok)),
                                Err(e) => return single_shot(Err(e)),
                            }
                        }
                        events.push(
                            st.finish(started).map(|completion| StreamEvent::Done { completion }),
                        );
                        futures::stream::iter(events).boxed()
                    }
                    Ok(_) => single_shot(self.parse_body(&body, started)),
                    Err(e) => single_shot(Err(e)),
                },
            });
            StreamReport { result, retries: r.retries, attempts: r.attempts }
        })
    }
}

#[derive(Default)]
pub(crate) struct GeminiStream {
    text: String,
    model: String,
    usage: Usage,
    finish: Option<FinishReason>,
    chunks: usize,
}

impl StreamState for GeminiStream {
    fn finish(self, started: Instant) -> Result<Completion, AdapterError> {
        // Gemini streams have no terminator event: the last chunk carries the finish reason.
        if self.finish.is_none() {
            return Err(AdapterError::Connection {
                attempts: 1,
                message: format!(
                    "stream ended after {} chunk(s) without a finish reason",
                    self.chunks
                ),
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
        false
    }
}

impl GeminiStream {
    pub(crate) fn on_chunk(
        &mut self,
        v: &Value,
        transport: &HttpTransport,
    ) -> Result<Vec<StreamEvent>, AdapterError> {
        self.chunks += 1;
        if let Some(e) = v.get("error") {
            let status = e
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(500);
            let body = serde_json::to_vec(v).unwrap_or_default();
            let headers = reqwest::header::HeaderMap::new();
            return Err(classify_failure(status, &headers, &body, |s| transport.scrub(s)).error);
        }
        if let Some(m) = v.get("modelVersion").and_then(Value::as_str) {
            self.model = m.to_string();
        }
        if let Some(u) = v.get("usageMetadata") {
            self.usage = gemini_usage(u);
        }
        if let Some(f) = v.pointer("/candidates/0/finishReason").and_then(Value::as_str) {
            self.finish = Some(gemini_finish(f));
        } else if v.pointer("/promptFeedback/blockReason").is_some() {
            self.finish = Some(FinishReason::ContentFilter);
        }
        let t = candidate_text(v);
        if t.is_empty() {
            return Ok(Vec::new());
        }
        self.text.push_str(&t);
        Ok(vec![StreamEvent::Delta { text: t }])
    }
}
