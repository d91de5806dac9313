//! `_Engine`: an `rlm_core::Rlm` built from Python settings, run through
//! `rlm_core::Session` (the one seam every front end drives). `run` waits
//! without the GIL and turns Ctrl-C into a cancelled run and a
//! `KeyboardInterrupt`; `arun` is an asyncio awaitable whose cancellation
//! cancels the run and its in-flight subcalls. The Python class `rlm_rs.RLM`
//! wraps it (pyrlm-runtime's parameter names, the `Trace` object).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rlm_config::FrontEnd;
use rlm_core::adapters::EnvVars;
use rlm_core::{
    BudgetOverrides, Canceller, CompactionOptions, CompletionCache, EngineModels, EngineParts,
    Execution, Finish, LoopOverrides, RetrievalSettings, Rlm, RunOverrides, Session,
    SessionSettings,
};
use rlm_trace::TraceListener;

use crate::adapters::resolve;
use crate::cache::FileCache;
use crate::context::PyContext;
use crate::elastic::PyElastic;
use crate::error::{BindError, BindResult};
use crate::event_listener::PyEventListener;
use crate::limits::PyLimits;
use crate::py_adapter::{LoopSlot, RaisedSlot};
use crate::py_retriever::PyRetriever;
use crate::runtime::{runtime, wait_interruptibly};

/// The `RlmConfig` of `config=`: each key a knob's `rlm.toml` key, each value
/// what that key takes there (`True`/`False`, numbers, strings).
fn rlm_config_of(
    config: Option<std::collections::HashMap<String, Bound<'_, PyAny>>>,
) -> BindResult<rlm_config::RlmConfig> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in config.unwrap_or_default() {
        // The adapters, the cache, the event listener and the retriever are
        // Python objects, given as their own arguments; the knob table's
        // `FrontEnd::Python` column says which knobs `config=` takes.
        if rlm_config::knob(&key).is_some() && !FrontEnd::Python.honours(&key) {
            return Err(BindError::Config(format!(
                "rlm_rs does not support the setting {key:?} in config= (it takes: {})",
                FrontEnd::Python.keys().join(", ")
            )));
        }
        let text = match value.extract::<bool>() {
            Ok(b) if value.is_instance_of::<pyo3::types::PyBool>() => b.to_string(),
            _ => value.str().map_err(|e| BindError::Config(e.to_string()))?.to_string(),
        };
        pairs.push((key, text));
    }
    // The models are the adapter objects; the config needs a name to resolve.
    pairs.push(("model".into(), rlm_config::SCRIPTED_MODEL.into()));
    let settings =
        rlm_config::Settings::from_keywords(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())))
            .map_err(|e| BindError::Config(e.to_string()))?;
    settings.resolve().map_err(|e| BindError::Config(e.to_string()))
}

/// pyrlm's keyword arguments for the loop's options, as rlm-core's
/// overrides (`None`: the configuration's value stands; `compaction` is
/// pyrlm's on/off).
struct LoopKeywords {
    max_output_tokens: Option<u32>,
    sub_max_tokens: Option<u32>,
    compaction: Option<f64>,
    require_program_before_final: Option<bool>,
    require_subcall_before_final: Option<bool>,
    invalid_response_limit: Option<u32>,
    fallback_code: Option<String>,
    auto_finalize_var: Option<String>,
    fallback_guard_steps: Option<u32>,
    subcall_guard_steps: Option<u32>,
}

impl LoopKeywords {
    fn overrides(self) -> LoopOverrides {
        LoopOverrides {
            root_max_tokens: self.max_output_tokens,
            sub_max_tokens: self.sub_max_tokens,
            compaction: Some(self.compaction.map(|ratio| CompactionOptions {
                threshold_ratio: ratio,
                ..CompactionOptions::default()
            })),
            require_program_before_final: self.require_program_before_final,
            require_subcall_before_final: self.require_subcall_before_final,
            max_invalid_replies: self.invalid_response_limit,
            fallback_program: self.fallback_code,
            auto_final_var: self.auto_finalize_var,
            // pyrlm's step guards (`guards.fallback_steps`, `guards.subcall_steps`
            // in `config=`): its keyword arguments override the configuration's.
            fallback_guard_steps: self.fallback_guard_steps,
            subcall_guard_steps: self.subcall_guard_steps,
        }
    }
}

