//! No adapter lets its key out: not in errors (even when the provider echoes
//! the key back in its body or a stream), not in `Debug` of adapters,
//! configs, reports or environment maps.

use rlm_adapters::{
    AnthropicAdapter, AnthropicConfig, AzureAuth, AzureConfig, EnvVars, GeminiAdapter,
    GeminiConfig, GeminiEndpoint, ModelAdapter, OpenAiAdapter, OpenAiConfig, Secret,
    adapter_from_model_string, azure_adapter, collect_stream,
};
use rlm_types::CompletionRequest;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fast_http, refused_url};

/// Deliberately not key-shaped, so only exact-secret scrubbing can catch it.
const KEY: &str = "zebra-plum-4471-violet";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} leaks the key: {text}");
}

fn adapters(base: &str) -> Vec<(&'static str, Box<dyn ModelAdapter>)> {
    let (http, _) = fast_http(1);
    let mut oc = OpenAiConfig::new("openai", "m", format!("{base}/v1"));
    oc.api_key = Some(Secret::new(KEY));
    oc.http = http.clone();
    let mut ac = AnthropicConfig::new("claude", Secret::new(KEY));
    ac.base_url = base.to_string();
    ac.http = http.clone();
    let mut zc = AzureConfig::new("dep", base, AzureAuth::ApiKey(Secret::new(KEY)));
    zc.http = http.clone();
    let gc = GeminiConfig {
        model: "gemini-2.5-flash".into(),
        endpoint: GeminiEndpoint::ApiKey { base_url: base.to_string(), api_key: Secret::new(KEY) },
        context_window: None,
        http,
    };
    let a: Vec<(&str, Box<dyn ModelAdapter>)> = vec![
        ("openai", Box::new(OpenAiAdapter::new(oc.clone()).unwrap())),
        ("anthropic", Box::new(AnthropicAdapter::new(ac.clone()).unwrap())),
        ("azure", Box::new(azure_adapter(zc.clone()).unwrap())),
        ("gemini", Box::new(GeminiAdapter::new(gc.clone()).unwrap())),
    ];
    assert_clean("OpenAiConfig", &format!("{oc:?}"));
    assert_clean("AnthropicConfig", &format!("{ac:?}"));
    assert_clean("AzureConfig", &format!("{zc:?}"));
    assert_clean("GeminiConfig", &format!("{gc:?}"));
    assert_clean("OpenAiAdapter", &format!("{:?}", OpenAiAdapter::new(oc).unwrap()));
    assert_clean("AnthropicAdapter", &format!("{:?}", AnthropicAdapter::new(ac).unwrap()));
    assert_clean("Azure adapter", &format!("{:?}", azure_adapter(zc).unwrap()));
    assert_clean("GeminiAdapter", &format!("{:?}", GeminiAdapter::new(gc).unwrap()));
    a
}

#[tokio::test]
async fn echoed_keys_are_scrubbed_from_every_error() {
    let echo = format!("Incorrect API key provided: {KEY}. You can find your key at ...");
    let bodies = [
        (401, json!({"error": {"message": echo, "code": "invalid_api_key"}})),
        (400, json!({"error": {"message": format!("bad header x-api-key={KEY}")}})),
        (429, json!({"error": {"message": format!("rate limit for key {KEY}")}})),
        (500, json!({"detail": format!("upstream said {KEY}")})),
        (200, json!({"weird": KEY})),
    ];
    for (status, body) in bodies {
        let server = MockServer::start().await;
        let raw = serde_json::to_string(&body).unwrap();
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(raw.clone(), "application/json"),
            )
            .mount(&server)
            .await;
        for (name, a) in adapters(&server.uri()) {
            let report = a.call(&CompletionRequest::user("q")).await;
            let err = report.result.as_ref().expect_err(name);
            assert_clean(name, &err.to_string());
            assert_clean(name, &format!("{err:?}"));
            assert_clean(name, &format!("{report:?}"));
        }
        // Malformed 2xx bodies quote the start of the body: still scrubbed.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(format!("{{oops {KEY}"), "application/json"),
            )
            .mount(&server)
            .await;
        for (name, a) in adapters(&server.uri()) {
            let err = a.complete(&CompletionRequest::user("q")).await.unwrap_err();
            assert_clean(name, &format!("{err} {err:?}"));
        }
    }
}

#[tokio::test]
async fn stream_errors_and_connection_errors_are_scrubbed() {
    let server = MockServer::start().await;
    let body = format!(
        "data: {{\"error\":{{\"message\":\"key {KEY} revoked\",\"code\":401}}}}\n\ndata: {{broken {KEY}\n\n"
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&server)
        .await;
    for (name, a) in adapters(&server.uri()) {
        let report = a.stream(&CompletionRequest::user("q")).await;
        if let Ok(events) = report.result {
            if let Err(e) = collect_stream(events).await {
                assert_clean(name, &format!("{e} {e:?}"));
            }
        }
    }
    let url = refused_url().await;
    for (name, a) in adapters(&url) {
        let err = a.complete(&CompletionRequest::user("q")).await.unwrap_err();
        assert_clean(name, &format!("{err} {err:?}"));
    }
}

#[test]
fn env_maps_and_factory_adapters_do_not_print_keys() {
    let env = EnvVars::from_pairs([("OPENAI_API_KEY", KEY), ("ANTHROPIC_API_KEY", KEY)]);
    assert_clean("EnvVars", &format!("{env:?}"));
    assert_clean("Secret", &format!("{:?} {}", Secret::new(KEY), Secret::new(KEY)));
    let a = adapter_from_model_string("openai:gpt-5", &env).unwrap();
    assert_clean("model id", &a.model_id().to_string());
}
