//! [`TaskSpec`]: what a task file holds, read from TOML or JSON (unknown keys
//! are errors, so a misspelt criterion is never silently ignored).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::TaskSpecError;
use crate::output_schema::OutputSchema;

/// One task: the question, where its context comes from, the models and
/// budgets to run it with, what the answer should look like, and how to tell
/// a good answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// The question asked.
    pub question: String,
    /// Context sources (files, folders, globs; `-` for stdin), relative paths
    /// taken from the task file's folder by [`TaskSpec::load`].
    #[serde(default)]
    pub context: Vec<String>,
    /// The root model (`provider:model` or a name the configuration knows).
    #[serde(default)]
    pub model: Option<String>,
    /// The sub-model for `llm_query` and friends.
    #[serde(default)]
    pub sub_model: Option<String>,
    #[serde(default)]
    pub budget: TaskBudget,
    #[serde(default)]
    pub expected: ExpectedOutput,
    #[serde(default)]
    pub criteria: CriteriaSpec,
    /// The JSON Schema the answer must match (issue #57): a path to a JSON
    /// file (relative to the task file's folder, resolved by
    /// [`TaskSpec::load`]) or the schema inline (a TOML table / JSON
    /// object). The loop validates every FINAL against it
    /// ([`TaskSpec::output_schema`] compiles it).
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
}

/// The budgets of one run (unset: the configuration's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskBudget {
    pub max_steps: Option<u64>,
    pub max_subcalls: Option<u64>,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub timeout_secs: Option<u64>,
}

/// The shape of a good answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOutput {
    #[serde(default)]
    pub format: OutputFormat,
    /// With `format = "json"`: the JSON Schema the answer must match.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
}

/// Free text or JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// The success criteria as written in the task file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSpec {
    /// Substrings the answer must contain (case-sensitive).
    #[serde(default)]
    pub contains: Vec<String>,
    /// Regexes (Rust `regex` syntax) the answer must match somewhere.
    #[serde(default)]
    pub regex: Vec<String>,
    /// The whole answer (trimmed) must be exactly this.
    #[serde(default)]
    pub exact: Option<String>,
    /// A number the answer must state: one number in it (`1,234`, `-3.5`)
    /// within `tolerance` of this (issue #57).
    #[serde(default)]
    pub number: Option<f64>,
    /// How far the stated number may be from `number` (default 0).
    #[serde(default)]
    pub tolerance: Option<f64>,
    /// Fewest characters (code points) the answer may have.
    #[serde(default)]
    pub min_chars: Option<usize>,
    /// Most characters (code points) the answer may have.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// A requirement the answer must meet, put to the judge (the run's root
    /// model, through the run's budget) once every other criterion passes.
    #[serde(default)]
    pub judge: Option<String>,
}

impl TaskSpec {
    /// Reads a task file: `.json` as JSON, anything else as TOML. Relative
    /// context paths are resolved against the file's folder.
    pub fn load(path: &Path) -> Result<TaskSpec, TaskSpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TaskSpecError::Read { path: path.to_path_buf(), source })?;
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut spec =
            if is_json { TaskSpec::from_json(&text) } else { TaskSpec::from_toml(&text) }.map_err(
                |(format, message)| TaskSpecError::Parse {
                    path: path.to_path_buf(),
                    format,
                    message,
                },
            )?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        spec.context = spec.context.iter().map(|c| resolve(&base, c)).collect();
        if let Some(serde_json::Value::String(file)) = &spec.output_schema {
            spec.output_schema = Some(serde_json::Value::String(resolve(&base, file)));
        }
        Ok(spec)
    }

    /// The task's output schema compiled (`None`: the task has none). A
    /// string is a file path (resolved against the task file's folder by
    /// [`TaskSpec::load`]), an object the schema itself.
    pub fn output_schema(&self) -> Result<Option<OutputSchema>, TaskSpecError> {
        match &self.output_schema {
            None => Ok(None),
            Some(serde_json::Value::String(path)) => {
                OutputSchema::from_file(Path::new(path)).map(Some)
            }
            Some(schema) => OutputSchema::new(schema.clone(), "of the task").map(Some),
        }
    }

    /// A task from TOML text; the error is the format's name and its message.
    pub fn from_toml(text: &str) -> Result<TaskSpec, (&'static str, String)> {
        toml::from_str(text).map_err(|e| ("TOML", e.message().to_string()))
    }

    /// A task from JSON text; the error is the format's name and its message.
    pub fn from_json(text: &str) -> Result<TaskSpec, (&'static str, String)> {
        serde_json::from_str(text).map_err(|e| ("JSON", e.to_string()))
    }
}

