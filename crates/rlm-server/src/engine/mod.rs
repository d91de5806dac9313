//! The execution seam: rlm-core's [`Session`]. For each execution the
//! [`SessionRunner`] restores the server session's `rlm_core::Session` from its
//! stored [`SessionState`] over the session's memory-mapped context (never a
//! copy), with the session's models and budgets, and starts the execution on
//! it under the server's execution id. Everything the run records (trace
//! events and the root model's streamed deltas) goes to the execution's
//! [`ExecutionBus`]; cancelling (a user, a job cancel, a deadline, shutdown)
//! is the Session's cancellation (calls in flight abandoned, spend settled);
//! the outcome carries the session's new state, which the caller stores.
//! A worker's execution runs durably (`Session::start_durable`, checkpoints
//! to the store; a later delivery goes on from one: [`durable`]).
//!
//! The stored state is the truth, not a long-lived object in this process:
//! any process holding the store can run a session's next execution (the
//! shape scale-out workers need), a `memory` or settings change made through
//! the API is what the next execution sees, and the offline scripted model
//! plays its script from the start in every execution.

pub(crate) mod durable;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_context::Context;
use rlm_core::adapters::FakeAdapter;
use rlm_core::sandbox::SandboxHost;
use rlm_core::{
    BudgetLimits, BudgetOverrides, Canceller, DurableStart, EngineModels, EngineParts, Execution,
    ExecutionId, Finish, Rlm, RlmError, RunOverrides, Session, SessionError, SessionSettings,
    SessionState,
};
use rlm_redis::{RedisCache, RedisLimiter};
use uuid::Uuid;

use crate::bus::ExecutionBus;
use crate::config::{SCRIPTED_MODEL, ServerConfig, redis_cache_config, redis_limiter_config};
use crate::error::ServerError;
use crate::recordings::ExchangeTape;
use crate::store::{ExecutionStatus, Spend};

/// How long past its deadline an execution may take to finalize on its own
/// (the budget's wall-time limit asks it to) before it is cancelled.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// At most this many runtimes built once and kept ([`SessionRunner`]'s
/// `built`): one per budget and deadline executions ask for (a session's
/// settings, within the operator's ceilings); past it an execution builds
/// its own.
const MAX_BUILT: usize = 16;

/// What to run.
#[derive(Debug, Clone)]
pub struct ExecutionRequest {
    pub execution_id: Uuid,
    pub query: String,
    /// The session's context (a shared mapping).
    pub context: Context,
    pub model: String,
    pub sub_model: Option<String>,
    /// The session's own budget values (steps, subcalls, depth), over the
    /// server's ([`ServerLimits::execution`](crate::ServerLimits::execution)).
    pub budget: BudgetOverrides,
    /// The session's cumulative budget and how it runs.
    pub settings: SessionSettings,
    /// The session as its previous execution left it.
    pub state: SessionState,
    /// Hard limit on the execution's wall time.
    pub deadline: Duration,
    /// Run durably (checkpoints after each root step), going on from a
    /// checkpoint when it holds one (see [`durable`]).
    pub durable: Option<DurableStart>,
    /// The JSON Schema this execution's answer must match (`/v1`'s
    /// `response_format`), in place of the configuration's.
    pub output_schema: Option<serde_json::Value>,
    /// The execution's own recording its models write to, or the replay
    /// they answer from (neither: they answer live).
    pub tape: ExchangeTape,
    /// The OpenTelemetry trace the run belongs to (`StartRequest::trace_parent`).
    pub trace_parent: Option<rlm_core::TraceParent>,
}

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct EngineOutcome {
    pub status: ExecutionStatus,
    pub answer: Option<String>,
    /// How the loop ended (`final`, `finalized`, `model_error`, `cancelled`, `timeout`...).
    pub finish: String,
    pub error: Option<String>,
    /// The settled spend of the execution's tree.
    pub spend: Spend,
    pub steps: u32,
    /// The session after the execution (`None`: it never ran).
    pub state: Option<SessionState>,
}

