//! The `operator` module: the operators as functions (`operator.add`,
//! `operator.not_`...), each made by the machine's own operator through
//! `Callbacks` (so charged and worded as `a + b` is), and the callable
//! getters `itemgetter`, `attrgetter` and `methodcaller` (`getters.rs`),
//! which models pass as sort keys. Issue #79's first type added through
//! the native layer: this folder, its line in `modules/mod.rs` and its
//! call in `modules/native.rs`.

pub(crate) mod getters;

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};

use crate::args::{Kwargs, index_int};
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err};
use crate::modules::function::{function, functions};
use crate::value::*;

/// Its functions, as CPython 3.11's `operator` names them. Not here: the
/// in-place `i*` forms, `matmul`, `setitem`/`delitem` (a store through a
/// callback would skip the cell's journal) and `length_hint`.
const FUNCTIONS: &[&str] = &[
    "abs",
    "add",
    "and_",
    "attrgetter",
    "call",
    "concat",
    "contains",
    "countOf",
    "eq",
    "floordiv",
    "ge",
    "getitem",
    "gt",
    "index",
    "indexOf",
    "inv",
    "invert",
    "is_",
    "is_not",
    "itemgetter",
    "le",
    "lshift",
    "lt",
    "methodcaller",
    "mod",
    "mul",
    "ne",
    "neg",
    "not_",
    "or_",
    "pos",
    "pow",
    "rshift",
    "sub",
    "truediv",
    "truth",
    "xor",
];

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("operator", FUNCTIONS)
}

/// `operator.name(*args)`.
pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "itemgetter" | "attrgetter" | "methodcaller" => {
            return getters::make(cx, name, args, kwargs);
        }
        "call" => {
            let mut a = args.into_iter();
            let Some(f) = a.next() else {
                return type_err("call expected at least 1 argument, got 0");
            };
            return cx.call_value(&f, a.collect(), kwargs);
        }
        _ => {}
    }
    if !kwargs.is_empty() {
        return type_err(format!("_operator.{name}() takes no keyword arguments"));
    }
    if let Some(op) = unary_of(name) {
        let [a] = one(name, args)?;
        return match op {
            Unary::Op(op) => cx.unary(op, &a),
            Unary::Abs => cx.call_value(&function("", "abs"), vec![a], Vec::new()),
            Unary::Truth => Ok(Value::Bool(AlignedBool(a.truthy()))),
            Unary::Index => index_int(&a).map(Value::Int),
        };
    }
    let [a, b] = exactly::<2>(name, args)?;
    match name {
        "concat" => concat(cx, &a, &b),
        "contains" => cx.contains(&a, &b).map(Value::from),
        "countOf" => count_of(cx, &a, &b).map(Value::Int),
        "indexOf" => index_of(cx, &a, &b).map(Value::Int),
        "getitem" => cx.getitem(&a, &b),
        "is_" => Ok(Value::Bool(AlignedBool(crate::types::equality::is_same(&a, &b)))),
        "is_not" => Ok(Value::Bool(AlignedBool(!crate::types::equality::is_same(&a, &b)))),
        _ => match (binary_of(name), compare_of(name)) {
            (Some(op), _) => cx.binary(op, &a, &b),
            (_, Some(op)) => cx.compare(op, &a, &b).map(Value::from),
            _ => {
                exc(ExcKind::AttributeError, format!("module 'operator' has no attribute '{name}'"))
            }
        },
    }
}

/// The one-argument functions.
enum Unary {
    Op(UnaryOp),
    /// The builtin `abs`.
    Abs,
    Truth,
    Index,
}

fn unary_of(name: &str) -> Option<Unary> {
    Some(match name {
        "neg" => Unary::Op(UnaryOp::Neg),
        "pos" => Unary::Op(UnaryOp::Pos),
        "inv" | "invert" => Unary::Op(UnaryOp::Invert),
        "not_" => Unary::Op(UnaryOp::Not),
        "abs" => Unary::Abs,
        "truth" => Unary::Truth,
        "index" => Unary::Index,
        _ => return None,
    })
}

