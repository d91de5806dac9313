//! pyrlm-runtime's `event_listener`: a Python callable (or an object with
//! `on_event`) that gets each trace event as a dict while the run proceeds.
//! It is called from the runtime's threads with the GIL taken for the call;
//! an exception it raises goes to `sys.unraisablehook` and the run goes on
//! (a listener observes, it cannot break a run).

use pyo3::prelude::*;
use rlm_trace::{TraceEvent, TraceListener};

use crate::error::BindError;

/// A Python listener of trace events.
pub struct PyEventListener {
    callback: Py<PyAny>,
}

impl PyEventListener {
    /// `listener` itself when callable, else its `on_event` method.
    pub fn new(listener: &Bound<'_, PyAny>) -> PyResult<PyEventListener> {
        let callback = if listener.hasattr("on_event")? {
            listener.getattr("on_event")?
        } else if listener.is_callable() {
            listener.clone()
        } else {
            return Err(BindError::Config(format!(
                "event_listener must be callable or have an on_event method, not {}",
                listener.get_type().name()?
            ))
            .into());
        };
        Ok(PyEventListener { callback: callback.unbind() })
    }
}

impl TraceListener for PyEventListener {
    fn on_event(&self, event: &TraceEvent) {
        let Ok(json) = serde_json::to_string(event) else { return };
        Python::attach(|py| {
            let delivered = py
                .import("json")
                .and_then(|m| m.getattr("loads"))
                .and_then(|loads| loads.call1((json,)))
                .and_then(|dict| self.callback.bind(py).call1((dict,)));
            if let Err(e) = delivered {
                e.write_unraisable(py, Some(self.callback.bind(py)));
            }
        });
    }
}
