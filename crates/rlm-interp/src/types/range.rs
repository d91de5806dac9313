//! `range`: length, methods (`count`, `index`), membership, indexing and
//! slicing (a slice of a range is a range), `repr` and the constructor.

use std::rc::Rc;

use crate::args::as_int;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::types::slice::{norm_index, slice_indices};
use crate::value::*;
use crate::vm::Vm;

pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        ((stop as i128 - start as i128 - 1) / step as i128 + 1) as i64
    } else if step < 0 && start > stop {
        ((start as i128 - stop as i128 - 1) / (-(step as i128)) + 1) as i64
    } else {
        0
    }
}

/// `item in range(...)` (ints, bools and integral floats can be members).
pub(crate) fn range_contains(r: &(i64, i64, i64), item: &Value) -> bool {
    match as_int(item).or_else(|| match item {
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e18 => Some(*f as i64),
        _ => None,
    }) {
        Some(i) => {
            let (start, stop, step) = *r;
            if step > 0 {
                i >= start && i < stop && (i - start) % step == 0
            } else {
                i <= start && i > stop && (start - i) % (-step) == 0
            }
        }
        None => false,
    }
}

pub(crate) fn range_repr(r: &(i64, i64, i64), out: &mut String) {
    if r.2 == 1 {
        out.push_str(&format!("range({}, {})", r.0, r.1));
    } else {
        out.push_str(&format!("range({}, {}, {})", r.0, r.1, r.2));
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

impl Vm {
    pub(crate) fn range_method(
        &mut self,
        recv: &Value,
        r: &Rc<(i64, i64, i64)>,
        name: &str,
        args: Vec<Value>,
    ) -> R<Value> {
        let (start, _stop, step) = **r;
        let x = args.first().cloned().unwrap_or(Value::None);
        let found = match as_int(&x) {
            Some(i) if self.contains(recv, &x)? => Some((i - start) / step),
            _ => None,
        };
        match (name, found) {
            ("count", f) => Ok(Value::Int(f.is_some() as i64)),
            ("index", Some(k)) => Ok(Value::Int(k)),
            ("index", None) => {
                let r = self.repr(&x)?;
                value_err(format!("{r} is not in range"))
            }
            _ => self.no_attr(recv, name),
        }
    }

    /// `r[i]`, `r[a:b:c]`.
    pub(crate) fn range_getitem(&mut self, r: &Rc<(i64, i64, i64)>, idx: &Value) -> R<Value> {
        let (start, _, step) = **r;
        let len = crate::types::range::range_len(r.0, r.1, r.2);
        if let Value::Slice(sl) = idx {
            let (a, b, st, n) = slice_indices(len as usize, sl)?;
            let _ = b;
            let new_start = start + a * step;
            let new_step = step * st;
            let new_stop = new_start + n as i64 * new_step;
            return Ok(Value::Range(Rc::new((new_start, new_stop, new_step))));
        }
        let i = self.index_of(idx, "range")?;
        match norm_index(i, len as usize) {
            Some(i) => Ok(Value::Int(start + i as i64 * step)),
            None => exc(ExcKind::IndexError, "range object index out of range"),
        }
    }
}
