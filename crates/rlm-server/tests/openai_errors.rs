//! Every status `/v1` answers is OpenAI's error object (`{"error":
//! {"message", "type", "param", "code"}}`), also where no handler ran: an
//! unknown route under `/v1` (404), a wrong method (405), a missing key
//! (401), a body too large (413), the wrong content type (415), JSON of the
//! wrong shape (422), bad JSON (400), the key's concurrency (429). A client's
//! 1 MB model name comes back cut to a few hundred characters with its
//! length, on `/v1` and on `/api`.

use crate::common;

use std::time::Duration;

use common::*;
use rlm_server::ApiKey;
use serde_json::{Value, json};

const KEY: &str = "openai-errors-token-0123456789";

/// Asserts `body` is an OpenAI error object with this `type` and `code`.
fn assert_openai_error(status: u16, body: &Value, kind: &str, code: &str) {
    let e = &body["error"];
    assert!(e.is_object(), "{status}: not an OpenAI error object: {body}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{status}: {body}");
    assert!(e.get("param").is_some(), "{status}: no param: {body}");
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some(kind), Some(code)),
        "{status}: {body}"
    );
    assert!(body.get("detail").is_none(), "{status}: the native shape: {body}");
}

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_v1_status_is_an_openai_error_object() {
    let s = TestServer::start_with(demo_script(), |c| {
        c.api_keys = ApiKey::parse_list(&format!("alice:{KEY}")).unwrap();
        c.limits.max_body_bytes = 64 << 10;
        c.limits.max_concurrent_per_key = 1;
        c.scripted_token_delay = Duration::from_millis(20);
    })
    .await;
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text)))
    };
    let v1 = |path: &str| s.url(&format!("/v1{path}"));
    // 404: a route /v1 does not have, with and without a key.
    for path in ["/nope", "/chat/completion", "/models-list/x/y"] {
        let (status, body) =
            answer(s.client.get(v1(path)).bearer_auth(KEY).send().await.unwrap()).await;
        assert_eq!(status, 404, "{path}");
        assert_openai_error(status, &body, "invalid_request_error", "unknown_url");
    }
    let (status, body) = answer(s.client.post(v1("/embeddings")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert_openai_error(status, &body, "invalid_request_error", "unknown_url");
    // 405: a route asked with a method it does not take.
    let r = s.client.get(v1("/chat/completions")).bearer_auth(KEY).send().await.unwrap();
    assert!(r.headers().contains_key("allow"));
    let (status, body) = answer(r).await;
    assert_eq!(status, 405);
    assert_openai_error(status, &body, "invalid_request_error", "method_not_allowed");
    let (status, body) =
        answer(s.client.delete(v1("/models")).bearer_auth(KEY).send().await.unwrap()).await;
    assert_eq!(status, 405);
    assert_openai_error(status, &body, "invalid_request_error", "method_not_allowed");
    // 401: no key, a wrong key.
    for key in [None, Some("wrong-key-0123456789")] {
        let mut r = s.client.post(v1("/chat/completions")).json(&chat("rlm"));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        let (status, body) = answer(r.send().await.unwrap()).await;
        assert_eq!(status, 401);
        assert_openai_error(status, &body, "authentication_error", "invalid_api_key");
    }
    let post = |body: Vec<u8>, content_type: &str| {
        s.client
            .post(v1("/chat/completions"))
            .bearer_auth(KEY)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // 413: a body over the server's limit.
    let big = serde_json::to_vec(&json!({"model": "rlm", "messages": [
        {"role": "user", "content": "x".repeat(100 << 10)}]}))
    .unwrap();
    let (status, body) = answer(post(big, "application/json").await.unwrap()).await;
    assert_eq!(status, 413);
    assert_openai_error(status, &body, "invalid_request_error", "too_large");
    // A body far past the limit, still being sent when the server refuses it:
    // the client reads the 413, not a reset connection (it once lost it).
    for _ in 0..3 {
        let huge = serde_json::to_vec(&json!({"model": "rlm", "messages": [
            {"role": "user", "content": "x".repeat(8 << 20)}]}))
        .unwrap();
        let (status, body) = answer(post(huge, "application/json").await.unwrap()).await;
        assert_eq!(status, 413);
        assert_openai_error(status, &body, "invalid_request_error", "too_large");
    }
    // 415: not JSON by its content type.
    let (status, body) = answer(post(b"model=rlm".to_vec(), "text/plain").await.unwrap()).await;
    assert_eq!(status, 415);
    assert_openai_error(status, &body, "invalid_request_error", "unsupported_media_type");
    // 422: JSON of the wrong shape; 400: not JSON.
    let shape = serde_json::to_vec(&json!({"model": "rlm", "messages": "hi"})).unwrap();
    let (status, body) = answer(post(shape, "application/json").await.unwrap()).await;
    assert_eq!(status, 422);
    assert_openai_error(status, &body, "invalid_request_error", "invalid_json");
    let (status, body) =
        answer(post(b"{not json".to_vec(), "application/json").await.unwrap()).await;
    assert_eq!(status, 400);
    assert_openai_error(status, &body, "invalid_request_error", "invalid_json");
    // 429: the key's one slot is taken by a running stream.
    let stream = json!({"model": "rlm", "stream": true, "messages": [
        {"role": "user", "content": "a short context"}, {"role": "user", "content": DEMO_QUESTION}]});
    let first =
        s.client.post(v1("/chat/completions")).bearer_auth(KEY).json(&stream).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let r =
        s.client.post(v1("/chat/completions")).bearer_auth(KEY).json(&stream).send().await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    let (status, body) = answer(r).await;
    assert_eq!(status, 429);
    assert_openai_error(status, &body, "rate_limit_error", "rate_limit_exceeded");
    drop(first);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_model_name_is_not_echoed_back_whole() {
    let s = TestServer::start(demo_script()).await;
    let huge = format!("rlm:{}", "m".repeat(1 << 20));
    for model in [huge.clone(), "g".repeat(1 << 20)] {
        let r =
            s.client.post(s.url("/v1/chat/completions")).json(&chat(&model)).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let text = r.text().await.unwrap();
        assert!(text.len() < 2_000, "{} bytes came back", text.len());
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_openai_error(404, &body, "invalid_request_error", "model_not_found");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("({} characters)", model.len())), "{message}");
    }
    let r =
        s.client.get(s.url(&format!("/v1/models/{}", "q".repeat(20_000)))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().len() < 2_000);
    // The native API cuts it the same way.
    let r = s
        .client
        .post(s.url("/api/execute"))
        .json(&json!({"context": "ctx", "user_query": "q?", "model": huge}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.len() < 2_000, "{} bytes came back", text.len());
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains(&format!("({} characters)", huge.len())),
        "{body}"
    );
    s.stop().await;
}
