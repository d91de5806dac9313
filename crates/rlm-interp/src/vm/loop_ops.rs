//! asyncio's functions and methods that need the running loop, as CPython
//! 3.11 writes them: `create_task`/`ensure_future`, `gather`, `shield`,
//! `as_completed`, `current_task`; a future's and a task's methods; the
//! primitives' methods (`Event`, `Lock`, `Semaphore`, `Queue`); and what
//! awaiting the loop's coroutines does (`sleep`, `wait_for`, the
//! primitives' waits), step by step: a wait that must go on once its
//! future is done leaves a continuation (`Cont`) on its task, run when the
//! task is woken, where CPython's coroutine would go on after its `await`.

use std::cell::Cell;
use std::rc::Rc;

use rlm_syntax::ast::CmpOp;
use smol_str::SmolStr;

use crate::args::{Kwargs, kw};
use crate::compile::{Code, Instr};
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::modules::asyncio::future::{DoneCb, FutKind, Future, cancelled_error, future_of};
use crate::modules::asyncio::sync::{SyncKind, SyncObj};
use crate::modules::asyncio::{SyncOp, Timed, TimedKind, timed};
use crate::value::frame::{Collect, Frame};
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::clock::seconds;
use crate::vm::tasks::same;
use crate::vm::{ExecEnd, Handle, Vm};

/// What a task's await does once the future it waits for is done.
pub(super) enum Cont {
    /// `wait_for`'s `await waiter`: the work `fut`, its deadline `timer`.
    WaitFor { fut: Value, waiter: Value, timer: Rc<Cell<bool>> },
    /// `wait_for`'s `_cancel_and_wait(fut)`, then its result (a
    /// `CancelledError` of it is the timeout's `TimeoutError`), or `reraise`.
    Cancelling { fut: Value, waiter: Value, timer: Rc<Cell<bool>>, reraise: Option<Rc<Exception>> },
    /// A primitive's wait on `waiter` (`obj.op(arg)`).
    Retry { obj: Value, op: SyncOp, arg: Value, waiter: Value },
    /// A task group's `__aexit__` waiting for its tasks (`taskgroup.rs`).
    TaskGroupExit { tg: Value, exc: Option<Rc<Exception>>, propagate: Option<Rc<Exception>> },
}

/// What awaiting one of the loop's coroutines gives.
pub(super) enum Awaited {
    /// Its value is pushed (`None`), or the task waits (`Some`).
    End(Option<ExecEnd>),
    /// `wait_for(aw, None)`: await `aw` itself.
    Again(Value),
}

/// A primitive's wait, tried: its value, or the waiter to wait for.
enum OpStep {
    Ready(Value),
    Block(Value),
}

thread_local! {
    /// The code of a task over an awaitable that is not a coroutine (a
    /// host call's, a sleep's): it awaits it and returns its result.
    static AWAIT_SHIM: Rc<Code> = Rc::new(Code {
        name: SmolStr::new("<await>"),
        ops: vec![Instr::Await, Instr::Return],
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
        plain: false,
        frame_bytes_no_cells: 0,
    });
}

fn new_future() -> Value {
    Native::value(Future::new(FutKind::Future))
}

fn sync_of(v: &Value) -> Option<&SyncObj> {
    Native::of::<SyncObj>(v)
}

fn no_args(name: &str, args: &[Value], kwargs: &Kwargs) -> R<()> {
    if args.is_empty() && kwargs.is_empty() {
        return Ok(());
    }
    type_err(format!("{name}() takes no arguments ({} given)", args.len() + kwargs.len()))
}

fn one_arg(name: &str, args: Vec<Value>) -> R<Value> {
    let n = args.len();
    match <[Value; 1]>::try_from(args) {
        Ok([v]) => Ok(v),
        Err(_) => type_err(format!("{name}() takes exactly one argument ({n} given)")),
    }
}

impl Vm {
    /// An asyncio function (`recv` `None`) or a method of a future, task or
    /// primitive.
    pub(super) fn event_loop(
        &mut self,
        recv: Option<&Value>,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        match recv {
            Some(r) if future_of(r).is_some() => self.future_method(r, name, args, kwargs),
            Some(r) if Native::of::<crate::modules::asyncio::taskgroup::TaskGroup>(r).is_some() => {
                match name {
                    "create_task" => self.taskgroup_create_task(r, args, kwargs),
                    _ => exc(
                        ExcKind::AttributeError,
                        format!("'TaskGroup' object has no attribute '{name}'"),
                    ),
                }
            }
            Some(r) if Native::of::<crate::modules::asyncio::timeout::Timeout>(r).is_some() => {
                self.timeout_method(r, name, args, kwargs)
            }
            Some(r) => self.sync_method(r, name, args, kwargs),
            None => self.loop_function(name, args, kwargs),
        }
    }

