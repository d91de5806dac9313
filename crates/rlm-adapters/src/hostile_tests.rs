//! Hostile input: random bytes and random JSON shapes fed to every parser a
//! server's reply reaches. The only acceptable outcomes are a value or an
//! `AdapterError`; a panic fails the test.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::http::{classify_failure, provider_message};
use crate::openai::parse_openai_response;
use crate::sse::SseParser;

/// Field names the parsers look for, so random documents hit real code paths.
const KEYS: &[&str] = &[
    "choices",
    "message",
    "content",
    "delta",
    "finish_reason",
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_details",
    "cached_tokens",
    "error",
    "code",
    "type",
    "message",
    "status",
    "model",
    "text",
    "candidates",
    "parts",
    "usageMetadata",
    "finishReason",
    "thought",
    "stop_reason",
    "input_tokens",
    "detail",
];

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    let pick = if depth > 4 { rng.random_range(0..5) } else { rng.random_range(0..7) };
    match pick {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random_range(-5i64..100_000)),
        3 => json!(rng.random::<f64>() * 1e6),
        4 => json!(
            ["stop", "length", "", "é", "STOP", "MAX_TOKENS", "end_turn", "[DONE]"]
                [rng.random_range(0..8)]
        ),
        5 => Value::Array(
            (0..rng.random_range(0..4)).map(|_| random_value(rng, depth + 1)).collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..5) {
                m.insert(
                    KEYS[rng.random_range(0..KEYS.len())].to_string(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

fn random_bytes(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..300);
    (0..n).map(|_| rng.random()).collect()
}

#[test]
fn random_json_shapes_never_panic() {
    let mut rng = StdRng::seed_from_u64(7);
    let scrub = |s: &str| s.to_string();
    for _ in 0..5000 {
        let v = random_value(&mut rng, 0);
        let body = serde_json::to_vec(&v).unwrap_or_default();
        let _ = parse_openai_response(&body, "m", Instant::now(), &scrub);
        let _ = provider_message(&body);
        for status in [400u16, 401, 404, 413, 429, 500, 503, 529, 600, 0] {
            let _ = classify_failure(status, &HeaderMap::new(), &body, scrub);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(11);
    let scrub = |s: &str| s.to_string();
    for _ in 0..3000 {
        let b = random_bytes(&mut rng);
        let _ = parse_openai_response(&b, "m", Instant::now(), &scrub);
        let _ = classify_failure(429, &HeaderMap::new(), &b, scrub);
        let mut p = SseParser::new();
        let mid = b.len() / 2;
        let _ = p.push(&b[..mid]);
        let _ = p.push(&b[mid..]);
        let _ = p.finish();
    }
}

#[test]
fn random_stream_events_never_panic() {
    use crate::anthropic::AnthropicStream;
    use crate::gemini::GeminiStream;
    use crate::http::{HttpOptions, HttpTransport};
    use crate::openai::OpenAiStream;
    use crate::stream_util::StreamState;
    let transport = HttpTransport::new(HttpOptions::default(), Vec::new()).unwrap();
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..300 {
        let mut a = AnthropicStream::default();
        let mut g = GeminiStream::default();
        let mut o = OpenAiStream::default();
        for _ in 0..20 {
            let mut v = random_value(&mut rng, 0);
            if let Value::Object(m) = &mut v {
                let t = [
                    "message_start",
                    "content_block_delta",
                    "message_delta",
                    "message_stop",
                    "error",
                    "ping",
                ];
                m.insert("type".into(), json!(t[rng.random_range(0..t.len())]));
            }
            let data = v.to_string();
            let _ = a.on_event(&data, &transport);
            let _ = g.on_chunk(&v, &transport);
            let _ = o.on_event(&data, &transport);
        }
        let _ = a.finish(Instant::now());
        let _ = g.finish(Instant::now());
        let _ = o.finish(Instant::now());
    }
}

#[test]
fn random_rate_limit_headers_never_panic() {
    use crate::retry::server_delay;
    use reqwest::header::HeaderValue;
    use std::time::SystemTime;
    let names = [
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-reset-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-tokens",
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-tokens-remaining",
    ];
    let pieces = [
        "1",
        "9",
        "0",
        ".",
        "e",
        "300",
        "-",
        "s",
        "ms",
        "h",
        "m",
        "µs",
        "T",
        ":",
        "Z",
        "+",
        "2026-11-21T",
        "NaN",
        "inf",
        " ",
        "Wed, 21 Oct 2015 07:28:00 GMT",
    ];
    let mut rng = StdRng::seed_from_u64(17);
    for _ in 0..5000 {
        let mut h = HeaderMap::new();
        for name in names {
            if rng.random::<bool>() {
                let v: String = (0..rng.random_range(0..8))
                    .map(|_| pieces[rng.random_range(0..pieces.len())])
                    .collect();
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(name, v);
                }
            }
        }
        let _ = server_delay(&h, rng.random::<bool>(), SystemTime::now());
    }
}
