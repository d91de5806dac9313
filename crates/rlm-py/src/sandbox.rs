//! `Sandbox`: the DSL interpreter on its own (the pydantic-monty niche).
//! `run` drives a program to its end, serving host calls with registered
//! Python callables; `start` / `resume` hand the calls to the caller instead
//! (the explicit suspend/resume form); `arun` is `run` for asyncio, awaiting
//! `async def` host functions on the caller's loop. Globals persist from run
//! to run. The interpreter lives on the sandbox's own thread (`worker.rs`):
//! the caller waits without the GIL, any thread may call, and a running
//! program asks every [`CANCEL_CHECK_FUEL`] fuel units whether Ctrl-C,
//! `cancel()` or a cancelled `arun` stopped it.

use std::collections::HashMap;
use std::rc::Rc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rlm_interp::{HostCall as InterpCall, HostError, HostFunc, Interpreter, Outcome, Value};

use crate::convert::{to_py, to_value};
use crate::error::{BindError, BindResult, syntax_place};
use crate::host_functions::{
    PyHostFunc, PyInterrupt, host_error, inline, is_coroutine_function, serve_async,
};
use crate::limits::PyLimits;
use crate::worker::{CancelCheck, SandboxThread};

/// The global a program's last expression is stored in (`run_cell_keeping_last`).
const RESULT_VAR: &str = "_sandbox_result_";

/// How often (in fuel units, some tens of µs of work) a running program
/// asks whether it was cancelled (an atomic load): Ctrl-C, `cancel()` and a
/// cancelled `arun` stop a pure loop.
const CANCEL_CHECK_FUEL: u64 = 20_000;

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

/// The sandboxed interpreter. Usable from any thread: the interpreter lives
/// on the sandbox's own thread ([`SandboxThread`]), calls from Python run there one
/// at a time, and the caller waits without the GIL.
#[pyclass(module = "rlm_rs", frozen, name = "Sandbox")]
pub struct PySandbox {
    worker: SandboxThread<State>,
    limits: rlm_interp::Limits,
}

