//! What a cell costs with the rollback journal (issue #53): a session
//! holding large state runs many small cells that change it, in the shapes
//! that cost the journal most and least. Each row: microseconds per cell,
//! median of `ROUNDS` rounds of `CELLS` cells.
//!
//! `cargo run --release -p rlm-interp --example cell_journal`
//!
//! Built from a checkout before the journal too (the program uses only the
//! public `Interpreter` API), it gives the side-by-side in
//! docs/benchmarks/2026-11-25-issue-53-rollback-journal-cost.md.

use std::time::Instant;

use rlm_interp::{Interpreter, Limits, Outcome};

const ROUNDS: usize = 7;

/// (name, state made once, the cell run again and again, cells per round)
const ROWS: &[(&str, &str, &str, usize)] = &[
    ("no state touched", "xs = list(range(1000000))", "y = 1", 2000),
    ("append to a 10^6 list", "xs = list(range(1000000))\ni = 0", "xs.append(i)", 2000),
    ("set one key of a 10^5 dict", "d = {i: i for i in range(100000)}\ni = 0", "d[0] = i", 200),
    ("set one item of a 10^6 list", "xs = list(range(1000000))\ni = 0", "xs[0] = i", 200),
    (
        "append to 100 lists of 10^4",
        "ls = [list(range(10000)) for _ in range(100)]",
        "for l in ls:\n    l.append(0)",
        200,
    ),
];

fn run(s: &mut Interpreter, src: &str) {
    match s.run_cell(src) {
        Outcome::Done => {}
        other => panic!("{src}: {other:?}"),
    }
}

fn main() {
    println!("| cells | µs per cell (median of {ROUNDS} rounds) |");
    println!("|---|---:|");
    for (name, setup, cell, cells) in ROWS {
        let mut s = Interpreter::new(Limits::default());
        run(&mut s, setup);
        let mut rounds = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let t = Instant::now();
            for _ in 0..*cells {
                run(&mut s, cell);
            }
            rounds.push(t.elapsed().as_secs_f64() * 1e6 / *cells as f64);
        }
        rounds.sort_by(f64::total_cmp);
        println!("| {name} | {:.1} |", rounds[ROUNDS / 2]);
        std::mem::forget(s);
    }
}
