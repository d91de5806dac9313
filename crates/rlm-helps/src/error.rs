//! The crate's error type: a help's text that cannot be used (a template
//! with a placeholder no value is given for, a notes file that does not
//! parse or names a note that does not exist).

/// Why a help's text is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelpsError {
    /// A template names a placeholder no value is given for, or leaves one open.
    #[error("{0}")]
    Template(String),
    /// A notes file does not parse, or names no note of the helps.
    #[error("{0}")]
    Notes(String),
}
