//! The one error type of this crate: a task file that cannot be read or
//! whose criteria cannot be compiled.

use std::path::PathBuf;

/// Why a task spec could not be loaded or its criteria compiled.
#[derive(Debug, thiserror::Error)]
pub enum TaskSpecError {
    #[error("cannot read the task file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An output schema's file that cannot be read.
    #[error("cannot read the output schema file {path}: {source}")]
    ReadSchema {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the task file {path} is not a valid task ({format}): {message}")]
    Parse { path: PathBuf, format: &'static str, message: String },
    #[error("criterion regex {pattern:?} does not compile: {message}")]
    Regex { pattern: String, message: String },
    #[error("the JSON Schema of the task is not a valid schema: {message}")]
    Schema { message: String },
    /// An output schema that is not JSON or not a valid JSON Schema;
    /// `origin` names where it came from (`in PATH`, `given inline`).
    #[error("the output schema {origin} is not valid: {message}")]
    OutputSchema { origin: String, message: String },
    #[error("the task's criteria contradict each other: {0}")]
    Contradiction(String),
}
