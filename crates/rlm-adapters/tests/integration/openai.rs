//! OpenAI-compatible adapter against local servers: request shape, parsing,
//! streaming, every retryable and non-retryable status, server wait hints,
//! malformed and truncated bodies, timeouts and refused connections.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rlm_adapters::{
    AdapterError, AdapterErrorKind, DelaySource, HttpOptions, ModelAdapter, OpenAiAdapter,
    OpenAiConfig, RetryBudget, RetryReason, Secret, StreamEvent, collect_stream,
};
use rlm_types::{
    ChatMessage, CompletionRequest, FinishReason, GenerationParams, OutputConstraint, Usage,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{body_of, fast_http, head, raw_server, refused_url, request_count};

pub fn adapter(base: &str, model: &str, http: HttpOptions) -> OpenAiAdapter {
    let mut c = OpenAiConfig::new("openai", model, format!("{base}/v1"));
    c.api_key = Some(Secret::new("sk-test-key-000000000000"));
    c.organization = Some("org-42".into());
    c.http = http;
    OpenAiAdapter::new(c).unwrap()
}

pub fn rich_request() -> CompletionRequest {
    CompletionRequest {
        messages: vec![
            ChatMessage::system("You write programs."),
            ChatMessage::user("How long is P?"),
            ChatMessage::assistant("```repl\nprint(len(P))\n```"),
            ChatMessage::user("Output: 1234"),
        ],
        params: GenerationParams {
            max_tokens: Some(256),
            temperature: Some(0.25),
            top_p: Some(0.5),
            stop: vec!["```\n".into()],
            seed: Some(7),
            constraint: None,
        },
        traceparent: None,
    }
}

pub fn ok_body(text: &str) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15,
                  "prompt_tokens_details": {"cached_tokens": 8}}
    })
}

async fn mock_ok(server: &MockServer, text: &str) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(text)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn request_bodies_and_headers() {
    let server = MockServer::start().await;
    mock_ok(&server, "ok").await;
    let (http, _) = fast_http(0);
    let a = adapter(&server.uri(), "gpt-4o-mini", http.clone());
    a.complete(&rich_request()).await.unwrap();
    insta::assert_json_snapshot!("openai_chat_body", body_of(&server, 0).await);
    let reqs = server.received_requests().await.unwrap();
    let h = &reqs[0].headers;
    assert_eq!(
        h.get("authorization").unwrap().to_str().unwrap(),
        "Bearer sk-test-key-000000000000"
    );
    assert_eq!(h.get("openai-organization").unwrap().to_str().unwrap(), "org-42");
    assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"));

    // Reasoning models: max_completion_tokens, no sampling parameters.
    let r = adapter(&server.uri(), "gpt-5-mini", http.clone());
    r.complete(&rich_request()).await.unwrap();
    insta::assert_json_snapshot!("openai_reasoning_body", body_of(&server, 1).await);

    // The streaming body asks for usage.
    insta::assert_json_snapshot!(
        "openai_stream_body",
        a.request_body(&CompletionRequest::user("hi"), true)
    );
}

#[tokio::test]
async fn parses_text_usage_finish_and_model() {
    let server = MockServer::start().await;
    mock_ok(&server, "The answer is 42.").await;
    let (http, _) = fast_http(0);
    let a = adapter(&server.uri(), "gpt-4o-mini", http);
    let report = a.call(&CompletionRequest::user("q")).await;
    assert_eq!(report.attempts, 1);
    assert!(report.retries.is_empty());
    let c = report.result.unwrap();
    assert_eq!(c.text, "The answer is 42.");
    assert_eq!(c.usage, Usage { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 8 });
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(a.model_id().to_string(), "openai:gpt-4o-mini");
    assert_eq!(a.context_window(), Some(128_000));
}

