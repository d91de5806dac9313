//! The event loop, on CPython 3.11's task model: a cell runs as the main
//! task (`asyncio.run`'s); `create_task` and the functions built on it
//! start tasks, each a slot of the loop's task table; the ready queue holds
//! the callbacks to run (a task's step, a future's done callbacks) and each
//! round runs the ones that were ready when it began, as `_run_once` does.
//! A task that awaits a pending future is woken by the future's callback;
//! one that awaits host calls is parked until the embedder answers them,
//! and the loop reports the pending calls when nothing else can run. Every
//! step is constant work besides the task's own: the loop is linear in the
//! tasks that run (40k tasks each awaiting `sleep(0)` twice, see
//! docs/decisions/rlm-interp.md).
//!
//! When the main task is done the loop runs one more round (CPython's stop
//! callback), cancels the tasks still pending and runs until they end,
//! as `asyncio.run` does, so their `finally` blocks run.

use std::rc::Rc;

use crate::compile::Code;
use crate::fault::{Fault, PendingCall, R, exc, type_err};
use crate::modules::asyncio::future::{Future, future_of};
use crate::value::frame::{Collect, Frame};
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::event_loop::LoopPhase;
use crate::vm::{ExecEnd, Handle, RunState, Task, Vm, Wait, pop};

/// How the main task ended, once it did.
type MainEnd = Result<(), Rc<Exception>>;

impl Vm {
    // ------------------------------------------------------------ running

    /// Start running a compiled cell on a fresh main task.
    pub(crate) fn start(&mut self, code: Rc<Code>) -> RunState {
        self.ran_code = true;
        self.begin_cell();
        self.meter.arm_checkpoint();
        if self.globals.values.len() < self.globals.gnames.names.len() {
            self.globals.values.resize(self.globals.gnames.names.len(), None);
        }
        self.output.total = 0;
        self.event_loop.reset();
        drop(self.host_calls.clear());
        self.frames.stack.clear();
        let frame = Frame {
            locals: vec![None; code.local_names.len()],
            code,
            pc: 0,
            stack: OperandStack::default(),
            cells: Vec::new(),
            blocks: Vec::new(),
            handled: Vec::new(),
            // One per cell, bounded by the source-size cap.
            _charge: None,
            collect: Collect::No,
        };
        let (slot, _) = self.event_loop.new_task(vec![frame]);
        self.event_loop.current_task = slot;
        self.schedule()
    }

    /// `EventLoop::new_task` for a task the program makes (`create_task`,
    /// `ensure_future`, a gather's part): it lives beyond the call stack,
    /// where the call-depth cap bounds the frames, so it is charged at its
    /// size before it is made: its frames' buffers (those no charge of their
    /// own covers) and the vector holding them, its slot (twice, for the
    /// vector's doubling), its future with its name, and its step in the
    /// ready queue. Uncharged, `gather` over 84,232 tasks held 108 MiB of
    /// heap for 1.3 MiB counted (issue #77).
    pub(super) fn new_charged_task(&mut self, frames: Vec<Frame>) -> R<(usize, Value)> {
        use crate::mem::{block, rc_block, vec_block};
        let buffers: usize =
            frames.iter().filter(|f| f._charge.is_none()).map(Frame::buffers_cost).sum();
        let bytes = vec_block::<Frame>(frames.len())
            + buffers
            + 2 * std::mem::size_of::<Option<Task>>()
            + rc_block::<Future>()
            + block(16)
            + std::mem::size_of::<Handle>();
        self.meter.alloc(bytes)?;
        self.meter.account.charge(bytes);
        let charge =
            crate::value::frame::FrameCharge { account: self.meter.account.clone(), bytes };
        let (slot, fut) = self.event_loop.new_task(frames);
        if let Some(Some(t)) = self.event_loop.tasks.get_mut(slot) {
            t.charge = Some(charge);
        }
        Ok((slot, fut))
    }

    pub(crate) fn resume(&mut self) -> RunState {
        self.meter.arm_checkpoint();
        for ((t, era, slot), result) in self.host_calls.take_answers() {
            let r = result.map_err(|e| Exception::new(e.kind, e.message));
            self.fill_slot(t, era, slot, r);
        }
        self.schedule()
    }

