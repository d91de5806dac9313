//! Calibration of the fuel cost table (`builtins/cost.rs`): for every sized
//! entry, its probe (`tests/support/fuel_probes.rs`) is run on an input that
//! the entry charges about `CHARGE` units for, and the time per fuel unit is
//! printed as a Markdown table, worst first, with the dispatch loop's own rate
//! as the reference. Run it on a release build:
//!
//! `cargo run --release -p rlm-interp --example fuel_calibration`
//!
//! `FUEL_CALIBRATION_ONLY=substring` measures the entries whose name contains
//! it; `FUEL_CALIBRATION_CHARGE=n` sizes the inputs for `n` units a call.

#[path = "../tests/support/fuel_probes.rs"]
mod fuel_probes;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fuel_probes::{Input, PROBES, input_size, setup_source};
use rlm_interp::cost_table::{Cost, Over, entries};
use rlm_interp::{Interpreter, Limits, Outcome};

/// What each measured call is charged, about (the input is sized for it;
/// `FUEL_CALIBRATION_CHARGE` overrides it).
const CHARGE: u64 = 1_000_000;
/// Each entry is measured for at least this long (and at least 3 calls).
const MEASURE: Duration = Duration::from_millis(100);
/// ... unless its calls and their setups together took this long.
const SETUP_BOUND: Duration = Duration::from_secs(3);

struct Row {
    entry: String,
    cost: Cost,
    input: Input,
    fuel_per_call: u64,
    ns_per_call: f64,
}

fn session() -> Interpreter {
    Interpreter::new(Limits { fuel: u64::MAX / 4, ..Limits::default() })
}

/// Runs `src`; what ended it otherwise (a limit at this input's size, an
/// error), as text.
fn must(s: &mut Interpreter, src: &str) -> Result<(), String> {
    match s.run_cell(src) {
        Outcome::Done => Ok(()),
        Outcome::Error(e) => Err(e.message),
        other => Err(format!("{other:?}")),
    }
}

/// Time and fuel of one run of `code` after `setup` (the setup untimed);
/// what stopped it when it did not end.
fn measure(setup: &str, code: &str) -> Result<(u64, f64), String> {
    let (mut fuel, mut time, mut calls) = (0u64, Duration::ZERO, 0u32);
    // A lazy entry's call takes a microsecond after a setup of a quarter
    // second: its 100 ms of calls would take hours of setups, so the
    // setups' time counts towards a bound of its own.
    let started = Instant::now();
    while calls < 3 || (time < MEASURE && started.elapsed() < SETUP_BOUND) {
        let mut s = session();
        must(&mut s, setup)?;
        let t = Instant::now();
        must(&mut s, code)?;
        time += t.elapsed();
        fuel += s.fuel_used();
        calls += 1;
        drop(s);
    }
    Ok((fuel / u64::from(calls), time.as_nanos() as f64 / f64::from(calls)))
}

fn over(o: Over) -> String {
    match o {
        Over::Nothing => "-".into(),
        Over::Recv => "receiver".into(),
        Over::Arg(i) => format!("arg {i}"),
        Over::Args => "args".into(),
        Over::All => "receiver+args".into(),
        Over::WorkDone => "work done".into(),
    }
}

fn main() {
    let only = std::env::var("FUEL_CALIBRATION_ONLY").ok();
    let charge = std::env::var("FUEL_CALIBRATION_CHARGE")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CHARGE);
    let costs: BTreeMap<String, Cost> = entries().into_iter().collect();

    // The reference: the dispatch loop alone (one unit per instruction).
    let (loop_fuel, loop_ns) = measure("n = 2_000_000", "for i in range(n):\n    pass")
        .unwrap_or_else(|e| panic!("the reference loop stopped: {e}"));
    let loop_rate = loop_ns / loop_fuel as f64;

    let mut rows = Vec::new();
    let mut stopped: Vec<(&str, String)> = Vec::new();
    for probe in PROBES {
        if only.as_deref().is_some_and(|o| !probe.entry.contains(o)) {
            continue;
        }
        let Some(cost) = costs.get(probe.entry) else { continue };
        let n = input_size(probe.input, cost.rate, charge);
        let setup = setup_source(probe.input, n);
        let (fuel_per_call, ns_per_call) = match measure(&setup, probe.code) {
            Ok(m) => m,
            Err(why) => {
                // An input sized for `charge` units may pass a limit (the
                // memory budget): said, and the next entry measured.
                eprintln!("{:<45} stopped at this size: {why}", probe.entry);
                stopped.push((probe.entry, why));
                continue;
            }
        };
        rows.push(Row {
            entry: probe.entry.to_string(),
            cost: *cost,
            input: probe.input,
            fuel_per_call,
            ns_per_call,
        });
        eprintln!("{:<45} {:>8.2} ns/unit", probe.entry, ns_per_call / fuel_per_call as f64);
    }
    rows.sort_by(|a, b| {
        let ra = a.ns_per_call / a.fuel_per_call as f64;
        let rb = b.ns_per_call / b.fuel_per_call as f64;
        rb.total_cmp(&ra)
    });

    println!("Dispatch loop (`for i in range(n): pass`): {loop_rate:.2} ns per fuel unit\n");
    println!(
        "| entry | over | fuel/item | fuel/64 B | input | fuel per call | ms per call | ns per unit |"
    );
    println!("|---|---|---:|---:|---|---:|---:|---:|");
    for r in &rows {
        println!(
            "| `{}` | {} | {} | {} | {:?} | {} | {:.2} | {:.2} |",
            r.entry,
            over(r.cost.over),
            r.cost.rate.per_item,
            r.cost.rate.per_64_bytes,
            r.input,
            r.fuel_per_call,
            r.ns_per_call / 1e6,
            r.ns_per_call / r.fuel_per_call as f64,
        );
    }
    if let Some(worst) = rows.first() {
        let rate = worst.ns_per_call / worst.fuel_per_call as f64;
        let default_fuel = Limits::default().fuel as f64;
        println!(
            "\nWorst: `{}` at {rate:.2} ns per unit: the default fuel ({:.0} M) lasts {:.1} s of it \
             (the dispatch loop: {:.1} s).",
            worst.entry,
            default_fuel / 1e6,
            default_fuel * rate / 1e9,
            default_fuel * loop_rate / 1e9,
        );
    }
    if !stopped.is_empty() {
        println!("\nStopped at the size sized for {charge} units (not measured):\n");
        for (entry, why) in &stopped {
            println!("- `{entry}`: {why}");
        }
    }
}