impl EngineOutcome {
    /// An execution that ended before it could run.
    pub fn not_run(status: ExecutionStatus, finish: &str, error: String) -> Self {
        EngineOutcome {
            status,
            answer: None,
            finish: finish.to_string(),
            error: Some(error),
            spend: Spend::default(),
            steps: 0,
            state: None,
        }
    }
}

/// A started execution.
pub struct RunningExecution {
    /// Resolves when the execution has ended (after a cancel too).
    pub outcome: BoxFuture<'static, EngineOutcome>,
    /// Stops the execution: calls in flight are abandoned, nothing more is sent.
    pub cancel: Canceller,
}

/// Starts executions on rlm-core sessions. See the module docs.
pub struct SessionRunner {
    /// The configuration every execution's engine is built from (rlm-core's
    /// one constructor), with the subcall cache every execution shares
    /// (sled allows one opener; on Redis, every worker of a cluster).
    parts: EngineParts,
    /// Other model strings a session may pick.
    allowed_models: Vec<String>,
    /// The cache when it is on Redis (for readiness).
    redis_cache: Option<Arc<RedisCache>>,
    /// The rate limits held across the cluster, when `redis.rate_limits` is set.
    limiter: Option<Arc<RedisLimiter>>,
    /// Where executions' programs run.
    sandbox: SandboxHost,
    /// Each execution's budget where its session sets none
    /// ([`ServerLimits::execution`](crate::ServerLimits::execution)).
    server_budget: BudgetLimits,
    /// The sandbox's limits for each program of every execution.
    sandbox_limits: rlm_config::Limits,
    /// Runtimes built once, by the session budget and deadline they were
    /// built with: an execution takes one with its own models
    /// ([`Rlm::with_models`]) instead of building the functions, the system
    /// prompt and the prompts again.
    built: Mutex<Vec<(Built, Rlm)>>,
}

/// What a kept runtime was built with besides its models.
type Built = (BudgetOverrides, Duration);

impl SessionRunner {
    /// The engine of `config`: opens its subcall cache (the folder or
    /// `redis.cache`) and its cluster rate limiter, if any.
    pub fn new(config: &ServerConfig, sandbox: SandboxHost) -> Result<Self, ServerError> {
        let engine = &config.engine;
        let redis_cache = match engine.redis.cache.as_deref() {
            Some(url) => Some(Arc::new(
                RedisCache::new(redis_cache_config(&engine.redis, url))
                    .map_err(|e| ServerError::Config(format!("redis.cache: {e}")))?,
            )),
            None => None,
        };
        if engine.cache.is_some() && redis_cache.is_some() {
            return Err(ServerError::Config(
                "set one subcall cache: the cache folder or redis.cache, not both".into(),
            ));
        }
        let limiter = match engine.redis.rate_limits.as_deref() {
            Some(url) => Some(Arc::new(
                RedisLimiter::new(redis_limiter_config(&engine.redis, url))
                    .map_err(|e| ServerError::Config(format!("redis.rate_limits: {e}")))?,
            )),
            None => None,
        };
        if engine.concurrency == Some(0) {
            return Err(ServerError::Config("concurrency must be at least 1".into()));
        }
        // The scripted model's script is compiled once (its rules' regexes);
        // each execution plays a copy from its start. Nothing in a server
        // reads the requests a scripted model was sent: none are kept.
        let script = FakeAdapter::scripted(config.script.clone())
            .map_err(|e| ServerError::Config(format!("the scripted model: {e}")))?
            .without_recording();
        // `record` and `replay` name server files: a server records and
        // replays per execution instead (the knob table's serve cells).
        let served = rlm_config::RlmConfig { record: None, replay: None, ..engine.clone() };
        let mut parts = EngineParts::new(served, config.env.clone())
            .map_err(|e| ServerError::Config(e.to_string()))?
            .with_script(script)
            .with_script_pace(config.scripted_token_delay);
        if let Some(redis) = &redis_cache {
            parts = parts.with_cache(Arc::clone(redis) as Arc<dyn rlm_core::CompletionCache>);
        }
        Ok(SessionRunner {
            parts,
            allowed_models: config.allowed_models.clone(),
            redis_cache,
            limiter,
            sandbox,
            server_budget: config.limits.execution.clone(),
            sandbox_limits: config.limits.sandbox.clone(),
            built: Mutex::new(Vec::new()),
        })
    }