#[tokio::test]
async fn odd_but_valid_bodies() {
    let cases = [
        // content as parts, no usage, length finish
        (
            json!({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"length"}]}),
            "ab",
            Some(FinishReason::Length),
        ),
        // null content (e.g. a refusal or a tool call)
        (
            json!({"choices":[{"message":{"content":null},"finish_reason":"tool_calls"}]}),
            "",
            Some(FinishReason::ToolCalls),
        ),
        // no finish reason at all
        (json!({"choices":[{"message":{"content":"x"}}]}), "x", None),
    ];
    for (body, text, finish) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let (http, _) = fast_http(0);
        let c = adapter(&server.uri(), "m", http)
            .complete(&CompletionRequest::user("q"))
            .await
            .unwrap();
        assert_eq!(c.text, text);
        assert_eq!(c.finish_reason, finish);
        assert_eq!(c.model, "m");
    }
}

pub fn sse_body(deltas: &[&str]) -> String {
    let mut s = String::new();
    s.push_str("data: {\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
    for d in deltas {
        let chunk = json!({"model":"m-1","choices":[{"index":0,"delta":{"content":d},"finish_reason":null}]});
        s.push_str(&format!("data: {chunk}\n\n"));
    }
    s.push_str("data: {\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    s.push_str("data: {\"model\":\"m-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n");
    s.push_str("data: [DONE]\n\n");
    s
}

#[tokio::test]
async fn streams_deltas_then_completion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(sse_body(&["Hel", "lo", " wörld", "!"]), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let a = adapter(&server.uri(), "m", http);
    let report = a.stream(&CompletionRequest::user("q")).await;
    assert_eq!(report.attempts, 1);
    let (deltas, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(deltas, vec!["Hel", "lo", " wörld", "!"]);
    assert_eq!(c.text, "Hello wörld!");
    assert_eq!(c.usage, Usage { prompt_tokens: 9, completion_tokens: 4, cached_tokens: 0 });
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!(c.model, "m-1");
    assert_eq!(body_of(&server, 0).await["stream"], json!(true));
}

#[tokio::test]
async fn stream_split_across_tcp_writes() {
    let body = sse_body(&["α", "β γ", "δ"]).into_bytes();
    // Cut inside JSON, inside a multi-byte character and between \n\n.
    let cuts = [7, 40, 41, 95, 96, 97, 150, body.len() - 3];
    let mut pieces = vec![head(200, "text/event-stream", None)];
    let mut last = 0;
    for c in cuts {
        pieces.push(body[last..c].to_vec());
        last = c;
    }
    pieces.push(body[last..].to_vec());
    let (url, _) = raw_server(pieces, Duration::from_millis(3)).await;
    let (http, _) = fast_http(0);
    let (deltas, c) = collect_stream(
        adapter(&url, "m", http).stream(&CompletionRequest::user("q")).await.result.unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(deltas.concat(), "αβ γδ");
    assert_eq!(c.text, "αβ γδ");
}

#[tokio::test]
async fn stream_cut_off_is_an_error_not_a_short_answer() {
    let full = sse_body(&["one", "two"]);
    let cut = &full[..full.find("two").unwrap() + 10];
    let (url, _) = raw_server(
        vec![head(200, "text/event-stream", None), cut.as_bytes().to_vec()],
        Duration::ZERO,
    )
    .await;
    let (http, _) = fast_http(0);
    let events =
        adapter(&url, "m", http).stream(&CompletionRequest::user("q")).await.result.unwrap();
    let err = collect_stream(events).await.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");
}

#[tokio::test]
async fn stream_error_event_and_garbage_event() {
    let cases = [
        (
            "data: {\"error\":{\"message\":\"Rate limit reached\",\"code\":429}}\n\n",
            AdapterErrorKind::RateLimited,
        ),
        ("data: {\"choices\": [\n\n", AdapterErrorKind::MalformedResponse),
    ];
    for (body, kind) in cases {
        let server = MockServer::start().await;
        let full = format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"x\"}}}}]}}\n\n{body}");
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(full, "text/event-stream"))
            .mount(&server)
            .await;
        let (http, _) = fast_http(0);
        let mut events = adapter(&server.uri(), "m", http)
            .stream(&CompletionRequest::user("q"))
            .await
            .result
            .unwrap();
        use futures::StreamExt;
        assert_eq!(events.next().await.unwrap().unwrap(), StreamEvent::Delta { text: "x".into() });
        let err = events.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(events.next().await.is_none(), "stream must end after an error");
    }
}

#[tokio::test]
async fn stream_idle_timeout() {
    let first = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
    let (url, _) = raw_server(
        vec![
            head(200, "text/event-stream", None),
            first.as_bytes().to_vec(),
            b"data: [DONE]\n\n".to_vec(),
        ],
        Duration::from_millis(1500),
    )
    .await;
    let (mut http, _) = fast_http(0);
    http.timeout = Duration::from_millis(300);
    let events =
        adapter(&url, "m", http).stream(&CompletionRequest::user("q")).await.result.unwrap();
    let err = collect_stream(events).await.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Timeout);
}

#[tokio::test]
async fn stream_open_is_retried_before_the_first_byte() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(sse_body(&["ok"]), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let (http, _) = fast_http(2);
    let report = adapter(&server.uri(), "m", http).stream(&CompletionRequest::user("q")).await;
    assert_eq!(report.attempts, 2);
    assert_eq!(report.retries[0].reason, RetryReason::Status { status: 503 });
    let (_, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(c.text, "ok");
}

#[tokio::test]
async fn retryable_statuses_are_retried_then_succeed() {
    for status in [408u16, 409, 429, 500, 502, 503, 504, 529] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string("busy"))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        mock_ok(&server, "finally").await;
        let (http, sleeps) = fast_http(3);
        let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
        assert_eq!(report.result.unwrap().text, "finally", "status {status}");
        assert_eq!(report.attempts, 3);
        assert_eq!(request_count(&server).await, 3);
        let want =
            if status == 429 { RetryReason::RateLimited } else { RetryReason::Status { status } };
        assert_eq!(
            report.retries.iter().map(|r| r.reason.clone()).collect::<Vec<_>>(),
            vec![want.clone(), want]
        );
        assert_eq!(report.retries.iter().map(|r| r.attempt).collect::<Vec<_>>(), vec![1, 2]);
        // exponential backoff: 1 ms, then 2 ms; slept exactly what was recorded
        let delays: Vec<Duration> = report.retries.iter().map(|r| r.delay).collect();
        assert_eq!(delays, vec![Duration::from_millis(1), Duration::from_millis(2)]);
        assert_eq!(*sleeps.lock().unwrap(), delays);
    }
}

