//! Numeric builtins: `sum` (int and float fast paths), `abs`, `round`
//! (CPython's ties-to-even, negative digits), `divmod`, `pow` (with a
//! modulus: modular inverse and square-and-multiply on i128).

use crate::args::{Kwargs, as_float, as_int, check_kwargs, kw, nargs};
use crate::builtins::names::name_error;
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::modules::datetime::timedelta::TimeDelta;
use crate::value::*;

/// `sum`, `abs`, `round`, `divmod`, `pow`.
pub(crate) fn numeric_builtin<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "sum" => {
            check_kwargs("sum", &kwargs, &["start"])?;
            let Some(src) = args.first() else {
                return type_err("sum() takes at least 1 positional argument (0 given)");
            };
            if args.len() > 2 {
                return type_err(format!("sum() takes at most 2 arguments ({} given)", args.len()));
            }
            let mut acc =
                args.get(1).or_else(|| kw(&kwargs, "start")).cloned().unwrap_or(Value::Int(0));
            if let Value::Str(_) = acc {
                return type_err("sum() can't sum strings [use ''.join(seq) instead]");
            }
            // Ints and floats summed in place over a list or tuple (the
            // copy of 19 000 items per call cost more than the adds);
            // from the first other item on, the general path.
            // A dict's keys or values likewise, where they lie in its table.
            let (done, whole) = match src {
                Value::List(l) => (sum_plain(&mut acc, l.borrow().iter()), l.borrow().len()),
                Value::Tuple(t) => (sum_plain(&mut acc, t.iter()), t.len()),
                Value::Dict(d) => {
                    let d = d.borrow();
                    (sum_plain(&mut acc, d.map.keys().map(|k| &k.0)), d.map.len())
                }
                Value::Native(n) => match &**n {
                    Native::DictView(kind @ (0 | 1), d) => {
                        let d = d.borrow();
                        let done = if *kind == 0 {
                            sum_plain(&mut acc, d.map.keys().map(|k| &k.0))
                        } else {
                            sum_plain(&mut acc, d.map.values())
                        };
                        (done, d.map.len())
                    }
                    _ => (0, 0),
                },
                _ => (0, 0),
            };
            if done > 0 && done == whole {
                return Ok(acc);
            }
            // A generator is summed as it yields: no list of its items
            // (`sum(x * x for x in range(10**12))` held them all), the
            // unit an item `iterate` charges paid here instead.
            if let Value::Iter(it) = src {
                if it.borrow().is_lazy() {
                    while let Some(item) = cx.iter_next(it)? {
                        cx.meter().fuel(1)?;
                        acc = sum_step(cx, acc, &item)?;
                    }
                    return Ok(acc);
                }
            }
            let items = if done == 0 {
                cx.iterate(src)?
            } else {
                let rest = match src {
                    Value::List(l) => l.borrow().get(done..).map(<[Value]>::to_vec),
                    Value::Tuple(t) => t.get(done..).map(<[Value]>::to_vec),
                    // A dict's rest is copied out with the rest of it (a
                    // mixed dict only).
                    _ => Some(cx.iterate(src)?.split_off(done)),
                };
                rest.unwrap_or_default()
            };
            for it in items {
                acc = sum_step(cx, acc, &it)?;
            }
            Ok(acc)
        }
        "abs" => {
            nargs("abs", &args, 1, 1)?;
            match &args[0] {
                Value::Float(f) => Ok(Value::Float(f.abs())),
                v if as_int(v).is_some() => match as_int(v).unwrap_or(0).checked_abs() {
                    Some(x) => Ok(Value::Int(x)),
                    None => exc(ExcKind::OverflowError, "integer overflow"),
                },
                v @ Value::Native(n) if n.module::<TimeDelta>().is_some() => {
                    match n.module::<TimeDelta>() {
                        Some(TimeDelta(d, ..)) if *d < 0 => {
                            cx.unary(rlm_syntax::ast::UnaryOp::Neg, &args[0])
                        }
                        _ => Ok(v.clone()),
                    }
                }
                v => type_err(format!("bad operand type for abs(): '{}'", v.type_name())),
            }
        }
        "round" => super::round::round_builtin(cx.meter(), args, kwargs),
        "divmod" => {
            nargs("divmod", &args, 2, 2)?;
            if Native::of::<TimeDelta>(&args[0]).is_some()
                || Native::of::<TimeDelta>(&args[1]).is_some()
            {
                // Two durations: the count and the rest, as CPython's.
                if Native::of::<TimeDelta>(&args[0]).is_none()
                    || Native::of::<TimeDelta>(&args[1]).is_none()
                {
                    return type_err(format!(
                        "unsupported operand type(s) for divmod(): '{}' and '{}'",
                        crate::types::attr_error::qualified_type_name(&args[0]),
                        crate::types::attr_error::qualified_type_name(&args[1])
                    ));
                }
                let q = cx.binary(rlm_syntax::ast::BinOp::FloorDiv, &args[0], &args[1])?;
                let r = cx.binary(rlm_syntax::ast::BinOp::Mod, &args[0], &args[1])?;
                return Ok(Value::tuple(vec![q, r]));
            }
            if as_float(&args[0]).is_none() || as_float(&args[1]).is_none() {
                return type_err(format!(
                    "unsupported operand type(s) for divmod(): '{}' and '{}'",
                    args[0].type_name(),
                    args[1].type_name()
                ));
            }
            if let (Some(_), Some(0)) = (as_int(&args[0]), as_int(&args[1])) {
                return exc(ExcKind::ZeroDivisionError, "integer division or modulo by zero");
            }
            if as_float(&args[1]) == Some(0.0) {
                return exc(ExcKind::ZeroDivisionError, "float divmod()");
            }
            let q = cx.binary(rlm_syntax::ast::BinOp::FloorDiv, &args[0], &args[1])?;
            let r = cx.binary(rlm_syntax::ast::BinOp::Mod, &args[0], &args[1])?;
            Ok(Value::tuple(vec![q, r]))
        }
        "pow" => {
            nargs("pow", &args, 2, 3)?;
            // `pow(b, e, None)` is `pow(b, e)`.
            if args.len() == 3 && !matches!(args[2], Value::None) {
                let (Some(b), Some(e), Some(m)) =
                    (as_int(&args[0]), as_int(&args[1]), as_int(&args[2]))
                else {
                    return type_err(
                        "pow() 3rd argument not allowed unless all arguments are integers",
                    );
                };
                if m == 0 {
                    return value_err("pow() 3rd argument cannot be 0");
                }
                let m128 = m as i128;
                let mut b = b as i128;
                if e < 0 {
                    // Modular inverse by the extended Euclidean algorithm.
                    let (mut r0, mut r1, mut s0, mut s1) =
                        (b.rem_euclid(m128.abs()), m128.abs(), 1i128, 0i128);
                    while r1 != 0 {
                        let q = r0 / r1;
                        (r0, r1) = (r1, r0 - q * r1);
                        (s0, s1) = (s1, s0 - q * s1);
                    }
                    if r0 != 1 {
                        return value_err("base is not invertible for the given modulus");
                    }
                    b = s0;
                }
                // `unsigned_abs`: `-e` overflows at i64::MIN.
                let (mut base, mut exp) = (b.rem_euclid(m128), e.unsigned_abs());
                let mut acc: i128 = 1 % m128.abs();
                while exp > 0 {
                    if exp & 1 == 1 {
                        acc = (acc * base).rem_euclid(m128);
                    }
                    base = (base * base).rem_euclid(m128);
                    exp >>= 1;
                }
                let r = if m < 0 && acc > 0 { acc + m128 } else { acc };
                return Ok(Value::Int(r as i64));
            }
            cx.binary(rlm_syntax::ast::BinOp::Pow, &args[0], &args[1])
        }
        other => Err(Fault::Exc(name_error(other))),
    }
}

