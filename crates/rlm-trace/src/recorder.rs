//! [`TraceRecorder`]: the thread-safe, cheaply cloned handle every part of a
//! run records into, and the [`TraceListener`]s that see events live.
//!
//! Sequence numbers are assigned, events stored and listeners called under one
//! lock, so the stored stream, the `seq` order and the order listeners see are
//! the same, whatever the number of threads recording at once. Streamed model
//! text ([`ModelDelta`]) goes to listeners under the same lock, in order with
//! the events, without being stored; the text of a call still streaming is
//! kept until the call ends, so a late listener gets it as one delta.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rlm_types::{Clock, SystemClock};

use crate::error::TraceError;
use crate::event::*;
use crate::redact::{Redactor, truncate};
use crate::summary::TraceSummary;
use crate::tree::Trace;

/// Sees every event as it is recorded (live display, JSON-lines files, SSE).
///
/// Called in `seq` order while the recorder's lock is held: keep it quick, and
/// never record into the same recorder from inside it (that would deadlock).
pub trait TraceListener: Send + Sync {
    fn on_event(&self, event: &TraceEvent);

    /// A piece of a model call's reply as it streams (never stored). Ignored
    /// unless overridden.
    fn on_delta(&self, delta: &ModelDelta) {
        let _ = delta;
    }

    /// The recorder took `events` as its own past ([`TraceRecorder::continue_from`]:
    /// a run resumed from another process's checkpoint); they are not sent
    /// as events. Ignored unless overridden.
    fn on_continue(&self, events: &[TraceEvent]) {
        let _ = events;
    }

    /// The W3C `traceparent` naming `span` in the trace this listener
    /// exports it to (rlm-telemetry's listener does), for the request the
    /// span's call sends. `None` unless overridden.
    fn traceparent(&self, span: SpanId) -> Option<String> {
        let _ = span;
        None
    }
}

/// A listener that ignores events before `from_seq`.
struct FromSeq {
    inner: Arc<dyn TraceListener>,
    from_seq: u64,
}

impl TraceListener for FromSeq {
    fn on_event(&self, event: &TraceEvent) {
        if event.seq >= self.from_seq {
            self.inner.on_event(event);
        }
    }
    fn on_delta(&self, delta: &ModelDelta) {
        self.inner.on_delta(delta);
    }
    fn on_continue(&self, events: &[TraceEvent]) {
        self.inner.on_continue(events);
    }
    fn traceparent(&self, span: SpanId) -> Option<String> {
        self.inner.traceparent(span)
    }
}

impl<F: Fn(&TraceEvent) + Send + Sync> TraceListener for F {
    fn on_event(&self, event: &TraceEvent) {
        self(event)
    }
}

/// How a recorder treats what it records.
#[derive(Clone)]
pub struct RecorderOptions {
    pub clock: Arc<dyn Clock>,
    /// Applied to every string of every event before anything else sees it.
    pub redactor: Redactor,
    /// Longest string kept in an event (code, stdout, previews, answers), in
    /// characters; longer ones are cut with a marker saying how much was cut.
    pub max_text_chars: usize,
    /// Keep events in memory (for [`TraceRecorder::events`], [`TraceRecorder::trace`]
    /// and [`TraceRecorder::summary`]). Off: events only go to listeners, for
    /// long-lived processes that stream them elsewhere.
    pub keep_events: bool,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions {
            clock: Arc::new(SystemClock),
            redactor: Redactor::new(),
            max_text_chars: 4000,
            keep_events: true,
        }
    }
}

impl std::fmt::Debug for RecorderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderOptions")
            .field("redactor", &self.redactor)
            .field("max_text_chars", &self.max_text_chars)
            .field("keep_events", &self.keep_events)
            .finish_non_exhaustive()
    }
}

struct State {
    events: Vec<TraceEvent>,
    next_seq: u64,
    last_ts: u64,
    listeners: Vec<Arc<dyn TraceListener>>,
    /// Parent of every span opened so far (to fill `parent_span_id` of later events).
    parents: std::collections::HashMap<SpanId, Option<SpanId>>,
    /// The text streamed so far by model calls still running.
    streaming: std::collections::BTreeMap<SpanId, String>,
    /// Stamped on root runs' `run_started` (see [`TraceRecorder::set_otel_trace_id`]).
    otel_trace_id: Option<String>,
}

struct Inner {
    options: RecorderOptions,
    next_span: AtomicU64,
    state: Mutex<State>,
}

/// Records the events of a run. Clones share one trace; all methods take
/// `&self` and may be called from any thread.
#[derive(Clone)]
pub struct TraceRecorder {
    inner: Arc<Inner>,
}

