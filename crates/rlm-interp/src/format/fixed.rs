//! Fixed-point float digits (`format(x, '.2f')`, `'%.2f' % x`): the
//! float's exact binary value rounded half-to-even at the wanted number of
//! decimals, as CPython's `dtoa` (mode 3) does. Integer arithmetic does it
//! when the scaled value fits in 128 bits (precisions up to 20 and values
//! below 2^64, every f-string in practice); `core::fmt`, which rounds the
//! same way but takes ~1,600 instructions through its exact mode, does the rest.

/// The most decimals the integer path handles: `m * 10^20 < 2^53 * 2^67`.
const MAX_FAST_PRECISION: usize = 20;

/// `a` (finite and not negative; the caller writes the sign) with `prec`
/// decimals. Inline: left to the optimiser's heuristics it became a call
/// from `dtoa` once code elsewhere in the crate changed (`fstring_build`
/// +1.4% Ir, issue #79).
#[inline]
pub(crate) fn fixed(a: f64, prec: usize) -> String {
    match fixed_fast(a, prec) {
        Some(s) => s,
        None => format!("{a:.prec$}"),
    }
}

/// The integer path, or `None` when the value or the precision is out of
/// its range.
fn fixed_fast(a: f64, prec: usize) -> Option<String> {
    if prec > MAX_FAST_PRECISION || !a.is_finite() || a.is_sign_negative() {
        return None;
    }
    let bits = a.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    // a = mantissa * 2^exp exactly.
    let (mantissa, exp) =
        if biased == 0 { (fraction, -1074) } else { (fraction | (1u64 << 52), biased - 1075) };
    if exp >= 0 {
        // An integer: its digits, then `prec` zeros.
        if exp > 11 {
            return None; // mantissa << exp would pass 2^64
        }
        let mut out = String::with_capacity(21 + prec);
        out.push_str(itoa::Buffer::new().format(mantissa << exp));
        if prec > 0 {
            out.push('.');
            out.extend(std::iter::repeat_n('0', prec));
        }
        return Some(out);
    }
    let scaled = u128::from(mantissa) * 10u128.pow(prec as u32);
    let shift = exp.unsigned_abs();
    // scaled / 2^shift, rounded half to even; past 127 bits of shift the
    // quotient is below 2^120 / 2^128, far under one half.
    let rounded = if shift >= 128 {
        0
    } else {
        let quotient = scaled >> shift;
        let rest = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if rest > half || (rest == half && quotient & 1 == 1) { quotient + 1 } else { quotient }
    };
    // On the stack: `core::fmt`'s `write!` and a `String` of its own for
    // the digits were half of an `f"{x:.2f}"` (issue #79).
    let mut digit_buf = itoa::Buffer::new();
    let digits = match u64::try_from(rounded) {
        Ok(small) => digit_buf.format(small),
        Err(_) => digit_buf.format(rounded),
    };
    if prec == 0 {
        return Some(digits.to_string());
    }
    let mut out = String::with_capacity(digits.len().max(prec + 1) + 1);
    if digits.len() <= prec {
        out.push('0');
        out.push('.');
        out.extend(std::iter::repeat_n('0', prec - digits.len()));
        out.push_str(digits);
    } else {
        let point = digits.len() - prec;
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer path agrees with `core::fmt` (also correctly rounded)
    /// wherever it applies; CPython itself is the differential fixture
    /// `float_fixed_format.py`'s oracle.
    #[test]
    fn the_integer_path_agrees_with_core_fmt() {
        let mut values = vec![
            0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.375,
            1e-7,
            5e-324,
            2.2250738585072014e-308,
            0.1,
            0.7,
            1.005,
            2.675,
            123456.785,
            9007199254740991.0,
            9007199254740993.0,
            1.8e19,
            1e-300,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            // xorshift: bit patterns of every magnitude, sign bit cleared.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x >> 1));
            values.push((x % 1_000_000) as f64 / 1000.0);
            values.push((x % 100_000) as f64 / 8.0);
        }
        for &v in values.iter().filter(|v| v.is_finite()) {
            for prec in 0..=MAX_FAST_PRECISION {
                if let Some(s) = fixed_fast(v, prec) {
                    assert_eq!(s, format!("{v:.prec$}"), "{v:e} at {prec}");
                }
            }
        }
    }

    #[test]
    fn ties_round_to_even_and_out_of_range_falls_back() {
        assert_eq!(fixed(0.125, 2), "0.12");
        assert_eq!(fixed(0.375, 2), "0.38");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(3.5, 0), "4");
        assert_eq!(fixed(0.0, 0), "0");
        assert_eq!(fixed(1e300, 1).len(), 303);
        assert_eq!(fixed(0.1, 25), "0.1000000000000000055511151");
        assert!(fixed_fast(1e300, 1).is_none());
        assert!(fixed_fast(0.1, 21).is_none());
    }
}
