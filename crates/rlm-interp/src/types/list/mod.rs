//! `list`: methods, operators (`+`, `*`, `+=`), indexing, slicing, item
//! assignment and deletion, and `repr`. Its storage (`ListObj`) is the value
//! layer's (`value/containers.rs`).

use std::rc::Rc;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::cost::Over::{Arg, Recv, WorkDone};
use crate::cost::{COPY, CostTable, FREE, SCAN, cost};
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::meter::LIST_SLOT_COST;
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::types::slice::{norm_index, slice_collect, slice_indices};
use crate::value::*;

/// Fuel for each `append`, besides the instructions that make the call: the
/// memory charged, the journal's check and the push ran a `for x in xs:
/// ys.append(x)` loop at ~2.6x the dispatch loop's time a unit without it
/// (docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, "The default fuel of 200 M",
/// issue #53).
const FUEL_PER_LIST_APPEND: u64 = 6;

/// What pushing onto `items` is about to allocate: when it is full, the
/// buffer doubles at once (charged before, so a 400 MB list cannot double
/// past the budget between two syncs); else the amortised slot.
pub(crate) fn push_cost(items: &Vec<Value>) -> usize {
    if items.len() == items.capacity() {
        items.capacity().max(4) * std::mem::size_of::<Value>() + LIST_SLOT_COST
    } else {
        LIST_SLOT_COST
    }
}

pub(crate) const LIST_METHODS: &[&str] = &[
    "append", "extend", "insert", "remove", "pop", "index", "count", "sort", "reverse", "clear",
    "copy",
];

/// The methods that change a list other than by appending (`types::changes_receiver`).
pub(crate) const LIST_CHANGES: &[&str] = &["insert", "remove", "pop", "sort", "reverse", "clear"];

/// What each `list` method costs (`builtins/cost.rs`), sorted. `insert` and `pop` charge the items they shift, in their arms; `sort` its comparisons (`builtins/sort.rs`).
pub(crate) const LIST_COSTS: CostTable = &[
    ("append", FREE),
    ("clear", cost(Recv, SCAN)),
    ("copy", cost(Recv, COPY)),
    ("count", cost(Recv, SCAN)),
    ("extend", cost(Arg(0), COPY)),
    ("index", cost(WorkDone, SCAN)),
    ("insert", FREE),
    ("pop", FREE),
    ("remove", cost(Recv, SCAN)),
    ("reverse", cost(Recv, SCAN)),
    ("sort", cost(Recv, COPY)),
];

/// Fuel for shifting `n` items by one place (`insert`, `pop(i)`): a
/// `memmove` of 16 bytes each, about a nanosecond: one unit per 16 items
/// (a queue popped from the front stays within the default fuel at the
/// sizes CPython handles in the same time).
fn shift_fuel(n: usize) -> u64 {
    n as u64 / 16
}

/// `l.append(x)`: the length cap and the memory charged before the push.
pub(crate) fn list_append(meter: &mut Meter, l: &Rc<ListObj>, x: Value) -> R<()> {
    meter.fuel(FUEL_PER_LIST_APPEND)?;
    let n = l.borrow().len();
    if n >= meter.limits.max_collection_len {
        meter.check_len(n + 1)?;
    }
    meter.alloc(push_cost(&l.borrow()))?;
    l.borrow_mut_to_append().push(x);
    Ok(())
}

