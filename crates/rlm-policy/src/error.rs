//! The typed errors a budget raises when a hard limit is reached.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which token count a [`BudgetError::TokenBudgetExceeded`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Every model call (root and subcalls).
    Total,
    /// Subcalls only.
    Subcall,
}

impl std::fmt::Display for TokenScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenScope::Total => "total",
            TokenScope::Subcall => "subcall",
        })
    }
}

/// A hard limit was reached (or a value given to the budget was unusable).
///
/// `scope_depth` names the level whose limit refused: 0 is the tree's own limit,
/// a larger number a subtree cap set with [`crate::SubtreeLimits`].
/// Serialisable so that traces can record refusals.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BudgetError {
    #[error("step limit reached: {limit} steps already taken at depth {depth}")]
    MaxStepsExceeded { limit: u64, depth: u32 },

    #[error(
        "subcall limit reached: {used} of {limit} subcalls used or in flight (limit set at depth {scope_depth})"
    )]
    MaxSubcallsExceeded { limit: u64, used: u64, scope_depth: u32 },

    #[error("recursion depth limit reached: depth {requested} requested, at most {limit} allowed")]
    MaxDepthExceeded { limit: u32, requested: u32 },

    #[error(
        "{scope} token budget reached: {spent} spent + {reserved} reserved + {requested} requested > {limit} (limit set at depth {scope_depth})"
    )]
    TokenBudgetExceeded {
        scope: TokenScope,
        limit: u64,
        spent: u64,
        reserved: u64,
        requested: u64,
        scope_depth: u32,
    },

    #[error(
        "cost budget reached: ${spent_usd:.6} spent + ${reserved_usd:.6} reserved + ${requested_usd:.6} requested > ${limit_usd:.6} (limit set at depth {scope_depth})"
    )]
    CostBudgetExceeded {
        limit_usd: f64,
        spent_usd: f64,
        reserved_usd: f64,
        requested_usd: f64,
        scope_depth: u32,
    },

    #[error(
        "time budget reached: {elapsed_ms} ms elapsed of {limit_ms} ms (limit set at depth {scope_depth})"
    )]
    TimeBudgetExceeded { limit_ms: u64, elapsed_ms: u64, scope_depth: u32 },

    #[error("{limit} consecutive errors at depth {depth}: stopping this run")]
    MaxConsecutiveErrors { limit: u32, depth: u32 },

    #[error("invalid {what}: {value} (must be a finite, non-negative number)")]
    InvalidAmount { what: String, value: f64 },

    #[error("invalid soft limit ratio {0}: must be in (0, 1]")]
    InvalidSoftLimitRatio(f64),
}

impl BudgetError {
    /// True for errors that mean "this run must end now" (every variant except
    /// the invalid-value ones, which are programming errors of the embedder).
    pub fn is_limit(&self) -> bool {
        !matches!(self, BudgetError::InvalidAmount { .. } | BudgetError::InvalidSoftLimitRatio(_))
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
