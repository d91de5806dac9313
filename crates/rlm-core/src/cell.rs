//! The one cell driver: runs a cell of an interpreter session to its end,
//! forwarding what it prints and handing every suspension's host calls to a
//! [`CallServer`]. The loop's programs, `rlm exec`, `rlm repl` and every
//! future front end drive cells through [`drive`]; only the server differs.

use futures::future::LocalBoxFuture;
use rlm_interp::{HostCall, HostError, Outcome, RuntimeErrorInfo, Session, Value};

/// The answers to one suspension's host calls, by call id.
pub type Answers = Vec<(u64, Result<Value, HostError>)>;

/// Performs the host calls of a suspended cell.
pub trait CallServer {
    /// Answers `calls` (all pending in `session`); every call gets an answer.
    fn serve<'a>(
        &'a mut self,
        session: &'a mut Session,
        calls: Vec<HostCall>,
    ) -> LocalBoxFuture<'a, Answers>;

    /// Whether the run was cancelled: the cell is not resumed after a serve.
    fn cancelled(&self) -> bool {
        false
    }
}

/// How a cell ended.
#[derive(Debug)]
pub enum CellEnd {
    /// It ran to its end.
    Done,
    /// `FINAL(x)` / `FINAL_VAR(name)`: the answer value.
    Final(Value),
    /// An error ended it (parse, exception or limit).
    Error(RuntimeErrorInfo),
    /// Its run was cancelled while it waited for host calls.
    Cancelled,
}

/// Runs `source` as the next cell of `session` (see [`drive`]).
pub async fn run_cell<E>(
    session: &mut Session,
    source: &str,
    server: &mut dyn CallServer,
    out: &mut dyn FnMut(&str) -> Result<(), E>,
) -> Result<CellEnd, E> {
    let outcome = session.run_cell(source);
    drive(session, outcome, server, out).await
}

/// Runs `source` as the next cell of `session`, keeping the value of its
/// last statement, when that is an expression, in the global `keep_last`
/// (as Python's interactive prompt keeps `_`; see
/// [`Session::run_cell_keeping_last`]).
pub async fn run_cell_keeping_last<E>(
    session: &mut Session,
    source: &str,
    keep_last: &str,
    server: &mut dyn CallServer,
    out: &mut dyn FnMut(&str) -> Result<(), E>,
) -> Result<CellEnd, E> {
    let outcome = session.run_cell_keeping_last(source, keep_last);
    drive(session, outcome, server, out).await
}

/// Drives a started cell to its end: its output goes to `out` as it is
/// produced (a failing `out` stops the cell), its host calls to `server`.
pub async fn drive<E>(
    session: &mut Session,
    mut outcome: Outcome,
    server: &mut dyn CallServer,
    out: &mut dyn FnMut(&str) -> Result<(), E>,
) -> Result<CellEnd, E> {
    loop {
        let printed = session.take_output();
        if !printed.is_empty() {
            out(&printed)?;
        }
        match outcome {
            Outcome::Suspended(calls) => {
                let answers = server.serve(session, calls).await;
                if server.cancelled() {
                    return Ok(CellEnd::Cancelled);
                }
                for (id, result) in answers {
                    // The ids come from this very suspension, so they are pending.
                    let _ = session.answer(id, result);
                }
                outcome = session.resume();
            }
            Outcome::Done => return Ok(CellEnd::Done),
            Outcome::Final(v) => return Ok(CellEnd::Final(v)),
            Outcome::Error(e) => return Ok(CellEnd::Error(e)),
        }
    }
}
