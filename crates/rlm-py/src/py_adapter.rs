//! A Python object with `complete(messages, **params)` (a plain method or an
//! `async def`) as a model: the Rust `ModelAdapter` over it. Sync methods run
//! on tokio's blocking pool (each call takes the GIL only while Python code
//! runs, so many subcalls overlap whenever the client releases it during I/O);
//! coroutines run on an asyncio event loop — the caller's loop under
//! `RLM.arun`, otherwise a background loop thread — while the Rust side waits
//! without the GIL.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::future::BoxFuture;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rlm_adapters::{AdapterError, CallReport, ModelAdapter};
use rlm_types::{
    Completion, CompletionRequest, FinishReason, ModelId, Role, Usage, estimate_tokens,
};
use tokio::sync::oneshot;

/// The event loop coroutines of async adapters are run on (`None`: the
/// background loop of `rlm_rs._aio`).
pub type LoopSlot = Arc<Mutex<Option<Py<PyAny>>>>;

/// The exception `complete` raised last (the cause of a root `ModelError`).
pub type RaisedSlot = Arc<Mutex<Option<PyErr>>>;

/// A model served by a Python object.
pub struct PyModelAdapter {
    object: Py<PyAny>,
    is_async: bool,
    model: ModelId,
    event_loop: LoopSlot,
    raised: RaisedSlot,
}

impl PyModelAdapter {
    /// Wraps `object`, which must have a callable `complete`.
    pub fn new(py: Python<'_>, object: &Bound<'_, PyAny>) -> PyResult<PyModelAdapter> {
        let complete = object.getattr("complete")?;
        let is_async = crate::host_functions::is_coroutine_function(py, &complete)?;
        // pyrlm-runtime resolves the model's identity from these attributes.
        let mut name = None;
        for attr in ["model_id", "model_name", "model"] {
            if let Ok(v) = object.getattr(attr)
                && let Ok(s) = v.extract::<String>()
                && !s.trim().is_empty()
            {
                name = Some(s);
                break;
            }
        }
        let name = match name {
            Some(n) => n,
            None => object.get_type().name()?.to_string(),
        };
        Ok(PyModelAdapter {
            object: object.clone().unbind(),
            is_async,
            model: ModelId::new("python", name.as_str()),
            event_loop: LoopSlot::default(),
            raised: RaisedSlot::default(),
        })
    }

    /// Where the exception `complete` raised last is kept.
    pub fn raised_slot(&self) -> RaisedSlot {
        Arc::clone(&self.raised)
    }

    /// `e` as the adapter's error, kept as the last exception raised.
    fn raised(&self, e: &PyErr) -> AdapterError {
        Python::attach(|py| {
            *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.clone_ref(py));
        });
        raised(e)
    }

    /// Where this adapter's coroutines run (see [`LoopSlot`]).
    pub fn loop_slot(&self) -> LoopSlot {
        Arc::clone(&self.event_loop)
    }

    /// Calls `complete` and returns its (sync) result or its coroutine.
    fn invoke(&self, py: Python<'_>, request: &CompletionRequest) -> PyResult<Py<PyAny>> {
        let messages = PyList::empty(py);
        for m in &request.messages {
            let d = PyDict::new(py);
            let role = match m.role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            d.set_item("role", role)?;
            d.set_item("content", m.content.as_str())?;
            messages.append(d)?;
        }
        let kwargs = PyDict::new(py);
        if let Some(n) = request.params.max_tokens {
            kwargs.set_item("max_tokens", n)?;
        }
        if let Some(t) = request.params.temperature {
            kwargs.set_item("temperature", t)?;
        }
        Ok(self.object.bind(py).call_method("complete", (messages,), Some(&kwargs))?.unbind())
    }

    async fn complete_async(
        &self,
        request: &CompletionRequest,
    ) -> Result<Completion, AdapterError> {
        let started = Instant::now();
        let (tx, rx) = oneshot::channel();
        let task = Python::attach(|py| -> PyResult<Py<PyAny>> {
            let coroutine = self.invoke(py, request)?;
            let event_loop = self.event_loop(py)?;
            let done = Bound::new(py, TaskDone { tx: Mutex::new(Some(tx)) })?;
            let submit = py.import("rlm_rs._aio")?.getattr("submit")?;
            Ok(submit.call1((coroutine, event_loop, done))?.unbind())
        })
        .map_err(|e| self.raised(&e))?;
        // Dropped before the task ends (the run was cancelled): cancel the task.
        let guard = CancelTask(Some(task));
        let out = rx.await;
        guard.disarm();
        let out = out
            .map_err(|_| AdapterError::Config("the Python adapter's task vanished".into()))?
            .map_err(|e| self.raised(&e))?;
        Python::attach(|py| completion(py, out.bind(py), request, &self.model, started))
    }

    fn event_loop(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let slot = self.event_loop.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some(l) => Ok(l.clone_ref(py)),
            None => Ok(py.import("rlm_rs._aio")?.getattr("background_loop")?.call0()?.unbind()),
        }
    }
}

