//! Building an adapter from a model string (`openai:gpt-5-mini`,
//! `anthropic:claude-sonnet-4-5`, `ollama:llama3`, `fake:echo`, ...) and the
//! environment variables users already set. The environment is passed in as a
//! map, so tests never touch the process environment.
//!
//! | prefix | adapter | key | base URL (default) |
//! |---|---|---|---|
//! | `openai:` | OpenAI | `OPENAI_API_KEY`, `LLM_API_KEY` | `OPENAI_BASE_URL`, `LLM_BASE_URL` (`https://api.openai.com/v1`) |
//! | `openrouter:` | OpenAI-compatible | `OPENROUTER_API_KEY`, `LLM_API_KEY` | `OPENROUTER_BASE_URL` (`https://openrouter.ai/api/v1`) |
//! | `ollama:` | OpenAI-compatible | `LLM_API_KEY` (optional) | `OLLAMA_BASE_URL`, `LLM_BASE_URL` (`http://127.0.0.1:11434/v1`) |
//! | `vllm:` | OpenAI-compatible | `LLM_API_KEY` (optional) | `VLLM_BASE_URL`, `LLM_BASE_URL` (`http://127.0.0.1:8000/v1`) |
//! | `lmstudio:` | OpenAI-compatible | `LLM_API_KEY` (optional) | `LMSTUDIO_BASE_URL`, `LLM_BASE_URL` (`http://127.0.0.1:1234/v1`) |
//! | `llamacpp:` | OpenAI-compatible | `LLM_API_KEY` (optional) | `LLAMACPP_BASE_URL`, `LLM_BASE_URL` (`http://127.0.0.1:8080/v1`) |
//! | `anthropic:` | Anthropic | `ANTHROPIC_API_KEY` | `ANTHROPIC_BASE_URL` (`https://api.anthropic.com`) |
//! | `azure:DEPLOYMENT` | Azure OpenAI | `AZURE_OPENAI_API_KEY` or `AZURE_OPENAI_AD_TOKEN` | `AZURE_OPENAI_ENDPOINT`, `OPENAI_ENDPOINT`, or `AZURE_OPENAI_RESOURCE`; `AZURE_OPENAI_API_VERSION` |
//! | `gemini:` | Gemini API | `GEMINI_API_KEY`, `GOOGLE_API_KEY` | `GEMINI_BASE_URL` |
//! | `vertex:` | Vertex AI | `VERTEX_ACCESS_TOKEN`, `GOOGLE_OAUTH_ACCESS_TOKEN` | `GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION` (`us-central1`), `VERTEX_BASE_URL` |
//! | `generic:PATH` | Generic | the config's `api_key_env` | the config file (`.json`/`.toml`) |
//! | `fake:echo`, `fake:fixed:TEXT`, `fake:PATH.json` / `fake:script:PATH`, `fake:scripted` | Fake | — | `RLM_FAKE_SCRIPT` (for `fake:scripted`) |

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::adapter::ModelAdapter;
use crate::anthropic::{AnthropicAdapter, AnthropicConfig};
use crate::azure::{AzureAuth, AzureConfig, DEFAULT_AZURE_API_VERSION, azure_adapter};
use crate::error::AdapterError;
use crate::fake::FakeAdapter;
use crate::gemini::{DEFAULT_GEMINI_URL, GeminiAdapter, GeminiConfig, GeminiEndpoint};
use crate::generic::{GenericAdapter, GenericConfig};
use crate::http::HttpOptions;
use crate::openai::{OpenAiAdapter, OpenAiConfig};
use crate::secret::Secret;

/// Environment variables, as a map (empty values count as unset).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvVars(BTreeMap<String, String>);

