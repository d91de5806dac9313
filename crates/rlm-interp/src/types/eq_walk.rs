//! Value equality as Python's `==` sees it: a bounded walk (fuel for the
//! elements and bytes it visits, a depth cap, no Rust recursion past the
//! stack's red zone), each built-in type's `==` reached through the value
//! protocol (`dispatch.rs`, `PyType::eq`, which continues the walk through
//! `EqWalk`), and the keys' equality (`Key`), which needs no limits.

use std::rc::Rc;

use crate::fault::R;
use crate::meter::Meter;
use crate::types::protocol::EqWalk;
use crate::types::set::order::set_items;
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
    let mut walk = Walk { depth, limit, work };
    if let Some(equal) = crate::types::dispatch::eq(a, b, &mut walk) {
        return equal;
    }
    Some(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Exc(x), Value::Exc(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x.name == y.name && x.module == y.module,
        (Value::Module(x), Value::Module(y)) => x.name == y.name,
        // An int-like module object (`re.IGNORECASE == 2`) is its int.
        (Value::Native(n), other) if n.as_int().is_some() => {
            let i = Value::Int(n.as_int().unwrap_or(0));
            return eq_depth(&i, other, depth, limit, work);
        }
        (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
            (Native::Module(a), Native::Module(b)) => {
                a.eq_native(&**b).unwrap_or_else(|| Rc::ptr_eq(x, y))
            }
            // Keys and items views compare as sets with each other too
            // (`d.keys() == e.keys()`); a values view is only itself.
            (Native::DictView(0 | 2, _), _) => view_eq(a, b),
            _ => Rc::ptr_eq(x, y),
        },
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Native(n), _) if matches!(**n, Native::DictView(0 | 2, _)) => view_eq(a, b),
        _ => false,
    })
}

/// A keys or items view (`a`) `==` `b`, as sets (out of line: the walk's
/// hot arms stay small).
#[cold]
#[inline(never)]
fn view_eq(a: &Value, b: &Value) -> bool {
    match (set_items(a), set_items(b)) {
        (Some(x), Some(y)) => x.len() == y.len() && x.iter().all(|k| y.contains(k)),
        _ => false,
    }
}

/// The walk as a type's `==` sees it ([`EqWalk`]): one call of [`eq_depth`]
/// deep.
struct Walk<'a> {
    depth: usize,
    limit: usize,
    work: &'a mut Work,
}

impl EqWalk for Walk<'_> {
    #[inline]
    fn item(&mut self, a: &Value, b: &Value) -> Option<bool> {
        eq_depth(a, b, self.depth + 1, self.limit, self.work)
    }

    #[inline]
    fn visit(&mut self, items: u64) -> Option<()> {
        self.work.spend(CONTAINER_VISIT + items)
    }

    #[inline]
    fn spend(&mut self, n: u64) -> Option<()> {
        self.work.spend(n)
    }

    #[inline]
    fn stack_left(&mut self) -> Option<()> {
        stack_left(self.depth)
    }
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
