//! CPython's `PyOS_double_to_string` (`Python/pystrtod.c`): a float's text
//! for the format types `e`, `f`, `g` (their capitals) and `r` (repr), with
//! the flags `#` (keep the point and trailing zeros), "add `.0` to an
//! integer" (a format without a type) and `z` (no negative zero). The digits
//! are `dtoa`'s (shortest, `n` significant, or `n` decimals, correctly
//! rounded, half to even, trailing zeros dropped), taken from Rust's exact
//! formatting; the layout around them is `format_float_short`, step by step.

use super::fixed::fixed;
use crate::types::float::repr::shortest_digits;

/// What the layout needs besides the value and the type.
#[derive(Clone, Copy, Default)]
pub(crate) struct Flags {
    /// `#`: keep a trailing point, and `g`'s trailing zeros.
    pub(crate) alt: bool,
    /// No type given: an integral value gets `.0` and `g` switches to an
    /// exponent one digit later.
    pub(crate) add_dot_0: bool,
    /// `z`: a negative zero (after rounding) loses its sign.
    pub(crate) no_neg_0: bool,
}

/// `dtoa`'s digits of `a` (finite, not negative) and the place of the
/// point: the value is `0.DIGITS * 10^decpt`. `mode` 0 is the shortest that
/// reads back, 2 is `n` significant digits, 3 is `n` decimals (no digits
/// when that rounds to zero).
fn digits(a: f64, mode: u8, n: usize) -> (String, i64) {
    if a == 0.0 {
        return ("0".into(), 1);
    }
    match mode {
        0 => {
            let (d, exp) = shortest_digits(a);
            (d, i64::from(exp) + 1)
        }
        2 => {
            let s = format!("{:.*e}", n.max(1) - 1, a);
            let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let d: String = mant.chars().filter(char::is_ascii_digit).collect();
            let exp: i64 = exp.parse().unwrap_or(0);
            (d.trim_end_matches('0').to_string(), exp + 1)
        }
        _ => {
            let s = fixed(a, n);
            let int_len = s.find('.').unwrap_or(s.len()) as i64;
            let all: String = s.chars().filter(char::is_ascii_digit).collect();
            let lead = all.len() - all.trim_start_matches('0').len();
            let d = all[lead..].trim_end_matches('0');
            if d.is_empty() {
                return (String::new(), -(n as i64));
            }
            (d.to_string(), int_len - lead as i64)
        }
    }
}

/// `PyOS_double_to_string(val, code, precision, flags)`: `code` is one of
/// `e E f F g G r` (a capital writes `E`, `INF`, `NAN`).
pub(crate) fn double_to_string(val: f64, code: char, precision: usize, flags: Flags) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let neg = val.is_sign_negative() && !val.is_nan();
    if !val.is_finite() {
        let word = match (val.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        return if neg { format!("-{word}") } else { word.to_string() };
    }
    if code == 'f' {
        return fixed_text(val, precision, flags, neg);
    }
    let (mode, n) = match code {
        'e' => (2, precision + 1),
        'f' => (3, precision),
        'g' => (2, precision.max(1)),
        _ => (0, 0),
    };
    let (digits, decpt) = digits(val.abs(), mode, n);
    let sign = neg && !(flags.no_neg_0 && (digits.is_empty() || digits == "0"));
    let precision = n as i64;
    layout(&digits, decpt, sign, code, precision, flags, upper)
}

/// Type `f`: the fixed-point digits as they are (`format_float_short`
/// lays out mode 3's digits as exactly these), the point kept under `#`,
/// the sign dropped under `z` when every digit is zero.
fn fixed_text(val: f64, precision: usize, flags: Flags, neg: bool) -> String {
    let mut body = fixed(val.abs(), precision);
    if neg && !(flags.no_neg_0 && body.bytes().all(|b| b == b'0' || b == b'.')) {
        body.insert(0, '-');
    }
    if flags.alt && precision == 0 {
        body.push('.');
    }
    body
}

/// `format_float_short`'s layout of the digits: where the point goes,
/// zeros on either side, the exponent.
fn layout(
    digits: &str,
    mut decpt: i64,
    sign: bool,
    code: char,
    precision: i64,
    flags: Flags,
    upper: bool,
) -> String {
    let digits_len = digits.len() as i64;
    let mut vdigits_end = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt + precision,
        'g' => {
            let limit = if flags.add_dot_0 { precision - 1 } else { precision };
            use_exp = decpt <= -4 || decpt > limit;
            if flags.alt {
                vdigits_end = precision;
            }
        }
        _ => use_exp = decpt <= -4 || decpt > 16,
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    let least = if !use_exp && flags.add_dot_0 { decpt + 1 } else { decpt };
    vdigits_end = vdigits_end.max(least);
    let zeros = |out: &mut String, n: i64| out.extend(std::iter::repeat_n('0', n.max(0) as usize));
    let mut out = String::with_capacity((vdigits_end - vdigits_start) as usize + 8);
    if sign {
        out.push('-');
    }
    if decpt <= 0 {
        zeros(&mut out, decpt - vdigits_start);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vdigits_start);
    }
    if 0 < decpt && decpt <= digits_len {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    } else {
        out.push_str(digits);
    }
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vdigits_end - decpt);
    } else {
        zeros(&mut out, vdigits_end - digits_len);
    }
    if out.ends_with('.') && !flags.alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}
