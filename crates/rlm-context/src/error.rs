//! The one error type of this crate: every way loading or querying a context can fail.

use std::path::PathBuf;

/// Everything that can go wrong while building or querying a [`crate::Context`].
///
/// Messages are written for the model as much as for the embedder: they say what was wrong and,
/// where it helps, what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A file or directory could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// Reading from a stream (stdin, a reader) failed.
    #[error("cannot read input stream: {0}")]
    Stream(#[source] std::io::Error),
    /// The input is not valid UTF-8 and strict decoding was asked for.
    #[error(
        "{} is not valid UTF-8 at byte offset {byte_offset} (load with lossy decoding to replace invalid bytes with U+FFFD)",
        path.as_ref().map_or_else(|| "the input".to_string(), |p| p.display().to_string())
    )]
    InvalidUtf8 {
        /// The file, when the input came from one.
        path: Option<PathBuf>,
        /// Offset of the first invalid byte from the start of that file or stream.
        byte_offset: u64,
    },
    /// A file named on its own holds binary data (a NUL byte in its first 8 KiB), not text.
    #[error("{path} is a binary file (a NUL byte at offset {byte_offset}), not text")]
    BinaryFile {
        /// The file.
        path: PathBuf,
        /// Offset of the first NUL byte.
        byte_offset: u64,
    },
    /// A file changed size between validation and memory mapping.
    #[error("{path} changed while it was being loaded (was {expected} bytes, now {found} bytes)")]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// Size seen while validating.
        expected: u64,
        /// Size seen when mapping.
        found: u64,
    },
    /// The path given is neither a regular file nor a directory.
    #[error("{0} is not a regular file or a directory")]
    NotAFileOrDirectory(PathBuf),
    /// A path outside the allowed roots, or one no server should read
    /// (`..`, `/proc`, `/sys`, a device); see [`crate::AllowedRoots`].
    #[error("path {path:?} is refused: {reason}")]
    PathRefused {
        /// The path as given.
        path: String,
        /// Why, in words a client can act on.
        reason: String,
    },
    /// A directory walk matched no files.
    #[error("no files under {root} matched (include: {include:?}, exclude: {exclude:?})")]
    NoFilesMatched {
        /// The directory walked.
        root: PathBuf,
        /// Include globs in effect.
        include: Vec<String>,
        /// Exclude globs in effect.
        exclude: Vec<String>,
    },
    /// An include or exclude glob does not parse.
    #[error("invalid glob {glob:?}: {message}")]
    InvalidGlob {
        /// The glob as given.
        glob: String,
        /// Why it is invalid.
        message: String,
    },
    /// A configured size limit was exceeded while loading.
    #[error("{what} exceeds the limit of {limit} ({found})")]
    TooLarge {
        /// What was measured.
        what: &'static str,
        /// The limit.
        limit: u64,
        /// What was found.
        found: u64,
    },
    /// An index (document number, code-point position) is outside the valid range.
    #[error("{what} {index} is out of range (valid: {valid})")]
    OutOfRange {
        /// What kind of index.
        what: &'static str,
        /// The index given.
        index: i64,
        /// The valid range, written out.
        valid: String,
    },
    /// An argument has a value that makes no sense (zero chunk size, overlap >= size, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An operation would produce more results than the configured cap.
    #[error("{what} would produce {count} results, more than the cap of {cap}; {hint}")]
    TooManyResults {
        /// The operation.
        what: &'static str,
        /// How many it would produce.
        count: u64,
        /// The cap.
        cap: u64,
        /// What to do instead.
        hint: &'static str,
    },
    /// A regular expression does not compile (syntax error, unsupported feature, too big).
    #[error("invalid regex {pattern:?}: {message}")]
    InvalidRegex {
        /// The pattern as given.
        pattern: String,
        /// The compiler's explanation.
        message: String,
    },
    /// The tokenizer tables could not be loaded.
    #[error("cannot load the {encoding} tokenizer: {message}")]
    Tokenizer {
        /// The encoding name.
        encoding: &'static str,
        /// Why it failed.
        message: String,
    },
}

/// Result alias for this crate.
pub type Result<T, E = ContextError> = std::result::Result<T, E>;
