//! What one run (the root run or a sub-RLM) works within, held once and
//! shared by its loop, its host-call server and its root-model calls: the
//! engine, the trace recorder and the run's span, its level of the budget
//! tree, its context, its depth, the execution's cancellation, and its
//! retrieval state.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use futures::future::{Either, select};
use rlm_context::Context;
use rlm_policy::Budget;
use rlm_trace::{SpanId, TraceRecorder};
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use rlm_functions::RunRetrieval;

pub(crate) struct RunScope {
    pub engine: Arc<Engine>,
    pub recorder: TraceRecorder,
    /// The run's span: model calls, programs and budget events hang from it.
    pub run_span: SpanId,
    pub budget: Budget,
    pub context: Context,
    /// 0 for the root run.
    pub depth: u32,
    /// Cancels the whole execution (every level shares it).
    pub cancel: Option<CancellationToken>,
    /// Stream the root model's replies as trace deltas.
    pub stream_root: bool,
    /// `search`/`es_*` state (its context index and cache), when configured.
    pub retrieval: Option<Rc<RunRetrieval>>,
}

impl RunScope {
    pub fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancellationToken::is_cancelled)
    }

    /// `fut`'s output, or `None` if the execution is cancelled first (then
    /// `fut` is dropped: a batch of subcalls is abandoned, its reservations
    /// released).
    pub async fn unless_cancelled<F: Future>(&self, fut: F) -> Option<F::Output> {
        let Some(cancel) = &self.cancel else { return Some(fut.await) };
        let cancelled = cancel.cancelled();
        futures::pin_mut!(fut, cancelled);
        match select(fut, cancelled).await {
            Either::Left((out, _)) => Some(out),
            Either::Right(((), _)) => None,
        }
    }
}
