//! Loop overhead per step, model latency excluded: a scripted root model
//! (zero latency, below) drives N steps of small programs over contexts from 10 KB
//! to 100 MB. Compare with `examples/bench/pyrlm_loop.py` (pyrlm-runtime's
//! FakeAdapter, same scripts). Per-step time = run time / steps.
//!
//! `cargo bench -p rlm-core --bench loop_overhead`
//!
//! Instruction counts (stable on a loaded machine, where times are not): one
//! case, ten runs, counted by callgrind inside `measured` only:
//! `LOOP_OVERHEAD_CASE=a_10_cells_tiny valgrind --tool=callgrind --collect-atstart=no
//! '--toggle-collect=*measured*' target/release/deps/loop_overhead-*` (cases:
//! `a_50_cells_tiny`, `a_10_cells_tiny`, `b_10_slices_100MB`, `a_10_cells_100MB`).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BatchSize, Criterion, criterion_group};
use futures::future::BoxFuture;
use rlm_adapters::{CallReport, ModelAdapter};
use rlm_context::Context;
use rlm_core::{LoopOptions, Rlm};
use rlm_types::{Completion, CompletionRequest, ModelId, Usage};

/// A zero-latency scripted root model that does only what a model call
/// must: hand back the next reply (usage estimated from byte lengths). The
/// test suite's `FakeAdapter` also records every request for assertions,
/// which would put a copy of the whole history into each step's figure.
struct Script {
    replies: Vec<String>,
    next: AtomicUsize,
}

impl ModelAdapter for Script {
    fn model_id(&self) -> ModelId {
        ModelId::new("bench", "script")
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let text = self.replies.get(i).cloned().unwrap_or_default();
        let prompt_bytes: usize = request.messages.iter().map(|m| m.content.len()).sum();
        let usage = Usage {
            prompt_tokens: prompt_bytes as u64 / 4,
            completion_tokens: text.len() as u64 / 4,
            cached_tokens: 0,
        };
        let completion = Completion {
            text,
            usage,
            finish_reason: None,
            model: "script".into(),
            latency: std::time::Duration::ZERO,
        };
        Box::pin(async move { CallReport::single(Ok(completion)) })
    }
}

/// The cells of `examples/bench/pyrlm_loop.py`, one per reply, then a
/// `FINAL('done')` reply: `turns = cells + 1` root-model turns.
fn replies(cells: &[String]) -> Vec<String> {
    let mut r: Vec<String> = cells.iter().map(|c| format!("```repl\n{c}\n```")).collect();
    r.push("FINAL('done')".to_string());
    r
}

/// (a) `x = i; print(x * 2)`.
fn loop_cells(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("x = {i}\nprint(x * 2)")).collect()
}

/// (b) a slice of `P` at ten places, as the Python harness does.
fn slice_cells(size: usize) -> Vec<String> {
    let step = size / 10;
    (0..10)
        .map(|i| format!("part = P[{}:{}]\nprint(len(P), part[:40])", i * step, i * step + 200))
        .collect()
}

/// The Python harness's text: varied numbered lines, cut to `n` bytes.
fn big_text(n: usize) -> Context {
    let mut block = String::new();
    for i in 0..10_000 {
        block.push_str(&format!(
            "Record {i:09}: the quiet harbor lantern drifted toward the northern hills.\n"
        ));
    }
    let mut text = String::with_capacity(n + block.len());
    while text.len() < n {
        text.push_str(&block);
    }
    text.truncate(n);
    Context::from_text(text)
}

fn rlm(cells: &[String]) -> Rlm {
    let turns = cells.len() as u64 + 1;
    let root = Script { replies: replies(cells), next: AtomicUsize::new(0) };
    Rlm::builder()
        .root(Arc::new(root))
        .budget(rlm_policy::BudgetLimits {
            max_steps: Some(turns),
            soft_limit_ratio: 1.0,
            ..Default::default()
        })
        .options(LoopOptions { compaction: None, ..LoopOptions::default() })
        .build()
        .expect("valid")
}

/// The cases: (name, context, cells).
fn cases<'a>(
    small: &'a Context,
    big: &'a Context,
) -> [(&'static str, &'a Context, Vec<String>); 4] {
    [
        ("a_50_cells_tiny", small, loop_cells(50)),
        ("a_10_cells_tiny", small, loop_cells(10)),
        ("b_10_slices_100MB", big, slice_cells(100_000_000)),
        ("a_10_cells_100MB", big, loop_cells(10)),
    ]
}

/// One run of a case (what each measurement covers).
#[inline(never)]
fn measured(r: Rlm, ctx: &Context, turns: u32) {
    let out = r.run_blocking("benchmark the loop", ctx.clone()).expect("run");
    assert_eq!((out.steps, out.answer.as_deref()), (turns, Some("done")));
    black_box(out);
}

fn contexts() -> (Context, Context) {
    let small = Context::from_text("tiny context");
    let big = big_text(100_000_000);
    // Metadata (size, token count, preview) is computed once per context and
    // cached; warm it so the runs measure the loop.
    let _ = small.metadata();
    let _ = big.metadata();
    (small, big)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("loop_overhead");
    g.sample_size(30);
    let (small, big) = contexts();
    for (name, ctx, cells) in cases(&small, &big) {
        let turns = cells.len() as u32 + 1;
        g.bench_function(format!("{name}_{turns}_turns"), |b| {
            b.iter_batched(|| rlm(&cells), |r| measured(r, ctx, turns), BatchSize::PerIteration)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    // Callgrind mode: one case, a warm-up run, then ten measured runs.
    if let Ok(case) = std::env::var("LOOP_OVERHEAD_CASE") {
        let (small, big) = contexts();
        let Some((_, ctx, cells)) = cases(&small, &big).into_iter().find(|c| c.0 == case) else {
            eprintln!("unknown case {case:?}");
            std::process::exit(2);
        };
        let turns = cells.len() as u32 + 1;
        let warm = rlm(&cells);
        warm.run_blocking("warm up", ctx.clone()).expect("run");
        for _ in 0..10 {
            measured(rlm(&cells), ctx, turns);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
