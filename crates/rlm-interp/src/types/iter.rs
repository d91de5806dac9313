//! Iterators: the state behind `iter()`, `map`, `zip`, `enumerate`,
//! `itertools`... (eager lists of items or index-based cursors; dropped
//! without recursion), and the step that yields the next item.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::fault::{R, exc};
use crate::types::str::ascii_char;
use crate::value::*;
use crate::vm::Vm;

/// Iterator state for `iter()`, `map`, `zip`, ... (all eager or index-based).
pub enum IterState {
    Seq(Value, usize),
    Str(Str, usize),
    Range(i64, i64, i64),
    Items(VecDeque<Value>),
    Count(i64, i64),
    /// `itertools.count` with a float start or step: the next value (an int
    /// only before the first step) and the step.
    CountFloat(Value, f64),
    Cycle(Vec<Value>, usize),
    Repeat(Value, Option<i64>),
    /// The items of a dict (or a view of one), set or deque, taken when the
    /// iteration began, with the container and its stamp then: each step
    /// checks that the stamp is unchanged, as CPython's iterators do
    /// (`None` once the iterator is exhausted: the container is let go).
    Watched(VecDeque<Value>, Option<(Value, Stamp)>),
    /// A generator expression: its frame, run to its next `yield` on each
    /// step (`vm/generator.rs`).
    Gen(Generator),
}

/// A generator expression's state: its frame while suspended between
/// items; none while the frame runs or once it ended.
pub struct Generator {
    frame: Option<Box<crate::vm::Frame>>,
    running: bool,
}

impl Generator {
    pub(crate) fn new(frame: crate::vm::Frame) -> Generator {
        Generator { frame: Some(Box::new(frame)), running: false }
    }

    /// A step ended: the frame comes back if it yielded (`None`: it ended).
    pub(crate) fn finish_step(&mut self, frame: Option<Box<crate::vm::Frame>>) {
        self.frame = frame;
        self.running = false;
    }
}

/// What a watched container's iterator compares: its length and, for a
/// deque, its mutation count (CPython's dict and set iterators check the
/// length; its deque iterator checks both).
type Stamp = (usize, u64);

/// A watched container's stamp now.
fn watched_stamp(c: &Value) -> Stamp {
    match c {
        Value::Dict(d) => (d.borrow().map.len(), 0),
        Value::Set(s) => (s.borrow().len(), 0),
        Value::Deque(d) => (d.borrow().len(), d.mutations()),
        _ => (0, 0),
    }
}

/// CPython's error for a container whose length changed under its iterator.
fn changed_error(c: &Value) -> &'static str {
    match c {
        Value::Set(_) => "Set changed size during iteration",
        Value::Deque(_) => "deque mutated during iteration",
        _ => "dictionary changed size during iteration",
    }
}

impl IterState {
    /// An iterator over `items`, the items of the dict, set or deque
    /// `container` now.
    pub(crate) fn watched(items: VecDeque<Value>, container: Value) -> IterState {
        let stamp = watched_stamp(&container);
        IterState::Watched(items, Some((container, stamp)))
    }
}

/// A range iterator's next int (`cur` moves on by `step`), `None` past `stop`.
#[inline(always)]
pub(crate) fn range_step(cur: &mut i64, stop: i64, step: i64) -> Option<i64> {
    if (step > 0 && *cur < stop) || (step < 0 && *cur > stop) {
        let v = *cur;
        *cur = cur.saturating_add(step);
        Some(v)
    } else {
        None
    }
}

impl IterState {
    /// Its allocations now: the `Rc<RefCell<_>>` box and the buffer of
    /// materialised items (zip, itertools...). `None` while it is advanced.
    pub(crate) fn mem_cost(it: &RefCell<IterState>) -> Option<usize> {
        let st = it.try_borrow().ok()?;
        let items = match &*st {
            IterState::Items(q) | IterState::Watched(q, _) => {
                crate::mem::vec_block::<Value>(q.capacity())
                    + q.iter().map(Value::unowned_cost).sum::<usize>()
            }
            IterState::Cycle(v, _) => {
                crate::mem::vec_block::<Value>(v.capacity())
                    + v.iter().map(Value::unowned_cost).sum::<usize>()
            }
            IterState::Seq(v, _) | IterState::Repeat(v, _) | IterState::CountFloat(v, _) => {
                v.unowned_cost()
            }
            IterState::Gen(g) => g.frame.as_ref().map_or(0, |f| f.mem_cost()),
            IterState::Str(..) | IterState::Range(..) | IterState::Count(..) => 0,
        };
        Some(crate::mem::rc_block::<RefCell<IterState>>() + items)
    }
}

