//! Process isolation's overhead per execution (issue #33): the same trivial
//! scripted execution (one root reply whose program reads the context and
//! calls FINAL) run N times in process and N times in a warm pool of sandbox
//! workers; prints each median and p90 and the difference of the medians.
//!
//! `cargo run --release -p rlm-cli --example isolation_overhead -- [N] [RLM_BINARY]`
//! (the binary defaults to `rlm` beside the example's directory, that is
//! `target/release/rlm`: build it with `cargo build --release -p rlm-cli`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_context::Context;
use rlm_core::adapters::FakeAdapter;
use rlm_core::sandbox::{ProcessHost, SandboxHost, WorkerPool};
use rlm_core::{Finish, Rlm};

const PROGRAM: &str = "```repl\nn = len(context)\nFINAL(f\"{n} {ctx.num_documents()}\")\n```";

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let binary = args.next().map(std::path::PathBuf::from).unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("the example's path");
        exe.parent().and_then(|d| d.parent()).expect("target/<profile>").join("rlm")
    });
    let context = Context::from_documents(["alpha beta gamma", "delta epsilon"]);
    let limits = rlm_interp::Limits::default();
    let mut config = ProcessHost::pool_config(&binary, &["sandbox-worker"], &limits);
    config.size = 2;
    let pool = WorkerPool::start(config).expect("the sandbox workers start");
    let isolated = SandboxHost::process(Arc::clone(&pool));
    // Interleaved, so that both see the same machine load.
    let mut local = Vec::with_capacity(n);
    let mut remote = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let a = once(&SandboxHost::InProcess, &context);
        let b = once(&isolated, &context);
        if i >= 20 {
            local.push(a);
            remote.push(b);
        }
    }
    let (lm, l90) = stats(&mut local);
    let (rm, r90) = stats(&mut remote);
    println!("executions: {n} each, after 20 warm-up; worker: {}", binary.display());
    println!("in process: median {:.3} ms, p90 {:.3} ms", ms(lm), ms(l90));
    println!("isolated:   median {:.3} ms, p90 {:.3} ms", ms(rm), ms(r90));
    println!(
        "overhead:   {:.3} ms per execution (median difference), ratio {:.2}",
        ms(rm) - ms(lm),
        ms(rm) / ms(lm)
    );
}

/// One execution's wall time, the `Rlm` built beforehand.
fn once(host: &SandboxHost, context: &Context) -> Duration {
    let rlm = Rlm::builder()
        .root(Arc::new(FakeAdapter::replies([PROGRAM])))
        .sandbox_host(host.clone())
        .build()
        .expect("an Rlm");
    let started = Instant::now();
    let result = rlm.run_blocking("how long?", context.clone()).expect("a run");
    let took = started.elapsed();
    assert_eq!(result.finish, Finish::Final, "{:?}", result.answer);
    took
}

fn stats(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 9 / 10])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
