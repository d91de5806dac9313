//! [`JobWorker`]: pulls jobs one at a time, runs each through a [`JobHandler`]
//! while sending heartbeats, records the one result, then acks.
//!
//! Per delivery `n` of a job (counted in the results bucket as it reaches a
//! worker; see [`JobQueue`]):
//! * a result is recorded already (the previous worker recorded it and died
//!   before its ack): ack, nothing runs again;
//! * `n > max_attempts` (the previous worker died on the last attempt):
//!   record FAILED with the reason, ack;
//! * otherwise run the handler, with an `AckKind::Progress` heartbeat every
//!   `heartbeat`; [`Handled::Finished`] is recorded and acked;
//!   [`Handled::GiveBack`] is a NAK (redelivered at once, to any worker), or on
//!   the last attempt FAILED with its reason; [`Handled::Superseded`] (a later
//!   delivery runs it now) records nothing and leaves the message to that
//!   delivery.
//!
//! A worker whose job was redelivered while it was slow (no heartbeat for
//! `ack_wait`) still records when it finishes: the record is refused
//! ([`Recorded::Lost`]) and its result is dropped, so one result stands.
//! NATS restarting is a pull that fails: the worker waits and pulls again
//! (the client reconnects by itself).

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use futures::StreamExt;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::error::QueueError;
use crate::job::{Handled, Job, JobResult, QueuedJobEnd, Recorded};
use crate::queue::JobQueue;

/// Runs one job's delivery.
pub trait JobHandler: Send + Sync {
    /// Runs `job`; `attempt` is its delivery number, from 1.
    fn handle(&self, job: Job, attempt: u32) -> BoxFuture<'_, Handled>;

    /// Whether this delivery is a copy nobody needs (a sweep republished a
    /// job that a live delivery holds meanwhile): it is acked and dropped
    /// before it counts as an attempt. By default, never.
    fn superfluous<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, bool> {
        let _ = job;
        Box::pin(async { false })
    }

    /// Told when the worker records `job` FAILED without the handler having
    /// finished it (every delivery died or gave it back), before the result
    /// is recorded, so the embedder's own record of the job can say so too.
    /// By default, nothing.
    fn failed<'a>(&'a self, job: &'a Job, attempt: u32, reason: &'a str) -> BoxFuture<'a, ()> {
        let _ = (job, attempt, reason);
        Box::pin(async {})
    }
}

/// How long a pull waits for a job before looking at the cancel token again.
const PULL_EXPIRES: Duration = Duration::from_millis(500);
/// The pause after a failed pull (NATS down or restarting).
const PULL_RETRY: Duration = Duration::from_millis(250);

/// Aborts the heartbeat task when the delivery ends or is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One worker of the queue (run several per process for parallel jobs).
pub struct JobWorker {
    queue: JobQueue,
    handler: Arc<dyn JobHandler>,
    name: String,
    heartbeat: Duration,
}

impl JobWorker {
    /// A worker named `name` (recorded with its results).
    pub fn new(queue: JobQueue, handler: Arc<dyn JobHandler>, name: impl Into<String>) -> Self {
        let heartbeat = queue.config.heartbeat;
        Self { queue, handler, name: name.into(), heartbeat }
    }

    /// Overrides the queue's heartbeat interval for this worker.
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// Pulls and runs jobs until `stop` is cancelled.
    pub async fn run(&self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            let batch =
                self.queue.consumer.batch().max_messages(1).expires(PULL_EXPIRES).messages().await;
            let mut batch = match batch {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(worker = %self.name, error = %e, "pulling a job failed; trying again");
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(PULL_RETRY) => continue,
                    }
                }
            };
            loop {
                let next = tokio::select! {
                    _ = stop.cancelled() => return,
                    next = batch.next() => next,
                };
                match next {
                    None => break,
                    Some(Ok(message)) => {
                        if let Err(e) = self.deliver(message).await {
                            tracing::warn!(worker = %self.name, error = %e, "a job's delivery failed; NATS redelivers it");
                            tokio::time::sleep(PULL_RETRY).await;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(worker = %self.name, error = %e, "pulling a job failed; trying again");
                        tokio::time::sleep(PULL_RETRY).await;
                        break;
                    }
                }
            }
        }
    }

    async fn deliver(&self, message: Message) -> Result<(), QueueError> {
        let job: Job = match serde_json::from_slice(&message.payload) {
            Ok(job) => job,
            Err(e) => {
                // not a job: nobody could ever run it, and it has no id to record under
                tracing::warn!(worker = %self.name, error = %e, "dropping a message that is not a job");
                return message.ack_with(AckKind::Term).await.map_err(|e| QueueError::js("ack", e));
            }
        };
        if self.queue.result(&job.id).await?.is_some() || self.handler.superfluous(&job).await {
            return message.ack().await.map_err(|e| QueueError::js("ack", e));
        }
        let attempt = self.queue.count_delivery(&job.id).await?;
        let max = self.queue.config.max_attempts;
        if attempt > max {
            let reason = format!(
                "no worker finished the job in {max} deliveries: the last one stopped sending heartbeats (the worker died or lost NATS)"
            );
            self.handler.failed(&job, attempt, &reason).await;
            return self.settle(&message, &job, attempt, QueuedJobEnd::Failed { reason }).await;
        }
        let message = Arc::new(message);
        // stops with the delivery, however it ends (even when this worker's task is dropped)
        let _heartbeat = AbortOnDrop({
            let message = Arc::clone(&message);
            let every = self.heartbeat;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = message.ack_with(AckKind::Progress).await {
                        tracing::warn!(error = %e, "a job's heartbeat failed");
                    }
                }
            })
        });
        let handled = self.handler.handle(job.clone(), attempt).await;
        drop(_heartbeat);
        match handled {
            Handled::Finished(outcome) => self.settle(&message, &job, attempt, outcome).await,
            Handled::GiveBack(reason) if attempt >= max => {
                let reason = format!("given back on each of {max} deliveries; the last: {reason}");
                self.handler.failed(&job, attempt, &reason).await;
                self.settle(&message, &job, attempt, QueuedJobEnd::Failed { reason }).await
            }
            Handled::GiveBack(_) => {
                message.ack_with(AckKind::Nak(None)).await.map_err(|e| QueueError::js("nak", e))
            }
            Handled::Superseded(reason) => {
                tracing::info!(worker = %self.name, job = %job.id, attempt, reason, "a later delivery runs the job: this one ends without a word");
                Ok(())
            }
        }
    }

    /// Records the result (first one wins), then acks.
    async fn settle(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        outcome: QueuedJobEnd,
    ) -> Result<(), QueueError> {
        let result =
            JobResult { job_id: job.id.clone(), attempt, worker: self.name.clone(), outcome };
        match self.queue.record(&result).await? {
            Recorded::First | Recorded::Again => {}
            Recorded::Lost { winner_attempt } => tracing::info!(
                worker = %self.name,
                job = %job.id,
                attempt,
                winner_attempt,
                "the job was redelivered and finished elsewhere first: this result is dropped"
            ),
        }
        message.ack().await.map_err(|e| QueueError::js("ack", e))
    }
}
