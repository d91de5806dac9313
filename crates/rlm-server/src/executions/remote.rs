//! Executions run by another process of a cluster. The `api` process admits
//! an execution as it would run it (checks, record, the per-key slot), then
//! queues it on NATS JetStream (the job's id is the execution's) and mirrors
//! it: the worker running it forwards every frame of its live log on a live
//! subject (`exec-{id}`, subscribed before the job is queued, so none is
//! missed), and the api appends them to its own log, with the worker's ids,
//! for its SSE listeners. The store has the last word: when the worker's
//! settled record is there and its end frame did not arrive, the api adds
//! the stored trace it lacks and ends the log from the record. A cancel
//! goes to the worker on `cancel-{id}`. The api's `/metrics` counts the
//! executions it mirrored, from the record and the trace it received (a
//! worker serves the probes only).
//!
//! A worker runs a delivered execution durably: a checkpoint after each
//! root step. A second delivery (its first worker died mid-run) goes on
//! from the last checkpoint (see [`crate::engine::durable`]), its log's ids
//! past every id of the first's ([`crate::bus::attempt_base`]), which the
//! mirror takes at their ids; with no checkpoint it starts over. Whichever
//! delivery settles it first records the one result (a terminal record is
//! final).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use rlm_queue::{Handled, Job, JobQueue, QueuedJobEnd};
use uuid::Uuid;

use super::mirror_order::{MirrorOrder, SentFrame};
use super::*;
use crate::bus::{COMPLETE_EVENT, FAILED_EVENT};
use crate::store::{OutboxEntry, StoreError};

/// The largest inline context an `api` process puts in a job message
/// (NATS' default message limit is 1 MiB); a larger one goes to the blob
/// store, and the message carries its name.
pub const MAX_QUEUED_INLINE_BYTES: usize = 900 * 1024;

/// The largest replay an `api` process puts in a job message (it has no
/// blob of its own: a job, `POST /api/jobs`, keeps a larger one in its
/// record); an inline context goes to the blob store when both do not fit.
pub const MAX_QUEUED_REPLAY_BYTES: usize = 512 * 1024;

/// How long the api waits to subscribe to a queued execution's live frames.
const LIVE_SUBSCRIBE: Duration = Duration::from_secs(2);

/// How often the api reads the store for the end of an execution it mirrors.
const STORE_CHECK: Duration = Duration::from_millis(500);

fn events_topic(id: Uuid) -> String {
    format!("exec-{id}")
}

fn cancel_topic(id: Uuid) -> String {
    format!("cancel-{id}")
}

/// Asks the worker running execution `id` to cancel it (idempotent there).
async fn send_cancel(queue: &JobQueue, id: Uuid) {
    if let Err(e) = queue.publish_live(&cancel_topic(id), b"cancel".to_vec()).await {
        tracing::warn!(execution = %id, error = %e, "cannot send the cancel request to the worker: sent again at the next store check");
    }
}

/// What the queue's result of a delivered execution says (the store keeps the rest).
fn end_value(status: ExecutionStatus) -> serde_json::Value {
    serde_json::Value::from(status.as_str())
}

