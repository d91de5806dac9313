//! `float`: methods, arithmetic (CPython's floor division and modulo, its
//! errors for division by zero and overflow), parsing and the `float(...)`
//! constructor; its `repr` (shortest round-trip digits) is `repr.rs`.

use rlm_syntax::ast::BinOp;

use crate::args::{Kwargs, as_float};
use crate::fault::binop_err;
use crate::fault::{R, exc, type_err, value_err};
use crate::types::attr_error::no_attr_among;
use crate::types::str::py_isspace;
use crate::value::*;

pub(crate) mod hex;
pub(crate) mod order;
pub(crate) mod repr;

pub(crate) const FLOAT_METHODS: &[&str] = &["is_integer", "as_integer_ratio", "conjugate", "hex"];

pub(crate) fn float_method(recv: &Value, f: &f64, name: &str) -> R<Value> {
    match name {
        "is_integer" => Ok(Value::Bool(AlignedBool(f.is_finite() && f.fract() == 0.0))),
        "conjugate" => Ok(Value::Float(*f)),
        "hex" => Ok(Value::str(hex::float_hex(*f))),
        "as_integer_ratio" => {
            let (n, d) = integer_ratio(*f)?;
            Ok(Value::tuple(vec![Value::Int(n), Value::Int(d)]))
        }
        _ => no_attr_among(recv, name, FLOAT_METHODS.iter().copied()),
    }
}

/// `float.as_integer_ratio()`, in lowest terms, within the DSL's 64-bit ints.
fn integer_ratio(f: f64) -> R<(i64, i64)> {
    if f.is_nan() {
        return value_err("cannot convert NaN to integer ratio");
    }
    if f.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert Infinity to integer ratio");
    }
    if f == 0.0 {
        return Ok((0, 1));
    }
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mut m, mut e) =
        if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    let shift = (m.trailing_zeros() as i64).min((-e).max(0));
    m >>= shift;
    e += shift;
    let sign = if f < 0.0 { -1 } else { 1 };
    let (n, d) = if e >= 0 {
        (i64::try_from(m).ok().and_then(|m| m.checked_mul(1i64.checked_shl(e as u32)?)), Some(1))
    } else {
        (i64::try_from(m).ok(), (e > -63).then(|| 1i64 << -e))
    };
    match (n.and_then(|n| n.checked_mul(sign)), d) {
        (Some(n), Some(d)) if e < 63 => Ok((n, d)),
        _ => crate::types::int::overflow(),
    }
}

/// CPython's float floor division (`float_floor_div`): from `fmod`, so
/// `1.5 // 0.1` is 14.0 (the true quotient is just below 15) and
/// `1.5 // -inf` is -1.0.
fn floordiv_f(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && (b < 0.0) != (m < 0.0) {
        div -= 1.0;
    }
    if div == 0.0 {
        return 0.0f64.copysign(a / b);
    }
    let floor = div.floor();
    if div - floor > 0.5 { floor + 1.0 } else { floor }
}

pub fn mod_f(a: f64, b: f64) -> R<f64> {
    if b == 0.0 {
        return exc(ExcKind::ZeroDivisionError, "float modulo");
    }
    let mut m = a % b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    Ok(m)
}

/// `a op b` once both are numbers and one is a float: `x`, `y` are their values.
#[inline]
pub(crate) fn float_binary(op: BinOp, a: &Value, b: &Value, x: f64, y: f64) -> R<Value> {
    use Value::*;
    Ok(Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mult => x * y,
        BinOp::Div => {
            if y == 0.0 {
                return exc(ExcKind::ZeroDivisionError, "float division by zero");
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return exc(ExcKind::ZeroDivisionError, "float floor division by zero");
            }
            floordiv_f(x, y)
        }
        BinOp::Mod => mod_f(x, y)?,
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 && y.is_finite() {
                return exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power");
            }
            if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
                return value_err("complex numbers are not supported");
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return exc(ExcKind::OverflowError, "(34, 'Numerical result out of range')");
            }
            r
        }
        _ => return binop_err(op, a, b),
    }))
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim_matches(py_isspace);
    // Longer than any word it reads (`-infinity`), a text with a byte no
    // number holds fails before it is copied (a 4 MiB text was copied four
    // times to fail, issue #77).
    if t.len() > 16
        && !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let (sign, body) = match lower.strip_prefix('-') {
        Some(r) => (-1.0, r.to_string()),
        None => (1.0, lower.strip_prefix('+').unwrap_or(&lower).to_string()),
    };
    match body.as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN.copysign(sign)),
        _ => {}
    }
    // An underscore only between two digits (`1_0.5`, not `1_e5`).
    let bytes = body.as_bytes();
    let lone = |i: usize| {
        i == 0
            || i + 1 == bytes.len()
            || !bytes[i - 1].is_ascii_digit()
            || !bytes[i + 1].is_ascii_digit()
    };
    if body.is_empty() || (0..bytes.len()).any(|i| bytes[i] == b'_' && lone(i)) {
        return None;
    }
    if !body.chars().all(|c| c.is_ascii_digit() || "._e+-".contains(c)) {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok().map(|f| sign * f)
}

