//! The `math` module: real functions (domain and range errors as CPython
//! raises them), integer functions on 64-bit ints (`gcd`, `comb`, ... with
//! overflow errors), and aggregates (`fsum` exactly rounded, `prod`, `hypot`).

mod norm;

use rlm_syntax::ast::BinOp;

use crate::args::{Kwargs, as_float, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::modules::function::functions;
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let mut a = functions(
        "math",
        &[
            "sqrt",
            "floor",
            "ceil",
            "log",
            "log2",
            "log10",
            "log1p",
            "exp",
            "pow",
            "fabs",
            "isnan",
            "isinf",
            "isfinite",
            "gcd",
            "lcm",
            "factorial",
            "comb",
            "perm",
            "trunc",
            "sin",
            "cos",
            "tan",
            "asin",
            "acos",
            "atan",
            "atan2",
            "hypot",
            "prod",
            "fsum",
            "isclose",
            "copysign",
            "degrees",
            "radians",
            "modf",
            "dist",
            "isqrt",
            "expm1",
            "asinh",
            "acosh",
            "atanh",
            "sinh",
            "cosh",
            "tanh",
            "fmod",
            "remainder",
            "frexp",
            "ldexp",
        ],
    );
    a.extend([
        ("pi", Value::Float(std::f64::consts::PI)),
        ("e", Value::Float(std::f64::consts::E)),
        ("tau", Value::Float(std::f64::consts::TAU)),
        ("inf", Value::Float(f64::INFINITY)),
        ("nan", Value::Float(f64::NAN)),
    ]);
    a
}

fn num(v: Option<&Value>) -> R<f64> {
    match v.and_then(as_float) {
        Some(f) => Ok(f),
        None => type_err(format!(
            "must be real number, not {}",
            v.map(|v| v.type_name()).unwrap_or("nothing")
        )),
    }
}

fn domain<T>() -> R<T> {
    value_err("math domain error")
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "gcd" | "lcm" | "factorial" | "comb" | "perm" | "isqrt" => integer_fn(name, &args),
        "hypot" | "dist" | "prod" | "fsum" | "isclose" => aggregate_fn(cx, name, &args, &kwargs),
        "floor" | "ceil" | "trunc" => rounding_fn(name, args.first()),
        "log" => log(&args),
        // Unchecked in CPython: `degrees(1e308)` is inf.
        "degrees" => Ok(Value::Float(num(args.first())?.to_degrees())),
        "isnan" => Ok(Value::Bool(AlignedBool(num(args.first())?.is_nan()))),
        "isinf" => Ok(Value::Bool(AlignedBool(num(args.first())?.is_infinite()))),
        "isfinite" => Ok(Value::Bool(AlignedBool(num(args.first())?.is_finite()))),
        "modf" => {
            let v = num(args.first())?;
            // C's modf: the fraction keeps the sign (`modf(-3.0)` is `(-0.0, -3.0)`;
            // `fract` gives +0.0 there).
            let frac = if v.is_infinite() { 0.0f64.copysign(v) } else { v.fract().copysign(v) };
            Ok(Value::tuple(vec![Value::Float(frac), Value::Float(v.trunc())]))
        }
        "frexp" => frexp(num(args.first())?),
        "ldexp" => ldexp(&args),
        "pow" | "atan2" | "copysign" | "fmod" | "remainder" => {
            real2(name, num(args.first())?, num(args.get(1))?).map(Value::Float)
        }
        _ => match real1(name) {
            Some((f, can_overflow)) => {
                let x = num(args.first())?;
                checked(x, f(x), can_overflow).map(Value::Float)
            }
            None => {
                exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'"))
            }
        },
    }
}

/// A function of one real.
type Real1 = fn(f64) -> f64;

