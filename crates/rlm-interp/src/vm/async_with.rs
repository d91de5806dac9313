//! `async with` (PEP 492) over the DSL's own asynchronous context
//! managers: `AsyncEnter` and `AsyncExit` make the coroutines
//! `mgr.__aenter__()` and `mgr.__aexit__(...)` (the compiler awaits them,
//! `compile/stmt.rs`), and awaiting one runs the manager's: a lock's or
//! semaphore's `acquire()`/`release()`, a task group's (`taskgroup.rs`),
//! a timeout's (`timeout.rs`). Anything else is CPython's `TypeError`.

use crate::fault::{Fault, R, type_err};
use crate::modules::asyncio::sync::{SyncKind, SyncObj};
use crate::modules::asyncio::taskgroup::TaskGroup;
use crate::modules::asyncio::timeout::Timeout;
use crate::modules::asyncio::{SyncOp, TimedKind, timed};
use crate::value::*;
use crate::vm::loop_ops::Awaited;
use crate::vm::{Vm, pop};

/// Whether `mgr` is an asynchronous context manager of the DSL's.
fn is_async_manager(mgr: &Value) -> bool {
    Native::of::<SyncObj>(mgr)
        .is_some_and(|s| matches!(s.kind, SyncKind::Lock | SyncKind::Semaphore))
        || Native::of::<TaskGroup>(mgr).is_some()
        || Native::of::<Timeout>(mgr).is_some()
}

impl Vm {
    /// `AsyncEnter`: the manager on the stack becomes its `__aenter__()`.
    pub(super) fn op_async_enter(&mut self) -> R<()> {
        let mgr = pop(top!(self))?;
        if !is_async_manager(&mgr) {
            return type_err(format!(
                "'{}' object does not support the asynchronous context manager protocol",
                mgr.type_name()
            ));
        }
        top!(self).stack.push(timed(TimedKind::Enter { mgr }));
        Ok(())
    }

    /// `AsyncExit`: the manager and the exception (or `None`) on the stack
    /// become its `__aexit__(...)`.
    pub(super) fn op_async_exit(&mut self) -> R<()> {
        let exc = pop(top!(self))?;
        let mgr = pop(top!(self))?;
        top!(self).stack.push(timed(TimedKind::Exit { mgr, exc }));
        Ok(())
    }

    /// Awaiting `mgr.__aenter__()`.
    pub(super) fn await_enter(&mut self, mgr: Value) -> R<Awaited> {
        if Native::of::<SyncObj>(&mgr).is_some() {
            return self.op_step(mgr, SyncOp::Enter, Value::None);
        }
        if Native::of::<TaskGroup>(&mgr).is_some() {
            self.taskgroup_enter(&mgr)?;
        } else if Native::of::<Timeout>(&mgr).is_some() {
            self.timeout_enter(&mgr)?;
        }
        top!(self).stack.push(mgr);
        Ok(Awaited::End(None))
    }

    /// Awaiting `mgr.__aexit__(type(exc), exc, tb)`: its result (true
    /// suppresses `exc`), or the task waits (a task group's tasks).
    pub(super) fn await_exit(&mut self, mgr: Value, exc: Value) -> R<Awaited> {
        let exc = match exc {
            Value::Exc(e) => Some(e),
            _ => None,
        };
        if Native::of::<TaskGroup>(&mgr).is_some() {
            return self.taskgroup_exit(mgr, exc);
        }
        if Native::of::<Timeout>(&mgr).is_some() {
            if let Some(e) = self.timeout_exit(&mgr, exc.as_ref())? {
                return Err(Fault::Exc(e));
            }
        } else {
            self.event_loop(Some(&mgr), "release", Vec::new(), Vec::new())?;
        }
        top!(self).stack.push(Value::None);
        Ok(Awaited::End(None))
    }
}
