//! A float's hexadecimal form: `x.hex()` writes it, `float.fromhex(s)`
//! reads it back, correctly rounded (half to even), with CPython's errors:
//! a ValueError for a malformed string, an OverflowError past the largest
//! float. Only ASCII whitespace is trimmed around it, and only ASCII digits
//! are read, as CPython reads the string's UTF-8 bytes.

use crate::args::Kwargs;
use crate::fault::{R, exc, type_err, value_err};
use crate::value::*;

/// `float.hex()`: `[-]0x1.<13 hex digits>p<exp>`, `0x0.` for subnormals.
pub(crate) fn float_hex(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    if f == 0.0 {
        return format!("{sign}0x0.0p+0");
    }
    let bits = f.to_bits();
    let (biased, mantissa) = ((bits >> 52) & 0x7ff, bits & ((1 << 52) - 1));
    let (lead, exp) = if biased == 0 { (0, -1022) } else { (1, biased as i64 - 1023) };
    format!("{sign}0x{lead}.{mantissa:013x}p{exp:+}")
}

/// `float.fromhex(s)`, its arguments checked as CPython checks them (the
/// caller charged for reading the string).
pub(crate) fn float_fromhex(args: &[Value], kwargs: &Kwargs) -> R<Value> {
    if !kwargs.is_empty() {
        return type_err("float.fromhex() takes no keyword arguments");
    }
    if args.len() != 1 {
        return type_err(format!(
            "float.fromhex() takes exactly one argument ({} given)",
            args.len()
        ));
    }
    let Value::Str(s) = &args[0] else {
        return type_err("bad argument type for built-in operation");
    };
    match from_hex(s.as_str()) {
        Ok(f) => Ok(Value::Float(f)),
        Err(HexError::Invalid) => value_err("invalid hexadecimal floating-point string"),
        Err(HexError::TooLarge) => {
            exc(ExcKind::OverflowError, "hexadecimal value too large to represent as a float")
        }
    }
}

#[derive(Debug, PartialEq)]
enum HexError {
    Invalid,
    TooLarge,
}

fn ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// The exponent read is held within this bound: far past any float's, and
/// far from overflowing once the digits' own count is added to it.
const EXP_CAP: i64 = 1 << 40;

/// The parts of `[sign] [0x] digits [. digits] [p [sign] decimal digits]`.
struct Parsed {
    negative: bool,
    /// The hex digits' values, the integer part's then the fraction's.
    digits: Vec<u8>,
    /// How many of `digits` are the fraction's.
    fraction: usize,
    /// The binary exponent after `p` (capped at [`EXP_CAP`]).
    exp: i64,
}

fn from_hex(s: &str) -> Result<f64, HexError> {
    let b = s.as_bytes();
    let (mut lo, mut hi) = (0, b.len());
    while lo < hi && ascii_space(b[lo]) {
        lo += 1;
    }
    while hi > lo && ascii_space(b[hi - 1]) {
        hi -= 1;
    }
    let body = &b[lo..hi];
    if let Some(f) = inf_or_nan(body) {
        return Ok(f);
    }
    let p = parse(body).ok_or(HexError::Invalid)?;
    let magnitude = round_to_float(&p)?;
    Ok(if p.negative { -magnitude } else { magnitude })
}

/// `inf`, `infinity` or `nan`, any case, after an optional sign (a `-nan`
/// has its sign bit set).
fn inf_or_nan(body: &[u8]) -> Option<f64> {
    let (negative, rest) = match body.first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let word = std::str::from_utf8(rest).ok()?.to_ascii_lowercase();
    let f = match word.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => return None,
    };
    Some(if negative { -f } else { f })
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn parse(body: &[u8]) -> Option<Parsed> {
    let mut i = 0;
    let negative = match body.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    if body.get(i) == Some(&b'0') && matches!(body.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
    }
    let mut digits = Vec::new();
    while let Some(d) = body.get(i).and_then(|&c| hex_digit(c)) {
        digits.push(d);
        i += 1;
    }
    let whole = digits.len();
    if body.get(i) == Some(&b'.') {
        i += 1;
        while let Some(d) = body.get(i).and_then(|&c| hex_digit(c)) {
            digits.push(d);
            i += 1;
        }
    }
    if digits.is_empty() {
        return None;
    }
    let fraction = digits.len() - whole;
    let mut exp = 0;
    if matches!(body.get(i), Some(b'p' | b'P')) {
        let (e, end) = exponent(body, i + 1)?;
        exp = e;
        i = end;
    }
    (i == body.len()).then_some(Parsed { negative, digits, fraction, exp })
}

