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
//! ([`receiver`]), each probe under a path of its own. The server probes
//! ([`SERVER_PROBES`]: a listener's connections, the job queue, event
//! streams, a client that leaves, sandbox processes, the blob sweep) are
//! each run by a file of their own against the server front ends.
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

mod blob_sweep;
mod connections;
mod disconnect;
mod event_streams;
mod exec;
mod mcp;
mod mock_service;
mod otlp;
mod provider;
mod queue;
mod redis;
mod run;
mod sandbox_processes;
mod serve;
mod stress;
mod worker;

use mock_service::*;
use otlp::*;
use provider::*;
use redis::*;

const TABLE: &str = include_str!("../../rlm-config/knob_table.toml");
/// The probes each front end's own test runs with the row's script.
const SCRIPTED_PROBES: [&str; 7] =
    ["program_error", "answer", "file", "prompt", "otlp", "redis", "provider"];
/// The probes of a server's own behaviour, each run by a file of its own:
/// `connection` (connections.rs), `queue` (queue.rs), `streams`
/// (event_streams.rs), `disconnect` (disconnect.rs), `processes`
/// (sandbox_processes.rs), `blob_sweep` (blob_sweep.rs).
const SERVER_PROBES: [&str; 6] =
    ["connection", "queue", "streams", "disconnect", "processes", "blob_sweep"];
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
    /// Knobs set only with the knob: those it is refused without.
    #[serde(default)]
    paired: BTreeMap<String, String>,
    /// Environment variables of both runs (a provider's address).
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// `rlm exec`'s own probe of the knob (`[knob.exec]`), where the row's does not fit it.
    #[serde(default)]
    exec: Option<OwnProbe>,
    /// `rlm stress`'s own probe of the knob (`[knob.stress]`): a value, an
    /// expectation, other knobs or arguments that bite its generated task.
    #[serde(default)]
    stress: Option<OwnProbe>,
    /// The arguments of a front end's own probe (`[knob.stress]`'s `args`).
    #[serde(skip)]
    args: Vec<String>,
}

/// A front end's own probe of a row: each field given replaces the row's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnProbe {
    #[serde(default)]
    probe: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    program: Option<String>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    control: Option<String>,
    #[serde(default)]
    also: Option<BTreeMap<String, String>>,
    /// `rlm stress`'s arguments in place of the probe's scenario (one
    /// baseline run, no latency, a context of 2000 bytes).
    #[serde(default)]
    args: Vec<String>,
}

impl Row {
    fn honoured_by(&self, front_end: &str) -> bool {
        self.honoured.iter().any(|f| f == front_end)
    }

