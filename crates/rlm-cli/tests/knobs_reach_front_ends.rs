//! Every knob reaches every front end (issues #34, #56): the knob table as
//! data (`crates/rlm-config/knob_table.toml`, one row per knob of
//! `RlmConfig`, one cell per front end: honoured, or not applicable and why)
//! run against `rlm run`, `rlm exec`, `rlm serve` (a scripted execution
//! through the HTTP API), `rlm mcp` and `rlm stress`. For each row and front
//! end: a front end that honours the knob shows its effect in a probe run
//! (and the same run without it does not) where [`effect_observed`] says the
//! test observes it, else starts and runs without naming it (each such cell
//! with its why, [`unobserved_why`]); any other front end names the knob in
//! a start-up warning. The count of cells whose effect is observed is
//! printed and may only grow (issue #83). A `serve-worker` cell is probed by
//! starting `rlm serve --role worker` on the machine's PostgreSQL and NATS
//! (its own schema and stream, removed at the end): it starts without naming
//! an honoured knob, and names any other; an effect is observed through a
//! job an api process (without the knob) hands to that worker. An `otlp`
//! probe's spans go to the test's own OTLP/HTTP receiver on 127.0.0.1
//! ([`receiver`]), each probe under a path of its own.
//! Each knob is set as a flag, an `RLM_*` variable and an `rlm.toml` key (the
//! names come from the knob table of rlm-config). A knob of `RlmConfig`
//! without a row, or a row without a knob, fails the first test.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use rlm_config::{KNOBS, Knob, RlmConfig};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::clean_rlm::rlm;
use crate::cluster_env;
use crate::mcp_stdio;

const TABLE: &str = include_str!("../../rlm-config/knob_table.toml");
/// The front ends a row names (`python`: probed by rlm-py's pytest).
const FRONT_ENDS: [&str; 7] =
    ["run", "exec", "serve-api", "serve-worker", "mcp", "python", "stress"];
// It prints before it answers: a FINAL rests on evidence, the fallback's too (issue #78).
const FALLBACK: &str = "print('the fallback ran')\nFINAL('from the fallback')\n";
/// The first prompt of the `prompts_dir` row's folder (the probe's own).
const FIRST_USER: &str = "The question, in the probe's own words: {{query}}\n\n\
    The context is loaded in the REPL as `context`.\n{{context_metadata}}\n\n\
    Write your first program in a ```repl block.\n";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    knob: Vec<Row>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    key: String,
    value: String,
    probe: String,
    #[serde(default)]
    program: Option<String>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    control: Option<String>,
    #[serde(default)]
    replies: Vec<String>,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    also: BTreeMap<String, String>,
    honoured: Vec<String>,
    #[serde(default)]
    not_applicable: BTreeMap<String, String>,
    /// Front ends honouring the knob whose probe cannot show its effect, and why.
    #[serde(default)]
    unobserved: BTreeMap<String, String>,
}

impl Row {
    fn honoured_by(&self, front_end: &str) -> bool {
        self.honoured.iter().any(|f| f == front_end)
    }
}

fn table() -> Vec<Row> {
    toml::from_str::<Table>(TABLE).expect("knob_table.toml parses").knob
}

fn knob_of(key: &str) -> &'static Knob {
    KNOBS.iter().find(|k| k.key == key).unwrap_or_else(|| panic!("{key} is not a knob"))
}

/// How a knob is set.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    Flag,
    Env,
    File,
}

const WAYS: [Way; 3] = [Way::Flag, Way::Env, Way::File];

/// Knobs set one way, for one process: its flags, environment and rlm.toml.
#[derive(Default)]
struct Setting {
    flags: Vec<String>,
    env: Vec<(String, String)>,
    toml: String,
}

impl Setting {
    fn set(&mut self, key: &str, value: &str, way: Way) {
        let k = knob_of(key);
        match way {
            Way::Flag => {
                self.flags.push(format!("--{}", k.flag));
                self.flags.push(value.to_string());
            }
            Way::Env => self.env.push((k.env.to_string(), value.to_string())),
            Way::File => {
                // Dotted keys at the top of the file are tables' keys.
                let quoted = toml::Value::String(value.to_string());
                let line = match value.parse::<i64>() {
                    Ok(n) => format!("{key} = {n}\n"),
                    Err(_) if value == "true" || value == "false" => format!("{key} = {value}\n"),
                    Err(_) => format!("{key} = {quoted}\n"),
                };
                self.toml.push_str(&line);
            }
        }
    }

    /// Applies it to `command`, writing its rlm.toml into `dir`.
    fn apply(&self, command: &mut Command, dir: &Path) {
        let file = dir.join("rlm.toml");
        std::fs::write(&file, &self.toml).expect("write rlm.toml");
        command.env("RLM_CONFIG", &file).args(&self.flags);
        // No OTLP setting of the machine's; a batch of spans leaves at once.
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
            command.env_remove(k);
        }
        command.env("OTEL_BSP_SCHEDULE_DELAY", "100");
        for (k, v) in &self.env {
            command.env(k, v);
        }
    }
}

/// A row's text for a probe in `dir`: `{dir}` is the folder, `{probe}` its
/// name, `{otlp}` the test's OTLP receiver under a path of the folder's own,
/// `{rlm}` the `rlm` binary.
fn fill(text: &str, dir: &Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    text.replace("{dir}", &dir.display().to_string())
        .replace("{rlm}", env!("CARGO_BIN_EXE_rlm"))
        .replace("{probe}", &name)
        .replace("{otlp}", &otlp_endpoint(dir))
}

