//! Benchmark harness for rlm-context, side by side with pyrlm-runtime's `Context` in one run.
//!
//! Generates a ~1 GB ASCII log and a ~1 GB non-ASCII (CJK, emoji, accents) text under /tmp,
//! measures loading (time and peak RSS, each in a fresh process), literal find, regex search,
//! random code-point slicing and chunking into 100k chunks, runs the same operations with
//! pyrlm-runtime (`examples/bench_context_pyrlm.py`), prints a Markdown table with ratios, and
//! deletes the data.
//!
//! ```text
//! pip install --ignore-requires-python pyrlm-runtime
//! cargo run --release -p rlm-context --example bench_context -- [--mb 1000] [--dir /tmp/rlm-context-bench] [--keep] [--no-python]
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rlm_context::{Context, FindOptions, LoadOptions};
use serde_json::{Value, json};

const LITERAL: &str = "needle-424242-found";
const REGEX_PREFIXED: &str = r"needle-\d{6}-found";
const REGEX_CLASS: &str = r"[A-Z]{5}-[0-9]{5}";
const CHUNKS: u64 = 100_000;
const SLICES: usize = 1_000_000;
const SLICE_CHARS: u64 = 100;
const LOCAL_CHARS: u64 = 100_000;
const REPS: usize = 5;
const SEED: u64 = 42;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure-load") {
        return measure_load_child(Path::new(&args[2]));
    }
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let megabytes: u64 = value("--mb").map_or(Ok(1000), |v| v.parse())?;
    let dir = PathBuf::from(value("--dir").map_or("/tmp/rlm-context-bench", String::as_str));
    std::fs::create_dir_all(&dir)?;
    let target = megabytes * 1_000_000;
    let ascii_path = dir.join("ascii.log");
    let mixed_path = dir.join("mixed.txt");
    let started = Instant::now();
    generate(&ascii_path, target, false)?;
    generate(&mixed_path, target, true)?;
    eprintln!("generated data in {:.1}s", started.elapsed().as_secs_f64());

    let result = run(&ascii_path, &mixed_path, flag("--no-python"));
    if !flag("--keep") {
        let _ = std::fs::remove_file(&ascii_path);
        let _ = std::fs::remove_file(&mixed_path);
        let _ = std::fs::remove_dir(&dir);
    }
    result
}

/// One table row: what was measured, and each side's figures.
struct Row {
    label: String,
    ours: String,
    theirs: Option<String>,
    /// pyrlm / rlm-context, on CPU time and on wall time.
    ratio_cpu: Option<f64>,
    ratio_wall: Option<f64>,
}

fn timing_json(value: &Value) -> Option<Timing> {
    Some(Timing { wall: value["secs"].as_f64()?, cpu: value["cpu_secs"].as_f64()? })
}

fn time_row(
    label: String,
    ours: Timing,
    theirs: Option<Timing>,
    show: impl Fn(f64) -> String,
) -> Row {
    let cell = |t: Timing| format!("{} (wall {})", show(t.cpu), show(t.wall));
    Row {
        label,
        ours: cell(ours),
        theirs: theirs.map(cell),
        ratio_cpu: theirs.map(|t| t.cpu / ours.cpu),
        ratio_wall: theirs.map(|t| t.wall / ours.wall),
    }
}

