//! The smallest useful embedding of `rlm-core`: build an `Rlm`, run it over a
//! context, read the answer, the usage and the trace.
//!
//! `cargo run -p rlm-examples --bin library_use` runs offline (a scripted root
//! model and an echoing sub-model); set `RLM_MODEL=openai:gpt-5-mini` (and
//! its key) to drive it with a real model instead.

use std::sync::Arc;

use rlm_adapters::{EnvVars, FakeAdapter, ModelAdapter, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::Rlm;

fn main() {
    let context = Context::from_text(
        "Minutes, 2026-11-20.\nAttendees: Ada, Grace, Linus.\nDecision: ship the parser on Monday.\n",
    );
    let (root, sub): (Arc<dyn ModelAdapter>, Arc<dyn ModelAdapter>) = match std::env::var(
        "RLM_MODEL",
    ) {
        Ok(model) => {
            let env = EnvVars::from_process();
            match adapter_from_model_string(&model, &env) {
                Ok(a) => (a.clone(), a),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(4);
                }
            }
        }
        // Offline: the root model's replies are scripted; the sub-model echoes.
        Err(_) => (
            Arc::new(FakeAdapter::replies([
                "```repl\nprint(len(context)); print(peek(80))\n```",
                "```repl\nline = [l for l in context.splitlines() if l.startswith('Decision')][0]\nFINAL(line.split(': ', 1)[1])\n```",
            ])),
            Arc::new(FakeAdapter::echo()),
        ),
    };
    let rlm = match Rlm::builder().root(root).sub_model(sub).build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    match rlm.run_blocking("What was decided?", context) {
        Ok(result) => {
            println!("answer: {}", result.answer.as_deref().unwrap_or("(none)"));
            println!(
                "finished by {} after {} step(s); {} tokens, {} subcalls",
                result.finish.as_str(),
                result.steps,
                result.usage.usage.total(),
                result.usage.subcalls
            );
            println!("trace: {} events", result.events.len());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(5);
        }
    }
}
