//! `asyncio.timeout(delay)` / `timeout_at(when)` on the virtual clock, as
//! CPython 3.11 runs them: entering arms `_on_timeout` at the deadline,
//! which cancels the task that entered it; leaving disarms it and, when it
//! fired and the task's cancel count falls back to what it was on entry, turns the
//! `CancelledError` the block ended with into `TimeoutError`.

use std::cell::Cell;
use std::rc::Rc;

use rlm_syntax::ast::CmpOp;

use crate::args::{Kwargs, kw};
use crate::fault::{R, exc, type_err};
use crate::modules::asyncio::future::{DoneCb, future_of};
use crate::modules::asyncio::timeout::{Timeout, TmState};
use crate::value::*;
use crate::vm::{Handle, Vm};

fn timeout_of(v: &Value) -> Option<&Timeout> {
    Native::of::<Timeout>(v)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(AlignedBool(b)) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

impl Vm {
    /// `asyncio.timeout(delay)` or `asyncio.timeout_at(when)`.
    pub(super) fn timeout_new(&mut self, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
        let param = if name == "timeout" { "delay" } else { "when" };
        crate::args::check_kwargs(name, &kwargs, &[param])?;
        if args.len() > 1 {
            return type_err(format!(
                "{name}() takes 1 positional argument but {} were given",
                args.len()
            ));
        }
        let Some(v) = args.into_iter().next().or_else(|| kw(&kwargs, param).cloned()) else {
            return type_err(format!("{name}() missing 1 required positional argument: '{param}'"));
        };
        let when = match (&v, name) {
            (Value::None, _) | (_, "timeout_at") => v,
            _ => match number(&v) {
                Some(d) => Value::Float(self.event_loop.clock.now + d),
                None => {
                    return type_err(format!(
                        "unsupported operand type(s) for +: 'float' and '{}'",
                        v.type_name()
                    ));
                }
            },
        };
        Ok(Native::value(Timeout::new(when)))
    }

    /// A timeout's `when()`, `expired()` or `reschedule(when)`.
    pub(super) fn timeout_method(
        &mut self,
        tm_v: &Value,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value> {
        let Some(tm) = timeout_of(tm_v) else { return Ok(Value::None) };
        match name {
            "when" => Ok(tm.st.borrow().when.clone()),
            "expired" => {
                let s = tm.st.borrow().state;
                Ok(Value::Bool(AlignedBool(matches!(s, TmState::Expiring | TmState::Expired))))
            }
            "reschedule" => {
                crate::args::check_kwargs(name, &kwargs, &["when"])?;
                let when = args.into_iter().next().or_else(|| kw(&kwargs, "when").cloned());
                let Some(when) = when else {
                    return type_err(
                        "Timeout.reschedule() missing 1 required positional argument: 'when'",
                    );
                };
                self.timeout_reschedule(tm_v, when)?;
                Ok(Value::None)
            }
            _ => {
                exc(ExcKind::AttributeError, format!("'Timeout' object has no attribute '{name}'"))
            }
        }
    }

    /// `reschedule(when)`: the armed timer replaced by one at `when`.
    fn timeout_reschedule(&mut self, tm_v: &Value, when: Value) -> R<()> {
        let Some(tm) = timeout_of(tm_v) else { return Ok(()) };
        let state = tm.st.borrow().state;
        if state == TmState::Created {
            return exc(ExcKind::RuntimeError, "Timeout has not been entered");
        }
        if state != TmState::Entered {
            return exc(
                ExcKind::RuntimeError,
                format!("Cannot change state of {} Timeout", state.name()),
            );
        }
        let armed = !matches!(when, Value::None);
        let delay = if armed {
            let clock = Value::Float(self.event_loop.clock.now);
            if self.compare(CmpOp::LtE, &when, &clock)? {
                0.0
            } else {
                number(&when).map_or(0.0, |w| w - self.event_loop.clock.now)
            }
        } else {
            0.0
        };
        let (old, arming) = {
            let mut st = tm.st.borrow_mut();
            st.when = when;
            st.armed += 1;
            (st.timer.take(), st.armed)
        };
        if let Some(flag) = old {
            flag.set(true);
        }
        if armed {
            let flag = Rc::new(Cell::new(false));
            let arming = Value::Int(i64::try_from(arming).unwrap_or(i64::MAX));
            let h = Handle::Callback(DoneCb::Timeout(tm_v.clone()), arming);
            if delay > 0.0 {
                self.event_loop.clock.call_later(delay, h, Some(flag.clone()));
            } else {
                // `loop.call_soon(self._on_timeout)`.
                self.event_loop.ready.push_back(h);
            }
            tm.st.borrow_mut().timer = Some(flag);
        }
        Ok(())
    }

    /// `Timeout.__aenter__`.
    pub(super) fn timeout_enter(&mut self, tm_v: &Value) -> R<()> {
        let Some(tm) = timeout_of(tm_v) else { return Ok(()) };
        if tm.st.borrow().state != TmState::Created {
            return exc(ExcKind::RuntimeError, "Timeout has already been entered");
        }
        let task = self.event_loop.current().map(|t| t.fut.clone());
        let cancelling = task.as_ref().and_then(future_of).map_or(0, |f| f.inner.borrow().cancels);
        let when = {
            let mut st = tm.st.borrow_mut();
            st.state = TmState::Entered;
            st.task = task;
            st.cancelling = cancelling;
            st.when.clone()
        };
        self.timeout_reschedule(tm_v, when)
    }

    /// `Timeout.__aexit__`: the `TimeoutError` to raise, if any.
    pub(super) fn timeout_exit(
        &mut self,
        tm_v: &Value,
        exc: Option<&Rc<Exception>>,
    ) -> R<Option<Rc<Exception>>> {
        let Some(tm) = timeout_of(tm_v) else { return Ok(None) };
        let (state, task, cancelling) = {
            let mut st = tm.st.borrow_mut();
            if let Some(flag) = st.timer.take() {
                flag.set(true);
            }
            (st.state, st.task.clone(), st.cancelling)
        };
        match state {
            TmState::Expiring => {
                tm.st.borrow_mut().state = TmState::Expired;
                let left = task.as_ref().and_then(future_of).map_or(0, |f| {
                    let mut i = f.inner.borrow_mut();
                    i.cancels = i.cancels.saturating_sub(1);
                    i.cancels
                });
                if left <= cancelling && exc.is_some_and(|e| e.kind == ExcKind::CancelledError) {
                    // `raise TimeoutError from exc_val`.
                    return Ok(Some(Exception::with_args(ExcKind::TimeoutError, Vec::new())));
                }
            }
            TmState::Entered => tm.st.borrow_mut().state = TmState::Exited,
            _ => {
                return Err(crate::fault::Fault::Exc(Exception::with_args(
                    ExcKind::AssertionError,
                    Vec::new(),
                )));
            }
        }
        Ok(None)
    }

    /// `_on_timeout` (the arming `armed`, ignored unless it is the live
    /// one): the task that entered it is cancelled.
    pub(super) fn timeout_fire(&mut self, tm_v: &Value, armed: &Value) {
        let Some(tm) = timeout_of(tm_v) else { return };
        let task = {
            let mut st = tm.st.borrow_mut();
            let live = i64::try_from(st.armed).ok().map(Value::Int);
            let is_live = matches!((armed, live), (Value::Int(a), Some(Value::Int(b))) if *a == b);
            if st.state != TmState::Entered
                || !is_live
                || st.timer.as_ref().is_some_and(|f| f.get())
            {
                return;
            }
            st.state = TmState::Expiring;
            st.timer = None;
            st.task.clone()
        };
        if let Some(t) = task {
            self.cancel_future(&t, None);
        }
    }
}
