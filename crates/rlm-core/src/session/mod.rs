//! [`Session`]: the seam every front end drives (the CLI, `rlm serve`, the
//! Python bindings, job-queue workers). One session holds a context, its
//! settings, a cumulative budget, the `memory` dict and the conversation
//! history, and runs executions one after another.
//!
//! * A `Session` is a cheap, cloneable `Send + Sync` handle. The context is
//!   shared, never copied per execution (`rlm_context::Context` is an `Arc`
//!   over one buffer, possibly a memory map).
//! * [`Session::start`] queues an execution and returns an [`ExecutionHandle`]
//!   at once: subscribe listeners (late ones replay what they missed), cancel
//!   it from any thread, wait for its [`Execution`]. Executions of one session
//!   run one at a time, in the order they were started.
//! * Trace events reach every listener live: the session's own listeners
//!   ([`Session::add_listener`], every execution) and each execution's. The
//!   root model's reply streams as transient deltas
//!   ([`rlm_trace::TraceListener::on_delta`]) that are not stored in the trace:
//!   the stored trace holds the reply once, in its `model_call_finished` event.
//! * The cumulative budget ([`SessionLimits`]) refuses an execution once a cap
//!   is reached ([`crate::SessionError::BudgetExhausted`]) and tightens each
//!   execution's own budget to what remains.
//! * [`Session::state`] is everything, serialisable; [`Session::restore`]
//!   rebuilds the session in another process from it, the same context and
//!   an [`Rlm`] built with the same models.

mod execution;
mod state;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rlm_context::Context;
use rlm_trace::{TraceListener, TraceRecorder};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

pub use crate::cancel::Canceller;
pub use execution::ExecutionHandle;
pub use state::{
    Execution, SESSION_STATE_VERSION, SessionId, SessionLimits, SessionSettings, SessionState,
    SessionUsage,
};

use crate::checkpoint::{Durable, DurableStart};
use crate::error::{CheckpointError, RlmError, SessionError};
use crate::outcome::Finish;
use crate::rlm::{Rlm, RunSpec};
use crate::turn::{ExecutionId, Turn};
use rlm_functions::MemoryMap;

/// A conversation with an RLM over one context. See the module docs.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

struct Shared {
    id: SessionId,
    rlm: Rlm,
    context: Context,
    settings: SessionSettings,
    state: Mutex<Mutable>,
    /// Held by the running execution: executions run one at a time, in the
    /// order of their starts (each start joins the fair mutex's queue before
    /// it returns, and a free turn is never taken past a waiter).
    turn: Arc<tokio::sync::Mutex<()>>,
    listeners: Mutex<Vec<Arc<dyn TraceListener>>>,
    /// Cancels every execution started so far (each has a child token).
    all: CancellationToken,
}

