//! The cost fuzzer (issue #77): for every probed entry of the fuel cost
//! table, a seeded mutational search over input shapes (sizes, densities,
//! Unicode categories, regex shapes, element kinds, nesting) for the worst
//! (a) wall time per fuel unit against the dispatch loop's own, measured in
//! the same run, and (b) peak heap bytes allocated during the call per byte
//! the memory meter charged. The worst input per entry and objective is kept
//! in `tests/cost_corpus/<entry>.json`; a run starts from them (resume), then
//! from the seeds, then mutates the best so far and keeps what beats
//! it (a time improvement is confirmed by the best of three runs).
//!
//! `cargo run --release -p rlm-interp --example cost_fuzz -- search --budget-secs 600 --seed 77`
//! `cargo run --release -p rlm-interp --example cost_fuzz -- report`
//! `cargo run --release -p rlm-interp --example cost_fuzz -- replay --only NAME`: runs the
//! stored worst inputs of the entries named three times each and prints their figures now,
//! changing nothing (to time a fix, or to profile one input under `perf`).
//!
//! Flags (or env): `--budget-secs` (`COST_FUZZ_BUDGET`, wall seconds, 60),
//! `--seed` (`COST_FUZZ_SEED`, 77), `--corpus DIR` (`tests/cost_corpus`),
//! `--only SUBSTR[,SUBSTR...]` (entries whose name contains one of them),
//! `--trials-per-round` (4), `--shard K/N` (the probes whose index is K modulo N: N processes with
//! shards 0..N search disjoint entries at once, each writing only its own
//! entries' files; one process each, because the heap's peak is counted
//! process-wide).
//! The mutation stream is deterministic given the seed; what is kept also
//! depends on the times measured.

#[path = "../tests/support/cost_fuzz/mod.rs"]
mod cost_fuzz;
#[path = "../tests/support/counting_alloc.rs"]
mod counting_alloc;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cost_fuzz::corpus::{self, Best, Record};
use cost_fuzz::probes::{PROBES, Probe, seeds};
use cost_fuzz::shape::{Rng, Shape, name_hash};
use cost_fuzz::trial::{Trial, TrialLimits, loop_ns_per_unit, run_trial};

/// The `rlm` binary's allocator (mimalloc), counted: the times measured
/// are the product's (glibc's malloc, counted before, merged a setup's
/// freed fast-bin blocks inside the timed call: 6-14 ms on a call charged
/// 115 units, `collections.namedtuple` at 27x and `io.StringIO.writelines`
/// at 37x the loop's time a unit).
#[global_allocator]
static ALLOC: counting_alloc::CountingOver<allocator::Allocator> =
    counting_alloc::CountingOver(allocator::Allocator);

/// The allocator itself, from the one file that defines it for `rlm`.
#[path = "../../rlm-cli/src/allocator.rs"]
mod allocator;

/// Its options, from the one file that sets them for `rlm`.
#[path = "../../rlm-cli/src/allocator_options.rs"]
#[allow(dead_code)] // `collect` is `rlm serve`'s purge; an example only sets the options
mod allocator_options;

fn peak(f: &mut dyn FnMut()) -> u64 {
    let ((), p) = counting_alloc::peak_of(f);
    p as u64
}

struct Args {
    mode: String,
    budget: Duration,
    seed: u64,
    corpus: PathBuf,
    only: Option<String>,
    per_round: u32,
    /// `(k, n)`: search only the probes whose index is `k` modulo `n`.
    shard: (usize, usize),
}