pub(crate) fn list_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    l: &Rc<ListObj>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "append" => {
            let [x] = <[Value; 1]>::try_from(args).map_err(|a| {
                Fault::Exc(Exception::new(
                    ExcKind::TypeError,
                    format!("list.append() takes exactly one argument ({} given)", a.len()),
                ))
            })?;
            list_append(cx.meter(), l, x)?;
            Ok(Value::None)
        }
        "extend" => {
            let Some(it) = args.first() else {
                return type_err("list.extend() takes exactly one argument (0 given)");
            };
            let items = cx.iterate(it)?;
            let n = l.borrow().len() + items.len();
            let cap = l.borrow().capacity();
            cx.meter().check_growth(n, items.len(), cap)?;
            l.borrow_mut_to_append().extend(items);
            Ok(Value::None)
        }
        "insert" => {
            if args.len() != 2 {
                return type_err(format!("insert expected 2 arguments, got {}", args.len()));
            }
            let i = as_int(&args[0]).ok_or_else(|| {
                Fault::Exc(Exception::new(
                    ExcKind::TypeError,
                    "'str' object cannot be interpreted as an integer",
                ))
            })?;
            let n = l.borrow().len() as i64;
            let cap = l.borrow().capacity();
            cx.meter().check_growth(n as usize + 1, 1, cap)?;
            let pos = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
            cx.meter().fuel(shift_fuel(n as usize - pos))?;
            l.borrow_mut().insert(pos, args[1].clone());
            Ok(Value::None)
        }
        "remove" => {
            let x = args.first().cloned().unwrap_or(Value::None);
            // The items are compared from a copy (a comparison may run
            // program code that changes the list): charged while it lives.
            let n = l.borrow().len();
            let _copy =
                crate::charged::charge_scratch(cx.meter(), crate::mem::vec_block::<Value>(n))?;
            let items = l.borrow().clone();
            // Each comparison is work even when it is one step, and so
            // is the copy compared (a refcount each, then a drop): at a
            // quarter unit more a `lst.count(-1)` loop ran 1.8x the
            // dispatch loop's time a unit (issue #53).
            cx.meter().fuel(items.len() as u64)?;
            for (i, it) in items.iter().enumerate() {
                if cx.compare(rlm_syntax::ast::CmpOp::Eq, it, &x)? {
                    l.borrow_mut().remove(i);
                    return Ok(Value::None);
                }
            }
            value_err("list.remove(x): x not in list")
        }
        "pop" => {
            let i = match args.first() {
                Some(v) => crate::args::index_int(v)?,
                None => -1,
            };
            let n = l.borrow().len();
            if n == 0 {
                return exc(ExcKind::IndexError, "pop from empty list");
            }
            match norm_index(i, n) {
                Some(i) => {
                    cx.meter().fuel(shift_fuel(n - i))?;
                    Ok(l.borrow_mut().remove(i))
                }
                None => exc(ExcKind::IndexError, "pop index out of range"),
            }
        }
        "index" => {
            let x = args.first().cloned().unwrap_or(Value::None);
            let len = l.borrow().len() as i64;
            let len = len as usize;
            let bound = crate::types::slice::index_bound;
            let (start, end) = (bound(args.get(1), len, 0)?, bound(args.get(2), len, len)?);
            // Charged as it compares, up to the item found.
            let found =
                crate::types::equality::position_in_blocks(cx, &x, start..end.max(start), |r| {
                    l.borrow().get(r).map_or_else(Vec::new, <[Value]>::to_vec)
                })?;
            if let Some(i) = found {
                return Ok(Value::Int(i as i64));
            }
            let r = cx.repr(&x)?;
            value_err(format!("{r} is not in list"))
        }
        "count" => {
            let x = args.first().cloned().unwrap_or(Value::None);
            // Compared where they lie: equality runs no program code, so
            // the list cannot change under the walk (a copy of it cost
            // a refcount and a drop an item).
            let items = l.borrow();
            let mut n = 0;
            // Each comparison is work even when it is one step: at a
            // quarter unit more a `lst.count(-1)` loop ran 1.8x the
            // dispatch loop's time a unit (issue #53).
            cx.meter().fuel(items.len() as u64)?;
            if let Value::Str(needle) = &x {
                // A string counted among strings (`types.count(t)` in a
                // real model's program): `Str`'s own `==` (lengths, then
                // hashes, then bytes) in the loop, with `eq`'s charge for a
                // long comparison, without its dispatch per item.
                let long = needle.byte_len() >= 64;
                for it in items.iter() {
                    let same = match it {
                        Value::Str(s) if !long => s == needle,
                        _ => cx.compare(rlm_syntax::ast::CmpOp::Eq, it, &x)?,
                    };
                    n += i64::from(same);
                }
                return Ok(Value::Int(n));
            }
            for it in items.iter() {
                if cx.compare(rlm_syntax::ast::CmpOp::Eq, it, &x)? {
                    n += 1;
                }
            }
            Ok(Value::Int(n))
        }
        "sort" => {
            if !args.is_empty() {
                return type_err("sort() takes no positional arguments");
            }
            let key = kw(&kwargs, "key").cloned();
            let reverse = kw(&kwargs, "reverse").is_some_and(|v| v.truthy());
            cx.sort_list(l, key.as_ref(), reverse)?;
            Ok(Value::None)
        }
        "reverse" => {
            l.borrow_mut().reverse();
            Ok(Value::None)
        }
        "clear" => {
            crate::types::release::charge_release(cx.meter(), l.addr(), l.borrow().iter())?;
            l.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => {
            // Charged before the copy is made (it was charged after).
            let n = l.borrow().len();
            cx.meter().check_len(n)?;
            crate::meter::charge_shared_copies(cx.meter(), l.borrow().iter())?;
            let v = l.borrow().clone();
            Ok(Value::list(v))
        }
        _ => no_attr_among(recv, name, LIST_METHODS.iter().copied()),
    }
}