struct Mutable {
    usage: SessionUsage,
    memory: MemoryMap,
    history: Vec<Turn>,
    executions: Vec<Execution>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.shared.id)
            .field("name", &self.shared.settings.name)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session over `context`, answered by `rlm`'s models.
    pub fn new(rlm: &Rlm, context: Context, settings: SessionSettings) -> Session {
        Session::from_parts(
            rlm,
            context,
            SessionState {
                version: SESSION_STATE_VERSION,
                id: SessionId::random(),
                settings,
                usage: SessionUsage::default(),
                memory: MemoryMap::new(),
                history: Vec::new(),
                executions: Vec::new(),
            },
        )
    }

    /// The session `state` describes, over `context` (the same context it was
    /// saved with), answered by `rlm` (built with the same models).
    pub fn restore(
        rlm: &Rlm,
        context: Context,
        state: SessionState,
    ) -> Result<Session, SessionError> {
        if state.version > SESSION_STATE_VERSION {
            return Err(SessionError::StateVersion {
                found: state.version,
                supported: SESSION_STATE_VERSION,
            });
        }
        Ok(Session::from_parts(rlm, context, state))
    }

    fn from_parts(rlm: &Rlm, context: Context, state: SessionState) -> Session {
        Session {
            shared: Arc::new(Shared {
                id: state.id,
                rlm: rlm.clone(),
                context,
                settings: state.settings,
                state: Mutex::new(Mutable {
                    usage: state.usage,
                    memory: state.memory,
                    history: state.history,
                    executions: state.executions,
                }),
                turn: Arc::new(tokio::sync::Mutex::new(())),
                listeners: Mutex::new(Vec::new()),
                all: CancellationToken::new(),
            }),
        }
    }

    pub fn id(&self) -> &SessionId {
        &self.shared.id
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.shared.settings
    }

    /// The context every execution explores.
    pub fn context(&self) -> &Context {
        &self.shared.context
    }

    /// What all executions so far have spent.
    pub fn usage(&self) -> SessionUsage {
        self.lock().usage.clone()
    }

    /// The `memory` dict as the last execution left it.
    pub fn memory(&self) -> MemoryMap {
        self.lock().memory.clone()
    }

    /// Every question asked so far and its answer.
    pub fn history(&self) -> Vec<Turn> {
        self.lock().history.clone()
    }

    /// The records of the most recent executions (oldest first).
    pub fn executions(&self) -> Vec<Execution> {
        self.lock().executions.clone()
    }

    /// One execution's record, if it is still kept.
    pub fn execution(&self, id: &ExecutionId) -> Option<Execution> {
        self.lock().executions.iter().find(|e| &e.id == id).cloned()
    }

    /// Everything, to save and [`Session::restore`] elsewhere.
    pub fn state(&self) -> SessionState {
        let m = self.lock();
        SessionState {
            version: SESSION_STATE_VERSION,
            id: self.shared.id.clone(),
            settings: self.shared.settings.clone(),
            usage: m.usage.clone(),
            memory: m.memory.clone(),
            history: m.history.clone(),
            executions: m.executions.clone(),
        }
    }

    /// Sends every event of every later execution to `listener`, live.
    pub fn add_listener(&self, listener: Arc<dyn TraceListener>) {
        self.shared.listeners.lock().unwrap_or_else(|p| p.into_inner()).push(listener);
    }

    /// Cancels the running execution and every queued one.
    pub fn cancel_all(&self) {
        self.shared.all.cancel();
    }

    /// Queues an execution of `query` and returns at once. Refused right away
    /// if the session's budget is already spent; checked again when its turn
    /// comes. Must be called from inside a tokio runtime.
    pub fn start(&self, query: impl Into<String>) -> Result<ExecutionHandle, SessionError> {
        self.start_with_id(ExecutionId::random(), query)
    }

    /// [`Session::start`] under an id the embedder chose (a server that
    /// stores the execution under its own id before it runs), so that the
    /// history turn names it.
    pub fn start_with_id(
        &self,
        id: ExecutionId,
        query: impl Into<String>,
    ) -> Result<ExecutionHandle, SessionError> {
        self.start_inner(id, query.into(), None, None, None)
    }

    /// [`Session::start_with_id`] made durable (see [`crate::checkpoint`]):
    /// after each completed root step the run's checkpoint goes to
    /// `durable.sink`. With `durable.from`, the execution goes on from that
    /// checkpoint (another process's, which died) at its next step, and its
    /// trace continues `durable.trace` (the events up to the checkpoint, kept
    /// in the recorder and replayed to listeners subscribed from 0; the
    /// root run's span is the same). A checkpoint whose variables cannot be
    /// read, or for another question, is refused before anything runs.
    pub fn start_durable(
        &self,
        id: ExecutionId,
        query: impl Into<String>,
        durable: DurableStart,
    ) -> Result<ExecutionHandle, SessionError> {
        let query = query.into();
        check_durable(&query, &durable)?;
        self.start_inner(id, query, Some(durable), None, None)
    }

    /// [`Session::start_with_id`] (with `durable`: [`Session::start_durable`])
    /// with `listener` subscribed before the run begins, replaying the
    /// recorded events from `from_seq`. Subscribed after the start, a
    /// listener could miss what is only sent live (the streamed tokens of
    /// the first model call); this way it sees every event.
    pub fn start_observed(
        &self,
        id: ExecutionId,
        query: impl Into<String>,
        durable: Option<DurableStart>,
        listener: Arc<dyn TraceListener>,
        from_seq: u64,
    ) -> Result<ExecutionHandle, SessionError> {
        let query = query.into();
        if let Some(d) = &durable {
            check_durable(&query, d)?;
        }
        self.start_inner(id, query, durable, Some((listener, from_seq)), None)
    }

    /// [`Session::start`] with its OpenTelemetry trace under `parent` (a
    /// caller's W3C `traceparent`: an MCP tool call's `_meta`), when runs
    /// are exported; `None`, or export off: as [`Session::start`].
    pub fn start_traced(
        &self,
        query: impl Into<String>,
        parent: Option<rlm_telemetry::TraceParent>,
    ) -> Result<ExecutionHandle, SessionError> {
        self.start_inner(ExecutionId::random(), query.into(), None, None, parent)
    }

    fn start_inner(
        &self,
        id: ExecutionId,
        query: String,
        durable: Option<DurableStart>,
        observer: Option<(Arc<dyn TraceListener>, u64)>,
        trace_parent: Option<rlm_telemetry::TraceParent>,
    ) -> Result<ExecutionHandle, SessionError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
        self.refuse_if_spent()?;
        // The builder's listeners first (they see every run of this `Rlm`),
        // then the session's own.
        let recorder = self.shared.rlm.new_recorder_under(trace_parent);
        let durable = match durable {
            Some(DurableStart { sink, from, trace }) => {
                // A trace to continue only with the checkpoint it led to.
                if from.is_some() && !trace.is_empty() && !recorder.continue_from(trace) {
                    return Err(SessionError::Internal(
                        "the trace to continue is not a whole stream from its start".into(),
                    ));
                }
                Some(Durable { sink, from })
            }
            None => None,
        };
        for l in self.shared.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            recorder.add_listener(Arc::clone(l));
        }
        if let Some((listener, from_seq)) = observer {
            recorder.add_listener_replaying(listener, from_seq);
        }
        let cancel = self.shared.all.child_token();
        let (tx, result) = oneshot::channel();
        let run = Run {
            shared: Arc::clone(&self.shared),
            id: id.clone(),
            query,
            recorder: recorder.clone(),
            cancel: cancel.clone(),
            durable,
            result: tx,
        };
        // The turn's queue is joined here, in the caller's order: a task that
        // first asked for the turn when polled could be overtaken by one
        // started after it, on another worker thread. The session idle
        // (always, for a session restored per execution), the run's thread
        // starts at once, with no task in between.
        let mut waiting = Box::pin(Arc::clone(&self.shared.turn).lock_owned());
        match waiting.as_mut().poll(&mut TaskContext::from_waker(Waker::noop())) {
            Poll::Ready(turn) => run.start(&runtime, turn),
            Poll::Pending => {
                let handle = runtime.clone();
                runtime.spawn(async move {
                    let turn = waiting.await;
                    run.start(&handle, turn);
                });
            }
        }
        Ok(ExecutionHandle { id, recorder, canceller: Canceller(cancel), result })
    }

    /// Starts an execution and waits for it.
    pub async fn execute(&self, query: impl Into<String>) -> Result<Execution, SessionError> {
        self.start(query)?.wait().await
    }

    /// [`Session::execute`] for callers outside any runtime (builds a small
    /// one per call). Do not call it from inside an async runtime.
    pub fn execute_blocking(&self, query: impl Into<String>) -> Result<Execution, SessionError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SessionError::Internal(format!("cannot start a tokio runtime: {e}")))?;
        runtime.block_on(self.execute(query))
    }

    fn refuse_if_spent(&self) -> Result<(), SessionError> {
        match self.lock().usage.exhausted(&self.shared.settings.limits) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.shared.lock()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one execution in its turn (on the run's thread), and folds it
    /// into the session.
    async fn run(
        &self,
        id: ExecutionId,
        query: String,
        recorder: TraceRecorder,
        cancel: CancellationToken,
        durable: Option<Durable>,
    ) -> Result<Execution, SessionError> {
        let (limits, memory, turns) = {
            let m = self.lock();
            if let Some(e) = m.usage.exhausted(&self.settings.limits) {
                return Err(e);
            }
            let base =
                self.settings.execution_limits.clone().unwrap_or_else(|| self.rlm.budget_limits());
            let recent = m.history.len().saturating_sub(self.settings.history_turns);
            (
                m.usage.remaining_within(&self.settings.limits, base),
                m.memory.clone(),
                m.history[recent..].to_vec(),
            )
        };
        let budget = self.rlm.run_budget(limits).map_err(crate::RlmError::from)?;
        let started_at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let started = Instant::now();
        let spec = RunSpec {
            query: query.clone(),
            context: self.context.clone(),
            recorder,
            budget,
            memory: Some(memory),
            turns,
            cancel: Some(cancel),
            stream_root: self.settings.stream_root,
            keep_events: true,
            durable,
        };
        let (result, memory) = self.rlm.run_spec(spec).await;
        let execution = Execution {
            id: id.clone(),
            query: query.clone(),
            answer: result.answer,
            finish: result.finish,
            mode: result.mode,
            steps: result.steps,
            usage: result.usage,
            started_at_ms,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            events: result.events,
        };
        let mut m = self.lock();
        m.usage.add(&execution.usage, execution.finish == Finish::Cancelled);
        if let Some(memory) = memory {
            m.memory = memory;
        }
        m.history.push(Turn { execution_id: id, query, answer: execution.answer.clone() });
        m.executions.push(execution.clone());
        let excess = m.executions.len().saturating_sub(self.settings.keep_executions);
        m.executions.drain(..excess);
        Ok(execution)
    }
}

/// An execution whose turn has come or will come: everything its thread takes.
struct Run {
    shared: Arc<Shared>,
    id: ExecutionId,
    query: String,
    recorder: TraceRecorder,
    cancel: CancellationToken,
    durable: Option<Durable>,
    result: oneshot::Sender<Result<Execution, SessionError>>,
}

impl Run {
    /// Runs the execution in `turn` on a thread of its own from the blocking
    /// pool, driven with `runtime`'s handle (the loop's interpreter values
    /// are single-threaded, and a program computing for seconds within its
    /// fuel must hold up no other execution), and sends its record from
    /// there. A thread that panics drops the sender: the handle's `wait`
    /// then says the execution ended without a result.
    fn start(self, runtime: &tokio::runtime::Handle, turn: tokio::sync::OwnedMutexGuard<()>) {
        let handle = runtime.clone();
        runtime.spawn_blocking(move || {
            let Run { shared, id, query, recorder, cancel, durable, result } = self;
            let ended = handle.block_on(shared.run(id, query, recorder, cancel, durable));
            // The next execution's turn before its record: that one may
            // start at once when this one's waiter sees the record.
            drop(turn);
            // This thread's share of the session (and so of the engine and
            // its adapters) before the record: a waiter that drops the
            // session on seeing the record then drops the last share itself.
            // Dropped here after the record, a Python adapter's last
            // reference went from a thread without the GIL into pyo3's
            // deferred pool, and stayed alive until the next call into the
            // bindings (issue #56: test_leaks failed one run in three).
            drop(shared);
            // The handle may have been dropped: the record is in the session anyway.
            let _ = result.send(ended);
        });
    }
}

/// A durable start's checkpoint, refused before anything runs when it is
/// another question's or its variables cannot be read.
fn check_durable(query: &str, durable: &DurableStart) -> Result<(), SessionError> {
    if let Some(cp) = &durable.from {
        if cp.query != query {
            return Err(RlmError::Checkpoint(CheckpointError::Corrupt(
                "the checkpoint is another question's".into(),
            ))
            .into());
        }
        rlm_interp::restore_snapshot(&cp.globals, &rlm_interp::SnapshotLimits::default())
            .map_err(|e| RlmError::Checkpoint(e.into()))?;
    }
    Ok(())
}
