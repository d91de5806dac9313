//! Turns a provider's SSE events into [`StreamEvent`]s: each adapter supplies
//! a state that consumes events and produces the final completion; this file
//! owns the loop, the ordering and the "exactly one terminal item" rule.

use std::collections::VecDeque;
use std::time::Instant;

use futures::StreamExt;
use futures::stream::BoxStream;
use rlm_types::Completion;

use crate::adapter::{CompletionEvents, StreamEvent};
use crate::error::AdapterError;
use crate::sse::SseEvent;

/// What an adapter accumulates while its stream runs.
pub(crate) trait StreamState: Send + 'static {
    /// The final completion once the events are over (or why there is none).
    fn finish(self, started: Instant) -> Result<Completion, AdapterError>;
    /// The provider has sent its terminal event; stop reading.
    fn done(&self) -> bool;
}

/// Folds SSE events through `on_event`, yielding its deltas, then `Done` (or one error).
pub(crate) fn fold_sse<S, F>(
    sse: BoxStream<'static, Result<SseEvent, AdapterError>>,
    state: S,
    started: Instant,
    on_event: F,
) -> CompletionEvents
where
    S: StreamState,
    F: FnMut(&mut S, SseEvent) -> Result<Vec<StreamEvent>, AdapterError> + Send + 'static,
{
    struct Fold<S, F> {
        sse: BoxStream<'static, Result<SseEvent, AdapterError>>,
        state: Option<S>,
        queue: VecDeque<Result<StreamEvent, AdapterError>>,
        on_event: F,
        started: Instant,
    }
    let fold = Fold { sse, state: Some(state), queue: VecDeque::new(), on_event, started };
    futures::stream::unfold(fold, |mut f| async move {
        loop {
            if let Some(item) = f.queue.pop_front() {
                return Some((item, f));
            }
            let state = f.state.as_mut()?;
            let next = if state.done() { None } else { f.sse.next().await };
            match next {
                Some(Ok(ev)) => match (f.on_event)(state, ev) {
                    Ok(evs) => f.queue.extend(evs.into_iter().map(Ok)),
                    Err(e) => {
                        f.state = None;
                        return Some((Err(e), f));
                    }
                },
                Some(Err(e)) => {
                    f.state = None;
                    return Some((Err(e), f));
                }
                None => {
                    let st = f.state.take()?;
                    let item =
                        st.finish(f.started).map(|completion| StreamEvent::Done { completion });
                    return Some((item, f));
                }
            }
        }
    })
    .boxed()
}

/// The events of a completion that arrived in one piece: one delta (if any
/// text), then `Done`; or the error alone.
pub(crate) fn single_shot(result: Result<Completion, AdapterError>) -> CompletionEvents {
    let events: Vec<Result<StreamEvent, AdapterError>> = match result {
        Ok(completion) => {
            let mut v = Vec::new();
            if !completion.text.is_empty() {
                v.push(Ok(StreamEvent::Delta { text: completion.text.clone() }));
            }
            v.push(Ok(StreamEvent::Done { completion }));
            v
        }
        Err(e) => vec![Err(e)],
    };
    futures::stream::iter(events).boxed()
}
