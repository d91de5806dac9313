//! The server-wide sandbox memory governor: an execution starts only when
//! its memory budget (the per-program limit its interpreter runs under)
//! fits under `--max-sandbox-memory` with the budgets of the executions
//! already running, and within its key's share of that bound. Otherwise it
//! waits in a fair queue: one queue per API key, served round robin, so one
//! key's sixteen waiting programs never starve another key's first; an
//! arrival never passes a waiter within its share (no barging). An
//! interactive execution waits at most the wait bound and is then refused
//! (429 with `Retry-After`); a job waits as long as it takes (it is queued
//! already).
//!
//! The share rule (issue #74: one key's four long executions held the whole
//! bound and the other key's two got 429): a key may reserve at most the
//! bound over the keys holding or waiting for memory (itself counted), plus
//! one while another configured key holds nothing — room kept for that
//! key's first execution — and always at least one budget. Alone among two
//! or more keys, a key has half the bound; on a keyless server (one tenant)
//! or with one key, the whole. A key past its share (others came while it
//! held more) keeps what it holds and is passed over until it is back under
//! it; the round robin and the no-barging rule hold among the keys within
//! their shares.
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

/// The bytes not reserved, who holds the rest, and who waits for some, per key.
#[derive(Debug, Default)]
struct Queues {
    capacity: u64,
    /// The keys that may ask (the configured API keys; 1 without keys).
    tenants: usize,
    free: u64,
    next_ticket: u64,
    /// Keys with waiters, in the order they are served next.
    turn: VecDeque<String>,
    waiting: HashMap<String, VecDeque<Waiter>>,
    /// The bytes each key holds now (keys holding none are absent).
    held: HashMap<String, u64>,
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
    key: String,
    bytes: u64,
}

impl MemoryPermit {
    /// The bytes this permit holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Takes `other`'s bytes over (the same key's, of the same governor):
    /// they are given back with this permit's.
    pub fn absorb(&mut self, mut other: MemoryPermit) {
        if Arc::ptr_eq(&self.governor, &other.governor) && self.key == other.key {
            self.bytes += other.bytes;
            other.bytes = 0;
        }
    }
}

/// What a request's body was charged, held until whoever owns the parsed
/// buffers takes it over (an execution absorbs it into its reservation), or
/// given back when the request ends. Cheap to clone: one shared slot.
#[derive(Clone, Default)]
pub struct MemoryCharge(Arc<Mutex<Vec<MemoryPermit>>>);

impl std::fmt::Debug for MemoryCharge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes: u64 =
            self.0.lock().map(|p| p.iter().map(MemoryPermit::bytes).sum()).unwrap_or(0);
        f.debug_tuple("MemoryCharge").field(&bytes).finish()
    }
}

impl MemoryCharge {
    pub fn new(permits: Vec<MemoryPermit>) -> MemoryCharge {
        MemoryCharge(Arc::new(Mutex::new(permits)))
    }

