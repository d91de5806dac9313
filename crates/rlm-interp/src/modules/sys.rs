//! A safe `sys`: the constants real programs read (`maxsize`, `version`,
//! `version_info`, `platform`, `argv`), the recursion limit (ours, which a
//! program may lower but not raise), `getsizeof` (our memory count's bytes,
//! not CPython's) and `stdout`/`stderr` whose `write` prints without a
//! newline. Nothing here reaches the host: no `exit`, `path`, `modules`.

use crate::args::{Kwargs, as_int, check_kwargs};
use crate::callbacks::Callbacks;
use crate::cost::CostTable;
use crate::fault::{R, exc, type_err, value_err};
use crate::mem::{rc_block, table_block, vec_block};
use crate::modules::function::function;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// The Python language level the DSL follows (CPython 3.11, our oracle).
const VERSION: &str = "3.11.7 (rlm DSL: a safe subset of Python 3.11)";
/// `sys.version_info`'s fields, in order.
pub(crate) const VERSION_FIELDS: [&str; 5] = ["major", "minor", "micro", "releaselevel", "serial"];

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let info = Value::tuple(vec![
        Value::Int(3),
        Value::Int(11),
        Value::Int(7),
        Value::str("final"),
        Value::Int(0),
    ]);
    vec![
        ("argv", Value::list(Vec::new())),
        ("getrecursionlimit", function("sys", "getrecursionlimit")),
        ("getsizeof", function("sys", "getsizeof")),
        ("maxsize", Value::Int(i64::MAX)),
        ("platform", Value::str("linux")),
        ("setrecursionlimit", function("sys", "setrecursionlimit")),
        ("stderr", Native::value(SysStream(true))),
        ("stdout", Native::value(SysStream(false))),
        ("version", Value::str(VERSION)),
        ("version_info", Native::value(VersionInfo(info))),
    ]
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "getrecursionlimit" => {
            no_kwargs(name, &kwargs)?;
            if !args.is_empty() {
                return type_err(format!(
                    "sys.getrecursionlimit() takes no arguments ({} given)",
                    args.len()
                ));
            }
            Ok(Value::Int(cx.meter().limits.max_call_depth as i64))
        }
        "setrecursionlimit" => {
            no_kwargs(name, &kwargs)?;
            one_arg(name, &args)?;
            set_recursion_limit(cx, &args[0])
        }
        "getsizeof" => {
            check_kwargs("getsizeof", &kwargs, &["default"])?;
            match args.first() {
                Some(v) if args.len() <= 2 => Ok(Value::Int(charged_size(v) as i64)),
                Some(_) => type_err(format!(
                    "getsizeof() takes at most 2 arguments ({} given)",
                    args.len()
                )),
                None => type_err("getsizeof() missing required argument 'object' (pos 1)"),
            }
        }
        _ => exc(ExcKind::AttributeError, missing_attr(name)),
    }
}

/// The AttributeError's message for a name `sys` lacks: what it has.
pub(crate) fn missing_attr(name: &str) -> String {
    let names: Vec<&str> = attrs().into_iter().map(|(n, _)| n).collect();
    format!("module 'sys' has no attribute '{name}' (the DSL's sys has: {})", names.join(", "))
}

fn no_kwargs(name: &str, kwargs: &Kwargs) -> R<()> {
    match kwargs.is_empty() {
        true => Ok(()),
        false => type_err(format!("sys.{name}() takes no keyword arguments")),
    }
}

fn one_arg(name: &str, args: &[Value]) -> R<()> {
    match args.len() {
        1 => Ok(()),
        n => type_err(format!("sys.{name}() takes exactly one argument ({n} given)")),
    }
}

/// `sys.setrecursionlimit(n)`: CPython's checks, then the limit becomes
/// `n` clamped to the embedder's call-depth limit (a program may lower it,
/// never raise it).
fn set_recursion_limit<C: Callbacks + ?Sized>(cx: &mut C, n: &Value) -> R<Value> {
    let n = match (n, as_int(n)) {
        (Value::Int(_) | Value::Bool(AlignedBool(_)), Some(n)) => n,
        _ => {
            return type_err(format!(
                "'{}' object cannot be interpreted as an integer",
                n.type_name()
            ));
        }
    };
    if n < 1 {
        return value_err("recursion limit must be greater or equal than 1");
    }
    let depth = cx.call_depth() + 1;
    if n as u64 <= depth as u64 {
        return exc(
            ExcKind::RecursionError,
            format!(
                "cannot set the recursion limit to {n} at the recursion depth {depth}: the limit is too low"
            ),
        );
    }
    let meter = cx.meter();
    meter.limits.max_call_depth = (n as u64).min(meter.call_depth_cap as u64) as usize;
    Ok(Value::None)
}

