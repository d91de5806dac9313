//! Loop overhead per step, model latency excluded: a scripted root model
//! (zero latency) drives N steps of small programs over contexts from 10 KB
//! to 100 MB. Compare with `examples/bench/pyrlm_loop.py` (pyrlm-runtime's
//! FakeAdapter, same scripts). Per-step time = run time / steps.
//!
//! `cargo bench -p rlm-core --bench loop_overhead`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{LoopOptions, Rlm};

/// `steps - 1` cells of `x = i; print(x * 2)`, then `FINAL(x)`.
fn replies(steps: usize) -> Vec<String> {
    let mut r: Vec<String> =
        (0..steps - 1).map(|i| format!("```repl\nx = {i}\nprint(x * 2)\n```")).collect();
    r.push("```repl\nFINAL(x)\n```".to_string());
    r
}

fn context(bytes: usize) -> Context {
    let line = "The quick brown fox jumps over the lazy dog while the logs keep rolling in.\n";
    let mut text = String::with_capacity(bytes + line.len());
    while text.len() < bytes {
        text.push_str(line);
    }
    Context::from_text(text)
}

fn rlm(steps: usize) -> Rlm {
    let root = FakeAdapter::replies(replies(steps)).with_model_name("root");
    Rlm::builder()
        .root(Arc::new(root))
        .budget(rlm_policy::Limits {
            max_steps: Some(steps as u64),
            soft_limit_ratio: 1.0,
            ..Default::default()
        })
        .options(LoopOptions { compaction: None, ..LoopOptions::default() })
        .build()
        .expect("valid")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("loop_overhead");
    g.sample_size(30);
    for (label, bytes) in [("10KB", 10_000usize), ("100MB", 100_000_000)] {
        let ctx = context(bytes);
        // Metadata (size, token estimate, preview) is computed once per
        // context and cached; the first run would pay it, so warm it here.
        let _ = ctx.metadata();
        for steps in [10usize, 50] {
            g.bench_function(format!("{steps}_steps_{label}"), |b| {
                b.iter_batched(
                    || rlm(steps),
                    |r| {
                        let out = r.run_blocking("q", ctx.clone()).expect("run");
                        assert_eq!(out.steps as usize, steps);
                        black_box(out)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
