//! Runs executions: admission (per-key concurrency, query length, the
//! session's cumulative budget), one execution of a session at a time (each
//! restores the rlm-core `Session` from the state the previous one stored, so
//! the cumulative budget, `memory` and history see them in order), the live
//! event log that SSE listeners read, the trace persisted as it is produced,
//! and the settlement (the execution's record and the session's new state,
//! stored together) when it ends. The execution runs on its own task: a
//! client that goes away cancels it only through a [`DisconnectGuard`] its
//! handler holds (`server.on_disconnect`).

mod attempt_marks;
mod attempts;
pub(crate) mod disconnect;
mod frames;
mod memory_budget;
mod mirror_order;
mod persister;
mod recording;
mod remote;
mod session_turn;
mod settings;
mod turns;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use rlm_context::Context;
use rlm_core::DurableStart;
use rlm_trace::{TraceEvent, TraceSummary};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

pub use self::frames::{START_EVENT, start_data, terminal_frame};
use self::persister::{Holding, Persister};
use self::settings::{cumulative_limits, session_budget};
use self::turns::{Turn, Turns};
use crate::bus::{BusEvent, ExecutionBus};
use crate::config::ServerLimits;
use crate::contexts::ContextFiles;
use crate::engine::durable::StoreCheckpoints;
use crate::engine::{EngineOutcome, ExecutionRequest, SessionRunner};
use crate::error::ServerError;
use crate::governor::{MemoryGovernor, MemoryPermit};
use crate::leases::LeaseHolder;
use crate::memory_quota::MemoryQuota;
use crate::metrics::Metrics;
use crate::recordings::ExchangeMode;
use crate::scope::Scope;
use crate::store::{
    Created, Creation, ExecutionRecord, ExecutionStatus, JobOutcome, JobSettlement, KeyedAnswer,
    SessionOverrides, SessionRecord, SettledExecution, StartedFrom, Store, new_session_state,
    now_micros,
};
use rlm_listen::AllocatorPurge;

/// What an execution runs over.
#[derive(Debug, Clone)]
pub enum Target {
    Session(Uuid),
    /// A context sent with the request (no session: nothing persists but the execution).
    Inline(String),
    /// An inline context a cluster's api stored in the blob store (too
    /// large for the job message): the execution's record references it.
    Blob(String),
}

/// A request to start an execution.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub owner: String,
    pub target: Target,
    pub query: String,
    pub model: Option<String>,
    pub job_id: Option<Uuid>,
    /// Counted against the key's concurrent executions (jobs are bounded by the pool instead).
    pub interactive: bool,
    /// A queue's delivery `n` of the execution (1: the first): it runs
    /// durably (a checkpoint after each root step), and a later delivery
    /// goes on from the checkpoint an earlier one stored. `None`: not durable.
    pub attempt: Option<u32>,
    /// The lease holder of the job it answers (`job_id`): its settlement
    /// ends the job in the same transaction. `None`: the job, if any, is
    /// settled by its caller.
    pub job_holder: Option<String>,
    /// The JSON Schema the answer must match, for this execution alone
    /// (`/v1`'s `response_format`); `None`: the configuration's, if any.
    pub output_schema: Option<serde_json::Value>,
    /// Whether its model exchanges are recorded, or answered from a replay.
    pub exchanges: ExchangeMode,
    /// The OpenTelemetry trace its run belongs to (a request's W3C
    /// `traceparent`, or a fresh trace id the response names); `None`: a
    /// trace of its own.
    pub trace_parent: Option<rlm_core::TraceParent>,
    /// What its request's body was charged (`api/body_account.rs`): the
    /// execution takes it over for the buffers it keeps (its replay, an
    /// inline context) instead of charging them again.
    pub body_charge: Option<crate::governor::MemoryCharge>,
    /// The request's `Idempotency-Key`: answered in the transaction that
    /// stores the execution (see [`ExecutionKey`]).
    pub key: Option<ExecutionKey>,
}

/// A keyed request's key, and the response its retries replay, made from
/// the execution's id (`api/idempotency.rs`: a synchronous execution's
/// renders the execution once it has ended; a streamed one's is a 303 to
/// its events).
#[derive(Debug, Clone)]
pub struct ExecutionKey {
    pub key: crate::store::IdempotencyKey,
    pub render: fn(Uuid) -> crate::store::StoredResponse,
}

/// What an execution's first write creates besides its record: its
/// request's key answered, and its outbox entry (an execution queued for
/// a worker). Nothing at all: the plain write of [`Start`].
#[derive(Default)]
pub(crate) struct Creating {
    pub(crate) key: Option<ExecutionKey>,
    pub(crate) outbox: Option<crate::store::OutboxEntry>,
}

/// Stops a queue's delivery's run at once without settling its execution
/// (its next delivery goes on from the last checkpoint).
fn hand_back(run: &Live) {
    run.handed_back.store(true, Ordering::SeqCst);
    run.cancel.cancel();
}

/// A started execution.
pub struct Started {
    pub id: Uuid,
    pub bus: Arc<ExecutionBus>,
    /// Holds the final record once the execution is settled.
    pub done: watch::Receiver<Option<ExecutionRecord>>,
    /// This run of it: two deliveries of one job can run the same execution
    /// in one process a moment (the earlier one superseded, stopping), and
    /// what a delivery stops is its own run, never the other's.
    pub(crate) run: Arc<Live>,
}

