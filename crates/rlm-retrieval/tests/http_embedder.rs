//! Provider embeddings over HTTP against wiremock: OpenAI-compatible
//! `/v1/embeddings` (bearer key, `data[].index` order) and Ollama's `/api/embed`.

use rlm_adapters::Secret;
use rlm_retrieval::{Embedder, EmbeddingApi, HttpEmbedder, RetrievalError};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn openai_compatible_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .and(header("authorization", "Bearer sk-test-123456"))
        .and(body_json(json!({ "model": "text-embedding-3-small", "input": ["a", "b"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                { "object": "embedding", "index": 1, "embedding": [0.0, 1.0] },
                { "object": "embedding", "index": 0, "embedding": [1.0, 0.0] }
            ],
            "model": "text-embedding-3-small",
            "usage": { "prompt_tokens": 2, "total_tokens": 2 }
        })))
        .mount(&server)
        .await;
    let e = HttpEmbedder::new(
        EmbeddingApi::OpenAi,
        &format!("{}/v1/", server.uri()),
        "text-embedding-3-small",
        Some(Secret::new("sk-test-123456")),
    )
    .unwrap();
    assert_eq!(e.id(), "openai:text-embedding-3-small");
    assert_eq!(e.embed(&texts(&["a", "b"])).await.unwrap(), vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert!(e.embed(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn ollama_endpoint_and_bad_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/embed"))
        .and(body_json(json!({ "model": "nomic-embed-text", "input": ["x"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "nomic-embed-text", "embeddings": [[0.25, 0.5, 0.75]]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/embed"))
        .and(body_json(json!({ "model": "nomic-embed-text", "input": ["x", "y"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "embeddings": [[0.25]] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/embed"))
        .and(body_json(json!({ "model": "missing", "input": ["x"] })))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "error": "model \"missing\" not found" })),
        )
        .mount(&server)
        .await;
    let e =
        HttpEmbedder::new(EmbeddingApi::Ollama, &server.uri(), "nomic-embed-text", None).unwrap();
    assert_eq!(e.embed(&texts(&["x"])).await.unwrap(), vec![vec![0.25, 0.5, 0.75]]);
    let err = e.embed(&texts(&["x", "y"])).await.unwrap_err();
    assert!(
        matches!(&err, RetrievalError::Backend { message, .. } if message.contains("1 embeddings for 2 inputs")),
        "{err}"
    );
    let missing = HttpEmbedder::new(EmbeddingApi::Ollama, &server.uri(), "missing", None).unwrap();
    let err = missing.embed(&texts(&["x"])).await.unwrap_err();
    assert!(
        matches!(&err, RetrievalError::Backend { message, .. } if message.contains("404")),
        "{err}"
    );
    assert!(HttpEmbedder::new(EmbeddingApi::Ollama, &server.uri(), " ", None).is_err());
}
