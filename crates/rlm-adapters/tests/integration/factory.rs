//! `adapter_from_model_string`: every prefix, the environment names users
//! set, defaults, and clear errors for what is missing.

use rlm_adapters::{
    AdapterErrorKind, EnvVars, ModelAdapter, adapter_from_model_string, known_providers,
};
use rlm_types::CompletionRequest;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::openai::ok_body;

fn env(pairs: &[(&str, &str)]) -> EnvVars {
    EnvVars::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn model_ids_and_context_windows() {
    let e = env(&[
        ("OPENAI_API_KEY", "k1-000000"),
        ("OPENROUTER_API_KEY", "k2-000000"),
        ("ANTHROPIC_API_KEY", "k3-000000"),
        ("AZURE_OPENAI_API_KEY", "k4-000000"),
        ("AZURE_OPENAI_ENDPOINT", "https://acme.openai.azure.com"),
        ("GEMINI_API_KEY", "k5-000000"),
        ("VERTEX_ACCESS_TOKEN", "k6-000000"),
        ("GOOGLE_CLOUD_PROJECT", "p"),
    ]);
    let cases = [
        ("openai:gpt-5-mini", "openai:gpt-5-mini", Some(400_000)),
        (
            "openrouter:anthropic/claude-sonnet-4",
            "openrouter:anthropic/claude-sonnet-4",
            Some(200_000),
        ),
        ("ollama:llama3:8b", "ollama:llama3:8b", None),
        ("vllm:Qwen/Qwen2.5-7B", "vllm:Qwen/Qwen2.5-7B", None),
        ("lmstudio:qwen", "lmstudio:qwen", None),
        ("llamacpp:any", "llamacpp:any", None),
        ("anthropic:claude-sonnet-4-5", "anthropic:claude-sonnet-4-5", Some(200_000)),
        ("azure:prod-gpt", "azure:prod-gpt", None),
        ("gemini:gemini-2.5-pro", "gemini:gemini-2.5-pro", Some(1_048_576)),
        ("vertex:gemini-2.5-flash", "vertex:gemini-2.5-flash", Some(1_048_576)),
        ("fake:echo", "fake:echo", None),
        ("fake:fixed:FINAL(1)", "fake:fixed", None),
        ("OpenAI:gpt-4o", "openai:gpt-4o", Some(128_000)),
    ];
    for (s, id, window) in cases {
        let a = adapter_from_model_string(s, &e).unwrap_or_else(|err| panic!("{s}: {err}"));
        assert_eq!(a.model_id().to_string(), id);
        assert_eq!(a.context_window(), window, "{s}");
    }
    assert!(known_providers().contains(&"llamacpp"));
}

#[test]
fn clear_errors_for_missing_configuration() {
    let none = EnvVars::default();
    let cases = [
        ("gpt-5", "not `provider:model`"),
        ("openai:", "not `provider:model`"),
        ("mystery:m", "unknown provider"),
        ("openai:gpt-5", "OPENAI_API_KEY"),
        ("openrouter:x", "OPENROUTER_API_KEY"),
        ("anthropic:claude", "ANTHROPIC_API_KEY"),
        ("azure:dep", "AZURE_OPENAI_ENDPOINT"),
        ("gemini:g", "GEMINI_API_KEY"),
        ("vertex:g", "VERTEX_ACCESS_TOKEN"),
        ("fake:what", "fake:echo"),
        ("fake:missing-file.json", "cannot read"),
        ("generic:missing.toml", "cannot read"),
    ];
    for (s, needle) in cases {
        let err = match adapter_from_model_string(s, &none) {
            Ok(_) => panic!("{s} should fail"),
            Err(e) => e,
        };
        assert_eq!(err.kind(), AdapterErrorKind::Config, "{s}");
        assert!(err.to_string().contains(needle), "{s}: {err}");
    }
    // Azure: endpoint given, no credential
    let err = adapter_from_model_string(
        "azure:d",
        &env(&[("OPENAI_ENDPOINT", "https://x.openai.azure.com")]),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("AZURE_OPENAI_API_KEY"), "{err}");
}

#[tokio::test]
async fn base_urls_and_keys_come_from_the_environment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/custom/v1/chat/completions"))
        .and(header("authorization", "Bearer llm-key-123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("via env")))
        .mount(&server)
        .await;
    // LLM_BASE_URL + LLM_API_KEY serve openai: and the local prefixes alike; no key needed for a custom URL.
    let e = env(&[
        ("LLM_BASE_URL", &format!("{}/custom/v1", server.uri())),
        ("LLM_API_KEY", "llm-key-123456"),
    ]);
    for s in ["openai:gpt-4o-mini", "ollama:llama3", "vllm:m", "lmstudio:m", "llamacpp:m"] {
        let a = adapter_from_model_string(s, &e).unwrap();
        assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "via env", "{s}");
    }
    // A provider-specific variable wins over LLM_BASE_URL.
    let e = env(&[
        ("LLM_BASE_URL", "http://127.0.0.1:9/v1"),
        ("OLLAMA_BASE_URL", &format!("{}/custom/v1", server.uri())),
        ("LLM_API_KEY", "llm-key-123456"),
    ]);
    let a = adapter_from_model_string("ollama:llama3", &e).unwrap();
    assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "via env");
    // An OpenAI key is not needed when the base URL is a local server.
    let e = env(&[("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")]);
    assert!(adapter_from_model_string("openai:local-model", &e).is_ok());
}

#[tokio::test]
async fn fake_script_and_generic_files() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.toml");
    std::fs::write(&script, "replies = [\"one\", \"two\"]\n").unwrap();
    for s in [format!("fake:{}", script.display()), format!("fake:script:{}", script.display())] {
        let a = adapter_from_model_string(&s, &EnvVars::default()).unwrap();
        assert_eq!(a.model_id().to_string(), "fake:s");
        assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "one");
    }
    let e = EnvVars::from_pairs([("RLM_FAKE_SCRIPT", script.display().to_string())]);
    let a = adapter_from_model_string("fake:scripted", &e).unwrap();
    assert_eq!(a.model_id().to_string(), "fake:scripted");
    assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "one");
    assert!(adapter_from_model_string("fake:scripted", &EnvVars::default()).is_err());

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", "Key g-key-000000"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"out": "generic ok"})),
        )
        .mount(&server)
        .await;
    let cfg = dir.path().join("g.json");
    std::fs::write(
        &cfg,
        serde_json::json!({
            "model": "g", "url": format!("{}/gen", server.uri()), "api_key_env": "G_KEY",
            "headers": {"Authorization": "Key {api_key}"},
            "request": {"p": "{{prompt}}"}, "response": {"text": "/out"}
        })
        .to_string(),
    )
    .unwrap();
    let a = adapter_from_model_string(
        &format!("generic:{}", cfg.display()),
        &env(&[("G_KEY", "g-key-000000")]),
    )
    .unwrap();
    assert_eq!(a.complete(&CompletionRequest::user("q")).await.unwrap().text, "generic ok");
}
