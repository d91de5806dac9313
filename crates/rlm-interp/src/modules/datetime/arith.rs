//! Date and time arithmetic: date/datetime ± timedelta, datetime - datetime,
//! timedelta ± timedelta, timedelta * / // number, timedelta / timedelta.

use rlm_syntax::ast::BinOp;

use crate::args::{as_float, as_int};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::datetime::date_time::{DateTime, dt_value};
use crate::modules::datetime::timedelta::{
    TimeDelta, div_round_half_even, exact_ratio, float_ratio, scale_half_even, td_micros, td_value,
};
use crate::types::attr_error::qualified_type_name;
use crate::value::*;

pub(crate) fn datetime_arith<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: BinOp,
    a: &Value,
    b: &Value,
) -> R<Value> {
    let _ = cx;
    let err = || {
        type_err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            if op == BinOp::Pow { "** or pow()" } else { op.as_str() },
            qualified_type_name(a),
            qualified_type_name(b)
        ))
    };
    if let (Some(TimeDelta(d, s, u)), Some(_)) = (Native::of::<TimeDelta>(a), as_float(b)) {
        return delta_by_number(op, td_micros(*d, *s, *u), b).unwrap_or_else(err);
    }
    if let (Some(_), Some(TimeDelta(d, s, u))) = (as_float(a), Native::of::<TimeDelta>(b)) {
        if op == BinOp::Mult {
            return delta_by_number(op, td_micros(*d, *s, *u), a).unwrap_or_else(err);
        }
        return err();
    }
    let (Some(x), Some(y)) = (operand(a), operand(b)) else { return err() };
    let is_time = |o: &Operand| matches!(o, Operand::Date(d) if d.time_only);
    if is_time(&x) || is_time(&y) {
        return err();
    }
    // A date moves by whole days only (`timedelta.days`), as CPython's.
    let shift = |d: &DateTime, dd: i64, ss: i64, us: i64| {
        if d.has_time { td_micros(dd, ss, us) } else { td_micros(dd, 0, 0) }
    };
    match (x, y, op) {
        (Operand::Date(d), Operand::Delta(TimeDelta(dd, ss, us)), BinOp::Add) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() as i128 + shift(d, *dd, *ss, *us), d.has_time)?,
        )),
        (Operand::Date(d), Operand::Delta(TimeDelta(dd, ss, us)), BinOp::Sub) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() as i128 - shift(d, *dd, *ss, *us), d.has_time)?,
        )),
        (Operand::Delta(TimeDelta(dd, ss, us)), Operand::Date(d), BinOp::Add) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() as i128 + shift(d, *dd, *ss, *us), d.has_time)?,
        )),
        (Operand::Date(d), Operand::Date(e), BinOp::Sub) => {
            td_value(d.total_micros() as i128 - e.total_micros() as i128)
        }
        (Operand::Delta(p), Operand::Delta(q), BinOp::Div | BinOp::FloorDiv | BinOp::Mod) => {
            delta_by_delta(op, td_micros(p.0, p.1, p.2), td_micros(q.0, q.1, q.2))
        }
        (
            Operand::Delta(TimeDelta(a1, b1, c1)),
            Operand::Delta(TimeDelta(a2, b2, c2)),
            BinOp::Add,
        ) => td_value(td_micros(*a1, *b1, *c1) + td_micros(*a2, *b2, *c2)),
        (
            Operand::Delta(TimeDelta(a1, b1, c1)),
            Operand::Delta(TimeDelta(a2, b2, c2)),
            BinOp::Sub,
        ) => td_value(td_micros(*a1, *b1, *c1) - td_micros(*a2, *b2, *c2)),
        _ => err(),
    }
}

/// An operand of the arithmetic: a date (or datetime, or time) or a
/// duration.
enum Operand<'a> {
    Date(&'a DateTime),
    Delta(&'a TimeDelta),
}

fn operand(v: &Value) -> Option<Operand<'_>> {
    if let Some(d) = Native::of::<DateTime>(v) {
        return Some(Operand::Date(d));
    }
    Native::of::<TimeDelta>(v).map(Operand::Delta)
}

/// A timedelta of `us` microseconds times, over or floor-divided by a
/// number: an int exactly, a float through its integer ratio, rounded half
/// to even as CPython's; `None` for an operation CPython has not
/// (`td // 2.0`, `td % 2`).
fn delta_by_number(op: BinOp, us: i128, k: &Value) -> Option<R<Value>> {
    let zero = || exc(ExcKind::ZeroDivisionError, "integer division or modulo by zero");
    if let Some(k) = as_int(k) {
        let k = k as i128;
        return match op {
            BinOp::Mult => Some(td_value(us * k)),
            BinOp::Div | BinOp::FloorDiv if k == 0 => Some(zero()),
            BinOp::Div => Some(td_value(div_round_half_even(us, k))),
            BinOp::FloorDiv => {
                Some(td_value(us.div_euclid(k) - i128::from(k < 0 && us.rem_euclid(k) != 0)))
            }
            _ => None,
        };
    }
    let x = as_float(k)?;
    if !matches!(op, BinOp::Mult | BinOp::Div) {
        return None;
    }
    Some((|| {
        let x = ratio_checked(x)?;
        let (num, exp) = float_ratio(x);
        let too_big = || exc(ExcKind::OverflowError, "Python int too large to convert to C int");
        if op == BinOp::Mult {
            if exp >= 0 {
                let scaled =
                    us.checked_mul(num).and_then(|p| p.checked_mul(1i128.checked_shl(exp as u32)?));
                return scaled.map_or_else(too_big, td_value);
            }
            if exp < -125 {
                return td_value(0);
            }
            return scale_half_even(us, num, 1 << -exp).map_or_else(too_big, td_value);
        }
        if num == 0 {
            return zero();
        }
        if exp <= 0 {
            let scaled = if -exp < 127 { us.checked_mul(1 << -exp) } else { None };
            return match scaled {
                Some(s) => td_value(div_round_half_even(s, num)),
                None if us == 0 => td_value(0),
                None => too_big(),
            };
        }
        match num.checked_mul(1i128.checked_shl(exp as u32).unwrap_or(0)) {
            Some(den) if den != 0 => td_value(div_round_half_even(us, den)),
            _ => td_value(0),
        }
    })())
}

/// A timedelta over another: `/` a float, `//` an int, `%` a timedelta,
/// CPython's errors for a zero divisor.
fn delta_by_delta(op: BinOp, a: i128, b: i128) -> R<Value> {
    if b == 0 {
        let msg = match op {
            BinOp::Div => "division by zero",
            BinOp::Mod => "integer modulo by zero",
            _ => "integer division or modulo by zero",
        };
        return exc(ExcKind::ZeroDivisionError, msg);
    }
    match op {
        BinOp::Div => Ok(Value::Float(exact_ratio(a, b))),
        BinOp::FloorDiv => {
            let q = a.div_euclid(b) - i128::from(b < 0 && a.rem_euclid(b) != 0);
            i64::try_from(q).map_or_else(|_| crate::types::int::overflow(), |q| Ok(Value::Int(q)))
        }
        _ => {
            let q = a.div_euclid(b) - i128::from(b < 0 && a.rem_euclid(b) != 0);
            td_value(a - q * b)
        }
    }
}

/// A float factor of a timedelta: CPython takes its integer ratio, which
/// NaN and the infinities do not have.
fn ratio_checked(k: f64) -> R<f64> {
    if k.is_nan() {
        return crate::fault::value_err("cannot convert NaN to integer ratio");
    }
    if k.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert Infinity to integer ratio");
    }
    Ok(k)
}