    fn loop_function(&mut self, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        match name {
            "create_task" => {
                let a = args.into_iter().next().or_else(|| kw(&kwargs, "coro").cloned());
                let coro = a.unwrap_or(Value::None);
                let is_coro = matches!(coro, Value::Coroutine(_) | Value::HostFuture(_))
                    || Native::of::<Timed>(&coro).is_some();
                if !is_coro {
                    return type_err(format!("a coroutine was expected, got {}", repr_of(&coro)));
                }
                let task = self.ensure_future(coro)?;
                self.name_task(&task, kw(&kwargs, "name"))?;
                Ok(task)
            }
            "ensure_future" => {
                let a = args.into_iter().next().or_else(|| kw(&kwargs, "coro_or_future").cloned());
                self.ensure_future(a.unwrap_or(Value::None))
            }
            "gather" => {
                let re = kw(&kwargs, "return_exceptions").is_some_and(|v| v.truthy());
                self.gather(args, re)
            }
            "shield" => self.shield(one_arg("shield", args)?),
            "as_completed" => {
                crate::args::check_kwargs("as_completed", &kwargs, &["timeout"])?;
                let timeout = kw(&kwargs, "timeout").cloned().unwrap_or(Value::None);
                self.as_completed(args.into_iter().next().unwrap_or(Value::None), timeout)
            }
            "timeout" | "timeout_at" => self.timeout_new(name, args, kwargs),
            "current_task" => {
                let t = self.event_loop.current();
                Ok(t.map_or(Value::None, |t| t.fut.clone()))
            }
            _ => {
                exc(ExcKind::AttributeError, format!("module 'asyncio' has no attribute '{name}'"))
            }
        }
    }

    /// `ensure_future(aw)`: a future as itself, anything else awaitable as
    /// a new task running it.
    pub(super) fn ensure_future(&mut self, v: Value) -> R<Value> {
        match &v {
            _ if future_of(&v).is_some() => Ok(v),
            Value::Coroutine(c) => {
                let c = c.clone();
                self.meter.fuel(crate::cost::FUEL_PER_TASK)?;
                let frame = self.coroutine_frame(&c)?;
                Ok(self.new_charged_task(vec![frame])?.1)
            }
            Value::HostFuture(_) | Value::Gather(_) => self.shim_task(v),
            _ if Native::of::<Timed>(&v).is_some() => self.shim_task(v),
            // An answered `llm_query(...)` made outside a gather is its own result.
            Value::Str(_) => {
                let f = new_future();
                self.set_result(&f, v);
                Ok(f)
            }
            _ => type_err("An asyncio.Future, a coroutine or an awaitable is required"),
        }
    }

    /// `create_task(..., name=n)`: the task is called `str(n)` unless `n` is `None`.
    pub(super) fn name_task(&mut self, task: &Value, n: Option<&Value>) -> R<()> {
        let Some(n) = n.filter(|n| !matches!(n, Value::None)) else { return Ok(()) };
        let text = crate::format::repr::str_value(&mut self.meter, n.clone())?;
        if let (Some(FutKind::Task { name, .. }), Value::Str(s)) =
            (future_of(task).map(|f| &f.kind), &text)
        {
            *name.borrow_mut() = s.as_str().to_string();
        }
        Ok(())
    }

    /// A task awaiting `v`, which is no coroutine of the program's.
    fn shim_task(&mut self, v: Value) -> R<Value> {
        self.meter.fuel(crate::cost::FUEL_PER_TASK)?;
        let frame = Frame {
            code: AWAIT_SHIM.with(Rc::clone),
            pc: 0,
            stack: OperandStack::from_values(vec![v]),
            locals: Vec::new(),
            cells: Vec::new(),
            blocks: Vec::new(),
            handled: Vec::new(),
            _charge: None,
            collect: Collect::No,
        };
        Ok(self.new_charged_task(vec![frame])?.1)
    }

