//! The adapters Python code builds: `FakeAdapter` (pyrlm-runtime's scripted
//! model: `script=[...]`, `add_rule`), `OpenAICompatAdapter`, `Adapter` (any
//! provider by model string) — and [`resolve`], which turns whatever was
//! passed as a model (one of these, a `"provider:model"` string, or any
//! object with `complete`) into a Rust adapter.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use rlm_adapters::{
    AzureAuth, AzureConfig, EnvVars, FakeAdapter as RustFake, FakeReply, FakeRule, FakeScript,
    GeminiAdapter, GeminiConfig, GeminiEndpoint, MatchTarget, ModelAdapter, OpenAiAdapter,
    OpenAiConfig, Secret, WhenExhausted, adapter_from_model_string, azure_adapter,
};

use rlm_types::{ChatMessage, CompletionRequest};

use crate::error::{BindError, BindResult};
use crate::py_adapter::{LoopSlot, PyModelAdapter, RaisedSlot};

/// A deterministic scripted model, as pyrlm-runtime's `FakeAdapter`: each
/// call is answered by the first rule whose pattern occurs in the messages
/// (all of them, joined with newlines), else by the next reply of `script`;
/// with neither, the call fails.
#[pyclass(module = "rlm_rs.adapters", name = "FakeAdapter")]
pub struct PyFakeAdapter {
    script: Mutex<FakeScript>,
    /// Built on first use; rules added later rebuild it (the script restarts).
    built: Mutex<Option<Arc<RustFake>>>,
}

#[pymethods]
impl PyFakeAdapter {
    #[new]
    #[pyo3(signature = (*, script=None, model=None))]
    fn new(script: Option<Vec<String>>, model: Option<String>) -> PyFakeAdapter {
        let script = FakeScript {
            model: Some(model.unwrap_or_else(|| rlm_adapters::SCRIPTED_MODEL.into())),
            replies: script.unwrap_or_default().into_iter().map(FakeReply::Text).collect(),
            rules: Vec::new(),
            when_exhausted: WhenExhausted::Error,
            context_window: None,
        };
        PyFakeAdapter { script: Mutex::new(script), built: Mutex::new(None) }
    }

    /// Answers calls whose messages contain `pattern` (a regex with
    /// `regex=True`) with `response`; `once=True` uses the rule once.
    #[pyo3(signature = (pattern, response, *, regex=false, once=false))]
    fn add_rule(&self, pattern: &str, response: String, regex: bool, once: bool) -> PyResult<()> {
        let pattern = if regex { pattern.to_string() } else { regex::escape(pattern) };
        if let Err(e) = regex::Regex::new(&pattern) {
            return Err(BindError::Config(format!("bad rule pattern: {e}")).into());
        }
        lock(&self.script).rules.push(FakeRule {
            pattern,
            target: MatchTarget::All,
            reply: FakeReply::Text(response),
            times: once.then_some(1),
        });
        *lock(&self.built) = None;
        Ok(())
    }

    /// How many calls the adapter has answered (or refused).
    #[getter]
    fn calls(&self) -> BindResult<u64> {
        Ok(self.adapter()?.calls())
    }
}

