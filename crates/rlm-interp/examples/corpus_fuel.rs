//! The fuel real model programs use: every program of the shared corpus
//! (`tests/corpus/extract_programs.py`, as the conformance test
//! `tests/corpus.rs` runs them: a trajectory's programs as consecutive cells
//! of one session, host calls answered `"ok"`) runs under unlimited fuel
//! with a synthetic context as long as the one its trajectory printed
//! ("Context length: N"; 100 000 characters when it printed none), and the
//! fuel of each cell is reported: the largest cells, then max, p99 and p50.
//! Then every fixture of `tests/programs`, and the heavy programs of
//! `benches/heavy` over a 1 MB context (issue #53).
//! The evidence for `Limits::default().fuel` (issue #33, #53):
//!
//! `cargo run --release -p rlm-interp --example corpus_fuel [CORPUS_DIR]`
//!
//! The corpus directory defaults to `shared/corpus/trajectories` beside the
//! workspace or one of its parents.

use std::collections::BTreeMap;
use std::process::Command;

use rlm_interp::{Interpreter, Limits, Outcome, Value};

/// What every host call answers (the conformance test's reply).
const REPLY: &str = "ok";

/// The context length of a trajectory that printed none.
const DEFAULT_CONTEXT: usize = 100_000;

/// A deterministic context of `len` bytes: documents of words with a few
/// needles, repeated (`tests/corpus.rs`'s synthetic context).
fn synthetic_context(len: usize) -> String {
    let words = ["alpha", "river", "Paris", "report", "growth", "1999", "Des Moines", "born"];
    let mut out = String::with_capacity(len + 256);
    let mut doc = 0usize;
    while out.len() < len {
        out.push_str(&format!("Document {doc}: Title {doc}\n"));
        for line in 0..12 {
            for k in 0..9 {
                out.push_str(words[(doc * 7 + line * 3 + k * 5) % words.len()]);
                out.push(' ');
            }
            let label = if line % 2 == 0 { "spam" } else { "ham" };
            out.push_str(&format!("value={} label: {label}\n", doc * 13 + line));
        }
        out.push('\n');
        doc += 1;
    }
    out.truncate(len);
    out
}

/// The largest "Context length: N" a trajectory's outputs printed.
fn context_len(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut best = None;
    for (i, _) in text.match_indices("Context length: ") {
        let digits: String = text[i + 16..].chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            best = Some(best.map_or(n, |b: usize| b.max(n)));
        }
    }
    best.unwrap_or(DEFAULT_CONTEXT)
}

/// Runs `cells` in one session; the fuel of each cell and its seconds.
fn run_job(cells: &[String], context: String) -> Vec<(u64, f64)> {
    let mut s = Interpreter::new(Limits { fuel: u64::MAX / 4, ..Limits::default() });
    let v = Value::Str(rlm_interp::Str::from_buffer(std::sync::Arc::new(context)));
    s.set_global("context", v.clone());
    s.set_global("P", v);
    let mut fuel = Vec::new();
    for src in cells {
        let t = std::time::Instant::now();
        let mut o = s.run_cell(src);
        // A cell's fuel counts across its suspensions (reset per cell only).
        let stop = loop {
            let _ = s.take_output();
            match o {
                Outcome::Suspended(calls) => {
                    for c in calls {
                        let _ = s.answer(c.id, Ok(Value::str(REPLY)));
                    }
                    o = s.resume();
                }
                Outcome::Final(_) => break true,
                Outcome::Done => break false,
                // A limit ends the trajectory (the next cells would see its rollback).
                Outcome::Error(ref e) => break matches!(e.kind, rlm_interp::ErrorKind::Limit(_)),
            }
        };
        fuel.push((s.fuel_used(), t.elapsed().as_secs_f64()));
        if stop {
            break;
        }
    }
    fuel
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        // `shared/corpus/trajectories` beside the workspace or one of its parents.
        std::path::Path::new(root)
            .ancestors()
            .map(|a| a.join("../shared/corpus/trajectories"))
            .find(|d| d.is_dir())
            .map_or_else(String::new, |d| d.display().to_string())
    });
    let script = format!("{root}/tests/corpus/extract_programs.py");
    let out = match Command::new("python3").arg(&script).arg(&dir).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("python3 {script}: {e}");
            std::process::exit(2);
        }
    };
    let entries: Vec<serde_json::Value> = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("the extractor's output: {e}");
            std::process::exit(2);
        }
    };
    // One session per trajectory file, its programs in order.
    let mut jobs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for e in &entries {
        if !e["cpython_ok"].as_bool().unwrap_or(false)
            || e["left_out"].as_array().is_some_and(|a| !a.is_empty())
        {
            continue;
        }
        let file = e["file"].as_str().unwrap_or("").to_string();
        if !jobs.contains_key(&file) {
            order.push(file.clone());
        }
        jobs.entry(file).or_default().push(e["code"].as_str().unwrap_or("").to_string());
    }
    let loop_ns = reference_ns_per_unit();
    println!("reference loop (`x = x + 1`): {loop_ns:.2} ns a unit of fuel\n");
    let mut rows: Vec<(u64, String)> = Vec::new();
    let mut times: Vec<f64> = Vec::new();
    for file in &order {
        let len = context_len(&std::path::Path::new(&dir).join(file));
        let fuel = run_job(&jobs[file], synthetic_context(len));
        for (i, (f, secs)) in fuel.iter().enumerate() {
            rows.push((*f, format!("{file} cell {i} (context {len})")));
            times.push(*secs);
        }
    }
    let mut order_by_fuel: Vec<usize> = (0..rows.len()).collect();
    order_by_fuel.sort_by_key(|&i| std::cmp::Reverse(rows[i].0));
    println!("| fuel | ms | ns a unit | cell |\n|---:|---:|---:|---|");
    for &i in order_by_fuel.iter().take(10) {
        let (f, name) = &rows[i];
        let ns = times[i] * 1e9 / (*f).max(1) as f64;
        println!("| {f} | {:.1} | {ns:.2} | {name} |", times[i] * 1e3);
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let n = rows.len();
    if n == 0 {
        println!("no programs");
        return;
    }
    // rows is sorted high to low: the p-th percentile from the top.
    let at = |p: f64| rows[((n as f64) * (1.0 - p)).floor() as usize].0;
    println!("{n} cells: max {}, p99 {}, p90 {}, p50 {}", rows[0].0, at(0.99), at(0.90), at(0.50));
    fixtures(root);
    heavy(root);
}

