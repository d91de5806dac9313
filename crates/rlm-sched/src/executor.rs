//! How the scheduler makes one model call: the [`SubcallExecutor`] trait the
//! embedder implements (usually over an `rlm-adapters` adapter), what a call
//! reports besides its result (its retries), and [`FnExecutor`] for plain
//! async closures.

use std::future::Future;

use futures::future::BoxFuture;
use rlm_types::{Completion, CompletionRequest, ModelId};

use crate::gate::CallGate;

/// Performs one model call. The scheduler knows nothing of HTTP or providers:
/// retries, timeouts and provider errors live behind this trait.
///
/// The returned future must be `'static` (it may outlive the borrow of `self`
/// while the scheduler shares it between deduplicated callers) and must be
/// cancel-safe in the usual sense: dropping it abandons the call.
pub trait SubcallExecutor: Send + Sync + 'static {
    type Error: std::error::Error + Send + Sync + 'static;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, Self::Error>>;

    /// The call and the retries it took (reported as `Retried` events). The
    /// default runs [`SubcallExecutor::execute`] and reports none; an executor
    /// that retries should override it.
    fn execute_reporting(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Executed<Self::Error>> {
        let call = self.execute(model, request);
        Box::pin(async move { Executed { result: call.await, retries: Vec::new() } })
    }

    /// The call with the scheduler's [`CallGate`] between its attempts: an
    /// executor that retries waits each retry through
    /// [`CallGate::between_attempts`] (the call's permits go back meanwhile)
    /// and starts none past [`CallGate::deadline`]. The default runs
    /// [`SubcallExecutor::execute_reporting`] (its retries, if any, hold the
    /// call's permits and are reported when it ends).
    fn execute_gated(
        &self,
        model: &ModelId,
        request: CompletionRequest,
        gate: CallGate,
    ) -> BoxFuture<'static, Executed<Self::Error>> {
        let _ = gate;
        self.execute_reporting(model, request)
    }
}

/// One retry of a call: which attempt, why, and how long the executor waited.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RetryNote {
    /// 1 for the first retry.
    pub attempt: u32,
    /// A short machine-friendly reason (`rate_limited`, `http_503`, `timeout`...).
    pub reason: String,
    pub delay_ms: u64,
}

/// What an executor reports for one call.
#[derive(Debug)]
pub struct Executed<E> {
    pub result: Result<Completion, E>,
    /// Every retry, in order (empty when the first attempt settled the call).
    pub retries: Vec<RetryNote>,
}

/// A [`SubcallExecutor`] made from an async closure
/// `Fn(ModelId, CompletionRequest) -> impl Future<Output = Result<Completion, E>>`.
pub struct FnExecutor<F>(pub F);

impl<F, Fut, E> SubcallExecutor for FnExecutor<F>
where
    F: Fn(ModelId, CompletionRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Completion, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, E>> {
        Box::pin((self.0)(model.clone(), request))
    }
}

/// A shared executor (e.g. one adapter behind several schedulers).
impl<X: SubcallExecutor> SubcallExecutor for std::sync::Arc<X> {
    type Error = X::Error;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, Self::Error>> {
        (**self).execute(model, request)
    }

    fn execute_reporting(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Executed<Self::Error>> {
        (**self).execute_reporting(model, request)
    }

    fn execute_gated(
        &self,
        model: &ModelId,
        request: CompletionRequest,
        gate: CallGate,
    ) -> BoxFuture<'static, Executed<Self::Error>> {
        (**self).execute_gated(model, request, gate)
    }
}
