//! Whole-run benchmark: an RLM run whose program fans 1,000 subcalls out with
//! `llm_batch`, against an OpenAI-compatible mock server that answers every
//! request after 100 ms, at concurrency 64. The ideal is 16 waves x 100 ms =
//! 1.6 s; everything above it is the runtime's own cost (start-up, the loop,
//! the interpreter, the scheduler, HTTP, the trace). Also a no-op run (a
//! 3-byte context, one scripted `FINAL`): what a run costs when it does
//! nothing, first in the process (lazy set-ups included) and after.
//!
//! Three measurements per repetition, against the same server: the scheduler
//! alone (the same adapter as its executor, no loop: the floor this machine's
//! HTTP stack allows), the whole run through `Rlm::run` on a multi-thread
//! runtime (how a server and `rlm run` drive it), and the whole run through
//! `Rlm::run_blocking` (one thread: how an embedder without a runtime drives it).
//!
//! Run: `cargo run --release -p rlm-core --example whole_run_bench`
//! (`-- --reps N` repetitions, default 5; `--calls N`, default 1000;
//! `--concurrency N`, default 64; `--latency-ms N`, default 100; `--server URL`
//! uses another OpenAI-compatible server, e.g. the scheduler bench's mock:
//! `cargo run --release -p rlm-sched --example sched_bench -- --serve 120`).
//!
//! The mock server (wiremock, on 127.0.0.1, its own runtime and thread) is
//! started by the benchmark; the root model is a script (two replies: the
//! fan-out program, then `FINAL`); the sub-model is the real OpenAI adapter
//! (reqwest, HTTP/1.1 keep-alive) pointed at the mock server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_adapters::{EnvVars, FakeAdapter, ModelAdapter, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::Rlm;
use rlm_sched::{FnExecutor, Scheduler, SchedulerConfig};
use rlm_types::{CompletionRequest, ModelId};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Args {
    /// An OpenAI-compatible server to use instead of starting the mock.
    server: Option<String>,
    reps: usize,
    calls: usize,
    concurrency: usize,
    latency_ms: u64,
}

fn args() -> Args {
    let mut a = Args { server: None, reps: 5, calls: 1000, concurrency: 64, latency_ms: 100 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        if pair[0] == "--server" && pair.len() == 2 {
            a.server = Some(pair[1].trim_end_matches('/').to_string());
            continue;
        }
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok());
        match (pair[0].as_str(), value) {
            ("--reps", Some(v)) => a.reps = v.max(1) as usize,
            ("--calls", Some(v)) => a.calls = v as usize,
            ("--concurrency", Some(v)) => a.concurrency = v.max(1) as usize,
            ("--latency-ms", Some(v)) => a.latency_ms = v,
            _ => {
                eprintln!(
                    "usage: whole_run_bench [--reps N] [--calls N] [--concurrency N] [--latency-ms N]"
                );
                std::process::exit(2);
            }
        }
    }
    a
}

