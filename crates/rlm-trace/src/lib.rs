//! The execution trace of an RLM run: events, tree, JSON, metrics.
//!
//! One job: record everything a run does so that it can be watched live,
//! stored, replayed and measured. The **stream of events is the source of
//! truth** ([`TraceEvent`]: `seq`, `ts`, `span_id`, `parent_span_id`, `kind`);
//! the tree ([`Trace`]), the JSON forms and the metrics ([`TraceSummary`]) are
//! built from it.
//!
//! * Spans: runs (root and recursive sub-RLMs), root model calls, program
//!   executions and subcalls; point events inside them: retries, budget
//!   signals, history compactions, errors and the final answer. See [`EventKind`].
//! * A model call's reply can stream to listeners as [`ModelDelta`]s
//!   ([`TraceRecorder::model_delta`], [`TraceListener::on_delta`]): live, never
//!   stored; a late listener gets the text of a call still streaming as one delta.
//! * [`TraceRecorder`]: cheap to clone, `Send + Sync`; concurrent subcalls
//!   record into clones of one recorder. Recording never fails and never blocks
//!   on I/O of its own.
//! * [`TraceListener`]: sees every event live, in `seq` order
//!   ([`JsonLinesSink`] writes a JSON-lines file; an SSE endpoint is another
//!   listener, and [`TraceRecorder::add_listener_replaying`] lets a late or
//!   reconnecting one catch up with no gap; [`to_sse_frame`] formats a frame).
//! * Versioned, stable serde schema ([`SCHEMA_VERSION`]); JSON lines
//!   ([`write_jsonl`], [`read_jsonl`]) and a nested JSON tree ([`Trace::to_json`]).
//! * Secrets never recorded: the recorder runs a [`Redactor`] over every
//!   string of every event before it is stored or shown to a listener.
//! * Human views: [`Trace::render_tree_text`] (a terminal tree with code,
//!   output, tokens, cost and timings) and [`Trace::render_html`] (one
//!   self-contained page; everything escaped).
//! * [`TraceSummary`]: counts by kind and outcome, tokens and cost by model,
//!   exact latency percentiles, retry reasons, cache hit rate, and
//!   [`TraceSummary::to_prometheus`].
//!
//! ```
//! use rlm_trace::*;
//! use rlm_types::Usage;
//!
//! let rec = TraceRecorder::new();
//! let run = rec.start_run(None, RunStarted { query: "Who?".into(), model: "openai:gpt-5".into(), ..Default::default() });
//! let prog = rec.start_program(run, ProgramStarted { iteration: 1, code: "print(1)".into() });
//! let call = rec.start_subcall(prog, SubcallStarted { model: "openai:gpt-5-mini".into(), ..Default::default() });
//! rec.finish_subcall(call, CallFinished {
//!     outcome: SpanOutcome::Ok, response_preview: "Ada".into(), usage: Usage::default(),
//!     cost_usd: 0.0001, latency_ms: 120, cached: false, deduped: false, error: None,
//! });
//! rec.finish_program(prog, ProgramFinished {
//!     outcome: SpanOutcome::Ok, stdout: "1\n".into(), error: None, fuel_used: 10, memory_bytes: 64, duration_ms: 125,
//! });
//! rec.final_answer(run, FinalAnswer { answer: "Ada".into() });
//! let trace = rec.trace().unwrap();
//! assert_eq!(trace.roots[0].children[0].children.len(), 1);
//! assert_eq!(rec.summary().subcall_latency.p50_ms, 120);
//! ```

mod breakdown;
mod error;
mod event;
mod jsonl;
mod recorder;
mod redact;
mod render;
mod stats;
mod summary;
mod tree;

pub use breakdown::ContextBreakdown;
pub use error::TraceError;
pub use event::*;
pub use jsonl::{
    JsonLinesSink, from_json_line, read_jsonl, to_json_line, to_sse_frame, write_jsonl,
};
pub use recorder::{RecorderOptions, TraceListener, TraceRecorder};
pub use redact::{REDACTED, RedactHook, Redactor};
pub use render::{TextRenderOptions, escape_html, format_bytes};
pub use stats::{DEFAULT_STORM_RETRIES, RetryStorms, RunStats};
pub use summary::{CacheSummary, LatencySummary, ModelSummary, TraceSummary, escape_label_value};
pub use tree::{MAX_SPAN_DEPTH, SpanNode, Trace};