impl PyFakeAdapter {
    fn adapter(&self) -> BindResult<Arc<RustFake>> {
        let mut built = lock(&self.built);
        if let Some(a) = &*built {
            return Ok(Arc::clone(a));
        }
        let a = Arc::new(RustFake::scripted(lock(&self.script).clone())?);
        *built = Some(Arc::clone(&a));
        Ok(a)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Any provider by model string: `"openai:gpt-5-mini"`,
/// `"anthropic:claude-sonnet-4-5"`, `"ollama:llama3"`, `"fake:echo"`...
/// Keys and base URLs come from the environment as the `rlm` command reads them.
#[pyclass(module = "rlm_rs.adapters", frozen)]
pub struct Adapter {
    inner: Arc<dyn ModelAdapter>,
    /// The URL it calls (pyrlm's `endpoint` attribute), when built from one.
    endpoint: Option<String>,
}

#[pymethods]
impl Adapter {
    #[new]
    fn new(model: &str) -> BindResult<Adapter> {
        Ok(Adapter {
            inner: adapter_from_model_string(model, &EnvVars::from_process())?,
            endpoint: None,
        })
    }

    /// pyrlm's `close()`: nothing to release (connections are pooled by the
    /// runtime and closed with it).
    fn close(&self) {}

    /// The URL the adapter calls (pyrlm's `endpoint`), None for a model string.
    #[getter]
    fn endpoint(&self) -> Option<String> {
        self.endpoint.clone()
    }

    /// One call of the model, as pyrlm's `adapter.complete(messages,
    /// max_tokens=, temperature=)`: `messages` are dicts with `role`
    /// (`system`, `user`, `assistant`) and `content`; returns a
    /// `rlm_rs.adapters.ModelResponse`. Waits without the GIL; Ctrl-C raises
    /// `KeyboardInterrupt` once the call returns.
    #[pyo3(signature = (messages, *, max_tokens=None, temperature=None))]
    fn complete<'py>(
        &self,
        py: Python<'py>,
        messages: Vec<std::collections::HashMap<String, String>>,
        max_tokens: Option<u32>,
        temperature: Option<f32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut chat = Vec::with_capacity(messages.len());
        for m in &messages {
            let content = m.get("content").cloned().unwrap_or_default();
            chat.push(match m.get("role").map(String::as_str) {
                Some("system") => ChatMessage::system(content),
                Some("assistant") => ChatMessage::assistant(content),
                Some("user") | None => ChatMessage::user(content),
                Some(other) => {
                    return Err(BindError::Config(format!(
                        "a message's role must be system, user or assistant, not {other:?}"
                    ))
                    .into());
                }
            });
        }
        let mut request = CompletionRequest::user("");
        request.messages = chat;
        request.params.max_tokens = max_tokens;
        request.params.temperature = temperature;
        let inner = Arc::clone(&self.inner);
        let done = crate::runtime::wait_interruptibly(
            py,
            async move { inner.complete(&request).await },
            || {},
        )?;
        let completion = done.map_err(BindError::from)?;
        let base = py.import("rlm_rs.adapters.base")?;
        let (p, c) = (completion.usage.prompt_tokens, completion.usage.completion_tokens);
        let usage = base.getattr("Usage")?.call1((p, c, p.saturating_add(c)))?;
        base.getattr("ModelResponse")?.call1((completion.text, usage, completion.model))
    }

    /// `provider:model`.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id().to_string()
    }
}

/// An OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, LM
/// Studio, llama.cpp, OpenRouter). Like pyrlm-runtime's: `base_url` defaults to
/// `LLM_BASE_URL` / `OPENAI_BASE_URL` or OpenAI's; `api_key` to `LLM_API_KEY` /
/// `OPENAI_API_KEY`.
#[pyfunction]
#[pyo3(signature = (model, *, base_url=None, api_key=None))]
pub fn openai_compat_adapter(
    model: &str,
    base_url: Option<String>,
    api_key: Option<String>,
) -> BindResult<Adapter> {
    let env = EnvVars::from_process();
    let base_url = base_url
        .or_else(|| env.first(&["LLM_BASE_URL", "OPENAI_BASE_URL"]).map(str::to_string))
        .unwrap_or_else(|| "https://api.openai.com/v1".to_string());
    let endpoint = base_url.clone();
    let mut config = OpenAiConfig::new("openai", model, base_url);
    config.api_key = api_key
        .or_else(|| env.first(&["LLM_API_KEY", "OPENAI_API_KEY"]).map(str::to_string))
        .map(Secret::new);
    Ok(Adapter { inner: Arc::new(OpenAiAdapter::new(config)?), endpoint: Some(endpoint) })
}

