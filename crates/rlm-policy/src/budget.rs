//! The shared tree budget and its per-level views.
//!
//! One `Mutex` guards the whole tree's ledger: every operation is a few
//! additions and comparisons on a path from a level to the root, so the lock is
//! held for well under a microsecond and a single lock makes every check-and-
//! reserve atomic across all levels at once (no lock ordering to get wrong).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rlm_types::{RunClock, Usage};
use serde::{Deserialize, Serialize};

use crate::error::{BudgetError, TokenScope, millis};
use crate::limits::{BudgetLimits, SubtreeLimits};
use crate::snapshot::{Resource, SoftLimitHit, UsageSnapshot};

const NANOS_PER_USD: f64 = 1e9;

/// What a model call is, for accounting: root-model calls count toward the
/// total-token and cost budgets; subcalls count toward those and toward the
/// subcall and subcall-token budgets too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Root,
    Subcall,
}

/// What a call is expected to spend, reserved before it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Prompt + completion tokens.
    pub tokens: u64,
    pub cost_usd: f64,
}

impl Estimate {
    pub fn new(tokens: u64, cost_usd: f64) -> Self {
        Self { tokens, cost_usd }
    }
}

/// How far a settled call's real spend was above its reservation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// Tokens spent beyond the reservation (0 when the estimate was high enough).
    pub overrun_tokens: u64,
    /// Dollars spent beyond the reservation.
    pub overrun_cost_usd: f64,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spent {
    pub(crate) subcalls: u64,
    pub(crate) root_calls: u64,
    /// Requests sent, every attempt counted (see [`Budget::count_requests`]).
    pub(crate) requests: u64,
    pub(crate) usage: Usage,
    pub(crate) subcall_tokens: u64,
    pub(crate) cost_nanos: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reserved {
    pub(crate) calls: u64,
    pub(crate) subcalls: u64,
    pub(crate) tokens: u64,
    pub(crate) subcall_tokens: u64,
    pub(crate) cost_nanos: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Caps {
    pub(crate) max_steps: Option<u64>,
    pub(crate) max_subcalls: Option<u64>,
    pub(crate) max_total_tokens: Option<u64>,
    pub(crate) max_subcall_tokens: Option<u64>,
    pub(crate) max_cost_nanos: Option<u64>,
    pub(crate) max_wall_time: Option<Duration>,
    pub(crate) max_consecutive_errors: Option<u32>,
}

/// The ledger of one level. `spent` and `reserved` include every level below it.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) parent: Option<usize>,
    pub(crate) depth: u32,
    pub(crate) caps: Caps,
    pub(crate) started: Instant,
    pub(crate) spent: Spent,
    pub(crate) reserved: Reserved,
    /// Steps of this level's own loop.
    pub(crate) steps: u64,
    pub(crate) consecutive_errors: u32,
}

#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) tree: Mutex<Tree>,
    pub(crate) max_depth: Option<u32>,
    pub(crate) max_program_time: Option<Duration>,
    pub(crate) soft_ratio: f64,
    /// The run's clock (a replay moves it: [`RunClock`]); every level's
    /// wall time is read on it.
    pub(crate) clock: RunClock,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Tree> {
        // A panic while holding the lock cannot leave the ledger half-updated
        // (each update is a handful of saturating additions), so a poisoned lock
        // is still consistent: keep going rather than fail every later call.
        self.tree.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A view of the tree-wide budget at one level of an RLM tree.
///
/// Cloning gives another handle to the same level. [`Budget::child`] opens the
/// level below (a sub-RLM). Every level shares the one tree ledger, so spend
/// anywhere counts against the limits of every ancestor, and concurrent calls
/// on any level see each other's reservations.
#[derive(Debug, Clone)]
pub struct Budget {
    shared: Arc<Shared>,
    node: usize,
}

pub(crate) fn usd_to_nanos(what: &str, usd: f64) -> Result<u64, BudgetError> {
    if !usd.is_finite() || usd < 0.0 {
        return Err(BudgetError::InvalidAmount { what: what.to_string(), value: usd });
    }
    // `as` saturates at u64::MAX for huge values, which is what a cap wants.
    Ok((usd * NANOS_PER_USD).ceil() as u64)
}

pub(crate) fn nanos_to_usd(nanos: u64) -> f64 {
    nanos as f64 / NANOS_PER_USD
}

fn check_time(node: &Node, now: Instant) -> Result<(), BudgetError> {
    if let Some(limit) = node.caps.max_wall_time {
        let elapsed = now.saturating_duration_since(node.started);
        if elapsed >= limit {
            return Err(BudgetError::TimeBudgetExceeded {
                limit_ms: millis(limit),
                elapsed_ms: millis(elapsed),
                scope_depth: node.depth,
            });
        }
    }
    Ok(())
}

/// True when `used + extra` passes `limit` (an overflowing sum always does).
fn exceeds(used: u64, extra: u64, limit: u64) -> bool {
    used.checked_add(extra).is_none_or(|total| total > limit)
}

/// Would `extra` more tokens/cost/calls fit under every cap of `node`?
fn check_room(
    node: &Node,
    kind: CallKind,
    tokens: u64,
    cost_nanos: u64,
    calls: u64,
) -> Result<(), BudgetError> {
    let caps = &node.caps;
    let (spent, reserved) = (&node.spent, &node.reserved);
    if kind == CallKind::Subcall {
        if let Some(limit) = caps.max_subcalls {
            let used = spent.subcalls.saturating_add(reserved.subcalls);
            if exceeds(used, calls, limit) {
                return Err(BudgetError::MaxSubcallsExceeded {
                    limit,
                    used,
                    scope_depth: node.depth,
                });
            }
        }
        if let Some(limit) = caps.max_subcall_tokens {
            let used = spent.subcall_tokens.saturating_add(reserved.subcall_tokens);
            if exceeds(used, tokens, limit) {
                return Err(BudgetError::TokenBudgetExceeded {
                    scope: TokenScope::Subcall,
                    limit,
                    spent: spent.subcall_tokens,
                    reserved: reserved.subcall_tokens,
                    requested: tokens,
                    scope_depth: node.depth,
                });
            }
        }
    }
    if let Some(limit) = caps.max_total_tokens {
        let used = spent.usage.total().saturating_add(reserved.tokens);
        if exceeds(used, tokens, limit) {
            return Err(BudgetError::TokenBudgetExceeded {
                scope: TokenScope::Total,
                limit,
                spent: spent.usage.total(),
                reserved: reserved.tokens,
                requested: tokens,
                scope_depth: node.depth,
            });
        }
    }
    if let Some(limit) = caps.max_cost_nanos {
        let used = spent.cost_nanos.saturating_add(reserved.cost_nanos);
        if exceeds(used, cost_nanos, limit) {
            return Err(BudgetError::CostBudgetExceeded {
                limit_usd: nanos_to_usd(limit),
                spent_usd: nanos_to_usd(spent.cost_nanos),
                reserved_usd: nanos_to_usd(reserved.cost_nanos),
                requested_usd: nanos_to_usd(cost_nanos),
                scope_depth: node.depth,
            });
        }
    }
    Ok(())
}

impl Tree {
    /// Indices from `node` up to the root.
    fn path(&self, node: usize) -> Vec<usize> {
        let mut path = Vec::with_capacity(self.nodes[node].depth as usize + 1);
        let mut at = Some(node);
        while let Some(i) = at {
            path.push(i);
            at = self.nodes[i].parent;
        }
        path
    }
}

impl Budget {
    /// A new tree budget; the returned view is the root level (depth 0).
    pub fn new(limits: BudgetLimits) -> Result<Self, BudgetError> {
        Self::with_clock(limits, RunClock::default())
    }

    /// [`Budget::new`] whose wall time is read on `clock`, started now (the
    /// run's clock, which a recording writes times on and a replay moves).
    pub fn with_clock(limits: BudgetLimits, clock: RunClock) -> Result<Self, BudgetError> {
        if !(limits.soft_limit_ratio > 0.0 && limits.soft_limit_ratio <= 1.0) {
            return Err(BudgetError::InvalidSoftLimitRatio(limits.soft_limit_ratio));
        }
        let max_cost_nanos = match limits.max_cost_usd {
            Some(usd) => Some(usd_to_nanos("max_cost_usd", usd)?),
            None => None,
        };
        clock.start();
        Ok(Self::from_checked(&limits, max_cost_nanos, clock))
    }

    /// A budget with no limits.
    pub fn unlimited() -> Self {
        Self::from_checked(&BudgetLimits::unlimited(), None, RunClock::default())
    }

    /// The clock this budget's wall time is read on.
    pub fn clock(&self) -> &RunClock {
        &self.shared.clock
    }

    fn from_checked(limits: &BudgetLimits, max_cost_nanos: Option<u64>, clock: RunClock) -> Self {
        let root = Node {
            parent: None,
            depth: 0,
            caps: Caps {
                max_steps: limits.max_steps,
                max_subcalls: limits.max_subcalls,
                max_total_tokens: limits.max_total_tokens,
                max_subcall_tokens: limits.max_subcall_tokens,
                max_cost_nanos,
                max_wall_time: limits.max_wall_time,
                max_consecutive_errors: limits.max_consecutive_errors,
            },
            started: clock.now(),
            spent: Spent::default(),
            reserved: Reserved::default(),
            steps: 0,
            consecutive_errors: 0,
        };
        Self {
            shared: Arc::new(Shared {
                tree: Mutex::new(Tree { nodes: vec![root] }),
                max_depth: limits.max_depth,
                max_program_time: limits.max_program_time,
                soft_ratio: limits.soft_limit_ratio,
                clock,
            }),
            node: 0,
        }
    }

    /// The tree's depth limit (`BudgetLimits::max_depth`; `None`: none).
    pub fn max_depth(&self) -> Option<u32> {
        self.shared.max_depth
    }

    /// This view's depth: 0 for the root run.
    pub fn depth(&self) -> u32 {
        self.shared.lock().nodes[self.node].depth
    }

    /// Opens the level below this one (a sub-RLM), with optional tighter caps.
    /// Fails with [`BudgetError::MaxDepthExceeded`] past the tree's depth limit,
    /// and with any hard limit already reached on the path to the root.
    pub fn child(&self, caps: SubtreeLimits) -> Result<Budget, BudgetError> {
        let max_cost_nanos = match caps.max_cost_usd {
            Some(usd) => Some(usd_to_nanos("max_cost_usd", usd)?),
            None => None,
        };
        let mut tree = self.shared.lock();
        let parent = &tree.nodes[self.node];
        let depth = parent.depth.saturating_add(1);
        if let Some(limit) = self.shared.max_depth
            && depth > limit
        {
            return Err(BudgetError::MaxDepthExceeded { limit, requested: depth });
        }
        let inherited = parent.caps;
        for i in tree.path(self.node) {
            check_time(&tree.nodes[i], self.shared.clock.now())?;
        }
        let node = Node {
            parent: Some(self.node),
            depth,
            caps: Caps {
                max_steps: caps.max_steps.or(inherited.max_steps),
                max_subcalls: caps.max_subcalls,
                max_total_tokens: caps.max_total_tokens,
                max_subcall_tokens: caps.max_subcall_tokens,
                max_cost_nanos,
                max_wall_time: caps.max_wall_time,
                max_consecutive_errors: caps
                    .max_consecutive_errors
                    .or(inherited.max_consecutive_errors),
            },
            started: self.shared.clock.now(),
            spent: Spent::default(),
            reserved: Reserved::default(),
            steps: 0,
            consecutive_errors: 0,
        };
        tree.nodes.push(node);
        let index = tree.nodes.len() - 1;
        Ok(Budget { shared: Arc::clone(&self.shared), node: index })
    }

    /// Counts one iteration of this level's loop. Fails (without counting) when
    /// the step limit or any wall-time limit on the path is reached.
    pub fn begin_step(&self) -> Result<u64, BudgetError> {
        let mut tree = self.shared.lock();
        for i in tree.path(self.node) {
            check_time(&tree.nodes[i], self.shared.clock.now())?;
        }
        let node = &mut tree.nodes[self.node];
        if let Some(limit) = node.caps.max_steps
            && node.steps >= limit
        {
            return Err(BudgetError::MaxStepsExceeded { limit, depth: node.depth });
        }
        node.steps += 1;
        Ok(node.steps)
    }

    /// Records a failed step of this level (a program error, an unusable model
    /// reply). Fails once the consecutive-error limit is reached.
    pub fn record_error(&self) -> Result<u32, BudgetError> {
        let mut tree = self.shared.lock();
        let node = &mut tree.nodes[self.node];
        node.consecutive_errors = node.consecutive_errors.saturating_add(1);
        match node.caps.max_consecutive_errors {
            Some(limit) if node.consecutive_errors >= limit => {
                Err(BudgetError::MaxConsecutiveErrors { limit, depth: node.depth })
            }
            _ => Ok(node.consecutive_errors),
        }
    }

    /// Records a successful step of this level: the error streak restarts.
    pub fn record_success(&self) {
        self.shared.lock().nodes[self.node].consecutive_errors = 0;
    }

    /// The wall time left before the nearest wall-time limit on the path to
    /// the root runs out (zero once one has); `None` when no level has one.
    /// A caller awaiting something slow (a model call) bounds the wait by it.
    pub fn time_left(&self) -> Option<Duration> {
        let tree = self.shared.lock();
        tree.path(self.node)
            .into_iter()
            .filter_map(|i| {
                let node = &tree.nodes[i];
                node.caps
                    .max_wall_time
                    .map(|limit| limit.saturating_sub(self.shared.clock.since(node.started)))
            })
            .min()
    }

    /// The wall time one program may take (the whole tree's setting).
    pub fn max_program_time(&self) -> Option<Duration> {
        self.shared.max_program_time
    }

    /// Checks every hard limit on the path to the root without changing
    /// anything: `Err` means this level must stop now.
    pub fn check(&self) -> Result<(), BudgetError> {
        let tree = self.shared.lock();
        let own = &tree.nodes[self.node];
        if let Some(limit) = own.caps.max_consecutive_errors
            && own.consecutive_errors >= limit
        {
            return Err(BudgetError::MaxConsecutiveErrors { limit, depth: own.depth });
        }
        if let Some(limit) = own.caps.max_steps
            && own.steps >= limit
        {
            return Err(BudgetError::MaxStepsExceeded { limit, depth: own.depth });
        }
        for i in tree.path(self.node) {
            let node = &tree.nodes[i];
            check_time(node, self.shared.clock.now())?;
            // Exhausted subcall limits do not end a run (the loop can still
            // answer without subcalls); exhausted tokens, cost or time do.
            let full = |cap: Option<u64>, used: u64| cap.is_some_and(|c| used >= c);
            let spent = &node.spent;
            let reserved = &node.reserved;
            if full(node.caps.max_total_tokens, spent.usage.total().saturating_add(reserved.tokens))
            {
                return Err(BudgetError::TokenBudgetExceeded {
                    scope: TokenScope::Total,
                    limit: node.caps.max_total_tokens.unwrap_or(0),
                    spent: spent.usage.total(),
                    reserved: reserved.tokens,
                    requested: 0,
                    scope_depth: node.depth,
                });
            }
            if full(node.caps.max_cost_nanos, spent.cost_nanos.saturating_add(reserved.cost_nanos))
            {
                return Err(BudgetError::CostBudgetExceeded {
                    limit_usd: nanos_to_usd(node.caps.max_cost_nanos.unwrap_or(0)),
                    spent_usd: nanos_to_usd(spent.cost_nanos),
                    reserved_usd: nanos_to_usd(reserved.cost_nanos),
                    requested_usd: 0.0,
                    scope_depth: node.depth,
                });
            }
        }
        Ok(())
    }

    /// Reserves room for one call before it starts.
    ///
    /// Atomically checks, on this level and every ancestor, that spent +
    /// reserved + `estimate` stays within each limit, then adds `estimate` to
    /// the reserved amounts. The call must end with [`Reservation::settle`];
    /// dropping the reservation (a cancelled call) gives the room back.
    pub fn reserve(&self, kind: CallKind, estimate: Estimate) -> Result<Reservation, BudgetError> {
        let cost_nanos = usd_to_nanos("estimated cost", estimate.cost_usd)?;
        let mut tree = self.shared.lock();
        let path = tree.path(self.node);
        for &i in &path {
            let node = &tree.nodes[i];
            check_time(node, self.shared.clock.now())?;
            check_room(node, kind, estimate.tokens, cost_nanos, 1)?;
        }
        for &i in &path {
            let reserved = &mut tree.nodes[i].reserved;
            reserved.calls += 1;
            reserved.tokens = reserved.tokens.saturating_add(estimate.tokens);
            reserved.cost_nanos = reserved.cost_nanos.saturating_add(cost_nanos);
            if kind == CallKind::Subcall {
                reserved.subcalls += 1;
                reserved.subcall_tokens = reserved.subcall_tokens.saturating_add(estimate.tokens);
            }
        }
        Ok(Reservation {
            shared: Arc::clone(&self.shared),
            node: self.node,
            kind,
            tokens: estimate.tokens,
            cost_nanos,
            open: true,
        })
    }

    /// Records spend that had no reservation (e.g. a call made outside the
    /// scheduler). Never fails: the spend happened; later reservations see it.
    pub fn record_spend(&self, kind: CallKind, usage: &Usage, cost_usd: f64) {
        let cost_nanos = usd_to_nanos("cost", cost_usd).unwrap_or(0);
        let mut tree = self.shared.lock();
        for i in tree.path(self.node) {
            add_spent(&mut tree.nodes[i].spent, kind, usage, cost_nanos);
        }
    }

    /// Counts `n` requests sent to a provider (attempts: a call retried
    /// twice sent three), tree-wide. Reported in [`UsageSnapshot::requests`];
    /// no limit applies to them (the tokens and cost of the ones that
    /// returned are settled with their call).
    pub fn count_requests(&self, n: u64) {
        let mut tree = self.shared.lock();
        for i in tree.path(self.node) {
            let spent = &mut tree.nodes[i].spent;
            spent.requests = spent.requests.saturating_add(n);
        }
    }

    /// The limit closest to being reached, once it passes the soft-limit ratio:
    /// the signal for the loop to stop exploring and produce its final answer
    /// while there is still room to do so.
    pub fn soft_limit(&self) -> Option<SoftLimitHit> {
        let tree = self.shared.lock();
        self.soft_limit_locked(&tree)
    }

    fn soft_limit_locked(&self, tree: &Tree) -> Option<SoftLimitHit> {
        let ratio = self.shared.soft_ratio;
        let mut worst: Option<SoftLimitHit> = None;
        let mut consider = |resource: Resource, used: f64, limit: f64, depth: u32| {
            let fraction = if limit <= 0.0 { 1.0 } else { used / limit };
            if fraction >= ratio && worst.as_ref().is_none_or(|w| fraction > w.fraction) {
                worst = Some(SoftLimitHit { resource, used, limit, fraction, scope_depth: depth });
            }
        };
        let own = &tree.nodes[self.node];
        if let Some(limit) = own.caps.max_steps {
            consider(Resource::Steps, own.steps as f64, limit as f64, own.depth);
        }
        for i in tree.path(self.node) {
            let node = &tree.nodes[i];
            let (spent, reserved, caps) = (&node.spent, &node.reserved, &node.caps);
            if let Some(limit) = caps.max_subcalls {
                let used = spent.subcalls.saturating_add(reserved.subcalls);
                consider(Resource::Subcalls, used as f64, limit as f64, node.depth);
            }
            if let Some(limit) = caps.max_total_tokens {
                let used = spent.usage.total().saturating_add(reserved.tokens);
                consider(Resource::TotalTokens, used as f64, limit as f64, node.depth);
            }
            if let Some(limit) = caps.max_subcall_tokens {
                let used = spent.subcall_tokens.saturating_add(reserved.subcall_tokens);
                consider(Resource::SubcallTokens, used as f64, limit as f64, node.depth);
            }
            if let Some(limit) = caps.max_cost_nanos {
                let used = spent.cost_nanos.saturating_add(reserved.cost_nanos);
                consider(Resource::CostUsd, nanos_to_usd(used), nanos_to_usd(limit), node.depth);
            }
            if let Some(limit) = caps.max_wall_time {
                let used = self.shared.clock.since(node.started).as_secs_f64();
                consider(Resource::WallTime, used, limit.as_secs_f64(), node.depth);
            }
        }
        worst
    }

    /// What this level (including every level below it) has used so far.
    pub fn snapshot(&self) -> UsageSnapshot {
        let tree = self.shared.lock();
        let node = &tree.nodes[self.node];
        UsageSnapshot {
            depth: node.depth,
            steps: node.steps,
            consecutive_errors: node.consecutive_errors,
            subcalls: node.spent.subcalls,
            root_calls: node.spent.root_calls,
            requests: node.spent.requests,
            usage: node.spent.usage,
            subcall_tokens: node.spent.subcall_tokens,
            cost_usd: nanos_to_usd(node.spent.cost_nanos),
            in_flight: node.reserved.calls,
            reserved_tokens: node.reserved.tokens,
            reserved_cost_usd: nanos_to_usd(node.reserved.cost_nanos),
            elapsed_ms: millis(self.shared.clock.since(node.started)),
            soft_limit: self.soft_limit_locked(&tree),
        }
    }

    /// The snapshot of the whole tree (its root level).
    pub fn tree_snapshot(&self) -> UsageSnapshot {
        Budget { shared: Arc::clone(&self.shared), node: 0 }.snapshot()
    }
}

fn add_spent(spent: &mut Spent, kind: CallKind, usage: &Usage, cost_nanos: u64) {
    spent.usage += *usage;
    spent.cost_nanos = spent.cost_nanos.saturating_add(cost_nanos);
    match kind {
        CallKind::Root => spent.root_calls += 1,
        CallKind::Subcall => {
            spent.subcalls += 1;
            spent.subcall_tokens = spent.subcall_tokens.saturating_add(usage.total());
        }
    }
}

/// Room reserved for one call in flight. Settle it when the call ends; drop it
/// (or [`Reservation::cancel`]) if the call never ran, which frees the room.
#[derive(Debug)]
#[must_use = "a reservation must be settled with the call's real usage"]
pub struct Reservation {
    shared: Arc<Shared>,
    node: usize,
    kind: CallKind,
    tokens: u64,
    cost_nanos: u64,
    open: bool,
}

impl Reservation {
    /// The reserved estimate.
    pub fn estimate(&self) -> Estimate {
        Estimate { tokens: self.tokens, cost_usd: nanos_to_usd(self.cost_nanos) }
    }

    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// Replaces the reservation with the call's real usage and cost. An
    /// unusable cost (negative, NaN, infinite) is charged as the estimate.
    pub fn settle(mut self, usage: &Usage, cost_usd: f64) -> Settlement {
        let cost_nanos = usd_to_nanos("cost", cost_usd).unwrap_or(self.cost_nanos);
        self.release(Some((usage, cost_nanos)));
        Settlement {
            overrun_tokens: usage.total().saturating_sub(self.tokens),
            overrun_cost_usd: nanos_to_usd(cost_nanos.saturating_sub(self.cost_nanos)),
        }
    }

    /// Frees the reserved room without charging anything (the call never ran).
    pub fn cancel(mut self) {
        self.release(None);
    }

    fn release(&mut self, spend: Option<(&Usage, u64)>) {
        if !self.open {
            return;
        }
        self.open = false;
        let mut tree = self.shared.lock();
        for i in tree.path(self.node) {
            let node = &mut tree.nodes[i];
            let reserved = &mut node.reserved;
            reserved.calls = reserved.calls.saturating_sub(1);
            reserved.tokens = reserved.tokens.saturating_sub(self.tokens);
            reserved.cost_nanos = reserved.cost_nanos.saturating_sub(self.cost_nanos);
            if self.kind == CallKind::Subcall {
                reserved.subcalls = reserved.subcalls.saturating_sub(1);
                reserved.subcall_tokens = reserved.subcall_tokens.saturating_sub(self.tokens);
            }
            if let Some((usage, cost_nanos)) = spend {
                add_spent(&mut node.spent, self.kind, usage, cost_nanos);
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.release(None);
    }
}
