//! `slice` objects and the index arithmetic every sequence shares:
//! negative indices, CPython's `PySlice_AdjustIndices`, strided copies.

use std::rc::Rc;

use crate::args::as_int;
use crate::fault::{R, type_err, value_err};
use crate::value::*;

/// An `index(x, start, stop)` bound, clamped to `0..=len` (`default` when
/// absent); not an int is CPython's TypeError.
pub(crate) fn index_bound(v: Option<&Value>, len: usize, default: usize) -> R<usize> {
    let Some(v) = v else { return Ok(default) };
    let Some(i) = as_int(v) else {
        return type_err("slice indices must be integers or have an __index__ method");
    };
    let len = len as i64;
    Ok(if i < 0 { (i + len).max(0) } else { i.min(len) } as usize)
}

pub fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len { None } else { Some(j as usize) }
}

pub(crate) fn slice_part(v: &Value) -> R<Option<i64>> {
    match v {
        Value::None => Ok(None),
        v => match as_int(v) {
            Some(i) => Ok(Some(i)),
            None => type_err("slice indices must be integers or None or have an __index__ method"),
        },
    }
}

/// CPython's `PySlice_AdjustIndices`: (start, stop, step, count).
pub fn slice_indices(len: usize, s: &(Value, Value, Value)) -> R<(i64, i64, i64, usize)> {
    let len = len as i64;
    let step = slice_part(&s.2)?.unwrap_or(1);
    if step == 0 {
        return value_err("slice step cannot be zero");
    }
    let (lo_default, hi_default) = if step > 0 { (0, len) } else { (len - 1, -1) };
    let adj = |x: Option<i64>, default: i64| -> i64 {
        match x {
            None => default,
            Some(mut i) => {
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
    let start = adj(slice_part(&s.0)?, lo_default);
    let stop = adj(slice_part(&s.1)?, hi_default);
    let n = if step > 0 {
        if stop > start { ((stop - start - 1) / step + 1) as usize } else { 0 }
    } else if start > stop {
        ((start - stop - 1) / (-step) + 1) as usize
    } else {
        0
    };
    Ok((start, stop, step, n))
}

pub(crate) fn slice_collect(items: &[Value], start: i64, step: i64, n: usize) -> Vec<Value> {
    if step == 1 {
        let a = start as usize;
        return items[a..a + n].to_vec();
    }
    let mut out = Vec::with_capacity(n);
    let mut i = start;
    for _ in 0..n {
        out.push(items[i as usize].clone());
        i += step;
    }
    out
}

/// `slice(stop)`, `slice(start, stop[, step])` (ints or None only).
pub(crate) fn slice_new(args: Vec<Value>) -> R<Value> {
    if args.iter().any(|a| !matches!(a, Value::None | Value::Int(_) | Value::Bool(AlignedBool(_))))
    {
        return type_err("slice() arguments must be integers or None here");
    }
    let mut a = args.into_iter();
    let (x, y, z) = (a.next(), a.next(), a.next());
    Ok(match (x, y, z) {
        (Some(stop), None, None) => Value::Slice(Rc::new((Value::None, stop, Value::None))),
        (Some(s), Some(e), st) => Value::Slice(Rc::new((s, e, st.unwrap_or(Value::None)))),
        _ => return type_err("slice expected at least 1 argument, got 0"),
    })
}