#[tokio::test]
async fn non_retryable_statuses_fail_at_once() {
    let cases: &[(u16, serde_json::Value, AdapterErrorKind)] = &[
        (
            400,
            json!({"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}),
            AdapterErrorKind::ContextLengthExceeded,
        ),
        (
            401,
            json!({"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}),
            AdapterErrorKind::Auth,
        ),
        (403, json!({"error":{"message":"Project does not have access"}}), AdapterErrorKind::Auth),
        (
            404,
            json!({"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","code":"model_not_found"}}),
            AdapterErrorKind::ModelNotFound,
        ),
        (
            400,
            json!({"error":{"message":"Invalid value for 'temperature'","code":"invalid_value"}}),
            AdapterErrorKind::BadRequest,
        ),
        (422, json!({"detail":"unprocessable"}), AdapterErrorKind::BadRequest),
        (
            429,
            json!({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","code":"insufficient_quota"}}),
            AdapterErrorKind::QuotaExceeded,
        ),
        (501, json!({"error":"not implemented"}), AdapterErrorKind::Server),
    ];
    for (status, body, kind) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(*status).set_body_json(body))
            .mount(&server)
            .await;
        let (http, sleeps) = fast_http(3);
        let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
        let err = report.result.err().unwrap();
        assert_eq!(err.kind(), *kind, "{status}: {err}");
        assert_eq!(err.status(), Some(*status));
        assert!(err.provider_message().is_some_and(|m| !m.is_empty()));
        assert_eq!(report.attempts, 1);
        assert_eq!(request_count(&server).await, 1, "{status} must not be retried");
        assert!(sleeps.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn context_length_error_is_recognisable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}})))
        .mount(&server)
        .await;
    let (http, _) = fast_http(3);
    let err = adapter(&server.uri(), "m", http)
        .complete(&CompletionRequest::user("q"))
        .await
        .unwrap_err();
    assert!(err.is_context_length_exceeded());
    assert!(err.to_string().contains("context length exceeded"), "{err}");
}