fn run(ascii_path: &Path, mixed_path: &Path, no_python: bool) -> Result<(), Error> {
    let mut rows: Vec<Row> = Vec::new();
    let ascii_bytes = std::fs::metadata(ascii_path)?.len();
    let mixed_bytes = std::fs::metadata(mixed_path)?.len();

    // Loading, in fresh processes so that peak RSS belongs to the load alone.
    for (label, path, bytes) in
        [("ASCII", ascii_path, ascii_bytes), ("non-ASCII", mixed_path, mixed_bytes)]
    {
        let ours = median_of(3, || {
            child_json(Command::new(std::env::current_exe()?).arg("--measure-load").arg(path))
        })?;
        let theirs = if no_python {
            None
        } else {
            Some(median_of(3, || child_json(python().arg("load").arg(path)))?)
        };
        eprintln!("load {label}: ours {ours}, theirs {theirs:?}");
        let our_timing = timing_json(&ours).ok_or("load timing missing")?;
        let their_timing = theirs.as_ref().and_then(timing_json);
        rows.push(time_row(
            format!(
                "load {label} file ({:.2} GB; rlm: mmap, pyrlm: read + `from_text`)",
                bytes as f64 / 1e9
            ),
            our_timing,
            their_timing,
            |s| format!("{s:.3} s"),
        ));
        let our_rss = ours["max_rss_kb"].as_f64().unwrap_or(f64::NAN) * 1024.0;
        let their_rss = theirs.as_ref().and_then(|t| t["max_rss_kb"].as_f64()).map(|k| k * 1024.0);
        let pct =
            |rss: f64| format!("{:.1} MB = {:.1}% of file", rss / 1e6, rss / bytes as f64 * 100.0);
        rows.push(Row {
            label: format!("load {label} file: peak RSS of the process"),
            ours: pct(our_rss),
            theirs: their_rss.map(pct),
            ratio_cpu: their_rss.map(|r| r / our_rss),
            ratio_wall: None,
        });
    }

    let options = LoadOptions::default();
    let ascii = Context::from_file(ascii_path, &options)?;
    let gbps = |bytes: u64| {
        move |secs: f64| format!("{secs:.3} s = {:.2} GB/s", bytes as f64 / secs / 1e9)
    };
    let (find_timing, found) = timed(REPS, || ascii.find(LITERAL, &FindOptions::literal()))?;
    let first_literal = found.matches.first().map(|m| m.start);
    eprintln!("literal find: {} matches, first at {first_literal:?}", found.matches.len());
    let mut regex_results = Vec::new();
    for (name, pattern) in [("prefixed", REGEX_PREFIXED), ("class", REGEX_CLASS)] {
        let (timing, found) = timed(REPS, || ascii.find(pattern, &FindOptions::regex()))?;
        let first = found.matches.first().map(|m| m.start);
        eprintln!("regex {name}: {} matches, first at {first:?}", found.matches.len());
        regex_results.push((name, pattern, timing, first));
    }
    drop(ascii);

    let mixed = Context::from_file(mixed_path, &options)?;
    let length = mixed.len_chars();
    let mut rng = StdRng::seed_from_u64(SEED);
    let starts: Vec<u64> = (0..SLICES).map(|_| rng.random_range(0..length - SLICE_CHARS)).collect();
    let (slice_timing, total) = timed(REPS, || {
        let mut total = 0u64;
        for &start in &starts {
            let view = mixed.slice(Some(start as i64), Some((start + SLICE_CHARS) as i64));
            total += view.len_bytes() as u64;
        }
        Ok::<_, Error>(total)
    })?;
    eprintln!("random slices: {total} bytes");
    // The same slices confined to the first LOCAL_CHARS code points: index and text stay in cache,
    // which separates the lookup's arithmetic from memory latency.
    let local: Vec<u64> = (0..SLICES).map(|_| rng.random_range(0..LOCAL_CHARS)).collect();
    let (local_timing, _) = timed(REPS, || {
        let mut total = 0u64;
        for &start in &local {
            let view = mixed.slice(Some(start as i64), Some((start + SLICE_CHARS) as i64));
            total += view.len_bytes() as u64;
        }
        Ok::<_, Error>(total)
    })?;
    let size = length.div_ceil(CHUNKS);
    let (chunk_timing, chunk_count) = timed(REPS, || Ok::<_, Error>(mixed.chunk(size, 0)?.len()))?;
    eprintln!(
        "chunking: {chunk_count} chunks of {size} chars; index {} KB",
        mixed.index_heap_bytes() / 1024
    );
    drop(mixed);

    let theirs: Option<Value> = if no_python {
        None
    } else {
        let request = json!({
            "ascii_path": ascii_path, "mixed_path": mixed_path, "literal": LITERAL,
            "regexes": {"prefixed": REGEX_PREFIXED, "class": REGEX_CLASS},
            "reps": 3, "seed": SEED, "slices": SLICES, "slice_chars": SLICE_CHARS, "chunks": CHUNKS,
            "local_chars": LOCAL_CHARS,
        });
        Some(child_json(python().arg("ops").arg(request.to_string()))?)
    };
    let their = |key: &str| theirs.as_ref().and_then(|t| timing_json(&t[key]));
    if let Some(t) = &theirs {
        eprintln!("pyrlm: {t}");
        // Both sides must have found the same thing, or the comparison means nothing.
        if t["find_literal"]["first"].as_u64() != first_literal {
            return Err("literal match positions differ between rlm-context and pyrlm".into());
        }
        for (name, _, _, first) in &regex_results {
            if t[format!("regex_{name}")]["first"].as_u64() != *first {
                return Err(format!("regex {name} match positions differ").into());
            }
        }
        if t["chunk"]["count"].as_u64() != Some(chunk_count as u64) {
            return Err("chunk counts differ".into());
        }
    }
    rows.push(time_row(
        format!("literal find `{LITERAL}` (1 match near 90%, whole text scanned)"),
        find_timing,
        their("find_literal"),
        gbps(ascii_bytes),
    ));
    for (name, pattern, timing, _) in &regex_results {
        rows.push(time_row(
            format!("regex find `{pattern}` ({name}; 1 match, whole text scanned)"),
            *timing,
            their(&format!("regex_{name}")),
            gbps(ascii_bytes),
        ));
    }
    rows.push(time_row(
        format!(
            "{SLICES} random slices of {SLICE_CHARS} code points, non-ASCII text ({length} chars)"
        ),
        slice_timing,
        their("random_slice"),
        |s| format!("{:.0} ns/slice", s / SLICES as f64 * 1e9),
    ));
    rows.push(time_row(
        format!("{SLICES} random slices of {SLICE_CHARS} code points within the first {LOCAL_CHARS} (cache-resident)"),
        local_timing,
        their("local_slice"),
        |s| format!("{:.0} ns/slice", s / SLICES as f64 * 1e9),
    ));
    rows.push(time_row(
        format!("chunk non-ASCII text into {chunk_count} chunks of {size} chars"),
        chunk_timing,
        their("chunk"),
        |s| format!("{:.1} ms", s * 1e3),
    ));

    println!(
        "| operation | rlm-context: CPU (wall) | pyrlm-runtime `Context`: CPU (wall) | pyrlm / rlm (CPU) | pyrlm / rlm (wall) |"
    );
    println!("|---|---|---|---|---|");
    let ratio = |r: Option<f64>| r.map_or_else(|| "-".to_string(), |r| format!("{r:.1}x"));
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.label,
            row.ours,
            row.theirs.unwrap_or_else(|| "-".into()),
            ratio(row.ratio_cpu),
            ratio(row.ratio_wall),
        );
    }
    Ok(())
}

