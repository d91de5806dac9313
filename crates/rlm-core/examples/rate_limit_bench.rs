//! Subcalls under rate limits (issue #53): a whole RLM run whose program sends
//! 1,000 prompts with `llm_batch` to an OpenAI-compatible mock provider that
//! refuses 20% of its requests with `429` and `Retry-After: 1`, against the
//! ideal time of the same run.
//!
//! Two ideals, both from `clean`, the same run (1,000 prompts, the same
//! concurrency, the same latency) against the same provider refusing nothing:
//! - `ideal = clean + 1 s`: one second, the wait no scheduler can avoid for a
//!   prompt refused at the very end (the issue's definition). Stricter than
//!   counting the refused requests as work: they are answered at once, so it
//!   charges them nothing. But a prompt refused at the end is refused again
//!   one time in five, and each refusal is another second.
//! - `sim = clean + (S_refusing - S_clean)`: `S` is the median makespan of a
//!   simulated ideal scheduler (no overhead at all, never idle while a prompt
//!   is ready, a refused prompt ready again the instant its wait ends and
//!   served before fresh ones), over 1,001 draws of the same refusal rate;
//!   what it adds to `clean` is the time the refusals themselves cost.
//!
//! Each repetition measures `clean` and the run with refusals one after the
//! other; the figures are medians.
//!
//! Run: `cargo run --release -p rlm-core --example rate_limit_bench`
//! (`-- --reps N`, default 5; `--calls N`, default 1000; `--concurrency N`,
//! default 16, the scheduler's default; `--latency-ms N`, default 250;
//! `--rate R`, default 0.2; `--retry-after S`, default 1).
//!
//! For comparison, each repetition also runs the batch the way subcalls ran
//! before issue #53 ("before": the scheduler alone, with an executor calling
//! the adapter's own retry loop, which holds the call's concurrency slot
//! while it waits, and that loop's old policy: at most 5 attempts, half
//! jitter): its time, and the prompts it lost.
//!
//! The mock (rlm-testenv's, on 127.0.0.1, its own runtime) answers a request
//! after the latency, or refuses it at once; refusals are drawn per request
//! from a generator seeded with the repetition's number. The root model is a
//! script (the fan-out program, which ends with its own FINAL); the sub-model
//! is the real OpenAI adapter (reqwest, HTTP/1.1 keep-alive), so the whole
//! path is measured: the adapter's retries, the scheduler's gate, serving and
//! the interpreter's `llm_batch`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_adapters::{
    EnvVars, FactoryOptions, FakeAdapter, HttpOptions, ModelAdapter, RetryPolicy,
    adapter_from_model_string, adapter_with_options,
};
use rlm_context::Context;
use rlm_core::{Rlm, RunResult};
use rlm_sched::{FnExecutor, Scheduler, SchedulerConfig};
use rlm_testenv::mock_openai::{MockConfig, MockOpenAi, Refusals, RetryAfter};
use rlm_trace::EventKind;
use rlm_types::{CompletionRequest, ModelId};

struct Args {
    reps: u64,
    calls: usize,
    concurrency: usize,
    latency_ms: u64,
    rate: f64,
    retry_after: u64,
}

fn args() -> Args {
    let mut a =
        Args { reps: 5, calls: 1000, concurrency: 16, latency_ms: 250, rate: 0.2, retry_after: 1 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        let number = value.parse::<u64>().ok();
        match (pair[0].as_str(), number) {
            ("--reps", Some(v)) => a.reps = v.max(1),
            ("--calls", Some(v)) => a.calls = v as usize,
            ("--concurrency", Some(v)) => a.concurrency = v.max(1) as usize,
            ("--latency-ms", Some(v)) => a.latency_ms = v,
            ("--retry-after", Some(v)) => a.retry_after = v,
            ("--rate", _) => a.rate = value.parse().unwrap_or(a.rate),
            _ => {
                eprintln!(
                    "usage: rate_limit_bench [--reps N] [--calls N] [--concurrency N] [--latency-ms N] [--rate R] [--retry-after S]"
                );
                std::process::exit(2);
            }
        }
    }
    a
}