async fn retry_after_case(headers: &[(&str, String)]) -> (rlm_adapters::CallReport, Vec<Duration>) {
    let server = MockServer::start().await;
    let mut t = ResponseTemplate::new(429).set_body_json(json!({"error":{"message":"slow down"}}));
    for (k, v) in headers {
        t = t.insert_header(*k, v.as_str());
    }
    Mock::given(method("POST")).respond_with(t).up_to_n_times(1).mount(&server).await;
    mock_ok(&server, "ok").await;
    let (http, sleeps) = fast_http(3);
    let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
    assert_eq!(request_count(&server).await, 2);
    let s = sleeps.lock().unwrap().clone();
    (report, s)
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let (report, sleeps) = retry_after_case(&[("retry-after", "7".into())]).await;
    assert!(report.result.is_ok());
    assert_eq!(report.retries.len(), 1);
    assert_eq!(report.retries[0].delay, Duration::from_secs(7));
    assert_eq!(report.retries[0].delay_source, DelaySource::RetryAfter);
    assert_eq!(sleeps, vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let at = SystemTime::now() + Duration::from_secs(30);
    let (report, sleeps) = retry_after_case(&[("retry-after", httpdate::fmt_http_date(at))]).await;
    assert!(report.result.is_ok());
    let d = report.retries[0].delay;
    assert!(d > Duration::from_secs(27) && d <= Duration::from_secs(30), "{d:?}");
    assert_eq!(report.retries[0].delay_source, DelaySource::RetryAfter);
    assert_eq!(sleeps, vec![d]);
}

#[tokio::test]
async fn retry_after_ms_and_rate_limit_reset_headers() {
    let (report, _) = retry_after_case(&[("retry-after-ms", "1500".into())]).await;
    assert_eq!(report.retries[0].delay, Duration::from_millis(1500));
    let (report, _) = retry_after_case(&[
        ("x-ratelimit-remaining-requests", "0".into()),
        ("x-ratelimit-reset-requests", "2.5s".into()),
        ("x-ratelimit-remaining-tokens", "1000".into()),
        ("x-ratelimit-reset-tokens", "1m0s".into()),
    ])
    .await;
    assert_eq!(report.retries[0].delay, Duration::from_millis(2500));
    assert_eq!(report.retries[0].delay_source, DelaySource::RateLimitReset);
}

#[tokio::test]
async fn retry_listener_sees_retries_as_they_happen() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    mock_ok(&server, "ok").await;
    let (mut http, _) = fast_http(3);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    http.retry.on_retry =
        Some(rlm_adapters::RetryListener::new(move |r| s.lock().unwrap().push(r.clone())));
    let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
    assert!(report.result.is_ok());
    assert_eq!(*seen.lock().unwrap(), report.retries);
    assert_eq!(report.retries.len(), 2);
}

