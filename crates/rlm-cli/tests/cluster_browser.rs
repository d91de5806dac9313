//! The web page and the RLM Engine's API against a cluster: real `rlm serve`
//! processes, one `api` and three `worker`s (PostgreSQL, NATS JetStream and
//! a private Redis for the shared subcall cache), the scripted model paced
//! as in `rlm-server/tests/web_browser.rs`. Runs the page's browser test
//! (`crates/rlm-server/web/tests/browser.mjs`) unchanged against the api's
//! URL (a second `api` with a key for its key prompt), then
//! `examples/bench/engine_frontend_check.mjs` against the same api.
//!
//! The same two checks run again against a deployment on private services
//! while faults run (`support/fault_deployment.rs`): the database's
//! connections terminated and NATS restarted, one every few seconds. The
//! workload test's other faults (`cluster_faults.rs`) are left out here,
//! because the page's own test checks what they rightly change: an api
//! killed refuses the page's requests while it restarts (a refused request
//! fails the test), a Redis stop empties the shared subcall cache whose
//! hits it checks, and a worker killed mid-run makes the live view count
//! the dead attempt's subcalls too (the page keeps the events it was sent;
//! reloading shows the resumed run).
//!
//! Needs what `web_browser.rs` needs (Node.js >= 20.19, Debian's chromium,
//! `npm ci` in `crates/rlm-server/web`) and PostgreSQL; without them it is
//! ignored with a `SKIPPED` reason (`rlm-testenv`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cluster_env;
use crate::fault_deployment;

use cluster_env::{Cluster, Process, SHARED_NATS, free_port, get, post, start_redis};
use serde_json::{Value, json};

/// The key of the second api, the one that asks for a key.
const KEYED_TOKEN: &str = "browser-test-key-0123456789";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A rule of the script (`delay_ms` 0: at once).
fn rule(pattern: &str, target: &str, times: Option<u32>, text: &str, delay_ms: u64) -> Value {
    let mut reply = json!({ "text": text });
    if delay_ms > 0 {
        reply["delay_ms"] = json!(delay_ms);
    }
    let mut r = json!({ "pattern": pattern, "target": target, "reply": reply });
    if let Some(n) = times {
        r["times"] = json!(n);
    }
    r
}

/// `web_browser.rs`'s script, as the JSON a process reads: the bundled demo
/// with slow sub-model answers, and the behaviours chosen by the question
/// (an error run, a 1,000-subcall batch, a sub-RLM, dedup, a slow batch).
fn browser_script() -> Value {
    let demo = std::fs::read_to_string(workspace().join("crates/rlm-cli/scripted/demo.toml"))
        .expect("the demo script");
    let mut script: Value = toml::from_str(&demo).expect("the demo script is TOML");
    for r in script["rules"].as_array_mut().expect("the demo has rules") {
        if let Some(text) = r["reply"].as_str() {
            r["reply"] = json!({ "text": text, "delay_ms": 800 });
        }
    }
    let extra = [
        rule(
            "DIVIDE BY ZERO",
            "all",
            None,
            "I will divide the size by zero.\n```repl\nprint(len(context) / 0)\n```\n",
            0,
        ),
        rule(
            "BIG BATCH",
            "all",
            Some(1),
            "One subcall per item.\n```repl\nanswers = llm_batch([f\"item {i}: what is {i} squared?\" for i in range(1000)])\nprint(len(answers), answers[:3])\n```\n",
            0,
        ),
        rule(
            "BIG BATCH",
            "all",
            None,
            "FINAL(f\"{len(answers)} answers; the last: {answers[-1]}\")",
            0,
        ),
        rule(r"^item (\d+): ", "last_user", None, "the square of $1", 20),
        rule(
            "NESTED QUESTION",
            "all",
            Some(1),
            "I will ask a sub-RLM.\n```repl\ninner = rlm_query('INNER TASK: how many words are in the context?', context)\nprint('the sub-RLM said:', inner)\n```\n",
            0,
        ),
        rule("NESTED QUESTION", "all", None, "FINAL(f\"the sub-RLM counted {inner}\")", 0),
        rule(
            "INNER TASK",
            "all",
            Some(1),
            "Counting.\n```repl\nn = len(context.split())\nprint(n)\n```\n",
            0,
        ),
        rule("INNER TASK", "all", None, "FINAL(f\"{n} words\")", 0),
        rule(
            "DEDUP QUESTION",
            "all",
            Some(1),
            "Three identical prompts at once.\n```repl\nanswers = llm_batch(['what is the same thing?'] * 3)\nprint(answers)\n```\n",
            0,
        ),
        rule("DEDUP QUESTION", "all", None, "FINAL(answers[0])", 0),
        rule("^what is the same thing", "last_user", None, "the same answer", 300),
        rule(
            "SLOW BATCH",
            "all",
            Some(1),
            "Eight slow calls.\n```repl\nanswers = llm_batch([f'slow item {i}' for i in range(8)])\n```\n",
            0,
        ),
        rule("SLOW BATCH", "all", None, "FINAL(len(answers))", 0),
        rule("^slow item", "last_user", None, "too late", 60_000),
    ];
    let rules = script["rules"].as_array_mut().expect("the demo has rules");
    rules.splice(0..0, extra);
    script
}

