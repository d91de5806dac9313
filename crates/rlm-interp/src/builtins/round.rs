//! `round(x[, ndigits])` as CPython computes it: a float rounded to
//! `ndigits` decimals is the correctly rounded decimal (half to even on the
//! float's exact binary value, so `round(2.675, 2) == 2.67`) read back as a
//! float; an int rounds half to even at a power of ten.

use crate::args::{Kwargs, as_int, check_kwargs, kw};
use crate::fault::{R, exc, type_err};
use crate::meter::Meter;
use crate::value::*;

/// CPython's bounds on `ndigits` for a float (`floatobject.c`): past the
/// upper one every float is already exact, below the lower one every float
/// rounds to zero.
const NDIGITS_MAX: i64 = 323;
const NDIGITS_MIN: i64 = -308;
/// Significant digits of a first, cheap decimal expansion: enough to
/// decide the rounding unless it shows an exact tie.
const FAST_DIGITS: usize = 40;
/// Significant digits that hold any double's exact decimal expansion.
const EXACT_DIGITS: usize = 768;
/// Fuel for the exact expansion (a bignum conversion of up to 768 digits).
const FUEL_EXACT_EXPANSION: u64 = 64;

/// `round(number, ndigits=None)`.
pub(super) fn round_builtin(meter: &mut Meter, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    check_kwargs("round", &kwargs, &["ndigits"])?;
    if args.len() > 2 {
        return type_err(format!("round() takes at most 2 arguments ({} given)", args.len()));
    }
    let Some(x) = args.first() else {
        return type_err("round() missing required argument 'number' (pos 1)");
    };
    let nd = args.get(1).or_else(|| kw(&kwargs, "ndigits")).filter(|v| !matches!(v, Value::None));
    let nd = match nd {
        None => None,
        Some(n) => match as_int(n) {
            Some(n) => Some(n),
            None => {
                return type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    n.type_name()
                ));
            }
        },
    };
    match (x, nd) {
        (Value::Float(f), None) => round_float_to_int(*f),
        (Value::Float(f), Some(n)) => round_float(meter, *f, n).map(Value::Float),
        (v, None) if as_int(v).is_some() => Ok(Value::Int(as_int(v).unwrap_or(0))),
        (v, Some(n)) if as_int(v).is_some() => round_int(as_int(v).unwrap_or(0), n),
        (v, _) => type_err(format!("type {} doesn't define __round__ method", v.type_name())),
    }
}

/// `round(f, n)`: CPython's `double_round`.
fn round_float(meter: &mut Meter, f: f64, n: i64) -> R<f64> {
    if !f.is_finite() || f == 0.0 || n > NDIGITS_MAX {
        return Ok(f);
    }
    if n < NDIGITS_MIN {
        return Ok(0.0 * f);
    }
    let r = match round_decimal(f, n, FAST_DIGITS) {
        Some(r) => r,
        None => {
            meter.fuel(FUEL_EXACT_EXPANSION)?;
            round_decimal(f, n, EXACT_DIGITS).unwrap_or(f)
        }
    };
    if r.is_infinite() {
        return exc(ExcKind::OverflowError, "rounded value too large to represent");
    }
    Ok(r)
}

/// `round(f)`: half to even, to an int (64-bit here).
fn round_float_to_int(f: f64) -> R<Value> {
    crate::types::int::integral_float_to_int(f.round_ties_even())
}

/// `round(i, n)`: unchanged for `n >= 0`, else half to even at `10**-n`.
fn round_int(i: i64, n: i64) -> R<Value> {
    if n >= 0 {
        return Ok(Value::Int(i));
    }
    // 10**19 is past i64: work in i128. From 10**20 on, every i64 is
    // under half the unit and rounds to 0, as at 10**20.
    let p = 10i128.pow(n.unsigned_abs().min(20) as u32);
    let x = i128::from(i);
    let (q, r) = (x.div_euclid(p), x.rem_euclid(p));
    let q = if r * 2 > p || (r * 2 == p && q % 2 != 0) { q + 1 } else { q };
    match i64::try_from(q * p) {
        Ok(v) => Ok(Value::Int(v)),
        Err(_) => exc(ExcKind::OverflowError, "integer overflow: integers here are 64-bit"),
    }
}

/// `f` rounded half to even at `n` decimals, from its decimal expansion to
/// `digits` significant digits (correctly rounded by the formatter); `None`
/// when that expansion shows a tie it cannot tell from the exact value.
fn round_decimal(f: f64, n: i64, digits: usize) -> Option<f64> {
    let text = format!("{:.*e}", digits - 1, f.abs());
    let (mantissa, exp) = text.split_once('e')?;
    let exp: i64 = exp.parse().ok()?;
    let sig: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    // How many leading significant digits stay: those above 10**-n.
    let keep = exp + 1 + n;
    if keep >= sig.len() as i64 {
        return Some(f);
    }
    let sign = if f < 0.0 { "-" } else { "" };
    if keep < 0 {
        return format!("{sign}0").parse().ok();
    }
    let keep = keep as usize;
    let (kept, rest) = sig.split_at(keep);
    let up = match (rest[0], rest[1..].iter().all(|d| *d == b'0')) {
        (b'5', true) if digits < EXACT_DIGITS => return None,
        (b'5', true) => kept.last().is_some_and(|d| (d - b'0') % 2 == 1),
        (d, _) => d >= b'5',
    };
    let mut out = kept.to_vec();
    if up {
        increment(&mut out);
    }
    let out = if out.is_empty() { "0".to_string() } else { String::from_utf8(out).ok()? };
    format!("{sign}{out}e{}", -n).parse().ok()
}

/// Adds one to a decimal digit string (an empty one becomes "1").
fn increment(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}
