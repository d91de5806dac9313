//! A generic JSON adapter for custom model APIs: a request template with
//! placeholders, response fields picked by JSON pointers, loadable from a
//! JSON or TOML file.
//!
//! Placeholders in the template: a string that is exactly `"{{messages}}"`,
//! `"{{max_tokens}}"`, `"{{temperature}}"`, `"{{top_p}}"`, `"{{stop}}"` or
//! `"{{seed}}"` becomes that JSON value (and its key is dropped when the
//! request has no such parameter); `{{prompt}}` (the last user message),
//! `{{system}}` (the system messages) and `{{model}}` are replaced inside
//! any string. Header values may contain `{api_key}`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use futures::future::BoxFuture;
use rlm_types::{Completion, CompletionRequest, ModelId, Role, Usage};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::adapter::{CallReport, ModelAdapter};
use crate::error::AdapterError;
use crate::http::{
    HttpOptions, HttpRequest, HttpTransport, header, headers_with_trace, parse_json,
};
use crate::openai::{check_url, openai_finish};
use crate::retry::RetryGate;
use crate::secret::Secret;

/// JSON pointers into the response body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsePointers {
    /// The completion text (required).
    pub text: String,
    #[serde(default)]
    pub prompt_tokens: Option<String>,
    #[serde(default)]
    pub completion_tokens: Option<String>,
    #[serde(default)]
    pub cached_tokens: Option<String>,
    /// Values `stop`/`length`/... as OpenAI names them; others are kept as `Other`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

/// A generic adapter's configuration (the file format).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericConfig {
    /// The model name in the model id (`generic:{model}`) and `{{model}}`.
    pub model: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Environment variable holding the key substituted for `{api_key}` (read by the factory).
    #[serde(default)]
    pub api_key_env: Option<String>,
    pub request: Value,
    pub response: ResponsePointers,
    #[serde(default)]
    pub context_window: Option<u64>,
}

impl GenericConfig {
    /// Reads a `.json` or `.toml` config file.
    pub fn from_file(path: &Path) -> Result<Self, AdapterError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AdapterError::Config(format!(
                "cannot read generic adapter config {}: {e}",
                path.display()
            ))
        })?;
        let bad = |e: String| {
            AdapterError::Config(format!("bad generic adapter config {}: {e}", path.display()))
        };
        if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| bad(e.to_string()))
        } else {
            serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
        }
    }
}

/// An adapter for an API described by a [`GenericConfig`].
#[derive(Debug, Clone)]
pub struct GenericAdapter {
    config: GenericConfig,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    transport: HttpTransport,
}

impl GenericAdapter {
    pub fn new(
        config: GenericConfig,
        api_key: Option<Secret>,
        http: HttpOptions,
    ) -> Result<Self, AdapterError> {
        check_url(&config.url)?;
        let mut headers = Vec::new();
        for (k, v) in &config.headers {
            let uses_key = v.contains("{api_key}");
            let value = if uses_key {
                let key = api_key.as_ref().ok_or_else(|| {
                    AdapterError::Config(format!(
                        "header {k} uses {{api_key}} but no key is set{}",
                        config.api_key_env.as_ref().map(|e| format!(" (${e})")).unwrap_or_default()
                    ))
                })?;
                v.replace("{api_key}", key.expose())
            } else {
                v.clone()
            };
            headers.push(header(k, &value, uses_key)?);
        }
        for p in [
            Some(&config.response.text),
            config.response.prompt_tokens.as_ref(),
            config.response.model.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !(p.is_empty() || p.starts_with('/')) {
                return Err(AdapterError::Config(format!(
                    "JSON pointer {p:?} must be empty or start with '/'"
                )));
            }
        }
        Ok(GenericAdapter {
            headers,
            transport: HttpTransport::new(http, api_key.into_iter().collect())?,
            config,
        })
    }

    /// The JSON body this adapter sends for `request`.
    pub fn request_body(&self, request: &CompletionRequest) -> Value {
        let vars = Vars::new(&self.config.model, request);
        fill(&self.config.request, &vars).unwrap_or(Value::Null)
    }
}

