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

use common::{Failure, Turn};

fn main() {
    common::main_with(run);
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Turn { files, execution, .. } = common::run_turn(&args, "chat")?;
    let reply = execution
        .answer
        .unwrap_or_else(|| "Sorry, I could not find an answer within the budget.".into());
    std::fs::write(&files.output, format!("{reply}\n"))
        .map_err(|e| format!("{}: {e}", files.output.display()))?;
    println!("{reply}");
    Ok(())
}
