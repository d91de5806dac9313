//! rlm-retrieval's Elasticsearch retriever for Python
//! (`rlm_rs.retrieval.ElasticsearchRetriever`): `search`, `vector_search`,
//! `hybrid_search` and `get`, each waiting without the GIL and answering in
//! JSON; given as `RLM(retriever=)`, the engine uses the Rust retriever itself
//! behind the programs' `es_*` functions (no Python on that path).

use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use rlm_adapters::Secret;
use rlm_retrieval::{
    ElasticConfig, ElasticRetriever, Embedder, EmbeddingApi, Filters, HttpEmbedder, HybridMode,
    Retriever,
};

use crate::error::BindError;
use crate::runtime::wait_interruptibly;

/// An Elasticsearch index as a retriever (see `rlm_rs.retrieval`).
#[pyclass(module = "rlm_rs._native", frozen, name = "ElasticRetriever")]
pub struct PyElastic {
    pub inner: Arc<ElasticRetriever>,
}

fn retrieval_error(e: rlm_retrieval::RetrievalError) -> PyErr {
    BindError::Config(e.to_string()).into()
}

fn filters_of(json: Option<&str>) -> PyResult<Filters> {
    match json {
        None => Ok(Filters::default()),
        Some(text) => serde_json::from_str::<rlm_retrieval::Metadata>(text)
            .map(Filters)
            .map_err(|e| BindError::Config(format!("filters must be a JSON object: {e}")).into()),
    }
}

fn json_error(e: serde_json::Error) -> PyErr {
    BindError::Internal(e.to_string()).into()
}

/// Waits for a search without the GIL and answers its hits as JSON.
fn hits_json(
    py: Python<'_>,
    search: impl std::future::Future<Output = rlm_retrieval::Result<Vec<rlm_retrieval::Hit>>> + Send,
) -> PyResult<String> {
    let hits = wait_interruptibly(py, search, || {})?;
    serde_json::to_string(&hits.map_err(retrieval_error)?).map_err(json_error)
}

#[pymethods]
impl PyElastic {
    /// `url` of the cluster, `index`; `embedding_model` (with an
    /// OpenAI-compatible `embedding_base_url`) enables vector and hybrid
    /// search; `client_rrf` fuses hybrid results here instead of by the
    /// server's `rrf` retriever.
    #[new]
    #[pyo3(signature = (
        url, index, *, api_key=None, text_field=String::from("content"),
        vector_field=String::from("embedding"), embedding_model=None,
        embedding_base_url=String::from("https://api.openai.com/v1"), embedding_api_key=None,
        client_rrf=false, timeout_s=30.0
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        url: String,
        index: String,
        api_key: Option<String>,
        text_field: String,
        vector_field: String,
        embedding_model: Option<String>,
        embedding_base_url: String,
        embedding_api_key: Option<String>,
        client_rrf: bool,
        timeout_s: f64,
    ) -> PyResult<PyElastic> {
        if !(timeout_s.is_finite() && timeout_s > 0.0) {
            return Err(
                BindError::Config(format!("timeout_s must be positive, got {timeout_s}")).into()
            );
        }
        let mut config = ElasticConfig::new(&url, &index);
        config.api_key = api_key.map(Secret::new);
        config.text_field = text_field;
        config.vector_field = vector_field;
        config.hybrid = if client_rrf { HybridMode::ClientRrf } else { HybridMode::ServerRrf };
        config.timeout = Duration::from_secs_f64(timeout_s);
        let embedder = match embedding_model {
            Some(model) => Some(Arc::new(
                HttpEmbedder::new(
                    EmbeddingApi::OpenAi,
                    &embedding_base_url,
                    &model,
                    embedding_api_key.map(Secret::new),
                )
                .map_err(retrieval_error)?,
            ) as Arc<dyn Embedder>),
            None => None,
        };
        let inner = ElasticRetriever::new(config, embedder).map_err(retrieval_error)?;
        Ok(PyElastic { inner: Arc::new(inner) })
    }

    /// BM25 hits as JSON (`[{doc_id, preview, score, metadata}]`).
    #[pyo3(signature = (query, top_k=10, filters_json=None))]
    fn search(
        &self,
        py: Python<'_>,
        query: String,
        top_k: usize,
        filters_json: Option<&str>,
    ) -> PyResult<String> {
        let filters = filters_of(filters_json)?;
        hits_json(py, self.inner.search(&query, top_k, &filters))
    }

    /// Nearest neighbours of the query's embedding, as JSON hits.
    #[pyo3(signature = (query, top_k=10, filters_json=None))]
    fn vector_search(
        &self,
        py: Python<'_>,
        query: String,
        top_k: usize,
        filters_json: Option<&str>,
    ) -> PyResult<String> {
        let filters = filters_of(filters_json)?;
        hits_json(py, self.inner.vector_search(&query, top_k, &filters))
    }

    /// BM25 and vector hits fused by reciprocal rank, as JSON hits.
    #[pyo3(signature = (query, top_k=10, filters_json=None))]
    fn hybrid_search(
        &self,
        py: Python<'_>,
        query: String,
        top_k: usize,
        filters_json: Option<&str>,
    ) -> PyResult<String> {
        let filters = filters_of(filters_json)?;
        hits_json(py, self.inner.hybrid_search(&query, top_k, &filters))
    }

    /// One document as JSON (`{doc_id, content, metadata}`).
    fn get(&self, py: Python<'_>, doc_id: String) -> PyResult<String> {
        let doc = wait_interruptibly(py, self.inner.get(&doc_id), || {})?;
        serde_json::to_string(&doc.map_err(retrieval_error)?).map_err(json_error)
    }
}