/// `l + b` (and the error for a non-list `b`).
pub(crate) fn list_add(meter: &mut Meter, x: &Rc<ListObj>, b: &Value) -> R<Value> {
    let Value::List(y) = b else {
        return type_err(format!("can only concatenate list (not \"{}\") to list", b.type_name()));
    };
    // Checked (and charged) before the one exact allocation: a copy of
    // `x` grown to fit `y` held both buffers for a moment, uncounted.
    let n = x.borrow().len().saturating_add(y.borrow().len());
    meter.check_len(n)?;
    crate::meter::charge_shared_copies(meter, x.borrow().iter().chain(y.borrow().iter()))?;
    let mut v = Vec::with_capacity(n);
    v.extend(x.borrow().iter().cloned());
    v.extend(y.borrow().iter().cloned());
    Ok(Value::list(v))
}

/// `l * n` (`n` is an int or bool).
pub(crate) fn list_repeat(meter: &mut Meter, l: &Rc<ListObj>, n: &Value) -> R<Value> {
    let n = as_int(n).unwrap_or(0).max(0) as usize;
    // Read in place (no uncounted copy of the items), checked and
    // charged before the one exact allocation.
    let total = l.borrow().len().saturating_mul(n);
    meter.check_len(total)?;
    let mut v = Vec::with_capacity(total);
    let items = l.borrow();
    // Work in proportion to the result: `[] * 10**8` is no loop at all.
    // Whole copies of the items (a cycled iterator took a branch per
    // item), one item by `resize`.
    match &items[..] {
        [] => {}
        [one] => v.resize(total, one.clone()),
        all => {
            for _ in 0..n {
                v.extend_from_slice(all);
            }
        }
    }
    drop(items);
    Ok(Value::list(v))
}

/// `l += b`: extends in place.
pub(crate) fn list_iadd<C: Callbacks + ?Sized>(
    cx: &mut C,
    l: &Rc<ListObj>,
    a: Value,
    b: &Value,
) -> R<Value> {
    let items = cx.iterate(b)?;
    let n = l.borrow().len() + items.len();
    cx.meter().check_len(n)?;
    l.borrow_mut_to_append().extend(items);
    Ok(a)
}

/// `l[i]`, `l[a:b:c]`.
pub(crate) fn list_getitem(meter: &mut Meter, l: &Rc<ListObj>, idx: &Value) -> R<Value> {
    if let Value::Slice(s) = idx {
        let items = l.borrow();
        let (start, _stop, step, n) = slice_indices(items.len(), s)?;
        let v = slice_collect(&items, start, step, n);
        drop(items);
        meter.check_len(v.len())?;
        return Ok(Value::list(v));
    }
    let i = crate::args::index_of(idx, "list")?;
    let items = l.borrow();
    match norm_index(i, items.len()) {
        Some(i) => Ok(items[i].clone()),
        None => exc(ExcKind::IndexError, "list index out of range"),
    }
}

/// `l[i] = v`, `l[a:b:c] = items`.
pub(crate) fn list_setitem<C: Callbacks + ?Sized>(
    cx: &mut C,
    l: &Rc<ListObj>,
    idx: Value,
    v: Value,
) -> R<()> {
    if let Value::Slice(s) = &idx {
        let items = cx.iterate(&v)?;
        let len = l.borrow().len();
        let (start, stop, step, n) = slice_indices(len, s)?;
        if step == 1 {
            let a = start as usize;
            let b = (stop.max(start)) as usize;
            cx.meter().check_len(len - (b - a) + items.len())?;
            l.borrow_mut().splice(a..b, items);
            return Ok(());
        }
        if items.len() != n {
            return value_err(format!(
                "attempt to assign sequence of size {} to extended slice of size {}",
                items.len(),
                n
            ));
        }
        let mut lm = l.borrow_mut();
        let mut i = start;
        for it in items {
            lm[i as usize] = it;
            i += step;
        }
        return Ok(());
    }
    let i = crate::args::index_of(&idx, "list")?;
    let mut lm = l.borrow_mut();
    let len = lm.len();
    match norm_index(i, len) {
        Some(i) => {
            lm[i] = v;
            Ok(())
        }
        None => exc(ExcKind::IndexError, "list assignment index out of range"),
    }
}

