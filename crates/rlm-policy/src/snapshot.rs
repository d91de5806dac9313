//! Read-only reports of a budget: usage snapshots and the soft-limit signal.

use rlm_types::Usage;
use serde::{Deserialize, Serialize};

/// A budgeted resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Steps,
    Subcalls,
    TotalTokens,
    SubcallTokens,
    CostUsd,
    WallTime,
}

/// A limit passed the soft-limit ratio: finalize now, before the hard stop.
///
/// `used` and `limit` are in the resource's unit (count, tokens, USD, seconds);
/// `used` includes reservations of calls still in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftLimitHit {
    pub resource: Resource,
    pub used: f64,
    pub limit: f64,
    pub fraction: f64,
    /// The level whose limit this is (0 = the tree's own limits).
    pub scope_depth: u32,
}

/// What one level (with every level below it) has used, for reporting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSnapshot {
    pub depth: u32,
    /// Steps of this level's own loop.
    pub steps: u64,
    pub consecutive_errors: u32,
    /// Settled subcalls.
    pub subcalls: u64,
    /// Settled root-model calls.
    pub root_calls: u64,
    /// Requests sent to model providers, every attempt of every call counted
    /// (retries included, and the attempts of calls that failed in the end;
    /// cache and dedup hits send none).
    #[serde(default)]
    pub requests: u64,
    /// Settled token usage of every call.
    pub usage: Usage,
    /// Settled tokens of subcalls only.
    pub subcall_tokens: u64,
    pub cost_usd: f64,
    /// Calls reserved and not yet settled.
    pub in_flight: u64,
    pub reserved_tokens: u64,
    pub reserved_cost_usd: f64,
    pub elapsed_ms: u64,
    /// Set when some limit on the path to the root passed the soft-limit ratio.
    pub soft_limit: Option<SoftLimitHit>,
}
