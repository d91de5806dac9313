//! Interpreter benchmark, side by side with CPython (and pydantic-monty where
//! it runs the program): start-up (parse + compile + run `print(1)`) and
//! RLM-typical workloads over a deterministic ~5 MB context.
//!
//! Run: `cargo run --release -p rlm-interp --example bench` (prints a
//! markdown table). Each workload runs in rounds: our run(s), then
//! CPython's and monty's of the same workload back to back (the driver,
//! `benches/bench_driver.py`, serves one round per request), so that a
//! round's three timings share the machine's load; medians over the rounds,
//! and the spread of the per-round ratios.
//!
//! `startup` runs the same `print(1)` each time, so after the first run its
//! parse comes from the per-thread parse cache (as a resent program's does);
//! the last line also gives start-up with the cache missed.
//!
//! The `corpus_*` workloads are programs real models wrote (from the shared
//! corpus of RLM runs); each runs over a generated context of the shape it
//! was written for (`bench_support/corpus_contexts.rs`), the others over the
//! shared one. Our output must equal CPython's: a workload that differs is
//! named on stderr and the bench exits with status 1 after the table.
//!
//! `bench --once NAME REPS` runs only our side of one workload REPS times,
//! with no warm-up and no Python: `benches/callgrind.sh` runs it under
//! callgrind, collecting inside `run_ours` only (context generation excluded).
//! `bench --startup` runs only the start-up row and its breakdown;
//! `bench --only A,B` only the workloads named (and the breakdown).
//! `bench --file PATH` runs one program at the default limits (peak-memory
//! checks with this binary's allocator; host calls answered "ok" at once).
//! `bench --write-context PATH [NAME]` writes the context workload NAME runs
//! over, the shared one without NAME (`benches/callgrind_cpython.sh` hands it
//! to CPython).

use std::path::PathBuf;
use std::time::Instant;

use rlm_interp::{Interpreter, Limits, Outcome, Str, Value};

/// The allocator the `rlm` binary ships with (mimalloc 2 without transparent
/// huge pages, with its options: see `crates/rlm-cli/src/main.rs`), so that
/// the bench measures what runs.
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

/// The allocator itself, from the one file that defines it for `rlm`.
#[path = "../../rlm-cli/src/allocator.rs"]
mod allocator;

/// Its options, from the one file that sets them for `rlm`.
#[path = "../../rlm-cli/src/allocator_options.rs"]
#[allow(dead_code)] // `collect` is `rlm serve`'s purge; an example only sets the options
mod allocator_options;

#[path = "bench_support/corpus_contexts.rs"]
mod corpus_contexts;

/// The shared context of the hand-written workloads: words, a few needles
/// with numbers, a non-ASCII line every 50.
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

/// The context a workload runs over: the shared one, or the shape its corpus
/// program was written for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ContextShape {
    Words,
    OolongMessages,
    TrecQuestions,
    Transcript,
}

impl ContextShape {
    fn of(workload: &str) -> ContextShape {
        match workload {
            "corpus_oolong_count" => ContextShape::OolongMessages,
            "corpus_trec_regex" => ContextShape::TrecQuestions,
            "corpus_transcript_scan" => ContextShape::Transcript,
            _ => ContextShape::Words,
        }
    }

    /// The text. Sizes make a CPython run take 35-65 ms (per line, the
    /// oolong program's `strptime` costs far more than the others' work).
    fn generate(self) -> String {
        match self {
            ContextShape::Words => context(),
            ContextShape::OolongMessages => corpus_contexts::oolong_messages(2 << 20),
            ContextShape::TrecQuestions => corpus_contexts::trec_questions(4 << 20),
            ContextShape::Transcript => corpus_contexts::transcript(4 << 20),
        }
    }

    /// Where the CPython driver reads it from, in the temp dir.
    fn file_name(self) -> &'static str {
        match self {
            ContextShape::Words => "rlm_bench_context.txt",
            ContextShape::OolongMessages => "rlm_bench_context_oolong.txt",
            ContextShape::TrecQuestions => "rlm_bench_context_trec.txt",
            ContextShape::Transcript => "rlm_bench_context_transcript.txt",
        }
    }
}

/// A generated context as our side binds it and where CPython's side reads it.
struct BenchContext {
    shape: ContextShape,
    value: Value,
    path: PathBuf,
}

impl BenchContext {
    /// Generates the context of `shape` and writes it for the driver.
    fn write(shape: ContextShape) -> BenchContext {
        let text = shape.generate();
        let path = std::env::temp_dir().join(shape.file_name());
        std::fs::write(&path, &text).expect("write context");
        BenchContext { shape, value: Value::Str(Str::from_buffer(std::sync::Arc::new(text))), path }
    }
}

