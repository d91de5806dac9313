//! `int` (and `bool`, which acts as an int): methods, arithmetic with
//! CPython's floor semantics on 64-bit values (overflow is an `OverflowError`,
//! never a wrap), parsing and the `int(...)` constructor.

use rlm_syntax::ast::BinOp;

use crate::args::{Kwargs, as_int, kw};
use crate::fault::binop_err;
use crate::fault::{R, exc, type_err, value_err};
use crate::types::attr_error::no_attr_among;
use crate::types::str::py_isspace;
use crate::value::*;

pub(crate) const INT_METHODS: &[&str] =
    &["bit_length", "bit_count", "as_integer_ratio", "to_bytes", "conjugate"];

pub(crate) fn int_method(recv: &Value, i: &i64, name: &str) -> R<Value> {
    match name {
        "bit_length" => Ok(Value::Int(64 - i.unsigned_abs().leading_zeros() as i64)),
        "bit_count" => Ok(Value::Int(i.unsigned_abs().count_ones() as i64)),
        "conjugate" => Ok(Value::Int(*i)),
        "as_integer_ratio" => Ok(Value::tuple(vec![Value::Int(*i), Value::Int(1)])),
        _ => no_attr_among(recv, name, INT_METHODS.iter().copied()),
    }
}

/// A float already rounded to an integral value (`floor`, `round`, `int`'s
/// truncation) as an int: CPython's errors for NaN and infinity (which
/// rounding keeps), and the DSL's 64-bit range (-2**63 fits, 2**63 does not).
pub(crate) fn integral_float_to_int(f: f64) -> R<Value> {
    if f.is_nan() {
        return value_err("cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert float infinity to integer");
    }
    if !(-(2f64.powi(63))..2f64.powi(63)).contains(&f) {
        return exc(ExcKind::OverflowError, "integer overflow: integers here are 64-bit");
    }
    Ok(Value::Int(f as i64))
}

pub(crate) fn overflow<T>() -> R<T> {
    exc(
        ExcKind::OverflowError,
        "integer overflow: integers here are 64-bit (range -9223372036854775808..9223372036854775807)",
    )
}

/// `a / b` correctly rounded, as CPython divides ints: converting first
/// rounds twice once either is past 2**53 (`66666666666666666 / 3`).
fn true_div_i(a: i64, b: i64) -> f64 {
    const EXACT: u64 = 1 << 53;
    let (n, d) = (a.unsigned_abs() as u128, b.unsigned_abs() as u128);
    if n <= EXACT as u128 && d <= EXACT as u128 || n == 0 {
        return a as f64 / b as f64;
    }
    // Scale so the quotient has 55-56 bits; a remainder sets the lowest
    // (sticky) bit, so the one rounding to 53 bits is the right one.
    let bits = |v: u128| 128 - v.leading_zeros() as i32;
    let shift = 55 + bits(d) - bits(n);
    let (n, d) = if shift >= 0 { (n << shift, d) } else { (n, d << -shift) };
    let q = (n / d) | u128::from(n % d != 0);
    let magnitude = q as f64 * 2f64.powi(-shift);
    if (a < 0) != (b < 0) { -magnitude } else { magnitude }
}

pub fn floordiv_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return exc(ExcKind::ZeroDivisionError, "integer division or modulo by zero");
    }
    let Some(q) = a.checked_div(b) else { return overflow() };
    if (a % b != 0) && ((a < 0) != (b < 0)) { Ok(q - 1) } else { Ok(q) }
}

pub fn mod_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return exc(ExcKind::ZeroDivisionError, "integer modulo by zero");
    }
    let r = a.checked_rem(b).unwrap_or(0);
    if r != 0 && ((r < 0) != (b < 0)) { Ok(r + b) } else { Ok(r) }
}

