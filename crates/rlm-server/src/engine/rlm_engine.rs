//! [`Engine`] over today's `rlm_core::Rlm`: one `Rlm` per execution (its own
//! models, budget, `memory` and listeners), run on a blocking-pool thread
//! that drives the loop with the server's runtime. Cancelling drops the run's
//! future: unsent subcalls are never sent, in-flight ones are dropped with
//! their reservations, and the spend already settled is what the trace shows.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_adapters::{FakeAdapter, ModelAdapter, adapter_from_model_string};
use rlm_core::{Finish, LoopOptions, MemoryStore, Rlm, RunResult};
use rlm_trace::{TraceEvent, TraceListener};
use tokio_util::sync::CancellationToken;

use super::{
    Engine, EngineOutcome, EventSink, ExecutionRequest, LiveEvent, MemoryMap, Paced,
    RunningExecution, TokenTap,
};
use crate::config::{ModelConfig, SCRIPTED_MODEL};
use crate::error::ServerError;
use crate::store::{ExecutionStatus, Spend};

/// How long past its deadline an execution may take to finalize on its own
/// (the budget's wall-time limit asks it to) before it is stopped.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// Runs executions with `rlm_core::Rlm`.
pub struct RlmEngine {
    models: ModelConfig,
}

impl RlmEngine {
    pub fn new(models: ModelConfig) -> Self {
        RlmEngine { models }
    }

    fn adapter(&self, model: &str) -> Result<Arc<dyn ModelAdapter>, ServerError> {
        if model == SCRIPTED_MODEL {
            let adapter = FakeAdapter::scripted(self.models.script.clone())
                .map_err(|e| ServerError::Model(format!("the scripted model: {e}")))?;
            let delay = self.models.scripted_token_delay;
            if delay.is_zero() {
                return Ok(Arc::new(adapter));
            }
            return Ok(Arc::new(Paced::new(Arc::new(adapter), delay)));
        }
        adapter_from_model_string(model, &self.models.env)
            .map_err(|e| ServerError::Model(format!("model {model:?}: {e}")))
    }
}

/// Forwards trace events to the sink.
struct SinkListener(Arc<dyn EventSink>);

impl TraceListener for SinkListener {
    fn on_event(&self, event: &TraceEvent) {
        self.0.send(LiveEvent::Trace(event.clone()));
    }
}

/// `memory` for one run: starts from the session's dict, keeps what the run saves.
struct RunMemory {
    initial: MemoryMap,
    saved: Mutex<Option<MemoryMap>>,
}

impl MemoryStore for RunMemory {
    fn load(&self) -> MemoryMap {
        self.initial.clone()
    }

    fn save(&self, memory: MemoryMap) {
        *self.saved.lock().unwrap_or_else(|p| p.into_inner()) = Some(memory);
    }
}

/// How the run's thread ended (boxed: a result is large).
enum Ended {
    Ran(Box<Result<RunResult, rlm_core::RlmError>>),
    Cancelled,
    TimedOut,
}

impl Engine for RlmEngine {
    fn check_models(&self, model: &str, sub_model: Option<&str>) -> Result<(), ServerError> {
        self.adapter(model)?;
        if let Some(sub) = sub_model {
            self.adapter(sub)?;
        }
        Ok(())
    }

    fn start(
        &self,
        request: ExecutionRequest,
        sink: Arc<dyn EventSink>,
    ) -> Result<RunningExecution, ServerError> {
        let root = self.adapter(&request.model)?;
        let sub = match &request.sub_model {
            Some(m) if *m != request.model => self.adapter(m)?,
            // The same model answers subcalls, without streaming them to the sink.
            _ => Arc::clone(&root),
        };
        let tapped: Arc<dyn ModelAdapter> = Arc::new(TokenTap::new(root, Arc::clone(&sink)));
        let memory = Arc::new(RunMemory { initial: request.memory, saved: Mutex::new(None) });
        let mut limits = request.limits;
        limits.max_wall_time =
            Some(limits.max_wall_time.map_or(request.deadline, |t| t.min(request.deadline)));
        let mut options = LoopOptions::default();
        if let Some(depth) = request.max_depth {
            options.max_depth = depth;
        }
        let rlm = Rlm::builder()
            .root(tapped)
            .sub_model(sub)
            .budget(limits)
            .options(options)
            .memory(Arc::clone(&memory) as Arc<dyn MemoryStore>)
            .listener(Arc::new(SinkListener(sink)))
            .build()
            .map_err(|e| ServerError::BadRequest(format!("cannot set the execution up: {e}")))?;
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let (query, context, deadline) = (request.query, request.context, request.deadline);
        let handle = tokio::runtime::Handle::current();
        let join = tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                tokio::select! {
                    r = rlm.run_local(&query, context) => Ended::Ran(Box::new(r)),
                    _ = stop.cancelled() => Ended::Cancelled,
                    _ = tokio::time::sleep(deadline + DEADLINE_GRACE) => Ended::TimedOut,
                }
            })
        });
        let outcome = Box::pin(async move {
            let ended = join.await.unwrap_or_else(|e| {
                Ended::Ran(Box::new(Err(rlm_core::RlmError::Internal(format!(
                    "the run's thread: {e}"
                )))))
            });
            let saved = memory.saved.lock().unwrap_or_else(|p| p.into_inner()).take();
            outcome_of(ended, saved, deadline)
        });
        Ok(RunningExecution { outcome, cancel })
    }
}

fn outcome_of(ended: Ended, memory: Option<MemoryMap>, deadline: Duration) -> EngineOutcome {
    let stopped = |status, finish: &str, error: String| EngineOutcome {
        status,
        answer: None,
        finish: finish.to_string(),
        error: Some(error),
        memory: None,
        spend: None,
        steps: 0,
    };
    match ended {
        Ended::Cancelled => {
            stopped(ExecutionStatus::Cancelled, "cancelled", "the execution was cancelled".into())
        }
        Ended::TimedOut => stopped(
            ExecutionStatus::Failed,
            "timeout",
            format!("the execution ran past its time limit of {} s", deadline.as_secs()),
        ),
        Ended::Ran(ran) => match *ran {
            Err(e) => stopped(ExecutionStatus::Failed, "error", e.to_string()),
            Ok(result) => {
                let error = match &result.finish {
                    Finish::ModelError { message } => Some(message.clone()),
                    Finish::BestEffort { reason } | Finish::Finalized { reason }
                        if result.answer.is_none() =>
                    {
                        Some(reason.clone())
                    }
                    _ if result.answer.is_none() => Some("the run ended without an answer".into()),
                    _ => None,
                };
                let status = if error.is_none() {
                    ExecutionStatus::Completed
                } else {
                    ExecutionStatus::Failed
                };
                let usage = &result.usage;
                EngineOutcome {
                    status,
                    answer: result.answer.clone(),
                    finish: result.finish.as_str().to_string(),
                    error,
                    memory,
                    spend: Some(Spend {
                        input_tokens: usage.usage.prompt_tokens,
                        output_tokens: usage.usage.completion_tokens,
                        cost_usd: usage.cost_usd,
                        calls: usage.subcalls,
                        executions: 0,
                    }),
                    steps: result.steps,
                }
            }
        },
    }
}