/// Where two outputs first differ: the line number and both lines.
fn first_difference(ours: &str, theirs: &str) -> String {
    let (mut a, mut b) = (ours.split('\n'), theirs.split('\n'));
    for line in 1.. {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) if x == y => {}
            (x, y) => return format!("line {line}: ours {x:?}, CPython's {y:?}"),
        }
    }
    "none".to_string()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// One run: (seconds, printed output).
#[inline(never)]
fn run_ours(src: &str, ctx: &Value) -> (f64, String) {
    let t = Instant::now();
    let mut s = Interpreter::new(Limits { fuel: u64::MAX / 2, ..Limits::default() });
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
    allocator_options::set();
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads"));
    let names = [
        // (workload, rounds, runs per round on each side)
        ("startup", 30, 100),
        ("scan_slices", 9, 1),
        ("regex_finditer", 9, 1),
        ("word_count", 7, 1),
        ("chunk_lines", 7, 1),
        ("fstring_build", 7, 1),
        ("arith_loop", 7, 1),
        ("func_calls", 7, 1),
        ("json_answers", 7, 1),
        ("sort_counter", 7, 1),
        ("corpus_oolong_count", 7, 1),
        ("corpus_trec_regex", 7, 1),
        ("corpus_transcript_scan", 7, 1),
    ];
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--write-context") {
        let path = args.get(2).expect("usage: bench --write-context PATH [NAME]");
        let shape = args.get(3).map_or(ContextShape::Words, |name| ContextShape::of(name));
        std::fs::write(path, shape.generate()).expect("write context");
        return;
    }
    if args.get(1).map(String::as_str) == Some("--file") {
        // Peak-memory checks (docs/benchmarks/2026-11-21-rlm-interp.md, issue #16 fifth round): one
        // program at the default limits, as `rlm exec` runs it.
        let path = args.get(2).expect("usage: bench --file PATH");
        let src = std::fs::read_to_string(path).expect("read program");
        let mut s = Interpreter::new(Limits::default());
        let mut outcome = s.run_cell(&src);
        // Host calls are answered "ok" at once (the host's own work per call,
        // which `rlm exec --reply ok` adds, is not in this figure).
        while let Outcome::Suspended(calls) = outcome {
            for c in calls {
                let _ = s.answer(c.id, Ok(Value::str("ok")));
            }
            outcome = s.resume();
        }
        print!("{}", s.take_output());
        match &outcome {
            Outcome::Error(e) => eprintln!("{:?}: {}", e.kind, e.message),
            other => eprintln!("{other:?}"),
        }
        std::mem::forget(s); // as `rlm exec`: the OS takes the heap back
        return;
    }
    if args.get(1).map(String::as_str) == Some("--once") {
        let name = args.get(2).expect("usage: bench --once NAME REPS");
        let reps: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(1);
        let src = std::fs::read_to_string(dir.join(format!("{name}.py"))).expect("read workload");
        let ctx =
            Value::Str(Str::from_buffer(std::sync::Arc::new(ContextShape::of(name).generate())));
        let mut output = String::new();
        for _ in 0..reps {
            output = run_ours(&src, &ctx).1;
        }
        print!("{output}");
        return;
    }
    // Each context is generated and written once, before the first workload
    // that runs over it.
    let mut contexts = vec![BenchContext::write(ContextShape::Words)];
    let load_before = load_average();
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/bench_driver.py");
    let mut python = Other::start(driver, &contexts[0].path);
    let mut rows = Vec::new();
    // `bench --startup`: the start-up row and breakdown only (the parser's
    // and compiler's changes are measured without the 12 workloads' minutes).
    let startup_only = args.get(1).map(String::as_str) == Some("--startup");
    // `bench --only A,B`: those workloads alone (a change aimed at two of
    // them is measured in a minute, beside CPython as the full table is).
    let only: Option<Vec<&str>> = match args.get(1).map(String::as_str) {
        Some("--only") => args.get(2).map(|list| list.split(',').collect()),
        _ => None,
    };
    for (name, rounds, batch) in names {
        if startup_only && name != "startup" {
            continue;
        }
        if only.as_ref().is_some_and(|only| !only.contains(&name)) {
            continue;
        }
        let src = std::fs::read_to_string(dir.join(format!("{name}.py"))).expect("read workload");
        let shape = ContextShape::of(name);
        if !contexts.iter().any(|c| c.shape == shape) {
            contexts.push(BenchContext::write(shape));
        }
        let bench_ctx = contexts.iter().find(|c| c.shape == shape).expect("written above");
        let ctx = &bench_ctx.value;
        let (_, output) = run_ours(&src, ctx); // warm-up
        let mut row = Row { output, ..Row::default() };
        // One round: our batch, then CPython's and monty's of the same
        // workload back to back, so that the three share the machine's load.
        for _ in 0..rounds {
            let ours: Vec<f64> = (0..batch).map(|_| run_ours(&src, ctx).0).collect();
            let other = python.run(name, &src, batch, &bench_ctx.path);
            row.round_ratios.push(median(other.cpython.clone()) / median(ours.clone()));
            row.ours.extend(ours);
            row.cpython.extend(other.cpython);
            row.cpython_output = other.cpython_output;
            match other.monty {
                Some(m) => row.monty.extend(m),
                None => row.monty_error = other.monty_error,
            }
        }
        rows.push((name, row));
    }
    drop(python);
    let load_after = load_average();
    let ctx = &contexts[0].value;
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
                let s = Interpreter::new(Limits::default());
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
                run_ours(&src, ctx).0
            })
            .collect(),
    );
    println!(
        "| workload | rlm-interp | CPython 3.11 | ratio (CPython time / ours) | ratio per round: min-max | pydantic-monty |"
    );
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    let mut differing = Vec::new();
    for (name, row) in rows {
        // A workload is only comparable if both printed the same thing.
        if row.cpython_output != row.output {
            eprintln!(
                "error: {name}: our output differs from CPython's at {}",
                first_difference(&row.output, &row.cpython_output)
            );
            differing.push(name);
        }
        let monty = if row.monty.is_empty() {
            format!("n/a ({})", row.monty_error.as_deref().unwrap_or("not installed"))
        } else {
            fmt(median(row.monty))
        };
        let (t, cp) = (median(row.ours), median(row.cpython));
        let r = cp / t;
        if name != "startup" {
            ratios.push(r);
        }
        let lo = row.round_ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = row.round_ratios.iter().copied().fold(0.0, f64::max);
        println!("| {name} | {} | {} | {r:.2}x | {lo:.2}x-{hi:.2}x | {monty} |", fmt(t), fmt(cp));
    }
    if !ratios.is_empty() {
        println!("\nmedian ratio over the workloads (excluding start-up): {:.2}x", median(ratios));
    }
    println!(
        "start-up breakdown: parse only {}, Interpreter::new + drop {}; start-up with the parse cache missed (a new source each run) {}",
        fmt(parse_only),
        fmt(session_only),
        fmt(startup_uncached)
    );
    println!("load average (1, 5, 15 min) before: {load_before}; after: {load_after}");
    if !differing.is_empty() {
        eprintln!("error: output differs from CPython's in {}", differing.join(", "));
        std::process::exit(1);
    }
}

