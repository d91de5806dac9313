//! `rlm_exec`: a DSL program run over a context, sandboxed, as `rlm exec`
//! runs a cell: an interpreter session with every function a model's program
//! has (`Rlm::new_session`), its host calls served by the configured models
//! (`Rlm::program_host`), driven by rlm-core's `cell::run_cell`. The session
//! and its host are not `Send`, so the cell runs on a blocking-pool thread
//! with its own single-threaded runtime; a cancelled request stops it at its
//! next host call (between host calls a program is bounded by its fuel).

use rlm_context::Context;
use rlm_core::Rlm;
use rlm_core::cell::{CellEnd, run_cell};
use rlm_interp::ErrorKind;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// How a program ended.
pub struct ExecOutcome {
    /// What it printed.
    pub stdout: String,
    /// `FINAL(x)`'s value, displayed as `str(x)`.
    pub final_answer: Option<String>,
    /// The error that ended it: Python's exception class (or `SyntaxError`,
    /// `LimitError`), its message, whether a sandbox limit stopped it, and
    /// the traceback as a model would see it.
    pub error: Option<Value>,
    pub cancelled: bool,
}

impl ExecOutcome {
    pub fn to_json(&self) -> Value {
        json!({
            "stdout": self.stdout,
            "final": self.final_answer,
            "error": self.error,
            "cancelled": self.cancelled,
        })
    }
}

/// Runs `program` over `context` with `rlm`'s functions, limits and models.
pub async fn exec(
    rlm: Rlm,
    context: Context,
    program: String,
    cancel: CancellationToken,
) -> Result<ExecOutcome, String> {
    let task = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime for the program: {e}"))?;
        let mut session = rlm.new_session(&context);
        session.set_cell_name("program.py");
        let mut host = rlm.program_host(&context).map_err(|e| e.to_string())?;
        let mut stdout = String::new();
        let end = runtime.block_on(async {
            let mut out = |text: &str| -> Result<(), std::convert::Infallible> {
                stdout.push_str(text);
                Ok(())
            };
            tokio::select! {
                end = run_cell(&mut session, &program, &mut host, &mut out) => Some(end),
                () = cancel.cancelled() => None,
            }
        });
        let mut outcome = ExecOutcome { stdout, final_answer: None, error: None, cancelled: false };
        match end {
            None | Some(Ok(CellEnd::Cancelled)) => outcome.cancelled = true,
            Some(Ok(CellEnd::Done)) => {}
            Some(Ok(CellEnd::Final(value))) => outcome.final_answer = Some(session.display(&value)),
            Some(Ok(CellEnd::Error(e))) => {
                // A limit's stop: the line, and the fuel and memory used.
                let stop = e.stop.map(|s| {
                    json!({"line": e.line(), "fuel_used": s.fuel_used, "memory_bytes": s.memory_bytes})
                });
                outcome.error = Some(json!({
                    "type": e.type_name,
                    "message": e.message,
                    "limit": matches!(e.kind, ErrorKind::Limit(_)),
                    "stop": stop,
                    "traceback": e.render(&program, "program.py"),
                }));
            }
            Some(Err(never)) => match never {},
        }
        Ok(outcome)
    });
    task.await.map_err(|e| format!("the program's thread failed: {e}"))?
}
