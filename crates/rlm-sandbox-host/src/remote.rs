//! The process sandbox, parent side: a run's session lives in a worker of an
//! `rlm_sandbox::WorkerPool`; this end sends it cells and queries, and
//! serves every host call the cell makes (sub-model calls, sub-RLMs, tools,
//! retrieval) here, with the run's own server, as the in-process
//! sandbox would. Context queries run in the worker, over the context it
//! was handed read-only: a sealed memfd holding the text, written once per
//! context (a process-wide cache of [`SHARED_CONTEXTS`]), mapped by the
//! worker, never copied per execution.
//!
//! A worker that dies, or breaks the protocol, ends its run with
//! [`RunEnd::SandboxFailed`] (how it ended, by signal name); the pool
//! replaces it. A cancelled run's worker is killed at once (so a long
//! builtin cannot hold the cancellation up), and replaced.

use std::io::Write as _;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::LocalBoxFuture;
use rlm_context::Context;
use rlm_interp::{HostCall, Interpreter, Value};
use rlm_sandbox::{ChannelError, PoolConfig, SandboxError, Worker, WorkerPool};

use crate::error::SandboxHostError;
use rustix::fs::{MemfdFlags, SealFlags};

use crate::cell::CallServer;
use crate::wire::{OpenSession, ProbeReport, Reply, Request, WireCall, WireHostError, to_wire};
use crate::{CellRun, Interrupt, ProgramSandbox, RunEnd, SessionRecipe};
use rlm_functions::MemoryMap;

/// Contexts kept shared with workers (each a memfd as large as its text).
const SHARED_CONTEXTS: usize = 4;

/// A context up to this size maps into a pooled worker's address space;
/// a larger one gets a worker of its own with room for it.
const CONTEXT_ALLOWANCE_BYTES: u64 = 256 << 20;

/// Address space a worker needs besides its memory budget and context: the
/// binary, the allocator's reservations, stacks, the interpreter's slack
/// over its count.
const PROCESS_SLACK_BYTES: u64 = 1 << 30;

/// How often a waiting run checks whether it was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// How long past the deadline it was given a worker may take to end its
/// cell with the wall-time error before it is ended (a builtin that charges
/// its fuel ahead of its work answers its interrupt check within ~1 ms).
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// How long a worker may take to answer a query (not a cell) or to close.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Worker processes for programs, and the contexts shared with them.
pub struct ProcessHost {
    pool: Arc<WorkerPool>,
    shared: Mutex<Vec<SharedContext>>,
    next_context_id: AtomicU64,
}

/// A context's text in a sealed memfd; holding the context keeps its text
/// (and so its address, the cache's key) alive.
struct SharedContext {
    context: Context,
    id: u64,
    file: Arc<OwnedFd>,
}

impl ProcessHost {
    pub fn new(pool: Arc<WorkerPool>) -> ProcessHost {
        ProcessHost { pool, shared: Mutex::new(Vec::new()), next_context_id: AtomicU64::new(1) }
    }

    /// A pool of `program args...` whose workers have room for `limits`'
    /// memory budget, the pooled context allowance and the process itself
    /// ([`PROCESS_SLACK_BYTES`]).
    pub fn pool_config(
        program: impl Into<std::path::PathBuf>,
        args: &[&str],
        limits: &rlm_interp::Limits,
    ) -> PoolConfig {
        let mut config = PoolConfig::new(program, args);
        config.limits.address_space_bytes =
            Some(limits.memory_bytes as u64 + CONTEXT_ALLOWANCE_BYTES + PROCESS_SLACK_BYTES);
        config
    }

    pub fn pool(&self) -> &Arc<WorkerPool> {
        &self.pool
    }

