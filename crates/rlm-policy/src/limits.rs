//! The limits a budget enforces: for the whole tree ([`BudgetLimits`]) and, optionally,
//! tighter caps for one subtree ([`SubtreeLimits`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The default fraction of a limit at which the soft "finalize now" signal fires.
pub const DEFAULT_SOFT_LIMIT_RATIO: f64 = 0.85;

/// Limits for a whole RLM tree (the root run and every sub-RLM and subcall under it).
///
/// `None` means unlimited. Steps and consecutive errors count per level (one RLM
/// loop); everything else counts tree-wide, summed over every level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetLimits {
    /// Iterations of one RLM loop (each level has its own count).
    pub max_steps: Option<u64>,
    /// Sub-model calls in the whole tree (root-model calls are not subcalls).
    pub max_subcalls: Option<u64>,
    /// Deepest level allowed; the root is depth 0, its sub-RLMs depth 1.
    pub max_depth: Option<u32>,
    /// Prompt + completion tokens of every model call in the tree.
    pub max_total_tokens: Option<u64>,
    /// Prompt + completion tokens of subcalls only.
    pub max_subcall_tokens: Option<u64>,
    /// Spend in US dollars of every model call in the tree.
    pub max_cost_usd: Option<f64>,
    /// Wall time since the tree started.
    #[serde(with = "opt_duration_ms")]
    pub max_wall_time: Option<Duration>,
    /// Wall time of one program (a cell, its host calls included): past it
    /// the program ends with the wall-time limit error and is rolled back,
    /// and the run goes on.
    #[serde(with = "opt_duration_ms")]
    pub max_program_time: Option<Duration>,
    /// Consecutive failed steps of one RLM loop before it must stop.
    pub max_consecutive_errors: Option<u32>,
    /// Fraction (in `(0, 1]`) of any limit at which [`crate::Budget::soft_limit`]
    /// starts telling the loop to finalize.
    pub soft_limit_ratio: f64,
}

impl Default for BudgetLimits {
    fn default() -> Self {
        Self {
            max_steps: None,
            max_subcalls: None,
            max_depth: None,
            max_total_tokens: None,
            max_subcall_tokens: None,
            max_cost_usd: None,
            max_wall_time: None,
            max_program_time: None,
            max_consecutive_errors: None,
            soft_limit_ratio: DEFAULT_SOFT_LIMIT_RATIO,
        }
    }
}

impl BudgetLimits {
    /// No limit at all (the soft signal never fires).
    pub fn unlimited() -> Self {
        Self::default()
    }
}

/// Extra caps for one subtree (a sub-RLM and everything under it).
///
/// A subtree is always bounded by every ancestor's limits as well: these caps can
/// only tighten. `max_steps` and `max_consecutive_errors`, being per-level, are
/// inherited from the parent when `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtreeLimits {
    pub max_steps: Option<u64>,
    pub max_subcalls: Option<u64>,
    pub max_total_tokens: Option<u64>,
    pub max_subcall_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    #[serde(with = "opt_duration_ms")]
    pub max_wall_time: Option<Duration>,
    pub max_consecutive_errors: Option<u32>,
}

/// Serde helper: an optional `Duration` as integer milliseconds.
pub(crate) mod opt_duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}
