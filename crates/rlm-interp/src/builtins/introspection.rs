//! Introspection builtins, within the sandbox's limits: `isinstance`,
//! `issubclass`, `hasattr`/`getattr` (dunders refused), `callable`, `hash`,
//! `id`, `dir`.

use std::rc::Rc;

use crate::args::{as_int, nargs, str_arg};
use crate::builtins::names::name_error;
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, type_err};
use crate::value::*;

/// `isinstance`, `issubclass`, `hasattr`, `getattr`, `callable`, `hash`, `id`, `dir`.
pub(crate) fn introspection_builtin<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "isinstance" => {
            nargs("isinstance", &args, 2, 2)?;
            Ok(Value::Bool(AlignedBool(isinstance(&args[0], &args[1])?)))
        }
        "issubclass" => {
            nargs("issubclass", &args, 2, 2)?;
            match (&args[0], &args[1]) {
                (Value::Type(Ty::Exc(a)), Value::Type(Ty::Exc(b))) => {
                    Ok(Value::Bool(AlignedBool(a.is_subclass_of(*b))))
                }
                (Value::Type(a), Value::Type(b)) => {
                    Ok(Value::Bool(AlignedBool(a == b || (*a == Ty::Bool && *b == Ty::Int))))
                }
                _ => type_err("issubclass() arg 1 must be a class"),
            }
        }
        "hasattr" => {
            nargs("hasattr", &args, 2, 2)?;
            let n = str_arg("hasattr", &args[1])?.as_str().to_string();
            if n.starts_with("__") && n.ends_with("__") {
                // Common model idiom: hasattr(x, '__len__') / '__iter__'.
                let v = &args[0];
                let r = match n.as_str() {
                    "__len__" => crate::builtins::iteration::len_of(v).is_ok(),
                    "__iter__" => matches!(
                        v,
                        Value::Str(_)
                            | Value::List(_)
                            | Value::Tuple(_)
                            | Value::Dict(_)
                            | Value::Set(_)
                            | Value::FrozenSet(_)
                            | Value::Range(_)
                            | Value::Iter(_)
                            | Value::Deque(_)
                    ),
                    "__getitem__" => matches!(
                        v,
                        Value::Str(_)
                            | Value::List(_)
                            | Value::Tuple(_)
                            | Value::Dict(_)
                            | Value::Range(_)
                    ),
                    "__call__" => {
                        matches!(
                            v,
                            Value::Func(_) | Value::Builtin(_) | Value::Method(_) | Value::Type(_)
                        ) || matches!(v, Value::Native(n) if n.callable())
                    }
                    _ => false,
                };
                return Ok(Value::Bool(AlignedBool(r)));
            }
            match cx.get_attr(&args[0], &n) {
                Ok(_) => Ok(Value::Bool(AlignedBool(true))),
                Err(Fault::Exc(e)) if e.kind == ExcKind::AttributeError => {
                    Ok(Value::Bool(AlignedBool(false)))
                }
                Err(e) => Err(e),
            }
        }
        "getattr" => {
            nargs("getattr", &args, 2, 3)?;
            let n = str_arg("getattr", &args[1])?.as_str().to_string();
            // A default does not turn the sandbox's refusal of a dunder
            // into a silent value: `getattr(x, '__iter__', None)` would
            // otherwise say "no" for a list.
            let dunder = n.len() > 4 && n.starts_with("__") && n.ends_with("__");
            match cx.get_attr(&args[0], &n) {
                Ok(v) => Ok(v),
                Err(Fault::Exc(e))
                    if e.kind == ExcKind::AttributeError && args.len() == 3 && !dunder =>
                {
                    Ok(args[2].clone())
                }
                Err(e) => Err(e),
            }
        }
        "callable" => {
            nargs("callable", &args, 1, 1)?;
            Ok(Value::Bool(AlignedBool(
                matches!(
                    args[0],
                    Value::Func(_) | Value::Builtin(_) | Value::Method(_) | Value::Type(_)
                ) || matches!(&args[0], Value::Native(n) if n.callable()),
            )))
        }
        "hash" => {
            nargs("hash", &args, 1, 1)?;
            use std::hash::{Hash, Hasher};
            let k = crate::types::equality::key(cx.meter(), args[0].clone())?;
            if let Some(i) = as_int(&args[0]) {
                // CPython's int hash: the value modulo 2**61 - 1, signed.
                let m = (i.unsigned_abs() % HASH_MODULUS) as i64;
                let h = if i < 0 { -m } else { m };
                return Ok(Value::Int(if h == -1 { -2 } else { h }));
            }
            if let Value::Float(f) = &args[0] {
                if !f.is_nan() {
                    return Ok(Value::Int(float_hash(*f)));
                }
            }
            let mut h = std::collections::hash_map::DefaultHasher::new();
            k.hash(&mut h);
            Ok(Value::Int(h.finish() as i64 >> 1))
        }
        "id" => {
            nargs("id", &args, 1, 1)?;
            let p = match &args[0] {
                Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
                Value::Func(f) => Rc::as_ptr(f) as *const u8 as usize,
                Value::Int(i) => *i as usize,
                _ => 0,
            };
            Ok(Value::Int(p as i64 & i64::MAX))
        }
        "dir" => {
            if args.is_empty() {
                return type_err(
                    "dir() without an argument is not available in this sandbox (no introspection); \
                     use SHOW_VARS() to list variables",
                );
            }
            nargs("dir", &args, 1, 1)?;
            let mut names: Vec<Value> =
                crate::types::method_names(&args[0]).into_iter().map(Value::str).collect();
            if let Value::Module(m) = &args[0] {
                names = m.attrs.keys().map(|k| Value::str(*k)).collect();
            }
            crate::builtins::sort::sort_values(cx, &mut names, None, false)?;
            Ok(Value::list(names))
        }
        other => Err(Fault::Exc(name_error(other))),
    }
}

