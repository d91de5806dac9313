//! Prompt development as a test suite (issue #57), through the `rlm` binary:
//! `rlm run --record` then `--replay` gives the same answer offline, and a
//! changed prompt makes the replay fail with a diff naming the changed
//! message; `rlm test examples/prompt-dev` passes as committed, fails (exit
//! 1, the diff shown) after a one-word change to a prompt (`--prompts-dir`),
//! and passes again after `--accept`; `rlm eval` over the same cases with two
//! prompt profiles writes results.jsonl and report.html holding the figures.
//! Every run is offline: the cases play the bundled scripted demo.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::clean_rlm::rlm;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A copy of examples/prompt-dev and the corpus its cases read, in a fresh
/// folder (the tests write snapshots and recordings).
fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let examples = workspace().join("examples");
    copy_dir(&examples.join("prompt-dev"), &tmp.path().join("prompt-dev"));
    copy_dir(&examples.join("corpus"), &tmp.path().join("corpus"));
    let dir = tmp.path().join("prompt-dev");
    (tmp, dir)
}

/// A prompts folder whose system prompt is the embedded one with one word changed.
fn changed_prompts(root: &Path) -> PathBuf {
    let system = std::fs::read_to_string(workspace().join("prompts/loop/system.md")).unwrap();
    let (before, after) = ("context", "corpus");
    assert!(system.contains(before), "the system prompt no longer says {before:?}");
    let dir = root.join("prompts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("system.md"), system.replacen(before, after, 1)).unwrap();
    dir
}

fn test_cmd(dir: &Path, extra: &[&str]) -> Output {
    let mut c = rlm(dir.parent().unwrap());
    c.arg("test").arg(dir).args(extra);
    c.output().unwrap()
}

#[test]
fn rlm_test_passes_as_committed_fails_on_a_prompt_change_and_passes_after_accept() {
    let (tmp, dir) = example_copy();
    let junit = tmp.path().join("junit.xml");
    let out = test_cmd(&dir, &["--junit", junit.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("5 case(s): 5 passed, 0 failed"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"5\" failures=\"0\""), "{xml}");

    let prompts = changed_prompts(tmp.path());
    let changed = ["--prompts-dir", prompts.to_str().unwrap()];
    let out = test_cmd(&dir, &[&changed[..], &["--junit", junit.to_str().unwrap()]].concat());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("FAILED: replay miss"), "{stdout}");
    assert!(stdout.contains("message 0 (system) changed"), "{stdout}");
    assert!(stdout.contains("+") && stdout.contains("corpus"), "{stdout}");
    assert!(stdout.contains("5 case(s): 0 passed, 5 failed"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"5\"") && xml.contains("<failure"), "{xml}");

    let out = test_cmd(&dir, &[&changed[..], &["--accept"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let out = test_cmd(&dir, &changed);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("5 case(s): 5 passed, 0 failed"), "{stdout}");
    // The recordings now hold the changed prompt: the committed one misses.
    let out = test_cmd(&dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
}

#[test]
fn a_changed_snapshot_fails_with_its_diff_and_writes_a_pending_snapshot() {
    let (_tmp, dir) = example_copy();
    let snap = dir.join("snapshots/most_errors.snap");
    let stored = std::fs::read_to_string(&snap).unwrap();
    std::fs::write(&snap, stored.replace("billing", "payments")).unwrap();
    let out = test_cmd(&dir, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("case most_errors: FAILED: the run differs"), "{stdout}");
    assert!(stdout.contains("-answer: payments") || stdout.contains("payments"), "{stdout}");
    assert!(dir.join("snapshots/most_errors.snap.new").exists());
    let out = test_cmd(&dir, &["--accept"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), stored);
    assert!(!dir.join("snapshots/most_errors.snap.new").exists());
}

#[test]
fn a_case_without_recording_fails_and_one_command_records_and_snapshots_it() {
    let (_tmp, dir) = example_copy();
    std::fs::copy(dir.join("most_errors.toml"), dir.join("again.toml")).unwrap();
    let out = test_cmd(&dir, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("case again: FAILED: no recording"), "{stdout}");
    // One command records the new case and stores its first snapshot.
    let out = test_cmd(&dir, &["--record-missing"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("case again: recorded, new snapshot stored"), "{stdout}");
    assert!(dir.join("again.recording.jsonl").exists());
    assert!(dir.join("snapshots/again.snap").exists());
    assert!(!dir.join("snapshots/again.snap.new").exists());
    let out = test_cmd(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn rlm_test_runs_one_case_by_its_path_or_the_cases_a_pattern_names() {
    let (_tmp, dir) = example_copy();
    let all = test_cmd(&dir, &[]);
    let names: Vec<String> = text(&all.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("case ")?.strip_suffix(": ok").map(str::to_string))
        .collect();
    assert!(names.len() >= 2, "{}", text(&all.stdout));
    let one = &names[0];
    // One case by its task file: only it runs, its snapshot in the folder.
    let mut c = rlm(dir.parent().unwrap());
    let out = c.arg("test").arg(dir.join(format!("{one}.toml"))).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(&format!("case {one}: ok")), "{stdout}");
    assert!(stdout.contains("1 case(s): 1 passed, 0 failed"), "{stdout}");
    // `-k`: the cases whose name contains the pattern.
    let out = test_cmd(&dir, &["-k", one]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&format!("case {one}: ok")), "{stdout}");
    assert!(!stdout.contains(&format!("case {}: ", names[1])), "{stdout}");
    let out = test_cmd(&dir, &["-k", "no-such-case"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("-k no-such-case: no case") && stderr.contains(one), "{stderr}");
}

#[test]
fn rlm_run_records_then_replays_offline_and_a_prompt_change_shows_the_diff() {
    let (tmp, dir) = example_copy();
    let rec = tmp.path().join("run.recording.jsonl");
    let question = "Which service logged the most errors, and what is the vault passphrase?";
    let run = |extra: &[&str]| {
        let mut c = rlm(tmp.path());
        c.args(["run", question, "--context"]).arg(tmp.path().join("corpus"));
        c.args(["--model", "scripted", "--json", "--progress", "never"]).args(extra);
        c.output().unwrap()
    };
    let recorded = run(&["--record", rec.to_str().unwrap()]);
    assert_eq!(recorded.status.code(), Some(0), "{}", text(&recorded.stderr));
    let lines = std::fs::read_to_string(&rec).unwrap();
    assert!(lines.lines().count() >= 3, "root calls and subcalls: {lines}");
    for line in lines.lines() {
        let x: Value = serde_json::from_str(line).unwrap();
        assert!(x["fingerprint"].as_str().is_some_and(|f| f.len() == 32), "{line}");
        assert!(x["request"]["messages"].is_array() && x["response"]["text"].is_string());
    }
    let replayed = run(&["--replay", rec.to_str().unwrap()]);
    assert_eq!(replayed.status.code(), Some(0), "{}", text(&replayed.stderr));
    let answer = |o: &Output| serde_json::from_slice::<Value>(&o.stdout).unwrap()["answer"].clone();
    assert_eq!(answer(&replayed), answer(&recorded));
    assert!(answer(&replayed).as_str().is_some_and(|a| a.contains("amber-falcon-42")));
    // A replay needs no `--model`: the recording names the models it asked.
    let mut c = rlm(tmp.path());
    c.args(["run", question, "--context"]).arg(tmp.path().join("corpus"));
    let bare = c.args(["--json", "--progress", "never", "--replay"]).arg(&rec).output().unwrap();
    assert_eq!(bare.status.code(), Some(0), "{}", text(&bare.stderr));
    assert_eq!(answer(&bare), answer(&recorded));

    let prompts = changed_prompts(tmp.path());
    let mut c = rlm(tmp.path());
    c.args(["run", question, "--context"]).arg(tmp.path().join("corpus"));
    c.args(["--model", "scripted", "--progress", "never", "--replay"]).arg(&rec);
    let out = c.arg("--prompts-dir").arg(&prompts).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("message 0 (system) changed"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with('+') && l.contains("corpus")), "{stderr}");
    let _ = dir;
}

#[test]
fn rlm_eval_compares_two_profiles_in_a_table_jsonl_and_html() {
    let (tmp, dir) = example_copy();
    let out_dir = tmp.path().join("report");
    let mut c = rlm(tmp.path());
    c.arg("eval").arg(&dir).args(["--profile", "full", "--profile", "compact", "--runs", "2"]);
    let out = c.arg("--out").arg(&out_dir).args(["--judge", "fake:fixed:PASS"]).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("profile full") && stdout.contains("profile compact"), "{stdout}");
    let rows: Vec<Value> = std::fs::read_to_string(out_dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5 * 2 * 2);
    for row in &rows {
        assert_eq!(row["passed"], true, "{row}");
        assert_eq!(row["score"], 1.0, "{row}");
        assert_eq!(row["judge"], "PASS", "{row}");
        assert!(
            row["latency_ms"].is_u64() && row["cost_usd"].is_number() && row["tokens"].is_u64()
        );
        let trace = out_dir.join(row["trace"].as_str().unwrap());
        assert!(std::fs::read_to_string(&trace).unwrap().contains("<html"), "{row}");
        assert!(out_dir.join(row["trace_events"].as_str().unwrap()).exists());
    }
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    for needle in ["profile full", "profile compact", "most_errors", "latency_spike", "passed 2/2"]
    {
        assert!(html.contains(needle), "the report lacks {needle:?}");
    }
    assert!(html.contains(&format!("href=\"{}\"", rows[0]["trace"].as_str().unwrap())));
    // The two profiles' answers, side by side: the compact profile answers
    // the passphrase case with the passphrase alone, marked where it differs.
    assert!(html.contains("1 of 5 case(s) differ"), "{html}");
    assert_eq!(html.matches("class=\"differs\"").count(), 1, "{html}");
    assert!(html.contains("<pre>amber-falcon-42</pre>"), "{html}");
    let row = |case: &str| {
        stdout.lines().find(|l| l.starts_with(case) && l.contains("profile compact")).unwrap()
    };
    assert!(row("passphrase").ends_with("differs"), "{stdout}");
    assert!(row("most_errors").ends_with("same"), "{stdout}");
    assert!(!html.contains("<script"), "the report is static");
}

/// One `rlm_ask` over MCP's stdio transport (JSON-RPC lines), with `knob`
/// set at the start of `rlm mcp`; the tool result's text.
fn mcp_ask(dir: &Path, corpus: &Path, knob: &[&str]) -> String {
    use std::io::{BufRead as _, Write as _};
    let mut c = rlm(dir);
    c.args(["mcp", "--model", "scripted", "--allow-path"]).arg(dir).args(knob);
    c.env("XDG_CACHE_HOME", dir.join("cache"));
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = c.stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let messages = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "prompt-dev-test", "version": "1"}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "rlm_ask", "arguments": {
                "question": "Which service logged the most errors, and what is the vault passphrase?",
                "paths": [corpus.display().to_string()]}}}),
    ];
    for m in &messages {
        writeln!(stdin, "{m}").unwrap();
    }
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let result = loop {
        let line = lines.next().expect("rlm mcp ended before answering").unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["id"] == 2 {
            break v;
        }
    };
    drop(stdin);
    let _ = child.wait();
    assert_ne!(result["result"]["isError"], true, "{result}");
    result["result"]["content"][0]["text"].as_str().unwrap_or_default().to_string()
}