    /// The root model when a session names none.
    pub fn default_model(&self) -> &str {
        &self.parts.config().model
    }

    /// The sub-model when a session names none (`None`: the root model).
    pub fn default_sub_model(&self) -> Option<&str> {
        self.parts.config().sub_model.as_deref()
    }

    /// Whether a session may run `model`.
    pub fn is_allowed(&self, model: &str) -> bool {
        model == SCRIPTED_MODEL
            || model == self.default_model()
            || self.default_sub_model() == Some(model)
            || self.allowed_models.iter().any(|m| m == model)
    }

    /// The models a client may name (sorted).
    pub fn offered_models(&self) -> Vec<String> {
        let mut m = vec![SCRIPTED_MODEL.to_string(), self.default_model().to_string()];
        m.extend(self.default_sub_model().map(str::to_string));
        m.extend(self.allowed_models.iter().cloned());
        m.sort();
        m.dedup();
        m
    }

    /// Whether the Redis this engine uses answers (`Ok` when it uses none):
    /// part of `/readyz`. A Redis down never fails an execution (misses, the
    /// local rate limit alone), but a worker without it is not ready.
    pub async fn check_redis(&self) -> Result<(), String> {
        if let Some(cache) = &self.redis_cache {
            let cache = Arc::clone(cache);
            tokio::task::spawn_blocking(move || cache.ping())
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("the subcall cache's {e}"))?;
        }
        if let Some(limiter) = &self.limiter {
            limiter.ping().await.map_err(|e| format!("the rate limits' {e}"))?;
        }
        Ok(())
    }

    /// What the execution sets over the operator's configuration: the
    /// session's models, recording or replay and budget, over the server's
    /// per-execution budget and sandbox limits, within its deadline (merged
    /// by rlm-core's one constructor, [`Rlm::from_config`]).
    fn overrides(&self, request: &ExecutionRequest) -> RunOverrides {
        RunOverrides {
            models: EngineModels::Named {
                root: request.model.clone(),
                sub: request.sub_model.clone(),
            },
            record: request.tape.record.clone(),
            replay: request.tape.replay.clone(),
            budget: request.budget.clone(),
            budget_base: Some(self.server_budget.clone()),
            max_wall_time_cap: Some(request.deadline),
            interpreter_limits: Some(self.sandbox_limits.clone()),
            ..RunOverrides::default()
        }
    }

    fn rlm(&self, request: &ExecutionRequest) -> Result<Rlm, ServerError> {
        let overrides = self.overrides(request);
        let key: Built = (request.budget.clone(), request.deadline);
        let kept = {
            let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
            built.iter().find(|(k, _)| *k == key).map(|(_, rlm)| rlm.clone())
        };
        if let Some(rlm) = kept {
            let (root, sub) = self.parts.run_models(&overrides).map_err(setup_error)?;
            return rlm.with_models(root, sub).map_err(setup_error);
        }
        let rlm = self.build(overrides).map_err(setup_error)?;
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if built.len() < MAX_BUILT && !built.iter().any(|(k, _)| *k == key) {
            built.push((key, rlm.clone()));
        }
        Ok(rlm)
    }

    /// A runtime for `overrides` over the operator's configuration
    /// (rlm-core's constructor), with what the server alone owns: where
    /// programs run and the cluster-wide rate limiter.
    fn build(&self, overrides: RunOverrides) -> Result<Rlm, RlmError> {
        let mut builder =
            Rlm::from_config(&self.parts, overrides, &[])?.sandbox_host(self.sandbox.clone());
        if let Some(limiter) = &self.limiter {
            builder =
                builder.shared_limiter(Arc::clone(limiter) as Arc<dyn rlm_core::SharedLimiter>);
        }
        builder.build()
    }

    /// Restores the session and starts the execution on it; its events go to
    /// `bus` from the first one. Refused with [`ServerError::Session`] when the
    /// session's cumulative budget is spent.
    pub fn start(
        &self,
        request: ExecutionRequest,
        bus: Arc<ExecutionBus>,
    ) -> Result<RunningExecution, ServerError> {
        let rlm = self.rlm(&request)?;
        let rlm = match &request.output_schema {
            Some(schema) => rlm.with_output_schema(Some(
                rlm_core::OutputSchema::new(schema.clone(), "of the request")
                    .map_err(|e| ServerError::BadRequest(e.to_string()))?,
            )),
            None => rlm,
        };
        // Only an exporting engine is copied for its trace (export off: no cost).
        let rlm = match request.trace_parent {
            Some(parent) if rlm.exports_telemetry() => rlm.with_trace_parent(Some(parent)),
            _ => rlm,
        };
        let mut state = request.state;
        state.settings = request.settings;
        let session = Session::restore(&rlm, request.context, state)?;
        let id = ExecutionId(request.execution_id.to_string());
        // A resumed execution's log gets only the events after those it goes on from.
        let from_seq = match &request.durable {
            Some(durable) if durable.from.is_some() => durable.trace.len() as u64,
            _ => 0,
        };
        // Subscribed before the run starts: a reply streamed at once keeps its tokens.
        let listener = Arc::new(crate::bus::BusListener::new(bus, rlm.root_model()));
        let handle =
            session.start_observed(id, request.query, request.durable, listener, from_seq)?;
        let cancel = handle.canceller();
        let stop = cancel.clone();
        let deadline = request.deadline;
        let outcome = Box::pin(async move {
            let mut wait = Box::pin(handle.wait());
            let ended = tokio::select! {
                ended = &mut wait => return outcome_of(ended, &session, None),
                _ = tokio::time::sleep(deadline + DEADLINE_GRACE) => {
                    stop.cancel();
                    wait.await
                }
            };
            outcome_of(ended, &session, Some(deadline))
        });
        Ok(RunningExecution { outcome, cancel })
    }
}

