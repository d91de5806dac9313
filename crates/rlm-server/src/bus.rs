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
    /// Where `json`'s `data` starts when it is `trace`'s own serde_json
    /// encoding (events [`ExecutionBus::push_trace`] framed): the store keeps
    /// that slice instead of encoding the event a second time.
    data_at: Option<usize>,
}

impl BusEvent {
    /// The trace event's JSON (its serde_json encoding, the frame's `data`),
    /// when this log encoded it; `None` for frames that are not trace events
    /// or came encoded from another process.
    pub fn trace_json(&self) -> Option<&str> {
        self.trace.as_ref()?;
        // The frame ends with the `}` closing it, after the data.
        self.json.get(self.data_at?..self.json.len().checked_sub(1)?)
    }
}

#[derive(Default)]
struct Log {
    /// In id order; ids increase, with a gap where a log goes on from a
    /// later base (a resumed execution's attempt, see [`attempt_base`]).
    events: Vec<Arc<BusEvent>>,
    /// The id of the next event pushed here.
    next_id: u64,
    closed: bool,
}

impl Log {
    /// The index of the first event whose id is at least `id`.
    fn index_of(&self, id: u64) -> usize {
        self.events.partition_point(|e| e.id < id)
    }
}

/// The first id of attempt `attempt`'s log of an execution (1 → 0). A
/// redelivered execution's log starts past any id an earlier attempt can
/// have sent, so the ids a client saw, and the positions the trace is
/// stored at, only grow across attempts.
pub fn attempt_base(attempt: u32) -> u64 {
    u64::from(attempt.saturating_sub(1)) << 32
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

    /// A log whose first event gets id `base`.
    pub fn starting_at(base: u64) -> Arc<Self> {
        let bus = ExecutionBus::default();
        bus.lock().next_id = base;
        Arc::new(bus)
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
        match trace_frame(name, event) {
            Some((json, data_at)) => {
                self.push_framed(name, json, Some(event.clone()), Some(data_at));
            }
            None => self.push_json(name, frame_json(name, event), Some(event.clone())),
        }
    }

    /// Appends a frame serialised already (`{"type": name, "data": ...}`,
    /// as [`ExecutionBus::push`] writes it) that is not a trace event.
    pub fn push_encoded(&self, name: &str, json: String) {
        self.push_json(name, json, None);
    }

    fn push_json(&self, name: &str, json: String, trace: Option<TraceEvent>) {
        self.push_framed(name, json, trace, None);
    }

    fn push_framed(
        &self,
        name: &str,
        json: String,
        trace: Option<TraceEvent>,
        data_at: Option<usize>,
    ) {
        {
            let mut log = self.lock();
            if log.closed {
                return;
            }
            let id = log.next_id;
            log.next_id += 1;
            let event = BusEvent { id, name: name.to_string(), json, trace, data_at };
            log.events.push(Arc::new(event));
        }
        self.notify.notify_waiters();
    }

    /// Appends a frame another process's log sent (its JSON as it was) at
    /// its id there, `id`, if that is past this log's last (else at the next
    /// id), unless the log is closed. Returns its id here.
    pub fn push_sent(&self, id: u64, name: &str, json: String, trace: Option<TraceEvent>) -> u64 {
        let id = {
            let mut log = self.lock();
            let id = id.max(log.next_id);
            if log.closed {
                return id;
            }
            log.next_id = id + 1;
            // Encoded elsewhere: the store encodes its trace event itself.
            let event = BusEvent { id, name: name.to_string(), json, trace, data_at: None };
            log.events.push(Arc::new(event));
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

    /// The id the next event will get (the number of events, unless the
    /// log started past 0 or jumped).
    pub fn next_id(&self) -> u64 {
        self.lock().next_id
    }

    /// The trace events logged so far, in order. An event whose `seq` is not
    /// past the one before it starts again from there: a later attempt of
    /// the execution went on from its checkpoint, and what the earlier one
    /// logged after that checkpoint (a mirror's log has it) is not its trace.
    pub fn trace_events(&self) -> Vec<TraceEvent> {
        let log = self.lock();
        let mut trace: Vec<TraceEvent> = Vec::new();
        for e in log.events.iter().filter_map(|e| e.trace.as_ref()) {
            while trace.last().is_some_and(|last| last.seq >= e.seq) {
                trace.pop();
            }
            trace.push(e.clone());
        }
        trace
    }

    /// The events from id `from` on: those logged so far, then live ones,
    /// ending when the log is closed and read.
    pub fn subscribe(self: &Arc<Self>, from: u64) -> impl Stream<Item = Arc<BusEvent>> + use<> {
        let start = self.lock().index_of(from);
        let state = (Arc::clone(self), start, VecDeque::new());
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

/// `{"type": name, "data": event}` as [`frame_json`] writes it, built
/// around the event's own encoding, and where that encoding starts in it
/// (see [`BusEvent::trace_json`]). `None` if the event does not serialise.
fn trace_frame(name: &str, event: &TraceEvent) -> Option<(String, usize)> {
    let name = serde_json::to_string(name).ok()?;
    let data = serde_json::to_string(event).ok()?;
    let mut json = String::with_capacity(data.len() + name.len() + 19);
    json.push_str("{\"type\":");
    json.push_str(&name);
    json.push_str(",\"data\":");
    let data_at = json.len();
    json.push_str(&data);
    json.push('}');
    Some((json, data_at))
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

    #[tokio::test]
    async fn a_later_attempt_s_log_goes_on_past_every_earlier_id() {
        assert_eq!((attempt_base(0), attempt_base(1)), (0, 0));
        assert_eq!(attempt_base(2), 1 << 32);
        let worker = ExecutionBus::starting_at(attempt_base(2));
        worker.push("n", serde_json::json!(0), None);
        assert_eq!(worker.next_id(), (1 << 32) + 1);
        // A mirror with the first attempt's frames takes the second's at their ids.
        let mirror = ExecutionBus::new();
        for i in 0..3 {
            assert_eq!(mirror.push_sent(i, "n", "{}".into(), None), i);
        }
        assert_eq!(mirror.push_sent(1, "late", "{}".into(), None), 3, "never back");
        assert_eq!(mirror.push_sent(1 << 32, "n", "{}".into(), None), 1 << 32);
        mirror.push("end", serde_json::Value::Null, None);
        mirror.close();
        let all: Vec<u64> = mirror.subscribe(0).map(|e| e.id).collect().await;
        assert_eq!(all, [0, 1, 2, 3, 1 << 32, (1 << 32) + 1]);
        let from: Vec<u64> = mirror.subscribe(4).map(|e| e.id).collect().await;
        assert_eq!(from, [1 << 32, (1 << 32) + 1], "resumed between the attempts");
    }

    #[test]
    fn a_trace_event_is_encoded_once_for_its_frame_and_its_store() {
        let rec = rlm_trace::TraceRecorder::new();
        let run = rec.start_run(None, rlm_trace::RunStarted::default());
        rec.error(run, rlm_trace::ErrorEvent { message: "a \"quoted\" }".into(), fatal: false });
        let bus = ExecutionBus::new();
        for e in rec.events() {
            bus.push_trace(&e);
        }
        bus.push("token", serde_json::json!({"text": "t"}), None);
        let first = rec.events()[0].clone();
        bus.push_sent(9, "run_started", frame_json("run_started", &first), Some(first));
        let log = bus.lock();
        for (e, event) in log.events.iter().zip(rec.events()) {
            // The frame is what `frame_json` writes; its data is the event's encoding.
            assert_eq!(e.json, frame_json(sse_name(&event), &event));
            let stored = e.trace_json().unwrap();
            assert_eq!(stored, serde_json::to_string(&event).unwrap());
            assert_eq!(serde_json::from_str::<TraceEvent>(stored).unwrap(), event);
        }
        assert_eq!(log.events[1].name, "trace_error");
        assert_eq!(log.events[2].trace_json(), None, "not a trace event");
        assert_eq!(log.events[3].trace_json(), None, "framed by another process");
    }

    #[test]
    fn a_later_attempt_s_events_replace_what_the_earlier_logged_past_its_checkpoint() {
        let rec = rlm_trace::TraceRecorder::new();
        let run = rec.start_run(None, rlm_trace::RunStarted::default());
        for i in 0..4 {
            rec.error(run, rlm_trace::ErrorEvent { message: format!("{i}"), fatal: false });
        }
        let events = rec.events();
        let bus = ExecutionBus::new();
        let push = |e: &TraceEvent| bus.push("n", serde_json::Value::Null, Some(e.clone()));
        // The first attempt logs seq 0..=4 and dies; the checkpoint was after seq 1.
        events.iter().for_each(push);
        bus.push("token", serde_json::Value::Null, None);
        // The second goes on at seq 2.
        events[2..].iter().for_each(push);
        let seqs: Vec<u64> = bus.trace_events().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4], "each once, the second attempt's from seq 2");
    }
}
