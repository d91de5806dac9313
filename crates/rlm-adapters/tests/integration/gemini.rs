//! Gemini API and Vertex AI: URLs, key in a header (never in the URL), body
//! shape, candidates/parts parsing, usage metadata, SSE streaming, errors.

use rlm_adapters::{
    AdapterErrorKind, GeminiAdapter, GeminiConfig, GeminiEndpoint, HttpOptions, ModelAdapter,
    Secret, collect_stream,
};
use rlm_types::{CompletionRequest, FinishReason, Usage};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{body_of, fast_http, request_count};
use crate::openai::rich_request;

fn api_key_adapter(base: &str, http: HttpOptions) -> GeminiAdapter {
    let mut c =
        GeminiConfig::api_key("gemini-2.5-flash", Secret::new("AIzaTestKey000000000000000000"));
    if let GeminiEndpoint::ApiKey { base_url, .. } = &mut c.endpoint {
        *base_url = format!("{base}/v1beta");
    }
    c.http = http;
    GeminiAdapter::new(c).unwrap()
}

fn ok_body() -> serde_json::Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": "thinking...", "thought": true}, {"text": "Paris"}, {"text": "!"}]},
                        "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 2, "thoughtsTokenCount": 30, "cachedContentTokenCount": 16},
        "modelVersion": "gemini-2.5-flash-001"
    })
}

#[tokio::test]
async fn api_key_request_and_parsing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash:generateContent"))
        .and(header("x-goog-api-key", "AIzaTestKey000000000000000000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = api_key_adapter(&server.uri(), http);
    let c = a.complete(&rich_request()).await.unwrap();
    insta::assert_json_snapshot!("gemini_body", body_of(&server, 0).await);
    let reqs = server.received_requests().await.unwrap();
    assert!(!reqs[0].url.as_str().contains("AIza"), "the key must not be in the URL");
    assert_eq!(c.text, "Paris!");
    assert_eq!(c.usage, Usage { prompt_tokens: 20, completion_tokens: 32, cached_tokens: 16 });
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.model, "gemini-2.5-flash-001");
    assert_eq!(a.model_id().to_string(), "gemini:gemini-2.5-flash");
}

#[tokio::test]
async fn vertex_url_and_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent"))
        .and(header("authorization", "Bearer ya29.vertex-token-0000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = GeminiAdapter::new(GeminiConfig {
        model: "gemini-2.5-pro".into(),
        endpoint: GeminiEndpoint::Vertex {
            base_url: Some(server.uri()),
            project: "proj-1".into(),
            location: "europe-west4".into(),
            access_token: Secret::new("ya29.vertex-token-0000"),
        },
        context_window: None,
        http,
    })
    .unwrap();
    assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "Paris!");
    assert_eq!(a.model_id().to_string(), "vertex:gemini-2.5-pro");
}

#[tokio::test]
async fn blocked_prompt_and_malformed() {
    let cases = [
        (
            json!({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}),
            Ok(FinishReason::ContentFilter),
        ),
        (
            json!({"candidates": [{"content": {"parts": [{"text": "cut"}]}, "finishReason": "MAX_TOKENS"}]}),
            Ok(FinishReason::Length),
        ),
        (json!({"something": "else"}), Err(AdapterErrorKind::MalformedResponse)),
    ];
    for (body, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let (http, _) = fast_http(0);
        let got =
            api_key_adapter(&server.uri(), http).complete(&CompletionRequest::user("q")).await;
        match want {
            Ok(f) => assert_eq!(got.unwrap().finish_reason, Some(f)),
            Err(k) => assert_eq!(got.unwrap_err().kind(), k),
        }
    }
}

#[tokio::test]
async fn streams_over_sse() {
    let server = MockServer::start().await;
    let body = concat!(
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Par\"}],\"role\":\"model\"}}],\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"is\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2}}\r\n\r\n",
    );
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash:streamGenerateContent"))
        .and(query_param("alt", "sse"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = api_key_adapter(&server.uri(), http);
    let (deltas, c) = collect_stream(a.stream(&CompletionRequest::user("q")).await.result.unwrap())
        .await
        .unwrap();
    assert_eq!(deltas, vec!["Par", "is"]);
    assert_eq!(c.usage, Usage { prompt_tokens: 4, completion_tokens: 2, cached_tokens: 0 });
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
}

#[tokio::test]
async fn statuses() {
    let cases = [
        (
            400,
            json!({"error":{"code":400,"message":"The input token count (1500000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}),
            AdapterErrorKind::ContextLengthExceeded,
            1,
        ),
        (
            400,
            json!({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}),
            AdapterErrorKind::Auth,
            1,
        ),
        (
            403,
            json!({"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}),
            AdapterErrorKind::Auth,
            1,
        ),
        (
            404,
            json!({"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta","status":"NOT_FOUND"}}),
            AdapterErrorKind::ModelNotFound,
            1,
        ),
        (
            429,
            json!({"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}),
            AdapterErrorKind::RateLimited,
            3,
        ),
        (
            503,
            json!({"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}),
            AdapterErrorKind::Server,
            3,
        ),
    ];
    for (status, body, kind, requests) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let (http, _) = fast_http(2);
        let err = api_key_adapter(&server.uri(), http)
            .complete(&CompletionRequest::user("q"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status} {err}");
        assert_eq!(request_count(&server).await, requests);
    }
}

#[test]
fn config_errors() {
    assert!(GeminiAdapter::new(GeminiConfig::api_key("m", Secret::new(""))).is_err());
    assert!(GeminiAdapter::new(GeminiConfig::api_key("m?x=1", Secret::new("k-000000"))).is_err());
}

#[tokio::test]
async fn stream_answered_as_a_json_array() {
    let server = MockServer::start().await;
    let chunks = json!([
        {"candidates": [{"content": {"parts": [{"text": "a"}]}}]},
        {"candidates": [{"content": {"parts": [{"text": "b"}]}, "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}}
    ]);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chunks))
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = api_key_adapter(&server.uri(), http);
    let (deltas, c) = collect_stream(a.stream(&CompletionRequest::user("q")).await.result.unwrap())
        .await
        .unwrap();
    assert_eq!(deltas, vec!["a", "b"]);
    assert_eq!(c.text, "ab");
    assert_eq!(c.usage.completion_tokens, 2);
}

#[tokio::test]
async fn a_json_schema_becomes_the_response_json_schema() {
    // Gemini's structured output (issue #57): JSON, constrained by the schema.
    let server = MockServer::start().await;
    let reply = json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": "{\"city\": \"Paris\"}"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 6}
    });
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash:generateContent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = api_key_adapter(&server.uri(), http);
    let mut r = rlm_types::CompletionRequest::user("Which city?");
    r.params.constraint = Some(rlm_types::OutputConstraint::JsonSchema(
        r#"{"type":"object","properties":{"city":{"type":"string"}}}"#.into(),
    ));
    let c = a.complete(&r).await.unwrap();
    assert_eq!(c.text, "{\"city\": \"Paris\"}");
    let body = body_of(&server, 0).await;
    assert_eq!(body["generationConfig"]["responseMimeType"], "application/json");
    assert_eq!(
        body["generationConfig"]["responseJsonSchema"],
        json!({"type": "object", "properties": {"city": {"type": "string"}}})
    );
}
