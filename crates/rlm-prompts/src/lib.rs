//! The RLM loop's conversation with its models, as texts: every prompt the
//! loop sends (the files of this crate's `prompts/`, embedded, overridable
//! from a directory; the compact profile for small models; the grammar that
//! constrains a root reply) and their strict rendering ([`prompts`]), and
//! reading what a model replies: code blocks, `FINAL(...)` and prose answers
//! ([`extract`]), with the text helpers the feedback uses ([`text`]).
//!
//! Files, one job each: `prompts.rs`, `extract.rs`, `text.rs`, `error.rs`.

mod error;
pub mod extract;
pub mod prompts;
pub mod text;

pub use error::PromptError;
pub use prompts::{Notes, PROMPT_FILES, PromptProfile, Prompts, render, render_or_explain};

/// The grammar a constrained root reply follows: one ```repl block or one
/// FINAL(...) line (llama.cpp GBNF; `Helps::constrain_root`).
pub const ROOT_REPLY_GRAMMAR: &str = include_str!("../prompts/root_reply.gbnf");
/// The closing call's grammar (llama.cpp GBNF): the answer call alone, no
/// program (issue #60: a small model answered the closing call with code).
pub const ROOT_ANSWER_GRAMMAR: &str = include_str!("../prompts/root_answer.gbnf");
