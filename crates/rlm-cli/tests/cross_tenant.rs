//! One tenant scope on every surface, found by the surfaces' own
//! descriptions (issue #74): the real `rlm` binary with keys alice and bob,
//! as `rlm serve` (every operation of its served OpenAPI document) and as
//! `rlm mcp --transport http` (every tool of `tools/list`, every resource and
//! resource template). A new route or tool is probed without new test code.
//!
//! Alice makes one object of each kind (a session with a context, `memory`,
//! executions, a recording, a job; over MCP a session, runs and their
//! traces), every one of them holding a secret token. Then, for every
//! operation or tool, bob sends each request a minimal body or argument set
//! can carry with every path parameter, query parameter and string field
//! filled in turn with each of alice's references (ids, the memory key,
//! `rlm:session/<id>`, trace URIs), and the same request with made-up
//! references of the same shape. Bob must:
//! - never see the secret token;
//! - get the same status for alice's reference as for a made-up one (her
//!   objects cannot be told from ones that do not exist): 404 or a refusal;
//! - see the same answers to every reference-free read (lists, stats,
//!   `/metrics`, the models, the session list, the resource lists) before and
//!   after alice made her objects;
//! - leave alice's objects as they were (his PUTs, DELETEs and closes did
//!   nothing).
//!
//! And the probe must be meaningful: for every operation or tool that took a
//! reference, the same request as alice finds her object (not 404) at least
//! once. The figures (operations, requests, fields, tools, resources) are
//! printed.

use crate::mcp_http;
use crate::schema_probe;
use crate::serve_child;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use mcp_http::{McpChild, mcp_post};
use schema_probe::{Operation, Schema, combinations, encode, fill_path, operations, with_field};
use serde_json::{Value, json};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef00";

/// The scripted root model: one step that prints and answers the context's
/// start, so every answer, trace and recording over alice's context holds
/// her secret token.
const SCRIPT: &str = r#"model = "echo"
when_exhausted = { fixed = "```repl\nprint(context[:160])\nFINAL(context[:160])\n```" }
"#;

/// `rlm serve`'s operations whose parameters and fields name nothing a
/// tenant owns, and why; every other operation that takes a parameter or a
/// string field must find alice's own object as alice (a new operation is
/// probed, and must be reached or listed here).
const SERVE_REFERENCE_FREE: &[(&str, &str)] = &[
    ("POST /api/sessions", "creates a session: a name, a context and settings"),
    ("GET /api/sessions", "the caller's own list: its parameters page it"),
    ("GET /api/jobs", "the caller's own list: its parameters page it"),
];

/// `rlm mcp`'s tools that name nothing a tenant owns, and why (as above).
const MCP_REFERENCE_FREE: &[(&str, &str)] = &[
    ("rlm_ask", "a question, paths under the allowed folders (every key's) and text"),
    ("rlm_exec", "a program, paths under the allowed folders and text"),
    ("rlm_search", "a path under the allowed folders (every key's) and a query"),
    ("rlm_session_create", "creates a session: a name, paths, text and a schema"),
];

/// A token no made-up value holds: in every object of alice's.
fn secret() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("ALICE-SECRET-{}-{nanos}", std::process::id())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// One HTTP answer: status and body text.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    body: String,
}