    /// `gather(*aws, return_exceptions=...)`: each awaitable as a future
    /// (one future for an awaitable given twice), and a future done when
    /// all are, or at the first failure (the others run on).
    pub(super) fn gather(&mut self, items: Vec<Value>, return_exceptions: bool) -> R<Value> {
        if items.is_empty() {
            let f = new_future();
            self.set_result(&f, Value::list(Vec::new()));
            return Ok(f);
        }
        let mut children: Vec<Value> = Vec::with_capacity(items.len());
        let mut firsts: Vec<Value> = Vec::new();
        let mut seen: std::collections::HashMap<usize, usize> = Default::default();
        for item in items {
            let key = identity(&item);
            if let Some(&i) = key.and_then(|k| seen.get(&k)) {
                children.push(children[i].clone());
                continue;
            }
            let fut = self.ensure_future(item)?;
            if let Some(k) = key {
                seen.insert(k, children.len());
            }
            firsts.push(fut.clone());
            children.push(fut);
        }
        let distinct = firsts.len();
        let outer = Native::value(Future::new(FutKind::Gathering {
            children,
            return_exceptions,
            distinct,
        }));
        for f in &firsts {
            self.add_done_callback(f, DoneCb::Gather { outer: outer.clone() });
        }
        Ok(outer)
    }

    fn shield(&mut self, arg: Value) -> R<Value> {
        let inner = self.ensure_future(arg)?;
        if future_of(&inner).is_some_and(Future::done) {
            return Ok(inner);
        }
        let outer = new_future();
        self.add_done_callback(&inner, DoneCb::ShieldInner(outer.clone()));
        self.add_done_callback(&outer, DoneCb::ShieldOuter(inner));
        Ok(outer)
    }

    /// `as_completed(fs, timeout=...)`: each awaitable as a future, a queue
    /// its done callback feeds, and as many awaitables of the next result;
    /// at the timeout (`_on_timeout`) the callbacks are removed and the
    /// queue gets a `None` (a `TimeoutError`) for each future not done.
    fn as_completed(&mut self, fs: Value, timeout: Value) -> R<Value> {
        if future_of(&fs).is_some() || matches!(fs, Value::Coroutine(_)) {
            return type_err(format!("expect an iterable of futures, not {}", fs.type_name()));
        }
        let items = self.iterate(&fs)?;
        let done = Native::value(SyncObj::new(SyncKind::Queue, 0, None));
        // `set(fs)`: an awaitable given twice is awaited once.
        let mut todo: Vec<Value> = Vec::new();
        let mut seen: std::collections::HashSet<usize> = Default::default();
        for item in items {
            if identity(&item).is_some_and(|k| !seen.insert(k)) {
                continue;
            }
            todo.push(self.ensure_future(item)?);
        }
        for f in &todo {
            self.add_done_callback(f, DoneCb::AsCompleted(done.clone()));
        }
        if !todo.is_empty() && !matches!(timeout, Value::None) {
            // `loop.call_later(timeout, ...)` adds it to the loop's time.
            if !matches!(timeout, Value::Int(_) | Value::Float(_) | Value::Bool(AlignedBool(_))) {
                return type_err(format!(
                    "unsupported operand type(s) for +: 'float' and '{}'",
                    timeout.type_name()
                ));
            }
            let h = Handle::Callback(
                DoneCb::AsCompletedTimeout(done.clone()),
                Value::list(todo.clone()),
            );
            self.event_loop.clock.call_later(seconds(&timeout), h, None);
        }
        let waits: Vec<Value> = (0..todo.len())
            .map(|_| {
                timed(TimedKind::Op { obj: done.clone(), op: SyncOp::NextDone, arg: Value::None })
            })
            .collect();
        Ok(Value::iter(IterState::Items(waits.into())))
    }

