//! The live event log of one running execution. Every event (trace events,
//! root-model tokens, start and end) is appended once, serialised once, and
//! numbered; any number of listeners read it from any position (a late
//! listener from 0, a reconnecting one from its `Last-Event-ID`), then wait
//! for new events. A slow listener never holds the execution up and never
//! misses an event: the log keeps them all until the execution has ended and
//! been stored.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::Stream;
use rlm_trace::{ModelDelta, TraceEvent, TraceListener};
use serde::Serialize;
use tokio::sync::Notify;

/// The SSE event name of a trace event: its kind's name, except a trace
/// `error` (a program's exception, a failed model call: the run goes on, or
/// ends on its own `run_finished`), which is `trace_error` so that `error`
/// names only the execution's terminal failure (the RLM Engine's clients
/// stop at `error`).
pub fn sse_name(event: &TraceEvent) -> &'static str {
    match event.kind {
        rlm_trace::EventKind::Error(_) => "trace_error",
        ref kind => kind.name(),
    }
}

/// The SSE event name of the execution's end when it did not complete.
pub const FAILED_EVENT: &str = "error";

/// The SSE event name of the execution's end when it completed.
pub const COMPLETE_EVENT: &str = "complete";

/// One event of the log.
#[derive(Debug)]
pub struct BusEvent {
    /// Position in the log (the SSE `id`).
    pub id: u64,
    /// The SSE event name (`run_started`, `token`, `complete`, ...).
    pub name: String,
    /// `{"type": name, "data": ...}`, serialised.
    pub json: String,
    /// The trace event, for events that are one (to store).
    pub trace: Option<TraceEvent>,
}

#[derive(Default)]
struct Log {
    events: Vec<Arc<BusEvent>>,
    closed: bool,
}

/// See the module docs.
#[derive(Default)]
pub struct ExecutionBus {
    log: Mutex<Log>,
    notify: Notify,
}

impl ExecutionBus {
    pub fn new() -> Arc<Self> {
        Arc::new(ExecutionBus::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an event (ignored once the log is closed).
    pub fn push(&self, name: &str, data: serde_json::Value, trace: Option<TraceEvent>) {
        self.push_json(name, frame_json(name, &data), trace);
    }

    /// Appends a trace event, serialised once, straight from its type (no
    /// `serde_json::Value` in between: this runs for every event of every
    /// execution).
    pub fn push_trace(&self, event: &TraceEvent) {
        let name = sse_name(event);
        self.push_json(name, frame_json(name, event), Some(event.clone()));
    }

    fn push_json(&self, name: &str, json: String, trace: Option<TraceEvent>) {
        {
            let mut log = self.lock();
            if log.closed {
                return;
            }
            let id = log.events.len() as u64;
            log.events.push(Arc::new(BusEvent { id, name: name.to_string(), json, trace }));
        }
        self.notify.notify_waiters();
    }

    /// Appends a frame another process's log sent (its JSON as it was),
    /// unless the log is closed. Returns its id here.
    pub fn push_sent(&self, name: &str, json: String, trace: Option<TraceEvent>) -> u64 {
        let id = {
            let mut log = self.lock();
            let id = log.events.len() as u64;
            if log.closed {
                return id;
            }
            log.events.push(Arc::new(BusEvent { id, name: name.to_string(), json, trace }));
            id
        };
        self.notify.notify_waiters();
        id
    }

    /// No more events: listeners end after reading the rest.
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
    }

    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    /// The trace events logged so far, in order.
    pub fn trace_events(&self) -> Vec<TraceEvent> {
        self.lock().events.iter().filter_map(|e| e.trace.clone()).collect()
    }

    /// The events from position `from` on: those logged so far, then live
    /// ones, ending when the log is closed and read.
    pub fn subscribe(self: &Arc<Self>, from: usize) -> impl Stream<Item = Arc<BusEvent>> + use<> {
        let state = (Arc::clone(self), from, VecDeque::new());
        futures::stream::unfold(state, |(bus, mut next, mut buffered)| async move {
            loop {
                if let Some(event) = buffered.pop_front() {
                    return Some((event, (bus, next, buffered)));
                }
                // Register for a wake-up before looking, so none is missed.
                let notified = bus.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                {
                    let log = bus.lock();
                    if next < log.events.len() {
                        buffered.extend(log.events[next..].iter().cloned());
                        next = log.events.len();
                        continue;
                    }
                    if log.closed {
                        return None;
                    }
                }
                notified.await;
            }
        })
    }
}

/// `{"type": name, "data": data}`, serialised.
fn frame_json<T: Serialize + ?Sized>(name: &str, data: &T) -> String {
    #[derive(Serialize)]
    struct Frame<'a, T: ?Sized> {
        r#type: &'a str,
        data: &'a T,
    }
    // Serialising a trace event or a JSON value cannot fail (string keys, no
    // foreign `Serialize`); if one ever did, its listeners get a null.
    serde_json::to_string(&Frame { r#type: name, data })
        .unwrap_or_else(|_| frame_json(name, &serde_json::Value::Null))
}

/// Feeds one execution's bus from its trace: each trace event, and each
/// streamed piece of a root-model reply (`token`: `{model, span_id, text}`).
pub struct BusListener {
    bus: Arc<ExecutionBus>,
    /// The root model's id, named in `token` events.
    model: String,
}

impl BusListener {
    pub fn new(bus: Arc<ExecutionBus>, model: String) -> Self {
        BusListener { bus, model }
    }
}

impl TraceListener for BusListener {
    fn on_event(&self, event: &TraceEvent) {
        self.bus.push_trace(event);
    }

    fn on_delta(&self, delta: &ModelDelta) {
        if delta.text.is_empty() {
            return;
        }
        #[derive(Serialize)]
        struct Token<'a> {
            model: &'a str,
            span_id: &'a rlm_trace::SpanId,
            text: &'a str,
        }
        let token = Token { model: &self.model, span_id: &delta.span_id, text: &delta.text };
        self.bus.push_json("token", frame_json("token", &token), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn late_and_early_listeners_see_every_event_in_order() {
        let bus = ExecutionBus::new();
        let early = tokio::spawn(bus.subscribe(0).map(|e| e.id).collect::<Vec<_>>());
        for i in 0..50 {
            bus.push("n", serde_json::json!(i), None);
            if i % 7 == 0 {
                tokio::task::yield_now().await;
            }
        }
        let late = tokio::spawn(bus.subscribe(0).map(|e| e.id).collect::<Vec<_>>());
        let resumed = tokio::spawn(bus.subscribe(40).map(|e| e.id).collect::<Vec<_>>());
        for i in 50..100 {
            bus.push("n", serde_json::json!(i), None);
        }
        bus.close();
        bus.push("after-close", serde_json::Value::Null, None);
        let all: Vec<u64> = (0..100).collect();
        assert_eq!(early.await.unwrap(), all);
        assert_eq!(late.await.unwrap(), all);
        assert_eq!(resumed.await.unwrap(), (40..100).collect::<Vec<u64>>());
    }
}
