//! The store's one writer: every record write goes through one thread, which
//! applies all the writes waiting when it starts a group in ONE sled
//! transaction, then hands the group's acknowledged writes to a flusher
//! thread that answers them once one flush covers them.
//!
//! Why: sled rolls its log buffer twice for every transaction or batch
//! (`PageCache::pin_log`: a buffer write, a `sync_file_range` and a wake of
//! its IO threads each time), and its transactions take one global lock. So
//! N writers each running their own transaction paid 2N log writes and
//! queued on that lock; a group pays two, and a key written by several
//! writes of the group (an owner's aggregate, its time buckets, a shared
//! blob's count) reaches the tree once. Callers still see one transaction
//! per write: a write whose closure aborts is taken out and the group is
//! applied again without it, so its partial changes never land.
//!
//! A write is [`Durability::Acknowledged`] (its caller returns once a flush
//! that began after its group committed has ended) or
//! [`Durability::Logged`] (it returns once committed: in sled's log, on disk
//! at the next flush). The flusher flushes once for every acknowledged
//! write that arrived while the previous flush ran (group commit).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use tokio::sync::oneshot;

use super::codec::backend;
use crate::store::errors::StoreError;

/// At most this many writes in one transaction (a bound on the group's
/// write set in memory; more wait for the next group).
const MAX_GROUP: usize = 256;

/// A transaction's view of the store's trees.
pub(super) struct Trees<'a> {
    pub sessions: &'a TransactionalTree,
    pub executions: &'a TransactionalTree,
    pub trace: &'a TransactionalTree,
    pub index: &'a TransactionalTree,
    pub history: &'a TransactionalTree,
    /// Jobs: a settlement ends its (running, so not pending) job too.
    pub jobs: &'a TransactionalTree,
    /// Idempotency keys: a creation answers its request's key.
    pub idempotency: &'a TransactionalTree,
    /// The outbox: a creation queued for a worker.
    pub outbox: &'a TransactionalTree,
}

/// The trees a write may change, in [`Trees`]' order.
#[derive(Clone)]
pub(super) struct TreeSet {
    pub sessions: sled::Tree,
    pub executions: sled::Tree,
    pub trace: sled::Tree,
    pub index: sled::Tree,
    pub history: sled::Tree,
    pub jobs: sled::Tree,
    pub idempotency: sled::Tree,
    pub outbox: sled::Tree,
}

/// When a write's caller may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// Once the write is on disk (a flush after it ended).
    Acknowledged,
    /// Once the write is in sled's log (on disk at the next flush).
    Logged,
}

type Answer = Result<Box<dyn Any + Send>, StoreError>;
type Op = Box<
    dyn for<'a> Fn(
            &Trees<'a>,
        ) -> Result<Box<dyn Any + Send>, ConflictableTransactionError<StoreError>>
        + Send,
>;

struct Write {
    op: Op,
    durability: Durability,
    reply: oneshot::Sender<Answer>,
}

/// What the flusher answers once its flush ends.
type Waiting = Vec<(oneshot::Sender<Answer>, Box<dyn Any + Send>)>;

/// The handle writers send their writes through. Cheap to share.
pub(super) struct Writer {
    writes: mpsc::Sender<Write>,
    #[cfg(test)]
    flushes: Arc<AtomicU64>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the store's writer has stopped".into())
}

impl Writer {
    /// Starts the writer and flusher threads of `db`; they end when the
    /// last handle is dropped.
    pub(super) fn start(db: sled::Db, trees: TreeSet) -> Result<Writer, StoreError> {
        let (writes, incoming) = mpsc::channel::<Write>();
        let (to_flush, flush_queue) = mpsc::channel::<Waiting>();
        let flushes = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&flushes);
        std::thread::Builder::new()
            .name("rlm-store-flush".into())
            .spawn(move || flusher(&db, &flush_queue, &counted))
            .map_err(|e| StoreError::Backend(format!("cannot start the store's flusher: {e}")))?;
        std::thread::Builder::new()
            .name("rlm-store-write".into())
            .spawn(move || writer(&trees, &incoming, &to_flush))
            .map_err(|e| StoreError::Backend(format!("cannot start the store's writer: {e}")))?;
        #[cfg(not(test))]
        drop(flushes);
        Ok(Writer {
            writes,
            #[cfg(test)]
            flushes,
        })
    }

    /// Runs `op` in a transaction over the store's trees (grouped with the
    /// writes waiting beside it) and returns its result once `durability`
    /// holds. `op` may run more than once (sled retries on conflict, and a
    /// group is applied again without a write that aborted): it must only
    /// read and write through the trees it is given.
    pub(super) async fn write<R, F>(&self, durability: Durability, op: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: for<'a> Fn(&Trees<'a>) -> Result<R, ConflictableTransactionError<StoreError>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let op: Op = Box::new(move |trees| op(trees).map(|r| Box::new(r) as Box<dyn Any + Send>));
        self.writes.send(Write { op, durability, reply }).map_err(|_| stopped())?;
        let any = answer.await.map_err(|_| stopped())??;
        any.downcast::<R>()
            .map(|r| *r)
            .map_err(|_| StoreError::Backend("the store's writer answered another type".into()))
    }

    /// How many flushes the flusher has run (tests: writes per flush).
    #[cfg(test)]
    pub(super) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

