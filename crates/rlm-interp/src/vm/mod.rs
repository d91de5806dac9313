//! The virtual machine: an explicit frame stack run by a loop (no Rust
//! recursion per Python call), tasks for coroutines and `asyncio.gather`,
//! suspension at host calls, fuel and memory accounting.
//!
//! The `Vm`'s state is split by job, each part a struct of its own file:
//! `frames.rs` the running task's frames, `globals.rs` the program's names,
//! `event_loop.rs` the scheduler (its clock in `clock.rs`), `host_calls.rs`
//! the host calls out, `accounting.rs` the output and where a limit stopped
//! the program, `module_state.rs` the modules' session state; the meter
//! (`crate::meter`) charges fuel and memory.
//!
//! `exec.rs` is the dispatch loop, `call.rs` calls, `tasks.rs` scheduling
//! and host-call suspension, `value/stack.rs` the operand stack, `method_fast.rs`
//! and `builtin_fast.rs` the hottest built-in method and function calls; the
//! generic operations every instruction reaches are `compare.rs`,
//! `binary.rs`, `subscript.rs`, `iter.rs` and `attr.rs`, which dispatch to
//! the value types (`types/`).

/// The top frame, or an internal error (never expected) if there is none.
macro_rules! top {
    ($s:expr) => {
        match $s.frames.stack.last_mut() {
            Some(f) => f,
            None => return Err($crate::vm::internal("no frame")),
        }
    };
}

mod accounting;
mod async_with;
mod attr;
mod binary;
mod builtin_call;
mod builtin_fast;
mod call;
mod callbacks;
mod clock;
mod compare;
mod event_loop;
mod exec;
mod frames;
mod fused;
mod futures;
mod generator;
mod globals;
mod host_calls;
mod iter;
mod iter_next;
mod loop_ops;
mod method_fast;
mod methods;
mod module_state;
mod plain;
mod rollback;
mod subscript;
mod taskgroup;
mod tasks;
mod timeout;

use std::rc::Rc;

use crate::host::HostCall;
use crate::limits::Limits;
use crate::meter::Meter;
use crate::value::frame::Frame;
use crate::value::*;

use crate::fault::{Fault, PendingCall, R};
use accounting::Output;
use event_loop::EventLoop;
use frames::Frames;
use globals::Globals;
use host_calls::HostCalls;
use module_state::ModuleState;

/// The host calls a task waits for: their answers by slot, how many are
/// still out, and whether the task gets the one answer itself or a list.
struct Wait {
    slots: Vec<Option<Value>>,
    remaining: usize,
    single: bool,
}

/// A task's coroutine as the loop holds it: its frames (none before its
/// first step), its `asyncio.Task` value, and what it waits for besides a
/// future (host calls), or what its await does once woken (`Cont`).
struct Task {
    frames: Vec<Frame>,
    /// Its `asyncio.Task` (a `modules::asyncio::future::Future`).
    fut: Value,
    /// Tells this slot's task from an earlier one in the same slot.
    era: u64,
    /// Whether its coroutine ran a step (a cancel before then never runs it).
    started: bool,
    host: Option<Wait>,
    cont: Option<loop_ops::Cont>,
    /// What a task the program made was charged (`Vm::new_charged_task`),
    /// credited when it ends; `None` for the cell's main task.
    charge: Option<crate::value::frame::FrameCharge>,
}

/// A callback in the loop's ready queue (CPython's `Handle`s).
enum Handle {
    /// `Task.__step`: the task runs on, sent a value or thrown an exception
    /// (`None`: a new task's first step).
    Step { task: usize, era: u64, send: Option<Result<Value, Rc<Exception>>> },
    /// `Task.__wakeup`: the future the task awaited is done.
    Wakeup { task: usize, era: u64, fut: Value },
    /// A future's done callback, with the future.
    Callback(modules::asyncio::future::DoneCb, Value),
    /// `futures._set_result_unless_cancelled` (a sleep's end).
    SetResult(Value, Value),
}

use crate::modules;

enum ExecEnd {
    Returned(Value),
    /// A generator expression's frame (the run's base frame) yielded this.
    Yielded(Value),
    Suspend(Vec<PendingCall>, bool),
    /// The task awaits this pending future.
    Block(Value),
    /// A bare yield to the loop (`sleep(0)`): the task runs again next
    /// round, sent this value.
    Yield(Value),
}

