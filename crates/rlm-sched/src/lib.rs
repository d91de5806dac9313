//! The governor-throttled parallel subcall scheduler.
//!
//! [`Scheduler::run_batch`] runs many model calls at once on tokio and returns
//! their results in input order. It knows nothing of providers: the embedder
//! supplies a [`SubcallExecutor`] that performs one call. Around each call it
//! applies, in order:
//!
//! 1. the completion cache ([`rlm_types::CompletionCache`]), consulted first;
//! 2. in-flight deduplication: a call identical (same model, same request) to
//!    one already running awaits that call's result instead of sending its own;
//! 3. a global concurrency cap and an optional per-model one (tokio semaphores);
//! 4. a budget reservation through [`rlm_policy::Budget`] (estimated tokens
//!    and cost, settled with the real usage when the call ends);
//! 5. per-model governor rate limits in requests and estimated tokens per minute;
//! 6. the call, then settlement, cache store and an outcome event.
//!
//! Backpressure: a batch admits at most a window of calls at a time; the rest
//! stay unstarted in the caller's list. Cancellation: dropping a batch future
//! drops its calls, which frees their permits and budget reservations.
//! Every call produces [`SubcallEvent`]s for a [`SchedListener`].

mod config;
mod costing;
mod error;
mod events;
mod executor;
mod limiter;
mod scheduler;

pub use config::{ModelLimits, SchedulerConfig};
pub use costing::{Costing, EstimateMode, HeuristicCosting, Price};
pub use error::{ConfigError, SubcallError};
pub use events::{SchedListener, SubcallEvent, SubcallEventKind};
pub use executor::{FnExecutor, SubcallExecutor};
pub use scheduler::{CallResult, SchedStats, Scheduler, SchedulerBuilder};