impl std::fmt::Debug for EnvVars {
    // Values may be keys: print names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl EnvVars {
    /// A snapshot of the process environment.
    pub fn from_process() -> Self {
        EnvVars(std::env::vars().collect())
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        EnvVars(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// The first of `names` that is set and non-empty.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.0.get(*n).map(|v| v.trim()).filter(|v| !v.is_empty()))
    }

    fn secret(&self, names: &[&str]) -> Option<Secret> {
        self.first(names).map(Secret::new)
    }
}

/// Options applied to whichever adapter the factory builds.
#[derive(Debug, Clone, Default)]
pub struct FactoryOptions {
    pub http: HttpOptions,
    /// Overrides the known context window of the model.
    pub context_window: Option<u64>,
}

/// An OpenAI-compatible provider prefix: (prefix, base URL variables, default base URL, key variables, key required).
type CompatibleProvider =
    (&'static str, &'static [&'static str], &'static str, &'static [&'static str], bool);
const OPENAI_COMPATIBLE: &[CompatibleProvider] = &[
    (
        "openai",
        &["OPENAI_BASE_URL", "LLM_BASE_URL"],
        "https://api.openai.com/v1",
        &["OPENAI_API_KEY", "LLM_API_KEY"],
        true,
    ),
    (
        "openrouter",
        &["OPENROUTER_BASE_URL"],
        "https://openrouter.ai/api/v1",
        &["OPENROUTER_API_KEY", "LLM_API_KEY"],
        true,
    ),
    (
        "ollama",
        &["OLLAMA_BASE_URL", "LLM_BASE_URL"],
        "http://127.0.0.1:11434/v1",
        &["LLM_API_KEY"],
        false,
    ),
    (
        "vllm",
        &["VLLM_BASE_URL", "LLM_BASE_URL"],
        "http://127.0.0.1:8000/v1",
        &["VLLM_API_KEY", "LLM_API_KEY"],
        false,
    ),
    (
        "lmstudio",
        &["LMSTUDIO_BASE_URL", "LLM_BASE_URL"],
        "http://127.0.0.1:1234/v1",
        &["LLM_API_KEY"],
        false,
    ),
    (
        "llamacpp",
        &["LLAMACPP_BASE_URL", "LLM_BASE_URL"],
        "http://127.0.0.1:8080/v1",
        &["LLM_API_KEY"],
        false,
    ),
];

/// The names of the providers the factory knows, as users write them (the
/// offline models' `fake` is accepted but not listed: users write
/// `scripted`).
pub fn known_providers() -> Vec<&'static str> {
    let mut v: Vec<&str> = OPENAI_COMPATIBLE.iter().map(|p| p.0).collect();
    v.extend(["anthropic", "azure", "gemini", "vertex", "generic"]);
    v
}

/// Whether the factory builds adapters for `provider` (lower case): a
/// listed provider, or the offline models' `fake`.
pub fn is_known_provider(provider: &str) -> bool {
    provider == "fake" || known_providers().contains(&provider)
}

/// Builds the adapter a model string names, configured from `env`.
pub fn adapter_from_model_string(
    model: &str,
    env: &EnvVars,
) -> Result<Arc<dyn ModelAdapter>, AdapterError> {
    adapter_with_options(model, env, &FactoryOptions::default())
}