    fn future_method(
        &mut self,
        fut: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let Some(f) = future_of(fut) else { return Ok(Value::None) };
        let is_task = f.task_slot().is_some();
        match name {
            "done" => no_args(name, &args, &kwargs).map(|()| Value::Bool(AlignedBool(f.done()))),
            "cancelled" => {
                no_args(name, &args, &kwargs).map(|()| Value::Bool(AlignedBool(f.cancelled())))
            }
            "result" => {
                no_args(name, &args, &kwargs)?;
                match f.outcome() {
                    None => exc(ExcKind::InvalidStateError, "Result is not set."),
                    Some(Ok(v)) => Ok(v),
                    Some(Err(e)) => Err(Fault::Exc(e)),
                }
            }
            "exception" => {
                no_args(name, &args, &kwargs)?;
                match f.outcome() {
                    None => exc(ExcKind::InvalidStateError, "Exception is not set."),
                    Some(Ok(_)) => Ok(Value::None),
                    Some(Err(e)) if f.cancelled() => Err(Fault::Exc(e)),
                    Some(Err(e)) => Ok(Value::Exc(e)),
                }
            }
            "cancel" => {
                let msg = args.into_iter().next().or_else(|| kw(&kwargs, "msg").cloned());
                let msg = msg.filter(|m| !matches!(m, Value::None));
                Ok(Value::Bool(AlignedBool(self.cancel_future(fut, msg))))
            }
            "cancelling" if is_task => Ok(Value::Int(i64::from(f.inner.borrow().cancels))),
            "uncancel" if is_task => {
                let mut i = f.inner.borrow_mut();
                i.cancels = i.cancels.saturating_sub(1);
                Ok(Value::Int(i64::from(i.cancels)))
            }
            "get_name" if is_task => match &f.kind {
                FutKind::Task { name, .. } => Ok(Value::str(name.borrow().as_str())),
                _ => Ok(Value::None),
            },
            "set_name" if is_task => {
                let v = one_arg(name, args)?;
                let text = crate::format::repr::str_value(&mut self.meter, v)?;
                if let (FutKind::Task { name, .. }, Value::Str(s)) = (&f.kind, &text) {
                    *name.borrow_mut() = s.as_str().to_string();
                }
                Ok(Value::None)
            }
            "add_done_callback" => {
                let cb = args.into_iter().next().unwrap_or(Value::None);
                self.add_done_callback(fut, DoneCb::User(cb));
                Ok(Value::None)
            }
            "remove_done_callback" => {
                let cb = one_arg(name, args)?;
                Ok(Value::Int(self.remove_done_callback(fut, &cb) as i64))
            }
            "set_result" | "set_exception" if is_task => {
                exc(ExcKind::RuntimeError, format!("Task does not support {name} operation"))
            }
            "set_result" | "set_exception" => {
                let v = one_arg(name, args)?;
                if f.done() {
                    let state = if f.cancelled() { "CANCELLED" } else { "FINISHED" };
                    let r = repr_of(fut);
                    return exc(ExcKind::InvalidStateError, format!("invalid state: {state}: {r}"));
                }
                if name == "set_result" {
                    self.set_result(fut, v);
                } else {
                    let e = self.make_exception(v)?;
                    self.set_exception(fut, e);
                }
                Ok(Value::None)
            }
            _ => exc(
                ExcKind::AttributeError,
                format!("'{}' object has no attribute '{name}'", fut.type_name()),
            ),
        }
    }

    fn sync_method(
        &mut self,
        obj: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let Some(s) = sync_of(obj) else { return Ok(Value::None) };
        if !kwargs.is_empty() {
            return type_err(format!("{name}() takes no keyword arguments"));
        }
        let op = |op: SyncOp, arg: Value| timed(TimedKind::Op { obj: obj.clone(), op, arg });
        match (s.kind, name) {
            (SyncKind::Event, "wait") => Ok(op(SyncOp::EventWait, Value::None)),
            (SyncKind::Event, "is_set") => Ok(Value::Bool(AlignedBool(s.st.borrow().flag))),
            (SyncKind::Event, "clear") => {
                s.st.borrow_mut().flag = false;
                Ok(Value::None)
            }
            (SyncKind::Event, "set") => {
                self.event_set(obj);
                Ok(Value::None)
            }
            (SyncKind::Lock | SyncKind::Semaphore, "acquire") => {
                Ok(op(SyncOp::Acquire, Value::None))
            }
            (SyncKind::Lock | SyncKind::Semaphore, "locked") => {
                Ok(Value::Bool(AlignedBool(s.locked())))
            }
            (SyncKind::Lock, "release") => {
                if !s.st.borrow().flag {
                    return exc(ExcKind::RuntimeError, "Lock is not acquired.");
                }
                s.st.borrow_mut().flag = false;
                self.wake_first(obj);
                Ok(Value::None)
            }
            (SyncKind::Semaphore, "release") => {
                s.st.borrow_mut().value += 1;
                self.wake_next(obj);
                Ok(Value::None)
            }
            (SyncKind::Queue, "get") => Ok(op(SyncOp::Get, Value::None)),
            (SyncKind::Queue, "put") => Ok(op(SyncOp::Put, one_arg(name, args)?)),
            (SyncKind::Queue, "join") => Ok(op(SyncOp::Join, Value::None)),
            (SyncKind::Queue, "put_nowait") => {
                if s.full() {
                    return Err(Fault::Exc(Exception::with_args(ExcKind::QueueFull, Vec::new())));
                }
                self.queue_put_nowait(obj, one_arg(name, args)?)?;
                Ok(Value::None)
            }
            (SyncKind::Queue, "get_nowait") => self.queue_get_nowait(obj),
            (SyncKind::Queue, "qsize") => Ok(Value::Int(s.st.borrow().items.len() as i64)),
            (SyncKind::Queue, "empty") => {
                Ok(Value::Bool(AlignedBool(s.st.borrow().items.is_empty())))
            }
            (SyncKind::Queue, "full") => Ok(Value::Bool(AlignedBool(s.full()))),
            (SyncKind::Queue, "task_done") => {
                let done = {
                    let mut st = s.st.borrow_mut();
                    if st.unfinished <= 0 {
                        return value_err("task_done() called too many times");
                    }
                    st.unfinished -= 1;
                    if st.unfinished == 0 { st.finished.clone() } else { None }
                };
                if let Some(ev) = done {
                    self.event_set(&ev);
                }
                Ok(Value::None)
            }
            _ => exc(
                ExcKind::AttributeError,
                format!("'{}' object has no attribute '{name}'", obj.type_name()),
            ),
        }
    }

