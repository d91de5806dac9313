//! An int and a float in order, exactly: what `==`, `<`, sorting and the
//! other comparisons of the two types share. Names nothing of the types'
//! behaviour, so that the equality walk can use it.

/// An int and a float compared exactly, at any magnitude, as CPython's
/// `float_richcompare` compares them (`2**63 - 1 < 2.0**63`, `2**53 + 1 >
/// 2.0**53`): `None` when the float is NaN, which orders with nothing.
pub(crate) fn cmp_int_float(i: i64, f: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if f.is_nan() {
        return None;
    }
    // 2**63: every float at or past it is above every i64, and every float
    // below -2**63 is under them.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    // In range: the float's integer part is an i64 exactly; its fraction
    // decides a tie.
    let whole = f.trunc();
    Some(i.cmp(&(whole as i64)).then_with(|| {
        let frac = f - whole;
        if frac > 0.0 {
            Ordering::Less
        } else if frac < 0.0 {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }))
}
