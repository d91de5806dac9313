//! A mock OpenAI provider for the tests and the benchmarks (feature
//! `mock-openai`): `POST /v1/chat/completions` (or `/chat/completions`)
//! answered after a fixed latency with a fixed short reply (as one SSE
//! chunk, usage and `[DONE]` when the request asks for `stream`), and
//! `GET /stats` with how many calls it answered. The same server runs in a
//! test's process ([`MockOpenAi::start`]) or as the `mock-openai` binary
//! that `examples/bench/cluster_bench.py` starts, so neither keeps its own.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Arrival times kept at most (a test's memory stays bounded however long a
/// benchmark drives the mock; calls past it are still counted).
const MAX_ARRIVALS: usize = 1_000_000;

/// How the mock answers.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Waited before each answer (the provider's latency).
    pub latency: Duration,
    /// The assistant's text in every answer.
    pub reply: String,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig { latency: Duration::ZERO, reply: "ok".into() }
    }
}

/// What the handlers share: the settings and the counts.
#[derive(Debug)]
struct Shared {
    config: MockConfig,
    calls: AtomicU64,
    arrivals: Mutex<Vec<Instant>>,
}

/// A running mock on 127.0.0.1; dropped, it stops.
#[derive(Debug)]
pub struct MockOpenAi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl MockOpenAi {
    /// Starts the mock on an ephemeral port of 127.0.0.1 (inside a tokio runtime).
    pub async fn start(config: MockConfig) -> std::io::Result<MockOpenAi> {
        MockOpenAi::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts the mock on `addr` (port 0: any free one).
    pub async fn start_on(addr: SocketAddr, config: MockConfig) -> std::io::Result<MockOpenAi> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared =
            Arc::new(Shared { config, calls: AtomicU64::new(0), arrivals: Mutex::new(Vec::new()) });
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .route("/chat/completions", post(complete))
            .route("/stats", get(stats))
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            // Serving ends only with the listener's error; the mock's owner sees
            // it as refused connections.
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockOpenAi { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT` (OpenAI's base URL is this with `/v1`).
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Chat completions answered or being answered.
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// When each call arrived (the first [`MAX_ARRIVALS`]).
    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.arrivals.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for MockOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `GET /stats`: `{"calls": N}`.
async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(json!({ "calls": shared.calls.load(Ordering::Relaxed) })).into_response()
}

/// One chat completion, after the latency.
async fn complete(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    shared.calls.fetch_add(1, Ordering::Relaxed);
    {
        let mut arrivals = shared.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        if arrivals.len() < MAX_ARRIVALS {
            arrivals.push(Instant::now());
        }
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let error = json!({ "error": { "message": format!("not JSON: {e}"), "type": "invalid_request_error" } });
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
    };
    tokio::time::sleep(shared.config.latency).await;
    let model = request["model"].as_str().unwrap_or("mock").to_string();
    let usage = usage(&request, &shared.config.reply);
    if request["stream"] == true {
        let chunk = json!({
            "id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{ "index": 0, "delta": { "role": "assistant", "content": shared.config.reply }, "finish_reason": "stop" }]
        });
        let tail = json!({
            "id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [], "usage": usage
        });
        let text = format!("data: {chunk}\n\ndata: {tail}\n\ndata: [DONE]\n\n");
        return ([(header::CONTENT_TYPE, "text/event-stream")], text).into_response();
    }
    axum::Json(json!({
        "id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{ "index": 0, "finish_reason": "stop",
            "message": { "role": "assistant", "content": shared.config.reply } }],
        "usage": usage
    }))
    .into_response()
}

/// Token counts at about four characters a token (the messages' text, the reply).
fn usage(request: &Value, reply: &str) -> Value {
    let sent: usize = request["messages"]
        .as_array()
        .map(|ms| ms.iter().map(|m| m["content"].as_str().map_or(0, str::len)).sum())
        .unwrap_or(0);
    let prompt = sent / 4 + 1;
    let completion = reply.len() / 4 + 1;
    json!({ "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_after_its_latency_and_counts_the_calls() {
        let mock = MockOpenAi::start(MockConfig {
            latency: Duration::from_millis(50),
            reply: "hello".into(),
        })
        .await
        .unwrap();
        let body = r#"{"model":"m","messages":[{"role":"user","content":"abcdefgh"}]}"#;
        let started = Instant::now();
        let answer = post(&mock, "/v1/chat/completions", body).await;
        // The latency is a floor (sleep never wakes early), not a timing bound.
        assert!(started.elapsed() >= Duration::from_millis(50));
        let answer: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(answer["choices"][0]["message"]["content"], "hello");
        assert_eq!(answer["usage"]["prompt_tokens"], 3);
        let streamed =
            post(&mock, "/chat/completions", r#"{"model":"m","messages":[],"stream":true}"#).await;
        assert!(streamed.contains("text/event-stream"), "{streamed}");
        assert!(streamed.contains(r#""content":"hello""#), "{streamed}");
        assert!(streamed.trim_end().ends_with("data: [DONE]"), "{streamed}");
        let bad = post(&mock, "/v1/chat/completions", "{").await;
        assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
        assert_eq!(mock.calls(), 3);
        assert_eq!(mock.arrivals().len(), 3);
        let stats = get_stats(&mock).await;
        assert!(stats.ends_with(r#"{"calls":3}"#), "{stats}");
    }

    /// One HTTP/1.1 request on a fresh connection; the whole response as text.
    async fn request(mock: &MockOpenAi, head: String) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(mock.addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    async fn post(mock: &MockOpenAi, path: &str, body: &str) -> String {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        request(mock, head).await
    }

    async fn get_stats(mock: &MockOpenAi) -> String {
        request(mock, "GET /stats HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".into()).await
    }
}