fn args() -> Args {
    let env = |k: &str| std::env::var(k).ok();
    let mut a = Args {
        mode: "search".into(),
        budget: Duration::from_secs(
            env("COST_FUZZ_BUDGET").and_then(|v| v.parse().ok()).unwrap_or(60),
        ),
        seed: env("COST_FUZZ_SEED").and_then(|v| v.parse().ok()).unwrap_or(77),
        corpus: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cost_corpus"),
        only: None,
        per_round: 4,
        shard: (0, 1),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = || it.next().unwrap_or_default();
        match x.as_str() {
            "--budget-secs" => a.budget = Duration::from_secs(val().parse().unwrap_or(60)),
            "--seed" => a.seed = val().parse().unwrap_or(77),
            "--corpus" => a.corpus = PathBuf::from(val()),
            "--only" => a.only = Some(val()),
            "--trials-per-round" => a.per_round = val().parse().unwrap_or(4),
            "--shard" => a.shard = parse_shard(&val()),
            "search" | "report" | "replay" => a.mode = x,
            other => eprintln!("cost_fuzz: unknown argument {other}"),
        }
    }
    a
}

/// `K/N` with `K < N`; anything else is the whole set, said once.
fn parse_shard(v: &str) -> (usize, usize) {
    let parsed = v.split_once('/').and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)));
    match parsed {
        Some((k, n)) if k < n => (k, n),
        _ => {
            eprintln!("cost_fuzz: --shard wants K/N with K < N, got {v:?}: searching every entry");
            (0, 1)
        }
    }
}

/// One entry's search state.
struct State {
    probe: &'static Probe,
    rng: Rng,
    rec: Record,
    /// Shapes to try before mutating: the corpus's, then the seeds.
    queue: Vec<Shape>,
}

fn best_of(probe: &Probe, shape: &Shape, t: &Trial, ratio: f64, loop_ns: f64) -> Best {
    Best {
        shape: shape.clone(),
        ratio,
        end: t.end.name().to_string(),
        ns: t.ns,
        fuel: t.fuel,
        peak_bytes: t.peak_bytes,
        charged_bytes: t.charged_bytes,
        loop_ns,
        program: probe.program(shape),
    }
}

/// Runs one shape and keeps it where it beats the entry's best (a time
/// improvement re-measured twice more, its best time kept). A corpus shape
/// re-measured at the start (`fresh`) replaces the figures of each record
/// it is the shape of, whatever limit the call now ends on, and a record
/// whose shape no longer runs at all is dropped: the report shows no figure
/// of older code.
fn try_shape(st: &mut State, shape: Shape, lim: &TrialLimits, loop_ns: f64, fresh: bool) {
    st.rec.trials += 1;
    let is_old = |b: &Option<Best>| fresh && b.as_ref().is_some_and(|b| b.shape == shape);
    let (old_time, old_mem) = (is_old(&st.rec.time), is_old(&st.rec.mem));
    let Some(mut t) = run_trial(st.probe, &shape, lim, peak) else {
        if old_time || old_mem {
            eprintln!("{}: its corpus input no longer runs: its record dropped", st.probe.entry);
        }
        if old_time {
            st.rec.time = None;
        }
        if old_mem {
            st.rec.mem = None;
        }
        return;
    };
    let beats = |b: &Option<Best>, r: f64| b.as_ref().is_none_or(|b| r > b.ratio);
    let ratio = t.ns_per_unit() / loop_ns;
    if fresh || beats(&st.rec.time, ratio) {
        for _ in 0..2 {
            st.rec.trials += 1;
            if let Some(again) = run_trial(st.probe, &shape, lim, peak)
                && again.ns < t.ns
            {
                t.ns = again.ns;
            }
        }
        let ratio = t.ns_per_unit() / loop_ns;
        if old_time || beats(&st.rec.time, ratio) {
            st.rec.time = Some(best_of(st.probe, &shape, &t, ratio, loop_ns));
        }
    }
    let m = t.mem_ratio();
    if old_mem && let Some(b) = &st.rec.mem {
        eprintln!(
            "{}: memory record re-measured: {:.2}x ({:.1} MiB peak, {:.1} MiB charged, {}) -> {m:.2}x ({:.1} MiB, {:.1} MiB, {})",
            st.probe.entry,
            b.ratio,
            b.peak_bytes as f64 / 1048576.0,
            b.charged_bytes as f64 / 1048576.0,
            b.end,
            t.peak_bytes as f64 / 1048576.0,
            t.charged_bytes as f64 / 1048576.0,
            t.end.name()
        );
    }
    if old_mem || beats(&st.rec.mem, m) {
        st.rec.mem = Some(best_of(st.probe, &shape, &t, m, loop_ns));
    }
}

fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn search(a: &Args) {
    let lim = TrialLimits::default();
    let old: BTreeMap<String, Record> =
        corpus::load_all(&a.corpus).into_iter().map(|r| (r.entry.clone(), r)).collect();
    let seeds = seeds();
    let (shard, shards) = a.shard;
    let mut states: Vec<State> = PROBES
        .iter()
        .enumerate()
        .filter(|(i, _)| i % shards == shard)
        .map(|(_, p)| p)
        .filter(|p| a.only.as_deref().is_none_or(|o| o.split(',').any(|o| p.entry.contains(o))))
        .map(|p| {
            let rec = old
                .get(p.entry)
                .cloned()
                .unwrap_or(Record { entry: p.entry.into(), ..Record::default() });
            let mut queue: Vec<Shape> = [&rec.time, &rec.mem]
                .iter()
                .filter_map(|b| b.as_ref().map(|b| b.shape.clone()))
                .collect();
            queue.extend(
                seeds
                    .iter()
                    .filter(|(e, _)| *e == p.entry)
                    .map(|(_, s)| s.clone().clamped(p.variants())),
            );
            let mut rng = Rng::new(a.seed ^ name_hash(p.entry));
            queue.push(Shape::random(&mut rng, p.variants(), p.kind.max_n()));
            queue.dedup();
            State { probe: p, rng, rec, queue }
        })
        .collect();
    let started = Instant::now();
    let cpu0 = cpu_seconds();
    let mut round = 0u32;
    let mut trials = 0u64;
    let mut loop_ns = loop_ns_per_unit(5);
    eprintln!(
        "cost_fuzz: {} entries, budget {:?}, seed {}, loop {loop_ns:.3} ns/unit",
        states.len(),
        a.budget,
        a.seed
    );
    while started.elapsed() < a.budget {
        round += 1;
        for st in states.iter_mut() {
            if started.elapsed() >= a.budget {
                break;
            }
            let before = st.rec.trials;
            if round == 1 && !st.queue.is_empty() {
                let queue: Vec<Shape> = std::mem::take(&mut st.queue);
                let old: Vec<Shape> = [&st.rec.time, &st.rec.mem]
                    .iter()
                    .filter_map(|b| b.as_ref().map(|b| b.shape.clone()))
                    .collect();
                for shape in queue {
                    let fresh = old.contains(&shape);
                    try_shape(st, shape, &lim, loop_ns, fresh);
                }
            }
            for _ in 0..a.per_round {
                let (variants, max_n) = (st.probe.variants(), st.probe.kind.max_n());
                let pick = st.rng.below(10);
                let parent = match pick {
                    0..=4 => st.rec.time.as_ref().map(|b| b.shape.clone()),
                    5..=8 => st.rec.mem.as_ref().map(|b| b.shape.clone()),
                    _ => None,
                };
                let shape = match parent {
                    Some(p) => p.mutate(&mut st.rng, variants, max_n),
                    None => Shape::random(&mut st.rng, variants, max_n),
                };
                try_shape(st, shape, &lim, loop_ns, false);
            }
            trials += st.rec.trials - before;
        }
        for st in &states {
            if let Err(e) = corpus::save(&a.corpus, &st.rec) {
                eprintln!("cost_fuzz: cannot save {}: {e}", st.rec.entry);
            }
        }
        let worst = states
            .iter()
            .filter_map(|s| s.rec.time.as_ref().map(|b| (b.ratio, s.probe.entry)))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        eprintln!(
            "round {round}: {trials} trials, {:.0} s, loop {loop_ns:.3} ns/unit, worst time ratio {worst:?}",
            started.elapsed().as_secs_f64()
        );
        loop_ns = loop_ns_per_unit(3);
    }
    eprintln!(
        "cost_fuzz: done: {} entries, {trials} trials this run, {round} rounds, {:.0} s wall, {:.0} CPU s",
        states.len(),
        started.elapsed().as_secs_f64(),
        cpu_seconds() - cpu0
    );
}