#[tokio::test]
async fn rate_limit_exhausts_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"error":{"message":"Rate limit reached for requests"}})),
        )
        .mount(&server)
        .await;
    let (http, sleeps) = fast_http(2);
    let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
    match report.result.err().unwrap() {
        AdapterError::RateLimited { attempts, provider_message, .. } => {
            assert_eq!(attempts, 3);
            assert_eq!(provider_message, "Rate limit reached for requests");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(report.attempts, 3);
    assert_eq!(report.retries.len(), 2);
    assert_eq!(request_count(&server).await, 3);
    assert_eq!(sleeps.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_wait_longer_than_the_cap_ends_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let (http, sleeps) = fast_http(5);
    let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
    match report.result.err().unwrap() {
        AdapterError::RateLimited { attempts: 1, retry_after: Some(d), .. } => {
            assert_eq!(d, Duration::from_secs(3600))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(request_count(&server).await, 1);
    assert!(sleeps.lock().unwrap().is_empty());
}

#[tokio::test]
async fn retry_budget_is_shared_across_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let (mut http, _) = fast_http(5);
    let budget = Arc::new(RetryBudget::new(2, 0.1));
    http.retry.budget = Some(budget.clone());
    let a = adapter(&server.uri(), "m", http);
    let first = a.call(&CompletionRequest::user("q")).await;
    assert_eq!(first.attempts, 3, "two retries from the budget");
    let second = a.call(&CompletionRequest::user("q")).await;
    assert_eq!(second.attempts, 1, "budget empty: no retry");
    assert_eq!(second.result.err().unwrap().kind(), AdapterErrorKind::Server);
    assert_eq!(request_count(&server).await, 4);
    assert_eq!(budget.available(), 0);
}

#[tokio::test]
async fn malformed_json_and_missing_fields_are_not_retried() {
    let cases = [
        ResponseTemplate::new(200).set_body_raw("{\"choices\": [", "application/json"),
        ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"),
        ResponseTemplate::new(200).set_body_json(json!({"object": "chat.completion"})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"choices": [{"message": {"content": 42}}]})),
        ResponseTemplate::new(200).set_body_raw("", "application/json"),
    ];
    for t in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(t).mount(&server).await;
        let (http, _) = fast_http(3);
        let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
        let err = report.result.err().unwrap();
        assert_eq!(err.kind(), AdapterErrorKind::MalformedResponse, "{err}");
        assert_eq!(request_count(&server).await, 1);
    }
}

#[tokio::test]
async fn error_inside_a_200_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"error":{"message":"Provider returned error","code":502}})),
        )
        .mount(&server)
        .await;
    let (http, _) = fast_http(0);
    let err = adapter(&server.uri(), "m", http)
        .complete(&CompletionRequest::user("q"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::Server);
    assert_eq!(err.provider_message(), Some("Provider returned error"));
}

