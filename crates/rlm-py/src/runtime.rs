//! The process-wide tokio runtime the bindings run models on, and waiting
//! for a future without the GIL while still noticing Ctrl-C.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;

use crate::error::{BindError, BindResult};

/// How often a blocked `run()` wakes to let Python handle signals.
const SIGNAL_POLL: Duration = Duration::from_millis(10);

/// The shared multi-thread runtime (two workers: model calls are I/O).
pub fn runtime() -> BindResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("rlm-rs")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| BindError::Internal(format!("cannot start the tokio runtime: {e}")))
}

/// Waits for `fut` with the GIL released. Every [`SIGNAL_POLL`] it lets
/// Python run its signal handlers; if one raises (Ctrl-C: `KeyboardInterrupt`),
/// `on_interrupt` is called (it cancels the work), the future is still
/// awaited to its end (so nothing is left running), and the handler's
/// exception is returned.
pub fn wait_interruptibly<F, T>(
    py: Python<'_>,
    fut: F,
    on_interrupt: impl Fn() + Send + Sync,
) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let rt = runtime()?;
    let mut interrupted: Option<PyErr> = None;
    let out = py.detach(|| {
        rt.block_on(async {
            tokio::pin!(fut);
            loop {
                tokio::select! {
                    out = &mut fut => return out,
                    _ = tokio::time::sleep(SIGNAL_POLL), if interrupted.is_none() => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            interrupted = Some(e);
                            on_interrupt();
                        }
                    }
                }
            }
        })
    });
    match interrupted {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