/// A configured runtime (see the Python class `rlm_rs.RLM`).
#[pyclass(module = "rlm_rs._native", frozen, name = "Engine")]
pub struct PyRlm {
    rlm: Rlm,
    /// Event-loop slots of the `async def complete` adapters.
    loops: Vec<LoopSlot>,
    /// pyrlm's `event_listener`, subscribed to each run's session (a
    /// `Session` does not take the builder's listeners).
    listener: Option<Arc<dyn TraceListener>>,
    /// The root model's last Python exception (a `ModelError`'s cause).
    root_raised: Option<RaisedSlot>,
    /// The runs in progress, for `cancel()`.
    running: Running,
}

/// The cancellers of the runs in progress, by a number of their own.
#[derive(Default, Clone)]
struct Running(Arc<Mutex<RunningInner>>);

#[derive(Default)]
struct RunningInner {
    next: u64,
    runs: HashMap<u64, Canceller>,
}

impl Running {
    /// Registers a run until the returned guard drops; a cancel already
    /// asked of this engine does not carry over to it.
    fn add(&self, canceller: Canceller) -> RunningGuard {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        inner.next += 1;
        let id = inner.next;
        inner.runs.insert(id, canceller);
        RunningGuard { running: self.clone(), id }
    }

    fn cancel_all(&self) {
        let inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for c in inner.runs.values() {
            c.cancel();
        }
    }
}

/// Removes its run from [`Running`] when dropped.
struct RunningGuard {
    running: Running,
    id: u64,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.running.0.lock().unwrap_or_else(|p| p.into_inner()).runs.remove(&self.id);
    }
}

