//! `range`: length, methods (`count`, `index`), membership, indexing and
//! slicing (a slice of a range is a range), `repr` and the constructor.

use std::rc::Rc;

use crate::args::as_int;
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::types::attr_error::no_attr_among;
use crate::types::slice::slice_part;
use crate::value::*;

/// `len(range(...))`: past `sys.maxsize` CPython raises `OverflowError`.
/// A range's methods (`dir()`, `hasattr`, the attribute error's hint).
pub(crate) const RANGE_METHODS: &[&str] = &["count", "index"];

pub(crate) fn range_py_len(r: &(i64, i64, i64)) -> R<usize> {
    let n = range_len_exact(r.0, r.1, r.2);
    if n > i64::MAX as u64 {
        return exc(ExcKind::OverflowError, "Python int too large to convert to C ssize_t");
    }
    Ok(n as usize)
}

/// `item in range(...)` (ints, bools and integral floats can be members).
pub(crate) fn range_contains(r: &(i64, i64, i64), item: &Value) -> bool {
    match as_int(item).or_else(|| match item {
        // An integral float equals the int it converts to exactly.
        Value::Float(f)
            if f.fract() == 0.0
                && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(f) =>
        {
            Some(*f as i64)
        }
        _ => None,
    }) {
        Some(i) => {
            // In i128: a range may span more than an i64 holds.
            let (start, stop, step) = (r.0 as i128, r.1 as i128, r.2 as i128);
            let i = i as i128;
            if step > 0 {
                i >= start && i < stop && (i - start) % step == 0
            } else {
                i <= start && i > stop && (start - i) % (-step) == 0
            }
        }
        None => false,
    }
}

/// `range(stop)`, `range(start, stop[, step])`.
pub(crate) fn range_new(args: &[Value]) -> R<Value> {
    let ints: Vec<i64> = args
        .iter()
        .map(|a| {
            as_int(a).ok_or_else(|| {
                Fault::Exc(Exception::new(
                    ExcKind::TypeError,
                    format!("'{}' object cannot be interpreted as an integer", a.type_name()),
                ))
            })
        })
        .collect::<R<_>>()?;
    let (start, stop, step) = match ints.as_slice() {
        [stop] => (0, *stop, 1),
        [a, b] => (*a, *b, 1),
        [a, b, c] => (*a, *b, *c),
        [] => return type_err("range expected at least 1 argument, got 0"),
        _ => {
            return type_err(format!("range expected at most 3 arguments, got {}", ints.len()));
        }
    };
    if step == 0 {
        return value_err("range() arg 3 must not be zero");
    }
    Ok(Value::Range(Rc::new((start, stop, step))))
}

pub(crate) fn range_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    r: &Rc<(i64, i64, i64)>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    let (start, _stop, step) = **r;
    let x = args.first().cloned().unwrap_or(Value::None);
    // A float equal to a member counts as it (CPython compares with ==).
    let as_member = match &x {
        Value::Float(f)
            if f.fract() == 0.0
                && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(f) =>
        {
            Some(*f as i64)
        }
        v => as_int(v),
    };
    let found = match as_member {
        Some(i) if cx.contains(recv, &Value::Int(i))? => Some((i - start) / step),
        _ => None,
    };
    match (name, found) {
        ("count", f) => Ok(Value::Int(f.is_some() as i64)),
        ("index", Some(k)) => Ok(Value::Int(k)),
        ("index", None) => {
            let r = cx.repr(&x)?;
            value_err(format!("{r} is not in range"))
        }
        _ => no_attr_among(recv, name, RANGE_METHODS.iter().copied()),
    }
}

/// `r[i]`, `r[a:b:c]` (in i128: a range may hold 2^64 - 1 items).
pub(crate) fn range_getitem(r: &Rc<(i64, i64, i64)>, idx: &Value) -> R<Value> {
    let (start, _, step) = **r;
    let len = range_len_exact(r.0, r.1, r.2);
    if let Value::Slice(sl) = idx {
        // CPython's: the slice's own start and stop indices, mapped.
        let (a, b, st) = slice_indices_wide(len as i128, sl)?;
        let new_start = start as i128 + a * step as i128;
        let new_step = step as i128 * st;
        let new_stop = start as i128 + b * step as i128;
        return match (i64::try_from(new_start), i64::try_from(new_stop), i64::try_from(new_step)) {
            (Ok(a), Ok(b), Ok(c)) => Ok(Value::Range(Rc::new((a, b, c)))),
            _ => exc(ExcKind::OverflowError, "Python int too large to convert to C ssize_t"),
        };
    }
    let i = crate::args::index_of(idx, "range")? as i128;
    let j = if i < 0 { i + len as i128 } else { i };
    if j < 0 || j >= len as i128 {
        return exc(ExcKind::IndexError, "range object index out of range");
    }
    // Inside [start, stop): fits in an i64.
    Ok(Value::Int((start as i128 + j * step as i128) as i64))
}

