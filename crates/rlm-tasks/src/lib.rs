//! Benchmark and test tasks for RLMs: context generators, scripted root
//! programs and rule-based sub-models, so that a whole RLM run — root program,
//! chunking, parallel sub-calls, aggregation, `FINAL` — can be checked offline
//! and exactly, at any context size.
//!
//! * **Generators** ([`needle`], [`oolong`]): deterministic from a seed, fast
//!   (one pre-sized `String`, well under a second per 100 MB in release), and
//!   exactly `size_bytes` long (ASCII, so bytes = characters).
//!   - `needle`: S-NIAH-style. Varied filler prose, one sentence "The special
//!     magic number for `<key>` is `<7 digits>`." at a seeded depth, and a few
//!     distractor sentences for other keys.
//!   - `oolong`: OOLONG-style aggregation over records
//!     `Date: … || User: … || Instance: <a question>`, each instance carrying
//!     one of the six trec-coarse labels through rule-recognisable wording; the
//!     question asks how many instances have a label, or which label is most
//!     common, and the generator computes the exact answer.
//! * **Sub-model** ([`RuleModel`]): a [`rlm_adapters::ModelAdapter`] that
//!   answers sub-prompts by rules from the text inside them, with a context
//!   window it enforces like a real model (the adapters' context-length error).
//! * **Root programs** ([`root_program`], [`root_replies`]): the DSL cells a
//!   root model would write for a task (also valid Python), and
//!   [`baseline_prompt`]: the whole context plus the question in one prompt.
//!
//! ```
//! use rlm_tasks::{RuleModel, baseline_prompt, needle};
//!
//! let task = needle(10_000, 7);
//! assert_eq!(task.context.len(), 10_000);
//! // A model whose window holds the whole context answers the baseline prompt...
//! let model = RuleModel::new();
//! assert!(task.is_correct(&model.reply_to(&baseline_prompt(&task))));
//! ```

mod error;
mod needle;
mod oolong;
mod programs;
mod rng;
mod rule_model;
mod task;
mod text;

pub use error::TaskError;
pub use needle::{NEEDLE_QUESTION_PREFIX, needle};
pub use oolong::{Label, classify_instance, oolong};
pub use programs::{
    DEFAULT_CHUNK_CHARS, Program, baseline_prompt, py_str_literal, root_program, root_program_with,
    root_replies,
};
pub use rule_model::{NOT_FOUND, RuleModel};
pub use task::{MIN_CONTEXT_BYTES, Task, TaskKind, TaskQuestion, normalise_answer, parse_size};
