//! Jobs, the Enzu pattern: `POST /api/jobs` queues an execution and returns
//! at once; a bounded pool of workers claims jobs from the store (oldest
//! first, under a lease they renew), runs each as an execution and settles
//! it. A full queue answers 429 with `Retry-After`. Cancelling a running job
//! cancels its execution for real. A job whose worker died (crash, kill -9)
//! is reported INTERRUPTED at the next start, never left RUNNING.
//!
//! With a NATS JetStream queue (`--nats-url`, a cluster's `api` and
//! `worker` processes), a submitted job is stored PENDING and published on
//! the queue; a worker's delivery takes the job in the store (see
//! [`crate::queued`]), runs it under a lease named by worker and attempt,
//! and settles it: a redelivered job is taken from the dead worker, which
//! can then no longer settle it, so one result is recorded. Such an
//! execution is durable: the later delivery goes on with it from its last
//! checkpoint rather than from the start.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::{JobsConfig, ServerRole};
use crate::error::ServerError;
use crate::executions::{Executions, StartRequest, Started, Target};
use crate::metrics::Metrics;
use crate::queue_gate::QueueGate;
use crate::recordings::ExchangeMode;
use crate::scope::Scope;
use crate::store::{
    CancelRequest, Created, Creation, ExecutionRecord, ExecutionStatus, INTERRUPTED,
    IdempotencyKey, JobOutcome, JobRecord, JobSettlement, JobStatus, KeyedAnswer, Listed,
    OutboxEntry, PageRequest, Store, StoreError, StoredResponse, now_micros,
};

/// See the module docs.
pub struct Jobs {
    store: Arc<dyn Store>,
    executions: Arc<Executions>,
    metrics: Arc<Metrics>,
    config: JobsConfig,
    /// This process's worker identity in leases.
    worker_id: String,
    wake: tokio::sync::Notify,
    stop: CancellationToken,
    /// Running job → its execution.
    running: DashMap<Uuid, Uuid>,
    /// The cluster's queue (`None`: jobs are claimed from the store).
    queue: Option<rlm_queue::JobQueue>,
    role: ServerRole,
    /// Pending jobs one key may hold (`None`: a fair share; see
    /// [`Jobs::check_queue_place`]).
    per_key_share: Option<usize>,
    /// With a queue: whether it can take more, and the outbox relay's wake-up.
    gate: Option<Arc<QueueGate>>,
}

/// A job submission's idempotency key, with how the request's response
/// renders the stored job (committed with it, replayed to its retries).
pub struct KeyedSubmission<'a> {
    pub key: &'a IdempotencyKey,
    pub render: &'a (dyn Fn(&JobRecord) -> StoredResponse + Send + Sync),
}

impl Jobs {
    pub fn new(
        store: Arc<dyn Store>,
        executions: Arc<Executions>,
        metrics: Arc<Metrics>,
        config: JobsConfig,
        queue: Option<rlm_queue::JobQueue>,
        role: ServerRole,
    ) -> Self {
        Jobs {
            per_key_share: config.max_queued_per_key,
            queue,
            role,
            store,
            executions,
            metrics,
            config,
            worker_id: format!("worker-{}", Uuid::new_v4()),
            wake: tokio::sync::Notify::new(),
            stop: CancellationToken::new(),
            running: DashMap::new(),
            gate: None,
        }
    }

