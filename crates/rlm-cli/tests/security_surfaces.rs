//! Every listening surface hardened alike (issue #54): `rlm serve` and
//! `rlm mcp --transport http`, the real `rlm` binary as a child, both with
//! an API key (from `--api-key-file`) and an `--allow-path` root, probed with
//! plain HTTP (reqwest, HTTP/1 and HTTP/2 prior knowledge) and, for MCP, the
//! official Python client (`tests/security/mcp_client.py`):
//!
//! - no key and a wrong key are 401, a browser Origin from elsewhere is 403,
//!   and a forged `Host: 127.0.0.1` gets nothing without the key;
//! - every path trick (`/etc/passwd`, `../../../../etc/passwd`, `/etc/pass*`,
//!   `/proc/self/environ`, the key file, a symlinked folder pointing out of
//!   the root) is refused with a clear error and leaks nothing;
//! - a flood of 1,100 half-sent requests against a server limited to 1,024
//!   open files leaves `/healthz` answering within a second;
//! - neither command listens beyond loopback without a key.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "surface-key-0123456789abcdef";
const SECRET: &str = "the-secret-outside-the-root";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Serve,
    Mcp,
}

/// A surface's child process, killed when dropped.
struct Surface {
    kind: Kind,
    child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
    key_file: PathBuf,
    root: PathBuf,
}

impl Drop for Surface {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The folders: `root/` (allowed: `doc.txt`, `link` → outside), `outside/`
/// (`secret.txt`) and the key file beside them.
fn layout(dir: &Path) -> (PathBuf, PathBuf) {
    let root = dir.join("root");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("doc.txt"), "allowed text").unwrap();
    std::fs::write(outside.join("secret.txt"), SECRET).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    let key_file = dir.join("keys.txt");
    std::fs::write(&key_file, format!("tester:{KEY}\n")).unwrap();
    (root, key_file)
}

/// `rlm serve` or `rlm mcp --transport http` on 127.0.0.1:0 with the key file
/// and the root, under `prlimit --nofile=N` when `fd_limit` is given.
fn start(kind: Kind, dir: &Path, extra: &[&str], fd_limit: Option<u32>) -> Surface {
    let (root, key_file) = layout(dir);
    let rlm = env!("CARGO_BIN_EXE_rlm");
    let mut command = match fd_limit {
        Some(n) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--nofile={n}:{n}")).arg("--").arg(rlm);
            c
        }
        None => Command::new(rlm),
    };
    match kind {
        Kind::Serve => {
            command.args(["serve", "--bind", "127.0.0.1:0", "--data"]).arg(dir.join("data"))
        }
        Kind::Mcp => command.args([
            "mcp",
            "--model",
            "scripted",
            "--transport",
            "http",
            "--listen",
            "127.0.0.1:0",
        ]),
    };
    command.arg("--allow-path").arg(&root).arg("--api-key-file").arg(&key_file).args(extra);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            command.env_remove(name);
        }
    }
    command.env("XDG_CACHE_HOME", dir.join("cache")).current_dir(dir);
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn rlm");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some((_, url)) = line.split_once(": listening on http://") {
                let addr = url.trim_end_matches("/mcp").to_string();
                let _ = tx.send(format!("http://{addr}"));
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).expect("the server did not start");
    Surface { kind, child, base, key_file, root }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// An MCP request over plain HTTP (`session`: the `mcp-session-id`), and
/// the JSON-RPC message in its answer (JSON or the first SSE `data:` line).
async fn mcp_post(
    s: &Surface,
    key: Option<&str>,
    session: Option<&str>,
    message: Value,
) -> (u16, Option<String>, Value) {
    let mut request = client()
        .post(format!("{}/mcp", s.base))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&message);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(id) = session {
        request = request.header("mcp-session-id", id);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let id = r.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    let data = text.lines().filter_map(|l| l.strip_prefix("data:")).find(|d| !d.trim().is_empty());
    let body = serde_json::from_str(data.unwrap_or(&text)).unwrap_or(Value::String(text.clone()));
    (status, id, body)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "security_surfaces", "version": "0"}}})
}

/// A keyed MCP session over plain HTTP: its id.
async fn mcp_session(s: &Surface) -> String {
    let (status, id, body) = mcp_post(s, Some(KEY), None, initialize()).await;
    assert_eq!(status, 200, "{body}");
    let id = id.expect("a session id");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (status, _, _) = mcp_post(s, Some(KEY), Some(&id), note).await;
    assert!(status < 300, "{status}");
    id
}

