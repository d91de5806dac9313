//! Identity (`is`), the check that makes a value a dict key (keys are
//! checked hashable once, so comparing them later needs no limits:
//! `eq_walk.rs`'s `eq_shallow`), and a charged search for an item equal to
//! another, which compares through the running program (`Callbacks`), so
//! that a container type's file reaches `==` without naming the walk that
//! dispatches to it. `==` itself is `eq_walk.rs`'s; the ordering walk and
//! membership are the VM's (`vm/compare.rs`), each type's order its own
//! (`PyType::order`).

use std::rc::Rc;

use rlm_syntax::ast::CmpOp;

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::meter::Meter;
use crate::value::*;

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
        (Value::Bool(AlignedBool(x)), Value::Bool(AlignedBool(y))) => x == y,
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
        Value::Int(_) | Value::Bool(AlignedBool(_)) | Value::None => true,
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

/// The first position in `range` of an item equal to `x`, the items
/// read a block at a time by `block` (a copy of the block: equality
/// needs the meter while the container is not borrowed) and charged before
/// they are compared: `SCAN` and a quarter unit an item (each
/// comparison is work even when it is one step), besides what the
/// equality of deep items charges. `x in xs`, `xs.index(x)` and their
/// ranges pay up to the item found.
pub(crate) fn position_in_blocks<C: Callbacks + ?Sized>(
    cx: &mut C,
    x: &Value,
    range: std::ops::Range<usize>,
    mut block: impl FnMut(std::ops::Range<usize>) -> Vec<Value>,
) -> R<Option<usize>> {
    let mut blocks = crate::cost::Blocks::new();
    let mut i = range.start;
    while i < range.end {
        let j = i.saturating_add(blocks.next_len()).min(range.end);
        cx.meter().charge_work(crate::cost::SCAN, (j - i) + (j - i) / 4, 0)?;
        let items = block(i..j);
        // The block's items held by reference were each copied (a
        // refcount written in their own allocation, and lowered again):
        // `X.index(-1)` over 130,263 dicts took 63 ns an item charged 1.25
        // units (17x the loop's time a unit, issue #77's fuzzer). Charged
        // before they are compared, the block's copy itself bounded.
        crate::meter::charge_shared_copies(cx.meter(), items.iter())?;
        match scan_plain(items.iter(), x) {
            Some(Some(k)) => return Ok(Some(i + k)),
            Some(None) => {}
            None => {
                for (k, it) in items.iter().enumerate() {
                    if cx.compare(CmpOp::Eq, it, x)? {
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
