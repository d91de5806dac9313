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
//!   budgets (`rlm-policy`), a subcall cache, scheduler settings, interpreter
//!   limits, tools, trace listeners, prompts and [`LoopOptions`].
//! * [`Rlm::run`] (async, `Send`) / [`Rlm::run_blocking`] return a
//!   [`RunResult`]: the answer, how the run ended ([`Finish`]), usage and the
//!   trace events.
//! * The loop lives in `run.rs`; reply parsing in [`extract`]; the program's
//!   functions in `host.rs`; prompts in `prompts/` at the workspace root.

pub mod context_binding;
mod error;
pub mod extract;
mod host;
pub mod json_value;
pub mod memory;
mod outcome;
pub mod prompts;
mod rlm;
mod run;
mod serve;
mod session;
mod subcalls;
pub mod tools;

pub use context_binding::bind_context;
pub use error::{RlmError, SessionError, SessionResource};
pub use memory::{InMemoryStore, MemoryMap, MemoryStore};
pub use outcome::{Finish, Mode, RunResult};
pub use prompts::Prompts;
pub use rlm::{CompactionOptions, LoopOptions, OverflowPolicy, ProgramHost, Rlm, RlmBuilder};
pub use session::{
    Canceller, Execution, ExecutionHandle, ExecutionId, SESSION_STATE_VERSION, Session, SessionId,
    SessionLimits, SessionSettings, SessionState, SessionUsage, Turn,
};
pub use tools::{Tool, ToolResult};
