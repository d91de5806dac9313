//! `datetime.timedelta`: (days, seconds, microseconds) normalised as CPython
//! does; attributes, `total_seconds`, `repr` and `str`.

use std::rc::Rc;

use crate::fault::{R, exc};
use crate::value::*;

pub(crate) const METHODS: &[&str] = &["total_seconds"];

pub(crate) fn td_value(micros: i64) -> Value {
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000);
    Value::Native(Rc::new(Native::TimeDelta(days, rem / 1_000_000, rem % 1_000_000)))
}

pub(crate) fn td_micros(days: i64, secs: i64, us: i64) -> i64 {
    (days * 86400 + secs) * 1_000_000 + us
}

pub(crate) fn attr(days: i64, secs: i64, us: i64, name: &str) -> Option<Value> {
    match name {
        "days" => Some(Value::Int(days)),
        "seconds" => Some(Value::Int(secs)),
        "microseconds" => Some(Value::Int(us)),
        _ => None,
    }
}

pub(crate) fn method(days: i64, secs: i64, us: i64, name: &str) -> R<Value> {
    match name {
        "total_seconds" => Ok(Value::Float(td_micros(days, secs, us) as f64 / 1e6)),
        _ => exc(
            ExcKind::AttributeError,
            format!("'datetime.timedelta' object has no attribute '{name}'"),
        ),
    }
}

pub(crate) fn repr(days: i64, secs: i64, us: i64) -> String {
    let mut parts = Vec::new();
    if days != 0 {
        parts.push(format!("days={days}"));
    }
    if secs != 0 {
        parts.push(format!("seconds={secs}"));
    }
    if us != 0 {
        parts.push(format!("microseconds={us}"));
    }
    if parts.is_empty() {
        "datetime.timedelta(0)".to_string()
    } else {
        format!("datetime.timedelta({})", parts.join(", "))
    }
}

/// `str(td)`: `[D day[s], ]H:MM:SS[.ffffff]`.
pub(crate) fn str_of(days: i64, secs: i64, us: i64) -> String {
    let mut s = String::new();
    if days != 0 {
        s.push_str(&format!("{days} day{}, ", if days.abs() == 1 { "" } else { "s" }));
    }
    s.push_str(&format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60));
    if us != 0 {
        s.push_str(&format!(".{us:06}"));
    }
    s
}