/// The scripted root model of a row: the program of a `program_error` row,
/// else its replies; subcalls asking SUBCALL-PING get "pong", and those
/// asking SUBCALL-SLOW "late pong" two seconds late.
fn script(row: &Row) -> Value {
    let replies: Vec<String> = match &row.program {
        Some(p) => vec![format!("```repl\n{p}\n```")],
        // A row without replies only needs a run that ends well: a program
        // first, so the FINAL after it rests on evidence (issue #78).
        None if row.replies.is_empty() => vec!["```repl\nprint('done')\n```".to_string()],
        None => row.replies.clone(),
    };
    json!({
        "model": "knobs",
        "replies": replies,
        "rules": [
            {"pattern": "SUBCALL-PING", "reply": "pong"},
            {"pattern": "SUBCALL-SLOW", "reply": {"text": "late pong", "delay_ms": 2000}},
        ],
        "when_exhausted": {"fixed": "FINAL('done')"},
    })
}

/// A fresh folder for one probe, with the row's script and the fallback program.
fn probe_dir(row: &Row) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("script.json"), script(row).to_string()).unwrap();
    std::fs::write(dir.path().join("fallback.py"), FALLBACK).unwrap();
    // The `prompts_dir` row's prompt (the folder is the probe's).
    std::fs::write(dir.path().join("first_user.md"), FIRST_USER).unwrap();
    // The `replay` row's recording: it holds no exchange.
    std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    std::fs::write(dir.path().join("context.txt"), "a small context for the probes\n").unwrap();
    // The `mcp_servers` row's tool server (`rlm mcp`) reads this empty configuration.
    std::fs::write(dir.path().join("inner.toml"), "").unwrap();
    dir
}

/// The settings of a probe: the row's `also` knobs always, the knob itself
/// when `with_knob`.
fn setting(row: &Row, dir: &Path, way: Way, with_knob: bool) -> Setting {
    let mut s = Setting::default();
    for (k, v) in &row.also {
        s.set(k, &fill(v, dir), way);
    }
    if with_knob {
        s.set(&row.key, &fill(&row.value, dir), way);
    }
    s
}

fn warning_names(stderr: &str, row: &Row) -> bool {
    stderr.contains(&format!("does not support the setting `{}`", row.key))
        || stderr.contains(&format!("--{}", knob_of(&row.key).flag))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `kind` of every event of type `kind` in a run's trace events (JSON lines).
fn kinds(events: &str, kind: &str) -> Vec<Value> {
    events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["kind"]["type"] == kind)
        .map(|e| e["kind"].clone())
        .collect()
}

/// What a run's trace events (JSON lines) show of it, with its answer.
fn observed_in(answer: Option<String>, events: &str) -> Observed {
    observed_of(answer, &kinds(events, "program_finished"), &kinds(events, "model_call_started"))
}

/// An answer with the `program_finished` and `model_call_started` events' kinds of its run.
fn observed_of(answer: Option<String>, programs: &[Value], calls: &[Value]) -> Observed {
    let texts = |events: &[Value], field: &str| -> Vec<String> {
        events.iter().filter_map(|k| k[field].as_str().map(str::to_string)).collect()
    };
    let (errors, prompts) = (texts(programs, "error"), texts(calls, "prompt_preview"));
    Observed { answer, errors, prompts, ..Observed::default() }
}

/// What an effect probe run showed: its answer, its programs' errors, its
/// model calls' prompts, the span exports the OTLP receiver was sent and
/// the Redis keys under a `redis` row's `expect`.
#[derive(Clone, Default)]
struct Observed {
    answer: Option<String>,
    errors: Vec<String>,
    prompts: Vec<String>,
    exported: Vec<Vec<u8>>,
    redis_keys: Vec<String>,
}

// ---------------------------------------------------------------- the OTLP receiver

/// The test's OTLP/HTTP receiver on 127.0.0.1, shared by every probe (each
/// exports under a path of its own, [`otlp_endpoint`]): a wiremock server,
/// as `tests/otlp_receiver.rs` uses, keeping every request and answering
/// 200, on a runtime of its own (the probes call it from sync and async code).
struct Receiver {
    server: MockServer,
    runtime: tokio::runtime::Runtime,
}

fn receiver() -> &'static Receiver {
    static RECEIVER: OnceLock<Receiver> = OnceLock::new();
    RECEIVER.get_or_init(|| {
        // Started on a thread of its own: a first call may come from a
        // probe's runtime, where another runtime cannot block.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("the receiver's runtime");
            let server = runtime.block_on(async {
                let server = MockServer::start().await;
                Mock::given(method("POST"))
                    .respond_with(ResponseTemplate::new(200))
                    .mount(&server)
                    .await;
                server
            });
            Receiver { server, runtime }
        })
        .join()
        .expect("the receiver started")
    })
}

/// The path under which the probe in `dir` exports: the folder's name.
fn otlp_path(dir: &Path) -> String {
    format!("/{}", dir.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())
}

/// The receiver's endpoint for the probe in `dir`.
fn otlp_endpoint(dir: &Path) -> String {
    format!("{}{}", receiver().server.uri(), otlp_path(dir))
}

/// The bodies of the span exports the probe in `dir` sent.
fn exported(dir: &Path) -> Vec<Vec<u8>> {
    let traces = format!("{}/v1/traces", otlp_path(dir));
    let r = receiver();
    let requests = std::thread::scope(|scope| {
        scope.spawn(|| r.runtime.block_on(r.server.received_requests())).join()
    })
    .expect("the receiver answered")
    .unwrap_or_default();
    requests.into_iter().filter(|q| q.url.path() == traces).map(|q| q.body).collect()
}

/// Whether a probe of `row` exports spans: the receiver is its endpoint.
fn exports_spans(row: &Row, with_knob: bool) -> bool {
    let knob = with_knob.then_some(&row.value);
    row.also.values().chain(knob).any(|v| v.contains("{otlp}"))
}

