//! An `itertools` iterator's state, drawn one item a step as CPython's
//! are (issue #76): nothing is drawn from a source when the iterator is
//! made, each step draws only what its item needs, in CPython's order, and
//! calls its callback before the next draw. The iterator's value holds it
//! behind `IterState::Tool` (`types/iter.rs`), and the machine's step
//! (`vm/iter_next.rs`) takes it out while it runs, so a callback that asks
//! the same iterator again gets an error, not a borrow panic. Each step
//! pays [`FUEL_PER_TOOL_STEP`] and a unit for each item it draws before it
//! draws it; what it keeps (a `tee`'s buffer, a `cycle`'s saved items, a
//! pool) is charged as it grows and counted at its size
//! ([`Tool::mem_cost`]). The combinatoric ones are `combinatorics.rs`'s,
//! `groupby` and `tee` (states shared between iterators) `shared.rs`'s.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use rlm_syntax::ast::BinOp;

use super::combinatorics::Combinatoric;
use super::shared::{Group, GroupBy, Tee};
use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::value::*;

/// Fuel for each step of an `itertools` iterator, besides a unit for each
/// item it draws and what its sources and callbacks pay: as a lazy `map`'s
/// step (`types::iter::FUEL_PER_ADAPTER_STEP`).
pub(crate) const FUEL_PER_TOOL_STEP: u64 = 4;

pub(crate) type Source = Rc<RefCell<IterState>>;

/// An `itertools` iterator's state.
pub(crate) enum Tool {
    /// `chain(*its)` (the iterables left, each made an iterator when
    /// reached) and `chain.from_iterable(it)` (`outer`).
    Chain {
        rest: VecDeque<Value>,
        outer: Option<Source>,
        cur: Option<Source>,
    },
    /// `islice(src, start, stop, step)`: `next` is the index of the next
    /// item to give, `at` the count drawn so far.
    Islice {
        src: Option<Source>,
        next: i64,
        stop: Option<i64>,
        step: i64,
        at: i64,
    },
    Accumulate {
        src: Source,
        func: Option<Value>,
        acc: Option<Value>,
        initial: Option<Value>,
    },
    TakeWhile {
        pred: Value,
        src: Option<Source>,
    },
    DropWhile {
        pred: Value,
        src: Source,
        dropping: bool,
    },
    FilterFalse {
        pred: Value,
        src: Source,
    },
    StarMap {
        func: Value,
        src: Source,
    },
    Pairwise {
        src: Option<Source>,
        last: Option<Value>,
    },
    Compress {
        data: Source,
        sel: Source,
    },
    ZipLongest {
        srcs: Vec<Option<Source>>,
        live: usize,
        fill: Value,
    },
    /// `cycle(src)`: the source's items are saved as they are drawn, then
    /// given again from `saved`.
    Cycle {
        src: Option<Source>,
        saved: Vec<Value>,
        at: usize,
        /// What `saved` holds, kept as it grows.
        bytes: usize,
    },
    Combinatoric(Combinatoric),
    /// The builtin `reversed(list)`: the next index to read (the list's
    /// last when it was made; `usize::MAX` once spent), read in place as
    /// CPython's reverse list iterator does.
    Reversed {
        list: Value,
        next: usize,
    },
    GroupBy(Rc<RefCell<GroupBy>>),
    Group(Group),
    Tee(Tee),
}

impl Tool {
    /// As an iterator's value.
    pub(crate) fn value(self) -> Value {
        Value::iter(IterState::Tool(Box::new(self)))
    }

    /// The tool an iterator's `Tool` state holds.
    pub(crate) fn of(state: &mut dyn Suspended) -> Option<&mut Tool> {
        state.as_any_mut().downcast_mut::<Tool>()
    }

    /// A copy to step in its place when it keeps no state of its own: a
    /// `groupby`'s group, whose parent's state is shared and whole between
    /// draws, as CPython's. Its key function may then read the group from
    /// inside the group's own step, as CPython allows (bpo-30347), where
    /// the other tools raise "already executing".
    pub(crate) fn stateless_copy(&self) -> Option<Tool> {
        match self {
            Tool::Group(g) => Some(Tool::Group(g.clone())),
            _ => None,
        }
    }