pub(crate) struct Live {
    owner: String,
    pub(crate) bus: Arc<ExecutionBus>,
    pub(crate) cancel: CancellationToken,
    /// Set when the server (not a client) stopped it.
    interrupted: AtomicBool,
    /// Set when it was cancelled because its client went away.
    client_left: AtomicBool,
    done: watch::Receiver<Option<ExecutionRecord>>,
    /// A queue's delivery (see [`StartRequest::attempt`]): it can be handed back.
    durable: bool,
    /// Set when a stopping worker hands it back: stopped, it is left
    /// resumable (not settled, its checkpoints kept) for the queue's next
    /// delivery, on another worker.
    handed_back: AtomicBool,
    /// Cancelled to stop it at its next step boundary (once that step's
    /// checkpoint is stored), to be handed back.
    boundary: CancellationToken,
    /// The job its settlement ends too, and the job's lease holder.
    job: Option<(Uuid, String)>,
    /// Why the server stopped it for a cause of the execution's own (its
    /// recording reached its cap): it ends `failed` with this message.
    stopped: Arc<std::sync::OnceLock<String>>,
    /// Set while it holds its session's lease in a store other processes
    /// share: its settlement gives the lease up in its own transaction.
    holds_session: AtomicBool,
}

/// Stops an execution for a cause of its own, with the message its record keeps.
#[derive(Clone)]
pub(crate) struct Stopper {
    cancel: CancellationToken,
    why: Arc<std::sync::OnceLock<String>>,
}

impl Stopper {
    /// Stops the execution (the first reason given is the one kept).
    pub(crate) fn stop(&self, why: String) {
        let _ = self.why.set(why);
        self.cancel.cancel();
    }
}

/// See the module docs.
pub struct Executions {
    store: Arc<dyn Store>,
    engine: Arc<SessionRunner>,
    contexts: Arc<ContextFiles>,
    metrics: Arc<Metrics>,
    limits: ServerLimits,
    live: DashMap<Uuid, Arc<Live>>,
    per_key: DashMap<String, Arc<Semaphore>>,
    /// The server-wide bound of the running executions' memory budgets.
    governor: Arc<MemoryGovernor>,
    /// Gives the memory of ended executions back to the OS.
    purge: Arc<AllocatorPurge>,
    /// Each session's turn: its executions run one at a time, in arrival order.
    turns: Turns,
    /// The sessions whose lease this process holds (a store other
    /// processes share): one of their executions runs here now.
    leased_sessions: DashMap<Uuid, ()>,
    shutting_down: AtomicBool,
    /// This process in the leases of the executions it runs.
    holder: String,
    /// How long a lease lasts unless renewed.
    lease: Duration,
    /// A cluster's `api` process: executions run on workers, through this queue.
    remote: Option<rlm_queue::JobQueue>,
    /// With `remote`: the outbox relay's gate (queued executions go through the outbox).
    gate: Option<Arc<crate::queue_gate::QueueGate>>,
}

impl LeaseHolder for Executions {
    fn holder(&self) -> &str {
        &self.holder
    }

    /// The executions this process runs now.
    fn live_ids(&self) -> Vec<Uuid> {
        self.live.iter().map(|e| *e.key()).collect()
    }

    /// The sessions whose lease this process holds now.
    fn leased_sessions(&self) -> Vec<Uuid> {
        self.leased_sessions.iter().map(|e| *e.key()).collect()
    }
}

impl Executions {
    /// The engine executions run on (readiness asks it about Redis).
    pub fn engine(&self) -> &Arc<SessionRunner> {
        &self.engine
    }

    pub fn new(
        store: Arc<dyn Store>,
        engine: Arc<SessionRunner>,
        contexts: Arc<ContextFiles>,
        metrics: Arc<Metrics>,
        limits: ServerLimits,
    ) -> Self {
        let governor = MemoryGovernor::new(limits.sandbox_memory_bound());
        Executions {
            governor,
            purge: AllocatorPurge::new(limits.purge_allocator),
            store,
            engine,
            contexts,
            metrics,
            limits,
            live: DashMap::new(),
            per_key: DashMap::new(),
            turns: Turns::default(),
            leased_sessions: DashMap::new(),
            shutting_down: AtomicBool::new(false),
            holder: format!("process-{}", Uuid::new_v4()),
            lease: Duration::from_secs(30),
            remote: None,
            gate: None,
        }
    }

    /// Runs executions on the cluster's workers, through `queue` (the `api` role).
    pub fn with_remote(mut self, queue: rlm_queue::JobQueue) -> Self {
        self.remote = Some(queue);
        self
    }

