//! Python callables as the sandbox's host functions: sync callables run
//! inline (the program never suspends for them); `async def` callables make
//! the program suspend, and their coroutines run together on a private event
//! loop. A Python exception becomes a DSL exception of the matching class
//! that the program may catch; `KeyboardInterrupt` (and any other
//! `BaseException`) is kept and re-raised once the run stops.

use std::cell::RefCell;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rlm_interp::{ExcKind, HostCall, HostError, HostFunc, HostReturn, Limits, SmolStr, Value};

use crate::convert::{to_py, to_value};

/// A `BaseException` that is not an `Exception` raised inside a host
/// function: the run is stopped with it.
pub type PyInterrupt = Rc<RefCell<Option<PyErr>>>;

/// How a registered Python function is called.
pub struct PyHostFunc {
    pub func: Py<PyAny>,
    pub is_async: bool,
}

/// Whether `func` is an `async def` (its calls suspend the program).
pub fn is_coroutine_function(py: Python<'_>, func: &Bound<'_, PyAny>) -> PyResult<bool> {
    py.import("inspect")?.getattr("iscoroutinefunction")?.call1((func,))?.extract()
}

/// The interpreter registration for a sync Python function.
pub fn inline(func: Py<PyAny>, limits: Limits, interrupt: PyInterrupt) -> HostFunc {
    HostFunc::Inline(Rc::new(move |args: &[Value], kwargs: &[(SmolStr, Value)]| {
        Python::attach(|py| {
            let out =
                call_py(py, func.bind(py), args, kwargs).map_err(|e| host_error(e, &interrupt))?;
            to_value(out.bind(py), &limits).map(HostReturn::Value).map_err(|e| {
                HostError::typed(ExcKind::TypeError, format!("host function returned {e}"))
            })
        })
    }))
}

/// `err` as a [`HostError`]; a non-`Exception` (`KeyboardInterrupt`) is kept in `interrupt`.
pub fn host_error(err: PyErr, interrupt: &PyInterrupt) -> HostError {
    Python::attach(|py| {
        let value = err.value(py);
        let is_exception = value.is_instance_of::<pyo3::exceptions::PyException>();
        let message = value.str().map(|s| s.to_string()).unwrap_or_default();
        if !is_exception {
            let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            *interrupt.borrow_mut() = Some(err.clone_ref(py));
            return HostError::typed(ExcKind::KeyboardInterrupt, format!("{type_name}: {message}"));
        }
        let kind = py
            .import("rlm_rs.errors")
            .and_then(|m| m.getattr("host_error_name"))
            .and_then(|f| f.call1((value,)))
            .and_then(|n| n.extract::<Option<String>>())
            .ok()
            .flatten()
            .and_then(|n| ExcKind::ALL.iter().copied().find(|k| k.name() == n))
            .unwrap_or(ExcKind::RuntimeError);
        // `str(KeyError('zz'))` is `"'zz'"`; the program's KeyError quotes
        // its argument itself, so it is given the argument, not its quoted form.
        let message = match value
            .getattr("args")
            .and_then(|a| a.cast_into::<PyTuple>().map_err(Into::into))
        {
            Ok(args) if kind == ExcKind::KeyError && args.len() == 1 => {
                args.get_item(0).and_then(|a| a.str()).map(|s| s.to_string()).unwrap_or(message)
            }
            _ => message,
        };
        HostError::typed(kind, message)
    })
}

fn call_py(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    args: &[Value],
    kwargs: &[(SmolStr, Value)],
) -> PyResult<Py<PyAny>> {
    let mut repr = |v: &Value| format!("{v:?}");
    let mut pos = Vec::with_capacity(args.len());
    for a in args {
        pos.push(to_py(py, a, &mut repr)?);
    }
    let kw = PyDict::new(py);
    for (k, v) in kwargs {
        kw.set_item(k.as_str(), to_py(py, v, &mut repr)?)?;
    }
    func.call(PyTuple::new(py, pos)?, Some(&kw)).map(Bound::unbind)
}

/// Performs suspended calls whose names are registered `async def`
/// functions: their coroutines run together (`asyncio.gather`) on a private
/// event loop. Returns one answer per call, in order; `None` for a call no
/// function serves.
pub fn serve_async(
    py: Python<'_>,
    calls: &[HostCall],
    lookup: &dyn Fn(&str) -> Option<Py<PyAny>>,
    limits: &Limits,
    interrupt: &PyInterrupt,
) -> PyResult<Vec<Option<Result<Value, HostError>>>> {
    let mut answers: Vec<Option<Result<Value, HostError>>> = Vec::with_capacity(calls.len());
    let mut coros = Vec::new();
    let mut slots = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        answers.push(None);
        let Some(func) = lookup(&call.name) else { continue };
        match call_py(py, func.bind(py), &call.args, &call.kwargs) {
            Ok(coro) => {
                coros.push(coro);
                slots.push(i);
            }
            Err(e) => answers[i] = Some(Err(host_error(e, interrupt))),
        }
    }
    if coros.is_empty() {
        return Ok(answers);
    }
    let results =
        py.import("rlm_rs._aio")?.getattr("run_together")?.call1((PyList::new(py, coros)?,))?;
    let results = results.cast::<PyList>()?;
    for (slot, result) in slots.into_iter().zip(results.iter()) {
        let answer = if result.is_instance_of::<pyo3::exceptions::PyBaseException>() {
            Err(host_error(PyErr::from_value(result), interrupt))
        } else {
            to_value(&result, limits).map_err(|e| {
                HostError::typed(ExcKind::TypeError, format!("host function returned {e}"))
            })
        };
        answers[slot] = Some(answer);
    }
    Ok(answers)
}