/// [`adapter_from_model_string`] with explicit HTTP/retry options.
pub fn adapter_with_options(
    model_string: &str,
    env: &EnvVars,
    options: &FactoryOptions,
) -> Result<Arc<dyn ModelAdapter>, AdapterError> {
    let (provider, model) = match model_string.split_once(':') {
        Some((p, m)) if !p.trim().is_empty() && !m.trim().is_empty() => {
            (p.trim().to_ascii_lowercase(), m.trim())
        }
        _ => {
            return Err(AdapterError::Config(format!(
                "model string {model_string:?} is not `provider:model`; providers: {}",
                known_providers().join(", ")
            )));
        }
    };
    let http = options.http.clone();
    if let Some(&(name, url_vars, default_url, key_vars, key_required)) =
        OPENAI_COMPATIBLE.iter().find(|p| p.0 == provider)
    {
        let base_url = env.first(url_vars).unwrap_or(default_url).to_string();
        let api_key = env.secret(key_vars);
        // A key is required by the hosted services, not by a local server the user pointed us at.
        if key_required && api_key.is_none() && base_url == default_url {
            return Err(AdapterError::Config(format!(
                "{name}: no API key; set {}",
                key_vars.join(" or ")
            )));
        }
        let mut c = OpenAiConfig::new(name, model, base_url);
        c.api_key = api_key;
        c.http = http;
        c.context_window = options.context_window;
        if name == "openai" {
            c.organization =
                env.first(&["OPENAI_ORG_ID", "OPENAI_ORGANIZATION"]).map(str::to_string);
            c.project = env.first(&["OPENAI_PROJECT_ID"]).map(str::to_string);
        }
        if name == "openrouter" {
            if let Some(r) = env.first(&["OPENROUTER_REFERER"]) {
                c.extra_headers.push(("HTTP-Referer".into(), r.into()));
            }
            if let Some(t) = env.first(&["OPENROUTER_TITLE"]) {
                c.extra_headers.push(("X-Title".into(), t.into()));
            }
        }
        return Ok(Arc::new(OpenAiAdapter::new(c)?));
    }
    match provider.as_str() {
        "anthropic" => {
            let key = env.secret(&["ANTHROPIC_API_KEY"]).ok_or_else(|| {
                AdapterError::Config("anthropic: no API key; set ANTHROPIC_API_KEY".into())
            })?;
            let mut c = AnthropicConfig::new(model, key);
            if let Some(u) = env.first(&["ANTHROPIC_BASE_URL"]) {
                c.base_url = u.to_string();
            }
            c.http = http;
            c.context_window = options.context_window;
            Ok(Arc::new(AnthropicAdapter::new(c)?))
        }
        "azure" => {
            let endpoint = match env.first(&["AZURE_OPENAI_ENDPOINT", "OPENAI_ENDPOINT"]) {
                Some(e) => e.to_string(),
                None => match env.first(&["AZURE_OPENAI_RESOURCE", "AZURE_OPENAI_ACCOUNT"]) {
                    Some(r) => AzureConfig::endpoint_for_resource(r),
                    None => {
                        return Err(AdapterError::Config(
                            "azure: set AZURE_OPENAI_ENDPOINT (or OPENAI_ENDPOINT, or AZURE_OPENAI_RESOURCE)".into(),
                        ));
                    }
                },
            };
            let auth = match (
                env.secret(&["AZURE_OPENAI_API_KEY"]),
                env.secret(&["AZURE_OPENAI_AD_TOKEN"]),
            ) {
                (Some(k), _) => AzureAuth::ApiKey(k),
                (None, Some(t)) => AzureAuth::Bearer(t),
                (None, None) => {
                    return Err(AdapterError::Config(
                        "azure: no credential; set AZURE_OPENAI_API_KEY or AZURE_OPENAI_AD_TOKEN"
                            .into(),
                    ));
                }
            };
            let mut c = AzureConfig::new(model, endpoint, auth);
            c.api_version = env
                .first(&["AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"])
                .unwrap_or(DEFAULT_AZURE_API_VERSION)
                .to_string();
            c.model = env.first(&["AZURE_OPENAI_MODEL"]).map(str::to_string);
            c.http = http;
            c.context_window = options.context_window;
            Ok(Arc::new(azure_adapter(c)?))
        }
        "gemini" => {
            let key = env.secret(&["GEMINI_API_KEY", "GOOGLE_API_KEY"]).ok_or_else(|| {
                AdapterError::Config(
                    "gemini: no API key; set GEMINI_API_KEY or GOOGLE_API_KEY".into(),
                )
            })?;
            let base_url =
                env.first(&["GEMINI_BASE_URL"]).unwrap_or(DEFAULT_GEMINI_URL).to_string();
            let c = GeminiConfig {
                model: model.to_string(),
                endpoint: GeminiEndpoint::ApiKey { base_url, api_key: key },
                context_window: options.context_window,
                http,
            };
            Ok(Arc::new(GeminiAdapter::new(c)?))
        }
        "vertex" => {
            let token = env.secret(&["VERTEX_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"]).ok_or_else(|| {
                AdapterError::Config(
                    "vertex: set VERTEX_ACCESS_TOKEN (e.g. from `gcloud auth print-access-token`)".into(),
                )
            })?;
            let project = env
                .first(&["GOOGLE_CLOUD_PROJECT", "VERTEX_PROJECT"])
                .ok_or_else(|| AdapterError::Config("vertex: set GOOGLE_CLOUD_PROJECT".into()))?;
            let location =
                env.first(&["GOOGLE_CLOUD_LOCATION", "VERTEX_LOCATION"]).unwrap_or("us-central1");
            let c = GeminiConfig {
                model: model.to_string(),
                endpoint: GeminiEndpoint::Vertex {
                    base_url: env.first(&["VERTEX_BASE_URL"]).map(str::to_string),
                    project: project.to_string(),
                    location: location.to_string(),
                    access_token: token,
                },
                context_window: options.context_window,
                http,
            };
            Ok(Arc::new(GeminiAdapter::new(c)?))
        }
        "generic" => {
            let config = GenericConfig::from_file(Path::new(model))?;
            let key = config.api_key_env.as_deref().and_then(|n| env.secret(&[n]));
            Ok(Arc::new(GenericAdapter::new(config, key, http)?))
        }
        "fake" => {
            let adapter = fake_from_spec(model, env)?;
            Ok(Arc::new(match options.context_window {
                Some(n) => adapter.with_context_window(n),
                None => adapter,
            }))
        }
        other => Err(AdapterError::Config(format!(
            "unknown provider {other:?} in {model_string:?}; providers: {}",
            known_providers().join(", ")
        ))),
    }
}

/// `echo`, `fixed:TEXT`, `script:PATH`, a path ending in `.json`/`.toml`, or
/// `scripted` (the script named by `RLM_FAKE_SCRIPT`).
fn fake_from_spec(spec: &str, env: &EnvVars) -> Result<FakeAdapter, AdapterError> {
    if spec == "echo" {
        return Ok(FakeAdapter::echo());
    }
    if spec == crate::SCRIPTED_MODEL {
        let path = env.first(&["RLM_FAKE_SCRIPT"]).ok_or_else(|| {
            AdapterError::Config(
                "fake:scripted: set RLM_FAKE_SCRIPT to a .json/.toml script".into(),
            )
        })?;
        return FakeAdapter::from_file(Path::new(path))
            .map(|a| a.with_model_name(crate::SCRIPTED_MODEL));
    }
    if let Some(text) = spec.strip_prefix("fixed:") {
        return Ok(FakeAdapter::fixed(text));
    }
    if let Some(path) = spec.strip_prefix("script:") {
        return FakeAdapter::from_file(Path::new(path));
    }
    if spec.ends_with(".json") || spec.ends_with(".toml") {
        return FakeAdapter::from_file(Path::new(spec));
    }
    Err(AdapterError::Config(format!(
        "fake model {spec:?}: use fake:echo, fake:fixed:TEXT, fake:script:PATH, fake:PATH.json|.toml or fake:scripted (with RLM_FAKE_SCRIPT)"
    )))
}
