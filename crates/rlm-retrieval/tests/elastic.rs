//! The Elasticsearch backend's wire format, against a wiremock server answering
//! with the documented response bodies in `fixtures/elastic/` (not captured from
//! a live cluster): request shapes (match, knn, rrf retriever, filters, auth),
//! hit parsing, `get`, errors.

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_adapters::Secret;
use rlm_retrieval::{
    ElasticConfig, ElasticRetriever, Embedder, Filters, HybridMode, RetrievalError, Retriever,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/elastic/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A fixed 3-dimensional query embedding.
struct FixedEmbedder;
impl Embedder for FixedEmbedder {
    fn id(&self) -> String {
        "test:fixed".into()
    }
    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Vec<f32>>>> {
        Box::pin(async move { Ok(texts.iter().map(|_| vec![0.5, 0.25, 0.125]).collect()) })
    }
}

fn retriever(server: &MockServer, mode: HybridMode) -> ElasticRetriever {
    let mut config = ElasticConfig::new(&server.uri(), "essays");
    config.api_key = Some(Secret::new("c2VjcmV0LWtleQ=="));
    config.hybrid = mode;
    ElasticRetriever::new(config, Some(Arc::new(FixedEmbedder))).unwrap()
}

#[tokio::test]
async fn match_search_sends_bm25_query_with_filters_and_parses_hits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .and(header("authorization", "ApiKey c2VjcmV0LWtleQ=="))
        .and(body_partial_json(json!({
            "size": 5,
            "query": { "bool": {
                "must": [{ "match": { "content": "great work" } }],
                "filter": [{ "term": { "year": 2023 } }]
            }},
            "_source": { "excludes": ["embedding"] }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("search_match.json")))
        .expect(1)
        .mount(&server)
        .await;
    let r = retriever(&server, HybridMode::ServerRrf);
    let filters = Filters::from_json(json!({"year": 2023})).unwrap();
    let hits = r.search("great work", 5, &filters).await.unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].doc_id, "pg-42");
    assert!((hits[0].score - 1.6943598).abs() < 1e-9);
    assert!(hits[0].preview.starts_with("How to do great work."));
    assert_eq!(hits[0].metadata["title"], "How to Do Great Work");
    assert!(!hits[0].metadata.contains_key("content"));
}

#[tokio::test]
async fn knn_search_embeds_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .and(body_partial_json(json!({
            "size": 2,
            "knn": { "field": "embedding", "query_vector": [0.5, 0.25, 0.125], "k": 2, "num_candidates": 100 }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("search_knn.json")))
        .expect(1)
        .mount(&server)
        .await;
    let hits = retriever(&server, HybridMode::ServerRrf)
        .vector_search("hard problems", 2, &Filters::none())
        .await
        .unwrap();
    assert_eq!(hits.iter().map(|h| h.doc_id.as_str()).collect::<Vec<_>>(), ["pg-7", "pg-42"]);
}

#[tokio::test]
async fn hybrid_uses_the_rrf_retriever_or_fuses_locally() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .and(body_partial_json(json!({
            "retriever": { "rrf": { "rank_constant": 60, "rank_window_size": 50 } }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("search_rrf.json")))
        .expect(1)
        .mount(&server)
        .await;
    let hits = retriever(&server, HybridMode::ServerRrf)
        .hybrid_search("work", 2, &Filters::none())
        .await
        .unwrap();
    assert_eq!(hits.iter().map(|h| h.doc_id.as_str()).collect::<Vec<_>>(), ["pg-7", "pg-42"]);

    // Client-side: a match request and a knn request, fused by reciprocal rank.
    let local = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .and(body_partial_json(
            json!({ "query": { "bool": { "must": [{ "match": { "content": "work" } }] } } }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("search_match.json")))
        .expect(1)
        .mount(&local)
        .await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .and(body_partial_json(json!({ "knn": { "field": "embedding" } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("search_knn.json")))
        .expect(1)
        .mount(&local)
        .await;
    let hits = retriever(&local, HybridMode::ClientRrf)
        .hybrid_search("work", 10, &Filters::none())
        .await
        .unwrap();
    // Both lists hold both documents at ranks 1 and 2: equal fused scores, first-seen order.
    assert_eq!(hits.len(), 2);
    assert!((hits[0].score - (1.0 / 61.0 + 1.0 / 62.0)).abs() < 1e-12);
}

#[tokio::test]
async fn get_returns_the_source_without_the_vector() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/essays/_doc/pg-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_found.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/essays/_doc/nope"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("get_missing.json")))
        .mount(&server)
        .await;
    let r = retriever(&server, HybridMode::ServerRrf);
    let doc = r.get("pg-42").await.unwrap();
    assert!(doc.content.starts_with("How to do great work."));
    assert_eq!(doc.metadata["year"], 2023);
    assert!(!doc.metadata.contains_key("embedding"));
    assert!(matches!(r.get("nope").await, Err(RetrievalError::NotFound(id)) if id == "nope"));
    assert!(matches!(r.get("").await, Err(RetrievalError::InvalidArgument(_))));
}

#[tokio::test]
async fn server_errors_and_bad_bodies_are_backend_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/missing/_search"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("error_no_index.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/essays/_search"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy error</html>"))
        .mount(&server)
        .await;
    let missing =
        ElasticRetriever::new(ElasticConfig::new(&server.uri(), "missing"), None).unwrap();
    let err = missing.search("x", 3, &Filters::none()).await.unwrap_err();
    assert!(
        matches!(&err, RetrievalError::Backend { message, .. } if message.contains("no such index [missing]")),
        "{err}"
    );
    let err = retriever(&server, HybridMode::ServerRrf)
        .search("x", 3, &Filters::none())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RetrievalError::Backend { message, .. } if message.contains("not JSON")),
        "{err}"
    );
    // No embedder: vector search is unsupported, not a request.
    let err = missing.vector_search("x", 3, &Filters::none()).await.unwrap_err();
    assert!(matches!(err, RetrievalError::Unsupported(_)));
}
