//! What an execution's settlement writes in one store transaction: its
//! final record, its job's outcome ([`JobSettlement`]), its session's new
//! state with `memory` merged per key, and the history turns it added
//! ([`split_history`]).

use uuid::Uuid;

use super::*;

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
        job.status == JobStatus::Running
            && job.lease.as_ref().is_some_and(|l| l.worker == self.holder)
    }

    /// Whether `job` already holds this outcome (an earlier try's).
    pub fn is_written(&self, job: &JobRecord) -> bool {
        job.status == self.outcome.status
            && job.answer == self.outcome.answer
            && job.error == self.outcome.error
    }

    /// Ends `job` with the outcome, its lease given up.
    pub fn apply(&self, job: &mut JobRecord, now: Micros) {
        job.status = self.outcome.status;
        job.answer = self.outcome.answer.clone();
        job.error = self.outcome.error.clone();
        job.finished_at = Some(now);
        job.lease = None;
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
    /// The `memory` the execution started from: what it changed is the
    /// difference to `state`'s. `None` replaces the stored memory whole.
    pub started_memory: Option<serde_json::Map<String, serde_json::Value>>,
    /// The job the execution answers, settled in the same transaction.
    pub job: Option<JobSettlement>,
}

impl SettledExecution {
    /// The session's new state, its `memory` merged per key into `stored`
    /// (the memory stored now, which API edits may have changed while the
    /// execution ran): keys the execution set or deleted take its value,
    /// every other key keeps the stored one.
    /// `None` when the execution carries no state.
    pub fn merged_state(
        &self,
        stored: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<SessionState> {
        let state = self.state.as_ref()?;
        let mut merged = state.clone();
        let Some(started) = &self.started_memory else { return Some(merged) };
        let mut memory = stored.clone();
        for (key, value) in &state.memory {
            if started.get(key) != Some(value) {
                memory.insert(key.clone(), value.clone());
            }
        }
        for key in started.keys() {
            if !state.memory.contains_key(key) {
                memory.remove(key);
            }
        }
        merged.memory = memory;
        Some(merged)
    }
}

/// Settles a session's new `state` into `session`: the turns `state` added
/// since the stored window get the next turn numbers (from
/// `session.history_len`, which grows by their count) and are returned for
/// the store's history; the state kept is trimmed to the newest
/// [`HISTORY_WINDOW`] turns. A window that does not continue the stored one
/// adds only `execution`'s own turns.
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
        None => state.history.iter().filter(|t| t.execution_id.0 == execution).cloned().collect(),
    };
    session.history_len += new_turns.len() as u64;
    let excess = state.history.len().saturating_sub(HISTORY_WINDOW);
    state.history.drain(..excess);
    session.state = state;
    new_turns
}
