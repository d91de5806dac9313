//! The scheduler: runs batches of subcalls with a concurrency cap, per-model
//! rate limits, cache lookups, in-flight deduplication and budget reservations.
//!
//! A batch first folds identical requests into one. A call's path: cache
//! lookup → join an identical call in flight, or lead one → per-model (then
//! global) concurrency permit → budget reservation → request and token rate
//! limits → the executor → settle the budget, store in the cache. Between a
//! call's attempts its [`CallGate`] gives its permits (and its place in the
//! batch's window) back while the retry waits, and bounds the retries by the
//! call's deadline.
//! The permits are taken before the rate limit so that calls leave the rate
//! limiter no faster than it allows (waiting for a permit after passing the
//! limiter would let calls bunch up); the reservation is taken after them so
//! that at most `max_concurrency` reservations are outstanding. The price: a
//! model whose rate limit is the bottleneck holds the global permits of the
//! calls waiting on its limiter; give such a model its own `max_concurrency`
//! so that it cannot hold them all when several models share a scheduler.

use std::collections::HashMap;
use std::collections::hash_map::Entry as HashEntry;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use futures::future::{BoxFuture, FutureExt, Shared, WeakShared};
use futures::stream::StreamExt;
use rlm_policy::{Budget, CallKind, Estimate};
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::SchedulerConfig;
use crate::costing::{Costing, HeuristicCosting};
use crate::error::{SchedulerConfigError, SubcallError};
use crate::events::{CallObserver, SchedListener, SubcallEvent, SubcallEventKind};
use crate::executor::SubcallExecutor;
use crate::gate::{CallGate, GateState, take_permits};
use crate::limiter::ModelThrottle;
use crate::pacing::ProviderPacing;
use crate::shared::SharedLimiter;

/// The result of one subcall.
pub type CallResult<E> = Result<Completion, SubcallError<E>>;

type SharedCall<E> = Shared<BoxFuture<'static, CallResult<E>>>;
type DedupKey = [u8; 32];
/// The observer of one batch, if any.
type Observer<E> = Option<Arc<dyn CallObserver<E>>>;

struct InflightCall<E: std::error::Error + 'static> {
    leader_call_id: u64,
    call: WeakShared<BoxFuture<'static, CallResult<E>>>,
}

/// Counts of call outcomes since the scheduler was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedStats {
    /// Calls sent to the executor.
    pub executed: u64,
    pub finished: u64,
    pub failed: u64,
    pub cache_hits: u64,
    pub dedup_hits: u64,
    pub budget_refused: u64,
    pub cancelled: u64,
}

#[derive(Default)]
struct Counters {
    executed: AtomicU64,
    finished: AtomicU64,
    failed: AtomicU64,
    cache_hits: AtomicU64,
    dedup_hits: AtomicU64,
    budget_refused: AtomicU64,
    cancelled: AtomicU64,
}

struct Inner<X: SubcallExecutor> {
    executor: X,
    config: SchedulerConfig,
    permits: Arc<Semaphore>,
    throttles: DashMap<ModelId, Arc<ModelThrottle>>,
    inflight: DashMap<DedupKey, InflightCall<X::Error>>,
    cache: Option<Arc<dyn CompletionCache>>,
    shared_limiter: Option<Arc<dyn SharedLimiter>>,
    listener: Option<Arc<dyn SchedListener>>,
    costing: Arc<dyn Costing>,
    pacing: Arc<ProviderPacing>,
    next_call_id: AtomicU64,
    counters: Counters,
}

/// Runs subcalls concurrently; cheap to clone (all clones share one set of
/// limits, one dedup table and one concurrency cap).
pub struct Scheduler<X: SubcallExecutor> {
    inner: Arc<Inner<X>>,
}

impl<X: SubcallExecutor> Clone for Scheduler<X> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

/// Builds a [`Scheduler`].
pub struct SchedulerBuilder<X: SubcallExecutor> {
    executor: X,
    config: SchedulerConfig,
    cache: Option<Arc<dyn CompletionCache>>,
    shared_limiter: Option<Arc<dyn SharedLimiter>>,
    listener: Option<Arc<dyn SchedListener>>,
    costing: Arc<dyn Costing>,
    pacing: Option<Arc<ProviderPacing>>,
}