fn binary_of(name: &str) -> Option<BinOp> {
    Some(match name {
        "add" => BinOp::Add,
        "sub" => BinOp::Sub,
        "mul" => BinOp::Mult,
        "truediv" => BinOp::Div,
        "floordiv" => BinOp::FloorDiv,
        "mod" => BinOp::Mod,
        "pow" => BinOp::Pow,
        "lshift" => BinOp::LShift,
        "rshift" => BinOp::RShift,
        "and_" => BinOp::BitAnd,
        "or_" => BinOp::BitOr,
        "xor" => BinOp::BitXor,
        _ => return None,
    })
}

fn compare_of(name: &str) -> Option<CmpOp> {
    Some(match name {
        "eq" => CmpOp::Eq,
        "ne" => CmpOp::NotEq,
        "lt" => CmpOp::Lt,
        "le" => CmpOp::LtE,
        "gt" => CmpOp::Gt,
        "ge" => CmpOp::GtE,
        _ => return None,
    })
}

/// A one-argument function's argument, with CPython's arity error.
fn one(name: &str, args: Vec<Value>) -> R<[Value; 1]> {
    let n = args.len();
    <[Value; 1]>::try_from(args)
        .or_else(|_| type_err(format!("_operator.{name}() takes exactly one argument ({n} given)")))
}

/// An `N`-argument function's arguments, with CPython's arity error.
fn exactly<const N: usize>(name: &str, args: Vec<Value>) -> R<[Value; N]> {
    let n = args.len();
    <[Value; N]>::try_from(args)
        .or_else(|_| type_err(format!("{name} expected {N} arguments, got {n}")))
}

/// `concat(a, b)`: `a + b` for sequences only.
fn concat<C: Callbacks + ?Sized>(cx: &mut C, a: &Value, b: &Value) -> R<Value> {
    let sequence = matches!(a, Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Deque(_));
    if !sequence {
        return type_err(format!("'{}' object can't be concatenated", a.type_name()));
    }
    cx.binary(BinOp::Add, a, b)
}

/// `countOf(a, b)`: the items of `a` that are `b` or equal to it, each
/// drawn and compared (and charged) as a `for` loop's.
fn count_of<C: Callbacks + ?Sized>(cx: &mut C, a: &Value, b: &Value) -> R<i64> {
    let mut n = 0;
    each_item(cx, a, |cx, x| {
        if crate::types::equality::is_same(&x, b) || cx.compare(CmpOp::Eq, &x, b)? {
            n += 1;
        }
        Ok(true)
    })?;
    Ok(n)
}

/// `indexOf(a, b)`: the position of the first item of `a` that is `b` or
/// equal to it.
fn index_of<C: Callbacks + ?Sized>(cx: &mut C, a: &Value, b: &Value) -> R<i64> {
    let (mut at, mut found) = (0, false);
    each_item(cx, a, |cx, x| {
        found = crate::types::equality::is_same(&x, b) || cx.compare(CmpOp::Eq, &x, b)?;
        at += i64::from(!found);
        Ok(!found)
    })?;
    if !found {
        return exc(ExcKind::ValueError, "sequence.index(x): x not in sequence");
    }
    Ok(at)
}

/// Draws `a`'s items one at a time, a unit of fuel each, until `each`
/// says stop.
fn each_item<C: Callbacks + ?Sized>(
    cx: &mut C,
    a: &Value,
    mut each: impl FnMut(&mut C, Value) -> R<bool>,
) -> R<()> {
    let not_iterable = || format!("argument of type '{}' is not iterable", a.type_name());
    let it = match cx.get_iter(a.clone()) {
        Ok(Value::Iter(it)) => it,
        Err(Fault::Exc(e)) if e.kind == ExcKind::TypeError => return type_err(not_iterable()),
        Ok(_) => return type_err(not_iterable()),
        Err(e) => return Err(e),
    };
    while let Some(x) = cx.iter_next(&it)? {
        cx.meter().fuel(1)?;
        if !each(cx, x)? {
            break;
        }
    }
    Ok(())
}
