//! Value equality as Python's `==` and `is` see it, and the check that
//! makes a value a dict key: `==` is a bounded walk (fuel for the elements
//! and bytes it visits, a depth cap, no Rust recursion past the stack's red
//! zone); keys are checked hashable once, so comparing them later needs no
//! limits (`eq_shallow`). Ordering and membership are the VM's
//! (`vm/compare.rs`), which calls these.

use std::rc::Rc;

use crate::fault::{R, type_err};
use crate::meter::Meter;
use crate::types::set::set_items;
use crate::value::*;

// How many key comparisons are running inside one another on this thread:
// comparing two frozensets looks their items up in each other, which
// compares keys, which may be frozensets (`x = frozenset([x])` 10^6 times).
thread_local! {
    static KEY_EQ_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Key comparisons nested deeper than this (through frozensets) answer
/// "not equal".
const MAX_KEY_EQ_DEPTH: usize = 64;

/// Equality without limits (used by hash keys, which are validated to be
/// shallow enough beforehand; frozensets, whose items are compared by
/// lookup, are held to [`MAX_KEY_EQ_DEPTH`] levels).
pub fn eq_shallow(a: &Value, b: &Value) -> bool {
    let depth = KEY_EQ_DEPTH.with(|d| d.get());
    if depth >= MAX_KEY_EQ_DEPTH || crate::stack_guard::stack_low() {
        return false;
    }
    KEY_EQ_DEPTH.with(|d| d.set(depth + 1));
    let r = eq_depth(a, b, 0, 256, &mut Work::unbounded()).unwrap_or(false);
    KEY_EQ_DEPTH.with(|d| d.set(depth));
    r
}

/// Key equality: the keys programs use most compared without the general
/// walk, inline (a dict lookup that finds its key makes one).
#[inline(always)]
fn key_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (a, b) => eq_shallow(a, b),
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        key_eq(&self.0, &other.0)
    }
}

impl Eq for Key {}

impl indexmap::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        key_eq(self.0, &key.0)
    }
}

/// Fuel for each container a comparison walk enters, besides its elements:
/// the stack check, the borrows and the recursion into it. A walk down a
/// shared-child DAG (`a = [a, a]` sixty times, `fuel_shared_dag_eq`) enters
/// a container for every element or two and ran 1.98x the dispatch loop's
/// time per unit at an element a unit
/// (docs/benchmarks/2026-11-25-issue-33-seven-slow-rows-default-fuel.md, issue #33).
const CONTAINER_VISIT: u64 = 1;

/// Fuel for each key a dict comparison looks up in the other dict (its
/// hash, its probe, its key compared, in tables apart): `X.index(X[-1])`
/// over 130,263 one-key dicts took 100-120 ns a dict charged about three
/// units (10.7-17x the loop's time a unit, issue #77's fuzzer).
const KEY_LOOKUP: u64 = 8;

/// Work done by a comparison walk, in fuel units: one per element visited
/// below the top, [`CONTAINER_VISIT`] per container entered and one per 64
/// bytes of strings compared. The walk stops
/// (returns `None`) once `used` passes `max`, so neither long strings nor
/// shared sub-lists (`a = [a, a]` twenty times over) make one `==` unbounded.
pub(crate) struct Work {
    used: u64,
    max: u64,
}

impl Work {
    fn unbounded() -> Work {
        Work { used: 0, max: u64::MAX }
    }

    #[inline]
    fn spend(&mut self, n: u64) -> Option<()> {
        self.used = self.used.saturating_add(n);
        if self.used > self.max { None } else { Some(()) }
    }
}

