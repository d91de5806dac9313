//! The server-wide sandbox memory governor: an execution starts only when
//! its memory budget (the per-program limit its interpreter runs under)
//! fits under `--max-sandbox-memory` with the budgets of the executions
//! already running. Otherwise it waits in a fair queue: one queue per API
//! key, served round robin, so one key's sixteen waiting programs never
//! starve another key's first; an arrival never passes a waiter (no
//! barging). An interactive execution waits at most the wait bound and is
//! then refused (429 with `Retry-After`); a job waits as long as it takes
//! (it is queued already).
//!
//! Budgets, not measured use: the interpreter charges memory before it
//! allocates it, so the sum of the running budgets bounds what programs can
//! hold at once, and an admitted program can never be stopped for want of
//! memory another one took.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

/// See the module docs.
#[derive(Debug)]
pub struct MemoryGovernor {
    capacity: u64,
    state: Mutex<Queues>,
}

/// The bytes not reserved, and who waits for some, per key.
#[derive(Debug, Default)]
struct Queues {
    free: u64,
    next_ticket: u64,
    /// Keys with waiters, in the order they are served next.
    turn: VecDeque<String>,
    waiting: HashMap<String, VecDeque<Waiter>>,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    bytes: u64,
    granted: oneshot::Sender<()>,
}

/// Bytes reserved for one execution; given back when dropped.
#[derive(Debug)]
pub struct MemoryPermit {
    governor: Arc<MemoryGovernor>,
    bytes: u64,
}

impl MemoryPermit {
    /// The bytes this permit holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for MemoryPermit {
    fn drop(&mut self) {
        self.governor.give_back(self.bytes);
    }
}

/// A wait that ran past its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{bytes} bytes of sandbox memory did not come free within {waited:?} ({capacity} in all)")]
pub struct WaitedTooLong {
    pub bytes: u64,
    pub capacity: u64,
    pub waited: Duration,
}

impl MemoryGovernor {
    pub fn new(capacity: u64) -> Arc<Self> {
        let capacity = capacity.max(1);
        Arc::new(MemoryGovernor {
            capacity,
            state: Mutex::new(Queues { free: capacity, ..Queues::default() }),
        })
    }

    /// The bytes all running executions may reserve together.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The bytes reserved now.
    pub fn reserved(&self) -> u64 {
        self.capacity - self.lock().free
    }

    /// The executions waiting now.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.values().map(VecDeque::len).sum()
    }

    /// Reserves `bytes` (at most the capacity, so a budget larger than the
    /// whole runs alone) for `key`, in its turn; waits at most `bound`
    /// (`None`: as long as it takes). Dropping the future leaves the queue.
    pub async fn acquire(
        self: &Arc<Self>,
        key: &str,
        bytes: u64,
        bound: Option<Duration>,
    ) -> Result<MemoryPermit, WaitedTooLong> {
        let bytes = bytes.min(self.capacity);
        let (ticket, granted) = {
            let mut q = self.lock();
            if q.turn.is_empty() && q.free >= bytes {
                q.free -= bytes;
                return Ok(self.permit(bytes));
            }
            let (tx, rx) = oneshot::channel();
            let ticket = q.next_ticket;
            q.next_ticket += 1;
            if q.waiting.get(key).is_none_or(VecDeque::is_empty) {
                q.turn.push_back(key.to_string());
            }
            q.waiting.entry(key.to_string()).or_default().push_back(Waiter {
                ticket,
                bytes,
                granted: tx,
            });
            (ticket, rx)
        };
        let mut wait = Wait { governor: self, key, ticket, bytes, granted, done: false };
        let outcome = match bound {
            Some(bound) => tokio::time::timeout(bound, &mut wait.granted).await.ok(),
            None => Some((&mut wait.granted).await),
        };
        match outcome {
            Some(Ok(())) => {
                wait.done = true;
                Ok(self.permit(bytes))
            }
            // Timed out (or, never, the sender dropped): the wait's drop
            // leaves the queue or gives back a grant that came meanwhile.
            _ => Err(WaitedTooLong {
                bytes,
                capacity: self.capacity,
                waited: bound.unwrap_or_default(),
            }),
        }
    }

    fn permit(self: &Arc<Self>, bytes: u64) -> MemoryPermit {
        MemoryPermit { governor: Arc::clone(self), bytes }
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A panic elsewhere never leaves the counts half-changed: each
        // change is one statement.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn give_back(&self, bytes: u64) {
        let mut q = self.lock();
        q.free = (q.free + bytes).min(self.capacity);
        q.serve();
    }
}

