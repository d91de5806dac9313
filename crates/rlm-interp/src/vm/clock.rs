//! The event loop's virtual clock (issue #53): `asyncio.sleep(d)` parks its
//! task until the clock reaches now + d, and `asyncio.wait_for(aw, t)` arms
//! a deadline at now + t for its task. Nothing waits in real time: when no
//! task can run and no host call is pending, the clock jumps to the
//! earliest timer and fires it, so `sleep(1e300)` ends at once, gathered
//! sleeps end in the order of their delays (virtual time passes as their
//! maximum, not their sum), and `wait_for(sleep(10), 1)` times out. Host
//! calls take no virtual time: they are answered before any timer fires,
//! so a `wait_for` around `llm_query` never times out because of the
//! model. The clock starts at 0 with each cell.

use std::cmp::{Ordering, Reverse};

use rlm_syntax::ast::CmpOp;

use crate::fault::{R, exc};
use crate::modules::asyncio::{Timed, TimedKind};
use crate::value::*;
use crate::vm::{ExecEnd, Vm};

/// A sleep's end (`wake` is its result) or a `wait_for`'s deadline (`wake`
/// is `None`) for `task`; `seq` orders equal times by arming and tells a
/// live timer (the task's `timer`) from a stale one.
pub(super) struct Timer {
    when: f64,
    seq: u64,
    task: usize,
    wake: Option<Value>,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.when.total_cmp(&other.when).then(self.seq.cmp(&other.seq))
    }
}

/// What awaiting a `Timed` coroutine does to the awaiting task.
pub(super) enum TimedStep {
    /// The task stops: it sleeps, or waits for its `wait_for`'s work.
    End(ExecEnd),
    /// `wait_for(aw, None)`: await `aw` itself.
    Await(Value),
}

/// A delay or timeout as seconds: CPython compares it with `<= 0` first
/// (a non-number is that comparison's `TypeError`); a NaN fires at once.
fn seconds(v: &Value) -> f64 {
    let s = match v {
        Value::Int(i) => *i as f64,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Float(f) => *f,
        _ => 0.0,
    };
    if s.is_nan() { 0.0 } else { s.max(0.0) }
}

fn is_awaitable(v: &Value) -> bool {
    match v {
        Value::Coroutine(_) | Value::HostFuture(_) | Value::Gather(_) | Value::Str(_) => true,
        Value::Native(n) => n.module::<Timed>().is_some(),
        _ => false,
    }
}

/// Closes a coroutine that `wait_for` cancelled before it ran: awaiting it
/// again is CPython's "cannot reuse" error.
fn close(v: &Value) {
    match v {
        Value::Coroutine(c) => c.borrow_mut().started = true,
        Value::HostFuture(h) => h.awaited.set(true),
        Value::Native(n) => {
            if let Some(t) = n.module::<Timed>() {
                t.awaited.set(true);
            }
        }
        _ => {}
    }
}

impl Vm {
    /// Awaiting `asyncio.sleep(...)` or `asyncio.wait_for(...)`.
    pub(super) fn await_timed(&mut self, t: &Timed) -> R<TimedStep> {
        if t.awaited.replace(true) {
            return exc(ExcKind::RuntimeError, "cannot reuse already awaited coroutine");
        }
        self.meter.fuel(crate::cost::FUEL_PER_AWAIT + crate::cost::FUEL_PER_TASK)?;
        match &t.what {
            TimedKind::Sleep { delay, result } => {
                let now = self.compare(CmpOp::LtE, delay, &Value::Int(0))?;
                let when = if now { self.clock } else { self.clock + seconds(delay) };
                Ok(TimedStep::End(ExecEnd::Sleep(when, result.clone())))
            }
            TimedKind::WaitFor { awaitable, timeout } => {
                if matches!(timeout, Value::None) {
                    return Ok(TimedStep::Await(awaitable.clone()));
                }
                let expired = self.compare(CmpOp::LtE, timeout, &Value::Int(0))?;
                if !is_awaitable(awaitable) {
                    return exc(
                        ExcKind::TypeError,
                        "An asyncio.Future, a coroutine or an awaitable is required",
                    );
                }
                if !expired {
                    let when = self.clock + seconds(timeout);
                    return Ok(TimedStep::End(ExecEnd::WaitFor(awaitable.clone(), when)));
                }
                // A timeout already over: only work done before it started
                // gives a result (CPython's `fut.done()`); a coroutine never
                // ran, so it is cancelled.
                match awaitable {
                    Value::Gather(g) if g.items.is_empty() => {
                        Ok(TimedStep::Await(awaitable.clone()))
                    }
                    Value::Str(_) => Ok(TimedStep::Await(awaitable.clone())),
                    _ => {
                        close(awaitable);
                        Err(crate::fault::Fault::Exc(Exception::with_args(
                            ExcKind::TimeoutError,
                            Vec::new(),
                        )))
                    }
                }
            }
        }
    }

    /// Arms a timer for `task` at `when`.
    pub(super) fn set_timer(&mut self, task: usize, when: f64, wake: Option<Value>) {
        let seq = self.next_timer;
        self.next_timer += 1;
        if let Some(t) = self.tasks.get_mut(task) {
            t.timer = Some(seq);
        }
        // Stale timers (their wait ended first) are dropped when the heap
        // doubled since the last sweep: its size stays within twice the
        // live timers (at most one a task) plus 64.
        if self.timers.len() >= 64 && self.timers.len() >= 2 * self.timers_swept {
            let tasks = &self.tasks;
            self.timers.retain(|Reverse(t)| timer_live(tasks, t));
            self.timers_swept = self.timers.len();
        }
        self.timers.push(Reverse(Timer { when, seq, task, wake }));
    }

    /// Moves the clock to the earliest live timer and fires it: a sleeper
    /// gets its result, a `wait_for` whose work is not done gets
    /// `TimeoutError` and its work is cancelled. False when none is left.
    pub(super) fn fire_next_timer(&mut self) -> bool {
        while let Some(Reverse(timer)) = self.timers.pop() {
            if !timer_live(&self.tasks, &timer) {
                continue;
            }
            self.clock = self.clock.max(timer.when);
            let t = timer.task;
            self.tasks[t].timer = None;
            self.tasks[t].wait = None;
            let delivered = match timer.wake {
                Some(v) => Ok(v),
                None => {
                    self.cancel_children(t);
                    Err(Exception::with_args(ExcKind::TimeoutError, Vec::new()))
                }
            };
            self.tasks[t].deliver = Some(delivered);
            return true;
        }
        false
    }

    /// A new cell's loop: the clock at 0, no timers.
    pub(super) fn reset_clock(&mut self) {
        self.clock = 0.0;
        self.timers.clear();
        self.timers_swept = 0;
    }
}

/// Whether `timer` is its task's armed timer and the task still waits.
fn timer_live(tasks: &[super::Task], timer: &Timer) -> bool {
    tasks.get(timer.task).is_some_and(|t| {
        t.timer == Some(timer.seq) && !t.finished && !t.cancelled && t.wait.is_some()
    })
}
