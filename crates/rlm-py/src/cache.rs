//! `FileCache`: the persistent subcall cache (sled, in a folder), shaped
//! like pyrlm-runtime's `FileCache(root=...)`, with pyrlm's `get`/`set` of a
//! record under a string key of the caller's (`rlm_cache::CacheKey::named`).

use std::sync::Arc;

use pyo3::prelude::*;
use rlm_cache::{CacheKey, SledCache};
use rlm_types::{Completion, Usage};

use crate::error::BindResult;

/// Subcall results kept on disk: an identical subcall (same model, same
/// request) is not paid twice. Every `FileCache` on one folder in a process
/// shares one open database (`SledCache::open`); another process holding
/// the folder is a `ConfigError` naming it.
#[pyclass(module = "rlm_rs", frozen)]
pub struct FileCache {
    pub inner: Arc<SledCache>,
    root: String,
}

#[pymethods]
impl FileCache {
    #[new]
    #[pyo3(signature = (root=String::from(".rlm_cache")))]
    fn new(root: String) -> BindResult<FileCache> {
        Ok(FileCache { inner: Arc::new(SledCache::open(&root)?), root })
    }

    #[getter]
    fn root(&self) -> &str {
        &self.root
    }

    /// The record stored under `key` by `set`: `(text, prompt_tokens,
    /// completion_tokens)`, or None (never stored, expired, or unreadable).
    fn get(&self, py: Python<'_>, key: &str) -> Option<(String, u64, u64)> {
        let key = CacheKey::named(key);
        let found = py.detach(|| self.inner.get_by_key(&key))?;
        Some((found.text, found.usage.prompt_tokens, found.usage.completion_tokens))
    }

    /// Stores a record under `key`; whether it was stored (a write the
    /// database refuses, e.g. over its size cap, is counted, not raised).
    fn set(
        &self,
        py: Python<'_>,
        key: &str,
        text: String,
        prompt_tokens: u64,
        completion_tokens: u64,
    ) -> bool {
        let key = CacheKey::named(key);
        let completion = Completion {
            text,
            usage: Usage { prompt_tokens, completion_tokens, cached_tokens: 0 },
            finish_reason: None,
            model: String::new(),
            latency: std::time::Duration::ZERO,
        };
        py.detach(|| self.inner.put_by_key(&key, &completion))
    }
}
