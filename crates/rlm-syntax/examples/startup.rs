//! Parse time of a never-seen small cell (issue #59's start-up row without
//! the interpreter): `print(1)  # {i}` and a 10-line cell, each run a new
//! source. Usage: `cargo run --release -p rlm-syntax --example startup [RUNS]`
//! (medians), `... startup RUNS print1` or `... RUNS ten` for one of the two,
//! `... startup RUNS print1 SOURCE` for SOURCE instead of `print(1)`;
//! under callgrind (`--toggle-collect='*rlm_syntax::parse*'`), divide the
//! total by RUNS.
use std::time::Instant;

const TEN_LINES: &str = include_str!("../benches/ten_lines.py");

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(20_000);
    let which = std::env::args().nth(2).unwrap_or_default();
    let n = |w: &str| if which.is_empty() || which == w { runs } else { 1 };
    let one = std::env::args().nth(3).unwrap_or_else(|| "print(1)".to_string());
    let print1: Vec<String> = (0..n("print1")).map(|i| format!("{one}  # {i}")).collect();
    let ten: Vec<String> = (0..n("ten")).map(|i| format!("{TEN_LINES}# {i}\n")).collect();
    let mut t1 = Vec::with_capacity(runs);
    for src in &print1 {
        let t = Instant::now();
        assert!(rlm_syntax::parse(std::hint::black_box(src)).is_ok());
        t1.push(t.elapsed().as_secs_f64());
    }
    let mut t10 = Vec::with_capacity(runs);
    for src in &ten {
        let t = Instant::now();
        assert!(rlm_syntax::parse(std::hint::black_box(src)).is_ok());
        t10.push(t.elapsed().as_secs_f64());
    }
    println!(
        "parse print(1): {:.2} µs; parse 10 lines: {:.2} µs (medians of {runs})",
        median(t1) * 1e6,
        median(t10) * 1e6
    );
}
