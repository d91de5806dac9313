//! Errors of the cache. Only opening and maintenance operations return them;
//! lookups and stores through [`rlm_types::CompletionCache`] never fail (they
//! count problems in the statistics instead).

use std::path::PathBuf;

/// Something went wrong opening or maintaining a cache database.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot create the cache directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },

    #[error(
        "the cache database at {path} is open in another process ({holder}); \
         sled lets only one process open a database at a time ({detail}). Stop \
         that process, or give this one its own cache directory (handles in one \
         process share one open database); see the rlm-cache docs on sharing a \
         cache between processes"
    )]
    Locked { path: PathBuf, holder: String, detail: String },

    #[error("cannot open the cache database at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error(
        "the cache database at {path} is corrupt ({detail}); it holds only cached \
         answers, so deleting the directory is safe and starts an empty cache"
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "the directory {path} holds a cache of format {found}, this build reads format \
         {expected}; delete it (it holds only cached answers) or use another directory"
    )]
    IncompatibleFormat { path: PathBuf, found: String, expected: u32 },

    #[error("cache database at {path}: {detail}")]
    Database { path: PathBuf, detail: String },
}

impl CacheError {
    /// Classify a sled error for the database at `path`.
    pub(crate) fn from_sled(path: &std::path::Path, err: sled::Error) -> Self {
        let path = path.to_path_buf();
        match err {
            sled::Error::Io(source) => {
                let text = source.to_string();
                // sled 0.34 reports a failed `flock` as ErrorKind::Other with this text.
                if text.contains("could not acquire lock") {
                    let holder = crate::owner::holder(&path).unwrap_or_else(|| {
                        format!("it has not named itself in {}", crate::owner::OWNER_FILE)
                    });
                    CacheError::Locked { path, holder, detail: text }
                } else {
                    CacheError::Io { path, source }
                }
            }
            sled::Error::Corruption { at, .. } => {
                CacheError::Corrupt { path, detail: format!("sled found corruption at {at:?}") }
            }
            sled::Error::Unsupported(detail) => CacheError::Database { path, detail },
            other => CacheError::Database { path, detail: other.to_string() },
        }
    }
}