impl Executions {
    /// The `api` role's start: admit, store, queue, mirror.
    pub(super) async fn start_remote(
        self: &Arc<Self>,
        queue: &JobQueue,
        req: StartRequest,
    ) -> Result<Started, ServerError> {
        let mut req = req;
        // What the replay holds: about its text's size, which the message carries.
        let replay = usize::try_from(req.exchanges.replay_bytes()).unwrap_or(usize::MAX);
        if replay > MAX_QUEUED_REPLAY_BYTES {
            return Err(ServerError::TooLarge {
                what: "the replay (a queued execution's job message carries it; POST /api/jobs takes a larger one)",
                found: replay as u64,
                limit: MAX_QUEUED_REPLAY_BYTES as u64,
            });
        }
        let inline = match &req.target {
            Target::Inline(text) if text.len() as u64 > self.limits.max_context_bytes => {
                return Err(ServerError::TooLarge {
                    what: "the context",
                    found: text.len() as u64,
                    limit: self.limits.max_context_bytes,
                });
            }
            // Too large for a job message: stored below.
            Target::Inline(text) if text.len() + replay > MAX_QUEUED_INLINE_BYTES => None,
            Target::Inline(text) => Some(text.clone()),
            Target::Session(_) | Target::Blob(_) => None,
        };
        // An inline context too large for a job message goes to the blob
        // store the processes share, and the record references it. It is
        // written and fsynced on a blocking thread, not on the runtime's.
        if let Target::Inline(text) = &mut req.target
            && inline.is_none()
        {
            let (contexts, text) = (Arc::clone(&self.contexts), std::mem::take(text));
            let name = tokio::task::spawn_blocking(move || contexts.put_text(&text))
                .await
                .map_err(|e| ServerError::Internal(format!("the blob write stopped: {e}")))??;
            req.target = Target::Blob(name);
        }
        let blob = match &req.target {
            Target::Blob(name) => Some(name.clone()),
            _ => None,
        };
        if let Some(gate) = &self.gate
            && let Err(refused) = gate.admit(queue.is_connected())
        {
            self.metrics.cluster.submissions_refused.inc();
            return Err(refused);
        }
        let AdmittedExecution { mut record, permit, key, .. } = self.admit(&req, None).await?;
        // The queue owns it now: the lease sweep leaves it to the queue's deliveries.
        record.queued = true;
        let id = record.id;
        let frames = self.subscribe_frames(queue, id).await;
        let mut payload = serde_json::json!({ "kind": "execution", "context": inline,
            "context_blob": blob, "output_schema": req.output_schema,
            "otel_trace": req.trace_parent.map(|t| t.encode()) });
        if let Some(fields) = payload.as_object_mut() {
            fields.extend(req.exchanges.payload_fields());
        }
        // Through the outbox, in the transaction that stores the record (and
        // answers the request's key): this answers whatever NATS does, the
        // relay publishes it, and a crash leaves all of it or none.
        let outbox = Some(OutboxEntry::first(id, payload, now_micros()));
        let creating = super::Creating { key, outbox };
        let (live, done_tx) =
            self.register(&record, 0, (super::Start::Acknowledged, creating), false, None).await?;
        if let Some(gate) = &self.gate {
            gate.wake();
        }
        let started = Started {
            id,
            bus: Arc::clone(&live.bus),
            done: live.done.clone(),
            run: Arc::clone(&live),
        };
        let in_flight = self.metrics.in_flight(&record.owner);
        in_flight.inc();
        let this = Arc::clone(self);
        let queue = queue.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let finished = this.mirror(&queue, id, &live, frames).await;
            // A worker serves no `/metrics`: the api counts what it mirrored.
            this.metrics.record_execution(&finished, &live.bus.trace_events());
            let _ = done_tx.send(Some(finished));
            this.forget(id, &live);
            in_flight.dec();
        });
        Ok(started)
    }

    /// The worker's live frames of execution `id`, subscribed before it is
    /// queued; with NATS unreachable (the subscription would wait for it),
    /// none after `LIVE_SUBSCRIBE`: the mirror then follows the store alone.
    async fn subscribe_frames(
        &self,
        queue: &JobQueue,
        id: Uuid,
    ) -> BoxStream<'static, bytes::Bytes> {
        match tokio::time::timeout(LIVE_SUBSCRIBE, queue.subscribe_live(&events_topic(id))).await {
            Ok(Ok(frames)) => frames,
            Ok(Err(e)) => {
                tracing::warn!(execution = %id, error = %e, "no live frames: the store has the result");
                futures::stream::pending().boxed()
            }
            Err(_) => {
                tracing::warn!(execution = %id, "NATS is unreachable: the store has the result");
                futures::stream::pending().boxed()
            }
        }
    }

    /// Mirrors a queued execution's log until it ends; its settled record.
    /// Frames go to the log in id order, a gap closed from the stored
    /// trace ([`MirrorOrder`]).
    async fn mirror(
        &self,
        queue: &JobQueue,
        id: Uuid,
        live: &Live,
        mut frames: BoxStream<'static, bytes::Bytes>,
    ) -> ExecutionRecord {
        let mut order = MirrorOrder::default();
        let mut open = true;
        // A cancel is sent again at every store check until the execution
        // ends: a core NATS message is lost when NATS restarts (or the
        // worker's subscription is between connections) as it goes, and the
        // worker ends the execution at the first that reaches it.
        let mut cancel_wanted = false;
        let mut ended_in_store = false;
        let mut tick = tokio::time::interval(STORE_CHECK);
        loop {
            tokio::select! {
                frame = frames.next(), if open => match frame {
                    None => open = false,
                    Some(bytes) => {
                        let Ok(frame) = serde_json::from_slice::<SentFrame>(&bytes) else { continue };
                        if frame.name == START_EVENT {
                            continue; // this log has its own
                        }
                        if frame.name == COMPLETE_EVENT || frame.name == FAILED_EVENT {
                            if let Ok(Some(record)) = self.store.get_execution(id).await
                                && record.status.is_terminal()
                                && self.fill_from_store(id, live, &mut order, true).await
                            {
                                live.bus.push_sent(frame.id, &frame.name, frame.json, None);
                                live.bus.close();
                                return record;
                            }
                            continue; // the store check ends it
                        }
                        for ready in order.offer(live.bus.next_id(), frame) {
                            live.bus.push_sent(ready.id, &ready.name, ready.json, ready.trace);
                        }
                    }
                },
                _ = live.cancel.cancelled(), if !cancel_wanted => {
                    cancel_wanted = true;
                    send_cancel(queue, id).await;
                }
                _ = tick.tick() => {
                    let Ok(Some(record)) = self.store.get_execution(id).await else { continue };
                    if !record.status.is_terminal() {
                        if cancel_wanted {
                            send_cancel(queue, id).await;
                        }
                        // A gap, or no live frames at all: the store fills in.
                        if order.waiting() || !open {
                            self.fill_from_store(id, live, &mut order, false).await;
                        }
                        continue;
                    }
                    // Ended in the store: its last frames get one more check to arrive live.
                    if !ended_in_store {
                        ended_in_store = true;
                        continue;
                    }
                    if self.fill_from_store(id, live, &mut order, true).await {
                        self.announce(&record, live);
                        return record;
                    }
                }
            }
        }
    }

    /// Pushes what the stored trace closes to the mirror's log (`settled`:
    /// the execution's record is terminal, its trace whole); false when the
    /// store could not be read.
    async fn fill_from_store(
        &self,
        id: Uuid,
        live: &Live,
        order: &mut MirrorOrder,
        settled: bool,
    ) -> bool {
        let Ok(trace) = self.store.trace(id).await else { return false };
        let next = live.bus.next_id();
        let stored = trace.into_iter().filter(|s| s.position >= next).collect();
        for ready in order.fill(next, stored, settled) {
            live.bus.push_sent(ready.id, &ready.name, ready.json, ready.trace);
        }
        true
    }

    /// The `worker` role's run of an execution an `api` process queued.
    pub async fn run_delivered(
        self: &Arc<Self>,
        queue: &JobQueue,
        job: &Job,
        attempt: u32,
    ) -> Handled {
        let Ok(id) = Uuid::parse_str(&job.id) else {
            return Handled::Finished(QueuedJobEnd::Failed {
                reason: "not an execution id".into(),
            });
        };
        if self.shutting_down.load(Ordering::SeqCst) {
            return Handled::GiveBack("the worker is stopping".into());
        }
        let record = match self.store.get_execution(id).await {
            Ok(Some(record)) => record,
            Ok(None) => {
                return Handled::Finished(QueuedJobEnd::Failed {
                    reason: format!("execution {id} is not in the store"),
                });
            }
            Err(e) => return Handled::GiveBack(format!("the store: {e}")),
        };
        if record.status.is_terminal() {
            return Handled::Finished(QueuedJobEnd::Done { value: end_value(record.status) });
        }
        let inline = job.payload["context"].as_str();
        let blob = job.payload["context_blob"].as_str().or(record.context_blob.as_deref());
        let target = match (record.session_id, inline, blob) {
            (Some(session), _, _) => Target::Session(session),
            (None, Some(text), _) => Target::Inline(text.to_string()),
            (None, None, Some(name)) => Target::Blob(name.to_string()),
            (None, None, None) => {
                let why = "the queued execution has neither a session nor a context";
                let status = self.end_stored(record, ExecutionStatus::Failed, why, None).await;
                return Handled::Finished(QueuedJobEnd::Done { value: end_value(status) });
            }
        };
        let exchanges = match ExchangeMode::of_payload(&job.payload) {
            Ok(mode) => mode,
            Err(e) => {
                let why = e.to_string();
                let status = self.end_stored(record, ExecutionStatus::Failed, &why, None).await;
                return Handled::Finished(QueuedJobEnd::Done { value: end_value(status) });
            }
        };
        let req = StartRequest {
            owner: record.owner.clone(),
            target,
            query: record.user_query.clone(),
            model: Some(record.model.clone()),
            job_id: record.job_id,
            interactive: false,
            attempt: Some(attempt),
            job_holder: None,
            output_schema: job.payload.get("output_schema").filter(|s| !s.is_null()).cloned(),
            exchanges,
            // The api's trace (its request's `traceparent`): one trace across the cluster.
            trace_parent: job
                .payload
                .get("otel_trace")
                .and_then(|t| t.as_str())
                .and_then(|t| rlm_core::TraceParent::decode(t).ok()),
            body_charge: None,
            key: None,
        };
        tracing::info!(execution = %id, attempt, "running a queued execution");
        let started = self.start_existing(req, &record).await;
        let started = match started {
            Ok(started) => started,
            Err(ServerError::ShuttingDown) => {
                return Handled::GiveBack("the worker is stopping".into());
            }
            // A later delivery's attempt is stored: it runs and settles the execution.
            Err(e @ ServerError::Store(StoreError::Superseded { .. })) => {
                return Handled::Superseded(e.to_string());
            }
            Err(ServerError::Store(e)) if e.is_unavailable() => {
                return Handled::GiveBack(format!("cannot start the execution: {e}"));
            }
            Err(e) => {
                let status =
                    self.end_stored(record, ExecutionStatus::Failed, &e.to_string(), None).await;
                return Handled::Finished(QueuedJobEnd::Done { value: end_value(status) });
            }
        };
        // Every frame of the live log, in order, to the api's mirror.
        let forward = {
            let queue = queue.clone();
            let frames = started.bus.subscribe(0);
            tokio::spawn(async move {
                let mut frames = std::pin::pin!(frames);
                while let Some(e) = frames.next().await {
                    let frame = SentFrame {
                        id: e.id,
                        name: e.name.clone(),
                        json: e.json.clone(),
                        trace: e.trace.clone(),
                    };
                    let Ok(bytes) = serde_json::to_vec(&frame) else { continue };
                    if let Err(err) = queue.publish_live(&events_topic(id), bytes).await {
                        tracing::warn!(execution = %id, error = %err, "cannot forward a frame");
                    }
                }
            })
        };
        let canceller = match queue.subscribe_live(&cancel_topic(id)).await {
            Ok(mut requests) => {
                let this = Arc::clone(self);
                Some(tokio::spawn(async move {
                    if requests.next().await.is_some() {
                        this.cancel_by_id(id);
                    }
                }))
            }
            Err(e) => {
                tracing::warn!(execution = %id, error = %e, "cancel requests cannot reach this execution");
                None
            }
        };
        let mut done = started.done.clone();
        let status = match done.wait_for(Option::is_some).await {
            Ok(record) => record.as_ref().map_or(ExecutionStatus::Failed, |r| r.status),
            Err(_) => ExecutionStatus::Failed,
        };
        let _ = forward.await;
        if let Some(c) = canceller {
            c.abort();
        }
        if status == ExecutionStatus::Interrupted && self.shutting_down.load(Ordering::SeqCst) {
            // Handed back (see `Executions::shutdown`): another worker goes on with it.
            return Handled::GiveBack("the worker stopped while the execution ran".into());
        }
        // Acked only once its settlement is stored: a database away past
        // the store's retries leaves it to a later delivery.
        match self.store.get_execution(id).await {
            // A later delivery runs it now (this one was frozen past its
            // lease): its writes were refused; the later one answers.
            Ok(Some(stored)) if stored.attempt() > attempt => {
                Handled::Superseded(format!("attempt {} runs the execution", stored.attempt()))
            }
            Ok(Some(stored)) if stored.status.is_terminal() => {
                Handled::Finished(QueuedJobEnd::Done { value: end_value(stored.status) })
            }
            Ok(Some(_)) => Handled::GiveBack("its settlement could not be stored".into()),
            Ok(None) => Handled::Finished(QueuedJobEnd::Done { value: end_value(status) }),
            Err(e) => Handled::GiveBack(format!("the store: {e}")),
        }
    }

    /// Settles a stored execution that does not run here with `status`
    /// (nothing merged into its session), with its job when `job` is given
    /// (one transaction); the status it has now.
    pub async fn end_stored(
        &self,
        mut record: ExecutionRecord,
        status: ExecutionStatus,
        why: &str,
        job: Option<JobSettlement>,
    ) -> ExecutionStatus {
        record.status = status;
        record.error_message = Some(why.to_string());
        record.completed_at = Some(now_micros());
        record.started_at.get_or_insert(record.created_at);
        let settled = SettledExecution { record, state: None, started: None, job };
        match self.store.finish_execution(&settled).await {
            Ok(_) => {}
            Err(e) => {
                tracing::error!(execution = %settled.record.id, error = %e, "cannot settle the execution")
            }
        }
        status
    }
}
