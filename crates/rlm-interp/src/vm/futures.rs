//! Completing futures as CPython 3.11's `Future` does: a result, an
//! exception or a cancel marks it done and schedules its done callbacks on
//! the ready queue, in the order they were added; cancelling a task throws
//! `CancelledError` into its coroutine at its next step (or cancels the
//! future it awaits); cancelling a gather cancels its children. And the
//! callbacks themselves: a task's wakeup, gather's, `wait_for`'s waiter
//! release, shield's and `as_completed`'s.

use std::rc::Rc;

use crate::fault::{Fault, R};
use crate::modules::asyncio::future::{DoneCb, FutKind, FutState, cancelled_error, future_of};
use crate::modules::asyncio::sync::SyncObj;
use crate::value::*;
use crate::vm::tasks::same;
use crate::vm::{Handle, Vm};

impl Vm {
    /// Marks `fut` done with `state` and schedules its callbacks; false if
    /// it was done already.
    fn finish(&mut self, fut: &Value, state: FutState) -> bool {
        let Some(f) = future_of(fut) else { return false };
        let callbacks = {
            let mut i = f.inner.borrow_mut();
            if !matches!(i.state, FutState::Pending) {
                return false;
            }
            i.state = state;
            std::mem::take(&mut i.callbacks)
        };
        for cb in callbacks {
            self.event_loop.ready.push_back(match cb {
                DoneCb::Wakeup { task, era } => Handle::Wakeup { task, era, fut: fut.clone() },
                cb => Handle::Callback(cb, fut.clone()),
            });
        }
        true
    }

    pub(super) fn set_result(&mut self, fut: &Value, v: Value) {
        self.finish(fut, FutState::Result(v));
    }

    pub(super) fn set_exception(&mut self, fut: &Value, e: Rc<Exception>) {
        self.finish(fut, FutState::Failed(e));
    }

    /// `Future.cancel(msg)` of a plain future (a task's own, once its
    /// coroutine ended).
    pub(super) fn cancel_plain(&mut self, fut: &Value, msg: Option<&Value>) -> bool {
        self.finish(fut, FutState::Cancelled(cancelled_error(msg)))
    }

    /// A task's future cancelled by the `CancelledError` that ended its coroutine.
    pub(super) fn cancel_with(&mut self, fut: &Value, e: Rc<Exception>) {
        self.finish(fut, FutState::Cancelled(e));
    }

    /// `fut.cancel(msg)`: a future is cancelled at once; a task asks its
    /// coroutine to end (the future it awaits is cancelled, or the
    /// `CancelledError` is thrown in at its next step); a gather cancels
    /// its children. False when there was nothing to cancel.
    pub(super) fn cancel_future(&mut self, fut: &Value, msg: Option<Value>) -> bool {
        let Some(f) = future_of(fut) else { return false };
        if f.done() {
            return false;
        }
        match &f.kind {
            FutKind::Future => self.cancel_plain(fut, msg.as_ref()),
            FutKind::Task { .. } => {
                let waiting = {
                    let mut i = f.inner.borrow_mut();
                    i.cancels += 1;
                    i.waiting_on.clone()
                };
                if let Some(w) = waiting {
                    if self.cancel_future(&w, msg.clone()) {
                        return true;
                    }
                }
                let mut i = f.inner.borrow_mut();
                i.must_cancel = true;
                i.cancel_msg = msg;
                true
            }
            FutKind::Gathering { children, .. } => {
                let children = children.clone();
                let mut any = false;
                for c in &children {
                    any |= self.cancel_future(c, msg.clone());
                }
                if any {
                    f.inner.borrow_mut().cancel_requested = true;
                }
                any
            }
        }
    }

    /// `fut.add_done_callback(cb)`: scheduled at once if it is done.
    pub(super) fn add_done_callback(&mut self, fut: &Value, cb: DoneCb) {
        let Some(f) = future_of(fut) else { return };
        if f.done() {
            self.event_loop.ready.push_back(match cb {
                DoneCb::Wakeup { task, era } => Handle::Wakeup { task, era, fut: fut.clone() },
                cb => Handle::Callback(cb, fut.clone()),
            });
        } else {
            f.inner.borrow_mut().callbacks.push(cb);
        }
    }

    /// `fut.remove_done_callback(cb)` for the callbacks holding `target`.
    pub(super) fn remove_done_callback(&mut self, fut: &Value, target: &Value) -> usize {
        let Some(f) = future_of(fut) else { return 0 };
        let mut i = f.inner.borrow_mut();
        let before = i.callbacks.len();
        i.callbacks.retain(|cb| !cb_holds(cb, target));
        before - i.callbacks.len()
    }

