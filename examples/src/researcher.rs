//! A file-based researcher in Enzu's file convention: in a folder,
//! `research_input.txt` holds the question, `research_output.txt` receives the
//! answer, and `research_state.json` keeps the session (rlm-core's
//! `SessionState`: every run's usage, the history, `memory`, and the session
//! budget), so a scheduler or a shell script can drive it run after run.
//!
//! ```text
//! cargo run -p rlm-examples --bin researcher -- --dir work/ --context examples/corpus \
//!     [--name research] [--session-max-tokens N] [--session-max-cost-usd X] \
//!     [--session-max-calls N] [--session-max-runs N] [--model openai:gpt-5-mini]
//! ```
//! The session budget holds across runs: once it is spent, the next run is
//! refused (`SessionError::BudgetExhausted`, exit code 3) and nothing is
//! written. Without `--model` it runs offline (see `common.rs`).

#[path = "common.rs"]
mod common;

use common::{Failure, Turn};

fn main() {
    common::main_with(run);
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Turn { files, input: question, session, execution } = common::run_turn(&args, "research")?;
    let answer = execution
        .answer
        .clone()
        .unwrap_or_else(|| format!("(no answer: {})", execution.finish.as_str()));
    std::fs::write(&files.output, format!("# {question}\n\n{answer}\n"))
        .map_err(|e| format!("{}: {e}", files.output.display()))?;
    let usage = session.usage();
    println!("{answer}");
    eprintln!(
        "run {} of this session: {} tokens, {} model calls so far",
        usage.executions,
        usage.usage.total(),
        usage.calls()
    );
    Ok(())
}