async fn send(
    method: &str,
    url: &str,
    key: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client().request(method, url).bearer_auth(key);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(b) = body {
        request = request.json(b);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    Answer { status, body: response.text().await.unwrap_or_default() }
}

/// Alice's references, and made-up ones of the same shapes.
struct Vocabulary {
    /// `(alice's value, a made-up value of the same shape)`.
    pairs: Vec<(String, String)>,
}

impl Vocabulary {
    fn alice(&self) -> Vec<&str> {
        self.pairs.iter().map(|(a, _)| a.as_str()).collect()
    }

    /// `text` with each of alice's values replaced by its made-up twin.
    fn made_up(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (a, m) in &self.pairs {
            out = out.replace(a.as_str(), m);
            out = out.replace(&encode(a), &encode(m));
        }
        out
    }
}

/// A uuid no object has, of a uuid's shape.
fn made_up_uuid(i: usize) -> String {
    format!("0badf00d-0000-4000-8000-{i:012}")
}

/// One probe: a request as bob, its made-up twin, and alice's own.
struct Probe {
    method: String,
    url: String,
    body: Option<Value>,
    /// Whether it carries one of alice's references.
    referenced: bool,
}

/// Every request bob sends for `op`: each combination of references in the
/// path; without path parameters, each query parameter and each string
/// field of the minimal body in turn.
fn probes(base: &str, spec: &Value, op: &Operation, vocabulary: &[&str]) -> Vec<Probe> {
    let minimal = op.body.as_ref().map(|b| Schema { root: spec, node: b }.minimal());
    let mut out = Vec::new();
    let with = |path: String, query: String, body: Option<Value>, referenced: bool| Probe {
        method: op.method.clone(),
        url: format!("{base}{path}{query}"),
        body,
        referenced,
    };
    if !op.path_params.is_empty() {
        for values in combinations(vocabulary, op.path_params.len()) {
            let path = fill_path(&op.path, &op.path_params, &values);
            out.push(with(path, String::new(), minimal.clone(), true));
        }
        return out;
    }
    out.push(with(op.path.clone(), String::new(), minimal.clone(), false));
    for (name, _) in &op.query_params {
        for v in vocabulary {
            out.push(with(
                op.path.clone(),
                format!("?{name}={}", encode(v)),
                minimal.clone(),
                true,
            ));
        }
    }
    if let (Some(schema), Some(body)) = (&op.body, &minimal) {
        for field in (Schema { root: spec, node: schema }).string_fields(body) {
            for v in vocabulary {
                let varied = with_field(body, &field, json!(v));
                out.push(with(op.path.clone(), String::new(), Some(varied), true));
            }
        }
    }
    out
}

/// What a probe's answers add to the tallies, and the failures it found.
#[derive(Default)]
struct Tally {
    requests: usize,
    not_found: usize,
    refused: usize,
    empty_reads: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: &str, token: &str, bob: &Answer, twin: &Answer) {
        self.requests += 2;
        if bob.body.contains(token) {
            self.failures.push(format!("{what}: bob sees alice's secret: {}", cut(&bob.body)));
        }
        if bob.status >= 500 {
            self.failures.push(format!("{what}: {} {}", bob.status, cut(&bob.body)));
        }
        if bob.status != twin.status {
            self.failures.push(format!(
                "{what}: alice's reference answers {} where a made-up one answers {} ({})",
                bob.status,
                twin.status,
                cut(&bob.body)
            ));
        }
        match bob.status {
            404 => self.not_found += 1,
            400..=499 => self.refused += 1,
            _ => self.empty_reads += 1,
        }
    }
}

