//! Iterators: the state behind `iter()`, `map`, `zip`, `enumerate`,
//! `itertools`... (eager lists of items, index-based cursors, or lazy
//! adapters over other iterators; dropped without recursion), the step that
//! yields the next item is the machine's (`vm/iter_next.rs`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::value::*;

/// Iterator state for `iter()`, `map`, `zip`, ... (eager, index-based, or
/// a lazy adapter pulling from its sources one item a step).
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
    /// A dict's keys, values or items (`kind` 0, 1, 2: the dict itself or
    /// one of its views), read in place at `pos` each step, as CPython's
    /// dict iterators read their table: a value updated under the loop is
    /// seen, a change of size raises. `len` is the dict's length when the
    /// iteration began (`usize::MAX` once a change was reported, so that
    /// it keeps raising, as CPython's does), `left` how many entries it may
    /// still yield (CPython's `di->len`), `removals` the dict's count of
    /// removals at the last step; `dict` is `None` once exhausted.
    DictEntries {
        dict: Option<Rc<StoreCell<Dict>>>,
        kind: u8,
        pos: usize,
        len: usize,
        left: usize,
        removals: u32,
    },
    /// The items of a set or deque, taken when the iteration began, with
    /// the container and its stamp then: each step checks that the stamp
    /// is unchanged, as CPython's iterators do (`None` once the iterator is
    /// exhausted: the container is let go).
    Watched(VecDeque<Value>, Option<(Value, Stamp)>),
    /// A generator expression: its frame, run to its next `yield` on each
    /// step (`vm/generator.rs`). Held behind [`Suspended`]: the frame's data
    /// (`value/frame.rs`'s `Generator`) names the values, and an iterator
    /// naming it closed a circle through the value layer (issue #59).
    #[allow(private_interfaces)]
    Gen(Box<dyn Suspended>),
    /// `map(f, *iterables)`: each step pulls one item from every source and
    /// calls `f` on them.
    Map(Value, Vec<Rc<RefCell<IterState>>>),
    /// `filter(f, iterable)`: each step pulls items until `f` (truthiness
    /// when `None`) keeps one.
    Filter(Value, Rc<RefCell<IterState>>),
    /// `enumerate(iterable, start)`: the next count and the source.
    Enumerate(i64, Rc<RefCell<IterState>>),
    /// `zip(*iterables, strict=...)`: each step pulls one item from every
    /// source in turn.
    Zip(Vec<Rc<RefCell<IterState>>>, bool),
    /// `re.finditer`: the compiled pattern (a `re.Pattern` value), the text
    /// searched, the byte where the next search starts, whether the match
    /// before was empty there (the next may not be empty there too) and
    /// whether a search ran (the first pays for the automaton's states); each
    /// step runs one search (`modules/re/functions.rs`), so a loop that
    /// breaks after the first match pays for that search only (issue #53).
    Matches(Value, Str, usize, bool, bool),
    /// An `itertools` iterator (`modules/itertools/tool.rs`), drawn one
    /// item a step; held behind [`Suspended`] as a generator's frame is.
    #[allow(private_interfaces)]
    Tool(Box<dyn Suspended>),
    /// An `itertools` iterator while its step runs (taken out of its
    /// state), with what it cost when taken out (a sync during the step
    /// counts that): asked again from inside that step, it raises.
    Busy(usize),
}

/// Fuel for each step of a lazy `map`, `filter`, `enumerate` or `zip` and
/// for each item it pulls from a source (`filter`: each item it pulls),
/// besides what its sources and callbacks pay: the nested pull (depth
/// check, the sources' `RefCell`s, the argument vector). Under callgrind
/// `filter(None, zeros)` ran ~230 instructions an item pulled, `map(abs,
/// xs)` ~1,090 a step with its callback, against the reference loop's ~55
/// a unit (docs/benchmarks/2026-11-24-issue-33-fuel-per-new-set-element.md, "Lazy map, filter,
/// enumerate, zip").
pub(crate) const FUEL_PER_ADAPTER_STEP: u64 = 4;

/// Fuel for the tuple each step of `zip` or `enumerate` makes, on top of
/// [`FUEL_PER_ADAPTER_STEP`]: at 4 a step alone, `enumerate(xs)` ran ~840
/// instructions a step (210 a unit) and `zip(xs, xs)` ~1,170 (290 a unit).
/// At 8, `for i, x in enumerate(range(10**18))` (21 units a step with its
/// loop) ran 1.75x the reference loop's time for its fuel on the AMD
/// machine: the tuple's two allocations, its charge and its drop are most
/// of a step (docs/benchmarks/2026-11-25-issue-33-fuel-calibration-slow-rows.md, "Fuel calibration
/// of the slow fuel rows").
pub(crate) const FUEL_PER_ADAPTER_TUPLE: u64 = 24;

