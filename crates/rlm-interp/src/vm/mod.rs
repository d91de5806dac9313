//! The virtual machine: an explicit frame stack run by a loop (no Rust
//! recursion per Python call), tasks for coroutines and `asyncio.gather`,
//! suspension at host calls, fuel and memory accounting.
//!
//! `exec.rs` is the dispatch loop, `call.rs` calls and frames, `tasks.rs`
//! scheduling and host-call suspension, `accounting.rs` the output cap and host answers' memory (the meter,
//! `crate::meter`, charges fuel and memory),
//! `globals.rs` global slots, `stack.rs` the operand stack, `method_fast.rs` and `builtin_fast.rs` the
//! hottest built-in method and function calls; the generic operations every instruction
//! reaches are `compare.rs`, `binary.rs`, `subscript.rs`, `iter.rs` and
//! `attr.rs`, which dispatch to the value types (`types/`).

/// The top frame, or an internal error (never expected) if there is none.
macro_rules! top {
    ($s:expr) => {
        match $s.frames.last_mut() {
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
mod exec;
mod fused;
mod futures;
mod generator;
mod globals;
mod iter;
mod iter_next;
mod loop_ops;
mod method_fast;
mod methods;
mod plain;
mod rollback;
mod subscript;
mod taskgroup;
mod tasks;
mod timeout;

use std::collections::HashMap;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::GlobalNames;
use crate::host::{HostCall, HostFunc};
use crate::limits::{LimitError, Limits};
use crate::meter::Meter;
use crate::value::frame::Frame;
use crate::value::stack::OperandStack;
use crate::value::*;

use crate::fault::{Fault, PendingCall, R};

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
    pub(crate) gnames: GlobalNames,
    pub(crate) globals: Vec<Option<Value>>,
    builtin_cache: Vec<Option<Value>>,
    /// Looked up by name on every global miss; foldhash (not SipHash) because
    /// `Interpreter::new` registers eight of them and start-up is measured in µs.
    pub(crate) host_funcs: HashMap<SmolStr, HostFunc, HashState>,
    pub(crate) host_values: HashMap<SmolStr, Value, HashState>,
    frames: Vec<Frame>,
    /// The loop's tasks by slot (`None`: a free slot, reused), the free
    /// slots, and the next generation number.
    tasks: Vec<Option<Task>>,
    free_slots: Vec<usize>,
    next_era: u64,
    /// The loop's ready queue (`tasks.rs`).
    ready: std::collections::VecDeque<Handle>,
    /// How many tasks this session named (`Task-N`).
    tasks_named: u64,
    /// Where the loop is in `asyncio.run` (`tasks.rs`).
    loop_phase: tasks::LoopPhase,
    /// The event loop's virtual time in seconds and its timers (`clock.rs`).
    clock: f64,
    timers: std::collections::BinaryHeap<std::cmp::Reverse<clock::Timer>>,
    next_timer: u64,
    /// The slot of the task running now.
    current_task: usize,
    /// A host call's id: the task's slot and generation, and the slot of its answer.
    pending: HashMap<u64, (usize, u64, usize)>,
    pending_calls_info: HashMap<u64, HostCall>,
    answered: HashMap<u64, Result<Value, crate::host::HostError>>,
    next_call_id: u64,
    /// Host calls with an id below this have paid their fuel
    /// ([`Vm::charge_host_calls`]).
    host_calls_paid: u64,
    pub(crate) output: String,
    pub(crate) output_total: usize,
    /// A limit reached outside the program's own steps (a host call's
    /// answer or the host's bytes past the memory budget): reported, and
    /// the cell rolled back, when the program resumes.
    pub(crate) pending_limit: Option<LimitError>,
    /// Where the program was when the last limit stopped it (function,
    /// line), outermost first, and the bytes live then.
    pub(crate) stop_traceback: Vec<(String, u32)>,
    pub(crate) stop_memory: usize,
    callback_depth: usize,
    /// The modules this session imported.
    pub(crate) modules: crate::modules::ModuleRegistry,
    pub(crate) source_name: SmolStr,
    /// The comparison function of a `functools.cmp_to_key` sort in progress.
    pub(crate) sort_cmp: Option<Value>,
    /// Emptied operand stacks and locals of returned frames, reused by the
    /// next calls (a call then allocates nothing for them).
    spare_frames: Vec<(OperandStack, Vec<Option<Value>>)>,
    /// `csv.field_size_limit()`: the longest field a csv reader accepts.
    pub(crate) csv_field_limit: i64,
}

pub(crate) fn internal(what: &str) -> Fault {
    Fault::Exc(Exception::new(ExcKind::RuntimeError, format!("internal interpreter error: {what}")))
}

impl Vm {
    /// A VM charging `session`'s account (a session's own, see `Interpreter::new`).
    pub(crate) fn with_session(limits: Limits, session: crate::gc::SessionRef) -> Vm {
        Vm {
            meter: Meter::new(limits, session),
            gnames: GlobalNames::default(),
            globals: Vec::new(),
            builtin_cache: Vec::new(),
            host_funcs: HashMap::with_capacity_and_hasher(16, HashState::default()),
            host_values: HashMap::default(),
            frames: Vec::new(),
            tasks: Vec::new(),
            free_slots: Vec::new(),
            next_era: 0,
            ready: Default::default(),
            tasks_named: 0,
            loop_phase: Default::default(),
            clock: 0.0,
            timers: std::collections::BinaryHeap::new(),
            next_timer: 0,
            current_task: 0,
            pending: HashMap::new(),
            pending_calls_info: HashMap::new(),
            answered: HashMap::new(),
            next_call_id: 1,
            host_calls_paid: 1,
            output: String::new(),
            output_total: 0,
            pending_limit: None,
            stop_traceback: Vec::new(),
            stop_memory: 0,
            callback_depth: 0,
            modules: Default::default(),
            source_name: SmolStr::new("<cell>"),
            sort_cmp: None,
            spare_frames: Vec::new(),
            ran_code: false,
            csv_field_limit: crate::modules::csv::FIELD_LIMIT,
        }
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Release everything the session holds first (without recursion), so
        // that the collector's bookkeeping covers only what survives: values
        // the embedder still holds and unreachable cycles.
        let mut roots: Vec<Value> = self.globals.drain(..).flatten().collect();
        roots.extend(self.host_values.drain().map(|(_, v)| v));
        roots.extend(self.sort_cmp.take());
        let mut cells = Vec::new();
        let frames: Vec<Frame> = self
            .frames
            .drain(..)
            .chain(self.tasks.drain(..).flatten().flat_map(|mut t| std::mem::take(&mut t.frames)))
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
        self.frames.last().is_some_and(|f| {
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
