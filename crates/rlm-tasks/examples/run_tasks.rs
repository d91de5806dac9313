//! Times the tasks end to end: generation, then the scripted root program under
//! our interpreter with the rule-based sub-model, then the baseline (whole
//! context in one call), per task kind and size. One JSON line per run.
//!
//! `cargo run --release -p rlm-tasks --example run_tasks -- [SIZE...] [--seed N] [--window TOKENS]`
//! (sizes like 10KB 1MB 100MB; default 10KB 1MB 10MB 100MB).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use rlm_adapters::ModelAdapter;
use rlm_context::Context;
use rlm_tasks::{
    DEFAULT_CHUNK_CHARS, RuleModel, TaskKind, baseline_prompt, parse_size, root_program_with,
};
use rlm_types::CompletionRequest;

fn main() {
    let mut sizes = Vec::new();
    let mut seed = 1u64;
    let mut window = RuleModel::DEFAULT_CONTEXT_WINDOW;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let number = |v: Option<String>| -> u64 {
            v.and_then(|s| s.parse().ok()).unwrap_or_else(|| fail(&format!("{a} needs a number")))
        };
        match a.as_str() {
            "--seed" => seed = number(args.next()),
            "--window" => window = number(args.next()),
            s => sizes.push(parse_size(s).unwrap_or_else(|e| fail(&e.to_string()))),
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 1_000_000, 10_000_000, 100_000_000];
    }
    // Chunks that fit the window with room for the prompt's instructions, at most the default.
    let chunk = usize::try_from(window.saturating_mul(4).saturating_sub(2_000))
        .unwrap_or(usize::MAX)
        .min(DEFAULT_CHUNK_CHARS);
    for size in sizes {
        for kind in TaskKind::ALL {
            let t = Instant::now();
            let task = kind.generate(size, seed);
            let generate_s = t.elapsed().as_secs_f64();

            let t = Instant::now();
            let context = Context::from_text(task.context.clone());
            let load_s = t.elapsed().as_secs_f64();
            let model = RuleModel::new().with_context_window(window);
            let program = root_program_with(&task, chunk);
            let t = Instant::now();
            let run = common::run_with_context(&context, &program, &model);
            let rlm_s = t.elapsed().as_secs_f64();
            let rlm_ok = run.answer.as_deref().is_some_and(|a| task.is_correct(a));

            let baseline_model = RuleModel::new().with_context_window(window);
            let t = Instant::now();
            let request = CompletionRequest::user(baseline_prompt(&task));
            let baseline = futures::executor::block_on(baseline_model.complete(&request));
            let baseline_s = t.elapsed().as_secs_f64();
            let baseline_result = match &baseline {
                Ok(c) if task.is_correct(&c.text) => "correct".to_string(),
                Ok(c) => format!("wrong: {}", c.text),
                Err(e) => e.kind().as_str().to_string(),
            };
            println!(
                "{}",
                serde_json::json!({
                    "task": task.name, "kind": kind.as_str(), "bytes": task.context.len(),
                    "question": task.question, "answer": task.answer,
                    "generate_s": generate_s, "context_load_s": load_s,
                    "rlm_s": rlm_s, "rlm_answer": run.answer, "rlm_correct": rlm_ok,
                    "rlm_error": run.error, "subcalls": run.subcalls,
                    "subcall_prompt_tokens": model.total_usage().prompt_tokens,
                    "chunk_chars": chunk, "window_tokens": window,
                    "baseline": baseline_result, "baseline_s": baseline_s,
                })
            );
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("run_tasks: {msg}");
    std::process::exit(2)
}
