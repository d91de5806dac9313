//! `TaskError`: what can go wrong when a task is named or sized by a user
//! (benchmark and CLI arguments). Generators themselves cannot fail.

/// A task name or size that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// Not one of the known task kinds.
    #[error("unknown task '{0}': expected 'needle' or 'oolong'")]
    UnknownTask(String),
    /// A size that is not a number with an optional unit (B, KB, MB, GB; KiB, MiB, GiB).
    #[error("invalid size '{input}': {reason} (examples: 10KB, 1MB, 100MB, 4096)")]
    InvalidSize { input: String, reason: String },
}
