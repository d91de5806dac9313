//! The event schema: [`TraceEvent`] and its [`EventKind`]s.
//!
//! A trace is an append-only stream of events. Five kinds *open* a span
//! (`run_started`, `model_call_started`, `program_started`, `subcall_started`,
//! `tool_call_started`),
//! their `*_finished` counterparts *close* it, and the rest are *points* inside
//! a span (`retry`, `budget`, `compaction`, `error`, `final_answer`). The JSON
//! field names and tags below are the stable schema: a change that is not a
//! pure addition of an optional field bumps [`SCHEMA_VERSION`]. Each event
//! carries the version a reader needs for it ([`EventKind::schema_version`]):
//! events of kinds that existed in version 1 still say 1, so older readers keep
//! reading traces that do not use newer kinds, and refuse the rest clearly.
//!
//! [`ModelDelta`]s (the root model's reply as it streams) are not events: they
//! go to listeners live and are never stored; the stored trace holds the whole
//! reply once, in its `model_call_finished` event.

use rlm_types::Usage;
use serde::{Deserialize, Serialize};

/// Version of the event schema written by this build. Readers accept this
/// version and older ones, and refuse newer ones with a clear error.
pub const SCHEMA_VERSION: u32 = 3;

/// Identifies one span of a trace (unique within the trace; never 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpanId(pub u64);

impl std::fmt::Display for SpanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One event of a trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub schema_version: u32,
    /// Position in the stream: 0, 1, 2, ... in recording order.
    pub seq: u64,
    /// When it was recorded: microseconds since the Unix epoch. Never decreases along `seq`.
    pub ts: u64,
    /// The span the event opens, closes or belongs to.
    pub span_id: SpanId,
    /// The parent of that span (`None` for a root run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<SpanId>,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RunStarted(RunStarted),
    RunFinished(RunFinished),
    ModelCallStarted(ModelCallStarted),
    ModelCallFinished(CallFinished),
    ProgramStarted(ProgramStarted),
    ProgramFinished(ProgramFinished),
    SubcallStarted(SubcallStarted),
    SubcallFinished(CallFinished),
    Retry(Retry),
    Budget(BudgetEvent),
    Error(ErrorEvent),
    FinalAnswer(FinalAnswer),
    /// Since schema version 2.
    Compaction(CompactionEvent),
    /// Since schema version 3.
    ToolCallStarted(ToolCallStarted),
    /// Since schema version 3.
    ToolCallFinished(ToolCallFinished),
}

/// The kinds of span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// An RLM run: the root run, or a recursive sub-RLM (`rlm_query`).
    Run,
    /// A call of the run's own (root) model.
    ModelCall,
    /// One execution of a program the model wrote.
    Program,
    /// A sub-model call made by a program (`llm_query`, `llm_batch`, ...).
    Subcall,
    /// A program's call of a tool the embedder registered (an MCP server's
    /// tool among them).
    ToolCall,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Run => "run",
            SpanKind::ModelCall => "model_call",
            SpanKind::Program => "program",
            SpanKind::Subcall => "subcall",
            SpanKind::ToolCall => "tool_call",
        }
    }
}

/// How an event relates to its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRole {
    Opens(SpanKind),
    Closes(SpanKind),
    Point,
}