/// What a run (or resume) ended with.
#[derive(Debug)]
pub enum RunState {
    /// The cell ran to the end.
    Done,
    /// `FINAL(...)`/`FINAL_VAR(...)` was called: the run ends with this answer.
    Final(Value),
    /// Waiting for the embedder to perform these host calls.
    Suspended(Vec<HostCall>),
    /// An uncaught exception ended the cell (the session stays usable).
    Error(crate::error_info::RuntimeErrorInfo),
}

pub struct Vm {
    /// Whether this VM ever ran a cell: only then does dropping it look for
    /// cycles among the registered containers.
    ran_code: bool,
    /// Its limits and what the program spent of them: fuel, memory, caps.
    pub(crate) meter: Meter,
    /// The program's names: global slots and what an unassigned name
    /// resolves to (`globals.rs`).
    pub(crate) globals: Globals,
    /// The running task's frames and the returned ones kept (`frames.rs`).
    frames: Frames,
    /// The event loop: tasks, ready queue, clock (`event_loop.rs`).
    event_loop: EventLoop,
    /// The host calls out and their answers (`host_calls.rs`).
    pub(crate) host_calls: HostCalls,
    /// What the cell printed and where a limit stopped it (`accounting.rs`).
    pub(crate) output: Output,
    /// The modules imported and their session state (`module_state.rs`).
    pub(crate) modules: ModuleState,
}

pub(crate) fn internal(what: &str) -> Fault {
    Fault::Exc(Exception::new(ExcKind::RuntimeError, format!("internal interpreter error: {what}")))
}

impl Vm {
    /// A VM charging `session`'s account (a session's own, see `Interpreter::new`).
    pub(crate) fn with_session(limits: Limits, session: crate::gc::SessionRef) -> Vm {
        Vm {
            ran_code: false,
            meter: Meter::new(limits, session),
            globals: Globals::default(),
            frames: Frames::default(),
            event_loop: EventLoop::default(),
            host_calls: HostCalls::default(),
            output: Output::default(),
            modules: ModuleState::default(),
        }
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Release everything the session holds first (without recursion), so
        // that the collector's bookkeeping covers only what survives: values
        // the embedder still holds and unreachable cycles.
        let mut roots: Vec<Value> = self.globals.values.drain(..).flatten().collect();
        roots.extend(self.globals.host_values.drain().map(|(_, v)| v));
        roots.extend(self.modules.sort_cmp.take());
        let mut cells = Vec::new();
        let frames: Vec<Frame> = self
            .frames
            .stack
            .take_all()
            .into_iter()
            .chain(
                self.event_loop
                    .tasks
                    .drain(..)
                    .flatten()
                    .flat_map(|mut t| std::mem::take(&mut t.frames)),
            )
            .collect();
        for f in frames {
            roots.extend(f.stack.into_values());
            roots.extend(f.locals.into_iter().flatten());
            cells.extend(f.cells);
        }
        if !self.ran_code {
            let _ = crate::gc::collect(roots, cells, None, usize::MAX);
            return;
        }
        defer_drop(roots);
        drop(cells);
        let _ = crate::gc::collect_garbage(&self.meter.session);
    }
}

impl Vm {
    /// Whether the call being made sits where an awaitable is wanted: the
    /// compiler marks such a call with `Instr::Defer` right before it (the
    /// frame's `pc` is already past the call).
    pub(crate) fn call_is_deferred(&self) -> bool {
        self.frames.stack.last().is_some_and(|f| {
            f.pc >= 2 && matches!(f.code.ops.get(f.pc - 2), Some(crate::compile::Instr::Defer))
        })
    }
}

pub(crate) enum Called {
    Value(Value),
    Frame(Frame),
}

#[inline]
fn pop(frame: &mut Frame) -> R<Value> {
    frame.stack.pop().ok_or_else(|| internal("stack underflow"))
}

fn popn(frame: &mut Frame, n: usize) -> R<Vec<Value>> {
    let len = frame.stack.len();
    if len < n {
        return Err(internal("stack underflow"));
    }
    Ok(frame.stack.split_off(len - n))
}