fn python() -> Command {
    let mut command = Command::new("python3");
    command.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bench_context_pyrlm.py"));
    command
}

fn child_json(command: &mut Command) -> Result<Value, Error> {
    let output = command.output()?;
    if !output.status.success() {
        return Err(
            format!("{command:?} failed: {}", String::from_utf8_lossy(&output.stderr)).into()
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Median (by `secs`) of `n` JSON measurements; peak RSS is the maximum seen.
fn median_of(n: usize, mut measure: impl FnMut() -> Result<Value, Error>) -> Result<Value, Error> {
    let mut samples = (0..n).map(|_| measure()).collect::<Result<Vec<_>, _>>()?;
    let max_rss = samples.iter().filter_map(|s| s["max_rss_kb"].as_f64()).fold(0.0, f64::max);
    samples.sort_by(|a, b| {
        a["secs"].as_f64().partial_cmp(&b["secs"].as_f64()).unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut median = samples.swap_remove(n / 2);
    median["max_rss_kb"] = json!(max_rss);
    Ok(median)
}

/// Thread CPU time in seconds (the machine is shared: wall time includes waiting for a core).
#[allow(unsafe_code)]
fn thread_cpu_secs() -> f64 {
    let mut spec = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `spec` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always supported
    // on Linux. On failure the zeroed value is returned, which only degrades the measurement.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut spec) };
    spec.tv_sec as f64 + spec.tv_nsec as f64 * 1e-9
}

/// Wall and CPU seconds of one operation: medians over `reps` runs.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    samples[samples.len() / 2]
}

fn timed<T, E>(reps: usize, mut op: impl FnMut() -> Result<T, E>) -> Result<(Timing, T), E> {
    let (mut walls, mut cpus) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    let mut last = None;
    for _ in 0..reps.max(1) {
        let (wall, cpu) = (Instant::now(), thread_cpu_secs());
        let value = op()?;
        cpus.push(thread_cpu_secs() - cpu);
        walls.push(wall.elapsed().as_secs_f64());
        last = Some(value);
    }
    match last {
        Some(value) => Ok((Timing { wall: median(walls), cpu: median(cpus) }, value)),
        None => unreachable!("at least one rep"),
    }
}

/// Child mode: load one file and report the time and this process's peak RSS.
fn measure_load_child(path: &Path) -> Result<(), Error> {
    let (start, cpu) = (Instant::now(), thread_cpu_secs());
    let context = Context::from_file(path, &LoadOptions::default())?;
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = thread_cpu_secs() - cpu;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Option<u64> {
        status.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse().ok()
    };
    println!(
        "{}",
        json!({
            "secs": secs,
            "cpu_secs": cpu_secs,
            "max_rss_kb": field("VmHWM:"),
            "rss_anon_kb": field("RssAnon:"),
            "rss_file_kb": field("RssFile:"),
            "chars": context.len_chars(),
            "mapped": context.is_memory_mapped(),
        })
    );
    Ok(())
}

/// Writes about `target` bytes of log-like text (ASCII) or mixed-script prose (non-ASCII), with
/// the needles once near 90%. Reuses an existing file of the right size.
fn generate(path: &Path, target: u64, non_ascii: bool) -> Result<(), Error> {
    if std::fs::metadata(path).map(|m| m.len() >= target).unwrap_or(false) {
        return Ok(());
    }
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut rng = StdRng::seed_from_u64(SEED);
    let levels = ["INFO", "WARN", "DEBUG", "TRACE"];
    let words = ["alpha", "beta", "gamma", "delta", "request", "cache", "shard", "token", "reply"];
    let cjk = ["日志", "条目", "用户", "请求", "模型", "上下文", "検索", "東京", "서울", "데이터"];
    let extra = ["😀", "🦀", "ünïcødé", "Zürich", "naïve", "e\u{301}", "Ωμέγα", "—", "€"];
    let needle_at = target / 10 * 9;
    let mut written = 0u64;
    let mut needle_done = false;
    let mut line = String::with_capacity(256);
    while written < target {
        line.clear();
        use std::fmt::Write as _;
        if non_ascii {
            for _ in 0..rng.random_range(6..14) {
                let pool: &[&str] = if rng.random_bool(0.7) {
                    &cjk
                } else if rng.random_bool(0.5) {
                    &extra
                } else {
                    &words
                };
                let _ = write!(line, "{} ", pool[rng.random_range(0..pool.len())]);
            }
            line.push('\n');
        } else {
            let _ = writeln!(
                line,
                "2026-11-21T{:02}:{:02}:{:02}Z {} svc-{} id={} took {}ms {} {} path=/api/v{}/items",
                rng.random_range(0..24),
                rng.random_range(0..60),
                rng.random_range(0..60),
                levels[rng.random_range(0..levels.len())],
                rng.random_range(0..64),
                rng.random_range(0..1_000_000),
                rng.random_range(0..5000),
                words[rng.random_range(0..words.len())],
                words[rng.random_range(0..words.len())],
                rng.random_range(1..4),
            );
        }
        if !needle_done && written >= needle_at {
            line.push_str(LITERAL);
            line.push_str(" ABCDE-12345\n");
            needle_done = true;
        }
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    out.flush()?;
    Ok(())
}