/// CPython's `PySlice_AdjustIndices` over a length that may pass i64 (a
/// range of i64 bounds holds up to 2^64 - 1 items): (start, stop, step).
fn slice_indices_wide(len: i128, s: &(Value, Value, Value)) -> R<(i128, i128, i128)> {
    let step = slice_part(&s.2)?.unwrap_or(1) as i128;
    if step == 0 {
        return value_err("slice step cannot be zero");
    }
    let (lo_default, hi_default) = if step > 0 { (0, len) } else { (len - 1, -1) };
    let adj = |x: Option<i64>, default: i128| -> i128 {
        match x {
            None => default,
            Some(i) => {
                let mut i = i as i128;
                if i < 0 {
                    i += len;
                    if i < 0 {
                        i = if step < 0 { -1 } else { 0 };
                    }
                } else if i >= len {
                    i = if step < 0 { len - 1 } else { len };
                }
                i
            }
        }
    };
    Ok((adj(slice_part(&s.0)?, lo_default), adj(slice_part(&s.1)?, hi_default), step))
}

/// `range` in the value protocol.
pub(crate) struct RangeType;

impl crate::types::protocol::PyType for RangeType {
    type Data = Rc<(i64, i64, i64)>;

    fn truth(data: &Rc<(i64, i64, i64)>) -> bool {
        range_len(data.0, data.1, data.2) > 0
    }

    fn len(data: &Rc<(i64, i64, i64)>) -> Option<R<usize>> {
        Some(range_py_len(data))
    }

    fn method_names(data: &Rc<(i64, i64, i64)>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        RANGE_METHODS.into()
    }

    fn method_cost(data: &Rc<(i64, i64, i64)>, name: &str) -> crate::cost::Cost {
        let _ = (data, name);
        crate::cost::FREE
    }

    fn arity_key(data: &Rc<(i64, i64, i64)>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_RANGE)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<(i64, i64, i64)>,
        idx: &Value,
    ) -> Option<R<Value>> {
        let _ = cx;
        Some(range_getitem(data, idx))
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<(i64, i64, i64)>,
    ) -> Option<R<IterState>> {
        let _ = (cx, recv);
        Some(Ok(IterState::Range(data.0, data.1, data.2)))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(
        data: &Rc<(i64, i64, i64)>,
        walk: &mut W,
    ) -> R<()> {
        let (start, stop, step) = **data;
        let text = if step == 1 {
            format!("range({start}, {stop})")
        } else {
            format!("range({start}, {stop}, {step})")
        };
        walk.out().push_str(&text);
        Ok(())
    }

    fn data_attr(data: &Rc<(i64, i64, i64)>, name: &str) -> Option<Value> {
        Some(Value::Int(match name {
            "start" => data.0,
            "stop" => data.1,
            "step" => data.2,
            _ => return None,
        }))
    }

    fn hash<W: crate::types::protocol::HashWalk>(
        data: &Rc<(i64, i64, i64)>,
        walk: &mut W,
    ) -> Option<()> {
        use std::hash::Hash;
        // What its equality reads: the length, the start of a non-empty
        // range and the step of a longer one (`range(0) == range(5, 5)`).
        let (start, _, step) = **data;
        let len = range_len_exact(start, data.1, step);
        len.hash(walk.state());
        if len > 0 {
            start.hash(walk.state());
        }
        if len > 1 {
            step.hash(walk.state());
        }
        Some(())
    }

    #[inline]
    fn size(data: &Rc<(i64, i64, i64)>) -> (u64, u64) {
        // As long as it says, though nothing holds its items.
        (range_len(data.0, data.1, data.2).max(0) as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<(i64, i64, i64)>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let _ = walk;
        let Value::Range(y) = other else { return Some(false) };
        let x = data;
        let lx = range_len_exact(x.0, x.1, x.2);
        let ly = range_len_exact(y.0, y.1, y.2);
        Some(lx == ly && (lx == 0 || (x.0 == y.0 && (lx == 1 || x.2 == y.2))))
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<(i64, i64, i64)>,
        item: &Value,
    ) -> Option<R<bool>> {
        let _ = cx;
        Some(Ok(range_contains(data, item)))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<(i64, i64, i64)>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = kwargs;
        range_method(cx, recv, data, name, args)
    }
}
