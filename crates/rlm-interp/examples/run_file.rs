//! Runs one program file under `Limits::default()` (the limits `rlm exec`
//! uses) and prints one line: how it ended (`fuel`, `memory`, ... for a
//! limit, `ok`, or the exception's class), the wall seconds, the peak RSS
//! in MiB (`VmHWM` from `/proc/self/status`) and the fuel used.
//!
//! A release build of rlm-interp alone is much cheaper than one of rlm-cli,
//! so this is the quick way to time a hostile program (issue #33):
//!
//! `cargo build --release -p rlm-interp --example run_file`, then
//! `$CARGO_TARGET_DIR/release/examples/run_file tests/hostile/fuel_sort_loop.py`
//! (`tests/hostile/measure_interp.sh` loops it over files). A program that
//! suspends on `llm_query` ends as `suspended` (there is no host here).

use std::time::Instant;

use rlm_interp::{ErrorKind, Interpreter, LimitKind, Limits, Outcome};

/// The allocator the `rlm` binary ships with, so that RSS and speed are
/// what `rlm exec` would show.
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

/// The allocator itself, from the one file that defines it for `rlm`.
#[path = "../../rlm-cli/src/allocator.rs"]
mod allocator;

/// Its options, from the one file that sets them for `rlm`.
#[path = "../../rlm-cli/src/allocator_options.rs"]
#[allow(dead_code)] // `collect` is `rlm serve`'s purge; an example only sets the options
mod allocator_options;

/// The peak resident set of this process, in KiB (0 where unknown).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A limit as the hostile suite's `# expect:` headers name it
/// (`tests/hostile/check.py`).
fn limit_name(k: LimitKind) -> &'static str {
    match k {
        LimitKind::Fuel => "fuel",
        LimitKind::Memory => "memory",
        LimitKind::StrLen => "string_length",
        LimitKind::CollectionLen => "collection_length",
        LimitKind::CallDepth => "recursion",
        LimitKind::Nesting => "nesting",
        LimitKind::Output => "output",
        LimitKind::Regex => "regex",
        LimitKind::WallTime => "wall_time",
    }
}

fn main() {
    allocator_options::set();
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: run_file PROGRAM.py");
        std::process::exit(2);
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut s = Interpreter::new(Limits::default());
    let t = Instant::now();
    let outcome = s.run_cell(&src);
    let secs = t.elapsed().as_secs_f64();
    let kind = match &outcome {
        Outcome::Done | Outcome::Final(_) => "ok".to_string(),
        Outcome::Suspended(_) => "suspended".to_string(),
        Outcome::Error(e) => match e.kind {
            ErrorKind::Limit(k) => limit_name(k).to_string(),
            ErrorKind::Syntax => "syntax".to_string(),
            ErrorKind::Exception => format!("exception:{}", e.type_name),
        },
    };
    let escaped = s.take_output().contains("ESCAPED");
    let fuel = s.fuel_used();
    // As `rlm exec`: the OS takes the heap back (and the time of a drop is
    // not the program's).
    std::mem::forget(s);
    let name = std::path::Path::new(&path)
        .file_name()
        .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
    println!(
        "{name:<46} {kind:<18} {secs:>8.3} {:>9} {fuel:>12}{}",
        peak_rss_kib() / 1024,
        if escaped { "  ESCAPED" } else { "" }
    );
}