pub(crate) fn isinstance(v: &Value, t: &Value) -> R<bool> {
    match t {
        Value::Type(t) => Ok(match (v.ty(), t) {
            (a, b) if a == *b => true,
            (Ty::Bool, Ty::Int) => true,
            // An int-like module object (`re.IGNORECASE`) is an int.
            (_, Ty::Int) if matches!(v, Value::Native(n) if n.as_int().is_some()) => true,
            (Ty::Counter | Ty::DefaultDict | Ty::OrderedDict, Ty::Dict) => true,
            (Ty::Exc(a), Ty::Exc(b)) => a.is_subclass_of(*b),
            (_, Ty::Object) => true,
            _ => false,
        }),
        Value::Tuple(ts) => {
            for t in ts.iter() {
                if isinstance(v, t)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        // CPython 3.11's wording (no "not <type>" suffix).
        _ => type_err("isinstance() arg 2 must be a type, a tuple of types, or a union"),
    }
}

/// The modulus of CPython's numeric hashes, 2**61 - 1.
const HASH_MODULUS: u64 = (1 << 61) - 1;

/// CPython's hash of a float (`_Py_HashDouble`): the value as a fraction
/// reduced modulo 2**61 - 1, so an integral float hashes as its int.
fn float_hash(v: f64) -> i64 {
    if v.is_infinite() {
        return if v > 0.0 { 314_159 } else { -314_159 };
    }
    let (mut m, mut e) = frexp(v.abs());
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & HASH_MODULUS) | x >> (61 - 28);
        m *= 268_435_456.0; // 2**28
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= HASH_MODULUS {
            x -= HASH_MODULUS;
        }
    }
    let e = if e >= 0 { e % 61 } else { 61 - 1 - ((-1 - e) % 61) };
    x = ((x << e) & HASH_MODULUS) | x >> (61 - e);
    let h = if v < 0.0 { -(x as i64) } else { x as i64 };
    if h == -1 { -2 } else { h }
}

/// `v` as `m * 2**e` with `0.5 <= m < 1` (0 for 0), as C's `frexp`.
pub(crate) fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 {
        return (0.0, 0);
    }
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(v * 18_014_398_509_481_984.0); // 2**54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, biased - 1022)
}