fn cut(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Answers compared before and after alice's objects: volatile fields
/// (times, durations, ids of bob's own) do not occur in these reads.
async fn reads(base: &str, ops: &[Operation]) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for op in ops.iter().filter(|o| o.method == "GET" && o.path_params.is_empty()) {
        let answer = send("GET", &format!("{base}{}", op.path), BOB, None, &[]).await;
        out.insert(op.label(), answer);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_another_tenants_references_as_made_up_ones_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("script.toml"), SCRIPT).unwrap();
    std::fs::write(dir.path().join("rlm.toml"), "").unwrap();
    let (mut child, base) = serve_child::start_serve(|c| {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("RLM_") {
                c.env_remove(name);
            }
        }
        c.arg("--data")
            .arg(dir.path().join("data"))
            .arg("--script")
            .arg(dir.path().join("script.toml"))
            .env("RLM_API_KEYS", format!("alice:{ALICE},bob:{BOB}"))
            .current_dir(dir.path());
    });
    let spec: Value = serde_json::from_str(
        &send("GET", &format!("{base}/api/openapi.json"), ALICE, None, &[]).await.body,
    )
    .unwrap();
    let ops = operations(&spec);
    let before = reads(&base, &ops).await;

    // Alice's objects, each holding the secret.
    let token = secret();
    let url = |p: &str| format!("{base}{p}");
    let made = send(
        "POST",
        &url("/api/sessions"),
        ALICE,
        Some(&json!({"name": format!("{token} name"), "context": format!("{token} the context alice keeps")})),
        &[],
    )
    .await;
    assert_eq!(made.status, 200, "{made:?}");
    let sid =
        serde_json::from_str::<Value>(&made.body).unwrap()["id"].as_str().unwrap().to_string();
    // Bob sends her key back as a value: it is no secret, what it holds is.
    let memory_key = format!("alice-key-{}", std::process::id());
    let set = json!({"key": memory_key, "value": format!("{token} memory")});
    let stored =
        send("POST", &url(&format!("/api/sessions/{sid}/memory")), ALICE, Some(&set), &[]).await;
    assert_eq!(stored.status, 200, "{stored:?}");
    let mut executions = Vec::new();
    for (query, record) in [("question", false), ("recorded", true)] {
        let body =
            json!({"session_id": sid, "user_query": format!("{token} {query}"), "record": record});
        let ran = send("POST", &url("/api/execute"), ALICE, Some(&body), &[]).await;
        assert_eq!(ran.status, 200, "{ran:?}");
        let record: Value = serde_json::from_str(&ran.body).unwrap();
        assert!(ran.body.contains(&token), "the answer holds the secret: {record}");
        executions.push(record["id"].as_str().unwrap().to_string());
    }
    // A job submitted with the minimal body bob's probes send, so that his
    // replay of her Idempotency-Key is the same request.
    let job_op = ops.iter().find(|o| o.label() == "POST /api/jobs").expect("POST /api/jobs");
    let job_body = with_field(
        &Schema { root: &spec, node: job_op.body.as_ref().unwrap() }.minimal(),
        "/session_id",
        json!(sid),
    );
    let idem = format!("{token}-idem");
    let job =
        send("POST", &url("/api/jobs"), ALICE, Some(&job_body), &[("idempotency-key", &idem)])
            .await;
    assert_eq!(job.status, 200, "{job:?}");
    let job_id =
        serde_json::from_str::<Value>(&job.body).unwrap()["job_id"].as_str().unwrap().to_string();
    let job_execution = loop {
        let polled = send("GET", &url(&format!("/api/jobs/{job_id}")), ALICE, None, &[]).await;
        let doc: Value = serde_json::from_str(&polled.body).unwrap();
        if doc["status"] == "COMPLETE" {
            break doc["execution_id"].as_str().unwrap().to_string();
        }
        assert!(
            !["FAILED", "CANCELLED", "INTERRUPTED"].contains(&doc["status"].as_str().unwrap_or("")),
            "{doc}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Nothing bob reads without a reference changed.
    let after = reads(&base, &ops).await;
    let mut tally = Tally::default();
    for (label, answer) in &after {
        if before.get(label) != Some(answer) {
            tally.failures.push(format!(
                "{label}: bob's answer changed once alice made her objects: {:?} then {:?}",
                before.get(label).map(|a| cut(&a.body)),
                cut(&answer.body)
            ));
        }
    }

    // Her references, and twins of the same shapes.
    let mut pairs = vec![(sid.clone(), made_up_uuid(1))];
    for (i, id) in executions.iter().chain([&job_id, &job_execution]).enumerate() {
        pairs.push((id.clone(), made_up_uuid(i + 2)));
    }
    pairs.push((memory_key.clone(), "made-up-key".into()));
    pairs.push((format!("rlm:session/{sid}"), format!("rlm:session/{}", made_up_uuid(9))));
    let vocabulary = Vocabulary { pairs };
    let alice_values = vocabulary.alice();

    // Bob's probes: reads and creations first, then what changes or deletes.
    let mut ordered: Vec<&Operation> = ops.iter().collect();
    ordered.sort_by_key(|o| o.mutates());
    let mut fields = 0usize;
    let mut reached: BTreeMap<String, bool> = BTreeMap::new();
    let mut all = Vec::new();
    for op in &ordered {
        let probes = probes(&base, &spec, op, &alice_values);
        fields += op.body.as_ref().map_or(0, |b| {
            let s = Schema { root: &spec, node: b };
            s.string_fields(&s.minimal()).len()
        }) + op.query_params.len()
            + op.path_params.len();
        for probe in &probes {
            let bob = send(&probe.method, &probe.url, BOB, probe.body.as_ref(), &[]).await;
            let twin_body = probe.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&vocabulary.made_up(&b.to_string())).unwrap()
            });
            let twin =
                send(&probe.method, &vocabulary.made_up(&probe.url), BOB, twin_body.as_ref(), &[])
                    .await;
            let what = format!(
                "{} {} {}",
                probe.method,
                probe.url.trim_start_matches(&base),
                probe.body.as_ref().map(Value::to_string).unwrap_or_default()
            );
            tally.check(&what, &token, &bob, &twin);
            if probe.referenced && !SERVE_REFERENCE_FREE.iter().any(|(l, _)| *l == op.label()) {
                reached.entry(op.label()).or_insert(false);
            }
        }
        all.push((*op, probes));
    }
    // Her Idempotency-Key, from bob, on the same request: bob gets his own answer.
    let replayed =
        send("POST", &url("/api/jobs"), BOB, Some(&job_body), &[("idempotency-key", &idem)]).await;
    assert!(!replayed.body.contains(&job_id) && replayed.status == 404, "{replayed:?}");

    // Her objects are as she left them.
    for path in [
        format!("/api/sessions/{sid}"),
        format!("/api/sessions/{sid}/memory"),
        format!("/api/executions/{}", executions[0]),
        format!("/api/executions/{}/recording", executions[1]),
        format!("/api/jobs/{job_id}"),
    ] {
        let answer = send("GET", &url(&path), ALICE, None, &[]).await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        if !path.starts_with("/api/jobs") {
            assert!(
                answer.body.contains(&token),
                "{path}: alice's object changed: {}",
                cut(&answer.body)
            );
        }
    }

    // The probes were meaningful: as alice, each referencing operation finds her object.
    // What changes or deletes goes last, deleting the memory key before its session.
    all.sort_by_key(|(op, _)| {
        (op.mutates(), op.method == "DELETE", std::cmp::Reverse(op.path.len()))
    });
    for (op, probes) in &all {
        for probe in probes.iter().filter(|p| p.referenced) {
            if reached.get(&op.label()) != Some(&false) {
                break;
            }
            // Found: her reference answers otherwise than a made-up one does.
            let twin_body = probe.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&vocabulary.made_up(&b.to_string())).unwrap()
            });
            let twin = send(
                &probe.method,
                &vocabulary.made_up(&probe.url),
                ALICE,
                twin_body.as_ref(),
                &[],
            )
            .await;
            let hers = send(&probe.method, &probe.url, ALICE, probe.body.as_ref(), &[]).await;
            let found = hers.status != twin.status
                || (hers.status < 300 && hers.body.contains(&token))
                || (probe.method == "GET" && hers.body != twin.body);
            if found {
                reached.insert(op.label(), true);
            }
        }
    }
    for (label, _) in SERVE_REFERENCE_FREE {
        assert!(ops.iter().any(|o| o.label() == *label), "{label} is listed but is no operation");
    }
    let unreached: Vec<&String> = reached.iter().filter(|(_, r)| !**r).map(|(l, _)| l).collect();
    child.kill().ok();
    child.wait().ok();
    println!(
        "rlm serve: {} operations of the OpenAPI document ({} taking a reference, {} reference-free reads compared), \
         {} parameters and string fields, {} requests; bob's answers to alice's references: {} not found, {} other refusals, \
         {} empty reads; {} operation(s) also taking {:?} bodies, probed as JSON",
        ops.len(),
        reached.len(),
        before.len(),
        fields,
        tally.requests,
        tally.not_found,
        tally.refused,
        tally.empty_reads,
        ops.iter().filter(|o| !o.other_bodies.is_empty()).count(),
        ops.iter().flat_map(|o| o.other_bodies.clone()).collect::<Vec<_>>(),
    );
    assert!(
        unreached.is_empty(),
        "no probe of these operations found alice's own object as alice: {unreached:?}"
    );
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    assert!(
        ops.len() >= 30 && reached.len() >= 15,
        "{} operations, {} referencing",
        ops.len(),
        reached.len()
    );
}

