//! Budgets and limits for a whole RLM tree.
//!
//! One [`Budget`] is shared by a root RLM run, every sub-RLM it starts
//! ([`Budget::child`], one level deeper) and every model call any of them makes,
//! including calls running concurrently. It enforces: steps per loop, subcalls,
//! recursion depth, total tokens, subcall tokens, cost in USD, wall time and
//! consecutive errors, each raising its own [`BudgetError`] variant.
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
//! [`Limits::soft_limit_ratio`] (default 0.85) of any budget, counting in-flight
//! reservations: the loop's cue to produce its final answer while it still can.

mod budget;
mod error;
mod limits;
mod snapshot;

pub use budget::{Budget, CallKind, Estimate, Reservation, Settlement};
pub use error::{BudgetError, TokenScope};
pub use limits::{DEFAULT_SOFT_LIMIT_RATIO, Limits, SubtreeLimits};
pub use snapshot::{Resource, SoftLimitHit, UsageSnapshot};
