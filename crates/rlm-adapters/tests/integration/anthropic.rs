//! Anthropic Messages adapter against a local server: body shape (system
//! placement, merged turns, max_tokens), headers, content blocks, usage with
//! cache reads, SSE events, overloaded/error statuses.

use std::time::Duration;

use rlm_adapters::{
    AdapterErrorKind, AnthropicAdapter, AnthropicConfig, HttpOptions, ModelAdapter, RetryReason,
    Secret, collect_stream,
};
use rlm_types::{ChatMessage, CompletionRequest, FinishReason, Usage};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{body_of, fast_http, request_count};
use crate::openai::rich_request;

fn adapter(base: &str, http: HttpOptions) -> AnthropicAdapter {
    let mut c =
        AnthropicConfig::new("claude-sonnet-4-5", Secret::new("sk-ant-test-0000000000000000"));
    c.base_url = base.to_string();
    c.http = http;
    AnthropicAdapter::new(c).unwrap()
}

fn ok_body() -> serde_json::Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Hello"}, {"type": "text", "text": " there"}],
        "stop_reason": "max_tokens",
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 90, "cache_creation_input_tokens": 5, "output_tokens": 7}
    })
}

#[tokio::test]
async fn body_headers_and_parsing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test-0000000000000000"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .expect(1)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = adapter(&server.uri(), http);
    let c = a.complete(&rich_request()).await.unwrap();
    insta::assert_json_snapshot!("anthropic_body", body_of(&server, 0).await);
    assert_eq!(c.text, "Hello there");
    assert_eq!(c.usage, Usage { prompt_tokens: 105, completion_tokens: 7, cached_tokens: 90 });
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert_eq!(c.model, "claude-sonnet-4-5-20250929");
    assert_eq!(a.model_id().to_string(), "anthropic:claude-sonnet-4-5");
    assert_eq!(a.context_window(), Some(200_000));
}

#[tokio::test]
async fn turns_are_merged_and_start_with_user() {
    let (http, _) = fast_http(0);
    let a = adapter("http://127.0.0.1:9", http);
    let req = CompletionRequest {
        messages: vec![
            ChatMessage::system("s1"),
            ChatMessage::assistant("a0"),
            ChatMessage::user("u1"),
            ChatMessage::user("u2"),
            ChatMessage::system("s2"),
        ],
        params: Default::default(),
        traceparent: None,
    };
    insta::assert_json_snapshot!("anthropic_merged_turns_body", a.request_body(&req, false));
}

const STREAM: &str = "event: message_start\n\
data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\",\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n\
event: content_block_start\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
event: ping\n\
data: {\"type\": \"ping\"}\n\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" you\"}}\n\n\
event: content_block_stop\n\
data: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
event: message_delta\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n\
event: message_stop\n\
data: {\"type\":\"message_stop\"}\n\n";

#[tokio::test]
async fn streams_text_deltas_and_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(STREAM, "text/event-stream"))
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let report = adapter(&server.uri(), http).stream(&CompletionRequest::user("q")).await;
    let (deltas, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(deltas, vec!["Hi", " you"]);
    assert_eq!(c.text, "Hi you");
    assert_eq!(c.usage, Usage { prompt_tokens: 25, completion_tokens: 15, cached_tokens: 0 });
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.model, "claude-x");
    assert_eq!(body_of(&server, 0).await["stream"], json!(true));
}

#[tokio::test]
async fn stream_error_event_and_cut_stream() {
    let with_error = STREAM.replace(
        "event: message_delta",
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\nevent: message_delta",
    );
    let cut = &STREAM[..STREAM.find("event: message_stop").unwrap()];
    for (body, kind) in
        [(with_error.as_str(), AdapterErrorKind::Server), (cut, AdapterErrorKind::Connection)]
    {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(body.to_string(), "text/event-stream"),
            )
            .mount(&server)
            .await;
        let (http, _) = fast_http(0);
        let events = adapter(&server.uri(), http)
            .stream(&CompletionRequest::user("q"))
            .await
            .result
            .unwrap();
        assert_eq!(collect_stream(events).await.unwrap_err().kind(), kind);
    }
}

