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
//! * [`cell::run_cell`] drives any interpreter cell through its host calls;
//!   [`Rlm::new_session`] + [`Rlm::program_host`] give an embedder-driven
//!   session (a REPL) the functions and the serving a run's programs get.
//! * [`FunctionRegistry`]: every function a program has, declared once.
//! * [`RetrievalSettings`] (builder `.retrieval`): `search` over the context's
//!   index, the `es_*` functions over a document backend, and the
//!   retrieval-aware first step (rlm-retrieval).
//!
//! Files, one job each: `rlm.rs` (the API), `engine.rs` (what runs share),
//! `run_loop.rs` (the loop), `program.rs` (a run's sandbox), `root_call.rs`,
//! `compaction.rs`, `direct.rs` (SmartRouter baseline), `serving.rs` (host
//! calls → batches, sub-RLMs, tools), `subcall_spans.rs` (scheduler events →
//! trace spans), `cell.rs`, `functions.rs`, `models.rs`, `scope.rs`,
//! `retrieval.rs` (search/es_* serving, first-step evidence), `session/`, `turn.rs`, `extract.rs`, `prompts.rs` (+ the crate's `prompts/`; the
//! helps' texts are rlm-helps'), `text.rs`, `tools.rs`, `memory.rs`, `context_binding.rs`,
//! `options.rs`, `outcome.rs`, `error.rs`, `sandbox/` (where programs'
//! sessions run: in process, or in worker processes with OS limits).

pub mod cell;
mod compaction;
pub mod context_binding;
mod direct;
mod engine;
mod error;
pub mod extract;
mod functions;
pub mod memory;
mod models;
mod options;
mod outcome;
mod program;
pub mod prompts;
mod retrieval;
mod rlm;
mod root_call;
mod run_loop;
pub mod sandbox;
mod scope;
mod serving;
mod session;
mod subcall_spans;
mod text;
pub mod tools;
mod turn;

pub use context_binding::bind_context;
pub use error::{RlmError, SessionError, SessionResource};
pub use functions::{FunctionKind, FunctionRegistry, FunctionSpec};
pub use memory::{InMemoryStore, MemoryMap, MemoryStore};
pub use options::{CompactionOptions, Helps, LoopOptions, OverflowPolicy, RepeatEscape};
pub use outcome::{Finish, Mode, RunResult};
pub use prompts::{PromptProfile, Prompts};
pub use retrieval::{ContextIndexSettings, MAX_PROGRAM_K, RetrievalSettings};
pub use rlm::{ProgramHost, Rlm, RlmBuilder};
pub use rlm_helps::{HelpNotes, HelpPrompts};
pub use rlm_taskspec::{CriteriaReport, CriterionResult, SuccessCriteria, TaskSpec};
pub use sandbox::{ProbeReport, ProcessHost, SandboxHost, serve_worker};
pub use session::{
    Canceller, Execution, ExecutionHandle, SESSION_STATE_VERSION, Session, SessionId,
    SessionLimits, SessionSettings, SessionState, SessionUsage,
};
pub use tools::{Tool, ToolResult};
pub use turn::{ExecutionId, Turn};