fn machine() -> String {
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("{nproc} CPUs (nproc), {cpu}")
}

fn shape_words(entry: &str, s: &Shape) -> String {
    use cost_fuzz::shape::{ELEMS, FILLS, NEEDLES};
    let Some(p) = PROBES.iter().find(|p| p.entry == entry) else { return format!("{s:?}") };
    let arg = p.args.get(s.variant % p.variants()).copied().unwrap_or("");
    let call = p.code.replace("{A}", arg).replace('\n', "; ").replace('|', "\\|");
    let input = if p.kind.is_text() {
        format!("{} chars: {} + {} x{}", s.n, NEEDLES[s.needle], FILLS[s.fill], s.gap)
    } else {
        format!("{:?} of {} x `{}` (depth {})", p.kind, s.n, ELEMS[s.elem], s.depth)
    };
    format!("`{call}` on {}", input.replace('|', "\\|"))
}

fn report(a: &Args) {
    let recs = corpus::load_all(&a.corpus);
    let costs: BTreeSet<String> =
        rlm_interp::cost_table::entries().into_iter().map(|(n, _)| n).collect();
    let probed: BTreeSet<&str> = PROBES.iter().map(|p| p.entry).collect();
    let date = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("Machine: {}; report written {date}.\n", machine());
    let trials: u64 = recs.iter().map(|r| r.trials).sum();
    println!("Corpus `{}`: {} entries, {trials} trials in all.\n", a.corpus.display(), recs.len());

    let mut by_time: Vec<(&Record, &Best)> =
        recs.iter().filter_map(|r| r.time.as_ref().map(|b| (r, b))).collect();
    by_time.sort_by(|x, y| y.1.ratio.total_cmp(&x.1.ratio));
    println!("### The 20 worst entries by time per fuel unit (against the dispatch loop's)\n");
    println!("| # | entry | time ratio | ns/unit | loop ns/unit | fuel | ms | ended | input |");
    println!("|---:|---|---:|---:|---:|---:|---:|---|---|");
    for (i, (r, b)) in by_time.iter().take(20).enumerate() {
        println!(
            "| {} | `{}` | {:.2} | {:.2} | {:.2} | {} | {:.2} | {} | {} |",
            i + 1,
            r.entry,
            b.ratio,
            b.ns as f64 / b.fuel.max(cost_fuzz::trial::FUEL_FLOOR) as f64,
            b.loop_ns,
            b.fuel,
            b.ns as f64 / 1e6,
            b.end,
            shape_words(&r.entry, &b.shape)
        );
    }
    let mut by_mem: Vec<(&Record, &Best)> =
        recs.iter().filter_map(|r| r.mem.as_ref().map(|b| (r, b))).collect();
    by_mem.sort_by(|x, y| y.1.ratio.total_cmp(&x.1.ratio));
    println!("\n### The 20 worst entries by peak heap per byte charged\n");
    println!(
        "| # | entry | memory ratio | peak MiB | charged MiB | peak - charged MiB | ended | input |"
    );
    println!("|---:|---|---:|---:|---:|---:|---|---|");
    for (i, (r, b)) in by_mem.iter().take(20).enumerate() {
        println!(
            "| {} | `{}` | {:.2} | {:.1} | {:.1} | {:.1} | {} | {} |",
            i + 1,
            r.entry,
            b.ratio,
            b.peak_bytes as f64 / 1048576.0,
            b.charged_bytes as f64 / 1048576.0,
            (b.peak_bytes as f64 - b.charged_bytes as f64) / 1048576.0,
            b.end,
            shape_words(&r.entry, &b.shape)
        );
    }
    let time_fail: Vec<&str> =
        by_time.iter().filter(|(_, b)| b.ratio > 2.0).map(|(r, _)| r.entry.as_str()).collect();
    let mem_fail: Vec<&str> =
        by_mem.iter().filter(|(_, b)| b.ratio > MEM_GOAL).map(|(r, _)| r.entry.as_str()).collect();
    println!(
        "\nTime goal (within 2x of the loop's time per unit): {} of {} entries pass; past it: {}.",
        by_time.len() - time_fail.len(),
        by_time.len(),
        time_fail.join(", ")
    );
    println!(
        "\nMemory goal (peak ≤ budget + 64 MiB, read at the default 512 MiB budget as a ratio ≤ {MEM_GOAL:.3}): \
         {} of {} entries pass; past it: {}.",
        by_mem.len() - mem_fail.len(),
        by_mem.len(),
        mem_fail.join(", ")
    );
    let over: Vec<String> = by_mem
        .iter()
        .filter(|(_, b)| b.peak_bytes > b.charged_bytes + (64 << 20))
        .map(|(r, b)| {
            format!("{} ({:.0} MiB)", r.entry, (b.peak_bytes - b.charged_bytes) as f64 / 1048576.0)
        })
        .collect();
    println!(
        "\nPast the goal at the trials' own 64 MiB budget (peak heap during the call more than 64 MiB \
         above what was charged): {}.",
        over.join(", ")
    );
    let unprobed: Vec<&String> = costs.iter().filter(|c| !probed.contains(c.as_str())).collect();
    let extra: Vec<&&str> = probed.iter().filter(|p| !costs.contains(**p)).collect();
    println!(
        "\nCost-table entries without a probe ({}): {}.",
        unprobed.len(),
        unprobed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    );
    println!(
        "\nProbes of calls the table does not list (free, charged per instruction or per value written): {}.",
        extra.iter().map(|s| **s).collect::<Vec<_>>().join(", ")
    );
}

