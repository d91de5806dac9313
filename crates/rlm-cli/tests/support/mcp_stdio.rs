//! A minimal MCP client over stdio (JSON-RPC lines) for the tests that drive
//! a spawned `rlm mcp`: initialize, one `rlm_ask` over a text context, and
//! the run's trace read back from its resource.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// What one `rlm_ask` gave: its structured content (the answer, how the run
/// ended, `{"error": ...}` when it could not run) and its trace tree's JSON
/// ("" when the call left no trace).
pub struct Asked {
    pub doc: Value,
    pub trace: String,
}

/// A spawned `rlm mcp`'s session: its input and the lines it answers.
struct Session {
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Session {
    fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").expect("write to rlm mcp");
    }

    /// The answer to request `id`; `None` when rlm mcp ends or hangs first.
    fn answer(&self, id: u64) -> Option<Value> {
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(120)).ok()?;
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if v["id"] == id {
                return Some(v);
            }
        }
    }
}

/// Asks `question` over `text` through `child` (an `rlm mcp` over stdio,
/// spawned with piped stdin and stdout), then closes its input. `None` when
/// it ended or hung before answering.
pub fn ask(child: &mut Child, question: &str, text: &str) -> Option<Asked> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stdin = child.stdin.take().expect("piped stdin");
    let mut s = Session { stdin, lines: rx };
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "rlm-tests", "version": "1"}}}));
    s.answer(1)?;
    s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    s.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "rlm_ask", "arguments": {"question": question, "text": text}}}));
    let doc = s.answer(2)?["result"]["structuredContent"].clone();
    let mut trace = String::new();
    if let Some(uri) = doc["trace_uri"].as_str() {
        s.send(json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read",
            "params": {"uri": uri}}));
        let read = s.answer(3)?;
        trace = read["result"]["contents"][0]["text"].as_str().unwrap_or_default().to_string();
    }
    Some(Asked { doc, trace })
}

/// The `kind` of every event of type `kind` in a trace tree's JSON, in
/// the tree's order.
pub fn kinds_in_tree(trace: &str, kind: &str) -> Vec<Value> {
    fn walk(v: &Value, kind: &str, out: &mut Vec<Value>) {
        match v {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some(kind) {
                    out.push(v.clone());
                }
                map.values().for_each(|x| walk(x, kind, out));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, kind, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::from_str(trace).unwrap_or(Value::Null), kind, &mut out);
    out
}
