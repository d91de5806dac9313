//! The error of reading the configuration: every variant names what to fix.

use std::path::Path;

/// A setting that cannot be used, or a configuration that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file that cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    /// A bad configuration (a config file, a profile, a combination).
    #[error("{0}")]
    Config(String),
    /// A knob's value that its kind refuses: the key, where it was set, the
    /// value as given and what was expected.
    #[error("{key} = {value:?} (from {origin}) is not valid: expected {expected}")]
    Setting { key: String, origin: String, value: String, expected: String },
    /// No model configured; the message says exactly what to set.
    #[error("{0}")]
    NoModel(String),
}

impl ConfigError {
    /// A reading error with the reason worded for people (`no such file`, not `os error 2`).
    pub fn read(path: &Path, error: &std::io::Error) -> ConfigError {
        use std::io::ErrorKind;
        let reason = match error.kind() {
            ErrorKind::NotFound => "no such file or folder".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
            ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => error.to_string(),
        };
        ConfigError::Read { path: path.display().to_string(), reason }
    }
}
