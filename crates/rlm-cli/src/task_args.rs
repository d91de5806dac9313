//! `rlm run --task FILE`: a task spec (rlm-taskspec) supplies the question,
//! the context sources, the models and budgets (each unless given as a flag:
//! flags win), the output schema (`output_schema`, as `--output-schema`) and
//! the success criteria the run checks its answer against.

use std::path::Path;

use rlm_core::{SuccessCriteria, TaskSpec};

use crate::config::ConfigFlags;
use crate::exit::CliError;

/// What a task file gives a run besides its flags.
pub struct TaskRun {
    pub question: String,
    pub criteria: Option<SuccessCriteria>,
}

/// Reads the task file and fills every flag the command line left unset;
/// the question comes from the file.
pub fn apply_task(
    path: &Path,
    context: &mut Vec<String>,
    flags: &mut ConfigFlags,
) -> Result<TaskRun, CliError> {
    let spec = TaskSpec::load(path).map_err(|e| CliError::Config(e.to_string()))?;
    let criteria = SuccessCriteria::from_spec(&spec)
        .map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?;
    if spec.question.trim().is_empty() {
        return Err(CliError::Config(format!("{}: the task's question is empty", path.display())));
    }
    if context.is_empty() {
        context.clone_from(&spec.context);
    }
    // The task's output schema (a path resolved beside the task file, or
    // inline), unless --output-schema is given: checked here so that a bad
    // one names the task file.
    spec.output_schema().map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?;
    let schema = match &spec.output_schema {
        Some(serde_json::Value::String(file)) => Some(file.clone()),
        Some(inline) => Some(inline.to_string()),
        None => None,
    };
    flags.set_if_unset("output.schema", schema);
    let b = &spec.budget;
    let text = |n: Option<u64>| n.map(|n| n.to_string());
    flags.set_if_unset("model", spec.model);
    flags.set_if_unset("sub_model", spec.sub_model);
    flags.set_if_unset("budgets.max_steps", text(b.max_steps));
    flags.set_if_unset("budgets.max_subcalls", text(b.max_subcalls));
    flags.set_if_unset("budgets.max_tokens", text(b.max_tokens));
    flags.set_if_unset("budgets.max_cost_usd", b.max_cost_usd.map(|c| c.to_string()));
    flags.set_if_unset("budgets.timeout_secs", b.timeout_secs.map(|s| s.to_string()));
    Ok(TaskRun { question: spec.question, criteria: (!criteria.is_empty()).then_some(criteria) })
}