    /// Queued executions go through the outbox `gate` wakes the relay of.
    pub fn with_gate(mut self, gate: Arc<crate::queue_gate::QueueGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The server-wide memory bound every sandbox budget, replay and
    /// request body is charged to.
    pub fn governor(&self) -> &Arc<MemoryGovernor> {
        &self.governor
    }

    /// Shares the sandbox memory bound among `tenants` keys (the API keys
    /// configured; 1 without keys): see the governor's share rule.
    pub fn with_tenants(mut self, tenants: usize) -> Self {
        self.governor = MemoryGovernor::with_tenants(self.limits.sandbox_memory_bound(), tenants);
        self
    }

    /// Sets how long an execution's lease lasts unless renewed.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// This process's name in leases.
    /// How long a lease of this process lasts unless renewed.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// The settled record's watch of an execution running in this process.
    pub fn live_done(&self, id: Uuid) -> Option<watch::Receiver<Option<ExecutionRecord>>> {
        self.live.get(&id).map(|l| l.done.clone())
    }

    /// Checks a model name a client gave.
    pub fn check_model(&self, model: &str) -> Result<(), ServerError> {
        if !self.engine.is_allowed(model) {
            return Err(ServerError::BadRequest(format!(
                "model {} is not offered by this server (offered: {})",
                crate::error::echo(model),
                self.offered_models().join(", ")
            )));
        }
        Ok(())
    }

    /// The models a client may name (sorted).
    pub fn offered_models(&self) -> Vec<String> {
        self.engine.offered_models()
    }

    fn slot(&self, owner: &str) -> Result<OwnedSemaphorePermit, ServerError> {
        let sem = self
            .per_key
            .entry(owner.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.max_concurrent_per_key)))
            .clone();
        sem.try_acquire_owned().map_err(|_| ServerError::TooManyRequests {
            message: format!(
                "this API key already runs {} executions at once (the limit); retry when one ends",
                self.limits.max_concurrent_per_key
            ),
            retry_after_secs: 1,
        })
    }

    /// Starts an execution; it runs on its own task until it ends. Its
    /// record is durable before this returns (the caller may give its id
    /// out at once).
    pub async fn start(self: &Arc<Self>, req: StartRequest) -> Result<Started, ServerError> {
        self.start_with(req, Start::Acknowledged).await
    }

    /// [`Executions::start`] for a caller that tells its client nothing
    /// before the execution has ended (`POST /api/execute`): the pending
    /// record is not flushed on its own (one flush per execution, the
    /// settlement's, instead of two). The client is answered only after
    /// the settlement is durable, which covers the pending record too.
    pub async fn start_unannounced(
        self: &Arc<Self>,
        req: StartRequest,
    ) -> Result<Started, ServerError> {
        self.start_with(req, Start::Unannounced).await
    }

    async fn start_with(
        self: &Arc<Self>,
        req: StartRequest,
        start: Start,
    ) -> Result<Started, ServerError> {
        if let Some(queue) = &self.remote {
            let queue = queue.clone();
            return self.start_remote(&queue, req).await;
        }
        let admitted = self.admit(&req, None).await?;
        self.launch(admitted, start).await
    }

    /// Starts an execution another process stored (`existing`: its stored
    /// record, whose id, creation time and attempt marks it keeps), in this
    /// process: a queue's later delivery of it.
    pub(crate) async fn start_existing(
        self: &Arc<Self>,
        req: StartRequest,
        existing: &ExecutionRecord,
    ) -> Result<Started, ServerError> {
        let mut admitted = self.admit(&req, Some(existing)).await?;
        // Its first write (the record, pending again) is this attempt's, so
        // the store fences it against every other delivery's from the start:
        // a stale read of the marks must not make it an earlier attempt's.
        if let Some(n) = req.attempt {
            self::attempt_marks::mark_attempt(&mut admitted.record, n);
        }
        self.launch(admitted, Start::Acknowledged).await
    }

    /// Checks a request and makes its record (id, creation time and attempt
    /// marks from `existing`, an execution another process stored, or new);
    /// nothing is stored yet.
    pub(crate) async fn admit(
        &self,
        req: &StartRequest,
        existing: Option<&ExecutionRecord>,
    ) -> Result<AdmittedExecution, ServerError> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(ServerError::ShuttingDown);
        }
        check_query(&req.query, self.limits.max_query_chars)?;
        // Read before the session: see [`Turns::take_if_idle`].
        let settled_seen = match &req.target {
            Target::Session(id) => self.turns.settled(*id),
            Target::Inline(_) | Target::Blob(_) => 0,
        };
        let (session, context) = match &req.target {
            Target::Session(id) => {
                let scope = Scope::of_owner(&req.owner, Arc::clone(&self.store));
                let s = scope.session(*id).await?;
                let Some(cref) = &s.context else {
                    return Err(ServerError::BadRequest(format!(
                        "session {id} has no context: add one with PUT /api/sessions/{id}"
                    )));
                };
                let context = self.contexts.load(cref)?;
                if let Some(refused) = s.state.usage.exhausted(&cumulative_limits(&s.settings)) {
                    return Err(refused.into());
                }
                (Some(s), context)
            }
            Target::Inline(text) => {
                if text.len() as u64 > self.limits.max_context_bytes {
                    return Err(ServerError::TooLarge {
                        what: "the context",
                        found: text.len() as u64,
                        limit: self.limits.max_context_bytes,
                    });
                }
                (None, Context::from_text(text.clone()))
            }
            Target::Blob(name) => {
                let context = self.contexts.load_blob(name)?;
                if context.len_bytes() as u64 > self.limits.max_context_bytes {
                    return Err(ServerError::TooLarge {
                        what: "the context",
                        found: context.len_bytes() as u64,
                        limit: self.limits.max_context_bytes,
                    });
                }
                (None, context)
            }
        };
        let context_blob = match &req.target {
            Target::Blob(name) => Some(name.clone()),
            _ => None,
        };
        let settings = session.as_ref().map(|s| s.settings.clone()).unwrap_or_default();
        let model = req
            .model
            .clone()
            .or(settings.model.clone())
            .unwrap_or_else(|| self.engine.default_model().to_string());
        self.check_model(&model)?;
        let sub_model =
            settings.sub_model.clone().or(self.engine.default_sub_model().map(str::to_string));
        if let Some(s) = &sub_model {
            self.check_model(s)?;
        }
        let permit = if req.interactive { Some(self.slot(&req.owner)?) } else { None };
        let memory = self.memory_budget(req).await?;
        // A new execution's id is ordered by time (UUID version 7): the
        // store's trees and indexes keyed by it take each new one at their
        // end, not in a random node of a tree that no longer fits sled's
        // cache (issue #80: reading those nodes back was a quarter of the
        // sled writer's time under the demo's load).
        let (id, now, attempts) = match existing {
            Some(e) => (e.id, e.created_at, e.attempts.clone()),
            None => (Uuid::now_v7(), now_micros(), Vec::new()),
        };
        let record = ExecutionRecord {
            session_id: session.as_ref().map(|s| s.id),
            job_id: req.job_id,
            context_size: context.len_chars(),
            context_blob,
            attempts,
            queued: existing.is_some_and(|e| e.queued),
            ..ExecutionRecord::pending(id, &req.owner, &req.query, &model, now)
        };
        Ok(AdmittedExecution {
            record,
            context,
            sub_model,
            settings,
            permit,
            memory,
            attempt: req.attempt,
            job_holder: req.job_holder.clone(),
            session,
            settled_seen,
            output_schema: req.output_schema.clone(),
            exchanges: req.exchanges.clone(),
            trace_parent: req.trace_parent,
            key: req.key.clone(),
        })
    }

    /// Stores an admitted execution's record (with what `creating` adds, in
    /// one transaction) and leases it (a store other processes share); its
    /// live log with the first frame (id `base`: see
    /// [`crate::bus::attempt_base`]), registered.
    pub(crate) async fn register(
        &self,
        record: &ExecutionRecord,
        base: u64,
        (start, creating): (Start, Creating),
        durable: bool,
        job_holder: Option<String>,
    ) -> Result<(Arc<Live>, watch::Sender<Option<ExecutionRecord>>), ServerError> {
        let response = creating.key.as_ref().map(|k| (k.render)(record.id));
        // A store other processes share holds the execution's lease, taken
        // with its record where it can.
        let lease = self.store.shared().then(|| now_micros() + crate::leases::micros(self.lease));
        let mut leased = false;
        match (start, &creating) {
            (_, Creating { key: None, outbox: None }) if start != Start::Deferred => {
                let acknowledged = start != Start::Unannounced;
                match lease {
                    Some(until) => {
                        let holder = &self.holder;
                        self.store
                            .put_execution_leased(record, acknowledged, holder, until)
                            .await?;
                        leased = true;
                    }
                    None if acknowledged => self.store.put_execution(record).await?,
                    None => self.store.put_execution_unacknowledged(record).await?,
                }
            }
            (_, Creating { key: None, outbox: None }) => {}
            (_, Creating { key, outbox }) => {
                let key = key
                    .as_ref()
                    .zip(response.as_ref())
                    .map(|(k, response)| KeyedAnswer { key: &k.key, response });
                let created = Created::Execution(record);
                self.store.create(&Creation { created, outbox: outbox.clone(), key }).await?;
            }
        }
        if let Some(until) = lease.filter(|_| !leased)
            && let Err(e) =
                self.store.renew_execution_leases(&self.holder, &[record.id], until).await
        {
            tracing::warn!(execution = %record.id, error = %e, "cannot lease the execution");
        }
        Ok(self.live_run(record, base, durable, job_holder))
    }

    /// A stored execution's live log with the first frame (id `base`),
    /// registered as running in this process.
    fn live_run(
        &self,
        record: &ExecutionRecord,
        base: u64,
        durable: bool,
        job_holder: Option<String>,
    ) -> (Arc<Live>, watch::Sender<Option<ExecutionRecord>>) {
        let bus = ExecutionBus::starting_at(base);
        bus.push(START_EVENT, start_data(record), None);
        let (done_tx, done) = watch::channel(None);
        let live = Arc::new(Live {
            owner: record.owner.clone(),
            bus,
            cancel: CancellationToken::new(),
            interrupted: AtomicBool::new(false),
            client_left: AtomicBool::new(false),
            done,
            durable,
            handed_back: AtomicBool::new(false),
            stopped: Arc::default(),
            boundary: CancellationToken::new(),
            job: record.job_id.zip(job_holder),
            holds_session: AtomicBool::new(false),
        });
        // A later delivery of the execution in this process: the earlier
        // run is superseded (the store refuses its writes now) and stops at
        // once, handed back, leaving the execution to this one.
        if let Some(earlier) = self.live.insert(record.id, Arc::clone(&live))
            && earlier.durable
        {
            hand_back(&earlier);
        }
        (live, done_tx)
    }

    /// Runs an admitted execution on its own task in this process.
    pub(crate) async fn launch(
        self: &Arc<Self>,
        admitted: AdmittedExecution,
        start: Start,
    ) -> Result<Started, ServerError> {
        let AdmittedExecution {
            mut record,
            context,
            sub_model,
            settings,
            permit,
            memory,
            attempt,
            job_holder,
            session,
            settled_seen,
            output_schema,
            exchanges,
            trace_parent,
            key,
        } = admitted;
        let mut ready = self.ready_at_once(&record, session, settled_seen);
        if ready.is_some() {
            // Created already running: one store write fewer.
            record.status = ExecutionStatus::Running;
            record.started_at = Some(now_micros());
        }
        let base = crate::bus::attempt_base(attempt.unwrap_or(1));
        let durable = attempt.is_some();
        // A store other processes share is told at once (they list it, lease it).
        let start = match start {
            // A keyed request's key is answered when its record is first stored.
            Start::Unannounced if ready.is_some() && !self.store.shared() && key.is_none() => {
                Start::Deferred
            }
            other => other,
        };
        let creating = Creating { key, outbox: None };
        let turn_now = match (&ready, attempt, &creating.key) {
            (None, None, None) => self.shared_turn_at_once(&record),
            _ => None,
        };
        let (live, done_tx) = match turn_now {
            // Its session's lease, record and session in one transaction.
            Some((sid, turn)) => {
                let (run, taken) =
                    self.register_in_session(&mut record, (sid, turn), base, job_holder).await?;
                ready = taken;
                run
            }
            None => self.register(&record, base, (start, creating), durable, job_holder).await?,
        };
        let id = record.id;
        let this_run = Arc::clone(&live);
        let run_handle = Arc::clone(&live);
        let bus = Arc::clone(&live.bus);
        let done = live.done.clone();
        let in_flight = self.metrics.in_flight(&record.owner);
        in_flight.inc();
        let this = Arc::clone(self);
        let deferred = start == Start::Deferred;
        let announced = start == Start::Acknowledged;
        let log_span = execution_log_span(id, trace_parent.as_ref());
        let run = RunningExecution {
            record,
            context,
            sub_model,
            settings,
            live,
            permit,
            memory,
            attempt,
            ready,
            deferred,
            announced,
            output_schema,
            exchanges,
            trace_parent,
        };
        tokio::spawn(
            async move {
                // Boxed: the task then moves a pointer, not the whole run's
                // state machine, through each step of spawning it.
                let finished = Box::pin(this.run(run)).await;
                let _ = done_tx.send(Some(finished));
                this.forget(id, &this_run);
                in_flight.dec();
                this.purge.after_execution();
            }
            .instrument(log_span),
        );
        Ok(Started { id, bus, done, run: run_handle })
    }

    /// Whether an admitted execution can start at once, from what its
    /// admission read: one without a session always can; one of a session
    /// when the session is idle and the record read at admission is still
    /// the newest (a store other processes share is read again instead, in
    /// the session's lease).
    fn ready_at_once(
        &self,
        record: &ExecutionRecord,
        session: Option<SessionRecord>,
        settled_seen: u64,
    ) -> Option<Ready> {
        match (record.session_id, session) {
            (None, _) => Some(Ready { turn: None, session: None }),
            (Some(sid), Some(s)) if !self.store.shared() => self
                .turns
                .take_if_idle(sid, settled_seen)
                .map(|turn| Ready { turn: Some(turn), session: Some(s) }),
            _ => None,
        }
    }

    /// Runs an execution in its session's turn: one execution of a session
    /// at a time, in arrival order, in this process (its turn) and across the
    /// processes sharing the store (the session's lease, waited for).
    async fn run(&self, mut spec: RunningExecution) -> ExecutionRecord {
        let live = Arc::clone(&spec.live);
        let ready = spec.ready.take();
        let created_running = ready.is_some();
        let (_turn, known) = match ready {
            // Created running, with its session as admission read it.
            Some(Ready { turn, session }) => (turn, session),
            None => {
                let turn = match spec.record.session_id {
                    Some(sid) => Some(tokio::select! {
                        t = self.turns.wait(sid) => t,
                        _ = live.cancel.cancelled() => return self.not_started(spec.record, &live).await,
                        _ = live.boundary.cancelled() => return self.not_started(spec.record, &live).await,
                    }),
                    None => None,
                };
                (turn, None)
            }
        };
        let leased = spec.record.session_id.filter(|_| self.store.shared());
        if let Some(sid) = leased
            && !live.holds_session.load(Ordering::SeqCst)
        {
            if !self.wait_for_session(sid, &live).await {
                return self.not_started(spec.record, &live).await;
            }
            live.holds_session.store(true, Ordering::SeqCst);
        }
        let finished = self.run_turn(spec, created_running, known).await;
        // Given up with the settlement, unless it was not settled here.
        if let Some(sid) = leased
            && live.holds_session.swap(false, Ordering::SeqCst)
        {
            self.release_session(sid).await;
        }
        finished
    }

    /// Runs an execution whose turn has come; `known` is its session as
    /// admission read it, when it was created running.
    async fn run_turn(
        &self,
        spec: RunningExecution,
        created_running: bool,
        known: Option<SessionRecord>,
    ) -> ExecutionRecord {
        let RunningExecution {
            mut record,
            context,
            sub_model,
            settings,
            live,
            permit,
            memory,
            attempt,
            deferred,
            announced,
            output_schema,
            exchanges,
            trace_parent,
            ..
        } = spec;
        let _permit = permit;
        // Held while the program can run; given back once the run has ended
        // (below), not after the settlement's durable write.
        let memory = memory;
        // A later delivery goes on from the checkpoint an earlier one stored.
        let resume = match self.prepare_attempt(&mut record, attempt).await {
            Ok(resume) => resume,
            Err(e) if e.unavailable || e.superseded => {
                return self.left_for_later(record, &live, &e.why);
            }
            Err(e) => return self.settle(record, &live, failed(&e.why)).await,
        };
        if !created_running || attempt.is_some() {
            record.status = ExecutionStatus::Running;
            record.started_at.get_or_insert_with(now_micros);
            if let Err(e) = self.store.mark_running(&record).await {
                tracing::warn!(execution = %record.id, error = %e, "cannot store the running state");
            }
        }
        // The session as the previous execution left it.
        let (name, state) = match record.session_id {
            Some(sid) => {
                let stored = match known {
                    Some(session) => Ok(Some(session)),
                    None => self.store.get_session(sid).await,
                };
                match stored {
                    Ok(Some(s)) => (s.name, s.state),
                    Ok(None) => {
                        let why = "the session was deleted before the execution started";
                        return self.settle(record, &live, failed(why)).await;
                    }
                    Err(e) if e.is_unavailable() && live.durable => {
                        return self.left_for_later(record, &live, &e.to_string());
                    }
                    Err(e) => return self.settle(record, &live, failed(&e.to_string())).await,
                }
            }
            None => (None, new_session_state(record.id)),
        };
        // What the execution changes is merged into the stored state at its
        // settlement: `memory` per key, usage by difference.
        let started = record
            .session_id
            .map(|_| StartedFrom { memory: state.memory.clone(), usage: state.usage.clone() });
        let resumed = resume.is_some();
        let stopper = Stopper { cancel: live.cancel.clone(), why: Arc::clone(&live.stopped) };
        let tape = match self
            .exchange_tape(record.id, &record.owner, &exchanges, resumed, stopper)
            .await
        {
            Ok(tape) => tape,
            Err(e) => return self.settle(record, &live, failed(&e.to_string())).await,
        };
        let deadline = settings
            .timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(self.limits.max_execution)
            .min(self.limits.max_execution);
        // The trace is stored as it is produced, so a crash keeps what happened
        // (an unannounced execution's after `DEFER_FOR`: see `persister.rs`).
        let holding = match (deferred, announced) {
            (true, _) => Holding::Record(Box::new(record.clone())),
            // Unannounced on a shared store: its record is stored, its trace held.
            (false, false) if attempt.is_none() && self.store.shared() => Holding::Events,
            _ => Holding::Nothing,
        };
        let persister = Persister::start(
            Arc::clone(&self.store),
            &live.bus,
            (record.id, live.cancel.clone()),
            holding,
            attempt.is_none(),
        );
        let stored = persister.stored();
        let halt = Arc::new(std::sync::OnceLock::new());
        let durable = attempt.map(|_| {
            let sink = StoreCheckpoints::new(Arc::clone(&self.store), record.id, record.attempt())
                .after_trace(Arc::clone(&live.bus), stored.clone())
                .stop_at_boundary(live.boundary.clone(), Arc::clone(&halt));
            let (from, trace) = match resume {
                Some(point) => (Some(point.checkpoint), point.trace),
                None => (None, Vec::new()),
            };
            DurableStart { sink: Arc::new(sink), from, trace }
        });
        let request = ExecutionRequest {
            execution_id: record.id,
            query: record.user_query.clone(),
            context,
            model: record.model.clone(),
            sub_model,
            budget: session_budget(&settings),
            settings: self.core_settings(&settings, name.as_deref(), announced),
            state,
            deadline,
            durable,
            output_schema,
            tape,
            trace_parent,
        };
        let outcome = match self.engine.start(request, Arc::clone(&live.bus)) {
            Err(e) => failed(&e.to_string()),
            Ok(running) => {
                let _ = halt.set(running.cancel.clone());
                let mut outcome = running.outcome;
                tokio::select! {
                    o = &mut outcome => o,
                    _ = live.cancel.cancelled() => {
                        running.cancel.cancel();
                        outcome.await
                    }
                }
            }
        };
        // The run has ended: its sandbox and the buffers the reservation
        // covered (the interpreter's heap, a replay) are gone with the
        // engine's session, dropped before its outcome resolved. The memory
        // goes back to the governor now, not after the settlement below
        // (the trace's last batch and a durable write, an fsync away): with
        // the governor's default bound, executions waiting for that fsync
        // held most of the budget and made the next ones wait (issue #80).
        drop(memory);
        let ended = Ended { outcome, persister, started };
        self.settle_started(record, &live, ended).await
    }

    /// Settles an execution that ended before it ran (nothing to merge, no
    /// trace being stored).
    async fn settle(
        &self,
        record: ExecutionRecord,
        live: &Live,
        outcome: EngineOutcome,
    ) -> ExecutionRecord {
        let (mut record, trace) = self.fill_record(record, live, &outcome);
        self::attempt_marks::add_carried(&mut record, None);
        let job = job_part(&record, live);
        let settled = SettledExecution { record, state: None, started: None, job };
        self.store_settled(&settled, &[], live).await;
        self.announce(&settled.record, live);
        self.finished(settled.record, &trace)
    }

    /// Settles an execution that ran: waits until its trace so far is
    /// stored, stores the record and the session's new state (its `memory`
    /// merged per key) durably, and only then tells the listeners it ended,
    /// so a client never sees an end the store could lose.
    async fn settle_started(
        &self,
        record: ExecutionRecord,
        live: &Live,
        ended: Ended,
    ) -> ExecutionRecord {
        let Ended { outcome, mut persister, started } = ended;
        let handed_back = live.handed_back.load(Ordering::SeqCst)
            && live.durable
            && outcome.status == ExecutionStatus::Cancelled;
        let (mut record, trace) = self.fill_record(record, live, &outcome);
        let pushed = live.bus.next_id();
        // The trace not stored yet is stored with the settlement.
        let held = persister.settling(pushed).await;
        if handed_back {
            // (A queue's delivery hands nothing over: nothing is held.)
            if !held.is_empty() {
                let trace = self::persister::encoded_trace(record.id, &held);
                if let Err(e) = self.store.append_trace_encoded(record.id, &trace).await {
                    tracing::warn!(execution = %record.id, error = %e, "cannot store trace events");
                }
            }
            // Left as stored (running, its checkpoints kept): the queue's
            // next delivery goes on with it from its last checkpoint.
            live.bus.close();
            persister.join().await;
            // The next delivery's recording goes on from this one's (its parts are stored).
            record.status = ExecutionStatus::Interrupted;
            tracing::info!(execution = %record.id, steps = record.steps, "the execution is handed back");
            return record;
        }
        let mut state = outcome.state.filter(|_| record.session_id.is_some());
        if let (Some(state), Some(started)) = (&mut state, &started)
            && let Some(note) =
                MemoryQuota::of(&self.limits).keep_within(&mut state.memory, &started.memory)
        {
            let error = record.error_message.take();
            record.error_message = Some(error.map_or(note.clone(), |e| format!("{e}; {note}")));
        }
        self::attempt_marks::add_carried(&mut record, state.as_mut());
        // The recording is durable already: each exchange was stored as it was made.
        let job = job_part(&record, live);
        let settled = SettledExecution { record, state, started, job };
        self.store_settled(&settled, &held, live).await;
        self.announce(&settled.record, live);
        persister.join().await;
        self.finished(settled.record, &trace)
    }

    /// The record filled from the outcome and the trace.
    fn fill_record(
        &self,
        mut record: ExecutionRecord,
        live: &Live,
        outcome: &EngineOutcome,
    ) -> (ExecutionRecord, Vec<TraceEvent>) {
        let trace = live.bus.trace_events();
        apply_outcome(&mut record, live, outcome);
        let summary = TraceSummary::from_events(&trace);
        record.cache_hits = summary.cache.hits;
        record.retries = summary.retries_by_reason.values().sum();
        record.context_breakdown = rlm_trace::ContextBreakdown::from_events(&trace);
        (record, trace)
    }

    /// Stores the settled execution durably, with the trace events `held`
    /// until its end (a failure is logged: the execution still ends for its
    /// listeners).
    async fn store_settled(&self, settled: &SettledExecution, held: &[Arc<BusEvent>], live: &Live) {
        let trace = self::persister::encoded_trace(settled.record.id, held);
        let releasing = live.holds_session.load(Ordering::SeqCst);
        let done = if releasing {
            self.store.finish_execution_releasing(settled, &trace, &self.holder).await
        } else {
            self.store.finish_execution_with_trace(settled, &trace).await
        };
        match done {
            Ok(_) if releasing => self.session_released(settled.record.session_id, live),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(execution = %settled.record.id, error = %e, "cannot settle the execution");
            }
        }
        // Before the execution's turn ends (its caller holds it).
        if let Some(sid) = settled.record.session_id {
            self.turns.count_settled(sid);
        }
    }

    /// Tells the listeners how the execution ended and closes its log.
    fn announce(&self, record: &ExecutionRecord, live: &Live) {
        let (name, json) = terminal_frame(record);
        live.bus.push_encoded(name, json);
        live.bus.close();
    }

    fn finished(&self, record: ExecutionRecord, trace: &[TraceEvent]) -> ExecutionRecord {
        self.metrics.record_execution(&record, trace);
        tracing::info!(
            execution = %record.id,
            status = record.status.as_str(),
            finish = record.finish.as_deref().unwrap_or(""),
            tokens = record.spend.total_tokens(),
            cost_usd = record.spend.cost_usd,
            latency_ms = record.latency_ms().unwrap_or(0),
            "execution finished"
        );
        record
    }

    /// The live log of a running execution of `owner`'s.
    pub fn live_bus(&self, scope: &Scope, id: Uuid) -> Option<Arc<ExecutionBus>> {
        self.live.get(&id).filter(|l| l.owner == scope.owner()).map(|l| Arc::clone(&l.bus))
    }

    /// Cancels a running execution of `owner`'s and waits (up to `wait`) for it
    /// to be settled. `None` if it is not running.
    pub async fn cancel(&self, scope: &Scope, id: Uuid, wait: Duration) -> Option<ExecutionRecord> {
        let live =
            self.live.get(&id).filter(|l| l.owner == scope.owner()).map(|l| Arc::clone(&*l))?;
        live.cancel.cancel();
        let mut done = live.done.clone();
        let settled = tokio::time::timeout(wait, done.wait_for(Option::is_some)).await;
        settled.ok().and_then(|r| r.ok().and_then(|v| v.clone()))
    }

    /// Cancels a running execution on behalf of the server (jobs being
    /// stopped, shutdown): it ends `interrupted`.
    pub fn interrupt(&self, id: Uuid) {
        if let Some(live) = self.live.get(&id) {
            live.interrupted.store(true, Ordering::SeqCst);
            live.cancel.cancel();
        }
    }

    /// Stops an execution whose job a later delivery has taken (this
    /// process lost the job's lease): a queue's delivery ends here without
    /// settling it, since the taker goes on with it from its last checkpoint;
    /// any other ends `interrupted`.
    pub(crate) fn abandon(&self, run: &Live) {
        if run.durable {
            hand_back(run);
        } else {
            run.interrupted.store(true, Ordering::SeqCst);
            run.cancel.cancel();
        }
    }

    /// Drops a run that ended from the live ones, unless a later run of the
    /// same execution took its place.
    pub(crate) fn forget(&self, id: Uuid, run: &Arc<Live>) {
        self.live.remove_if(&id, |_, l| Arc::ptr_eq(l, run));
    }

    /// Cancels by id without an owner check (jobs, whose owner was checked).
    pub fn cancel_by_id(&self, id: Uuid) {
        if let Some(live) = self.live.get(&id) {
            live.cancel.cancel();
        }
    }

    /// Refuses new executions; waits up to `grace` for the running ones, then
    /// interrupts the rest and waits for them to be settled.
    pub async fn shutdown(&self, grace: Duration) {
        self.shutting_down.store(true, Ordering::SeqCst);
        if self.remote.is_some() {
            // Workers run them: they go on without this process's mirrors.
            let deadline = tokio::time::Instant::now() + grace;
            while !self.live.is_empty() && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            return;
        }
        // A queue's delivery is handed back at its next step boundary: the
        // queue gives it to another worker, which goes on from there.
        for live in self.live.iter().filter(|l| l.durable) {
            live.handed_back.store(true, Ordering::SeqCst);
            live.boundary.cancel();
        }
        let deadline = tokio::time::Instant::now() + grace;
        while !self.live.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The rest: a step in flight is abandoned (a handed-back execution
        // goes on from its last checkpoint), others end interrupted.
        let ids: Vec<Uuid> = self.live.iter().map(|e| *e.key()).collect();
        for id in &ids {
            match self.live.get(id).map(|l| l.durable) {
                Some(true) => self.cancel_by_id(*id),
                Some(false) => self.interrupt(*id),
                None => {}
            }
        }
        let settle_deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self.live.is_empty() && tokio::time::Instant::now() < settle_deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Whether a started execution's id is given out before it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// It is (a stream's first frame, a job): its record is durable first.
    Acknowledged,
    /// Nothing is said before the end, which is durable with the record.
    Unannounced,
    /// Unannounced and starting at once: its record is stored only if it
    /// runs long (`persister.rs`), else once, at its settlement.
    Deferred,
}