/// Fuel for an iterator's copy of `n` items taken at its start (a set's or
/// a deque's items): a unit and a quarter an item (a loop
/// that iterates a dict growing by two keys a round copied its keys at a
/// unit per 8 for 14 s; at a unit each it ran 1.44x the reference loop's time
/// for its fuel, at 1.5 0.65-0.73x).
pub(crate) fn snapshot_fuel(n: usize) -> u64 {
    let n = n as u64;
    n + n / 4
}

/// Fuel for each step of a dict's iterator (its keys, values or items,
/// read in place), besides the loop's unit; an item's tuple pays
/// [`FUEL_PER_ADAPTER_TUPLE`] on top. Calibrated below (issue #59).
pub(crate) const FUEL_PER_DICT_STEP: u64 = 1;

/// From how many sources a step of `zip` charges its row (and `map` its
/// argument vector) before building it. A narrow row is left to its
/// consumer's checks (a tuple charges the account as it is made, and a
/// `list(...)` checks the budget every 1,024 items, a few tens of KB of
/// pairs); a wide one is not: 1,024 rows of `zip(*[range(10**4)] * 10**4)`
/// are 160 MB, and that transpose peaked at 658 MiB under a 512 MiB budget.
pub(crate) const WIDE_ROW: usize = 16;

/// Fuel for each item of a wide row (`zip` of [`WIDE_ROW`] sources or
/// more), pulled from its own source: thousands of sources, each a
/// separate iterator on the heap, are visited once a row and miss the
/// cache, where two sources stay in it. `zip(*[range(10**4)] * 10**4)` ran
/// 3.1x the dispatch loop's time per unit at the row's charges alone
/// (issue #33, `atk_zip_star_transpose`).
pub(crate) const FUEL_PER_WIDE_ROW_ITEM: u64 = 8;

/// The bytes a row of `width` items takes once it is a tuple (its `Rc`
/// box and its items' buffer), charged before it is built.
pub(crate) fn row_bytes(width: usize) -> usize {
    crate::mem::rc_block::<crate::value::TupleObj>()
        .saturating_add(crate::mem::vec_block::<Value>(width))
}

/// One step of a lazy adapter, taken out of its state so that no borrow of
/// it is held while its sources and callbacks run (they may ask it again).
pub(crate) enum Pull {
    Map(Value, Vec<Rc<RefCell<IterState>>>),
    Filter(Value, Rc<RefCell<IterState>>),
    Enumerate(i64, Rc<RefCell<IterState>>),
    Zip(Vec<Rc<RefCell<IterState>>>, bool),
}

impl IterState {
    /// Whether it yields its items as they are asked for (a generator or a
    /// lazy adapter), so that a consumer that can should not materialise it.
    pub(crate) fn is_lazy(&self) -> bool {
        matches!(
            self,
            IterState::Gen(_)
                | IterState::Tool(_)
                | IterState::Map(..)
                | IterState::Filter(..)
                | IterState::Enumerate(..)
                | IterState::Zip(..)
        )
    }

    pub(crate) fn pull(&self) -> Option<Pull> {
        Some(match self {
            IterState::Map(f, srcs) => Pull::Map(f.clone(), srcs.clone()),
            IterState::Filter(f, src) => Pull::Filter(f.clone(), src.clone()),
            IterState::Enumerate(i, src) => Pull::Enumerate(*i, src.clone()),
            IterState::Zip(srcs, strict) => Pull::Zip(srcs.clone(), *strict),
            _ => return None,
        })
    }
}

/// What a watched container's iterator compares: its length and, for a
/// deque, its mutation count (CPython's set iterator checks the length;
/// its deque iterator checks both).
type Stamp = (usize, u64);

/// A watched container's stamp now.
pub(crate) fn watched_stamp(c: &Value) -> Stamp {
    match c {
        Value::Set(s) => (s.borrow().len(), 0),
        Value::Deque(d) => (d.borrow().len(), d.mutations()),
        _ => (0, 0),
    }
}

/// CPython's error for a container whose length changed under its iterator.
pub(crate) fn changed_error(c: &Value) -> &'static str {
    match c {
        Value::Set(_) => "Set changed size during iteration",
        _ => "deque mutated during iteration",
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

/// How a dict changed under its iterator: CPython's `RuntimeError`s (a
/// `Fault` made of it by `fault.rs`, which the value layer does not name).
#[derive(Debug, Clone, Copy)]
pub(crate) enum DictChanged {
    /// Borrowed mutably while a step reads it (an interpreter error).
    Borrowed,
    Size,
    Keys,
}

impl DictChanged {
    pub(crate) fn message(self) -> &'static str {
        match self {
            DictChanged::Borrowed => "internal interpreter error: dict borrowed under its iterator",
            DictChanged::Size => "dictionary changed size during iteration",
            DictChanged::Keys => "dictionary keys changed during iteration",
        }
    }
}

impl IterState {
    /// An iterator over the dict `d`'s keys, values or items (`kind` 0, 1, 2).
    pub(crate) fn dict_entries(d: Rc<StoreCell<Dict>>, kind: u8) -> IterState {
        let (len, (removals, _)) = {
            let dm = d.borrow();
            (dm.map.len(), dm.removals())
        };
        IterState::DictEntries { dict: Some(d), kind, pos: 0, len, left: len, removals }
    }

