//! A file-based researcher (the shape of Enzu's production examples): the
//! question comes from a file, the answer goes to a file, and the state (every
//! run with its usage, and the RLM's `memory`) lives in a JSON file, so a
//! scheduler or a shell script can drive it.
//!
//! ```text
//! cargo run -p rlm-examples --bin researcher -- --prompt question.txt \
//!     --context examples/corpus --out answer.md --state state.json [--model openai:gpt-5-mini]
//! ```
//! Without `--model` it runs offline (see `common.rs`).

#[path = "common.rs"]
mod common;

use std::path::PathBuf;
use std::sync::Arc;

use rlm_core::Rlm;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let prompt = common::flag(&args, "--prompt").ok_or("--prompt FILE is required")?;
    let out = common::flag(&args, "--out").ok_or("--out FILE is required")?;
    let state_path = common::flag(&args, "--state").ok_or("--state FILE is required")?;
    let contexts: Vec<PathBuf> =
        common::flags(&args, "--context").into_iter().map(PathBuf::from).collect();
    let question = std::fs::read_to_string(&prompt).map_err(|e| format!("{prompt}: {e}"))?;
    let question = question.trim();
    let mut state: serde_json::Value = match std::fs::read_to_string(&state_path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| format!("{state_path} is not JSON: {e}"))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            serde_json::json!({ "runs": [], "memory": {} })
        }
        Err(e) => return Err(format!("{state_path}: {e}")),
    };
    let memory = Arc::new(common::JsonMemory::default());
    if let Some(m) = state.get("memory").and_then(|m| m.as_object()) {
        *memory.0.lock().map_err(|_| "memory lock")? = m.clone();
    }
    let (root, sub) = common::models(
        common::flag(&args, "--model").as_deref(),
        common::flag(&args, "--sub-model").as_deref(),
    )?;
    let rlm = Rlm::builder()
        .root(root)
        .sub_model(sub)
        .memory(memory.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let result = rlm.run_blocking(question, common::load(&contexts)?).map_err(|e| e.to_string())?;
    let answer =
        result.answer.clone().unwrap_or_else(|| format!("(no answer: {})", result.finish.as_str()));
    std::fs::write(&out, format!("# {question}\n\n{answer}\n"))
        .map_err(|e| format!("{out}: {e}"))?;
    let runs = state["runs"].as_array().map(|r| r.len()).unwrap_or(0);
    let record = serde_json::json!({
        "n": runs + 1,
        "question": question,
        "answer": result.answer,
        "finish": result.finish.as_str(),
        "steps": result.steps,
        "tokens": result.usage.usage.total(),
        "subcalls": result.usage.subcalls,
        "cost_usd": result.usage.cost_usd,
    });
    match state["runs"].as_array_mut() {
        Some(r) => r.push(record),
        None => state["runs"] = serde_json::json!([record]),
    }
    state["memory"] =
        serde_json::Value::Object(memory.0.lock().map_err(|_| "memory lock")?.clone());
    let text = serde_json::to_string_pretty(&state).map_err(|e| e.to_string())?;
    std::fs::write(&state_path, text).map_err(|e| format!("{state_path}: {e}"))?;
    println!("{answer}");
    Ok(())
}
