//! Task specs for RLM runs (Enzu's `TaskSpec` and `SuccessCriteria`): a task
//! file (TOML or JSON) names the question, the context sources, the models and
//! budgets, the expected output (free text, or JSON matching a JSON Schema)
//! and the success criteria (required substrings and regexes, length bounds,
//! the schema, an optional judge prompt for a cheaper model).
//!
//! [`TaskSpec::load`] reads a file; [`SuccessCriteria::compile`] turns its
//! criteria into a checker whose [`SuccessCriteria::check`] says, criterion by
//! criterion, whether an answer passes; [`CriteriaReport::feedback`] is the
//! text the loop sends back to the model when one fails. The judge's prompt
//! and verdict parsing live in [`judge`]; the model call itself is the
//! loop's (rlm-core), which owns models and budgets.
//!
//! [`OutputSchema`] is the JSON Schema a run's answer must match (the
//! `output.schema` setting, a task file's `output_schema`), checked by the
//! loop before a FINAL is accepted.
//!
//! Not to be confused with `rlm-tasks`, the generators of benchmark tasks.

mod criteria;
mod error;
pub mod judge;
mod output_schema;
mod prompts;
mod spec;

pub use criteria::{CriteriaReport, CriterionResult, SuccessCriteria};
pub use error::TaskSpecError;
pub use output_schema::{
    MAX_SCHEMA_BYTES, MAX_VIOLATIONS, OutputSchema, SchemaViolation, parse_json_answer,
};
pub use spec::{CriteriaSpec, ExpectedOutput, OutputFormat, TaskBudget, TaskSpec};
