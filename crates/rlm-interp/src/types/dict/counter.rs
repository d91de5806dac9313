//! `collections.Counter`'s own behaviour: its methods (`most_common`,
//! `elements`, `subtract`, `total`), counting updates, and its operators
//! (`+`, `-`, `&`, `|`, unary `+`/`-`), which drop non-positive counts.

use std::rc::Rc;

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::args::{Kwargs, as_float, as_int};
use crate::callbacks::Callbacks;
use crate::cost::Over::{All, Recv};
use crate::cost::{COPY, CostTable, HASH, SCAN, cost};
use crate::fault::R;
use crate::types::attr_error::no_attr_among;
use crate::value::*;

pub(crate) const COUNTER_METHODS: &[&str] = &["most_common", "elements", "subtract", "total"];

/// What each `Counter` method beyond `dict`'s costs (`builtins/cost.rs`), sorted; `most_common` also charges its sort.
pub(crate) const COUNTER_COSTS: CostTable = &[
    ("elements", cost(Recv, COPY)),
    ("most_common", cost(Recv, COPY)),
    ("subtract", cost(All, HASH)),
    ("total", cost(Recv, SCAN)),
];

/// Counter methods (a plain dict answers them too when called directly,
/// as it always has).
pub(crate) fn counter_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    d: &Rc<StoreCell<Dict>>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "most_common" => {
            let items: Vec<(Value, Value)> =
                d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
            super::most_common::most_common(cx, items, args.first())
        }
        "elements" => {
            // Sum the counts (checked) and charge the total before
            // expanding: Counter({'a': 10**12}) is tiny.
            let total =
                d.borrow().map.values().try_fold(0usize, |acc, v| {
                    acc.checked_add(as_int(v).unwrap_or(0).max(0) as usize)
                });
            cx.meter().check_len(total.unwrap_or(usize::MAX))?;
            // Each key held by reference is first copied in its own
            // allocation (150,966 string keys: 10.8x the loop's time a
            // unit, issue #77's fuzzer); its repeats find it in the cache.
            {
                let dm = d.borrow();
                crate::meter::charge_shared_copies(cx.meter(), dm.map.keys().map(|k| &k.0))?;
            }
            let mut out = Vec::with_capacity(total.unwrap_or(0));
            for (k, v) in d.borrow().map.iter() {
                let n = as_int(v).unwrap_or(0).max(0) as usize;
                out.extend(std::iter::repeat_n(k.0.clone(), n));
            }
            Ok(Value::iter(IterState::Items(out.into())))
        }
        "total" => {
            let vals: Vec<Value> = d.borrow().map.values().cloned().collect();
            let mut acc = Value::Int(0);
            for v in vals {
                acc = cx.binary(rlm_syntax::ast::BinOp::Add, &acc, &v)?;
            }
            Ok(acc)
        }
        _ => no_attr_among(recv, name, super::dict_method_names(&DictKind::Counter)),
    }
}

/// `c.update([src], **counts)` (`sign` 1) and `c.subtract([src], **counts)`
/// (`sign` -1): the source (`None` is nothing), then the keywords as a
/// mapping, as CPython's (a keyword may be `self` or `iterable`).
pub(crate) fn counter_update_call<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
    sign: i64,
) -> R<Value> {
    if args.len() > 1 {
        return crate::fault::type_err(format!(
            "Counter.{name}() takes from 1 to 2 positional arguments but {} were given",
            args.len() + 1
        ));
    }
    if let Some(src) = args.first().filter(|v| !matches!(v, Value::None)) {
        counter_update(cx, recv, src, sign)?;
    }
    let Value::Dict(d) = recv else { return Ok(Value::None) };
    // Into an empty counter, an update's mapping is copied as it is.
    let copy = sign > 0 && d.borrow().map.is_empty();
    for (k, n) in kwargs {
        cx.meter().fuel(1)?;
        counter_add(cx, d, Value::str(k.as_str()), n, sign, copy, true)?;
    }
    Ok(Value::None)
}

