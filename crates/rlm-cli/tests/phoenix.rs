//! Runs exported as OpenTelemetry traces to a real receiver, Arize Phoenix
//! (`phoenix serve` from the test environment, on loopback with private
//! ports and folder), read back through Phoenix's own REST API
//! (`/v1/projects/{project}/spans`): `rlm run` with the scripted model, and
//! one `rlm serve` execution with an incoming W3C `traceparent`. Each run's
//! spans must be our trace: run → step → model call / program → subcall,
//! every span of ours once, under its parent, with the GenAI attributes
//! and token counts of our own events; the served run under the
//! `traceparent`'s span, in its trace; our own trace names the trace
//! (`run_started`'s `otel_trace_id`). The same over OTLP/gRPC
//! (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), with `OTEL_TRACES_SAMPLER` obeyed.
//! A cluster (`--role api` and one
//! `--role worker` on PostgreSQL and NATS): the execution the api queues
//! and the worker runs is one trace, under the api request's `traceparent`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster_env;
use crate::serve_child;

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";
const PARENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";
/// The Phoenix project our spans are filed under: the service's name
/// (`OTEL_SERVICE_NAME`, by default `rlm`), sent as `openinference.project.name`.
const PROJECT: &str = "rlm";

fn root() -> PathBuf {
    rlm_testenv::workspace_dir()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `phoenix serve`, killed when dropped (never left running).
struct Phoenix {
    child: Child,
    base: String,
    /// Its OTLP/gRPC receiver (`PHOENIX_GRPC_PORT`).
    grpc: String,
    _dir: tempfile::TempDir,
}

impl Drop for Phoenix {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Phoenix {
    fn start() -> Phoenix {
        let dir = tempfile::tempdir().unwrap();
        let (port, grpc_port) = (free_port(), free_port());
        let phoenix = rlm_testenv::venv_python().with_file_name("phoenix");
        let child = Command::new(phoenix)
            .arg("serve")
            .env("PHOENIX_WORKING_DIR", dir.path())
            .env("PHOENIX_PORT", port.to_string())
            .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
            .env("PHOENIX_HOST", "127.0.0.1")
            .env("PHOENIX_TELEMETRY_ENABLED", "false")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("phoenix.log")).unwrap())
            .spawn()
            .expect("start phoenix serve");
        let base = format!("http://127.0.0.1:{port}");
        let grpc = format!("http://127.0.0.1:{grpc_port}");
        let phoenix = Phoenix { child, base, grpc, _dir: dir };
        let started = Instant::now();
        while get(&format!("{}/v1/projects", phoenix.base)).is_none() {
            assert!(started.elapsed() < Duration::from_secs(240), "Phoenix did not start");
            std::thread::sleep(Duration::from_millis(500));
        }
        phoenix
    }

    /// Every span Phoenix holds in our project, once `ready` says the ones a
    /// test waits for are in.
    fn spans_when(&self, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let spans = self.project_spans(PROJECT);
            if ready(&spans) {
                return spans;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "spans missing: {spans:#?}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// The spans Phoenix files under `project` (none if it has no such project).
    fn project_spans(&self, project: &str) -> Vec<Value> {
        let url = format!("{}/v1/projects/{project}/spans?limit=1000", self.base);
        get(&url).and_then(|v| v["data"].as_array().cloned()).unwrap_or_default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn get(url: &str) -> Option<Value> {
    runtime().block_on(async {
        let response = reqwest::get(url).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    })
}

fn read_events(jsonl: &str) -> Vec<Value> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn attr<'a>(span: &'a Value, key: &str) -> &'a Value {
    &span["attributes"][key]
}

/// Our trace's spans (the events that open one) are each exported once, in
/// one trace, under the parent ours says (a run's model calls and programs
/// under the step of their iteration, itself under the run), with the
/// GenAI attributes and token counts of our events. Returns the root span.
fn check_run_against_trace(spans: &[Value], events: &[Value]) -> Value {
    let ours: Vec<&Value> =
        spans.iter().filter(|s| !s["name"].as_str().unwrap().starts_with("step ")).collect();
    let by_our_id: HashMap<u64, &Value> =
        ours.iter().map(|s| (attr(s, "rlm.span_id").as_u64().unwrap(), *s)).collect();
    assert_eq!(by_our_id.len(), ours.len(), "one span per span of ours");
    let by_otel_id: HashMap<&str, &Value> =
        spans.iter().map(|s| (s["context"]["span_id"].as_str().unwrap(), s)).collect();
    let parent_of = |s: &Value| s["parent_id"].as_str().and_then(|p| by_otel_id.get(p).copied());
    // The model each call asked for, by our span id.
    let models: HashMap<u64, &str> = events
        .iter()
        .filter(|e| e["kind"]["model"].is_string())
        .map(|e| (e["span_id"].as_u64().unwrap(), e["kind"]["model"].as_str().unwrap()))
        .collect();
    let opened: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"]["type"].as_str().unwrap().ends_with("_started"))
        .collect();
    assert_eq!(opened.len(), ours.len(), "every span of ours is exported, and nothing else");
    let mut tokens_checked = 0;
    for event in events {
        let kind = event["kind"]["type"].as_str().unwrap();
        let span = by_our_id[&event["span_id"].as_u64().unwrap()];
        let our_parent = event["parent_span_id"].as_u64();
        match kind {
            "run_started" => {
                assert_eq!(span["span_kind"], "CHAIN");
                assert_eq!(attr(span, "gen_ai.operation.name"), "invoke_agent");
                // Our trace names the OpenTelemetry trace of its root run.
                match our_parent {
                    None => assert_eq!(event["kind"]["otel_trace_id"], span["context"]["trace_id"]),
                    Some(_) => assert!(event["kind"]["otel_trace_id"].is_null()),
                }
                if let Some(p) = our_parent {
                    assert_eq!(
                        parent_of(span).unwrap()["context"]["span_id"],
                        by_our_id[&p]["context"]["span_id"]
                    );
                }
            }
            "model_call_started" | "program_started" => {
                let step = parent_of(span).expect("under a step");
                assert_eq!(step["name"], format!("step {}", event["kind"]["iteration"]));
                let run = parent_of(step).expect("the step under its run");
                assert_eq!(
                    run["context"]["span_id"],
                    by_our_id[&our_parent.unwrap()]["context"]["span_id"]
                );
                let expected_kind = if kind == "program_started" { "TOOL" } else { "LLM" };
                assert_eq!(span["span_kind"], expected_kind);
            }
            "subcall_started" => {
                assert_eq!(span["span_kind"], "LLM");
                assert_eq!(
                    parent_of(span).unwrap()["context"]["span_id"],
                    by_our_id[&our_parent.unwrap()]["context"]["span_id"]
                );
            }
            "model_call_finished" | "subcall_finished" => {
                let usage = &event["kind"]["usage"];
                assert_eq!(attr(span, "gen_ai.usage.input_tokens"), &usage["prompt_tokens"]);
                assert_eq!(attr(span, "gen_ai.usage.output_tokens"), &usage["completion_tokens"]);
                assert_eq!(attr(span, "gen_ai.operation.name"), "chat");
                let (provider, model) =
                    models[&event["span_id"].as_u64().unwrap()].split_once(':').unwrap();
                // The offline model's provider is shown as users name it.
                let provider = if provider == "fake" { "scripted" } else { provider };
                assert_eq!(attr(span, "gen_ai.provider.name"), provider);
                assert_eq!(attr(span, "gen_ai.request.model"), model);
                assert_eq!(
                    attr(span, "gen_ai.response.finish_reasons"),
                    &serde_json::json!(["stop"])
                );
                tokens_checked += 1;
            }
            "program_finished" => {
                assert_eq!(attr(span, "rlm.program.fuel_used"), &event["kind"]["fuel_used"]);
                assert_eq!(attr(span, "rlm.outcome"), "ok");
            }
            "run_finished" => {
                assert_eq!(
                    attr(span, "rlm.usage.input_tokens"),
                    &event["kind"]["usage"]["prompt_tokens"]
                );
                assert_eq!(span["status_code"], "OK");
            }
            _ => {}
        }
    }
    assert!(tokens_checked >= 3, "the scripts make three root calls or more");
    let trace = spans[0]["context"]["trace_id"].clone();
    assert!(spans.iter().all(|s| s["context"]["trace_id"] == trace), "one trace per run");
    by_our_id[&1].clone()
}

fn trace_spans(spans: &[Value], trace: &str) -> Vec<Value> {
    spans.iter().filter(|s| s["context"]["trace_id"] == trace).cloned().collect()
}

/// The number of spans a trace of `events` exports: ours and one per step.
fn expected_spans(events: &[Value]) -> usize {
    let opened =
        events.iter().filter(|e| e["kind"]["type"].as_str().unwrap().ends_with("_started")).count();
    let mut steps: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| {
            matches!(e["kind"]["type"].as_str(), Some("model_call_started" | "program_started"))
        })
        .map(|e| (e["parent_span_id"].as_u64().unwrap(), e["kind"]["iteration"].as_u64().unwrap()))
        .collect();
    steps.sort();
    steps.dedup();
    opened + steps.len()
}

fn rlm_run(phoenix: &Phoenix, trace: &Path) {
    rlm_run_to(&phoenix.base, trace, &[]);
}

/// `rlm run` exporting to `endpoint`, with `envs` (the OTEL_* variables).
fn rlm_run_to(endpoint: &str, trace: &Path, envs: &[(&str, &str)]) {
    let out = Command::new(env!("CARGO_BIN_EXE_rlm"))
        .current_dir(root())
        .args(["run", QUESTION, "--context", "examples/corpus", "--model", "scripted"])
        .args(["--otlp-endpoint", endpoint, "--telemetry-capture-content", "--trace"])
        .arg(trace)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
        .env_remove("OTEL_TRACES_SAMPLER")
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("PHOENIX_PROJECT_NAME")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("amber-falcon-42"));
}