/// An execution admitted to run (its record made, its permit held), not yet stored.
pub(crate) struct AdmittedExecution {
    pub(crate) record: ExecutionRecord,
    context: Context,
    sub_model: Option<String>,
    settings: SessionOverrides,
    pub(crate) permit: Option<OwnedSemaphorePermit>,
    /// Its memory budget under the server-wide bound, held until its run ends (not its settlement).
    memory: Option<MemoryPermit>,
    /// See [`StartRequest::attempt`].
    attempt: Option<u32>,
    /// See [`StartRequest::job_holder`].
    job_holder: Option<String>,
    /// The session as admission read it (`None` without a session).
    session: Option<SessionRecord>,
    /// The session's settled executions counted before that read.
    settled_seen: u64,
    /// See [`StartRequest::output_schema`].
    output_schema: Option<serde_json::Value>,
    /// See [`StartRequest::exchanges`].
    exchanges: ExchangeMode,
    /// See [`StartRequest::trace_parent`].
    trace_parent: Option<rlm_core::TraceParent>,
    /// See [`StartRequest::key`].
    pub(crate) key: Option<ExecutionKey>,
}

/// How an execution that ran ended, with what its settlement stores.
struct Ended {
    outcome: EngineOutcome,
    /// Stores its trace as it is produced.
    persister: Persister,
    /// Its session's `memory` and usage when it started (`None` without a session).
    started: Option<StartedFrom>,
}