/// Called by asyncio when an adapter's task ends: sends its result to the
/// Rust side waiting for it.
#[pyclass]
struct TaskDone {
    tx: Mutex<Option<oneshot::Sender<PyResult<Py<PyAny>>>>>,
}

#[pymethods]
impl TaskDone {
    fn __call__(&self, future: &Bound<'_, PyAny>) {
        let result = future.call_method0("result").map(Bound::unbind);
        if let Some(tx) = self.tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
            // The waiting side may be gone (the run was cancelled).
            let _ = tx.send(result);
        }
    }
}

/// Cancels an adapter's asyncio task when dropped armed.
struct CancelTask(Option<Py<PyAny>>);

impl CancelTask {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelTask {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            Python::attach(|py| {
                // Cancelling a finished future is a no-op; nothing to report.
                let _ = task.bind(py).call_method0("cancel");
            });
        }
    }
}

/// A Python exception as the adapter's error (the loop shows it to the
/// model for subcalls, and ends the run with a `ModelError` for the root).
fn raised(e: &PyErr) -> AdapterError {
    let text = Python::attach(|py| {
        let value = e.value(py);
        let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        let message = value.str().map(|s| s.to_string()).unwrap_or_default();
        format!("{type_name}: {message}")
    });
    AdapterError::Config(format!("the Python adapter raised {text}"))
}

/// The reply of `complete`: a `str`, an object with `.text` (pyrlm-runtime's
/// `ModelResponse`), or a dict with `"text"` (or `"content"`); usage from
/// `.usage` / `["usage"]` (`prompt_tokens`, `completion_tokens`) when given,
/// else estimated.
fn completion(
    py: Python<'_>,
    reply: &Bound<'_, PyAny>,
    request: &CompletionRequest,
    model: &ModelId,
    started: Instant,
) -> Result<Completion, AdapterError> {
    let field = |name: &str| -> Option<Bound<'_, PyAny>> {
        if let Ok(d) = reply.cast::<PyDict>() {
            return d.get_item(name).ok().flatten();
        }
        reply.getattr(name).ok()
    };
    let text: String = if let Ok(s) = reply.cast::<PyString>() {
        s.to_cow().map(|c| c.into_owned()).map_err(|e| raised(&e))?
    } else {
        match field("text").or_else(|| field("content")).map(|t| t.extract::<String>()) {
            Some(Ok(t)) => t,
            _ => {
                let type_name = reply.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                return Err(AdapterError::MalformedResponse {
                    message: format!(
                        "the Python adapter's complete() returned a '{type_name}'; return a str, an object with .text, or a dict with \"text\""
                    ),
                });
            }
        }
    };
    let _ = py;
    let prompt_chars: String = request.messages.iter().map(|m| m.content.as_str()).collect();
    let mut usage = Usage {
        prompt_tokens: estimate_tokens(&prompt_chars),
        completion_tokens: estimate_tokens(&text),
        cached_tokens: 0,
    };
    if let Some(u) = field("usage").filter(|u| !u.is_none()) {
        let count = |name: &str| -> Option<u64> {
            let v = match u.cast::<PyDict>() {
                Ok(d) => d.get_item(name).ok().flatten()?,
                Err(_) => u.getattr(name).ok()?,
            };
            v.extract::<u64>().ok()
        };
        if let Some(n) = count("prompt_tokens") {
            usage.prompt_tokens = n;
        }
        if let Some(n) = count("completion_tokens") {
            usage.completion_tokens = n;
        }
    }
    Ok(Completion {
        text,
        usage,
        finish_reason: Some(FinishReason::Stop),
        model: model.model.to_string(),
        latency: started.elapsed(),
    })
}

impl ModelAdapter for PyModelAdapter {
    fn model_id(&self) -> ModelId {
        self.model.clone()
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            if self.is_async {
                return CallReport::single(self.complete_async(request).await);
            }
            let object = Python::attach(|py| self.object.clone_ref(py));
            let this = PyModelAdapter {
                object,
                is_async: false,
                model: self.model.clone(),
                event_loop: LoopSlot::default(),
                raised: Arc::clone(&self.raised),
            };
            let request = request.clone();
            let joined = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                Python::attach(|py| {
                    let reply = this.invoke(py, &request).map_err(|e| this.raised(&e))?;
                    completion(py, reply.bind(py), &request, &this.model, started)
                })
            })
            .await;
            CallReport::single(joined.unwrap_or_else(|e| {
                Err(AdapterError::Config(format!("the Python adapter's thread failed: {e}")))
            }))
        })
    }
}
