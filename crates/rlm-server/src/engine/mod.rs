//! The execution seam: an [`Engine`] starts one execution of a question over
//! a session's context and reports it as it goes (trace events and root-model
//! token deltas, to an [`EventSink`]), then ends with an [`EngineOutcome`]; it
//! can be cancelled at any time. Everything above it (HTTP, store, jobs, SSE)
//! is written against this trait only. [`RlmEngine`] implements it over
//! `rlm_core::Rlm`.

mod paced;
mod rlm_engine;
mod token_tap;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_context::Context;
use rlm_trace::TraceEvent;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::error::ServerError;
use crate::store::{ExecutionStatus, Spend, Turn};

pub use paced::Paced;
pub use rlm_engine::RlmEngine;
pub use token_tap::TokenTap;

/// The program's `memory` dict.
pub type MemoryMap = serde_json::Map<String, serde_json::Value>;

/// Something an execution reports while it runs.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// A trace event (run, step, program, subcall, budget, error, answer).
    Trace(TraceEvent),
    /// Text of the root model's reply as it arrives.
    Token { model: String, text: String },
}

/// Receives an execution's live events, in order. Must not block.
pub trait EventSink: Send + Sync {
    fn send(&self, event: LiveEvent);
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ExecutionRequest {
    pub execution_id: Uuid,
    pub query: String,
    pub context: Context,
    pub model: String,
    pub sub_model: Option<String>,
    pub limits: rlm_policy::Limits,
    pub max_depth: Option<u32>,
    /// Hard limit on the execution's wall time.
    pub deadline: Duration,
    pub memory: MemoryMap,
    /// Earlier turns of the session, oldest first.
    pub history: Vec<Turn>,
}

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct EngineOutcome {
    pub status: ExecutionStatus,
    pub answer: Option<String>,
    /// How the loop ended (`final`, `finalized`, `model_error`, `cancelled`, `timeout`...).
    pub finish: String,
    pub error: Option<String>,
    /// `memory` after the run (`None` if the run did not get to save it).
    pub memory: Option<MemoryMap>,
    /// The settled spend, when the engine knows it (else it is summed from the trace).
    pub spend: Option<Spend>,
    pub steps: u32,
}

/// A started execution.
pub struct RunningExecution {
    /// Resolves when the execution has ended (after a cancel too).
    pub outcome: BoxFuture<'static, EngineOutcome>,
    /// Stops the execution: in-flight model calls are dropped, nothing more is sent.
    pub cancel: CancellationToken,
}

/// Starts executions.
pub trait Engine: Send + Sync + 'static {
    /// Checks that `model` (and `sub_model`) can be set up, without starting anything.
    fn check_models(&self, model: &str, sub_model: Option<&str>) -> Result<(), ServerError>;
    fn start(
        &self,
        request: ExecutionRequest,
        sink: Arc<dyn EventSink>,
    ) -> Result<RunningExecution, ServerError>;
}
