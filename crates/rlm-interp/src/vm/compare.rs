//! Comparison and hashing: `==` (a bounded walk: fuel for the elements and
//! bytes it visits, a depth cap), ordering (`<` on numbers, strings,
//! sequences, sets as subsets, dates), identity (`is`), membership (`in`),
//! and validating dict keys as hashable.

use std::cmp::Ordering;
use std::rc::Rc;

use rlm_syntax::ast::CmpOp;

use crate::args::{as_float, as_int};
use crate::fault::{R, type_err};
use crate::types::range::{range_contains, range_len_exact};
use crate::types::set::set_items;
use crate::value::*;
use crate::vm::Vm;

// How many key comparisons are running inside one another on this thread:
// comparing two frozensets looks their items up in each other, which
// compares keys, which may be frozensets (`x = frozenset([x])` 10^6 times).
thread_local! {
    static KEY_EQ_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Key comparisons nested deeper than this (through frozensets) answer
/// "not equal".
const MAX_KEY_EQ_DEPTH: usize = 64;

/// Fuel for each item `x in iterator` draws and compares: the draw, the
/// item's clone and drop and a generic `==` ran ~2x the dispatch loop's time
/// a unit at 1 (`"a" in itertools.repeat("b")`,
/// docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, "The default fuel of 200 M",
/// issue #53).
const FUEL_PER_ITEM_DRAWN: u64 = 2;

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
    Some(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => (*x as i64) == *y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
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
        (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
            (Native::DateTime(a), Native::DateTime(b)) => a == b,
            (Native::TimeDelta(a, b, c), Native::TimeDelta(d, e, f)) => (a, b, c) == (d, e, f),
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
fn is_set_like(v: &Value) -> bool {
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
        _ => false,
    }
}

impl Vm {
    /// Validate a value as hashable and wrap it as a key.
    #[inline]
    pub(crate) fn key(&mut self, v: Value) -> R<Key> {
        // The common keys (an int, a short string) need no walk and no fuel:
        // no call into `check_hashable` for them.
        if !Self::key_is_free(&v) {
            // Small levels (a tuple's items): the guard alone, no segment.
            self.check_hashable(&v, 0)?;
        }
        Ok(Key(v))
    }

    /// Whether [`Vm::key`] accepts `v` without charging fuel: the keys of
    /// the method fast paths (`vm/method_fast.rs`).
    #[inline(always)]
    pub(crate) fn key_is_free(v: &Value) -> bool {
        match v {
            Value::Int(_) | Value::Bool(_) | Value::None => true,
            Value::Str(s) => s.byte_len() < 64,
            _ => false,
        }
    }

    fn check_hashable(&mut self, v: &Value, depth: usize) -> R<()> {
        if depth > self.meter.limits.max_nesting {
            return Err(self.meter.nesting_err());
        }
        crate::stack_guard::guard_stack(&self.meter)?;
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
                self.meter.fuel(1 + t.len() as u64)?;
                for x in t.iter() {
                    self.check_hashable(x, depth + 1)?;
                }
                Ok(())
            }
            // Hashing (and comparing on a hit) reads every byte of the key.
            Value::Str(s) if s.byte_len() >= 64 => self.meter.fuel((s.byte_len() / 64) as u64),
            _ => Ok(()),
        }
    }

    pub(crate) fn eq(&mut self, a: &Value, b: &Value) -> R<bool> {
        if let Some(t) = Native::as_tuple(a) {
            return self.eq(&t.clone(), b);
        }
        if let Some(t) = Native::as_tuple(b) {
            return self.eq(a, &t.clone());
        }
        let mut work =
            Work { used: 0, max: self.meter.limits.fuel.saturating_sub(self.meter.fuel_used) };
        // Small levels: the guard alone (`stack_left`), no segment.
        let r = eq_depth(a, b, 0, self.meter.limits.max_nesting, &mut work);
        if work.used > 0 {
            // Charges at least max + 1 when the walk stopped: a fuel error.
            self.meter.fuel(work.used)?;
        }
        match r {
            Some(r) => Ok(r),
            None => Err(self.meter.nesting_err()),
        }
    }

    pub(crate) fn cmp(&mut self, a: &Value, b: &Value, op: CmpOp) -> R<Ordering> {
        let (a, b) = (Native::as_tuple(a).unwrap_or(a), Native::as_tuple(b).unwrap_or(b));
        crate::stack_guard::walk_over(a, || self.cmp_depth(a, b, op, 0))
    }

    fn cmp_depth(&mut self, a: &Value, b: &Value, op: CmpOp, depth: usize) -> R<Ordering> {
        if depth > self.meter.limits.max_nesting {
            return Err(self.meter.nesting_err());
        }
        crate::stack_guard::guard_stack(&self.meter)?;
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Str(x), Value::Str(y)) => {
                self.meter.fuel((x.byte_len().min(y.byte_len()) / 64) as u64)?;
                Ok(x.as_str().cmp(y.as_str()))
            }
            (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
                (Native::DateTime(p), Native::DateTime(q)) => {
                    crate::modules::datetime::date_time::datetime_cmp(p, q, op.as_str())
                }
                (Native::TimeDelta(a, b, c), Native::TimeDelta(d, e, f)) => {
                    Ok((a, b, c).cmp(&(d, e, f)))
                }
                _ => type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    a.type_name(),
                    b.type_name()
                )),
            },
            (Value::List(x), Value::List(y)) => {
                // The copies guard against the lists changing under a
                // comparison; they cost work and memory like any copy.
                let n = x.borrow().len().min(y.borrow().len());
                self.meter.fuel(n as u64)?;
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.cmp_seq(&x, &y, op, depth)
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.cmp_seq(&x, &y, op, depth)
            }
            _ => {
                if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
                    if let (Some(i), Some(j)) = (as_int(a), as_int(b)) {
                        return Ok(i.cmp(&j));
                    }
                    return Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal));
                }
                type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    a.type_name(),
                    b.type_name()
                ))
            }
        }
    }

    fn cmp_seq(&mut self, x: &[Value], y: &[Value], op: CmpOp, depth: usize) -> R<Ordering> {
        for (p, q) in x.iter().zip(y.iter()) {
            if !self.eq(p, q)? {
                return self.cmp_depth(p, q, op, depth + 1);
            }
        }
        Ok(x.len().cmp(&y.len()))
    }

    /// `a < b` etc. with NaN semantics.
    fn order(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let (Value::Float(_), _) | (_, Value::Float(_)) = (a, b) {
            if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
                return Ok(match op {
                    CmpOp::Lt => x < y,
                    CmpOp::LtE => x <= y,
                    CmpOp::Gt => x > y,
                    _ => x >= y,
                });
            }
        }
        // Sets: subset relations (copying the items is only worth it for
        // two set-likes).
        if !(is_set_like(a) && is_set_like(b)) {
            return self.order_by_cmp(op, a, b);
        }
        if let (Some(x), Some(y)) = (set_items(a), set_items(b)) {
            self.meter.fuel((x.len() + y.len()) as u64)?;
            let sub = x.iter().all(|k| y.contains(k));
            let sup = y.iter().all(|k| x.contains(k));
            return Ok(match op {
                CmpOp::Lt => sub && x.len() < y.len(),
                CmpOp::LtE => sub,
                CmpOp::Gt => sup && x.len() > y.len(),
                _ => sup,
            });
        }
        self.order_by_cmp(op, a, b)
    }

    fn order_by_cmp(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        let o = self.cmp(a, b, op)?;
        Ok(match op {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::LtE => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        })
    }

    pub(crate) fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        match op {
            CmpOp::Eq => self.eq(a, b),
            CmpOp::NotEq => Ok(!self.eq(a, b)?),
            CmpOp::Is => Ok(is_same(a, b)),
            CmpOp::IsNot => Ok(!is_same(a, b)),
            CmpOp::In => self.contains(b, a),
            CmpOp::NotIn => Ok(!self.contains(b, a)?),
            _ => self.order(op, a, b),
        }
    }

    /// The first position in `range` of an item equal to `x`, the items
    /// read a block at a time by `block` (a copy of the block: equality
    /// needs the VM while the container is not borrowed) and charged before
    /// they are compared: `SCAN` and a quarter unit an item (each
    /// comparison is work even when it is one step), besides what the
    /// equality of deep items charges. `x in xs`, `xs.index(x)` and their
    /// ranges pay up to the item found.
    pub(crate) fn position_in_blocks(
        &mut self,
        x: &Value,
        range: std::ops::Range<usize>,
        mut block: impl FnMut(std::ops::Range<usize>) -> Vec<Value>,
    ) -> R<Option<usize>> {
        let mut blocks = crate::cost::Blocks::new();
        let mut i = range.start;
        while i < range.end {
            let j = i.saturating_add(blocks.next_len()).min(range.end);
            self.meter.charge_work(crate::cost::SCAN, (j - i) + (j - i) / 4, 0)?;
            let items = block(i..j);
            match scan_plain(items.iter(), x) {
                Some(Some(k)) => return Ok(Some(i + k)),
                Some(None) => {}
                None => {
                    for (k, it) in items.iter().enumerate() {
                        if self.eq(it, x)? {
                            return Ok(Some(i + k));
                        }
                    }
                }
            }
            i = j;
        }
        Ok(None)
    }

    /// `item in it` for an iterator (or a dict's values or items): drawn
    /// one at a time up to the first equal item, [`FUEL_PER_ITEM_DRAWN`] each, as CPython
    /// consumes it (the rest is left in the iterator).
    fn contains_drawn(&mut self, container: &Value, item: &Value) -> R<bool> {
        let Value::Iter(it) = self.get_iter(container.clone())? else { return Ok(false) };
        while let Some(x) = self.iter_next(&it)? {
            self.meter.fuel(FUEL_PER_ITEM_DRAWN)?;
            if self.eq(&x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(crate) fn contains(&mut self, container: &Value, item: &Value) -> R<bool> {
        if let Some(t) = Native::as_tuple(container) {
            return self.contains(&t.clone(), item);
        }
        match container {
            Value::Str(s) => self.str_contains(s, item),
            // Charged as they are compared, up to the first equal item.
            Value::List(l) => {
                let len = l.borrow().len();
                let found = self.position_in_blocks(item, 0..len, |r| {
                    l.borrow().get(r).map_or_else(Vec::new, <[Value]>::to_vec)
                })?;
                Ok(found.is_some())
            }
            Value::Tuple(t) => {
                let found = self.position_in_blocks(item, 0..t.len(), |r| {
                    t.get(r).map_or_else(Vec::new, <[Value]>::to_vec)
                })?;
                Ok(found.is_some())
            }
            Value::Deque(d) => {
                let len = d.borrow().len();
                let found = self
                    .position_in_blocks(item, 0..len, |r| d.borrow().range(r).cloned().collect())?;
                Ok(found.is_some())
            }
            Value::Dict(d) => {
                let k = self.key(item.clone())?;
                Ok(d.borrow().map.contains_key(&k))
            }
            Value::Set(s) => {
                let k = self.key(item.clone())?;
                Ok(s.borrow().contains(&k))
            }
            Value::FrozenSet(s) => {
                let k = self.key(item.clone())?;
                Ok(s.contains(&k))
            }
            Value::Range(r) => Ok(range_contains(r, item)),
            Value::Native(n) if matches!(**n, Native::DictView(..)) => {
                if let Native::DictView(0, d) = &**n {
                    let k = self.key(item.clone())?;
                    return Ok(d.borrow().map.contains_key(&k));
                }
                self.contains_drawn(container, item)
            }
            Value::Iter(_) => self.contains_drawn(container, item),
            _ => type_err(format!("argument of type '{}' is not iterable", container.type_name())),
        }
    }
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