    /// A run's sandbox in a worker; a failure to start it is reported by the
    /// sandbox's first cell.
    pub(crate) fn open(&self, recipe: SessionRecipe) -> RemoteSandbox {
        let (worker, failed) = match self.start(&recipe) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(e.to_string())),
        };
        RemoteSandbox {
            pool: Arc::clone(&self.pool),
            worker,
            failed,
            shadow: Interpreter::new(rlm_interp::Limits::default()),
        }
    }

    fn start(&self, recipe: &SessionRecipe) -> Result<Worker, SandboxHostError> {
        let (context_id, file) = self.share(&recipe.context).map_err(|e| {
            SandboxHostError::Protocol(format!("cannot share the context with the worker: {e}"))
        })?;
        let bytes = recipe.context.len_bytes() as u64;
        let mut worker = if bytes > CONTEXT_ALLOWANCE_BYTES {
            self.pool.acquire_dedicated(bytes)?
        } else {
            self.pool.acquire()?
        };
        let context = &recipe.context;
        let documents =
            context.documents().iter().map(|d| (d.name.clone(), d.bytes.len())).collect();
        let (functions, tools) = recipe.functions.worker_manifest();
        let open = OpenSession {
            context_id,
            documents,
            separator: context.separator().to_string(),
            limits: recipe.limits.clone(),
            functions,
            tools,
            query: recipe.query.clone(),
        };
        // A description of its own, read-only and at offset 0: workers
        // reading at once never move each other's position.
        let own =
            std::fs::File::open(format!("/proc/self/fd/{}", file.as_raw_fd())).map_err(|e| {
                SandboxHostError::Protocol(format!("cannot reopen the shared context: {e}"))
            })?;
        match exchange(&mut worker, &Request::Open(Box::new(open)), Some(own.as_fd())) {
            Ok(Reply::Opened) => Ok(worker),
            Ok(Reply::Failed(why)) => {
                self.pool.release(worker);
                Err(SandboxHostError::Protocol(format!(
                    "the worker could not open the session: {why}"
                )))
            }
            Ok(_) => Err(SandboxHostError::Protocol("an unexpected reply to Open".into())),
            Err(e) => Err(e),
        }
    }

    /// The memfd holding `context`'s text, made on first use.
    fn share(&self, context: &Context) -> std::io::Result<(u64, Arc<OwnedFd>)> {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = shared.iter().position(|s| same_text(&s.context, context)) {
            let entry = shared.remove(i);
            let found = (entry.id, Arc::clone(&entry.file));
            shared.push(entry);
            return Ok(found);
        }
        let fd = rustix::fs::memfd_create(
            "rlm-context",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        let mut file = std::fs::File::from(fd);
        file.write_all(context.as_str().as_bytes())?;
        rustix::fs::fcntl_add_seals(
            &file,
            SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
        )?;
        let id = self.next_context_id.fetch_add(1, Ordering::Relaxed);
        let file = Arc::new(OwnedFd::from(file));
        shared.push(SharedContext { context: context.clone(), id, file: Arc::clone(&file) });
        if shared.len() > SHARED_CONTEXTS {
            shared.remove(0);
        }
        Ok((id, file))
    }

    /// Diagnostics: what a fresh worker of the pool may do (see [`ProbeReport`]).
    pub fn probe(&self) -> Result<(u32, ProbeReport), SandboxHostError> {
        let mut worker = self.pool.acquire()?;
        let pid = worker.pid();
        let reply = exchange(&mut worker, &Request::Probe, None)?;
        self.pool.release(worker);
        match reply {
            Reply::Probe(report) => Ok((pid, report)),
            _ => Err(SandboxHostError::Protocol("an unexpected reply to Probe".into())),
        }
    }
}

/// The same text buffer and layout (a clone of the same context, or a
/// context over the same mapping).
fn same_text(a: &Context, b: &Context) -> bool {
    let (x, y) = (a.as_str(), b.as_str());
    std::ptr::eq(x.as_ptr(), y.as_ptr())
        && x.len() == y.len()
        && a.separator() == b.separator()
        && a.documents().len() == b.documents().len()
        && a.documents()
            .iter()
            .zip(b.documents())
            .all(|(p, q)| p.bytes == q.bytes && p.name == q.name)
}