    /// A host call's answer for task `t`: once all its calls are answered
    /// (or one failed) it steps on with them.
    fn fill_slot(&mut self, t: usize, era: u64, slot: usize, r: Result<Value, Rc<Exception>>) {
        let Some(task) = self.event_loop.task_mut(t, era) else { return };
        let Some(wait) = task.host.as_mut() else { return };
        let send = match r {
            Ok(v) => {
                if let Some(s) = wait.slots.get_mut(slot).filter(|s| s.is_none()) {
                    *s = Some(v);
                    wait.remaining -= 1;
                }
                if wait.remaining > 0 {
                    return;
                }
                let Some(w) = task.host.take() else { return };
                let vals: Vec<Value> =
                    w.slots.into_iter().map(|s| s.unwrap_or(Value::None)).collect();
                Ok(if w.single {
                    vals.into_iter().next().unwrap_or(Value::None)
                } else {
                    Value::list(vals)
                })
            }
            Err(e) => {
                task.host = None;
                self.host_calls.forget_task(t, era);
                Err(e)
            }
        };
        self.event_loop.ready.push_back(Handle::Step { task: t, era, send: Some(send) });
    }

    /// Run the ready callbacks, round after round, until the main task and
    /// the tasks cancelled after it are done, or everything waits on the host.
    fn schedule(&mut self) -> RunState {
        if let Some(limit) = self.output.pending_limit.take() {
            self.note_stop(self.event_loop.current_task);
            return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(limit));
        }
        loop {
            if let Some(end) = self.loop_round_end() {
                return end;
            }
            if self.event_loop.ready.is_empty() {
                if !self.host_calls.pending.is_empty() {
                    return self.suspend_for_host();
                }
                if matches!(self.event_loop.loop_phase, LoopPhase::LastRound) {
                    // The round after the main task's end ran: what is left is cancelled.
                    continue;
                }
                if !self.event_loop.fire_due_timers(true) {
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::exception(
                        &Exception::new(
                            ExcKind::RuntimeError,
                            "deadlock: every task waits and no host call is pending",
                        ),
                    ));
                }
            }
            let n = self.event_loop.ready.len();
            for _ in 0..n {
                let Some(h) = self.event_loop.ready.pop_front() else { break };
                if let Err(f) = self.run_handle(h) {
                    match f {
                        Fault::Final(v) => return RunState::Final(v),
                        Fault::Limit(l) => {
                            self.note_stop(self.event_loop.current_task);
                            return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(l));
                        }
                        Fault::Exc(e) => {
                            return RunState::Error(
                                crate::error_info::RuntimeErrorInfo::exception(&e),
                            );
                        }
                        Fault::Suspend(..) => {
                            return RunState::Error(
                                crate::error_info::RuntimeErrorInfo::exception(&Exception::new(
                                    ExcKind::RuntimeError,
                                    "internal: stray suspension",
                                )),
                            );
                        }
                    }
                }
            }
            self.event_loop.fire_due_timers(false);
        }
    }

    /// Between two rounds: what `asyncio.run` does once the main task is
    /// done (one more round, then the pending tasks cancelled and run to
    /// their end); `Some` when the cell is over.
    fn loop_round_end(&mut self) -> Option<RunState> {
        match self.event_loop.loop_phase {
            LoopPhase::Main => {
                if self.main_end().is_some() {
                    self.event_loop.loop_phase = LoopPhase::LastRound;
                    if self.event_loop.ready.is_empty() {
                        return self.loop_round_end();
                    }
                }
                None
            }
            LoopPhase::LastRound => {
                let mut any = false;
                for slot in 1..self.event_loop.tasks.len() {
                    let Some(fut) = self.event_loop.tasks[slot].as_ref().map(|t| t.fut.clone())
                    else {
                        continue;
                    };
                    if future_of(&fut).is_some_and(|f| !f.done()) {
                        any = true;
                        self.cancel_future(&fut, None);
                    }
                }
                self.event_loop.loop_phase = LoopPhase::Cancelling;
                if any { None } else { Some(self.cell_end()) }
            }
            LoopPhase::Cancelling => {
                let busy = self
                    .event_loop
                    .tasks
                    .iter()
                    .skip(1)
                    .flatten()
                    .any(|t| future_of(&t.fut).is_some_and(|f| !f.done()));
                if busy { None } else { Some(self.cell_end()) }
            }
        }
    }

    /// How the main task ended, if it did.
    fn main_end(&self) -> Option<MainEnd> {
        let main = self.event_loop.tasks.first()?.as_ref()?;
        let f = future_of(&main.fut)?;
        f.outcome().map(|r| r.map(|_| ()))
    }

    /// The cell's end: the main task's exception, if it raised.
    fn cell_end(&mut self) -> RunState {
        match self.main_end() {
            Some(Err(e)) => RunState::Error(crate::error_info::RuntimeErrorInfo::exception(&e)),
            _ => RunState::Done,
        }
    }

    /// Every task waits on the host: the pending calls leave once paid for.
    fn suspend_for_host(&mut self) -> RunState {
        let calls = self.host_calls.pending_calls();
        if let Err(l) = self.host_calls.charge(&mut self.meter, &calls) {
            self.note_stop(self.event_loop.current_task);
            return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(l));
        }
        RunState::Suspended(calls)
    }

    /// Runs one ready callback. A fault is the cell's end (a limit, a
    /// `FINAL`, an internal error); a task's exception is its future's.
    fn run_handle(&mut self, h: Handle) -> R<()> {
        match h {
            Handle::Step { task, era, send } => self.step_task(task, era, send),
            Handle::Wakeup { task, era, fut } => {
                let send = match future_of(&fut).and_then(Future::outcome) {
                    Some(r) => r,
                    None => Err(Exception::new(ExcKind::RuntimeError, "internal: woken early")),
                };
                self.wake_task(task, era, send)
            }
            Handle::Callback(cb, fut) => self.run_done_callback(cb, fut),
            Handle::SetResult(fut, v) => {
                if future_of(&fut).is_some_and(|f| !f.done()) {
                    self.set_result(&fut, v);
                }
                Ok(())
            }
        }
    }

    /// `Task.__step`: the task's coroutine runs on, sent `send` (or thrown
    /// its error, or a cancel asked before), to its next wait or its end.
    pub(super) fn step_task(
        &mut self,
        t: usize,
        era: u64,
        mut send: Option<Result<Value, Rc<Exception>>>,
    ) -> R<()> {
        let Some(task) = self.event_loop.task_mut(t, era) else { return Ok(()) };
        let fut = task.fut.clone();
        let Some(f) = future_of(&fut) else { return Ok(()) };
        if f.done() {
            return Ok(());
        }
        {
            let mut inner = f.inner.borrow_mut();
            if inner.must_cancel {
                inner.must_cancel = false;
                let msg = inner.cancel_msg.clone();
                send = Some(Err(crate::modules::asyncio::future::cancelled_error(msg.as_ref())));
            }
            inner.waiting_on = None;
        }
        let Some(task) = self.event_loop.task_mut(t, era) else { return Ok(()) };
        let started = std::mem::replace(&mut task.started, true);
        if !started && matches!(send, Some(Err(_))) {
            // An exception thrown into a coroutine that never ran ends it
            // there, its body unrun.
            task.frames.clear();
        }
        if started {
            // A task resumed (its frames moved back, its wait's value
            // sent); a task's first step was paid when it was made.
            self.meter.fuel(crate::cost::FUEL_PER_AWAIT)?;
        }
        self.event_loop.current_task = t;
        if let Some(task) = self.event_loop.tasks[t].as_mut() {
            self.frames.stack.swap_with(&mut task.frames);
        }
        let result = match send {
            _ if self.frames.stack.is_empty() => match send {
                Some(Err(e)) => Err(Fault::Exc(e)),
                _ => Err(crate::vm::internal("a task without frames")),
            },
            Some(Ok(v)) => {
                if let Some(f) = self.frames.stack.last_mut() {
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
        if let Some(task) = self.event_loop.tasks[t].as_mut() {
            self.frames.stack.swap_with(&mut task.frames);
        }
        self.frames.stack.clear();
        self.after_step(t, era, &fut, result)
    }

    /// What the task's step ended with: its end (its future's result or
    /// exception), or what it waits for now.
    fn after_step(&mut self, t: usize, era: u64, fut: &Value, result: R<ExecEnd>) -> R<()> {
        match result {
            Ok(ExecEnd::Returned(v)) => {
                self.event_loop.end_task(t);
                let must = future_of(fut).map(|f| {
                    let mut i = f.inner.borrow_mut();
                    (std::mem::take(&mut i.must_cancel), i.cancel_msg.clone())
                });
                match must {
                    Some((true, msg)) => {
                        self.cancel_plain(fut, msg.as_ref());
                    }
                    _ => self.set_result(fut, v),
                }
            }
            Err(Fault::Exc(e)) => {
                self.event_loop.end_task(t);
                if matches!(e.kind, ExcKind::CancelledError) {
                    self.cancel_with(fut, e);
                } else {
                    self.set_exception(fut, e);
                }
            }
            Err(f) => {
                self.note_stop(t);
                return Err(f);
            }
            Ok(ExecEnd::Suspend(calls, single)) => {
                let n = calls.len();
                if let Some(task) = self.event_loop.task_mut(t, era) {
                    task.host = Some(Wait { slots: vec![None; n], remaining: n, single });
                }
                if n == 0 {
                    if let Some(task) = self.event_loop.task_mut(t, era) {
                        task.host = None;
                    }
                    let send = Some(Ok(Value::list(Vec::new())));
                    self.event_loop.ready.push_back(Handle::Step { task: t, era, send });
                }
                for (slot, c) in calls.into_iter().enumerate() {
                    self.host_calls.register(t, era, slot, c);
                }
            }
            Ok(ExecEnd::Block(on)) => self.block_on(t, era, fut, on),
            Ok(ExecEnd::Yield(v)) => {
                self.event_loop.ready.push_back(Handle::Step { task: t, era, send: Some(Ok(v)) })
            }
            Ok(ExecEnd::Yielded(_)) => return Err(crate::vm::internal("stray yield")),
        }
        Ok(())
    }

    /// The task awaits the pending future `on`: woken by its done callback
    /// (a cancel asked meanwhile goes to `on`, as CPython's step does).
    pub(super) fn block_on(&mut self, t: usize, era: u64, fut: &Value, on: Value) {
        let Some(f) = future_of(fut) else { return };
        f.inner.borrow_mut().waiting_on = Some(on.clone());
        if let Some(of) = future_of(&on) {
            of.inner
                .borrow_mut()
                .callbacks
                .push(crate::modules::asyncio::future::DoneCb::Wakeup { task: t, era });
        }
        let must = {
            let i = f.inner.borrow();
            i.must_cancel.then(|| i.cancel_msg.clone())
        };
        if let Some(msg) = must {
            if self.cancel_future(&on, msg) {
                f.inner.borrow_mut().must_cancel = false;
            }
        }
    }

    /// A coroutine's frame, bound to its arguments; a coroutine awaited or
    /// wrapped in a task before cannot be again.
    pub(super) fn coroutine_frame(&mut self, c: &Rc<std::cell::RefCell<Coroutine>>) -> R<Frame> {
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

    /// Await the value on top of the stack: push a coroutine's frame, or
    /// end the step with a suspension, a wait for a future or a yield.
    /// `wait_for(aw, None)` is `await aw`: a chain of them is unwound by
    /// this loop, not recursion.
    pub(super) fn await_value(&mut self) -> R<Option<ExecEnd>> {
        let mut v = pop(top!(self))?;
        loop {
            return match v {
                Value::Coroutine(c) => {
                    // The coroutine object made by the call, then its frame
                    // bound here: a call's work twice over.
                    self.meter.fuel(crate::cost::FUEL_PER_AWAIT)?;
                    let frame = self.coroutine_frame(&c)?;
                    self.push_frame(frame)?;
                    Ok(None)
                }
                Value::HostFuture(h) => {
                    if h.awaited.replace(true) {
                        return exc(
                            ExcKind::RuntimeError,
                            "cannot reuse already awaited coroutine",
                        );
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
                Value::Gather(g) => {
                    // `llm_batch_async(...)`: a gather of its calls.
                    v = self.gather(g.items.clone(), g.return_exceptions)?;
                    continue;
                }
                // `r = llm_query(p)` then `await r`: the reply is a str, awaited
                // as itself (the rule in grammar/reference.md).
                Value::Str(s) => {
                    top!(self).stack.push(Value::Str(s));
                    Ok(None)
                }
                Value::Native(ref n) if n.module::<Future>().is_some() => {
                    self.meter.fuel(crate::cost::FUEL_PER_AWAIT)?;
                    self.await_future(v)
                }
                Value::Native(ref n) if n.module::<crate::modules::asyncio::Timed>().is_some() => {
                    match self.await_timed(&v)? {
                        crate::vm::loop_ops::Awaited::End(end) => Ok(end),
                        crate::vm::loop_ops::Awaited::Again(inner) => {
                            v = inner;
                            continue;
                        }
                    }
                }
                other => type_err(format!(
                    "object {} can't be used in 'await' expression",
                    other.type_name()
                )),
            };
        }
    }

    /// `await fut`: its result at once when it is done, else the task
    /// waits for it (CPython's `Future.__await__`).
    pub(super) fn await_future(&mut self, v: Value) -> R<Option<ExecEnd>> {
        let Some(f) = future_of(&v) else { return Ok(None) };
        match f.outcome() {
            Some(Ok(r)) => {
                top!(self).stack.push(r);
                Ok(None)
            }
            Some(Err(e)) => Err(Fault::Exc(e)),
            None => {
                if self.frames.callback_depth > 0 {
                    return Err(Fault::Suspend(Vec::new(), true));
                }
                let own = self.event_loop.current();
                if own.is_some_and(|t| same(&t.fut, &v)) {
                    return exc(ExcKind::RuntimeError, "Task cannot await on itself");
                }
                Ok(Some(ExecEnd::Block(v)))
            }
        }
    }
}

/// Whether `a` and `b` are the same object.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Native(x), Value::Native(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
