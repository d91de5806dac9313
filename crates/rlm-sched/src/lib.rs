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
//! 3. an optional per-model concurrency cap, then the global one (tokio semaphores);
//! 4. a budget reservation through [`rlm_policy::Budget`] (estimated tokens
//!    and cost, settled with the real usage when the call ends);
//! 5. per-model governor rate limits in requests and estimated tokens per minute,
//!    then, when one is set, the cluster-wide [`SharedLimiter`] (the same limits
//!    held across every worker, e.g. rlm-redis' GCRA in Redis);
//! 6. the call, then settlement, cache store and an outcome event. Between its
//!    attempts the executor waits through the call's [`CallGate`]: the call's
//!    permits go back while a retry waits, a provider refusing most calls
//!    pauses them all ([`ProviderPacing`]), and the call's deadline (the
//!    subcall deadline or the run's time left) ends its retries.
//!
//! Backpressure: a batch admits at most a window of calls at a time; the rest
//! stay unstarted in the caller's list. Cancellation: dropping a batch future
//! drops its calls, which frees their permits and budget reservations.
//! Every call produces [`SubcallEvent`]s for a [`SchedListener`], and for the
//! [`CallObserver`] of its batch ([`Scheduler::run_batch_observed`]) with its result.
//!
//! Cache hits and shared (deduplicated) results are not charged to the budget:
//! only calls sent to the executor are. The cache is consulted inline on the
//! batch's task, so `CompletionCache::get` should be quick (a local lookup).
//!
//! ```
//! use std::sync::Arc;
//! use rlm_policy::{Budget, BudgetLimits};
//! use rlm_sched::{FnExecutor, Scheduler, SchedulerConfig};
//! use rlm_types::{Completion, CompletionRequest, ModelId, Usage};
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("never fails")]
//! struct Never;
//!
//! // An executor that echoes the prompt (a real one calls an rlm-adapters adapter).
//! let echo = FnExecutor(|model: ModelId, request: CompletionRequest| async move {
//!     Ok::<_, Never>(Completion {
//!         text: request.messages[0].content.to_uppercase(),
//!         usage: Usage { prompt_tokens: 3, completion_tokens: 1, cached_tokens: 0 },
//!         finish_reason: None,
//!         model: model.to_string(),
//!         latency: Default::default(),
//!     })
//! });
//! let scheduler = Scheduler::builder(echo)
//!     .config(SchedulerConfig { max_concurrency: 8, ..SchedulerConfig::default() })
//!     .build()
//!     .unwrap();
//! let budget = Budget::new(BudgetLimits { max_subcalls: Some(100), ..BudgetLimits::default() }).unwrap();
//! let model: ModelId = "fake:echo".parse().unwrap();
//! let requests = ["a", "b", "a"].map(CompletionRequest::user).to_vec();
//! let results = futures::executor::block_on(scheduler.run_batch(&model, requests, Some(&budget)));
//! let texts: Vec<_> = results.into_iter().map(|r| r.unwrap().text).collect();
//! assert_eq!(texts, ["A", "B", "A"]);
//! // The duplicate "a" was sent once.
//! assert_eq!(budget.snapshot().subcalls, 2);
//! ```

mod config;
mod costing;
mod error;
mod events;
mod executor;
mod gate;
mod limiter;
mod pacing;
mod scheduler;
mod shared;

pub use config::{DEFAULT_SUBCALL_DEADLINE, ModelLimits, SchedulerConfig};
pub use costing::{Costing, EstimateMode, HeuristicCosting};
pub use error::{SchedulerConfigError, SubcallError};
pub use events::{CallObserver, SchedListener, SubcallEvent, SubcallEventKind};
pub use executor::{Executed, FnExecutor, RetryNote, SubcallExecutor};
pub use gate::CallGate;
pub use pacing::ProviderPacing;
pub use scheduler::{CallResult, SchedStats, Scheduler, SchedulerBuilder};
pub use shared::SharedLimiter;