    /// Its next item, `None` once it ended (and from then on).
    pub(crate) fn next<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        cx.meter().fuel(FUEL_PER_TOOL_STEP)?;
        match self {
            Tool::Chain { rest, outer, cur } => chain_next(cx, rest, outer, cur),
            Tool::Islice { src, next, stop, step, at } => {
                islice_next(cx, src, next, *stop, *step, at)
            }
            Tool::Accumulate { src, func, acc, initial } => {
                if let Some(v) = initial.take() {
                    *acc = Some(v.clone());
                    return Ok(Some(v));
                }
                let Some(x) = draw(cx, src)? else { return Ok(None) };
                let next = match acc.take() {
                    None => x,
                    Some(a) => match func {
                        Some(f) => cx.call_value(f, vec![a, x], Vec::new())?,
                        None => cx.binary(BinOp::Add, &a, &x)?,
                    },
                };
                *acc = Some(next.clone());
                Ok(Some(next))
            }
            Tool::TakeWhile { pred, src } => {
                let Some(s) = src.clone() else { return Ok(None) };
                let Some(x) = draw(cx, &s)? else { return Ok(None) };
                if cx.call_value(pred, vec![x.clone()], Vec::new())?.truthy() {
                    return Ok(Some(x));
                }
                *src = None;
                Ok(None)
            }
            Tool::DropWhile { pred, src, dropping } => loop {
                let Some(x) = draw(cx, src)? else { return Ok(None) };
                if !*dropping {
                    return Ok(Some(x));
                }
                if !cx.call_value(pred, vec![x.clone()], Vec::new())?.truthy() {
                    *dropping = false;
                    return Ok(Some(x));
                }
            },
            Tool::FilterFalse { pred, src } => loop {
                let pred = &*pred;
                let Some(x) = draw(cx, src)? else { return Ok(None) };
                let keep = match pred {
                    Value::None => x.truthy(),
                    f => cx.call_value(f, vec![x.clone()], Vec::new())?.truthy(),
                };
                if !keep {
                    return Ok(Some(x));
                }
            },
            Tool::StarMap { func, src } => {
                let Some(x) = draw(cx, src)? else { return Ok(None) };
                let args = cx.iterate(&x)?;
                cx.call_value(func, args, Vec::new()).map(Some)
            }
            Tool::Pairwise { src, last } => pairwise_next(cx, src, last),
            // No memory of its end, as CPython's: each later call draws a datum again
            // before it finds the selectors spent.
            Tool::Compress { data, sel } => loop {
                let Some(x) = draw(cx, data)? else { return Ok(None) };
                let Some(s) = draw(cx, sel)? else { return Ok(None) };
                if s.truthy() {
                    return Ok(Some(x));
                }
            },
            Tool::ZipLongest { srcs, live, fill } => zip_longest_next(cx, srcs, live, fill),
            Tool::Cycle { src, saved, at, bytes } => cycle_next(cx, src, saved, at, bytes),
            Tool::Reversed { list, next } => {
                let Value::List(l) = list else { return Ok(None) };
                // Past the end (the list shrank) or spent: the end.
                let item = if *next < usize::MAX { l.borrow().get(*next).cloned() } else { None };
                *next = if item.is_some() { next.wrapping_sub(1) } else { usize::MAX };
                Ok(item)
            }
            Tool::Combinatoric(c) => c.next(cx),
            Tool::GroupBy(g) => super::shared::groupby_next(cx, g),
            Tool::Group(g) => g.next(cx),
            Tool::Tee(t) => t.next(cx),
        }
    }
}

/// The next item of `src`, its unit of fuel paid first.
pub(crate) fn draw<C: Callbacks + ?Sized>(cx: &mut C, src: &Source) -> R<Option<Value>> {
    cx.meter().fuel(1)?;
    cx.iter_next(src)
}

/// An iterator over `v` (`iter(v)`), or CPython's error for a value that is none.
pub(crate) fn source<C: Callbacks + ?Sized>(cx: &mut C, v: Value) -> R<Source> {
    match cx.get_iter(v)? {
        Value::Iter(it) => Ok(it),
        other => type_err(format!("'{}' object is not iterable", other.type_name())),
    }
}

fn chain_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    rest: &mut VecDeque<Value>,
    outer: &mut Option<Source>,
    cur: &mut Option<Source>,
) -> R<Option<Value>> {
    loop {
        if let Some(c) = cur.clone() {
            if let Some(x) = draw(cx, &c)? {
                return Ok(Some(x));
            }
            *cur = None;
        }
        let next = match outer.clone() {
            Some(o) => match draw(cx, &o)? {
                Some(v) => v,
                None => {
                    *outer = None;
                    return Ok(None);
                }
            },
            None => match rest.pop_front() {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        *cur = Some(source(cx, next)?);
    }
}

fn islice_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    src: &mut Option<Source>,
    next: &mut i64,
    stop: Option<i64>,
    step: i64,
    at: &mut i64,
) -> R<Option<Value>> {
    let Some(s) = src.clone() else { return Ok(None) };
    // CPython's order: skip to the next index wanted, then stop at the
    // stop, then give the item.
    while *at < *next {
        if draw(cx, &s)?.is_none() {
            *src = None;
            return Ok(None);
        }
        *at += 1;
    }
    if stop.is_some_and(|stop| *at >= stop) {
        *src = None;
        return Ok(None);
    }
    let Some(x) = draw(cx, &s)? else {
        *src = None;
        return Ok(None);
    };
    *at += 1;
    *next = next.saturating_add(step);
    if let Some(stop) = stop {
        if *next > stop {
            *next = stop;
        }
    }
    Ok(Some(x))
}

fn pairwise_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    src: &mut Option<Source>,
    last: &mut Option<Value>,
) -> R<Option<Value>> {
    let Some(s) = src.clone() else { return Ok(None) };
    let prev = match last.take() {
        Some(p) => p,
        None => match draw(cx, &s)? {
            Some(p) => p,
            None => {
                *src = None;
                return Ok(None);
            }
        },
    };
    let Some(x) = draw(cx, &s)? else {
        *src = None;
        return Ok(None);
    };
    *last = Some(x.clone());
    cx.meter().fuel(crate::types::iter::FUEL_PER_ADAPTER_TUPLE)?;
    Ok(Some(Value::tuple(vec![prev, x])))
}

