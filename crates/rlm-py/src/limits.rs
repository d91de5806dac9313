//! `Limits`: the sandbox's resource limits as a Python class (every field a
//! keyword argument; defaults are the interpreter's).

use pyo3::prelude::*;

use crate::error::{BindError, BindResult};

/// A limit given as a keyword argument: a non-negative `int` that fits in
/// 64 bits, or an error naming the field (not pyo3's bare `OverflowError`).
fn field(name: &str, value: Option<&Bound<'_, PyAny>>) -> BindResult<Option<u64>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(None) };
    let bad = || {
        let shown = value.repr().map(|r| r.to_string()).unwrap_or_default();
        BindError::Config(format!(
            "Limits.{name} must be a non-negative int that fits in 64 bits, got {shown}"
        ))
    };
    let is_int = value.is_instance_of::<pyo3::types::PyInt>()
        && !value.is_instance_of::<pyo3::types::PyBool>();
    if !is_int {
        return Err(bad());
    }
    value.extract::<u64>().map(Some).map_err(|_| bad())
}

/// [`field`] for the limits counted in `usize`.
fn size_field(name: &str, value: Option<&Bound<'_, PyAny>>) -> BindResult<Option<usize>> {
    field(name, value).map(|v| v.map(|v| usize::try_from(v).unwrap_or(usize::MAX)))
}

/// Resource limits of a sandbox. Every limit is checked before the work
/// happens; hitting one raises a `LimitExceeded` subclass.
#[pyclass(module = "rlm_rs", get_all, set_all, from_py_object, name = "Limits")]
#[derive(Clone, Debug)]
pub struct PyLimits {
    /// Instructions (plus builtin work in proportion to its size) per run.
    pub fuel: u64,
    /// Budget over live values, in approximate bytes.
    pub memory_bytes: usize,
    /// Longest string a program may build (and that inputs may hold).
    pub max_str_len: usize,
    /// Largest list, dict or set.
    pub max_collection_len: usize,
    /// Deepest call stack.
    pub max_call_depth: usize,
    /// Deepest nesting `repr`, `==`, hashing and json will walk.
    pub max_nesting: usize,
    /// Bytes one run may print.
    pub max_output_bytes: usize,
    /// Backtracking steps for regexes with lookaround or backreferences.
    pub regex_backtrack_limit: usize,
}

#[pymethods]
impl PyLimits {
    #[new]
    #[pyo3(signature = (*, fuel=None, memory_bytes=None, max_str_len=None, max_collection_len=None, max_call_depth=None, max_nesting=None, max_output_bytes=None, regex_backtrack_limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        fuel: Option<&Bound<'_, PyAny>>,
        memory_bytes: Option<&Bound<'_, PyAny>>,
        max_str_len: Option<&Bound<'_, PyAny>>,
        max_collection_len: Option<&Bound<'_, PyAny>>,
        max_call_depth: Option<&Bound<'_, PyAny>>,
        max_nesting: Option<&Bound<'_, PyAny>>,
        max_output_bytes: Option<&Bound<'_, PyAny>>,
        regex_backtrack_limit: Option<&Bound<'_, PyAny>>,
    ) -> BindResult<PyLimits> {
        let d = PyLimits::from(rlm_interp::Limits::default());
        Ok(PyLimits {
            fuel: field("fuel", fuel)?.unwrap_or(d.fuel),
            memory_bytes: size_field("memory_bytes", memory_bytes)?.unwrap_or(d.memory_bytes),
            max_str_len: size_field("max_str_len", max_str_len)?.unwrap_or(d.max_str_len),
            max_collection_len: size_field("max_collection_len", max_collection_len)?
                .unwrap_or(d.max_collection_len),
            max_call_depth: size_field("max_call_depth", max_call_depth)?
                .unwrap_or(d.max_call_depth),
            max_nesting: size_field("max_nesting", max_nesting)?.unwrap_or(d.max_nesting),
            max_output_bytes: size_field("max_output_bytes", max_output_bytes)?
                .unwrap_or(d.max_output_bytes),
            regex_backtrack_limit: size_field("regex_backtrack_limit", regex_backtrack_limit)?
                .unwrap_or(d.regex_backtrack_limit),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Limits(fuel={}, memory_bytes={}, max_str_len={}, max_collection_len={}, max_call_depth={}, max_nesting={}, max_output_bytes={}, regex_backtrack_limit={})",
            self.fuel,
            self.memory_bytes,
            self.max_str_len,
            self.max_collection_len,
            self.max_call_depth,
            self.max_nesting,
            self.max_output_bytes,
            self.regex_backtrack_limit
        )
    }
}

impl From<rlm_interp::Limits> for PyLimits {
    fn from(l: rlm_interp::Limits) -> PyLimits {
        PyLimits {
            fuel: l.fuel,
            memory_bytes: l.memory_bytes,
            max_str_len: l.max_str_len,
            max_collection_len: l.max_collection_len,
            max_call_depth: l.max_call_depth,
            max_nesting: l.max_nesting,
            max_output_bytes: l.max_output_bytes,
            regex_backtrack_limit: l.regex_backtrack_limit,
        }
    }
}

impl From<&PyLimits> for rlm_interp::Limits {
    fn from(l: &PyLimits) -> rlm_interp::Limits {
        rlm_interp::Limits {
            fuel: l.fuel,
            memory_bytes: l.memory_bytes,
            max_str_len: l.max_str_len,
            max_collection_len: l.max_collection_len,
            max_call_depth: l.max_call_depth,
            max_nesting: l.max_nesting,
            max_output_bytes: l.max_output_bytes,
            regex_backtrack_limit: l.regex_backtrack_limit,
        }
    }
}
