//! What an RLM program calls besides the interpreter's builtins, as a leaf
//! that rlm-core composes: the [`FunctionRegistry`] (every function declared
//! once: `llm_query`, `rlm_query`, the context helpers, retrieval, tools),
//! the zero-copy binding of the context ([`bind_context`]), embedder
//! [`Tool`]s, a run's retrieval serving ([`RunRetrieval`]) and the `memory`
//! dict's store ([`MemoryStore`]).
//!
//! Files, one job each: `functions.rs` (the registry and binding a call),
//! `llm_error.rs` (`LLMError`, a failed batch prompt's value),
//! `context_binding.rs`, `context_helpers.rs` (grep, count_lines and the other inline context
//! helpers), `pyrlm.rs` (pyrlm-runtime's in-program API), `tools.rs`, `retrieval.rs`, `memory.rs`.

pub mod context_binding;
mod context_helpers;
mod functions;
mod llm_error;
pub mod memory;
pub mod pyrlm;
mod retrieval;
pub mod tools;

pub use context_binding::bind_context;
pub use context_helpers::pick_first;
pub use functions::{
    BoundCall, FunctionKind, FunctionRegistry, FunctionSpec, ON_ERROR_RAISE, ON_ERROR_VALUE,
    Service,
};
pub use llm_error::{LLM_ERROR_TYPE, LlmError};
pub use memory::{InMemoryStore, MemoryMap, MemoryStore};
pub use pyrlm::Flavor;
pub use retrieval::{
    ContextIndexSettings, MAX_PROGRAM_K, RetrievalOp, RetrievalSettings, RunRetrieval,
};
pub use tools::{Tool, ToolResult};
