//! Scheduler benchmark against a local mock model server with a fixed 100 ms latency.
//!
//! Run: `cargo run --release -p rlm-sched --example sched_bench` (about 3.5 minutes;
//! `--quick` skips the minute-long rate-limit run, `--skip-python` the pyrlm-runtime
//! comparison, `--reps N` sets repetitions, default 5; `--serve SECONDS` only runs
//! the mock server).
//!
//! The harness starts an OpenAI-compatible HTTP/1.1 server on 127.0.0.1 (its own
//! thread and tokio runtime) that answers every `POST .../chat/completions` after
//! 100 ms and records when each request arrived. The executor makes real HTTP
//! requests with reqwest. Measured:
//! 0. the scheduler alone, with an in-process executor that sleeps 100 ms;
//! 1. 1,000 distinct subcalls at concurrency 64 (ideal: 16 waves x 100 ms = 1.6 s);
//! 2. a 1,000-request batch with 50% duplicates, dedup on and off;
//! 3. the same batches at concurrency 10 and through pyrlm-runtime's `llm_batch`
//!    with 10 threads (`examples/pyrlm_llm_batch.py`), against the same server,
//!    and both at concurrency 64;
//! 4. a 600 requests-per-minute limit over a 60-second run, counted by the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rlm_sched::{FnExecutor, ModelLimits, Scheduler, SchedulerConfig, SubcallExecutor};
use rlm_types::{Completion, CompletionRequest, FinishReason, ModelId, Usage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const LATENCY: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------- mock server

#[derive(Default)]
struct ServerLog {
    requests: AtomicU64,
    arrivals: Mutex<Vec<Instant>>,
}

impl ServerLog {
    fn count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
    fn arrivals_since(&self, since: Instant) -> Vec<Instant> {
        let all = self.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        all.iter().copied().filter(|t| *t >= since).collect()
    }
}

fn start_server() -> (SocketAddr, Arc<ServerLog>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    let log = Arc::new(ServerLog::default());
    let server_log = Arc::clone(&log);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("tokio listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream, Arc::clone(&server_log)));
            }
        });
    });
    (addr, log)
}

/// Serves HTTP/1.1 requests on one keep-alive connection.
async fn serve_connection(stream: TcpStream, log: Arc<ServerLog>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        match reader.read_line(&mut request_line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut content_length = 0usize;
        let mut close = false;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                let value = value.trim();
                if name == "content-length" {
                    content_length = value.parse().unwrap_or(0);
                } else if name == "connection" && value.eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        }
        let mut body = vec![0u8; content_length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let arrived = Instant::now();
        let (status, payload) = if request_line.contains("/chat/completions") {
            log.requests.fetch_add(1, Ordering::SeqCst);
            log.arrivals.lock().unwrap_or_else(|p| p.into_inner()).push(arrived);
            ("200 OK", completion_body(&body))
        } else {
            ("404 Not Found", r#"{"error":"not found"}"#.to_string())
        };
        tokio::time::sleep_until((arrived + LATENCY).into()).await;
        // Head and body in one write: one segment, one wake-up on the client.
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{}\r\n{payload}",
            payload.len(),
            if close { "connection: close\r\n" } else { "" }
        );
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
        if close {
            return;
        }
    }
}

fn completion_body(body: &[u8]) -> String {
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let prompt = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let answer: String = format!("answer: {}", prompt.chars().take(60).collect::<String>());
    let prompt_tokens = (prompt.len() / 4 + 8) as u64;
    serde_json::json!({
        "id": "mock-1",
        "object": "chat.completion",
        "created": 0,
        "model": "mock-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 12, "total_tokens": prompt_tokens + 12}
    })
    .to_string()
}

// ---------------------------------------------------------------- executor

#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error("HTTP request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("server answered {0}")]
    Status(u16),
    #[error("unexpected reply: {0}")]
    Reply(String),
}

/// A minimal OpenAI-compatible chat executor (the real one lives in rlm-adapters).
struct HttpExecutor {
    client: reqwest::Client,
    url: String,
}