/// `sys.getsizeof(x)`: the 16-byte slot a value takes plus what the memory
/// count charges for the object itself (its box, buffer or table), not for
/// the values it refers to, which are sized on their own, as CPython's
/// `getsizeof` is shallow. A constant-time read of capacities.
fn charged_size(v: &Value) -> usize {
    let own = match v {
        Value::Str(s) => s.charged_bytes(),
        Value::List(l) => {
            rc_block::<crate::value::ListObj>() + vec_block::<Value>(l.borrow().capacity())
        }
        Value::Tuple(t) => {
            rc_block::<crate::value::TupleObj>() + vec_block::<Value>(t.0.capacity())
        }
        Value::Dict(d) => {
            let entry = std::mem::size_of::<crate::value::DictEntry>();
            rc_block::<StoreCell<Dict>>() + table_block(d.borrow().map.capacity(), entry)
        }
        Value::Set(s) => {
            rc_block::<StoreCell<KeySet>>()
                + table_block(s.borrow().capacity(), std::mem::size_of::<SetEntry>())
        }
        Value::FrozenSet(s) => {
            rc_block::<FrozenSetObj>() + table_block(s.capacity(), std::mem::size_of::<SetEntry>())
        }
        Value::Deque(d) => {
            rc_block::<crate::value::DequeObj>() + vec_block::<Value>(d.items.borrow().capacity())
        }
        other => other.unowned_cost(),
    };
    std::mem::size_of::<Value>() + own
}

/// `sys.stdout.write(s)` / `sys.stderr.write(s)`: both print to the
/// program's output (the one stream a model reads), as `print(..., end="")`.
pub(crate) fn stream_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "write" => match args.as_slice() {
            [Value::Str(s)] => {
                cx.write_output(s.as_str())?;
                Ok(Value::Int(s.char_len() as i64))
            }
            [Value::None] => type_err("write() argument must be str, not None"),
            [other] => type_err(format!("write() argument must be str, not {}", other.type_name())),
            _ => type_err(format!(
                "TextIOWrapper.write() takes exactly one argument ({} given)",
                args.len()
            )),
        },
        "flush" => match args.len() {
            0 => Ok(Value::None),
            n => type_err(format!("TextIOWrapper.flush() takes no arguments ({n} given)")),
        },
        _ => exc(
            ExcKind::AttributeError,
            format!("'_io.TextIOWrapper' object has no attribute '{name}'"),
        ),
    }
}

/// A stream's methods, with what they cost: the output is charged as it is
/// written (`Output::write`), as `print`'s is.
pub(crate) const STREAM_METHODS: &[&str] = &["flush", "write"];

/// `sys.version_info.major` and the other fields.
pub(crate) fn version_attr(info: &Value, name: &str) -> Option<Value> {
    let i = VERSION_FIELDS.iter().position(|f| *f == name)?;
    match info {
        Value::Tuple(t) => t.get(i).cloned(),
        _ => None,
    }
}

/// `repr(sys.version_info)`, CPython's: each field named, its value written
/// by the repr walk.
pub(crate) fn version_repr(info: &Value) -> Vec<ReprPart> {
    let Value::Tuple(t) = info else { return Vec::new() };
    let mut parts = vec![ReprPart::Text("sys.version_info(".to_string())];
    for (i, (f, v)) in VERSION_FIELDS.iter().zip(t.iter()).enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        parts.push(ReprPart::Text(format!("{sep}{f}=")));
        parts.push(ReprPart::Value(v.clone()));
    }
    parts.push(ReprPart::Text(")".to_string()));
    parts
}

/// `sys.stdout` (false) or `sys.stderr` (true).
pub(crate) struct SysStream(pub bool);

impl NativeObject for SysStream {
    fn ty(&self) -> Ty {
        Ty::Other(&"TextIOWrapper")
    }

    fn repr(&self) -> Vec<ReprPart> {
        let name = if self.0 { "<stderr>" } else { "<stdout>" };
        vec![ReprPart::Text(format!("<_io.TextIOWrapper name='{name}' mode='w' encoding='utf-8'>"))]
    }

    fn method_names(&self) -> &'static [&'static str] {
        STREAM_METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::SYS_STREAM_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<SysStream>()
    }
}

/// `sys.version_info`: its tuple, with named fields; it compares, indexes,
/// iterates and hashes as that tuple.
pub(crate) struct VersionInfo(pub Value);

impl NativeObject for VersionInfo {
    fn ty(&self) -> Ty {
        Ty::Other(&"version_info")
    }

    fn repr(&self) -> Vec<ReprPart> {
        version_repr(&self.0)
    }

    fn attr(&self, name: &str) -> Option<Value> {
        version_attr(&self.0, name)
    }

    fn method_names(&self) -> &'static [&'static str] {
        crate::types::tuple::TUPLE_METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::tuple::TUPLE_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<VersionInfo>()
    }

    fn as_tuple(&self) -> Option<&Value> {
        Some(&self.0)
    }
}