struct Vars {
    whole: BTreeMap<&'static str, Option<Value>>,
    inline: [(&'static str, String); 3],
}

impl Vars {
    fn new(model: &str, r: &CompletionRequest) -> Self {
        let p = &r.params;
        let messages: Vec<Value> = r
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                json!({"role": role, "content": m.content})
            })
            .collect();
        let whole = BTreeMap::from([
            ("{{messages}}", Some(Value::Array(messages))),
            ("{{max_tokens}}", p.max_tokens.map(|v| json!(v))),
            ("{{temperature}}", p.temperature.map(|v| json!(v))),
            ("{{top_p}}", p.top_p.map(|v| json!(v))),
            ("{{stop}}", (!p.stop.is_empty()).then(|| json!(p.stop))),
            ("{{seed}}", p.seed.map(|v| json!(v))),
        ]);
        let prompt = r
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.clone())
            .unwrap_or_default();
        let system = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        Vars {
            whole,
            inline: [
                ("{{prompt}}", prompt),
                ("{{system}}", system),
                ("{{model}}", model.to_string()),
            ],
        }
    }
}

/// The template with placeholders filled; `None` means "drop this value".
fn fill(t: &Value, vars: &Vars) -> Option<Value> {
    match t {
        Value::String(s) => {
            if let Some(v) = vars.whole.get(s.as_str()) {
                return v.clone();
            }
            let mut out = s.clone();
            for (k, v) in &vars.inline {
                if out.contains(k) {
                    out = out.replace(k, v);
                }
            }
            Some(Value::String(out))
        }
        Value::Array(items) => {
            Some(Value::Array(items.iter().filter_map(|i| fill(i, vars)).collect()))
        }
        Value::Object(map) => {
            let mut m = Map::new();
            for (k, v) in map {
                if let Some(v) = fill(v, vars) {
                    m.insert(k.clone(), v);
                }
            }
            Some(Value::Object(m))
        }
        other => Some(other.clone()),
    }
}

fn u64_at(v: &Value, p: &Option<String>) -> u64 {
    p.as_ref().and_then(|p| v.pointer(p)).and_then(Value::as_u64).unwrap_or(0)
}

impl ModelAdapter for GenericAdapter {
    fn model_id(&self) -> ModelId {
        ModelId::new("generic", self.config.model.as_str())
    }

    fn context_window(&self) -> Option<u64> {
        self.config.context_window
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
                url: self.config.url.clone(),
                headers: headers_with_trace(&self.headers, request),
                body: self.request_body(request),
            };
            let r = self.transport.post_json(&req, gate).await;
            let ptr = &self.config.response;
            let result = r.result.and_then(|body| {
                let v = parse_json(&body, |s| self.transport.scrub(s))?;
                let text = match v.pointer(&ptr.text) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => {
                        return Err(AdapterError::malformed(format!(
                            "{} is not a string but {other}",
                            ptr.text
                        )));
                    }
                    None => {
                        return Err(AdapterError::malformed(format!(
                            "response has nothing at {}",
                            ptr.text
                        )));
                    }
                };
                Ok(Completion {
                    text,
                    usage: Usage {
                        prompt_tokens: u64_at(&v, &ptr.prompt_tokens),
                        completion_tokens: u64_at(&v, &ptr.completion_tokens),
                        cached_tokens: u64_at(&v, &ptr.cached_tokens),
                    },
                    finish_reason: ptr
                        .finish_reason
                        .as_ref()
                        .and_then(|p| v.pointer(p))
                        .and_then(Value::as_str)
                        .map(openai_finish),
                    model: ptr
                        .model
                        .as_ref()
                        .and_then(|p| v.pointer(p))
                        .and_then(Value::as_str)
                        .unwrap_or(&self.config.model)
                        .to_string(),
                    latency: started.elapsed(),
                })
            });
            CallReport { result, retries: r.retries, attempts: r.attempts }
        })
    }
}