/// Sends `request` and reads its one reply, within [`QUERY_TIMEOUT`].
fn exchange(
    worker: &mut Worker,
    request: &Request,
    fd: Option<BorrowedFd<'_>>,
) -> Result<Reply, SandboxHostError> {
    let sent = worker.channel().send(request, fd);
    if let Err(e) = sent {
        return Err(lost(worker, e));
    }
    match worker.channel().readable(QUERY_TIMEOUT) {
        Ok(true) => {}
        Ok(false) => {
            worker.kill();
            return Err(SandboxHostError::Protocol("the worker did not answer in time".into()));
        }
        Err(e) => return Err(lost(worker, e)),
    }
    worker.channel().recv::<Reply>().map(|(r, _)| r).map_err(|e| lost(worker, e))
}

/// The channel failed: a closed one means the worker died (say how).
fn lost(worker: &mut Worker, e: ChannelError) -> SandboxHostError {
    match e {
        ChannelError::Closed => worker.died().into(),
        other => {
            worker.kill();
            SandboxError::from(other).into()
        }
    }
}

/// A run's session in a worker process (see the module docs).
pub(crate) struct RemoteSandbox {
    pool: Arc<WorkerPool>,
    worker: Option<Worker>,
    /// Why the sandbox cannot serve any more.
    failed: Option<String>,
    /// The [`CallServer`] signature takes a session; the run's server uses
    /// none of it (the real session is in the worker).
    shadow: Interpreter,
}

impl RemoteSandbox {
    /// The worker broke: no more cells; the worker is ended and replaced.
    fn fail(&mut self, e: SandboxHostError) -> String {
        let reason = e.to_string();
        if let Some(mut w) = self.worker.take() {
            w.mark_broken();
            self.pool.release(w);
        }
        self.failed = Some(reason.clone());
        reason
    }