fn env(mock: &MockOpenAi) -> EnvVars {
    EnvVars::from_pairs([
        ("OPENAI_BASE_URL", format!("{}/v1", mock.uri())),
        ("OPENAI_API_KEY", "sk-bench".to_string()),
    ])
}

/// One run: the fan-out program against `mock`, as model `openai:{name}`.
fn run(rt: &tokio::runtime::Runtime, mock: &MockOpenAi, name: &str, a: &Args) -> (f64, RunResult) {
    let sub = adapter_from_model_string(&format!("openai:{name}"), &env(mock)).expect("an adapter");
    let program = format!(
        "```repl\nrs = llm_batch([f'prompt {{i}}' for i in range({})])\nFINAL(str(sum(1 for r in rs if r)))\n```",
        a.calls
    );
    let rlm = Rlm::builder()
        .root(Arc::new(FakeAdapter::replies([program, "FINAL('unfinished')".into()])))
        .sub_model(sub)
        .scheduler(SchedulerConfig { max_concurrency: a.concurrency, ..Default::default() })
        // The whole fan-out is one batch, past the default batch cap.
        .map_options(|o| o.max_batch = o.max_batch.max(a.calls))
        .build()
        .expect("an rlm");
    let started = Instant::now();
    let r = rt.block_on(rlm.run("fan out", Context::from_text("a small context"))).expect("a run");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(r.answer.as_deref(), Some(a.calls.to_string().as_str()), "{:?}", r.finish);
    (seconds, r)
}

/// The batch as subcalls ran before issue #53: the adapter's own retries
/// (at most 5 attempts, half jitter) inside the call, holding its slot.
/// Returns the time and the prompts that failed.
fn before(rt: &tokio::runtime::Runtime, mock: &MockOpenAi, name: &str, a: &Args) -> (f64, usize) {
    let retry = RetryPolicy {
        max_retries: 4,
        jitter: 0.5,
        max_elapsed: Some(Duration::from_secs(300)),
        ..RetryPolicy::default()
    };
    let options = FactoryOptions {
        http: HttpOptions { retry, ..HttpOptions::default() },
        ..Default::default()
    };
    let sub =
        adapter_with_options(&format!("openai:{name}"), &env(mock), &options).expect("an adapter");
    let model: ModelId = sub.model_id();
    let executor = FnExecutor(move |_: ModelId, r: CompletionRequest| {
        let sub = Arc::clone(&sub);
        async move { sub.call(&r).await.result }
    });
    let scheduler = Scheduler::builder(executor)
        .config(SchedulerConfig { max_concurrency: a.concurrency, ..Default::default() })
        .build()
        .expect("a scheduler");
    let requests = (0..a.calls).map(|i| CompletionRequest::user(format!("prompt {i}"))).collect();
    let started = Instant::now();
    let results = rt.block_on(scheduler.run_batch(&model, requests, None));
    (started.elapsed().as_secs_f64(), results.iter().filter(|r| r.is_err()).count())
}

fn mock(rt: &tokio::runtime::Runtime, a: &Args, refusals: Refusals) -> MockOpenAi {
    let config = MockConfig {
        latency: Duration::from_millis(a.latency_ms),
        echo: true,
        refusals,
        ..MockConfig::default()
    };
    rt.block_on(MockOpenAi::start(config)).expect("the mock")
}