fn eq_depth(a: &Value, b: &Value, depth: usize, limit: usize, work: &mut Work) -> Option<bool> {
    if depth > limit {
        return None;
    }
    Some(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => (*x as i64) == *y,
        (Value::Float(x), Value::Float(y)) => x == y,
        // Exact at every magnitude (`2**63 - 1 != 2.0**63`), as CPython.
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            crate::types::float::order::cmp_int_float(*x, *y) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Bool(x), Value::Float(y)) | (Value::Float(y), Value::Bool(x)) => {
            (*x as i64 as f64) == *y
        }
        (Value::Str(x), Value::Str(y)) => {
            if x.byte_len() == y.byte_len() {
                work.spend((x.byte_len() / 64) as u64)?;
            }
            x == y
        }
        (Value::List(x), Value::List(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            stack_left(depth)?;
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(CONTAINER_VISIT + x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Tuple(x), Value::Tuple(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            stack_left(depth)?;
            x.len() == y.len() && {
                work.spend(CONTAINER_VISIT + x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            stack_left(depth)?;
            let (x, y) = (x.borrow(), y.borrow());
            if x.map.len() == y.map.len() {
                work.spend(CONTAINER_VISIT + x.map.len() as u64)?;
            }
            // Two Counters: every count agrees, a missing one counting as
            // zero (Python 3.10's `Counter.__eq__`).
            if matches!(x.kind, DictKind::Counter) && matches!(y.kind, DictKind::Counter) {
                work.spend(CONTAINER_VISIT + (x.map.len() + y.map.len()) as u64)?;
                let zero = Value::Int(0);
                for (a, b) in [(&*x, &*y), (&*y, &*x)] {
                    for (k, v) in a.map.iter() {
                        if !eq_depth(v, b.map.get(k).unwrap_or(&zero), depth + 1, limit, work)? {
                            return Some(false);
                        }
                    }
                }
                return Some(true);
            }
            if matches!(x.kind, DictKind::Ordered) && matches!(y.kind, DictKind::Ordered) {
                if x.map.len() != y.map.len() {
                    return Some(false);
                }
                for ((k1, v1), (k2, v2)) in x.map.iter().zip(y.map.iter()) {
                    if !eq_depth(&k1.0, &k2.0, depth + 1, limit, work)?
                        || !eq_depth(v1, v2, depth + 1, limit, work)?
                    {
                        return Some(false);
                    }
                }
                return Some(true);
            }
            x.map.len() == y.map.len() && {
                work.spend(KEY_LOOKUP.saturating_mul(x.map.len() as u64))?;
                for (k, v) in x.map.iter() {
                    match y.map.get(k) {
                        Some(w) => {
                            if !eq_depth(v, w, depth + 1, limit, work)? {
                                return Some(false);
                            }
                        }
                        None => return Some(false),
                    }
                }
                true
            }
        }
        (Value::Set(x), Value::Set(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::FrozenSet(x), Value::FrozenSet(y)) => {
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::Set(x), Value::FrozenSet(y)) | (Value::FrozenSet(y), Value::Set(x)) => {
            let x = x.borrow();
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::Deque(x), Value::Deque(y)) => {
            stack_left(depth)?;
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(CONTAINER_VISIT + x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Range(x), Value::Range(y)) => {
            let lx = range_len_exact(x.0, x.1, x.2);
            let ly = range_len_exact(y.0, y.1, y.2);
            lx == ly && (lx == 0 || (x.0 == y.0 && (lx == 1 || x.2 == y.2)))
        }
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Exc(x), Value::Exc(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x.name == y.name && x.module == y.module,
        (Value::Module(x), Value::Module(y)) => x.name == y.name,
        // An int-like module object (`re.IGNORECASE == 2`) is its int.
        (Value::Native(n), other) | (other, Value::Native(n)) if n.as_int().is_some() => {
            let i = Value::Int(n.as_int().unwrap_or(0));
            return eq_depth(&i, other, depth, limit, work);
        }
        (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
            (Native::Module(a), Native::Module(b)) => {
                a.eq_native(&**b).unwrap_or_else(|| Rc::ptr_eq(x, y))
            }
            _ => Rc::ptr_eq(x, y),
        },
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Native(n), other) | (other, Value::Native(n))
            if matches!(**n, Native::DictView(0 | 2, _)) =>
        {
            match (set_items(&Value::Native(n.clone())), set_items(other)) {
                (Some(x), Some(y)) => x.len() == y.len() && x.iter().all(|k| y.contains(k)),
                _ => false,
            }
        }
        _ => false,
    })
}

/// `None` (the walk stops with the nesting error) when the stack is low;
/// checked before walking a container's items, every
/// [`STACK_CHECK_EVERY`] levels: asking for the stack left was 17% of the
/// time of a walk down a shared-child DAG (`fuel_shared_dag_eq`), and a few
/// levels of this walk's frames are far less than the red zone.
#[inline]
fn stack_left(depth: usize) -> Option<()> {
    if depth % STACK_CHECK_EVERY == 0 && crate::stack_guard::stack_low() { None } else { Some(()) }
}

/// How many levels of [`eq_depth`] run between two checks of the stack.
const STACK_CHECK_EVERY: usize = 8;

/// Whether `set_items` may see a set in `v` (sets, frozensets, dict key and
/// item views).
pub(crate) fn is_set_like(v: &Value) -> bool {
    match v {
        Value::Set(_) | Value::FrozenSet(_) => true,
        Value::Native(n) => matches!(**n, Native::DictView(..)),
        _ => false,
    }
}

pub fn is_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        (Value::Str(x), Value::Str(y)) => Str::ptr_eq(x, y) || (x.byte_len() <= 1 && x == y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Tuple(x), Value::Tuple(y)) => Rc::ptr_eq(x, y) || (x.is_empty() && y.is_empty()),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Set(x), Value::Set(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Exc(x), Value::Exc(y)) => Rc::ptr_eq(x, y),
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Builtin(x), Value::Builtin(y)) => {
            Rc::ptr_eq(x, y) || (x.name == y.name && x.module == y.module)
        }
        (Value::Module(x), Value::Module(y)) => Rc::ptr_eq(x, y),
        // The same module object (`re.compile(p) is p`).
        (Value::Native(x), Value::Native(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// Validate a value as hashable and wrap it as a key.
#[inline]
pub(crate) fn key(meter: &mut Meter, v: Value) -> R<Key> {
    // The common keys (an int, a short string) need no walk and no fuel:
    // no call into `check_hashable` for them.
    if !key_is_free(&v) {
        // Small levels (a tuple's items): the guard alone, no segment.
        check_hashable(meter, &v, 0)?;
    }
    Ok(Key(v))
}

/// Whether [`key`] accepts `v` without charging fuel: the keys of
/// the method fast paths (`vm/method_fast.rs`).
#[inline(always)]
pub(crate) fn key_is_free(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::None => true,
        Value::Str(s) => s.byte_len() < 64,
        _ => false,
    }
}

fn check_hashable(meter: &mut Meter, v: &Value, depth: usize) -> R<()> {
    if depth > meter.limits.max_nesting {
        return Err(meter.nesting_err());
    }
    crate::stack_guard::guard_stack(meter)?;
    match v {
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Deque(_) | Value::Slice(_) => {
            type_err(format!("unhashable type: '{}'", v.type_name()))
        }
        Value::Tuple(t) => {
            // One unit per tuple visited: a tuple whose levels share their
            // child (`t = (t, t)` sixty times) has 2**60 paths to hash;
            // and a unit per item, each checked, hashed and compared
            // on a hit (a dict lookup by a 19 000-item tuple ran its
            // fuel in 3.9 s at a unit per 4 items).
            meter.fuel(1 + t.len() as u64)?;
            for x in t.iter() {
                check_hashable(meter, x, depth + 1)?;
            }
            Ok(())
        }
        // Hashing (and comparing on a hit) reads every byte of the key.
        Value::Str(s) if s.byte_len() >= 64 => meter.fuel((s.byte_len() / 64) as u64),
        _ => Ok(()),
    }
}

pub(crate) fn eq(meter: &mut Meter, a: &Value, b: &Value) -> R<bool> {
    // Two strings or two ints (`xs.count(w)`, `w in words`): the walk's
    // charge and answer without its set-up, a fifth of `list.count` over
    // strings (the `corpus_trec_regex` bench, issue #59).
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            if x.byte_len() == y.byte_len() && x.byte_len() >= 64 {
                meter.fuel((x.byte_len() / 64) as u64)?;
            }
            return Ok(x == y);
        }
        (Value::Int(x), Value::Int(y)) => return Ok(x == y),
        _ => {}
    }
    if let Some(t) = Native::as_tuple(a) {
        return eq(meter, &t.clone(), b);
    }
    if let Some(t) = Native::as_tuple(b) {
        return eq(meter, a, &t.clone());
    }
    let mut work = Work { used: 0, max: meter.limits.fuel.saturating_sub(meter.fuel_used) };
    // Small levels: the guard alone (`stack_left`), no segment.
    let r = eq_depth(a, b, 0, meter.limits.max_nesting, &mut work);
    if work.used > 0 {
        // Charges at least max + 1 when the walk stopped: a fuel error.
        meter.fuel(work.used)?;
    }
    match r {
        Some(r) => Ok(r),
        None => Err(meter.nesting_err()),
    }
}

/// The first position in `range` of an item equal to `x`, the items
/// read a block at a time by `block` (a copy of the block: equality
/// needs the meter while the container is not borrowed) and charged before
/// they are compared: `SCAN` and a quarter unit an item (each
/// comparison is work even when it is one step), besides what the
/// equality of deep items charges. `x in xs`, `xs.index(x)` and their
/// ranges pay up to the item found.
pub(crate) fn position_in_blocks(
    meter: &mut Meter,
    x: &Value,
    range: std::ops::Range<usize>,
    mut block: impl FnMut(std::ops::Range<usize>) -> Vec<Value>,
) -> R<Option<usize>> {
    let mut blocks = crate::cost::Blocks::new();
    let mut i = range.start;
    while i < range.end {
        let j = i.saturating_add(blocks.next_len()).min(range.end);
        meter.charge_work(crate::cost::SCAN, (j - i) + (j - i) / 4, 0)?;
        let items = block(i..j);
        // The block's items held by reference were each copied (a
        // refcount written in their own allocation, and lowered again):
        // `X.index(-1)` over 130,263 dicts took 63 ns an item charged 1.25
        // units (17x the loop's time a unit, issue #77's fuzzer). Charged
        // before they are compared, the block's copy itself bounded.
        crate::call_cost::charge_shared_copies(meter, items.iter())?;
        match scan_plain(items.iter(), x) {
            Some(Some(k)) => return Ok(Some(i + k)),
            Some(None) => {}
            None => {
                for (k, it) in items.iter().enumerate() {
                    if crate::types::equality::eq(meter, it, x)? {
                        return Ok(Some(i + k));
                    }
                }
            }
        }
        i = j;
    }
    Ok(None)
}

/// The position of the first item equal to `item` among `items` without
/// copying them or the general equality, when `item` is an int or a string
/// and every item met is an int, a string or `None` (their equality is
/// plain: an int never equals a string): `Some(None)` when there is none,
/// and `None` (nothing decided) as soon as another kind is met (`1 == 1.0`,
/// `1 == True`). A membership test in a 10 000-item deque, in a loop, ran its
/// fuel in 5.8 s through copies and the general equality.
fn scan_plain<'a>(items: impl Iterator<Item = &'a Value>, item: &Value) -> Option<Option<usize>> {
    match item {
        Value::Int(i) => {
            for (k, x) in items.enumerate() {
                match x {
                    Value::Int(j) if i == j => return Some(Some(k)),
                    Value::Int(_) | Value::Str(_) | Value::None => {}
                    _ => return None,
                }
            }
            Some(None)
        }
        Value::Str(s) => {
            for (k, x) in items.enumerate() {
                match x {
                    Value::Str(t) if s.as_str() == t.as_str() => return Some(Some(k)),
                    Value::Int(_) | Value::Str(_) | Value::None => {}
                    _ => return None,
                }
            }
            Some(None)
        }
        _ => None,
    }
}
