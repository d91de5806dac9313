//! Every knob reaches every front end (issues #34, #56): the knob table as
//! data (`crates/rlm-config/knob_table.toml`, one row per knob of
//! `RlmConfig`, one cell per front end: honoured, or not applicable and why)
//! run against `rlm run`, `rlm exec`, `rlm serve` (a scripted execution
//! through the HTTP API), `rlm mcp` and `rlm stress`. For each row and front
//! end: a front end that honours the knob shows its effect in a probe run
//! (and the same run without it does not), or for mcp and stress starts and
//! runs without naming it; any other front end names the knob in a start-up
//! warning. A `serve-worker` cell is probed by starting `rlm serve --role
//! worker` on the machine's PostgreSQL and NATS (its own schema and stream,
//! removed at the end): it starts without naming an honoured knob, and
//! names any other.
//! Each knob is set as a flag, an `RLM_*` variable and an `rlm.toml` key (the
//! names come from the knob table of rlm-config). A knob of `RlmConfig`
//! without a row, or a row without a knob, fails the first test.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rlm_config::{KNOBS, Knob, RlmConfig};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clean_rlm::rlm;
use crate::cluster_env;

const TABLE: &str = include_str!("../../rlm-config/knob_table.toml");
/// The front ends a row names (`python`: probed by rlm-py's pytest).
const FRONT_ENDS: [&str; 7] =
    ["run", "exec", "serve-api", "serve-worker", "mcp", "python", "stress"];
// It prints before it answers: a FINAL rests on evidence, the fallback's too (issue #78).
const FALLBACK: &str = "print('the fallback ran')\nFINAL('from the fallback')\n";

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
        for (k, v) in &self.env {
            command.env(k, v);
        }
    }
}

fn fill(text: &str, dir: &Path) -> String {
    text.replace("{dir}", &dir.display().to_string())
}

/// The scripted root model of a row: the program of a `program_error` row,
/// else its replies; subcalls asking SUBCALL-PING get "pong".
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
        "rules": [{"pattern": "SUBCALL-PING", "reply": "pong"}],
        "when_exhausted": {"fixed": "FINAL('done')"},
    })
}

/// A fresh folder for one probe, with the row's script and the fallback program.
fn probe_dir(row: &Row) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("script.json"), script(row).to_string()).unwrap();
    std::fs::write(dir.path().join("fallback.py"), FALLBACK).unwrap();
    // The `replay` row's recording: it holds no exchange.
    std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    std::fs::write(dir.path().join("context.txt"), "a small context for the probes\n").unwrap();
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

/// Errors of the programs a run's trace events record.
fn program_errors(events: &str) -> Vec<String> {
    events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["kind"]["type"] == "program_finished")
        .filter_map(|e| e["kind"]["error"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------- rlm run

struct RunResult {
    output: Output,
    answer: Option<String>,
    /// The errors of its programs (from its trace).
    errors: Vec<String>,
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
    let errors = program_errors(&std::fs::read_to_string(&trace).unwrap_or_default());
    let answer = doc["answer"].as_str().map(str::to_string);
    if with_knob && row.probe == "file" {
        let path = PathBuf::from(fill(&row.value, d));
        assert!(
            path.exists(),
            "rlm run, {} set as {way:?}: {} was not written",
            row.key,
            path.display()
        );
    }
    RunResult { output, answer, errors }
}

// ---------------------------------------------------------------- rlm exec

fn exec_probe(row: &Row, way: Way, with_knob: bool) -> Output {
    let dir = probe_dir(row);
    let d = dir.path();
    let program = row.program.clone().unwrap_or_else(|| "print('a cell')".to_string());
    std::fs::write(d.join("cell.py"), program).unwrap();
    let mut c = rlm(d);
    c.args(["exec", "cell.py", "--reply", "pong"]);
    setting(row, d, way, with_knob).apply(&mut c, d);
    c.output().expect("run rlm exec")
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

/// One scripted execution through the HTTP API: its answer and its programs' errors.
async fn serve_execute(serve: &Serve) -> (Option<String>, Vec<String>) {
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
    (body["final_result"].as_str().map(str::to_string), program_errors(&trace))
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

/// One offline `rlm stress` run with the row's knob.
fn stress_probe(row: &Row, way: Way) -> Output {
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
    setting(row, d, way, true).apply(&mut c, d);
    output_of(c, &format!("rlm stress, {}", row.key))
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

#[test]
fn every_knob_reaches_rlm_mcp_or_is_named_at_start_up() {
    honoured_or_named("mcp", mcp_probe, mcp_ended_with_its_input);
}

#[test]
fn every_knob_reaches_rlm_stress_or_is_named_at_start_up() {
    honoured_or_named("stress", stress_probe, exited_zero);
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
        let complete = match row.probe.as_str() {
            "program_error" => row.program.is_some() && row.expect.is_some(),
            "answer" => !row.replies.is_empty() && row.expect.is_some(),
            "accepted" => row.why.is_some(),
            "file" | "json_logs" => true,
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
            let with = exec_probe(&row, way, true);
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
            match row.probe.as_str() {
                "program_error" => {
                    let expect = row.expect.as_deref().unwrap_or_default();
                    let lower = stderr.to_lowercase();
                    assert!(
                        lower.contains(&expect.to_lowercase()),
                        "{what}: no {expect:?} error: {stderr}"
                    );
                    let without = exec_probe(&row, way, false);
                    let lower = text(&without.stderr).to_lowercase();
                    assert!(
                        !lower.contains(&expect.to_lowercase()),
                        "{what}: the control run fails too: {lower}"
                    );
                    assert_eq!(without.status.code(), Some(0), "{what}: the control run: {lower}");
                }
                _ => assert_eq!(with.status.code(), Some(0), "{what}: {stderr}"),
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
        let mut control: Option<(Option<String>, Vec<String>)> = None;
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
                "program_error" | "answer" => {
                    let (answer, errors) = serve_execute(&serve).await;
                    drop(serve);
                    if control.is_none() {
                        let server =
                            start_serve(row, way, false).expect("the control server starts");
                        control = Some(serve_execute(&server).await);
                    }
                    let (control_answer, control_errors) = control.clone().unwrap_or_default();
                    let expect = row.expect.as_deref().unwrap_or_default();
                    if row.probe == "program_error" {
                        assert!(
                            has_error(&errors, expect),
                            "{what}: no {expect:?} error: {errors:?}"
                        );
                        assert!(
                            !has_error(&control_errors, expect),
                            "{what}: the control fails too: {control_errors:?}"
                        );
                    } else {
                        assert!(
                            answer_matches(&answer, expect),
                            "{what}: answer {answer:?}, expected {expect:?}"
                        );
                        assert!(
                            !answer_matches(&control_answer, expect),
                            "{what}: the control answers {control_answer:?} too"
                        );
                        if let Some(c) = &row.control {
                            assert!(
                                answer_matches(&control_answer, c),
                                "{what}: control answer {control_answer:?}, expected {c:?}"
                            );
                        }
                    }
                }
                "file" => {
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