impl<X: SubcallExecutor> SchedulerBuilder<X> {
    /// The providers' pushback this scheduler shares (default: the
    /// process's, [`ProviderPacing::process`]).
    pub fn pacing(mut self, pacing: Arc<ProviderPacing>) -> Self {
        self.pacing = Some(pacing);
        self
    }
    pub fn config(mut self, config: SchedulerConfig) -> Self {
        self.config = config;
        self
    }
    /// Consulted before every call; successful completions are stored in it.
    pub fn cache(mut self, cache: Arc<dyn CompletionCache>) -> Self {
        self.cache = Some(cache);
        self
    }
    /// The cluster-wide second gate of the rate limits, asked after the local one.
    pub fn shared_limiter(mut self, limiter: Arc<dyn SharedLimiter>) -> Self {
        self.shared_limiter = Some(limiter);
        self
    }
    pub fn listener(mut self, listener: Arc<dyn SchedListener>) -> Self {
        self.listener = Some(listener);
        self
    }
    /// Token estimates and prices (default: [`HeuristicCosting`]).
    pub fn costing(mut self, costing: Arc<dyn Costing>) -> Self {
        self.costing = costing;
        self
    }

    pub fn build(self) -> Result<Scheduler<X>, SchedulerConfigError> {
        self.config.validate()?;
        // Build every configured throttle now so that a bad limit is an error
        // here and never in the middle of a batch.
        let throttles = DashMap::new();
        for (model, limits) in &self.config.model_limits {
            throttles.insert(model.clone(), Arc::new(ModelThrottle::new(model, limits)?));
        }
        ModelThrottle::new(&ModelId::new("default", "default"), &self.config.default_limits)?;
        Ok(Scheduler {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(self.config.max_concurrency)),
                executor: self.executor,
                config: self.config,
                throttles,
                inflight: DashMap::new(),
                cache: self.cache,
                shared_limiter: self.shared_limiter,
                listener: self.listener,
                costing: self.costing,
                pacing: self.pacing.unwrap_or_else(ProviderPacing::process),
                next_call_id: AtomicU64::new(0),
                counters: Counters::default(),
            }),
        })
    }
}

impl<X: SubcallExecutor> Scheduler<X> {
    pub fn builder(executor: X) -> SchedulerBuilder<X> {
        SchedulerBuilder {
            executor,
            config: SchedulerConfig::default(),
            cache: None,
            shared_limiter: None,
            listener: None,
            costing: Arc::new(HeuristicCosting::default()),
            pacing: None,
        }
    }

    /// Runs every request on `model` and returns their results in input order.
    ///
    /// Identical requests within the batch are sent once (exactly, wherever
    /// they sit in the batch); identical requests already in flight from other
    /// batches are joined. At most the configured batch window of calls is
    /// admitted at once. Dropping the returned future cancels the batch: calls
    /// not yet sent are never sent, calls in flight are abandoned (their
    /// executor futures dropped), and their permits and budget reservations are
    /// released. A call that another batch joined keeps running for that batch.
    pub async fn run_batch(
        &self,
        model: &ModelId,
        requests: Vec<CompletionRequest>,
        budget: Option<&Budget>,
    ) -> Vec<CallResult<X::Error>> {
        self.run_batch_observed(model, requests, budget, None).await
    }

