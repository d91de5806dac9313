//! What a session is made of, as plain serialisable data: its settings, its
//! cumulative budget and spend, the `memory` dict, the conversation history
//! and the records of its executions. [`SessionState`] is all of it, to save
//! and restore in another process (with the same context and models).

use rlm_policy::UsageSnapshot;
use rlm_trace::TraceEvent;
use rlm_types::Usage;
use serde::{Deserialize, Serialize};

use crate::error::{SessionError, SessionResource};
use crate::outcome::{Finish, Mode};
use crate::turn::{ExecutionId, Turn};
use rlm_functions::MemoryMap;

/// The version of [`SessionState`] this build writes (and the newest it reads).
pub const SESSION_STATE_VERSION: u32 = 1;

/// Identifies a session (a UUID v4 unless the embedder chose one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// A fresh random id.
    pub fn random() -> Self {
        SessionId(uuid::Uuid::new_v4().to_string())
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Caps across all executions of a session (Enzu's `Session(max_cost_usd,
/// max_tokens)`); `None` is unlimited. An execution is refused once any cap is
/// reached, and each execution's own budget is tightened to what remains, so
/// that the session total cannot pass a token or cost cap by more than the
/// estimation error of the calls in flight at the end (see `rlm-policy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionLimits {
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// Model calls, root and sub. Within one execution only subcalls are capped
    /// to what remains; its root calls are bounded by its step limit.
    pub max_calls: Option<u64>,
    pub max_executions: Option<u64>,
}

/// How a session behaves. Serialisable, so that it travels with the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// A label (the RLM Engine's session `name`).
    pub name: String,
    /// Caps across executions.
    pub limits: SessionLimits,
    /// Limits of each execution's tree; `None`: the [`crate::Rlm`]'s budget.
    pub execution_limits: Option<rlm_policy::BudgetLimits>,
    /// Earlier questions and answers shown to the model at the start of an
    /// execution (the most recent ones).
    pub history_turns: usize,
    /// Execution records (with their traces) kept in the session state; older
    /// ones are dropped from the state (their turns stay in the history).
    pub keep_executions: usize,
    /// Stream the root model's replies so listeners see its tokens as they arrive.
    pub stream_root: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            name: String::new(),
            limits: SessionLimits::default(),
            execution_limits: None,
            history_turns: 8,
            keep_executions: 64,
            stream_root: true,
        }
    }
}

/// What a session has spent so far, over all its executions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionUsage {
    /// Executions that ran (cancelled ones included, refused ones not).
    pub executions: u64,
    pub cancelled: u64,
    pub usage: Usage,
    pub cost_usd: f64,
    pub root_calls: u64,
    pub subcalls: u64,
}

impl SessionUsage {
    /// Model calls, root and sub.
    pub fn calls(&self) -> u64 {
        self.root_calls.saturating_add(self.subcalls)
    }

    /// Adds one execution's settled spend.
    pub fn add(&mut self, spent: &UsageSnapshot, cancelled: bool) {
        self.executions += 1;
        self.cancelled += u64::from(cancelled);
        self.usage += spent.usage;
        self.cost_usd += spent.cost_usd;
        self.root_calls += spent.root_calls;
        self.subcalls += spent.subcalls;
    }

    /// The first cap already reached, as the error an execution is refused with.
    pub fn exhausted(&self, limits: &SessionLimits) -> Option<SessionError> {
        let over = |resource, used: f64, limit: Option<f64>| {
            limit.filter(|l| used >= *l).map(|limit| SessionError::BudgetExhausted {
                resource,
                used,
                limit,
            })
        };
        over(
            SessionResource::Tokens,
            self.usage.total() as f64,
            limits.max_tokens.map(|v| v as f64),
        )
        .or_else(|| over(SessionResource::CostUsd, self.cost_usd, limits.max_cost_usd))
        .or_else(|| {
            over(SessionResource::Calls, self.calls() as f64, limits.max_calls.map(|v| v as f64))
        })
        .or_else(|| {
            over(
                SessionResource::Executions,
                self.executions as f64,
                limits.max_executions.map(|v| v as f64),
            )
        })
    }

    /// `execution` tightened so that it cannot spend past what remains of `limits`.
    pub fn remaining_within(
        &self,
        limits: &SessionLimits,
        mut execution: rlm_policy::BudgetLimits,
    ) -> rlm_policy::BudgetLimits {
        fn tighter<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(if b < a { b } else { a }),
                (a, b) => a.or(b),
            }
        }
        let tokens = limits.max_tokens.map(|m| m.saturating_sub(self.usage.total()));
        execution.max_total_tokens = tighter(execution.max_total_tokens, tokens);
        let cost = limits.max_cost_usd.map(|m| (m - self.cost_usd).max(0.0));
        execution.max_cost_usd = tighter(execution.max_cost_usd, cost);
        let calls = limits.max_calls.map(|m| m.saturating_sub(self.calls()));
        execution.max_subcalls = tighter(execution.max_subcalls, calls);
        execution
    }
}

/// One finished execution: what was asked, how it ended, what it spent, and
/// its trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub id: ExecutionId,
    pub query: String,
    pub answer: Option<String>,
    pub finish: Finish,
    pub mode: Mode,
    /// Root-loop iterations of the top-level run.
    pub steps: u32,
    /// Settled spend of the execution's whole tree.
    pub usage: UsageSnapshot,
    /// When it started: milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    pub duration_ms: u64,
    /// The trace (the source of truth; `rlm_trace::Trace::from_events` builds the tree).
    pub events: Vec<TraceEvent>,
}

/// Everything a session holds, to be saved and restored elsewhere
/// ([`crate::Session::state`], [`crate::Session::restore`]). The context and
/// the models are not in it: the restoring process supplies them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    pub version: u32,
    pub id: SessionId,
    pub settings: SessionSettings,
    pub usage: SessionUsage,
    /// The `memory` dict programs see.
    pub memory: MemoryMap,
    pub history: Vec<Turn>,
    /// The most recent executions (at most `settings.keep_executions`).
    pub executions: Vec<Execution>,
}
