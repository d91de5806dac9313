//! The one cell driver: runs a cell of an interpreter session to its end,
//! forwarding what it prints and handing every suspension's host calls to a
//! [`CallServer`]. The loop's programs, `rlm exec`, `rlm repl` and every
//! future front end drive cells through [`drive`]; only the server differs.

use futures::future::LocalBoxFuture;
use rlm_interp::{HostCall, HostError, Interpreter, Outcome, RuntimeErrorInfo, Value};

/// The answers to one suspension's host calls, by call id.
pub type Answers = Vec<(u64, Result<Value, HostError>)>;

/// Performs the host calls of a suspended cell.
pub trait CallServer {
    /// Answers `calls` (all pending in `session`); every call gets an answer.
    fn serve<'a>(
        &'a mut self,
        session: &'a mut Interpreter,
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
    session: &mut Interpreter,
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
/// [`Interpreter::run_cell_keeping_last`]).
pub async fn run_cell_keeping_last<E>(
    session: &mut Interpreter,
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
    session: &mut Interpreter,
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
                // What serving the calls holds on the host counts against the
                // session's budget until their answers are in the session (a
                // fan-out of a million prompts is refused, not held).
                let Ok(held) = session.hold_host_bytes(host_bytes(&calls)) else {
                    // The session is dead with the memory error: resuming reports it.
                    outcome = session.resume();
                    continue;
                };
                let mut kept = record_bytes(&calls);
                let answers = server.serve(session, calls).await;
                if server.cancelled() {
                    return Ok(CellEnd::Cancelled);
                }
                for (id, result) in answers {
                    kept = kept.saturating_add(match &result {
                        Ok(v) => text_bytes(v).min(RECORD_TEXT_BYTES),
                        Err(e) => e.message.len().min(RECORD_TEXT_BYTES),
                    });
                    // The ids come from this very suspension, so they are pending.
                    let _ = session.answer(id, result);
                }
                drop(held);
                // What the host keeps of the finished calls stays charged
                // (a dead session reports the memory error when resumed).
                let _ = session.keep_host_bytes(kept);
                outcome = session.resume();
            }
            Outcome::Done => return Ok(CellEnd::Done),
            Outcome::Final(v) => return Ok(CellEnd::Final(v)),
            Outcome::Error(e) => return Ok(CellEnd::Error(e)),
        }
    }
}

/// What the host keeps for each call while serving it, beyond its text: the
/// call's record (trace span, scheduler entry, request and its headers).
pub const HOST_BYTES_PER_CALL: usize = 1024;

/// What the host keeps of each finished call beyond its texts: its trace
/// span's start and end events (ids, timings, usage, the model's name).
pub const RECORD_BYTES_PER_CALL: usize = 512;

/// The longest preview of a prompt or reply a call's record keeps
/// (`rlm_trace::RecorderOptions::max_text_chars`' default, in characters:
/// up to four bytes each).
pub const RECORD_TEXT_BYTES: usize = 4 * 4000;

/// A string's bytes (0 for other values).
fn text_bytes(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.byte_len(),
        _ => 0,
    }
}

/// What the host keeps of `calls` once they are finished: each call's
/// record ([`RECORD_BYTES_PER_CALL`]) and the preview of its text (at most
/// [`RECORD_TEXT_BYTES`]); the replies' previews are added as they come.
/// Charged to the session for as long as it lives
/// ([`Interpreter::keep_host_bytes`]), so that a program making call after call
/// holds its records within its own budget.
pub fn record_bytes(calls: &[HostCall]) -> usize {
    calls
        .iter()
        .map(|c| {
            let text: usize = c.args.iter().map(text_bytes).fold(0, usize::saturating_add);
            RECORD_BYTES_PER_CALL.saturating_add(text.min(RECORD_TEXT_BYTES))
        })
        .fold(0, usize::saturating_add)
}

/// The host's bytes for serving `calls`: each call's record
/// ([`HOST_BYTES_PER_CALL`]) and twice the text of its arguments (the
/// request's copy of each prompt and the trace's), strings found at the top
/// level or one level down (`llm_batch`'s list of prompts).
pub fn host_bytes(calls: &[HostCall]) -> usize {
    fn arg(v: &Value) -> usize {
        match v {
            Value::List(l) => l.borrow().iter().map(text_bytes).sum(),
            Value::Tuple(t) => t.iter().map(text_bytes).sum(),
            v => text_bytes(v),
        }
    }
    calls
        .iter()
        .map(|c| {
            let args: usize = c.args.iter().map(arg).sum::<usize>()
                + c.kwargs.iter().map(|(_, v)| arg(v)).sum::<usize>();
            HOST_BYTES_PER_CALL.saturating_add(args.saturating_mul(2))
        })
        .fold(0, usize::saturating_add)
}
