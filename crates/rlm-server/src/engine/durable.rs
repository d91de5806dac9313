//! Durable executions on the store (issue #36): rlm-core's checkpoints after
//! each root step go to [`crate::store::CheckpointStore::save_checkpoint`] ([`StoreCheckpoints`]),
//! and a redelivered execution goes on from its stored checkpoint
//! ([`resume_point`]) rather than from its start. The subcalls a resumed run
//! makes again are answered by the engine's completion cache (on Redis,
//! shared by the cluster's workers).
//!
//! The trace stays one run: a checkpoint is saved only once the trace it
//! covers is stored (the execution's persister has caught up with its live
//! log), so the stored trace always holds the events up to the stored
//! checkpoint. A resumed attempt keeps those, drops what the dead attempt
//! recorded after them (its unfinished step), and continues them: the same
//! run span, the next `seq`, its log's ids past every earlier attempt's
//! ([`crate::bus::attempt_base`]).
//!
//! [`run_resuming`] is the same for an [`Rlm`] run outside a session.

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use rlm_context::Context;
use rlm_core::{Canceller, Checkpoint, CheckpointError, CheckpointSink, Rlm, RunResult};
use rlm_trace::TraceEvent;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::bus::ExecutionBus;
use crate::error::ServerError;
use crate::store::{CheckpointRecord, CheckpointWrite, Store, StoreError, now_micros};

/// A [`CheckpointSink`] writing an execution's checkpoints to the store
/// (the newest step wins: a slow worker's older one changes nothing).
pub struct StoreCheckpoints {
    store: Arc<dyn Store>,
    execution: Uuid,
    /// The queue delivery writing them: a superseded one's are refused.
    attempt: u32,
    /// The execution's live log and how far its persister has stored it:
    /// a checkpoint waits until the log so far is stored.
    stored: Option<(Arc<ExecutionBus>, watch::Receiver<u64>)>,
    /// A stop asked for at a step boundary, and the run's canceller (set
    /// once the run has started): a checkpoint stored while the stop is
    /// asked for ends the run there.
    boundary: Option<(CancellationToken, Arc<OnceLock<Canceller>>)>,
}

impl StoreCheckpoints {
    /// Attempt `attempt`'s checkpoints of `execution`.
    pub fn new(store: Arc<dyn Store>, execution: Uuid, attempt: u32) -> StoreCheckpoints {
        StoreCheckpoints { store, execution, attempt, stored: None, boundary: None }
    }

    /// Each checkpoint waits until `stored` (the persister's next id to
    /// store) has reached the end of `bus` as it was when it was taken.
    pub fn after_trace(mut self, bus: Arc<ExecutionBus>, stored: watch::Receiver<u64>) -> Self {
        self.stored = Some((bus, stored));
        self
    }

    /// Once `requested` is cancelled, the next checkpoint stored cancels the
    /// run through `halt` (a worker handing its job back stops where the
    /// next delivery goes on, with no step in flight to ask again).
    pub fn stop_at_boundary(
        mut self,
        requested: CancellationToken,
        halt: Arc<OnceLock<Canceller>>,
    ) -> Self {
        self.boundary = Some((requested, halt));
        self
    }
}

impl CheckpointSink for StoreCheckpoints {
    fn save(&self, checkpoint: Checkpoint) -> BoxFuture<'static, Result<(), CheckpointError>> {
        let store = Arc::clone(&self.store);
        let (execution, attempt) = (self.execution, self.attempt);
        let gate = self.stored.as_ref().map(|(bus, stored)| (bus.next_id(), stored.clone()));
        let traced = gate.is_some();
        let boundary = self.boundary.clone();
        Box::pin(async move {
            if let Some((end, mut stored)) = gate {
                // The persister ending early (its store failing) does not block the run.
                let _ = stored.wait_for(|&n| n >= end).await;
            }
            let record = CheckpointRecord {
                step: checkpoint.step,
                saved_at: now_micros(),
                body: checkpoint.to_bytes()?,
            };
            // The trace it covers must be stored (checked by the write) when
            // this sink follows a stored trace; a run outside the store's
            // trace (`run_resuming`) covers none.
            let trace_events = match traced {
                true => checkpoint.trace.last().map_or(0, |e| e.seq + 1),
                false => 0,
            };
            let write = CheckpointWrite { record: &record, attempt, trace_events };
            match store.save_checkpoint(execution, &write).await {
                Ok(_) => {}
                // A later delivery runs the execution now: this run stops here.
                Err(e @ StoreError::Superseded { .. }) => {
                    if let Some((_, halt)) = &boundary
                        && let Some(canceller) = halt.get()
                    {
                        canceller.cancel();
                    }
                    return Err(CheckpointError::Sink(e.to_string()));
                }
                Err(e) => return Err(CheckpointError::Sink(e.to_string())),
            }
            if let Some((requested, halt)) = boundary
                && requested.is_cancelled()
                && let Some(canceller) = halt.get()
            {
                canceller.cancel();
            }
            Ok(())
        })
    }
}