#[pymethods]
impl PyRlm {
    #[new]
    #[pyo3(signature = (
        adapter, *, subcall_adapter=None, cache=None, max_steps=None, max_subcalls=None,
        max_depth=None, max_total_tokens=None, max_subcall_tokens=None, max_cost_usd=None,
        max_wall_time_s=None, max_output_tokens=None, recursion_depth=None, compaction=None,
        require_program_before_final=None, require_subcall_before_final=None,
        invalid_response_limit=None, fallback_code=None, auto_finalize_var=None, limits=None,
        max_concurrency=None, system_prompt=None, event_listener=None, retriever=None,
        config=None, max_consecutive_errors=None,
        subcall_system_prompt=None, fallback_guard_steps=None, subcall_guard_steps=None,
        sub_max_tokens=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        adapter: &Bound<'_, PyAny>,
        subcall_adapter: Option<&Bound<'_, PyAny>>,
        cache: Option<&Bound<'_, FileCache>>,
        max_steps: Option<u64>,
        max_subcalls: Option<u64>,
        max_depth: Option<u32>,
        max_total_tokens: Option<u64>,
        max_subcall_tokens: Option<u64>,
        max_cost_usd: Option<f64>,
        max_wall_time_s: Option<f64>,
        max_output_tokens: Option<u32>,
        recursion_depth: Option<u32>,
        compaction: Option<f64>,
        require_program_before_final: Option<bool>,
        require_subcall_before_final: Option<bool>,
        invalid_response_limit: Option<u32>,
        fallback_code: Option<String>,
        auto_finalize_var: Option<String>,
        limits: Option<PyLimits>,
        max_concurrency: Option<usize>,
        system_prompt: Option<String>,
        event_listener: Option<&Bound<'_, PyAny>>,
        retriever: Option<&Bound<'_, PyAny>>,
        config: Option<std::collections::HashMap<String, Bound<'_, PyAny>>>,
        max_consecutive_errors: Option<u32>,
        subcall_system_prompt: Option<String>,
        fallback_guard_steps: Option<u32>,
        subcall_guard_steps: Option<u32>,
        sub_max_tokens: Option<u32>,
    ) -> PyResult<PyRlm> {
        // The knobs first (rlm-config's names: `{"limits.fuel": 100_000}`),
        // built by rlm-core's one constructor; pyrlm's keyword arguments
        // below override them, and the Python objects (adapters, cache,
        // listener, retriever) are this front end's own.
        let cfg = rlm_config_of(config)?;
        let root = resolve(py, adapter)?;
        let root_raised = root.raised;
        let mut loops: Vec<LoopSlot> = root.event_loop.into_iter().collect();
        let sub = match subcall_adapter.filter(|s| !s.is_none()) {
            Some(sub) => {
                let sub = resolve(py, sub)?;
                loops.extend(sub.event_loop);
                sub.adapter
            }
            None => Arc::clone(&root.adapter),
        };
        let wall = match max_wall_time_s {
            Some(s) if !(s.is_finite() && s > 0.0) => {
                return Err(BindError::Config(format!(
                    "max_wall_time_s must be positive, got {s}"
                ))
                .into());
            }
            Some(s) => Some(Duration::from_secs_f64(s)),
            None => None,
        };
        // The process's environment, as the CLI's: a provider's address and
        // key for the knobs that name one (`retrieval.vectors`'s embedding
        // model: OPENAI_BASE_URL, OPENAI_API_KEY, OLLAMA_HOST).
        let env = EnvVars::from_process();
        let mut parts = EngineParts::new(cfg, env).map_err(BindError::from)?;
        if let Some(c) = cache {
            parts = parts.with_cache(Arc::clone(&c.get().inner) as Arc<dyn CompletionCache>);
        }
        let overrides = RunOverrides {
            models: EngineModels::Given { root: root.adapter, sub },
            budget: BudgetOverrides {
                max_steps,
                max_subcalls,
                max_depth,
                max_total_tokens,
                max_subcall_tokens,
                max_cost_usd,
                max_wall_time: wall,
                max_consecutive_errors,
            },
            recursion_depth,
            interpreter_limits: limits.as_ref().map(Into::into),
            loop_options: LoopKeywords {
                max_output_tokens,
                sub_max_tokens,
                compaction,
                require_program_before_final,
                require_subcall_before_final,
                invalid_response_limit,
                fallback_code,
                auto_finalize_var,
                fallback_guard_steps,
                subcall_guard_steps,
            }
            .overrides(),
            max_concurrency,
            system_prompt,
            subcall_system_prompt,
            ..RunOverrides::default()
        };
        let mut builder = Rlm::from_config(&parts, overrides, &[])
            .map_err(BindError::from)?
            .functions_flavor(rlm_core::Flavor::Pyrlm);
        let listener = match event_listener.filter(|l| !l.is_none()) {
            Some(l) => Some(Arc::new(PyEventListener::new(l)?) as Arc<dyn TraceListener>),
            None => None,
        };
        if let Some(r) = retriever.filter(|r| !r.is_none()) {
            // rlm_rs's ElasticsearchRetriever is the Rust one: no Python on
            // the programs' es_* path. Any other object is called from Python.
            let native = r.getattr("_native").ok();
            let backend: Arc<dyn rlm_retrieval::Retriever> =
                match native.as_ref().and_then(|n| n.cast::<PyElastic>().ok()) {
                    Some(es) => Arc::clone(&es.get().inner) as Arc<dyn rlm_retrieval::Retriever>,
                    None => Arc::new(PyRetriever::new(r)?),
                };
            builder = builder
                .retrieval(RetrievalSettings { backend: Some(backend), ..Default::default() });
        }
        let rlm = builder.build().map_err(BindError::from)?;
        Ok(PyRlm { rlm, loops, listener, root_raised, running: Running::default() })
    }

    /// Runs `query` over `context`, blocking (without the GIL). Returns
    /// `(answer, finish, events_json, steps, usage_json)`.
    fn run(
        &self,
        py: Python<'_>,
        query: String,
        context: &Bound<'_, PyContext>,
    ) -> PyResult<Py<PyTuple>> {
        for slot in &self.loops {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        let session = self.session(context);
        let rt = runtime()?;
        let handle = {
            let _entered = rt.enter();
            session.start(query).map_err(BindError::from)?
        };
        let canceller = handle.canceller();
        let _running = self.running.add(handle.canceller());
        let execution = wait_interruptibly(py, handle.wait(), move || canceller.cancel())?;
        outcome(py, execution.map_err(BindError::from)?, self.root_raised.as_ref())
    }

    /// Cancels every run of this engine in progress (from any thread): a
    /// program computing stops at its next check, subcalls in flight are
    /// dropped, and each run ends with `finish["kind"] == "cancelled"`.
    fn cancel(&self) {
        self.running.cancel_all();
    }

    /// `run` as an asyncio awaitable on the running loop. Cancelling the
    /// awaiting task cancels the run and its subcalls in flight.
    fn arun<'py>(
        &self,
        py: Python<'py>,
        query: String,
        context: &Bound<'py, PyContext>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let locals = pyo3_async_runtimes::TaskLocals::with_running_loop(py)?.copy_context(py)?;
        for slot in &self.loops {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(locals.event_loop(py).unbind());
        }
        init_async_runtime()?;
        let session = self.session(context);
        let running = self.running.clone();
        let raised = self.root_raised.clone();
        pyo3_async_runtimes::tokio::future_into_py_with_locals(py, locals, async move {
            let handle = session.start(query).map_err(BindError::from)?;
            let _running = running.add(handle.canceller());
            // Dropped without being disarmed when the Python task is cancelled.
            let guard = CancelOnDrop(Some(handle.canceller()));
            let execution = handle.wait().await;
            guard.disarm();
            let execution = execution.map_err(BindError::from)?;
            Python::attach(|py| outcome(py, execution, raised.as_ref()))
        })
    }
}