    /// A `DictEntries` state's next entry, what `pick` copies of it: the
    /// table read at the position, after CPython's checks. A change of
    /// size raises, and keeps raising. At the same size (keys removed and
    /// others added), the walk goes on as CPython's over its table, where
    /// a removed key leaves a hole and a new one is appended: the position
    /// moves back past the one removal before it, and an entry found when
    /// `left` is spent raises "keys changed" and ends the iterator. Exact
    /// while CPython's table is not rebuilt (an insert into a full table
    /// compacts it, and its iterator then skips as many entries as there
    /// were holes before it) and while one removal at most happens between
    /// steps; otherwise this raises "keys changed" at once
    /// (docs/divergences.md, `dict-keys-changed`). `Ok(None)` at the end,
    /// and for any other state.
    #[inline(always)]
    pub(crate) fn dict_next<T>(
        &mut self,
        pick: impl FnOnce(&Key, &Value) -> T,
    ) -> Result<Option<T>, DictChanged> {
        let IterState::DictEntries { dict, pos, len, left, removals, .. } = self else {
            return Ok(None);
        };
        let Some(d) = dict else { return Ok(None) };
        // `Some(None)`: the end; `None`: the keys changed.
        let found = {
            let Ok(dm) = d.try_borrow() else {
                return Err(DictChanged::Borrowed);
            };
            if dm.map.len() != *len {
                *len = usize::MAX;
                return Err(DictChanged::Size);
            }
            let (now, at) = dm.removals();
            let mut moved = false;
            if now != *removals {
                moved = now != removals.wrapping_add(1);
                if at < *pos {
                    *pos -= 1;
                }
                *removals = now;
            }
            match dm.map.get_index(*pos) {
                Some(_) if moved || *left == 0 => None,
                Some((k, v)) => Some(Some(pick(k, v))),
                None => Some(None),
            }
        };
        match found {
            Some(Some(x)) => {
                *pos += 1;
                *left -= 1;
                Ok(Some(x))
            }
            Some(None) => {
                *dict = None;
                Ok(None)
            }
            None => {
                *dict = None;
                Err(DictChanged::Keys)
            }
        }
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
            IterState::Gen(g) | IterState::Tool(g) => g.mem_cost(),
            // The sources are iterators of their own, charged by themselves.
            IterState::Map(f, srcs) => {
                f.unowned_cost() + crate::mem::vec_block::<Value>(srcs.capacity())
            }
            IterState::Zip(srcs, _) => crate::mem::vec_block::<Value>(srcs.capacity()),
            IterState::Filter(f, _) => f.unowned_cost(),
            IterState::Matches(p, h, ..) => p.unowned_cost() + Value::Str(h.clone()).unowned_cost(),
            IterState::Str(..)
            | IterState::DictEntries { .. }
            | IterState::Range(..)
            | IterState::Count(..)
            | IterState::Enumerate(..) => 0,
            IterState::Busy(cost) => *cost,
        };
        Some(crate::mem::rc_block::<RefCell<IterState>>() + items)
    }
}

impl Drop for IterState {
    fn drop(&mut self) {
        let items: Vec<Value> = match self {
            // One value, or a frame's few: no vector made to wait in.
            IterState::Seq(v, _) | IterState::Repeat(v, _) => {
                return defer_drop_one(std::mem::replace(v, Value::None));
            }
            // Its frame's values leave one at a time by its own `Drop`,
            // a tool's by its own.
            IterState::Gen(_) | IterState::Tool(_) => return,
            IterState::Items(q) => std::mem::take(q).into(),
            IterState::Watched(q, c) => {
                let mut items: Vec<Value> = std::mem::take(q).into();
                items.extend(c.take().map(|(c, _)| c));
                items
            }
            IterState::Cycle(v, _) => std::mem::take(v),
            // A chain of adapters is dropped a level at a time, not by
            // recursion (`g = map(abs, g)` 100 000 times).
            IterState::Map(f, srcs) => {
                let mut items = vec![std::mem::replace(f, Value::None)];
                items.extend(std::mem::take(srcs).into_iter().map(Value::Iter));
                items
            }
            IterState::Filter(f, src) => {
                let src = std::mem::replace(src, Rc::new(RefCell::new(IterState::Count(0, 0))));
                vec![std::mem::replace(f, Value::None), Value::Iter(src)]
            }
            IterState::Enumerate(_, src) => {
                let src = std::mem::replace(src, Rc::new(RefCell::new(IterState::Count(0, 0))));
                vec![Value::Iter(src)]
            }
            IterState::Zip(srcs, _) => std::mem::take(srcs).into_iter().map(Value::Iter).collect(),
            IterState::DictEntries { dict, .. } => {
                dict.take().map(Value::Dict).into_iter().collect()
            }
            _ => Vec::new(),
        };
        defer_drop(items);
    }
}