// ---------------------------------------------------------------------------
// rlm mcp --transport http
// ---------------------------------------------------------------------------

fn start_mcp(dir: &Path) -> McpChild {
    let keys = format!("alice:{ALICE},bob:{BOB}");
    let script = dir.join("script.toml");
    mcp_http::start_mcp_http(
        dir,
        &keys,
        &["--script", script.to_str().unwrap(), "--max-sessions-per-key", "40"],
    )
}

/// One key's MCP session over plain HTTP (JSON-RPC, answers as JSON or SSE).
struct McpClient {
    url: String,
    key: &'static str,
    session: String,
    next_id: std::sync::atomic::AtomicU64,
}

impl McpClient {
    async fn open(url: &str, key: &'static str) -> McpClient {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "cross_tenant", "version": "0"}}});
        let (status, session, answer) = mcp_post(&client(), url, key, None, &init).await;
        assert_eq!(status, 200, "{answer}");
        let session = session.expect("a session id");
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let (status, _, noted) = mcp_post(&client(), url, key, Some(&session), &note).await;
        assert!(status < 300, "{noted}");
        McpClient { url: url.to_string(), key, session, next_id: 1.into() }
    }

    /// The JSON-RPC answer (`result` or `error`) to `method(params)`.
    async fn call(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let (status, _, answer) =
            mcp_post(&client(), &self.url, self.key, Some(&self.session), &message).await;
        assert_eq!(status, 200, "{method}: {answer}");
        answer
    }