impl SubcallExecutor for HttpExecutor {
    type Error = HttpError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, HttpError>> {
        let body = serde_json::json!({
            "model": model.model.as_str(),
            "messages": request.messages,
            "max_tokens": request.params.max_tokens,
        });
        let call = self.client.post(&self.url).json(&body);
        Box::pin(async move {
            let started = Instant::now();
            let response = call.send().await?;
            let status = response.status();
            if !status.is_success() {
                return Err(HttpError::Status(status.as_u16()));
            }
            let reply: serde_json::Value = response.json().await?;
            let text = reply["choices"][0]["message"]["content"]
                .as_str()
                .ok_or_else(|| HttpError::Reply("no choices[0].message.content".into()))?
                .to_string();
            let usage = Usage {
                prompt_tokens: reply["usage"]["prompt_tokens"].as_u64().unwrap_or(0),
                completion_tokens: reply["usage"]["completion_tokens"].as_u64().unwrap_or(0),
                cached_tokens: 0,
            };
            Ok(Completion {
                text,
                usage,
                finish_reason: Some(FinishReason::Stop),
                model: reply["model"].as_str().unwrap_or("").to_string(),
                latency: started.elapsed(),
            })
        })
    }
}

// ---------------------------------------------------------------- runs

struct Bench {
    executor: Arc<HttpExecutor>,
    log: Arc<ServerLog>,
    model: ModelId,
}

fn batch(n: usize, distinct: usize, tag: &str) -> Vec<CompletionRequest> {
    (0..n)
        .map(|i| {
            let mut r =
                CompletionRequest::user(format!("question {} of the batch{tag}", i % distinct));
            r.params.max_tokens = Some(64);
            r
        })
        .collect()
}

struct RunResult {
    seconds: f64,
    server_requests: u64,
    /// Mean latency of the HTTP calls as the executor saw them.
    mean_call_ms: f64,
}

impl Bench {
    async fn run(&self, config: SchedulerConfig, requests: Vec<CompletionRequest>) -> RunResult {
        let sched =
            Scheduler::builder(Arc::clone(&self.executor)).config(config).build().expect("config");
        let n = requests.len();
        let before = self.log.count();
        let started = Instant::now();
        let results = sched.run_batch(&self.model, requests, None).await;
        let seconds = started.elapsed().as_secs_f64();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, n, "all calls must succeed: {:?}", results.iter().find(|r| r.is_err()));
        let latencies: Vec<f64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|c| c.latency.as_secs_f64() * 1e3)
            .collect();
        let mean_call_ms = latencies.iter().sum::<f64>() / latencies.len().max(1) as f64;
        RunResult { seconds, server_requests: self.log.count() - before, mean_call_ms }
    }

    async fn repeat(
        &self,
        reps: usize,
        label: &str,
        make: impl Fn(usize) -> (SchedulerConfig, Vec<CompletionRequest>),
    ) -> (f64, u64, f64) {
        let mut times = Vec::new();
        let mut call_ms = Vec::new();
        let mut requests = 0;
        for rep in 0..reps {
            let (config, batch) = make(rep);
            let r = self.run(config, batch).await;
            times.push(r.seconds);
            call_ms.push(r.mean_call_ms);
            requests = r.server_requests;
        }
        let med = median(&mut times);
        println!(
            "{label}: median {med:.3} s (min {:.3}, max {:.3}, {reps} runs), {requests} requests reached the server per run, mean HTTP call {:.1} ms",
            times.first().copied().unwrap_or(0.0),
            times.last().copied().unwrap_or(0.0),
            median(&mut call_ms),
        );
        (med, requests, median(&mut call_ms))
    }
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(|a, b| a.total_cmp(b));
    match times.len() {
        0 => 0.0,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
    }
}

fn config(concurrency: usize, dedup: bool) -> SchedulerConfig {
    SchedulerConfig { max_concurrency: concurrency, dedup, ..SchedulerConfig::default() }
}