/// `Counter(src)`, `c.update(src)` (`sign` 1) and `c.subtract(src)`
/// (`sign` -1): a mapping adds its counts, any other iterable counts
/// its items.
pub(crate) fn counter_update<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Value,
    src: &Value,
    sign: i64,
) -> R<()> {
    let Value::Dict(d) = d else { return Ok(()) };
    if let Value::Dict(s) = src {
        let pairs: Vec<(Value, Value)> =
            s.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
        // CPython copies a mapping into an empty counter as it is (`True`
        // and `-0.0` stay themselves); otherwise it adds each count to 0.
        let copy = sign > 0 && d.borrow().map.is_empty();
        // The pairs are a copy of the source: charged like one (two values each).
        cx.meter().check_len(pairs.len().saturating_mul(2))?;
        for (k, n) in pairs {
            cx.meter().fuel(1)?;
            counter_add(cx, d, k, n, sign, copy, true)?;
        }
        return Ok(());
    }
    // An iterable counts each item once: no pairs vector, no count value
    // per item (the items themselves are `iterate`'s copy).
    for item in cx.iterate(src)? {
        cx.meter().fuel(1)?;
        counter_add(cx, d, item, Value::Int(1), sign, false, false)?;
    }
    Ok(())
}

/// Adds `sign * n` to the count of `k` in `d` (or stores `n` as it is,
/// when `copy`), charging a new key before inserting it; `mapping` when `n`
/// is a mapping's count (added on the left, as CPython adds it).
#[allow(clippy::too_many_arguments)]
fn counter_add<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Rc<StoreCell<Dict>>,
    k: Value,
    n: Value,
    sign: i64,
    copy: bool,
    mapping: bool,
) -> R<()> {
    let key = crate::types::equality::key(cx.meter(), k)?;
    let found = d.borrow().map.get_index_of(&key);
    // The common case, an int added to a present int count: in place,
    // with the one lookup.
    if let (Some(i), Value::Int(add), false) = (found, &n, copy) {
        if let Some((_, Value::Int(cur))) = d.borrow_mut().map.get_index_mut(i) {
            let sum = if sign < 0 { cur.checked_sub(*add) } else { cur.checked_add(*add) };
            if let Some(sum) = sum {
                *cur = sum;
                return Ok(());
            }
        }
    }
    let cur = found.and_then(|i| d.borrow().map.get_index(i).map(|(_, v)| v.clone()));
    if cur.is_none() {
        // A new key: the same cap and charge as `c[k] = n`.
        let len = d.borrow().map.len();
        if len >= cx.meter().limits.max_collection_len {
            cx.meter().check_len(len + 1)?;
        }
        crate::types::dict::charge_new_dict_key(cx.meter(), d)?;
    }
    let new = match (cur, n) {
        (_, n) if copy => n,
        // A new key counted by an int: 0 + n (or 0 - n) without the
        // generic operators, unless negating overflows.
        (None, Value::Int(add)) if sign > 0 => Value::Int(add),
        (None, Value::Int(add)) if add.checked_neg().is_some() => Value::Int(-add),
        // CPython's operands' order: `get(k, 0) - n` subtracting, `n +
        // get(k, 0)` adding a mapping's count, `get(k, 0) + 1` an item.
        (cur, n) => {
            let cur = cur.unwrap_or(Value::Int(0));
            match (sign < 0, mapping) {
                (true, _) => cx.binary(BinOp::Sub, &cur, &n)?,
                (false, true) => cx.binary(BinOp::Add, &n, &cur)?,
                (false, false) => cx.binary(BinOp::Add, &cur, &n)?,
            }
        }
    };
    d.borrow_mut().map.insert(key, new);
    Ok(())
}

/// `+c`, `-c`: the positive (or negated negative) counts.
pub(crate) fn counter_unary<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: UnaryOp,
    d: &Rc<StoreCell<Dict>>,
) -> R<Value> {
    let mut out = crate::value::Dict::with_kind(crate::value::Map::default(), DictKind::Counter);
    for (k, v) in d.borrow().map.iter() {
        let n = as_float(v).unwrap_or(0.0);
        if op == UnaryOp::Pos && n > 0.0 {
            out.map.insert(k.clone(), v.clone());
        } else if op == UnaryOp::Neg && n < 0.0 {
            out.map.insert(k.clone(), cx.unary(UnaryOp::Neg, v)?);
        }
    }
    Ok(Value::dict(out))
}

