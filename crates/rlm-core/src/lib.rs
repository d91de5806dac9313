//! The RLM loop: the thin crate that composes syntax, interpreter, context,
//! adapters, policy, cache, scheduler and trace.
//!
//! Built so far: [`context_binding`], which puts an `rlm_context::Context`
//! into an interpreter session (`context`/`P` zero-copy, `ctx` methods,
//! `peek`/`tail`/`lenP`). The loop itself is the next issue.

pub mod context_binding;

pub use context_binding::bind_context;
