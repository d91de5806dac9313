//! The `datetime` module: the `datetime`, `date`, `time` and `timedelta`
//! classes, their constructors and class methods (`strptime`,
//! `fromisoformat`, `fromordinal`, `combine`; no clock: `now()` and friends
//! are refused so that runs stay reproducible).

pub(crate) mod arith;
pub(crate) mod date_time;
pub(crate) mod fields_tuple;
pub(crate) mod isoformat;
pub(crate) mod strftime;
pub(crate) mod strptime;
pub(crate) mod timedelta;

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err, value_err};
use crate::types::attr_error::qualified_type_name;
use crate::value::*;
use date_time::{DateTime, ORDINAL_OF_EPOCH, civil_from_days, dt_value};
use strptime::strptime;
use timedelta::td_value;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    vec![
        ("datetime", Value::Type(Ty::Other(&"datetime"))),
        ("date", Value::Type(Ty::Other(&"date"))),
        ("time", Value::Type(Ty::Other(&"time"))),
        ("timedelta", Value::Type(Ty::Other(&"timedelta"))),
        ("MINYEAR", Value::Int(1)),
        ("MAXYEAR", Value::Int(9999)),
    ]
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    _cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    construct_other(name, args, kwargs)
}

pub(crate) fn construct_other(name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let get = |i: usize, k: &str, def: i64| -> R<i64> {
        match args.get(i).or_else(|| kw(&kwargs, k)) {
            Some(v) => match as_int(v) {
                Some(x) => Ok(x),
                None => type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    v.type_name()
                )),
            },
            None => Ok(def),
        }
    };
    match name {
        "datetime" | "date" => {
            let d = DateTime {
                year: get(0, "year", -1)?,
                month: get(1, "month", -1)?,
                day: get(2, "day", -1)?,
                hour: if name == "date" { 0 } else { get(3, "hour", 0)? },
                minute: if name == "date" { 0 } else { get(4, "minute", 0)? },
                second: if name == "date" { 0 } else { get(5, "second", 0)? },
                micro: if name == "date" { 0 } else { get(6, "microsecond", 0)? },
                has_time: name == "datetime",
                time_only: false,
            };
            Ok(dt_value(d.validate()?))
        }
        "time" => {
            let d = DateTime {
                year: 1900,
                month: 1,
                day: 1,
                hour: get(0, "hour", 0)?,
                minute: get(1, "minute", 0)?,
                second: get(2, "second", 0)?,
                micro: get(3, "microsecond", 0)?,
                has_time: true,
                time_only: true,
            };
            Ok(dt_value(d.validate()?))
        }
        "timedelta" => {
            // The positional order, and CPython's order of adding them up
            // (its float leftovers are summed in that order).
            const POSITIONAL: [&str; 7] =
                ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"];
            const UNITS: [(&str, i128); 7] = [
                ("microseconds", 1),
                ("milliseconds", 1_000),
                ("seconds", 1_000_000),
                ("minutes", 60_000_000),
                ("hours", 3_600_000_000),
                ("days", 86_400_000_000),
                ("weeks", 604_800_000_000),
            ];
            let mut sum = timedelta::Accumulator::default();
            for (unit, micros) in UNITS {
                let i = POSITIONAL.iter().position(|p| *p == unit).unwrap_or(0);
                match args.get(i).or_else(|| kw(&kwargs, unit)) {
                    Some(Value::Int(n)) => sum.add_int(*n as i128, micros),
                    Some(Value::Bool(AlignedBool(b))) => sum.add_int(*b as i128, micros),
                    Some(Value::Float(x)) => sum.add_float(*x, micros)?,
                    Some(v) => {
                        return type_err(format!(
                            "unsupported type for timedelta {unit} component: {}",
                            v.type_name()
                        ));
                    }
                    None => {}
                }
            }
            td_value(sum.total())
        }
        _ => type_err(format!("cannot create '{name}' instances")),
    }
}

/// The class methods of `date` and `datetime`, which an instance has too.
pub(crate) const CLASS_METHODS: &[&str] =
    &["fromordinal", "fromisoformat", "fromisocalendar", "strptime", "combine"];

pub(crate) fn type_attr(t: &'static &'static str, name: &str) -> Option<Value> {
    match (*t, name) {
        (
            "datetime" | "date",
            "strptime" | "fromisoformat" | "fromordinal" | "fromisocalendar" | "now" | "today"
            | "utcnow" | "fromtimestamp",
        )
        | ("datetime", "combine") => {
            Some(Value::Method(Rc::new((Value::Type(Ty::Other(t)), SmolStr::new(name)))))
        }
        (_, "min" | "max" | "resolution") => class_constant(t, name),
        _ => None,
    }
}

