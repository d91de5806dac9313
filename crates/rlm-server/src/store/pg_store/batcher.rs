//! Group commit on PostgreSQL: the writes of one kind that arrive while a
//! batch of them is being written share the next batch (one transaction,
//! one WAL flush, a handful of round trips for all of them). Reads of
//! sessions by id are grouped the same way (`session_reads.rs`).
//!
//! A write joins the queue, then waits for its answer or one of
//! [`FLUSHERS`] permits, whichever comes first; whoever gets a permit takes the queue (its own write and every one that
//! arrived meanwhile, up to [`MAX_BATCH`]) and writes it as one batch in a
//! task of its own, so a caller that goes away does not cut a batch others
//! wait on. Each caller is answered only once the commit holding its write
//! succeeded, or with the error that kept it from committing.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, oneshot};

use crate::store::errors::StoreError;

/// How many batches of one kind may be written at once: one. The next
/// batch gathers while one waits for its round trips, and is written as
/// soon as it ends. With two (until issue #80's round 11) a write that
/// found the second idle was written nearly alone: 4.3 starts and 5.9
/// settlements a batch under the trivial load of 32 sessions, against 7.3
/// and 10.3 with one, and a third less of PostgreSQL's CPU an execution.
/// Each statement of a batch costs PostgreSQL a wake-up and an executor
/// start, however many rows it carries.
const FLUSHERS: usize = 1;

/// How many writes a batch holds at most (its arrays' length).
const MAX_BATCH: usize = 256;

/// A write waiting for its batch, and where its outcome goes.
type Queued<I, O> = (I, oneshot::Sender<Result<O, StoreError>>);

/// The queue of writes of one kind and the permits to write a batch of them.
pub(super) struct Batcher<I, O> {
    queue: Mutex<Vec<Queued<I, O>>>,
    flushers: Arc<Semaphore>,
}

impl<I, O> Default for Batcher<I, O> {
    fn default() -> Self {
        Batcher { queue: Mutex::new(Vec::new()), flushers: Arc::new(Semaphore::new(FLUSHERS)) }
    }
}

impl<I, O> std::fmt::Debug for Batcher<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

/// The answer of a batch that ended without answering (its task stopped).
fn unanswered() -> StoreError {
    StoreError::Backend("the write's batch ended without an answer".into())
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Writes `item` in the next batch, which `write` writes (one outcome
    /// per item, in order); answers once that batch has.
    pub(super) async fn submit<F, Fut>(&self, item: I, write: F) -> Result<O, StoreError>
    where
        F: FnOnce(Vec<I>) -> Fut,
        Fut: Future<Output = Vec<Result<O, StoreError>>> + Send + 'static,
    {
        let (reply, mut answer) = oneshot::channel();
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).push((item, reply));
        // Answered by another flusher's batch, or a permit to write one.
        let permit = tokio::select! {
            biased;
            outcome = &mut answer => return outcome.unwrap_or_else(|_| Err(unanswered())),
            permit = Arc::clone(&self.flushers).acquire_owned() => {
                permit.map_err(|_| unanswered())?
            }
        };
        let batch = self.take();
        if batch.is_empty() {
            // Another flusher took this write with its batch.
            drop(permit);
        } else {
            let (items, replies): (Vec<I>, Vec<_>) = batch.into_iter().unzip();
            // Boxed: a batch's state machine is kilobytes, which spawning
            // would otherwise copy at each of its steps.
            let written = Box::pin(write(items));
            tokio::spawn(async move {
                let outcomes = written.await;
                drop(permit);
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // A caller that went away is not waiting for its answer.
                    let _ = reply.send(outcome);
                }
            });
        }
        answer.await.unwrap_or_else(|_| Err(unanswered()))
    }

    /// Up to [`MAX_BATCH`] of the queued writes, the oldest first. A write
    /// whose caller went away is dropped unwritten, as a write alone is
    /// rolled back when its caller goes away mid-transaction: nobody was
    /// told it happened.
    fn take(&self) -> Vec<Queued<I, O>> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.retain(|(_, reply)| !reply.is_closed());
        let n = queue.len().min(MAX_BATCH);
        queue.drain(..n).collect()
    }
}

