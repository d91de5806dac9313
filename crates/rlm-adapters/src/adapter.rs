//! The `ModelAdapter` trait every provider implements, and what a call returns:
//! the completion (or typed error) together with the retries it took, so the
//! trace can count them whether the call succeeded or not.

use std::sync::Arc;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use rlm_types::{Completion, CompletionRequest, ModelId};
use serde::Serialize;

use crate::error::AdapterError;
use crate::retry::{RetryGate, RetryRecord};

/// The outcome of one logical model call, retries included.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub result: Result<Completion, AdapterError>,
    /// Every retry, in order (empty when the first attempt settled the call).
    pub retries: Vec<RetryRecord>,
    /// Requests actually sent (`retries.len() + 1` for HTTP adapters).
    pub attempts: u32,
}

impl CallReport {
    /// A call settled by its first attempt.
    pub fn single(result: Result<Completion, AdapterError>) -> Self {
        CallReport { result, retries: Vec::new(), attempts: 1 }
    }
}

/// A piece of a streamed completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// New text, in order.
    Delta { text: String },
    /// The last event: the whole completion (its text is the concatenation of the deltas).
    Done { completion: Completion },
}

/// The events of a streamed completion. It ends after `Done` or after an error.
pub type CompletionEvents = BoxStream<'static, Result<StreamEvent, AdapterError>>;

/// The outcome of opening a stream: the retries it took to get a 2xx, then the events.
pub struct StreamReport {
    pub result: Result<CompletionEvents, AdapterError>,
    pub retries: Vec<RetryRecord>,
    pub attempts: u32,
}

impl std::fmt::Debug for StreamReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReport")
            .field("result", &self.result.as_ref().map(|_| "<stream>"))
            .field("retries", &self.retries)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A model behind some API. Object-safe: use it as `Arc<dyn ModelAdapter>`
/// from any tokio task.
pub trait ModelAdapter: Send + Sync {
    /// Which provider and model this adapter calls (stable: cache keys, prices).
    fn model_id(&self) -> ModelId;

    /// The model's context window in tokens, when known.
    fn context_window(&self) -> Option<u64> {
        None
    }

    /// Whether `stream` streams for real (otherwise it yields one delta).
    fn supports_streaming(&self) -> bool {
        false
    }

    /// Whether the provider decodes under a grammar constraint
    /// ([`rlm_types::OutputConstraint::Grammar`]: llama.cpp's `grammar`);
    /// one that does not ignores it (the loop then breaks a degenerate
    /// reply another way).
    fn decodes_grammar(&self) -> bool {
        false
    }
    /// The run clock this adapter keeps times on: a recording's (each
    /// exchange's time) or a replay's (moved to those times); `None` for the
    /// others. A run's budget reads its wall time on it.
    fn run_clock(&self) -> Option<rlm_types::RunClock> {
        None
    }

    /// One completion, with its retries.
    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport>;

    /// [`ModelAdapter::call`] with `gate` between its attempts: a scheduler's
    /// [`RetryGate`] (it frees the call's concurrency slot while a retry
    /// waits, and its deadline ends the retries). The default ignores the
    /// gate: an adapter that does not retry has no attempts to put it between.
    fn call_gated<'a>(
        &'a self,
        request: &'a CompletionRequest,
        gate: Option<&'a dyn RetryGate>,
    ) -> BoxFuture<'a, CallReport> {
        let _ = gate;
        self.call(request)
    }

    /// One completion (retries folded away; use [`ModelAdapter::call`] to see them).
    fn complete<'a>(
        &'a self,
        request: &'a CompletionRequest,
    ) -> BoxFuture<'a, Result<Completion, AdapterError>> {
        Box::pin(async move { self.call(request).await.result })
    }

    /// A streamed completion: text deltas, then the final completion.
    /// The default runs [`ModelAdapter::call`] and yields its text as one delta.
    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let report = self.call(request).await;
            let result = report.result.map(|completion| {
                let events = vec![
                    Ok(StreamEvent::Delta { text: completion.text.clone() }),
                    Ok(StreamEvent::Done { completion }),
                ];
                futures::stream::iter(events).boxed()
            });
            StreamReport { result, retries: report.retries, attempts: report.attempts }
        })
    }
}

impl<T: ModelAdapter + ?Sized> ModelAdapter for Arc<T> {
    fn model_id(&self) -> ModelId {
        (**self).model_id()
    }
    fn context_window(&self) -> Option<u64> {
        (**self).context_window()
    }
    fn supports_streaming(&self) -> bool {
        (**self).supports_streaming()
    }
    fn decodes_grammar(&self) -> bool {
        (**self).decodes_grammar()
    }
    fn run_clock(&self) -> Option<rlm_types::RunClock> {
        (**self).run_clock()
    }
    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        (**self).call(request)
    }
    fn call_gated<'a>(
        &'a self,
        request: &'a CompletionRequest,
        gate: Option<&'a dyn RetryGate>,
    ) -> BoxFuture<'a, CallReport> {
        (**self).call_gated(request, gate)
    }
    fn complete<'a>(
        &'a self,
        request: &'a CompletionRequest,
    ) -> BoxFuture<'a, Result<Completion, AdapterError>> {
        (**self).complete(request)
    }
    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        (**self).stream(request)
    }
}

/// Drains a stream: the deltas in order and the final completion. An error
/// event, or an end without `Done`, is an error.
pub async fn collect_stream(
    mut events: CompletionEvents,
) -> Result<(Vec<String>, Completion), AdapterError> {
    let mut deltas = Vec::new();
    while let Some(ev) = events.next().await {
        match ev? {
            StreamEvent::Delta { text } => deltas.push(text),
            StreamEvent::Done { completion } => return Ok((deltas, completion)),
        }
    }
    Err(AdapterError::Connection {
        attempts: 1,
        message: "stream ended before its final event".into(),
    })
}
