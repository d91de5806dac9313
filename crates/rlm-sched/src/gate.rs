//! What the scheduler puts between the attempts of one call: a [`CallGate`],
//! handed to the executor with the call ([`crate::SubcallExecutor::execute_gated`]).
//!
//! While a retry waits (a 429's `Retry-After`, a backoff), the call holds
//! nothing: its concurrency permits and its place in the batch's window go
//! back, so the other calls use them (a call waiting one second on a slot
//! would otherwise idle that slot for twenty 50 ms answers). After the wait
//! it waits out any pause of its model ([`crate::ProviderPacing`]), takes its
//! permits again, passes the rate limits as a new request, and is counted as
//! one. The gate also reports each retry as it starts (a `Retried` event)
//! and carries the call's deadline: the sooner of the subcall deadline and
//! the run's time left, past which no wait is started.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rlm_policy::Budget;
use rlm_types::ModelId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::ModelLimits;
use crate::events::SubcallEventKind;
use crate::executor::RetryNote;
use crate::limiter::ModelThrottle;
use crate::pacing::ProviderPacing;
use crate::shared::SharedLimiter;

/// The scheduler's side of one call's retries (see the module docs). Cheap to
/// clone; the permits it holds go back when the call ends.
#[derive(Clone)]
pub struct CallGate {
    state: Arc<GateState>,
}

impl std::fmt::Debug for CallGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallGate")
            .field("model", &self.state.model)
            .field("deadline", &self.state.deadline)
            .finish_non_exhaustive()
    }
}

/// Reports an event of the call (a closure over the scheduler, the batch's
/// observer and the call's ids).
pub(crate) type Notify = Box<dyn Fn(SubcallEventKind) + Send + Sync>;

pub(crate) struct GateState {
    pub model: ModelId,
    pub deadline: Option<Instant>,
    /// The permits the call holds while it is sent: its concurrency permits,
    /// and its place in its batch's window until its first retry (given back
    /// for good: a retrying call is already admitted).
    pub held: Mutex<Vec<OwnedSemaphorePermit>>,
    pub global: Arc<Semaphore>,
    pub throttle: Option<Arc<ModelThrottle>>,
    /// The cluster's limiter, with the model's limits (only when it has some).
    pub shared: Option<(Arc<dyn SharedLimiter>, ModelLimits)>,
    pub pacing: Arc<ProviderPacing>,
    pub budget: Option<Budget>,
    pub notify: Notify,
    pub retries: AtomicU32,
}

impl CallGate {
    pub(crate) fn new(state: GateState) -> CallGate {
        CallGate { state: Arc::new(state) }
    }

    /// A gate over nothing (no permits, no limits, no deadline): for
    /// executors driven outside a scheduler, e.g. in tests.
    pub fn detached(model: ModelId) -> CallGate {
        CallGate::new(GateState {
            model,
            deadline: None,
            held: Mutex::new(Vec::new()),
            global: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
            throttle: None,
            shared: None,
            pacing: Arc::new(ProviderPacing::default()),
            budget: None,
            notify: Box::new(|_| {}),
            retries: AtomicU32::new(0),
        })
    }

    /// No retry whose wait would end after this instant may start.
    pub fn deadline(&self) -> Option<Instant> {
        self.state.deadline
    }

    /// Retries that went through this gate so far.
    pub fn retries(&self) -> u32 {
        self.state.retries.load(Ordering::Relaxed)
    }

    /// Waits out one retry: reports it, tells the model's pacing of a rate
    /// limit (`rate_limited`: the failed attempt was a 429), gives the call's
    /// permits back, awaits `wait` (the retry's delay), then any pause of the
    /// model, takes the permits again and passes the rate limits. Returns when
    /// the next attempt may be sent.
    pub async fn between_attempts(
        &self,
        note: RetryNote,
        rate_limited: bool,
        wait: BoxFuture<'static, ()>,
    ) {
        let s = &self.state;
        s.retries.fetch_add(1, Ordering::Relaxed);
        let delay = Duration::from_millis(note.delay_ms);
        (s.notify)(SubcallEventKind::Retried {
            attempt: note.attempt,
            reason: note.reason,
            delay_ms: note.delay_ms,
        });
        if rate_limited {
            s.pacing.record(&s.model, Some(delay));
        }
        s.held.lock().unwrap_or_else(PoisonError::into_inner).clear();
        wait.await;
        let slots = s.throttle.as_ref().and_then(|t| t.concurrency.clone());
        let permits = take_permits(&s.pacing, &s.model, slots, &s.global).await;
        s.held.lock().unwrap_or_else(PoisonError::into_inner).extend(permits);
        // A new request for the rate limits; its tokens were charged with
        // the first attempt (a refused request used none).
        if let Some(throttle) = &s.throttle {
            throttle.admit(0).await;
        }
        if let Some((shared, limits)) = &s.shared {
            shared.admit(&s.model, limits, 0).await;
        }
        if let Some(budget) = &s.budget {
            budget.count_requests(1);
        }
    }
}

/// A call's concurrency permits, taken once `model` is not paused: the
/// model's own permit first, so that calls queued behind a busy model do not
/// sit on global permits other models could use, then the global one. A
/// pause that began while the call queued sends it back to wait (without its
/// permits), so a pause stops every call, not only those not yet queued.
/// The semaphores are never closed: `acquire` cannot fail.
pub(crate) async fn take_permits(
    pacing: &ProviderPacing,
    model: &ModelId,
    model_slots: Option<Arc<Semaphore>>,
    global: &Arc<Semaphore>,
) -> Vec<OwnedSemaphorePermit> {
    loop {
        pacing.wait_turn(model).await;
        let own = match &model_slots {
            Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
            None => None,
        };
        let shared = Arc::clone(global).acquire_owned().await.ok();
        if pacing.paused_until(model).is_none() {
            return own.into_iter().chain(shared).collect();
        }
    }
}