/// `sum`'s running total plus one item: ints and floats inline, any
/// other pair by `+`.
fn sum_step<C: Callbacks + ?Sized>(cx: &mut C, acc: Value, item: &Value) -> R<Value> {
    Ok(match (&acc, item) {
        (Value::Int(a), Value::Int(b)) if a.checked_add(*b).is_some() => Value::Int(a + b),
        (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
        _ => cx.binary(rlm_syntax::ast::BinOp::Add, &acc, item)?,
    })
}

/// Adds the leading ints and floats of `items` to `acc` while no int
/// overflows (a float total stays a float); returns how many it added.
fn sum_plain<'a>(acc: &mut Value, items: impl Iterator<Item = &'a Value>) -> usize {
    let mut n = 0;
    for (i, it) in items.enumerate() {
        *acc = match (&*acc, it) {
            (Value::Int(a), Value::Int(b)) => match a.checked_add(*b) {
                Some(n) => Value::Int(n),
                None => return i,
            },
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            // A float total and an int item (`sum(X, 0.5)`), or the reverse,
            // added as CPython's float path adds them (the int rounded to the
            // nearest double, then added); through the general path, each
            // item's add took 30 ns charged about one unit (11.5x the loop's
            // time a unit, issue #77's fuzzer).
            (Value::Float(a), Value::Int(b)) => Value::Float(a + *b as f64),
            // A bool item counts as an int (CPython's int path takes them):
            // `sum(X)` over 250,778 bools took 74 ns an item through `+`.
            (Value::Int(a), Value::Bool(AlignedBool(b))) => match a.checked_add(*b as i64) {
                Some(n) => Value::Int(n),
                None => return i,
            },
            (Value::Float(a), Value::Bool(AlignedBool(b))) => Value::Float(a + *b as u8 as f64),
            (Value::Int(a), Value::Float(b)) => Value::Float(*a as f64 + b),
            _ => return i,
        };
        n = i + 1;
    }
    n
}
