//! The crate's error type: a prompt text that cannot be used (an unknown
//! profile name, an unreadable file, notes that do not parse, a template with
//! a placeholder no value is given for). Each reads as the configuration error
//! it is, since only a user-supplied prompt can fail.

use std::path::PathBuf;

/// Why a prompt cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// A prompt profile that is not `full`, `compact` or `auto`.
    #[error("configuration error: unknown prompt profile {0:?}: use full, compact or auto")]
    UnknownProfile(String),
    /// A prompt file exists but cannot be read.
    #[error("configuration error: cannot read prompt {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// A `notes.toml` that does not parse or names no known note.
    #[error("configuration error: prompt notes {}: {why}", path.display())]
    Notes { path: PathBuf, why: String },
    /// A template names a placeholder no value is given for, or leaves one open.
    #[error("configuration error: {0}")]
    Render(rlm_helps::HelpsError),
}
