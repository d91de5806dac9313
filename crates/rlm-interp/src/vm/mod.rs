//! The virtual machine: an explicit frame stack run by a loop (no Rust
//! recursion per Python call), tasks for coroutines and `asyncio.gather`,
//! suspension at host calls, fuel and memory accounting.

pub(crate) mod ops;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::{Code, GlobalNames, Op};
use crate::host::{HostCall, HostFunc};
use crate::value::*;
use crate::{LimitError, LimitKind, Limits};
use rlm_syntax::ast::{BinOp, CmpOp};

/// Why evaluation stopped early: an exception (catchable), a limit
/// (uncatchable), `FINAL(...)`, or a request to suspend for host calls.
pub enum Fault {
    Exc(Rc<Exception>),
    Limit(LimitError),
    Final(Value),
    Suspend(Vec<PendingCall>, bool),
}

pub struct PendingCall {
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
}

pub type R<T> = Result<T, Fault>;

pub fn exc<T>(kind: ExcKind, msg: impl Into<String>) -> R<T> {
    Err(Fault::Exc(Exception::new(kind, msg)))
}

pub fn type_err<T>(msg: impl Into<String>) -> R<T> {
    exc(ExcKind::TypeError, msg)
}

pub fn value_err<T>(msg: impl Into<String>) -> R<T> {
    exc(ExcKind::ValueError, msg)
}

struct Block {
    handler: u32,
    stack_len: usize,
    handled_len: usize,
}

pub(crate) struct Frame {
    code: Rc<Code>,
    pc: usize,
    stack: Vec<Value>,
    locals: Vec<Option<Value>>,
    cells: Vec<Rc<RefCell<Option<Value>>>>,
    blocks: Vec<Block>,
    handled: Vec<Rc<Exception>>,
}

struct Wait {
    slots: Vec<Option<Value>>,
    remaining: usize,
    single: bool,
    return_exceptions: bool,
}

#[derive(Default)]
struct Task {
    frames: Vec<Frame>,
    wait: Option<Wait>,
    parent: Option<(usize, usize)>,
    /// A value or exception to deliver when the task next runs.
    deliver: Option<Result<Value, Rc<Exception>>>,
    finished: bool,
    cancelled: bool,
}

enum ExecEnd {
    Returned(Value),
    Suspend(Vec<PendingCall>, bool),
    Gather(Rc<Gather>),
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
    Error(crate::RuntimeErrorInfo),
}

pub struct Vm {
    /// Whether this VM ever ran a cell: only then does dropping it look for
    /// cycles among the registered containers (temporary VMs that render an
    /// error message do not).
    ran_code: bool,
    pub(crate) limits: Limits,
    pub(crate) fuel_used: u64,
    mem_since: usize,
    mem_measured: usize,
    pub(crate) gnames: GlobalNames,
    pub(crate) globals: Vec<Option<Value>>,
    builtin_cache: Vec<Option<Value>>,
    /// Looked up by name on every global miss; foldhash (not SipHash) because
    /// `Session::new` registers eight of them and start-up is measured in µs.
    pub(crate) host_funcs: HashMap<SmolStr, HostFunc, HashState>,
    pub(crate) host_values: HashMap<SmolStr, Value, HashState>,
    frames: Vec<Frame>,
    tasks: Vec<Task>,
    current_task: usize,
    pending: HashMap<u64, (usize, usize)>,
    pending_calls_info: HashMap<u64, HostCall>,
    answered: HashMap<u64, Result<Value, crate::host::HostError>>,
    next_call_id: u64,
    pub(crate) output: String,
    pub(crate) output_total: usize,
    pub(crate) dead: Option<LimitError>,
    callback_depth: usize,
    pub(crate) modules: HashMap<&'static str, Value>,
    pub(crate) source_name: SmolStr,
    /// The comparison function of a `functools.cmp_to_key` sort in progress.
    pub(crate) sort_cmp: Option<Value>,
}

macro_rules! top {
    ($s:expr) => {
        match $s.frames.last_mut() {
            Some(f) => f,
            None => return Err(internal("no frame")),
        }
    };
}

fn internal(what: &str) -> Fault {
    Fault::Exc(Exception::new(ExcKind::RuntimeError, format!("internal interpreter error: {what}")))
}

impl Vm {
    pub fn new(limits: Limits) -> Vm {
        Vm {
            limits,
            fuel_used: 0,
            mem_since: 0,
            mem_measured: 0,
            gnames: GlobalNames::default(),
            globals: Vec::new(),
            builtin_cache: Vec::new(),
            host_funcs: HashMap::with_capacity_and_hasher(16, HashState::default()),
            host_values: HashMap::default(),
            frames: Vec::new(),
            tasks: Vec::new(),
            current_task: 0,
            pending: HashMap::new(),
            pending_calls_info: HashMap::new(),
            answered: HashMap::new(),
            next_call_id: 1,
            output: String::new(),
            output_total: 0,
            dead: None,
            callback_depth: 0,
            modules: HashMap::new(),
            source_name: SmolStr::new("<cell>"),
            sort_cmp: None,
            ran_code: false,
        }
    }

    // ------------------------------------------------------------ accounting

