//! `Sandbox`: the DSL interpreter on its own (the pydantic-monty niche).
//! `run` drives a program to its end, serving host calls with registered
//! Python callables; `start` / `resume` hand the calls to the caller instead
//! (the explicit suspend/resume form); `arun` is `run` for asyncio, awaiting
//! `async def` host functions on the caller's loop. Globals persist from run
//! to run. A long pure computation checks for Ctrl-C every
//! [`SIGNAL_CHECK_FUEL`] fuel units.

use std::collections::HashMap;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rlm_interp::{HostCall as InterpCall, HostError, HostFunc, Interpreter, Outcome, Value};

use crate::convert::{to_py, to_value};
use crate::error::{BindError, BindResult};
use crate::host_functions::{
    PyHostFunc, PyInterrupt, host_error, inline, is_coroutine_function, serve_async,
};
use crate::limits::PyLimits;

/// The global a program's last expression is stored in (`run_cell_keeping_last`).
const RESULT_VAR: &str = "_sandbox_result_";

/// How often (in fuel units, some hundreds of µs of work) a running program
/// lets Python run its signal handlers: Ctrl-C interrupts a pure loop.
const SIGNAL_CHECK_FUEL: u64 = 100_000;

/// What a finished program produced.
#[pyclass(module = "rlm_rs", frozen, get_all)]
pub struct SandboxResult {
    /// The value of the program's last expression statement, or the
    /// argument of `FINAL(x)`; `None` otherwise.
    pub result: Py<PyAny>,
    /// Everything the program printed.
    pub output: String,
    /// Whether the program ended by calling `FINAL(...)`.
    pub is_final: bool,
    /// Fuel the run used.
    pub fuel_used: u64,
}

#[pymethods]
impl SandboxResult {
    fn __repr__(&self, py: Python<'_>) -> String {
        let result = self.result.bind(py).repr().map(|r| r.to_string()).unwrap_or_default();
        format!(
            "SandboxResult(result={result}, output={:?}, is_final={})",
            self.output, self.is_final
        )
    }
}

/// A call the program is waiting for (explicit suspend/resume form).
#[pyclass(module = "rlm_rs", frozen, get_all, name = "HostCall")]
pub struct PyHostCall {
    /// Answer it under this id with `Sandbox.resume({id: value})`.
    pub id: u64,
    pub name: String,
    pub args: Py<PyList>,
    pub kwargs: Py<PyDict>,
}

#[pymethods]
impl PyHostCall {
    fn __repr__(&self, py: Python<'_>) -> String {
        let args = self.args.bind(py).repr().map(|r| r.to_string()).unwrap_or_default();
        let kwargs = self.kwargs.bind(py).repr().map(|r| r.to_string()).unwrap_or_default();
        format!("HostCall(id={}, name={:?}, args={args}, kwargs={kwargs})", self.id, self.name)
    }
}

/// A program stopped at host calls it made; answer them with `Sandbox.resume`.
#[pyclass(module = "rlm_rs", frozen, get_all)]
pub struct Suspension {
    pub calls: Py<PyList>,
    /// What the program printed before it stopped.
    pub output: String,
}

/// The sandboxed interpreter. Not thread-safe: use it from the thread that made it.
#[pyclass(module = "rlm_rs", unsendable, name = "Sandbox")]
pub struct PySandbox {
    session: Interpreter,
    limits: rlm_interp::Limits,
    functions: HashMap<String, PyHostFunc>,
    interrupt: PyInterrupt,
    /// A run is suspended (between `start` and the `resume` that ends it).
    suspended: bool,
    /// Output of the suspended run so far.
    output: String,
    /// The source of the current run as written (for tracebacks).
    source: String,
    /// Calls handed to the caller by `start`/`resume` and not answered yet.
    awaiting: std::collections::HashSet<u64>,
}

#[pymethods]
impl PySandbox {
    #[new]
    #[pyo3(signature = (*, limits=None, functions=None, external_functions=None))]
    fn new(
        py: Python<'_>,
        limits: Option<PyLimits>,
        functions: Option<HashMap<String, Py<PyAny>>>,
        external_functions: Option<Vec<String>>,
    ) -> PyResult<PySandbox> {
        let limits: rlm_interp::Limits = limits.as_ref().map(Into::into).unwrap_or_default();
        let mut sandbox = PySandbox {
            session: Interpreter::new(limits.clone()),
            limits,
            functions: HashMap::new(),
            interrupt: PyInterrupt::default(),
            suspended: false,
            output: String::new(),
            source: String::new(),
            awaiting: Default::default(),
        };
        let interrupt = Rc::clone(&sandbox.interrupt);
        let check: rlm_interp::InterruptCheck = Rc::new(move || {
            // Runs on the thread running the program, which holds the GIL:
            // let other Python threads run (as CPython's own loop does; a
            // thread calling `_thread.interrupt_main` needs the GIL), then
            // run the signal handlers.
            match Python::attach(|py| {
                py.detach(|| ());
                py.check_signals()
            }) {
                Ok(()) => false,
                Err(e) => {
                    *interrupt.borrow_mut() = Some(e);
                    true
                }
            }
        });
        sandbox.session.set_interrupt_check(Some((SIGNAL_CHECK_FUEL, check)));
        for (name, func) in functions.unwrap_or_default() {
            sandbox.register(py, &name, func)?;
        }
        for name in external_functions.unwrap_or_default() {
            check_name(&name)?;
            sandbox.session.register(&name, HostFunc::Suspend { call: name.as_str().into() });
        }
        Ok(sandbox)
    }