    /// One query and its reply; `None` once the sandbox failed.
    fn query(&mut self, request: &Request) -> Option<Reply> {
        let worker = self.worker.as_mut()?;
        match exchange(worker, request, None) {
            Ok(reply) => Some(reply),
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    fn text(&mut self, request: &Request) -> Option<String> {
        match self.query(request)? {
            Reply::Text(t) => t,
            _ => {
                self.fail(SandboxHostError::Protocol("an unexpected reply to a query".into()));
                None
            }
        }
    }

    async fn run_remote(
        &mut self,
        code: &str,
        echo: bool,
        counted: bool,
        server: &mut dyn CallServer,
        stop: &Interrupt,
    ) -> CellRun {
        let cancelled = &*stop.cancelled;
        let failed = |reason: String| CellRun {
            stdout: String::new(),
            end: RunEnd::SandboxFailed(reason),
            fuel_used: 0,
            memory_bytes: 0,
            restored: Vec::new(),
            rolled_back: None,
        };
        if let Some(reason) = &self.failed {
            return failed(reason.clone());
        }
        let Some(worker) = self.worker.as_mut() else {
            return failed("no sandbox worker".into());
        };
        let deadline_ms = stop.deadline.map(|d| {
            u64::try_from(d.saturating_duration_since(Instant::now()).as_millis())
                .unwrap_or(u64::MAX)
        });
        let run = Request::Run { code: code.to_string(), echo, counted, deadline_ms };
        if let Err(e) = worker.channel().send(&run, None) {
            let e = lost(worker, e);
            return failed(self.fail(e));
        }
        loop {
            let Some(worker) = self.worker.as_mut() else {
                return failed("no sandbox worker".into());
            };
            match worker.channel().readable(CANCEL_POLL) {
                Ok(true) => {}
                Ok(false) => {
                    // Cancelled, or the worker went on past the deadline it
                    // was given (it ends its cell itself at the deadline).
                    let overdue =
                        stop.deadline.is_some_and(|d| Instant::now() >= d + DEADLINE_GRACE);
                    if cancelled() || overdue {
                        // The cell may be deep in a builtin: end the process.
                        worker.kill();
                        if let Some(w) = self.worker.take() {
                            self.pool.release(w);
                        }
                        if overdue && !cancelled() {
                            let reason = "the sandbox worker did not stop at the run's time limit";
                            return failed(self.fail(SandboxHostError::Protocol(reason.into())));
                        }
                        self.failed = Some("the execution was cancelled".into());
                        return CellRun { end: RunEnd::Cancelled, ..failed(String::new()) };
                    }
                    continue;
                }
                Err(e) => {
                    let e = lost(worker, e);
                    return failed(self.fail(e));
                }
            }
            let reply = match worker.channel().recv::<Reply>() {
                Ok((reply, _)) => reply,
                Err(e) => {
                    let e = lost(worker, e);
                    return failed(self.fail(e));
                }
            };
            let calls = match reply {
                Reply::Ran(run) => return run.into(),
                Reply::Suspended(calls) => calls,
                _ => {
                    let e = SandboxHostError::Protocol("an unexpected reply to Run".into());
                    return failed(self.fail(e));
                }
            };
            let calls: Result<Vec<HostCall>, String> =
                calls.into_iter().map(WireCall::into_call).collect();
            let calls = match calls {
                Ok(c) => c,
                Err(why) => {
                    let e = SandboxHostError::Protocol(format!("a malformed host call: {why}"));
                    return failed(self.fail(e));
                }
            };
            let answers = server.serve(&mut self.shadow, calls).await;
            let next = if server.cancelled() {
                Request::Abandon
            } else {
                Request::Answers(
                    answers
                        .into_iter()
                        .map(|(id, r)| {
                            let r = match r {
                                Ok(v) => to_wire(&v).map_err(|why| WireHostError {
                                    kind: "TypeError".into(),
                                    message: format!(
                                        "the host's reply cannot enter the sandbox: {why}"
                                    ),
                                }),
                                Err(e) => Err(WireHostError::from(&e)),
                            };
                            (id, r)
                        })
                        .collect(),
                )
            };
            let Some(worker) = self.worker.as_mut() else {
                return failed("no sandbox worker".into());
            };
            if let Err(e) = worker.channel().send(&next, None) {
                let e = lost(worker, e);
                return failed(self.fail(e));
            }
        }
    }
}

impl ProgramSandbox for RemoteSandbox {
    fn run<'a>(
        &'a mut self,
        code: &'a str,
        echo: bool,
        counted: bool,
        server: &'a mut dyn CallServer,
        stop: Interrupt,
    ) -> LocalBoxFuture<'a, CellRun> {
        Box::pin(async move { self.run_remote(code, echo, counted, server, &stop).await })
    }

    fn set_global(&mut self, name: &str, v: Value) {
        let Ok(value) = to_wire(&v) else { return };
        let request = Request::SetGlobal { name: name.to_string(), value };
        if !matches!(self.query(&request), Some(Reply::Done) | None) {
            self.fail(SandboxHostError::Protocol("an unexpected reply to SetGlobal".into()));
        }
    }

    fn display_global(&mut self, name: &str) -> Option<String> {
        self.text(&Request::DisplayGlobal(name.to_string()))
    }

    fn answer_ready(&mut self) -> Option<String> {
        self.text(&Request::AnswerReady)
    }

    fn partial_answer(&mut self, auto_var: Option<&str>) -> Option<String> {
        self.text(&Request::PartialAnswer(auto_var.map(str::to_string)))
    }

    fn auto_final(&mut self, name: &str) -> Option<String> {
        self.text(&Request::AutoFinal(name.to_string()))
    }

    fn memory(&mut self) -> (MemoryMap, Vec<String>) {
        match self.query(&Request::Memory) {
            Some(Reply::Memory { map, dropped }) => (map, dropped),
            _ => (MemoryMap::new(), Vec::new()),
        }
    }
}

impl Drop for RemoteSandbox {
    /// Closes the session; a worker that closes cleanly goes back to the pool.
    fn drop(&mut self) {
        let Some(mut worker) = self.worker.take() else { return };
        if !matches!(exchange(&mut worker, &Request::Close, None), Ok(Reply::Closed)) {
            worker.mark_broken();
        }
        self.pool.release(worker);
    }
}