/// An execution that starts at once (created running): its session's turn
/// (none without a session) and the session's newest record.
struct Ready {
    turn: Option<Turn>,
    session: Option<SessionRecord>,
}

/// An execution stored and registered: what the spawned task takes to run
/// it to its end.
struct RunningExecution {
    record: ExecutionRecord,
    context: Context,
    sub_model: Option<String>,
    settings: SessionOverrides,
    live: Arc<Live>,
    permit: Option<OwnedSemaphorePermit>,
    memory: Option<MemoryPermit>,
    attempt: Option<u32>,
    /// `Some`: it starts at once; `None`: it waits for its session's turn.
    ready: Option<Ready>,
    /// Its record is not stored yet (`Start::Deferred`).
    deferred: bool,
    /// Its id was given out at its start (`Start::Acknowledged`): a stream
    /// may follow it live.
    announced: bool,
    /// See [`StartRequest::output_schema`].
    output_schema: Option<serde_json::Value>,
    /// See [`StartRequest::exchanges`].
    exchanges: ExchangeMode,
    /// See [`StartRequest::trace_parent`].
    trace_parent: Option<rlm_core::TraceParent>,
}

/// A question must hold a non-blank character and fit the server's limit.
pub fn check_query(query: &str, max_chars: usize) -> Result<(), ServerError> {
    let invalid =
        |message: String| ServerError::Invalid { field: Some("user_query".into()), message };
    if query.trim().is_empty() {
        return Err(invalid("is blank".into()));
    }
    let chars = query.chars().count();
    if chars > max_chars {
        return Err(invalid(format!("has {chars} characters; the limit is {max_chars}")));
    }
    Ok(())
}