impl Drop for IterState {
    fn drop(&mut self) {
        let items: Vec<Value> = match self {
            IterState::Seq(v, _) | IterState::Repeat(v, _) => {
                vec![std::mem::replace(v, Value::None)]
            }
            IterState::Items(q) => std::mem::take(q).into(),
            IterState::Watched(q, c) => {
                let mut items: Vec<Value> = std::mem::take(q).into();
                items.extend(c.take().map(|(c, _)| c));
                items
            }
            IterState::Cycle(v, _) => std::mem::take(v),
            IterState::Gen(g) => g.frame.take().map(|f| f.into_values()).unwrap_or_default(),
            _ => Vec::new(),
        };
        defer_drop(items);
    }
}

/// Fuel for each item an endless iterator (`itertools.count`, `cycle`,
/// `repeat` without a count) yields, besides what its consumer pays: a
/// `for` loop over `count()` ran its fuel in 2.1 s, `all(repeat(True))`
/// in 3.3 s (BENCHMARKS.md, "Fuel cost table and calibration", 2026-11-24);
/// at 2 units, measure.sh's quiet-machine run of 2026-11-24 17:53 UTC (release `rlm exec`, everything else paused) still took
/// 1.06 s and 1.12 s (the reference loop: 0.6 s).
const FUEL_PER_ENDLESS_STEP: u64 = 3;

impl Vm {
    pub(crate) fn iter_next(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        let mut st = it.borrow_mut();
        if let IterState::Gen(g) = &mut *st {
            let Some(frame) = g.frame.take() else {
                if g.running {
                    return crate::fault::value_err("generator already executing");
                }
                return Ok(None);
            };
            g.running = true;
            // Released while the frame runs: it may ask this generator again.
            drop(st);
            return self.resume_generator(it, *frame);
        }
        Ok(match &mut *st {
            IterState::Seq(v, i) => {
                let r = match v {
                    Value::List(l) => l.borrow().get(*i).cloned(),
                    Value::Tuple(t) => t.get(*i).cloned(),
                    _ => None,
                };
                *i += 1;
                r
            }
            IterState::Str(s, b) => {
                let text = s.as_str();
                match text[*b..].chars().next() {
                    Some(c) => {
                        let start = *b;
                        *b += c.len_utf8();
                        Some(Value::Str(if c.is_ascii() {
                            ascii_char(c as u8)
                        } else {
                            s.byte_substr(start, *b, Some(1))
                        }))
                    }
                    None => None,
                }
            }
            IterState::Range(cur, stop, step) => range_step(cur, *stop, *step).map(Value::Int),
            IterState::Items(q) => q.pop_front(),
            IterState::Watched(q, watch) => {
                if let Some((c, stamp)) = watch {
                    if watched_stamp(c) != *stamp {
                        // CPython's iterator keeps raising after this.
                        let msg = changed_error(c);
                        *stamp = (usize::MAX, u64::MAX);
                        return exc(ExcKind::RuntimeError, msg);
                    }
                }
                let next = q.pop_front();
                if next.is_none() {
                    *watch = None;
                }
                next
            }
            IterState::Count(cur, step) => {
                self.fuel(FUEL_PER_ENDLESS_STEP)?;
                let v = *cur;
                *cur = cur.saturating_add(*step);
                Some(Value::Int(v))
            }
            IterState::CountFloat(cur, step) => {
                let next = match cur {
                    Value::Int(i) => *i as f64 + *step,
                    Value::Float(f) => *f + *step,
                    _ => f64::NAN,
                };
                Some(std::mem::replace(cur, Value::Float(next)))
            }
            IterState::Cycle(items, i) => {
                self.fuel(FUEL_PER_ENDLESS_STEP)?;
                if items.is_empty() {
                    None
                } else {
                    let v = items[*i % items.len()].clone();
                    *i += 1;
                    Some(v)
                }
            }
            IterState::Repeat(v, n) => match n {
                None => {
                    self.fuel(FUEL_PER_ENDLESS_STEP)?;
                    Some(v.clone())
                }
                Some(0) => None,
                Some(k) => {
                    *k -= 1;
                    Some(v.clone())
                }
            },
            IterState::Gen(_) => None,
        })
    }
}
