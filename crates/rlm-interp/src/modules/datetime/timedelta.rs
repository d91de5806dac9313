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

    fn truthy(&self) -> bool {
        *self != TimeDelta(0, 0, 0)
    }
}

/// The largest magnitude of a timedelta's days (CPython's `timedelta.max`).
const MAX_DAYS: i128 = 999_999_999;

/// A timedelta of `micros` microseconds, normalised as CPython does;
/// `OverflowError` past ±999999999 days, as CPython's.
pub(crate) fn td_value(micros: i128) -> R<Value> {
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000) as i64;
    if i32::try_from(days).is_err() {
        // CPython reads the days into a C int first.
        return exc(ExcKind::OverflowError, "Python int too large to convert to C int");
    }
    if days.abs() > MAX_DAYS {
        return exc(
            ExcKind::OverflowError,
            format!("days={days}; must have magnitude <= {MAX_DAYS}"),
        );
    }
    Ok(Native::value(TimeDelta(days as i64, rem / 1_000_000, rem % 1_000_000)))
}

/// The integer part of a float, exactly (CPython's errors for NaN and the
/// infinities); a finite value past the timedelta range saturates and is
/// refused by [`td_value`].
pub(crate) fn whole_of_float(x: f64) -> R<i128> {
    if x.is_nan() {
        return crate::fault::value_err("cannot convert float NaN to integer");
    }
    if x.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert float infinity to integer");
    }
    Ok(x.trunc() as i128)
}

/// The constructor's sum of its arguments, as CPython adds them: each int
/// argument times its unit exactly; a float argument's integer part times
/// its unit exactly too, and its fractional part times the unit split again
/// into a whole part (exact) and a leftover fraction of a microsecond, the
/// leftovers summed as floats and rounded half to even at the end.
#[derive(Default)]
pub(crate) struct Accumulator {
    exact: i128,
    leftover: f64,
}

impl Accumulator {
    pub(crate) fn add_int(&mut self, n: i128, unit: i128) {
        self.exact = self.exact.saturating_add(n.saturating_mul(unit));
    }

    pub(crate) fn add_float(&mut self, x: f64, unit: i128) -> R<()> {
        let whole = whole_of_float(x)?;
        self.add_int(whole, unit);
        let frac = x - x.trunc();
        if frac == 0.0 {
            return Ok(());
        }
        let scaled = frac * unit as f64;
        self.exact = self.exact.saturating_add(scaled.trunc() as i128);
        self.leftover += scaled - scaled.trunc();
        Ok(())
    }

    /// The total in microseconds.
    pub(crate) fn total(&self) -> i128 {
        if self.leftover == 0.0 {
            return self.exact;
        }
        let mut whole = self.leftover.round();
        if (whole - self.leftover).abs() == 0.5 {
            // Half way: to the even total.
            let odd = (self.exact & 1) as f64;
            whole = 2.0 * ((self.leftover + odd) * 0.5).round() - odd;
        }
        self.exact.saturating_add(whole as i128)
    }
}

/// `us * num / den` rounded half to even (a timedelta times or divided by a
/// float, through the float's integer ratio, as CPython's); `None` past
/// i128.
pub(crate) fn scale_half_even(us: i128, num: i128, den: i128) -> Option<i128> {
    let prod = us.checked_mul(num)?;
    Some(div_round_half_even(prod, den))
}

/// A float's integer ratio (`x.as_integer_ratio()`), as a numerator and a
/// power of two: `x == num * 2**exp`.
pub(crate) fn float_ratio(x: f64) -> (i128, i32) {
    if x == 0.0 {
        return (0, 0);
    }
    let bits = x.to_bits();
    let sign = if bits >> 63 == 1 { -1 } else { 1 };
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as i128;
    let (mut m, mut e) = if exp == 0 { (frac, -1074) } else { (frac | (1 << 52), exp - 1075) };
    while m & 1 == 0 {
        m >>= 1;
        e += 1;
    }
    (sign * m, e)
}

/// `a / b` rounded half to even (`b != 0`).
pub(crate) fn div_round_half_even(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    let q = a.div_euclid(b);
    let r = a.rem_euclid(b);
    match (2 * r).cmp(&b) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    }
}

/// `a / b` as the float nearest to it (`b != 0`), as Python's true
/// division of ints rounds, for magnitudes below 2**72.
pub(crate) fn exact_ratio(a: i128, b: i128) -> f64 {
    let negative = (a < 0) != (b < 0);
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    if a == 0 {
        return if negative { -0.0 } else { 0.0 };
    }
    if a < (1 << 53) && b < (1 << 53) {
        let q = a as f64 / b as f64;
        return if negative { -q } else { q };
    }
    // A quotient of 55 or 56 bits, whose remainder is the sticky bit.
    let bits = |x: u128| 128 - x.leading_zeros() as i32;
    let shift = 55 - (bits(a) - bits(b));
    let (num, den) = if shift >= 0 { (a << shift, b) } else { (a, b << -shift) };
    let (q, sticky) = (num / den, num % den != 0);
    let extra = bits(q) - 53;
    let mut m = q >> extra;
    let dropped = q & ((1 << extra) - 1);
    let half = 1u128 << (extra - 1);
    if dropped > half || (dropped == half && (sticky || m & 1 == 1)) {
        m += 1;
    }
    let q = m as f64 * 2f64.powi(extra - shift);
    if negative { -q } else { q }
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
        // The microseconds over 10**6, rounded once, as CPython's.
        "total_seconds" => Ok(Value::Float(exact_ratio(td_micros(days, secs, us), 1_000_000))),
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
