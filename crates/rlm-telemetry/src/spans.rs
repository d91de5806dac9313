//! [`OtelListener`]: our trace events of one recorder, as OpenTelemetry spans.
//!
//! The tree: a run (OpenInference `CHAIN`, `gen_ai.operation.name =
//! invoke_agent`) → one `step N` span per iteration (`CHAIN`) → the model
//! call (`LLM`, `chat`) and the program (`TOOL`, `execute_tool`) of that
//! iteration → the program's subcalls (`LLM`) → their nested runs. Each span
//! starts and ends at its events' own timestamps; a step lasts from its first
//! span's start to its last span's end. Every span carries `rlm.span_id`,
//! our id of the span it mirrors (steps carry their run's and
//! `rlm.iteration`). Retries, budget limits, errors, compactions and cache
//! hits are span events.
//!
//! A durable run resumed by another process (a cluster's worker taking over
//! a dead one's job) goes on in a new run span of the same trace, linked to
//! the first attempt's run span, whose id is made from the trace id and our
//! span id so that the later process can name it.
//!
//! A program's tool calls are `TOOL` spans under the program's (`tool_calls`).

mod tool_calls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanContext, Status, TraceContextExt, TraceFlags, TraceState,
    Tracer as _,
};
use opentelemetry::{Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SdkTracer, Span};
use rlm_trace::{
    CallFinished, EventKind, ModelCallStarted, ProgramFinished, ProgramStarted, RunFinished,
    RunStarted, SpanId, SpanOutcome, SubcallStarted, TraceEvent, TraceListener,
};

use crate::export::MAX_CONTENT_CHARS;
use crate::metrics::RunMetrics;
use crate::traceparent::TraceParent;

/// Longest program source put on a program span.
const MAX_CODE_CHARS: usize = 8000;

/// A span of ours still open on the OpenTelemetry side.
struct Open {
    span: Span,
    context: SpanContext,
    /// The run it belongs to (the run itself for a run).
    run: SpanId,
    /// The model a call asked (`provider:model`; empty for other spans).
    model: String,
}

/// The current step of a run.
struct Step {
    iteration: u32,
    span: Span,
    context: SpanContext,
    /// When its last span ended (the step ends there).
    last_ts: u64,
}

#[derive(Default)]
struct State {
    open: HashMap<SpanId, Open>,
    steps: HashMap<SpanId, Step>,
}

/// Turns one recorder's events into OpenTelemetry spans (see the module
/// docs). Made by [`crate::Telemetry::listener`], one per recorder: our span
/// ids are only unique within one recorder.
pub struct OtelListener {
    tracer: SdkTracer,
    parent: Option<TraceParent>,
    capture_content: bool,
    /// The pipeline's metrics, counted from the same events.
    metrics: Option<Arc<RunMetrics>>,
    state: Mutex<State>,
}

impl std::fmt::Debug for OtelListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelListener")
            .field("parent", &self.parent)
            .field("capture_content", &self.capture_content)
            .finish_non_exhaustive()
    }
}

fn time(ts_us: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(ts_us)
}

/// A model id's provider and model as a user knows them
/// (`rlm_types::shown_provider`); a name without a provider is its own model.
pub(crate) fn provider_and_model(name: &str) -> (&str, &str) {
    match name.split_once(':') {
        Some((provider, model)) => (rlm_types::shown_provider(provider), model),
        None => ("unknown", name),
    }
}

fn truncated(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… [{} more chars]", &text[..cut], text[cut..].chars().count()),
        None => text.to_string(),
    }
}

fn kv(key: &'static str, value: impl Into<Value>) -> KeyValue {
    KeyValue::new(key, value)
}

fn int(n: u64) -> Value {
    Value::I64(i64::try_from(n).unwrap_or(i64::MAX))
}

fn status_of(outcome: SpanOutcome, error: Option<&str>) -> Status {
    match outcome {
        SpanOutcome::Ok => Status::Ok,
        other => Status::error(error.map_or_else(|| other.as_str().to_string(), str::to_string)),
    }
}

/// The GenAI finish reason of a call's outcome (our trace keeps the outcome,
/// not the provider's reason): `stop` when it answered.
fn finish_reason(outcome: SpanOutcome) -> Value {
    let reason = match outcome {
        SpanOutcome::Ok => "stop",
        other => other.as_str(),
    };
    Value::Array(Array::String(vec![StringValue::from(reason)]))
}

