//! What an execution's settlement writes in one store transaction: its
//! final record, its job's outcome ([`JobSettlement`]), its session's new
//! state with `memory` merged per key, and the history turns it added
//! ([`split_history`]).

use rlm_core::SessionState;
use uuid::Uuid;

use super::clock::Micros;
use super::job_records::{JobOutcome, JobRecord};
use super::records::{ExecutionRecord, HISTORY_WINDOW, SessionRecord};

/// The job an execution's settlement ends with it: written only while
/// `holder` holds the job (RUNNING under its lease). A job another delivery
/// took is left to that delivery (it finds the execution ended and answers
/// the job from it), and an ended job is final.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettlement {
    pub id: Uuid,
    pub holder: String,
    pub outcome: JobOutcome,
}

impl JobSettlement {
    /// Whether the settlement may write `job`: RUNNING under `holder`'s lease.
    pub fn may_write(&self, job: &JobRecord) -> bool {
        job.is_held_by(&self.holder)
    }

    /// Whether `job` already holds this outcome (an earlier try's).
    pub fn is_written(&self, job: &JobRecord) -> bool {
        job.status == self.outcome.status
            && job.answer == self.outcome.answer
            && job.error == self.outcome.error
    }

    /// Ends `job` with the outcome, its lease given up.
    pub fn apply(&self, job: &mut JobRecord, now: Micros) {
        job.end(&self.outcome, now);
    }
}

/// What a settlement wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// The execution's record is this settlement's: written now, or by an
    /// earlier try of the same settlement (same execution and attempt).
    /// `false`: it had ended otherwise, and nothing was written.
    pub execution: bool,
    /// The job's outcome is this settlement's (written now or by an
    /// earlier try); `false` with no job or one not held by the holder.
    pub job: bool,
}

/// The settled end of an execution.
#[derive(Debug, Clone)]
pub struct SettledExecution {
    pub record: ExecutionRecord,
    /// The session's state after the execution (spend charged, history turn
    /// and `memory` saved), or `None` when it never ran in a session.
    pub state: Option<SessionState>,
    /// The session's state the execution started from (its `memory` and
    /// usage): what it changed is the difference to `state`'s, merged into
    /// the stored state. `None` replaces the stored memory and usage whole.
    pub started: Option<StartedFrom>,
    /// The job the execution answers, settled in the same transaction.
    pub job: Option<JobSettlement>,
}

/// The session's state an execution started from.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedFrom {
    pub memory: serde_json::Map<String, serde_json::Value>,
    pub usage: rlm_core::SessionUsage,
}

impl SettledExecution {
    /// The session's new state, merged into `stored` (the state stored now,
    /// which other executions' settlements and API edits may have changed
    /// since the execution started):
    /// - `memory` per key: keys the execution set or deleted take its
    ///   value, every other key keeps the stored one;
    /// - usage by difference: the stored usage plus what the execution
    ///   spent (its end's usage less its start's), so an execution charges
    ///   the session exactly its own spend, whatever settled meanwhile
    ///   (issue #75: two runs of one session at once lost one's spend).
    ///
    /// `None` when the execution carries no state.
    pub fn merged_state(&self, stored: &SessionState) -> Option<SessionState> {
        let state = self.state.as_ref()?;
        let mut merged = state.clone();
        let Some(started) = &self.started else { return Some(merged) };
        let mut memory = stored.memory.clone();
        for (key, value) in &state.memory {
            if started.memory.get(key) != Some(value) {
                memory.insert(key.clone(), value.clone());
            }
        }
        for key in started.memory.keys() {
            if !state.memory.contains_key(key) {
                memory.remove(key);
            }
        }
        merged.memory = memory;
        merged.usage = charged(&stored.usage, &started.usage, &state.usage);
        Some(merged)
    }
}

/// `stored` plus what was spent from `started` to `ended`.
fn charged(
    stored: &rlm_core::SessionUsage,
    started: &rlm_core::SessionUsage,
    ended: &rlm_core::SessionUsage,
) -> rlm_core::SessionUsage {
    let more = |s: u64, from: u64, to: u64| s.saturating_add(to.saturating_sub(from));
    let mut out = stored.clone();
    out.executions = more(stored.executions, started.executions, ended.executions);
    out.cancelled = more(stored.cancelled, started.cancelled, ended.cancelled);
    out.usage.prompt_tokens =
        more(stored.usage.prompt_tokens, started.usage.prompt_tokens, ended.usage.prompt_tokens);
    out.usage.completion_tokens = more(
        stored.usage.completion_tokens,
        started.usage.completion_tokens,
        ended.usage.completion_tokens,
    );
    out.usage.cached_tokens =
        more(stored.usage.cached_tokens, started.usage.cached_tokens, ended.usage.cached_tokens);
    out.cost_usd = stored.cost_usd + (ended.cost_usd - started.cost_usd).max(0.0);
    out.root_calls = more(stored.root_calls, started.root_calls, ended.root_calls);
    out.subcalls = more(stored.subcalls, started.subcalls, ended.subcalls);
    out
}

/// Settles a session's new `state` into `session`: the turns `state` added
/// since the stored window get the next turn numbers (from
/// `session.history_len`, which grows by their count) and are returned for
/// the store's history; the state kept is trimmed to the newest
/// [`HISTORY_WINDOW`] turns. A window that does not continue the stored one
/// (another execution settled since this one started) adds only
/// `execution`'s own turns, after the stored window.
pub(crate) fn split_history(
    session: &mut SessionRecord,
    mut state: SessionState,
    execution: Uuid,
) -> Vec<rlm_core::Turn> {
    let first_new = match session.state.history.last() {
        None => Some(0),
        Some(last) => {
            state.history.iter().rposition(|t| t.execution_id == last.execution_id).map(|i| i + 1)
        }
    };
    let execution = execution.to_string();
    let new_turns: Vec<rlm_core::Turn> = match first_new {
        Some(i) => state.history.iter().skip(i).cloned().collect(),
        None => {
            // Another execution settled since this one started: the stored
            // window, then this execution's own turns.
            let own: Vec<rlm_core::Turn> =
                state.history.iter().filter(|t| t.execution_id.0 == execution).cloned().collect();
            state.history = session.state.history.clone();
            state.history.extend(own.iter().cloned());
            own
        }
    };
    session.history_len += new_turns.len() as u64;
    let excess = state.history.len().saturating_sub(HISTORY_WINDOW);
    state.history.drain(..excess);
    session.state = state;
    new_turns
}