    /// `Event.set()`: every waiter not done yet gets `True`.
    fn event_set(&mut self, ev: &Value) {
        let Some(s) = sync_of(ev) else { return };
        let waiters: Vec<Value> = {
            let mut st = s.st.borrow_mut();
            if st.flag {
                return;
            }
            st.flag = true;
            st.waiters.iter().cloned().collect()
        };
        for w in waiters {
            if future_of(&w).is_some_and(|f| !f.done()) {
                self.set_result(&w, Value::Bool(AlignedBool(true)));
            }
        }
    }

    /// `Lock._wake_up_first()`: the first waiter, if not done, gets `True`.
    fn wake_first(&mut self, lock: &Value) {
        let first = sync_of(lock).and_then(|s| s.st.borrow().waiters.front().cloned());
        if let Some(w) = first {
            if future_of(&w).is_some_and(|f| !f.done()) {
                self.set_result(&w, Value::Bool(AlignedBool(true)));
            }
        }
    }

    /// `Semaphore._wake_up_next()`: the first waiter not done takes a unit.
    fn wake_next(&mut self, sem: &Value) {
        let Some(s) = sync_of(sem) else { return };
        let next =
            s.st.borrow().waiters.iter().find(|w| future_of(w).is_some_and(|f| !f.done())).cloned();
        if let Some(w) = next {
            s.st.borrow_mut().value -= 1;
            self.set_result(&w, Value::Bool(AlignedBool(true)));
        }
    }

    /// `Queue._wakeup_next(waiters)`: the first waiter not done gets `None`
    /// (the done ones before it leave).
    fn wakeup_next(&mut self, q: &Value, putters: bool) {
        let Some(s) = sync_of(q) else { return };
        loop {
            let w = {
                let mut st = s.st.borrow_mut();
                if putters { st.putters.pop_front() } else { st.waiters.pop_front() }
            };
            let Some(w) = w else { return };
            if future_of(&w).is_some_and(|f| !f.done()) {
                self.set_result(&w, Value::None);
                return;
            }
        }
    }

    pub(super) fn queue_put_nowait(&mut self, q: &Value, item: Value) -> R<()> {
        let Some(s) = sync_of(q) else { return Ok(()) };
        self.meter.alloc(std::mem::size_of::<Value>())?;
        let finished = {
            let mut st = s.st.borrow_mut();
            st.items.push_back(item);
            st.unfinished += 1;
            st.finished.clone()
        };
        if let Some(ev) = finished.as_ref().and_then(sync_of) {
            ev.st.borrow_mut().flag = false;
        }
        self.wakeup_next(q, false);
        Ok(())
    }

    fn queue_get_nowait(&mut self, q: &Value) -> R<Value> {
        let item = sync_of(q).and_then(|s| s.st.borrow_mut().items.pop_front());
        let Some(item) = item else {
            return Err(Fault::Exc(Exception::with_args(ExcKind::QueueEmpty, Vec::new())));
        };
        self.meter.account.credit(std::mem::size_of::<Value>());
        self.wakeup_next(q, true);
        Ok(item)
    }