fn model_attributes(model: &str) -> Vec<KeyValue> {
    let (provider, name) = provider_and_model(model);
    vec![
        kv("gen_ai.provider.name", provider.to_string()),
        kv("gen_ai.request.model", name.to_string()),
        kv("llm.provider", provider.to_string()),
        kv("llm.model_name", name.to_string()),
    ]
}

impl OtelListener {
    pub(crate) fn new(
        tracer: SdkTracer,
        parent: Option<TraceParent>,
        capture_content: bool,
        metrics: Option<Arc<RunMetrics>>,
    ) -> Self {
        let state = Mutex::new(State::default());
        OtelListener { tracer, parent, capture_content, metrics, state }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn content(&self, key: &'static str, text: &str) -> Option<KeyValue> {
        self.capture_content.then(|| kv(key, truncated(text, MAX_CONTENT_CHARS)))
    }

    fn start(
        &self,
        name: String,
        parent: Option<SpanContext>,
        ts: u64,
        attributes: Vec<KeyValue>,
    ) -> (Span, SpanContext) {
        self.start_in(self.tracer.span_builder(name), parent, None, ts, attributes)
    }

    /// Starts `builder`'s span under `parent`, or a root span in trace
    /// `trace_id` (`None`: a new trace).
    fn start_in(
        &self,
        builder: SpanBuilder,
        parent: Option<SpanContext>,
        trace_id: Option<opentelemetry::trace::TraceId>,
        ts: u64,
        attributes: Vec<KeyValue>,
    ) -> (Span, SpanContext) {
        let mut builder = builder.with_start_time(time(ts)).with_attributes(attributes);
        if let Some(id) = trace_id {
            builder = builder.with_trace_id(id);
        }
        let cx = match parent {
            Some(p) => Context::new().with_remote_span_context(p),
            None => Context::new(),
        };
        let span = self.tracer.build_with_context(builder, &cx);
        let context = span.span_context().clone();
        (span, context)
    }

    /// Where a run's span goes: its parent span (a nested run's subcall or
    /// program; a root run's remote parent), and the trace of a root run
    /// whose trace was chosen ahead without a remote span.
    fn run_place(
        &self,
        state: &State,
        event: &TraceEvent,
    ) -> (Option<SpanContext>, Option<opentelemetry::trace::TraceId>) {
        let parent = match event.parent_span_id {
            Some(p) => state.open.get(&p).map(|o| o.context.clone()),
            None => self.parent.and_then(|p| p.span_context()),
        };
        let trace_id = match (parent.is_none(), self.parent) {
            (true, Some(p)) => Some(p.trace_id),
            _ => None,
        };
        (parent, trace_id)
    }

    /// The span id of a root run's first attempt, made from its trace, our
    /// span id and its `run_started`'s time (two runs under one incoming
    /// `traceparent` differ), so that a resumed attempt (another process,
    /// the same events) can link to it. `None` without a trace chosen ahead.
    fn first_attempt_span(&self, started: &TraceEvent) -> Option<opentelemetry::trace::SpanId> {
        let trace = self.parent?.trace_id;
        let ours = started.span_id.0.to_le_bytes().into_iter().chain(started.ts.to_le_bytes());
        // FNV-1a: the same in every process.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in trace.to_bytes().into_iter().chain(ours) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Some(opentelemetry::trace::SpanId::from_bytes(hash.max(1).to_be_bytes()))
    }

    fn run_attributes(&self, event: &TraceEvent, run: &RunStarted) -> Vec<KeyValue> {
        let mut attributes = vec![
            kv("openinference.span.kind", "CHAIN"),
            kv("gen_ai.operation.name", "invoke_agent"),
            kv("gen_ai.agent.name", "rlm"),
            kv("rlm.span_id", int(event.span_id.0)),
            kv("rlm.depth", i64::from(run.depth)),
            kv("rlm.context_chars", int(run.context_chars)),
            kv("rlm.context_documents", int(run.context_documents)),
        ];
        attributes.extend(model_attributes(&run.model));
        attributes.extend(self.content("input.value", &run.query));
        attributes
    }

    fn run_started(&self, state: &mut State, event: &TraceEvent, run: &RunStarted) {
        let (parent, trace_id) = self.run_place(state, event);
        let name = if run.depth == 0 {
            "rlm run".to_string()
        } else {
            format!("rlm run (depth {})", run.depth)
        };
        let mut builder = self.tracer.span_builder(name);
        if event.parent_span_id.is_none() {
            if let Some(id) = self.first_attempt_span(event) {
                builder = builder.with_span_id(id);
            }
        }
        let attributes = self.run_attributes(event, run);
        let (span, context) = self.start_in(builder, parent, trace_id, event.ts, attributes);
        state.open.insert(
            event.span_id,
            Open { span, context, run: event.span_id, model: String::new() },
        );
    }

    /// A run resumed from `events` (its trace up to a checkpoint, recorded
    /// by an earlier attempt in another process): its root run goes on in
    /// a span of this attempt, in the same trace under the same parent,
    /// from now, linked to the first attempt's run span
    /// (`rlm.resumed_from_seq`: where this attempt took over).
    fn continued(&self, state: &mut State, events: &[TraceEvent]) {
        let Some((event, run)) = events.iter().find_map(|e| match &e.kind {
            EventKind::RunStarted(run) if e.parent_span_id.is_none() => Some((e, run)),
            _ => None,
        }) else {
            return;
        };
        let (parent, trace_id) = self.run_place(state, event);
        let resumed_at = events.iter().map(|e| e.ts).max().unwrap_or(event.ts);
        let mut builder = self.tracer.span_builder("rlm run");
        if let (Some(first), Some(trace)) = (self.first_attempt_span(event), self.parent) {
            let earlier = SpanContext::new(
                trace.trace_id,
                first,
                TraceFlags::SAMPLED,
                true,
                TraceState::default(),
            );
            let link = Link::new(earlier, vec![kv("rlm.link", "earlier_attempt")], 0);
            builder = builder.with_links(vec![link]);
        }
        let mut attributes = self.run_attributes(event, run);
        attributes.push(kv("rlm.resumed_from_seq", int(events.len() as u64)));
        let (span, context) = self.start_in(builder, parent, trace_id, resumed_at, attributes);
        state.open.insert(
            event.span_id,
            Open { span, context, run: event.span_id, model: String::new() },
        );
    }

    fn end_step(state: &mut State, run: SpanId) {
        if let Some(mut step) = state.steps.remove(&run) {
            step.span.end_with_timestamp(time(step.last_ts));
        }
    }

    fn run_finished(&self, state: &mut State, event: &TraceEvent, run: &RunFinished) {
        Self::end_step(state, event.span_id);
        let Some(mut open) = state.open.remove(&event.span_id) else { return };
        let span = &mut open.span;
        span.set_attribute(kv("rlm.outcome", run.outcome.as_str()));
        span.set_attribute(kv("rlm.iterations", i64::from(run.iterations)));
        span.set_attribute(kv("rlm.usage.input_tokens", int(run.usage.prompt_tokens)));
        span.set_attribute(kv("rlm.usage.output_tokens", int(run.usage.completion_tokens)));
        span.set_attribute(kv("rlm.cost_usd", run.cost_usd));
        span.set_attribute(kv("rlm.duration_ms", int(run.duration_ms)));
        span.set_status(status_of(run.outcome, None));
        span.end_with_timestamp(time(event.ts));
        if let (Some(metrics), None) = (&self.metrics, event.parent_span_id) {
            metrics.run_finished(run);
        }
    }

    /// The step of `run` at `iteration`, opened at `ts` (ending the previous one).
    fn step(&self, state: &mut State, run: SpanId, iteration: u32, ts: u64) -> Option<SpanContext> {
        if state.steps.get(&run).is_some_and(|s| s.iteration == iteration) {
            return state.steps.get(&run).map(|s| s.context.clone());
        }
        Self::end_step(state, run);
        let parent = state.open.get(&run)?.context.clone();
        let attributes = vec![
            kv("openinference.span.kind", "CHAIN"),
            kv("rlm.span_id", int(run.0)),
            kv("rlm.iteration", i64::from(iteration)),
        ];
        let (span, context) = self.start(format!("step {iteration}"), Some(parent), ts, attributes);
        state.steps.insert(run, Step { iteration, span, context: context.clone(), last_ts: ts });
        Some(context)
    }

    fn llm_attributes(&self, span_id: SpanId, model: &str, prompt: &str) -> Vec<KeyValue> {
        let mut attributes = vec![
            kv("openinference.span.kind", "LLM"),
            kv("gen_ai.operation.name", "chat"),
            kv("rlm.span_id", int(span_id.0)),
        ];
        attributes.extend(model_attributes(model));
        attributes.extend(self.content("input.value", prompt));
        attributes
    }

    fn model_call_started(&self, state: &mut State, event: &TraceEvent, call: &ModelCallStarted) {
        let Some(run) = event.parent_span_id else { return };
        let Some(step) = self.step(state, run, call.iteration, event.ts) else { return };
        let mut attributes = self.llm_attributes(event.span_id, &call.model, &call.prompt_preview);
        attributes.push(kv("rlm.prompt_messages", i64::from(call.prompt_messages)));
        let name = format!("chat {}", provider_and_model(&call.model).1);
        let (span, context) = self.start(name, Some(step), event.ts, attributes);
        let model = call.model.clone();
        state.open.insert(event.span_id, Open { span, context, run, model });
    }

    fn subcall_started(&self, state: &mut State, event: &TraceEvent, call: &SubcallStarted) {
        let Some(program) = event.parent_span_id else { return };
        let Some(parent) = state.open.get(&program) else { return };
        let (parent, run) = (parent.context.clone(), parent.run);
        let mut attributes = self.llm_attributes(event.span_id, &call.model, &call.prompt_preview);
        if let Some(i) = call.batch_index {
            attributes.push(kv("rlm.batch_index", i64::from(i)));
        }
        let name = format!("chat {}", provider_and_model(&call.model).1);
        let (span, context) = self.start(name, Some(parent), event.ts, attributes);
        let model = call.model.clone();
        state.open.insert(event.span_id, Open { span, context, run, model });
    }

    /// Ends `span_id`'s span at `ts`, and moves its step's end there.
    fn close(state: &mut State, span_id: SpanId, ts: u64) -> Option<Open> {
        let open = state.open.remove(&span_id)?;
        if let Some(step) = state.steps.get_mut(&open.run) {
            step.last_ts = step.last_ts.max(ts);
        }
        Some(open)
    }

    fn call_finished(&self, state: &mut State, event: &TraceEvent, call: &CallFinished) {
        let Some(mut open) = Self::close(state, event.span_id, event.ts) else { return };
        if let Some(metrics) = &self.metrics {
            let subcall = matches!(event.kind, EventKind::SubcallFinished(_));
            metrics.call_finished(&open.model, call, subcall);
        }
        let span = &mut open.span;
        let usage = &call.usage;
        span.set_attribute(kv("gen_ai.usage.input_tokens", int(usage.prompt_tokens)));
        span.set_attribute(kv("gen_ai.usage.output_tokens", int(usage.completion_tokens)));
        span.set_attribute(kv("gen_ai.response.finish_reasons", finish_reason(call.outcome)));
        span.set_attribute(kv("llm.token_count.prompt", int(usage.prompt_tokens)));
        span.set_attribute(kv("llm.token_count.completion", int(usage.completion_tokens)));
        span.set_attribute(kv("llm.token_count.total", int(usage.total())));
        span.set_attribute(kv("rlm.outcome", call.outcome.as_str()));
        span.set_attribute(kv("rlm.cost_usd", call.cost_usd));
        span.set_attribute(kv("rlm.latency_ms", int(call.latency_ms)));
        span.set_attribute(kv("rlm.cached", call.cached));
        span.set_attribute(kv("rlm.deduped", call.deduped));
        if let Some(kv) = self.content("output.value", &call.response_preview) {
            span.set_attribute(kv);
        }
        if call.cached || call.deduped {
            let name = if call.cached { "cache_hit" } else { "deduplicated" };
            span.add_event_with_timestamp(name, time(event.ts), vec![]);
        }
        span.set_status(status_of(call.outcome, call.error.as_deref()));
        span.end_with_timestamp(time(event.ts));
    }

    fn program_started(&self, state: &mut State, event: &TraceEvent, program: &ProgramStarted) {
        let Some(run) = event.parent_span_id else { return };
        let Some(step) = self.step(state, run, program.iteration, event.ts) else { return };
        let attributes = vec![
            kv("openinference.span.kind", "TOOL"),
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", "repl"),
            kv("tool.name", "repl"),
            kv("rlm.span_id", int(event.span_id.0)),
            kv("rlm.iteration", i64::from(program.iteration)),
            kv("rlm.program.code", truncated(&program.code, MAX_CODE_CHARS)),
        ];
        let (span, context) = self.start("program".into(), Some(step), event.ts, attributes);
        state.open.insert(event.span_id, Open { span, context, run, model: String::new() });
    }

    fn program_finished(&self, state: &mut State, event: &TraceEvent, program: &ProgramFinished) {
        let Some(mut open) = Self::close(state, event.span_id, event.ts) else { return };
        let span = &mut open.span;
        span.set_attribute(kv("rlm.outcome", program.outcome.as_str()));
        span.set_attribute(kv("rlm.program.fuel_used", int(program.fuel_used)));
        span.set_attribute(kv("rlm.program.memory_bytes", int(program.memory_bytes)));
        span.set_attribute(kv("rlm.duration_ms", int(program.duration_ms)));
        if let Some(kv) = self.content("output.value", &program.stdout) {
            span.set_attribute(kv);
        }
        span.set_status(status_of(program.outcome, program.error.as_deref()));
        span.end_with_timestamp(time(event.ts));
    }

    /// A point event (retry, budget, error, compaction, answer) on its span.
    fn point(&self, state: &mut State, event: &TraceEvent) {
        let Some(open) = state.open.get_mut(&event.span_id) else { return };
        let span = &mut open.span;
        let at = time(event.ts);
        match &event.kind {
            EventKind::Retry(r) => {
                if let Some(metrics) = &self.metrics {
                    metrics.retry(&r.reason);
                }
                span.add_event_with_timestamp(
                    "retry",
                    at,
                    vec![
                        kv("rlm.retry.attempt", i64::from(r.attempt)),
                        kv("rlm.retry.reason", r.reason.clone()),
                        kv("rlm.retry.delay_ms", int(r.delay_ms)),
                    ],
                )
            }
            EventKind::Budget(b) => span.add_event_with_timestamp(
                "budget_limit",
                at,
                vec![
                    kv("rlm.budget.level", b.level.as_str()),
                    kv("rlm.budget.name", b.budget.clone()),
                    kv("rlm.budget.used", b.used),
                    kv("rlm.budget.limit", b.limit),
                    kv("rlm.budget.message", b.message.clone()),
                ],
            ),
            EventKind::Error(e) => span.add_event_with_timestamp(
                "error",
                at,
                vec![kv("rlm.error.message", e.message.clone()), kv("rlm.error.fatal", e.fatal)],
            ),
            EventKind::Compaction(c) => span.add_event_with_timestamp(
                "compaction",
                at,
                vec![
                    kv("rlm.compaction.messages_summarised", i64::from(c.messages_summarised)),
                    kv("rlm.compaction.tokens_before", int(c.tokens_before)),
                    kv("rlm.compaction.tokens_after", int(c.tokens_after)),
                ],
            ),
            EventKind::FinalAnswer(a) => {
                span.add_event_with_timestamp("final_answer", at, vec![]);
                if let Some(kv) = self.content("output.value", &a.answer) {
                    span.set_attribute(kv);
                }
            }
            _ => {}
        }
    }
}

impl TraceListener for OtelListener {
    fn on_continue(&self, events: &[TraceEvent]) {
        self.continued(&mut self.lock(), events);
    }

    fn traceparent(&self, span: SpanId) -> Option<String> {
        let state = self.lock();
        let context = &state.open.get(&span)?.context;
        let parent = TraceParent {
            trace_id: context.trace_id(),
            span_id: context.span_id(),
            sampled: context.is_sampled(),
        };
        Some(parent.header())
    }

    fn on_event(&self, event: &TraceEvent) {
        let mut state = self.lock();
        let state = &mut *state;
        match &event.kind {
            EventKind::RunStarted(run) => self.run_started(state, event, run),
            EventKind::RunFinished(run) => self.run_finished(state, event, run),
            EventKind::ModelCallStarted(call) => self.model_call_started(state, event, call),
            EventKind::ModelCallFinished(call) | EventKind::SubcallFinished(call) => {
                self.call_finished(state, event, call)
            }
            EventKind::ProgramStarted(program) => self.program_started(state, event, program),
            EventKind::ProgramFinished(program) => self.program_finished(state, event, program),
            EventKind::SubcallStarted(call) => self.subcall_started(state, event, call),
            EventKind::ToolCallStarted(call) => self.tool_call_started(state, event, call),
            EventKind::ToolCallFinished(call) => self.tool_call_finished(state, event, call),
            _ => self.point(state, event),
        }
    }
}