    #[inline]
    pub(crate) fn fuel(&mut self, n: u64) -> R<()> {
        self.fuel_used = self.fuel_used.saturating_add(n);
        if self.fuel_used > self.limits.fuel {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Fuel,
                format!("the program ran out of fuel ({} steps)", self.limits.fuel),
            )));
        }
        Ok(())
    }

    /// Charge `bytes` of new memory before allocating them.
    pub(crate) fn alloc(&mut self, bytes: usize) -> R<()> {
        self.mem_since = self.mem_since.saturating_add(bytes);
        if self.mem_measured.saturating_add(self.mem_since) > self.limits.memory_bytes {
            // Unreachable cycles are not live, but they hold memory until
            // collected: collect them first (charged like the measure).
            let visited = crate::gc::collect_garbage();
            self.fuel((visited / 8) as u64)?;
            let live = self.measure_live()?;
            self.mem_measured = live;
            self.mem_since = bytes;
            if live.saturating_add(bytes) > self.limits.memory_bytes {
                return Err(Fault::Limit(LimitError::new(
                    LimitKind::Memory,
                    format!(
                        "memory limit exceeded: {} bytes live, {} more requested, limit {}",
                        live, bytes, self.limits.memory_bytes
                    ),
                )));
            }
        }
        Ok(())
    }

    /// Every builtin and method result passes here. Builtins that build
    /// strings (`json.dumps`, `re.sub`, `join`, `%`-formatting, ...) are thus
    /// held to the string cap, so no chain of them can grow a string past the
    /// cap by more than one call's output (found by fuzzing: nested
    /// `json.dumps` in a loop grew a string 4x per step unchecked). Only the
    /// cap is checked here: charging fuel and memory again on every result
    /// made string-heavy code 1.5x slower. Views of external buffers (the
    /// context) allocate nothing and are exempt.
    pub(crate) fn guard_result(&mut self, v: &Value) -> R<()> {
        match v {
            Value::Str(s) if !s.is_shared() && s.char_len() > self.limits.max_str_len => {
                self.check_str_len(s.char_len())
            }
            // Likewise lists to the collection cap (`textwrap.wrap(s, 1)`
            // returned one line per word, past the cap, unchecked).
            Value::List(l) if l.borrow().len() > self.limits.max_collection_len => {
                let n = l.borrow().len();
                self.check_len(n)
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn check_str_len(&mut self, chars: usize) -> R<()> {
        if chars > self.limits.max_str_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::StrLen,
                format!("string too long: {chars} characters (limit {})", self.limits.max_str_len),
            )));
        }
        self.fuel((chars / 64) as u64)?;
        self.alloc(chars)
    }

    pub(crate) fn check_len(&mut self, n: usize) -> R<()> {
        if n > self.limits.max_collection_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::CollectionLen,
                format!(
                    "collection too large: {n} items (limit {})",
                    self.limits.max_collection_len
                ),
            )));
        }
        self.fuel((n / 16) as u64)?;
        self.alloc(n.saturating_mul(16))
    }

    pub(crate) fn nesting_err(&self) -> Fault {
        Fault::Limit(LimitError::new(
            LimitKind::Nesting,
            format!("value nested too deeply (limit {} levels)", self.limits.max_nesting),
        ))
    }

    /// Bytes held by everything reachable from globals and frames.
    fn measure_live(&mut self) -> R<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut todo: Vec<Value> = Vec::new();
        todo.extend(self.globals.iter().flatten().cloned());
        let frame_sets = std::iter::once(&self.frames).chain(self.tasks.iter().map(|t| &t.frames));
        for frames in frame_sets {
            for f in frames {
                todo.extend(f.stack.iter().cloned());
                todo.extend(f.locals.iter().flatten().cloned());
                for c in &f.cells {
                    if let Some(v) = &*c.borrow() {
                        todo.push(v.clone());
                    }
                }
            }
        }
        let mut total = 0usize;
        let mut visited = 0u64;
        while let Some(v) = todo.pop() {
            visited += 1;
            let ptr = match &v {
                Value::Str(s) => {
                    total += 40 + if s.is_shared() { 0 } else { s.byte_len() };
                    continue;
                }
                Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                Value::Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
                Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
                Value::Set(s) => Rc::as_ptr(s) as *const u8 as usize,
                Value::Deque(d) => Rc::as_ptr(d) as *const u8 as usize,
                Value::Func(f) => Rc::as_ptr(f) as *const u8 as usize,
                // Iterators can hold materialised results (itertools, zip,
                // generators): those count like a list.
                Value::Iter(i) => Rc::as_ptr(i) as *const u8 as usize,
                // A kept exception keeps its arguments (`keep.append(e)`).
                Value::Exc(e) => Rc::as_ptr(e) as *const u8 as usize,
                _ => {
                    total += 16;
                    continue;
                }
            };
            if !seen.insert(ptr) {
                continue;
            }
            match &v {
                Value::List(l) => {
                    let l = l.borrow();
                    total += 40 + 16 * l.capacity();
                    todo.extend(l.iter().cloned());
                }
                Value::Tuple(t) => {
                    total += 40 + 16 * t.len();
                    todo.extend(t.iter().cloned());
                }
                Value::Dict(d) => {
                    let d = d.borrow();
                    total += 64 + 48 * d.map.capacity();
                    for (k, v) in &d.map {
                        todo.push(k.0.clone());
                        todo.push(v.clone());
                    }
                }
                Value::Set(s) => {
                    let s = s.borrow();
                    total += 64 + 32 * s.capacity();
                    todo.extend(s.iter().map(|k| k.0.clone()));
                }
                Value::Deque(d) => {
                    let d = d.borrow();
                    total += 40 + 16 * d.len();
                    todo.extend(d.iter().cloned());
                }
                Value::Exc(e) => {
                    total += 64 + 16 * e.args.len();
                    todo.extend(e.args.iter().cloned());
                }
                Value::Iter(i) => {
                    total += 40;
                    // Skipped if the iterator is being advanced right now.
                    let Ok(state) = i.try_borrow() else { continue };
                    match &*state {
                        IterState::Items(items) => {
                            total += 16 * items.len();
                            todo.extend(items.iter().cloned());
                        }
                        IterState::Cycle(items, _) => {
                            total += 16 * items.len();
                            todo.extend(items.iter().cloned());
                        }
                        IterState::Seq(v, _) | IterState::Repeat(v, _) => todo.push(v.clone()),
                        IterState::Str(s, _) => todo.push(Value::Str(s.clone())),
                        IterState::CountFloat(v, _) => todo.push(v.clone()),
                        IterState::Range(..) | IterState::Count(..) => {}
                    }
                }
                Value::Func(f) => {
                    total += 64;
                    todo.extend(f.defaults.iter().cloned());
                    for c in &f.closure {
                        if let Some(v) = &*c.borrow() {
                            todo.push(v.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        self.fuel(visited / 8)?;
        Ok(total)
    }

    pub(crate) fn write_output(&mut self, s: &str) -> R<()> {
        self.output_total += s.len();
        if self.output_total > self.limits.max_output_bytes {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Output,
                format!("output limit exceeded ({} bytes per run)", self.limits.max_output_bytes),
            )));
        }
        self.fuel((s.len() / 64) as u64)?;
        self.output.push_str(s);
        Ok(())
    }

    // ------------------------------------------------------------ globals

    pub(crate) fn global_slot(&mut self, name: &str) -> usize {
        let i = self.gnames.slot(name) as usize;
        if self.globals.len() <= i {
            self.globals.resize(i + 1, None);
        }
        i
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        let i = self.global_slot(name);
        self.globals[i] = Some(v);
    }

    pub fn get_global(&self, name: &str) -> Option<Value> {
        let i = *self.gnames.names.get(name)?;
        self.globals.get(i).cloned().flatten()
    }

    pub(crate) fn user_globals(&self) -> Vec<(SmolStr, Value)> {
        let mut out = Vec::new();
        for (n, &i) in &self.gnames.names {
            if let Some(Some(v)) = self.globals.get(i) {
                if !n.starts_with('_') {
                    out.push((n.clone(), v.clone()));
                }
            }
        }
        out
    }

    fn load_global(&mut self, i: usize) -> R<Value> {
        if let Some(Some(v)) = self.globals.get(i) {
            return Ok(v.clone());
        }
        if let Some(Some(v)) = self.builtin_cache.get(i) {
            return Ok(v.clone());
        }
        let name = self.gnames.names.get_index(i).map(|(n, _)| n.clone()).unwrap_or_default();
        let v = if let Some(v) = self.host_values.get(&name) {
            Some(v.clone())
        } else if self.host_funcs.contains_key(&name) {
            Some(Value::Builtin(Rc::new(BuiltinFn { module: "host", name: name.clone() })))
        } else {
            crate::builtins::lookup_builtin(&name)
        };
        match v {
            Some(v) => {
                if self.builtin_cache.len() <= i {
                    self.builtin_cache.resize(i + 1, None);
                }
                self.builtin_cache[i] = Some(v.clone());
                Ok(v)
            }
            None => Err(Fault::Exc(crate::builtins::name_error(&name))),
        }
    }

    /// Forget cached builtin lookups (after registering host names).
    pub(crate) fn clear_builtin_cache(&mut self) {
        self.builtin_cache.clear();
    }

    // ------------------------------------------------------------ running

    /// Start running a compiled cell on a fresh main task.
    pub(crate) fn start(&mut self, code: Rc<Code>) -> RunState {
        self.ran_code = true;
        if self.globals.len() < self.gnames.names.len() {
            self.globals.resize(self.gnames.names.len(), None);
        }
        self.output_total = 0;
        self.tasks.clear();
        self.pending.clear();
        self.pending_calls_info.clear();
        self.answered.clear();
        self.frames.clear();
        let frame = Frame {
            locals: vec![None; code.local_names.len()],
            code,
            pc: 0,
            stack: Vec::new(),
            cells: Vec::new(),
            blocks: Vec::new(),
            handled: Vec::new(),
        };
        self.tasks.push(Task { frames: vec![frame], ..Default::default() });
        self.schedule()
    }

    /// Deliver a host call's result. Call [`Vm::resume`] afterwards.
    pub(crate) fn answer(
        &mut self,
        id: u64,
        result: Result<Value, crate::host::HostError>,
    ) -> bool {
        if self.pending.contains_key(&id) {
            self.answered.insert(id, result);
            true
        } else {
            false
        }
    }

    pub(crate) fn resume(&mut self) -> RunState {
        let ids: Vec<u64> = self.answered.keys().copied().collect();
        for id in ids {
            let Some(result) = self.answered.remove(&id) else { continue };
            self.pending_calls_info.remove(&id);
            let Some((t, slot)) = self.pending.remove(&id) else { continue };
            match result {
                Ok(v) => self.fill_slot(t, slot, Ok(v)),
                Err(e) => self.fill_slot(t, slot, Err(Exception::new(e.kind, e.message))),
            }
        }
        self.schedule()
    }

    pub(crate) fn pending_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.pending.keys().copied().collect();
        v.sort();
        v
    }

    fn fill_slot(&mut self, t: usize, slot: usize, r: Result<Value, Rc<Exception>>) {
        let Some(task) = self.tasks.get_mut(t) else { return };
        if task.cancelled || task.finished {
            return;
        }
        let Some(wait) = task.wait.as_mut() else { return };
        match r {
            Ok(v) => {
                if let Some(s) = wait.slots.get_mut(slot) {
                    if s.is_none() {
                        *s = Some(v);
                        wait.remaining -= 1;
                    }
                }
            }
            Err(e) if wait.return_exceptions => {
                if let Some(s) = wait.slots.get_mut(slot) {
                    if s.is_none() {
                        *s = Some(Value::Exc(e));
                        wait.remaining -= 1;
                    }
                }
            }
            Err(e) => {
                task.wait = None;
                task.deliver = Some(Err(e));
                self.cancel_children(t);
                return;
            }
        }
        if wait.remaining == 0 {
            let wait = task.wait.take();
            if let Some(w) = wait {
                let vals: Vec<Value> =
                    w.slots.into_iter().map(|s| s.unwrap_or(Value::None)).collect();
                let v = if w.single {
                    vals.into_iter().next().unwrap_or(Value::None)
                } else {
                    Value::list(vals)
                };
                task.deliver = Some(Ok(v));
            }
        }
    }

    fn cancel_children(&mut self, parent: usize) {
        let mut stack = vec![parent];
        while let Some(p) = stack.pop() {
            for i in 0..self.tasks.len() {
                if self.tasks[i].parent.map(|x| x.0) == Some(p) && !self.tasks[i].cancelled {
                    self.tasks[i].cancelled = true;
                    self.tasks[i].frames.clear();
                    stack.push(i);
                }
            }
        }
        self.pending.retain(|_, (t, _)| *t != parent);
        let tasks = &self.tasks;
        self.pending.retain(|_, (t, _)| !tasks[*t].cancelled);
    }

    /// Run runnable tasks until all are blocked or the main task ends.
    fn schedule(&mut self) -> RunState {
        if let Some(dead) = &self.dead {
            return RunState::Error(crate::RuntimeErrorInfo::limit(dead.clone()));
        }
        loop {
            let runnable = (0..self.tasks.len()).find(|&i| {
                let t = &self.tasks[i];
                !t.finished && !t.cancelled && (t.wait.is_none() || t.deliver.is_some())
            });
            let Some(t) = runnable else {
                // Everything waits on the host.
                let mut calls = Vec::new();
                for id in self.pending_ids() {
                    if let Some(c) = self.pending_calls_info.get(&id) {
                        calls.push(c.clone());
                    }
                }
                if calls.is_empty() {
                    return RunState::Error(crate::RuntimeErrorInfo::exception(&Exception::new(
                        ExcKind::RuntimeError,
                        "deadlock: every task waits and no host call is pending",
                    )));
                }
                return RunState::Suspended(calls);
            };
            self.current_task = t;
            std::mem::swap(&mut self.frames, &mut self.tasks[t].frames);
            let deliver = self.tasks[t].deliver.take();
            let result = match deliver {
                Some(Ok(v)) => {
                    if let Some(f) = self.frames.last_mut() {
                        f.stack.push(v);
                    }
                    self.exec(0)
                }
                Some(Err(e)) => match self.unwind(e, 0) {
                    Ok(()) => self.exec(0),
                    Err(f) => Err(f),
                },
                None => self.exec(0),
            };
            std::mem::swap(&mut self.frames, &mut self.tasks[t].frames);
            match result {
                Ok(ExecEnd::Returned(v)) => {
                    self.tasks[t].finished = true;
                    self.tasks[t].frames.clear();
                    match self.tasks[t].parent {
                        None => return RunState::Done,
                        Some((p, slot)) => self.fill_slot(p, slot, Ok(v)),
                    }
                }
                Ok(ExecEnd::Suspend(calls, single)) => {
                    let n = calls.len();
                    self.tasks[t].wait = Some(Wait {
                        slots: vec![None; n],
                        remaining: n,
                        single,
                        return_exceptions: false,
                    });
                    if n == 0 {
                        self.tasks[t].wait = None;
                        self.tasks[t].deliver = Some(Ok(Value::list(Vec::new())));
                    }
                    for (slot, c) in calls.into_iter().enumerate() {
                        self.register_call(t, slot, c);
                    }
                }
                Ok(ExecEnd::Gather(g)) => self.start_gather(t, &g),
                Err(Fault::Exc(e)) => {
                    self.tasks[t].finished = true;
                    match self.tasks[t].parent {
                        None => return RunState::Error(crate::RuntimeErrorInfo::exception(&e)),
                        Some((p, slot)) => self.fill_slot(p, slot, Err(e)),
                    }
                }
                Err(Fault::Final(v)) => return RunState::Final(v),
                Err(Fault::Limit(l)) => {
                    self.dead = Some(l.clone());
                    return RunState::Error(crate::RuntimeErrorInfo::limit(l));
                }
                Err(Fault::Suspend(..)) => {
                    return RunState::Error(crate::RuntimeErrorInfo::exception(&Exception::new(
                        ExcKind::RuntimeError,
                        "internal: stray suspension",
                    )));
                }
            }
        }
    }

    fn register_call(&mut self, t: usize, slot: usize, c: PendingCall) {
        let id = self.next_call_id;
        self.next_call_id += 1;
        self.pending.insert(id, (t, slot));
        self.pending_calls_info
            .insert(id, HostCall { id, name: c.name, args: c.args, kwargs: c.kwargs });
    }

    fn start_gather(&mut self, t: usize, g: &Gather) {
        let n = g.items.len();
        self.tasks[t].wait = Some(Wait {
            slots: vec![None; n],
            remaining: n,
            single: false,
            return_exceptions: g.return_exceptions,
        });
        if n == 0 {
            self.tasks[t].wait = None;
            self.tasks[t].deliver = Some(Ok(Value::list(Vec::new())));
            return;
        }
        for (slot, item) in g.items.iter().enumerate() {
            match item {
                Value::HostFuture(h) => {
                    h.awaited.set(true);
                    self.register_call(
                        t,
                        slot,
                        PendingCall {
                            name: h.name.clone(),
                            args: h.args.clone(),
                            kwargs: h.kwargs.clone(),
                        },
                    );
                }
                Value::Coroutine(c) => match self.coroutine_frame(c) {
                    Ok(frame) => {
                        self.tasks.push(Task {
                            frames: vec![frame],
                            parent: Some((t, slot)),
                            ..Default::default()
                        });
                    }
                    Err(Fault::Exc(e)) => {
                        self.fill_slot(t, slot, Err(e));
                    }
                    Err(_) => self.fill_slot(
                        t,
                        slot,
                        Err(Exception::new(ExcKind::RuntimeError, "bad coroutine")),
                    ),
                },
                Value::Gather(inner) => {
                    // A nested gather runs as a child task awaiting it.
                    let code = gather_shim_code();
                    let frame = Frame {
                        code,
                        pc: 0,
                        stack: vec![Value::Gather(inner.clone())],
                        locals: Vec::new(),
                        cells: Vec::new(),
                        blocks: Vec::new(),
                        handled: Vec::new(),
                    };
                    self.tasks.push(Task {
                        frames: vec![frame],
                        parent: Some((t, slot)),
                        ..Default::default()
                    });
                }
                other => {
                    let e = Exception::new(
                        ExcKind::TypeError,
                        format!(
                            "An asyncio.Future, a coroutine or an awaitable is required, not {}",
                            other.type_name()
                        ),
                    );
                    self.fill_slot(t, slot, Err(e));
                }
            }
        }
    }

    fn coroutine_frame(&mut self, c: &Rc<RefCell<Coroutine>>) -> R<Frame> {
        let mut co = c.borrow_mut();
        if co.started {
            return exc(ExcKind::RuntimeError, "cannot reuse already awaited coroutine");
        }
        co.started = true;
        let func = co.func.clone();
        let args = std::mem::take(&mut co.args);
        let kwargs = std::mem::take(&mut co.kwargs);
        drop(co);
        self.make_frame(&func, args, kwargs)
    }

    // ------------------------------------------------------------ calls

    #[allow(clippy::needless_range_loop)]
    pub(crate) fn make_frame(
        &mut self,
        func: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Frame> {
        let code = &func.code;
        let mut locals: Vec<Option<Value>> = vec![None; code.local_names.len()];
        let nargs = code.argcount;
        let fname = code.name.as_str();
        let mut extra = Vec::new();
        let total_pos = args.len();
        for (i, a) in args.into_iter().enumerate() {
            if i < nargs {
                locals[i] = Some(a);
            } else if code.has_varargs {
                extra.push(a);
            } else {
                let given = total_pos;
                let min = nargs - func.defaults.len().min(nargs);
                let takes =
                    if min < nargs { format!("from {min} to {nargs}") } else { nargs.to_string() };
                return type_err(format!(
                    "{fname}() takes {takes} positional argument{} but {} {} given",
                    if nargs == 1 && min == nargs { "" } else { "s" },
                    given,
                    if given == 1 { "was" } else { "were" }
                ));
            }
        }
        let mut kwextra = Dict::new();
        for (k, v) in kwargs {
            let pos = code.local_names[..nargs + code.kwonly].iter().position(|n| *n == k);
            match pos {
                Some(p) => {
                    if locals[p].is_some() {
                        return type_err(format!(
                            "{fname}() got multiple values for argument '{k}'"
                        ));
                    }
                    locals[p] = Some(v);
                }
                None if code.has_varkw => {
                    kwextra.map.insert(Key(Value::str(k.as_str())), v);
                }
                None => {
                    return type_err(format!("{fname}() got an unexpected keyword argument '{k}'"));
                }
            }
        }
        // Defaults for trailing positional parameters.
        let nd = func.defaults.len();
        let mut missing = Vec::new();
        for i in 0..nargs {
            if locals[i].is_none() {
                if i + nd >= nargs {
                    locals[i] = Some(func.defaults[i + nd - nargs].clone());
                } else {
                    missing.push(code.local_names[i].clone());
                }
            }
        }
        if !missing.is_empty() {
            return type_err(format!(
                "{fname}() missing {} required positional argument{}: {}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                join_names(&missing)
            ));
        }
        for j in 0..code.kwonly {
            let i = nargs + j;
            if locals[i].is_none() {
                match func.kwdefaults.get(j).cloned().flatten() {
                    Some(v) => locals[i] = Some(v),
                    None => {
                        return type_err(format!(
                            "{fname}() missing 1 required keyword-only argument: '{}'",
                            code.local_names[i]
                        ));
                    }
                }
            }
        }
        let mut next = nargs + code.kwonly;
        if code.has_varargs {
            locals[next] = Some(Value::tuple(extra));
            next += 1;
        }
        if code.has_varkw {
            locals[next] = Some(Value::dict(kwextra));
        }
        let mut cells: Vec<Rc<RefCell<Option<Value>>>> = (0..code.ncells)
            .map(|_| {
                let c = Rc::new(RefCell::new(None));
                crate::gc::track_cell(&c);
                c
            })
            .collect();
        for &(l, c) in &code.param_cells {
            if let Some(cell) = cells.get(c as usize) {
                *cell.borrow_mut() = locals[l as usize].take();
            }
        }
        cells.extend(func.closure.iter().cloned());
        Ok(Frame {
            code: code.clone(),
            pc: 0,
            stack: Vec::new(),
            locals,
            cells,
            blocks: Vec::new(),
            handled: Vec::new(),
        })
    }

    fn push_frame(&mut self, frame: Frame) -> R<()> {
        if self.frames.len() + self.callback_depth * 4 >= self.limits.max_call_depth {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::CallDepth,
                format!("maximum call depth exceeded ({} frames)", self.limits.max_call_depth),
            )));
        }
        self.frames.push(frame);
        Ok(())
    }

    /// Call any callable from Rust (a builtin's callback: sort keys, map...).
    /// Runs a nested loop on the same frame stack; host calls cannot suspend here.
    pub(crate) fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Value> {
        let called = match self.call_dispatch(f, args, kwargs) {
            Err(Fault::Suspend(..)) => return exc(ExcKind::RuntimeError, CALLBACK_HOST_MSG),
            other => other?,
        };
        match called {
            Called::Value(v) => Ok(v),
            Called::Frame(frame) => {
                if self.callback_depth >= 32 {
                    return Err(Fault::Limit(LimitError::new(
                        LimitKind::CallDepth,
                        "callbacks nested too deeply (functions passed to builtins calling builtins...)",
                    )));
                }
                let base = self.frames.len();
                self.push_frame(frame)?;
                self.callback_depth += 1;
                // Nested loops (a sort key calling sorted...) use more Rust
                // stack; grow it on the heap instead of overflowing a small
                // thread stack.
                let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.exec(base));
                self.callback_depth -= 1;
                self.frames.truncate(base);
                match r {
                    Ok(ExecEnd::Returned(v)) => Ok(v),
                    Ok(_) | Err(Fault::Suspend(..)) => exc(
                        ExcKind::RuntimeError,
                        "a host call (llm_query, await...) cannot run inside a function called by a builtin \
                         (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead",
                    ),
                    Err(e) => Err(e),
                }
            }
        }
    }

    fn call_dispatch(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Called> {
        match f {
            Value::Func(func) => {
                if func.code.is_async {
                    return Ok(Called::Value(Value::Coroutine(Rc::new(RefCell::new(Coroutine {
                        func: func.clone(),
                        args,
                        kwargs,
                        started: false,
                    })))));
                }
                self.fuel(2)?;
                Ok(Called::Frame(self.make_frame(func, args, kwargs)?))
            }
            Value::Native(n) => {
                if let Native::Partial(p) = &**n {
                    let mut a = p.args.clone();
                    a.extend(args);
                    let mut kw = p.kwargs.clone();
                    for (k, v) in kwargs {
                        kw.retain(|(k2, _)| *k2 != k);
                        kw.push((k, v));
                    }
                    let inner = p.func.clone();
                    return self.call_dispatch(&inner, a, kw);
                }
                type_err(format!("'{}' object is not callable", f.type_name()))
            }
            _ => Ok(Called::Value(self.call_nonframe(f, args, kwargs)?)),
        }
    }

    // ------------------------------------------------------------ exceptions

    /// Find a handler for `e` in frames above `base`; on success the top
    /// frame is positioned at the handler with the exception pushed.
    fn unwind(&mut self, e: Rc<Exception>, base: usize) -> R<()> {
        loop {
            let Some(frame) = self.frames.last_mut() else { return Err(Fault::Exc(e)) };
            let line = frame.code.lines.get(frame.pc.saturating_sub(1)).copied().unwrap_or(0);
            {
                let mut tb = e.traceback.borrow_mut();
                if tb.len() < 64 {
                    tb.push((frame.code.name.clone(), line));
                }
            }
            if let Some(b) = frame.blocks.pop() {
                frame.stack.truncate(b.stack_len);
                frame.handled.truncate(b.handled_len);
                frame.handled.push(e.clone());
                frame.stack.push(Value::Exc(e));
                frame.pc = b.handler as usize;
                return Ok(());
            }
            if self.frames.len() <= base + 1 {
                self.frames.pop();
                return Err(Fault::Exc(e));
            }
            self.frames.pop();
        }
    }

    // ------------------------------------------------------------ the loop

    fn exec(&mut self, base: usize) -> R<ExecEnd> {
        loop {
            match self.exec_inner(base) {
                Ok(end) => return Ok(end),
                Err(Fault::Exc(e)) => self.unwind(e, base)?,
                Err(other) => return Err(other),
            }
        }
    }

    fn exec_inner(&mut self, base: usize) -> R<ExecEnd> {
        loop {
            self.fuel_used += 1;
            if self.fuel_used > self.limits.fuel {
                self.fuel(0)?;
            }
            let frame = top!(self);
            let Some(&op) = frame.code.ops.get(frame.pc) else {
                return Err(internal("pc out of range"));
            };
            frame.pc += 1;
            match op {
                Op::LoadConst(i) => {
                    let v = frame.code.consts[i as usize].clone();
                    frame.stack.push(v);
                }
                Op::LoadNone => frame.stack.push(Value::None),
                Op::LoadFast(i) => match &frame.locals[i as usize] {
                    Some(v) => {
                        let v = v.clone();
                        frame.stack.push(v);
                    }
                    None => {
                        let name = frame.code.local_names[i as usize].clone();
                        return exc(
                            ExcKind::UnboundLocalError,
                            format!(
                                "cannot access local variable '{name}' where it is not associated with a value"
                            ),
                        );
                    }
                },
                Op::StoreFast(i) => {
                    let v = pop(frame)?;
                    frame.locals[i as usize] = Some(v);
                }
                Op::DeleteFast(i) => {
                    if frame.locals[i as usize].take().is_none() {
                        let name = frame.code.local_names[i as usize].clone();
                        return exc(
                            ExcKind::UnboundLocalError,
                            format!(
                                "cannot access local variable '{name}' where it is not associated with a value"
                            ),
                        );
                    }
                }
                Op::LoadCell(i) => {
                    let v = frame.cells[i as usize].borrow().clone();
                    match v {
                        Some(v) => frame.stack.push(v),
                        None => {
                            return exc(
                                ExcKind::NameError,
                                "cannot access free variable where it is not associated with a value in enclosing scope",
                            );
                        }
                    }
                }
                Op::StoreCell(i) => {
                    let v = pop(frame)?;
                    *frame.cells[i as usize].borrow_mut() = Some(v);
                }
                Op::LoadGlobal(i) => {
                    if let Some(Some(v)) = self.globals.get(i as usize) {
                        let v = v.clone();
                        top!(self).stack.push(v);
                        continue;
                    }
                    let v = self.load_global(i as usize)?;
                    top!(self).stack.push(v);
                }
                Op::StoreGlobal(i) => {
                    let v = pop(frame)?;
                    let i = i as usize;
                    if self.globals.len() <= i {
                        self.globals.resize(i + 1, None);
                    }
                    self.globals[i] = Some(v);
                }
                Op::DeleteGlobal(i) => {
                    let i = i as usize;
                    if self.globals.get(i).cloned().flatten().is_none() {
                        let name = self
                            .gnames
                            .names
                            .get_index(i)
                            .map(|(n, _)| n.clone())
                            .unwrap_or_default();
                        return Err(Fault::Exc(crate::builtins::name_error(&name)));
                    }
                    self.globals[i] = None;
                }
                Op::LoadAttr(i) => {
                    let name = frame.code.names[i as usize].clone();
                    let obj = pop(frame)?;
                    let v = self.get_attr(&obj, &name)?;
                    top!(self).stack.push(v);
                }
                Op::StoreAttr(i) => {
                    let name = frame.code.names[i as usize].clone();
                    let obj = pop(frame)?;
                    return exc(
                        ExcKind::AttributeError,
                        format!(
                            "'{}' object attribute '{name}' is read-only (objects cannot be modified by attribute; use a dict)",
                            obj.type_name()
                        ),
                    );
                }
                Op::Subscr => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    let v = self.getitem(&obj, &idx)?;
                    top!(self).stack.push(v);
                }
                Op::StoreSubscr => {
                    let v = pop(frame)?;
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    self.setitem(&obj, idx, v)?;
                }
                Op::StoreSubscrAssign => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    let v = pop(frame)?;
                    self.setitem(&obj, idx, v)?;
                }
                Op::DeleteSubscr => {
                    let idx = pop(frame)?;
                    let obj = pop(frame)?;
                    self.delitem(&obj, &idx)?;
                }
                Op::BuildSlice => {
                    let c = pop(frame)?;
                    let b = pop(frame)?;
                    let a = pop(frame)?;
                    frame.stack.push(Value::Slice(Rc::new((a, b, c))));
                }
                Op::Binary(op) | Op::Inplace(op) => {
                    let b = pop(frame)?;
                    let a = pop(frame)?;
                    // Integer fast paths (the common case in loops).
                    if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                        let (x, y) = (*x, *y);
                        let r = match op {
                            BinOp::Add => x.checked_add(y),
                            BinOp::Sub => x.checked_sub(y),
                            BinOp::Mult => x.checked_mul(y),
                            BinOp::Mod if y > 0 => Some(x.rem_euclid(y)),
                            BinOp::FloorDiv if y > 0 => Some(x.div_euclid(y)),
                            _ => None,
                        };
                        if let Some(r) = r {
                            frame.stack.push(Value::Int(r));
                            continue;
                        }
                    }
                    let v =
                        if matches!(op_kind(&self.frames, frame_pc_prev(&self.frames)), Some(true))
                        {
                            self.inplace(op, a, &b)?
                        } else {
                            self.binary(op, &a, &b)?
                        };
                    top!(self).stack.push(v);
                }
                Op::Unary(op) => {
                    let a = pop(frame)?;
                    let v = self.unary(op, &a)?;
                    top!(self).stack.push(v);
                }
                Op::Compare(op) => {
                    let b = pop(frame)?;
                    let a = pop(frame)?;
                    let v = match (&a, &b) {
                        (Value::Int(x), Value::Int(y)) => match op {
                            CmpOp::Lt => x < y,
                            CmpOp::LtE => x <= y,
                            CmpOp::Gt => x > y,
                            CmpOp::GtE => x >= y,
                            CmpOp::Eq => x == y,
                            CmpOp::NotEq => x != y,
                            _ => self.compare(op, &a, &b)?,
                        },
                        _ => self.compare(op, &a, &b)?,
                    };
                    top!(self).stack.push(Value::Bool(v));
                }
                Op::Jump(t) => frame.pc = t as usize,
                Op::JumpIfFalse(t) => {
                    let v = pop(frame)?;
                    if !self.truthy(&v)? {
                        top!(self).pc = t as usize;
                    }
                }
                Op::JumpIfTrue(t) => {
                    let v = pop(frame)?;
                    if self.truthy(&v)? {
                        top!(self).pc = t as usize;
                    }
                }
                Op::JumpIfFalseOrPop(t) => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let tv = self.truthy(&v)?;
                    let frame = top!(self);
                    if !tv {
                        frame.pc = t as usize;
                    } else {
                        frame.stack.pop();
                    }
                }
                Op::JumpIfTrueOrPop(t) => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let tv = self.truthy(&v)?;
                    let frame = top!(self);
                    if tv {
                        frame.pc = t as usize;
                    } else {
                        frame.stack.pop();
                    }
                }
                Op::Pop => {
                    frame.stack.pop();
                }
                Op::Dup => {
                    let v = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    frame.stack.push(v);
                }
                Op::Dup2 => {
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    let a = frame.stack[n - 2].clone();
                    let b = frame.stack[n - 1].clone();
                    frame.stack.push(a);
                    frame.stack.push(b);
                }
                Op::Rot2 => {
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    frame.stack.swap(n - 1, n - 2);
                }
                Op::Rot3 => {
                    let v = pop(frame)?;
                    let n = frame.stack.len();
                    if n < 2 {
                        return Err(internal("stack"));
                    }
                    frame.stack.insert(n - 2, v);
                }
                Op::BuildList(n) => {
                    let items = popn(frame, n as usize)?;
                    self.alloc(16 * n as usize + 32)?;
                    top!(self).stack.push(Value::list(items));
                }
                Op::BuildTuple(n) => {
                    let items = popn(frame, n as usize)?;
                    self.alloc(16 * n as usize + 32)?;
                    top!(self).stack.push(Value::tuple(items));
                }
                Op::BuildSet(n) => {
                    let items = popn(frame, n as usize)?;
                    let mut set = KeySet::default();
                    for it in items {
                        set.insert(self.key(it)?);
                    }
                    self.alloc(32 * n as usize + 32)?;
                    top!(self).stack.push(Value::new_set(set));
                }
                Op::BuildDict(n) => {
                    let items = popn(frame, 2 * n as usize)?;
                    let mut d = Dict::new();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        let k = self.key(k)?;
                        d.map.insert(k, v);
                    }
                    self.alloc(48 * n as usize + 64)?;
                    top!(self).stack.push(Value::dict(d));
                }
                Op::ListAppend(depth) => {
                    let v = pop(frame)?;
                    let idx = frame
                        .stack
                        .len()
                        .checked_sub(depth as usize + 1)
                        .ok_or_else(|| internal("stack"))?;
                    if let Value::List(l) = &frame.stack[idx] {
                        let l = l.clone();
                        let n = l.borrow().len();
                        if n >= self.limits.max_collection_len {
                            self.check_len(n + 1)?;
                        }
                        self.alloc(16)?;
                        l.borrow_mut().push(v);
                    }
                }
                Op::SetAdd(depth) => {
                    let v = pop(frame)?;
                    let idx = frame
                        .stack
                        .len()
                        .checked_sub(depth as usize + 1)
                        .ok_or_else(|| internal("stack"))?;
                    let target = frame.stack[idx].clone();
                    let k = self.key(v)?;
                    self.alloc(32)?;
                    if let Value::Set(s) = &target {
                        s.borrow_mut().insert(k);
                    }
                }
                Op::DictSet(depth) => {
                    let v = pop(frame)?;
                    let k = pop(frame)?;
                    let idx = frame
                        .stack
                        .len()
                        .checked_sub(depth as usize + 1)
                        .ok_or_else(|| internal("stack"))?;
                    let target = frame.stack[idx].clone();
                    let k = self.key(k)?;
                    if let Value::Dict(d) = &target {
                        // Comprehensions are held to the collection cap like `d[k] = v`.
                        let n = d.borrow().map.len();
                        if n >= self.limits.max_collection_len {
                            self.check_len(n + 1)?;
                        }
                        self.alloc(48)?;
                        d.borrow_mut().map.insert(k, v);
                    }
                }
                Op::ListExtend => {
                    let it = pop(frame)?;
                    let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let items = self.iterate(&it)?;
                    if let Value::List(l) = &target {
                        let n = l.borrow().len() + items.len();
                        self.check_len(n)?;
                        l.borrow_mut().extend(items);
                    }
                }
                Op::SetUpdate => {
                    let it = pop(frame)?;
                    let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let items = self.iterate(&it)?;
                    self.check_len(items.len())?;
                    if let Value::Set(s) = &target {
                        for x in items {
                            let k = self.key(x)?;
                            s.borrow_mut().insert(k);
                        }
                    }
                }
                Op::DictUpdate => {
                    let src = pop(frame)?;
                    let target = frame.stack.last().cloned().ok_or_else(|| internal("stack"))?;
                    let Value::Dict(src) = src else {
                        return type_err(format!("'{}' object is not a mapping", src.type_name()));
                    };
                    let items: Vec<(Key, Value)> =
                        src.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    self.alloc(48 * items.len())?;
                    if let Value::Dict(d) = &target {
                        d.borrow_mut().map.extend(items);
                    }
                }
                Op::ListToTuple => {
                    let v = pop(frame)?;
                    let t = match v {
                        Value::List(l) => Value::tuple(l.borrow().clone()),
                        other => other,
                    };
                    frame.stack.push(t);
                }
                Op::Unpack(n) => {
                    let v = pop(frame)?;
                    let items = self.unpack(&v, n as usize)?;
                    let frame = top!(self);
                    frame.stack.extend(items.into_iter().rev());
                }
                Op::UnpackEx(before, after) => {
                    let v = pop(frame)?;
                    let items = self.iterate(&v)?;
                    let (b, a) = (before as usize, after as usize);
                    if items.len() < b + a {
                        return value_err(format!(
                            "not enough values to unpack (expected at least {}, got {})",
                            b + a,
                            items.len()
                        ));
                    }
                    let mut out = Vec::with_capacity(b + a + 1);
                    out.extend(items[..b].iter().cloned());
                    out.push(Value::list(items[b..items.len() - a].to_vec()));
                    out.extend(items[items.len() - a..].iter().cloned());
                    let frame = top!(self);
                    frame.stack.extend(out.into_iter().rev());
                }
                Op::GetIter => {
                    let v = pop(frame)?;
                    let it = self.get_iter(v)?;
                    top!(self).stack.push(it);
                }
                Op::ForIter(t) => {
                    let it = frame.stack.last().ok_or_else(|| internal("stack"))?;
                    let next = match it {
                        Value::Iter(state) => {
                            let state = state.clone();
                            self.iter_next(&state)?
                        }
                        _ => return Err(internal("ForIter without iterator")),
                    };
                    let frame = top!(self);
                    match next {
                        Some(v) => frame.stack.push(v),
                        None => {
                            frame.stack.pop();
                            frame.pc = t as usize;
                        }
                    }
                }
                Op::Call(argc) => {
                    let args = popn(frame, argc as usize)?;
                    let f = pop(frame)?;
                    match self.call_op(&f, args, Vec::new())? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                Op::CallKw(argc, names) => {
                    let Value::Tuple(names) = frame.code.consts[names as usize].clone() else {
                        return Err(internal("kw names"));
                    };
                    let kwvals = popn(frame, names.len())?;
                    let args = popn(frame, argc as usize)?;
                    let f = pop(frame)?;
                    let kwargs = names
                        .iter()
                        .zip(kwvals)
                        .map(|(n, v)| {
                            (SmolStr::new(n.as_str().map(|s| s.as_str()).unwrap_or("")), v)
                        })
                        .collect();
                    match self.call_op(&f, args, kwargs)? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                Op::CallEx => {
                    let kw = pop(frame)?;
                    let args = pop(frame)?;
                    let f = pop(frame)?;
                    let args = self.iterate(&args)?;
                    let mut kwargs = Vec::new();
                    if let Value::Dict(d) = &kw {
                        for (k, v) in d.borrow().map.iter() {
                            match &k.0 {
                                Value::Str(s) => kwargs.push((SmolStr::new(s.as_str()), v.clone())),
                                _ => return type_err("keywords must be strings"),
                            }
                        }
                    }
                    match self.call_op(&f, args, kwargs)? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                Op::CallMethod(name, argc) => {
                    let args = popn(frame, argc as usize)?;
                    let recv = pop(frame)?;
                    let name = frame.code.names[name as usize].clone();
                    match self.call_method_op(recv, &name, args)? {
                        Some(end) => return Ok(end),
                        None => continue,
                    }
                }
                Op::MakeFunction(ci, nd, nkw) => {
                    let Value::Func(proto) = frame.code.consts[ci as usize].clone() else {
                        return Err(internal("code const"));
                    };
                    let kwdefaults: Vec<Option<Value>> = popn(frame, nkw as usize)?
                        .into_iter()
                        .map(|v| if matches!(v, Value::Ellipsis) { None } else { Some(v) })
                        .collect();
                    let defaults = popn(frame, nd as usize)?;
                    let closure = proto
                        .code
                        .free_from
                        .iter()
                        .map(|&c| {
                            frame
                                .cells
                                .get(c as usize)
                                .cloned()
                                .unwrap_or_else(|| Rc::new(RefCell::new(None)))
                        })
                        .collect();
                    let f = Function { code: proto.code.clone(), defaults, kwdefaults, closure };
                    frame.stack.push(Value::Func(Rc::new(f)));
                }
                Op::Return => {
                    let v = pop(frame)?;
                    if self.frames.len() <= base + 1 {
                        self.frames.pop();
                        return Ok(ExecEnd::Returned(v));
                    }
                    self.frames.pop();
                    top!(self).stack.push(v);
                }
                Op::SetupExcept(h) => {
                    let b = Block {
                        handler: h,
                        stack_len: frame.stack.len(),
                        handled_len: frame.handled.len(),
                    };
                    frame.blocks.push(b);
                }
                Op::PopBlock => {
                    frame.blocks.pop();
                }
                Op::PopExcept => {
                    frame.handled.pop();
                }
                Op::Raise(n) => {
                    if n == 0 {
                        match frame.handled.last() {
                            Some(e) => return Err(Fault::Exc(e.clone())),
                            None => {
                                return exc(
                                    ExcKind::RuntimeError,
                                    "No active exception to reraise",
                                );
                            }
                        }
                    }
                    let v = pop(frame)?;
                    let e = self.make_exception(v)?;
                    return Err(Fault::Exc(e));
                }
                Op::Reraise => {
                    let v = pop(frame)?;
                    frame.handled.pop();
                    match v {
                        Value::Exc(e) => return Err(Fault::Exc(e)),
                        _ => return Err(internal("reraise")),
                    }
                }
                Op::ExcMatch => {
                    let t = pop(frame)?;
                    let e = pop(frame)?;
                    let m = exc_matches(&e, &t)?;
                    top!(self).stack.push(Value::Bool(m));
                }
                Op::FormatValue(conv, has_spec) => {
                    let spec = if has_spec { Some(pop(frame)?) } else { None };
                    let v = pop(frame)?;
                    let v = match conv {
                        1 => Value::str(self.repr(&v)?),
                        2 => Value::str(self.py_str(&v)?),
                        3 => Value::str(crate::format::ascii_escape(&self.repr(&v)?)),
                        _ => v,
                    };
                    let spec_s = match &spec {
                        Some(Value::Str(s)) => s.as_str(),
                        _ => "",
                    };
                    let s = if spec_s.is_empty() {
                        match &v {
                            Value::Str(_) => v,
                            _ => Value::str(self.py_str(&v)?),
                        }
                    } else {
                        Value::str(self.format_spec(&v, spec_s)?)
                    };
                    top!(self).stack.push(s);
                }
                Op::BuildString(n) => {
                    // Joined in place on the stack: no vector of parts per f-string.
                    let Some(start) = frame.stack.len().checked_sub(n as usize) else {
                        return Err(internal("stack underflow"));
                    };
                    let mut total = 0;
                    for p in &frame.stack[start..] {
                        if let Value::Str(s) = p {
                            total += s.byte_len();
                        }
                    }
                    self.check_str_len(total)?;
                    let frame = top!(self);
                    let mut out = String::with_capacity(total);
                    for p in &frame.stack[start..] {
                        if let Value::Str(s) = p {
                            out.push_str(s.as_str());
                        }
                    }
                    frame.stack.truncate(start);
                    frame.stack.push(Value::str(out));
                }
                Op::Await => {
                    let v = pop(frame)?;
                    if self.callback_depth > 0 && base > 0 {
                        return Err(Fault::Suspend(Vec::new(), true));
                    }
                    top!(self).stack.push(v);
                    if let Some(end) = self.await_value()? {
                        return Ok(end);
                    }
                }
                Op::Import(k) => {
                    let name = match &frame.code.consts[k as usize] {
                        Value::Str(s) => s.as_str().to_string(),
                        _ => return Err(internal("import name")),
                    };
                    let m = self.import(&name)?;
                    top!(self).stack.push(m);
                }
            }
        }
    }

    /// Await the value on top of the stack: push a coroutine's frame, or
    /// end the step with a suspension/gather.
    fn await_value(&mut self) -> R<Option<ExecEnd>> {
        let v = pop(top!(self))?;
        match v {
            Value::Coroutine(c) => {
                let frame = self.coroutine_frame(&c)?;
                self.push_frame(frame)?;
                Ok(None)
            }
            Value::HostFuture(h) => {
                if h.awaited.replace(true) {
                    return exc(ExcKind::RuntimeError, "cannot reuse already awaited coroutine");
                }
                Ok(Some(ExecEnd::Suspend(
                    vec![PendingCall {
                        name: h.name.clone(),
                        args: h.args.clone(),
                        kwargs: h.kwargs.clone(),
                    }],
                    true,
                )))
            }
            Value::Gather(g) => Ok(Some(ExecEnd::Gather(g))),
            other => type_err(format!(
                "object {} can't be used in 'await' expression",
                other.type_name()
            )),
        }
    }
}

