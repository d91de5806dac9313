//! The `retrieval.*` knobs (`--retriever`, `--first-step`, `--vectors`,
//! `--index-dir`, `--chunk-chars`, `--es-url`, `--es-index`, their `RLM_*`
//! variables, the `[retrieval]` table of `rlm.toml`) turned into
//! [`RetrievalSettings`]; and the embedding model a `vectors` spec names
//! (`rlm index` builds its index with it too).
//!
//! ```toml
//! [retrieval]
//! mode = "hybrid"          # bm25 | vector | hybrid: enables search(); the default mode
//! first_step = 5           # hits shown before the first model call (0: off)
//! vectors = "local"        # local | openai:MODEL | ollama:MODEL
//! index_dir = "docs.rlm-index"
//! chunk_chars = 1000
//! es_url = "http://127.0.0.1:9200"   # enables es_search, es_get...
//! es_index = "docs"
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rlm_adapters::{EnvVars, Secret};
use rlm_config::Retrieval;
use rlm_functions::{ContextIndexSettings, RetrievalSettings};
use rlm_retrieval::{
    Chunking, ElasticConfig, ElasticRetriever, Embedder, EmbeddingApi, HttpEmbedder, IndexOptions,
    Retriever, SearchMode, index_dir_beside,
};

use crate::error::RlmError;

/// The run's retrieval from its resolved settings; `None` when they enable
/// nothing. `contexts` are the `--context` arguments (an index persists beside
/// a single file or folder). `default_first_step`: the first step's hits when
/// a retriever is configured and `first_step` is unset (the profile's
/// `Helps::retrieval_first_step`).
pub fn retrieval_settings(
    file: &Retrieval,
    contexts: &[String],
    env: &EnvVars,
    default_first_step: usize,
) -> Result<Option<RetrievalSettings>, RlmError> {
    let mode = match file.mode.as_deref() {
        None | Some("off") => None,
        Some(m) => Some(
            m.parse::<SearchMode>()
                .map_err(|e| RlmError::Config(format!("retrieval mode: {e}")))?,
        ),
    };
    let first_step = file.first_step.unwrap_or(default_first_step);
    let vectors = file.vectors.clone();
    let context_index = match mode {
        Some(mode) => {
            let spec = match (&vectors, mode.needs_vectors()) {
                (Some(s), _) => Some(s.clone()),
                (None, true) => Some("local".to_string()),
                (None, false) => None,
            };
            let embedder = spec.as_deref().map(|s| embedder(s, env)).transpose()?;
            let mut chunking = Chunking::default();
            if let Some(c) = file.chunk_chars {
                chunking.chunk_chars = c;
                chunking.overlap_chars = chunking.overlap_chars.min(c / 2);
            }
            let dir = file.index_dir.clone().or_else(|| beside_single_source(contexts));
            Some(ContextIndexSettings {
                index: IndexOptions { dir, chunking, progress: false },
                embedder,
                default_mode: mode,
            })
        }
        None if file.first_step.is_some_and(|k| k > 0) => {
            return Err(RlmError::Config(
                "--first-step needs a retriever: add --retriever bm25 (or [retrieval] mode)".into(),
            ));
        }
        None => None,
    };
    let es = match (file.es_url.as_deref(), file.es_index.as_deref()) {
        (Some(url), Some(index)) => Some((url.to_string(), index.to_string())),
        (None, None) => None,
        _ => {
            return Err(RlmError::Config("Elasticsearch needs both es_url and es_index".into()));
        }
    };
    let backend = match es {
        Some((url, index)) => {
            let mut config = ElasticConfig::new(&url, &index);
            config.api_key = env.first(&["ES_API_KEY"]).map(Secret::new);
            let embedder = context_index.as_ref().and_then(|c| c.embedder.clone());
            let es = ElasticRetriever::new(config, embedder)
                .map_err(|e| RlmError::Config(e.to_string()))?;
            Some(Arc::new(es) as Arc<dyn Retriever>)
        }
        None => None,
    };
    if context_index.is_none() && backend.is_none() {
        return Ok(None);
    }
    let first_step_hits = if context_index.is_some() { first_step } else { 0 };
    Ok(Some(RetrievalSettings { context_index, backend, first_step_hits }))
}

/// `FILE.rlm-index` / `DIR/.rlm-index` for one context path that exists.
fn beside_single_source(contexts: &[String]) -> Option<PathBuf> {
    match contexts {
        [one] if one != "-" && Path::new(one).exists() => Some(index_dir_beside(Path::new(one))),
        _ => None,
    }
}

