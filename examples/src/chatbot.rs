//! A file-based chatbot over documents: the conversation is a JSON file
//! (`{"messages": [{"role": "user", "content": ...}, ...], "memory": {}}`);
//! each invocation answers the last user message with an RLM run over the
//! context, appends the reply, and writes the file back. Earlier turns go into
//! the question, and `memory` persists between turns.
//!
//! ```text
//! cargo run -p rlm-examples --bin chatbot -- --conversation chat.json --context examples/corpus [--model ...]
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
    let path = common::flag(&args, "--conversation").ok_or("--conversation FILE is required")?;
    let contexts: Vec<PathBuf> =
        common::flags(&args, "--context").into_iter().map(PathBuf::from).collect();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut conv: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let messages =
        conv["messages"].as_array().cloned().ok_or("the conversation needs a \"messages\" list")?;
    let Some(last) = messages.last() else { return Err("the conversation has no messages".into()) };
    if last["role"] != "user" {
        return Err("the last message is not from the user: nothing to answer".into());
    }
    let question = last["content"].as_str().ok_or("a message without text content")?.to_string();
    // Earlier turns give the question its context.
    let mut earlier = String::new();
    for m in &messages[..messages.len() - 1] {
        earlier.push_str(&format!(
            "{}: {}\n",
            m["role"].as_str().unwrap_or("?"),
            m["content"].as_str().unwrap_or("")
        ));
    }
    let query = if earlier.is_empty() {
        question.clone()
    } else {
        format!("{question}\n\n(Conversation so far:\n{earlier})")
    };
    let memory = Arc::new(common::JsonMemory::default());
    if let Some(m) = conv.get("memory").and_then(|m| m.as_object()) {
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
    let result = rlm.run_blocking(&query, common::load(&contexts)?).map_err(|e| e.to_string())?;
    let reply =
        result.answer.clone().unwrap_or_else(|| "Sorry, I could not find an answer.".into());
    if let Some(list) = conv["messages"].as_array_mut() {
        list.push(serde_json::json!({"role": "assistant", "content": reply}));
    }
    conv["memory"] = serde_json::Value::Object(memory.0.lock().map_err(|_| "memory lock")?.clone());
    std::fs::write(&path, serde_json::to_string_pretty(&conv).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{path}: {e}"))?;
    println!("{reply}");
    Ok(())
}