    /// Submissions go through the outbox `gate` wakes the relay of.
    pub fn with_gate(mut self, gate: Arc<QueueGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The jobs' settings.
    pub fn config(&self) -> &JobsConfig {
        &self.config
    }

    /// Reports the jobs a dead process left RUNNING as INTERRUPTED (call
    /// before starting workers): all of them when no other process shares
    /// the store, those whose lease ran out when others may, none with a
    /// queue (it delivers a dead worker's job again, to another worker).
    pub async fn recover(&self) -> Result<Vec<Uuid>, ServerError> {
        let ids = if self.queue.is_some() {
            Vec::new()
        } else if self.store.shared() {
            // Judged by the one rule of who is dead: at start-up nobody's
            // lease has lapsed yet; the reaper below judges them later.
            match crate::leases::lapsed_before(self.store.as_ref(), self.config.lease) {
                Some(now) => self.store.interrupt_expired_jobs(now, INTERRUPTED).await?,
                None => Vec::new(),
            }
        } else {
            self.store.interrupt_expired_jobs(i64::MAX, INTERRUPTED).await?
        };
        self.metrics.jobs_queued.set(self.store.pending_jobs().await? as i64);
        Ok(ids)
    }

    /// Whether the queue's connection is up (`None`: no queue).
    pub fn queue_connected(&self) -> Option<bool> {
        self.queue.as_ref().map(|q| q.is_connected())
    }

    /// Starts the workers (and the reaper of expired leases): with a queue,
    /// `workers` pullers if this process runs jobs, else none.
    pub fn spawn_workers(self: &Arc<Self>) -> Vec<JoinHandle<()>> {
        if let Some(queue) = &self.queue {
            if !self.role.runs_jobs() {
                return Vec::new();
            }
            return crate::queued::spawn(Arc::clone(self), queue.clone(), self.stop.clone());
        }
        let mut handles: Vec<JoinHandle<()>> =
            (0..self.config.workers).map(|_| tokio::spawn(Arc::clone(self).worker())).collect();
        let this = Arc::clone(self);
        handles.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = this.stop.cancelled() => break,
                    _ = tokio::time::sleep(this.config.lease) => {}
                }
                // A store in this process is always reachable; a shared one
                // is judged by the one rule of who is dead.
                let Some(now) =
                    crate::leases::lapsed_before(this.store.as_ref(), this.config.lease)
                else {
                    continue;
                };
                if let Err(e) = this.store.interrupt_expired_jobs(now, INTERRUPTED).await {
                    tracing::warn!(error = %e, "cannot check job leases");
                }
            }
        }));
        handles
    }

    /// Queues a job, with the idempotency key of its request: the job, its
    /// outbox entry and the key's response commit in one transaction. With
    /// a queue it answers once that commits (the relay publishes), or 503
    /// when the queue cannot take more (see [`QueueGate::admit`]).
    pub async fn submit(
        &self,
        scope: &Scope,
        session_id: Uuid,
        query: String,
        exchanges: &ExchangeMode,
        keyed: Option<KeyedSubmission<'_>>,
    ) -> Result<JobRecord, ServerError> {
        if self.stop.is_cancelled() {
            return Err(ServerError::ShuttingDown);
        }
        let session = scope.session(session_id).await?;
        let owner = scope.owner();
        if session.context.is_none() {
            return Err(ServerError::BadRequest(format!("session {session_id} has no context")));
        }
        if query.trim().is_empty() {
            return Err(ServerError::Unprocessable("user_query is empty".into()));
        }
        self.check_queue_place(owner).await?;
        if let (Some(queue), Some(gate)) = (&self.queue, &self.gate)
            && let Err(refused) = gate.admit(queue.is_connected())
        {
            self.metrics.cluster.submissions_refused.inc();
            return Err(refused);
        }
        let job = JobRecord {
            record: *exchanges == ExchangeMode::Record,
            replay: exchanges.replay_text(),
            ..JobRecord::pending(owner, session_id, &query, now_micros())
        };
        let outbox = self
            .queue
            .as_ref()
            .map(|_| OutboxEntry::first(job.id, serde_json::json!({}), job.created_at));
        let response = keyed.as_ref().map(|k| (k.render)(&job));
        let key =
            keyed.zip(response.as_ref()).map(|(k, response)| KeyedAnswer { key: k.key, response });
        self.store.create(&Creation { created: Created::Job(&job), outbox, key }).await?;
        if let Some(gate) = &self.gate {
            gate.wake();
        }
        self.metrics.jobs_queued.inc();
        self.wake.notify_one();
        Ok(job)
    }

    /// Refuses (429) a job past the queue's capacity, or past `owner`'s
    /// share of it: `max_queued_jobs_per_key` when set, else the capacity
    /// over the keys holding pending jobs (this one counted) plus one, at
    /// least one. A key alone thus holds at most half the queue, so one key
    /// never refuses another's first job; many keys together may still
    /// fill it.
    async fn check_queue_place(&self, owner: &str) -> Result<(), ServerError> {
        let capacity = self.config.queue_capacity;
        let pending = self.store.pending_job_shares(owner).await?;
        let wait = (pending.total / self.config.workers.max(1)).clamp(1, 60) as u64;
        let keys = pending.owners + usize::from(pending.mine == 0);
        let share = self.per_key_share.unwrap_or((capacity / (keys + 1)).max(1));
        if pending.total >= capacity {
            return Err(ServerError::TooManyRequests {
                message: format!(
                    "the job queue is full ({} waiting, capacity {capacity}); retry later",
                    pending.total
                ),
                retry_after_secs: wait,
            });
        }
        if pending.mine >= share {
            return Err(ServerError::TooManyRequests {
                message: format!(
                    "this API key holds {} pending jobs, its share of the queue ({share} of {capacity}); retry when one has started",
                    pending.mine
                ),
                retry_after_secs: wait,
            });
        }
        Ok(())
    }

    pub async fn list(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, ServerError> {
        Ok(self.store.list_jobs(owner, page).await?)
    }

    /// Cancels a job: a pending one at once; a running one by cancelling its
    /// execution, waiting up to `wait` for it to be settled.
    pub async fn cancel(
        &self,
        scope: &Scope,
        id: Uuid,
        wait: Duration,
    ) -> Result<JobRecord, ServerError> {
        scope.job(id).await?;
        match self.store.request_cancel_job(id).await? {
            None => Err(ServerError::not_found("job", id)),
            Some(CancelRequest::CancelledPending(job)) => {
                self.metrics.jobs_queued.dec();
                Ok(job)
            }
            Some(CancelRequest::AlreadyFinished(job)) => Ok(job),
            Some(CancelRequest::Flagged(job)) => {
                if let Some(execution) = self.running.get(&id).map(|e| *e) {
                    self.executions.cancel_by_id(execution);
                }
                let deadline = tokio::time::Instant::now() + wait;
                let mut latest = job;
                while !latest.status.is_terminal() && tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if let Some(j) = self.store.get_job(id).await? {
                        latest = j;
                    }
                }
                Ok(latest)
            }
        }
    }

    async fn worker(self: Arc<Self>) {
        loop {
            if self.stop.is_cancelled() {
                break;
            }
            let lease_until = now_micros() + self.config.lease.as_micros() as i64;
            match self.store.claim_job(&self.worker_id, lease_until).await {
                Ok(Some(job)) => {
                    self.metrics.jobs_queued.dec();
                    let holder = self.worker_id.clone();
                    match self.execute(&job, &holder, None).await {
                        JobEnd::Settled(_) => {}
                        JobEnd::Open(outcome) => {
                            self.settle(job.id, &holder, &outcome).await;
                        }
                        // Left RUNNING: its lease runs out, and the sweep
                        // reports it (and then its execution) interrupted.
                        JobEnd::Unwritten(why) => {
                            tracing::error!(job = %job.id, why, "cannot settle the job");
                        }
                        JobEnd::Superseded(why) => {
                            tracing::info!(job = %job.id, why, "another run holds the job");
                        }
                    }
                }
                Ok(None) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = self.stop.cancelled() => break,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim a job");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// This process's worker identity in leases.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Whether this process has stopped taking jobs.
    pub fn stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// The executions this process runs.
    pub fn executions(&self) -> &Arc<Executions> {
        &self.executions
    }

    /// The store's record of a job.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Jobs this process runs at once.
    pub fn workers(&self) -> usize {
        self.config.workers
    }

    /// How long a job's lease lasts unless renewed.
    pub fn lease(&self) -> Duration {
        self.config.lease
    }

    /// Runs a job RUNNING under `holder`'s lease as an execution, renewing
    /// the lease (and heeding a cancel request) until it ends. A queue's
    /// delivery `attempt` runs it durably; a later delivery goes on with the
    /// execution an earlier one left unfinished, from its last checkpoint
    /// (the same execution: its trace continues), or starts a new one when
    /// that execution has ended meanwhile (reported interrupted).
    pub async fn execute(&self, job: &JobRecord, holder: &str, attempt: Option<u32>) -> JobEnd {
        let exchanges = match ExchangeMode::of_stored(job.record, job.replay.as_deref()) {
            Ok(mode) => mode,
            Err(e) => {
                let error = Some(format!("the job's replay: {e}"));
                return JobEnd::Open(JobOutcome { status: JobStatus::Failed, answer: None, error });
            }
        };
        let mut start = StartRequest {
            owner: job.owner.clone(),
            target: Target::Session(job.session_id),
            query: job.user_query.clone(),
            model: None,
            job_id: Some(job.id),
            interactive: false,
            attempt: attempt.map(|_| 1),
            job_holder: Some(holder.to_string()),
            output_schema: None,
            exchanges,
            trace_parent: None,
            body_charge: None,
            key: None,
        };
        let unfinished = match (attempt, job.execution_id) {
            (Some(n), Some(execution)) if n > 1 => {
                match self.store.get_execution(execution).await {
                    Ok(Some(e)) if !e.status.is_terminal() && e.job_id == Some(job.id) => Some(e),
                    // An earlier delivery ran the job to its end but its
                    // settlement or ack was lost (a NATS restart): the job's
                    // one execution answers it, nothing runs again.
                    Ok(Some(e)) if e.job_id == Some(job.id) && ended_for_good(e.status) => {
                        return JobEnd::Open(JobOutcome::of_execution(&e));
                    }
                    Ok(_) => None,
                    // The database is away: a later delivery reads it again.
                    Err(e) if e.is_unavailable() => {
                        return JobEnd::Unwritten(format!("cannot read the job's execution: {e}"));
                    }
                    Err(e) => {
                        return JobEnd::Open(JobOutcome {
                            status: JobStatus::Failed,
                            answer: None,
                            error: Some(format!("cannot read the job's execution: {e}")),
                        });
                    }
                }
            }
            _ => None,
        };
        // Its start may wait for its memory budget: the lease is renewed meanwhile.
        let started = match unfinished {
            Some(existing) => {
                start.attempt = attempt;
                self.renewing(job, holder, self.executions.start_existing(start, &existing)).await
            }
            None => self.renewing(job, holder, self.executions.start(start)).await,
        };
        match started {
            Err(e) => {
                // `renewing`'s: cancelled before it started.
                if matches!(&e, ServerError::Store(s) if s.is_unavailable()) {
                    return JobEnd::Unwritten(format!("cannot start its execution: {e}"));
                }
                // The earlier delivery settled the execution meanwhile: it answers the job.
                if matches!(&e, ServerError::Store(StoreError::Settled { .. }))
                    && let Some(execution) = job.execution_id
                    && let Ok(Some(ended)) = self.store.get_execution(execution).await
                    && ended_for_good(ended.status)
                {
                    return JobEnd::Open(JobOutcome::of_execution(&ended));
                }
                // A later delivery's attempt is stored: the job is its to settle.
                if matches!(&e, ServerError::Store(StoreError::Superseded { .. })) {
                    return JobEnd::Superseded(e.to_string());
                }
                let cancelled = matches!(e, ServerError::Conflict(_));
                let status = if cancelled { JobStatus::Cancelled } else { JobStatus::Failed };
                JobEnd::Open(JobOutcome { status, answer: None, error: Some(e.to_string()) })
            }
            Ok(started) => {
                self.running.insert(job.id, started.id);
                if let Err(e) = self.store.set_job_execution(job.id, holder, started.id).await {
                    tracing::warn!(job = %job.id, error = %e, "cannot record the job's execution");
                }
                let mut done = started.done.clone();
                let renew = self.config.lease / 3;
                let record = loop {
                    let settled = done.borrow().clone();
                    if settled.is_some() {
                        break settled;
                    }
                    tokio::select! {
                        changed = done.changed() => {
                            if changed.is_err() {
                                break done.borrow().clone();
                            }
                        }
                        _ = tokio::time::sleep(renew) => {
                            let until = now_micros() + self.config.lease.as_micros() as i64;
                            match self.store.heartbeat_job(job.id, holder, until).await {
                                Ok(Some(j)) if j.cancel_requested => started.run.cancel.cancel(),
                                Ok(Some(_)) => {}
                                // The lease is gone (reported interrupted, or taken by
                                // a later delivery, which owns the execution now): stop.
                                Ok(None) => self.executions.abandon(&started.run),
                                Err(e) => tracing::warn!(job = %job.id, error = %e, "cannot renew the job's lease"),
                            }
                        }
                    }
                };
                self.running.remove(&job.id);
                match record {
                    None => JobEnd::Open(JobOutcome {
                        status: JobStatus::Failed,
                        answer: None,
                        error: Some("the execution ended without a record".into()),
                    }),
                    Some(r) => self.ended(job.id, holder, &r).await,
                }
            }
        }
    }

    /// Waits for a job's execution to start, renewing the job's lease
    /// meanwhile; a cancel request, or the lease lost, stops the wait.
    async fn renewing(
        &self,
        job: &JobRecord,
        holder: &str,
        start: impl std::future::Future<Output = Result<Started, ServerError>>,
    ) -> Result<Started, ServerError> {
        let mut start = std::pin::pin!(start);
        loop {
            tokio::select! {
                started = &mut start => return started,
                _ = tokio::time::sleep(self.config.lease / 3) => {
                    let until = now_micros() + self.config.lease.as_micros() as i64;
                    match self.store.heartbeat_job(job.id, holder, until).await {
                        Ok(Some(j)) if !j.cancel_requested => {}
                        Ok(_) => {
                            return Err(ServerError::Conflict(
                                "cancelled, or taken by another delivery, before it started".into(),
                            ));
                        }
                        Err(e) => tracing::warn!(job = %job.id, error = %e, "cannot renew the job's lease"),
                    }
                }
            }
        }
    }

    /// How a job whose execution ended stands: settled with it (the
    /// settlement's transaction wrote the job too), left to its caller
    /// (another delivery took it, or the execution was handed back), or
    /// still RUNNING under `holder` because the settlement could not be
    /// stored.
    async fn ended(&self, id: Uuid, holder: &str, record: &ExecutionRecord) -> JobEnd {
        let outcome = JobOutcome::of_execution(record);
        match self.store.get_job(id).await {
            Ok(Some(job)) if job.status.is_terminal() => JobEnd::Settled(JobOutcome::of_job(&job)),
            Ok(Some(job))
                if job.lease.as_ref().is_some_and(|l| l.worker == holder)
                    && !(record.status == ExecutionStatus::Interrupted && self.stopping()) =>
            {
                JobEnd::Unwritten(match &record.error_message {
                    Some(why) if record.status == ExecutionStatus::Interrupted => why.clone(),
                    _ => "the settlement of its execution could not be stored".into(),
                })
            }
            Ok(_) => JobEnd::Open(outcome),
            Err(e) => JobEnd::Unwritten(format!("cannot read the job back: {e}")),
        }
    }

    /// Settles a job held by `holder`; `false` if it was not (someone else
    /// took or settled it).
    pub async fn settle(&self, id: Uuid, holder: &str, outcome: &JobOutcome) -> bool {
        match self.store.finish_job(id, holder, outcome).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(job = %id, "the job was settled by someone else");
                false
            }
            Err(e) => {
                tracing::error!(job = %id, error = %e, "cannot settle the job");
                false
            }
        }
    }

    /// Settles a RUNNING job whose lease lapsed while the queue holds its
    /// result (its delivery ended, its settlement was lost): from its
    /// execution when that ended, else FAILED with the reason.
    pub async fn settle_orphan(&self, job: &JobRecord) {
        let holder = format!("{}#sweep", self.worker_id);
        let until = now_micros() + self.config.lease.as_micros() as i64;
        let Ok(Some(taken)) = self.store.take_job(job.id, &holder, until).await else { return };
        if taken.status.is_terminal() {
            return;
        }
        let reason = "its last delivery ended without settling the job (the worker died)";
        let execution = match taken.execution_id {
            Some(id) => self.store.get_execution(id).await.ok().flatten(),
            None => None,
        };
        tracing::warn!(job = %job.id, "a job left RUNNING by a dead delivery is settled");
        let outcome = match execution {
            Some(e) if ended_for_good(e.status) => JobOutcome::of_execution(&e),
            Some(e) if !e.status.is_terminal() => {
                // The execution and its job end together (one transaction).
                let job = JobSettlement { id: job.id, holder, outcome: failed_outcome(reason) };
                self.executions.end_stored(e, ExecutionStatus::Failed, reason, Some(job)).await;
                return;
            }
            _ => failed_outcome(reason),
        };
        self.settle(job.id, &holder, &outcome).await;
    }

    /// Stops claiming jobs (running ones are interrupted by the executions' shutdown).
    pub fn stop(&self) {
        self.stop.cancel();
        self.wake.notify_waiters();
    }
}

/// Whether a job's execution ended in a way a later delivery must not redo:
/// completed, failed or cancelled (an interrupted one is run again).
fn ended_for_good(status: ExecutionStatus) -> bool {
    matches!(
        status,
        ExecutionStatus::Completed | ExecutionStatus::Failed | ExecutionStatus::Cancelled
    )
}

/// A FAILED outcome with `reason`.
fn failed_outcome(reason: &str) -> JobOutcome {
    JobOutcome { status: JobStatus::Failed, answer: None, error: Some(reason.to_string()) }
}

/// How a job's run ended, for its caller.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEnd {
    /// Its execution's settlement ended the job too (one transaction).
    Settled(JobOutcome),
    /// Nothing settled it (no execution ran, or one that ended earlier
    /// answers it): the caller settles it with [`Jobs::settle`].
    Open(JobOutcome),
    /// The database was away past the store's retries: the job is still
    /// RUNNING, its execution unsettled, and a later delivery (from the
    /// execution's checkpoint) settles it. Why.
    Unwritten(String),
    /// A later delivery runs the job's execution (the store refused this
    /// delivery's attempt): that delivery settles the job. Why.
    Superseded(String),
}
