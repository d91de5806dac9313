//! `repr(float)` as CPython writes it: the shortest digits that read back
//! as the same float. A function of the number alone, apart from the float
//! type's behaviour (`mod.rs`), so that the repr walk (`format/repr.rs`)
//! names no more of the type than this (issue #59).

/// Shortest round-trip digits and decimal exponent of a finite, non-zero float.
pub(crate) fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    // When two digit strings of that length round-trip (an exact tie such as
    // 1000000000000000.25), CPython keeps the one nearest the true value,
    // ties to even; `{:.Ne}` rounds exactly that way. Two candidates can only
    // both round-trip when the spacing of doubles reaches the last digit,
    // which takes 16 digits or more (2^-52 is about 2.2e-16).
    if digits.len() < 15 {
        return (digits, exp);
    }
    let nearest = format!("{:.*e}", digits.len() - 1, f.abs());
    if nearest.parse::<f64>() == Ok(f.abs()) && nearest != s {
        let (mant, exp) = nearest.split_once('e').unwrap_or((&nearest, "0"));
        let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        return (digits, exp.parse().unwrap_or(0));
    }
    (digits, exp)
}

/// `repr(float)` exactly as CPython.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let (digits, exp) = shortest_digits(f);
    let sign = if f < 0.0 { "-" } else { "" };
    let n = digits.len() as i32;
    if (-4..16).contains(&exp) {
        let mut out = String::from(sign);
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if exp + 1 >= n {
            out.push_str(&digits);
            for _ in 0..(exp + 1 - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        }
        out
    } else {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
        out
    }
}
