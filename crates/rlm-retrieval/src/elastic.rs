//! The Elasticsearch 8 backend: BM25 `match` queries, approximate `knn`, and
//! hybrid search by the server's RRF retriever (8.14+) or by fusing both lists
//! here. Speaks the REST API with reqwest.
//!
//! Tested against responses written from Elasticsearch's documented format
//! (`tests/elastic.rs`); it has NOT been run against a live cluster. A live test
//! exists and runs only when `RLM_ES_URL` is set (`tests/elastic_live.rs`).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_adapters::Secret;
use serde_json::{Value, json};

use crate::embed::Embedder;
use crate::error::{Result, RetrievalError};
use crate::fusion::{RRF_K, reciprocal_rank_fusion};
use crate::preview::{PREVIEW_CHARS, preview, query_words};
use crate::retriever::Retriever;
use crate::types::{Fetched, Filters, Hit, MAX_K, Metadata, check_query};

/// How `hybrid_search` fuses lexical and vector results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HybridMode {
    /// One request with the server's `rrf` retriever (Elasticsearch 8.14+, licensed tiers).
    #[default]
    ServerRrf,
    /// Two requests (`match`, `knn`) fused here by reciprocal-rank fusion.
    ClientRrf,
}

/// Where and what to search.
#[derive(Debug, Clone)]
pub struct ElasticConfig {
    /// Base URL of the cluster, e.g. `http://127.0.0.1:9200`.
    pub url: String,
    pub index: String,
    /// Sent as `Authorization: ApiKey ...`.
    pub api_key: Option<Secret>,
    /// The field holding the text (searched, previewed, returned by `get`).
    pub text_field: String,
    /// The `dense_vector` field (for `knn`).
    pub vector_field: String,
    pub hybrid: HybridMode,
    pub timeout: Duration,
}

impl ElasticConfig {
    /// Defaults: text in `content`, vectors in `embedding`, server-side RRF, 30 s timeout.
    pub fn new(url: &str, index: &str) -> Self {
        ElasticConfig {
            url: url.trim_end_matches('/').to_string(),
            index: index.to_string(),
            api_key: None,
            text_field: "content".into(),
            vector_field: "embedding".into(),
            hybrid: HybridMode::ServerRrf,
            timeout: Duration::from_secs(30),
        }
    }
}

/// A [`Retriever`] over one Elasticsearch index. Vector and hybrid search need
/// an [`Embedder`] producing the same vectors as those indexed.
pub struct ElasticRetriever {
    config: ElasticConfig,
    client: reqwest::Client,
    embedder: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for ElasticRetriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElasticRetriever")
            .field("url", &self.config.url)
            .field("index", &self.config.index)
            .finish()
    }
}

fn backend(message: impl Into<String>) -> RetrievalError {
    RetrievalError::Backend { service: "elasticsearch", message: message.into() }
}

impl ElasticRetriever {
    pub fn new(config: ElasticConfig, embedder: Option<Arc<dyn Embedder>>) -> Result<Self> {
        if config.index.is_empty() || config.index.contains(['/', '?', '#', ' ']) {
            return Err(RetrievalError::invalid(format!("bad index name '{}'", config.index)));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| backend(e.to_string()))?;
        Ok(ElasticRetriever { config, client, embedder })
    }

    fn filter_clauses(filters: &Filters) -> Vec<Value> {
        filters.0.iter().map(|(k, v)| json!({ "term": { k: v } })).collect()
    }

    fn lexical_query(&self, query: &str, filters: &Filters) -> Value {
        json!({ "bool": {
            "must": [{ "match": { self.config.text_field.clone(): query } }],
            "filter": Self::filter_clauses(filters),
        }})
    }

    fn knn_clause(&self, vector: &[f32], k: usize, filters: &Filters) -> Value {
        json!({
            "field": self.config.vector_field,
            "query_vector": vector,
            "k": k,
            "num_candidates": (k * 10).clamp(100, 10_000),
            "filter": Self::filter_clauses(filters),
        })
    }

    fn source_filter(&self) -> Value {
        json!({ "excludes": [self.config.vector_field] })
    }

    /// The body of a lexical search (public for tests and debugging).
    pub fn search_body(&self, query: &str, k: usize, filters: &Filters) -> Value {
        json!({ "size": k, "query": self.lexical_query(query, filters), "_source": self.source_filter() })
    }

    /// The body of a kNN search.
    pub fn knn_body(&self, vector: &[f32], k: usize, filters: &Filters) -> Value {
        json!({ "size": k, "knn": self.knn_clause(vector, k, filters), "_source": self.source_filter() })
    }

