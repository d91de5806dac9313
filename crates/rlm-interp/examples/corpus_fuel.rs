//! The fuel real model programs use: every program of the shared corpus
//! (`tests/corpus/extract_programs.py`, as the conformance test
//! `tests/corpus.rs` runs them: a trajectory's programs as consecutive cells
//! of one session, host calls answered `"ok"`) runs under unlimited fuel
//! with a synthetic context as long as the one its trajectory printed
//! ("Context length: N"; 100 000 characters when it printed none), and the
//! fuel of each cell is reported: the largest cells, then max, p99 and p50.
//! The evidence for `Limits::default().fuel` (issue #33):
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

/// Runs `cells` in one session; the fuel of each cell.
fn run_job(cells: &[String], context: String) -> Vec<u64> {
    let mut s = Interpreter::new(Limits { fuel: u64::MAX / 4, ..Limits::default() });
    let v = Value::Str(rlm_interp::Str::from_buffer(std::sync::Arc::new(context)));
    s.set_global("context", v.clone());
    s.set_global("P", v);
    let mut fuel = Vec::new();
    for src in cells {
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
        fuel.push(s.fuel_used());
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
    let mut rows: Vec<(u64, String)> = Vec::new();
    for file in &order {
        let len = context_len(&std::path::Path::new(&dir).join(file));
        let fuel = run_job(&jobs[file], synthetic_context(len));
        for (i, f) in fuel.iter().enumerate() {
            rows.push((*f, format!("{file} cell {i} (context {len})")));
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!("| fuel | cell |\n|---:|---|");
    for (f, name) in rows.iter().take(10) {
        println!("| {f} | {name} |");
    }
    let n = rows.len();
    if n == 0 {
        println!("no programs");
        return;
    }
    // rows is sorted high to low: the p-th percentile from the top.
    let at = |p: f64| rows[((n as f64) * (1.0 - p)).floor() as usize].0;
    println!("{n} cells: max {}, p99 {}, p90 {}, p50 {}", rows[0].0, at(0.99), at(0.90), at(0.50));
}
