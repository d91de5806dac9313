//! Generic JSON-template adapter: placeholders filled (and dropped when the
//! request lacks a parameter), pointers read, config files, errors.

use rlm_adapters::{AdapterErrorKind, GenericAdapter, GenericConfig, ModelAdapter, Secret};
use rlm_types::{CompletionRequest, FinishReason, Usage};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{body_of, fast_http, request_count};
use crate::openai::rich_request;

fn config(url: &str) -> GenericConfig {
    serde_json::from_value(json!({
        "model": "house-llm",
        "url": format!("{url}/generate"),
        "headers": {"X-Auth": "Token {api_key}", "X-Team": "research"},
        "api_key_env": "HOUSE_KEY",
        "request": {
            "engine": "{{model}}",
            "input": {"chat": "{{messages}}", "question": "Q: {{prompt}}", "preamble": "{{system}}"},
            "options": {"limit": "{{max_tokens}}", "temp": "{{temperature}}", "top_p": "{{top_p}}", "stop": "{{stop}}", "seed": "{{seed}}", "fixed": 1}
        },
        "response": {
            "text": "/output/text",
            "prompt_tokens": "/meta/in",
            "completion_tokens": "/meta/out",
            "finish_reason": "/output/why",
            "model": "/meta/model"
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn template_pointers_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/generate"))
        .and(header("x-auth", "Token house-key-123456"))
        .and(header("x-team", "research"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "output": {"text": "42", "why": "length"}, "meta": {"in": 30, "out": 2, "model": "house-llm-v3"}
        })))
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = GenericAdapter::new(config(&server.uri()), Some(Secret::new("house-key-123456")), http)
        .unwrap();
    let c = a.complete(&rich_request()).await.unwrap();
    assert_eq!(c.text, "42");
    assert_eq!(c.usage, Usage { prompt_tokens: 30, completion_tokens: 2, cached_tokens: 0 });
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert_eq!(c.model, "house-llm-v3");
    assert_eq!(a.model_id().to_string(), "generic:house-llm");
    insta::assert_json_snapshot!("generic_full_body", body_of(&server, 0).await);
    // Unset parameters drop their keys.
    insta::assert_json_snapshot!(
        "generic_minimal_body",
        a.request_body(&CompletionRequest::user("hi"))
    );
}

#[tokio::test]
async fn missing_or_wrong_text_is_malformed_and_statuses_classify() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"output": {"text": 5}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"nothing": true})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down"))
        .mount(&server)
        .await;
    let (http, _) = fast_http(1);
    let a = GenericAdapter::new(config(&server.uri()), Some(Secret::new("house-key-123456")), http)
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            a.complete(&CompletionRequest::user("q")).await.unwrap_err().kind(),
            AdapterErrorKind::MalformedResponse
        );
    }
    let report = a.call(&CompletionRequest::user("q")).await;
    assert_eq!(report.result.unwrap_err().kind(), AdapterErrorKind::Server);
    assert_eq!(report.attempts, 2);
    assert_eq!(request_count(&server).await, 4);
}

#[test]
fn config_files_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("api.toml");
    std::fs::write(
        &p,
        r#"
model = "m"
url = "http://127.0.0.1:1/x"
request = { prompt = "{{prompt}}", n = "{{max_tokens}}" }
[response]
text = "/text"
"#,
    )
    .unwrap();
    let c = GenericConfig::from_file(&p).unwrap();
    assert_eq!(c.model, "m");
    let (http, _) = fast_http(0);
    GenericAdapter::new(c.clone(), None, http.clone()).unwrap();

    // {api_key} without a key
    let mut with_key = c.clone();
    with_key.headers.insert("Authorization".into(), "Bearer {api_key}".into());
    assert_eq!(
        GenericAdapter::new(with_key, None, http.clone()).unwrap_err().kind(),
        AdapterErrorKind::Config
    );
    // bad pointer
    let mut bad = c;
    bad.response.text = "text".into();
    assert_eq!(GenericAdapter::new(bad, None, http).unwrap_err().kind(), AdapterErrorKind::Config);
    // unknown field, unreadable file
    std::fs::write(
        &p,
        "model = \"m\"\nurl = \"http://x\"\nrequest = {}\nbogus = 1\n[response]\ntext = \"/t\"\n",
    )
    .unwrap();
    assert_eq!(GenericConfig::from_file(&p).unwrap_err().kind(), AdapterErrorKind::Config);
    assert_eq!(
        GenericConfig::from_file(&dir.path().join("nope.json")).unwrap_err().kind(),
        AdapterErrorKind::Config
    );
}
