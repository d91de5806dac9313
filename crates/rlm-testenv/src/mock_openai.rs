//! A mock OpenAI provider for the tests and the benchmarks (feature
//! `mock-openai`): `POST /v1/chat/completions` (or `/chat/completions`)
//! answered after a fixed latency with a fixed short reply, or the prompt
//! echoed (as one SSE chunk, usage and `[DONE]` when the request asks for
//! `stream`), and `GET /stats` with how many calls it answered; it keeps
//! each call's `traceparent` header. It can
//! refuse a share of requests as a provider under load does (a 429, 503 or
//! 529 with `Retry-After` in seconds or as an HTTP-date, or `retry-after-ms`;
//! drawn per request from a seeded generator: [`Refusals`]), and fail every
//! request whose prompt holds a marker ([`FailRule`]). The same server runs
//! in a test's process ([`MockOpenAi::start`]) or as the `mock-openai` binary
//! that `examples/bench/cluster_bench.py` starts, so neither keeps its own.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

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
    /// Waited before each answer (the provider's latency; refusals and
    /// failures answer at once, as a provider's front door does).
    pub latency: Duration,
    /// The assistant's text in every answer.
    pub reply: String,
    /// Answer `re: <the last message>` instead of `reply` (each prompt its own answer).
    pub echo: bool,
    /// Requests refused before they are answered.
    pub refusals: Refusals,
    /// Prompts that fail every time.
    pub failures: Vec<FailRule>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            latency: Duration::ZERO,
            reply: "ok".into(),
            echo: false,
            refusals: Refusals::default(),
            failures: Vec::new(),
        }
    }
}

/// A share of requests refused, each drawn from a generator seeded with
/// `seed` and the request's arrival number (so a seed gives the same draws;
/// which prompt meets them depends on arrival order).
#[derive(Debug, Clone)]
pub struct Refusals {
    /// The share refused, 0 to 1 (0: none).
    pub rate: f64,
    pub seed: u64,
    /// The refusal's status: 429 (a rate limit), 503 or 529 (overloaded).
    pub status: u16,
    /// The wait the refusal asks for.
    pub retry_after: Option<RetryAfter>,
}

impl Default for Refusals {
    fn default() -> Self {
        Refusals { rate: 0.0, seed: 0, status: 429, retry_after: None }
    }
}

