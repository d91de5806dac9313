//! The small-model helps of the RLM loop (issue #19), out of rlm-core: the
//! loop calls them at three points and they keep their own state
//! ([`RunHelps`]).
//!
//! 1. The first message ([`RunHelps::first_message`]): evidence first, the
//!    first found of a counting question's lines selected by program, the
//!    retrieval first step's hits (the caller's), the passages of a plain
//!    term search for the question.
//! 2. After a program's output ([`RunHelps::after_output`]): a printed count
//!    shown the lines it should count, output holding the question's words
//!    presented as evidence, text around the first hits for a program that
//!    printed nothing useful; what was shown and counted is remembered.
//! 3. Judging a candidate answer: a grounded bare reply
//!    ([`RunHelps::bare_answer`], [`Grounds`]), a confirmed count
//!    ([`RunHelps::confirmed_count`]), a FINAL that is only template text
//!    ([`is_placeholder`]); and the repeat escape's memory of programs and
//!    its built-in strategies ([`RunHelps::strategy_due`], [`QuestionShape`]).
//!
//! Every text is a file in this crate's `prompts/` ([`HelpPrompts`]), embedded
//! at build time and replaceable from a directory through rlm-core's
//! `Prompts::from_dir`.

mod count;
mod error;
mod evidence;
mod grounds;
mod placeholder;
mod prompts;
mod shape;
mod state;
mod template;
mod text;

pub use error::HelpsError;
pub use grounds::{CountGround, Grounds, count_value, printed_count};
pub use placeholder::is_placeholder;
pub use prompts::{HELP_NOTES_FILE, HELP_PROMPT_FILES, HelpNotes, HelpPrompts};
pub use shape::QuestionShape;
pub use state::{RunHelps, Switches};
pub use template::{placeholders, render};
pub use text::strip_quotes;