fn run_pyrlm(
    python: &str,
    base_url: &str,
    n: usize,
    distinct: usize,
    threads: usize,
) -> Result<f64, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pyrlm_llm_batch.py");
    let out = std::process::Command::new(python)
        .args([script, "--base-url", base_url, "--n", &n.to_string()])
        .args(["--distinct", &distinct.to_string(), "--threads", &threads.to_string()])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).ok_or("no JSON line")?;
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if v["answers_ok"].as_u64() != Some(n as u64) {
        return Err(format!("pyrlm returned {line}"));
    }
    v["batch_seconds"].as_f64().ok_or_else(|| format!("no batch_seconds in {line}"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let skip_python = args.iter().any(|a| a == "--skip-python");
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5usize);
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());

    let (addr, log) = start_server();
    let base_url = format!("http://{addr}/v1");
    let executor = Arc::new(HttpExecutor {
        client: reqwest::Client::builder().tcp_nodelay(true).build().expect("client"),
        url: format!("{base_url}/chat/completions"),
    });
    let bench =
        Bench { executor, log: Arc::clone(&log), model: ModelId::new("mock", "mock-model") };
    println!("mock server at {base_url}, fixed latency {} ms", LATENCY.as_millis());
    // `--serve SECONDS`: only run the mock server (to try other clients against it).
    if let Some(seconds) = args
        .iter()
        .position(|a| a == "--serve")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
    {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        println!("served {} requests", log.count());
        return;
    }

    // Warm up connections (and the server) so the first timed run is not penalised.
    bench.run(config(64, true), batch(128, 128, "-warmup")).await;

    // 0. The scheduler alone: an in-process executor that sleeps 100 ms (no HTTP).
    let ideal = (1000f64 / 64.0).ceil() * LATENCY.as_secs_f64();
    let mut times = Vec::new();
    for rep in 0..reps {
        let sched = Scheduler::builder(FnExecutor(
            |_model: ModelId, request: CompletionRequest| async move {
                tokio::time::sleep(LATENCY).await;
                Ok::<_, HttpError>(Completion {
                    text: request.messages.last().map(|m| m.content.clone()).unwrap_or_default(),
                    usage: Usage::default(),
                    finish_reason: Some(FinishReason::Stop),
                    model: "sleep".into(),
                    latency: LATENCY,
                })
            },
        ))
        .config(config(64, true))
        .build()
        .expect("config");
        let started = Instant::now();
        let results =
            sched.run_batch(&bench.model, batch(1000, 1000, &format!("-s{rep}")), None).await;
        times.push(started.elapsed().as_secs_f64());
        assert!(results.iter().all(|r| r.is_ok()));
    }
    let sleep_median = median(&mut times);
    println!(
        "scheduler only (in-process 100 ms sleep, no HTTP), 1000 distinct, concurrency 64: median {sleep_median:.3} s (min {:.3}, max {:.3}, {reps} runs) -> ratio {:.3} to ideal {ideal:.3} s",
        times.first().copied().unwrap_or(0.0),
        times.last().copied().unwrap_or(0.0),
        sleep_median / ideal
    );

    // 1. Throughput: 1,000 distinct calls at concurrency 64. Fresh prompts per run.
    let (t64, _, call_ms) = bench
        .repeat(reps, "1000 distinct, concurrency 64", |rep| {
            (config(64, true), batch(1000, 1000, &format!("-t{rep}")))
        })
        .await;
    // The scheduler's own share: wall time over 16 sequential calls of the
    // latency the executor actually measured (HTTP stack and server included).
    let waves = (1000f64 / 64.0).ceil();
    println!(
        "  ideal {ideal:.3} s -> ratio {:.3}; against 16 x the measured mean call ({:.1} ms): ratio {:.3}",
        t64 / ideal,
        call_ms,
        t64 / (waves * call_ms / 1e3)
    );

    // 2. Dedup: 1,000 requests, 500 distinct (request i and i+500 identical).
    let (dedup_on, req_on, _) = bench
        .repeat(reps, "1000 requests / 500 distinct, concurrency 64, dedup on", |rep| {
            (config(64, true), batch(1000, 500, &format!("-d{rep}")))
        })
        .await;
    let (dedup_off, req_off, _) = bench
        .repeat(reps, "1000 requests / 500 distinct, concurrency 64, dedup off", |rep| {
            (config(64, false), batch(1000, 500, &format!("-n{rep}")))
        })
        .await;
    println!(
        "  dedup saves {} of {} requests ({:.0}%), time {:.3} s -> {:.3} s ({:.2}x faster)",
        req_off - req_on,
        req_off,
        100.0 * (req_off - req_on) as f64 / req_off as f64,
        dedup_off,
        dedup_on,
        dedup_off / dedup_on
    );

    // 3. Side by side with pyrlm-runtime at the same concurrency (10).
    let py_reps = reps.min(3);
    let (r10_distinct, _, _) = bench
        .repeat(py_reps, "rlm-sched, 1000 distinct, concurrency 10", |rep| {
            (config(10, true), batch(1000, 1000, &format!("-c{rep}")))
        })
        .await;
    let (r10_dup, r10_dup_requests, _) = bench
        .repeat(py_reps, "rlm-sched, 1000 requests / 500 distinct, concurrency 10", |rep| {
            (config(10, true), batch(1000, 500, &format!("-e{rep}")))
        })
        .await;
    if !skip_python {
        for (threads, distinct, ours) in
            [(10usize, 1000usize, r10_distinct), (10, 500, r10_dup), (64, 1000, t64)]
        {
            let mut times = Vec::new();
            let mut requests = 0;
            for _ in 0..py_reps {
                let before = log.count();
                // pyrlm blocks: run it off the runtime so the server keeps serving.
                let url = base_url.clone();
                let python = python.clone();
                let run = move || run_pyrlm(&python, &url, 1000, distinct, threads);
                match tokio::task::spawn_blocking(run).await {
                    Ok(Ok(seconds)) => times.push(seconds),
                    Ok(Err(e)) => {
                        println!("pyrlm-runtime run failed: {e}");
                        break;
                    }
                    Err(e) => {
                        println!("pyrlm-runtime task failed: {e}");
                        break;
                    }
                }
                requests = log.count() - before;
            }
            if !times.is_empty() {
                let med = median(&mut times);
                println!(
                    "pyrlm-runtime llm_batch, {threads} threads, 1000 requests / {distinct} distinct: median {med:.3} s ({} runs), {requests} requests reached the server; rlm-sched at concurrency {threads}: {ours:.3} s ({:.2}x faster)",
                    times.len(),
                    med / ours
                );
            }
        }
        println!(
            "  (rlm-sched 500-distinct batch at concurrency 10 sent {r10_dup_requests} requests)"
        );
    }

    // 4. 600 requests per minute over one minute, counted where they land.
    if !quick {
        let mut limits = SchedulerConfig { max_concurrency: 64, ..SchedulerConfig::default() };
        limits.model_limits.insert(
            bench.model.clone(),
            ModelLimits {
                requests_per_minute: std::num::NonZeroU32::new(600),
                ..ModelLimits::default()
            },
        );
        let sched =
            Scheduler::builder(Arc::clone(&bench.executor)).config(limits).build().expect("config");
        let start = Instant::now();
        let requests = batch(1000, 1000, "-rpm");
        let run = sched.run_batch(&bench.model, requests, None);
        // Stop (cancel the batch) after 61 s; count the first 60 s from the first arrival.
        let _ = tokio::time::timeout(Duration::from_secs(61), run).await;
        let cancelled_at = log.count();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let arrivals = log.arrivals_since(start);
        if let Some(&first) = arrivals.first() {
            let window = Duration::from_secs(60);
            let in_minute = arrivals.iter().filter(|t| t.duration_since(first) < window).count();
            // Largest count in any 60-second window starting at an arrival.
            let mut max_window = 0;
            let mut j = 0;
            for i in 0..arrivals.len() {
                while j < arrivals.len() && arrivals[j].duration_since(arrivals[i]) < window {
                    j += 1;
                }
                max_window = max_window.max(j - i);
            }
            let span =
                arrivals.last().map(|l| l.duration_since(first).as_secs_f64()).unwrap_or(0.0);
            let rate = (arrivals.len() as f64 - 1.0) / span * 60.0;
            println!(
                "600 RPM limit (default burst 2): {in_minute} requests in the first 60 s ({:+.2}% vs 600), max {max_window} in any 60 s window, mean rate {rate:.1}/min over {span:.1} s; {} more requests after cancelling the batch",
                (in_minute as f64 - 600.0) / 6.0,
                log.count() - cancelled_at
            );
        }
    }
}
