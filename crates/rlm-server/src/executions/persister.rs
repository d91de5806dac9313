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
//! are held here, and one still deferred at its end hands them to its
//! settlement, which stores them in its own transaction (one store write
//! for the whole execution). Nothing acknowledged is at risk: a crash
//! before the record is stored loses an execution no client was told of.
//! On a store other processes share, an unannounced execution's record is
//! stored at its start (the others list it, lease it), and only its trace
//! events are held so ([`Holding::Events`]): a short execution's trace is
//! written once, by its settlement, instead of a transaction per batch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::bus::{BusEvent, ExecutionBus};
use crate::store::{EncodedEvent, ExecutionRecord, Store, StoreError};

/// How long a deferred execution runs before its record is stored.
pub(crate) const DEFER_FOR: Duration = Duration::from_millis(250);

/// What a persister holds back for [`DEFER_FOR`] (or to the settlement,
/// if the execution ends first).
pub(crate) enum Holding {
    /// Nothing: each batch is stored as it comes.
    Nothing,
    /// The trace events (the record is stored).
    Events,
    /// The record, not stored yet, and the trace events.
    Record(Box<ExecutionRecord>),
}

impl Holding {
    fn holds(&self) -> bool {
        !matches!(self, Holding::Nothing)
    }
}

/// The persister of one execution.
pub(crate) struct Persister {
    handle: tokio::task::JoinHandle<()>,
    /// The id after the last event handled.
    stored: watch::Receiver<u64>,
    /// Asks, when the execution is settling, for the events before an id
    /// that are not stored: a deferred execution's held ones (its record
    /// and they are left to the settlement); none otherwise.
    settling: mpsc::UnboundedSender<(u64, oneshot::Sender<Vec<Arc<BusEvent>>>)>,
}

impl Persister {
    /// Starts storing `bus`'s trace events for execution `id`. `holding`:
    /// what is held until [`DEFER_FOR`] has passed with the execution still
    /// running (a record not stored yet is stored then). `hand_over`: the events not stored when
    /// the execution settles are handed to its settlement (not for a
    /// queue's delivery, whose writes a later delivery may refuse), as a
    /// deferred execution's always are.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        bus: &Arc<ExecutionBus>,
        (id, stop_run): (Uuid, CancellationToken),
        holding: Holding,
        hand_over: bool,
    ) -> Persister {
        let superseded = Superseded { seen: AtomicBool::new(false), stop_run };
        let (stored_tx, stored) = watch::channel(0u64);
        let (settling, mut asked) =
            mpsc::unbounded_channel::<(u64, oneshot::Sender<Vec<Arc<BusEvent>>>)>();
        let events = bus.subscribe(0);
        let handle = tokio::spawn(async move {
            let mut batches = std::pin::pin!(events.ready_chunks(512));
            let mut holding = holding;
            let mut held: Vec<Arc<BusEvent>> = Vec::new();
            // The id after the last event received.
            let mut received = 0u64;
            let mut asking = true;
            let wait = tokio::time::sleep(DEFER_FOR);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    batch = batches.next() => {
                        let Some(batch) = batch else { break };
                        received = batch.last().map_or(received, |e| e.id + 1);
                        if holding.holds() {
                            held.extend(batch);
                            continue;
                        }
                        store_events(store.as_ref(), (id, &superseded), &batch).await;
                        stored_tx.send_replace(received);
                    }
                    () = &mut wait, if holding.holds() => {
                        if let Holding::Record(record) = std::mem::replace(&mut holding, Holding::Nothing)
                            && let Err(e) = store.put_execution_unacknowledged(&record).await
                        {
                            tracing::warn!(execution = %id, error = %e, "cannot store the running execution");
                        }
                        release(store.as_ref(), (id, &superseded), &mut held, &stored_tx).await;
                    }
                    request = asked.recv(), if asking => {
                        let Some((pushed, reply)) = request else {
                            asking = false;
                            continue;
                        };
                        if !std::mem::replace(&mut holding, Holding::Nothing).holds() && !hand_over {
                            // Stored as they come: the settlement waits for them.
                            let _ = reply.send(Vec::new());
                            continue;
                        }
                        // The settlement stores the events before `pushed`
                        // not stored yet (and a deferred record) with its end:
                        // each is on the bus already, so the stream yields it now.
                        while received < pushed {
                            let Some(batch) = batches.next().await else { break };
                            received = batch.last().map_or(received, |e| e.id + 1);
                            held.extend(batch);
                        }
                        let upto = held.partition_point(|e| e.id < pushed);
                        let rest = held.split_off(upto);
                        match reply.send(std::mem::replace(&mut held, rest)) {
                            Ok(()) => {
                                stored_tx.send_replace(pushed);
                            }
                            Err(mut back) => {
                                // No settlement to take them: stored here.
                                back.append(&mut held);
                                held = back;
                            }
                        }
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

    /// At the execution's settlement: the events before id `pushed` not
    /// stored yet, which the settlement must store with the record (see
    /// [`Persister::start`]'s `hand_over`); or, with none to hand over,
    /// waits until every event before `pushed` is stored and returns none.
    pub(crate) async fn settling(&mut self, pushed: u64) -> Vec<Arc<BusEvent>> {
        let (reply, handed) = oneshot::channel();
        if self.settling.send((pushed, reply)).is_ok()
            && let Ok(events) = handed.await
            && !events.is_empty()
        {
            return events;
        }
        let _ = self.stored.wait_for(|&n| n >= pushed).await;
        Vec::new()
    }

    /// Waits for the task to end (after the bus closed).
    pub(crate) async fn join(self) {
        let _ = self.handle.await;
    }
}

/// The trace events of `batch` as the store takes them (frames that are
/// not trace events left out).
pub(crate) fn encoded_trace(id: Uuid, batch: &[Arc<BusEvent>]) -> Vec<EncodedEvent<'_>> {
    let trace: Result<Vec<EncodedEvent<'_>>, _> =
        batch.iter().filter_map(|e| encoded(e).transpose()).collect();
    trace.unwrap_or_else(|e| {
        tracing::warn!(execution = %id, error = %e, "cannot encode trace events");
        Vec::new()
    })
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
    let trace = encoded_trace(id, batch);
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
