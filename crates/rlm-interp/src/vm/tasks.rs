//! Tasks and suspension: a cell runs as a main task; `asyncio.gather`
//! starts child tasks; host calls park a task until the embedder answers
//! them; the scheduler runs whatever can run and reports the pending calls.

use std::cell::RefCell;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::{Code, Instr};
use crate::fault::{Fault, PendingCall, R, exc, type_err};
use crate::host::HostCall;
use crate::value::frame::{Collect, Frame};
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::clock::TimedStep;
use crate::vm::{ExecEnd, RunState, Task, Vm, Wait, pop};

impl Vm {
    // ------------------------------------------------------------ running

    /// Start running a compiled cell on a fresh main task.
    pub(crate) fn start(&mut self, code: Rc<Code>) -> RunState {
        self.ran_code = true;
        self.begin_cell();
        self.meter.arm_checkpoint();
        if self.globals.len() < self.gnames.names.len() {
            self.globals.resize(self.gnames.names.len(), None);
        }
        self.output_total = 0;
        self.tasks.clear();
        self.reset_clock();
        self.pending.clear();
        self.pending_calls_info.clear();
        self.answered.clear();
        self.frames.clear();
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
        self.meter.arm_checkpoint();
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

    pub(super) fn cancel_children(&mut self, parent: usize) {
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
        if let Some(limit) = self.pending_limit.take() {
            self.note_stop(self.current_task);
            return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(limit));
        }
        loop {
            self.drop_finished_tail();
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
                    if self.fire_next_timer() {
                        continue;
                    }
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::exception(
                        &Exception::new(
                            ExcKind::RuntimeError,
                            "deadlock: every task waits and no host call is pending",
                        ),
                    ));
                }
                // The calls leave the sandbox only once paid for.
                if let Err(l) = self.charge_host_calls(&calls) {
                    self.note_stop(self.current_task);
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(l));
                }
                return RunState::Suspended(calls);
            };
            self.current_task = t;
            std::mem::swap(&mut self.frames, &mut self.tasks[t].frames);
            let deliver = self.tasks[t].deliver.take();
            // Its wait is over: a deadline still armed for it is stale.
            self.tasks[t].timer = None;
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
                Ok(ExecEnd::Gather(g)) => self.start_gather(t, &g, false),
                Ok(ExecEnd::Sleep(when, result)) => {
                    self.tasks[t].wait = Some(Wait {
                        slots: vec![None],
                        remaining: 1,
                        single: true,
                        return_exceptions: false,
                    });
                    self.set_timer(t, when, Some(result));
                }
                Ok(ExecEnd::WaitFor(awaitable, when)) => {
                    let g = Gather { items: vec![awaitable], return_exceptions: false };
                    self.start_gather(t, &g, true);
                    if self.tasks[t].wait.is_some() {
                        self.set_timer(t, when, None);
                    }
                }
                Err(Fault::Exc(e)) => {
                    self.tasks[t].finished = true;
                    match self.tasks[t].parent {
                        None => {
                            return RunState::Error(
                                crate::error_info::RuntimeErrorInfo::exception(&e),
                            );
                        }
                        Some((p, slot)) => self.fill_slot(p, slot, Err(e)),
                    }
                }
                Err(Fault::Final(v)) => return RunState::Final(v),
                Err(Fault::Limit(l)) => {
                    self.note_stop(t);
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::limit(l));
                }
                Err(Fault::Suspend(..)) => {
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::exception(
                        &Exception::new(ExcKind::RuntimeError, "internal: stray suspension"),
                    ));
                }
                // Only a generator's own nested run yields, never a task's base frame.
                Ok(ExecEnd::Yielded(_)) => {
                    return RunState::Error(crate::error_info::RuntimeErrorInfo::exception(
                        &Exception::new(ExcKind::RuntimeError, "internal: stray yield"),
                    ));
                }
            }
        }
    }

    /// Drops the finished or cancelled tasks at the end of the list (never
    /// the main task, nor one a host call still answers into): a gather's
    /// or `wait_for`'s children are pushed last and finish first, so a loop
    /// of awaited gathers keeps the list, and each scan of it for a runnable
    /// task, as long as what still runs. Kept, they made the loop quadratic
    /// and held a `Task` per child outside the memory count (issue #53).
    /// A stale timer for a dropped index never fires for a task pushed there
    /// later: it names its own sequence number (`clock.rs`).
    fn drop_finished_tail(&mut self) {
        while self.tasks.len() > 1 {
            let last = self.tasks.len() - 1;
            let done = self.tasks[last].finished || self.tasks[last].cancelled;
            if !done || self.pending.values().any(|(t, _)| *t == last) {
                return;
            }
            self.tasks.pop();
        }
    }

    /// Charges the fuel of the host calls in `calls` not paid for yet (each
    /// call pays once, the first time it is handed to the host): the host's
    /// fixed work per call and its work per byte of the call's text
    /// ([`crate::builtins::cost::host_call_fuel`]: every string and item, at
    /// any depth). A fan-out of calls, or calls on
    /// big prompts, thus cost the program what they cost the host.
    fn charge_host_calls(&mut self, calls: &[HostCall]) -> Result<(), crate::limits::LimitError> {
        let paid = self.host_calls_paid;
        let mut due = 0u64;
        for c in calls.iter().filter(|c| c.id >= paid) {
            // Each walk stops once the program could not pay for it.
            let left =
                self.meter.limits.fuel.saturating_sub(self.meter.fuel_used.saturating_add(due));
            let this = crate::builtins::cost::host_call_fuel(&c.args, &c.kwargs, left);
            due = due.saturating_add(this);
            if this > left {
                break;
            }
        }
        self.host_calls_paid = self.next_call_id;
        // Charged as the dispatch loop charges (the checkpoint is re-armed
        // when the calls' answers resume the run).
        self.meter.fuel_used = self.meter.fuel_used.saturating_add(due);
        if self.meter.fuel_used > self.meter.limits.fuel {
            return Err(crate::limits::LimitError::new(
                crate::limits::LimitKind::Fuel,
                format!("the program ran out of fuel ({} steps)", self.meter.limits.fuel),
            ));
        }
        Ok(())
    }

    fn register_call(&mut self, t: usize, slot: usize, c: PendingCall) {
        let id = self.next_call_id;
        self.next_call_id += 1;
        self.pending.insert(id, (t, slot));
        self.pending_calls_info
            .insert(id, HostCall { id, name: c.name, args: c.args, kwargs: c.kwargs });
    }

    /// Runs `g`'s parts as children of task `t`; `single`: `t` gets the one
    /// part's result itself (`wait_for`), not a list.
    fn start_gather(&mut self, t: usize, g: &Gather, single: bool) {
        let n = g.items.len();
        self.tasks[t].wait = Some(Wait {
            slots: vec![None; n],
            remaining: n,
            single,
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
                Value::Gather(_) | Value::Native(_) if is_shimmed(item) => {
                    // A nested gather or a sleep runs as a child task awaiting it.
                    let code = gather_shim_code();
                    let frame = Frame {
                        code,
                        pc: 0,
                        stack: OperandStack::from_values(vec![item.clone()]),
                        locals: Vec::new(),
                        cells: Vec::new(),
                        blocks: Vec::new(),
                        handled: Vec::new(),
                        _charge: None,
                        collect: Collect::No,
                    };
                    self.tasks.push(Task {
                        frames: vec![frame],
                        parent: Some((t, slot)),
                        ..Default::default()
                    });
                }
                // An answered `llm_query(...)` made outside a gather
                // (`tasks = [llm_query(p) ...]`) is its own result.
                Value::Str(_) => self.fill_slot(t, slot, Ok(item.clone())),
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

    /// Await the value on top of the stack: push a coroutine's frame, or
    /// end the step with a suspension/gather/timer. `wait_for(aw, None)` is
    /// `await aw`: a chain of them is unwound by this loop, not recursion.
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
                    // Each coroutine or nested awaitable runs as a task of its own.
                    let tasks = g
                        .items
                        .iter()
                        .filter(|i| !matches!(i, Value::HostFuture(_) | Value::Str(_)))
                        .count();
                    self.meter.fuel((tasks as u64).saturating_mul(crate::cost::FUEL_PER_TASK))?;
                    Ok(Some(ExecEnd::Gather(g)))
                }
                // `r = llm_query(p)` then `await r`: the reply is a str, awaited
                // as itself (the rule in grammar/reference.md).
                Value::Str(s) => {
                    top!(self).stack.push(Value::Str(s));
                    Ok(None)
                }
                Value::Native(n) if n.module::<crate::modules::asyncio::Timed>().is_some() => {
                    let Some(t) = n.module::<crate::modules::asyncio::Timed>() else {
                        return Ok(None);
                    };
                    match self.await_timed(t)? {
                        TimedStep::End(end) => Ok(Some(end)),
                        TimedStep::Await(inner) => {
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
}

thread_local! {
    static GATHER_SHIM: Rc<Code> = {
        let mut c = Code {
            name: SmolStr::new("<gather>"),
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
        };
        c.is_async = true;
        Rc::new(c)
    };
}

/// What a gather runs as a child task awaiting it: a nested gather, a sleep
/// or a `wait_for`.
fn is_shimmed(v: &Value) -> bool {
    match v {
        Value::Gather(_) => true,
        Value::Native(n) => n.module::<crate::modules::asyncio::Timed>().is_some(),
        _ => false,
    }
}

fn gather_shim_code() -> Rc<Code> {
    GATHER_SHIM.with(|c| c.clone())
}