/// One `/api/execute` with a `traceparent`; its execution's trace (our
/// JSON lines) and the response's trace-id header.
fn served_execution(phoenix: &Phoenix, data: &Path) -> (Vec<Value>, String) {
    let (mut child, base) = serve_child::start_serve(|c| {
        c.arg("--data").arg(data).args(["--otlp-endpoint", &phoenix.base]);
        c.env("OTEL_BSP_SCHEDULE_DELAY", "200");
    });
    let context = std::fs::read_to_string(root().join("examples/corpus/service_logs.txt")).unwrap();
    let body = serde_json::json!({"context": context, "user_query": QUESTION});
    let (header, execution) = runtime().block_on(async {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/api/execute"))
            .header("traceparent", format!("00-{PARENT_TRACE}-{PARENT_SPAN}-01"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let header = response.headers()["x-rlm-otel-trace-id"].to_str().unwrap().to_string();
        let execution: Value = response.json().await.unwrap();
        (header, execution)
    });
    let id = execution["id"].as_str().unwrap();
    let trace = runtime().block_on(async {
        reqwest::get(format!("{base}/api/executions/{id}/trace"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let events = read_events(&trace);
    // The spans leave within the batch delay; the server may then go.
    let phoenix_has = |n: usize| phoenix.spans_when(|s| trace_spans(s, PARENT_TRACE).len() >= n);
    phoenix_has(expected_spans(&events));
    let _ = child.kill();
    let _ = child.wait();
    (events, header)
}

rlm_testenv::needs_phoenix! {
    #[test]
    fn runs_and_served_executions_are_traces_in_phoenix() {
        let phoenix = Phoenix::start();
        let dir = tempfile::tempdir().unwrap();

        // `rlm run`: flushed before it exits; one trace, the run its root.
        let trace_file = dir.path().join("run.jsonl");
        rlm_run(&phoenix, &trace_file);
        let events = read_events(&std::fs::read_to_string(&trace_file).unwrap());
        let expected = expected_spans(&events);
        let spans = phoenix.spans_when(|s| s.len() >= expected);
        assert_eq!(spans.len(), expected, "one run: its spans only");
        assert!(phoenix.project_spans("default").is_empty(), "filed under {PROJECT}, not Phoenix's default project");
        let root = check_run_against_trace(&spans, &events);
        assert!(root["parent_id"].is_null(), "a run of its own is its trace's root");
        assert_eq!(attr(&root, "input.value"), QUESTION, "content captured when asked");

        // `rlm serve`: the run's trace is the traceparent's, under its span.
        let (events, header) = served_execution(&phoenix, &dir.path().join("store"));
        assert_eq!(header, PARENT_TRACE);
        let spans = phoenix.spans_when(|s| trace_spans(s, PARENT_TRACE).len() >= expected_spans(&events));
        let spans = trace_spans(&spans, PARENT_TRACE);
        assert_eq!(spans.len(), expected_spans(&events));
        let root = check_run_against_trace(&spans, &events);
        assert_eq!(root["parent_id"], PARENT_SPAN);
        assert!(attr(&root, "input.value").is_null(), "no content unless asked");

        grpc_runs(&phoenix, dir.path());
    }
}

/// OTLP over gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, Phoenix's gRPC
/// port): a run sampled out by `OTEL_TRACES_SAMPLER=always_off` exports
/// nothing, and the next run, sampled, is its whole trace.
fn grpc_runs(phoenix: &Phoenix, dir: &Path) {
    let before = phoenix.spans_when(|_| true).len();
    let grpc = [("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")];
    let off = dir.join("grpc-off.jsonl");
    rlm_run_to(&phoenix.grpc, &off, &[grpc[0], ("OTEL_TRACES_SAMPLER", "always_off")]);
    let on = dir.join("grpc-on.jsonl");
    rlm_run_to(&phoenix.grpc, &on, &grpc);
    let events = read_events(&std::fs::read_to_string(&on).unwrap());
    let trace = events[0]["kind"]["otel_trace_id"].as_str().unwrap().to_string();
    let expected = expected_spans(&events);
    let spans = phoenix.spans_when(|s| trace_spans(s, &trace).len() >= expected);
    // The sampled-out run exported first (its process flushed and ended
    // before the next began): had it sent a span, it would be in.
    assert_eq!(spans.len(), before + expected, "the always_off run exports nothing");
    let spans = trace_spans(&spans, &trace);
    let root = check_run_against_trace(&spans, &events);
    assert!(root["parent_id"].is_null());
    assert_eq!(attr(&root, "input.value"), QUESTION);
}

const CLUSTER_PARENT_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CLUSTER_PARENT_SPAN: &str = "b7ad6b7169203331";

rlm_testenv::needs_phoenix_and_postgres! {
    #[test]
    fn a_job_through_the_cluster_is_one_trace_under_the_api_request() {
        let phoenix = Phoenix::start();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let mut cluster = cluster_env::Cluster::with_script(cluster_env::SHARED_NATS, cluster_env::script(50));
        cluster.args.extend(["--otlp-endpoint".to_string(), phoenix.base.clone()]);
        cluster.envs.push(("OTEL_BSP_SCHEDULE_DELAY".into(), "200".into()));
        let api = cluster.spawn("api");
        let worker = cluster.spawn("worker");
        let (events, header) = rt.block_on(async {
            let sid = cluster_env::session(&api).await;
            let response = reqwest::Client::new()
                .post(format!("{}/api/execute", api.base))
                .header("traceparent", format!("00-{CLUSTER_PARENT_TRACE}-{CLUSTER_PARENT_SPAN}-01"))
                .json(&serde_json::json!({"session_id": sid, "user_query": "what does it say?"}))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let header = response.headers()["x-rlm-otel-trace-id"].to_str().unwrap().to_string();
            let done: Value = response.json().await.unwrap();
            assert_eq!(done["final_result"], "done", "{done}");
            (cluster_env::trace(&api, done["id"].as_str().unwrap()).await, header)
        });
        assert_eq!(header, CLUSTER_PARENT_TRACE);
        assert!(!worker.logged("running a queued execution").is_empty(), "the worker ran it");
        let expected = expected_spans(&events);
        let spans = phoenix.spans_when(|s| trace_spans(s, CLUSTER_PARENT_TRACE).len() >= expected);
        let spans = trace_spans(&spans, CLUSTER_PARENT_TRACE);
        assert_eq!(spans.len(), expected);
        let root = check_run_against_trace(&spans, &events);
        assert_eq!(root["parent_id"], CLUSTER_PARENT_SPAN);
        drop((api, worker));
        rt.block_on(cluster.clean_up());
    }
}

/// The question of the MCP tool runs, and the program the scripted model sends.
const WEATHER_QUESTION: &str = "What is the weather in Paris?";
const WEATHER_PROGRAM: &str =
    "```repl\nreport = lookup(city='Paris')\nprint(report)\nFINAL(report)\n```";

/// A folder with `rlm.toml` naming the Python SDK's MCP server
/// (`tests/mcp/tools_server.py`, `lookup` allowed), the script whose program
/// calls it, and a context.
fn weather_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/tools_server.py");
    let table = format!(
        "[mcp_servers.weather]\ncommand = {:?}\nargs = [{:?}]\ntools = [\"lookup\"]\n",
        rlm_testenv::venv_python().display().to_string(),
        server.display().to_string()
    );
    std::fs::write(dir.path().join("rlm.toml"), table).unwrap();
    let script = serde_json::json!({"model": "weather", "replies": [WEATHER_PROGRAM], "when_exhausted": {"fixed": "FINAL('out of replies')"}});
    std::fs::write(dir.path().join("script.json"), script.to_string()).unwrap();
    std::fs::write(dir.path().join("context.txt"), "today's weather report\n").unwrap();
    dir
}

/// The MCP tool spans of `spans` in `trace`: each `lookup` of server `weather`.
fn weather_tool_spans(spans: &[Value], trace: &str) -> Vec<Value> {
    trace_spans(spans, trace)
        .into_iter()
        .filter(|s| {
            attr(s, "gen_ai.tool.name") == "lookup" && attr(s, "mcp.server.name") == "weather"
        })
        .collect()
}

rlm_testenv::needs_phoenix! {
    /// Issue #82: a program's call of an MCP server's tool (the Python SDK's
    /// example server) is a TOOL span in Phoenix, under its program, through
    /// `rlm run` and through `rlm serve`.
    #[test]
    fn a_programs_mcp_tool_call_is_a_tool_span_in_phoenix() {
        let phoenix = Phoenix::start();
        let dir = weather_folder();
        let trace = dir.path().join("run.jsonl");
        let out = Command::new(env!("CARGO_BIN_EXE_rlm"))
            .current_dir(dir.path())
            .args(["run", WEATHER_QUESTION, "--context", "context.txt", "--model", "scripted", "--script", "script.json"])
            .args(["--otlp-endpoint", &phoenix.base, "--trace"])
            .arg(&trace)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_SERVICE_NAME")
            .env_remove("PHOENIX_PROJECT_NAME")
            .env_remove("RLM_MCP_SERVERS")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "sunny, 21 C");
        let events = read_events(&std::fs::read_to_string(&trace).unwrap());
        let otel_trace = events[0]["kind"]["otel_trace_id"].as_str().unwrap().to_string();
        let spans = phoenix.spans_when(|s| !weather_tool_spans(s, &otel_trace).is_empty());
        let tool = &weather_tool_spans(&spans, &otel_trace)[0];
        assert_eq!(tool["name"], "execute_tool lookup");
        assert_eq!(tool["span_kind"], "TOOL");
        let parent = trace_spans(&spans, &otel_trace)
            .into_iter()
            .find(|s| s["context"]["span_id"] == tool["parent_id"])
            .expect("the tool span's parent is in the trace");
        assert_eq!(parent["span_kind"], "TOOL", "under its program: {parent}");
        assert!(parent["name"].as_str().unwrap().starts_with("program"), "{parent}");

        // `rlm serve`: the same call, from an execution, in the request's trace.
        let (mut child, base) = serve_child::start_serve(|c| {
            c.current_dir(dir.path()).args(["--data", "store", "--model", "scripted", "--script", "script.json"]);
            c.args(["--otlp-endpoint", &phoenix.base]).env("OTEL_BSP_SCHEDULE_DELAY", "200").env_remove("RLM_MCP_SERVERS");
        });
        let body = serde_json::json!({"context": "today's weather report", "user_query": WEATHER_QUESTION});
        let served_trace = runtime().block_on(async {
            let response = reqwest::Client::new()
                .post(format!("{base}/api/execute"))
                .header("traceparent", format!("00-{CLUSTER_PARENT_TRACE}-{PARENT_SPAN}-01"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let trace = response.headers()["x-rlm-otel-trace-id"].to_str().unwrap().to_string();
            let done: Value = response.json().await.unwrap();
            assert_eq!(done["final_result"], "sunny, 21 C", "{done}");
            trace
        });
        let spans = phoenix.spans_when(|s| !weather_tool_spans(s, &served_trace).is_empty());
        assert_eq!(weather_tool_spans(&spans, &served_trace).len(), 1, "one call, one span");
        let _ = child.kill();
        let _ = child.wait();
    }
}
