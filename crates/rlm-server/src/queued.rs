//! Jobs delivered by the NATS JetStream queue (a cluster's `worker` and
//! `all` processes with `--nats-url`): [`QueuedJobs`] is rlm-queue's
//! [`JobHandler`] over [`Jobs`]. A delivery takes the job in the store under
//! a lease named by this worker and the attempt (`worker-…#2`), so a dead
//! or slow earlier holder can no longer settle it; runs it as a durable
//! execution (a checkpoint after each root step; a later delivery goes on
//! with the execution the earlier one left unfinished, from its last
//! checkpoint: see [`crate::engine::durable`]); settles it. rlm-queue records the one result per job (keyed by job id
//! and attempt), heartbeats while it runs, and after the last delivery
//! records FAILED, which [`QueuedJobs::failed`] writes to the store too.
//!
//! The execution's settlement ends the job in the same transaction (see
//! [`crate::store::SettledExecution::job`]); a delivery acks only once that
//! is stored. When the database stays away past the store's retries, the
//! delivery is given back instead (NAK), the job left RUNNING and its
//! execution unsettled: a later delivery goes on from the execution's last
//! checkpoint and settles both, so a job never ends COMPLETE with its
//! execution unsettled, nor FAILED for a fault the retries outlived.
//!
//! An execution an `api` process queued (payload `kind: execution`) is run
//! by [`crate::executions::Executions::run_delivered`].
//!
//! A worker told to stop hands back the job it was running: the execution
//! stops at its next step boundary (once that step's checkpoint is stored;
//! after the shutdown grace, the step in flight is abandoned), is left
//! resumable (not settled, its checkpoints kept), its session's lease is
//! given up, and the job is NAKed: another worker goes on with the same
//! execution from its last checkpoint. A delivery whose job a later
//! delivery took (its lease lost) abandons the execution the same way.

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_queue::{Handled, Job, JobHandler, JobQueue, JobWorker, QueuedJobEnd};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::jobs::{JobEnd, Jobs};
use crate::leases::micros;
use crate::store::{ExecutionStatus, JobOutcome, JobSettlement, JobStatus, now_micros};

/// See the module docs.
pub struct QueuedJobs {
    jobs: Arc<Jobs>,
    queue: JobQueue,
}

/// Starts one puller per job worker (`--workers`), until `stop`.
pub fn spawn(jobs: Arc<Jobs>, queue: JobQueue, stop: CancellationToken) -> Vec<JoinHandle<()>> {
    let workers = jobs.workers();
    let handler: Arc<dyn JobHandler> =
        Arc::new(QueuedJobs { jobs: Arc::clone(&jobs), queue: queue.clone() });
    (0..workers)
        .map(|n| {
            let worker = JobWorker::new(
                queue.clone(),
                Arc::clone(&handler),
                format!("{}/{n}", jobs.worker_id()),
            );
            let stop = stop.clone();
            tokio::spawn(async move { worker.run(stop).await })
        })
        .collect()
}

impl QueuedJobs {
    fn holder(&self, attempt: u32) -> String {
        format!("{}#{attempt}", self.jobs.worker_id())
    }

    async fn run(&self, job: &Job, attempt: u32) -> Handled {
        let Ok(id) = Uuid::parse_str(&job.id) else {
            return Handled::Finished(QueuedJobEnd::Failed { reason: "not a job id".into() });
        };
        if self.jobs.stopping() {
            return Handled::GiveBack("the worker is stopping".into());
        }
        let holder = self.holder(attempt);
        let until = now_micros() + micros(self.jobs.lease());
        let record = match self.jobs.store().take_job(id, &holder, until).await {
            Ok(Some(record)) => record,
            Ok(None) => {
                return Handled::Finished(QueuedJobEnd::Failed {
                    reason: format!("job {id} is not in the store"),
                });
            }
            Err(e) => return Handled::GiveBack(format!("the store: {e}")),
        };
        if record.status.is_terminal() {
            // Cancelled before it ran, or settled by a delivery that died before its ack.
            return Handled::Finished(QueuedJobEnd::Done { value: end_value(record.status) });
        }
        tracing::info!(job = %id, attempt, worker = %holder, "running a queued job");
        let outcome = match self.jobs.execute(&record, &holder, Some(attempt)).await {
            JobEnd::Settled(outcome) => outcome,
            // Not acked: a later delivery settles it from the execution's checkpoint.
            JobEnd::Unwritten(why) => return Handled::GiveBack(why),
            JobEnd::Superseded(why) => return Handled::Superseded(why),
            JobEnd::Open(outcome) => {
                if outcome.status == JobStatus::Interrupted && self.jobs.stopping() {
                    return Handled::GiveBack("the worker stopped while the job ran".into());
                }
                match self.jobs.store().finish_job(id, &holder, &outcome).await {
                    Ok(true) => {}
                    // A later delivery took the job while this one ran: its
                    // end is that delivery's to record.
                    Ok(false) => match self.jobs.store().get_job(id).await {
                        Ok(Some(job)) if !job.status.is_terminal() => {
                            return Handled::Superseded("a later delivery holds the job".into());
                        }
                        _ => {}
                    },
                    Err(e) => return Handled::GiveBack(format!("cannot settle the job: {e}")),
                }
                outcome
            }
        };
        Handled::Finished(QueuedJobEnd::Done { value: end_value(outcome.status) })
    }
}

