//! Adapter overheads: SSE parsing throughput, the fake adapter's per-call
//! cost, and a full OpenAI-adapter round trip over loopback side by side with
//! a bare reqwest POST to the same server (the difference is what this crate adds).
//!
//! `cargo bench -p rlm-adapters --bench adapters`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rlm_adapters::SseParser;
use rlm_adapters::{
    FakeAdapter, FakeReply, FakeRule, FakeScript, HttpOptions, MatchTarget, ModelAdapter,
    OpenAiAdapter, OpenAiConfig, RetryPolicy, WhenExhausted,
};
use rlm_types::CompletionRequest;
use serde_json::json;

fn openai_stream(bytes: usize) -> Vec<u8> {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        let chunk = json!({"id":"chatcmpl-1","object":"chat.completion.chunk","model":"m",
            "choices":[{"index":0,"delta":{"content":format!(" token{i}")},"finish_reason":null}]});
        s.push_str(&format!("data: {chunk}\n\n"));
        i += 1;
    }
    s.push_str("data: [DONE]\n\n");
    s.into_bytes()
}

fn sse(c: &mut Criterion) {
    let body = openai_stream(1 << 20);
    let mut g = c.benchmark_group("sse_parse");
    g.throughput(Throughput::Bytes(body.len() as u64));
    for chunk in [64usize, 4096] {
        g.bench_function(format!("openai_1MiB_chunks_of_{chunk}"), |b| {
            b.iter(|| {
                let mut p = SseParser::new();
                let mut n = 0;
                for piece in body.chunks(chunk) {
                    n += p.push(black_box(piece)).len();
                }
                n
            })
        });
    }
    g.finish();
}

fn fake(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let script = FakeScript {
        rules: (0..20)
            .map(|i| FakeRule {
                pattern: format!(r"(?i)question {i}\b"),
                target: MatchTarget::LastUser,
                reply: FakeReply::Text(format!("answer {i}")),
                times: None,
            })
            .collect(),
        when_exhausted: WhenExhausted::Echo,
        ..Default::default()
    };
    let a = FakeAdapter::scripted(script).unwrap();
    let req = CompletionRequest::user(format!("{} question 19", "context ".repeat(250)));
    c.bench_function("fake/complete_20_rules_2KB_prompt", |b| {
        b.iter(|| rt.block_on(a.complete(black_box(&req))).unwrap())
    });
}

fn roundtrip(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(async {
        let s = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "model": "m", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1}
            })))
            .mount(&s)
            .await;
        s
    });
    let client = reqwest::Client::new();
    let mut cfg = OpenAiConfig::new("openai", "m", format!("{}/v1", server.uri()));
    cfg.http = HttpOptions {
        retry: RetryPolicy::none(),
        client: Some(client.clone()),
        ..HttpOptions::default()
    };
    let adapter = OpenAiAdapter::new(cfg).unwrap();
    let req = CompletionRequest::user("hello");
    let url = format!("{}/v1/chat/completions", server.uri());
    let body = adapter.request_body(&req, false);
    let mut g = c.benchmark_group("loopback_roundtrip");
    g.bench_function("bare_reqwest_post_and_json_parse", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = client.post(&url).json(&body).send().await.unwrap();
                r.json::<serde_json::Value>().await.unwrap()
            })
        })
    });
    g.bench_function("openai_adapter_complete", |b| {
        b.iter(|| rt.block_on(adapter.complete(&req)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sse, fake, roundtrip);
criterion_main!(benches);