    /// Makes `func` callable from programs as `name`. A sync callable runs
    /// inline; an `async def` makes the program suspend while it runs.
    fn register(&mut self, py: Python<'_>, name: &str, func: Py<PyAny>) -> PyResult<()> {
        check_name(name)?;
        let bound = func.bind(py);
        if !bound.is_callable() {
            return Err(BindError::Config(format!("function {name:?} is not callable")).into());
        }
        let is_async = is_coroutine_function(py, bound)?;
        let registration = if is_async {
            HostFunc::Suspend { call: name.into() }
        } else {
            inline(func.clone_ref(py), self.limits.clone(), Rc::clone(&self.interrupt))
        };
        self.session.register(name, registration);
        self.functions.insert(name.to_string(), PyHostFunc { func, is_async });
        Ok(())
    }

    /// Runs `code` to its end and returns its result and output. Host calls
    /// go to the registered functions (a call with none fails inside the
    /// program with a RuntimeError it may catch).
    #[pyo3(signature = (code, *, inputs=None))]
    fn run(
        &mut self,
        py: Python<'_>,
        code: &str,
        inputs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<SandboxResult>> {
        let mut step = self.begin(py, code, inputs)?;
        loop {
            match step {
                Step::Finished(r) => return Ok(r),
                Step::Calls(calls) => {
                    let answers = self.serve(py, &calls)?;
                    for (call, answer) in calls.iter().zip(answers) {
                        let answer = answer.unwrap_or_else(|| {
                            Err(HostError::new(format!(
                                "no function is registered for '{}' in this sandbox",
                                call.name
                            )))
                        });
                        self.answer(call.id, answer)?;
                    }
                    step = self.step(py, |s| s.resume())?;
                }
            }
        }
    }

    /// Starts `code`; returns a `SandboxResult` if it ends without calling a
    /// host function registered as external (or an `async def`), else a
    /// `Suspension` listing the calls to perform. Sync registered functions
    /// still run inline.
    #[pyo3(signature = (code, *, inputs=None))]
    fn start(
        &mut self,
        py: Python<'_>,
        code: &str,
        inputs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let step = self.begin(py, code, inputs)?;
        self.hand_over(py, step)
    }

    /// Answers the pending calls (`{id: value}`; an exception instance as the
    /// value raises it inside the program) and continues the program.
    fn resume(&mut self, py: Python<'_>, results: &Bound<'_, PyDict>) -> PyResult<Py<PyAny>> {
        if !self.suspended {
            return Err(
                BindError::Config("no program is suspended: call start() first".into()).into()
            );
        }
        for (id, value) in results.iter() {
            let id: u64 = id
                .extract()
                .map_err(|_| BindError::Config("resume() takes {call id (int): value}".into()))?;
            let answer = if value.is_instance_of::<pyo3::exceptions::PyBaseException>() {
                Err(host_error(PyErr::from_value(value), &self.interrupt))
            } else {
                to_value(&value, &self.limits)
                    .map_err(|e| HostError::typed(rlm_interp::ExcKind::TypeError, e.to_string()))
            };
            self.answer(id, answer)?;
        }
        if !self.awaiting.is_empty() {
            let mut pending: Vec<u64> = self.awaiting.iter().copied().collect();
            pending.sort_unstable();
            let pending: Vec<String> = pending.iter().map(u64::to_string).collect();
            return Err(BindError::Config(format!(
                "calls still unanswered: {}; answer every call before the program continues",
                pending.join(", ")
            ))
            .into());
        }
        let step = self.step(py, |s| s.resume())?;
        self.hand_over(py, step)
    }

    /// `run` for asyncio: `await sandbox.arun(code, inputs=...)`. The calls
    /// of `async def` host functions are awaited on the running loop (those
    /// of one suspension together); sync ones run inline. Cancelling the
    /// task abandons the program (the sandbox stays usable).
    #[pyo3(signature = (code, *, inputs=None))]
    fn arun<'py>(
        slf: &Bound<'py, Self>,
        code: &str,
        inputs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("rlm_rs._aio")?.getattr("sandbox_arun")?.call1((slf, code, inputs))
    }

    /// The callable registered under `name` (for `arun`), or `None`.
    fn _function(&self, py: Python<'_>, name: &str) -> Option<Py<PyAny>> {
        self.functions.get(name).map(|f| f.func.clone_ref(py))
    }

    /// Forgets a suspended program (its task was cancelled); the next run starts afresh.
    fn _abandon(&mut self) {
        self.suspended = false;
        self.awaiting.clear();
        self.output.clear();
    }

