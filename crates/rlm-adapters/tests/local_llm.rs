//! Against a real model behind a real OpenAI-compatible server (opt-in: built
//! only with the `live-tests` feature, never part of the suite).
//!
//! Start the server (see `/work/shared/tools/local-llm/README.md`), then:
//! ```text
//! /work/shared/tools/local-llm/serve.sh 0.5b 8093 4096 &
//! RLM_LOCAL_LLM_URL=http://127.0.0.1:8093/v1 cargo test -p rlm-adapters --features live-tests --test local_llm -- --nocapture --test-threads=1
//! ```
//! Without `RLM_LOCAL_LLM_URL` every test fails, naming the variable.
//! The server answers one request at a time, so the tests take a lock to run
//! one after another and their latencies mean something.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rlm_adapters::{
    AdapterErrorKind, EnvVars, FactoryOptions, HttpOptions, ModelAdapter, OpenAiAdapter,
    OpenAiConfig, RetryPolicy, StreamEvent, adapter_with_options,
};
use rlm_types::{ChatMessage, CompletionRequest, FinishReason, GenerationParams};

static SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn base_url() -> String {
    match std::env::var("RLM_LOCAL_LLM_URL") {
        Ok(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
        _ => panic!("RLM_LOCAL_LLM_URL names the local model server to test against"),
    }
}

fn http() -> HttpOptions {
    // A shared 2-core machine: generous timeout, a couple of quick retries.
    HttpOptions {
        timeout: Duration::from_secs(300),
        retry: RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    }
}

fn adapter(url: &str) -> OpenAiAdapter {
    let mut c = OpenAiConfig::new("llamacpp", "qwen2.5-coder-0.5b-instruct", url);
    c.http = http();
    OpenAiAdapter::new(c).unwrap()
}

fn req(system: Option<&str>, user: &str, max_tokens: u32) -> CompletionRequest {
    let mut messages = Vec::new();
    if let Some(s) = system {
        messages.push(ChatMessage::system(s));
    }
    messages.push(ChatMessage::user(user));
    CompletionRequest {
        messages,
        params: GenerationParams {
            max_tokens: Some(max_tokens),
            temperature: Some(0.0),
            ..Default::default()
        },
        traceparent: None,
    }
}

#[tokio::test]
async fn complete_and_count_tokens() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let a = adapter(&url);
    let t = Instant::now();
    let report = a.call(&req(None, "Reply with exactly one word: pong", 16)).await;
    let c = report.result.unwrap();
    println!(
        "[complete] {:?} in {} ms (attempts {}): text={:?} usage={:?} finish={:?} model={}",
        "pong prompt",
        t.elapsed().as_millis(),
        report.attempts,
        c.text,
        c.usage,
        c.finish_reason,
        c.model
    );
    assert!(!c.text.trim().is_empty());
    assert!(c.usage.prompt_tokens >= 5, "{:?}", c.usage);
    assert!((1..=16).contains(&c.usage.completion_tokens), "{:?}", c.usage);
    assert!(matches!(c.finish_reason, Some(FinishReason::Stop | FinishReason::Length)));

    // A longer prompt counts more prompt tokens; the difference is the added text.
    let padding = " Ignore this sentence.".repeat(20);
    let longer = a
        .complete(&req(None, &format!("Reply with exactly one word: pong.{padding}"), 4))
        .await
        .unwrap();
    println!(
        "[complete] padded prompt: usage={:?} (short prompt had {})",
        longer.usage, c.usage.prompt_tokens
    );
    assert!(longer.usage.prompt_tokens >= c.usage.prompt_tokens + 20 * 4, "{:?}", longer.usage);
}

#[tokio::test]
async fn max_tokens_cuts_with_length() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let t = Instant::now();
    let c = adapter(&url)
        .complete(&req(None, "Count from 1 to 100, separated by spaces.", 8))
        .await
        .unwrap();
    println!(
        "[max_tokens=8] {} ms: text={:?} usage={:?} finish={:?}",
        t.elapsed().as_millis(),
        c.text,
        c.usage,
        c.finish_reason
    );
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert_eq!(c.usage.completion_tokens, 8);
}

