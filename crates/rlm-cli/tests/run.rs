//! `rlm run` through the built binary: the offline scripted demo over a
//! folder, `--json`, `--trace` (then `trace show`), stdin and globs, and the
//! exit codes of runs that end without an answer.

use assert_cmd::Command;

fn rlm() -> Command {
    let mut c = Command::cargo_bin("rlm").unwrap();
    // The user's environment must not leak into the tests: every `RLM_*`
    // variable is a setting.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RLM_") {
            c.env_remove(name);
        }
    }
    c
}

fn corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus")
}

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";
const ANSWER: &str = "billing logged the most errors (50); the vault passphrase is amber-falcon-42";

#[test]
fn scripted_demo_over_a_folder() {
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--context"])
        .arg(corpus())
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{ANSWER}\n"));
    // Piped: stderr stays quiet.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn progress_always_labels_the_script_honestly() {
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--progress", "always", "--context"])
        .arg(corpus())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("offline scripted demo: a script, not an LLM"), "{err}");
    assert!(err.contains("step 2: model replied") && err.contains("subcalls done: 6"), "{err}");
    assert!(err.contains("FINAL: billing"), "{err}");
}

#[test]
fn json_output_and_trace_file() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.json");
    let out = rlm()
        .args(["run", QUESTION, "--model", "scripted", "--json", "--trace"])
        .arg(&trace)
        .arg("--context")
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["answer"], ANSWER);
    assert_eq!(doc["finish"], "prose_final");
    assert_eq!(doc["mode"], "rlm");
    assert_eq!(doc["steps"], 3);
    assert_eq!(doc["scripted"], true);
    assert_eq!(
        doc["model"], "scripted:scripted-demo",
        "the scripted model by the name users know, not the adapters' internal `fake`"
    );
    assert_eq!(doc["usage"]["subcalls"], 6);
    assert!(doc["usage"]["total_tokens"].as_u64().unwrap() > 0);
    assert!(doc["cost_usd"].is_number());
    assert_eq!(doc["trace"], trace.display().to_string());
    let shown = rlm().args(["trace", "show"]).arg(&trace).output().unwrap();
    assert_eq!(shown.status.code(), Some(0));
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("6 subcalls") && text.contains("amber-falcon-42"), "{text}");
    let html = rlm().args(["trace", "html"]).arg(&trace).output().unwrap();
    assert!(String::from_utf8_lossy(&html.stdout).contains("amber-falcon-42"));
}

#[test]
fn stdin_and_glob_contexts() {
    let script = tempfile::NamedTempFile::with_suffix(".toml").unwrap();
    std::fs::write(
        script.path(),
        "[[replies]]\ntext = \"```repl\\nprint(ctx.num_documents(), len(context))\\nFINAL(str(ctx.num_documents()) + ' ' + str(len(context)))\\n```\"\n",
    )
    .unwrap();
    let out = rlm()
        .args(["run", "how big?", "--model", "scripted", "--script"])
        .arg(script.path())
        .write_stdin("hello from stdin")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1 16\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pattern = format!("{}/*.md", corpus().display());
    let out = rlm()
        .args(["run", "how big?", "--model", "scripted", "--script"])
        .arg(script.path())
        .args(["--context", &pattern])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("2 "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Several sources keep every document: the glob's two files and the log.
    let out = rlm()
        .args(["run", "how big?", "--model", "scripted", "--script"])
        .arg(script.path())
        .args(["--context", &pattern, "--context"])
        .arg(corpus().join("service_logs.txt"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("3 "), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn budget_exhausted_without_answer_exits_3() {
    // A model that only explores, and answers the finalize prompt with code: no answer.
    let script = tempfile::NamedTempFile::with_suffix(".toml").unwrap();
    std::fs::write(
        script.path(),
        "when_exhausted = \"repeat_last\"\n[[replies]]\ntext = \"```repl\\nprint(1)\\n```\"\n",
    )
    .unwrap();
    let out = rlm()
        .args(["run", "q", "--model", "scripted", "--max-steps", "2", "--script"])
        .arg(script.path())
        .arg("--context")
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: no answer after 2 step(s)"), "{err}");
    assert!(out.stdout.is_empty());
}

/// A root call at a server that accepts the connection and never answers
/// ends when the run's wall-time budget does (`--timeout-secs`), not when the
/// server or the adapter's own timeout gives up: the deadline cancels the
/// call in flight.
#[test]
fn the_run_deadline_cancels_a_root_call_that_never_returns() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn); // read nothing, answer nothing, keep it open
        }
    });
    let out = rlm()
        .args(["run", "q", "--model", "openai:never-answers", "--timeout-secs", "1", "--json"])
        .arg("--context")
        .arg(corpus())
        .env("OPENAI_BASE_URL", format!("http://{addr}/v1"))
        .env("OPENAI_API_KEY", "sk-test-not-real")
        // A guard against a hang, not a timing assertion: without the deadline
        // the call would wait for the adapter's own timeout (minutes).
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(3), "{doc}");
    assert_eq!(doc["answer"], serde_json::Value::Null);
    let reason = doc["finish_reason"].as_str().unwrap_or_default().to_lowercase();
    assert!(reason.contains("time"), "{doc}");
}

