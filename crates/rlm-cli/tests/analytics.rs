//! The production layer through the built binary: `rlm run --task` (criteria
//! fed back, the result saying which passed; the context breakdown checked
//! against the trace), `rlm stats` over a folder of traces (against figures
//! computed by hand below), and `rlm stress` running every scenario against
//! the scripted model (outcomes and counts, never timings).

use assert_cmd::Command;
use rlm_trace::*;
use rlm_types::Usage;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    for v in [
        "RLM_MODEL",
        "RLM_SUB_MODEL",
        "RLM_FAKE_SCRIPT",
        "RLM_CONFIG",
        "RLM_TRACE",
        "RLM_MAX_STEPS",
    ] {
        c.env_remove(v);
    }
    c
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_task_whose_first_final_fails_a_criterion_and_the_second_passes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "Apollo 11 landed on the Moon in July 1969.\n")
        .unwrap();
    std::fs::write(
        dir.path().join("script.toml"),
        r#"model = "scripted-task"
[[replies]]
text = "```repl\nFINAL('It landed in the sixties.')\n```"
[[replies]]
text = "```repl\nFINAL(f'It landed in {context[32:41]}.')\n```"
"#,
    )
    .unwrap();
    let task = dir.path().join("task.toml");
    std::fs::write(
        &task,
        r#"question = "When did Apollo 11 land?"
context = ["notes.txt"]
model = "scripted"
[budget]
max_steps = 5
[criteria]
contains = ["1969"]
regex = ['(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}']
max_chars = 80
"#,
    )
    .unwrap();
    let trace = dir.path().join("run.jsonl");
    let out = rlm()
        .args(["run", "--json", "--task"])
        .arg(&task)
        .arg("--script")
        .arg(dir.path().join("script.toml"))
        .arg("--trace")
        .arg(&trace)
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["answer"], "It landed in July 1969.");
    assert_eq!(doc["steps"], 2);
    assert_eq!(doc["criteria"]["passed"], true);
    let names: Vec<&str> = doc["criteria"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    assert_eq!(names[0], "contains \"1969\"");
    assert_eq!(names[2], "max_chars 80");

    // The breakdown is the trace's own figures.
    let events = read_jsonl(std::io::BufReader::new(std::fs::File::open(&trace).unwrap())).unwrap();
    let (mut root_prompt, mut root_completion) = (0u64, 0u64);
    let mut context_chars = 0u64;
    let mut query = String::new();
    for e in &events {
        match &e.kind {
            EventKind::ModelCallFinished(c) => {
                root_prompt += c.usage.prompt_tokens;
                root_completion += c.usage.completion_tokens;
            }
            EventKind::RunStarted(r) if e.parent_span_id.is_none() => {
                context_chars = r.context_chars;
                query = r.query.clone();
            }
            _ => {}
        }
    }
    let b = &doc["context_breakdown"];
    assert!(root_prompt > 0);
    assert_eq!(b["root_prompt_tokens"], root_prompt);
    assert_eq!(b["root_completion_tokens"], root_completion);
    assert_eq!(b["subcall_prompt_tokens"], 0);
    assert_eq!(b["inline_tokens"], root_prompt + root_completion);
    assert_eq!(context_chars, 43);
    assert_eq!(b["symbolic_tokens"], 11); // 43 chars at 4 a token, rounded up
    assert_eq!(b["direct_prompt_tokens"], (43 + query.chars().count() as u64).div_ceil(4));
    assert_eq!(b["direct_completion_tokens"], ("It landed in July 1969.".len() as u64).div_ceil(4));
    // `rlm trace show` prints the same figures.
    let shown = rlm().args(["trace", "show", "--color", "never"]).arg(&trace).output().unwrap();
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains(&format!(
            "context breakdown: {} tokens inline",
            root_prompt + root_completion
        )),
        "{text}"
    );
    assert!(text.contains("11 tokens held symbolically"), "{text}");
}

