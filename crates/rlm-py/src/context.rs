//! `Context`: what an RLM explores, built from Python (text, documents, a
//! file or folder). The text is held once, in Rust, and shared zero-copy
//! with every run.

use pyo3::prelude::*;
use rlm_context::{Context as RustContext, LoadOptions};

use crate::error::BindResult;

/// The context of a run: one text or many documents. Programs see it as
/// `context` / `P` and `ctx`; the root model sees only its metadata.
#[pyclass(module = "rlm_rs", frozen, name = "Context")]
pub struct PyContext {
    pub inner: RustContext,
}

#[pymethods]
impl PyContext {
    /// One document.
    #[staticmethod]
    fn from_text(text: String) -> PyContext {
        PyContext { inner: RustContext::from_text(text) }
    }

    /// Several documents, joined by `separator` (default ``"\n\n---\n\n"``,
    /// as in pyrlm-runtime).
    #[staticmethod]
    #[pyo3(signature = (documents, separator=None))]
    fn from_documents(documents: Vec<String>, separator: Option<&str>) -> PyContext {
        let inner = match separator {
            Some(sep) => RustContext::from_documents_with_separator(documents, sep),
            None => RustContext::from_documents(documents),
        };
        PyContext { inner }
    }

    /// A file (large files are memory-mapped) or a folder (one document per file).
    #[staticmethod]
    fn from_file(path: std::path::PathBuf) -> BindResult<PyContext> {
        Ok(PyContext { inner: RustContext::from_path(path, &LoadOptions::default())? })
    }

    /// The whole text (pyrlm's `ctx.text`; documents joined by the separator).
    #[getter]
    fn text(&self) -> &str {
        self.inner.as_str()
    }

    /// Characters `start..end` (pyrlm's `ctx.slice`; negative indexes count
    /// from the end, out-of-range ends are clamped).
    #[pyo3(signature = (start=None, end=None))]
    fn slice(&self, start: Option<i64>, end: Option<i64>) -> String {
        self.inner.slice(start, end).as_str().to_string()
    }

    fn len_chars(&self) -> u64 {
        self.inner.len_chars()
    }

    fn num_documents(&self) -> usize {
        self.inner.num_documents()
    }

    /// Document `index` (negative counts from the end).
    fn get_document(&self, index: i64) -> BindResult<String> {
        Ok(self.inner.get_document(index)?.as_str().to_string())
    }

    /// The metadata the root model is shown.
    fn metadata(&self) -> String {
        self.inner.metadata().render()
    }

    fn __len__(&self) -> usize {
        usize::try_from(self.inner.len_chars()).unwrap_or(usize::MAX)
    }

    fn __repr__(&self) -> String {
        format!(
            "Context({} chars, {} documents)",
            self.inner.len_chars(),
            self.inner.num_documents()
        )
    }
}
