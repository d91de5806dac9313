//! `datetime.timedelta`: (days, seconds, microseconds) normalised as CPython
//! does; attributes, `total_seconds`, `repr` and `str`.

use crate::fault::{R, exc};
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const METHODS: &[&str] = &["total_seconds"];

/// A `timedelta`: days, seconds and microseconds, normalised (seconds in
/// `0..86400`, microseconds in `0..10^6`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TimeDelta(pub i64, pub i64, pub i64);

/// A `timedelta` as a value.
impl NativeObject for TimeDelta {
    fn ty(&self) -> Ty {
        Ty::Other(&"timedelta")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text(repr(self.0, self.1, self.2))]
    }

    fn str(&self) -> Option<String> {
        Some(str_of(self.0, self.1, self.2))
    }

    fn attr(&self, name: &str) -> Option<Value> {
        attr(self.0, self.1, self.2, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<TimeDelta>()
    }

    fn eq_native(&self, other: &dyn NativeObject) -> Option<bool> {
        (other as &dyn std::any::Any).downcast_ref::<TimeDelta>().map(|o| o == self).or(Some(false))
    }

    fn qualified_module(&self) -> Option<&'static str> {
        Some("datetime")
    }
}

/// The largest magnitude of a timedelta's days (CPython's `timedelta.max`).
const MAX_DAYS: i128 = 999_999_999;

/// A timedelta of `micros` microseconds, normalised as CPython does;
/// `OverflowError` past ±999999999 days, as CPython's.
pub(crate) fn td_value(micros: i128) -> R<Value> {
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000) as i64;
    if days.abs() > MAX_DAYS {
        return exc(
            ExcKind::OverflowError,
            format!("days={days}; must have magnitude <= {MAX_DAYS}"),
        );
    }
    Ok(Native::value(TimeDelta(days as i64, rem / 1_000_000, rem % 1_000_000)))
}

/// Microseconds from a float (a constructor's sum, a product with a float):
/// CPython's errors for NaN and infinities; a finite value past the
/// timedelta range saturates and is refused by [`td_value`].
pub(crate) fn micros_of_float(us: f64) -> R<i128> {
    if us.is_nan() {
        return crate::fault::value_err("cannot convert float NaN to integer");
    }
    if us.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert float infinity to integer");
    }
    Ok(us.round() as i128)
}

/// A timedelta's length in microseconds (up to about 8.6e19: past i64).
pub(crate) fn td_micros(days: i64, secs: i64, us: i64) -> i128 {
    (days as i128 * 86400 + secs as i128) * 1_000_000 + us as i128
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
        "total_seconds" => {
            // Whole seconds and the microseconds apart: one rounding, where
            // the total (past 2^53 microseconds) would take two.
            let t = td_micros(days, secs, us);
            Ok(Value::Float(t.div_euclid(1_000_000) as f64 + t.rem_euclid(1_000_000) as f64 / 1e6))
        }
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
