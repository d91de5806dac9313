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