/// Starts the mock server on its own thread and runtime; returns its URL.
fn start_mock(latency: Duration) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("mock server runtime");
        rt.block_on(async move {
            let server = MockServer::builder().disable_request_recording().start().await;
            let body = serde_json::json!({
                "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "mock",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "an answer"},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 30, "completion_tokens": 3, "total_tokens": 33}
            });
            Mock::given(method("POST"))
                .and(path("/v1/chat/completions"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body).set_delay(latency))
                .mount(&server)
                .await;
            let _ = tx.send(server.uri());
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the mock server started")
}

fn fan_out(sub: Arc<dyn ModelAdapter>, calls: usize, concurrency: usize) -> (Rlm, Context) {
    let root = FakeAdapter::replies([
        format!(
            "```repl\nanswers = llm_batch([f'question {{i}}: what does it say?' for i in range({calls})])\nprint(len(answers))\n```"
        ),
        "FINAL('done')".to_string(),
    ]);
    let rlm = Rlm::builder()
        .root(Arc::new(root))
        .sub_model(sub)
        .scheduler(SchedulerConfig { max_concurrency: concurrency, ..Default::default() })
        // The whole fan-out is one batch, past the default batch cap.
        .map_options(|o| o.max_batch = o.max_batch.max(calls))
        .build()
        .expect("an rlm");
    (rlm, Context::from_text("a small context"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn no_op() -> f64 {
    let root = FakeAdapter::replies(["```repl\nFINAL('x')\n```"]);
    let rlm = Rlm::builder().root(Arc::new(root)).build().expect("an rlm");
    let started = Instant::now();
    let r = rlm.run_blocking("q", Context::from_text("abc")).expect("a run");
    assert_eq!(r.answer.as_deref(), Some("x"));
    started.elapsed().as_secs_f64()
}

fn main() {
    let a = args();
    // The no-op first: nothing has been set up in this process yet.
    let first_no_op = no_op();
    let warm_no_op = median((0..20).map(|_| no_op()).collect());
    println!(
        "no-op run: first in process {:.2} ms, then median {:.3} ms (20 runs)",
        first_no_op * 1e3,
        warm_no_op * 1e3
    );

    let base = match &a.server {
        Some(url) => url.clone(),
        None => format!("{}/v1", start_mock(Duration::from_millis(a.latency_ms))),
    };
    let env = EnvVars::from_pairs([
        ("OPENAI_BASE_URL", base),
        ("OPENAI_API_KEY", "sk-bench".to_string()),
    ]);
    let waves = a.calls.div_ceil(a.concurrency) as f64;
    let ideal = waves * a.latency_ms as f64 / 1e3;
    println!(
        "{} subcalls, concurrency {}, {} ms latency: ideal {:.3} s ({} waves)",
        a.calls, a.concurrency, a.latency_ms, ideal, waves
    );
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let (mut alone, mut async_runs, mut blocking_runs) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..a.reps {
        // A fresh adapter each time: every run pays its own connection set-up.
        let adapter =
            || adapter_from_model_string("openai:mock", &env).expect("the openai adapter");

        let sub = adapter();
        let model: ModelId = sub.model_id();
        let executor = FnExecutor(move |_m: ModelId, r: CompletionRequest| {
            let sub = Arc::clone(&sub);
            async move { sub.call(&r).await.result }
        });
        let scheduler = Scheduler::builder(executor)
            .config(SchedulerConfig { max_concurrency: a.concurrency, ..Default::default() })
            .build()
            .expect("a scheduler");
        let requests: Vec<CompletionRequest> = (0..a.calls)
            .map(|i| CompletionRequest::user(format!("question {i}: what does it say?")))
            .collect();
        let started = Instant::now();
        let results = rt.block_on(scheduler.run_batch(&model, requests, None));
        alone.push(started.elapsed().as_secs_f64());
        assert!(results.iter().all(Result::is_ok));

        let (rlm, context) = fan_out(adapter(), a.calls, a.concurrency);
        let started = Instant::now();
        let r = rt.block_on(rlm.run("fan out", context)).expect("a run");
        async_runs.push(started.elapsed().as_secs_f64());
        assert_eq!(r.answer.as_deref(), Some("done"), "{:?}", r.finish);
        assert_eq!(r.usage.subcalls, a.calls as u64, "every subcall reached the server");

        let (rlm, context) = fan_out(adapter(), a.calls, a.concurrency);
        let started = Instant::now();
        let r = rlm.run_blocking("fan out", context).expect("a run");
        blocking_runs.push(started.elapsed().as_secs_f64());
        assert_eq!(r.answer.as_deref(), Some("done"), "{:?}", r.finish);
        println!(
            "  rep {}: scheduler alone {:.3} s, Rlm::run {:.3} s, run_blocking {:.3} s",
            rep + 1,
            alone[rep],
            async_runs[rep],
            blocking_runs[rep]
        );
    }
    for (name, times) in [
        ("scheduler alone (HTTP floor)", &alone),
        ("whole run, Rlm::run (multi-thread runtime)", &async_runs),
        ("whole run, run_blocking", &blocking_runs),
    ] {
        let m = median(times.clone());
        println!(
            "{name}: median {:.3} s = {:.3}x ideal, {:.3}x the scheduler alone (min {:.3}, max {:.3})",
            m,
            m / ideal,
            m / median(alone.clone()),
            times.iter().cloned().fold(f64::INFINITY, f64::min),
            times.iter().cloned().fold(0.0, f64::max)
        );
    }
}