/// `date.min`, `timedelta.max`, `time.resolution`...: CPython's.
fn class_constant(t: &str, name: &str) -> Option<Value> {
    let at = |year, month, day, hour, minute, second, micro| DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        micro,
        has_time: t != "date",
        time_only: t == "time",
    };
    let micro = || td_value(1).ok();
    match (t, name) {
        ("date" | "datetime", "min") => Some(dt_value(at(1, 1, 1, 0, 0, 0, 0))),
        ("time", "min") => Some(dt_value(at(1900, 1, 1, 0, 0, 0, 0))),
        ("date", "max") => Some(dt_value(at(9999, 12, 31, 0, 0, 0, 0))),
        ("datetime", "max") => Some(dt_value(at(9999, 12, 31, 23, 59, 59, 999_999))),
        ("time", "max") => Some(dt_value(at(1900, 1, 1, 23, 59, 59, 999_999))),
        ("date", "resolution") => td_value(86_400_000_000).ok(),
        ("timedelta", "min") => td_value(-999_999_999 * 86_400_000_000).ok(),
        ("timedelta", "max") => td_value(1_000_000_000 * 86_400_000_000 - 1).ok(),
        ("datetime" | "time" | "timedelta", "resolution") => micro(),
        _ => None,
    }
}

pub(crate) fn type_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    t: &'static str,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "fromisocalendar" => {
            isoformat::from_iso_calendar(&args, &kwargs).map(|d| dt_value(with_time(d, t)))
        }
        "strptime" => {
            let (Some(Value::Str(s)), Some(Value::Str(f))) = (args.first(), args.get(1)) else {
                return type_err("strptime() argument must be str");
            };
            strptime(cx.meter(), s.as_str(), f.as_str()).map(dt_value)
        }
        "fromordinal" => {
            let n = match args.first() {
                Some(v) => match as_int(v) {
                    Some(n) => n,
                    None => {
                        return type_err(format!(
                            "'{}' object cannot be interpreted as an integer",
                            v.type_name()
                        ));
                    }
                },
                None => return type_err("fromordinal() takes exactly one argument (0 given)"),
            };
            if n < 1 {
                return value_err("ordinal must be >= 1");
            }
            let (year, month, day) = civil_from_days(n - ORDINAL_OF_EPOCH);
            let d = DateTime { has_time: t == "datetime", ..DateTime::midnight(year, month, day) };
            d.validate().map(dt_value)
        }
        "combine" => match (args.first(), args.get(1)) {
            (Some(a @ Value::Native(_)), Some(b @ Value::Native(_))) => {
                match (Native::of::<DateTime>(a), Native::of::<DateTime>(b)) {
                    (Some(d), Some(tm)) if tm.time_only => Ok(dt_value(DateTime {
                        hour: tm.hour,
                        minute: tm.minute,
                        second: tm.second,
                        micro: tm.micro,
                        has_time: true,
                        time_only: false,
                        ..*d
                    })),
                    (Some(d), _) if !d.time_only => type_err(format!(
                        "combine() argument 2 must be datetime.time, not {}",
                        qualified_type_name(&args[1])
                    )),
                    _ => type_err(format!(
                        "combine() argument 1 must be datetime.date, not {}",
                        qualified_type_name(&args[0])
                    )),
                }
            }
            (Some(a), Some(b)) => type_err(format!(
                "combine() argument {} must be {}, not {}",
                if matches!(a, Value::Native(_)) { 2 } else { 1 },
                if matches!(a, Value::Native(_)) { "datetime.time" } else { "datetime.date" },
                qualified_type_name(if matches!(a, Value::Native(_)) { b } else { a })
            )),
            _ => type_err("combine() missing required argument 'date' (pos 1)"),
        },
        "fromisoformat" => {
            let Some(Value::Str(s)) = args.first() else {
                return type_err("fromisoformat: argument must be str");
            };
            let s = s.as_str();
            let (date, time) = match s.find(['T', ' ']) {
                Some(p) if t == "datetime" => (&s[..p], Some(&s[p + 1..])),
                _ => (s, None),
            };
            let mut dt = with_time(isoformat::parse_date(date, s)?, t);
            let p = |x: &str| x.parse::<i64>().ok();
            if let Some(time) = time {
                let tp: Vec<&str> = time.split(':').collect();
                dt.hour = tp.first().and_then(|x| p(x)).unwrap_or(0);
                dt.minute = tp.get(1).and_then(|x| p(x)).unwrap_or(0);
                if let Some(sec) = tp.get(2) {
                    let (s2, us) = sec.split_once('.').unwrap_or((sec, "0"));
                    dt.second = p(s2).unwrap_or(0);
                    dt.micro = p(&format!("{us:0<6}")[..6]).unwrap_or(0);
                }
            }
            dt.validate().map(dt_value)
        }
        _ => exc(
            ExcKind::RuntimeError,
            format!(
                "{t}.{name}() is not available: the sandbox has no clock (results must be reproducible)"
            ),
        ),
    }
}

/// A date made a `datetime` (at midnight) when the class is `datetime`.
fn with_time(d: DateTime, t: &str) -> DateTime {
    DateTime { has_time: t == "datetime", ..d }
}
