//! Budgets and limits for a whole RLM tree.
//!
//! One [`Budget`] is shared by a root RLM run, every sub-RLM it starts
//! ([`Budget::child`], one level deeper) and every model call any of them makes,
//! including calls running concurrently. It enforces: steps per loop, subcalls,
//! recursion depth, total tokens, subcall tokens, cost in USD, wall time and
//! consecutive errors, each raising its own [`BudgetError`] variant.
//!
//! ```
//! use rlm_policy::{Budget, BudgetError, CallKind, Estimate, BudgetLimits, SubtreeLimits};
//! use rlm_types::Usage;
//!
//! let root = Budget::new(BudgetLimits {
//!     max_total_tokens: Some(10_000),
//!     max_depth: Some(1),
//!     ..BudgetLimits::default()
//! })?;
//! root.begin_step()?;
//! // A sub-RLM, capped at 2,000 tokens of its own, still bounded by the tree.
//! let child = root.child(SubtreeLimits { max_total_tokens: Some(2_000), ..Default::default() })?;
//! let call = child.reserve(CallKind::Subcall, Estimate::new(1_500, 0.0))?;
//! // While the call runs, its 1,500 tokens are held: a second one does not fit the child's cap.
//! assert!(matches!(
//!     child.reserve(CallKind::Subcall, Estimate::new(1_000, 0.0)),
//!     Err(BudgetError::TokenBudgetExceeded { limit: 2_000, .. })
//! ));
//! call.settle(&Usage { prompt_tokens: 900, completion_tokens: 300, cached_tokens: 0 }, 0.0);
//! assert_eq!(root.snapshot().usage.total(), 1_200);
//! assert!(matches!(child.child(SubtreeLimits::default()), Err(BudgetError::MaxDepthExceeded { .. })));
//! # Ok::<(), BudgetError>(())
//! ```
//!
//! # Reserve, then settle
//! A call reserves its *estimated* tokens and cost before it starts
//! ([`Budget::reserve`]) and settles its real usage when it ends
//! ([`Reservation::settle`]). Admission checks spent + reserved + estimate
//! against every limit atomically, so a batch of 1,000 calls started at once
//! cannot overshoot a budget: the 1,001st sees the first 1,000's reservations.
//!
//! # The overshoot bound
//! Real usage can exceed an estimate, so the final spend can exceed a limit `L`,
//! but only by the estimation errors of calls in flight together. Precisely: let
//! `O` be the calls whose reservations were outstanding just after the last
//! reservation the budget admitted (that call included). Then
//!
//! ```text
//! final spend  <=  L  +  sum over i in O of max(0, actual_i - reserved_i)
//! ```
//!
//! (At that admission, settled + reserved <= L; afterwards only the calls in `O`
//! can add spend, each adding its reservation plus its own error.) So:
//! * with estimates that are upper bounds (completion tokens capped by
//!   `max_tokens`, prompt tokens counted or bounded), the spend never exceeds
//!   the limit at all, however many calls race;
//! * with calls run one at a time it exceeds it by at most one call's error;
//! * with at most `C` calls in flight (the scheduler's concurrency cap) it
//!   exceeds it by at most `C` times the largest single error.
//!
//! `tests/race.rs` checks all three with 1,000 concurrent calls.
//!
//! # Soft limit
//! [`Budget::soft_limit`] reports the limit closest to exhaustion once it passes
//! [`BudgetLimits::soft_limit_ratio`] (default 0.85) of any budget, counting in-flight
//! reservations: the loop's cue to produce its final answer while it still can.

mod budget;
mod error;
mod limits;
mod snapshot;

pub use budget::{Budget, CallKind, Estimate, Reservation, Settlement};
pub use error::{BudgetError, TokenScope};
pub use limits::{BudgetLimits, DEFAULT_SOFT_LIMIT_RATIO, SubtreeLimits};
pub use snapshot::{Resource, SoftLimitHit, UsageSnapshot};
