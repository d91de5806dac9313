//! Azure OpenAI: the OpenAI chat-completions body sent to a deployment URL
//! (`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`)
//! with an `api-key` header or a Microsoft Entra bearer token.

use crate::error::AdapterError;
use crate::http::{HttpOptions, header};
use crate::openai::{OpenAiAdapter, OpenAiConfig, check_url};
use crate::secret::Secret;

pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";

/// How to authenticate to Azure OpenAI.
#[derive(Debug, Clone)]
pub enum AzureAuth {
    /// `api-key: …` (AZURE_OPENAI_API_KEY).
    ApiKey(Secret),
    /// `Authorization: Bearer …` (a Microsoft Entra ID token the user obtained).
    Bearer(Secret),
}

/// Configuration of an Azure OpenAI adapter.
#[derive(Debug, Clone)]
pub struct AzureConfig {
    /// The deployment name (the model id is `azure:{deployment}`).
    pub deployment: String,
    /// `https://{resource}.openai.azure.com` (or any URL in tests).
    pub endpoint: String,
    pub api_version: String,
    pub auth: AzureAuth,
    /// The underlying model, when it differs from the deployment name (used to
    /// choose `max_completion_tokens` for reasoning models).
    pub model: Option<String>,
    pub context_window: Option<u64>,
    pub http: HttpOptions,
}

impl AzureConfig {
    pub fn new(
        deployment: impl Into<String>,
        endpoint: impl Into<String>,
        auth: AzureAuth,
    ) -> Self {
        AzureConfig {
            deployment: deployment.into(),
            endpoint: endpoint.into(),
            api_version: DEFAULT_AZURE_API_VERSION.into(),
            auth,
            model: None,
            context_window: None,
            http: HttpOptions::default(),
        }
    }

    /// The endpoint of a resource (account) name: `https://{name}.openai.azure.com`.
    pub fn endpoint_for_resource(resource: &str) -> String {
        format!("https://{resource}.openai.azure.com")
    }
}

/// Builds an OpenAI-compatible adapter that speaks Azure's URL and auth.
pub fn azure_adapter(config: AzureConfig) -> Result<OpenAiAdapter, AdapterError> {
    let endpoint = config.endpoint.trim_end_matches('/');
    check_url(endpoint)?;
    if config.deployment.trim().is_empty() || config.deployment.contains(['/', '?', '#']) {
        return Err(AdapterError::Config(format!(
            "invalid Azure deployment name {:?}",
            config.deployment
        )));
    }
    let (secret, auth_header) = match &config.auth {
        AzureAuth::ApiKey(k) => (k.clone(), header("api-key", k.expose(), true)?),
        AzureAuth::Bearer(t) => {
            (t.clone(), header("authorization", &format!("Bearer {}", t.expose()), true)?)
        }
    };
    if secret.is_empty() {
        return Err(AdapterError::Config(
            "Azure OpenAI needs AZURE_OPENAI_API_KEY or a bearer token".into(),
        ));
    }
    let url = format!(
        "{endpoint}/openai/deployments/{}/chat/completions?api-version={}",
        config.deployment, config.api_version
    );
    let mut oc = OpenAiConfig::new("azure", config.deployment.clone(), endpoint);
    oc.api_key = Some(secret);
    oc.http = config.http;
    oc.context_window = config.context_window;
    if let Some(m) = &config.model {
        let reasoning = crate::openai::is_openai_reasoning_model(m);
        oc.reasoning_model = Some(reasoning);
        oc.context_window = oc.context_window.or_else(|| crate::pricing::known_context_window(m));
    }
    OpenAiAdapter::build(oc, url, false, vec![auth_header])
}