impl EventKind {
    /// The snake_case tag of this kind, as in the JSON `type` field.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::RunStarted(_) => "run_started",
            EventKind::RunFinished(_) => "run_finished",
            EventKind::ModelCallStarted(_) => "model_call_started",
            EventKind::ModelCallFinished(_) => "model_call_finished",
            EventKind::ProgramStarted(_) => "program_started",
            EventKind::ProgramFinished(_) => "program_finished",
            EventKind::SubcallStarted(_) => "subcall_started",
            EventKind::SubcallFinished(_) => "subcall_finished",
            EventKind::Retry(_) => "retry",
            EventKind::Budget(_) => "budget",
            EventKind::Error(_) => "error",
            EventKind::FinalAnswer(_) => "final_answer",
            EventKind::Compaction(_) => "compaction",
            EventKind::ToolCallStarted(_) => "tool_call_started",
            EventKind::ToolCallFinished(_) => "tool_call_finished",
        }
    }

    /// The schema version a reader needs to read this event.
    pub fn schema_version(&self) -> u32 {
        match self {
            EventKind::Compaction(_) => 2,
            EventKind::ToolCallStarted(_) | EventKind::ToolCallFinished(_) => 3,
            _ => 1,
        }
    }

    /// Whether this event opens a span, closes one, or happens inside one.
    pub fn role(&self) -> EventRole {
        match self {
            EventKind::RunStarted(_) => EventRole::Opens(SpanKind::Run),
            EventKind::RunFinished(_) => EventRole::Closes(SpanKind::Run),
            EventKind::ModelCallStarted(_) => EventRole::Opens(SpanKind::ModelCall),
            EventKind::ModelCallFinished(_) => EventRole::Closes(SpanKind::ModelCall),
            EventKind::ProgramStarted(_) => EventRole::Opens(SpanKind::Program),
            EventKind::ProgramFinished(_) => EventRole::Closes(SpanKind::Program),
            EventKind::SubcallStarted(_) => EventRole::Opens(SpanKind::Subcall),
            EventKind::SubcallFinished(_) => EventRole::Closes(SpanKind::Subcall),
            EventKind::ToolCallStarted(_) => EventRole::Opens(SpanKind::ToolCall),
            EventKind::ToolCallFinished(_) => EventRole::Closes(SpanKind::ToolCall),
            EventKind::Retry(_)
            | EventKind::Budget(_)
            | EventKind::Error(_)
            | EventKind::FinalAnswer(_)
            | EventKind::Compaction(_) => EventRole::Point,
        }
    }

    /// Visit every string the event holds (for redaction and truncation).
    /// Each arm destructures without `..`, so a new field is a compile error
    /// here until it is visited: no string can slip past the redactor.
    pub fn visit_strings_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            EventKind::RunStarted(RunStarted {
                query,
                model,
                depth: _,
                context_chars: _,
                context_documents: _,
                // An id this process made (hex digits), never text from outside.
                otel_trace_id: _,
            }) => {
                f(query);
                f(model);
            }
            EventKind::RunFinished(RunFinished {
                outcome: _,
                iterations: _,
                usage: _,
                cost_usd: _,
                duration_ms: _,
            }) => {}
            EventKind::ModelCallStarted(ModelCallStarted {
                model,
                iteration: _,
                prompt_preview,
                prompt_messages: _,
            }) => {
                f(model);
                f(prompt_preview);
            }
            EventKind::ModelCallFinished(call) | EventKind::SubcallFinished(call) => {
                let CallFinished {
                    outcome: _,
                    response_preview,
                    usage: _,
                    cost_usd: _,
                    latency_ms: _,
                    cached: _,
                    deduped: _,
                    error,
                } = call;
                f(response_preview);
                if let Some(e) = error {
                    f(e);
                }
            }
            EventKind::ProgramStarted(ProgramStarted { iteration: _, code }) => f(code),
            EventKind::ProgramFinished(ProgramFinished {
                outcome: _,
                stdout,
                error,
                fuel_used: _,
                memory_bytes: _,
                duration_ms: _,
            }) => {
                f(stdout);
                if let Some(e) = error {
                    f(e);
                }
            }
            EventKind::SubcallStarted(SubcallStarted {
                model,
                prompt_preview,
                batch_index: _,
                schema,
            }) => {
                f(model);
                f(prompt_preview);
                if let Some(s) = schema {
                    f(s);
                }
            }
            EventKind::Retry(Retry { attempt: _, reason, delay_ms: _ }) => f(reason),
            EventKind::Budget(BudgetEvent { level: _, budget, used: _, limit: _, message }) => {
                f(budget);
                f(message);
            }
            EventKind::Error(ErrorEvent { message, fatal: _ }) => f(message),
            EventKind::FinalAnswer(FinalAnswer { answer }) => f(answer),
            EventKind::Compaction(CompactionEvent {
                messages_summarised: _,
                tokens_before: _,
                tokens_after: _,
            }) => {}
            EventKind::ToolCallStarted(ToolCallStarted { tool, server, arguments_preview }) => {
                f(tool);
                if let Some(s) = server {
                    f(s);
                }
                f(arguments_preview);
            }
            EventKind::ToolCallFinished(ToolCallFinished {
                outcome: _,
                result_preview,
                latency_ms: _,
                error,
            }) => {
                f(result_preview);
                if let Some(e) = error {
                    f(e);
                }
            }
        }
    }
}

/// How a span ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanOutcome {
    Ok,
    Error,
    Cancelled,
    Timeout,
    BudgetExceeded,
}

impl SpanOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanOutcome::Ok => "ok",
            SpanOutcome::Error => "error",
            SpanOutcome::Cancelled => "cancelled",
            SpanOutcome::Timeout => "timeout",
            SpanOutcome::BudgetExceeded => "budget_exceeded",
        }
    }
}

