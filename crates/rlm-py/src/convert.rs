//! Python objects ↔ interpreter values: inputs and host-function results go
//! in, results and host-call arguments come out. Both walks are depth-capped
//! (no recursion on hostile nesting) and size-checked against the sandbox's
//! limits before anything is copied.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};
use rlm_interp::{AlignedBool, Dict, Key, Limits, Value};

use crate::error::{BindError, BindResult};

/// Deepest nesting converted either way.
pub const MAX_DEPTH: usize = 64;

/// A Python object as an interpreter value: `None`, `bool`, `int` (fits in
/// i64), `float`, `str`, `list`, `tuple`, `dict` (hashable keys). Strings and
/// collections larger than the sandbox allows are refused.
pub fn to_value(obj: &Bound<'_, PyAny>, limits: &Limits) -> BindResult<Value> {
    to_value_at(obj, limits, 0)
}

fn to_value_at(obj: &Bound<'_, PyAny>, limits: &Limits, depth: usize) -> BindResult<Value> {
    if depth > MAX_DEPTH {
        return Err(BindError::Convert(format!(
            "value nested deeper than {MAX_DEPTH} levels cannot enter the sandbox"
        )));
    }
    if obj.is_none() {
        return Ok(Value::None);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(AlignedBool(b.is_true())));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return i.extract::<i64>().map(Value::Int).map_err(|_| {
            BindError::Convert("int does not fit in 64 bits (the DSL's ints are i64)".into())
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow().map_err(|e| BindError::Convert(format!("bad str: {e}")))?;
        if s.len() > limits.max_str_len {
            return Err(BindError::Convert(format!(
                "str of {} bytes is longer than the sandbox's max_str_len ({})",
                s.len(),
                limits.max_str_len
            )));
        }
        return Ok(Value::str(s.as_ref()));
    }
    let items = |seq: Vec<Bound<'_, PyAny>>| -> BindResult<Vec<Value>> {
        check_len(seq.len(), limits)?;
        seq.iter().map(|x| to_value_at(x, limits, depth + 1)).collect()
    };
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(Value::list(items(l.iter().collect())?));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(Value::tuple(items(t.iter().collect())?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        check_len(d.len(), limits)?;
        let mut dict = Dict::new();
        for (k, v) in d.iter() {
            let key = to_value_at(&k, limits, depth + 1)?;
            if !hashable(&key) {
                return Err(BindError::Convert(format!(
                    "dict key of type '{}' cannot enter the sandbox",
                    key.type_name()
                )));
            }
            dict.map.insert(Key(key), to_value_at(&v, limits, depth + 1)?);
        }
        return Ok(Value::dict(dict));
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(BindError::Convert(format!(
        "a value of type '{type_name}' cannot enter the sandbox (use None, bool, int, float, str, list, tuple or dict)"
    )))
}

fn hashable(v: &Value) -> bool {
    match v {
        Value::None
        | Value::Bool(AlignedBool(_))
        | Value::Int(_)
        | Value::Float(_)
        | Value::Str(_) => true,
        Value::Tuple(t) => t.iter().all(hashable),
        _ => false,
    }
}

fn check_len(n: usize, limits: &Limits) -> BindResult<()> {
    if n > limits.max_collection_len {
        return Err(BindError::Convert(format!(
            "collection of {n} items is larger than the sandbox's max_collection_len ({})",
            limits.max_collection_len
        )));
    }
    Ok(())
}

/// An interpreter value as a Python object. Values with no Python form
/// (functions, modules, iterators...) come out as their `repr` text.
pub fn to_py(
    py: Python<'_>,
    v: &Value,
    repr: &mut dyn FnMut(&Value) -> String,
) -> PyResult<Py<PyAny>> {
    to_py_at(py, v, repr, 0)
}

fn to_py_at(
    py: Python<'_>,
    v: &Value,
    repr: &mut dyn FnMut(&Value) -> String,
    depth: usize,
) -> PyResult<Py<PyAny>> {
    if depth > MAX_DEPTH {
        return Ok(PyString::new(py, &repr(v)).into_any().unbind());
    }
    Ok(match v {
        Value::None => py.None(),
        Value::Bool(AlignedBool(b)) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Float(f) => PyFloat::new(py, *f).into_any().unbind(),
        Value::Str(s) => PyString::new(py, s.as_str()).into_any().unbind(),
        Value::List(l) => {
            let items = l.borrow().clone();
            let out = PyList::empty(py);
            for x in &items {
                out.append(to_py_at(py, x, repr, depth + 1)?)?;
            }
            out.into_any().unbind()
        }
        Value::Tuple(t) => {
            let items: Vec<Py<PyAny>> =
                t.iter().map(|x| to_py_at(py, x, repr, depth + 1)).collect::<PyResult<_>>()?;
            PyTuple::new(py, items)?.into_any().unbind()
        }
        Value::Dict(d) => {
            let pairs: Vec<(Value, Value)> =
                d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
            let out = PyDict::new(py);
            for (k, v) in &pairs {
                out.set_item(to_py_at(py, k, repr, depth + 1)?, to_py_at(py, v, repr, depth + 1)?)?;
            }
            out.into_any().unbind()
        }
        Value::Set(s) => {
            let items: Vec<Value> = s.borrow().iter().map(|k| k.0.clone()).collect();
            let out = PySet::empty(py)?;
            for x in &items {
                out.add(to_py_at(py, x, repr, depth + 1)?)?;
            }
            out.into_any().unbind()
        }
        Value::FrozenSet(s) => {
            let items: Vec<Py<PyAny>> =
                s.iter().map(|k| to_py_at(py, &k.0, repr, depth + 1)).collect::<PyResult<_>>()?;
            PyFrozenSet::new(py, &items)?.into_any().unbind()
        }
        other => PyString::new(py, &repr(other)).into_any().unbind(),
    })
}
