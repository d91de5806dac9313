//! `rlm run --task FILE`: a task spec (rlm-taskspec) supplies the question,
//! the context sources, the models and budgets (each unless given as a flag:
//! flags win), and the success criteria the run checks its answer against.

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
    let b = &spec.budget;
    flags.model = flags.model.take().or(spec.model);
    flags.sub_model = flags.sub_model.take().or(spec.sub_model);
    flags.max_steps = flags.max_steps.or(b.max_steps);
    flags.max_subcalls = flags.max_subcalls.or(b.max_subcalls);
    flags.max_tokens = flags.max_tokens.or(b.max_tokens);
    flags.max_cost_usd = flags.max_cost_usd.or(b.max_cost_usd);
    flags.timeout_secs = flags.timeout_secs.or(b.timeout_secs.map(|s| s as f64));
    Ok(TaskRun { question: spec.question, criteria: (!criteria.is_empty()).then_some(criteria) })
}
