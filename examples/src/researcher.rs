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

use std::path::PathBuf;

use common::{Failure, SessionFiles};
use rlm_core::Rlm;

fn main() {
    common::main_with(run);
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(common::flag(&args, "--dir").ok_or("--dir DIR is required")?);
    let name = common::flag(&args, "--name").unwrap_or_else(|| "research".into());
    let files = SessionFiles::new(&dir, &name);
    let contexts: Vec<PathBuf> =
        common::flags(&args, "--context").into_iter().map(PathBuf::from).collect();
    let question = common::read_input(&files)?;
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
    let outcome = session.execute_blocking(question.as_str());
    // A run that started is recorded, whatever its end; a refused one changes nothing.
    if !matches!(outcome, Err(rlm_core::SessionError::BudgetExhausted { .. })) {
        common::save_session(&session, &files)?;
    }
    let execution = outcome?;
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