/// The span exports of a server's probe in `dir` (which exports while it
/// runs, in batches): waited for when the probe exports.
async fn exported_by_a_server(row: &Row, with_knob: bool, dir: &Path) -> Vec<Vec<u8>> {
    for _ in 0..600 {
        let bodies = exported(dir);
        if !bodies.is_empty() || !exports_spans(row, with_knob) {
            return bodies;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

// ---------------------------------------------------------------- Redis

/// The knob test's database of the machine's Redis: its `redis` probes'
/// keys, each probe's under a prefix of its own, deleted after it.
const REDIS_DB: &str = "15";

/// One command to the machine's Redis, in [`REDIS_DB`]: the elements of an
/// array reply, or the reply's one line.
fn redis(command: &[&str]) -> Vec<String> {
    let stream = TcpStream::connect("127.0.0.1:6379").expect("the machine's Redis");
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    for args in [&["SELECT", REDIS_DB][..], command] {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        writer.write_all(out.as_bytes()).expect("write to Redis");
    }
    let line = |r: &mut BufReader<TcpStream>| {
        let mut l = String::new();
        r.read_line(&mut l).expect("read from Redis");
        l.trim_end().to_string()
    };
    let selected = line(&mut reader);
    assert_eq!(selected, "+OK", "SELECT {REDIS_DB}");
    let head = line(&mut reader);
    match head.strip_prefix('*') {
        // Each element a bulk string: its length, then itself (keys have no newline).
        Some(n) => (0..n.parse().unwrap_or(0))
            .map(|_| [line(&mut reader), line(&mut reader)][1].clone())
            .collect(),
        None => vec![head],
    }
}

/// The keys a `redis` row's probe in `dir` left under its `expect` (filled),
/// deleted once read, with those of the default prefix (a control run's).
fn redis_keys_of(row: &Row, dir: &Path) -> Vec<String> {
    if row.probe != "redis" {
        return Vec::new();
    }
    let prefix = fill(row.expect.as_deref().unwrap_or_default(), dir);
    let keys = redis(&["KEYS", &format!("{prefix}*")]);
    for key in keys.iter().chain(&redis(&["KEYS", "rlm:cache:*"])) {
        redis(&["DEL", key]);
    }
    keys
}

// ---------------------------------------------------------------- rlm run

struct RunResult {
    output: Output,
    answer: Option<String>,
    /// The errors of its programs (from its trace).
    errors: Vec<String>,
    /// What its trace shows (answer, errors, prompts).
    observed: Observed,
}

fn run_probe(row: &Row, way: Way, with_knob: bool) -> RunResult {
    let dir = probe_dir(row);
    let d = dir.path();
    let trace = d.join("probe-trace.jsonl");
    let mut c = rlm(d);
    c.args(["run", "what does the context say?", "--context", "context.txt", "--json"])
        .args(["--script", "script.json", "--progress", "never"])
        .env("RLM_MODEL", "scripted");
    if row.key != "trace" {
        c.env("RLM_TRACE", &trace);
    }
    setting(row, d, way, with_knob).apply(&mut c, d);
    let output = c.output().expect("run rlm run");
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let answer = doc["answer"].as_str().map(str::to_string);
    let mut observed =
        observed_in(answer.clone(), &std::fs::read_to_string(&trace).unwrap_or_default());
    observed.exported = exported(d);
    let errors = observed.errors.clone();
    if with_knob && effect_observed(row, "run") && row.probe == "file" {
        assert_file_written(&format!("rlm run, {} set as {way:?}", row.key), row, d);
    }
    RunResult { output, answer, errors, observed }
}

/// A `file` row's probe: the knob's path, in the probe's folder `dir`, exists.
fn assert_file_written(what: &str, row: &Row, dir: &Path) {
    let path = PathBuf::from(fill(&row.value, dir));
    assert!(path.exists(), "{what}: {} was not written", path.display());
}

// ---------------------------------------------------------------- rlm exec

/// One `rlm exec` of the row's program (else a cell that prints): its
/// output and its span exports.
fn exec_probe(row: &Row, way: Way, with_knob: bool) -> (Output, Vec<Vec<u8>>) {
    let dir = probe_dir(row);
    let d = dir.path();
    let program = row.program.clone().unwrap_or_else(|| "print('a cell')".to_string());
    std::fs::write(d.join("cell.py"), program).unwrap();
    let mut c = rlm(d);
    c.args(["exec", "cell.py", "--reply", "pong"]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    let output = c.output().expect("run rlm exec");
    if with_knob && effect_observed(row, "exec") && row.probe == "file" {
        assert_file_written(&format!("rlm exec, {} set as {way:?}", row.key), row, d);
    }
    (output, exported(d))
}

// ---------------------------------------------------------------- rlm serve

struct Serve {
    child: Child,
    base: String,
    stderr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rlm serve` with the row's script; `Err(stderr)` when it exits instead of
/// listening (a refused setting).
fn start_serve(row: &Row, way: Way, with_knob: bool) -> Result<Serve, String> {
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["serve", "--bind", "127.0.0.1:0", "--data", "data", "--script", "script.json"]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    let mut child =
        c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn rlm serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                if let Some(addr) = line.strip_prefix("rlm serve: listening on ") {
                    // Later lines are JSON logs: keep draining them.
                    std::thread::spawn(move || while rx.recv().is_ok() {});
                    return Ok(Serve { child, base: addr.to_string(), stderr: seen, _dir: dir });
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(seen);
            }
        }
    }
}

/// One scripted execution through the HTTP API: its answer, its programs'
/// errors and its prompts.
async fn serve_execute(serve: &Serve) -> Observed {
    let client = reqwest::Client::new();
    let body: Value = client
        .post(format!("{}/api/execute", serve.base))
        .json(&json!({"user_query": "what does the context say?", "context": "a small context"}))
        .send()
        .await
        .expect("POST /api/execute")
        .json()
        .await
        .expect("JSON answer");
    let id = body["id"].as_str().unwrap_or_default();
    let trace = client
        .get(format!("{}/api/executions/{id}/trace", serve.base))
        .send()
        .await
        .expect("GET trace")
        .text()
        .await
        .unwrap_or_default();
    observed_in(body["final_result"].as_str().map(str::to_string), &trace)
}

/// One scripted execution through the HTTP API, with the span exports of
/// the server (`with_knob`: the row's knob set).
async fn serve_observed(row: &Row, serve: &Serve, with_knob: bool) -> Observed {
    let observed = serve_execute(serve).await;
    let dir = serve._dir.path();
    let exported = exported_by_a_server(row, with_knob, dir).await;
    Observed { exported, redis_keys: redis_keys_of(row, dir), ..observed }
}

// ---------------------------------------------------------------- rlm mcp, rlm stress

/// The output of `command`, killed (and the test failed) if it has not
/// exited after a generous while: a front end that hangs must not hang the suite.
fn output_of(mut command: Command, what: &str) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: spawn: {e}"));
    for _ in 0..1200 {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("its output");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("{what}: still running after two minutes");
}

/// `rlm mcp` over stdio with the row's knob, its input closed at once: it
/// builds its engine from the configuration, warns, and ends with its input.
fn mcp_probe(row: &Row, way: Way) -> Output {
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["mcp", "--script", "script.json"]).env("RLM_MODEL", "scripted");
    setting(row, d, way, true).apply(&mut c, d);
    output_of(c, &format!("rlm mcp, {}", row.key))
}

/// One `rlm_ask` through `rlm mcp` over stdio, the row's script as its
/// model, with the knob set `way` when `with_knob`: its answer and the
/// errors of its programs (from the run's trace resource). A `file` row's
/// path exists after it.
fn mcp_effect_probe(row: &Row, way: Way, with_knob: bool) -> Observed {
    let dir = probe_dir(row);
    let d = dir.path();
    let what = format!("rlm mcp, {} set as {way:?} (with it: {with_knob})", row.key);
    let mut c = rlm(d);
    c.args(["mcp", "--script", "script.json"]).env("RLM_MODEL", "scripted");
    setting(row, d, way, with_knob).apply(&mut c, d);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("{what}: spawn: {e}"));
    let asked = mcp_stdio::ask(&mut child, "what does the context say?", "a small context");
    // Its input is closed: it ends (its files written) or is killed.
    for _ in 0..300 {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let asked = asked.unwrap_or_else(|| panic!("{what}: rlm mcp did not answer"));
    if with_knob && row.probe == "file" {
        assert_file_written(&what, row, d);
    }
    let answer = asked.doc["answer"].as_str().map(str::to_string);
    let programs = mcp_stdio::kinds_in_tree(&asked.trace, "program_finished");
    let calls = mcp_stdio::kinds_in_tree(&asked.trace, "model_call_started");
    Observed { exported: exported(d), ..observed_of(answer, &programs, &calls) }
}

/// One offline `rlm stress` run with the row's knob.
fn stress_probe(row: &Row, way: Way) -> Output {
    stress_run(row, way, true).0
}

/// One offline `rlm stress` run (one generated task), with the row's knob
/// set `way` when `with_knob`: its output and span exports; a `file` row's
/// path exists after it.
fn stress_run(row: &Row, way: Way, with_knob: bool) -> (Output, Vec<Vec<u8>>) {
    let dir = probe_dir(row);
    let d = dir.path();
    let mut c = rlm(d);
    c.args(["stress", "--scenario", "baseline", "--runs", "1", "--latency-scale", "0"]).args([
        "--context-bytes",
        "2000",
        "--json",
        "--report",
        "report.html",
    ]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    let output = output_of(c, &format!("rlm stress, {}", row.key));
    if with_knob && effect_observed(row, "stress") && row.probe == "file" {
        assert_file_written(&format!("rlm stress, {} set as {way:?}", row.key), row, d);
    }
    (output, exported(d))
}

/// How many of a `rlm stress --json` run's generated tasks were answered correctly.
fn stress_correct(output: &Output) -> u64 {
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    doc["scenarios"][0]["outcomes"]["correct"].as_u64().unwrap_or(0)
}

/// How `rlm mcp` ends when its input closes before a client's first
/// request: after its configuration was read and its engine built.
fn mcp_ended_with_its_input(output: &Output) -> bool {
    output.status.code() == Some(0)
        || text(&output.stderr).contains("connection closed: initialize request")
}

fn exited_zero(output: &Output) -> bool {
    output.status.code() == Some(0)
}

/// For each row, `probe` run with the knob set each way: a front end
/// honouring it runs to the end (`ended_well`) without naming it; any other
/// warns.
fn honoured_or_named(
    front_end: &str,
    probe: fn(&Row, Way) -> Output,
    ended_well: fn(&Output) -> bool,
) {
    for (row, way) in table().iter().flat_map(|r| WAYS.map(|w| (r, w))) {
        let output = probe(row, way);
        let stderr = text(&output.stderr);
        let what = format!("rlm {front_end}, {} = {:?} as {way:?}", row.key, row.value);
        if row.honoured_by(front_end) {
            assert!(!warning_names(&stderr, row), "{what}: warned although honoured: {stderr}");
            assert!(ended_well(&output), "{what}: {:?} {stderr}", output.status);
        } else {
            assert!(warning_names(&stderr, row), "{what}: no start-up warning names it: {stderr}");
        }
    }
}

/// Asserts a `program_error`, `answer` or `prompt` row's effect: the run
/// with the knob (`with`) shows it, the control run (`without`) does not.
fn assert_effect(what: &str, row: &Row, with: &Observed, without: &Observed) {
    let expect = row.expect.as_deref().unwrap_or_default();
    match row.probe.as_str() {
        "program_error" => {
            assert!(
                has_error(&with.errors, expect),
                "{what}: no {expect:?} error: {:?}",
                with.errors
            );
            assert!(
                !has_error(&without.errors, expect),
                "{what}: the control run fails too: {:?}",
                without.errors
            );
        }
        "answer" => {
            let (a, c) = (&with.answer, &without.answer);
            assert!(answer_matches(a, expect), "{what}: answer {a:?}, expected {expect:?}");
            assert!(!answer_matches(c, expect), "{what}: the control run answers {c:?} too");
            if let Some(control) = &row.control {
                assert!(answer_matches(c, control), "{what}: control {c:?}, expected {control:?}");
            }
        }
        "prompt" => {
            let holds = |o: &Observed| o.prompts.iter().any(|p| p.contains(expect));
            assert!(holds(with), "{what}: no prompt holds {expect:?}: {:?}", with.prompts);
            assert!(!holds(without), "{what}: the control's prompts hold it too");
            assert!(!without.prompts.is_empty(), "{what}: the control run made no model call");
        }
        "otlp" => assert_exported(what, expect, &with.exported, &without.exported),
        "redis" => {
            assert!(!with.redis_keys.is_empty(), "{what}: no Redis key under {expect:?}");
            let keys = &without.redis_keys;
            assert!(keys.is_empty(), "{what}: the control run left keys under it: {keys:?}");
        }
        other => panic!("{what}: a {other} probe has no answer, error or prompt to compare"),
    }
}

/// An `otlp` row's effect: spans arrive with the knob, and none without it;
/// or, with `expect`, spans arrive in both runs and only those with the
/// knob hold `expect`.
fn assert_exported(what: &str, expect: &str, with: &[Vec<u8>], without: &[Vec<u8>]) {
    let holds = |bodies: &[Vec<u8>]| {
        bodies.iter().any(|b| b.windows(expect.len().max(1)).any(|w| w == expect.as_bytes()))
    };
    assert!(!with.is_empty(), "{what}: the receiver was sent no spans");
    if expect.is_empty() {
        assert!(without.is_empty(), "{what}: the control run exported spans too");
        return;
    }
    assert!(holds(with), "{what}: no span export holds {expect:?}");
    assert!(!without.is_empty(), "{what}: the control run exported no spans");
    assert!(!holds(without), "{what}: the control run's spans hold {expect:?} too");
}

#[test]
fn every_knob_reaches_rlm_mcp_or_is_named_at_start_up() {
    honoured_or_named("mcp", mcp_probe, mcp_ended_with_its_input);
    let observed = table().into_iter().filter(|r| effect_observed(r, "mcp"));
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r.clone(), w))) {
        let what = format!("rlm mcp, {} = {:?} as {way:?}", row.key, row.value);
        let with = mcp_effect_probe(&row, way, true);
        // A `file` row's path was checked in the probe.
        if row.probe != "file" {
            assert_effect(&what, &row, &with, &mcp_effect_probe(&row, way, false));
        }
    }
}

#[test]
fn every_knob_reaches_rlm_stress_or_is_named_at_start_up() {
    honoured_or_named("stress", stress_probe, exited_zero);
    let observed = table().into_iter().filter(|r| effect_observed(r, "stress"));
    for (row, way) in observed.flat_map(|r| WAYS.map(|w| (r.clone(), w))) {
        let what = format!("rlm stress, {} = {:?} as {way:?}", row.key, row.value);
        let (with, with_spans) = stress_run(&row, way, true);
        match row.probe.as_str() {
            // Checked in `stress_run`.
            "file" => assert!(exited_zero(&with), "{what}: {}", text(&with.stderr)),
            // A budget that ends the generated task without an answer.
            "answer" => {
                assert_eq!(stress_correct(&with), 0, "{what}: answered: {}", text(&with.stdout));
                let (without, _) = stress_run(&row, way, false);
                let out = text(&without.stdout);
                assert_eq!(stress_correct(&without), 1, "{what}: the control run: {out}");
            }
            "otlp" => {
                let expect = row.expect.as_deref().unwrap_or_default();
                assert_exported(&what, expect, &with_spans, &stress_run(&row, way, false).1);
            }
            other => panic!("{what}: stress observes no {other} probe"),
        }
    }
}

/// The knobs' flags `cluster_env` gives a deployment's every process (its
/// own `--nats-ack-wait-secs` gives way to one the probe sets).
const DEPLOYMENT_FLAGS: [&str; 2] = ["nats-url", "nats-stream"];

/// Each knob set on a `rlm serve --role worker` process, one way per knob
/// (rotated), each in a deployment of its own (a schema and a stream,
/// removed after it: a worker refuses queue settings its deployment's
/// first process did not have): a knob the worker honours starts it
/// without a warning; any other is named (or refused, naming it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_knob_reaches_a_serve_worker_or_is_named_at_start_up() {
    for (i, row) in table().iter().enumerate() {
        let mut way = WAYS[(i + 1) % 3];
        // A flag the deployment gives every process itself would be given
        // twice (refused at start-up whatever the knob): that knob is set by
        // the environment instead, where the rotation would make it a flag.
        if way == Way::Flag && DEPLOYMENT_FLAGS.contains(&knob_of(&row.key).flag) {
            way = Way::Env;
        }
        let dir = probe_dir(row);
        let d = dir.path();
        let setting = setting(row, d, way, true);
        let file = d.join("rlm.toml");
        std::fs::write(&file, &setting.toml).expect("write rlm.toml");
        let script = json!({"model": "knobs", "replies": ["FINAL('done')"]});
        let mut cluster = cluster_env::Cluster::with_script(cluster_env::SHARED_NATS, script);
        cluster.envs = setting.env.clone();
        cluster.envs.push(("RLM_CONFIG".into(), file.display().to_string()));
        let flags: Vec<&str> = setting.flags.iter().map(String::as_str).collect();
        let started = cluster.try_spawn_with("worker", &flags);
        let (stderr, ran) = match started {
            Ok(mut worker) => {
                worker.kill();
                let lines = worker.lines.lock().expect("its lines").join("\n");
                (lines, true)
            }
            Err(lines) => (lines.join("\n"), false),
        };
        cluster.clean_up().await;
        let what = format!("rlm serve --role worker, {} = {:?} as {way:?}", row.key, row.value);
        match (row.honoured_by("serve-worker"), ran) {
            (true, true) => {
                assert!(!warning_names(&stderr, row), "{what}: warned although honoured")
            }
            (true, false) => panic!("{what}: did not start: {stderr}"),
            // Not applicable: named at start-up, whether it starts or refuses to.
            (false, _) => assert!(warning_names(&stderr, row), "{what}: not named: {stderr}"),
        }
    }
}

// ---------------------------------------------------------------- the count

/// The honoured cells whose effect this test (and rlm-py's, for python)
/// observes: it may only grow (issue #83).
const MIN_OBSERVED: usize = 214;

/// Whether the probes observe the effect of `row`'s knob on `front_end`
/// (its effect with the knob, none without), rather than only that it
/// starts and runs without naming it. rlm run observes every effect probe;
/// the exec, mcp and stress tests check what this says; python's cells are
/// rlm-py's tests/test_knob_table.py's.
fn effect_observed(row: &Row, front_end: &str) -> bool {
    let p = row.probe.as_str();
    row.honoured_by(front_end)
        && !row.unobserved.contains_key(front_end)
        && match front_end {
            "run" => p != "accepted",
            "exec" => matches!(p, "program_error" | "file" | "otlp"),
            "serve-api" | "serve-worker" | "mcp" => {
                matches!(p, "program_error" | "answer" | "file" | "prompt" | "otlp" | "redis")
            }
            "python" => matches!(p, "program_error" | "answer" | "prompt" | "file" | "otlp"),
            // Its generated tasks, not the row's script: a file, spans, or a
            // budget that ends a task without an answer.
            "stress" => {
                matches!(p, "file" | "otlp") || (p == "answer" && row.expect.as_deref() == Some(""))
            }
            _ => false,
        }
}

/// Why the effect of an honoured cell is not observed (`None`: it is).
fn unobserved_why(row: &Row, front_end: &str) -> Option<String> {
    if effect_observed(row, front_end) || !row.honoured_by(front_end) {
        return None;
    }
    if let Some(why) = row.unobserved.get(front_end).or(row.why.as_ref()) {
        return Some(why.clone());
    }
    let why = match front_end {
        "exec" => {
            "exec/repl run the probe's cell, with no root model: no answer or prompt to compare"
        }
        "python" => {
            "rlm-py's tests/test_knob_table.py compares answers, programs' errors, root prompts, \
             files written and exported spans only"
        }
        "stress" => {
            "rlm stress runs its generated tasks, not the row's script: its report shows their \
             outcomes, not the row's program error, answer or prompt"
        }
        _ => "no probe compares its effect",
    };
    Some(why.to_string())
}

/// The cells: honoured, with their effect observed, and the others with why.
#[test]
fn the_count_of_knob_cells_whose_effect_is_observed_only_grows() {
    let rows = table();
    let cells: Vec<(&Row, &str)> = rows
        .iter()
        .flat_map(|r| FRONT_ENDS.map(|f| (r, f)))
        .filter(|(r, f)| r.honoured_by(f))
        .collect();
    let observed = cells.iter().filter(|(r, f)| effect_observed(r, f)).count();
    let mut per_front_end = String::new();
    for f in FRONT_ENDS {
        let of = |seen: bool| {
            cells.iter().filter(|(r, g)| *g == f && effect_observed(r, g) == seen).count()
        };
        per_front_end.push_str(&format!("  {f}: {} observed, {} accepted\n", of(true), of(false)));
    }
    eprintln!(
        "knob cells: {} honoured, {observed} with their effect observed, {} accepted (each with its why)\n{per_front_end}",
        cells.len(),
        cells.len() - observed
    );
    for (row, f) in &cells {
        if let Some(why) = unobserved_why(row, f) {
            eprintln!("  accepted {} × {f}: {why}", row.key);
        }
    }
    assert!(observed >= MIN_OBSERVED, "{observed} cells observed, fewer than {MIN_OBSERVED}");
}

// ---------------------------------------------------------------- serve-worker effects

/// One job through a deployment of its own (an api without the knob, and a
/// worker with the row's knob set `way` when `with_knob`): the job's answer
/// and its programs' errors, read through the api. A `file` row's path
/// exists after it.
async fn worker_effect_probe(row: &Row, way: Way, with_knob: bool) -> Observed {
    let dir = probe_dir(row);
    let d = dir.path();
    let what =
        format!("rlm serve --role worker, {} set as {way:?} (with it: {with_knob})", row.key);
    let setting = setting(row, d, way, with_knob);
    let file = d.join("rlm.toml");
    std::fs::write(&file, &setting.toml).expect("write rlm.toml");
    let mut cluster = cluster_env::Cluster::with_script(cluster_env::SHARED_NATS, script(row));
    let api = cluster.spawn("api");
    // The knob is the worker's alone: the effect is the worker's doing.
    cluster.envs = setting.env.clone();
    cluster.envs.push(("RLM_CONFIG".into(), file.display().to_string()));
    let flags: Vec<&str> = setting.flags.iter().map(String::as_str).collect();
    let worker = cluster.try_spawn_with("worker", &flags);
    let worker = worker.unwrap_or_else(|lines| panic!("{what}: did not start: {lines:?}"));
    let session = cluster_env::session(&api).await;
    let body = json!({"session_id": session, "user_query": "what does the context say?"});
    let (status, job) = cluster_env::post(&api.base, "/api/jobs", body).await;
    assert!((200..300).contains(&status), "{what}: {status} {job}");
    let ids = [job["job_id"].as_str().unwrap_or_default().to_string()];
    let jobs = cluster_env::ended(&api, &ids, Duration::from_secs(120)).await;
    let job = &jobs[0];
    let events = match job["execution_id"].as_str() {
        Some(id) => cluster_env::trace(&api, id).await,
        None => Vec::new(),
    };
    let exported = exported_by_a_server(row, with_knob, d).await;
    drop((api, worker));
    cluster.clean_up().await;
    if with_knob && row.probe == "file" {
        assert_file_written(&what, row, d);
    }
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    let observed = observed_in(job["answer"].as_str().map(str::to_string), &lines.join("\n"));
    Observed { exported, redis_keys: redis_keys_of(row, d), ..observed }
}

/// The effect of each knob a worker honours, where [`effect_observed`] says
/// so: one way per knob (rotated), with the knob and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_knob_s_effect_reaches_a_serve_worker() {
    for (i, row) in table().iter().enumerate() {
        if !effect_observed(row, "serve-worker") {
            continue;
        }
        let way = WAYS[i % 3];
        let what = format!("rlm serve --role worker, {} = {:?} as {way:?}", row.key, row.value);
        let with = worker_effect_probe(row, way, true).await;
        // A `file` row's path was checked in the probe.
        if row.probe != "file" {
            assert_effect(&what, row, &with, &worker_effect_probe(row, way, false).await);
        }
    }
}

// ---------------------------------------------------------------- checks

fn has_error(errors: &[String], expect: &str) -> bool {
    let expect = expect.to_lowercase();
    errors.iter().any(|e| e.to_lowercase().contains(&expect))
}

fn answer_matches(answer: &Option<String>, expect: &str) -> bool {
    match answer {
        None => expect.is_empty(),
        Some(a) => !expect.is_empty() && a.contains(expect),
    }
}

#[test]
fn every_knob_of_rlm_config_has_one_row_and_back() {
    let rows: Vec<String> = table().into_iter().map(|r| r.key).collect();
    let mut sorted_rows = rows.clone();
    sorted_rows.sort();
    sorted_rows.dedup();
    assert_eq!(sorted_rows.len(), rows.len(), "a knob has two rows");
    let mut fields = RlmConfig::field_keys();
    fields.sort();
    assert_eq!(sorted_rows, fields, "the table's rows against RlmConfig's fields");
    let mut knobs: Vec<String> = KNOBS.iter().map(|k| k.key.to_string()).collect();
    knobs.sort();
    assert_eq!(sorted_rows, knobs, "the table's rows against the knob table");
    for row in table() {
        // Every cell holds one thing: honoured, or not applicable and why;
        // and it is what rlm-config reads at run time.
        for f in FRONT_ENDS {
            let na = row.not_applicable.get(f);
            assert!(
                row.honoured_by(f) != na.is_some(),
                "{} × {f}: the cell must be honoured or not applicable, once",
                row.key
            );
            let front_end = rlm_config::FrontEnd::parse(f).expect("a front end's name");
            assert_eq!(front_end.honours(&row.key), row.honoured_by(f), "{} × {f}", row.key);
        }
        for f in row.honoured.iter().chain(row.not_applicable.keys()) {
            assert!(FRONT_ENDS.contains(&f.as_str()), "{}: unknown front end {f}", row.key);
        }
        for f in row.unobserved.keys() {
            assert!(row.honoured_by(f), "{}: unobserved on {f}, which does not honour it", row.key);
        }
        let complete = match row.probe.as_str() {
            "program_error" => row.program.is_some() && row.expect.is_some(),
            "answer" => !row.replies.is_empty() && row.expect.is_some(),
            "prompt" => row.expect.is_some(),
            "redis" => row.program.is_some() && row.expect.is_some(),
            "accepted" => row.why.is_some(),
            "file" | "json_logs" | "otlp" => true,
            other => panic!("{}: unknown probe {other}", row.key),
        };
        assert!(complete, "{}: the {} probe lacks its fields", row.key, row.probe);
    }
}

#[test]
fn every_knob_reaches_rlm_run_or_is_named_at_start_up() {
    for (row, way) in table().iter().flat_map(|r| WAYS.map(|w| (r, w))) {
        let with = run_probe(row, way, true);
        let stderr = text(&with.output.stderr);
        let what = format!("rlm run, {} = {:?} as {way:?}", row.key, row.value);
        if !row.honoured_by("run") {
            assert!(warning_names(&stderr, row), "{what}: no start-up warning names it: {stderr}");
            continue;
        }
        assert!(!warning_names(&stderr, row), "{what}: warned although supported: {stderr}");
        match row.probe.as_str() {
            "program_error" => {
                let expect = row.expect.as_deref().unwrap_or_default();
                assert!(
                    has_error(&with.errors, expect),
                    "{what}: no {expect:?} error: {:?} {stderr}",
                    with.errors
                );
                let without = run_probe(row, way, false);
                assert!(
                    !has_error(&without.errors, expect),
                    "{what}: the control run fails too: {:?}",
                    without.errors
                );
            }
            "answer" => {
                let expect = row.expect.as_deref().unwrap_or_default();
                assert!(
                    answer_matches(&with.answer, expect),
                    "{what}: answer {:?}, expected {expect:?}: {stderr}",
                    with.answer
                );
                let without = run_probe(row, way, false);
                assert!(
                    !answer_matches(&without.answer, expect),
                    "{what}: the control run answers {:?} too",
                    without.answer
                );
                if let Some(control) = &row.control {
                    assert!(
                        answer_matches(&without.answer, control),
                        "{what}: control answer {:?}, expected {control:?}",
                        without.answer
                    );
                }
            }
            "prompt" | "otlp" => {
                assert_effect(&what, row, &with.observed, &run_probe(row, way, false).observed)
            }
            "json_logs" => {
                let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
                assert!(!lines.is_empty(), "{what}: no logs");
                for l in lines {
                    assert!(
                        serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object()),
                        "{what}: {l}"
                    );
                }
            }
            // `file`: checked in `run_probe`; `accepted`: it ran with the knob.
            _ => assert_eq!(with.output.status.code(), Some(0), "{what}: {stderr}"),
        }
    }
}

#[test]
fn every_knob_reaches_rlm_exec_or_is_named_at_start_up() {
    for row in table() {
        for way in WAYS {
            let (with, with_spans) = exec_probe(&row, way, true);
            let stderr = text(&with.stderr);
            let what = format!("rlm exec, {} = {:?} as {way:?}", row.key, row.value);
            if !row.honoured_by("exec") {
                assert!(
                    warning_names(&stderr, &row),
                    "{what}: no start-up warning names it: {stderr}"
                );
                continue;
            }
            assert!(!warning_names(&stderr, &row), "{what}: warned although supported: {stderr}");
            if !effect_observed(&row, "exec") {
                assert_eq!(with.status.code(), Some(0), "{what}: {stderr}");
                continue;
            }
            match row.probe.as_str() {
                "program_error" => {
                    let expect = row.expect.as_deref().unwrap_or_default();
                    let lower = stderr.to_lowercase();
                    assert!(
                        lower.contains(&expect.to_lowercase()),
                        "{what}: no {expect:?} error: {stderr}"
                    );
                    let (without, _) = exec_probe(&row, way, false);
                    let lower = text(&without.stderr).to_lowercase();
                    assert!(
                        !lower.contains(&expect.to_lowercase()),
                        "{what}: the control run fails too: {lower}"
                    );
                    assert_eq!(without.status.code(), Some(0), "{what}: the control run: {lower}");
                }
                // Checked in `exec_probe`.
                "file" => assert_eq!(with.status.code(), Some(0), "{what}: {stderr}"),
                "otlp" => {
                    let expect = row.expect.as_deref().unwrap_or_default();
                    let (_, without) = exec_probe(&row, way, false);
                    assert_exported(&what, expect, &with_spans, &without);
                }
                other => panic!("{what}: exec observes no {other} probe"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_knob_reaches_rlm_serve_through_the_http_api_or_is_named_at_start_up() {
    for row in table().iter() {
        let serves = row.honoured_by("serve-api");
        // Every knob is set all three ways (a flag, RLM_*, rlm.toml).
        let ways = WAYS.to_vec();
        let mut control: Option<Observed> = None;
        for way in ways {
            let what = format!("rlm serve, {} = {:?} as {way:?}", row.key, row.value);
            let serve = match start_serve(row, way, true) {
                Ok(s) => s,
                Err(stderr) => {
                    // Refusing to start is allowed only for an unsupported knob, naming it.
                    assert!(
                        !serves && warning_names(&stderr, row),
                        "{what}: did not start: {stderr}"
                    );
                    continue;
                }
            };
            if !serves {
                assert!(
                    warning_names(&serve.stderr, row),
                    "{what}: no start-up warning: {}",
                    serve.stderr
                );
                continue;
            }
            assert!(
                !warning_names(&serve.stderr, row),
                "{what}: warned although supported: {}",
                serve.stderr
            );
            match row.probe.as_str() {
                "program_error" | "answer" | "prompt" | "otlp" | "redis" => {
                    let with = serve_observed(row, &serve, true).await;
                    drop(serve);
                    if control.is_none() {
                        let server =
                            start_serve(row, way, false).expect("the control server starts");
                        control = Some(serve_observed(row, &server, false).await);
                    }
                    assert_effect(&what, row, &with, &control.clone().unwrap_or_default());
                }
                "file" => {
                    // After an execution: some files (an index) are made on first use.
                    serve_execute(&serve).await;
                    let path = PathBuf::from(fill(&row.value, serve._dir.path()));
                    assert!(path.exists(), "{what}: {} was not created", path.display());
                }
                _ => {}
            }
        }
    }
}

/// The operator's budgets are ceilings: a session may lower them (201), and
/// asking for more is refused (422) with a message naming the ceiling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rlm_serve_budgets_are_ceilings_a_session_may_only_lower() {
    let row = table().into_iter().find(|r| r.key == "budgets.max_subcalls").expect("a row");
    let mut row = row;
    row.value = "5".into();
    for way in WAYS {
        let serve = start_serve(&row, way, true).expect("rlm serve starts");
        let client = reqwest::Client::new();
        let create = |settings: Value| {
            client
                .post(format!("{}/api/sessions", serve.base))
                .json(&json!({"context": "a small context", "settings": settings}))
                .send()
        };
        let lower = create(json!({"max_subcalls": 3, "max_steps": 2})).await.expect("POST");
        assert!(lower.status().is_success(), "{way:?}: lowering refused: {}", lower.status());
        let higher = create(json!({"max_subcalls": 50})).await.expect("POST");
        assert_eq!(higher.status().as_u16(), 422, "{way:?}");
        let body = higher.text().await.unwrap_or_default();
        assert!(body.contains("max_subcalls: 50 is above this server's ceiling of 5"), "{body}");
        assert!(body.contains(r#""field":"settings.max_subcalls""#), "{body}");
        // The default step limit (20) is a ceiling too.
        let steps = create(json!({"max_steps": 21})).await.expect("POST");
        assert_eq!(steps.status().as_u16(), 422, "{way:?}");
    }
}