/// The decimal exponent from `body[i..]`, with its sign, and where it ends.
fn exponent(body: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let negative = match body.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut e: i64 = 0;
    while let Some(c) = body.get(i).filter(|c| c.is_ascii_digit()) {
        e = (e * 10 + i64::from(c - b'0')).min(EXP_CAP);
        i += 1;
    }
    (i > start).then_some((if negative { -e } else { e }, i))
}

/// The float nearest `p`'s magnitude (ties to even), or too large.
fn round_to_float(p: &Parsed) -> Result<f64, HexError> {
    let digits = match p.digits.iter().position(|&d| d != 0) {
        Some(first) => &p.digits[first..],
        None => return Ok(0.0),
    };
    // The value is N * 2**unit, N the digits' integer; its top bit is
    // bit `top` of N.
    let unit = p.exp - 4 * p.fraction as i64;
    let top = 4 * (digits.len() as i64 - 1) + (8 - digits[0].leading_zeros() as i64) - 1;
    let msb = top + unit;
    if msb > 1023 {
        return Err(HexError::TooLarge);
    }
    if msb < -1075 {
        return Ok(0.0);
    }
    // Bit `drop` of N is the lowest kept: 53 bits, or down to 2**-1074.
    let mut lsb = (msb - 52).max(-1074);
    let drop = lsb - unit;
    let (mut m, mut round, mut sticky) = (0u64, false, false);
    for (j, &d) in digits.iter().enumerate() {
        for k in (0..4).rev() {
            let bit = (d >> k) & 1 == 1;
            let at = 4 * (digits.len() - 1 - j) as i64 + k;
            if at > top {
                continue;
            }
            if at >= drop {
                m = m << 1 | bit as u64;
            } else if at == drop - 1 {
                round = bit;
            } else {
                sticky |= bit;
            }
        }
    }
    if drop < 0 {
        m <<= -drop;
    }
    if round && (sticky || m & 1 == 1) {
        m += 1;
    }
    if m == 1 << 53 {
        m = 1 << 52;
        lsb += 1;
    }
    compose(m, lsb)
}

/// `m * 2**lsb` as a float's bits: `m` below 2**53, and below 2**52 only
/// for a subnormal (then `lsb` is -1074).
fn compose(m: u64, lsb: i64) -> Result<f64, HexError> {
    if m < 1 << 52 {
        return Ok(f64::from_bits(m));
    }
    let biased = lsb + 1075;
    if biased >= 2047 {
        return Err(HexError::TooLarge);
    }
    Ok(f64::from_bits((biased as u64) << 52 | (m & ((1 << 52) - 1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_hex_writes() {
        for f in [1.0, 0.1, -2.5, 5e-324, 2.2250738585072014e-308, f64::MAX, 1e300, 3.0e-310] {
            assert_eq!(from_hex(&float_hex(f)), Ok(f), "{f}");
        }
    }

    #[test]
    fn rounds_half_to_even_and_bounds() {
        assert_eq!(from_hex("0x1p-1075"), Ok(0.0));
        assert_eq!(from_hex("0x1.8p-1075"), Ok(5e-324));
        assert_eq!(from_hex("0x1.fffffffffffff8p1023"), Err(HexError::TooLarge));
        assert_eq!(from_hex("0x1.fffffffffffff7ffp1023"), Ok(f64::MAX));
        assert_eq!(from_hex("0x1.00000000000008p0"), Ok(1.0));
        assert_eq!(from_hex("0x1.00000000000018p0"), Ok(1.0 + 2.0 * f64::EPSILON));
        assert_eq!(from_hex("0x1p99999999999999999999"), Err(HexError::TooLarge));
        assert_eq!(from_hex("0x1p-99999999999999999999"), Ok(0.0));
    }

    #[test]
    fn refuses_malformed() {
        for s in ["", " ", "0x", "0x.p0", "0x1p", "0x1p+", "+-1", "0x1.0.p0", "1 2", "0x1p0\0"] {
            assert_eq!(from_hex(s), Err(HexError::Invalid), "{s:?}");
        }
    }
}
