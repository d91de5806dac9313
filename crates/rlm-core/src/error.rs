//! The errors of the RLM loop's embedding API. What goes wrong *inside* a run
//! (a model error, a budget, a program that never finishes) is not an error
//! here: it is the run's [`crate::Finish`], with the trace, so callers always
//! get what was done.

/// A run could not be set up or its machinery failed.
#[derive(Debug, thiserror::Error)]
pub enum RlmError {
    /// The builder or a prompt is unusable (missing root model, bad template...).
    #[error("configuration error: {0}")]
    Config(String),
    /// The budget limits are invalid.
    #[error("invalid budget: {0}")]
    Budget(#[from] rlm_policy::BudgetError),
    /// The subcall scheduler's configuration is invalid.
    #[error("invalid scheduler configuration: {0}")]
    Scheduler(#[from] rlm_sched::ConfigError),
    /// The runtime thread that runs the loop could not be started or died.
    #[error("internal error: {0}")]
    Internal(String),
}