/// How a refusal says how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: N` (seconds).
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`, this long after the refusal (rounded up
    /// to the next whole second, as an HTTP-date has no fraction).
    Date(Duration),
    /// `retry-after-ms: N`.
    Millis(u64),
}

/// Every request whose last message holds `marker` is answered with
/// `status` (and `retry_after`, `message` as OpenAI's error body).
#[derive(Debug, Clone)]
pub struct FailRule {
    pub marker: String,
    pub status: u16,
    pub retry_after: Option<RetryAfter>,
    pub message: String,
}

/// What the handlers share: the settings and the counts.
#[derive(Debug)]
struct Shared {
    config: MockConfig,
    calls: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    arrivals: Mutex<Vec<Instant>>,
    /// Each call's `traceparent` header, in arrival order (the first
    /// [`MAX_ARRIVALS`]).
    traceparents: Mutex<Vec<Option<String>>>,
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
        let shared = Arc::new(Shared {
            config,
            calls: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            arrivals: Mutex::new(Vec::new()),
            traceparents: Mutex::new(Vec::new()),
        });
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

    /// Chat completion requests received (answered, refused or failed).
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// Requests refused by [`Refusals`].
    pub fn refused(&self) -> u64 {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Requests failed by a [`FailRule`].
    pub fn failed(&self) -> u64 {
        self.shared.failed.load(Ordering::Relaxed)
    }

    /// When each call arrived (the first [`MAX_ARRIVALS`]).
    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.arrivals.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Each call's W3C `traceparent` header (`None`: it had none), in
    /// arrival order (the first [`MAX_ARRIVALS`]).
    pub fn traceparents(&self) -> Vec<Option<String>> {
        self.shared.traceparents.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for MockOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `GET /stats`: `{"calls": N, "refused": N, "failed": N}`.
async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let count = |c: &AtomicU64| c.load(Ordering::Relaxed);
    axum::Json(json!({
        "calls": count(&shared.calls),
        "refused": count(&shared.refused),
        "failed": count(&shared.failed),
    }))
    .into_response()
}

/// One chat completion, after the latency.
async fn complete(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let arrival = shared.calls.fetch_add(1, Ordering::Relaxed);
    {
        let mut arrivals = shared.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        if arrivals.len() < MAX_ARRIVALS {
            arrivals.push(Instant::now());
            let traceparent = headers.get("traceparent").and_then(|v| v.to_str().ok());
            let mut traceparents =
                shared.traceparents.lock().unwrap_or_else(PoisonError::into_inner);
            traceparents.push(traceparent.map(str::to_string));
        }
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let error = json!({ "error": { "message": format!("not JSON: {e}"), "type": "invalid_request_error" } });
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
    };
    let last = request["messages"]
        .as_array()
        .and_then(|ms| ms.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    if let Some(rule) = shared.config.failures.iter().find(|r| last.contains(&r.marker)) {
        shared.failed.fetch_add(1, Ordering::Relaxed);
        return refusal(rule.status, rule.retry_after, &rule.message);
    }
    let refusals = &shared.config.refusals;
    if refusals.rate > 0.0 && unit_draw(refusals.seed, arrival) < refusals.rate {
        shared.refused.fetch_add(1, Ordering::Relaxed);
        return refusal(refusals.status, refusals.retry_after, "Rate limit reached (mock)");
    }
    tokio::time::sleep(shared.config.latency).await;
    let model = request["model"].as_str().unwrap_or("mock").to_string();
    let reply =
        if shared.config.echo { format!("re: {last}") } else { shared.config.reply.clone() };
    let usage = usage(&request, &reply);
    if request["stream"] == true {
        let chunk = json!({
            "id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{ "index": 0, "delta": { "role": "assistant", "content": reply }, "finish_reason": "stop" }]
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
            "message": { "role": "assistant", "content": reply } }],
        "usage": usage
    }))
    .into_response()
}

/// A refusal or failure as a provider sends it: `status`, its wait, and
/// OpenAI's error body.
fn refusal(status: u16, retry_after: Option<RetryAfter>, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let kind = if status == 429 { "requests" } else { "server_error" };
    let body = json!({ "error": { "message": message, "type": kind } });
    let mut response = (code, axum::Json(body)).into_response();
    let header = match retry_after {
        None => None,
        Some(RetryAfter::Seconds(n)) => Some(("retry-after", n.to_string())),
        Some(RetryAfter::Millis(n)) => Some(("retry-after-ms", n.to_string())),
        Some(RetryAfter::Date(after)) => {
            // An HTTP-date has whole seconds: round up, never ask for less.
            let at = SystemTime::now() + after + Duration::from_millis(999);
            Some(("retry-after", httpdate::fmt_http_date(at)))
        }
    };
    if let Some((name, value)) = header
        && let Ok(value) = axum::http::HeaderValue::from_str(&value)
    {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A draw in `[0, 1)` for request `n` of a generator seeded with `seed`
/// (splitmix64: no state to share between the handlers).
fn unit_draw(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
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
            ..MockConfig::default()
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
        assert!(stats.ends_with(r#"{"calls":3,"failed":0,"refused":0}"#), "{stats}");
    }

    #[tokio::test]
    async fn it_refuses_a_seeded_share_and_fails_marked_prompts() {
        let mock = MockOpenAi::start(MockConfig {
            echo: true,
            refusals: Refusals {
                rate: 0.2,
                seed: 7,
                status: 429,
                retry_after: Some(RetryAfter::Seconds(1)),
            },
            failures: vec![FailRule {
                marker: "BROKEN".into(),
                status: 401,
                retry_after: None,
                message: "bad key".into(),
            }],
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let body = |text: &str| {
            format!(r#"{{"model":"m","messages":[{{"role":"user","content":"{text}"}}]}}"#)
        };
        let mut refused = 0;
        for i in 0..200 {
            let answer = post(&mock, "/v1/chat/completions", &body(&format!("q{i}"))).await;
            if answer.starts_with("HTTP/1.1 429") {
                refused += 1;
                assert!(answer.contains("retry-after: 1\r\n"), "{answer}");
            } else {
                assert!(answer.contains(&format!(r#""content":"re: q{i}""#)), "{answer}");
            }
        }
        // 20% of 200, give or take the draws (the same for this seed every run).
        assert!((25..=55).contains(&refused), "{refused}");
        assert_eq!(mock.refused(), refused);
        let broken = post(&mock, "/v1/chat/completions", &body("a BROKEN one")).await;
        assert!(broken.starts_with("HTTP/1.1 401") && broken.contains("bad key"), "{broken}");
        assert_eq!((mock.failed(), mock.calls()), (1, 201));
        // The same seed draws the same refusals.
        let draws = |seed| (0..100).filter(|n| unit_draw(seed, *n) < 0.2).collect::<Vec<_>>();
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let date = refusal(429, Some(RetryAfter::Date(Duration::from_secs(2))), "x");
        let at = date.headers()["retry-after"].to_str().unwrap().to_string();
        let at = httpdate::parse_http_date(&at).unwrap();
        let ahead = at.duration_since(SystemTime::now()).unwrap();
        assert!(ahead > Duration::from_secs(1) && ahead <= Duration::from_secs(3), "{ahead:?}");
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
