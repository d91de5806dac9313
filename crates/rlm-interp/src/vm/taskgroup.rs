//! `asyncio.TaskGroup` on the loop's tasks, as CPython 3.11 runs it:
//! `__aenter__` takes the current task as the parent; `create_task` starts
//! a task whose done callback (`_on_task_done`) records its error and, at
//! the first one, cancels the group's other tasks and the parent;
//! `__aexit__` waits (a continuation, `Cont::TaskGroupExit`) until no task
//! is left, cancelling the rest if the body raised or the parent was
//! cancelled, then raises the first `SystemExit`/`KeyboardInterrupt`, a
//! `CancelledError` that is the group's own to propagate, or
//! `ExceptionGroup('unhandled errors in a TaskGroup', errors)`. Each task
//! is one entry of an ordered map: done callbacks and cancels are
//! constant or logarithmic work per task.

use std::rc::Rc;

use crate::args::{Kwargs, kw};
use crate::fault::{Fault, R, exc};
use crate::modules::asyncio::future::{DoneCb, FutKind, Future, future_of};
use crate::modules::asyncio::taskgroup::TaskGroup;
use crate::modules::asyncio::{Timed, future};
use crate::value::*;
use crate::vm::loop_ops::{Awaited, Cont};
use crate::vm::{ExecEnd, Vm};

fn group_of(v: &Value) -> Option<&TaskGroup> {
    Native::of::<TaskGroup>(v)
}

fn repr_text(tg: &TaskGroup) -> String {
    use crate::value::NativeObject;
    tg.repr()
        .into_iter()
        .map(|p| match p {
            ReprPart::Text(s) => s,
            _ => String::new(),
        })
        .collect()
}

/// `SystemExit` or `KeyboardInterrupt`: raised as itself, not in a group.
fn is_base_error(e: &Exception) -> bool {
    e.kind.is_subclass_of(ExcKind::SystemExit) || e.kind.is_subclass_of(ExcKind::KeyboardInterrupt)
}

fn task_era(task: &Value) -> u64 {
    match future_of(task).map(|f| &f.kind) {
        Some(FutKind::Task { era, .. }) => *era,
        _ => 0,
    }
}

impl Vm {
    /// The running task's `asyncio.Task`.
    fn running_task(&self) -> Option<Value> {
        self.event_loop.current().map(|t| t.fut.clone())
    }

    /// `TaskGroup.__aenter__`.
    pub(super) fn taskgroup_enter(&mut self, tg_v: &Value) -> R<()> {
        let Some(tg) = group_of(tg_v) else { return Ok(()) };
        if tg.st.borrow().entered {
            let r = repr_text(tg);
            return exc(ExcKind::RuntimeError, format!("TaskGroup {r} has already been entered"));
        }
        let parent = self.running_task();
        let mut st = tg.st.borrow_mut();
        st.entered = true;
        st.parent = parent;
        Ok(())
    }

    /// `tg.create_task(coro, *, name=None, context=None)`.
    pub(super) fn taskgroup_create_task(
        &mut self,
        tg_v: &Value,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let Some(tg) = group_of(tg_v) else { return Ok(Value::None) };
        crate::args::check_kwargs("create_task", &kwargs, &["coro", "name", "context"])?;
        let n = args.len();
        if n > 1 {
            return exc(
                ExcKind::TypeError,
                format!(
                    "TaskGroup.create_task() takes 2 positional arguments but {} were given",
                    n + 1
                ),
            );
        }
        let Some(coro) = args.into_iter().next().or_else(|| kw(&kwargs, "coro").cloned()) else {
            return exc(
                ExcKind::TypeError,
                "TaskGroup.create_task() missing 1 required positional argument: 'coro'",
            );
        };
        {
            let st = tg.st.borrow();
            let why = if !st.entered {
                Some("has not been entered")
            } else if st.exiting && st.tasks.is_empty() {
                Some("is finished")
            } else if st.aborting {
                Some("is shutting down")
            } else {
                None
            };
            if let Some(why) = why {
                drop(st);
                let r = repr_text(tg);
                return exc(ExcKind::RuntimeError, format!("TaskGroup {r} {why}"));
            }
        }
        let is_coro = matches!(coro, Value::Coroutine(_) | Value::HostFuture(_))
            || Native::of::<Timed>(&coro).is_some();
        if !is_coro {
            return exc(
                ExcKind::TypeError,
                format!("a coroutine was expected, got {}", crate::vm::loop_ops::repr_of(&coro)),
            );
        }
        let task = self.ensure_future(coro)?;
        self.name_task(&task, kw(&kwargs, "name"))?;
        self.add_done_callback(&task, DoneCb::TaskGroup(tg_v.clone()));
        tg.st.borrow_mut().tasks.insert(task_era(&task), task.clone());
        Ok(task)
    }

    /// `_abort()`: the group's tasks not done are cancelled, in the order
    /// they were made.
    fn taskgroup_abort(&mut self, tg: &TaskGroup) {
        let tasks: Vec<Value> = {
            let mut st = tg.st.borrow_mut();
            st.aborting = true;
            st.tasks.values().cloned().collect()
        };
        for t in tasks {
            if future_of(&t).is_some_and(|f| !f.done()) {
                self.cancel_future(&t, None);
            }
        }
    }

