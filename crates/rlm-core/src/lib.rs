//! The RLM loop: the thin crate that composes syntax, interpreter, context,
//! adapters, policy, scheduler and trace into a Recursive Language Model.
//!
//! ```no_run
//! use std::sync::Arc;
//! use rlm_adapters::FakeAdapter;
//! use rlm_context::Context;
//! use rlm_core::Rlm;
//!
//! let root = FakeAdapter::replies([
//!     "```repl\nprint(len(context))\n```",
//!     "FINAL(the context is short)",
//! ]);
//! let rlm = Rlm::builder().root(Arc::new(root)).build().unwrap();
//! let result = rlm.run_blocking("How long is it?", Context::from_text("hello")).unwrap();
//! println!("{:?} ({})", result.answer, result.finish.as_str());
//! ```
//!
//! * [`Rlm::builder`] takes the root adapter, an optional cheaper sub-model,
//!   budgets (`rlm-policy`), a subcall cache, scheduler settings, sandbox
//!   limits, tools, trace listeners, prompts and [`LoopOptions`].
//! * [`Rlm::run`] (async, `Send`) / [`Rlm::run_blocking`] return a
//!   [`RunResult`]: the answer, how the run ended ([`Finish`]), usage and the
//!   trace events.
//! * [`Session`] is the seam front ends drive: executions one after another
//!   over one context, with a cumulative budget, `memory`, history, live and
//!   replayable trace streams, cancellation and serialisable state.
//! * [`cell::run_cell`] (rlm-sandbox-host) drives any interpreter cell
//!   through its host calls; [`Rlm::new_session`] + [`Rlm::program_host`]
//!   give an embedder-driven session (a REPL) the functions and the serving a
//!   run's programs get.
//! * [`FunctionRegistry`] (rlm-functions): every function a program has,
//!   declared once.
//! * [`RetrievalSettings`] (builder `.retrieval`): `search` over the context's
//!   index, the `es_*` functions over a document backend, and the
//!   retrieval-aware first step (rlm-functions over rlm-retrieval).
//!
//! The crate composes; what it composes lives in leaf crates: rlm-functions
//! (what a program calls), rlm-sandbox-host (where its session runs),
//! rlm-prompts (the texts sent, reading replies), rlm-helps (small-model
//! helps). Files, one job each: `rlm.rs` (the API), `engine.rs` (what runs
//! share), `run_loop/` (the loop), `program.rs` (a run's sandbox),
//! `root_call.rs`, `compaction.rs`, `direct.rs` (SmartRouter baseline),
//! `serving.rs` (host calls → batches, sub-RLMs, tools), `subcall_spans.rs`
//! (scheduler events → trace spans), `models.rs`, `scope.rs`, `session/`,
//! `turn.rs`, `options.rs`, `outcome.rs`, `error.rs`, `checkpoint.rs`
//! (durable runs: a checkpoint after each root step, resume from one),
//! `answer_schema.rs` (a candidate answer read as JSON and checked against
//! the run's output schema).

mod answer_schema;
mod answer_shapes;
mod assembly;
mod cancel;
mod checkpoint;
mod compaction;
mod direct;
mod engine;
mod error;
mod ledger;
mod models;
mod options;
mod outcome;
mod program;
mod rlm;
mod root_call;
mod run_loop;
mod scope;
mod serving;
mod session;
mod subcall_schema;
mod subcall_spans;
mod tool_spans;
mod turn;

pub use assembly::{
    BudgetOverrides, EngineModels, EngineParts, LoopOverrides, ModelPair, RunOverrides, embedder,
    parse_helps, profile_and_helps, retrieval_settings,
};
pub use checkpoint::{
    CHECKPOINT_VERSION, Checkpoint, CheckpointSink, DurableStart, LoopCounters, MemoryCheckpoints,
    ReplayProgram,
};
pub use error::{CheckpointError, RlmError, SessionError, SessionResource};
pub use options::{CompactionOptions, Helps, LoopOptions, OverflowPolicy, RepeatEscape};
pub use outcome::{Finish, Mode, RunResult};
pub use rlm::{ProgramHost, Rlm, RlmBuilder};
pub use rlm_functions::{
    ContextIndexSettings, Flavor, FunctionKind, FunctionRegistry, FunctionSpec, InMemoryStore,
    MAX_PROGRAM_K, MemoryMap, MemoryStore, RetrievalSettings, Tool, ToolResult, bind_context,
    context_binding, memory, tools,
};
pub use rlm_helps::{HelpNotes, HelpPrompts};
pub use rlm_policy::{BudgetLimits, UsageSnapshot};
pub use rlm_sched::{SchedulerConfig, SharedLimiter};
pub use rlm_telemetry::{Telemetry, TraceParent};
pub use rlm_types::{CompletionCache, ModelId, shown_model_id};

/// What a front end names of the model adapters (rlm-adapters): the provider
/// environment, the scripted model, the fault injector `rlm stress` puts in
/// front of a model, prices, recordings (`rlm test`), a request (`rlm eval`'s
/// judge). Adapters themselves are built by
/// [`EngineParts`].
pub mod adapters {
    pub use rlm_adapters::{
        AdapterError, AdapterErrorKind, EnvVars, FakeAdapter, FakeReply, FakeScript, Fault,
        FaultInjector, FaultRule, FaultStats, ModelAdapter, Paced, PriceTable, RecordedExchange,
        RecordingSink, RecordingWriter, ReplayBook, RetryPolicy, SCRIPTED_MODEL, Secret, Sleeper,
        WhenExhausted, recorded_models,
    };
    pub use rlm_types::{CompletionRequest, FinishReason, estimate_tokens};
}
pub use rlm_prompts::{PromptError, PromptProfile, Prompts, extract, prompts, text as prompt_text};
/// Where programs' interpreter sessions run (rlm-sandbox-host).
pub use rlm_sandbox_host as sandbox;
pub use rlm_sandbox_host::{ProbeReport, ProcessHost, SandboxHost, cell, serve_worker};
pub use rlm_taskspec::{
    CriteriaReport, CriterionResult, OutputSchema, SchemaViolation, SuccessCriteria, TaskSpec,
    judge,
};
pub use session::{
    Canceller, Execution, ExecutionHandle, SESSION_STATE_VERSION, Session, SessionId,
    SessionLimits, SessionSettings, SessionState, SessionUsage,
};
pub use turn::{ExecutionId, Turn};