    /// The program's global variables (those with a Python form).
    fn globals(&mut self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let out = PyDict::new(py);
        let globals = self.session.globals();
        for (name, v) in globals {
            if name.as_str() == RESULT_VAR {
                continue;
            }
            let mut repr = |v: &Value| format!("{v:?}");
            out.set_item(name.as_str(), to_py(py, &v, &mut repr)?)?;
        }
        Ok(out.unbind())
    }

    #[getter]
    fn limits(&self) -> PyLimits {
        PyLimits::from(self.limits.clone())
    }
}

/// Where a run stopped.
enum Step {
    Finished(Py<SandboxResult>),
    Calls(Vec<InterpCall>),
}

impl PySandbox {
    fn begin(
        &mut self,
        py: Python<'_>,
        code: &str,
        inputs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Step> {
        if self.suspended {
            return Err(BindError::Config(
                "a program is suspended: resume() it before running another".into(),
            )
            .into());
        }
        if let Some(inputs) = inputs {
            for (k, v) in inputs.iter() {
                let name: String =
                    k.extract().map_err(|_| BindError::Config("input names must be str".into()))?;
                check_name(&name)?;
                let value = to_value(&v, &self.limits)?;
                self.session.set_global(&name, value);
            }
        }
        self.session.set_global(RESULT_VAR, Value::None);
        self.output.clear();
        self.source = code.to_string();
        self.step(py, |s| s.run_cell_keeping_last(code, RESULT_VAR))
    }

    fn step(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut Interpreter) -> Outcome,
    ) -> PyResult<Step> {
        self.awaiting.clear();
        let outcome = f(&mut self.session);
        self.output.push_str(&self.session.take_output());
        if let Some(err) = self.interrupt.borrow_mut().take() {
            self.suspended = false;
            return Err(err);
        }
        match outcome {
            Outcome::Suspended(calls) => {
                self.suspended = true;
                Ok(Step::Calls(calls))
            }
            Outcome::Done => {
                let result = self.session.get_global(RESULT_VAR).unwrap_or(Value::None);
                self.finish(py, result, false)
            }
            Outcome::Final(v) => self.finish(py, v, true),
            Outcome::Error(info) => {
                self.suspended = false;
                let rendered = info.render(&self.source, "<sandbox>");
                Err(BindError::Program { info: Box::new(info), rendered }.into())
            }
        }
    }

    fn finish(&mut self, py: Python<'_>, v: Value, is_final: bool) -> PyResult<Step> {
        self.suspended = false;
        let session = &mut self.session;
        let mut repr = |v: &Value| format!("{v:?}");
        let result = to_py(py, &v, &mut repr)?;
        // The sandbox does not keep the value alive (nor count it) after the run.
        session.set_global(RESULT_VAR, Value::None);
        let r = SandboxResult {
            result,
            output: std::mem::take(&mut self.output),
            is_final,
            fuel_used: session.fuel_used(),
        };
        Ok(Step::Finished(Py::new(py, r)?))
    }

    fn answer(&mut self, id: u64, answer: Result<Value, HostError>) -> BindResult<()> {
        self.awaiting.remove(&id);
        self.session.answer(id, answer).map_err(|e| BindError::Config(e.to_string()))
    }

    /// Answers for `calls` from the registered `async def` functions.
    fn serve(
        &mut self,
        py: Python<'_>,
        calls: &[InterpCall],
    ) -> PyResult<Vec<Option<Result<Value, HostError>>>> {
        let functions = &self.functions;
        let lookup = |name: &str| -> Option<Py<PyAny>> {
            functions.get(name).filter(|f| f.is_async).map(|f| f.func.clone_ref(py))
        };
        let answers = serve_async(py, calls, &lookup, &self.limits, &self.interrupt)?;
        if let Some(err) = self.interrupt.borrow_mut().take() {
            self.suspended = false;
            return Err(err);
        }
        Ok(answers)
    }

    fn hand_over(&mut self, py: Python<'_>, step: Step) -> PyResult<Py<PyAny>> {
        match step {
            Step::Finished(r) => Ok(r.into_any()),
            Step::Calls(calls) => {
                let mut repr = |v: &Value| format!("{v:?}");
                let list = PyList::empty(py);
                for c in calls {
                    self.awaiting.insert(c.id);
                    let args = PyList::empty(py);
                    for a in &c.args {
                        args.append(to_py(py, a, &mut repr)?)?;
                    }
                    let kwargs = PyDict::new(py);
                    for (k, v) in &c.kwargs {
                        kwargs.set_item(k.as_str(), to_py(py, v, &mut repr)?)?;
                    }
                    let call = PyHostCall {
                        id: c.id,
                        name: c.name.to_string(),
                        args: args.unbind(),
                        kwargs: kwargs.unbind(),
                    };
                    list.append(Py::new(py, call)?)?;
                }
                let s = Suspension { calls: list.unbind(), output: self.output.clone() };
                Ok(Py::new(py, s)?.into_any())
            }
        }
    }
}

fn check_name(name: &str) -> BindResult<()> {
    if rlm_syntax::is_identifier(name) && !name.starts_with("__") {
        Ok(())
    } else {
        Err(BindError::Config(format!(
            "{name:?} is not a valid name for a program variable or function"
        )))
    }
}