#[tokio::test]
async fn statuses() {
    let overloaded =
        json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}});
    // 529 is retried
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(529).set_body_json(&overloaded))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    let (http, _) = fast_http(2);
    let report = adapter(&server.uri(), http).call(&CompletionRequest::user("q")).await;
    assert!(report.result.is_ok());
    assert_eq!(report.retries[0].reason, RetryReason::Status { status: 529 });

    // rate limit with anthropic reset headers
    let server = MockServer::start().await;
    let reset = httpdate_rfc3339(std::time::SystemTime::now() + Duration::from_secs(20));
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("anthropic-ratelimit-requests-remaining", "0")
                .insert_header("anthropic-ratelimit-requests-reset", reset.as_str())
                .set_body_json(json!({"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body()))
        .mount(&server)
        .await;
    let (http, sleeps) = fast_http(2);
    let report = adapter(&server.uri(), http).call(&CompletionRequest::user("q")).await;
    assert!(report.result.is_ok());
    let d = sleeps.lock().unwrap()[0];
    assert!(d > Duration::from_secs(17) && d <= Duration::from_secs(20), "{d:?}");

    // fatal ones
    let cases = [
        (
            400,
            json!({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}),
            AdapterErrorKind::ContextLengthExceeded,
        ),
        (
            401,
            json!({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}),
            AdapterErrorKind::Auth,
        ),
        (
            404,
            json!({"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}),
            AdapterErrorKind::ModelNotFound,
        ),
        (
            413,
            json!({"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}),
            AdapterErrorKind::BadRequest,
        ),
    ];
    for (status, body, kind) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let (http, _) = fast_http(2);
        let err =
            adapter(&server.uri(), http).complete(&CompletionRequest::user("q")).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status} {err}");
        assert_eq!(request_count(&server).await, 1);
    }

    // a 200 that is not a message
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "x"})))
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let err =
        adapter(&server.uri(), http).complete(&CompletionRequest::user("q")).await.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::MalformedResponse);
}

#[test]
fn missing_key_is_a_config_error() {
    let c = AnthropicConfig::new("claude", Secret::new(""));
    assert_eq!(AnthropicAdapter::new(c).unwrap_err().kind(), AdapterErrorKind::Config);
}

/// An RFC 3339 UTC timestamp for `t` (second precision).
fn httpdate_rfc3339(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A request whose reply must match a JSON schema (a structured subcall).
fn structured_request() -> CompletionRequest {
    let mut r = CompletionRequest::user("Which years?");
    r.params.constraint = Some(rlm_types::OutputConstraint::JsonSchema(
        r#"{"type":"array","items":{"type":"integer"}}"#.into(),
    ));
    r
}

#[tokio::test]
async fn a_json_schema_forces_the_answer_tool_and_its_input_is_the_reply() {
    // Anthropic has no response format: its structured output is one tool,
    // forced, whose input is the answer (issue #57). Asked whole when streamed.
    let server = MockServer::start().await;
    let reply = json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "answer", "input": {"answer": [1969, 1972]}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 30, "output_tokens": 12}
    });
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(2)
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = adapter(&server.uri(), http);
    let c = a.complete(&structured_request()).await.unwrap();
    assert_eq!(c.text, "[1969,1972]");
    assert_eq!(c.finish_reason, Some(FinishReason::ToolCalls));
    let body = body_of(&server, 0).await;
    assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "answer"}));
    assert_eq!(
        body["tools"][0]["input_schema"]["properties"]["answer"],
        json!({"type": "array", "items": {"type": "integer"}})
    );
    assert_eq!(body["tools"][0]["input_schema"]["required"], json!(["answer"]));

    let report = a.stream(&structured_request()).await;
    let (deltas, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(deltas.concat(), "[1969,1972]");
    assert_eq!(c.text, "[1969,1972]");
    let streamed = body_of(&server, 1).await;
    assert!(streamed.get("stream").is_none(), "asked whole: {streamed}");
}
