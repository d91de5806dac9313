//! The outbox relay and the job sweeps (issue #55), run by every process
//! that accepts work for the queue (`api`, `all` with a queue).
//!
//! * A submitted job (or an execution an `api` queues) is committed with
//!   its outbox entry, never published by the request: the request answers
//!   once the transaction commits, whatever NATS does. The relay publishes
//!   the outbox to JetStream (message id = job id, so JetStream drops a
//!   second publication inside its duplicate window) and deletes each entry
//!   once JetStream acked it. It is woken at once by a submission and polls
//!   otherwise (`jobs.outbox_poll_ms`). Processes sharing PostgreSQL relay
//!   one at a time (an advisory lock per round).
//! * Submissions are refused with 503 and `Retry-After` (rather than
//!   accepted without bound) while NATS has been unreachable for longer
//!   than `jobs.queue_down_secs`, or while the outbox holds more than
//!   `jobs.max_outbox_backlog` entries: see `crate::queue_gate::QueueGate`.
//! * The relay that holds the lock sweeps every `jobs.sweep_secs`: a
//!   PENDING job older than `jobs.pending_republish_secs` with no outbox
//!   entry (its message may be lost) and a RUNNING job whose lease ended
//!   more than half an ack wait ago (its worker died and NATS has not
//!   delivered it again: the message is gone) get a copy published, under
//!   a message id of its own (`{job}-r{n}`). A copy is harmless: a worker
//!   drops it while a live delivery holds the job (see
//!   [`crate::queued`]), a job already ended is acked as it is, and a job
//!   whose attempts are spent is FAILED with the reason by the copy's
//!   delivery. A RUNNING job whose queue result is recorded (the delivery
//!   finished, its settlement was lost) is settled from its execution.
//!   Expired idempotency keys are deleted by the same sweep.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rlm_queue::{Job, JobQueue};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::JobsConfig;
use crate::error::ServerError;
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::queue_gate::QueueGate;
use crate::store::{JobRecord, OutboxEntry, Publish, Store, now_micros};

/// Entries one relay round publishes at most.
const BATCH: usize = 256;
/// How long one publication may take before the round gives up on NATS.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(3);
/// Jobs one sweep republishes at most.
const SWEEP_BATCH: usize = 256;

/// See the module docs.
pub struct Relay {
    store: Arc<dyn Store>,
    queue: JobQueue,
    gate: Arc<QueueGate>,
    jobs: Arc<Jobs>,
    metrics: Arc<Metrics>,
    config: JobsConfig,
    ack_wait: Duration,
    /// Jobs this relay copied, and when (a copy waiting for a worker is not copied again).
    copied: Mutex<HashMap<Uuid, Instant>>,
}

impl Relay {
    pub fn new(
        jobs: Arc<Jobs>,
        queue: JobQueue,
        gate: Arc<QueueGate>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let config = jobs.config().clone();
        Relay {
            store: Arc::clone(jobs.store()),
            ack_wait: queue.config().ack_wait,
            queue,
            gate,
            jobs,
            metrics,
            config,
            copied: Mutex::new(HashMap::new()),
        }
    }