/// [`browser_script`] answering the demo's steps by what the conversation
/// holds rather than in order: a run that a killed worker left goes on in
/// another process from its checkpoint, and that process's script must
/// answer its next step, not its first (the demo's replies are in order).
fn keyed_browser_script() -> Value {
    let mut script = browser_script();
    let replies = script["replies"].as_array().cloned().expect("the demo has replies");
    let rules = script["rules"].as_array_mut().expect("the demo has rules");
    // What each step's program prints, which the next step answers.
    rules.push(json!({"pattern": "errors per service", "target": "all", "reply": replies[2]}));
    rules.push(json!({"pattern": "chars in \\d+ documents", "target": "all", "reply": replies[1]}));
    script["when_exhausted"] = json!({ "fixed": replies[0]["text"] });
    script["replies"] = json!([]);
    script
}

/// An OpenAI-compatible root model for the page's retry run: rate-limited
/// once (retried after the 5 ms it asks for), then a program, then the
/// answer; plain and streamed replies.
async fn retrying_model() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    let served = Arc::new(AtomicU64::new(0));
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/v1/chat/completions"))
        .respond_with(move |req: &wiremock::Request| {
            let n = served.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                return wiremock::ResponseTemplate::new(429)
                    .insert_header("retry-after-ms", "5")
                    .set_body_json(json!({"error": {"message": "slow down", "type": "mock_error"}}));
            }
            let text = if n == 1 {
                "Counting.\n```repl\nprint(len(context))\n```\n"
            } else {
                "FINAL('answered after a retry')"
            };
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
            if body["stream"] == true {
                let mut sse = String::new();
                for word in text.split_inclusive(' ') {
                    let chunk = json!({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": null}]});
                    sse.push_str(&format!("data: {chunk}\n\n"));
                }
                let last = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage});
                sse.push_str(&format!("data: {last}\n\ndata: [DONE]\n\n"));
                return wiremock::ResponseTemplate::new(200)
                    .insert_header("content-type", "text/event-stream")
                    .set_body_string(sse);
            }
            wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "id": "mock", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
            }))
        })
        .mount(&server)
        .await;
    server
}

/// Runs `node script` in `dir` with `envs`; its stdout once it passed.
async fn node(dir: PathBuf, script: PathBuf, envs: Vec<(&'static str, String)>) -> String {
    let mut cmd = Command::new("node");
    cmd.arg(&script).current_dir(&dir).envs(envs);
    let output = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        output.status
    );
    stdout
}

