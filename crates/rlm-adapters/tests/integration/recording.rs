//! Record and replay (issue #57) against a real HTTP adapter: a recording
//! holds no key, no Authorization header, no URL; a stream is recorded with
//! its chunks and replayed offline (the server gone); concurrent calls
//! write whole lines; a miss names the changed message.

use std::sync::Arc;

use rlm_adapters::{
    AdapterErrorKind, ModelAdapter, RecordedExchange, Recorder, RecordingWriter, ReplayBook,
    Replayer, collect_stream,
};
use rlm_types::{ChatMessage, CompletionRequest};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::fast_http;
use crate::openai::{adapter, ok_body, rich_request, sse_body};

const KEY: &str = "sk-test-key-000000000000";

fn exchanges(path: &std::path::Path) -> Vec<RecordedExchange> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is one whole exchange"))
        .collect()
}

#[tokio::test]
async fn a_recording_holds_no_secret_and_replays_offline_streams_included() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(sse_body(&["Hel", "lo"]), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.jsonl");
    let (http, _) = fast_http(0);
    let live: Arc<dyn ModelAdapter> = Arc::new(adapter(&server.uri(), "m", http));
    let recorder = Recorder::new(Arc::clone(&live), RecordingWriter::create(&path).unwrap());
    let request = rich_request();
    let (deltas, done) =
        collect_stream(recorder.stream(&request).await.result.unwrap()).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [KEY, "Authorization", "Bearer", "org-42", &server.uri()] {
        assert!(!text.contains(secret), "the recording holds {secret:?}: {text}");
    }
    let recorded = exchanges(&path);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].model, "openai:m");
    assert_eq!(recorded[0].request, request);
    assert_eq!(recorded[0].chunks.as_deref(), Some(&deltas[..]));
    drop(server);

    let book = Arc::new(ReplayBook::load(&path).unwrap());
    let replayer = Replayer::new(book.session(), live.model_id(), None, true);
    let (again, replayed) =
        collect_stream(replayer.stream(&request).await.result.unwrap()).await.unwrap();
    // Latency is kept in milliseconds: the rest is the same.
    assert_eq!((again, replayed.text, replayed.usage), (deltas, done.text, done.usage));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_write_whole_lines_and_replay_in_any_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(&"x".repeat(20_000))))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.jsonl");
    let (http, _) = fast_http(0);
    let live: Arc<dyn ModelAdapter> = Arc::new(adapter(&server.uri(), "m", http));
    let recorder =
        Arc::new(Recorder::new(Arc::clone(&live), RecordingWriter::create(&path).unwrap()));
    let prompts: Vec<String> = (0..40).map(|i| format!("chunk {i}")).collect();
    let calls = prompts.iter().map(|p| {
        let r = Arc::clone(&recorder);
        let request = CompletionRequest::user(p.clone());
        tokio::spawn(async move { r.call(&request).await.result.unwrap() })
    });
    for c in futures::future::join_all(calls).await {
        c.unwrap();
    }
    assert_eq!(exchanges(&path).len(), 40);
    drop(server);
    let book = Arc::new(ReplayBook::load(&path).unwrap());
    let replayer = Replayer::new(book.session(), live.model_id(), None, false);
    for p in prompts.iter().rev() {
        let c = replayer.call(&CompletionRequest::user(p.clone())).await.result.unwrap();
        assert_eq!(c.text.len(), 20_000);
    }
}

#[tokio::test]
async fn a_changed_prompt_is_a_miss_naming_the_message_with_a_diff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("fine")))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.jsonl");
    let (http, _) = fast_http(0);
    let live: Arc<dyn ModelAdapter> = Arc::new(adapter(&server.uri(), "m", http));
    let recorder = Recorder::new(Arc::clone(&live), RecordingWriter::create(&path).unwrap());
    recorder.call(&rich_request()).await.result.unwrap();
    let mut changed = rich_request();
    changed.messages[3] = ChatMessage::user("Output: 1235");
    let book = Arc::new(ReplayBook::load(&path).unwrap());
    let replayer = Replayer::new(book.session(), live.model_id(), None, false);
    let err = replayer.call(&changed).await.result.unwrap_err();
    assert_eq!(err.kind(), AdapterErrorKind::ReplayMissing);
    let message = err.to_string();
    assert!(message.contains("message 3 (user) changed"), "{message}");
    assert!(message.contains("-Output: 1234") && message.contains("+Output: 1235"), "{message}");
    // Another model is a miss too, named as such.
    let other = Replayer::new(book.session(), "openai:other".parse().unwrap(), None, false);
    let err = other.call(&rich_request()).await.result.unwrap_err();
    assert!(err.to_string().contains("the model changed (openai:m → openai:other)"), "{err}");
}

/// A miss on a 20 MB message (issue #74: one replay miss stored a 52 MB
/// error): the error names the message and shows its ends, in a few KB.
#[tokio::test]
async fn a_miss_on_a_huge_message_says_which_in_a_few_kilobytes() {
    let huge = "x".repeat(20 << 20);
    let line = serde_json::json!({
        "fingerprint": "f", "model": "openai:m",
        "request": {"messages": [{"role": "user", "content": format!("{huge}1")}], "params": {}},
        "response": {"text": "a", "usage": {"prompt_tokens": 1, "completion_tokens": 1}, "model": "m"},
    });
    let book = Arc::new(ReplayBook::parse(&line.to_string(), "the test's").unwrap());
    let replayer = Replayer::new(book.session(), "openai:m".parse().unwrap(), None, false);
    let asked = CompletionRequest::user(format!("{huge}2"));
    let message = replayer.call(&asked).await.result.unwrap_err().to_string();
    assert!(message.contains("message 0 (user) changed"), "{}", &message[..300]);
    assert!(message.len() < 16 << 10, "{} bytes", message.len());
    assert!(message.contains("characters left out"), "{message}");
}