#[test]
fn rlm_mcp_records_at_start_and_replays_the_same_answer() {
    let (tmp, _dir) = example_copy();
    let corpus = tmp.path().join("corpus");
    let rec = tmp.path().join("mcp.recording.jsonl");
    let recorded = mcp_ask(tmp.path(), &corpus, &["--record", rec.to_str().unwrap()]);
    assert!(recorded.contains("amber-falcon-42"), "{recorded}");
    assert!(std::fs::read_to_string(&rec).unwrap().lines().count() >= 3);
    let replayed = mcp_ask(tmp.path(), &corpus, &["--replay", rec.to_str().unwrap()]);
    assert_eq!(replayed, recorded);
}

/// Two real runs of the 1.5B model (`../shared/tools/local-llm`, 2026-11-29),
/// one ended by its time budget (it closed early: "98.7 s left, and a reply
/// takes about 101.1 s", then its closing call was cut at 200 s) and one by
/// its step budget, replay offline to the same end (issue #81): the replay's
/// clock moves to each recorded exchange's time, the values decided by are
/// the recorded ones, and a cut call never answers. `recorded` is what the
/// live runs printed with `--json`.
#[test]
fn real_runs_ended_by_their_time_and_step_budgets_replay_to_the_same_end() {
    let dir = workspace();
    let question = "How many ERROR lines did each service log? List every service with its count.";
    let recorded = [
        (
            "time-budget",
            "--timeout-secs",
            "200",
            "best_effort",
            "the time budget is nearly spent: 98.7 s left, and a reply takes about 101.1 s",
            1,
            3,
        ),
        ("step-budget", "--max-steps", "2", "finalized", "the steps budget is spent", 2, 0),
    ];
    for (name, flag, value, finish, reason, steps, exit) in recorded {
        let recording =
            format!("examples/prompt-dev/real-model/by-the-clock/{name}.recording.jsonl");
        let out = rlm(&dir)
            .args([
                "run",
                question,
                "--context",
                "examples/corpus",
                flag,
                value,
                "--replay",
                &recording,
                "--json",
            ])
            .env("LLAMACPP_BASE_URL", "http://127.0.0.1:9/v1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(exit), "{name}: {}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["finish"], finish, "{name}: {json}");
        assert_eq!(json["finish_reason"], reason, "{name}");
        assert_eq!(json["steps"], steps, "{name}");
    }
}