pub(crate) fn counter_arith<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: BinOp,
    x: &Rc<StoreCell<Dict>>,
    y: &Rc<StoreCell<Dict>>,
) -> R<Value> {
    let mut out = Dict::with_kind(Map::default(), DictKind::Counter);
    let xs: Vec<(Key, Value)> =
        x.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let ys: Vec<(Key, Value)> =
        y.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    // One unit per entry walked; each of x's keys is looked up in y's table
    // (a scan of y per key made `c + d` quadratic, and unmetered).
    cx.meter().fuel((xs.len() + ys.len()) as u64)?;
    for (k, v) in &xs {
        let other = y.borrow().map.get(k).cloned().unwrap_or(Value::Int(0));
        let r = match op {
            BinOp::BitAnd | BinOp::BitOr => {
                let lt = cx.compare(rlm_syntax::ast::CmpOp::Lt, v, &other)?;
                if (op == BinOp::BitAnd) == lt { v.clone() } else { other }
            }
            _ => cx.binary(op, v, &other)?,
        };
        out.map.insert(k.clone(), r);
    }
    if op == BinOp::Add || op == BinOp::BitOr {
        for (k, v) in &ys {
            if !out.map.contains_key(k) {
                out.map.insert(k.clone(), v.clone());
            }
        }
    }
    if op == BinOp::Sub {
        // CPython: a negative count only in the right operand becomes positive.
        for (k, v) in &ys {
            if !x.borrow().map.contains_key(k) && as_float(v).is_some_and(|f| f < 0.0) {
                let n = cx.binary(BinOp::Sub, &Value::Int(0), v)?;
                out.map.insert(k.clone(), n);
            }
        }
    }
    out.map.retain(|_, v| as_float(v).is_some_and(|f| f > 0.0));
    Ok(Value::dict(out))
}

/// `a < b`, `a <= b`, `a > b` or `a >= b` of two Counters (Python 3.10):
/// multiset inclusion, each count compared with `compare` (a missing one
/// counts as zero); the strict ones also ask that the two differ.
/// Two Counters' order (`Counter(a=1) < Counter(a=2)`), charged a unit
/// for each count, their counts compared through `walk`.
pub(crate) fn counter_order_charged<W: crate::types::protocol::OrderWalk>(
    walk: &mut W,
    op: rlm_syntax::ast::CmpOp,
    x: &std::rc::Rc<StoreCell<Dict>>,
    y: &std::rc::Rc<StoreCell<Dict>>,
) -> R<bool> {
    // Held while the counts compare: no comparison runs a program's code,
    // so neither can change under it. Counts may be Counters in turn: each
    // level checks the stack (the walk did, before this level).
    let (x, y) = (x.borrow(), y.borrow());
    walk.meter().fuel((x.map.len() + y.map.len()) as u64)?;
    counter_order(op, &x, &y, &mut |op, p, q| walk.compare(op, p, q))
}

fn counter_order(
    op: rlm_syntax::ast::CmpOp,
    x: &Dict,
    y: &Dict,
    compare: &mut dyn FnMut(rlm_syntax::ast::CmpOp, &Value, &Value) -> R<bool>,
) -> R<bool> {
    use rlm_syntax::ast::CmpOp::{Eq, Gt, GtE, Lt, LtE};
    let inclusive = match op {
        Lt | LtE => LtE,
        _ => GtE,
    };
    let zero = Value::Int(0);
    let mut equal = true;
    for (k, v) in x.map.iter() {
        let w = y.map.get(k).unwrap_or(&zero);
        if !compare(inclusive, v, w)? {
            return Ok(false);
        }
        equal = equal && compare(Eq, v, w)?;
    }
    for (k, w) in y.map.iter() {
        if x.map.contains_key(k) {
            continue;
        }
        if !compare(inclusive, &zero, w)? {
            return Ok(false);
        }
        equal = equal && compare(Eq, &zero, w)?;
    }
    Ok(!(matches!(op, Lt | Gt) && equal))
}