/// A model's rates count its root calls too: at one request a minute (a
/// burst of two), the third root call of a four-step script waits, and the
/// run's time budget ends it there (without the rate it answers at once).
#[test]
fn the_root_model_s_calls_pass_its_rate_limits() {
    let dir = tempfile::tempdir().unwrap();
    let script = serde_json::json!({
        "model": "four-steps",
        "replies": ["```repl\nprint(1)\n```", "```repl\nprint(2)\n```", "```repl\nprint(3)\n```", "FINAL('four steps')"],
    });
    std::fs::write(dir.path().join("script.json"), script.to_string()).unwrap();
    let run = |rates: &[&str]| {
        let out = rlm()
            .args(["run", "q", "--model", "scripted", "--script", "script.json", "--json"])
            .args(["--timeout-secs", "2", "--context", "-"])
            .args(rates)
            .current_dir(dir.path())
            .write_stdin("a small context")
            // A guard against a hang, not a timing assertion: unbounded, the
            // third call would wait out the rate's minute.
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let free = run(&[]);
    assert_eq!(free["answer"], "four steps", "{free}");
    let limited = run(&["--rate-limits", "*=rpm:1"]);
    assert_eq!(limited["answer"], serde_json::Value::Null, "{limited}");
    let reason = limited["finish_reason"].as_str().unwrap_or_default().to_lowercase();
    assert!(reason.contains("time"), "{limited}");
    assert_eq!(limited["usage"]["root_calls"], 2, "the third root call was never sent: {limited}");
}

#[test]
fn model_failure_exits_4() {
    let script = tempfile::NamedTempFile::with_suffix(".toml").unwrap();
    std::fs::write(script.path(), "[[replies]]\ntext = \"```repl\\nprint(1)\\n```\"\n").unwrap();
    let out = rlm()
        .args(["run", "q", "--model", "scripted", "--script"])
        .arg(script.path())
        .arg("--context")
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: the model failed after 2 step(s)")
    );
}

