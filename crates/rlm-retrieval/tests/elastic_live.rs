//! Against a live Elasticsearch 8 cluster, opt-in: built only with the `live-tests` feature
//! (e.g. `RLM_ES_URL=http://127.0.0.1:9200 cargo test -p rlm-retrieval --features live-tests --test elastic_live`;
//! `RLM_ES_API_KEY` if the cluster needs one). Creates a scratch index, indexes three
//! documents with 3-dimensional vectors, searches it every way, deletes it.
//! Never run by us: no cluster can be installed on our machines.

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_adapters::Secret;
use rlm_retrieval::{ElasticConfig, ElasticRetriever, Embedder, Filters, HybridMode, Retriever};
use serde_json::json;

struct TinyEmbedder;
impl Embedder for TinyEmbedder {
    fn id(&self) -> String {
        "test:tiny".into()
    }
    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Vec<f32>>>> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|t| {
                    let t = t.to_lowercase();
                    vec![
                        t.contains("owl") as u8 as f32 + 0.01,
                        t.contains("bee") as u8 as f32 + 0.01,
                        0.01,
                    ]
                })
                .collect())
        })
    }
}

#[tokio::test]
async fn live_cluster_roundtrip() {
    let url = std::env::var("RLM_ES_URL").expect("RLM_ES_URL names the cluster to test against");
    let key = std::env::var("RLM_ES_API_KEY").ok();
    let index = format!("rlm-live-test-{}", std::process::id());
    let client = reqwest::Client::new();
    let auth = |r: reqwest::RequestBuilder| match &key {
        Some(k) => r.header("authorization", format!("ApiKey {k}")),
        None => r,
    };
    let mapping = json!({ "mappings": { "properties": {
        "content": { "type": "text" },
        "topic": { "type": "keyword" },
        "embedding": { "type": "dense_vector", "dims": 3, "index": true, "similarity": "cosine" }
    }}});
    auth(client.put(format!("{url}/{index}")).json(&mapping))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let docs = [
        ("a", "Owls hunt at night.", "birds"),
        ("b", "Bees make honey.", "insects"),
        ("c", "The barn owl has a pale face.", "birds"),
    ];
    for (id, text, topic) in docs {
        let vector = TinyEmbedder.embed(&[text.to_string()]).await.unwrap().remove(0);
        auth(client.put(format!("{url}/{index}/_doc/{id}?refresh=true")))
            .json(&json!({ "content": text, "topic": topic, "embedding": vector }))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
    let mut config = ElasticConfig::new(&url, &index);
    config.api_key = key.clone().map(Secret::new);
    config.hybrid = HybridMode::ClientRrf;
    let r = ElasticRetriever::new(config, Some(Arc::new(TinyEmbedder))).unwrap();
    let hits = r.search("owl", 5, &Filters::none()).await.unwrap();
    assert_eq!(hits.first().map(|h| h.doc_id.as_str()), Some("c"));
    let birds = Filters::from_json(json!({"topic": "birds"})).unwrap();
    let hits = r.vector_search("owl", 5, &birds).await.unwrap();
    assert!(hits.iter().all(|h| h.metadata["topic"] == "birds"));
    assert!(!r.hybrid_search("owl", 2, &Filters::none()).await.unwrap().is_empty());
    assert_eq!(r.get("b").await.unwrap().content, "Bees make honey.");
    auth(client.delete(format!("{url}/{index}"))).send().await.unwrap();
}
