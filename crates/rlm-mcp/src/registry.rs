//! What the server keeps between calls, per tenant: the sessions
//! `rlm_session_create` made and the traces of the runs its tools did (both
//! resources). Every read and write names the [`Tenant`] the door gave the
//! request, and a tenant sees, finds and closes only its own: another
//! tenant's session id is "no session", the same answer as a made-up one.
//!
//! Both are bounded per tenant, so one key filling its room never shuts
//! another out: at most [`RegistryLimits::sessions_per_tenant`] sessions
//! (creating one more is refused until one is closed with
//! `rlm_session_close`) and the [`RegistryLimits::traces_per_tenant`] most
//! recent traces (older ones are dropped).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use rlm_core::{Execution, Session};
use rlm_listen::Tenant;

/// Sessions one tenant holds at most, unless the front end says otherwise.
pub const MAX_SESSIONS: usize = 32;
/// Traces one tenant keeps (its most recent runs).
pub const MAX_TRACES: usize = 64;

/// The per-tenant bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryLimits {
    pub sessions_per_tenant: usize,
    pub traces_per_tenant: usize,
}

impl Default for RegistryLimits {
    fn default() -> Self {
        RegistryLimits { sessions_per_tenant: MAX_SESSIONS, traces_per_tenant: MAX_TRACES }
    }
}

/// A session and what the list shows of it.
#[derive(Clone)]
pub struct SessionEntry {
    pub session: Session,
    pub name: String,
    pub sources: Vec<String>,
    /// Binary files its folders held, left out of its context.
    pub skipped_binary: Vec<String>,
}

/// One run's trace: which tool made it, and its events.
pub struct TraceEntry {
    pub id: String,
    pub tool: &'static str,
    pub query: String,
    pub finish: String,
    pub events: Vec<rlm_trace::TraceEvent>,
}

/// One tenant's sessions and traces.
#[derive(Default)]
struct Room {
    sessions: BTreeMap<String, SessionEntry>,
    traces: VecDeque<TraceEntry>,
}

/// Every tenant's room.
#[derive(Default)]
pub struct Registry {
    limits: RegistryLimits,
    rooms: Mutex<HashMap<Tenant, Room>>,
}

/// Creating a session beyond the tenant's bound.
#[derive(Debug, thiserror::Error)]
#[error(
    "this API key already holds {limit} sessions, the limit: close one with rlm_session_close first"
)]
pub struct TooManySessions {
    pub limit: usize,
}

impl Registry {
    pub fn new(limits: RegistryLimits) -> Registry {
        Registry { limits, rooms: Mutex::new(HashMap::new()) }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<Tenant, Room>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `entry` as one of `tenant`'s sessions; its id.
    pub fn add_session(
        &self,
        tenant: &Tenant,
        entry: SessionEntry,
    ) -> Result<String, TooManySessions> {
        let mut rooms = self.rooms();
        let room = rooms.entry(tenant.clone()).or_default();
        let limit = self.limits.sessions_per_tenant;
        if room.sessions.len() >= limit {
            return Err(TooManySessions { limit });
        }
        let id = entry.session.id().0.clone();
        room.sessions.insert(id.clone(), entry);
        Ok(id)
    }

    /// One of `tenant`'s sessions.
    pub fn session(&self, tenant: &Tenant, id: &str) -> Option<SessionEntry> {
        self.rooms().get(tenant)?.sessions.get(id).cloned()
    }

    /// Closes one of `tenant`'s sessions (its context, memory and history
    /// are dropped); false when it has none by that id.
    pub fn close_session(&self, tenant: &Tenant, id: &str) -> bool {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(tenant) else { return false };
        let closed = room.sessions.remove(id).is_some();
        if room.sessions.is_empty() && room.traces.is_empty() {
            rooms.remove(tenant);
        }
        closed
    }

    /// `tenant`'s sessions, by id.
    pub fn sessions(&self, tenant: &Tenant) -> Vec<SessionEntry> {
        self.rooms().get(tenant).map(|r| r.sessions.values().cloned().collect()).unwrap_or_default()
    }

    /// Keeps `execution`'s trace, under its execution id, among `tenant`'s.
    pub fn add_trace(&self, tenant: &Tenant, tool: &'static str, execution: &Execution) {
        let entry = TraceEntry {
            id: execution.id.0.clone(),
            tool,
            query: execution.query.clone(),
            finish: execution.finish.as_str().to_string(),
            events: execution.events.clone(),
        };
        let mut rooms = self.rooms();
        let traces = &mut rooms.entry(tenant.clone()).or_default().traces;
        while traces.len() >= self.limits.traces_per_tenant.max(1) {
            traces.pop_front();
        }
        traces.push_back(entry);
    }

    /// `(id, tool, query, finish)` of every trace `tenant` keeps, oldest first.
    pub fn trace_list(&self, tenant: &Tenant) -> Vec<(String, &'static str, String, String)> {
        let rooms = self.rooms();
        let Some(room) = rooms.get(tenant) else { return Vec::new() };
        room.traces
            .iter()
            .map(|t| (t.id.clone(), t.tool, t.query.clone(), t.finish.clone()))
            .collect()
    }

    /// The trace tree of `tenant`'s run `id` as JSON, if it is still kept.
    pub fn trace_json(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> Option<Result<String, rlm_trace::TraceError>> {
        let rooms = self.rooms();
        let entry = rooms.get(tenant)?.traces.iter().find(|t| t.id == id)?;
        Some(rlm_trace::Trace::from_events(entry.events.iter().cloned()).map(|t| t.to_json()))
    }
}
