//! A file-based chatbot over documents in Enzu's file convention: in a
//! folder, `chat_input.txt` holds the user's message, `chat_output.txt`
//! receives the reply, and `chat_state.json` keeps the conversation (rlm-core's
//! `SessionState`: earlier turns, which the model sees; `memory`; the session
//! budget and its spend). Each invocation answers one message.
//!
//! ```text
//! cargo run -p rlm-examples --bin chatbot -- --dir work/ --context examples/corpus \
//!     [--name chat] [--session-max-tokens N] [--session-max-cost-usd X] \
//!     [--session-max-calls N] [--session-max-runs N] [--model ...]
//! ```
//! Once the session budget is spent, the next message is refused
//! (`SessionError::BudgetExhausted`, exit code 3). Without `--model` it runs
//! offline (see `common.rs`).

#[path = "common.rs"]
mod common;

use std::path::PathBuf;

use common::{Failure, SessionFiles};
use rlm_core::Rlm;

fn main() {
    common::main_with(run);
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(common::flag(&args, "--dir").ok_or("--dir DIR is required")?);
    let name = common::flag(&args, "--name").unwrap_or_else(|| "chat".into());
    let files = SessionFiles::new(&dir, &name);
    let contexts: Vec<PathBuf> =
        common::flags(&args, "--context").into_iter().map(PathBuf::from).collect();
    let message = common::read_input(&files)?;
    let (root, sub) = common::models(
        common::flag(&args, "--model").as_deref(),
        common::flag(&args, "--sub-model").as_deref(),
    )?;
    let rlm = Rlm::builder().root(root).sub_model(sub).build().map_err(|e| e.to_string())?;
    let session = common::open_session(
        &rlm,
        common::load(&contexts)?,
        &files,
        common::session_limits(&args)?,
    )?;
    let outcome = session.execute_blocking(message.as_str());
    if !matches!(outcome, Err(rlm_core::SessionError::BudgetExhausted { .. })) {
        common::save_session(&session, &files)?;
    }
    let reply = outcome?
        .answer
        .unwrap_or_else(|| "Sorry, I could not find an answer within the budget.".into());
    std::fs::write(&files.output, format!("{reply}\n"))
        .map_err(|e| format!("{}: {e}", files.output.display()))?;
    println!("{reply}");
    Ok(())
}
