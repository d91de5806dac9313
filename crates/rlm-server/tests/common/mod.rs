//! Test helpers: a real server on an ephemeral loopback port, a reqwest
//! client, an SSE reader, and a mock OpenAI-compatible model server whose
//! replies (delay, status, text) a test decides per request.
#![allow(dead_code)]

#[cfg(feature = "postgres")]
pub mod pg;
#[cfg(feature = "postgres")]
pub mod private_pg;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use rlm_adapters::{EnvVars, FakeScript};
use rlm_server::{Server, ServerConfig};
use serde_json::Value;

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn demo_script() -> FakeScript {
    FakeScript::from_file(&workspace().join("crates/rlm-cli/scripted/demo.toml")).unwrap()
}

/// A script whose root model runs `program` once, then answers FINAL(result).
pub fn one_program_script(program: &str) -> FakeScript {
    let toml = format!(
        "model = \"one-program\"\nwhen_exhausted = {{ fixed = \"FINAL(result)\" }}\n[[replies]]\ntext = '''\n```repl\n{program}\n```\n'''\n"
    );
    toml::from_str(&toml).unwrap()
}

/// The demo corpus as one text.
pub fn corpus_text() -> String {
    let dir = workspace().join("examples/corpus");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect::<Vec<_>>().join("\n\n")
}

pub const DEMO_QUESTION: &str =
    "Which service logged the most errors, and what is the vault passphrase?";

pub struct TestServer {
    pub server: Option<Server>,
    pub base: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
}

pub fn config(dir: &tempfile::TempDir, script: FakeScript) -> ServerConfig {
    let mut c = ServerConfig::local(dir.path().join("data"), script);
    c.bind = "127.0.0.1:0".parse().unwrap();
    c.shutdown_grace = Duration::from_millis(300);
    c
}

impl TestServer {
    pub async fn start(script: FakeScript) -> Self {
        Self::start_with(script, |_| {}).await
    }

    pub async fn start_with(script: FakeScript, tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(&dir, script);
        tweak(&mut c);
        Self::start_config(dir, c).await
    }