pub fn pow_i(a: i64, b: i64) -> R<Value> {
    if b < 0 {
        if a == 0 {
            return exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power");
        }
        return Ok(Value::Float((a as f64).powf(b as f64)));
    }
    let Ok(e) = u32::try_from(b) else {
        return match a {
            0 | 1 => Ok(Value::Int(a)),
            -1 => Ok(Value::Int(if b % 2 == 0 { 1 } else { -1 })),
            _ => overflow(),
        };
    };
    match a.checked_pow(e) {
        Some(v) => Ok(Value::Int(v)),
        None => overflow(),
    }
}

/// `a op b` for two ints (or bools): `x`, `y` are their values.
#[inline]
pub(crate) fn int_binary(op: BinOp, a: &Value, b: &Value, x: i64, y: i64) -> R<Value> {
    use Value::*;
    if !matches!((a, b), (Bool(_), Bool(_)))
        || !matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
    {
        return Ok(match op {
            BinOp::Add => Int(x.checked_add(y).map_or_else(overflow, Ok)?),
            BinOp::Sub => Int(x.checked_sub(y).map_or_else(overflow, Ok)?),
            BinOp::Mult => Int(x.checked_mul(y).map_or_else(overflow, Ok)?),
            BinOp::Div => {
                if y == 0 {
                    return exc(ExcKind::ZeroDivisionError, "division by zero");
                }
                Float(true_div_i(x, y))
            }
            BinOp::FloorDiv => Int(floordiv_i(x, y)?),
            BinOp::Mod => Int(mod_i(x, y)?),
            BinOp::Pow => pow_i(x, y)?,
            BinOp::LShift => {
                if y < 0 {
                    return value_err("negative shift count");
                }
                // Fits when shifting back gives `x` (`-2**63 << 0` does).
                if x == 0 {
                    Int(0)
                } else if y < 64 && (x << y) >> y == x {
                    Int(x << y)
                } else {
                    return overflow();
                }
            }
            BinOp::RShift => {
                if y < 0 {
                    return value_err("negative shift count");
                }
                Int(if y >= 64 { if x < 0 { -1 } else { 0 } } else { x >> y })
            }
            BinOp::BitAnd => Int(x & y),
            BinOp::BitOr => Int(x | y),
            BinOp::BitXor => Int(x ^ y),
            BinOp::MatMult => return binop_err(op, a, b),
        });
    }
    // bool & bool etc. stay bool.
    let (x, y) = (x != 0, y != 0);
    Ok(Bool(AlignedBool(match op {
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        _ => x ^ y,
    })))
}

pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    // The common case first: a short run of ASCII digits in base 10 (at
    // most 18 digits always fits an i64).
    if base == 10 && !s.is_empty() && s.len() <= 18 && s.bytes().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let t = s.trim_matches(py_isspace);
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    // A byte no digit, prefix or separator is fails before any copy; so do
    // a digit the base does not have and more significant digits than an
    // i128 holds in any base (issue #77: a 2 MB text went through five
    // copies, a character at a time, to fail).
    if !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    if base != 0 {
        let prefix = body.get(..2).map(str::to_ascii_lowercase);
        let skip = match (base, prefix.as_deref()) {
            (16, Some("0x")) | (8, Some("0o")) | (2, Some("0b")) => 2,
            _ => 0,
        };
        let digits = &body.as_bytes()[skip..];
        if !digits.iter().all(|&b| b == b'_' || char::from(b).is_digit(base)) {
            return None;
        }
        let significant =
            digits.iter().skip_while(|&&b| b == b'0' || b == b'_').filter(|&&b| b != b'_').count();
        if significant > 130 {
            return None;
        }
    }
    let mut base = base;
    let mut body = body.to_string();
    let lower = body.to_ascii_lowercase();
    for (p, b) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if (base == b || base == 0) && lower.starts_with(p) {
            body = body[2..].to_string();
            if let Some(r) = body.strip_prefix('_') {
                body = r.to_string();
            }
            base = b;
        }
    }
    if base == 0 {
        // Base 0 reads a literal: a decimal with a leading 0 must be all
        // zeros (`010` is an error, `0_0` is 0).
        if body.starts_with('0') && body.chars().any(|c| c != '0' && c != '_') {
            return None;
        }
        base = 10;
    }
    if body.is_empty()
        || body.starts_with(['_', '+', '-'])
        || body.ends_with('_')
        || body.contains("__")
        || body.contains(char::is_whitespace)
    {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let digits: String = digits
        .chars()
        .map(|c| {
            if c.is_numeric() {
                c.to_digit(10).map_or(c, |d| char::from_digit(d, 10).unwrap_or(c))
            } else {
                c
            }
        })
        .collect();
    // Read as a magnitude wider than i64, so that -2**63 fits.
    let v = i128::from_str_radix(&digits, base).ok()?;
    i64::try_from(if neg { -v } else { v }).ok()
}