impl Queues {
    /// Grants the waiters at the head of each key's queue, keys round
    /// robin, while the next one fits.
    fn serve(&mut self) {
        while let Some(key) = self.turn.pop_front() {
            let Some(queue) = self.waiting.get_mut(&key) else { continue };
            let Some(head) = queue.front() else {
                self.waiting.remove(&key);
                continue;
            };
            if head.bytes > self.free {
                // Its turn stays first: a large budget is not passed over.
                self.turn.push_front(key);
                return;
            }
            let Some(waiter) = queue.pop_front() else { continue };
            if queue.is_empty() {
                self.waiting.remove(&key);
            } else {
                self.turn.push_back(key);
            }
            self.free -= waiter.bytes;
            // The receiver lives until its `Wait` is dropped, which takes
            // this lock first and then gives a grant back: never lost.
            let _ = waiter.granted.send(());
        }
    }

    /// Takes a waiter out of its queue; false when it is not there (granted).
    fn leave(&mut self, key: &str, ticket: u64) -> bool {
        let Some(queue) = self.waiting.get_mut(key) else { return false };
        let Some(at) = queue.iter().position(|w| w.ticket == ticket) else { return false };
        queue.remove(at);
        if queue.is_empty() {
            self.waiting.remove(key);
            self.turn.retain(|k| k != key);
        }
        // A large waiter at the head may have held back smaller ones.
        self.serve();
        true
    }
}

/// A waiter in the queue: dropped before its grant, it leaves the queue;
/// dropped after a grant it did not take, it gives the bytes back.
struct Wait<'a> {
    governor: &'a Arc<MemoryGovernor>,
    key: &'a str,
    ticket: u64,
    bytes: u64,
    granted: oneshot::Receiver<()>,
    done: bool,
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut q = self.governor.lock();
        if !q.leave(self.key, self.ticket) {
            drop(q);
            self.governor.give_back(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[tokio::test]
    async fn budgets_that_fit_start_at_once_and_the_rest_wait() {
        let g = MemoryGovernor::new(4 * MIB);
        let a = g.acquire("a", 2 * MIB, None).await.expect("fits");
        let b = g.acquire("a", 2 * MIB, None).await.expect("fits");
        assert_eq!(g.reserved(), 4 * MIB);
        let short = g.acquire("a", MIB, Some(Duration::from_millis(20))).await;
        assert_eq!(short.unwrap_err().bytes, MIB);
        assert_eq!(g.waiting(), 0, "a timed-out waiter leaves the queue");
        drop(a);
        let c = g.acquire("b", 2 * MIB, Some(Duration::from_millis(20))).await.expect("freed");
        assert_eq!(g.reserved(), 4 * MIB);
        drop((b, c));
        assert_eq!(g.reserved(), 0);
    }

    #[tokio::test]
    async fn a_budget_larger_than_the_whole_runs_alone() {
        let g = MemoryGovernor::new(MIB);
        let p = g.acquire("a", 10 * MIB, None).await.expect("runs alone");
        assert_eq!(p.bytes(), MIB);
    }

    /// Key `a` queues eight waiters before key `b`'s first: `b` is served
    /// second, not ninth.
    #[tokio::test]
    async fn keys_are_served_round_robin() {
        let g = MemoryGovernor::new(MIB);
        let running = g.acquire("a", MIB, None).await.expect("fits");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (i, key) in ["a", "a", "a", "a", "a", "a", "a", "a", "b"].into_iter().enumerate() {
            let (gov, order) = (Arc::clone(&g), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let p = gov.acquire(key, MIB, None).await.expect("granted");
                order.lock().unwrap().push(format!("{key}{i}"));
                tokio::task::yield_now().await;
                drop(p);
            }));
            while g.waiting() < i + 1 {
                tokio::task::yield_now().await;
            }
        }
        drop(running);
        for t in tasks {
            t.await.expect("task");
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(order[..2], ["a0".to_string(), "b8".to_string()], "{order:?}");
        assert_eq!(g.reserved(), 0);
    }

    #[tokio::test]
    async fn a_cancelled_wait_gives_back_a_grant_it_did_not_take() {
        let g = MemoryGovernor::new(MIB);
        let running = g.acquire("a", MIB, None).await.expect("fits");
        let waiter = {
            let g = Arc::clone(&g);
            tokio::spawn(async move { g.acquire("b", MIB, None).await.map(|p| p.bytes()) })
        };
        while g.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(g.waiting(), 0);
        drop(running);
        assert_eq!(g.reserved(), 0);
        let again = g.acquire("c", MIB, Some(Duration::from_millis(20))).await;
        assert!(again.is_ok(), "nothing leaked");
    }
}