/// The writes of `items` as one batch, written by `batch`, for those that
/// `joins` lets in; the others, and each write of a batch that failed but
/// for the database being away, written alone by `alone` after it (so only
/// a write whose own statement fails fails). Each one's outcome, in order.
pub(super) async fn write_together<'a, I, O, B, BF, A, AF>(
    items: &'a [I],
    mut joins: impl FnMut(&I) -> bool,
    batch: B,
    alone: A,
) -> Vec<Result<O, StoreError>>
where
    B: FnOnce(Vec<&'a I>) -> BF,
    BF: Future<Output = Result<Vec<O>, StoreError>>,
    A: Fn(&'a I) -> AF,
    AF: Future<Output = Result<O, StoreError>>,
{
    let (together, apart): (Vec<usize>, Vec<usize>) =
        (0..items.len()).partition(|&i| joins(&items[i]));
    let mut outcomes = Outcomes::new(items.len());
    let written = match together.is_empty() {
        true => Ok(Vec::new()),
        false => batch(together.iter().map(|&i| &items[i]).collect()).await,
    };
    let retry = outcomes.place(together, written);
    for i in retry.into_iter().chain(apart) {
        outcomes.set(i, alone(&items[i]).await);
    }
    outcomes.into_vec()
}

/// The outcomes of a batch's writes, in order, filled as they are written.
struct Outcomes<O>(Vec<Option<Result<O, StoreError>>>);

impl<O> Outcomes<O> {
    fn new(n: usize) -> Self {
        Outcomes((0..n).map(|_| None).collect())
    }

    /// The outcome of the batch of the writes at `together`, placed: on
    /// success each its own, the database away (or a batch of one) each the
    /// error; otherwise nothing, and those writes are returned, to be
    /// written alone (only a write whose own statement fails then fails).
    fn place(&mut self, together: Vec<usize>, written: Result<Vec<O>, StoreError>) -> Vec<usize> {
        match written {
            Ok(outcomes) => {
                for (i, o) in together.into_iter().zip(outcomes) {
                    self.0[i] = Some(Ok(o));
                }
                Vec::new()
            }
            Err(e) if e.is_unavailable() || together.len() <= 1 => {
                for i in together {
                    self.0[i] = Some(Err(e.clone()));
                }
                Vec::new()
            }
            Err(e) => {
                tracing::debug!(error = %e, writes = together.len(), "a batch failed: each of its writes written alone");
                together
            }
        }
    }

    fn set(&mut self, i: usize, outcome: Result<O, StoreError>) {
        self.0[i] = Some(outcome);
    }

    fn into_vec(self) -> Vec<Result<O, StoreError>> {
        let unanswered = || Err(StoreError::Backend("a write of the batch was not written".into()));
        self.0.into_iter().map(|o| o.unwrap_or_else(unanswered)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_write_gets_its_own_outcome_and_batches_are_shared() {
        let batcher: Arc<Batcher<u32, u32>> = Arc::default();
        let batches = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for n in 0..64u32 {
            let (batcher, batches) = (Arc::clone(&batcher), Arc::clone(&batches));
            tasks.push(tokio::spawn(async move {
                let write = move |items: Vec<u32>| async move {
                    batches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    items
                        .into_iter()
                        .map(|i| {
                            if i == 7 {
                                Err(StoreError::Backend("seven".into()))
                            } else {
                                Ok(i * 2)
                            }
                        })
                        .collect()
                };
                (n, batcher.submit(n, write).await)
            }));
        }
        for t in tasks {
            let (n, outcome) = t.await.unwrap();
            match n {
                7 => assert!(matches!(outcome, Err(StoreError::Backend(_)))),
                _ => assert_eq!(outcome.unwrap(), n * 2),
            }
        }
        let batches = batches.load(std::sync::atomic::Ordering::SeqCst);
        assert!((1..=64).contains(&batches), "{batches} batches");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_whose_caller_went_away_before_its_batch_is_not_written() {
        let batcher: Arc<Batcher<u32, u32>> = Arc::default();
        let written = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(Semaphore::new(0));
        let write_for = |written: Arc<Mutex<Vec<Vec<u32>>>>, gate: Arc<Semaphore>| {
            move |items: Vec<u32>| async move {
                written.lock().unwrap().push(items.clone());
                if items != [4] {
                    let _ = gate.acquire().await.unwrap();
                }
                items.into_iter().map(Ok).collect()
            }
        };
        // Every flusher held by a batch that waits at the gate.
        let mut held = Vec::new();
        for n in 1..=FLUSHERS as u32 {
            let (b, w, g) = (Arc::clone(&batcher), Arc::clone(&written), Arc::clone(&gate));
            held.push(tokio::spawn(async move { b.submit(n, write_for(w, g)).await }));
            while written.lock().unwrap().len() < n as usize {
                tokio::task::yield_now().await;
            }
        }
        // The next waits for a flusher, and its caller goes away.
        let (b, w, g) = (Arc::clone(&batcher), Arc::clone(&written), Arc::clone(&gate));
        let left = tokio::spawn(async move { b.submit(100, write_for(w, g)).await });
        while batcher.queue.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        left.abort();
        assert!(left.await.unwrap_err().is_cancelled());
        gate.add_permits(FLUSHERS);
        for h in held {
            h.await.unwrap().unwrap();
        }
        let last = batcher.submit(4, write_for(Arc::clone(&written), Arc::clone(&gate))).await;
        assert_eq!(last.unwrap(), 4);
        let alone: Vec<Vec<u32>> =
            (1..=FLUSHERS as u32).map(|n| vec![n]).chain([vec![4]]).collect();
        assert_eq!(*written.lock().unwrap(), alone);
    }
}