/// The makespan of the ideal scheduler (see the module docs) for `a`, with
/// refusals drawn from `seed` at `a.rate`: `a.concurrency` slots, an answer
/// takes the latency, a refusal no time, a refused prompt is ready again
/// `retry_after` later and goes first.
fn simulated(a: &Args, seed: u64) -> f64 {
    let latency = a.latency_ms as f64 / 1000.0;
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut refused = || {
        // xorshift64*: a draw in [0, 1).
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let draw = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        draw < a.rate
    };
    let mut slots = vec![0.0f64; a.concurrency];
    // Retries waiting, by the time they are ready (earliest first).
    let mut retries: Vec<f64> = Vec::new();
    let mut fresh = a.calls;
    let mut end = 0.0f64;
    while fresh > 0 || !retries.is_empty() {
        let (slot, free_at) = slots
            .iter()
            .copied()
            .enumerate()
            .min_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap_or((0, 0.0));
        retries.sort_by(|x, y| y.total_cmp(x));
        let start = match retries.last() {
            Some(&ready) if ready <= free_at || fresh == 0 => {
                retries.pop();
                free_at.max(ready)
            }
            _ => {
                fresh -= 1;
                free_at
            }
        };
        if refused() {
            slots[slot] = start;
            retries.push(start + a.retry_after as f64);
        } else {
            slots[slot] = start + latency;
            end = end.max(start + latency);
        }
    }
    end
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let a = args();
    let wait = a.retry_after as f64;
    println!(
        "{} prompts, concurrency {}, {} ms latency, {:.0}% refused with 429 + Retry-After: {} s",
        a.calls,
        a.concurrency,
        a.latency_ms,
        a.rate * 100.0,
        a.retry_after
    );
    let provider = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("the mock's runtime");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let extra = {
        let with = median((0..1001).map(|seed| simulated(&a, seed)).collect());
        let without = simulated(&Args { rate: 0.0, ..a }, 0);
        with - without
    };
    println!(
        "the simulated ideal scheduler needs {extra:.2} s more with the refusals than without"
    );
    let (mut clean, mut faulty, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut sim_ratios = Vec::new();
    let (mut old, mut old_ratios, mut old_lost) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..a.reps {
        let quiet = mock(&provider, &a, Refusals::default());
        let (clean_s, _) = run(&rt, &quiet, &format!("bench-clean-{rep}"), &a);
        let refusals = Refusals {
            rate: a.rate,
            seed: rep,
            status: 429,
            retry_after: Some(RetryAfter::Seconds(a.retry_after)),
        };
        let refusing = mock(&provider, &a, refusals.clone());
        let (faulty_s, r) = run(&rt, &refusing, &format!("bench-faulty-{rep}"), &a);
        // Retries per prompt (each subcall's span): the longest chain of
        // refusals one prompt met, each a second's wait no scheduler can skip.
        let mut per_prompt: std::collections::HashMap<_, usize> = Default::default();
        for e in &r.events {
            if matches!(e.kind, EventKind::Retry(_)) {
                *per_prompt.entry(e.span_id).or_default() += 1;
            }
        }
        let retries: usize = per_prompt.values().sum();
        let chain = per_prompt.values().copied().max().unwrap_or(0);
        let ideal = clean_s + wait;
        let sim = clean_s + extra;
        println!(
            "  rep {}: clean {:.2} s, ideal {:.2} s, sim {:.2} s, with refusals {:.2} s = {:.3}x ideal, {:.3}x sim ({} requests, {} refused, {} retries, longest chain {})",
            rep + 1,
            clean_s,
            ideal,
            sim,
            faulty_s,
            faulty_s / ideal,
            faulty_s / sim,
            refusing.calls(),
            refusing.refused(),
            retries,
            chain,
        );
        clean.push(clean_s);
        faulty.push(faulty_s);
        ratios.push(faulty_s / ideal);
        sim_ratios.push(faulty_s / sim);
        let old_mock = mock(&provider, &a, refusals);
        let (old_s, lost) = before(&rt, &old_mock, &format!("bench-before-{rep}"), &a);
        println!(
            "         before #53: {:.2} s = {:.3}x ideal, {} of {} prompts lost",
            old_s,
            old_s / ideal,
            lost,
            a.calls
        );
        old.push(old_s);
        old_ratios.push(old_s / ideal);
        old_lost.push(lost);
    }
    println!(
        "median of {}: clean {:.2} s, ideal {:.2} s, sim {:.2} s, with refusals {:.2} s; ratio to ideal: median {:.3}, worst {:.3}; to sim: median {:.3}, worst {:.3}",
        a.reps,
        median(clean.clone()),
        median(clean.clone()) + wait,
        median(clean) + extra,
        median(faulty),
        median(ratios.clone()),
        ratios.iter().copied().fold(0.0, f64::max),
        median(sim_ratios.clone()),
        sim_ratios.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "before #53 (slot held while waiting, 5 attempts): median {:.2} s = {:.3}x ideal; prompts lost per run: {:?}",
        median(old),
        median(old_ratios),
        old_lost,
    );
}
