//! The event loop's virtual clock (issue #53): `loop.call_later` arms a
//! timer at now + delay (a sleep's end, a `wait_for`'s deadline), and
//! nothing waits in real time: when no callback is ready and no host call
//! is pending, the clock jumps to the earliest timer, so `sleep(1e300)`
//! ends at once, gathered sleeps end in the order of their delays (virtual
//! time passes as their maximum, not their sum), and `wait_for(sleep(10),
//! 1)` times out. Host calls take no virtual time: they are answered
//! before any timer fires, so a `wait_for` around `llm_query` never times
//! out because of the model. The clock starts at 0 with each cell. Each
//! round of the loop first moves the timers that are due to the ready
//! queue, in the order of their times and then of their arming, as
//! CPython's `_run_once` does.

use crate::value::AlignedBool;
use std::cell::Cell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

/// A callback `H` (the loop's `Handle`) due at `when`; `seq` orders equal
/// times by arming; `cancelled` is shared with whoever may cancel it
/// (`wait_for`).
pub(super) struct Timer<H> {
    when: f64,
    seq: u64,
    handle: H,
    cancelled: Option<Rc<Cell<bool>>>,
}

impl<H> PartialEq for Timer<H> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<H> Eq for Timer<H> {}
impl<H> PartialOrd for Timer<H> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<H> Ord for Timer<H> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.when.total_cmp(&other.when).then(self.seq.cmp(&other.seq))
    }
}

/// A delay or timeout as seconds (after CPython's `<= 0` check); a NaN
/// is no delay.
pub(super) fn seconds(v: &crate::value::Value) -> f64 {
    use crate::value::Value;
    let s = match v {
        Value::Int(i) => *i as f64,
        Value::Bool(AlignedBool(b)) => f64::from(u8::from(*b)),
        Value::Float(f) => *f,
        _ => 0.0,
    };
    if s.is_nan() { 0.0 } else { s.max(0.0) }
}

/// The event loop's virtual time and its timers, each firing a callback
/// `H` (the loop's `Handle`: generic, so the clock names nothing of the loop).
pub(super) struct Clock<H> {
    /// The loop's virtual time in seconds (0 when a cell starts).
    pub(super) now: f64,
    /// The armed timers, earliest first.
    pub(super) timers: BinaryHeap<Reverse<Timer<H>>>,
    /// The next timer's arming number.
    next_timer: u64,
}

impl<H> Default for Clock<H> {
    fn default() -> Self {
        Clock { now: 0.0, timers: BinaryHeap::new(), next_timer: 0 }
    }
}

impl<H> Clock<H> {
    /// `loop.call_later(delay, ...)`: `handle` joins the ready queue once
    /// the clock reaches now + `delay`; cancelled through `cancelled`.
    pub(super) fn call_later(&mut self, delay: f64, handle: H, cancelled: Option<Rc<Cell<bool>>>) {
        let seq = self.next_timer;
        self.next_timer += 1;
        let when = self.now + delay;
        self.timers.push(Reverse(Timer { when, seq, handle, cancelled }));
    }

    /// Moves the timers due now to `ready` (CPython: at the start of each
    /// round); when nothing is ready, first moves the clock to the earliest
    /// live timer. False when no timer was moved.
    pub(super) fn fire_due(&mut self, advance: bool, ready: &mut VecDeque<H>) -> bool {
        let mut fired = false;
        while let Some(Reverse(t)) = self.timers.peek() {
            if t.cancelled.as_ref().is_some_and(|c| c.get()) {
                self.timers.pop();
                continue;
            }
            if t.when > self.now {
                if !advance || fired {
                    break;
                }
                self.now = t.when;
            }
            let Some(Reverse(t)) = self.timers.pop() else { break };
            ready.push_back(t.handle);
            fired = true;
        }
        fired
    }

    /// A new cell's loop: the clock at 0, no timers.
    pub(super) fn reset(&mut self) {
        self.now = 0.0;
        self.timers.clear();
    }
}
