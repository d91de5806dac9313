//! Embeddings from a provider's endpoint: OpenAI-compatible `POST {base}/embeddings`
//! (OpenAI, vLLM, LM Studio, llama.cpp...) or Ollama's `POST {base}/api/embed`.

use std::time::Duration;

use futures::future::BoxFuture;
use rlm_adapters::Secret;
use serde::Deserialize;

use super::Embedder;
use crate::error::{Result, RetrievalError};

/// Which wire format the endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingApi {
    /// `POST {base_url}/embeddings` with `{"model", "input": [...]}` → `data[].embedding`.
    OpenAi,
    /// `POST {base_url}/api/embed` with `{"model", "input": [...]}` → `embeddings`.
    Ollama,
}

/// An embedder over HTTP.
#[derive(Debug, Clone)]
pub struct HttpEmbedder {
    api: EmbeddingApi,
    base_url: String,
    model: String,
    api_key: Option<Secret>,
    client: reqwest::Client,
}

impl HttpEmbedder {
    /// `base_url` without the endpoint path: `https://api.openai.com/v1`,
    /// `http://127.0.0.1:11434` (Ollama).
    pub fn new(
        api: EmbeddingApi,
        base_url: &str,
        model: &str,
        api_key: Option<Secret>,
    ) -> Result<Self> {
        if model.trim().is_empty() {
            return Err(RetrievalError::invalid("embedding model name must not be empty"));
        }
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(120)).build().map_err(|e| {
                RetrievalError::Backend { service: "embeddings", message: e.to_string() }
            })?;
        Ok(HttpEmbedder {
            api,
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key,
            client,
        })
    }

    async fn call(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let url = match self.api {
            EmbeddingApi::OpenAi => format!("{}/embeddings", self.base_url),
            EmbeddingApi::Ollama => format!("{}/api/embed", self.base_url),
        };
        let body = serde_json::json!({ "model": self.model, "input": texts });
        let mut request = self.client.post(&url).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        // The key travels only in a header, so no message below can contain it.
        let fail = |message: String| RetrievalError::Backend { service: "embeddings", message };
        let response = request.send().await.map_err(|e| fail(format!("{url}: {e}")))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| fail(format!("{url}: {e}")))?;
        if !status.is_success() {
            let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            return Err(fail(format!("{url}: HTTP {status}: {excerpt}")));
        }
        let vectors = match self.api {
            EmbeddingApi::OpenAi => {
                let mut parsed: OpenAiResponse = serde_json::from_slice(&bytes)
                    .map_err(|e| fail(format!("{url}: unexpected body: {e}")))?;
                parsed.data.sort_by_key(|d| d.index);
                parsed.data.into_iter().map(|d| d.embedding).collect::<Vec<_>>()
            }
            EmbeddingApi::Ollama => {
                let parsed: OllamaResponse = serde_json::from_slice(&bytes)
                    .map_err(|e| fail(format!("{url}: unexpected body: {e}")))?;
                parsed.embeddings
            }
        };
        if vectors.len() != texts.len() {
            return Err(fail(format!(
                "{url}: {} embeddings for {} inputs",
                vectors.len(),
                texts.len()
            )));
        }
        let dims = vectors.first().map_or(0, Vec::len);
        if dims == 0 || vectors.iter().any(|v| v.len() != dims) {
            return Err(fail(format!("{url}: embeddings are empty or of different lengths")));
        }
        Ok(vectors)
    }
}

#[derive(Deserialize)]
struct OpenAiResponse {
    data: Vec<OpenAiEmbedding>,
}

#[derive(Deserialize)]
struct OpenAiEmbedding {
    embedding: Vec<f32>,
    #[serde(default)]
    index: usize,
}

#[derive(Deserialize)]
struct OllamaResponse {
    embeddings: Vec<Vec<f32>>,
}

impl Embedder for HttpEmbedder {
    fn id(&self) -> String {
        let provider = match self.api {
            EmbeddingApi::OpenAi => "openai",
            EmbeddingApi::Ollama => "ollama",
        };
        format!("{provider}:{}", self.model)
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>>> {
        Box::pin(async move {
            if texts.is_empty() {
                return Ok(Vec::new());
            }
            self.call(texts).await
        })
    }
}
