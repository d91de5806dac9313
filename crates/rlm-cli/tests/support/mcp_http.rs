//! An MCP request over plain HTTP (reqwest): the JSON-RPC message a
//! streamable-HTTP server answers, as JSON or as the SSE event that holds
//! its `result` or `error`, and the session id it names.

use serde_json::{Value, json};

/// POSTs `message` with `key` (and `session`, the `mcp-session-id`);
/// status, the session id the answer names, and the JSON-RPC answer (else
/// `{"status", "text"}`).
pub async fn mcp_post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    session: Option<&str>,
    message: &Value,
) -> (u16, Option<String>, Value) {
    let mut r = client
        .post(url)
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(message);
    if let Some(s) = session {
        r = r.header("mcp-session-id", s);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let id = r.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap_or_default();
    let data = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .rfind(|d| d.contains("\"result\"") || d.contains("\"error\""));
    let body = serde_json::from_str(data.unwrap_or(&text)).unwrap_or_else(
        |_| json!({"status": status, "text": text.chars().take(300).collect::<String>()}),
    );
    (status, id, body)
}

/// An `rlm mcp --transport http` child on 127.0.0.1 (its URL read off its
/// stderr), without the user's `RLM_*` settings, killed when dropped.
pub struct McpChild {
    pub child: std::process::Child,
    pub url: String,
}

impl Drop for McpChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rlm mcp --model scripted --transport http` in `dir` with the API
/// keys `keys` (`RLM_API_KEYS`), `--allow-path dir/root` and `extra` flags.
pub fn start_mcp_http(dir: &std::path::Path, keys: &str, extra: &[&str]) -> McpChild {
    use std::io::BufRead as _;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rlm"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            command.env_remove(name);
        }
    }
    command
        .args(["mcp", "--model", "scripted", "--transport", "http", "--listen", "127.0.0.1:0"])
        .arg("--allow-path")
        .arg(dir.join("root"))
        .args(extra)
        .env("RLM_API_KEYS", keys)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut reader = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("rlm mcp: listening on ") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "rlm mcp exited before listening");
    }
    let url = line.trim().trim_start_matches("rlm mcp: listening on ").to_string();
    std::thread::spawn(move || for _ in reader.lines() {});
    McpChild { child, url }
}
