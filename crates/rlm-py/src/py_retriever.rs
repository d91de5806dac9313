//! pyrlm-runtime's `retriever`: a Python object with `search`,
//! `vector_search`, `hybrid_search` and `get` (its `RetrieverProtocol`) as
//! the backend of the programs' `es_search`, `es_vector_search`,
//! `es_hybrid_search` and `es_get` (an `rlm_retrieval::Retriever`). Each call
//! runs on a blocking thread holding the GIL; `rlm_rs.retrieval` turns what
//! the object returns (dicts, dataclasses or objects with the fields) into
//! JSON, read here as hits.

use futures::future::BoxFuture;
use pyo3::prelude::*;
use rlm_retrieval::{Fetched, Filters, Hit, RetrievalError, Retriever};

/// A Python retriever.
pub struct PyRetriever {
    object: Py<PyAny>,
}

impl PyRetriever {
    /// Checks that `object` has the four methods.
    pub fn new(object: &Bound<'_, PyAny>) -> PyResult<PyRetriever> {
        for method in ["search", "vector_search", "hybrid_search", "get"] {
            if !object.hasattr(method)? {
                return Err(crate::error::BindError::Config(format!(
                    "retriever must have search, vector_search, hybrid_search and get; {} has no {method}",
                    object.get_type().name()?
                ))
                .into());
            }
        }
        Ok(PyRetriever { object: object.clone().unbind() })
    }

    /// `rlm_rs.retrieval.call(object, method, *args)` on a blocking thread: JSON text.
    fn call(
        &self,
        method: &'static str,
        args: Vec<String>,
    ) -> BoxFuture<'_, Result<String, RetrievalError>> {
        let object = Python::attach(|py| self.object.clone_ref(py));
        Box::pin(async move {
            let joined = tokio::task::spawn_blocking(move || {
                Python::attach(|py| -> PyResult<String> {
                    let call = py.import("rlm_rs.retrieval")?.getattr("call")?;
                    call.call1((object, method, args))?.extract()
                })
            })
            .await;
            match joined {
                Ok(Ok(json)) => Ok(json),
                Ok(Err(e)) => Err(backend(Python::attach(|py| e.value(py).to_string()))),
                Err(e) => Err(backend(format!("the retriever's thread failed: {e}"))),
            }
        })
    }

    fn hits<'a>(
        &'a self,
        method: &'static str,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        Box::pin(async move {
            let filters = serde_json::to_string(&filters.0).map_err(|e| backend(e.to_string()))?;
            let json = self.call(method, vec![query.to_string(), k.to_string(), filters]).await?;
            serde_json::from_str(&json)
                .map_err(|e| backend(format!("{method} returned results of the wrong shape: {e}")))
        })
    }
}

fn backend(message: String) -> RetrievalError {
    RetrievalError::Backend { service: "python retriever", message }
}

impl Retriever for PyRetriever {
    fn name(&self) -> &str {
        "python"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.hits("search", query, k, filters)
    }

    fn vector_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.hits("vector_search", query, k, filters)
    }

    fn hybrid_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Hit>>> {
        self.hits("hybrid_search", query, k, filters)
    }

    fn get<'a>(&'a self, doc_id: &'a str) -> BoxFuture<'a, rlm_retrieval::Result<Fetched>> {
        Box::pin(async move {
            let json = self.call("get", vec![doc_id.to_string()]).await?;
            serde_json::from_str(&json)
                .map_err(|e| backend(format!("get returned a document of the wrong shape: {e}")))
        })
    }
}
