//! One memory account, found by the surfaces' own descriptions (issue #74):
//! every field of every request that takes client data gets the largest
//! value the server accepts, and the server's peak RSS (`VmHWM`) stays
//! under its bound plus 128 MiB. A new route, tool or field is covered
//! without new test code.
//!
//! - `rlm serve` (8 MiB bodies, a 512 MiB bound, 64 MiB sandboxes): for
//!   every operation of its OpenAPI document with a JSON body, its path
//!   parameters naming alice's own objects, each top-level field in turn is
//!   filled to the body limit: a string field with one long string, any
//!   other (objects, arrays, values of any type: a schema, `memory`, a
//!   replay) with an array of one-character strings, the shape whose parse
//!   costs the most per byte; an operation's bodies all at once, so the
//!   bound (not the order) keeps them in. Every answer is a 2xx or a 4xx,
//!   never a 5xx, and the server lives.
//! - `rlm mcp --transport http` (`--max-context-mb 8`, so 9 MiB messages):
//!   every argument of every tool of `tools/list`, the same way; its bound
//!   is what it held at start, its context cap times the sessions a key
//!   may hold here (4), a message's copies while it is read (5 of 9 MiB),
//!   and 128 MiB: `rlm mcp` has no memory bound of its own, each message is
//!   held to its allowance.
//!
//! The counts (operations, fields, tools, arguments) and the peaks are printed.

use crate::mcp_http;
use crate::proc_memory;
use crate::schema_probe;
use crate::serve_child;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use mcp_http::{mcp_post, start_mcp_http};
use proc_memory::status_bytes;
use schema_probe::{Schema, combinations, fill_path, maximal_fields, operations, with_field};
use serde_json::{Value, json};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef00";
const BODY_MIB: usize = 8;
const BOUND_MIB: u64 = 512;
const HEADROOM_MIB: u64 = 128;

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

async fn send(method: &str, url: &str, body: Option<&Value>) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = client().request(method, url).bearer_auth(ALICE);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

