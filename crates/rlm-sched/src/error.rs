//! The scheduler's errors: per-call failures and configuration mistakes.

use std::sync::Arc;

use rlm_policy::BudgetError;

/// Why one subcall of a batch produced no completion.
#[derive(Debug, thiserror::Error)]
pub enum SubcallError<E: std::error::Error + 'static> {
    #[error("budget refused the subcall: {0}")]
    Budget(#[from] BudgetError),
    /// The executor's own error, shared (deduplicated callers receive the same one).
    #[error("subcall failed: {0}")]
    Executor(Arc<E>),
}

impl<E: std::error::Error + 'static> Clone for SubcallError<E> {
    fn clone(&self) -> Self {
        match self {
            SubcallError::Budget(e) => SubcallError::Budget(e.clone()),
            SubcallError::Executor(e) => SubcallError::Executor(Arc::clone(e)),
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
