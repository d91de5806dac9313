//! Per-call outcome events, delivered as they happen to the scheduler's
//! [`SchedListener`] and to a batch's [`CallObserver`] (which also sees each
//! call's result), so that a trace or a live display can record them.

use rlm_policy::BudgetError;
use rlm_types::{ModelId, Usage};
use serde::{Deserialize, Serialize};

use crate::scheduler::CallResult;

/// Something that happened to one subcall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubcallEvent {
    /// Unique per scheduler, in order of admission.
    pub call_id: u64,
    /// Position of the request in its batch.
    pub index: usize,
    pub model: ModelId,
    #[serde(flatten)]
    pub kind: SubcallEventKind,
}

/// The kinds of [`SubcallEvent`]. Every call ends with exactly one of
/// `CacheHit`, `DedupHit`, `BudgetRefused`, `Finished`, `Failed`, `Cancelled`;
/// `Started` precedes `Finished`/`Failed` (and may precede `Cancelled`), and
/// a call's `Retried` events come between its `Started` and its final event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SubcallEventKind {
    /// Answered by the completion cache; `saved` is the cached call's usage.
    CacheHit {
        saved: Usage,
    },
    /// An identical call was already in flight; this one shared its result.
    DedupHit {
        leader_call_id: u64,
        ok: bool,
    },
    /// The budget refused the reservation; the model was not called.
    BudgetRefused {
        error: BudgetError,
    },
    /// The model call is about to be sent (after concurrency and rate limits).
    Started {
        queued_ms: u64,
        estimated_tokens: u64,
    },
    /// The executor retried the call (one event per retry, in order).
    Retried {
        attempt: u32,
        reason: String,
        delay_ms: u64,
    },
    Finished {
        latency_ms: u64,
        usage: Usage,
        cost_usd: f64,
    },
    Failed {
        latency_ms: u64,
        error: String,
    },
    /// The caller dropped the batch before this call ended.
    Cancelled,
}

/// Receives [`SubcallEvent`]s. Called inline on the scheduler's tasks: keep it
/// quick (push to a channel, bump counters).
pub trait SchedListener: Send + Sync {
    fn on_event(&self, event: &SubcallEvent);
}

impl<F: Fn(&SubcallEvent) + Send + Sync> SchedListener for F {
    fn on_event(&self, event: &SubcallEvent) {
        self(event)
    }
}

/// Watches the calls of one batch ([`crate::Scheduler::run_batch_observed`]):
/// the same events as the [`SchedListener`], and with each final event except
/// `Cancelled` the call's result (its completion's text, or its typed error).
/// Called inline on the batch's task: keep it quick.
pub trait CallObserver<E: std::error::Error + 'static>: Send + Sync {
    fn on_event(&self, event: &SubcallEvent, result: Option<&CallResult<E>>);
}