/// `source` relative to `base`, unless it is absolute or stdin.
fn resolve(base: &Path, source: &str) -> String {
    if source == "-" || Path::new(source).is_absolute() || base.as_os_str().is_empty() {
        return source.to_string();
    }
    let mut joined = PathBuf::from(base);
    joined.push(source);
    joined.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_read_the_same_task_and_unknown_keys_are_refused() {
        let toml_text = r#"
question = "Which year?"
context = ["notes.txt"]
[budget]
max_steps = 6
[criteria]
contains = ["19"]
regex = ['\d{4}']
max_chars = 200
"#;
        let json_text = r#"{"question": "Which year?", "context": ["notes.txt"],
            "budget": {"max_steps": 6},
            "criteria": {"contains": ["19"], "regex": ["\\d{4}"], "max_chars": 200}}"#;
        let a = TaskSpec::from_toml(toml_text).unwrap();
        let b = TaskSpec::from_json(json_text).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.budget.max_steps, Some(6));
        let err =
            TaskSpec::from_toml("question = \"q\"\n[criteria]\ncontain = [\"x\"]\n").unwrap_err();
        assert!(err.1.contains("contain"), "{err:?}");
    }

    #[test]
    fn load_resolves_context_against_the_task_folder() {
        let dir = std::env::temp_dir().join(format!("rlm-taskspec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("task.toml");
        std::fs::write(&file, "question = \"q\"\ncontext = [\"a.txt\", \"/abs/b.txt\", \"-\"]\n")
            .unwrap();
        let spec = TaskSpec::load(&file).unwrap();
        assert_eq!(
            spec.context,
            vec![dir.join("a.txt").display().to_string(), "/abs/b.txt".into(), "-".into()]
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(TaskSpec::load(&file), Err(TaskSpecError::Read { .. })));
    }

    #[test]
    fn output_schema_is_a_file_beside_the_task_or_inline() {
        let dir = std::env::temp_dir().join(format!("rlm-taskspec-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("answer.json"), r#"{"type": "object", "required": ["n"]}"#)
            .unwrap();
        let file = dir.join("task.toml");
        std::fs::write(&file, "question = \"q\"\noutput_schema = \"answer.json\"\n").unwrap();
        let schema = TaskSpec::load(&file).unwrap().output_schema().unwrap().unwrap();
        assert!(schema.is_valid(&serde_json::json!({"n": 1})));
        assert!(!schema.is_valid(&serde_json::json!({})));
        std::fs::write(&file, "question = \"q\"\noutput_schema = { type = \"integer\" }\n")
            .unwrap();
        let inline = TaskSpec::load(&file).unwrap().output_schema().unwrap().unwrap();
        assert!(inline.is_valid(&serde_json::json!(3)));
        std::fs::write(&file, "question = \"q\"\noutput_schema = \"missing.json\"\n").unwrap();
        let err = TaskSpec::load(&file).unwrap().output_schema().unwrap_err().to_string();
        assert!(err.contains("missing.json"), "{err}");
        assert_eq!(
            TaskSpec::from_toml("question = \"q\"\n").unwrap().output_schema().unwrap(),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
