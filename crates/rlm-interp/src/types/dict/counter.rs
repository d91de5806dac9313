//! `collections.Counter`'s own behaviour: its methods (`most_common`,
//! `elements`, `subtract`, `total`), counting updates, and its operators
//! (`+`, `-`, `&`, `|`, unary `+`/`-`), which drop non-positive counts.

use std::rc::Rc;

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::args::{as_float, as_int};
use crate::callbacks::Callbacks;
use crate::cost::Over::{All, Recv};
use crate::cost::{COPY, CostTable, HASH, SCAN, cost};
use crate::fault::{R, type_err};
use crate::meter::Meter;
use crate::types::no_attr;
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
        "subtract" => {
            if let Some(src) = args.first().filter(|v| !matches!(v, Value::None)) {
                counter_update(cx, recv, src, -1)?;
            }
            Ok(Value::None)
        }
        "most_common" => counter_most_common(cx.meter(), d, args.first()),
        "elements" => {
            // Sum the counts (checked) and charge the total before
            // expanding: Counter({'a': 10**12}) is tiny.
            let total =
                d.borrow().map.values().try_fold(0usize, |acc, v| {
                    acc.checked_add(as_int(v).unwrap_or(0).max(0) as usize)
                });
            cx.meter().check_len(total.unwrap_or(usize::MAX))?;
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
        _ => no_attr(recv, name),
    }
}

/// `c.most_common(n)`: the `n` largest counts, ties in insertion order
/// (CPython's `heapq.nlargest`, or a stable sort when `n` is omitted).
/// Only the `n` kept are sorted, after a linear selection; the fuel for
/// the comparisons and the memory of the scratch vector are charged
/// before the work.
fn counter_most_common(meter: &mut Meter, d: &Rc<StoreCell<Dict>>, n: Option<&Value>) -> R<Value> {
    let len = d.borrow().map.len();
    let n = match n {
        Some(Value::None) | None => len,
        Some(v) => as_int(v).unwrap_or(0).max(0) as usize,
    }
    .min(len);
    let rounds = u64::from(usize::BITS - n.leading_zeros());
    meter.fuel((len as u64).saturating_add((n as u64).saturating_mul(rounds)))?;
    let _scratch =
        crate::charged::charge_scratch(meter, crate::mem::vec_block::<(Count, usize)>(len))?;
    let mut ranked: Vec<(Count, usize)> = Vec::with_capacity(len);
    for (i, v) in d.borrow().map.values().enumerate() {
        let Some(count) = Count::of(v) else {
            return type_err("'<' not supported between counts");
        };
        ranked.push((count, i));
    }
    // One kind of count per sort, so that the order stays total (an int
    // past 2**53 against a float would not be).
    if ranked.iter().any(|(c, _)| matches!(c, Count::Float(_))) {
        for (c, _) in &mut ranked {
            *c = Count::Float(c.as_f64());
        }
    }
    // Larger counts first, then earlier insertion: a total order, so an
    // unstable selection and sort give the stable result.
    let order = |a: &(Count, usize), b: &(Count, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if n == 0 {
        ranked.clear();
    } else if n < len {
        ranked.select_nth_unstable_by(n - 1, order);
        ranked.truncate(n);
    }
    ranked.sort_unstable_by(order);
    let dm = d.borrow();
    let out = ranked
        .iter()
        .filter_map(|&(_, i)| dm.map.get_index(i))
        .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
        .collect();
    Ok(Value::list(out))
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
            counter_add(cx, d, k, n, sign, copy)?;
        }
        return Ok(());
    }
    // An iterable counts each item once: no pairs vector, no count value
    // per item (the items themselves are `iterate`'s copy).
    for item in cx.iterate(src)? {
        cx.meter().fuel(1)?;
        counter_add(cx, d, item, Value::Int(1), sign, false)?;
    }
    Ok(())
}

/// Adds `sign * n` to the count of `k` in `d` (or stores `n` as it is,
/// when `copy`), charging a new key before inserting it.
fn counter_add<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Rc<StoreCell<Dict>>,
    k: Value,
    n: Value,
    sign: i64,
    copy: bool,
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
        (cur, n) => {
            let cur = cur.unwrap_or(Value::Int(0));
            let delta = if sign < 0 { cx.unary(rlm_syntax::ast::UnaryOp::Neg, &n)? } else { n };
            cx.binary(rlm_syntax::ast::BinOp::Add, &cur, &delta)?
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

/// A count as `most_common` orders it: ints exactly, anything else numeric
/// as a float (`-0.0` as `0.0`, as Python compares them; NaN, which Python
/// cannot order, sorts below every number rather than breaking the sort).
#[derive(Clone, Copy)]
enum Count {
    Int(i64),
    Float(f64),
}

impl Count {
    fn of(v: &Value) -> Option<Count> {
        match v {
            Value::Int(i) => Some(Count::Int(*i)),
            Value::Bool(b) => Some(Count::Int(*b as i64)),
            Value::Float(f) => Some(Count::Float(if *f == 0.0 { 0.0 } else { *f })),
            _ => None,
        }
    }

    fn cmp(&self, other: &Count) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (*self, *other) {
            (Count::Int(a), Count::Int(b)) => a.cmp(&b),
            // Mixed kinds do not occur in one sort (see `counter_most_common`).
            (a, b) => {
                let (x, y) = (a.as_f64(), b.as_f64());
                match (x.is_nan(), y.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                }
            }
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Count::Int(i) => i as f64,
            Count::Float(f) => f,
        }
    }
}