/// `rlm run ARGS` started in `cwd`, its stderr and trace in `logs`; Ctrl-C
/// (SIGINT) once its second root call is under way (the JSON log says so);
/// returns its exit code, its `--json` and its trace's event types.
fn interrupted_at_the_second_call(
    cwd: &Path,
    logs: &Path,
    name: &str,
    args: &[&str],
) -> (i32, Value, Vec<String>) {
    let err = logs.join(format!("{name}.err"));
    let trace = logs.join(format!("{name}.trace.jsonl"));
    // No model server answers there: a replay's every request must come
    // from its recording.
    let mut child = rlm(cwd)
        .env("LLAMACPP_BASE_URL", "http://127.0.0.1:9/v1")
        .arg("run")
        .args(args)
        .args(["--json", "--log-format", "json", "--trace"])
        .arg(&trace)
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    // A deadline for a stuck child, not a measure: the call waits 30 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let second_call = |log: &str| {
        log.lines()
            .any(|l| l.contains("\"event\":\"model_call_started\"") && l.contains("\"step\":2,"))
    };
    while !second_call(&std::fs::read_to_string(&err).unwrap_or_default()) {
        assert!(std::time::Instant::now() < deadline, "{name}: no second call");
        assert!(child.try_wait().unwrap().is_none(), "{name} ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Then a second with no new event: the call in flight is the one to
    // cut (a replay answers the calls before it at once, and waits there).
    let mut seen = 0;
    loop {
        let len = std::fs::metadata(&err).map_or(0, |m| m.len());
        if len == seen {
            break;
        }
        seen = len;
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", std::fs::read_to_string(&err).unwrap()));
    let events = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]["type"].as_str().unwrap().to_string()
        })
        .collect();
    (out.status.code().unwrap_or(-1), json, events)
}

