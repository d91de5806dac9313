//! What the server keeps between calls: the sessions `rlm_session_create`
//! made and the traces of the runs it did (both resources). Both are bounded:
//! at most [`MAX_SESSIONS`] sessions (creating one more is refused) and the
//! [`MAX_TRACES`] most recent traces (older ones are dropped).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use rlm_core::{Execution, Session};

/// Sessions one server holds at most.
pub const MAX_SESSIONS: usize = 256;
/// Traces one server keeps (the most recent runs).
pub const MAX_TRACES: usize = 64;

/// A session and what the list shows of it.
#[derive(Clone)]
pub struct SessionEntry {
    pub session: Session,
    pub name: String,
    pub sources: Vec<String>,
}

/// One run's trace: which tool made it, and its events.
pub struct TraceEntry {
    pub id: String,
    pub tool: &'static str,
    pub query: String,
    pub finish: String,
    pub events: Vec<rlm_trace::TraceEvent>,
}

/// The server's sessions and traces.
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<BTreeMap<String, SessionEntry>>,
    traces: Mutex<VecDeque<TraceEntry>>,
}

/// Creating a session beyond [`MAX_SESSIONS`].
#[derive(Debug, thiserror::Error)]
#[error("this server already holds {MAX_SESSIONS} sessions")]
pub struct TooManySessions;

impl Registry {
    pub fn add_session(&self, entry: SessionEntry) -> Result<String, TooManySessions> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= MAX_SESSIONS {
            return Err(TooManySessions);
        }
        let id = entry.session.id().0.clone();
        sessions.insert(id.clone(), entry);
        Ok(id)
    }

    pub fn session(&self, id: &str) -> Option<SessionEntry> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub fn sessions(&self) -> Vec<SessionEntry> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// Keeps `execution`'s trace under its execution id.
    pub fn add_trace(&self, tool: &'static str, execution: &Execution) {
        let entry = TraceEntry {
            id: execution.id.0.clone(),
            tool,
            query: execution.query.clone(),
            finish: execution.finish.as_str().to_string(),
            events: execution.events.clone(),
        };
        let mut traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        if traces.len() >= MAX_TRACES {
            traces.pop_front();
        }
        traces.push_back(entry);
    }

    /// `(id, tool, query, finish)` of every kept trace, oldest first.
    pub fn trace_list(&self) -> Vec<(String, &'static str, String, String)> {
        let traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        traces.iter().map(|t| (t.id.clone(), t.tool, t.query.clone(), t.finish.clone())).collect()
    }

    /// The trace tree of run `id` as JSON, if it is still kept.
    pub fn trace_json(&self, id: &str) -> Option<Result<String, rlm_trace::TraceError>> {
        let traces = self.traces.lock().unwrap_or_else(|p| p.into_inner());
        let entry = traces.iter().find(|t| t.id == id)?;
        Some(rlm_trace::Trace::from_events(entry.events.iter().cloned()).map(|t| t.to_json()))
    }
}