/// The ASCII form of a number's text (`ascii_numeral`), each non-ASCII
/// character looked up in the tables paid first.
pub(crate) fn numeral<'s>(
    meter: &mut crate::meter::Meter,
    s: &'s Str,
) -> R<std::borrow::Cow<'s, str>> {
    if !s.is_ascii() {
        let wide = s.as_str().bytes().filter(|b| !b.is_ascii()).count();
        meter.charge_work(crate::cost::UNICODE_LOOKUP, wide, s.byte_len())?;
    }
    Ok(crate::unicode::ascii_numeral(s.as_str()))
}

/// `float(x)`.
pub(crate) fn float_new(
    meter: &mut crate::meter::Meter,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    if !kwargs.is_empty() {
        return type_err("float() takes no keyword arguments");
    }
    if args.len() > 1 {
        return type_err(format!("float expected at most 1 argument, got {}", args.len()));
    }
    match args.first() {
        None => Ok(Value::Float(0.0)),
        Some(Value::Str(s)) => match parse_float(&numeral(meter, s)?) {
            Some(f) => Ok(Value::Float(f)),
            // CPython quotes the whole text (int's message clips it): its
            // repr is charged per escape and held to the budget as any.
            None => value_err(format!(
                "could not convert string to float: {}",
                crate::types::str::repr::repr_str_alone(meter, s.as_str())?
            )),
        },
        Some(v) => match as_float(v) {
            Some(f) => Ok(Value::Float(f)),
            None => type_err(format!(
                "float() argument must be a string or a real number, not '{}'",
                v.type_name()
            )),
        },
    }
}

/// `float` in the value protocol.
pub(crate) struct FloatType;

impl crate::types::protocol::PyType for FloatType {
    type Data = f64;

    fn truth(data: &f64) -> bool {
        *data != 0.0
    }

    fn method_names(data: &f64) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        FLOAT_METHODS.into()
    }

    fn method_cost(data: &f64, name: &str) -> crate::cost::Cost {
        let _ = (data, name);
        crate::cost::FREE
    }

    fn arity_key(data: &f64) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_FLOAT)
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &f64, walk: &mut W) -> R<()> {
        walk.out().push_str(&repr::float_repr(*data));
        Ok(())
    }

    fn data_attr(data: &f64, name: &str) -> Option<Value> {
        match name {
            "real" => Some(Value::Float(*data)),
            "imag" => Some(Value::Float(0.0)),
            _ => None,
        }
    }

    fn hash<W: crate::types::protocol::HashWalk>(data: &f64, walk: &mut W) -> Option<()> {
        use std::hash::Hash;
        // An integral float in the ints' range hashes as the int it equals
        // (`{2.0**62: 1}[2**62]`), as in CPython; no float outside it
        // equals an int.
        if data.fract() == 0.0
            && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(data)
        {
            (*data as i64).hash(walk.state())
        } else {
            data.to_bits().hash(walk.state())
        }
        Some(())
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &f64,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let _ = walk;
        let int = |i: i64| order::cmp_int_float(i, *data) == Some(std::cmp::Ordering::Equal);
        Some(match other {
            Value::Float(y) => data == y,
            Value::Int(i) => int(*i),
            Value::Bool(AlignedBool(b)) => (*b as i64 as f64) == *data,
            Value::Native(n) => n.as_int().is_some_and(int),
            _ => false,
        })
    }

    fn unary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::UnaryOp,
        data: &f64,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::UnaryOp;
        let _ = cx;
        match op {
            UnaryOp::Neg => Some(Ok(Value::Float(-data))),
            UnaryOp::Pos => Some(Ok(Value::Float(*data))),
            UnaryOp::Invert | UnaryOp::Not => None,
        }
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &f64,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = (cx, args, kwargs);
        float_method(recv, data, name)
    }
}