/// A run cancelled by Ctrl-C ends as `cancelled` (exit 130) with its trace,
/// and its recording holds the call it cut: the replay, with no model,
/// takes the same steps and waits at that call until the same Ctrl-C, and
/// ends the same.
#[test]
fn a_run_cancelled_by_ctrl_c_replays_to_the_same_cut_and_the_same_end() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("slow.toml");
    std::fs::write(
        &script,
        "model = \"scripted\"\n[[replies]]\ntext = \"```repl\\nprint(len(context))\\n```\"\n\
         [[replies]]\ntext = \"FINAL('too late')\"\ndelay_ms = 30000\n",
    )
    .unwrap();
    let recording = tmp.path().join("cancelled.recording.jsonl");
    let (rec, script, recording) =
        (recording.to_str().unwrap(), script.to_str().unwrap(), recording.clone());
    let corpus = workspace().join("examples/corpus");
    let question = ["How long is it?", "--context", corpus.to_str().unwrap()];
    let live_args = [&question[..], &["--model", "scripted", "--script", script, "--record", rec]];
    let (code, live, live_events) =
        interrupted_at_the_second_call(tmp.path(), tmp.path(), "live", &live_args.concat());
    assert_eq!(code, 130, "{live}");
    assert_eq!(live["finish"], "cancelled");
    assert_eq!(live["answer"], Value::Null);
    let lines: Vec<Value> = std::fs::read_to_string(&recording)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "the answered call and the cut one");
    assert_eq!(lines[1]["cut"], true, "{}", lines[1]);

    let replay_args = [&question[..], &["--replay", rec]].concat();
    let (code, replayed, replayed_events) =
        interrupted_at_the_second_call(tmp.path(), tmp.path(), "replayed", &replay_args);
    assert_eq!(code, 130, "{replayed}");
    for field in ["finish", "answer", "candidate", "steps", "model"] {
        assert_eq!(replayed[field], live[field], "{field}");
    }
    assert_eq!(replayed_events, live_events);
}