    /// Runs the relay until `stop`.
    pub fn spawn(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move { self.run(stop).await })
    }

    async fn run(self, stop: CancellationToken) {
        let mut last_sweep: Option<Instant> = None;
        let mut again = true;
        while !stop.is_cancelled() {
            if !again {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = self.gate.woken() => {}
                    _ = tokio::time::sleep(self.config.outbox_poll) => {}
                }
            }
            self.gate.observe(self.queue.is_connected());
            let leader = match self.round().await {
                Ok((leader, full)) => {
                    again = full;
                    leader
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox relay cannot read the store");
                    again = false;
                    false
                }
            };
            if leader && last_sweep.is_none_or(|at| at.elapsed() >= self.config.sweep_every) {
                last_sweep = Some(Instant::now());
                self.sweep().await;
            }
        }
    }

    /// One relay round; whether this process leads, and whether the round was full.
    async fn round(&self) -> Result<(bool, bool), ServerError> {
        let queue = self.queue.clone();
        let publish: Box<Publish> = Box::new(move |entry: OutboxEntry| {
            let queue = queue.clone();
            futures::FutureExt::boxed(async move {
                let job = Job { id: entry.id.to_string(), payload: entry.payload };
                let sent = tokio::time::timeout(
                    PUBLISH_TIMEOUT,
                    queue.enqueue_as(&job, &entry.message_id),
                )
                .await;
                match sent {
                    Ok(Ok(())) => true,
                    Ok(Err(e)) => {
                        tracing::warn!(job = %job.id, error = %e, "cannot publish a job; it stays in the outbox");
                        false
                    }
                    Err(_) => false,
                }
            })
        });
        let round = self.store.relay_outbox(BATCH, &*publish).await?;
        self.metrics.cluster.relay_published.inc_by(round.published);
        self.metrics.cluster.relay_failures.inc_by(round.failed);
        if round.failed > 0 {
            self.gate.observe(false);
        }
        let depth = self.store.outbox_depth().await?;
        self.gate.set_backlog(depth.entries);
        self.metrics.cluster.set_depth(&depth, now_micros());
        Ok((round.leader, round.leader && round.published as usize >= BATCH))
    }

    async fn sweep(&self) {
        let now = now_micros();
        if let Err(e) = self.sweep_pending(now).await {
            tracing::warn!(error = %e, "cannot sweep pending jobs");
        }
        // A running job's lease is judged by the one rule of who is dead: a
        // live worker that could not renew while the store was away keeps it.
        if let Some(lapsed) = crate::leases::lapsed_before(self.store.as_ref(), self.ack_wait)
            && let Err(e) = self.sweep_running(lapsed).await
        {
            tracing::warn!(error = %e, "cannot sweep running jobs");
        }
        let retention = micros_of(self.config.idempotency_retention);
        match self.store.sweep_idempotency_keys(now - retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "expired idempotency keys deleted"),
            Err(e) => tracing::warn!(error = %e, "cannot sweep idempotency keys"),
        }
    }

    /// PENDING jobs published long ago and never started: a copy each.
    async fn sweep_pending(&self, now: i64) -> Result<(), ServerError> {
        let before = now - micros_of(self.config.pending_republish);
        for job in self.store.unannounced_pending_jobs(before, SWEEP_BATCH).await? {
            self.copy(&job, "pending", self.config.pending_republish).await?;
        }
        Ok(())
    }

    /// RUNNING jobs whose lease lapsed (before `lapsed`, the one rule of
    /// who is dead) and that NATS has not delivered again.
    async fn sweep_running(&self, lapsed: i64) -> Result<(), ServerError> {
        let before = lapsed - micros_of(self.ack_wait / 2);
        for job in self.store.lapsed_running_jobs(before, SWEEP_BATCH).await? {
            let recorded = self.queue.result(&job.id.to_string()).await;
            match recorded {
                // Its delivery ended and recorded so; the store missed it.
                Ok(Some(_)) => self.jobs.settle_orphan(&job).await,
                Ok(None) => self.copy(&job, "running", self.ack_wait).await?,
                Err(e) => {
                    tracing::warn!(job = %job.id, error = %e, "cannot read the job's queue result")
                }
            }
        }
        Ok(())
    }

    /// Queues a copy of `job` unless this relay copied it less than `again` ago.
    async fn copy(&self, job: &JobRecord, why: &str, again: Duration) -> Result<(), ServerError> {
        {
            let mut copied = self.copied.lock().unwrap_or_else(|e| e.into_inner());
            copied.retain(|_, at| at.elapsed() < again.max(Duration::from_secs(1)) * 4);
            if copied.get(&job.id).is_some_and(|at| at.elapsed() < again) {
                return Ok(());
            }
            copied.insert(job.id, Instant::now());
        }
        let entry = OutboxEntry::copy(job.id, serde_json::json!({}), now_micros());
        if self.store.add_outbox(&entry).await? {
            tracing::warn!(job = %job.id, status = why, "the job's message seems lost: a copy is queued");
            self.metrics.cluster.sweep_republished.inc();
            self.gate.wake();
        }
        Ok(())
    }
}

fn micros_of(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