    /// Runs a future's done callback (`fut` is the future).
    pub(super) fn run_done_callback(&mut self, cb: DoneCb, fut: Value) -> R<()> {
        match cb {
            DoneCb::Wakeup { task, era } => {
                self.event_loop.ready.push_back(Handle::Wakeup { task, era, fut });
            }
            DoneCb::Gather { outer } => self.gather_child_done(&outer, &fut),
            DoneCb::Release(waiter) => {
                if future_of(&waiter).is_some_and(|w| !w.done()) {
                    self.set_result(&waiter, Value::None);
                }
            }
            DoneCb::ShieldInner(outer) => {
                let Some(o) = future_of(&outer) else { return Ok(()) };
                if o.cancelled() {
                    return Ok(());
                }
                let inner_state = future_of(&fut).map(|f| (f.cancelled(), f.outcome()));
                match inner_state {
                    Some((true, _)) => {
                        self.cancel_future(&outer, None);
                    }
                    Some((false, Some(Ok(v)))) => self.set_result(&outer, v),
                    Some((false, Some(Err(e)))) => self.set_exception(&outer, e),
                    _ => {}
                }
            }
            DoneCb::ShieldOuter(inner) => {
                if future_of(&inner).is_some_and(|f| !f.done()) {
                    self.remove_done_callback(&inner, &fut);
                }
            }
            DoneCb::AsCompleted(queue) => {
                // After `_on_timeout` the queue is closed (its `todo` cleared).
                if Native::of::<SyncObj>(&queue).is_some_and(|q| !q.st.borrow().flag) {
                    self.queue_put_nowait(&queue, fut)?;
                }
            }
            DoneCb::AsCompletedTimeout(queue) => self.as_completed_timeout(&queue, &fut)?,
            DoneCb::TaskGroup(tg) => self.taskgroup_task_done(&tg, &fut),
            DoneCb::Timeout(tm) => self.timeout_fire(&tm, &fut),
            DoneCb::User(f) => match self.call_value(&f, vec![fut], Vec::new()) {
                // CPython's loop logs a callback's exception and goes on.
                Ok(_) | Err(Fault::Exc(_)) => {}
                Err(e) => return Err(e),
            },
        }
        Ok(())
    }

    /// `as_completed`'s `_on_timeout`: `todo` (of `all`, the futures not
    /// put in the queue yet) each leave a `None` in the queue, which is closed.
    fn as_completed_timeout(&mut self, queue: &Value, all: &Value) -> R<()> {
        let Some(q) = Native::of::<SyncObj>(queue) else { return Ok(()) };
        if q.st.borrow().flag {
            return Ok(());
        }
        let futs: Vec<Value> = match all {
            Value::List(l) => l.borrow().iter().cloned().collect(),
            _ => Vec::new(),
        };
        let put = usize::try_from(q.st.borrow().unfinished).unwrap_or(0);
        for f in &futs {
            self.remove_done_callback(f, queue);
        }
        for _ in put..futs.len() {
            self.queue_put_nowait(queue, Value::None)?;
        }
        q.st.borrow_mut().flag = true;
        Ok(())
    }

    /// gather's `_done_callback` for its child `child`.
    fn gather_child_done(&mut self, outer: &Value, child: &Value) {
        let Some(o) = future_of(outer) else { return };
        let FutKind::Gathering { children, return_exceptions, distinct } = &o.kind else {
            return;
        };
        let (re, n) = (*return_exceptions, *distinct);
        let finished = {
            let mut i = o.inner.borrow_mut();
            i.finished += 1;
            i.finished
        };
        if o.done() {
            return;
        }
        let Some(c) = future_of(child) else { return };
        if !re {
            if let Some(Err(e)) = c.outcome() {
                return self.set_exception(outer, e);
            }
        }
        if finished < n {
            return;
        }
        let results: Vec<Value> = children
            .iter()
            .map(|ch| match future_of(ch).map(|f| (f.cancelled(), f.outcome())) {
                Some((_, Some(Ok(v)))) => v,
                // CPython makes a new one, its message '' when none was given.
                Some((true, Some(Err(e)))) if e.args.is_empty() => {
                    Value::Exc(Exception::with_args(ExcKind::CancelledError, vec![Value::str("")]))
                }
                Some((_, Some(Err(e)))) => Value::Exc(e),
                _ => Value::None,
            })
            .collect();
        if o.inner.borrow().cancel_requested {
            let e = match c.outcome() {
                Some(Err(e)) if c.cancelled() => e,
                _ => cancelled_error(None),
            };
            return self.set_exception(outer, e);
        }
        self.set_result(outer, Value::list(results));
    }
}

/// Whether the done callback `cb` is one over `target` (a `wait_for`'s
/// waiter, a shield's outer future, the program's callable).
fn cb_holds(cb: &DoneCb, target: &Value) -> bool {
    match cb {
        DoneCb::Release(v) | DoneCb::ShieldInner(v) | DoneCb::AsCompleted(v) => same(v, target),
        DoneCb::User(v) => match (v, target) {
            (Value::Func(a), Value::Func(b)) => Rc::ptr_eq(a, b),
            (Value::Builtin(a), Value::Builtin(b)) => a.name == b.name && a.module == b.module,
            _ => same(v, target),
        },
        _ => false,
    }
}
