//! `FileCache`: the persistent subcall cache (sled, in a folder), shaped
//! like pyrlm-runtime's `FileCache(root=...)`.

use std::sync::Arc;

use pyo3::prelude::*;
use rlm_cache::SledCache;

use crate::error::BindResult;

/// Subcall results kept on disk: an identical subcall (same model, same
/// request) is not paid twice. One process per folder at a time.
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
}