#[test]
fn a_task_whose_answer_fails_its_criteria_exits_6() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "Apollo 11 landed on the Moon in July 1969.\n")
        .unwrap();
    // Every FINAL misses the year: the first is refused by the criteria and
    // uses the one step; the finalize-now call's FINAL is the run's answer.
    // The program prints the notes and computes its FINAL from them, and the
    // closing reply states nothing they lack: both rest on evidence (#78).
    std::fs::write(
        dir.path().join("script.toml"),
        r#"model = "scripted-task"
[[replies]]
text = "```repl\nprint(context)\nFINAL(context.split(' in July')[0] + ' in the sixties.')\n```"
[[replies]]
text = "FINAL('It landed in the sixties, I said.')"
"#,
    )
    .unwrap();
    let task = dir.path().join("task.toml");
    std::fs::write(
        &task,
        r#"question = "When did Apollo 11 land?"
context = ["notes.txt"]
model = "scripted"
[budget]
max_steps = 1
[criteria]
contains = ["1969"]
"#,
    )
    .unwrap();
    for json in [false, true] {
        let mut cmd = rlm();
        cmd.args(["run", "--task"]).arg(&task).arg("--script").arg(dir.path().join("script.toml"));
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "json: {json}; stderr: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("sixties"), "the answer is still printed: {stdout}");
        if json {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(doc["criteria"]["passed"], false);
        } else {
            assert!(stderr.contains("criteria: 0 of 1 passed"), "{stderr}");
        }
    }
}

#[test]
fn a_task_file_with_a_bad_criterion_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let task = dir.path().join("task.json");
    std::fs::write(&task, r#"{"question": "q", "criteria": {"regex": ["("]}}"#).unwrap();
    let out = rlm().args(["run", "--model", "scripted", "--task"]).arg(&task).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not compile"));
}

/// One run's trace: root calls (latency, prompt, completion, cost), subcalls
/// (latency, prompt, completion, cost, cached), retries, outcome, hard stop.
struct Run {
    root_calls: Vec<(u64, u64, u64, f64)>,
    subcalls: Vec<(u64, u64, u64, f64, bool)>,
    retries: Vec<&'static str>,
    outcome: SpanOutcome,
    hard_stop: bool,
}

fn write_trace(run: &Run, path: &std::path::Path) {
    let rec = TraceRecorder::new();
    let span = rec.start_run(
        None,
        RunStarted { query: "q".into(), model: "p:root".into(), ..Default::default() },
    );
    let finished = |latency_ms, prompt, completion, cost_usd, cached| CallFinished {
        outcome: SpanOutcome::Ok,
        response_preview: String::new(),
        usage: Usage { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0 },
        cost_usd,
        latency_ms,
        cached,
        deduped: false,
        error: None,
    };
    for (i, (latency, p, c, cost)) in run.root_calls.iter().enumerate() {
        let call = rec.start_model_call(
            span,
            ModelCallStarted { model: "p:root".into(), iteration: i as u32, ..Default::default() },
        );
        for reason in &run.retries {
            rec.retry(call, Retry { attempt: 1, reason: (*reason).into(), delay_ms: 1 });
        }
        rec.finish_model_call(call, finished(*latency, *p, *c, *cost, false));
    }
    let program = rec.start_program(span, ProgramStarted { iteration: 1, code: "x".into() });
    for (latency, p, c, cost, cached) in &run.subcalls {
        let call = rec
            .start_subcall(program, SubcallStarted { model: "p:sub".into(), ..Default::default() });
        rec.finish_subcall(call, finished(*latency, *p, *c, *cost, *cached));
    }
    rec.finish_program(
        program,
        ProgramFinished {
            outcome: SpanOutcome::Ok,
            stdout: String::new(),
            error: None,
            fuel_used: 1,
            memory_bytes: 1,
            duration_ms: 1,
        },
    );
    if run.hard_stop {
        rec.budget(
            span,
            BudgetEvent {
                level: BudgetLevel::HardStop,
                budget: "tokens".into(),
                used: 2.0,
                limit: 1.0,
                message: "out".into(),
            },
        );
    }
    rec.finish_run(
        span,
        RunFinished {
            outcome: run.outcome,
            iterations: 1,
            usage: Usage::default(),
            cost_usd: 0.0,
            duration_ms: 500,
        },
    );
    let mut file = std::fs::File::create(path).unwrap();
    write_jsonl(&rec.events(), &mut file).unwrap();
}