/// `int(x)`, `int(s, base)`'s arguments, checked in CPython's order: how
/// many, then the keywords' names, then a base without a string.
fn int_args_check(args: &[Value], kwargs: &Kwargs) -> R<()> {
    let total = args.len() + kwargs.len();
    if total > 2 {
        let what = if args.is_empty() { "keyword arguments" } else { "arguments" };
        return type_err(format!("int() takes at most 2 {what} ({total} given)"));
    }
    if let Some((k, _)) = kwargs.iter().find(|(k, _)| k != "base") {
        return type_err(format!("'{k}' is an invalid keyword argument for int()"));
    }
    if args.is_empty() && !kwargs.is_empty() {
        return type_err("int() missing string argument");
    }
    Ok(())
}

/// `int(x)`, `int(s, base)`.
pub(crate) fn int_new(
    meter: &mut crate::meter::Meter,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    int_args_check(args, kwargs)?;
    let base = match args.get(1).or_else(|| kw(kwargs, "base")) {
        Some(b) => match as_int(b) {
            Some(b) => Some(b),
            None => {
                return type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    b.type_name()
                ));
            }
        },
        None => None,
    };
    match args.first() {
        None => Ok(Value::Int(0)),
        Some(Value::Str(s)) => {
            let b = base.unwrap_or(10);
            if !(b == 0 || (2..=36).contains(&b)) {
                return value_err("int() base must be >= 2 and <= 36, or 0");
            }
            match parse_int(&crate::types::float::numeral(meter, s)?, b as u32) {
                Some(i) => Ok(Value::Int(i)),
                // Valid digits, too many of them: ints are 64-bit here.
                None if b == 10
                    && s.as_str().trim().trim_start_matches(['+', '-']).len() > 18
                    && s.as_str()
                        .trim()
                        .trim_start_matches(['+', '-'])
                        .bytes()
                        .all(|c| c.is_ascii_digit() || c == b'_') =>
                {
                    exc(
                        ExcKind::OverflowError,
                        format!(
                            "int() of a {}-digit number: ints are 64-bit in this sandbox",
                            s.as_str().trim().trim_start_matches(['+', '-']).len()
                        ),
                    )
                }
                // CPython's `%.200R`: the repr's first 200 characters.
                None => value_err(format!(
                    "invalid literal for int() with base {}: {}",
                    b,
                    crate::types::str::repr::repr_str_head(s.as_str(), 200)
                )),
            }
        }
        Some(_) if base.is_some() => type_err("int() can't convert non-string with explicit base"),
        Some(Value::Float(f)) => integral_float_to_int(f.trunc()),
        Some(v) if as_int(v).is_some() => Ok(Value::Int(as_int(v).unwrap_or(0))),
        Some(v) => type_err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            v.type_name()
        )),
    }
}

/// `i == other` for an int (or a bool, as its int): another int, a bool,
/// a float (exact at every magnitude: `2**63 - 1 != 2.0**63`, as CPython)
/// or an int-like module object (`re.IGNORECASE == 2`).
fn int_eq(i: i64, other: &Value) -> bool {
    match other {
        Value::Int(y) => i == *y,
        Value::Bool(AlignedBool(y)) => i == *y as i64,
        Value::Float(y) => {
            crate::types::float::order::cmp_int_float(i, *y) == Some(std::cmp::Ordering::Equal)
        }
        Value::Native(n) => n.as_int() == Some(i),
        _ => false,
    }
}

