//! The `math` module: real functions (domain and range errors as CPython
//! raises them), integer functions on 64-bit ints (`gcd`, `comb`, ... with
//! overflow errors), and aggregates (`fsum` exactly rounded, `prod`, `hypot`).

use rlm_syntax::ast::BinOp;

use crate::args::{Kwargs, as_float, as_int, kw};
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::modules::functions;
use crate::value::*;
use crate::vm::Vm;

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

pub(crate) fn call(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let a0 = args.first();
    let x = || num(a0);
    let fl = |v: f64| Ok(Value::Float(v));
    match name {
        "gcd" | "lcm" | "factorial" | "comb" | "perm" | "isqrt" => integer_fn(name, &args),
        "hypot" | "dist" | "prod" | "fsum" | "isclose" => aggregate_fn(vm, name, &args, &kwargs),
        "sqrt" => {
            let x = x()?;
            if x < 0.0 { domain() } else { fl(x.sqrt()) }
        }
        "floor" | "ceil" | "trunc" => {
            if let Some(i) = a0.and_then(as_int) {
                return Ok(Value::Int(i));
            }
            let x = x()?;
            if !x.is_finite() {
                return exc(
                    if x.is_nan() { ExcKind::ValueError } else { ExcKind::OverflowError },
                    if x.is_nan() {
                        "cannot convert float NaN to integer"
                    } else {
                        "cannot convert float infinity to integer"
                    },
                );
            }
            let r = match name {
                "floor" => x.floor(),
                "ceil" => x.ceil(),
                _ => x.trunc(),
            };
            Ok(Value::Int(r as i64))
        }
        "log" => {
            let x = x()?;
            if x <= 0.0 {
                return domain();
            }
            match args.get(1) {
                Some(b) => {
                    let b = num(Some(b))?;
                    if b <= 0.0 || b == 1.0 {
                        return if b == 1.0 {
                            exc(ExcKind::ZeroDivisionError, "float division by zero")
                        } else {
                            domain()
                        };
                    }
                    fl(x.ln() / b.ln())
                }
                None => fl(x.ln()),
            }
        }
        "log2" | "log10" | "log1p" => {
            let x = x()?;
            if (name != "log1p" && x <= 0.0) || (name == "log1p" && x <= -1.0) {
                return domain();
            }
            fl(match name {
                "log2" => x.log2(),
                "log10" => x.log10(),
                _ => x.ln_1p(),
            })
        }
        "exp" => {
            let r = x()?.exp();
            if r.is_infinite() { exc(ExcKind::OverflowError, "math range error") } else { fl(r) }
        }
        "expm1" => fl(x()?.exp_m1()),
        "pow" => fl(x()?.powf(num(args.get(1))?)),
        "fabs" => fl(x()?.abs()),
        "isnan" => Ok(Value::Bool(x()?.is_nan())),
        "isinf" => Ok(Value::Bool(x()?.is_infinite())),
        "isfinite" => Ok(Value::Bool(x()?.is_finite())),
        "sin" => fl(x()?.sin()),
        "cos" => fl(x()?.cos()),
        "tan" => fl(x()?.tan()),
        "asin" => fl(x()?.asin()),
        "acos" => fl(x()?.acos()),
        "atan" => fl(x()?.atan()),
        "sinh" => fl(x()?.sinh()),
        "cosh" => fl(x()?.cosh()),
        "tanh" => fl(x()?.tanh()),
        "atan2" => fl(x()?.atan2(num(args.get(1))?)),
        "copysign" => fl(x()?.copysign(num(args.get(1))?)),
        "degrees" => fl(x()?.to_degrees()),
        "radians" => fl(x()?.to_radians()),
        "modf" => {
            let v = x()?;
            Ok(Value::tuple(vec![Value::Float(v.fract()), Value::Float(v.trunc())]))
        }
        "frexp" => {
            let v = x()?;
            if v == 0.0 || !v.is_finite() {
                return Ok(Value::tuple(vec![Value::Float(v), Value::Int(0)]));
            }
            let mut e = v.abs().log2().floor() as i64 + 1;
            let mut m = v / 2f64.powi(e as i32);
            if m.abs() >= 1.0 {
                m /= 2.0;
                e += 1;
            }
            if m.abs() < 0.5 {
                m *= 2.0;
                e -= 1;
            }
            Ok(Value::tuple(vec![Value::Float(m), Value::Int(e)]))
        }
        "ldexp" => {
            let e = args.get(1).and_then(as_int).unwrap_or(0);
            fl(x()? * 2f64.powi(e.clamp(-2000, 2000) as i32))
        }
        "fmod" => {
            let (a, b) = (x()?, num(args.get(1))?);
            if b == 0.0 { domain() } else { fl(a % b) }
        }
        "remainder" => {
            let (a, b) = (x()?, num(args.get(1))?);
            fl(a - (a / b).round_ties_even() * b)
        }
        _ => exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'")),
    }
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
            let Some(n) = a0.and_then(as_int) else {
                return type_err("factorial() only accepts integral values");
            };
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
            let (Some(n), k) = (a0.and_then(as_int), args.get(1).and_then(as_int)) else {
                return type_err("comb() arguments must be integers");
            };
            let k = k.unwrap_or(n);
            if n < 0 || k < 0 {
                return value_err("n must be a non-negative integer");
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
            let Some(n) = a0.and_then(as_int) else {
                return type_err("isqrt() argument must be an integer");
            };
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
fn aggregate_fn(vm: &mut Vm, name: &str, args: &[Value], kwargs: &Kwargs) -> R<Value> {
    let a0 = args.first();
    let x = || num(a0);
    let fl = |v: f64| Ok(Value::Float(v));
    match name {
        "hypot" => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(num(Some(a))?.abs());
            }
            if vals.len() == 2 {
                return fl(vals[0].hypot(vals[1]));
            }
            let max = vals.iter().cloned().fold(0.0f64, f64::max);
            if max == 0.0 || max.is_infinite() {
                return fl(max);
            }
            let sum: f64 = vals.iter().map(|v| (v / max) * (v / max)).sum();
            fl(sum.sqrt() * max)
        }
        "dist" => {
            let p = vm.iterate(a0.unwrap_or(&Value::None))?;
            let q = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut acc = 0.0f64;
            for (a, b) in p.iter().zip(q.iter()) {
                acc = acc.hypot(num(Some(a))? - num(Some(b))?);
            }
            fl(acc)
        }
        "prod" => {
            let items = vm.iterate(a0.unwrap_or(&Value::None))?;
            let mut acc = kw(kwargs, "start").cloned().unwrap_or(Value::Int(1));
            for it in items {
                acc = vm.binary(BinOp::Mult, &acc, &it)?;
            }
            Ok(acc)
        }
        "fsum" => {
            let items = vm.iterate(a0.unwrap_or(&Value::None))?;
            // Neumaier summation (exactly rounded for typical inputs).
            let mut sum = 0.0f64;
            let mut c = 0.0f64;
            for it in items {
                let v = num(Some(&it))?;
                let t = sum + v;
                if sum.abs() >= v.abs() {
                    c += (sum - t) + v;
                } else {
                    c += (v - t) + sum;
                }
                sum = t;
            }
            fl(sum + c)
        }
        "isclose" => {
            let (a, b) = (x()?, num(args.get(1))?);
            let rel = kw(kwargs, "rel_tol").and_then(as_float).unwrap_or(1e-9);
            let abs_tol = kw(kwargs, "abs_tol").and_then(as_float).unwrap_or(0.0);
            Ok(Value::Bool(a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs_tol)))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'math' has no attribute '{name}'")),
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