    /// The body of a server-side RRF hybrid search.
    pub fn rrf_body(&self, query: &str, vector: &[f32], k: usize, filters: &Filters) -> Value {
        let depth = (k * 3).clamp(50, MAX_K);
        json!({
            "size": k,
            "retriever": { "rrf": {
                "retrievers": [
                    { "standard": { "query": self.lexical_query(query, filters) } },
                    { "knn": self.knn_clause(vector, depth, filters) },
                ],
                "rank_window_size": depth,
                "rank_constant": RRF_K as u64,
            }},
            "_source": self.source_filter(),
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let url = format!("{}/{}", self.config.url, path);
        let mut request = self.client.request(method, &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = &self.config.api_key {
            request =
                request.header(reqwest::header::AUTHORIZATION, format!("ApiKey {}", key.expose()));
        }
        let response = request.send().await.map_err(|e| backend(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| backend(format!("{url}: {e}")))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            backend(format!("{url}: HTTP {status}, body is not JSON ({e}): {excerpt}"))
        })?;
        Ok((status, value))
    }

    async fn run_search(&self, body: &Value, query: &str) -> Result<Vec<Hit>> {
        let path = format!("{}/_search", self.config.index);
        let (status, value) = self.send(reqwest::Method::POST, &path, Some(body)).await?;
        if !(200..300).contains(&status) {
            return Err(backend(format!("HTTP {status}: {}", error_reason(&value))));
        }
        self.parse_hits(&value, query)
    }

    /// Turns a `_search` response into hits.
    pub fn parse_hits(&self, value: &Value, query: &str) -> Result<Vec<Hit>> {
        let hits = value
            .pointer("/hits/hits")
            .and_then(Value::as_array)
            .ok_or_else(|| backend("response has no hits.hits array"))?;
        let words = query_words(query);
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let doc_id = hit
                .get("_id")
                .and_then(Value::as_str)
                .ok_or_else(|| backend("a hit has no _id"))?
                .to_string();
            if !seen.insert(doc_id.clone()) {
                continue;
            }
            let score = hit.get("_score").and_then(Value::as_f64).unwrap_or(0.0);
            let (text, metadata) = self.split_source(hit.get("_source"));
            out.push(Hit {
                doc_id,
                preview: preview(&text, &words, PREVIEW_CHARS),
                score,
                metadata,
            });
        }
        Ok(out)
    }

    fn split_source(&self, source: Option<&Value>) -> (String, Metadata) {
        let mut metadata = source.and_then(Value::as_object).cloned().unwrap_or_default();
        let text = match metadata.remove(&self.config.text_field) {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        metadata.remove(&self.config.vector_field);
        (text, metadata)
    }

    async fn embed_query(&self, query: &str) -> Result<Vec<f32>> {
        let Some(embedder) = &self.embedder else {
            return Err(RetrievalError::Unsupported(
                "vector search needs an embedding model; none is configured for Elasticsearch"
                    .into(),
            ));
        };
        embedder
            .embed(&[query.to_string()])
            .await?
            .pop()
            .ok_or_else(|| RetrievalError::Model("no embedding for the query".into()))
    }

    async fn search_impl(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        self.run_search(&self.search_body(query, k, filters), query).await
    }

    async fn vector_impl(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        let vector = self.embed_query(query).await?;
        self.run_search(&self.knn_body(&vector, k, filters), query).await
    }

    async fn hybrid_impl(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        let vector = self.embed_query(query).await?;
        match self.config.hybrid {
            HybridMode::ServerRrf => {
                let mut hits =
                    self.run_search(&self.rrf_body(query, &vector, k, filters), query).await?;
                hits.truncate(k);
                Ok(hits)
            }
            HybridMode::ClientRrf => {
                let depth = (k * 3).clamp(50, MAX_K);
                let lexical =
                    self.run_search(&self.search_body(query, depth, filters), query).await?;
                let semantic =
                    self.run_search(&self.knn_body(&vector, depth, filters), query).await?;
                Ok(reciprocal_rank_fusion(&[lexical, semantic], k, RRF_K))
            }
        }
    }

    async fn get_impl(&self, doc_id: &str) -> Result<Fetched> {
        if doc_id.is_empty() {
            return Err(RetrievalError::invalid("doc_id must not be empty"));
        }
        let path = format!("{}/_doc/{}", self.config.index, encode_path_segment(doc_id));
        let (status, value) = self.send(reqwest::Method::GET, &path, None).await?;
        let found = value.get("found").and_then(Value::as_bool);
        if status == 404 || found == Some(false) {
            return Err(RetrievalError::NotFound(doc_id.to_string()));
        }
        if !(200..300).contains(&status) {
            return Err(backend(format!("HTTP {status}: {}", error_reason(&value))));
        }
        let (content, metadata) = self.split_source(value.get("_source"));
        let doc_id = value.get("_id").and_then(Value::as_str).unwrap_or(doc_id).to_string();
        Ok(Fetched { doc_id, content, metadata })
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so an id
/// cannot change the request path.
fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `error.reason` of an Elasticsearch error body, or the body itself.
fn error_reason(value: &Value) -> String {
    value
        .pointer("/error/reason")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string().chars().take(300).collect())
}

impl Retriever for ElasticRetriever {
    fn name(&self) -> &str {
        "elasticsearch"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.search_impl(query, k, filters))
    }

    fn vector_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.vector_impl(query, k, filters))
    }

    fn hybrid_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.hybrid_impl(query, k, filters))
    }

    fn get<'a>(&'a self, doc_id: &'a str) -> BoxFuture<'a, Result<Fetched>> {
        Box::pin(self.get_impl(doc_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_the_path() {
        assert_eq!(encode_path_segment("a/../_bulk?x=1"), "a%2F..%2F_bulk%3Fx%3D1");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
    }

    #[test]
    fn bad_index_names_are_refused() {
        assert!(ElasticRetriever::new(ElasticConfig::new("http://x", "a/b"), None).is_err());
        assert!(ElasticRetriever::new(ElasticConfig::new("http://x", ""), None).is_err());
    }
}