/// A model that cannot be used, or an execution that cannot be set up.
fn setup_error(e: RlmError) -> ServerError {
    match e {
        RlmError::Model(_) => ServerError::Model(e.to_string()),
        e => ServerError::BadRequest(format!("cannot set the execution up: {e}")),
    }
}

/// The outcome of an execution that ran; `timed_out` names the deadline it
/// was stopped at, if it was.
fn outcome_of(
    ended: Result<Execution, SessionError>,
    session: &Session,
    timed_out: Option<Duration>,
) -> EngineOutcome {
    let execution = match ended {
        Ok(e) => e,
        Err(e) => return EngineOutcome::not_run(ExecutionStatus::Failed, "refused", e.to_string()),
    };
    let (status, finish, error) = match (&execution.finish, timed_out) {
        (Finish::Cancelled, Some(deadline)) => (
            ExecutionStatus::Failed,
            "timeout".to_string(),
            Some(format!("the execution ran past its time limit of {} s", deadline.as_secs())),
        ),
        (Finish::Cancelled, None) => (
            ExecutionStatus::Cancelled,
            "cancelled".to_string(),
            Some("the execution was cancelled".to_string()),
        ),
        (finish, _) => {
            let error = match finish {
                Finish::ModelError { message } => Some(message.clone()),
                Finish::SandboxFailed { reason } => Some(reason.clone()),
                // The candidate stays the answer, never marked valid: the status is failed.
                Finish::SchemaFailed { reason } => Some(reason.clone()),
                Finish::BestEffort { reason } | Finish::Finalized { reason }
                    if execution.answer.is_none() =>
                {
                    Some(reason.clone())
                }
                _ if execution.answer.is_none() => Some("the run ended without an answer".into()),
                _ => None,
            };
            let status =
                if error.is_none() { ExecutionStatus::Completed } else { ExecutionStatus::Failed };
            (status, finish.as_str().to_string(), error)
        }
    };
    EngineOutcome {
        status,
        answer: execution.answer,
        finish,
        error,
        spend: Spend::of_execution(&execution.usage),
        steps: execution.steps,
        state: Some(session.state()),
    }
}