/// An int's data attributes (a bool's too, as CPython's: `True.real` is 1).
fn int_data_attr(i: i64, name: &str) -> Option<Value> {
    Some(Value::Int(match name {
        "real" | "numerator" => i,
        "imag" => 0,
        "denominator" => 1,
        _ => return None,
    }))
}

/// `-i`, `+i` or `~i` (`not` is the machine's).
pub(crate) fn int_unary(op: rlm_syntax::ast::UnaryOp, i: i64) -> R<Value> {
    use rlm_syntax::ast::UnaryOp;
    match op {
        UnaryOp::Neg => i.checked_neg().map_or_else(overflow, |x| Ok(Value::Int(x))),
        UnaryOp::Invert => Ok(Value::Int(!i)),
        UnaryOp::Pos | UnaryOp::Not => Ok(Value::Int(i)),
    }
}

/// `int` in the value protocol.
pub(crate) struct IntType;

impl crate::types::protocol::PyType for IntType {
    type Data = i64;

    fn truth(data: &i64) -> bool {
        *data != 0
    }

    fn method_names(data: &i64) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        INT_METHODS.into()
    }

    fn method_cost(data: &i64, name: &str) -> crate::cost::Cost {
        let _ = (data, name);
        crate::cost::FREE
    }

    fn arity_key(data: &i64) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_INT)
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &i64, walk: &mut W) -> R<()> {
        walk.out().push_str(&data.to_string());
        Ok(())
    }

    fn data_attr(data: &i64, name: &str) -> Option<Value> {
        int_data_attr(*data, name)
    }

    fn hash<W: crate::types::protocol::HashWalk>(data: &i64, walk: &mut W) -> Option<()> {
        use std::hash::Hash;
        data.hash(walk.state());
        Some(())
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &i64,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let _ = walk;
        Some(int_eq(*data, other))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &i64,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = (cx, args, kwargs);
        int_method(recv, data, name)
    }

    fn unary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::UnaryOp,
        data: &i64,
    ) -> Option<R<Value>> {
        let _ = cx;
        Some(int_unary(op, *data))
    }
}

/// `bool`, whose methods are its int's, in the value protocol.
pub(crate) struct BoolType;

impl crate::types::protocol::PyType for BoolType {
    type Data = bool;

    fn truth(data: &bool) -> bool {
        *data
    }

    fn method_names(data: &bool) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        INT_METHODS.into()
    }

    fn method_cost(data: &bool, name: &str) -> crate::cost::Cost {
        let _ = (data, name);
        crate::cost::FREE
    }

    fn arity_key(data: &bool) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_INT)
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &bool, walk: &mut W) -> R<()> {
        walk.out().push_str(if *data { "True" } else { "False" });
        Ok(())
    }

    fn data_attr(data: &bool, name: &str) -> Option<Value> {
        int_data_attr(*data as i64, name)
    }

    fn hash<W: crate::types::protocol::HashWalk>(data: &bool, walk: &mut W) -> Option<()> {
        use std::hash::Hash;
        // As the int it equals.
        (*data as i64).hash(walk.state());
        Some(())
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &bool,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let _ = walk;
        Some(match other {
            Value::Bool(AlignedBool(y)) => data == y,
            Value::Float(y) => (*data as i64 as f64) == *y,
            _ => int_eq(*data as i64, other),
        })
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &bool,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = (cx, args, kwargs);
        int_method(recv, &(*data as i64), name)
    }

    fn unary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::UnaryOp,
        data: &bool,
    ) -> Option<R<Value>> {
        let _ = cx;
        Some(int_unary(op, *data as i64))
    }
}