    pub async fn start_config(dir: tempfile::TempDir, c: ServerConfig) -> Self {
        let server = Server::start(c).await.unwrap();
        let base = format!("http://{}", server.addr());
        TestServer { server: Some(server), base, client: reqwest::Client::new(), dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.client.post(self.url(path)).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn create_session(&self, name: &str, context: &str) -> String {
        let (status, body) =
            self.post("/api/sessions", serde_json::json!({"name": name, "context": context})).await;
        assert_eq!(status, 200, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// A session with no context yet.
    pub async fn create_session_without_context(&self) -> String {
        let (status, body) = self.post("/api/sessions", serde_json::json!({"name": "empty"})).await;
        assert_eq!(status, 200, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Polls an execution until it has ended.
    pub async fn wait_execution(&self, id: &str) -> Value {
        for _ in 0..600 {
            let (status, body) = self.get(&format!("/api/executions/{id}")).await;
            assert_eq!(status, 200, "{body}");
            let s = body["status"].as_str().unwrap_or_default();
            if !matches!(s, "pending" | "running") {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("execution {id} did not end");
    }

    /// Polls a job until `done` says so.
    pub async fn wait_job(&self, id: &str, done: impl Fn(&str) -> bool) -> Value {
        for _ in 0..600 {
            let (status, body) = self.get(&format!("/api/jobs/{id}")).await;
            assert_eq!(status, 200, "{body}");
            if done(body["status"].as_str().unwrap_or_default()) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id} did not reach the awaited state");
    }

    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.server.take() {
            s.stop().await.unwrap();
        }
        self.dir
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<u64>,
    pub event: String,
    pub data: Value,
}

/// Reads SSE frames from a response, calling `each` per event; stops when
/// the stream ends or `each` returns false (dropping the connection).
pub async fn read_sse(response: reqwest::Response, mut each: impl FnMut(&Sse) -> bool) -> Vec<Sse> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut bytes = response.bytes_stream();
    while let Some(chunk) = bytes.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut ev = Sse { id: None, event: "message".into(), data: Value::Null };
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    ev.id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    ev.event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if data.is_empty() {
                continue; // a keep-alive comment
            }
            ev.data = serde_json::from_str(&data).unwrap();
            let go_on = each(&ev);
            out.push(ev);
            if !go_on {
                return out;
            }
        }
    }
    out
}

/// What the mock model answers to one request.
pub struct MockReply {
    pub delay: Duration,
    pub status: u16,
    pub text: String,
    pub headers: Vec<(String, String)>,
}

impl MockReply {
    pub fn ok(text: &str) -> Self {
        MockReply { delay: Duration::ZERO, status: 200, text: text.into(), headers: Vec::new() }
    }
}

type Decide = dyn Fn(u64, &str) -> MockReply + Send + Sync;

/// A mock OpenAI-compatible `/v1/chat/completions` (plain and streamed).
pub struct MockModel {
    pub base_url: String,
    pub requests: Arc<AtomicU64>,
}

impl MockModel {
    /// `decide(n, last_user_message)` answers the n-th request (0-based).
    pub async fn start(decide: impl Fn(u64, &str) -> MockReply + Send + Sync + 'static) -> Self {
        let decide: Arc<Decide> = Arc::new(decide);
        let requests = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&requests);
        let app = axum::Router::new().route(
            "/v1/chat/completions",
            axum::routing::post(move |body: axum::Json<Value>| {
                let decide = Arc::clone(&decide);
                let counter = Arc::clone(&counter);
                async move { reply(decide, counter, body.0).await }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        MockModel { base_url: format!("http://{addr}/v1"), requests }
    }

    /// A mock answering every call "x" after `delay`: a program calling it
    /// keeps its execution running that long.
    pub async fn slow(delay: Duration) -> Self {
        Self::start(move |_, _| MockReply { delay, ..MockReply::ok("x") }).await
    }

    pub fn count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Makes this mock the server's sub-model (`openai:mock-sub`).
    pub fn as_sub_model(&self, c: &mut ServerConfig) {
        c.engine.sub_model = Some("openai:mock-sub".into());
        c.env = self.env();
    }

    /// Provider settings pointing `openai:*` models at this mock.
    pub fn env(&self) -> EnvVars {
        EnvVars::from_pairs([
            ("OPENAI_BASE_URL", self.base_url.as_str()),
            ("OPENAI_API_KEY", "sk-test-SECRET-0123456789abcdef"),
        ])
    }
}

async fn reply(
    decide: Arc<Decide>,
    counter: Arc<AtomicU64>,
    body: Value,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let prompt = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string();
    let r = decide(n, &prompt);
    tokio::time::sleep(r.delay).await;
    let status = axum::http::StatusCode::from_u16(r.status).unwrap();
    let mut headers = axum::http::HeaderMap::new();
    for (k, v) in &r.headers {
        headers
            .insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    if r.status != 200 {
        let err = serde_json::json!({"error": {"message": r.text, "type": "mock_error"}});
        return (status, headers, axum::Json(err)).into_response();
    }
    let usage =
        serde_json::json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    if body["stream"] == true {
        let mut sse = String::new();
        for word in r.text.split_inclusive(' ') {
            let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": null}]});
            sse.push_str(&format!("data: {chunk}\n\n"));
        }
        let last = serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage});
        sse.push_str(&format!("data: {last}\n\ndata: [DONE]\n\n"));
        headers.insert("content-type", "text/event-stream".parse().unwrap());
        return (status, headers, sse).into_response();
    }
    let out = serde_json::json!({
        "id": "mock", "object": "chat.completion", "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": r.text}, "finish_reason": "stop"}],
        "usage": usage,
    });
    (status, headers, axum::Json(out)).into_response()
}