/// The RLM Engine check's session: the demo corpus, one `memory` key, one
/// execution (what its pages are checked to show).
async fn engine_session(api: &str) -> String {
    let log =
        std::fs::read_to_string(workspace().join("examples/corpus/service_logs.txt")).unwrap();
    let (status, s) =
        post(api, "/api/sessions", json!({"name": "engine-check", "context": log})).await;
    assert_eq!(status, 200, "{s}");
    let sid = s["id"].as_str().unwrap().to_string();
    let (status, m) = post(
        api,
        &format!("/api/sessions/{sid}/memory"),
        json!({"key": "favourite", "value": "billing"}),
    )
    .await;
    assert!((200..300).contains(&status), "{status} {m}");
    let (status, done) = post(
        api,
        "/api/execute",
        json!({"session_id": sid, "user_query": "Which service logged the most errors?"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed", "{done}");
    sid
}

rlm_testenv::needs_browser_and_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_page_and_the_engine_api_work_against_an_api_and_three_workers() {
        let web = workspace().join("crates/rlm-server/web");
        let model = retrying_model().await;
        let redis_port = free_port();
        let redis_dir = tempfile::tempdir().unwrap();
        let mut redis = start_redis(redis_port, redis_dir.path());
        let mut cluster = Cluster::with_script(SHARED_NATS, browser_script());
        cluster.redis = Some(format!("redis://127.0.0.1:{redis_port}/"));
        // `--max-batch`: BIG BATCH's 1,000 subcalls are past the default batch cap.
        cluster.args = [
            "--scripted-token-delay-ms",
            "30",
            "--allow-model",
            "openai:mock-root",
            "--max-batch",
            "1000",
        ]
        .iter()
            .map(|a| a.to_string())
            .collect();
        cluster.envs = vec![
            ("OPENAI_BASE_URL".into(), format!("{}/v1", model.uri())),
            ("OPENAI_API_KEY".into(), "sk-test-SECRET-0123456789abcdef".into()),
        ];
        let api = cluster.spawn("api");
        let keyed = cluster.spawn_with("api", &["--api-key", &format!("web:{KEYED_TOKEN}")]);
        let workers: Vec<Process> = (0..3).map(|_| cluster.spawn("worker")).collect();
        for w in &workers {
            assert_eq!(get(&w.base, "/readyz").await.0, 200);
        }
        // The RLM Engine's API through the api (its frontend's pages when
        // RLM_ENGINE_UI names where the built frontend is served, or
        // RLM_ENGINE_UI_DIST its `vite build` output), then the page's own
        // browser test, unchanged (the Engine's dashboard check, first,
        // wants every execution of the key completed).
        page_checks(web.clone(), &api.base, &keyed.base, false).await;
        assert!(api.logged("execution finished").is_empty(), "the api ran an execution");
        let ran: Vec<usize> = workers.iter().map(|w| w.logged("execution finished").len()).collect();
        assert!(ran.iter().filter(|&&n| n > 0).count() >= 2, "the workers shared the runs: {ran:?}");

        let _ = redis.kill();
        let _ = redis.wait();
        drop((api, keyed, workers, model));
        cluster.clean_up().await;
    }
}

/// Runs the Engine's frontend check and the page's browser test against
/// `api` (`keyed`: the api with a key; `under_faults`: the fault test's
/// deployment, where the page may miss live rows a fault fell on).
async fn page_checks(web: PathBuf, api: &str, keyed: &str, under_faults: bool) {
    let sid = engine_session(api).await;
    let mut envs = vec![("API", api.to_string()), ("SID", sid)];
    if let Ok(ui) = std::env::var("RLM_ENGINE_UI") {
        envs.push(("UI", ui));
    }
    if let Ok(dist) = std::env::var("RLM_ENGINE_UI_DIST") {
        envs.push(("UI_DIST", dist));
    }
    let check = workspace().join("examples/bench/engine_frontend_check.mjs");
    let stdout = node(web.clone(), check, envs).await;
    assert!(stdout.contains("no console errors, no failed API request"), "{stdout}");
    let profile = tempfile::tempdir().unwrap();
    let mut envs = vec![
        ("RLM_BASE", api.to_string()),
        ("RLM_CHROMIUM", "/usr/bin/chromium".to_string()),
        ("RLM_PROFILE_DIR", profile.path().join("chromium-profile").display().to_string()),
        ("RLM_KEYED_BASE", keyed.to_string()),
        ("RLM_KEYED_TOKEN", KEYED_TOKEN.to_string()),
    ];
    if under_faults {
        envs.push(("RLM_WEB_UNDER_FAULTS", "1".to_string()));
    }
    for var in ["RLM_WEB_SCREENSHOTS", "RLM_WEB_TIMINGS"] {
        if let Ok(v) = std::env::var(var) {
            envs.push((var, v));
        }
    }
    let stdout = node(web.clone(), web.join("tests/browser.mjs"), envs).await;
    assert!(stdout.contains("ALL BROWSER CHECKS PASSED"), "{stdout}");
}

rlm_testenv::needs_browser_and_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_page_and_the_engine_api_work_while_the_database_and_nats_fail() {
        use fault_deployment::{Deployment, Fault, spawn_faults};
        use std::sync::atomic::AtomicBool;
        let web = workspace().join("crates/rlm-server/web");
        let model = retrying_model().await;
        let envs = [
            ("OPENAI_BASE_URL", format!("{}/v1", model.uri())),
            ("OPENAI_API_KEY", "sk-test-SECRET-0123456789abcdef".to_string()),
        ];
        let args = [
            "--scripted-token-delay-ms", "30", "--allow-model", "openai:mock-root",
            "--nats-ack-wait-secs", "3", "--nats-max-attempts", "10",
            // BIG BATCH's 1,000 subcalls are past the default batch cap.
            "--max-batch", "1000",
        ];
        let deployment = tokio::task::spawn_blocking(move || {
            Deployment::start_with(&keyed_browser_script(), 3, &args, &envs)
        })
        .await
        .unwrap();
        let api = deployment.api();
        let keyed = deployment.spawn_api_with(&["--api-key", &format!("web:{KEYED_TOKEN}")]);
        let deployment = Arc::new(std::sync::Mutex::new(deployment));
        let stop = Arc::new(AtomicBool::new(false));
        let kinds = vec![Fault::TerminateDatabaseConnections, Fault::RestartNats];
        let seed = now_nanos();
        println!("fault seed: {seed}");
        let faults = spawn_faults(
            Arc::clone(&deployment),
            kinds,
            std::time::Duration::from_secs(4),
            seed,
            Arc::clone(&stop),
        );
        page_checks(web, &api, &keyed.base, true).await;
        stop.store(true, Ordering::Relaxed);
        let injected = tokio::task::spawn_blocking(move || faults.join().unwrap()).await.unwrap();
        println!("faults during the checks: {}", Value::from(injected.clone()));
        assert!(injected.len() >= 4, "too few faults ran during the checks: {injected:?}");
        drop(keyed);
        tokio::task::spawn_blocking(move || drop(deployment)).await.unwrap();
        drop(model);
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
}
