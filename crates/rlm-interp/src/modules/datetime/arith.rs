//! Date and time arithmetic: date/datetime ± timedelta, datetime - datetime,
//! timedelta ± timedelta, timedelta * / // number, timedelta / timedelta.

use rlm_syntax::ast::BinOp;

use crate::args::as_float;
use crate::fault::{R, type_err};
use crate::modules::datetime::date_time::{DateTime, dt_value};
use crate::modules::datetime::timedelta::{td_micros, td_value};
use crate::types::qualified_type_name;
use crate::value::*;
use crate::vm::Vm;

pub(crate) fn datetime_arith(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> R<Value> {
    let _ = vm;
    let err = || {
        type_err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.as_str(),
            qualified_type_name(a),
            qualified_type_name(b)
        ))
    };
    if let (Value::Native(x), Some(k)) = (a, as_float(b)) {
        if let Native::TimeDelta(d, s, u) = &**x {
            let us = td_micros(*d, *s, *u) as f64;
            return match op {
                BinOp::Mult => Ok(td_value((us * k).round() as i64)),
                BinOp::Div if k != 0.0 => Ok(td_value((us / k).round() as i64)),
                BinOp::FloorDiv if k != 0.0 => Ok(td_value((us / k).floor() as i64)),
                _ => err(),
            };
        }
    }
    if let (Some(k), Value::Native(x)) = (as_float(a), b) {
        if let (Native::TimeDelta(d, s, u), BinOp::Mult) = (&**x, op) {
            return Ok(td_value((td_micros(*d, *s, *u) as f64 * k).round() as i64));
        }
    }
    let (Value::Native(x), Value::Native(y)) = (a, b) else { return err() };
    let is_time = |n: &Native| matches!(n, Native::DateTime(d) if d.time_only);
    if is_time(x) || is_time(y) {
        return err();
    }
    match (&**x, &**y, op) {
        (Native::DateTime(d), Native::TimeDelta(dd, ss, us), BinOp::Add) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() + td_micros(*dd, *ss, *us), d.has_time),
        )),
        (Native::DateTime(d), Native::TimeDelta(dd, ss, us), BinOp::Sub) => Ok(dt_value(
            DateTime::from_micros(d.total_micros() - td_micros(*dd, *ss, *us), d.has_time),
        )),
        (Native::DateTime(d), Native::DateTime(e), BinOp::Sub) => {
            Ok(td_value(d.total_micros() - e.total_micros()))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Div) => {
            Ok(Value::Float(td_micros(*a1, *b1, *c1) as f64 / td_micros(*a2, *b2, *c2) as f64))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Add) => {
            Ok(td_value(td_micros(*a1, *b1, *c1) + td_micros(*a2, *b2, *c2)))
        }
        (Native::TimeDelta(a1, b1, c1), Native::TimeDelta(a2, b2, c2), BinOp::Sub) => {
            Ok(td_value(td_micros(*a1, *b1, *c1) - td_micros(*a2, *b2, *c2)))
        }
        _ => err(),
    }
}