/// The live run's `--json` as `record.sh` kept it beside its recording.
fn recorded_json(name: &str) -> Value {
    let path = workspace().join(format!("examples/prompt-dev/real-model/endings/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The fields a replay must give back as the live run gave them.
const SAME_FIELDS: [&str; 6] = ["finish", "finish_reason", "answer", "candidate", "steps", "model"];

/// Two real 1.5B runs (`examples/prompt-dev/real-model/endings/record.sh`):
/// one whose answers never matched its output schema, one cancelled by
/// Ctrl-C during its second root call. Each replays with the model server
/// stopped (port 9 answers nothing) to the same `--json` as the live run
/// and the same exit code; the cancelled one waits at its cut call until
/// the same Ctrl-C.
#[test]
fn real_runs_that_failed_their_schema_or_were_cancelled_replay_to_the_same_end() {
    let dir = workspace();
    let endings = "examples/prompt-dev/real-model/endings";
    let out = rlm(&dir)
        .args(["run", "Which service logged the most ERROR lines, and how many?"])
        .args(["--context", "examples/corpus", "--max-steps", "3", "--output-schema"])
        .arg(format!("{endings}/impossible.schema.json"))
        .arg("--replay")
        .arg(format!("{endings}/schema-failed.recording.jsonl"))
        .arg("--json")
        .env("LLAMACPP_BASE_URL", "http://127.0.0.1:9/v1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let live = recorded_json("schema-failed");
    assert_eq!(live["finish"], "schema_failed", "{live}");
    for field in SAME_FIELDS {
        assert_eq!(replayed[field], live[field], "schema-failed: {field}");
    }

    let logs = tempfile::tempdir().unwrap();
    let recording = format!("{endings}/cancelled.recording.jsonl");
    let args = [
        "How many ERROR lines did each service log?",
        "--context",
        "examples/corpus",
        "--replay",
        &recording,
    ];
    let (code, replayed, _) = interrupted_at_the_second_call(&dir, logs.path(), "cancelled", &args);
    assert_eq!(code, 130, "{replayed}");
    let live = recorded_json("cancelled");
    assert_eq!(live["finish"], "cancelled", "{live}");
    for field in SAME_FIELDS {
        assert_eq!(replayed[field], live[field], "cancelled: {field}");
    }
}
