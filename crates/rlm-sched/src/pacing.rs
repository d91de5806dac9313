//! Provider pushback, shared by every call to a model: when a provider
//! refuses most of what it is sent with rate limits (429s), every call to it
//! waits out the provider's hint before sending, not only the refused ones.
//!
//! A single 429 slows only its own call (it waits the `Retry-After` it got):
//! a provider that sheds a few requests still serves most, and pausing
//! everything on each refusal would cost more than the refused requests. But
//! when at least half of the last [`WINDOW`] responses of a model were 429s
//! (at least [`MIN_SAMPLES`] of them seen), every call sent now is most
//! likely wasted: the model pauses until the hint of the 429 that tipped the
//! balance has passed, for every call of every batch that shares this
//! [`ProviderPacing`] (by default one per process, [`ProviderPacing::process`]).
//!
//! At a 20% rate of random 429s, half of 50 responses being 429s has
//! probability 2e-6 (half of the first 20: 3e-3); simulated, 0.4% of runs of
//! 1,250 responses pause once, so the pause does not slow an honest run.
//! Against a provider that refuses most of what it is sent, it trips at the
//! 20th response.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use rlm_types::ModelId;

/// Responses of a model remembered for the share of 429s.
pub const WINDOW: usize = 50;
/// Responses needed before the share can pause a model.
pub const MIN_SAMPLES: usize = 20;

/// The pushback state of every model, shared by the schedulers that hold it.
#[derive(Debug, Default)]
pub struct ProviderPacing {
    models: DashMap<ModelId, Arc<Mutex<ModelPace>>>,
}

#[derive(Debug, Default)]
struct ModelPace {
    /// The last responses, `true` for a 429.
    recent: VecDeque<bool>,
    limited: usize,
    paused_until: Option<Instant>,
}

static PROCESS: LazyLock<Arc<ProviderPacing>> = LazyLock::new(Arc::default);

impl ProviderPacing {
    /// The process's pacing: every scheduler built without its own shares it,
    /// so a provider's pushback slows the whole process's calls to it.
    pub fn process() -> Arc<ProviderPacing> {
        Arc::clone(&PROCESS)
    }

    fn pace(&self, model: &ModelId) -> Arc<Mutex<ModelPace>> {
        if let Some(p) = self.models.get(model) {
            return Arc::clone(p.value());
        }
        Arc::clone(self.models.entry(model.clone()).or_default().value())
    }

    /// Records a response of `model`: a 429 whose retry waits `wait`
    /// (`Some`), or any other response (`None`). Returns the instant the
    /// model is now paused until, when this 429 paused it.
    pub fn record(&self, model: &ModelId, limited_for: Option<Duration>) -> Option<Instant> {
        let pace = self.pace(model);
        let mut p = pace.lock().unwrap_or_else(PoisonError::into_inner);
        p.recent.push_back(limited_for.is_some());
        if limited_for.is_some() {
            p.limited += 1;
        }
        if p.recent.len() > WINDOW && p.recent.pop_front() == Some(true) {
            p.limited -= 1;
        }
        let wait = limited_for?;
        if p.recent.len() < MIN_SAMPLES || p.limited * 2 < p.recent.len() {
            return None;
        }
        let until = Instant::now().checked_add(wait)?;
        if p.paused_until.is_none_or(|t| t < until) {
            p.paused_until = Some(until);
        }
        p.paused_until
    }

    /// When `model` may be sent to again (`None`: now).
    pub fn paused_until(&self, model: &ModelId) -> Option<Instant> {
        let pace = self.models.get(model).map(|p| Arc::clone(p.value()))?;
        let until = pace.lock().unwrap_or_else(PoisonError::into_inner).paused_until?;
        (until > Instant::now()).then_some(until)
    }

    /// Waits while `model` is paused (re-checking: a pause may be extended
    /// while it waits). The timer needs no runtime: the scheduler runs on any
    /// executor.
    pub(crate) async fn wait_turn(&self, model: &ModelId) {
        while let Some(until) = self.paused_until(model) {
            futures_timer::Delay::new(until.saturating_duration_since(Instant::now())).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> ModelId {
        ModelId::new("mock", "pacing")
    }

    #[test]
    fn a_minority_of_429s_pauses_nothing() {
        let pacing = ProviderPacing::default();
        let second = Duration::from_secs(1);
        for i in 0..500 {
            // Every fifth response a 429: 20%.
            assert_eq!(pacing.record(&model(), (i % 5 == 0).then_some(second)), None);
        }
        assert_eq!(pacing.paused_until(&model()), None);
    }

    #[test]
    fn a_majority_of_429s_pauses_the_model_for_the_hint() {
        let pacing = ProviderPacing::default();
        let wait = Duration::from_secs(3);
        // Too few responses yet to judge.
        for _ in 0..MIN_SAMPLES - 1 {
            assert_eq!(pacing.record(&model(), Some(wait)), None);
        }
        let until = pacing.record(&model(), Some(wait)).expect("paused");
        assert!(until > Instant::now() + Duration::from_secs(2));
        assert_eq!(pacing.paused_until(&model()), Some(until));
        // Another model is not paused.
        assert_eq!(pacing.paused_until(&ModelId::new("mock", "other")), None);
        // Successes bring the share under half: the next 429 pauses nothing more.
        for _ in 0..WINDOW {
            pacing.record(&model(), None);
        }
        assert_eq!(pacing.record(&model(), Some(Duration::from_secs(60))), None);
        assert_eq!(pacing.paused_until(&model()), Some(until));
    }
}
