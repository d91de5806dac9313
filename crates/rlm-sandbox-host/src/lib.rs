//! The sandbox-host seam (DESIGN.md, "Seams with two implementations
//! each"): where a run's interpreter session lives. [`SandboxHost`] is the
//! choice an embedder makes; [`ProgramSandbox`] is what the loop asks of
//! either implementation:
//! * `local.rs`: in this process (the default);
//! * `remote.rs`: in a worker process of an `rlm_sandbox::WorkerPool`,
//!   every host call proxied back to this process over the worker's socket;
//!   `worker.rs` is the worker's side, `wire.rs` the messages.
//!
//! A worker that dies fails only its own execution: the cell ends with
//! [`RunEnd::SandboxFailed`] naming how the worker ended (the signal; the
//! loop's `Finish::SandboxFailed`), and the pool starts another.
//!
//! `cell.rs` drives any interpreter cell through its host calls
//! ([`cell::run_cell`]), in process or in a worker.

pub mod cell;
mod error;
mod local;
mod remote;
mod wire;
mod worker;

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use futures::future::LocalBoxFuture;
use rlm_interp::{
    ErrorKind, GlobalsSnapshot, HostStop, InterruptCheck, LimitKind, LimitStop, SnapshotError,
    SnapshotLimits, Value,
};
use serde::{Deserialize, Serialize};

use crate::cell::CallServer;
use rlm_functions::MemoryMap;

pub use error::SandboxHostError;
pub use local::{LocalSandbox, SessionRecipe};
pub use remote::ProcessHost;
pub use rlm_sandbox::{Confinement, OsLimits, PoolConfig, SandboxError, WorkerPool};
pub use wire::ProbeReport;
pub use worker::serve_worker;

/// Where programs' interpreter sessions run.
#[derive(Clone, Default)]
pub enum SandboxHost {
    /// In the process that runs the loop (the interpreter's own limits only).
    #[default]
    InProcess,
    /// In worker processes with OS limits (defence in depth).
    Process(Arc<ProcessHost>),
}

impl SandboxHost {
    /// Worker processes from `pool`.
    pub fn process(pool: Arc<WorkerPool>) -> SandboxHost {
        SandboxHost::Process(Arc::new(ProcessHost::new(pool)))
    }

    /// `"none"` or `"process"`, as the `--isolate` flag names it.
    pub fn name(&self) -> &'static str {
        match self {
            SandboxHost::InProcess => "none",
            SandboxHost::Process(_) => "process",
        }
    }

    /// A run's sandbox over `recipe`.
    pub fn open(&self, recipe: SessionRecipe) -> Box<dyn ProgramSandbox> {
        match self {
            SandboxHost::InProcess => Box::new(LocalSandbox::new(recipe)),
            SandboxHost::Process(host) => Box::new(host.open(recipe)),
        }
    }
}

impl std::fmt::Debug for SandboxHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// When a running cell must stop.
#[derive(Clone)]
pub struct Interrupt {
    /// Fuel between two checks of a cell running in process.
    pub every_fuel: u64,
    /// The execution was cancelled: `KeyboardInterrupt` in the program
    /// (what it changed stands); a worker's cell ends with its worker.
    pub cancelled: Rc<dyn Fn() -> bool>,
    /// The run's time budget ends then: the wall-time limit error, the cell
    /// rolled back like any limit's (in a worker too: it gets the time left).
    pub deadline: Option<Instant>,
}

impl Interrupt {
    /// No cancellation, no deadline.
    pub fn never() -> Interrupt {
        Interrupt { every_fuel: u64::MAX, cancelled: Rc::new(|| false), deadline: None }
    }

    /// The interpreter's interrupt check for it.
    pub fn check(&self) -> (u64, InterruptCheck) {
        let cancelled = Rc::clone(&self.cancelled);
        let deadline = self.deadline;
        let check = move || {
            if cancelled() {
                Some(HostStop::Cancel)
            } else if deadline.is_some_and(|d| Instant::now() >= d) {
                Some(HostStop::Deadline)
            } else {
                None
            }
        };
        (self.every_fuel, Rc::new(check))
    }
}

/// A limit stopped a cell, and the session was rolled back to its state
/// before the cell: which limit, where, and what the program had used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolledBack {
    pub kind: LimitKind,
    /// The limit error's message.
    pub message: String,
    /// The line the program was on.
    pub line: Option<u32>,
    pub stop: LimitStop,
}

/// What running one cell produced, wherever it ran.
#[derive(Debug)]
pub struct CellRun {
    /// What it printed, then the echo of its last expression.
    pub stdout: String,
    pub end: RunEnd,
    pub fuel_used: u64,
    /// The session's live memory after the cell.
    pub memory_bytes: u64,
    /// `context`/`P` were assigned and put back.
    pub restored: Vec<String>,
    /// A limit stopped the cell: the session is as it was before it.
    pub rolled_back: Option<RolledBack>,
}

/// How a cell ended.
#[derive(Debug)]
pub enum RunEnd {
    Done,
    /// `FINAL(x)`: `str(x)`.
    Final(String),
    /// Rendered for the model.
    Error {
        rendered: String,
        kind: ErrorKind,
    },
    Cancelled,
    /// The sandbox itself failed (a worker died): the run cannot go on.
    SandboxFailed(String),
}

/// One run's interpreter session, wherever it lives.
pub trait ProgramSandbox {
    /// Runs `code` as the next cell (see [`LocalSandbox::run_with`]);
    /// `stop` (asked every so much fuel in process, every few milliseconds
    /// of a worker's work) says whether the run must stop: cancelled, or
    /// out of wall time.
    fn run<'a>(
        &'a mut self,
        code: &'a str,
        echo: bool,
        counted: bool,
        server: &'a mut dyn CallServer,
        stop: Interrupt,
    ) -> LocalBoxFuture<'a, CellRun>;

    fn set_global(&mut self, name: &str, v: Value);

    /// `str()` of the global `name`, if it is set.
    fn display_global(&mut self, name: &str) -> Option<String>;

    /// `answer["content"]` when `answer["ready"]` is true.
    fn answer_ready(&mut self) -> Option<String>;

    /// `answer["content"]`, else the auto-finalize variable.
    fn partial_answer(&mut self, auto_var: Option<&str>) -> Option<String>;

    /// The auto-finalize variable's value, if set (not None).
    fn auto_final(&mut self, name: &str) -> Option<String>;

    /// `memory` as JSON, and the entries that have no JSON form.
    fn memory(&mut self) -> (MemoryMap, Vec<String>);

    /// The program's variables as data (a durable run's checkpoint), the
    /// names the sandbox binds itself ([`BOUND_GLOBALS`]) left out; `None`
    /// when this sandbox cannot read them (a durable run then replays its
    /// programs on resume).
    fn snapshot_globals(&mut self, _limits: &SnapshotLimits) -> Option<GlobalsSnapshot> {
        None
    }

    /// Binds saved variables (made by a `snapshot_globals`); corrupt data
    /// is an error and binds nothing. Returns how many were bound.
    fn restore_globals(
        &mut self,
        snap: &GlobalsSnapshot,
        limits: &SnapshotLimits,
    ) -> Result<usize, SnapshotError> {
        let values = rlm_interp::restore_snapshot(snap, limits)?;
        let n = values.len();
        for (name, v) in values {
            self.set_global(&name, v);
        }
        Ok(n)
    }
}

/// The globals a sandbox binds itself (from its recipe): never saved.
pub const BOUND_GLOBALS: &[&str] = &["context", "P", "query"];