/// The job part of a settlement: the job the execution answers, ended with
/// the execution's outcome, if a job's lease holder runs it.
fn job_part(record: &ExecutionRecord, live: &Live) -> Option<JobSettlement> {
    let (id, holder) = live.job.clone()?;
    Some(JobSettlement { id, holder, outcome: JobOutcome::of_execution(record) })
}

fn failed(message: &str) -> EngineOutcome {
    EngineOutcome::not_run(ExecutionStatus::Failed, "error", message.to_string())
}

fn stopped_before_start(live: &Live) -> EngineOutcome {
    let why = if live.interrupted.load(Ordering::SeqCst) {
        "interrupted: the server stopped before the execution started"
    } else {
        "cancelled before it started"
    };
    EngineOutcome::not_run(ExecutionStatus::Cancelled, "cancelled", why.to_string())
}

fn apply_outcome(record: &mut ExecutionRecord, live: &Live, outcome: &EngineOutcome) {
    record.status = outcome.status;
    if outcome.status == ExecutionStatus::Cancelled && live.interrupted.load(Ordering::SeqCst) {
        record.status = ExecutionStatus::Interrupted;
    }
    record.finish = Some(outcome.finish.clone());
    record.final_result = outcome.answer.clone();
    if let (ExecutionStatus::Cancelled, Some(why)) = (record.status, live.stopped.get()) {
        record.status = ExecutionStatus::Failed;
        record.error_message = Some(crate::error::stored_message(why));
        return finish_times(record, outcome);
    }
    record.error_message = match record.status {
        ExecutionStatus::Interrupted => {
            Some("interrupted: the server stopped while the execution ran".into())
        }
        ExecutionStatus::Cancelled if live.client_left.load(Ordering::SeqCst) => Some(
            "cancelled: its client went away before the end (server.on_disconnect = cancel)".into(),
        ),
        _ => outcome.error.as_deref().map(crate::error::stored_message),
    };
    finish_times(record, outcome);
}

/// The end time, steps and spend of a record the outcome settles.
fn finish_times(record: &mut ExecutionRecord, outcome: &EngineOutcome) {
    record.completed_at = Some(now_micros());
    record.started_at.get_or_insert(record.created_at);
    record.steps = outcome.steps;
    record.spend = outcome.spend;
}

/// The log span of an execution's task: every JSON log line written while
/// it runs carries the execution's id and its OpenTelemetry trace
/// (`span.otel_trace_id`), so a team joins its logs to its traces.
fn execution_log_span(id: Uuid, trace: Option<&rlm_core::TraceParent>) -> tracing::Span {
    let trace_id = trace.map(rlm_core::TraceParent::trace_id_hex);
    tracing::info_span!("execution", execution = %id, otel_trace_id = trace_id.as_deref())
}