    /// A primitive's wait tried now: done, or a new waiter queued.
    fn try_op(&mut self, obj: &Value, op: SyncOp, arg: &Value) -> R<OpStep> {
        let Some(s) = sync_of(obj) else { return Ok(OpStep::Ready(Value::None)) };
        let ready = match (s.kind, op) {
            (_, SyncOp::EventWait) => s.st.borrow().flag.then_some(Value::Bool(AlignedBool(true))),
            (SyncKind::Lock, _) => {
                let free = {
                    let st = s.st.borrow();
                    !st.flag
                        && st.waiters.iter().all(|w| future_of(w).is_some_and(Future::cancelled))
                };
                if free {
                    s.st.borrow_mut().flag = true;
                }
                free.then_some(Value::Bool(AlignedBool(true)))
            }
            (SyncKind::Semaphore, _) => {
                let free = !s.locked();
                if free {
                    s.st.borrow_mut().value -= 1;
                }
                free.then_some(Value::Bool(AlignedBool(true)))
            }
            (_, SyncOp::Get | SyncOp::NextDone) => {
                if s.st.borrow().items.is_empty() {
                    None
                } else {
                    Some(self.queue_get_nowait(obj)?)
                }
            }
            (_, SyncOp::Put) => {
                if s.full() {
                    None
                } else {
                    self.queue_put_nowait(obj, arg.clone())?;
                    Some(Value::None)
                }
            }
            (_, SyncOp::Acquire | SyncOp::Enter) => None,
            (_, SyncOp::Join) => {
                let ev = s.st.borrow().finished.clone();
                let busy = s.st.borrow().unfinished > 0;
                return match ev {
                    Some(ev) if busy => self.try_op(&ev, SyncOp::EventWait, arg),
                    _ => Ok(OpStep::Ready(Value::None)),
                };
            }
        };
        if let Some(v) = ready {
            if op == SyncOp::NextDone {
                return match future_of(&v).and_then(Future::outcome) {
                    Some(Ok(r)) => Ok(OpStep::Ready(r)),
                    Some(Err(e)) => Err(Fault::Exc(e)),
                    None => {
                        Err(Fault::Exc(Exception::with_args(ExcKind::TimeoutError, Vec::new())))
                    }
                };
            }
            return Ok(OpStep::Ready(v));
        }
        let waiter = new_future();
        {
            let mut st = s.st.borrow_mut();
            if op == SyncOp::Put { &mut st.putters } else { &mut st.waiters }
                .push_back(waiter.clone());
        }
        Ok(OpStep::Block(waiter))
    }

    /// Awaiting one of the loop's coroutines: a sleep, a `wait_for`, a
    /// primitive's wait.
    pub(super) fn await_timed(&mut self, v: &Value) -> R<Awaited> {
        let Some(t) = Native::of::<Timed>(v) else { return Ok(Awaited::End(None)) };
        if t.awaited.replace(true) {
            return exc(ExcKind::RuntimeError, "cannot reuse already awaited coroutine");
        }
        self.meter.fuel(crate::cost::FUEL_PER_AWAIT)?;
        match &t.what {
            TimedKind::Sleep { delay, result } => {
                if self.compare(CmpOp::LtE, delay, &Value::Int(0))? {
                    return Ok(Awaited::End(Some(ExecEnd::Yield(result.clone()))));
                }
                let f = new_future();
                let h = Handle::SetResult(f.clone(), result.clone());
                self.event_loop.clock.call_later(seconds(delay), h, None);
                Ok(Awaited::End(Some(ExecEnd::Block(f))))
            }
            TimedKind::WaitFor { awaitable, timeout } => {
                self.start_wait_for(awaitable.clone(), timeout.clone())
            }
            TimedKind::Op { obj, op, arg } => {
                let (obj, op, arg) = (obj.clone(), *op, arg.clone());
                self.op_step(obj, op, arg)
            }
            TimedKind::Enter { mgr } => self.await_enter(mgr.clone()),
            TimedKind::Exit { mgr, exc } => self.await_exit(mgr.clone(), exc.clone()),
        }
    }

    /// Tries a primitive's wait for the running task: its value, or the
    /// task waits with the continuation that tries again.
    pub(super) fn op_step(&mut self, obj: Value, op: SyncOp, arg: Value) -> R<Awaited> {
        match self.try_op(&obj, op, &arg)? {
            OpStep::Ready(v) => {
                let v = if op == SyncOp::Enter { Value::None } else { v };
                top!(self).stack.push(v);
                Ok(Awaited::End(None))
            }
            OpStep::Block(waiter) => {
                self.set_cont(Cont::Retry { obj, op, arg, waiter: waiter.clone() });
                Ok(Awaited::End(Some(ExecEnd::Block(waiter))))
            }
        }
    }

    pub(super) fn set_cont(&mut self, c: Cont) {
        if let Some(Some(t)) = self.event_loop.tasks.get_mut(self.event_loop.current_task) {
            t.cont = Some(c);
        }
    }