/// What the queue's result of a job says (the store keeps the answer).
fn end_value(status: JobStatus) -> serde_json::Value {
    serde_json::to_value(status).unwrap_or_default()
}

impl JobHandler for QueuedJobs {
    fn handle(&self, job: Job, attempt: u32) -> BoxFuture<'_, Handled> {
        Box::pin(async move {
            if job.payload["kind"] == "execution" {
                let executions = Arc::clone(self.jobs.executions());
                return executions.run_delivered(&self.queue, &job, attempt).await;
            }
            self.run(&job, attempt).await
        })
    }

    /// A sweep's copy (`copy` in its payload) of a job that a live
    /// delivery holds (RUNNING under a lease that has not lapsed, by
    /// [`crate::leases::lapsed_before`]): dropped before it counts as an
    /// attempt, so the copy neither steals the job nor spends its attempts.
    /// A copy of a job nobody holds runs it.
    fn superfluous<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            if job.payload.get("copy").is_none() {
                return false;
            }
            let Ok(id) = Uuid::parse_str(&job.id) else { return false };
            match self.jobs.store().get_job(id).await {
                Ok(Some(record)) => {
                    let store = self.jobs.store().as_ref();
                    let lapsed = crate::leases::lapsed_before(store, self.jobs.lease());
                    record.status == JobStatus::Running
                        && record
                            .lease
                            .as_ref()
                            .is_some_and(|l| lapsed.is_none_or(|before| l.expires_at >= before))
                }
                _ => false,
            }
        })
    }

    fn failed<'a>(&'a self, job: &'a Job, attempt: u32, reason: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Ok(id) = Uuid::parse_str(&job.id) else { return };
            if job.payload["kind"] == "execution" {
                if let Ok(Some(record)) = self.jobs.store().get_execution(id).await
                    && !record.status.is_terminal()
                {
                    let executions = self.jobs.executions();
                    executions.end_stored(record, ExecutionStatus::Failed, reason, None).await;
                }
                return;
            }
            let holder = self.holder(attempt);
            let until = now_micros() + micros(self.jobs.lease());
            match self.jobs.store().take_job(id, &holder, until).await {
                Ok(Some(record)) if !record.status.is_terminal() => {
                    let outcome = JobOutcome {
                        status: JobStatus::Failed,
                        answer: None,
                        error: Some(reason.to_string()),
                    };
                    // The lease sweep leaves an open job's execution to its
                    // next delivery; there is none now, so it ends here,
                    // with its job, in one transaction.
                    let open_execution = match record.execution_id {
                        Some(execution) => self.jobs.store().get_execution(execution).await,
                        None => Ok(None),
                    };
                    match open_execution {
                        Ok(Some(e)) if !e.status.is_terminal() => {
                            let job = JobSettlement { id, holder: holder.clone(), outcome };
                            let executions = self.jobs.executions();
                            executions
                                .end_stored(e, ExecutionStatus::Failed, reason, Some(job))
                                .await;
                        }
                        _ => {
                            self.jobs.settle(id, &holder, &outcome).await;
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(job = %id, error = %e, "cannot record the job FAILED"),
            }
        })
    }
}
