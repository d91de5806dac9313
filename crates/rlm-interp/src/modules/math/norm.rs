//! The Euclidean norm behind `math.hypot` and `math.dist`, rounded as CPython
//! 3.11's: the values scaled by a power of two near the largest (exact), their
//! squares summed exactly (each product kept as two doubles) into a
//! compensated running sum, one square root, then one Newton step on the
//! residual, which makes the result correctly rounded in practice. `f64::hypot`
//! (the C library's) is off by an ulp on ordinary inputs (`hypot(0.3, 0.5)`).

/// `x * y` as `hi + lo`, exactly.
fn two_prod(x: f64, y: f64) -> (f64, f64) {
    let hi = x * y;
    (hi, x.mul_add(y, -hi))
}

/// `a + b` as `hi + lo`, exactly, for `|a| >= |b|`.
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let hi = a + b;
    (hi, (a - hi) + b)
}

/// `2**k` for `k` in -1074..=1023, from its bits (`powi` would pass through
/// an infinity or zero at the ends).
fn pow2(k: i32) -> f64 {
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

/// The norm of `values` (each `>= 0`, as `abs` gave them), whose largest is
/// `max` (a NaN never counts as the largest), `found_nan` if any is a NaN.
/// An infinity wins over a NaN, as in CPython.
pub(super) fn norm(values: &mut [f64], max: f64, found_nan: bool) -> f64 {
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || values.len() <= 1 {
        return max;
    }
    let (_, max_e) = crate::builtins::introspection::frexp(max);
    if max_e < -1023 {
        // Tiny values: scaled up into the normal range first, so the squares keep
        // their bits.
        for v in values.iter_mut() {
            *v /= f64::MIN_POSITIVE;
        }
        return f64::MIN_POSITIVE * norm(values, max / f64::MIN_POSITIVE, found_nan);
    }
    let scale = pow2(-max_e);
    let (mut sum, mut frac_sum, mut frac_products) = (1.0f64, 0.0f64, 0.0f64);
    for &v in values.iter() {
        let (hi, lo) = two_prod(v * scale, v * scale);
        let before = sum;
        sum += hi;
        frac_sum += (before - sum) + hi;
        frac_products += lo;
    }
    let mut h = (sum - 1.0 + (frac_sum + frac_products)).sqrt();
    let (hi, lo) = two_prod(-h, h);
    let (s_hi, s_lo) = fast_two_sum(sum, hi);
    frac_sum += lo;
    frac_products += s_lo;
    let residual = s_hi - 1.0 + (frac_sum + frac_products);
    h += residual / (2.0 * h);
    h / scale
}