/// A row of `zip_longest`: a draw from each live source in turn; the row
/// in which the last one ends is not given.
fn zip_longest_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    srcs: &mut [Option<Source>],
    live: &mut usize,
    fill: &Value,
) -> R<Option<Value>> {
    if *live == 0 {
        return Ok(None);
    }
    cx.meter().alloc(crate::types::iter::row_bytes(srcs.len()))?;
    let mut row = Vec::with_capacity(srcs.len());
    for slot in srcs.iter_mut() {
        let item = match slot.clone() {
            Some(src) => draw(cx, &src)?,
            None => None,
        };
        let item = match item {
            Some(v) => v,
            None => {
                if slot.take().is_some() {
                    *live -= 1;
                    if *live == 0 {
                        return Ok(None);
                    }
                }
                fill.clone()
            }
        };
        row.push(item);
    }
    cx.meter().fuel(crate::types::iter::FUEL_PER_ADAPTER_TUPLE)?;
    Ok(Some(Value::tuple(row)))
}

fn cycle_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    src: &mut Option<Source>,
    saved: &mut Vec<Value>,
    at: &mut usize,
    bytes: &mut usize,
) -> R<Option<Value>> {
    if let Some(s) = src.clone() {
        if let Some(x) = draw(cx, &s)? {
            let cost = std::mem::size_of::<Value>() + x.unowned_cost();
            cx.meter().alloc(cost)?;
            cx.meter().check_len(saved.len() + 1)?;
            *bytes += cost;
            saved.push(x.clone());
            return Ok(Some(x));
        }
        *src = None;
    }
    if saved.is_empty() {
        return Ok(None);
    }
    let x = saved[*at % saved.len()].clone();
    *at = (*at + 1) % saved.len();
    Ok(Some(x))
}

impl Suspended for Tool {
    fn mem_cost(&self) -> usize {
        // Read at every step (`vm/iter_next.rs`): each part is kept as it
        // changes, none is a walk.
        let own = std::mem::size_of::<Tool>();
        own + match self {
            Tool::Cycle { saved, bytes, .. } => {
                crate::mem::vec_block::<Value>(saved.capacity()) + *bytes
            }
            Tool::Chain { rest, .. } => crate::mem::vec_block::<Value>(rest.len()),
            Tool::ZipLongest { srcs, .. } => crate::mem::vec_block::<Value>(srcs.len()),
            Tool::Combinatoric(c) => c.mem_cost(),
            Tool::Tee(t) => t.mem_cost(),
            _ => 0,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Drop for Tool {
    /// What it holds leaves without recursion (a chain of tools over tools).
    fn drop(&mut self) {
        let mut out: Vec<Value> = Vec::new();
        let mut take = |s: &mut Source| {
            out.push(Value::Iter(std::mem::replace(s, super::shared::spent_source())))
        };
        match self {
            Tool::Chain { rest, outer, cur } => {
                outer.iter_mut().chain(cur.iter_mut()).for_each(&mut take);
                out.extend(rest.drain(..));
            }
            Tool::Islice { src, .. } | Tool::TakeWhile { src, .. } => {
                src.iter_mut().for_each(&mut take)
            }
            Tool::Accumulate { src, .. }
            | Tool::DropWhile { src, .. }
            | Tool::FilterFalse { src, .. }
            | Tool::StarMap { src, .. } => take(src),
            Tool::Pairwise { src, last } => {
                src.iter_mut().for_each(&mut take);
                out.extend(last.take());
            }
            Tool::Compress { data, sel } => {
                take(data);
                take(sel);
            }
            Tool::ZipLongest { srcs, .. } => srcs.iter_mut().flatten().for_each(&mut take),
            Tool::Cycle { src, saved, .. } => {
                src.iter_mut().for_each(&mut take);
                out.append(saved);
            }
            Tool::Reversed { .. }
            | Tool::Combinatoric(_)
            | Tool::GroupBy(_)
            | Tool::Group(_)
            | Tool::Tee(_) => {}
        }
        defer_drop(out);
    }
}

/// What an iterator's state holds while its tool is out running a step.
pub(crate) struct Spent;

impl Suspended for Spent {
    fn mem_cost(&self) -> usize {
        0
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
