//! The execution seam: rlm-core's [`Session`]. For each execution the
//! [`ServerEngine`] restores the server session's `rlm_core::Session` from its
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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_context::Context;
use rlm_core::adapters::{FakeAdapter, ModelAdapter, Paced};
use rlm_core::sandbox::SandboxHost;
use rlm_core::{
    Canceller, DurableStart, EngineModels, EngineParts, Execution, ExecutionId, Finish, Rlm,
    Session, SessionError, SessionSettings, SessionState,
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

/// At most this many runtimes built once and kept ([`ServerEngine`]'s
/// `built`): one per sub-RLM depth executions ask for (a request's setting,
/// so bounded); past it an execution builds its own.
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
    /// Sub-RLM depth (`None`: rlm-core's default).
    pub max_depth: Option<u32>,
    /// The session's budgets, per execution and cumulative.
    pub settings: SessionSettings,
    /// The session as its previous execution left it.
    pub state: SessionState,
    /// Hard limit on the execution's wall time.
    pub deadline: Duration,
    /// The sandbox's limits for each of its programs.
    pub sandbox: rlm_config::Limits,
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
pub struct ServerEngine {
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
    /// A pause before each token of the scripted model's replies.
    scripted_token_delay: Duration,
    /// Runtimes built once, by sub-RLM depth, with the sandbox limits they
    /// were built with: an execution takes one with its own models
    /// ([`Rlm::with_models`]) instead of building the functions, the system
    /// prompt and the prompts again.
    built: Mutex<HashMap<u32, (rlm_config::Limits, Rlm)>>,
}

impl ServerEngine {
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
        // each execution plays a copy from its start.
        let script = FakeAdapter::scripted(config.script.clone())
            .map_err(|e| ServerError::Config(format!("the scripted model: {e}")))?;
        // `record` and `replay` name server files: a server records and
        // replays per execution instead (the knob table's serve cells).
        let served = rlm_config::RlmConfig { record: None, replay: None, ..engine.clone() };
        let mut parts = EngineParts::new(served, config.env.clone())
            .map_err(|e| ServerError::Config(e.to_string()))?
            .with_script(script);
        if let Some(redis) = &redis_cache {
            parts = parts.with_cache(Arc::clone(redis) as Arc<dyn rlm_core::CompletionCache>);
        }
        Ok(ServerEngine {
            parts,
            allowed_models: config.allowed_models.clone(),
            redis_cache,
            limiter,
            sandbox,
            scripted_token_delay: config.scripted_token_delay,
            built: Mutex::new(HashMap::new()),
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

    /// The adapter `model` names; the scripted model paced when asked.
    fn adapter(&self, model: &str) -> Result<Arc<dyn ModelAdapter>, ServerError> {
        let adapter = self.parts.adapter(model).map_err(|e| ServerError::Model(e.to_string()))?;
        if model == SCRIPTED_MODEL && !self.scripted_token_delay.is_zero() {
            return Ok(Arc::new(Paced::new(adapter, self.scripted_token_delay)));
        }
        Ok(adapter)
    }

    fn rlm(&self, request: &ExecutionRequest) -> Result<Rlm, ServerError> {
        let root = self.adapter(&request.model)?;
        let sub = match &request.sub_model {
            Some(m) if *m != request.model => self.adapter(m)?,
            _ => Arc::clone(&root),
        };
        let tape = &request.tape;
        let (root, sub) =
            rlm_core::record_or_replay((root, sub), tape.record.as_ref(), tape.replay.as_ref());
        let configured_depth = self.parts.config().budgets.max_depth;
        let depth = request
            .max_depth
            .or(configured_depth)
            .unwrap_or(rlm_core::LoopOptions::default().max_depth);
        let cannot = |e: rlm_core::RlmError| {
            ServerError::BadRequest(format!("cannot set the execution up: {e}"))
        };
        let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((limits, rlm)) = built.get(&depth)
            && same_limits(limits, &request.sandbox)
        {
            let rlm = rlm.clone();
            drop(built);
            return rlm.with_models(root, sub).map_err(cannot);
        }
        drop(built);
        let rlm = self.build(root, sub, depth, &request.sandbox).map_err(cannot)?;
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if built.len() < MAX_BUILT || built.contains_key(&depth) {
            built.insert(depth, (request.sandbox.clone(), rlm.clone()));
        }
        Ok(rlm)
    }

    /// A runtime for `root` and `sub` with the operator's configuration
    /// (rlm-core's constructor), sub-RLMs `depth` deep, `sandbox`'s limits
    /// for each program, and what the server alone owns: where programs run
    /// and the cluster-wide rate limiter.
    fn build(
        &self,
        root: Arc<dyn ModelAdapter>,
        sub: Arc<dyn ModelAdapter>,
        depth: u32,
        sandbox: &rlm_config::Limits,
    ) -> Result<Rlm, rlm_core::RlmError> {
        let models = EngineModels::Given { root, sub };
        let mut builder = Rlm::from_config(&self.parts, models, &[])?
            .map_options(|o| o.max_depth = depth)
            .interpreter_limits(sandbox.clone())
            .sandbox_host(self.sandbox.clone());
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

/// Whether two sets of sandbox limits are the same (every field named: a
/// new one does not compile until it is compared).
fn same_limits(a: &rlm_config::Limits, b: &rlm_config::Limits) -> bool {
    let rlm_config::Limits {
        fuel,
        memory_bytes,
        max_str_len,
        max_collection_len,
        max_call_depth,
        max_nesting,
        max_output_bytes,
        regex_backtrack_limit,
    } = a;
    *fuel == b.fuel
        && *memory_bytes == b.memory_bytes
        && *max_str_len == b.max_str_len
        && *max_collection_len == b.max_collection_len
        && *max_call_depth == b.max_call_depth
        && *max_nesting == b.max_nesting
        && *max_output_bytes == b.max_output_bytes
        && *regex_backtrack_limit == b.regex_backtrack_limit
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