#[test]
fn stats_over_a_folder_of_traces_match_figures_computed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("day2")).unwrap();
    write_trace(
        &Run {
            root_calls: vec![(100, 10, 5, 0.001)],
            subcalls: vec![(40, 4, 1, 0.0001, false), (0, 0, 0, 0.0, true)],
            retries: vec!["rate_limited"],
            outcome: SpanOutcome::Ok,
            hard_stop: false,
        },
        &dir.path().join("a.jsonl"),
    );
    write_trace(
        &Run {
            root_calls: vec![(300, 20, 10, 0.002)],
            subcalls: vec![],
            retries: vec!["rate_limited", "rate_limited", "http_503"],
            outcome: SpanOutcome::BudgetExceeded,
            hard_stop: true,
        },
        &dir.path().join("day2/b.jsonl"),
    );
    write_trace(
        &Run {
            root_calls: vec![(200, 30, 15, 0.003)],
            subcalls: vec![(60, 6, 2, 0.0002, false)],
            retries: vec![],
            outcome: SpanOutcome::Ok,
            hard_stop: false,
        },
        &dir.path().join("day2/c.jsonl"),
    );
    std::fs::write(dir.path().join("README.md"), "not a trace, not read").unwrap();
    let doc = json(&rlm().args(["stats", "--json"]).arg(dir.path()).output().unwrap());
    assert_eq!(doc["runs"], 3);
    assert_eq!(doc["outcomes"], serde_json::json!({"ok": 2, "budget_exceeded": 1}));
    // Root latencies 100, 300, 200: nearest rank p50 = 200, p95 = p99 = 300.
    let root = &doc["latency"]["model_call"]["p:root"];
    assert_eq!(
        (root["count"].as_u64(), root["p50_ms"].as_u64(), root["p95_ms"].as_u64()),
        (Some(3), Some(200), Some(300))
    );
    // Subcalls 40 and 60 (the cached one does not count): p50 = 40, p99 = 60.
    let sub = &doc["latency"]["subcall"]["p:sub"];
    assert_eq!(
        (sub["count"].as_u64(), sub["p50_ms"].as_u64(), sub["p99_ms"].as_u64()),
        (Some(2), Some(40), Some(60))
    );
    assert_eq!(doc["models"]["p:root"]["usage"]["prompt_tokens"], 60);
    assert_eq!(doc["models"]["p:root"]["usage"]["completion_tokens"], 30);
    assert!((doc["models"]["p:root"]["cost_usd"].as_f64().unwrap() - 0.006).abs() < 1e-12);
    assert_eq!(doc["models"]["p:sub"]["usage"]["prompt_tokens"], 10);
    assert_eq!(doc["models"]["p:sub"]["cached_calls"], 1);
    assert!((doc["cost_usd"].as_f64().unwrap() - 0.0063).abs() < 1e-12);
    assert_eq!(doc["retries_by_reason"], serde_json::json!({"rate_limited": 3, "http_503": 1}));
    // Three finished subcalls, one from the cache.
    assert_eq!(doc["cache"]["calls"], 3);
    assert!((doc["cache"]["hit_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(doc["budget_exhausted_runs"], 1);
    let storms = &doc["retry_storms"];
    assert_eq!(storms["storm_runs"], 1);
    assert_eq!(storms["storm_runs_exhausted"], 1);
    assert_eq!(storms["calm_runs"], 2);
    assert_eq!(storms["calm_runs_exhausted"], 0);
    // Retries per run 1, 3, 0 against exhausted 0, 1, 0: r = 5 / sqrt(28).
    assert!((storms["correlation"].as_f64().unwrap() - 5.0 / 28f64.sqrt()).abs() < 1e-9);

    let prom = rlm().args(["stats", "--prometheus"]).arg(dir.path()).output().unwrap();
    let prom = String::from_utf8_lossy(&prom.stdout);
    assert!(prom.contains("rlm_runs_total{outcome=\"ok\"} 2"), "{prom}");
    assert!(prom.contains("rlm_retries_total{reason=\"rate_limited\"} 3"), "{prom}");
    assert!(
        prom.contains(
            "rlm_call_latency_seconds{kind=\"model_call\",model=\"p:root\",quantile=\"0.5\"} 0.2"
        ),
        "{prom}"
    );
    let table = rlm().arg("stats").arg(dir.path()).output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("runs: 3"), "{table}");
    assert!(table.contains("outcomes: budget_exceeded 1, ok 2"), "{table}");
}

#[test]
fn stress_runs_every_scenario_against_the_scripted_model() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = rlm()
        .args([
            "stress",
            "--runs",
            "3",
            "--latency-scale",
            "0.001",
            "--context-bytes",
            "8000",
            "--json",
        ])
        .args(["--mix", "name=all_429,runs=2,rate_limit=1.0"])
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["scripted"], true);
    let scenarios = doc["scenarios"].as_array().unwrap();
    let names: Vec<&str> = scenarios.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["baseline", "rate_limit_50", "latency_2_5s", "burst_10", "chaos", "all_429"]
    );
    let by_name = |n: &str| scenarios.iter().find(|s| s["name"] == n).unwrap();
    for s in scenarios {
        let runs = s["runs"].as_u64().unwrap();
        let total: u64 =
            s["outcomes"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(total, runs, "{}", s["name"]);
        assert_eq!(s["stats"]["runs"], runs);
        assert_eq!(s["latency"]["count"], runs);
    }
    assert_eq!(by_name("burst_10")["runs"], 10);
    assert_eq!(by_name("burst_10")["concurrency"], 10);
    // No faults: every run answers correctly, nothing is retried or injected.
    for name in ["baseline", "burst_10"] {
        let s = by_name(name);
        assert_eq!(s["outcomes"]["correct"], s["runs"], "{name}");
        assert_eq!(s["retries"], 0, "{name}");
        assert_eq!(s["faults"]["injected"], serde_json::json!({}), "{name}");
    }
    // Latency is not a failure: every call is delayed, every run still correct.
    let latency = by_name("latency_2_5s");
    assert_eq!(latency["outcomes"]["correct"], 3);
    assert_eq!(latency["faults"]["injected"]["latency"], latency["faults"]["attempts"]);
    // Half the attempts get a 429: they are injected and retried, and the
    // retries the traces record are the 429s that were retried.
    let limited = by_name("rate_limit_50");
    assert!(limited["faults"]["injected"]["rate_limit"].as_u64().unwrap() > 0);
    assert!(limited["retries"].as_u64().unwrap() > 0);
    assert!(limited["stats"]["retries_by_reason"]["rate_limited"].as_u64().unwrap() > 0);
    // Every attempt a 429: no root call gets through, every run is a model error.
    let all = by_name("all_429");
    assert_eq!(all["outcomes"]["model_error"], 2);
    assert_eq!(all["faults"]["passed_through"], 0);
    // Four attempts (one call and three retries) per run, all 429s.
    assert_eq!(all["faults"]["attempts"], 8);
    assert_eq!(all["stats"]["retries_by_reason"]["rate_limited"], 6);

    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert_eq!(html.matches("<svg xmlns").count(), 3);
    // Self-contained: no script, nothing loaded from anywhere.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("all_429"));
}