/// pyrlm-runtime's `AzureOpenAIAdapter`: the deployment `model` at the
/// endpoint `OPENAI_ENDPOINT` (or `AZURE_OPENAI_ENDPOINT`, or
/// `https://{AZURE_ACCOUNT_NAME}.openai.azure.com`), keyed by
/// `AZURE_OPENAI_API_KEY`, API version `api_version` or
/// `AZURE_OPENAI_API_VERSION` (default 2024-10-21); `timeout` in seconds.
#[pyfunction]
#[pyo3(signature = (model, *, api_version=None, timeout=180.0))]
pub fn azure_openai_adapter(
    model: &str,
    api_version: Option<String>,
    timeout: f64,
) -> BindResult<Adapter> {
    let env = EnvVars::from_process();
    let squeeze = |v: &str| v.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let key = env.first(&["AZURE_OPENAI_API_KEY"]).map(squeeze).unwrap_or_default();
    if key.is_empty() {
        return Err(BindError::Config("Missing AZURE_OPENAI_API_KEY".into()));
    }
    let endpoint = match env.first(&["OPENAI_ENDPOINT", "AZURE_OPENAI_ENDPOINT"]).map(squeeze) {
        Some(e) if !e.is_empty() => e,
        _ => match env.first(&["AZURE_ACCOUNT_NAME"]).map(squeeze) {
            Some(a) if !a.is_empty() => AzureConfig::endpoint_for_resource(&a),
            _ => return Err(BindError::Config("Set OPENAI_ENDPOINT or AZURE_ACCOUNT_NAME".into())),
        },
    };
    let mut config =
        AzureConfig::new(squeeze(model), endpoint.clone(), AzureAuth::ApiKey(Secret::new(key)));
    if let Some(v) =
        api_version.or_else(|| env.first(&["AZURE_OPENAI_API_VERSION"]).map(str::to_string))
    {
        config.api_version = v;
    }
    config.http.timeout = seconds(timeout)?;
    Ok(Adapter { inner: Arc::new(azure_adapter(config)?), endpoint: Some(endpoint) })
}

/// pyrlm-runtime's `GenericChatAdapter` for a server speaking OpenAI's chat
/// completions at `endpoint` (or `base_url` + `path`, which must end in
/// `/chat/completions`), with `api_key` as a bearer token, extra `headers`,
/// `timeout` seconds and `max_retries` retries (exponential from
/// `retry_base_delay` to `retry_max_delay` seconds).
#[pyfunction]
#[pyo3(signature = (*, endpoint=None, base_url=None, path="/chat/completions", model=None, api_key=None, headers=None, timeout=60.0, max_retries=3, retry_base_delay=1.0, retry_max_delay=30.0))]
#[allow(clippy::too_many_arguments)] // pyrlm's keyword arguments, one each
pub fn generic_chat_adapter(
    endpoint: Option<String>,
    base_url: Option<String>,
    path: &str,
    model: Option<String>,
    api_key: Option<String>,
    headers: Option<Vec<(String, String)>>,
    timeout: f64,
    max_retries: u32,
    retry_base_delay: f64,
    retry_max_delay: f64,
) -> BindResult<Adapter> {
    let endpoint = match (endpoint, base_url) {
        (Some(e), _) => e,
        (None, Some(b)) if !b.is_empty() => {
            format!("{}/{}", b.trim_end_matches('/'), path.trim_start_matches('/'))
        }
        _ => return Err(BindError::Config("endpoint or base_url is required".into())),
    };
    let Some(base) = endpoint.clone().strip_suffix("/chat/completions").map(str::to_string) else {
        return Err(BindError::Config(format!(
            "GenericChatAdapter: {endpoint:?} does not end in /chat/completions; rlm_rs speaks \
             OpenAI's chat completions only (for another protocol pass an object with complete())"
        )));
    };
    let model = model.unwrap_or_default();
    let mut config = OpenAiConfig::new("generic", model, base);
    config.api_key = api_key.filter(|k| !k.is_empty()).map(Secret::new);
    config.extra_headers = headers.unwrap_or_default();
    config.http.timeout = seconds(timeout)?;
    config.http.retry.max_retries = max_retries;
    config.http.retry.base_delay = seconds(retry_base_delay)?;
    config.http.retry.max_delay = seconds(retry_max_delay)?;
    Ok(Adapter { inner: Arc::new(OpenAiAdapter::new(config)?), endpoint: Some(endpoint) })
}