/// The functions of one real, and whether a finite argument may give an
/// infinite result that is a range error (CPython's `math_1`).
fn real1(name: &str) -> Option<(Real1, bool)> {
    Some(match name {
        "sqrt" => (f64::sqrt, false),
        "exp" => (f64::exp, true),
        "expm1" => (f64::exp_m1, true),
        "log2" => (f64::log2, false),
        "log10" => (f64::log10, false),
        "log1p" => (f64::ln_1p, false),
        "fabs" => (f64::abs, false),
        "sin" => (f64::sin, false),
        "cos" => (f64::cos, false),
        "tan" => (f64::tan, false),
        "asin" => (f64::asin, false),
        "acos" => (f64::acos, false),
        "atan" => (f64::atan, false),
        "sinh" => (f64::sinh, true),
        "cosh" => (f64::cosh, true),
        "tanh" => (f64::tanh, false),
        "asinh" => (asinh, false),
        "acosh" => (acosh, false),
        "atanh" => (f64::atanh, false),
        "radians" => (f64::to_radians, false),
        _ => return None,
    })
}

/// Past 2**28, `ln(2x)` is exact to the last bit and `x*x` would overflow.
const BIG: f64 = 268_435_456.0;

fn asinh(x: f64) -> f64 {
    if x.abs() > BIG { (x.abs().ln() + std::f64::consts::LN_2).copysign(x) } else { x.asinh() }
}

fn acosh(x: f64) -> f64 {
    if x > BIG { x.ln() + std::f64::consts::LN_2 } else { x.acosh() }
}

/// CPython's errors for a real function's result `r` of `x`: NaN from a
/// number is a domain error; an infinity from a finite number is a range
/// error where the function can overflow, else a domain error (`log(0)`).
fn checked(x: f64, r: f64, can_overflow: bool) -> R<f64> {
    if r.is_nan() && !x.is_nan() {
        return domain();
    }
    if r.is_infinite() && x.is_finite() {
        return if can_overflow { range() } else { domain() };
    }
    Ok(r)
}

fn range<T>() -> R<T> {
    exc(ExcKind::OverflowError, "math range error")
}

/// `floor`, `ceil`, `trunc`: an int (64-bit here).
fn rounding_fn(name: &str, a0: Option<&Value>) -> R<Value> {
    if let Some(i) = a0.and_then(as_int) {
        return Ok(Value::Int(i));
    }
    let x = num(a0)?;
    crate::types::int::integral_float_to_int(match name {
        "floor" => x.floor(),
        "ceil" => x.ceil(),
        _ => x.trunc(),
    })
}

/// `log(x[, base])`: `ln(x) / ln(base)`, each checked as CPython does.
fn log(args: &[Value]) -> R<Value> {
    let ln = |v: &Value| -> R<f64> {
        let x = num(Some(v))?;
        if x.is_nan() {
            Ok(x)
        } else if x <= 0.0 {
            domain()
        } else {
            Ok(x.ln())
        }
    };
    let x = ln(args.first().unwrap_or(&Value::None))?;
    match args.get(1) {
        None => Ok(Value::Float(x)),
        Some(b) => {
            let b = ln(b)?;
            if b == 0.0 {
                return exc(ExcKind::ZeroDivisionError, "float division by zero");
            }
            Ok(Value::Float(x / b))
        }
    }
}

/// The functions of two reals, with CPython's errors.
fn real2(name: &str, x: f64, y: f64) -> R<f64> {
    match name {
        "pow" => {
            let r = x.powf(y);
            if x.is_finite() && y.is_finite() && !r.is_finite() {
                return if r.is_nan() || x == 0.0 { domain() } else { range() };
            }
            Ok(r)
        }
        "atan2" => Ok(x.atan2(y)),
        "copysign" => Ok(x.copysign(y)),
        "fmod" => {
            if y.is_infinite() && x.is_finite() {
                return Ok(x);
            }
            let r = x % y;
            if r.is_nan() && !x.is_nan() && !y.is_nan() { domain() } else { Ok(r) }
        }
        _ => remainder(x, y),
    }
}

/// IEEE 754 remainder (CPython's `m_remainder`): `x - n*y`, `n` the
/// nearest integer to `x/y`, ties to even.
fn remainder(x: f64, y: f64) -> R<f64> {
    if x.is_nan() || y.is_nan() {
        return Ok(f64::NAN);
    }
    if x.is_infinite() || y == 0.0 {
        return domain();
    }
    if y.is_infinite() {
        return Ok(x);
    }
    let (ax, ay) = (x.abs(), y.abs());
    let m = ax % ay;
    let c = ay - m;
    let r = if m < c {
        m
    } else if m > c {
        -c
    } else {
        m - 2.0 * ((0.5 * (ax - m)) % ay)
    };
    Ok(1f64.copysign(x) * r)
}

