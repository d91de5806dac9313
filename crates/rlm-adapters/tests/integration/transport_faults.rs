//! The byte-level faults, against every HTTP adapter (they share a transport,
//! but each has its own parsing): connection refused, a body cut short, a
//! server slower than the timeout, invalid JSON in a 200.

use std::time::Duration;

use rlm_adapters::{
    AdapterErrorKind, AnthropicAdapter, AnthropicConfig, AzureAuth, AzureConfig, GeminiAdapter,
    GeminiConfig, GeminiEndpoint, GenericAdapter, GenericConfig, HttpOptions, ModelAdapter,
    OpenAiAdapter, OpenAiConfig, Secret, azure_adapter,
};
use rlm_types::CompletionRequest;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fast_http, head, raw_server, refused_url};

fn all_adapters(base: &str, http: HttpOptions) -> Vec<(&'static str, Box<dyn ModelAdapter>)> {
    let key = || Secret::new("test-key-0000000000");
    let mut oc = OpenAiConfig::new("openai", "m", format!("{base}/v1"));
    oc.http = http.clone();
    let mut ac = AnthropicConfig::new("claude", key());
    ac.base_url = base.to_string();
    ac.http = http.clone();
    let mut zc = AzureConfig::new("dep", base, AzureAuth::ApiKey(key()));
    zc.http = http.clone();
    let gc = GeminiConfig {
        model: "g".into(),
        endpoint: GeminiEndpoint::ApiKey { base_url: base.to_string(), api_key: key() },
        context_window: None,
        http: http.clone(),
    };
    let generic: GenericConfig = serde_json::from_value(json!({
        "model": "x", "url": format!("{base}/gen"), "request": {"p": "{{prompt}}"}, "response": {"text": "/t"}
    }))
    .unwrap();
    vec![
        ("openai", Box::new(OpenAiAdapter::new(oc).unwrap())),
        ("anthropic", Box::new(AnthropicAdapter::new(ac).unwrap())),
        ("azure", Box::new(azure_adapter(zc).unwrap())),
        ("gemini", Box::new(GeminiAdapter::new(gc).unwrap())),
        ("generic", Box::new(GenericAdapter::new(generic, None, http).unwrap())),
    ]
}

async fn expect(
    adapters: Vec<(&'static str, Box<dyn ModelAdapter>)>,
    kind: AdapterErrorKind,
    attempts: u32,
) {
    for (name, a) in adapters {
        let report = a.call(&CompletionRequest::user("q")).await;
        let err = report.result.expect_err(name);
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert_eq!(report.attempts, attempts, "{name}");
    }
}

#[tokio::test]
async fn connection_refused_everywhere() {
    let (http, _) = fast_http(1);
    expect(all_adapters(&refused_url().await, http), AdapterErrorKind::Connection, 2).await;
}

#[tokio::test]
async fn truncated_body_everywhere() {
    let mut response = head(200, "application/json", Some(400));
    response.extend_from_slice(br#"{"choices":[{"message":{"content":"cut"#);
    let (url, connections) = raw_server(vec![response], Duration::ZERO).await;
    let (http, _) = fast_http(1);
    expect(all_adapters(&url, http), AdapterErrorKind::Connection, 2).await;
    assert_eq!(*connections.lock().unwrap(), 10);
}

#[tokio::test]
async fn slow_server_everywhere() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("{}").set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let (mut http, _) = fast_http(1);
    http.timeout = Duration::from_millis(100);
    // A response that does not come within the timeout is not retried
    // (issue #53): the model may still be generating.
    expect(all_adapters(&server.uri(), http), AdapterErrorKind::Timeout, 1).await;
}

#[tokio::test]
async fn invalid_json_everywhere() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"choices\": [{\"mess", "application/json"),
        )
        .mount(&server)
        .await;
    let (http, _) = fast_http(1);
    expect(all_adapters(&server.uri(), http), AdapterErrorKind::MalformedResponse, 1).await;
}
