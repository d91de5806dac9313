//! Which files the tools may read ([`FileAccess`]): over stdio, the user's
//! own files (the client is the user: no confinement unless `--allow-path`);
//! over HTTP, only files under the `--allow-path` roots, checked by
//! rlm-context's [`AllowedRoots`] (the guard `rlm serve` uses), and none at
//! all without a root.

use std::path::PathBuf;

use rlm_context::AllowedRoots;

use crate::error::EngineError;

/// What the tools' `paths` and `path` arguments may name.
#[derive(Debug, Clone)]
pub enum FileAccess {
    /// Any path the server's user can read.
    Any,
    /// Only files under these roots (no root: no file at all).
    Under(AllowedRoots),
}

impl FileAccess {
    /// The sources a loader may read for `specs`: as given, or each spec
    /// expanded to the checked files it names.
    pub fn sources(&self, specs: &[String]) -> Result<Vec<String>, EngineError> {
        let FileAccess::Under(roots) = self else {
            return Ok(specs.to_vec());
        };
        let mut files = Vec::new();
        for spec in specs {
            let found = roots.files(spec).map_err(|e| EngineError::new(e.to_string()))?;
            files.extend(found.into_iter().map(|f| f.to_string_lossy().into_owned()));
        }
        Ok(files)
    }

    /// The file or folder `spec` names, for `rlm_search` (its index's key).
    pub fn folder(&self, spec: &str) -> Result<PathBuf, EngineError> {
        match self {
            FileAccess::Any => Ok(PathBuf::from(spec)),
            FileAccess::Under(roots) => {
                roots.resolve(spec).map_err(|e| EngineError::new(e.to_string()))
            }
        }
    }
}