/// Every fixture program of `tests/programs` (the workspace's and this
/// crate's), run as the differential test runs it (its sibling
/// `NAME.context.txt` as `context`, host calls answered `"ok"`): the
/// largest, then the max and the count (issue #53).
fn fixtures(root: &str) {
    let mut files = Vec::new();
    for dir in ["tests/programs", "crates/rlm-interp/tests/programs"] {
        collect_py(&std::path::Path::new(root).join(dir), &mut files);
    }
    let mut rows: Vec<(u64, String)> = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap_or_default();
        let ctx = std::fs::read_to_string(f.with_extension("context.txt")).unwrap_or_default();
        let fuel = run_job(&[src], ctx);
        let name = f.strip_prefix(root).unwrap_or(f).display().to_string();
        rows.push((fuel.last().map_or(0, |r| r.0), name));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!("\n| fuel | fixture |\n|---:|---|");
    for (f, name) in rows.iter().take(10) {
        println!("| {f} | {name} |");
    }
    println!("{} fixtures: max {}", rows.len(), rows.first().map_or(0, |r| r.0));
}

fn collect_py(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_py(&p, out);
        } else if p.extension().is_some_and(|e| e == "py") && !p.ends_with("check.py") {
            out.push(p);
        }
    }
}

/// Heavy programs written like a model's over a 1 MB context
/// (`benches/heavy/*.py`: a find loop, regex passes, chunking and counting),
/// each over an ASCII context and over the same with accented and CJK words
/// (issue #53: the default fuel must leave them 10x headroom).
fn heavy(root: &str) {
    let mut files = Vec::new();
    collect_py(&std::path::Path::new(root).join("crates/rlm-interp/benches/heavy"), &mut files);
    let ascii = synthetic_context(1 << 20);
    let accented = ascii
        .replace("river", "rivière")
        .replace("report", "répört")
        .replace("growth", "成長")
        .replace("alpha", "アルファ");
    println!(
        "\n| fuel, ASCII | ms | fuel, non-ASCII | ms | heavy program (1 MB context) |\n|---:|---:|---:|---:|---|"
    );
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap_or_default();
        let a = run_job(std::slice::from_ref(&src), ascii.clone());
        let b = run_job(std::slice::from_ref(&src), accented.clone());
        let name = f.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let last = |v: &[(u64, f64)]| v.last().copied().unwrap_or((0, 0.0));
        let ((fa, ta), (fb, tb)) = (last(&a), last(&b));
        println!("| {fa} | {:.1} | {fb} | {:.1} | {name} |", ta * 1e3, tb * 1e3);
    }
}

/// Nanoseconds a unit of fuel of the plain loop (`x = x + 1`) takes here,
/// now: the reference the per-cell figures compare with.
fn reference_ns_per_unit() -> f64 {
    let fuel = 20_000_000;
    let mut s = Interpreter::new(Limits { fuel, ..Limits::default() });
    let t = std::time::Instant::now();
    let _ = s.run_cell("x = 0\nwhile True:\n    x = x + 1\n");
    t.elapsed().as_secs_f64() * 1e9 / fuel as f64
}