/// `del l[i]`, `del l[a:b:c]`.
pub(crate) fn list_delitem(l: &Rc<ListObj>, idx: &Value) -> R<()> {
    if let Value::Slice(s) = idx {
        let len = l.borrow().len();
        let (start, _stop, step, n) = slice_indices(len, s)?;
        let mut drop_idx: Vec<usize> = (0..n).map(|k| (start + k as i64 * step) as usize).collect();
        drop_idx.sort_unstable();
        let mut lm = l.borrow_mut();
        let mut keep = Vec::with_capacity(len - n);
        let mut di = 0;
        for (i, x) in lm.drain(..).enumerate() {
            if di < drop_idx.len() && drop_idx[di] == i {
                di += 1;
            } else {
                keep.push(x);
            }
        }
        *lm = keep;
        return Ok(());
    }
    let i = crate::args::index_of(idx, "list")?;
    let mut lm = l.borrow_mut();
    let len = lm.len();
    match norm_index(i, len) {
        Some(i) => {
            lm.remove(i);
            Ok(())
        }
        None => exc(ExcKind::IndexError, "list assignment index out of range"),
    }
}

/// `list` in the value protocol.
pub(crate) struct ListType;

impl crate::types::protocol::PyType for ListType {
    type Data = Rc<ListObj>;

    fn truth(data: &Rc<ListObj>) -> bool {
        !data.borrow().is_empty()
    }

    fn len(data: &Rc<ListObj>) -> Option<R<usize>> {
        Some(Ok(data.borrow().len()))
    }

    fn method_names(data: &Rc<ListObj>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        LIST_METHODS.into()
    }

    fn method_cost(data: &Rc<ListObj>, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(LIST_COSTS, name)
    }

    fn arity_key(data: &Rc<ListObj>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_LIST)
    }

    fn changes_receiver(name: &str) -> bool {
        LIST_CHANGES.contains(&name)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<ListObj>,
        idx: &Value,
    ) -> Option<R<Value>> {
        Some(list_getitem(cx.meter(), data, idx))
    }

    #[inline]
    fn setitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        obj: &Value,
        data: &Rc<ListObj>,
        idx: Value,
        v: Value,
    ) -> R<()> {
        let _ = obj;
        list_setitem(cx, data, idx, v)
    }

    fn delitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<ListObj>,
        idx: &Value,
    ) -> Option<R<()>> {
        let _ = cx;
        Some(list_delitem(data, idx))
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<ListObj>,
    ) -> Option<R<IterState>> {
        let _ = (cx, data);
        Some(Ok(IterState::Seq(recv.clone(), 0)))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &Rc<ListObj>, walk: &mut W) -> R<()> {
        if !walk.enter(Rc::as_ptr(data) as *const u8 as usize) {
            walk.out().push_str("[...]");
            return Ok(());
        }
        let items = data.borrow().clone();
        walk.out().push('[');
        walk.items(&items)?;
        walk.out().push(']');
        walk.leave();
        Ok(())
    }

    #[inline]
    fn size(data: &Rc<ListObj>) -> (u64, u64) {
        (data.borrow().len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<ListObj>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let Value::List(y) = other else { return Some(false) };
        if Rc::ptr_eq(data, y) {
            return Some(true);
        }
        let (x, y) = (data.borrow(), y.borrow());
        walk.items(x.iter(), y.iter())
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        _lhs: &Value,
        data: &Rc<ListObj>,
        other: &Value,
    ) -> Option<R<bool>> {
        let Value::List(y) = other else { return None };
        // The copies guard against the lists changing under a comparison
        // (an item's order may run into them); they cost work and memory
        // like any copy.
        let n = data.borrow().len().min(y.borrow().len());
        if let Err(e) = walk.meter().fuel(n as u64) {
            return Some(Err(e));
        }
        let (x, y) = (data.borrow().clone(), y.borrow().clone());
        Some(walk.items(op, &x, &y))
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<ListObj>,
        item: &Value,
    ) -> Option<R<bool>> {
        // Charged as they are compared, up to the first equal item.
        let len = data.borrow().len();
        let found = crate::types::equality::position_in_blocks(cx, item, 0..len, |r| {
            data.borrow().get(r).map_or_else(Vec::new, <[Value]>::to_vec)
        });
        Some(found.map(|at| at.is_some()))
    }

    #[inline]
    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Rc<ListObj>,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        // `n * seq` (reflected) as `seq * n`; anything else by the left operand.
        let other = if reflected { lhs } else { rhs };
        match op {
            BinOp::Add if !reflected => Some(list_add(cx.meter(), data, rhs)),
            BinOp::Mult if crate::args::as_int(other).is_some() => {
                Some(list_repeat(cx.meter(), data, other))
            }
            _ => None,
        }
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<ListObj>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        list_method(cx, recv, data, name, args, kwargs)
    }
}