fn frexp(v: f64) -> R<Value> {
    if v == 0.0 || !v.is_finite() {
        return Ok(Value::tuple(vec![Value::Float(v), Value::Int(0)]));
    }
    // Read off the bits (a subnormal first scaled into the normal range):
    // dividing by 2**e overflowed to 0.0 for the largest floats.
    let (v, scaled) = if v.abs() < f64::MIN_POSITIVE { (v * 2f64.powi(54), -54) } else { (v, 0) };
    let bits = v.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1022 + scaled;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    Ok(Value::tuple(vec![Value::Float(m), Value::Int(e)]))
}

/// `ldexp(x, i)`: `x * 2**i`, scaled in steps that stay in range (one
/// power of two past ±1023 is 0 or inf), a range error past the floats.
fn ldexp(args: &[Value]) -> R<Value> {
    let x = num(args.first())?;
    let Some(mut e) = args.get(1).and_then(as_int) else {
        return type_err("Expected an int as second argument to ldexp.");
    };
    let mut r = x;
    e = e.clamp(-4000, 4000);
    while e != 0 && r != 0.0 && r.is_finite() {
        let step = e.clamp(-1000, 1000);
        r *= 2f64.powi(step as i32);
        e -= step;
    }
    if r.is_infinite() && x.is_finite() {
        return range();
    }
    Ok(Value::Float(r))
}

