//! One connection budget (issue #74), through the real `rlm serve` with two
//! keys, alice and bob:
//!
//! - alice opens 600 SSE listeners on her running executions and 600
//!   request bodies sending a byte every five seconds: bob's request and
//!   `/healthz` are answered within a second all along (the per-key
//!   connection share, the per-key and per-execution listener caps); her
//!   slow bodies then end with 408 (the minimum body rate);
//! - alice asks for more sandbox memory than the bound holds: bob's first
//!   execution is admitted at once, within his share (the governor's
//!   per-key share);
//! - `rlm mcp --transport http` gets the same connection budget from the
//!   same serve loop: 600 slow bodies of alice's leave bob's `initialize`
//!   and `/healthz` answered within a second.
//!
//! Each test prints what it measured. Executions are kept running by the
//! scripted model's paced reply (`--scripted-token-delay-ms`).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::serve_child;

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef01";
/// Listeners and slow bodies alice opens (each past the 512-connection cap).
const FLOOD: usize = 600;

/// The server, killed when dropped.
struct Serve {
    child: Child,
    base: String,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rlm serve` with keys alice and bob and a scripted model whose every
/// reply (a program, then 300 words at `--scripted-token-delay-ms 200`)
/// takes a minute, so executions run through the whole test.
fn start(dir: &Path, extra: &[&str]) -> Serve {
    let words = vec!["word"; 300].join(" ");
    let script = json!({
        "model": "slow",
        "rules": [],
        "when_exhausted": {"fixed": format!("```repl\nprint(1)\n```\n{words}")},
    });
    std::fs::write(dir.join("script.json"), script.to_string()).unwrap();
    std::fs::write(dir.join("rlm.toml"), "").unwrap();
    let (child, base) = serve_child::start_serve(|c| {
        c.current_dir(dir).arg("--data").arg(dir.join("data"));
        c.arg("--config").arg(dir.join("rlm.toml")).arg("--script").arg(dir.join("script.json"));
        c.args(["--model", "scripted", "--sub-model", "scripted"]);
        c.args(["--scripted-token-delay-ms", "200"]).args(extra);
        c.env("RLM_API_KEYS", format!("alice:{ALICE},bob:{BOB}")).env("RUST_LOG", "error");
    });
    let addr = base.trim_start_matches("http://").to_string();
    Serve { child, base, addr }
}

/// `rlm mcp --transport http` with keys alice and bob.
fn start_mcp(dir: &Path) -> Serve {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rlm"));
    command.args(["mcp", "--model", "scripted", "--transport", "http", "--listen", "127.0.0.1:0"]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            command.env_remove(name);
        }
    }
    command.env("RLM_API_KEYS", format!("alice:{ALICE},bob:{BOB}")).env("RUST_LOG", "error");
    command.env("XDG_CACHE_HOME", dir.join("cache")).current_dir(dir);
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn rlm mcp");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some((_, url)) = line.split_once(": listening on http://") {
                let _ = tx.send(url.trim_end_matches("/mcp").to_string());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("rlm mcp did not start");
    Serve { child, base: format!("http://{addr}"), addr }
}

/// A client with no pooled connection to reuse: every request on a new one.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Starts one of alice's executions, streamed: its id (the stream is kept
/// open by the returned response).
async fn start_execution(s: &Serve) -> (String, reqwest::Response) {
    let r = fresh_client()
        .post(format!("{}/api/execute/stream", s.base))
        .bearer_auth(ALICE)
        .json(&json!({"user_query": "q", "context": "ctx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.headers()["x-execution-id"].to_str().unwrap().to_string();
    (id, r)
}

/// What alice's connections got, by outcome.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<BTreeMap<String, usize>>>);

impl Tally {
    fn add(&self, outcome: &str) {
        *self.0.lock().unwrap().entry(outcome.to_string()).or_default() += 1;
    }

    fn get(&self, outcome: &str) -> usize {
        self.0.lock().unwrap().get(outcome).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }

    fn show(&self) -> String {
        format!("{:?}", self.0.lock().unwrap())
    }
}

/// How a response began: its status and the text read with its head.
enum Answer {
    Status(u16, String),
    /// Closed before any answer (shed, or refused at accept).
    Closed,
}

/// Reads a response's head (and what came with it, for a refusal: its
/// body); waits as long as the server keeps the connection.
async fn answer(stream: &mut (impl AsyncReadExt + Unpin)) -> Answer {
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return Answer::Closed;
        }
        read.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&read).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            if status != 200 && !text[end..].contains('}') {
                continue; // the refusal's JSON body is on its way
            }
            return Answer::Status(status, text);
        }
    }
}

/// Why a 429 was given, from its body's code and detail.
fn refusal_kind(text: &str) -> &'static str {
    if text.contains("share of the connection cap") {
        "429 past the key's connection share"
    } else if text.contains("listeners, its limit") {
        "429 per-execution listener cap"
    } else if text.contains("streams open, its limit") {
        "429 per-key listener cap"
    } else {
        "429 other"
    }
}

/// Until the peer closes.
async fn drain(stream: &mut (impl AsyncReadExt + Unpin)) {
    let mut buf = [0u8; 4096];
    while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {}
}

/// One SSE listener of alice's on `execution`: its answer tallied; a held
/// stream is read until the server closes it ("shed").
async fn sse_listener(addr: String, execution: String, tally: Tally) {
    let Ok(mut s) = TcpStream::connect(&addr).await else { return tally.add("connect failed") };
    let head = format!(
        "GET /api/executions/{execution}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ALICE}\r\n\r\n"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return tally.add("closed unanswered");
    }
    match answer(&mut s).await {
        Answer::Status(200, _) => {
            tally.add("200 listening");
            drain(&mut s).await;
            tally.add("listening, then closed (shed)");
        }
        Answer::Status(429, text) => {
            tally.add(refusal_kind(&text));
            drain(&mut s).await;
        }
        Answer::Status(other, _) => tally.add(&format!("answered {other}")),
        Answer::Closed => tally.add("closed unanswered"),
    }
}

/// One of alice's slow bodies: a `POST` to `path` announcing 100,000
/// bytes and sending one every five seconds; its answer tallied (none while
/// it is held).
async fn slow_body(addr: String, path: &'static str, tally: Tally) {
    let Ok(s) = TcpStream::connect(&addr).await else { return tally.add("connect failed") };
    let (mut read, mut write) = s.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ALICE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{{"
    );
    if write.write_all(head.as_bytes()).await.is_err() {
        return tally.add("closed unanswered");
    }
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    match answer(&mut read).await {
        Answer::Status(429, text) => tally.add(refusal_kind(&text)),
        Answer::Status(408, text) if text.contains("body_too_slow") => {
            tally.add("408 below the minimum body rate")
        }
        Answer::Status(other, _) => tally.add(&format!("answered {other}")),
        Answer::Closed => tally.add("closed unanswered (shed)"),
    }
    trickle.abort();
}

/// Bob's request (`rlm serve`'s `GET /api/sessions`, `rlm mcp`'s
/// `initialize`) and `/healthz`, each on a new connection: both 200 within
/// a second. Returns their latencies.
async fn probe(s: &Serve, when: &str) -> (Duration, Duration) {
    probe_with(s, when, fresh_client().get(format!("{}/api/sessions", s.base))).await
}

async fn probe_with(s: &Serve, when: &str, bobs: reqwest::RequestBuilder) -> (Duration, Duration) {
    let started = Instant::now();
    let bob = bobs.bearer_auth(BOB).send().await;
    let bob_took = started.elapsed();
    let started = Instant::now();
    let health = fresh_client().get(format!("{}/healthz", s.base)).send().await;
    let health_took = started.elapsed();
    let bob = bob.unwrap_or_else(|e| panic!("{when}: bob's request failed: {e}"));
    let health = health.unwrap_or_else(|e| panic!("{when}: /healthz failed: {e}"));
    eprintln!(
        "{when}: bob's request {} in {bob_took:?}, /healthz {} in {health_took:?}",
        bob.status(),
        health.status()
    );
    assert_eq!((bob.status().as_u16(), health.status().as_u16()), (200, 200), "{when}");
    assert!(bob_took < Duration::from_secs(1), "{when}: bob's request took {bob_took:?}");
    assert!(health_took < Duration::from_secs(1), "{when}: /healthz took {health_took:?}");
    (bob_took, health_took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_keys_slow_bodies_and_listeners_leave_room_for_another_key_and_healthz() {
    let dir = tempfile::tempdir().unwrap();
    // The defaults: 512 connections, 500 bytes a second after the 10 s
    // header timeout, 64 listeners per key and 16 per execution.
    let s = start(dir.path(), &[]);
    let mut executions = Vec::new();
    for _ in 0..4 {
        executions.push(start_execution(&s).await);
    }
    let ids: Vec<String> = executions.iter().map(|(id, _)| id.clone()).collect();
    let listeners = Tally::default();
    let mut tasks = Vec::new();
    for i in 0..FLOOD {
        // The first hundred on one execution, then round robin.
        let execution = if i < 100 { ids[0].clone() } else { ids[i % ids.len()].clone() };
        tasks.push(tokio::spawn(sse_listener(s.addr.clone(), execution, listeners.clone())));
        if i % 50 == 49 {
            tokio::task::yield_now().await;
        }
    }
    while listeners.total() < FLOOD {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("alice's {FLOOD} SSE listeners: {}", listeners.show());
    let after_listeners = probe(&s, "after alice's listeners").await;
    let bodies = Tally::default();
    let flooded = Instant::now();
    for _ in 0..FLOOD {
        tasks.push(tokio::spawn(slow_body(s.addr.clone(), "/api/sessions", bodies.clone())));
    }
    // Alice's bodies are either refused at once or held by the server.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = FLOOD - bodies.total();
    eprintln!("alice's {FLOOD} slow bodies after 2 s: {held} held, {}", bodies.show());
    let during_bodies = probe(&s, "with alice's slow bodies held").await;
    let again = probe(&s, "again").await;
    eprintln!("alice's SSE listeners now: {}", listeners.show());
    // The held bodies fall behind 500 bytes a second once the 10 s grace is spent.
    while bodies.total() < FLOOD && flooded.elapsed() < Duration::from_secs(40) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("alice's slow bodies after {:?}: {}", flooded.elapsed(), bodies.show());
    eprintln!(
        "figures: bob {:?} / {:?} / {:?}, /healthz {:?} / {:?} / {:?}; alice: {} listeners held, {held} bodies held, {} bodies ended with 408",
        after_listeners.0,
        during_bodies.0,
        again.0,
        after_listeners.1,
        during_bodies.1,
        again.1,
        listeners.get("200 listening") - listeners.get("listening, then closed (shed)"),
        bodies.get("408 below the minimum body rate"),
    );
    assert!(listeners.get("429 per-key listener cap") > 0, "{}", listeners.show());
    assert!(listeners.get("429 per-execution listener cap") > 0, "{}", listeners.show());
    assert!(held > 0, "some of alice's bodies were held: {}", bodies.show());
    assert_eq!(bodies.total(), FLOOD, "every slow body ended: {}", bodies.show());
    assert!(bodies.get("408 below the minimum body rate") > 0, "{}", bodies.show());
    for t in tasks {
        t.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_holding_the_memory_bound_leaves_another_keys_first_execution_its_share() {
    let dir = tempfile::tempdir().unwrap();
    // Room for four budgets of 256 MiB under 1,024 MiB; a refused execution
    // waits 3 s for memory, then 429.
    let args = [
        "--max-sandbox-memory-mb",
        "1024",
        "--memory-bytes",
        "268435456",
        "--sandbox-memory-wait-secs",
        "3",
    ];
    let s = start(dir.path(), &args);
    let mut alice = Vec::new();
    let sent = Instant::now();
    for i in 0..4 {
        let base = s.base.clone();
        alice.push(tokio::spawn(async move {
            let r = fresh_client()
                .post(format!("{base}/api/execute/stream"))
                .bearer_auth(ALICE)
                .json(&json!({"user_query": format!("alice {i}"), "context": "ctx"}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), sent.elapsed(), r)
        }));
    }
    // Alice's four are asked (those admitted answer at once); then bob's first.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let bob = fresh_client()
        .post(format!("{}/api/execute/stream", s.base))
        .bearer_auth(BOB)
        .json(&json!({"user_query": "bob", "context": "ctx"}))
        .send()
        .await
        .unwrap();
    let bob_took = started.elapsed();
    let mut outcomes = Vec::new();
    let mut held = Vec::new();
    for a in alice {
        let (status, took, response) = a.await.unwrap();
        outcomes.push((status, took));
        held.push(response);
    }
    let admitted = outcomes.iter().filter(|(status, _)| *status == 200).count();
    let refused = outcomes.iter().filter(|(status, _)| *status == 429).count();
    eprintln!(
        "governor: alice's 4 executions of 256 MiB under 1,024 MiB: {admitted} admitted, {refused} refused (429 after their wait) {outcomes:?}; bob's first: {} in {bob_took:?}",
        bob.status()
    );
    assert_eq!(bob.status(), 200, "bob's first execution is admitted");
    assert!(bob_took < Duration::from_secs(1), "bob's first execution waited {bob_took:?}");
    assert_eq!(
        (admitted, refused),
        (2, 2),
        "alone among two keys, alice has half the bound: {outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_over_http_has_the_same_connection_budget() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_mcp(dir.path());
    let bodies = Tally::default();
    let mut tasks = Vec::new();
    for _ in 0..FLOOD {
        tasks.push(tokio::spawn(slow_body(s.addr.clone(), "/mcp", bodies.clone())));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = FLOOD - bodies.total();
    eprintln!("rlm mcp: alice's {FLOOD} slow bodies after 2 s: {held} held, {}", bodies.show());
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "serve_connection_shares", "version": "0"}}});
    for when in ["rlm mcp, alice's slow bodies held", "rlm mcp, again"] {
        let bobs = fresh_client()
            .post(format!("{}/mcp", s.base))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        probe_with(&s, when, bobs).await;
    }
    assert!(held > 0, "some of alice's bodies were held: {}", bodies.show());
    assert!(bodies.get("429 past the key's connection share") > 0, "{}", bodies.show());
    for t in tasks {
        t.abort();
    }
}