impl Vm {
    /// Perform a call from the loop: frames are pushed, host calls suspend.
    fn call_op(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(SmolStr, Value)>,
    ) -> R<Option<ExecEnd>> {
        if let Value::Builtin(b) = f {
            if b.module == "asyncio" && b.name == "run" && self.callback_depth == 0 {
                // `asyncio.run(main())`: await the coroutine in the running loop.
                let Some(v) = args.into_iter().next() else {
                    return type_err("run() missing 1 required positional argument: 'main'");
                };
                top!(self).stack.push(v);
                return self.await_value();
            }
        }
        match self.call_dispatch(f, args, kwargs) {
            Ok(Called::Value(v)) => {
                top!(self).stack.push(v);
                Ok(None)
            }
            Ok(Called::Frame(frame)) => {
                self.push_frame(frame)?;
                Ok(None)
            }
            Err(Fault::Suspend(calls, single)) => {
                if self.callback_depth > 0 {
                    return exc(
                        ExcKind::RuntimeError,
                        "a host call (llm_query...) cannot run inside a function called by a builtin \
                         (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead",
                    );
                }
                Ok(Some(ExecEnd::Suspend(calls, single)))
            }
            Err(e) => Err(e),
        }
    }

    fn call_method_op(
        &mut self,
        recv: Value,
        name: &SmolStr,
        args: Vec<Value>,
    ) -> R<Option<ExecEnd>> {
        match &recv {
            Value::Str(_)
            | Value::List(_)
            | Value::Dict(_)
            | Value::Tuple(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Deque(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Range(_)
            | Value::Host(_)
            | Value::Native(_) => match self.call_method(&recv, name, args, Vec::new()) {
                Ok(v) => {
                    top!(self).stack.push(v);
                    Ok(None)
                }
                Err(Fault::Suspend(calls, single)) if self.callback_depth == 0 => {
                    Ok(Some(ExecEnd::Suspend(calls, single)))
                }
                Err(e) => Err(e),
            },
            _ => {
                let f = self.get_attr(&recv, name)?;
                self.call_op(&f, args, Vec::new())
            }
        }
    }

    pub(crate) fn truthy(&mut self, v: &Value) -> R<bool> {
        Ok(v.truthy())
    }

    fn make_exception(&mut self, v: Value) -> R<Rc<Exception>> {
        match v {
            Value::Exc(e) => Ok(e),
            Value::Type(Ty::Exc(k)) => Ok(Exception::with_args(k, Vec::new())),
            other => type_err(format!(
                "exceptions must derive from BaseException, not {}",
                other.type_name()
            )),
        }
    }
}

const CALLBACK_HOST_MSG: &str = "a host call (llm_query, await...) cannot run inside a function called by a builtin \
     (map, filter, sorted key, re.sub...); use a for loop or a list comprehension instead";

impl Drop for Vm {
    fn drop(&mut self) {
        let mut roots: Vec<Value> = self.globals.drain(..).flatten().collect();
        roots.extend(self.host_values.drain().map(|(_, v)| v));
        roots.extend(self.sort_cmp.take());
        let mut cells = Vec::new();
        let frames: Vec<Frame> = self
            .frames
            .drain(..)
            .chain(self.tasks.drain(..).flat_map(|mut t| std::mem::take(&mut t.frames)))
            .collect();
        for f in frames {
            roots.extend(f.stack);
            roots.extend(f.locals.into_iter().flatten());
            cells.extend(f.cells);
        }
        let _ = crate::gc::collect(roots, cells, self.ran_code);
    }
}

pub(crate) enum Called {
    Value(Value),
    Frame(Frame),
}

/// Whether the instruction just executed by the top frame was `Inplace`.
fn op_kind(frames: &[Frame], pc: Option<usize>) -> Option<bool> {
    let f = frames.last()?;
    Some(matches!(f.code.ops.get(pc?)?, Op::Inplace(_)))
}

fn frame_pc_prev(frames: &[Frame]) -> Option<usize> {
    frames.last().and_then(|f| f.pc.checked_sub(1))
}

fn exc_matches(e: &Value, t: &Value) -> R<bool> {
    let Value::Exc(e) = e else { return Ok(false) };
    match t {
        Value::Type(Ty::Exc(k)) => Ok(e.kind.is_subclass_of(*k)),
        Value::Tuple(ts) => {
            for t in ts.iter() {
                if exc_matches(&Value::Exc(e.clone()), t)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => type_err("catching classes that do not inherit from BaseException is not allowed"),
    }
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

fn join_names(names: &[SmolStr]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        _ => format!("{}, and {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

thread_local! {
    static GATHER_SHIM: Rc<Code> = {
        let mut c = crate::compile::Code {
            name: SmolStr::new("<gather>"),
            ops: vec![Op::Await, Op::Return],
            lines: vec![0, 0],
            consts: Vec::new(),
            names: Vec::new(),
            local_names: Vec::new(),
            argcount: 0,
            kwonly: 0,
            has_varargs: false,
            has_varkw: false,
            ncells: 0,
            free_from: Vec::new(),
            param_cells: Vec::new(),
            is_async: true,
            is_module: false,
        };
        c.is_async = true;
        Rc::new(c)
    };
}

fn gather_shim_code() -> Rc<Code> {
    GATHER_SHIM.with(|c| c.clone())
}