    /// `wait_for(aw, timeout)` as CPython 3.11 writes it.
    fn start_wait_for(&mut self, aw: Value, timeout: Value) -> R<Awaited> {
        if matches!(timeout, Value::None) {
            return Ok(Awaited::Again(aw));
        }
        let over = self.compare(CmpOp::LtE, &timeout, &Value::Int(0))?;
        if over {
            let fut = self.ensure_future(aw)?;
            if let Some(r) = future_of(&fut).and_then(Future::outcome) {
                return match r {
                    Ok(v) => {
                        top!(self).stack.push(v);
                        Ok(Awaited::End(None))
                    }
                    Err(e) => Err(Fault::Exc(e)),
                };
            }
            let timer = Rc::new(Cell::new(false));
            let waiter = self.cancel_and_wait(&fut);
            self.set_cont(Cont::Cancelling { fut, waiter: waiter.clone(), timer, reraise: None });
            return Ok(Awaited::End(Some(ExecEnd::Block(waiter))));
        }
        let waiter = new_future();
        let timer = Rc::new(Cell::new(false));
        let h = Handle::Callback(DoneCb::Release(waiter.clone()), Value::None);
        self.event_loop.clock.call_later(seconds(&timeout), h, Some(timer.clone()));
        let fut = self.ensure_future(aw)?;
        self.add_done_callback(&fut, DoneCb::Release(waiter.clone()));
        self.set_cont(Cont::WaitFor { fut, waiter: waiter.clone(), timer });
        Ok(Awaited::End(Some(ExecEnd::Block(waiter))))
    }

    /// `_cancel_and_wait(fut)` up to its `await waiter`.
    fn cancel_and_wait(&mut self, fut: &Value) -> Value {
        let waiter = new_future();
        self.add_done_callback(fut, DoneCb::Release(waiter.clone()));
        self.cancel_future(fut, None);
        waiter
    }