#[tokio::test]
async fn stream_matches_complete() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let a = adapter(&url);
    let r = req(Some("You are terse."), "Name three primary colors, comma separated.", 24);
    let t = Instant::now();
    let report = a.stream(&r).await;
    let mut events = report.result.unwrap();
    let mut deltas = Vec::new();
    let mut first_delta = None;
    let mut done = None;
    while let Some(ev) = events.next().await {
        match ev.unwrap() {
            StreamEvent::Delta { text } => {
                first_delta.get_or_insert(t.elapsed());
                deltas.push(text);
            }
            StreamEvent::Done { completion } => done = Some(completion),
        }
    }
    let total = t.elapsed();
    let done = done.expect("a Done event");
    println!(
        "[stream] first delta after {} ms, {} deltas, total {} ms: text={:?} usage={:?} finish={:?}",
        first_delta.unwrap_or_default().as_millis(),
        deltas.len(),
        total.as_millis(),
        done.text,
        done.usage,
        done.finish_reason
    );
    assert!(deltas.len() > 1, "a real stream comes in pieces");
    assert_eq!(deltas.concat(), done.text);
    assert!(
        done.usage.prompt_tokens > 0 && done.usage.completion_tokens > 0,
        "usage comes with the stream"
    );

    // The same request without streaming: same prompt token count, same text at temperature 0.
    let t = Instant::now();
    let c = a.complete(&r).await.unwrap();
    println!(
        "[complete same request] {} ms: text={:?} usage={:?}",
        t.elapsed().as_millis(),
        c.text,
        c.usage
    );
    assert_eq!(c.usage.prompt_tokens, done.usage.prompt_tokens);
    assert_eq!(c.text, done.text);
}

#[tokio::test]
async fn follows_a_code_instruction_via_the_factory() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let env = EnvVars::from_pairs([("LLAMACPP_BASE_URL", url.as_str())]);
    let a = adapter_with_options(
        "llamacpp:qwen2.5-coder-0.5b",
        &env,
        &FactoryOptions { http: http(), context_window: Some(4096) },
    )
    .unwrap();
    assert_eq!(a.context_window(), Some(4096));
    let t = Instant::now();
    let c = a
        .complete(&req(
            Some("You write Python. Reply with only the code."),
            "Print the first 100 characters of the string variable P.",
            40,
        ))
        .await
        .unwrap();
    println!("[code] {} ms: text={:?} usage={:?}", t.elapsed().as_millis(), c.text, c.usage);
    assert!(c.text.contains("print") && c.text.contains("P["), "{}", c.text);
}

#[tokio::test]
async fn concurrent_calls_queue_and_all_succeed() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let a: Arc<dyn ModelAdapter> = Arc::new(adapter(&url));
    let t = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|i| {
            let a = a.clone();
            tokio::spawn(async move {
                let c = a
                    .complete(&req(
                        None,
                        &format!("What is {i} + {i}? Reply with the number only."),
                        6,
                    ))
                    .await;
                (i, c, t.elapsed())
            })
        })
        .collect();
    for task in tasks {
        let (i, c, at) = task.await.unwrap();
        let c = c.unwrap();
        println!(
            "[concurrent {i}] done at {} ms: text={:?} usage={:?}",
            at.as_millis(),
            c.text,
            c.usage
        );
    }
}

#[tokio::test]
async fn wrong_path_is_a_typed_error() {
    let url = base_url();
    let _guard = SERVER.lock().await;
    let t = Instant::now();
    let err = adapter(&format!("{url}/nope")).complete(&req(None, "hi", 4)).await.unwrap_err();
    println!("[404] {} ms: {err}", t.elapsed().as_millis());
    assert_eq!(err.kind(), AdapterErrorKind::ModelNotFound);
    // Only a user message may end the conversation for this server: a 400, not retried.
    let bad = CompletionRequest {
        messages: vec![ChatMessage::assistant("x")],
        params: Default::default(),
        traceparent: None,
    };
    let report = adapter(&url).call(&bad).await;
    let err = report.result.unwrap_err();
    println!("[400] {err} (attempts {})", report.attempts);
    assert_eq!(err.kind(), AdapterErrorKind::BadRequest);
    assert_eq!(report.attempts, 1);
}