/// An RLM run (root or sub-RLM) starts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStarted {
    /// The question the run answers.
    pub query: String,
    /// The run's root model (`provider:model`).
    pub model: String,
    /// Recursion depth: 0 for the root run.
    pub depth: u32,
    pub context_chars: u64,
    pub context_documents: u64,
    /// The OpenTelemetry trace the run is exported in (32 hex digits; root
    /// runs only, when export is on: rlm-telemetry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otel_trace_id: Option<String>,
}

/// An RLM run ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFinished {
    pub outcome: SpanOutcome,
    /// Model-call / program rounds the run took.
    pub iterations: u32,
    /// Tokens of the whole run, its subcalls and sub-runs included.
    pub usage: Usage,
    pub cost_usd: f64,
    pub duration_ms: u64,
}

/// The run's own model is called.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelCallStarted {
    pub model: String,
    pub iteration: u32,
    /// The start of the last message sent (the full history is not recorded).
    pub prompt_preview: String,
    pub prompt_messages: u32,
}

/// A model call or a subcall ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallFinished {
    pub outcome: SpanOutcome,
    pub response_preview: String,
    pub usage: Usage,
    /// What this call cost (0 when served from the cache or deduplicated).
    pub cost_usd: f64,
    /// Wall time including retries.
    pub latency_ms: u64,
    /// Served from the completion cache.
    #[serde(default)]
    pub cached: bool,
    /// Served by awaiting an identical call already in flight.
    #[serde(default)]
    pub deduped: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A program starts running.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgramStarted {
    pub iteration: u32,
    pub code: String,
}

/// A program stops (finished, failed, or was stopped by a limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramFinished {
    pub outcome: SpanOutcome,
    pub stdout: String,
    /// The error text the model was shown, if the program failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub fuel_used: u64,
    /// Memory the program's sandbox held when it ended, as its budget counts
    /// it (rlm-interp's running per-session count, `Session::live_memory_bytes`).
    pub memory_bytes: u64,
    /// Wall time of the program, time suspended in host calls (subcalls) included.
    pub duration_ms: u64,
}

/// A program calls a sub-model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubcallStarted {
    pub model: String,
    pub prompt_preview: String,
    /// Position in an `llm_batch`, if the call is part of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_index: Option<u32>,
    /// The JSON Schema the reply must match (`llm_query(..., schema=...)`),
    /// as compact JSON, at most [`SCHEMA_PREVIEW_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// A program calls a tool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallStarted {
    /// The name the program called.
    pub tool: String,
    /// The MCP server the tool belongs to (`mcp_servers.NAME`), if it is one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The start of its arguments, as JSON.
    pub arguments_preview: String,
}

/// A tool call ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallFinished {
    pub outcome: SpanOutcome,
    /// The start of what it returned, as JSON.
    pub result_preview: String,
    pub latency_ms: u64,
    /// The message the program raised, if the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Most characters of a subcall's schema a trace keeps.
pub const SCHEMA_PREVIEW_CHARS: usize = 2_000;

/// A call is retried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// 1 for the first retry.
    pub attempt: u32,
    /// Short machine-friendly reason: `rate_limited`, `timeout`, `http_503`, `connection`, ...
    pub reason: String,
    pub delay_ms: u64,
}

/// Budget signal levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// The soft limit was reached: the run should finalize now.
    SoftLimit,
    /// The hard limit was reached: work was stopped.
    HardStop,
}

impl BudgetLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetLevel::SoftLimit => "soft_limit",
            BudgetLevel::HardStop => "hard_stop",
        }
    }
}

/// A budget limit was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetEvent {
    pub level: BudgetLevel,
    /// Which budget: `steps`, `subcalls`, `depth`, `tokens`, `cost_usd`, `wall_time_ms`, ...
    pub budget: String,
    pub used: f64,
    pub limit: f64,
    pub message: String,
}

/// An error worth recording that is not the outcome of a call or program.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub message: String,
    /// Whether it ended the span it belongs to.
    pub fatal: bool,
}

/// The run's final answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FinalAnswer {
    pub answer: String,
}

/// The root model's history was compacted: old turns were replaced by a summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompactionEvent {
    /// Messages replaced by the summary.
    pub messages_summarised: u32,
    /// Estimated tokens of the history before and after.
    pub tokens_before: u64,
    pub tokens_after: u64,
}

/// A piece of a model call's reply as it streams: sent to listeners live,
/// never stored (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDelta {
    /// The `model_call` span the text belongs to.
    pub span_id: SpanId,
    /// Its run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<SpanId>,
    /// Events stored before this delta was sent: it follows event `after_seq - 1`.
    pub after_seq: u64,
    pub text: String,
}
