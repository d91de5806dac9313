//! Needle in a haystack: an RLM against the baseline (the whole context in
//! one model call) across context sizes — the shape of the paper's Figure 1.
//!
//! Offline (default): the RLM's root model is scripted (the programs of
//! `rlm-tasks`), sub-model calls and the baseline are answered by the
//! rule-based model of `rlm-tasks`, whose window (32K tokens unless
//! `--window`) is enforced like a real model's.
//!
//! ```text
//! cargo run --release -p rlm-examples --bin needle_vs_baseline -- \
//!     [--sizes 10KB,100KB,1MB,10MB,100MB] [--seeds 3] [--window 32768] \
//!     [--model openai:gpt-5-mini [--sub-model openai:gpt-5-nano]]
//! ```
//!
//! With `--model`, a real provider (its key in the environment) writes the
//! RLM's programs and answers the subcalls and the baseline. Prints a markdown
//! table: accuracy, tokens and wall time per size, RLM vs baseline.

use std::sync::Arc;
use std::time::Instant;

use rlm_adapters::{EnvVars, FakeAdapter, ModelAdapter, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::Rlm;
use rlm_tasks::{RuleModel, TaskKind, baseline_prompt, parse_size, root_replies};
use rlm_types::CompletionRequest;

struct Options {
    sizes: Vec<usize>,
    seeds: u64,
    window: u64,
    model: Option<String>,
    sub_model: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        sizes: ["10KB", "100KB", "1MB", "10MB", "100MB"]
            .iter()
            .map(|s| parse_size(s).unwrap_or(0))
            .collect(),
        seeds: 3,
        window: 32_768,
        model: None,
        sub_model: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().ok_or_else(|| format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--sizes" => {
                o.sizes = value
                    .split(',')
                    .map(|s| parse_size(s.trim()).map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?
            }
            "--seeds" => o.seeds = value.parse().map_err(|e| format!("--seeds: {e}"))?,
            "--window" => o.window = value.parse().map_err(|e| format!("--window: {e}"))?,
            "--model" => o.model = Some(value),
            "--sub-model" => o.sub_model = Some(value),
            other => return Err(format!("unknown argument {other}")),
        }
        i += 2;
    }
    Ok(o)
}

#[derive(Default)]
struct Tally {
    correct: u64,
    runs: u64,
    tokens: u64,
    wall_ms: Vec<f64>,
    refused: u64,
}

impl Tally {
    fn median_ms(&self) -> f64 {
        let mut v = self.wall_ms.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    }
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let env = EnvVars::from_process();
    let real = o.model.as_ref().map(|m| {
        let root = adapter_from_model_string(m, &env);
        let sub = adapter_from_model_string(o.sub_model.as_deref().unwrap_or(m), &env);
        match (root, sub) {
            (Ok(r), Ok(s)) => (r, s),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                std::process::exit(4);
            }
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    println!(
        "| context | RLM accuracy | RLM tokens (mean) | RLM wall (median) | baseline accuracy | baseline tokens (mean) | baseline wall (median) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for &size in &o.sizes {
        let (mut rlm_t, mut base_t) = (Tally::default(), Tally::default());
        for seed in 1..=o.seeds {
            let task = TaskKind::Needle.generate(size, seed);
            // RLM.
            let (root, sub): (Arc<dyn ModelAdapter>, Arc<dyn ModelAdapter>) = match &real {
                Some((r, s)) => (Arc::clone(r), Arc::clone(s)),
                None => (
                    Arc::new(
                        FakeAdapter::replies(root_replies(&task)).with_model_name("scripted-root"),
                    ),
                    Arc::new(RuleModel::new().with_context_window(o.window)),
                ),
            };
            let rlm = Rlm::builder().root(root).sub_model(Arc::clone(&sub)).build().expect("valid");
            let started = Instant::now();
            let r = rlm.run_blocking(&task.question, Context::from_text(task.context.clone()));
            rlm_t.wall_ms.push(started.elapsed().as_secs_f64() * 1e3);
            rlm_t.runs += 1;
            if let Ok(r) = r {
                rlm_t.tokens += r.usage.usage.total();
                if r.answer.as_deref().is_some_and(|a| task.is_correct(a)) {
                    rlm_t.correct += 1;
                }
            }
            // Baseline: the whole context in one call to the same sub-model.
            let baseline: Arc<dyn ModelAdapter> = match &real {
                Some((r, _)) => Arc::clone(r),
                None => Arc::new(RuleModel::new().with_context_window(o.window)),
            };
            let request = CompletionRequest::user(baseline_prompt(&task));
            let started = Instant::now();
            let report = rt.block_on(baseline.call(&request));
            base_t.wall_ms.push(started.elapsed().as_secs_f64() * 1e3);
            base_t.runs += 1;
            match report.result {
                Ok(c) => {
                    base_t.tokens += c.usage.total();
                    if task.is_correct(&c.text) {
                        base_t.correct += 1;
                    }
                }
                Err(e) if e.is_context_length_exceeded() => base_t.refused += 1,
                Err(e) => eprintln!("baseline at {size} B: {e}"),
            }
        }
        let n = o.seeds.max(1);
        println!(
            "| {} | {}/{} | {} | {:.1} ms | {}/{}{} | {} | {:.1} ms |",
            human(size),
            rlm_t.correct,
            rlm_t.runs,
            rlm_t.tokens / n,
            rlm_t.median_ms(),
            base_t.correct,
            base_t.runs,
            if base_t.refused > 0 {
                format!(" ({} over the window)", base_t.refused)
            } else {
                String::new()
            },
            base_t.tokens / n,
            base_t.median_ms(),
        );
    }
}

fn human(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{} MB", b / 1_000_000),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}
