//! Which files the tools may read ([`FileAccess`]), and how much: over
//! stdio, the user's own files (the client is the user: no confinement
//! unless `--allow-path`); over HTTP, only files under the `--allow-path`
//! roots, checked by rlm-context's [`AllowedRoots`] (the guard `rlm serve`
//! uses), and none at all without a root.
//!
//! Before any file is read, each named file is checked by its type and size:
//! a folder's or a glob's binary files are skipped (found by their first
//! block, as the loader finds them), a binary file named on its own is an
//! error, and the files' sizes together must fit the context cap
//! (`--max-context-mb`): a 1 GiB file in a folder costs one block read,
//! never the gigabyte.

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

/// The files a request's specs name, checked, and the binary files its
/// folders held (left out).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sources {
    pub files: Vec<String>,
    pub skipped_binary: Vec<String>,
}

impl FileAccess {
    /// The sources a loader may read for `specs`: as given (stdio: the
    /// loader walks and checks them itself, under the same cap), or each
    /// spec expanded to the checked files it names, within `max_bytes`.
    pub fn sources(&self, specs: &[String], max_bytes: u64) -> Result<Sources, EngineError> {
        let FileAccess::Under(roots) = self else {
            return Ok(Sources { files: specs.to_vec(), skipped_binary: Vec::new() });
        };
        let mut sources = Sources::default();
        let mut total = 0u64;
        for spec in specs {
            let found = roots.files(spec).map_err(|e| EngineError::new(e.to_string()))?;
            // A folder's or a glob's binary files are left out; one named alone is an error.
            let walked = spec.contains(['*', '?', '[', '{'])
                || roots.resolve(spec).is_ok_and(|p| p.is_dir());
            for file in found {
                let shown = file.to_string_lossy().into_owned();
                let binary = rlm_context::is_binary_file(&file)
                    .map_err(|e| EngineError::new(format!("{spec}: {e}")))?;
                if binary && walked {
                    sources.skipped_binary.push(shown);
                    continue;
                }
                if binary {
                    return Err(EngineError::new(format!(
                        "{spec}: a binary file, not text (name a text file or a folder)"
                    )));
                }
                let size = std::fs::metadata(&file)
                    .map_err(|e| EngineError::new(format!("{spec}: {e}")))?
                    .len();
                total = total.saturating_add(size);
                if total > max_bytes {
                    return Err(too_large(total, max_bytes));
                }
                sources.files.push(shown);
            }
        }
        Ok(sources)
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

/// A context past the cap, in the words `rlm serve`'s 413 uses.
pub fn too_large(found: u64, limit: u64) -> EngineError {
    EngineError::new(format!(
        "the context is too large: {found} bytes, the limit is {limit} (--max-context-mb)"
    ))
}
