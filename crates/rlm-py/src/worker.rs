//! The thread a `Sandbox`'s interpreter lives on. The interpreter is bound
//! to one thread (its values are `Rc`s, its caches thread-locals), so each
//! sandbox owns a thread and every Python call becomes a job run there, in
//! order. The caller waits without the GIL (other Python threads run, and
//! two sandboxes compute in parallel), waking every [`SIGNAL_POLL`] to run
//! Python's signal handlers: one that raises (Ctrl-C) cancels the job.
//! Cancelling is an epoch: [`SandboxThread::cancel`] stops every job queued before
//! it (the interpreter asks [`CancelCheck`] every so much fuel) and none
//! queued after, so a cancel that races a job's start is never lost.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use pyo3::prelude::*;

use crate::error::{BindError, BindResult};

/// How often a caller waiting for a job lets Python run its signal handlers.
const SIGNAL_POLL: Duration = Duration::from_millis(10);

/// The worker thread's stack: a main thread's (deep DSL recursion and the
/// Python host functions called from it run here).
const WORKER_STACK: usize = 8 << 20;

/// Whether the running job was cancelled; lives on the worker thread (the
/// interpreter's interrupt check holds a clone).
#[derive(Clone)]
pub struct CancelCheck {
    epoch: Arc<AtomicU64>,
    job_epoch: Rc<Cell<u64>>,
}

impl CancelCheck {
    /// A [`SandboxThread::cancel`] came after the running job was queued.
    pub fn is_cancelled(&self) -> bool {
        self.epoch.load(Ordering::Acquire) != self.job_epoch.get()
    }
}

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// A job and the cancel epoch it was queued in.
struct Queued<S> {
    epoch: u64,
    job: Job<S>,
}

/// A thread owning a state `S` (made on it, never leaving it), running jobs on it.
pub struct SandboxThread<S: 'static> {
    jobs: Mutex<Option<mpsc::Sender<Queued<S>>>>,
    epoch: Arc<AtomicU64>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

impl<S: 'static> SandboxThread<S> {
    /// Starts the thread; `make` builds the state there.
    pub fn spawn(
        name: &str,
        make: impl FnOnce(CancelCheck) -> S + Send + 'static,
    ) -> BindResult<SandboxThread<S>> {
        let epoch = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel::<Queued<S>>();
        let check_epoch = Arc::clone(&epoch);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(WORKER_STACK)
            .spawn(move || {
                let job_epoch = Rc::new(Cell::new(0));
                let check = CancelCheck { epoch: check_epoch, job_epoch: Rc::clone(&job_epoch) };
                let mut state = make(check);
                while let Ok(Queued { epoch, job }) = rx.recv() {
                    job_epoch.set(epoch);
                    job(&mut state);
                }
                // The state holds Python objects (host functions): release
                // them now, with the GIL, unless Python is shutting down.
                let mut state = Some(state);
                Python::try_attach(|_| drop(state.take()));
                drop(state);
            })
            .map_err(|e| BindError::Internal(format!("cannot start the sandbox's thread: {e}")))?;
        let thread_id = thread.thread().id();
        Ok(SandboxThread {
            jobs: Mutex::new(Some(tx)),
            epoch,
            thread: Mutex::new(Some(thread)),
            thread_id,
        })
    }

    /// Stops every job queued so far (the running one at its next check).
    pub fn cancel(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Runs `f` on the worker and waits for it without the GIL. If a signal
    /// handler raises meanwhile (Ctrl-C: `KeyboardInterrupt`), the job is
    /// cancelled, still waited for (nothing is left running), and the
    /// handler's exception is returned instead of the job's result.
    pub fn call<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut S) -> T + Send + 'static,
    {
        if std::thread::current().id() == self.thread_id {
            return Err(BindError::Config(
                "a sandbox cannot be used from inside its own host functions".into(),
            )
            .into());
        }
        let (reply_tx, reply_rx) = mpsc::sync_channel::<T>(1);
        let job: Job<S> = Box::new(move |state: &mut S| {
            // The caller may have gone (its thread ended): nothing to tell.
            let _ = reply_tx.send(f(state));
        });
        {
            let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sent = jobs.as_ref().is_some_and(|tx| {
                tx.send(Queued { epoch: self.epoch.load(Ordering::Acquire), job }).is_ok()
            });
            if !sent {
                return Err(BindError::Internal("the sandbox's thread has stopped".into()).into());
            }
        }
        let mut interrupted: Option<PyErr> = None;
        let mut reply_rx = reply_rx;
        loop {
            // The receiver is `Send`, not `Sync`: it moves into the closure and back.
            let (got, rx) = py.detach(move || (reply_rx.recv_timeout(SIGNAL_POLL), reply_rx));
            reply_rx = rx;
            match got {
                Ok(out) => {
                    return match interrupted {
                        Some(e) => Err(e),
                        None => Ok(out),
                    };
                }
                Err(RecvTimeoutError::Timeout) => {
                    if interrupted.is_none()
                        && let Err(e) = py.check_signals()
                    {
                        self.cancel();
                        interrupted = Some(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(interrupted.unwrap_or_else(|| {
                        BindError::Internal("the sandbox's thread stopped during a call".into())
                            .into()
                    }));
                }
            }
        }
    }
}

impl<S: 'static> Drop for SandboxThread<S> {
    /// Closes the queue and waits (without the GIL) for the thread to
    /// release the state, so the Python objects it held are freed now.
    fn drop(&mut self) {
        self.cancel();
        drop(self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take());
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread
            && std::thread::current().id() != self.thread_id
        {
            // Dropped by Python (holding the GIL) or by Rust (not holding it).
            let joined = Python::try_attach(|py| py.detach(|| thread.join().is_ok()));
            let _ = joined;
        }
    }
}
