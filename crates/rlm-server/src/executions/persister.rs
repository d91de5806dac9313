//! The task that stores an execution's trace as it is produced, so a crash
//! keeps what happened, and tells the settlement how far it got.
//!
//! An event is never dropped while the store may yet take it: a batch the
//! store could not write (the database away past its retries) is written
//! again until it is stored, so a checkpoint (which waits for the trace it
//! covers) never covers a hole. A batch refused because a later delivery
//! runs the execution now stops the run: this attempt's work is that one's.
//!
//! An unannounced execution (`POST /api/execute`: its client hears of it
//! only at its end) that starts at once may be *deferred*: its record is not
//! stored when it starts but once it has run [`DEFER_FOR`] (a short
//! execution, the common one, is then written once, at its settlement,
//! instead of three times: start, trace, end). Until then its trace events
//! are held here. Nothing acknowledged is at risk: a crash before the
//! record is stored loses an execution no client was told of.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::bus::{BusEvent, ExecutionBus};
use crate::store::{EncodedEvent, ExecutionRecord, Store, StoreError};

/// How long a deferred execution runs before its record is stored.
pub(crate) const DEFER_FOR: Duration = Duration::from_millis(250);

/// The persister of one execution.
pub(crate) struct Persister {
    handle: tokio::task::JoinHandle<()>,
    /// The id after the last event handled.
    stored: watch::Receiver<u64>,
    /// Told when the execution is settling: a deferred record is then left
    /// to the settlement, and the held events are stored at once.
    settling: Arc<Notify>,
}

impl Persister {
    /// Starts storing `bus`'s trace events for execution `id`. `deferred`:
    /// the record not stored yet, stored after [`DEFER_FOR`] if the
    /// execution is still running.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        bus: &Arc<ExecutionBus>,
        (id, stop_run): (Uuid, CancellationToken),
        deferred: Option<ExecutionRecord>,
    ) -> Persister {
        let superseded = Superseded { seen: AtomicBool::new(false), stop_run };
        let (stored_tx, stored) = watch::channel(0u64);
        let settling = Arc::new(Notify::new());
        let told = Arc::clone(&settling);
        let events = bus.subscribe(0);
        let handle = tokio::spawn(async move {
            let mut batches = std::pin::pin!(events.ready_chunks(512));
            let mut deferred = deferred;
            let mut held: Vec<Arc<BusEvent>> = Vec::new();
            let wait = tokio::time::sleep(DEFER_FOR);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    batch = batches.next() => {
                        let Some(batch) = batch else { break };
                        if deferred.is_some() {
                            held.extend(batch);
                            continue;
                        }
                        store_events(store.as_ref(), (id, &superseded), &batch).await;
                        let consumed = batch.last().map_or(0, |e| e.id + 1);
                        stored_tx.send_replace(consumed);
                    }
                    () = &mut wait, if deferred.is_some() => {
                        if let Some(record) = deferred.take()
                            && let Err(e) = store.put_execution_unacknowledged(&record).await
                        {
                            tracing::warn!(execution = %id, error = %e, "cannot store the running execution");
                        }
                        release(store.as_ref(), (id, &superseded), &mut held, &stored_tx).await;
                    }
                    () = told.notified(), if deferred.is_some() => {
                        // The settlement stores the record with its end.
                        deferred = None;
                        release(store.as_ref(), (id, &superseded), &mut held, &stored_tx).await;
                    }
                }
            }
            release(store.as_ref(), (id, &superseded), &mut held, &stored_tx).await;
        });
        Persister { handle, stored, settling }
    }

    /// How far the stored trace reaches (the id after the last event stored).
    pub(crate) fn stored(&self) -> watch::Receiver<u64> {
        self.stored.clone()
    }

    /// Waits until every event before id `pushed` is stored (a deferred
    /// execution's held events are stored now, its record left to the
    /// settlement).
    pub(crate) async fn stored_up_to(&mut self, pushed: u64) {
        self.settling.notify_one();
        let _ = self.stored.wait_for(|&n| n >= pushed).await;
    }

    /// Waits for the task to end (after the bus closed).
    pub(crate) async fn join(self) {
        let _ = self.handle.await;
    }
}

/// Stores the held events.
async fn release(
    store: &dyn Store,
    execution: (Uuid, &Superseded),
    held: &mut Vec<Arc<BusEvent>>,
    stored_tx: &watch::Sender<u64>,
) {
    if held.is_empty() {
        return;
    }
    let batch = std::mem::take(held);
    store_events(store, execution, &batch).await;
    stored_tx.send_replace(batch.last().map_or(0, |e| e.id + 1));
}

/// How long a batch is written again while the store stays away (the
/// store retries each write itself too): past it, the batch is given up
/// and logged (a later checkpoint covering it is refused, see
/// [`crate::store::CheckpointWrite`]).
const GIVE_UP_AFTER: Duration = Duration::from_secs(600);
/// The pause between two writes of a batch the store could not take.
const WRITE_AGAIN: Duration = Duration::from_secs(1);

/// Whether a later attempt runs the execution now (a batch was refused),
/// and the run stopped when it is found.
struct Superseded {
    seen: AtomicBool,
    stop_run: CancellationToken,
}

/// Stores the trace events of `batch` (frames that are not trace events
/// are skipped), again while the store is away; refused because a later
/// attempt runs the execution, the run is stopped and nothing more stored.
async fn store_events(
    store: &dyn Store,
    (id, superseded): (Uuid, &Superseded),
    batch: &[Arc<BusEvent>],
) {
    if superseded.seen.load(Ordering::Relaxed) {
        return;
    }
    // The JSON the log framed its listeners' events with: each event is
    // encoded once, not again for the store.
    let trace: Result<Vec<EncodedEvent<'_>>, _> =
        batch.iter().filter_map(|e| encoded(e).transpose()).collect();
    let trace = match trace {
        Ok(trace) => trace,
        Err(e) => {
            tracing::warn!(execution = %id, error = %e, "cannot encode trace events");
            Vec::new()
        }
    };
    if trace.is_empty() {
        return;
    }
    let started = tokio::time::Instant::now();
    loop {
        match store.append_trace_encoded(id, &trace).await {
            Ok(()) => return,
            Err(e @ StoreError::Superseded { .. }) => {
                tracing::warn!(execution = %id, error = %e, "a later delivery runs the execution: this run stops");
                superseded.seen.store(true, Ordering::Relaxed);
                superseded.stop_run.cancel();
                return;
            }
            Err(e) if e.is_unavailable() && started.elapsed() < GIVE_UP_AFTER => {
                tracing::warn!(execution = %id, error = %e, "cannot store trace events yet: writing them again");
                tokio::time::sleep(WRITE_AGAIN).await;
            }
            Err(e) => {
                tracing::error!(execution = %id, error = %e, "cannot store trace events");
                return;
            }
        }
    }
}

/// A log event to store: its trace event's JSON at its position (the log's
/// own encoding when it has one); `None` for frames that are not trace events.
fn encoded(e: &BusEvent) -> Result<Option<EncodedEvent<'_>>, StoreError> {
    match (e.trace_json(), &e.trace) {
        (Some(json), _) => Ok(Some(EncodedEvent { position: e.id, json: json.into() })),
        (None, Some(trace)) => {
            let streamed = crate::store::StreamedEvent { position: e.id, event: trace.clone() };
            EncodedEvent::encode(&streamed).map(Some)
        }
        (None, None) => Ok(None),
    }
}