/// pyrlm-runtime's `VertexAIAdapter`: Gemini `model` on Vertex AI in
/// `project_id` at `location`, over REST with a bearer token from
/// `VERTEX_ACCESS_TOKEN` or `GOOGLE_OAUTH_ACCESS_TOKEN` (e.g. `gcloud auth
/// print-access-token`; the Vertex SDK's application-default credentials are
/// not read). `VERTEX_BASE_URL` replaces `https://{location}-aiplatform.googleapis.com`.
#[pyfunction]
#[pyo3(signature = (project_id, *, location="us-central1", model="gemini-2.5-pro", timeout=600.0, max_retries=3))]
pub fn vertex_ai_adapter(
    project_id: &str,
    location: &str,
    model: &str,
    timeout: f64,
    max_retries: u32,
) -> BindResult<Adapter> {
    let env = EnvVars::from_process();
    let Some(token) = env.first(&["VERTEX_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"]) else {
        return Err(BindError::Config(
            "VertexAIAdapter needs an access token in VERTEX_ACCESS_TOKEN (e.g. from `gcloud auth \
             print-access-token`): rlm_rs calls Vertex AI's REST API itself and does not read the \
             Vertex SDK's application-default credentials"
                .into(),
        ));
    };
    let base_url = env.first(&["VERTEX_BASE_URL"]).map(str::to_string);
    let endpoint =
        base_url.clone().unwrap_or_else(|| format!("https://{location}-aiplatform.googleapis.com"));
    let mut config = GeminiConfig::api_key(model, Secret::new(token));
    config.endpoint = GeminiEndpoint::Vertex {
        base_url,
        project: project_id.to_string(),
        location: location.to_string(),
        access_token: Secret::new(token),
    };
    config.http.timeout = seconds(timeout)?;
    config.http.retry.max_retries = max_retries;
    Ok(Adapter { inner: Arc::new(GeminiAdapter::new(config)?), endpoint: Some(endpoint) })
}

fn seconds(s: f64) -> BindResult<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(s)
        .map_err(|_| BindError::Config(format!("a duration of {s} seconds is not valid")))
}

/// A model passed from Python, as the Rust adapter, plus the event-loop slot
/// of an `async def complete` adapter (so `arun` can point it at its loop).
pub struct Resolved {
    pub adapter: Arc<dyn ModelAdapter>,
    pub event_loop: Option<LoopSlot>,
    /// A Python adapter's last exception.
    pub raised: Option<RaisedSlot>,
}

/// `object` as a model: a `FakeAdapter`, an `Adapter`, a model string, or
/// any object with a callable `complete`.
pub fn resolve(py: Python<'_>, object: &Bound<'_, PyAny>) -> PyResult<Resolved> {
    if let Ok(fake) = object.cast::<PyFakeAdapter>() {
        let adapter: Arc<dyn ModelAdapter> = fake.borrow().adapter()?;
        return Ok(Resolved { adapter, event_loop: None, raised: None });
    }
    if let Ok(a) = object.cast::<Adapter>() {
        return Ok(Resolved {
            adapter: Arc::clone(&a.get().inner),
            event_loop: None,
            raised: None,
        });
    }
    if let Ok(model) = object.extract::<String>() {
        let adapter =
            adapter_from_model_string(&model, &EnvVars::from_process()).map_err(BindError::from)?;
        return Ok(Resolved { adapter, event_loop: None, raised: None });
    }
    if object.hasattr("complete")? && object.getattr("complete")?.is_callable() {
        let a = PyModelAdapter::new(py, object)?;
        let (slot, raised) = (a.loop_slot(), a.raised_slot());
        return Ok(Resolved { adapter: Arc::new(a), event_loop: Some(slot), raised: Some(raised) });
    }
    let type_name = object.get_type().name()?.to_string();
    Err(BindError::Config(format!(
        "a '{type_name}' is not a model: pass an adapter, a \"provider:model\" string, or an object with complete(messages, **params)"
    ))
    .into())
}
