//! Interpreter benchmark, side by side with CPython (and pydantic-monty where
//! it runs the program): start-up (parse + compile + run `print(1)`) and
//! RLM-typical workloads over a deterministic ~5 MB context.
//!
//! Run: `cargo run --release -p rlm-interp --example bench` (prints a
//! markdown table). Medians of several runs; one process runs everything.
//!
//! `startup` runs the same `print(1)` each time, so after the first run its
//! parse comes from the per-thread parse cache (as a resent program's does);
//! the last line also gives start-up with the cache missed.
//!
//! `bench --once NAME REPS` runs only our side of one workload REPS times,
//! with no warm-up and no Python: `benches/callgrind.sh` runs it under
//! callgrind, collecting inside `run_ours` only (context generation excluded).

use std::path::PathBuf;
use std::time::Instant;

use rlm_interp::{Limits, Outcome, Session, Str, Value};

fn context() -> String {
    let words =
        ["the", "river", "report", "alpha", "growth", "needle", "city", "forest", "Paris", "data"];
    let mut out = String::with_capacity(5 << 20);
    let mut x: u64 = 12345;
    let mut line = 0;
    while out.len() < 5 << 20 {
        for k in 0..12 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let w = words[(x >> 33) as usize % words.len()];
            out.push_str(w);
            if w == "needle" {
                out.push_str(&format!(" {}", (x >> 40) % 1000));
            }
            out.push(if k == 11 { '\n' } else { ' ' });
        }
        line += 1;
        if line % 50 == 0 {
            out.push_str("Résumé café naïve — ünïcödé line\n");
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// One run: (seconds, printed output).
#[inline(never)]
fn run_ours(src: &str, ctx: &Value) -> (f64, String) {
    let t = Instant::now();
    let mut s = Session::new(Limits { fuel: u64::MAX / 2, ..Limits::default() });
    s.set_global("context", ctx.clone());
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("workload failed: {other:?}"),
    }
    let output = s.take_output();
    (t.elapsed().as_secs_f64(), output)
}

fn fmt(s: f64) -> String {
    if s < 1e-3 { format!("{:.1} µs", s * 1e6) } else { format!("{:.2} ms", s * 1e3) }
}

fn main() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads"));
    let names = [
        ("startup", 3000),
        ("scan_slices", 9),
        ("regex_finditer", 9),
        ("word_count", 7),
        ("chunk_lines", 7),
        ("fstring_build", 7),
        ("arith_loop", 7),
        ("func_calls", 7),
        ("json_answers", 7),
        ("sort_counter", 7),
    ];
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--once") {
        let name = args.get(2).expect("usage: bench --once NAME REPS");
        let reps: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(1);
        let src = std::fs::read_to_string(dir.join(format!("{name}.py"))).expect("read workload");
        let ctx = Value::Str(Str::from_buffer(std::sync::Arc::new(context())));
        let mut output = String::new();
        for _ in 0..reps {
            output = run_ours(&src, &ctx).1;
        }
        print!("{output}");
        return;
    }
    let ctx_text = context();
    let ctx_path = std::env::temp_dir().join("rlm_bench_context.txt");
    std::fs::write(&ctx_path, &ctx_text).expect("write context");
    let ctx = Value::Str(Str::from_buffer(std::sync::Arc::new(ctx_text)));
    let mut jobs = Vec::new();
    let mut ours = Vec::new();
    for (name, runs) in names {
        let src = std::fs::read_to_string(dir.join(format!("{name}.py"))).expect("read workload");
        let (_, output) = run_ours(&src, &ctx); // warm-up
        let times: Vec<f64> = (0..runs).map(|_| run_ours(&src, &ctx).0).collect();
        ours.push((median(times), output));
        jobs.push(serde_json::json!([name, src, runs]));
    }
    // Where start-up time goes: parsing alone (rlm-syntax) vs a whole run.
    let parse_only = median(
        (0..3000)
            .map(|_| {
                let t = Instant::now();
                let _ = rlm_syntax::parse("print(1)");
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let session_only = median(
        (0..3000)
            .map(|_| {
                let t = Instant::now();
                let s = Session::new(Limits::default());
                drop(s);
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    // Start-up when the parse cache misses: a source not seen before in
    // each run (a different comment), else the same as `startup`.
    let startup_uncached = median(
        (0..3000)
            .map(|i| {
                let src = format!("print(1)  # {i}");
                run_ours(&src, &ctx).0
            })
            .collect(),
    );
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/bench_driver.py");
    let out = std::process::Command::new("python3")
        .arg(driver)
        .arg(&ctx_path)
        .arg(serde_json::Value::Array(jobs).to_string())
        .output()
        .expect("run python3");
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).expect("driver JSON");
    println!(
        "| workload | rlm-interp | CPython 3.11 | ratio (CPython time / ours) | pydantic-monty |"
    );
    println!("|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for ((name, _), (t, output)) in names.iter().zip(ours.iter()) {
        let cp = py[name]["cpython"].as_f64().unwrap_or(f64::NAN);
        // A workload is only comparable if both printed the same thing.
        if py[name]["cpython_output"].as_str() != Some(output.as_str()) {
            eprintln!(
                "warning: {name}: our output differs from CPython's:\n ours: {output:?}\n cpython: {}",
                py[name]["cpython_output"]
            );
        }
        let monty = match py[name]["monty"].as_f64() {
            Some(m) => fmt(m),
            None => {
                format!("n/a ({})", py[name]["monty_error"].as_str().unwrap_or("not installed"))
            }
        };
        let r = cp / t;
        if *name != "startup" {
            ratios.push(r);
        }
        println!("| {name} | {} | {} | {:.2}x | {monty} |", fmt(*t), fmt(cp), r);
    }
    println!("\nmedian ratio over the workloads (excluding start-up): {:.2}x", median(ratios));
    println!(
        "start-up breakdown: parse only {}, Session::new + drop {}; start-up with the parse cache missed (a new source each run) {}",
        fmt(parse_only),
        fmt(session_only),
        fmt(startup_uncached)
    );
}