    /// `_on_task_done(task)`.
    pub(super) fn taskgroup_task_done(&mut self, tg_v: &Value, task: &Value) {
        let Some(tg) = group_of(tg_v) else { return };
        let wake = {
            let mut st = tg.st.borrow_mut();
            st.tasks.remove(&task_era(task));
            match &st.on_completed {
                Some(f) if st.tasks.is_empty() => Some(f.clone()),
                _ => None,
            }
        };
        if let Some(f) = wake {
            if future_of(&f).is_some_and(|x| !x.done()) {
                self.set_result(&f, Value::Bool(AlignedBool(true)));
            }
        }
        let Some(t) = future_of(task) else { return };
        if t.cancelled() {
            return;
        }
        let Some(Err(e)) = t.outcome() else { return };
        let parent = {
            let mut st = tg.st.borrow_mut();
            st.errors.push(e.clone());
            if is_base_error(&e) && st.base_error.is_none() {
                st.base_error = Some(e);
            }
            st.parent.clone()
        };
        let Some(parent) = parent else { return };
        if future_of(&parent).is_some_and(Future::done) {
            // CPython reports it to the loop's exception handler.
            return;
        }
        let (aborting, requested) = {
            let st = tg.st.borrow();
            (st.aborting, st.parent_cancel_requested)
        };
        if !aborting && !requested {
            self.taskgroup_abort(tg);
            tg.st.borrow_mut().parent_cancel_requested = true;
            self.cancel_future(&parent, None);
        }
    }

    /// `TaskGroup.__aexit__(type(exc), exc, tb)` up to its first wait.
    pub(super) fn taskgroup_exit(&mut self, tg_v: Value, exc: Option<Rc<Exception>>) -> R<Awaited> {
        let Some(tg) = group_of(&tg_v) else { return Ok(Awaited::End(None)) };
        let (requested, parent) = {
            let mut st = tg.st.borrow_mut();
            st.exiting = true;
            if let Some(e) = &exc {
                if is_base_error(e) && st.base_error.is_none() {
                    st.base_error = Some(e.clone());
                }
            }
            (st.parent_cancel_requested, st.parent.clone())
        };
        let mut propagate = exc.clone().filter(|e| e.kind == ExcKind::CancelledError);
        if requested {
            if let Some(p) = parent.as_ref().and_then(future_of) {
                let left = {
                    let mut i = p.inner.borrow_mut();
                    i.cancels = i.cancels.saturating_sub(1);
                    i.cancels
                };
                if left == 0 {
                    propagate = None;
                }
            }
        }
        if exc.is_some() && !tg.st.borrow().aborting {
            self.taskgroup_abort(tg);
        }
        match self.taskgroup_wait_or_end(tg_v, exc, propagate)? {
            Some((waiter, cont)) => {
                self.set_cont(cont);
                Ok(Awaited::End(Some(ExecEnd::Block(waiter))))
            }
            None => {
                top!(self).stack.push(Value::None);
                Ok(Awaited::End(None))
            }
        }
    }

    /// `__aexit__`'s loop: a future to wait on while tasks are left, else
    /// its end (`Ok(None)`: nothing to raise).
    fn taskgroup_wait_or_end(
        &mut self,
        tg_v: Value,
        exc: Option<Rc<Exception>>,
        propagate: Option<Rc<Exception>>,
    ) -> R<Option<(Value, Cont)>> {
        let Some(tg) = group_of(&tg_v) else { return Ok(None) };
        if !tg.st.borrow().tasks.is_empty() {
            let waiter = Native::value(Future::new(future::FutKind::Future));
            tg.st.borrow_mut().on_completed = Some(waiter.clone());
            let cont = Cont::TaskGroupExit { tg: tg_v.clone(), exc, propagate };
            return Ok(Some((waiter, cont)));
        }
        let mut st = tg.st.borrow_mut();
        if let Some(b) = st.base_error.clone() {
            return Err(Fault::Exc(b));
        }
        if let Some(p) = propagate {
            if st.errors.is_empty() {
                return Err(Fault::Exc(p));
            }
        }
        if let Some(e) = exc.filter(|e| e.kind != ExcKind::CancelledError) {
            st.errors.push(e);
        }
        if st.errors.is_empty() {
            return Ok(None);
        }
        let errors = std::mem::take(&mut st.errors);
        drop(st);
        self.meter.fuel(crate::cost::FUEL_PER_RAISE)?;
        let g = crate::types::exception_group::group("unhandled errors in a TaskGroup", errors);
        Err(Fault::Exc(g))
    }

    /// `__aexit__` woken from its wait with `send` (a `CancelledError`
    /// when the parent was cancelled meanwhile): wait again, or its end.
    pub(super) fn taskgroup_exit_woken(
        &mut self,
        tg_v: Value,
        exc: Option<Rc<Exception>>,
        mut propagate: Option<Rc<Exception>>,
        send: Result<Value, Rc<Exception>>,
    ) -> R<TgStep> {
        let Some(tg) = group_of(&tg_v) else { return Ok(TgStep::Done(Ok(Value::None))) };
        if let Err(e) = send {
            if !e.kind.is_subclass_of(ExcKind::CancelledError) {
                return Ok(TgStep::Done(Err(e)));
            }
            if !tg.st.borrow().aborting {
                propagate = Some(e);
                self.taskgroup_abort(tg);
            }
        }
        tg.st.borrow_mut().on_completed = None;
        match self.taskgroup_wait_or_end(tg_v, exc, propagate) {
            Ok(Some((waiter, cont))) => Ok(TgStep::Wait(waiter, cont)),
            Ok(None) => Ok(TgStep::Done(Ok(Value::None))),
            Err(Fault::Exc(e)) => Ok(TgStep::Done(Err(e))),
            Err(f) => Err(f),
        }
    }
}

/// What `__aexit__` does once woken.
pub(super) enum TgStep {
    /// It waits again, on this future.
    Wait(Value, Cont),
    /// It ends with this (`None`, or the exception to raise).
    Done(Result<Value, Rc<Exception>>),
}