    /// [`Scheduler::run_batch`], with every event of the batch's calls (and
    /// each final result) also sent to `observer`: a trace maps them onto the
    /// spans of the batch's requests by `index`.
    pub async fn run_batch_observed(
        &self,
        model: &ModelId,
        requests: Vec<CompletionRequest>,
        budget: Option<&Budget>,
        observer: Observer<X::Error>,
    ) -> Vec<CallResult<X::Error>> {
        let total = requests.len();
        // For each request: the index of an identical earlier request, if any.
        let mut copy_of: Vec<Option<usize>> = vec![None; total];
        let mut unique: Vec<(usize, CompletionRequest, Option<DedupKey>)> =
            Vec::with_capacity(total);
        let mut first_seen: HashMap<DedupKey, usize> = HashMap::new();
        for (index, request) in requests.into_iter().enumerate() {
            let key = if self.inner.config.dedup { dedup_key(model, &request) } else { None };
            if let Some(key) = key {
                match first_seen.entry(key) {
                    HashEntry::Occupied(first) => {
                        copy_of[index] = Some(*first.get());
                        continue;
                    }
                    HashEntry::Vacant(slot) => {
                        slot.insert(index);
                    }
                }
            }
            unique.push((index, request, key));
        }
        drop(first_seen);

        let mut unfinished = Unfinished {
            inner: &self.inner,
            observer: &observer,
            model,
            copy_of: &copy_of,
            admitted: (0..total).map(|_| AtomicBool::new(false)).collect(),
            reported: false,
        };
        let admitted = &unfinished.admitted;
        // The window: a call is admitted with a permit of it, and gives the
        // permit back when it ends or first waits to retry.
        let window = Arc::new(Semaphore::new(self.inner.config.window()));
        let observer_ref = &observer;
        let mut done: Vec<(usize, u64, CallResult<X::Error>)> = futures::stream::iter(unique)
            .then(|call| {
                let window = Arc::clone(&window);
                async move { (call, window.acquire_owned().await.ok()) }
            })
            .map(|((index, request, key), place)| async move {
                admitted[index].store(true, Ordering::Relaxed);
                let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
                let call = Call { call_id, index, key, place };
                let result = self.run_call(call, model, request, budget, observer_ref).await;
                (index, call_id, result)
            })
            .buffer_unordered(usize::MAX)
            .collect()
            .await;
        done.sort_unstable_by_key(|(index, _, _)| *index);

        // Rebuild the batch in input order; copies take their original's result.
        let mut results: Vec<CallResult<X::Error>> = Vec::with_capacity(total);
        let mut call_ids: Vec<u64> = Vec::with_capacity(total);
        let mut originals = done.into_iter();
        for (index, original) in copy_of.iter().enumerate() {
            match original {
                None => {
                    let Some((_, call_id, result)) = originals.next() else { break };
                    call_ids.push(call_id);
                    results.push(result);
                }
                Some(first) => {
                    let result = results[*first].clone();
                    let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
                    call_ids.push(call_id);
                    self.inner.emit(
                        &observer,
                        call_id,
                        index,
                        model,
                        SubcallEventKind::DedupHit {
                            leader_call_id: call_ids[*first],
                            ok: result.is_ok(),
                        },
                        Some(&result),
                    );
                    results.push(result);
                }
            }
        }
        unfinished.reported = true;
        results
    }

    /// Runs one request (a batch of one).
    pub async fn run_one(
        &self,
        model: &ModelId,
        request: CompletionRequest,
        budget: Option<&Budget>,
    ) -> CallResult<X::Error> {
        let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
        let key = if self.inner.config.dedup { dedup_key(model, &request) } else { None };
        let call = Call { call_id, index: 0, key, place: None };
        self.run_call(call, model, request, budget, &None).await
    }

