//! The crate's error type and how each variant becomes a Python exception
//! (the classes live in `rlm_rs/errors.py`; they are looked up by name).

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use rlm_interp::{ErrorKind, RuntimeErrorInfo};

/// Everything that can go wrong in the bindings, typed end to end.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Bad settings or arguments from Python.
    #[error("{0}")]
    Config(String),
    /// A Python value that has no DSL form (or the reverse).
    #[error("{0}")]
    Convert(String),
    /// A program ended with an error (syntax, uncaught exception or limit);
    /// `place`: where a syntax error is.
    #[error("{}", .info.last_line())]
    Program { info: Box<RuntimeErrorInfo>, rendered: String, place: Option<SyntaxPlace> },
    /// The root model failed; `cause`: the exception a Python adapter raised.
    #[error("{message}")]
    Model { message: String, cause: Option<PyErr> },
    /// The run was cancelled (`cancel()` from another thread or task).
    #[error("the run was cancelled")]
    Cancelled,
    /// A bug or a broken invariant in the runtime.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error the runtime's core reported.
    #[error(transparent)]
    Core(#[from] rlm_core::RlmError),
    /// An error of the core's session.
    #[error(transparent)]
    Session(#[from] rlm_core::SessionError),
    /// An adapter could not be built.
    #[error(transparent)]
    Adapter(#[from] rlm_adapters::AdapterError),
    /// A context could not be loaded.
    #[error(transparent)]
    Context(#[from] rlm_context::ContextError),
    /// The subcall cache could not be opened.
    #[error(transparent)]
    Cache(#[from] rlm_cache::CacheError),
}

/// Where a syntax error is, as `SyntaxError` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxPlace {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The line's text.
    pub text: String,
}

/// The place of a syntax error in `source`: the parser's first diagnostic
/// (parsed again: the interpreter's error keeps only the rendered text), or
/// the line a compile-time error names. `None` for other errors.
pub fn syntax_place(info: &RuntimeErrorInfo, source: &str) -> Option<SyntaxPlace> {
    if !matches!(info.kind, ErrorKind::Syntax) {
        return None;
    }
    let (line, column) = match info.traceback.last() {
        Some((_, line)) => {
            let line = usize::try_from(*line).ok()?;
            let text = source.lines().nth(line.checked_sub(1)?)?;
            (line, text.chars().take_while(|c| c.is_whitespace()).count() + 1)
        }
        None => {
            let error = rlm_syntax::parse(source).err()?;
            let at = error.diagnostics.first()?.span.start;
            rlm_syntax::line_col(source, usize::try_from(at).ok()?)
        }
    };
    let text = source.lines().nth(line.checked_sub(1)?).unwrap_or("").to_string();
    Some(SyntaxPlace { line, column, text })
}

fn errors_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("rlm_rs.errors")?.getattr(name)
}

/// The Python exception of a program error.
fn program_exception(
    py: Python<'_>,
    info: &RuntimeErrorInfo,
    rendered: &str,
    place: Option<&SyntaxPlace>,
) -> PyResult<PyErr> {
    let class = match &info.kind {
        ErrorKind::Syntax => {
            let class = errors_class(py, "SandboxSyntaxError")?;
            let (line, column, text) = match place {
                Some(p) => (Some(p.line), Some(p.column), Some(p.text.as_str())),
                None => (None, None, None),
            };
            let args =
                (rendered, info.type_name.as_str(), info.message.as_str(), line, column, text);
            return Ok(PyErr::from_value(class.call1(args)?));
        }
        ErrorKind::Exception => {
            errors_class(py, "program_class")?.call1((info.type_name.as_str(),))?
        }
        ErrorKind::Limit(kind) => errors_class(py, "limit_class")?.call1((kind.name(),))?,
    };
    let exc = class.call1((rendered, info.type_name.as_str(), info.message.as_str()))?;
    Ok(PyErr::from_value(exc))
}

impl BindError {
    /// The Python exception for this error.
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let made = match &self {
            BindError::Program { info, rendered, place } => {
                program_exception(py, info, rendered, place.as_ref())
            }
            BindError::Cancelled => errors_class(py, "Cancelled")
                .and_then(|c| c.call1((self.to_string(),)))
                .map(PyErr::from_value),
            BindError::Convert(m) => return PyTypeError::new_err(m.clone()),
            BindError::Internal(m) => return PyRuntimeError::new_err(m.clone()),
            BindError::Model { message, cause } => {
                errors_class(py, "ModelError").and_then(|c| c.call1((message.as_str(),))).map(|e| {
                    let e = PyErr::from_value(e);
                    e.set_cause(py, cause.as_ref().map(|c| c.clone_ref(py)));
                    e
                })
            }
            BindError::Config(_)
            | BindError::Core(_)
            | BindError::Session(_)
            | BindError::Adapter(_)
            | BindError::Context(_)
            | BindError::Cache(_) => errors_class(py, "ConfigError")
                .and_then(|c| c.call1((self.to_string(),)))
                .map(PyErr::from_value),
        };
        // The errors module failing to import is itself the error to show.
        made.unwrap_or_else(|e| e)
    }
}

impl From<BindError> for PyErr {
    fn from(e: BindError) -> PyErr {
        Python::attach(|py| e.into_pyerr(py))
    }
}

/// Shorthand for results of the bindings.
pub type BindResult<T> = Result<T, BindError>;