#[tokio::test]
async fn truncated_body_is_a_retried_connection_failure() {
    let body = serde_json::to_vec(&ok_body("this will be cut")).unwrap();
    let mut response = head(200, "application/json", Some(body.len()));
    response.extend_from_slice(&body[..body.len() / 2]);
    let (url, connections) = raw_server(vec![response], Duration::ZERO).await;
    let (http, _) = fast_http(2);
    let report = adapter(&url, "m", http).call(&CompletionRequest::user("q")).await;
    let err = report.result.err().unwrap();
    assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");
    assert_eq!(report.attempts, 3);
    assert!(report.retries.iter().all(|r| r.reason == RetryReason::Connection));
    assert_eq!(*connections.lock().unwrap(), 3);
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body("late"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let (mut http, _) = fast_http(1);
    http.timeout = Duration::from_millis(200);
    let report = adapter(&server.uri(), "m", http).call(&CompletionRequest::user("q")).await;
    // Not retried (issue #53): the connection was up, the model may still be
    // generating, and a second attempt would start the same generation again.
    match report.result.err().unwrap() {
        AdapterError::Timeout { timeout, attempts } => {
            assert_eq!(timeout, Duration::from_millis(200));
            assert_eq!(attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(report.retries.is_empty());
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn connection_refused() {
    let url = refused_url().await;
    let (http, _) = fast_http(2);
    let a = adapter(&url, "m", http);
    let report = a.call(&CompletionRequest::user("q")).await;
    let err = report.result.err().unwrap();
    assert_eq!(err.kind(), AdapterErrorKind::Connection, "{err}");
    assert_eq!(report.attempts, 3);
    assert!(err.to_string().contains("after 3 attempt"), "{err}");
    println!("connection refused reads: {err}");
    let s = a.stream(&CompletionRequest::user("q")).await;
    assert_eq!(s.result.err().unwrap().kind(), AdapterErrorKind::Connection);
}

#[tokio::test]
async fn bad_configuration_is_a_config_error() {
    for url in ["", "ftp://x", "not a url"] {
        let c = OpenAiConfig::new("openai", "m", url);
        assert_eq!(OpenAiAdapter::new(c).unwrap_err().kind(), AdapterErrorKind::Config);
    }
    let mut c = OpenAiConfig::new("openai", "m", "http://127.0.0.1:1/v1");
    c.extra_headers.push(("bad header".into(), "v".into()));
    assert_eq!(OpenAiAdapter::new(c).unwrap_err().kind(), AdapterErrorKind::Config);
    let c = OpenAiConfig::new("openai", " ", "http://127.0.0.1:1/v1");
    assert_eq!(OpenAiAdapter::new(c).unwrap_err().kind(), AdapterErrorKind::Config);
}

#[tokio::test]
async fn usable_as_arc_dyn_from_tasks() {
    let server = MockServer::start().await;
    mock_ok(&server, "par").await;
    let (http, _) = fast_http(0);
    let a: Arc<dyn ModelAdapter> = Arc::new(adapter(&server.uri(), "m", http));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            a.complete(&CompletionRequest::user(format!("q{i}"))).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().text, "par");
    }
    assert_eq!(request_count(&server).await, 8);
}

#[tokio::test]
async fn a_server_that_ignores_stream_true_still_works() {
    let server = MockServer::start().await;
    mock_ok(&server, "whole answer").await;
    let (http, _) = fast_http(0);
    let report = adapter(&server.uri(), "m", http).stream(&CompletionRequest::user("q")).await;
    let (deltas, c) = collect_stream(report.result.unwrap()).await.unwrap();
    assert_eq!(deltas, vec!["whole answer"]);
    assert_eq!(c.usage.prompt_tokens, 12);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].headers.get("accept").unwrap().to_str().unwrap(), "text/event-stream");
}

#[test]
fn grammars_reach_llamacpp_servers_only_and_json_schemas_every_server() {
    let constrained = |provider: &str, constraint: OutputConstraint| {
        let a =
            OpenAiAdapter::new(OpenAiConfig::new(provider, "m", "http://127.0.0.1:1/v1")).unwrap();
        let mut r = CompletionRequest::user("hi");
        r.params.constraint = Some(constraint);
        a.request_body(&r, false)
    };
    let grammar = OutputConstraint::Grammar("root ::= \"a\"".into());
    let body = constrained("llamacpp", grammar.clone());
    assert_eq!(body["grammar"], json!("root ::= \"a\""));
    let object = OutputConstraint::JsonSchema("{\"type\": \"object\"}".into());
    let body = constrained("llamacpp", object.clone());
    assert_eq!(
        body["response_format"],
        json!({"type": "json_schema",
            "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": false}})
    );
    // Structured outputs reach every OpenAI-compatible server (issue #57);
    // strict mode only OpenAI's own, for schemas that meet its rules.
    for provider in ["openai", "openrouter", "vllm", "ollama", "lmstudio"] {
        let body = constrained(provider, object.clone());
        assert_eq!(body["response_format"]["type"], "json_schema", "{provider}: {body}");
    }
    let closed = OutputConstraint::JsonSchema(
        r#"{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"string"}}}"#.into(),
    );
    assert_eq!(
        constrained("openai", closed.clone())["response_format"]["json_schema"]["strict"],
        true
    );
    assert_eq!(constrained("vllm", closed)["response_format"]["json_schema"]["strict"], false);
    // Schema text that is not JSON: a plain JSON-object request, never a panic.
    let body = constrained("llamacpp", OutputConstraint::JsonSchema("{oops".into()));
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
    // A server that refuses the field is configured out of it.
    let mut c = OpenAiConfig::new("lmstudio", "m", "http://127.0.0.1:1/v1");
    c.structured_outputs = Some(false);
    let mut r = CompletionRequest::user("hi");
    r.params.constraint = Some(object);
    assert!(
        OpenAiAdapter::new(c).unwrap().request_body(&r, false).get("response_format").is_none()
    );
    // Grammars: llama.cpp's field, ignored by other providers unless configured.
    let body = constrained("openai", grammar.clone());
    assert!(body.get("grammar").is_none() && body.get("response_format").is_none(), "{body}");
    let mut c = OpenAiConfig::new("vllm", "m", "http://127.0.0.1:1/v1");
    c.constrained_decoding = Some(true);
    let mut r = CompletionRequest::user("hi");
    r.params.constraint = Some(grammar);
    assert!(OpenAiAdapter::new(c).unwrap().request_body(&r, false).get("grammar").is_some());
}
