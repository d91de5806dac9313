//! all-MiniLM-L6-v2 sentence embeddings computed locally: the BERT encoder of
//! candle-transformers over the files fetched by `scripts/fetch-embedding-model.sh`
//! (`config.json`, `model.safetensors`, `tokenizer.json`), mean-pooled over the
//! attention mask and L2-normalised, as sentence-transformers does for this model.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use futures::future::BoxFuture;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use super::Embedder;
use crate::error::{Result, RetrievalError};

/// The model's own input limit (sentence-transformers' `max_seq_length` for it).
const MAX_TOKENS: usize = 256;

/// Where the fetch script caches the model: `$RLM_MODEL_CACHE` or
/// `~/.cache/rlm-models`, then `all-MiniLM-L6-v2`.
pub fn default_model_dir() -> Option<PathBuf> {
    let cache = match std::env::var_os("RLM_MODEL_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache").join("rlm-models"),
    };
    Some(cache.join("all-MiniLM-L6-v2"))
}

/// The local embedding model. Loading reads the files once; embedding runs on
/// the CPU in the calling thread.
pub struct MiniLmEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MiniLmEmbedder")
    }
}

impl MiniLmEmbedder {
    /// Loads the model from a directory holding `config.json`, `model.safetensors`
    /// and `tokenizer.json`. Nothing is downloaded: a missing or corrupt file is an error
    /// that names the fetch script.
    pub fn load(dir: &Path) -> Result<Self> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| {
                RetrievalError::Model(format!(
                    "cannot read {} ({e}); run crates/rlm-retrieval/scripts/fetch-embedding-model.sh",
                    path.display()
                ))
            })
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| RetrievalError::Model(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| RetrievalError::Model(format!("tokenizer.json: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| RetrievalError::Model(format!("tokenizer: {e}")))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let weights = read("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| RetrievalError::Model(format!("model.safetensors: {e}")))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| RetrievalError::Model(format!("model.safetensors: {e}")))?;
        Ok(MiniLmEmbedder { model, tokenizer })
    }

    /// Embeds texts synchronously (one forward pass per call: pass batches of a few dozen).
    pub fn embed_sync(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let model_err = |e: candle_core::Error| RetrievalError::Model(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| RetrievalError::Model(format!("tokenizing: {e}")))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for enc in &encodings {
            ids.extend(enc.get_ids().iter().copied());
            mask.extend(enc.get_attention_mask().iter().copied());
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (rows, width), &device).map_err(model_err)?;
        let mask = Tensor::from_vec(mask, (rows, width), &device).map_err(model_err)?;
        let types = ids.zeros_like().map_err(model_err)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(model_err)?;
        // Mean over the real tokens, then unit length.
        let mask_f =
            mask.to_dtype(DType::F32).map_err(model_err)?.unsqueeze(2).map_err(model_err)?;
        let summed = hidden.broadcast_mul(&mask_f).and_then(|t| t.sum(1)).map_err(model_err)?;
        let counts = mask_f.sum(1).map_err(model_err)?;
        let mean = summed.broadcast_div(&counts).map_err(model_err)?;
        let norms =
            mean.sqr().and_then(|t| t.sum_keepdim(1)).and_then(|t| t.sqrt()).map_err(model_err)?;
        let unit = mean.broadcast_div(&norms).map_err(model_err)?;
        unit.to_vec2::<f32>().map_err(model_err)
    }
}

impl Embedder for MiniLmEmbedder {
    fn id(&self) -> String {
        "local:all-MiniLM-L6-v2".to_string()
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>>> {
        Box::pin(async move { self.embed_sync(texts) })
    }
}