/// One workload's timings: ours, CPython's and monty's over all rounds.
#[derive(Default)]
struct Row {
    output: String,
    ours: Vec<f64>,
    cpython: Vec<f64>,
    cpython_output: String,
    monty: Vec<f64>,
    monty_error: Option<String>,
    /// CPython's median over ours in each round (same load).
    round_ratios: Vec<f64>,
}

/// What the driver answered for one round of a workload.
struct OtherRound {
    cpython: Vec<f64>,
    cpython_output: String,
    monty: Option<Vec<f64>>,
    monty_error: Option<String>,
}

/// The CPython/monty side (`benches/bench_driver.py`), one process serving
/// one round at a time.
struct Other {
    child: std::process::Child,
    answers: std::io::BufReader<std::process::ChildStdout>,
}

impl Other {
    fn start(driver: &str, ctx_path: &std::path::Path) -> Other {
        let mut child = std::process::Command::new("python3")
            .arg(driver)
            .arg(ctx_path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run python3");
        let answers = std::io::BufReader::new(child.stdout.take().expect("driver stdout"));
        Other { child, answers }
    }

    fn run(
        &mut self,
        name: &str,
        src: &str,
        runs: usize,
        ctx_path: &std::path::Path,
    ) -> OtherRound {
        use std::io::{BufRead, Write};
        let req = serde_json::json!({
            "name": name,
            "src": src,
            "runs": runs,
            "context": ctx_path.to_string_lossy(),
        });
        let stdin = self.child.stdin.as_mut().expect("driver stdin");
        writeln!(stdin, "{req}").and_then(|()| stdin.flush()).expect("write to the driver");
        let mut line = String::new();
        self.answers.read_line(&mut line).expect("read the driver's answer");
        let v: serde_json::Value = serde_json::from_str(&line).expect("driver JSON");
        let times = |k: &str| -> Option<Vec<f64>> {
            v[k].as_array().map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        };
        OtherRound {
            cpython: times("cpython").expect("CPython's times"),
            cpython_output: v["cpython_output"].as_str().unwrap_or_default().to_string(),
            monty: times("monty"),
            monty_error: v["monty_error"].as_str().map(str::to_string),
        }
    }
}

impl Drop for Other {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // end of requests: the driver exits
        let _ = self.child.wait();
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}