    async fn tool(&self, name: &str, arguments: Value) -> Value {
        self.call("tools/call", json!({"name": name, "arguments": arguments})).await
    }
}

/// Whether a `tools/call` answer is a failure (a JSON-RPC error or `isError`).
fn failed(answer: &Value) -> bool {
    answer.get("error").is_some() || answer["result"]["isError"] == json!(true)
}

/// What bob's answer to alice's reference and to a made-up one must share:
/// success or failure, and a JSON-RPC error's code (their texts name the
/// reference each was given).
fn shape(answer: &Value) -> Value {
    json!({"isError": answer["result"]["isError"], "code": answer["error"]["code"]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_answers_another_tenants_references_as_made_up_ones_in_every_tool_and_resource() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("script.toml"), SCRIPT).unwrap();
    std::fs::write(dir.path().join("rlm.toml"), "").unwrap();
    std::fs::create_dir(dir.path().join("root")).unwrap();
    std::fs::write(dir.path().join("root/shared.txt"), "a file every key may read").unwrap();
    let server = start_mcp(dir.path());
    let alice = McpClient::open(&server.url, ALICE).await;
    let bob = McpClient::open(&server.url, BOB).await;

    let tools =
        bob.call("tools/list", json!({})).await["result"]["tools"].as_array().unwrap().clone();
    let views = async |c: &McpClient| {
        let mut out = Vec::new();
        for method in ["tools/list", "resources/list", "resources/templates/list"] {
            out.push(c.call(method, json!({})).await);
        }
        for tool in &tools {
            // The reads that need no argument (tools marked read-only).
            let read_only = tool["annotations"]["readOnlyHint"] == json!(true);
            if read_only && tool["inputSchema"]["required"].as_array().is_none_or(Vec::is_empty) {
                out.push(c.tool(tool["name"].as_str().unwrap(), json!({})).await);
            }
        }
        out
    };
    let before = views(&bob).await;

    // Alice's session, a question in it, a one-off run and a program: each holds the secret.
    let token = secret();
    let created = alice
        .tool(
            "rlm_session_create",
            json!({"name": format!("{token} name"), "text": format!("{token} alice's text")}),
        )
        .await;
    assert!(!failed(&created), "{created}");
    let sid = created["result"]["structuredContent"]["session_id"].as_str().unwrap().to_string();
    let asked = alice
        .tool("rlm_session_ask", json!({"session_id": sid, "question": format!("{token} q")}))
        .await;
    assert!(!failed(&asked) && asked.to_string().contains(&token), "{asked}");
    let ran = alice
        .tool("rlm_ask", json!({"question": format!("{token} q"), "text": format!("{token} text")}))
        .await;
    assert!(!failed(&ran), "{ran}");
    let mut traces = Vec::new();
    for answer in [&asked, &ran] {
        traces
            .push(answer["result"]["structuredContent"]["trace_id"].as_str().unwrap().to_string());
    }
    let exec = alice
        .tool(
            "rlm_exec",
            json!({"program": "FINAL(context[:40])", "text": format!("{token} exec")}),
        )
        .await;
    assert!(!failed(&exec), "{exec}");

    let after = views(&bob).await;
    let mut failures = Vec::new();
    let unnumbered = |v: &Value| {
        let mut v = v.clone();
        v["id"] = Value::Null;
        v
    };
    for (b, a) in before.iter().zip(&after) {
        if unnumbered(b) != unnumbered(a) {
            failures.push(format!("bob's view changed once alice ran: {b} then {a}"));
        }
    }

    let mut pairs = vec![(sid.clone(), made_up_uuid(1))];
    for (i, t) in traces.iter().enumerate() {
        pairs.push((format!("rlm://traces/{t}"), format!("rlm://traces/{}", made_up_uuid(i + 5))));
        pairs.push((t.clone(), made_up_uuid(i + 2)));
    }
    let vocabulary = Vocabulary { pairs };
    let alice_values = vocabulary.alice();

    // Bob, with her transport session's id: not his to use.
    let tools_list = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {}});
    let (status, _, hijack) =
        mcp_post(&client(), &server.url, BOB, Some(&alice.session), &tools_list).await;
    assert_eq!(status, 404, "{hijack}");

    // Every tool, every string argument, every reference of hers; the closing tools last.
    let mut ordered = tools.clone();
    ordered.sort_by_key(|t| t["name"].as_str().unwrap_or("").ends_with("_close"));
    let (mut requests, mut arguments, mut refused) = (0usize, 0usize, 0usize);
    let mut reach: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for tool in &ordered {
        let name = tool["name"].as_str().unwrap();
        let schema = Schema::new(&tool["inputSchema"]);
        let minimal = schema.minimal();
        let fields = schema.string_fields(&minimal);
        arguments += fields.len();
        for field in &fields {
            for v in &alice_values {
                let args = with_field(&minimal, field, json!(v));
                let theirs = bob.tool(name, args.clone()).await;
                let twin_args: Value =
                    serde_json::from_str(&vocabulary.made_up(&args.to_string())).unwrap();
                let twin = bob.tool(name, twin_args).await;
                requests += 2;
                refused += usize::from(failed(&theirs));
                if theirs.to_string().contains(&token) {
                    failures.push(format!(
                        "{name} {args}: bob sees alice's secret: {}",
                        cut(&theirs.to_string())
                    ));
                }
                if shape(&theirs) != shape(&twin) {
                    failures.push(format!(
                        "{name} {args}: {theirs} where a made-up reference answers {twin}"
                    ));
                }
                if !MCP_REFERENCE_FREE.iter().any(|(t, _)| *t == name) {
                    reach.entry(name.to_string()).or_default().push(args);
                }
            }
        }
    }
    // Resources: her listed URIs and the templates filled with her ids.
    let listed = alice.call("resources/list", json!({})).await;
    let mut uris: Vec<String> = listed["result"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uri"].as_str().map(String::from))
        .collect();
    let templates = bob.call("resources/templates/list", json!({})).await;
    for template in templates["result"]["resourceTemplates"].as_array().into_iter().flatten() {
        let t = template["uriTemplate"].as_str().unwrap();
        let (head, _) = t.split_once('{').unwrap_or((t, ""));
        for v in &alice_values {
            uris.push(format!("{head}{v}"));
        }
    }
    for uri in &uris {
        let theirs = bob.call("resources/read", json!({"uri": uri})).await;
        let twin = bob.call("resources/read", json!({"uri": vocabulary.made_up(uri)})).await;
        requests += 2;
        if theirs.to_string().contains(&token) {
            failures.push(format!(
                "resource {uri}: bob sees alice's secret: {}",
                cut(&theirs.to_string())
            ));
        }
        if shape(&theirs) != shape(&twin) {
            failures.push(format!("resource {uri}: {theirs} where a made-up one answers {twin}"));
        }
    }

    // Her session is hers still, after bob's closes and asks.
    let listed = alice.tool("rlm_session_list", json!({})).await;
    assert!(listed.to_string().contains(&sid) && listed.to_string().contains(&token), "{listed}");
    for uri in traces.iter().map(|t| format!("rlm://traces/{t}")) {
        let read = alice.call("resources/read", json!({"uri": uri})).await;
        assert!(read.to_string().contains(&token), "{uri}: {read}");
    }
    // Meaningful: as alice, each tool that took a reference finds her session or trace once.
    let mut unreached = Vec::new();
    let mut closing: Vec<_> = reach.iter().collect();
    closing.sort_by_key(|(name, _)| name.ends_with("_close"));
    for (name, probes) in closing {
        let mut found = false;
        for args in probes {
            let twin_args: Value =
                serde_json::from_str(&vocabulary.made_up(&args.to_string())).unwrap();
            let twin = alice.tool(name, twin_args).await;
            let answer = alice.tool(name, args.clone()).await;
            if failed(&answer) != failed(&twin) || answer.to_string().contains(&token) {
                found = true;
                break;
            }
        }
        if !found {
            unreached.push(name.clone());
        }
    }
    for (name, _) in MCP_REFERENCE_FREE {
        assert!(tools.iter().any(|t| t["name"] == *name), "{name} is listed but is no tool");
    }
    // Per-key room: bob fills his sessions (his probes made some); alice still makes one.
    let mut bobs =
        bob.tool("rlm_session_list", json!({})).await["result"]["structuredContent"]["sessions"]
            .as_array()
            .map_or(0, Vec::len);
    loop {
        let made = bob.tool("rlm_session_create", json!({"text": "bob's"})).await;
        if failed(&made) {
            assert!(made.to_string().contains("rlm_session_close"), "{made}");
            break;
        }
        bobs += 1;
        assert!(bobs <= 40, "bob made more sessions than --max-sessions-per-key");
    }
    let hers = alice.tool("rlm_session_create", json!({"text": "another"})).await;
    assert!(!failed(&hers), "{hers}");
    println!(
        "rlm mcp: {} tools ({} taking a reference), {} string arguments, {} resource URIs read, {} requests; \
         bob refused {refused} times; bob held {bobs} sessions at his limit, alice still made one",
        tools.len(),
        reach.len(),
        arguments,
        uris.len(),
        requests,
    );
    assert!(
        unreached.is_empty(),
        "no probe of these tools found alice's own object as alice: {unreached:?}"
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(tools.len() >= 7 && !uris.is_empty(), "{} tools, {} uris", tools.len(), uris.len());
}