/// The integer functions (64-bit; overflow is an `OverflowError`).
fn integer_fn(name: &str, args: &[Value]) -> R<Value> {
    let a0 = args.first();
    match name {
        "gcd" | "lcm" => {
            let mut ints = Vec::with_capacity(args.len());
            for a in args {
                let Some(v) = as_int(a) else {
                    return type_err(format!(
                        "'{}' object cannot be interpreted as an integer",
                        a.type_name()
                    ));
                };
                ints.push(v);
            }
            let overflow =
                || Fault::Exc(Exception::new(ExcKind::OverflowError, "integer overflow"));
            if name == "gcd" {
                // In magnitudes: only the result must fit (gcd(-2**63, 6) is 2).
                let g = ints.iter().fold(0, |g, v| gcd(g, v.unsigned_abs()));
                return i64::try_from(g).map(Value::Int).map_err(|_| overflow());
            }
            let mut acc: u64 = 1;
            for v in ints {
                if v == 0 || acc == 0 {
                    acc = 0;
                    continue;
                }
                let m = v.unsigned_abs();
                acc = (acc / gcd(acc, m)).checked_mul(m).ok_or_else(overflow)?;
            }
            i64::try_from(acc).map(Value::Int).map_err(|_| overflow())
        }
        "factorial" => {
            let n = int_arg(a0)?;
            if n < 0 {
                return value_err("factorial() not defined for negative values");
            }
            let mut acc: i64 = 1;
            for k in 2..=n {
                acc = acc.checked_mul(k).ok_or_else(|| {
                    Fault::Exc(Exception::new(
                        ExcKind::OverflowError,
                        "integer overflow: integers here are 64-bit",
                    ))
                })?;
            }
            Ok(Value::Int(acc))
        }
        "comb" | "perm" => {
            if args.len() != 2 && !(name == "perm" && args.len() == 1) {
                return type_err(format!("{name} expected 2 arguments, got {}", args.len()));
            }
            let n = int_arg(a0)?;
            let k = match args.get(1) {
                Some(Value::None) | None => n,
                Some(k) => int_arg(Some(k))?,
            };
            if n < 0 {
                return value_err("n must be a non-negative integer");
            }
            if k < 0 {
                return value_err("k must be a non-negative integer");
            }
            if k > n {
                return Ok(Value::Int(0));
            }
            let mut acc: i128 = 1;
            let kk = if name == "comb" { k.min(n - k) } else { k };
            for i in 0..kk {
                acc *= (n - i) as i128;
                if name == "comb" {
                    acc /= (i + 1) as i128;
                }
                if acc > i64::MAX as i128 {
                    return exc(
                        ExcKind::OverflowError,
                        "integer overflow: integers here are 64-bit",
                    );
                }
            }
            Ok(Value::Int(acc as i64))
        }
        "isqrt" => {
            let n = int_arg(a0)?;
            if n < 0 {
                return value_err("isqrt() argument must be nonnegative");
            }
            let mut r = (n as f64).sqrt() as i64;
            while r * r > n {
                r -= 1;
            }
            while (r + 1).checked_mul(r + 1).is_some_and(|s| s <= n) {
                r += 1;
            }
            Ok(Value::Int(r))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'")),
    }
}

/// Functions of several numbers or of an iterable.
/// The Euclidean norm of non-negative values (`norm.rs`).
fn norm_of(mut values: Vec<f64>) -> f64 {
    let max = values.iter().copied().filter(|v| !v.is_nan()).fold(0.0f64, f64::max);
    let found_nan = values.iter().any(|v| v.is_nan());
    norm::norm(&mut values, max, found_nan)
}

fn aggregate_fn<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let a0 = args.first();
    let x = || num(a0);
    let fl = |v: f64| Ok(Value::Float(v));
    match name {
        "hypot" => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(num(Some(a))?.abs());
            }
            fl(norm_of(vals))
        }
        "dist" => {
            let p = cx.iterate(a0.unwrap_or(&Value::None))?;
            let q = cx.iterate(args.get(1).unwrap_or(&Value::None))?;
            if p.len() != q.len() {
                return value_err("both points must have the same number of dimensions");
            }
            let mut diffs = Vec::with_capacity(p.len());
            for (a, b) in p.iter().zip(q.iter()) {
                diffs.push((num(Some(a))? - num(Some(b))?).abs());
            }
            fl(norm_of(diffs))
        }
        "prod" => {
            let items = cx.iterate(a0.unwrap_or(&Value::None))?;
            let mut acc = kw(kwargs, "start").cloned().unwrap_or(Value::Int(1));
            for it in items {
                acc = cx.binary(BinOp::Mult, &acc, &it)?;
            }
            Ok(acc)
        }
        "fsum" => {
            let items = cx.iterate(a0.unwrap_or(&Value::None))?;
            // Neumaier summation (exactly rounded for typical inputs).
            let mut sum = 0.0f64;
            let mut c = 0.0f64;
            // CPython's rules: infinities and NaNs are summed apart.
            let (mut special, mut infs) = (0.0f64, 0.0f64);
            for it in items {
                let v = num(Some(&it))?;
                if !v.is_finite() {
                    special += v;
                    if v.is_infinite() {
                        infs += v;
                    }
                    continue;
                }
                let t = sum + v;
                if sum.abs() >= v.abs() {
                    c += (sum - t) + v;
                } else {
                    c += (v - t) + sum;
                }
                sum = t;
                if sum.is_infinite() {
                    return exc(ExcKind::OverflowError, "intermediate overflow in fsum");
                }
            }
            if special != 0.0 || special.is_nan() {
                if infs.is_nan() {
                    return value_err("-inf + inf in fsum");
                }
                return fl(special);
            }
            fl(sum + c)
        }
        "isclose" => {
            let (a, b) = (x()?, num(args.get(1))?);
            let rel = kw(kwargs, "rel_tol").and_then(as_float).unwrap_or(1e-9);
            let abs_tol = kw(kwargs, "abs_tol").and_then(as_float).unwrap_or(0.0);
            if rel < 0.0 || abs_tol < 0.0 {
                return value_err("tolerances must be non-negative");
            }
            // As CPython: an infinity is close only to itself (`inf - 0.0`
            // is within `rel * inf`).
            let close = a == b
                || (a.is_finite()
                    && b.is_finite()
                    && (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs_tol));
            Ok(Value::Bool(AlignedBool(close)))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'")),
    }
}

/// An int argument, or CPython's TypeError for another value.
fn int_arg(v: Option<&Value>) -> R<i64> {
    match v.and_then(as_int) {
        Some(i) => Ok(i),
        None => type_err(format!(
            "'{}' object cannot be interpreted as an integer",
            v.map_or("NoneType", |v| v.type_name())
        )),
    }
}

/// The greatest common divisor of two magnitudes (`gcd(-2**63, 0)` is
/// 2**63, which the caller refuses: it wrapped to -2**63 once).
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}