    /// The row as `front_end` probes it: its own probe's fields (`[knob.exec]`,
    /// `[knob.stress]`) in place of the row's.
    fn on(&self, front_end: &str) -> Row {
        let mut row = self.clone();
        let own = match front_end {
            "exec" => self.exec.clone(),
            "stress" => self.stress.clone(),
            _ => None,
        };
        if let Some(own) = own {
            row.probe = own.probe.unwrap_or(row.probe);
            row.value = own.value.unwrap_or(row.value);
            row.program = own.program.or(row.program);
            row.expect = own.expect.or(row.expect);
            row.control = own.control.or(row.control);
            row.also = own.also.unwrap_or(row.also);
            row.args = own.args;
        }
        row
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
    /// The knobs it sets.
    keys: Vec<String>,
}

impl Setting {
    fn set(&mut self, key: &str, value: &str, way: Way) {
        let k = knob_of(key);
        self.keys.push(key.to_string());
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

    /// Applies it to `command` as [`Setting::apply`] does, the model being
    /// the scripted one unless it sets the model (`RLM_MODEL` would beat
    /// its rlm.toml).
    fn apply_to_a_scripted_run(&self, command: &mut Command, dir: &Path) {
        if !self.keys.iter().any(|k| k == "model") {
            command.env("RLM_MODEL", "scripted");
        }
        self.apply(command, dir);
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
/// `{rlm}` the `rlm` binary, `{nats}` the machine's NATS (a `queue` probe
/// puts its private NATS there first).
fn fill(text: &str, dir: &Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    text.replace("{dir}", &dir.display().to_string())
        .replace("{nats}", cluster_env::SHARED_NATS)
        .replace("{rlm}", env!("CARGO_BIN_EXE_rlm"))
        .replace("{probe}", &name)
        .replace("{otlp}", &otlp_endpoint(dir))
        .replace("{provider}", &provider_url(dir))
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

/// The settings of a probe: the row's `also` knobs and `env` always, the
/// knob itself and its `paired` knobs when `with_knob`.
fn setting(row: &Row, dir: &Path, way: Way, with_knob: bool) -> Setting {
    let mut s = Setting::default();
    let paired = row.paired.iter().filter(|_| with_knob);
    for (k, v) in row.also.iter().chain(paired) {
        s.set(k, &fill(v, dir), way);
    }
    if with_knob {
        s.set(&row.key, &fill(&row.value, dir), way);
    }
    for (k, v) in &row.env {
        s.env.push((k.clone(), fill(v, dir)));
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
    /// The requests the test's model provider was sent ([`provider_requests`]).
    provider: Vec<String>,
}

/// A `file` row's probe: the knob's path, in the probe's folder `dir`, exists.
fn assert_file_written(what: &str, row: &Row, dir: &Path) {
    let path = PathBuf::from(fill(&row.value, dir));
    assert!(path.exists(), "{what}: {} was not written", path.display());
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
        "provider" => {
            let sent = |o: &Observed| o.provider.iter().any(|r| r.contains(expect));
            assert!(
                sent(with),
                "{what}: no request to the provider holds {expect:?}: {:?}",
                with.provider
            );
            let control = &without.provider;
            assert!(control.is_empty(), "{what}: the control run sent the provider {control:?}");
        }
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

// ---------------------------------------------------------------- the count

/// The honoured cells whose effect this test (and rlm-py's, for python)
/// observes: it may only grow (issue #83).
const MIN_OBSERVED: usize = 339;

/// Whether the probes observe the effect of `row`'s knob on `front_end`
/// (its effect with the knob, none without), rather than only that it
/// starts and runs without naming it. rlm run observes every effect probe;
/// the exec, mcp and stress tests check what this says; python's cells are
/// rlm-py's tests/test_knob_table.py's.
fn effect_observed(row: &Row, front_end: &str) -> bool {
    let on = row.on(front_end);
    let p = on.probe.as_str();
    row.honoured_by(front_end)
        && !row.unobserved.contains_key(front_end)
        && match front_end {
            "run" => p != "accepted",
            // The row's program as a cell; an answer or a prompt through a
            // cell's rlm_query, whose run the scripted model plays.
            "exec" => {
                matches!(p, "program_error" | "answer" | "prompt" | "file" | "otlp" | "provider")
            }
            "serve-api" | "serve-worker" | "mcp" => {
                SCRIPTED_PROBES.contains(&p) || SERVER_PROBES.contains(&p)
            }
            "python" => {
                matches!(p, "program_error" | "answer" | "prompt" | "file" | "otlp" | "provider")
            }
            // Its generated tasks, not the row's script (`[knob.stress]`
            // says what bites them), seen in its report and spans.
            "stress" => {
                matches!(p, "program_error" | "answer" | "prompt" | "file" | "otlp" | "provider")
            }
            _ => false,
        }
}

/// The cells of `probe`'s rows on `front_ends` whose effect is observed,
/// each with the way its knob is set (rotated over the cells); none fails
/// the test (it would check nothing).
fn observed_cells<'a>(
    rows: &'a [Row],
    probe: &str,
    front_ends: &[&'a str],
) -> Vec<(&'a Row, &'a str, Way)> {
    let cells: Vec<(&Row, &str, Way)> = rows
        .iter()
        .filter(|r| r.probe == probe)
        .flat_map(|r| front_ends.iter().map(move |f| (r, *f)))
        .filter(|(r, f)| effect_observed(r, f))
        .enumerate()
        .map(|(i, (r, f))| (r, f, WAYS[i % 3]))
        .collect();
    assert!(!cells.is_empty(), "no {probe} row to probe");
    cells
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
            "exec/repl run the probe's cell: no answer, error, prompt, file, span or provider request to compare"
        }
        "python" => {
            "rlm-py's tests/test_knob_table.py compares answers, programs' errors, root prompts, \
             files written, exported spans and requests to its provider only"
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
        assert!(row.exec.is_none() || row.honoured_by("exec"), "{}: [knob.exec] unused", row.key);
        assert!(
            row.stress.is_none() || row.honoured_by("stress"),
            "{}: [knob.stress] unused",
            row.key
        );
        for f in FRONT_ENDS {
            assert_complete(&row.on(f));
        }
    }
}

/// A row (as one front end probes it) has the fields its probe needs.
fn assert_complete(row: &Row) {
    let complete = match row.probe.as_str() {
        "program_error" => row.program.is_some() && row.expect.is_some(),
        // The root model plays `replies`, or is the row's own `model`.
        "answer" => {
            (!row.replies.is_empty() || row.also.contains_key("model")) && row.expect.is_some()
        }
        "prompt" => row.expect.is_some(),
        "redis" => row.program.is_some() && row.expect.is_some(),
        "provider" => row.expect.is_some(),
        "connection" | "queue" | "processes" => row.expect.is_some(),
        "streams" => row.program.is_some() && row.expect.is_some(),
        "disconnect" => row.program.is_some() && row.expect.is_some() && row.control.is_some(),
        "blob_sweep" => true,
        "accepted" => row.why.is_some(),
        "file" | "json_logs" | "otlp" => true,
        other => panic!("{}: unknown probe {other}", row.key),
    };
    assert!(complete, "{}: the {} probe lacks its fields", row.key, row.probe);
}