/// The embedding model `spec` names: `local` (all-MiniLM-L6-v2 from the
/// fetched files), `openai:MODEL` (OPENAI_BASE_URL, OPENAI_API_KEY) or
/// `ollama:MODEL` (OLLAMA_HOST).
pub fn embedder(spec: &str, env: &EnvVars) -> Result<Arc<dyn Embedder>, RlmError> {
    let var = |name: &str| env.first(&[name]).map(str::to_string);
    if spec == "local" {
        return local_embedder();
    }
    let (api, model, base, key) = match spec.split_once(':') {
        Some(("openai", model)) => (
            EmbeddingApi::OpenAi,
            model,
            var("OPENAI_BASE_URL").unwrap_or_else(|| "https://api.openai.com/v1".into()),
            var("OPENAI_API_KEY").map(Secret::new),
        ),
        Some(("ollama", model)) => (
            EmbeddingApi::Ollama,
            model,
            var("OLLAMA_HOST").unwrap_or_else(|| "http://127.0.0.1:11434".into()),
            None,
        ),
        _ => {
            return Err(RlmError::Config(format!(
                "vectors {spec:?}: use `local`, `openai:MODEL` or `ollama:MODEL`"
            )));
        }
    };
    let embedder =
        HttpEmbedder::new(api, &base, model, key).map_err(|e| RlmError::Config(e.to_string()))?;
    Ok(Arc::new(embedder))
}

/// all-MiniLM-L6-v2 from the files in rlm-retrieval's model folder.
#[cfg(feature = "embedded-index")]
fn local_embedder() -> Result<Arc<dyn Embedder>, RlmError> {
    let dir = rlm_retrieval::default_model_dir().ok_or_else(|| {
        RlmError::Config("no HOME or RLM_MODEL_CACHE to find the embedding model".into())
    })?;
    let model =
        rlm_retrieval::MiniLmEmbedder::load(&dir).map_err(|e| RlmError::Config(e.to_string()))?;
    Ok(Arc::new(model))
}

/// This build has no embedded model (rlm-core without `embedded-index`).
#[cfg(not(feature = "embedded-index"))]
fn local_embedder() -> Result<Arc<dyn Embedder>, RlmError> {
    Err(RlmError::Config(
        "vectors \"local\" needs rlm-core's embedded-index feature (the CLI, the server and the Python bindings have it)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_is_no_retrieval_and_a_first_step_needs_a_retriever() {
        let env = EnvVars::default();
        let none = retrieval_settings(&Retrieval::default(), &[], &env, 0).unwrap();
        assert!(none.is_none());
        let first = Retrieval { first_step: Some(3), ..Default::default() };
        assert!(matches!(
            retrieval_settings(&first, &[], &env, 0),
            Err(RlmError::Config(m)) if m.contains("--retriever")
        ));
    }

    #[test]
    fn the_profile_default_first_step_applies_only_when_unset_and_a_retriever_is_configured() {
        let env = EnvVars::default();
        let bm25 = Retrieval { mode: Some("bm25".into()), ..Default::default() };
        let s = retrieval_settings(&bm25, &[], &env, 5).unwrap().unwrap();
        assert_eq!(s.first_step_hits, 5);
        // `--first-step 0` stays off (the harness's bm25-off arm).
        let off = Retrieval { first_step: Some(0), ..bm25 };
        assert_eq!(retrieval_settings(&off, &[], &env, 5).unwrap().unwrap().first_step_hits, 0);
        // No retriever: no retrieval, and no error for the default.
        assert!(retrieval_settings(&Retrieval::default(), &[], &env, 5).unwrap().is_none());
    }

    #[test]
    fn the_settings_become_the_context_index() {
        let env = EnvVars::default();
        let file = Retrieval {
            mode: Some("bm25".into()),
            first_step: Some(2),
            index_dir: Some("/tmp/from-file".into()),
            chunk_chars: Some(500),
            ..Default::default()
        };
        let s = retrieval_settings(&file, &[], &env, 0).unwrap().unwrap();
        let index = s.context_index.as_ref().unwrap();
        assert_eq!(
            (s.first_step_hits, index.default_mode, index.index.chunking.chunk_chars),
            (2, SearchMode::Bm25, 500)
        );
        assert_eq!(index.index.dir.as_deref(), Some(Path::new("/tmp/from-file")));
        assert!(index.embedder.is_none() && s.backend.is_none());
        let off = Retrieval { mode: Some("off".into()), first_step: Some(0), ..file };
        assert!(retrieval_settings(&off, &[], &env, 0).unwrap().is_none());
        let bad = Retrieval { mode: Some("fuzzy".into()), ..Default::default() };
        assert!(retrieval_settings(&bad, &[], &env, 0).is_err());
    }

    #[test]
    fn elasticsearch_alone_offers_the_backend_functions_without_an_index() {
        let env = EnvVars::default();
        let file = Retrieval {
            es_url: Some("http://127.0.0.1:9".into()),
            es_index: Some("docs".into()),
            ..Default::default()
        };
        let s = retrieval_settings(&file, &[], &env, 0).unwrap().unwrap();
        assert!(s.context_index.is_none());
        assert_eq!(
            s.backend.as_ref().map(|b| b.name().to_string()).as_deref(),
            Some("elasticsearch")
        );
        let half = Retrieval { es_url: Some("http://x".into()), ..Default::default() };
        assert!(retrieval_settings(&half, &[], &env, 0).is_err());
    }
}