/// Where a redelivered execution goes on from: its stored checkpoint and the
/// stored trace up to it (events `0..=n`, gap-free).
#[derive(Debug)]
pub struct ResumePoint {
    pub checkpoint: Checkpoint,
    pub trace: Vec<TraceEvent>,
}

/// Prepares attempt `attempt` (> 1) of `execution` (`query`): its stored
/// checkpoint and the trace up to it, with what the earlier attempt stored
/// after it dropped; or `None`, with the earlier attempt's whole trace
/// dropped, when there is no usable checkpoint (none, another question's,
/// unreadable, or the trace it covers is not all stored): the execution then
/// starts over. Every reason to start over is logged.
pub async fn resume_point(
    store: &dyn Store,
    execution: Uuid,
    query: &str,
) -> Result<Option<ResumePoint>, ServerError> {
    let point = match usable_checkpoint(store, execution, query).await? {
        Ok(point) => Some(point),
        Err(why) => {
            tracing::warn!(%execution, why = %why, "the execution starts over");
            None
        }
    };
    let cut = match &point {
        Some((_, _, last_position)) => last_position + 1,
        None => 0,
    };
    store.drop_trace_from(execution, cut).await?;
    Ok(point.map(|(checkpoint, trace, _)| ResumePoint { checkpoint, trace }))
}

/// The stored checkpoint, the trace up to it and the position of its last
/// event; or why the execution cannot go on from it.
async fn usable_checkpoint(
    store: &dyn Store,
    execution: Uuid,
    query: &str,
) -> Result<Result<(Checkpoint, Vec<TraceEvent>, u64), String>, ServerError> {
    let Some(record) = store.load_checkpoint(execution).await? else {
        return Ok(Err("no checkpoint was stored".into()));
    };
    let checkpoint = match Checkpoint::from_bytes(&record.body) {
        Ok(cp) if cp.query == query => cp,
        Ok(_) => return Ok(Err("the stored checkpoint is another question's".into())),
        Err(e) => return Ok(Err(format!("the stored checkpoint cannot be read: {e}"))),
    };
    if let Err(e) = checkpoint.check_variables() {
        return Ok(Err(e.to_string()));
    }
    let Some(last) = checkpoint.trace.last().map(|e| e.seq) else {
        return Ok(Err("the checkpoint holds no trace".into()));
    };
    let mut trace = Vec::new();
    let mut last_position = 0;
    for s in store.trace(execution).await? {
        if s.event.seq <= last {
            last_position = s.position;
            trace.push(s.event);
        }
    }
    let whole = trace.len() as u64 == last + 1
        && trace.iter().enumerate().all(|(i, e)| e.seq == i as u64)
        && trace.last() == checkpoint.trace.last();
    if !whole {
        return Ok(Err(format!(
            "the stored trace up to the checkpoint is not whole ({} of {} events)",
            trace.len(),
            last + 1
        )));
    }
    Ok(Ok((checkpoint, trace, last_position)))
}

/// Runs `execution` (`query` over `context`) durably: from its stored
/// checkpoint when it has one for this query, else from the start. A stored
/// checkpoint that cannot be read is logged and the run starts over (a job
/// that could never run again would be worse).
pub async fn run_resuming(
    rlm: &Rlm,
    store: Arc<dyn Store>,
    execution: Uuid,
    query: &str,
    context: Context,
) -> Result<RunResult, ServerError> {
    let sink: Arc<dyn CheckpointSink> =
        Arc::new(StoreCheckpoints::new(Arc::clone(&store), execution, 1));
    let from = match store.load_checkpoint(execution).await? {
        Some(record) => match Checkpoint::from_bytes(&record.body) {
            Ok(cp) if cp.query == query => Some(cp),
            Ok(_) => {
                tracing::warn!(%execution, "the stored checkpoint is another query's; starting over");
                None
            }
            Err(e) => {
                tracing::warn!(%execution, error = %e, "unreadable checkpoint; starting over");
                None
            }
        },
        None => None,
    };
    let result = match from {
        Some(cp) => match rlm.resume(cp, context.clone(), Arc::clone(&sink)).await {
            Err(rlm_core::RlmError::Checkpoint(e)) => {
                tracing::warn!(%execution, error = %e, "checkpoint not resumable; starting over");
                rlm.run_durable(query, context, sink).await
            }
            other => other,
        },
        None => rlm.run_durable(query, context, sink).await,
    };
    result.map_err(|e| ServerError::Internal(format!("the execution could not run: {e}")))
}
