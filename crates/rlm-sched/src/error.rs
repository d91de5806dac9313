//! The scheduler's errors: per-call failures and configuration mistakes.

use std::sync::Arc;
use std::time::Duration;

use rlm_policy::BudgetError;

/// Why one subcall of a batch produced no completion.
#[derive(Debug, thiserror::Error)]
pub enum SubcallError<E: std::error::Error + 'static> {
    #[error("budget refused the subcall: {0}")]
    Budget(#[from] BudgetError),
    /// The executor's own error, shared (deduplicated callers receive the same one).
    #[error("subcall failed: {0}")]
    Executor(Arc<E>),
    /// The call was still going at its deadline and was abandoned, or (no
    /// attempt) its rate limits held it until the run's time budget ran out.
    #[error("{}", deadline_text(.after, *.attempts, *.run_budget))]
    Deadline {
        /// Time from its first attempt (with none: from its queueing).
        after: Duration,
        attempts: u32,
        /// The run's time budget was the sooner limit (else the subcall deadline).
        run_budget: bool,
    },
}

fn deadline_text(after: &Duration, attempts: u32, run_budget: bool) -> String {
    let limit = if run_budget { "run's time budget" } else { "subcall deadline" };
    let secs = after.as_secs();
    if attempts == 0 {
        return format!("not sent within the {limit} ({secs} s): its rate limits held it");
    }
    format!("no answer within the {limit} ({secs} s): abandoned after {attempts} attempt(s)")
}

impl<E: std::error::Error + 'static> Clone for SubcallError<E> {
    fn clone(&self) -> Self {
        match self {
            SubcallError::Budget(e) => SubcallError::Budget(e.clone()),
            SubcallError::Executor(e) => SubcallError::Executor(Arc::clone(e)),
            SubcallError::Deadline { after, attempts, run_budget } => SubcallError::Deadline {
                after: *after,
                attempts: *attempts,
                run_budget: *run_budget,
            },
        }
    }
}

/// A scheduler configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchedulerConfigError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("rate limit for {model}: {what} is too high to express as a replenish period")]
    RateTooHigh { model: String, what: &'static str },
}