/// What lives on the sandbox's thread.
struct State {
    session: Interpreter,
    limits: rlm_interp::Limits,
    functions: HashMap<String, PyHostFunc>,
    interrupt: PyInterrupt,
    /// Whether the running job was cancelled (Ctrl-C, `cancel()`).
    cancel: CancelCheck,
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
        let external = external_functions.unwrap_or_default();
        for name in &external {
            check_name(name)?;
        }
        let state_limits = limits.clone();
        let worker = SandboxThread::spawn("rlm-rs-sandbox", move |cancel| {
            let mut session = Interpreter::new(state_limits.clone());
            let check = cancel.clone();
            let stop: rlm_interp::InterruptCheck =
                Rc::new(move || check.is_cancelled().then_some(rlm_interp::HostStop::Cancel));
            session.set_interrupt_check(Some((CANCEL_CHECK_FUEL, stop)));
            for name in external {
                session.register(&name, HostFunc::Suspend { call: name.as_str().into() });
            }
            State {
                session,
                limits: state_limits,
                functions: HashMap::new(),
                interrupt: PyInterrupt::default(),
                cancel,
                suspended: false,
                output: String::new(),
                source: String::new(),
                awaiting: Default::default(),
            }
        })?;
        let sandbox = PySandbox { worker, limits };
        for (name, func) in functions.unwrap_or_default() {
            sandbox.register(py, &name, func)?;
        }
        Ok(sandbox)
    }

    /// Makes `func` callable from programs as `name`. A sync callable runs
    /// inline; an `async def` makes the program suspend while it runs.
    fn register(&self, py: Python<'_>, name: &str, func: Py<PyAny>) -> PyResult<()> {
        check_name(name)?;
        let bound = func.bind(py);
        if !bound.is_callable() {
            return Err(BindError::Config(format!("function {name:?} is not callable")).into());
        }
        let is_async = is_coroutine_function(py, bound)?;
        let name = name.to_string();
        self.worker.call(py, move |s| s.register(name, func, is_async))
    }

    /// Runs `code` to its end and returns its result and output. Host calls
    /// go to the registered functions (a call with none fails inside the
    /// program with a RuntimeError it may catch).
    #[pyo3(signature = (code, *, inputs=None))]
    fn run(
        &self,
        py: Python<'_>,
        code: String,
        inputs: Option<Py<PyDict>>,
    ) -> PyResult<Py<SandboxResult>> {
        self.worker.call(py, move |s| s.run(&code, inputs))?
    }

    /// Starts `code`; returns a `SandboxResult` if it ends without calling a
    /// host function registered as external (or an `async def`), else a
    /// `Suspension` listing the calls to perform. Sync registered functions
    /// still run inline.
    #[pyo3(signature = (code, *, inputs=None))]
    fn start(
        &self,
        py: Python<'_>,
        code: String,
        inputs: Option<Py<PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.worker.call(py, move |s| s.begin(&code, inputs).and_then(|step| s.hand_over(step)))?
    }

    /// Answers the pending calls (`{id: value}`; an exception instance as the
    /// value raises it inside the program) and continues the program.
    fn resume(&self, py: Python<'_>, results: Py<PyDict>) -> PyResult<Py<PyAny>> {
        self.worker.call(py, move |s| s.resume(results))?
    }

    /// `run` for asyncio: `await sandbox.arun(code, inputs=...)`. The program
    /// runs on the sandbox's thread (the event loop keeps running); the calls
    /// of `async def` host functions are awaited on the running loop (those
    /// of one suspension together); sync ones run inline. Cancelling the
    /// task stops the program (the sandbox stays usable).
    #[pyo3(signature = (code, *, inputs=None))]
    fn arun<'py>(
        slf: &Bound<'py, Self>,
        code: &str,
        inputs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("rlm_rs._aio")?.getattr("sandbox_arun")?.call1((slf, code, inputs))
    }

    /// Stops the program running now (and any call queued before this one)
    /// at its next check, within about a millisecond of work: its caller gets
    /// `rlm_rs.errors.Cancelled`. The sandbox and its globals stay usable.
    /// Callable from any thread.
    fn cancel(&self) {
        self.worker.cancel();
    }

    /// The callable registered under `name` (for `arun`), or `None`.
    fn _function(&self, py: Python<'_>, name: String) -> PyResult<Option<Py<PyAny>>> {
        self.worker.call(py, move |s| {
            s.functions.get(&name).map(|f| Python::attach(|py| f.func.clone_ref(py)))
        })
    }

    /// Forgets a suspended program (its task was cancelled); the next run starts afresh.
    fn _abandon(&self, py: Python<'_>) -> PyResult<()> {
        self.worker.call(py, |s| {
            s.suspended = false;
            s.awaiting.clear();
            s.output.clear();
        })
    }

    /// The program's global variables (those with a Python form).
    fn globals(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        self.worker.call(py, |s| s.globals())?
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

impl State {
    fn register(&mut self, name: String, func: Py<PyAny>, is_async: bool) {
        let registration = if is_async {
            HostFunc::Suspend { call: name.as_str().into() }
        } else {
            let func = Python::attach(|py| func.clone_ref(py));
            inline(func, self.limits.clone(), Rc::clone(&self.interrupt))
        };
        self.session.register(&name, registration);
        self.functions.insert(name, PyHostFunc { func, is_async });
    }

    fn run(&mut self, code: &str, inputs: Option<Py<PyDict>>) -> PyResult<Py<SandboxResult>> {
        let mut step = self.begin(code, inputs)?;
        loop {
            match step {
                Step::Finished(r) => return Ok(r),
                Step::Calls(calls) => {
                    let answers = self.serve(&calls)?;
                    for (call, answer) in calls.iter().zip(answers) {
                        let answer = answer.unwrap_or_else(|| {
                            Err(HostError::new(format!(
                                "no function is registered for '{}' in this sandbox",
                                call.name
                            )))
                        });
                        self.answer(call.id, answer)?;
                    }
                    step = self.step(|s| s.resume())?;
                }
            }
        }
    }

    fn begin(&mut self, code: &str, inputs: Option<Py<PyDict>>) -> PyResult<Step> {
        if self.suspended {
            return Err(BindError::Config(
                "a program is suspended: resume() it before running another".into(),
            )
            .into());
        }
        if let Some(inputs) = inputs {
            let values = Python::attach(|py| -> PyResult<Vec<(String, Value)>> {
                let mut values = Vec::new();
                for (k, v) in inputs.bind(py).iter() {
                    let name: String = k
                        .extract()
                        .map_err(|_| BindError::Config("input names must be str".into()))?;
                    check_name(&name)?;
                    values.push((name, to_value(&v, &self.limits)?));
                }
                Ok(values)
            })?;
            for (name, value) in values {
                self.session.set_global(&name, value);
            }
        }
        self.session.set_global(RESULT_VAR, Value::None);
        self.output.clear();
        self.source = code.to_string();
        self.step(|s| s.run_cell_keeping_last(code, RESULT_VAR))
    }

    fn resume(&mut self, results: Py<PyDict>) -> PyResult<Py<PyAny>> {
        if !self.suspended {
            return Err(
                BindError::Config("no program is suspended: call start() first".into()).into()
            );
        }
        let answers = Python::attach(|py| -> PyResult<Vec<(u64, Result<Value, HostError>)>> {
            let mut answers = Vec::new();
            for (id, value) in results.bind(py).iter() {
                let id: u64 = id.extract().map_err(|_| {
                    BindError::Config("resume() takes {call id (int): value}".into())
                })?;
                let answer = if value.is_instance_of::<pyo3::exceptions::PyBaseException>() {
                    Err(host_error(PyErr::from_value(value), &self.interrupt))
                } else {
                    to_value(&value, &self.limits).map_err(|e| {
                        HostError::typed(rlm_interp::ExcKind::TypeError, e.to_string())
                    })
                };
                answers.push((id, answer));
            }
            Ok(answers)
        })?;
        for (id, answer) in answers {
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
        let step = self.step(|s| s.resume())?;
        self.hand_over(step)
    }

    /// Runs the interpreter (without the GIL: host functions take it).
    fn step(&mut self, f: impl FnOnce(&mut Interpreter) -> Outcome) -> PyResult<Step> {
        self.awaiting.clear();
        let outcome = f(&mut self.session);
        self.output.push_str(&self.session.take_output());
        if let Some(err) = self.interrupt.borrow_mut().take() {
            self.suspended = false;
            return Err(err);
        }
        if self.cancel.is_cancelled() {
            self.suspended = false;
            return Err(BindError::Cancelled.into());
        }
        match outcome {
            Outcome::Suspended(calls) => {
                self.suspended = true;
                Ok(Step::Calls(calls))
            }
            Outcome::Done => {
                let result = self.session.get_global(RESULT_VAR).unwrap_or(Value::None);
                self.finish(result, false)
            }
            Outcome::Final(v) => self.finish(v, true),
            Outcome::Error(info) => {
                self.suspended = false;
                let rendered = info.render(&self.source, "<sandbox>");
                let place = syntax_place(&info, &self.source);
                Err(BindError::Program { info: Box::new(info), rendered, place }.into())
            }
        }
    }

    fn finish(&mut self, v: Value, is_final: bool) -> PyResult<Step> {
        self.suspended = false;
        let session = &mut self.session;
        let mut repr = |v: &Value| format!("{v:?}");
        let result = Python::attach(|py| to_py(py, &v, &mut repr))?;
        // The sandbox does not keep the value alive (nor count it) after the run.
        session.set_global(RESULT_VAR, Value::None);
        let r = SandboxResult {
            result,
            output: std::mem::take(&mut self.output),
            is_final,
            fuel_used: session.fuel_used(),
        };
        Ok(Step::Finished(Python::attach(|py| Py::new(py, r))?))
    }

    fn answer(&mut self, id: u64, answer: Result<Value, HostError>) -> BindResult<()> {
        self.awaiting.remove(&id);
        self.session.answer(id, answer).map_err(|e| BindError::Config(e.to_string()))
    }

    /// Answers for `calls` from the registered `async def` functions.
    fn serve(&mut self, calls: &[InterpCall]) -> PyResult<Vec<Option<Result<Value, HostError>>>> {
        let functions = &self.functions;
        let answers = Python::attach(|py| {
            let lookup = |name: &str| -> Option<Py<PyAny>> {
                functions.get(name).filter(|f| f.is_async).map(|f| f.func.clone_ref(py))
            };
            serve_async(py, calls, &lookup, &self.limits, &self.interrupt)
        })?;
        if let Some(err) = self.interrupt.borrow_mut().take() {
            self.suspended = false;
            return Err(err);
        }
        Ok(answers)
    }

    fn hand_over(&mut self, step: Step) -> PyResult<Py<PyAny>> {
        match step {
            Step::Finished(r) => Ok(r.into_any()),
            Step::Calls(calls) => Python::attach(|py| {
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
            }),
        }
    }

    fn globals(&mut self) -> PyResult<Py<PyDict>> {
        let globals = self.session.globals();
        Python::attach(|py| {
            let out = PyDict::new(py);
            for (name, v) in globals {
                if name.as_str() == RESULT_VAR {
                    continue;
                }
                let mut repr = |v: &Value| format!("{v:?}");
                out.set_item(name.as_str(), to_py(py, &v, &mut repr)?)?;
            }
            Ok(out.unbind())
        })
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
