//! Running a cell to its end and answering the host calls it makes.
//!
//! [`HostServer`] is the one place where `exec` and `repl` answer a suspended
//! program's host calls: `exec` with scripted replies to `llm_query` (and
//! `llm_batch` / `llm_query_async`, which make `llm_query` calls; see
//! [`serve_host_calls`]); `repl` through rlm-core's [`rlm_core::ProgramHost`],
//! so a person typing has every function a model's program has (`ask`,
//! `ask_chunks`, `rlm_query`, ...), answered by the configured or scripted model.

use std::path::Path;

use rlm_interp::{HostCall, HostError, Outcome, RuntimeErrorInfo, Session, Value};

use crate::exit::CliError;

/// Replies handed out in order; the last one repeats.
#[derive(Debug, Clone)]
pub struct ScriptedReplies {
    list: Vec<String>,
    next: usize,
}

/// Who answers host calls.
pub enum HostServer {
    /// Scripted replies to `llm_query`; other host functions fail in the program.
    Scripted(ScriptedReplies),
    /// rlm-core's host: every RLM function, the configured models, budgets, trace.
    Rlm(Box<rlm_core::ProgramHost>),
}

impl HostServer {
    /// Answers `calls` (all pending in `session`).
    pub fn serve(&mut self, session: &mut Session, calls: Vec<HostCall>) {
        match self {
            HostServer::Scripted(replies) => serve_host_calls(session, calls, replies),
            HostServer::Rlm(host) => {
                for (id, result) in host.serve_blocking(session, calls) {
                    let _ = session.answer(id, result);
                }
            }
        }
    }
}

impl ScriptedReplies {
    /// The replies, in order.
    pub fn into_list(self) -> Vec<String> {
        self.list
    }

    /// `--replies FILE` (a JSON array of strings), else `--reply TEXT`, else `"ok"`.
    pub fn from_flags(reply: Option<String>, replies: Option<&Path>) -> Result<Self, CliError> {
        let list = match replies {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?;
                let list: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                    CliError::Replies { path: path.display().to_string(), reason: e.to_string() }
                })?;
                if list.is_empty() {
                    return Err(CliError::Replies {
                        path: path.display().to_string(),
                        reason: "the array is empty".into(),
                    });
                }
                list
            }
            None => vec![reply.unwrap_or_else(|| "ok".to_string())],
        };
        Ok(ScriptedReplies { list, next: 0 })
    }

    fn take(&mut self) -> String {
        let i = self.next.min(self.list.len().saturating_sub(1));
        self.next += 1;
        self.list.get(i).cloned().unwrap_or_default()
    }
}

/// Answer every call of a suspended program: `llm_query` gets the next
/// scripted reply; any other host function fails inside the program (a
/// `RuntimeError` it may catch).
pub fn serve_host_calls(
    session: &mut Session,
    calls: Vec<HostCall>,
    replies: &mut ScriptedReplies,
) {
    for call in calls {
        let result = if call.name == "llm_query" {
            Ok(Value::str(replies.take()))
        } else {
            Err(HostError::new(format!(
                "'{}' is not available here: only llm_query (and llm_batch, llm_query_async) are answered, with scripted replies",
                call.name
            )))
        };
        // The id comes from this very suspension, so it is pending.
        let _ = session.answer(call.id, result);
    }
}

/// How a cell ended.
pub enum CellEnd {
    Done,
    /// `FINAL(x)`: the answer, as `str(x)`.
    Final(String),
    Error(RuntimeErrorInfo),
}

/// Host calls the driver answers itself, before the rest go to [`serve_host_calls`]
/// (the REPL's display of bare expressions). Returns `true` when it handled the call.
pub type LocalCalls<'a> = dyn FnMut(
        &mut Session,
        &HostCall,
        &mut dyn FnMut(&str) -> Result<(), CliError>,
    ) -> Result<bool, CliError>
    + 'a;

/// Run a started cell to its end: forward its output to `out` as it is
/// produced, answer its host calls (`local` first, then [`serve_host_calls`]).
pub fn drive_cell(
    session: &mut Session,
    mut outcome: Outcome,
    server: &mut HostServer,
    local: &mut LocalCalls<'_>,
    out: &mut dyn FnMut(&str) -> Result<(), CliError>,
) -> Result<CellEnd, CliError> {
    loop {
        let printed = session.take_output();
        if !printed.is_empty() {
            out(&printed)?;
        }
        match outcome {
            Outcome::Suspended(calls) => {
                let mut rest = Vec::new();
                for call in calls {
                    if !local(session, &call, out)? {
                        rest.push(call);
                    }
                }
                if !rest.is_empty() {
                    server.serve(session, rest);
                }
                outcome = session.resume();
            }
            Outcome::Done => return Ok(CellEnd::Done),
            Outcome::Final(v) => return Ok(CellEnd::Final(session.display(&v))),
            Outcome::Error(e) => return Ok(CellEnd::Error(e)),
        }
    }
}