#[test]
fn missing_context_and_no_model_exit_2() {
    let out = rlm()
        .args(["run", "q", "--model", "scripted", "--context", "/nonexistent/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: cannot load the context /nonexistent/folder"), "{err}");
    let out = rlm()
        .args(["run", "q", "--context"])
        .arg(corpus())
        .env("HOME", std::env::temp_dir())
        .env("XDG_CONFIG_HOME", std::env::temp_dir())
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--model") && err.contains("RLM_MODEL"), "{err}");
    let out =
        rlm().args(["run", "q", "--model", "scripted", "--context", "/no/*.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn subcall_cache_is_used_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut traces = Vec::new();
    for i in 0..2 {
        let trace = dir.path().join(format!("run{i}.jsonl"));
        let out = rlm()
            .args(["run", QUESTION, "--model", "scripted", "--json", "--cache"])
            .arg(&cache)
            .arg("--trace")
            .arg(&trace)
            .arg("--context")
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["answer"], ANSWER);
        let events =
            rlm_trace::read_jsonl(std::fs::read(&trace).unwrap().as_slice()).expect("a trace");
        traces.push((doc, events));
    }
    assert!(cache.exists(), "the cache folder was created");
    let subcalls = |events: &[rlm_trace::TraceEvent]| -> Vec<rlm_trace::CallFinished> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                rlm_trace::EventKind::SubcallFinished(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    // The first run called the sub-model; the second was answered by the cache.
    let first = subcalls(&traces[0].1);
    assert!(!first.is_empty() && first.iter().all(|c| !c.cached));
    let (doc, events) = &traces[1];
    assert_eq!(doc["usage"]["subcalls"], 0, "no subcall was charged");
    let second = subcalls(events);
    assert_eq!(second.len(), first.len());
    for c in &second {
        assert!(c.cached && !c.deduped, "{c:?}");
        assert_eq!((c.cost_usd, c.usage.total()), (0.0, 0), "a cache hit costs nothing");
        assert!(!c.response_preview.is_empty());
    }
    let summary = rlm_trace::TraceSummary::from_events(events);
    assert_eq!(summary.cache.hits, second.len() as u64);
    assert_eq!(summary.cache.hit_rate, Some(1.0));
    let prometheus = summary.to_prometheus("rlm");
    assert!(prometheus.contains("rlm_cache_hit_ratio 1\n"), "{prometheus}");
    assert!(
        prometheus.contains(&format!(
            "rlm_model_calls_total{{model=\"fake:scripted-demo\",served=\"cache\"}} {}\n",
            second.len()
        )),
        "{prometheus}"
    );
}

#[test]
fn retriever_flags_offer_search_persist_the_index_and_show_the_first_step() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("notes.txt");
    std::fs::write(
        &context,
        "Gardening: tomatoes need sun.\n\nArchive: the vault passphrase is amber-falcon-42.\n\nBoats need wind.",
    )
    .unwrap();
    let script = dir.path().join("script.toml");
    std::fs::write(
        &script,
        "[[replies]]\ntext = \"```repl\\nh = search('vault passphrase', k=1)[0]\\nFINAL(h['preview'].split('passphrase is ')[1].split()[0])\\n```\"\n",
    )
    .unwrap();
    let trace = dir.path().join("t.jsonl");
    let out = rlm()
        .args(["run", "What is the vault passphrase?", "--model", "scripted", "--script"])
        .arg(&script)
        .arg("--context")
        .arg(&context)
        .args(["--retriever", "bm25", "--first-step", "2", "--trace"])
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "amber-falcon-42.\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("notes.txt.rlm-index/manifest.json").exists());
    let events = std::fs::read_to_string(&trace).unwrap();
    assert!(events.contains("Search results for the question"), "{events}");
    // Without the flags, `search` is not there and the prompt shows no hits.
    let out = rlm()
        .args(["run", "What is the vault passphrase?", "--model", "scripted", "--script"])
        .arg(&script)
        .arg("--context")
        .arg(&context)
        .args(["--max-steps", "1", "--json", "--trace"])
        .arg(&trace)
        .output()
        .unwrap();
    let events = std::fs::read_to_string(&trace).unwrap();
    assert!(events.contains("NameError"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!events.contains("Search results for the question"));
    // A first step without a retriever is a usage error.
    rlm()
        .args(["run", "q", "--model", "scripted", "--context"])
        .arg(&context)
        .args(["--first-step", "3"])
        .assert()
        .code(2);
}

/// `--log-format json` (or RLM_LOG_FORMAT): every stderr line is one JSON
/// object naming the event, its run and its step.
#[test]
fn json_logs_are_one_object_per_line_with_run_and_step_ids() {
    for via_env in [false, true] {
        let mut c = rlm();
        c.args(["run", QUESTION, "--model", "scripted", "--context"]).arg(corpus());
        if via_env {
            c.env("RLM_LOG_FORMAT", "json");
        } else {
            c.args(["--log-format", "json"]);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ANSWER);
        let stderr = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<serde_json::Value> = stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect();
        let events: Vec<&str> = lines.iter().filter_map(|l| l["event"].as_str()).collect();
        assert_eq!(events.first(), Some(&"run_started"), "{events:?}");
        assert!(events.contains(&"final_answer") && events.contains(&"program_finished"));
        let root_run = lines[0]["run_id"].as_u64().unwrap();
        for l in &lines {
            assert!(l["level"].is_string() && l["timestamp"].is_string(), "{l}");
            assert!(l["span_id"].is_u64() && l["step"].is_u64(), "{l}");
            assert_eq!(l["run_id"].as_u64(), Some(root_run), "one run: {l}");
        }
        // Steps count up with the root model's calls.
        let steps: Vec<u64> = lines
            .iter()
            .filter(|l| l["event"] == "model_call_started")
            .map(|l| l["step"].as_u64().unwrap())
            .collect();
        assert!(steps.len() >= 2 && steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    }
}
