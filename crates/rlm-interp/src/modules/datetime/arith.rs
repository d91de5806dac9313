//! Date and time arithmetic: date/datetime ± timedelta, datetime - datetime,
//! timedelta ± timedelta, timedelta * / // number, timedelta / timedelta.

use rlm_syntax::ast::BinOp;

use crate::args::as_float;
use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::modules::datetime::date_time::{DateTime, dt_value};
use crate::modules::datetime::timedelta::{TimeDelta, micros_of_float, td_micros, td_value};
use crate::types::qualified_type_name;
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
            op.as_str(),
            qualified_type_name(a),
            qualified_type_name(b)
        ))
    };
    if let (Some(TimeDelta(d, s, u)), Some(k)) = (Native::of::<TimeDelta>(a), as_float(b)) {
        {
            let us = td_micros(*d, *s, *u);
            // An int operand is exact, as CPython's (-timedelta.max overflows).
            if let Value::Int(k) = b {
                let k = *k as i128;
                return match op {
                    BinOp::Mult => td_value(us * k),
                    BinOp::Div if k != 0 => td_value(div_round_half_even(us, k)),
                    BinOp::FloorDiv if k != 0 => {
                        td_value(us.div_euclid(k) - i128::from(k < 0 && us.rem_euclid(k) != 0))
                    }
                    _ => err(),
                };
            }
            let us = us as f64;
            return match op {
                BinOp::Mult => td_value(micros_of_float(ratio_checked(k)? * us)?),
                BinOp::Div if k != 0.0 => td_value(micros_of_float(us / k)?),
                BinOp::FloorDiv if k != 0.0 => td_value(micros_of_float((us / k).floor())?),
                _ => err(),
            };
        }
    }
    if let (Some(k), Some(TimeDelta(d, s, u))) = (as_float(a), Native::of::<TimeDelta>(b)) {
        if op == BinOp::Mult {
            let us = td_micros(*d, *s, *u);
            if let Value::Int(k) = a {
                return td_value(us * *k as i128);
            }
            return td_value(micros_of_float(us as f64 * ratio_checked(k)?)?);
        }
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
        (Operand::Date(d), Operand::Date(e), BinOp::Sub) => {
            td_value(d.total_micros() as i128 - e.total_micros() as i128)
        }
        (
            Operand::Delta(TimeDelta(a1, b1, c1)),
            Operand::Delta(TimeDelta(a2, b2, c2)),
            BinOp::Div,
        ) => Ok(Value::Float(td_micros(*a1, *b1, *c1) as f64 / td_micros(*a2, *b2, *c2) as f64)),
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

/// `a / b` rounded half to even, as CPython divides a timedelta by an int.
fn div_round_half_even(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    match (2 * r).cmp(&b) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    }
}

/// A float factor of a timedelta: CPython takes its integer ratio, which
/// NaN and the infinities do not have.
fn ratio_checked(k: f64) -> R<f64> {
    if k.is_nan() {
        return crate::fault::value_err("cannot convert NaN to integer ratio");
    }
    if k.is_infinite() {
        return crate::fault::exc(
            ExcKind::OverflowError,
            "cannot convert Infinity to integer ratio",
        );
    }
    Ok(k)
}
