//! What `rlm test` and `rlm eval` share (issue #57): a folder of cases (each
//! a task file, `NAME.toml` or `NAME.json`, with its recording
//! `NAME.recording.jsonl` beside it when there is one), and one run of a
//! case in this process, set up exactly as `rlm run --task` sets it up (the
//! task fills the settings the flags left unset; `rlm.toml` and `RLM_*`
//! apply as always).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rlm_core::{Rlm, RunOverrides, RunResult};

use crate::config::{ConfigFlags, Settings};
use crate::engine::engine_parts;
use crate::exit::CliError;

/// The suffix of a case's recording, after the case's name.
pub const RECORDING_SUFFIX: &str = ".recording.jsonl";

/// One case of a folder.
#[derive(Debug, Clone)]
pub struct Case {
    /// The task file's name without its extension.
    pub name: String,
    pub task: PathBuf,
    /// Where its recording is (it may not exist yet).
    pub recording: PathBuf,
}

/// The cases of `dir`: every `.toml` and `.json` file at its top but
/// `rlm.toml`, by name.
pub fn cases_in(dir: &Path) -> Result<Vec<Case>, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::read(dir, &e))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| CliError::read(dir, &e))?.path();
        let is_task = path.is_file()
            && path.extension().is_some_and(|e| e == "toml" || e == "json")
            && path.file_name().is_some_and(|n| n != "rlm.toml");
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).filter(|_| is_task) else {
            continue;
        };
        let recording = dir.join(format!("{stem}{RECORDING_SUFFIX}"));
        cases.push(Case { name: stem.to_string(), task: path.clone(), recording });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    if cases.is_empty() {
        return Err(CliError::Config(format!(
            "{}: no case (a task file NAME.toml or NAME.json) in this folder",
            dir.display()
        )));
    }
    Ok(cases)
}

/// One finished run of a case.
pub struct CaseRun {
    pub question: String,
    /// The task's judge requirement, if its criteria have one.
    pub judge_requirement: Option<String>,
    pub result: RunResult,
    pub elapsed: Duration,
    pub model: String,
    pub sub_model: String,
}

/// Runs `case` with `flags` (the command's) and `knobs` set over them, and
/// the scripted model playing `script` when given.
pub fn run_case(
    case: &Case,
    flags: &ConfigFlags,
    script: Option<&Path>,
    knobs: &[(&'static str, String)],
) -> Result<CaseRun, CliError> {
    let mut flags = flags.clone();
    for (key, value) in knobs {
        flags.set(key, value.clone());
    }
    let mut context = Vec::new();
    let task = crate::task_args::apply_task(&case.task, &mut context, &mut flags)?;
    let settings = Settings::from_process(&flags)?;
    let cfg = settings.resolve()?;
    let loaded = load_from_the_task_folder(&case.task, &context)?;
    let parts = engine_parts(cfg, settings.env.clone(), script)?;
    let mut builder = Rlm::from_config(&parts, RunOverrides::default(), &context)?;
    let judge_requirement = task.criteria.as_ref().and_then(|c| c.judge()).map(str::to_string);
    if let Some(c) = task.criteria {
        builder = builder.criteria(c);
    }
    let rlm = builder.build()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let started = Instant::now();
    let result = runtime.block_on(rlm.run(&task.question, loaded))?;
    Ok(CaseRun {
        question: task.question,
        judge_requirement,
        result,
        elapsed: started.elapsed(),
        model: rlm.root_model(),
        sub_model: rlm.sub_model(),
    })
}

/// The task's context, loaded with its relative sources as the task file
/// writes them, from the task's folder: the model is told the sources as
/// written (`../corpus`), wherever the folder of cases is and however it
/// was named, so a recording replays from any checkout.
fn load_from_the_task_folder(
    task: &Path,
    sources: &[String],
) -> Result<rlm_context::Context, CliError> {
    let folder = task.parent().filter(|f| !f.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let as_written: Vec<String> = sources
        .iter()
        .map(|s| match Path::new(s).strip_prefix(folder) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => s.clone(),
        })
        .collect();
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::Config(format!("cannot read the working directory: {e}")))?;
    std::env::set_current_dir(folder).map_err(|e| CliError::read(folder, &e))?;
    // No source: an empty context (never stdin: cases run unattended).
    let loaded = crate::context_args::load_sources(&as_written, false);
    std::env::set_current_dir(&cwd).map_err(|e| CliError::read(&cwd, &e))?;
    loaded
}

/// The replay miss a run ended with, if it did: the error's message (the
/// diff against the nearest recorded request).
pub fn replay_miss(result: &RunResult) -> Option<&str> {
    match &result.finish {
        rlm_core::Finish::ModelError { message } if message.contains("no recording in ") => {
            Some(message.as_str())
        }
        _ => None,
    }
}