/// The writer thread: one transaction per group of waiting writes.
fn writer(trees: &TreeSet, incoming: &mpsc::Receiver<Write>, to_flush: &mpsc::Sender<Waiting>) {
    while let Ok(first) = incoming.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match incoming.try_recv() {
                Ok(w) => group.push(w),
                Err(_) => break,
            }
        }
        let answers = match catch_unwind(AssertUnwindSafe(|| apply(trees, &group))) {
            Ok(answers) => answers,
            // A write's closure panicked: nothing of the group was committed.
            Err(_) => group
                .iter()
                .map(|_| Err(StoreError::Backend("a store write failed".into())))
                .collect(),
        };
        let mut waiting: Waiting = Vec::new();
        for (write, answer) in group.into_iter().zip(answers) {
            match (answer, write.durability) {
                (Ok(value), Durability::Acknowledged) => waiting.push((write.reply, value)),
                (answer, _) => {
                    let _ = write.reply.send(answer);
                }
            }
        }
        if !waiting.is_empty() && to_flush.send(waiting).is_err() {
            // The flusher is gone: its receiver dropped every reply, and the
            // writers waiting on them are told the writer stopped.
        }
    }
}

/// Applies `group` in one transaction; a write that aborts is answered with
/// its error and the rest applied again without it.
fn apply(trees: &TreeSet, group: &[Write]) -> Vec<Answer> {
    let mut answers: Vec<Option<Answer>> = group.iter().map(|_| None).collect();
    let all = [
        &trees.sessions,
        &trees.executions,
        &trees.trace,
        &trees.index,
        &trees.history,
        &trees.jobs,
        &trees.idempotency,
        &trees.outbox,
    ];
    loop {
        let live: Vec<usize> = (0..group.len()).filter(|&i| answers[i].is_none()).collect();
        if live.is_empty() {
            break;
        }
        let outcome = all[..].transaction(|view: &Vec<TransactionalTree>| {
            let [sessions, executions, trace, index, history, jobs, idempotency, outbox] =
                view.as_slice()
            else {
                return Err(ConflictableTransactionError::Abort((
                    usize::MAX,
                    StoreError::Backend("the transaction has another set of trees".into()),
                )));
            };
            let t =
                Trees { sessions, executions, trace, index, history, jobs, idempotency, outbox };
            let mut results = Vec::with_capacity(live.len());
            for &i in &live {
                match (group[i].op)(&t) {
                    Ok(r) => results.push(r),
                    Err(ConflictableTransactionError::Abort(e)) => {
                        return Err(ConflictableTransactionError::Abort((i, e)));
                    }
                    Err(ConflictableTransactionError::Conflict) => {
                        return Err(ConflictableTransactionError::Conflict);
                    }
                    Err(ConflictableTransactionError::Storage(e)) => {
                        return Err(ConflictableTransactionError::Storage(e));
                    }
                }
            }
            Ok(results)
        });
        match outcome {
            Ok(results) => {
                for (i, r) in live.into_iter().zip(results) {
                    answers[i] = Some(Ok(r));
                }
            }
            Err(TransactionError::Abort((i, e))) if i < group.len() => answers[i] = Some(Err(e)),
            Err(TransactionError::Abort((_, e))) => {
                for i in live {
                    answers[i] = Some(Err(e.clone()));
                }
            }
            Err(TransactionError::Storage(e)) => {
                let e = backend(e);
                for i in live {
                    answers[i] = Some(Err(e.clone()));
                }
            }
        }
    }
    answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| Err(StoreError::Backend("a store write was not applied".into())))
        })
        .collect()
}

/// The flusher thread: one flush for every batch of acknowledged writes
/// that arrived while the previous one ran.
fn flusher(db: &sled::Db, queue: &mpsc::Receiver<Waiting>, flushes: &AtomicU64) {
    while let Ok(mut waiting) = queue.recv() {
        while let Ok(more) = queue.try_recv() {
            waiting.extend(more);
        }
        let flushed = db.flush().map(|_| ()).map_err(backend);
        flushes.fetch_add(1, Ordering::Relaxed);
        for (reply, value) in waiting {
            let _ = reply.send(flushed.clone().map(|()| value));
        }
    }
}