    /// Outcome counts so far.
    pub fn stats(&self) -> SchedStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        SchedStats {
            executed: get(&c.executed),
            finished: get(&c.finished),
            failed: get(&c.failed),
            cache_hits: get(&c.cache_hits),
            dedup_hits: get(&c.dedup_hits),
            budget_refused: get(&c.budget_refused),
            cancelled: get(&c.cancelled),
        }
    }

    /// Concurrency permits not in use (equals `max_concurrency` when idle).
    pub fn available_permits(&self) -> usize {
        self.inner.permits.available_permits()
    }

    /// Distinct calls currently shared through deduplication.
    pub fn inflight_calls(&self) -> usize {
        self.inner.inflight.len()
    }

    async fn run_call(
        &self,
        call: Call,
        model: &ModelId,
        mut request: CompletionRequest,
        budget: Option<&Budget>,
        observer: &Observer<X::Error>,
    ) -> CallResult<X::Error> {
        let Call { call_id, index, key, place } = call;
        let inner = &self.inner;
        if let Some(cache) = &inner.cache
            && let Some(hit) = cache.get(model, &request)
        {
            let saved = hit.usage;
            let result = Ok(hit);
            inner.emit(
                observer,
                call_id,
                index,
                model,
                SubcallEventKind::CacheHit { saved },
                Some(&result),
            );
            return result;
        }
        let Some(key) = key else {
            let call = Call { call_id, index, key: None, place };
            return execute(
                Arc::clone(inner),
                call,
                model.clone(),
                request,
                budget.cloned(),
                observer.clone(),
            )
            .await;
        };

        // A leader moves the request into its call (leaving an empty one
        // behind, never used); a follower keeps it in case it must run it itself.
        // The block ends the map entry's borrow of its shard before any wait.
        let (leader_call_id, call, led) = {
            let entry = inner.inflight.entry(key);
            let in_flight = match &entry {
                Entry::Occupied(e) => {
                    e.get().call.upgrade().map(|call| (e.get().leader_call_id, call))
                }
                Entry::Vacant(_) => None,
            };
            match in_flight {
                // Nothing in flight for this key, or its leader was cancelled by
                // all its callers: lead anew.
                None => {
                    let call = Call { call_id, index, key: Some(key), place };
                    let call =
                        self.lead(call, model, std::mem::take(&mut request), budget, observer);
                    if let Some(weak) = call.downgrade() {
                        entry.insert(InflightCall { leader_call_id: call_id, call: weak });
                    }
                    (call_id, call, true)
                }
                // Following: it holds no place in the window while it waits.
                Some((leader_call_id, call)) => {
                    drop(place);
                    (leader_call_id, call, false)
                }
            }
        };
        if led {
            return call.await;
        }

        let mut follower =
            FollowerGuard { inner, observer, call_id, index, model, finished: false };
        let result = call.await;
        follower.finished = true;
        match result {
            // The leader's budget refused it; this caller's budget may differ,
            // so it runs the call itself (and reports that call's own events).
            Err(SubcallError::Budget(_)) => {
                let call = Call { call_id, index, key: None, place: None };
                execute(
                    Arc::clone(inner),
                    call,
                    model.clone(),
                    request,
                    budget.cloned(),
                    observer.clone(),
                )
                .await
            }
            result => {
                inner.emit(
                    observer,
                    call_id,
                    index,
                    model,
                    SubcallEventKind::DedupHit { leader_call_id, ok: result.is_ok() },
                    Some(&result),
                );
                result
            }
        }
    }

    fn lead(
        &self,
        call: Call,
        model: &ModelId,
        request: CompletionRequest,
        budget: Option<&Budget>,
        observer: &Observer<X::Error>,
    ) -> SharedCall<X::Error> {
        execute(
            Arc::clone(&self.inner),
            call,
            model.clone(),
            request,
            budget.cloned(),
            observer.clone(),
        )
        .boxed()
        .shared()
    }
}