impl Default for TraceRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TraceRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceRecorder")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl TraceRecorder {
    /// A recorder with default options (system clock, no redaction, 4000-char strings).
    pub fn new() -> Self {
        Self::with_options(RecorderOptions::default())
    }

    pub fn with_options(options: RecorderOptions) -> Self {
        TraceRecorder {
            inner: Arc::new(Inner {
                options,
                next_span: AtomicU64::new(1),
                state: Mutex::new(State {
                    events: Vec::new(),
                    next_seq: 0,
                    last_ts: 0,
                    listeners: Vec::new(),
                    parents: std::collections::HashMap::new(),
                    streaming: std::collections::BTreeMap::new(),
                    otel_trace_id: None,
                }),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A listener that panicked poisons the lock; the trace itself is still
        // consistent (each event is pushed whole), so carry on.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Send every later event to `listener` too.
    pub fn add_listener(&self, listener: Arc<dyn TraceListener>) {
        self.lock().listeners.push(listener);
    }

    /// Give `listener` the kept events with `seq >= from_seq` first, then every
    /// later event: no gap and no duplicate, even while other threads record
    /// (a late live view, or an SSE client resuming from `Last-Event-ID + 1`).
    /// Events are only replayed if `keep_events` is on.
    /// Text being streamed right now is replayed too, one delta per call.
    pub fn add_listener_replaying(&self, listener: Arc<dyn TraceListener>, from_seq: u64) {
        let mut state = self.lock();
        let start = state.events.partition_point(|e| e.seq < from_seq);
        for event in &state.events[start..] {
            listener.on_event(event);
        }
        // Resuming past the last event (a client ahead of this recorder): the
        // events in between must not reach it either.
        let listener: Arc<dyn TraceListener> = if from_seq > state.next_seq {
            Arc::new(FromSeq { inner: listener, from_seq })
        } else {
            listener
        };
        for (span, text) in &state.streaming {
            listener.on_delta(&ModelDelta {
                span_id: *span,
                parent_span_id: state.parents.get(span).copied().flatten(),
                after_seq: state.next_seq,
                text: text.clone(),
            });
        }
        state.listeners.push(listener);
    }

    /// Takes `events` (a run's trace so far, recorded elsewhere: a durable
    /// run resumed in another process) as this recorder's own: they are kept
    /// (listeners added later may replay them) but not sent to the listeners
    /// it has (they are told, [`TraceListener::on_continue`]), and the next
    /// event gets the next `seq`, the next span a new id. Only an empty recorder takes them, and only a gap-free stream
    /// from `seq` 0: `false` (and nothing changed) otherwise.
    pub fn continue_from(&self, events: Vec<TraceEvent>) -> bool {
        let mut state = self.lock();
        if state.next_seq != 0 || events.iter().enumerate().any(|(i, e)| e.seq != i as u64) {
            return false;
        }
        let mut max_span = 0;
        for e in &events {
            max_span = max_span.max(e.span_id.0);
            if matches!(e.kind.role(), EventRole::Opens(_)) {
                state.parents.insert(e.span_id, e.parent_span_id);
            }
            state.last_ts = state.last_ts.max(e.ts);
        }
        state.next_seq = events.len() as u64;
        self.inner.next_span.fetch_max(max_span + 1, Ordering::Relaxed);
        for listener in &state.listeners {
            listener.on_continue(&events);
        }
        if self.inner.options.keep_events {
            state.events = events;
        }
        true
    }

    /// The span of the root run (the first `run_started` without a parent),
    /// if the kept events hold one.
    pub fn root_run_span(&self) -> Option<SpanId> {
        self.lock()
            .events
            .iter()
            .find(|e| matches!(e.kind, EventKind::RunStarted(_)) && e.parent_span_id.is_none())
            .map(|e| e.span_id)
    }

    /// The kept events with `seq >= from_seq`.
    pub fn events_since(&self, from_seq: u64) -> Vec<TraceEvent> {
        let state = self.lock();
        let start = state.events.partition_point(|e| e.seq < from_seq);
        state.events[start..].to_vec()
    }

    fn sanitize(&self, kind: &mut EventKind) {
        let options = &self.inner.options;
        let redactor = &options.redactor;
        let max = options.max_text_chars;
        kind.visit_strings_mut(&mut |s| {
            redactor.redact(s);
            truncate(s, max);
        });
    }

    fn push(
        &self,
        span_id: SpanId,
        opens_with_parent: Option<Option<SpanId>>,
        mut kind: EventKind,
    ) {
        self.sanitize(&mut kind);
        let mut state = self.lock();
        // Read under the lock and never below the previous event's, so `ts`
        // never decreases along `seq` (even if the wall clock steps back).
        let ts = self.inner.options.clock.now_us().max(state.last_ts);
        state.last_ts = ts;
        let parent_span_id = match opens_with_parent {
            Some(parent) => {
                state.parents.insert(span_id, parent);
                parent
            }
            None => state.parents.get(&span_id).copied().flatten(),
        };
        if matches!(kind, EventKind::ModelCallFinished(_)) {
            state.streaming.remove(&span_id);
        }
        let event = TraceEvent {
            schema_version: kind.schema_version(),
            seq: state.next_seq,
            ts,
            span_id,
            parent_span_id,
            kind,
        };
        state.next_seq += 1;
        for listener in &state.listeners {
            listener.on_event(&event);
        }
        if self.inner.options.keep_events {
            state.events.push(event);
        }
    }

    fn open(&self, parent: Option<SpanId>, kind: EventKind) -> SpanId {
        let span = SpanId(self.inner.next_span.fetch_add(1, Ordering::Relaxed));
        self.push(span, Some(parent), kind);
        span
    }

    /// The OpenTelemetry trace this recorder's root runs are exported in:
    /// stamped on their `run_started` (`otel_trace_id`), so our trace names it.
    pub fn set_otel_trace_id(&self, trace_id: String) {
        self.lock().otel_trace_id = Some(trace_id);
    }

    /// The W3C `traceparent` of `span` in the trace a listener exports it
    /// to, if one does: the header an outgoing model request of that span
    /// carries, so the provider's side joins the trace.
    pub fn traceparent(&self, span: SpanId) -> Option<String> {
        self.lock().listeners.iter().find_map(|l| l.traceparent(span))
    }

    /// A run starts: the root run (`parent: None`) or a sub-RLM (parent: the
    /// program or subcall span that started it).
    pub fn start_run(&self, parent: Option<SpanId>, mut run: RunStarted) -> SpanId {
        if parent.is_none() && run.otel_trace_id.is_none() {
            run.otel_trace_id = self.lock().otel_trace_id.clone();
        }
        self.open(parent, EventKind::RunStarted(run))
    }
    pub fn finish_run(&self, span: SpanId, run: RunFinished) {
        self.push(span, None, EventKind::RunFinished(run));
    }
    /// The run's own model is called.
    pub fn start_model_call(&self, run: SpanId, call: ModelCallStarted) -> SpanId {
        self.open(Some(run), EventKind::ModelCallStarted(call))
    }
    pub fn finish_model_call(&self, span: SpanId, call: CallFinished) {
        self.push(span, None, EventKind::ModelCallFinished(call));
    }
    /// A program the model wrote starts running.
    pub fn start_program(&self, run: SpanId, program: ProgramStarted) -> SpanId {
        self.open(Some(run), EventKind::ProgramStarted(program))
    }
    pub fn finish_program(&self, span: SpanId, program: ProgramFinished) {
        self.push(span, None, EventKind::ProgramFinished(program));
    }
    /// A program calls a sub-model.
    pub fn start_subcall(&self, program: SpanId, call: SubcallStarted) -> SpanId {
        self.open(Some(program), EventKind::SubcallStarted(call))
    }
    pub fn finish_subcall(&self, span: SpanId, call: CallFinished) {
        self.push(span, None, EventKind::SubcallFinished(call));
    }
    /// A program calls a tool.
    pub fn start_tool_call(&self, program: SpanId, call: ToolCallStarted) -> SpanId {
        self.open(Some(program), EventKind::ToolCallStarted(call))
    }
    pub fn finish_tool_call(&self, span: SpanId, call: ToolCallFinished) {
        self.push(span, None, EventKind::ToolCallFinished(call));
    }
    /// A call in `span` is retried.
    pub fn retry(&self, span: SpanId, retry: Retry) {
        self.push(span, None, EventKind::Retry(retry));
    }
    /// A budget limit was reached while `span` ran.
    pub fn budget(&self, span: SpanId, event: BudgetEvent) {
        self.push(span, None, EventKind::Budget(event));
    }
    /// The run `span`'s history was compacted.
    pub fn compaction(&self, run: SpanId, event: CompactionEvent) {
        self.push(run, None, EventKind::Compaction(event));
    }
    /// A piece of the reply of model call `span`, as it streams: redacted,
    /// sent to listeners, not stored (see [`ModelDelta`]).
    pub fn model_delta(&self, span: SpanId, text: &str) {
        let mut text = text.to_string();
        // Each piece is redacted; a secret split across two pieces is caught
        // in the stored reply (`model_call_finished`), not in the pieces.
        self.inner.options.redactor.redact(&mut text);
        let mut state = self.lock();
        let delta = ModelDelta {
            span_id: span,
            parent_span_id: state.parents.get(&span).copied().flatten(),
            after_seq: state.next_seq,
            text,
        };
        for listener in &state.listeners {
            listener.on_delta(&delta);
        }
        state.streaming.entry(span).or_default().push_str(&delta.text);
    }
    /// An error in `span` (other than the outcome of a call or program).
    pub fn error(&self, span: SpanId, error: ErrorEvent) {
        self.push(span, None, EventKind::Error(error));
    }
    /// The run `span` answered.
    pub fn final_answer(&self, run: SpanId, answer: FinalAnswer) {
        self.push(run, None, EventKind::FinalAnswer(answer));
    }

    /// The events recorded so far, in `seq` order (empty if `keep_events` is off).
    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().events.clone()
    }

    /// Moves the kept events out (the recorder keeps counting `seq` and
    /// feeding listeners, but forgets what it held): for a finished run whose
    /// result takes the events, without copying them.
    pub fn take_events(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.lock().events)
    }

    /// Number of events recorded so far.
    pub fn len(&self) -> u64 {
        self.lock().next_seq
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tree of the events recorded so far (spans still running are open nodes).
    pub fn trace(&self) -> Result<Trace, TraceError> {
        Trace::from_events(self.events())
    }

    /// Summary metrics of the events recorded so far.
    pub fn summary(&self) -> TraceSummary {
        TraceSummary::from_events(&self.lock().events)
    }
}