    /// `Task.__wakeup`: the future the task awaited is done (`send` is its
    /// outcome); its continuation runs first, if it left one.
    pub(super) fn wake_task(
        &mut self,
        t: usize,
        era: u64,
        send: Result<Value, Rc<Exception>>,
    ) -> R<()> {
        let Some(task) = self.event_loop.task_mut(t, era) else { return Ok(()) };
        let Some(cont) = task.cont.take() else {
            return self.step_task(t, era, Some(send));
        };
        let fut = task.fut.clone();
        let Some(f) = future_of(&fut) else { return Ok(()) };
        if f.done() {
            return Ok(());
        }
        let send = {
            let mut i = f.inner.borrow_mut();
            i.waiting_on = None;
            if std::mem::take(&mut i.must_cancel) {
                Err(cancelled_error(i.cancel_msg.as_ref()))
            } else {
                send
            }
        };
        self.event_loop.current_task = t;
        match self.continue_wait(cont, send) {
            Ok(Some((waiter, cont))) => {
                if let Some(task) = self.event_loop.task_mut(t, era) {
                    task.cont = Some(cont);
                }
                self.block_on(t, era, &fut, waiter);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(Fault::Exc(e)) => self.step_task(t, era, Some(Err(e))),
            Err(f) => Err(f),
        }
    }

    /// A continuation, its waiter done with `send`: `Some` to wait again,
    /// or it delivered its result to the task (`step_task`).
    fn continue_wait(
        &mut self,
        cont: Cont,
        send: Result<Value, Rc<Exception>>,
    ) -> R<Option<(Value, Cont)>> {
        let t = self.event_loop.current_task;
        let era = self.event_loop.tasks.get(t).and_then(Option::as_ref).map_or(0, |x| x.era);
        let deliver = match cont {
            Cont::WaitFor { fut, waiter, timer } => {
                if let Some(r) = future_of(&fut).and_then(Future::outcome) {
                    timer.set(true);
                    r
                } else {
                    self.remove_done_callback(&fut, &waiter);
                    let w2 = self.cancel_and_wait(&fut);
                    let reraise = send.err();
                    return Ok(Some((
                        w2.clone(),
                        Cont::Cancelling { fut, waiter: w2, timer, reraise },
                    )));
                }
            }
            Cont::Cancelling { fut, waiter, timer, reraise } => {
                self.remove_done_callback(&fut, &waiter);
                timer.set(true);
                match (send, reraise) {
                    (Err(e), _) | (Ok(_), Some(e)) => Err(e),
                    (Ok(_), None) => match future_of(&fut).and_then(Future::outcome) {
                        Some(Err(e)) if matches!(e.kind, ExcKind::CancelledError) => {
                            Err(Exception::with_args(ExcKind::TimeoutError, Vec::new()))
                        }
                        Some(r) => r,
                        None => Ok(Value::None),
                    },
                }
            }
            Cont::Retry { obj, op, arg, waiter } => {
                return self.retry_op(obj, op, arg, waiter, send);
            }
            Cont::TaskGroupExit { tg, exc, propagate } => {
                match self.taskgroup_exit_woken(tg, exc, propagate, send)? {
                    crate::vm::taskgroup::TgStep::Wait(w, c) => return Ok(Some((w, c))),
                    crate::vm::taskgroup::TgStep::Done(r) => r,
                }
            }
        };
        self.step_task(t, era, Some(deliver))?;
        Ok(None)
    }

    /// A primitive's waiter is done: the wait ends, or tries again (a
    /// queue's), as CPython's methods go on after their `await`.
    fn retry_op(
        &mut self,
        obj: Value,
        op: SyncOp,
        arg: Value,
        waiter: Value,
        send: Result<Value, Rc<Exception>>,
    ) -> R<Option<(Value, Cont)>> {
        let t = self.event_loop.current_task;
        let era = self.event_loop.tasks.get(t).and_then(Option::as_ref).map_or(0, |x| x.era);
        let Some(s) = sync_of(&obj) else { return Ok(None) };
        let kind = s.kind;
        let holder = match (op, s.st.borrow().finished.clone()) {
            (SyncOp::Join, Some(ev)) => ev,
            _ => obj.clone(),
        };
        let deliver = match (kind, op) {
            (SyncKind::Queue, SyncOp::Get | SyncOp::Put | SyncOp::NextDone) => {
                if let Err(e) = send {
                    self.cancel_plain(&waiter, None);
                    let putters = op == SyncOp::Put;
                    if let Some(s) = sync_of(&obj) {
                        let mut st = s.st.borrow_mut();
                        let list = if putters { &mut st.putters } else { &mut st.waiters };
                        list.retain(|w| !same(w, &waiter));
                    }
                    let again = if putters { !s.full() } else { !s.st.borrow().items.is_empty() };
                    if again && !future_of(&waiter).is_some_and(Future::cancelled) {
                        self.wakeup_next(&obj, putters);
                    }
                    Err(e)
                } else {
                    match self.try_op(&obj, op, &arg) {
                        Ok(OpStep::Ready(v)) => Ok(v),
                        Ok(OpStep::Block(w)) => {
                            return Ok(Some((w.clone(), Cont::Retry { obj, op, arg, waiter: w })));
                        }
                        Err(Fault::Exc(e)) => Err(e),
                        Err(f) => return Err(f),
                    }
                }
            }
            _ => {
                if let Some(h) = sync_of(&holder) {
                    h.st.borrow_mut().waiters.retain(|w| !same(w, &waiter));
                }
                match (kind, op, send) {
                    (_, SyncOp::Join, r) => r.map(|_| Value::None),
                    (SyncKind::Lock, _, Err(e)) => {
                        if !s.st.borrow().flag {
                            self.wake_first(&obj);
                        }
                        Err(e)
                    }
                    (SyncKind::Lock, _, Ok(_)) => {
                        s.st.borrow_mut().flag = true;
                        Ok(Value::Bool(AlignedBool(true)))
                    }
                    (SyncKind::Semaphore, _, Err(e)) => {
                        if !future_of(&waiter).is_some_and(Future::cancelled) {
                            s.st.borrow_mut().value += 1;
                            self.wake_next(&obj);
                        }
                        Err(e)
                    }
                    (SyncKind::Semaphore, _, Ok(_)) => {
                        if s.st.borrow().value > 0 {
                            self.wake_next(&obj);
                        }
                        Ok(Value::Bool(AlignedBool(true)))
                    }
                    (_, _, r) => r.map(|_| Value::Bool(AlignedBool(true))),
                }
            }
        };
        let deliver = if op == SyncOp::Enter { deliver.map(|_| Value::None) } else { deliver };
        self.step_task(t, era, Some(deliver))?;
        Ok(None)
    }
}

/// The identity a gather dedupes its arguments by (`arg not in arg_to_fut`).
fn identity(v: &Value) -> Option<usize> {
    match v {
        Value::Coroutine(c) => Some(Rc::as_ptr(c) as *const u8 as usize),
        Value::HostFuture(h) => Some(Rc::as_ptr(h) as *const u8 as usize),
        Value::Native(n) => Some(Rc::as_ptr(n) as *const u8 as usize),
        Value::Gather(g) => Some(Rc::as_ptr(g) as *const u8 as usize),
        _ => None,
    }
}

/// A short repr for an error message.
pub(super) fn repr_of(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{}'", s.as_str()),
        Value::Int(i) => i.to_string(),
        Value::None => "None".into(),
        other => format!("<{} object>", other.type_name()),
    }
}