impl<X: SubcallExecutor> Inner<X> {
    /// Counts the event, then hands it to the scheduler's listener and to the
    /// batch's observer (with the call's result on final events).
    fn emit(
        &self,
        observer: &Observer<X::Error>,
        call_id: u64,
        index: usize,
        model: &ModelId,
        kind: SubcallEventKind,
        result: Option<&CallResult<X::Error>>,
    ) {
        let counter = match &kind {
            SubcallEventKind::CacheHit { .. } => Some(&self.counters.cache_hits),
            SubcallEventKind::DedupHit { .. } => Some(&self.counters.dedup_hits),
            SubcallEventKind::BudgetRefused { .. } => Some(&self.counters.budget_refused),
            SubcallEventKind::Started { .. } => Some(&self.counters.executed),
            SubcallEventKind::Retried { .. } => None,
            SubcallEventKind::Finished { .. } => Some(&self.counters.finished),
            SubcallEventKind::Failed { .. } => Some(&self.counters.failed),
            SubcallEventKind::Cancelled => Some(&self.counters.cancelled),
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        if self.listener.is_none() && observer.is_none() {
            return;
        }
        let event = SubcallEvent { call_id, index, model: model.clone(), kind };
        if let Some(listener) = &self.listener {
            listener.on_event(&event);
        }
        if let Some(observer) = observer {
            observer.on_event(&event, result);
        }
    }

    /// The cluster's limiter and `model`'s limits, when it has any to hold.
    fn shared_gate(
        &self,
        model: &ModelId,
    ) -> Option<(Arc<dyn SharedLimiter>, crate::config::ModelLimits)> {
        let shared = self.shared_limiter.as_ref()?;
        let limits = self.config.limits_for(model);
        let limited = limits.requests_per_minute.is_some() || limits.tokens_per_minute.is_some();
        limited.then(|| (Arc::clone(shared), limits.clone()))
    }

    fn throttle(&self, model: &ModelId) -> Option<Arc<ModelThrottle>> {
        if let Some(t) = self.throttles.get(model) {
            return Some(Arc::clone(t.value()));
        }
        // Limits were validated at build time, so this cannot fail; if it did,
        // running unthrottled beats failing the call.
        let throttle = Arc::new(ModelThrottle::new(model, self.config.limits_for(model)).ok()?);
        Some(Arc::clone(self.throttles.entry(model.clone()).or_insert(throttle).value()))
    }
}

/// When a batch is dropped before it finished, emits `Cancelled` for the
/// requests that have no call of their own to report it: in-batch copies and
/// requests never admitted. (Admitted calls report their own cancellation.)
/// So every request of a batch ends with exactly one final event.
struct Unfinished<'a, X: SubcallExecutor> {
    inner: &'a Inner<X>,
    observer: &'a Observer<X::Error>,
    model: &'a ModelId,
    copy_of: &'a [Option<usize>],
    admitted: Vec<AtomicBool>,
    reported: bool,
}

impl<X: SubcallExecutor> Drop for Unfinished<'_, X> {
    fn drop(&mut self) {
        if self.reported {
            return;
        }
        for (index, original) in self.copy_of.iter().enumerate() {
            let admitted = self.admitted.get(index).is_some_and(|a| a.load(Ordering::Relaxed));
            if original.is_some() || !admitted {
                let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
                self.inner.emit(
                    self.observer,
                    call_id,
                    index,
                    self.model,
                    SubcallEventKind::Cancelled,
                    None,
                );
            }
        }
    }
}

/// Emits `Cancelled` for a follower dropped before its shared call ended.
struct FollowerGuard<'a, X: SubcallExecutor> {
    inner: &'a Inner<X>,
    observer: &'a Observer<X::Error>,
    call_id: u64,
    index: usize,
    model: &'a ModelId,
    finished: bool,
}

impl<X: SubcallExecutor> Drop for FollowerGuard<'_, X> {
    fn drop(&mut self) {
        if !self.finished {
            self.inner.emit(
                self.observer,
                self.call_id,
                self.index,
                self.model,
                SubcallEventKind::Cancelled,
                None,
            );
        }
    }
}

/// Lives as long as one execution: emits `Cancelled` if it is dropped before
/// its final event, and removes its dedup entry either way.
struct ExecutionGuard<X: SubcallExecutor> {
    inner: Arc<Inner<X>>,
    observer: Observer<X::Error>,
    call_id: u64,
    index: usize,
    model: ModelId,
    key: Option<DedupKey>,
    finished: bool,
}

impl<X: SubcallExecutor> ExecutionGuard<X> {
    /// An event on the way (not final).
    fn note(&self, kind: SubcallEventKind) {
        self.inner.emit(&self.observer, self.call_id, self.index, &self.model, kind, None);
    }

    /// Reports the call's events on the way (for its [`CallGate`]).
    fn notifier(&self) -> crate::gate::Notify {
        let inner = Arc::clone(&self.inner);
        let observer = self.observer.clone();
        let (call_id, index, model) = (self.call_id, self.index, self.model.clone());
        Box::new(move |kind| inner.emit(&observer, call_id, index, &model, kind, None))
    }