fn clean(c: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            c.env_remove(name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_holds_every_field_at_its_limit_under_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d: &Path = dir.path();
    std::fs::write(d.join("rlm.toml"), "").unwrap();
    let (mut child, base) = serve_child::start_serve(|c| {
        clean(c);
        c.current_dir(d).arg("--data").arg(d.join("data")).arg("--config").arg(d.join("rlm.toml"));
        c.args(["--max-body-mb", &BODY_MIB.to_string(), "--max-context-mb", "8"]);
        c.args(["--max-sandbox-memory-mb", &BOUND_MIB.to_string()]);
        c.args(["--memory-bytes", &(64u64 << 20).to_string(), "--sandbox-memory-wait-secs", "60"]);
        c.env("RLM_API_KEYS", format!("alice:{ALICE},bob:{BOB}"));
    });
    let pid = child.id();
    let spec: Value =
        serde_json::from_str(&send("GET", &format!("{base}/api/openapi.json"), None).await.1)
            .unwrap();
    // Alice's own objects, for the path parameters.
    let (_, made) = send(
        "POST",
        &format!("{base}/api/sessions"),
        Some(&json!({"name": "s", "context": "a context"})),
    )
    .await;
    let sid = serde_json::from_str::<Value>(&made).unwrap()["id"].as_str().unwrap().to_string();
    let (_, ran) = send(
        "POST",
        &format!("{base}/api/execute"),
        Some(&json!({"session_id": sid, "user_query": "q"})),
    )
    .await;
    let eid = serde_json::from_str::<Value>(&ran).unwrap()["id"].as_str().unwrap().to_string();
    let owned = [sid.as_str(), eid.as_str(), "k"];

    let bytes = (BODY_MIB << 20) - (4 << 10);
    let (mut operations_sent, mut fields, mut statuses) = (0, 0, std::collections::BTreeMap::new());
    for op in operations(&spec).iter().filter(|o| o.body.is_some()) {
        let schema = Schema { root: &spec, node: op.body.as_ref().unwrap() };
        let minimal = schema.minimal();
        // A path that names alice's own object (else the first).
        let mut path = op.path.clone();
        for values in combinations(&owned, op.path_params.len()) {
            let candidate = fill_path(&op.path, &op.path_params, &values);
            let (status, _) = send(&op.method, &format!("{base}{candidate}"), Some(&minimal)).await;
            path = candidate;
            if status != 404 {
                break;
            }
        }
        operations_sent += 1;
        // All of an operation's maximal bodies at once: the bound, not the
        // order, must keep them in.
        let sends: Vec<_> = maximal_fields(schema, bytes)
            .into_iter()
            .map(|(field, value)| {
                let body = with_field(&minimal, &field, value);
                let (method, url) = (op.method.clone(), format!("{base}{path}"));
                tokio::spawn(async move { (field, send(&method, &url, Some(&body)).await) })
            })
            .collect();
        for sent in sends {
            let (field, (status, answer)) = sent.await.unwrap();
            fields += 1;
            assert!(status < 500, "{} {field}: {status} {:.300}", op.label(), answer);
            *statuses.entry(status).or_insert(0) += 1;
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the server lives");
    let peak = status_bytes(pid, "VmHWM:");
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "rlm serve: {operations_sent} operations with a JSON body, {fields} fields each filled to \
         {BODY_MIB} MiB; answers {statuses:?}; peak RSS {} MiB (bound {BOUND_MIB} + {HEADROOM_MIB})",
        peak >> 20
    );
    assert!(operations_sent >= 7 && fields >= 25, "{operations_sent} operations, {fields} fields");
    assert!(peak <= (BOUND_MIB + HEADROOM_MIB) << 20, "peak RSS {} MiB", peak >> 20);
}

/// One MCP request over plain HTTP as alice; the session id it names and the JSON-RPC answer.
async fn mcp(url: &str, session: Option<&str>, message: &Value) -> (Option<String>, Value) {
    let (_, id, answer) = mcp_post(&client(), url, ALICE, session, message).await;
    (id, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_holds_every_argument_at_its_limit_under_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d: &Path = dir.path();
    std::fs::write(d.join("rlm.toml"), "").unwrap();
    std::fs::create_dir(d.join("root")).unwrap();
    let keys = format!("alice:{ALICE},bob:{BOB}");
    let server =
        start_mcp_http(d, &keys, &["--max-context-mb", "8", "--max-sessions-per-key", "4"]);
    let (pid, url) = (server.child.id(), server.url.clone());
    std::thread::sleep(Duration::from_millis(500));
    let idle = status_bytes(pid, "VmRSS:");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "maximal_bodies", "version": "0"}}});
    let (session, _) = mcp(&url, None, &init).await;
    let session = session.expect("a session");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    mcp(&url, Some(&session), &note).await;
    let (_, listed) =
        mcp(&url, Some(&session), &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .await;
    let tools = listed["result"]["tools"].as_array().unwrap().clone();
    // The server reads messages of its context cap and 1 MiB: each argument fills most of one.
    let bytes = (9 << 20) - (16 << 10);
    let (mut arguments, mut refused, mut id) = (0, 0, 2);
    for tool in &tools {
        let name = tool["name"].as_str().unwrap();
        let schema = Schema::new(&tool["inputSchema"]);
        let minimal = schema.minimal();
        for (field, value) in maximal_fields(schema, bytes) {
            arguments += 1;
            id += 1;
            let args = with_field(&minimal, &field, value);
            let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                              "params": {"name": name, "arguments": args}});
            let (_, answer) = mcp(&url, Some(&session), &call).await;
            assert!(answer["error"]["code"] != json!(-32603), "{name} {field}: {answer:.300}");
            refused += usize::from(
                answer["result"]["isError"] == json!(true) || answer.get("error").is_some(),
            );
        }
    }
    let mut server = server;
    assert!(server.child.try_wait().unwrap().is_none(), "the server lives");
    let peak = status_bytes(pid, "VmHWM:");
    drop(server);
    // What it holds past its start: the 4 sessions' contexts a key may keep,
    // a message's copies while it is read (its bytes, rmcp's parsed tree,
    // the tool's arguments, the context made of them: 5 x 9 MiB), and 128 MiB.
    let bound = (idle >> 20) + 4 * 8 + 5 * 9 + HEADROOM_MIB;
    println!(
        "rlm mcp: {} tools, {arguments} arguments each filled to 9 MiB ({refused} refused); \
         peak RSS {} MiB (at start {} MiB, bound {bound} MiB)",
        tools.len(),
        peak >> 20,
        idle >> 20
    );
    assert!(tools.len() >= 7 && arguments >= 14, "{} tools, {arguments} arguments", tools.len());
    assert!(peak <= bound << 20, "peak RSS {} MiB", peak >> 20);
}
