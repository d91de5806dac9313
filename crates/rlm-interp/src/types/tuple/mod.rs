//! `tuple`: methods, operators (`+`, `*`), indexing, slicing and `repr`. Its
//! storage (`TupleObj`) is the value layer's (`value/containers.rs`).

use std::rc::Rc;

use crate::args::as_int;
use crate::cost::Over::{Recv, WorkDone};
use crate::cost::{CostTable, SCAN, cost};
use crate::fault::{R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::types::slice::{norm_index, slice_collect, slice_indices};
use crate::value::*;

pub(crate) const TUPLE_METHODS: &[&str] = &["count", "index"];

/// What each `tuple` method costs (`builtins/cost.rs`), sorted.
pub(crate) const TUPLE_COSTS: CostTable =
    &[("count", cost(Recv, SCAN)), ("index", cost(WorkDone, SCAN))];

pub(crate) fn tuple_method<C: crate::callbacks::Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    t: &Rc<TupleObj>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "count" => {
            let x = args.first().cloned().unwrap_or(Value::None);
            let mut n = 0;
            // Each comparison is work even when it is one step.
            cx.meter().fuel(t.len() as u64 / 4)?;
            for it in t.iter() {
                if cx.compare(rlm_syntax::ast::CmpOp::Eq, it, &x)? {
                    n += 1;
                }
            }
            Ok(Value::Int(n))
        }
        "index" => {
            let x = args.first().cloned().unwrap_or(Value::None);
            let len = t.len() as i64;
            let len = len as usize;
            let bound = crate::types::slice::index_bound;
            let (start, end) = (bound(args.get(1), len, 0)?, bound(args.get(2), len, len)?);
            // Charged as it compares, up to the item found.
            let found =
                crate::types::equality::position_in_blocks(cx, &x, start..end.max(start), |r| {
                    t.get(r).map_or_else(Vec::new, <[Value]>::to_vec)
                })?;
            match found {
                Some(i) => Ok(Value::Int(i as i64)),
                None => value_err("tuple.index(x): x not in tuple"),
            }
        }
        _ => no_attr_among(recv, name, TUPLE_METHODS.iter().copied()),
    }
}

/// `t + b` (and the error for a non-tuple `b`).
pub(crate) fn tuple_add(meter: &mut Meter, x: &Rc<TupleObj>, b: &Value) -> R<Value> {
    let Value::Tuple(y) = b else {
        return type_err(format!(
            "can only concatenate tuple (not \"{}\") to tuple",
            b.type_name()
        ));
    };
    meter.check_len(x.len() + y.len())?;
    let mut v = Vec::with_capacity(x.len() + y.len());
    v.extend(x.iter().cloned());
    v.extend(y.iter().cloned());
    Ok(Value::tuple(v))
}

/// `t * n` (`n` is an int or bool).
pub(crate) fn tuple_repeat(meter: &mut Meter, t: &Rc<TupleObj>, n: &Value) -> R<Value> {
    let n = as_int(n).unwrap_or(0).max(0) as usize;
    let total = t.len().saturating_mul(n);
    meter.check_len(total)?;
    // Work in proportion to the result: `() * 10**8` is no loop at all.
    let v: Vec<Value> = t.iter().cloned().cycle().take(total).collect();
    Ok(Value::tuple(v))
}

/// `t[i]`, `t[a:b:c]`.
pub(crate) fn tuple_getitem(meter: &mut Meter, t: &Rc<TupleObj>, idx: &Value) -> R<Value> {
    if let Value::Slice(s) = idx {
        let (start, _stop, step, n) = slice_indices(t.len(), s)?;
        let v = slice_collect(t, start, step, n);
        meter.check_len(v.len())?;
        return Ok(Value::tuple(v));
    }
    let i = crate::args::index_of(idx, "tuple")?;
    match norm_index(i, t.len()) {
        Some(i) => Ok(t[i].clone()),
        None => exc(ExcKind::IndexError, "tuple index out of range"),
    }
}

/// `tuple` in the value protocol.
pub(crate) struct TupleType;

impl crate::types::protocol::PyType for TupleType {
    type Data = Rc<TupleObj>;

    fn truth(data: &Rc<TupleObj>) -> bool {
        !data.is_empty()
    }

    fn len(data: &Rc<TupleObj>) -> Option<R<usize>> {
        Some(Ok(data.len()))
    }

    fn method_names(data: &Rc<TupleObj>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        TUPLE_METHODS.into()
    }

    fn method_cost(data: &Rc<TupleObj>, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(TUPLE_COSTS, name)
    }

    fn arity_key(data: &Rc<TupleObj>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_TUPLE)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<TupleObj>,
        idx: &Value,
    ) -> Option<R<Value>> {
        Some(tuple_getitem(cx.meter(), data, idx))
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<TupleObj>,
    ) -> Option<R<IterState>> {
        let _ = (cx, data);
        Some(Ok(IterState::Seq(recv.clone(), 0)))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &Rc<TupleObj>, walk: &mut W) -> R<()> {
        if !walk.enter(Rc::as_ptr(data) as *const u8 as usize) {
            walk.out().push_str("(...)");
            return Ok(());
        }
        walk.out().push('(');
        walk.items(data)?;
        if data.len() == 1 {
            walk.out().push(',');
        }
        walk.out().push(')');
        walk.leave();
        Ok(())
    }

    fn hash<W: crate::types::protocol::HashWalk>(data: &Rc<TupleObj>, walk: &mut W) -> Option<()> {
        use std::hash::Hash;
        data.len().hash(walk.state());
        for x in data.iter() {
            walk.item(x);
        }
        Some(())
    }

    #[inline]
    fn size(data: &Rc<TupleObj>) -> (u64, u64) {
        (data.len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<TupleObj>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let Value::Tuple(y) = other else { return Some(false) };
        if Rc::ptr_eq(data, y) {
            return Some(true);
        }
        walk.items(data.iter(), y.iter())
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        _lhs: &Value,
        data: &Rc<TupleObj>,
        other: &Value,
    ) -> Option<R<bool>> {
        let Value::Tuple(y) = other else { return None };
        // No copies, unlike a list's order: a tuple cannot change under it.
        Some(walk.items(op, &data.0, &y.0))
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<TupleObj>,
        item: &Value,
    ) -> Option<R<bool>> {
        let found = crate::types::equality::position_in_blocks(cx, item, 0..data.len(), |r| {
            data.get(r).map_or_else(Vec::new, <[Value]>::to_vec)
        });
        Some(found.map(|at| at.is_some()))
    }

    #[inline]
    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Rc<TupleObj>,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        // `n * seq` (reflected) as `seq * n`; anything else by the left operand.
        let other = if reflected { lhs } else { rhs };
        match op {
            BinOp::Add if !reflected => Some(tuple_add(cx.meter(), data, rhs)),
            BinOp::Mult if crate::args::as_int(other).is_some() => {
                Some(tuple_repeat(cx.meter(), data, other))
            }
            _ => None,
        }
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<TupleObj>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = kwargs;
        tuple_method(cx, recv, data, name, args)
    }
}