    /// The permits, taken over (empty once taken).
    pub fn take(&self) -> Vec<MemoryPermit> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for MemoryPermit {
    fn drop(&mut self) {
        self.governor.give_back(&self.key, self.bytes);
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
    /// A governor of `capacity` bytes for one tenant, or for keys that all
    /// hold or wait (no room kept for a key not seen yet).
    pub fn new(capacity: u64) -> Arc<Self> {
        MemoryGovernor::with_tenants(capacity, 1)
    }

    /// A governor of `capacity` bytes shared by `tenants` keys (see the
    /// module docs' share rule).
    pub fn with_tenants(capacity: u64, tenants: usize) -> Arc<Self> {
        let capacity = capacity.max(1);
        Arc::new(MemoryGovernor {
            capacity,
            state: Mutex::new(Queues {
                capacity,
                tenants: tenants.max(1),
                free: capacity,
                ..Queues::default()
            }),
        })
    }

    /// The bytes `key` holds now.
    pub fn held_by(&self, key: &str) -> u64 {
        self.lock().held.get(key).copied().unwrap_or(0)
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

    /// Reserves `bytes` for `key` now if they fit, within its share and
    /// passing no waiter; `None` otherwise (nothing is queued).
    pub fn try_acquire(self: &Arc<Self>, key: &str, bytes: u64) -> Option<MemoryPermit> {
        let bytes = bytes.min(self.capacity);
        let mut q = self.lock();
        if q.turn.is_empty() && q.free >= bytes && q.within_share(key, bytes) {
            q.reserve(key, bytes);
            return Some(self.permit(key, bytes));
        }
        None
    }

    /// Reserves `bytes` (at most the capacity, so a budget larger than the
    /// whole runs alone) for `key`, in its turn and within its share; waits
    /// at most `bound` (`None`: as long as it takes). Dropping the future
    /// leaves the queue.
    pub async fn acquire(
        self: &Arc<Self>,
        key: &str,
        bytes: u64,
        bound: Option<Duration>,
    ) -> Result<MemoryPermit, WaitedTooLong> {
        let bytes = bytes.min(self.capacity);
        let (ticket, granted) = {
            let mut q = self.lock();
            if q.turn.is_empty() && q.free >= bytes && q.within_share(key, bytes) {
                q.reserve(key, bytes);
                return Ok(self.permit(key, bytes));
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
            // Those ahead may all be past their shares: this one's turn may be now.
            q.serve();
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
                Ok(self.permit(key, bytes))
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

    fn permit(self: &Arc<Self>, key: &str, bytes: u64) -> MemoryPermit {
        MemoryPermit { governor: Arc::clone(self), key: key.to_string(), bytes }
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A panic elsewhere never leaves the counts half-changed: each
        // change is one statement.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn give_back(&self, key: &str, bytes: u64) {
        let mut q = self.lock();
        q.free = (q.free + bytes).min(self.capacity);
        if let Some(held) = q.held.get_mut(key) {
            *held = held.saturating_sub(bytes);
            if *held == 0 {
                q.held.remove(key);
            }
        }
        // Memory came free, and the shares may have grown: serve.
        q.serve();
    }
}

impl Queues {
    /// `key`'s share of the capacity now (see the module docs), at least
    /// `bytes` (one budget).
    fn share(&self, key: &str, bytes: u64) -> u64 {
        let mut active = self.held.len() + self.waiting.len();
        active -= self.held.keys().filter(|k| self.waiting.contains_key(*k)).count();
        if !self.held.contains_key(key) && !self.waiting.contains_key(key) {
            active += 1;
        }
        // Room for one more key while a configured key holds nothing.
        let slots = active.max((active + 1).min(self.tenants)).max(1);
        (self.capacity / slots as u64).max(bytes)
    }

    /// Whether `key` may reserve `bytes` more within its share.
    fn within_share(&self, key: &str, bytes: u64) -> bool {
        let held = self.held.get(key).copied().unwrap_or(0);
        held.saturating_add(bytes) <= self.share(key, bytes)
    }

    fn reserve(&mut self, key: &str, bytes: u64) {
        self.free -= bytes;
        *self.held.entry(key.to_string()).or_default() += bytes;
    }

    /// Grants the waiters at the head of each key's queue, keys round
    /// robin, while the next one within its share fits; a key past its
    /// share is passed over and keeps its place in the turn.
    fn serve(&mut self) {
        let mut at = 0;
        while let Some(key) = self.turn.get(at).cloned() {
            let Some(head) = self.waiting.get(&key).and_then(VecDeque::front) else {
                self.waiting.remove(&key);
                self.turn.remove(at);
                continue;
            };
            let bytes = head.bytes;
            if !self.within_share(&key, bytes) {
                at += 1;
                continue;
            }
            if bytes > self.free {
                // Its turn stays: a large budget is not passed over.
                return;
            }
            self.turn.remove(at);
            let Some(queue) = self.waiting.get_mut(&key) else { continue };
            let Some(waiter) = queue.pop_front() else { continue };
            if queue.is_empty() {
                self.waiting.remove(&key);
            } else {
                self.turn.push_back(key.clone());
            }
            self.reserve(&key, waiter.bytes);
            // The receiver lives until its `Wait` is dropped, which takes
            // this lock first and then gives a grant back: never lost.
            let _ = waiter.granted.send(());
            // A grant changes the shares: look again from the first turn.
            at = 0;
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
            self.governor.give_back(self.key, self.bytes);
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

    /// Two keys configured: alone, `a` has half the bound, and `b`'s first
    /// budget is granted at once; `a`'s waiter is passed over while `a` is
    /// at its share, and served once it is back under it.
    #[tokio::test]
    async fn one_key_alone_keeps_room_for_anothers_first() {
        let g = MemoryGovernor::with_tenants(4 * MIB, 2);
        let a1 = g.acquire("a", MIB, None).await.expect("within the share");
        let _a2 = g.acquire("a", MIB, None).await.expect("within the share");
        let short = g.acquire("a", MIB, Some(Duration::from_millis(20))).await;
        assert!(short.is_err(), "past its share of 2 MiB, though 2 MiB are free");
        let waiting_a = {
            let g = Arc::clone(&g);
            tokio::spawn(async move { g.acquire("a", MIB, None).await.map(|p| p.bytes()) })
        };
        while g.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        let b1 = g.acquire("b", MIB, Some(Duration::from_millis(20))).await.expect("b's first");
        let _b2 = g.acquire("b", MIB, Some(Duration::from_millis(20))).await.expect("b's share");
        assert_eq!((g.held_by("a"), g.held_by("b"), g.waiting()), (2 * MIB, 2 * MIB, 1));
        drop(b1);
        assert_eq!(g.waiting(), 1, "a is still at its share of 2 MiB while b holds");
        drop(a1);
        assert_eq!(waiting_a.await.expect("task").expect("granted"), MIB);
        assert_eq!(g.held_by("a"), MIB, "the waiter's permit went with its task");
    }

    /// A key whose budget is larger than its share still runs one.
    #[tokio::test]
    async fn a_share_is_at_least_one_budget() {
        let g = MemoryGovernor::with_tenants(3 * MIB, 4);
        let a = g.acquire("a", 2 * MIB, Some(Duration::from_millis(20))).await;
        assert!(a.is_ok(), "a share of 3/2 MiB, but one budget of 2 MiB");
        let again = g.acquire("a", MIB, Some(Duration::from_millis(20))).await;
        assert!(again.is_err(), "a second is past the share");
        let b = g.acquire("b", MIB, Some(Duration::from_millis(20))).await;
        assert!(b.is_ok());
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