/// The surface's own keyed request: serve's session list, MCP's initialize.
async fn keyed_request(s: &Surface, key: Option<&str>, headers: &[(&str, &str)]) -> u16 {
    let mut request = match s.kind {
        Kind::Serve => client().get(format!("{}/api/sessions", s.base)),
        Kind::Mcp => client()
            .post(format!("{}/mcp", s.base))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize()),
    };
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn keys_hosts_and_origins(s: &Surface) {
    let what = format!("{:?}", s.kind);
    assert_eq!(keyed_request(s, None, &[]).await, 401, "{what}: no key");
    assert_eq!(keyed_request(s, Some("wrong-key-0123456789abcdef"), &[]).await, 401, "{what}");
    let forged = [("host", "127.0.0.1")];
    assert_eq!(keyed_request(s, None, &forged).await, 401, "{what}: a forged Host is no key");
    let evil = [("origin", "http://evil.example")];
    assert_eq!(keyed_request(s, Some(KEY), &evil).await, 403, "{what}: a foreign Origin");
    assert_eq!(keyed_request(s, Some(KEY), &[]).await, 200, "{what}: the key opens");
    let local = [("origin", "http://localhost:6274")];
    assert_eq!(keyed_request(s, Some(KEY), &local).await, 200, "{what}: a loopback Origin");
}

/// Every trick, as the surface takes a path (serve: relative to its root).
fn tricks(s: &Surface) -> Vec<String> {
    let mut tricks: Vec<String> = [
        "/etc/passwd",
        "../../../../etc/passwd",
        "/etc/pass*",
        "/proc/self/environ",
        "../keys.txt",
        "link/secret.txt",
        "link",
        "link/*",
    ]
    .map(String::from)
    .into();
    tricks.push(s.key_file.display().to_string());
    tricks.push(s.root.join("link/secret.txt").display().to_string());
    tricks
}

/// No trick's answer may carry what the refused files hold.
fn assert_leaks_nothing(answer: &str) {
    for leak in [SECRET, KEY, "root:x:0", "PATH="] {
        assert!(!answer.contains(leak), "leaked {leak:?}: {answer}");
    }
}