    /// The call's final event, with its result.
    fn finish(&mut self, kind: SubcallEventKind, result: &CallResult<X::Error>) {
        self.finished = true;
        self.inner.emit(&self.observer, self.call_id, self.index, &self.model, kind, Some(result));
    }
}

impl<X: SubcallExecutor> Drop for ExecutionGuard<X> {
    fn drop(&mut self) {
        if let Some(key) = &self.key {
            let id = self.call_id;
            self.inner.inflight.remove_if(key, |_, entry| entry.leader_call_id == id);
        }
        if !self.finished {
            self.inner.emit(
                &self.observer,
                self.call_id,
                self.index,
                &self.model,
                SubcallEventKind::Cancelled,
                None,
            );
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One call of a batch: its ids, its dedup key, its place in its batch's window.
struct Call {
    call_id: u64,
    index: usize,
    key: Option<DedupKey>,
    place: Option<OwnedSemaphorePermit>,
}

/// One real call, from permit to settlement.
async fn execute<X: SubcallExecutor>(
    inner: Arc<Inner<X>>,
    call: Call,
    model: ModelId,
    request: CompletionRequest,
    budget: Option<Budget>,
    observer: Observer<X::Error>,
) -> CallResult<X::Error> {
    let queued_at = Instant::now();
    let Call { call_id, index, key, place } = call;
    let mut guard = ExecutionGuard {
        inner: Arc::clone(&inner),
        observer,
        call_id,
        index,
        model: model.clone(),
        key,
        finished: false,
    };
    let throttle = inner.throttle(&model);
    let slots = throttle.as_ref().and_then(|t| t.concurrency.clone());
    let permits = take_permits(&inner.pacing, &model, slots, &inner.permits).await;
    let held: Vec<OwnedSemaphorePermit> = place.into_iter().chain(permits).collect();

    let estimated = inner.costing.estimate_usage(&model, &request);
    let estimated_tokens = estimated.total();
    let reservation = match &budget {
        Some(budget) => {
            let cost = inner.costing.cost_usd(&model, &estimated);
            match budget.reserve(CallKind::Subcall, Estimate::new(estimated_tokens, cost)) {
                Ok(reservation) => Some(reservation),
                Err(error) => {
                    let result = Err(SubcallError::Budget(error.clone()));
                    guard.finish(SubcallEventKind::BudgetRefused { error }, &result);
                    return result;
                }
            }
        }
        None => None,
    };
    // The rate limits are waited out within the run's time left: a limit
    // that frees no request before the run's end fails the call then, rather
    // than holding the run past its time budget.
    let shared = inner.shared_gate(&model);
    let run_end = budget.as_ref().and_then(Budget::time_left).map(|left| Instant::now() + left);
    let admitted = before(run_end, async {
        if let Some(throttle) = &throttle {
            throttle.admit(estimated_tokens).await;
        }
        if let Some((limiter, limits)) = &shared {
            limiter.admit(&model, limits, estimated_tokens).await;
        }
    })
    .await;
    if admitted.is_none() {
        drop(reservation);
        let after = queued_at.elapsed();
        let result = Err(SubcallError::Deadline { after, attempts: 0, run_budget: true });
        let error = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        guard.finish(SubcallEventKind::Failed { latency_ms: millis(after), error }, &result);
        return result;
    }

    guard.note(SubcallEventKind::Started {
        queued_ms: millis(queued_at.elapsed()),
        estimated_tokens,
    });
    if let Some(budget) = &budget {
        budget.count_requests(1);
    }
    let sent_at = Instant::now();
    let (deadline, run_budget) = deadline_of(&inner.config, budget.as_ref(), sent_at);
    let gate = CallGate::new(GateState {
        model: model.clone(),
        deadline,
        held: Mutex::new(held),
        global: Arc::clone(&inner.permits),
        throttle: throttle.clone(),
        shared,
        pacing: Arc::clone(&inner.pacing),
        budget: budget.clone(),
        notify: guard.notifier(),
        retries: AtomicU32::new(0),
    });
    let for_cache = inner.cache.as_ref().map(|_| request.clone());
    let call = inner.executor.execute_gated(&model, request, gate.clone());
    let executed = before(deadline, call).await;
    let latency_ms = millis(sent_at.elapsed());
    let seen = gate.retries();
    // The call's permits go back now, with its gate.
    drop(gate);
    let Some(executed) = executed else {
        drop(reservation);
        let attempts = seen.saturating_add(1);
        let result = Err(SubcallError::Deadline { after: sent_at.elapsed(), attempts, run_budget });
        let error = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        guard.finish(SubcallEventKind::Failed { latency_ms, error }, &result);
        return result;
    };
    // Retries the executor waited without the gate are reported now.
    for retry in executed.retries.into_iter().skip(seen as usize) {
        guard.note(SubcallEventKind::Retried {
            attempt: retry.attempt,
            reason: retry.reason,
            delay_ms: retry.delay_ms,
        });
    }
    match executed.result {
        Ok(completion) => {
            inner.pacing.record(&model, None);
            let cost_usd = inner.costing.cost_usd(&model, &completion.usage);
            if let Some(reservation) = reservation {
                let _ = reservation.settle(&completion.usage, cost_usd);
            }
            if let Some(throttle) = &throttle {
                throttle.owe(completion.usage.total().saturating_sub(estimated_tokens));
            }
            if let (Some(cache), Some(request)) = (&inner.cache, &for_cache) {
                cache.put(&model, request, &completion);
            }
            let usage = completion.usage;
            let result = Ok(completion);
            guard.finish(SubcallEventKind::Finished { latency_ms, usage, cost_usd }, &result);
            result
        }
        Err(error) => {
            // A failed call reports no usage: its reservation is released.
            drop(reservation);
            let message = error.to_string();
            let result = Err(SubcallError::Executor(Arc::new(error)));
            guard.finish(SubcallEventKind::Failed { latency_ms, error: message }, &result);
            result
        }
    }
}

/// `fut`'s output, or `None` once `deadline` passes (a timer that needs no
/// runtime: the scheduler runs on any executor).
async fn before<F: std::future::Future>(deadline: Option<Instant>, fut: F) -> Option<F::Output> {
    let Some(at) = deadline else { return Some(fut.await) };
    let timer = futures_timer::Delay::new(at.saturating_duration_since(Instant::now()));
    match futures::future::select(std::pin::pin!(fut), timer).await {
        futures::future::Either::Left((output, _)) => Some(output),
        futures::future::Either::Right(_) => None,
    }
}

/// A call's deadline from `sent_at`: the sooner of the subcall deadline and
/// the run's time left, and whether the run's was the sooner.
fn deadline_of(
    config: &SchedulerConfig,
    budget: Option<&Budget>,
    sent_at: Instant,
) -> (Option<Instant>, bool) {
    let run_left = budget.and_then(Budget::time_left);
    let (limit, run_budget): (Option<Duration>, bool) = match (config.subcall_deadline, run_left) {
        (Some(own), Some(run)) if run < own => (Some(run), true),
        (Some(own), _) => (Some(own), false),
        (None, run) => (run, run.is_some()),
    };
    (limit.and_then(|d| sent_at.checked_add(d)), run_budget)
}

/// Identity of a call for deduplication: the model, the parameters'
/// canonical JSON and each message's role and raw text, every field
/// length-prefixed (no two requests encode alike). The texts are hashed as
/// they are, not JSON-escaped: escaping a 100 KB prompt per call was most of
/// the host's time in a fan-out of big prompts. `None` (no deduplication) if
/// the parameters cannot be encoded.
fn dedup_key(model: &ModelId, request: &CompletionRequest) -> Option<DedupKey> {
    let mut hasher = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    // Destructured, so that a field added to either type fails to compile here.
    let CompletionRequest { messages, params, .. } = request;
    field(model.to_string().as_bytes());
    field(&serde_json::to_vec(params).ok()?);
    field(&(messages.len() as u64).to_le_bytes());
    for rlm_types::ChatMessage { role, content } in messages {
        field(&serde_json::to_vec(role).ok()?);
        field(content.as_bytes());
    }
    Some(*hasher.finalize().as_bytes())
}
