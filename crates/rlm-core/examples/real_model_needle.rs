//! A real model drives the loop (opt-in, slow; not part of the test run).
//!
//! A passphrase is hidden in Paul Graham essays (`examples/data/fetch_pg_essays.sh`
//! writes them to a file); a local Qwen2.5-Coder 1.5B is the root model and
//! the 0.5B answers subcalls, each served by `../shared/tools/local-llm/serve.sh`:
//!
//! ```text
//! serve.sh 1.5b 8091 8192 &   serve.sh 0.5b 8092 8192 &
//! RLM_ROOT_URL=http://127.0.0.1:8091/v1 RLM_SUB_URL=http://127.0.0.1:8092/v1 \
//!   cargo run --release -p rlm-core --example real_model_needle -- essays.txt 60000 trace.jsonl
//! ```
//!
//! It prints every event as it happens and, at the end, one line per step:
//! did the reply contain a program, did it parse, did it run, what happened
//! to the errors, and how the run finished.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::{EnvVars, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::{LoopOptions, Rlm, extract::extract};
use rlm_trace::{EventKind, TraceEvent};

const NEEDLE: &str = "The secret passphrase for the archive vault is cobalt-otter-17.";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: real_model_needle ESSAYS.txt [CHARS] [TRACE.jsonl]")?;
    let chars: usize = args
        .get(2)
        .map(|s| s.parse().map_err(|e| format!("CHARS: {e}")))
        .transpose()?
        .unwrap_or(60_000);
    let trace_path = args.get(3).cloned();
    let root_url =
        std::env::var("RLM_ROOT_URL").map_err(|_| "set RLM_ROOT_URL (root model server)")?;
    let sub_url = std::env::var("RLM_SUB_URL").unwrap_or_else(|_| root_url.clone());

    let essays = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut text: String = essays.chars().take(chars).collect();
    let at = text.char_indices().nth(text.chars().count() * 3 / 5).map(|(i, _)| i).unwrap_or(0);
    let at = text[at..].find(". ").map(|i| at + i + 2).unwrap_or(at);
    text.insert_str(at, &format!("{NEEDLE} "));
    let context = Context::from_text(text);

    // Two OpenAI-compatible servers: the `llamacpp:` and `vllm:` prefixes
    // read their base URLs from different variables.
    let env = EnvVars::from_pairs([
        ("LLAMACPP_BASE_URL", root_url.as_str()),
        ("VLLM_BASE_URL", sub_url.as_str()),
    ]);
    let root = adapter_from_model_string("llamacpp:qwen2.5-coder-1.5b", &env)
        .map_err(|e| e.to_string())?;
    let sub =
        adapter_from_model_string("vllm:qwen2.5-coder-0.5b", &env).map_err(|e| e.to_string())?;

    let printer = |e: &TraceEvent| {
        let line = match &e.kind {
            EventKind::ModelCallStarted(m) => format!("step {}: root model called", m.iteration),
            EventKind::ModelCallFinished(c) => format!(
                "  reply ({} ms, {} tokens): {}",
                c.latency_ms,
                c.usage.completion_tokens,
                c.response_preview.chars().take(300).collect::<String>().replace('\n', "⏎")
            ),
            EventKind::ProgramFinished(p) => format!(
                "  program {}: stdout {:?} {}",
                p.outcome.as_str(),
                p.stdout.chars().take(200).collect::<String>(),
                p.error
                    .as_deref()
                    .map(|e| e.trim().lines().last().unwrap_or("").to_string())
                    .unwrap_or_default()
            ),
            EventKind::SubcallFinished(c) => format!(
                "    subcall {} ({} ms): {:?}",
                c.outcome.as_str(),
                c.latency_ms,
                c.response_preview.chars().take(80).collect::<String>()
            ),
            EventKind::Error(m) => format!("  note: {}", m.message),
            EventKind::FinalAnswer(a) => format!("FINAL: {}", a.answer),
            _ => return,
        };
        eprintln!("{line}");
        let _ = std::io::stderr().flush();
    };

    let rlm = Rlm::builder()
        .root(root)
        .sub_model(sub)
        .listener(Arc::new(printer))
        .budget(rlm_policy::BudgetLimits {
            max_steps: Some(8),
            max_wall_time: Some(Duration::from_secs(40 * 60)),
            ..Default::default()
        })
        .options(LoopOptions {
            max_output_chars: 3000,
            root_max_tokens: Some(500),
            sub_max_tokens: Some(60),
            root_window_tokens: Some(8192),
            sub_window_tokens: Some(8192),
            ..LoopOptions::default()
        })
        .build()
        .map_err(|e| e.to_string())?;

    let question = "What is the secret passphrase for the archive vault?";
    let started = std::time::Instant::now();
    let result = rlm.run_blocking(question, context).map_err(|e| e.to_string())?;
    eprintln!("\n== per-step report");
    report(&result.events);
    println!(
        "answer: {:?}\nfinish: {:?}\nsteps: {}\ncorrect: {}\nwall: {:.0} s\ntokens: {}",
        result.answer,
        result.finish,
        result.steps,
        result.answer.as_deref().is_some_and(|a| a.contains("cobalt-otter-17")),
        started.elapsed().as_secs_f64(),
        result.usage.usage.total()
    );
    if let Some(p) = trace_path {
        let mut f = std::fs::File::create(&p).map_err(|e| format!("{p}: {e}"))?;
        for e in &result.events {
            writeln!(f, "{}", rlm_trace::to_json_line(e)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// One line per root-model reply: program found? parsed? ran? error? final?
fn report(events: &[TraceEvent]) {
    let mut step = 0;
    for (i, e) in events.iter().enumerate() {
        match &e.kind {
            EventKind::ModelCallStarted(m) => step = m.iteration,
            EventKind::ModelCallFinished(c) if e.parent_span_id.is_some() => {
                let ex = extract(&c.response_preview);
                let programs: Vec<&TraceEvent> = events[i + 1..]
                    .iter()
                    .take_while(|n| !matches!(n.kind, EventKind::ModelCallStarted(_)))
                    .filter(|n| matches!(n.kind, EventKind::ProgramFinished(_)))
                    .collect();
                let outcome: Vec<String> = programs
                    .iter()
                    .map(|p| match &p.kind {
                        EventKind::ProgramFinished(p) => match &p.error {
                            None => "ran ok".to_string(),
                            Some(err)
                                if err.contains("SyntaxError")
                                    || err.contains("error:") && err.contains("-->") =>
                            {
                                format!("did not parse ({})", first_line(err))
                            }
                            Some(err) => {
                                format!("ran, error: {}", err.trim().lines().last().unwrap_or(""))
                            }
                        },
                        _ => String::new(),
                    })
                    .collect();
                println!(
                    "step {step}: program in reply: {}; blocks: {}; prose FINAL: {}; claimed output: {}; {}",
                    !ex.code.is_empty(),
                    ex.code.len(),
                    ex.prose_final.is_some(),
                    ex.claimed_output,
                    if outcome.is_empty() {
                        "nothing ran".to_string()
                    } else {
                        outcome.join(" / ")
                    }
                );
            }
            _ => {}
        }
    }
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("")
}