impl PyRlm {
    /// A session for one run, with the event listener subscribed.
    fn session(&self, context: &Bound<'_, PyContext>) -> Session {
        let session =
            Session::new(&self.rlm, context.get().inner.clone(), SessionSettings::default());
        if let Some(l) = &self.listener {
            session.add_listener(Arc::clone(l));
        }
        session
    }
}

/// Cancels the run when the future awaiting it is dropped.
struct CancelOnDrop(Option<Canceller>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel();
        }
    }
}

/// Points pyo3-async-runtimes at the bindings' runtime (once).
fn init_async_runtime() -> BindResult<()> {
    static INIT: std::sync::Once = std::sync::Once::new();
    let rt = runtime()?;
    INIT.call_once(|| {
        // Fails only if it was set already, which is what we want.
        let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    });
    Ok(())
}

/// The run's result for Python; a root model that failed is a `ModelError`,
/// whose cause is the exception a Python root adapter raised (`raised`).
fn outcome(
    py: Python<'_>,
    execution: Execution,
    raised: Option<&RaisedSlot>,
) -> PyResult<Py<PyTuple>> {
    if let Finish::ModelError { message } = &execution.finish {
        let cause = raised.and_then(|r| r.lock().unwrap_or_else(|p| p.into_inner()).take());
        let message = match &cause {
            Some(e) => {
                let value = e.value(py);
                let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                let text = value.str().map(|s| s.to_string()).unwrap_or_default();
                format!("the root model failed: the Python adapter raised {type_name}: {text}")
            }
            None => format!("the root model failed: {message}"),
        };
        return Err(BindError::Model { message, cause }.into());
    }
    let events = serde_json::to_string(&execution.events)
        .map_err(|e| BindError::Internal(format!("trace events: {e}")))?;
    let finish = serde_json::to_string(&execution.finish)
        .map_err(|e| BindError::Internal(format!("finish: {e}")))?;
    let usage = serde_json::to_string(&execution.usage)
        .map_err(|e| BindError::Internal(format!("usage: {e}")))?;
    let items = (execution.answer, finish, events, execution.steps, usage);
    Ok(items.into_pyobject(py)?.unbind())
}