/// (512 + 64) / 512: the memory goal at the default budget, as a ratio.
const MEM_GOAL: f64 = 1.125;

/// Runs each selected record's stored inputs three times and prints the
/// figures (the best time of the three, the first run's memory), saving
/// nothing. Each run has a thread, and so a regex cache, of its own.
fn replay(a: &Args) {
    let lim = TrialLimits::default();
    let loop_ns = loop_ns_per_unit(5);
    println!("loop {loop_ns:.3} ns/unit");
    for r in corpus::load_all(&a.corpus) {
        if !a.only.as_deref().is_none_or(|o| o.split(',').any(|o| r.entry.contains(o))) {
            continue;
        }
        let Some(probe) = PROBES.iter().find(|p| p.entry == r.entry) else { continue };
        for (what, b) in [("time", &r.time), ("memory", &r.mem)] {
            let Some(b) = b else { continue };
            // Each run on a thread of its own: a fresh regex cache, whose
            // patterns would keep their engines' scratch between runs.
            let runs: Vec<Trial> = (0..3)
                .filter_map(|_| {
                    let (shape, lim) = (b.shape.clone(), lim.clone());
                    std::thread::Builder::new()
                        .stack_size(256 << 20)
                        .spawn(move || run_trial(probe, &shape, &lim, peak))
                        .ok()?
                        .join()
                        .ok()?
                })
                .collect();
            let (Some(t), Some(first)) = (runs.iter().min_by_key(|t| t.ns), runs.first()) else {
                println!("{} {what}: no longer runs", r.entry);
                continue;
            };
            println!(
                "{} {what}: was {:.2}x; now time {:.2}x ({:.2} ms, {} fuel, {}), memory {:.2}x ({:.1} MiB peak, {:.1} MiB charged)",
                r.entry,
                b.ratio,
                t.ns_per_unit() / loop_ns,
                t.ns as f64 / 1e6,
                t.fuel,
                t.end.name(),
                first.mem_ratio(),
                first.peak_bytes as f64 / 1048576.0,
                first.charged_bytes as f64 / 1048576.0,
            );
        }
    }
}

fn main() {
    allocator_options::set();
    let a = args();
    if a.mode == "report" {
        report(&a);
    } else if a.mode == "replay" {
        replay(&a);
    } else {
        search(&a);
    }
}