async fn serve_refuses_path_tricks(s: &Surface) {
    for trick in tricks(s) {
        let r = client()
            .post(format!("{}/api/sessions", s.base))
            .bearer_auth(KEY)
            .json(&json!({"paths": [trick]}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 400, "{trick}: {body}");
        assert!(body.contains("refused"), "{trick}: a clear error: {body}");
        assert_leaks_nothing(&body);
    }
    let r = client()
        .post(format!("{}/api/sessions", s.base))
        .bearer_auth(KEY)
        .json(&json!({"paths": ["doc.txt"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the root's own file loads");
}

async fn mcp_refuses_path_tricks(s: &Surface) {
    let session = mcp_session(s).await;
    let call = |id: u64, name: &str, arguments: Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": name, "arguments": arguments}})
    };
    for (i, trick) in tricks(s).into_iter().enumerate() {
        let exec =
            call(i as u64 + 10, "rlm_exec", json!({"program": "print(context)", "paths": [trick]}));
        let (status, _, body) = mcp_post(s, Some(KEY), Some(&session), exec).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["isError"], true, "{trick}: {body}");
        assert!(body.to_string().contains("refused"), "{trick}: a clear error: {body}");
        assert_leaks_nothing(&body.to_string());
        let search = call(i as u64 + 100, "rlm_search", json!({"path": trick, "query": "root"}));
        let (_, _, body) = mcp_post(s, Some(KEY), Some(&session), search).await;
        assert_eq!(body["result"]["isError"], true, "{trick}: {body}");
        assert_leaks_nothing(&body.to_string());
    }
    let doc = s.root.join("doc.txt").display().to_string();
    let exec = call(7, "rlm_exec", json!({"program": "print(context)", "paths": [doc]}));
    let (_, _, body) = mcp_post(s, Some(KEY), Some(&session), exec).await;
    assert_eq!(body["result"]["isError"], false, "{body}");
    assert!(body.to_string().contains("allowed text"), "{body}");
    // A number as the Inspector sends it, and a word.
    let root = s.root.display().to_string();
    let search = call(8, "rlm_search", json!({"path": root, "query": "allowed", "k": "2"}));
    let (_, _, body) = mcp_post(s, Some(KEY), Some(&session), search).await;
    assert_eq!(body["result"]["isError"], false, "k=\"2\" is 2: {body}");
    assert!(!s.root.join(".rlm-index").exists(), "no index in the user's folder");
    let search = call(9, "rlm_search", json!({"path": root, "query": "allowed", "k": "two"}));
    let (_, _, body) = mcp_post(s, Some(KEY), Some(&session), search).await;
    assert!(body.to_string().contains("expected a whole number"), "{body}");
    // Closing the session is a plain success.
    let r = client()
        .delete(format!("{}/mcp", s.base))
        .bearer_auth(KEY)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_checks_keys_names_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(Kind::Serve, dir.path(), &[], None);
    keys_hosts_and_origins(&s).await;
    serve_refuses_path_tricks(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_over_http_checks_keys_names_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(Kind::Mcp, dir.path(), &[], None);
    keys_hosts_and_origins(&s).await;
    mcp_refuses_path_tricks(&s).await;
}

/// 1,100 connections that each send half a request head and stop.
fn flood(addr: &str) -> Vec<TcpStream> {
    let mut open = Vec::new();
    for _ in 0..1_100 {
        let Ok(mut s) = TcpStream::connect(addr) else { continue };
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        open.push(s);
    }
    open
}

async fn healthz_answers_under_a_flood(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    // A header timeout far longer than the test: only the cap can save it.
    let s = start(kind, dir.path(), &["--header-timeout", "300"], Some(1024));
    let addr = s.base.trim_start_matches("http://").to_string();
    let flood = flood(&addr);
    assert!(flood.len() >= 1_000, "the test opened only {} sockets", flood.len());
    let http1 = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let http2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for (i, client) in [&http1, &http2, &http1, &http2].into_iter().enumerate() {
        // More half-requests between probes: the flood goes on.
        let more = flood_more(&addr, 100);
        let started = Instant::now();
        let r = client.get(format!("{}/healthz", s.base)).send().await;
        let took = started.elapsed();
        let r = r.unwrap_or_else(|e| panic!("{kind:?} probe {i}: /healthz failed: {e}"));
        assert_eq!(r.status(), 200, "{kind:?} probe {i}");
        assert!(took < Duration::from_secs(1), "{kind:?} probe {i}: /healthz took {took:?}");
        drop(more);
    }
    drop(flood);
}

fn flood_more(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .map(|mut s| {
            let _ = s.write_all(b"GET / HTTP/1.1\r\n");
            s
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_healthz_under_a_slow_client_flood() {
    healthz_answers_under_a_flood(Kind::Serve).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_answers_healthz_under_a_slow_client_flood() {
    healthz_answers_under_a_flood(Kind::Mcp).await;
}

#[test]
fn neither_listens_beyond_loopback_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let rlm = env!("CARGO_BIN_EXE_rlm");
    let serve = Command::new(rlm)
        .args(["serve", "--bind", "0.0.0.0:0", "--data"])
        .arg(dir.path().join("data"))
        .env_remove("RLM_API_KEY")
        .env_remove("RLM_API_KEYS")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let mcp = Command::new(rlm)
        .args(["mcp", "--model", "scripted", "--transport", "http", "--listen", "0.0.0.0:0"])
        .env_remove("RLM_API_KEY")
        .env_remove("RLM_API_KEYS")
        .current_dir(dir.path())
        .output()
        .unwrap();
    for (what, out) in [("serve", serve), ("mcp", mcp)] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("refusing to listen on 0.0.0.0:0 without API keys"),
            "{what}: {stderr}"
        );
    }
}

/// Runs `tests/security/mcp_client.py` with `args`; fails with its output
/// unless every check passed.
fn run_python_client(dir: &Path, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/security/mcp_client.py");
    let mut python = Command::new(rlm_testenv::venv_python());
    python.arg(script).args(args).current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            python.env_remove(name);
        }
    }
    let out = python.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the client failed:\n{stdout}\n{stderr}");
    assert!(stdout.ends_with("all ok\n"), "{stdout}\n{stderr}");
    stdout
}

rlm_testenv::needs_mcp_client! {
    #[test]
    fn the_python_client_meets_the_same_rules() {
        let dir = tempfile::tempdir().unwrap();
        let s = start(Kind::Mcp, dir.path(), &[], None);
        let tricks = serde_json::to_string(&tricks(&s)).unwrap();
        let url = format!("{}/mcp", s.base);
        let root = s.root.display().to_string();
        let stdout = run_python_client(dir.path(), &["http", &url, KEY, &root, &tricks]);
        assert!(stdout.contains("ok: /etc/passwd is refused\n"), "{stdout}");
        assert!(stdout.contains("ok: closing the session logs no termination failure\n"), "{stdout}");
        // No model configured anywhere: served anyway, the tool says what to set.
        let empty = tempfile::tempdir().unwrap();
        let rlm = env!("CARGO_BIN_EXE_rlm");
        let workdir = empty.path().display().to_string();
        run_python_client(empty.path(), &["nomodel", rlm, &workdir]);
    }
}
