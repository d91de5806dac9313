//! Builtins over iterables: `len`, `range`, `enumerate`, `zip`, `sorted`
//! (the sort itself is `sort.rs`), `reversed`, `min`/`max`, `any`/`all`,
//! `map`, `filter`, `iter`, `next`. `enumerate`, `zip`, `map` and `filter`
//! are lazy (`types/iter.rs` steps them); `min`/`max` draw one item at a
//! time (a key may consume the same iterator); the others' results are
//! materialised and charged as they are built.

use crate::args::{Kwargs, as_int, check_kwargs, kw, nargs};
use crate::builtins::names::name_error;
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, type_err, value_err};
use crate::value::*;

/// Fuel for each item `min`/`max` draws and compares, besides a key's call:
/// the draw, the key (the item itself) kept and the generic comparison ran
/// ~32 ns an item, ~13 units of the dispatch loop's time; at 1 a unit,
/// `max(range(10**18))` ran 200 M fuel in 6.4 s (issue #53).
const FUEL_PER_MIN_MAX_ITEM: u64 = 12;

/// `len`, `range`, `enumerate`, `zip`, `sorted`, `reversed`, `min`, `max`.
pub(crate) fn iteration_builtin<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "len" => {
            nargs("len", &args, 1, 1)?;
            Ok(Value::Int(len_of(&args[0])? as i64))
        }
        "range" => crate::types::range::range_new(&args),
        "enumerate" => {
            check_kwargs("enumerate", &kwargs, &["start"])?;
            let start = match args.get(1).or_else(|| kw(&kwargs, "start")) {
                Some(v) => as_int(v).ok_or_else(|| {
                    Fault::Exc(Exception::new(
                        ExcKind::TypeError,
                        format!("'{}' object cannot be interpreted as an integer", v.type_name()),
                    ))
                })?,
                None => 0,
            };
            let Some(src) = args.first() else {
                return type_err("enumerate() missing required argument 'iterable' (pos 1)");
            };
            match cx.get_iter(src.clone())? {
                Value::Iter(src) => Ok(Value::iter(IterState::Enumerate(start, src))),
                other => type_err(format!("'{}' object is not iterable", other.type_name())),
            }
        }
        "zip" => {
            check_kwargs("zip", &kwargs, &["strict"])?;
            let strict = kw(&kwargs, "strict").is_some_and(|v| v.truthy());
            let srcs = sources(cx, &args)?;
            Ok(Value::iter(IterState::Zip(srcs, strict)))
        }
        "sorted" => {
            check_kwargs("sorted", &kwargs, &["key", "reverse"])?;
            if args.len() != 1 {
                return type_err(format!("sorted expected 1 argument, got {}", args.len()));
            }
            let mut items = cx.iterate(&args[0])?;
            let key = kw(&kwargs, "key").cloned();
            let reverse = kw(&kwargs, "reverse").is_some_and(|v| v.truthy());
            crate::builtins::sort::sort_values(cx, &mut items, key.as_ref(), reverse)?;
            Ok(Value::list(items))
        }
        "reversed" => {
            nargs("reversed", &args, 1, 1)?;
            let items = match &args[0] {
                // CPython's list iterator reads the list in place, from
                // the end, a step at a time (it sees the list change).
                Value::List(l) => {
                    // Its index is the list's last now (`usize::MAX`: none).
                    let next = l.borrow().len().wrapping_sub(1);
                    let list = args[0].clone();
                    let tool = crate::modules::itertools::tool::Tool::Reversed { list, next };
                    return Ok(tool.value());
                }
                // A range's is a range: nothing is made up front.
                Value::Range(r) => {
                    let (start, _, step) = **r;
                    let n = crate::types::range::range_py_len(r)? as i128;
                    let last = i128::from(start) + (n - 1) * i128::from(step);
                    let stop = i128::from(start) - i128::from(step);
                    if n == 0 {
                        return Ok(Value::iter(IterState::Range(0, 0, 1)));
                    }
                    if let (Ok(last), Ok(stop), Some(neg)) =
                        (i64::try_from(last), i64::try_from(stop), step.checked_neg())
                    {
                        return Ok(Value::iter(IterState::Range(last, stop, neg)));
                    }
                    cx.iterate(&args[0])?
                }
                Value::Dict(_) | Value::Tuple(_) | Value::Str(_) | Value::Deque(_) => {
                    cx.iterate(&args[0])?
                }
                Value::Native(n) if matches!(**n, Native::DictView(..)) => cx.iterate(&args[0])?,
                other => {
                    return type_err(format!("'{}' object is not reversible", other.type_name()));
                }
            };
            Ok(Value::iter(IterState::Items(items.into_iter().rev().collect())))
        }
        "min" => min_max(cx, "min", args, kwargs, false),
        "max" => min_max(cx, "max", args, kwargs, true),
        other => Err(Fault::Exc(name_error(other))),
    }
}

/// `any`, `all`, `map`, `filter`, `iter`, `next`.
pub(crate) fn functional_builtin<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "any" | "all" => {
            nargs(name, &args, 1, 1)?;
            let it = cx.get_iter(args[0].clone())?;
            let Value::Iter(it) = it else { return Ok(Value::Bool(AlignedBool(name == "all"))) };
            while let Some(v) = cx.iter_next(&it)? {
                // An item held by reference is read in its own allocation
                // (its count written, its truth read, its count lowered):
                // `all(X)` over 154,932 dicts took 25.8 ns an item charged
                // one unit (11.9x the loop's time a unit, issue #77).
                let by_ref = !matches!(
                    v,
                    Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_)
                );
                cx.meter().fuel(if by_ref {
                    1 + crate::cost::FUEL_PER_SHARED_VALUE_COPIED
                } else {
                    1
                })?;
                let t = v.truthy();
                if name == "any" && t {
                    return Ok(Value::Bool(AlignedBool(true)));
                }
                if name == "all" && !t {
                    return Ok(Value::Bool(AlignedBool(false)));
                }
            }
            Ok(Value::Bool(AlignedBool(name == "all")))
        }
        "map" => {
            if args.len() < 2 {
                return type_err("map() must have at least two arguments.");
            }
            let srcs = sources(cx, &args[1..])?;
            Ok(Value::iter(IterState::Map(args[0].clone(), srcs)))
        }
        "filter" => {
            nargs("filter", &args, 2, 2)?;
            let mut srcs = sources(cx, &args[1..])?;
            match srcs.pop() {
                Some(src) => Ok(Value::iter(IterState::Filter(args[0].clone(), src))),
                None => type_err("filter expected 2 arguments"),
            }
        }
        "iter" => {
            nargs("iter", &args, 1, 1)?;
            cx.get_iter(args[0].clone())
        }
        "next" => {
            nargs("next", &args, 1, 2)?;
            let own = match &args[0] {
                Value::Native(n) => match &**n {
                    Native::Module(m) => m.iterator().cloned(),
                    _ => None,
                },
                _ => None,
            };
            match own.as_ref().unwrap_or(&args[0]) {
                Value::Iter(it) => match cx.iter_next(it)? {
                    Some(v) => Ok(v),
                    None => match args.get(1) {
                        Some(d) => Ok(d.clone()),
                        None => Err(Fault::Exc(Exception::with_args(
                            ExcKind::StopIteration,
                            Vec::new(),
                        ))),
                    },
                },
                other => type_err(format!("'{}' object is not an iterator", other.type_name())),
            }
        }
        other => Err(Fault::Exc(name_error(other))),
    }
}

/// The iterators of a lazy adapter's sources (`map`, `filter`, `zip`).
fn sources<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: &[Value],
) -> R<Vec<std::rc::Rc<std::cell::RefCell<IterState>>>> {
    let mut srcs = Vec::with_capacity(args.len());
    for a in args {
        match cx.get_iter(a.clone())? {
            Value::Iter(it) => srcs.push(it),
            other => {
                return type_err(format!("'{}' object is not iterable", other.type_name()));
            }
        }
    }
    Ok(srcs)
}

pub(crate) fn len_of(v: &Value) -> R<usize> {
    if let Some(n) = crate::types::dispatch::len(v) {
        return n;
    }
    match v {
        Value::Native(n) => match &**n {
            Native::DictView(_, d) => Ok(d.borrow().map.len()),
            _ => match Native::as_tuple(v) {
                Some(t) => len_of(&t.clone()),
                None => type_err(format!("object of type '{}' has no len()", v.type_name())),
            },
        },
        _ => type_err(format!("object of type '{}' has no len()", v.type_name())),
    }
}

/// `min`/`max`: items drawn one at a time, each paying
/// [`FUEL_PER_MIN_MAX_ITEM`] before it is compared.
fn min_max<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
    want_max: bool,
) -> R<Value> {
    check_kwargs(name, &kwargs, &["key", "default"])?;
    let key = kw(&kwargs, "key").cloned().filter(|k| !matches!(k, Value::None));
    if args.len() > 1 && kw(&kwargs, "default").is_some() {
        return type_err(format!(
            "Cannot specify a default for {name}() with multiple positional arguments"
        ));
    }
    // Items are drawn one at a time, each key called before the next is
    // drawn (CPython's order: a key may consume the same iterator).
    let mut best = None;
    match args.len() {
        0 => return type_err(format!("{name} expected at least 1 argument, got 0")),
        1 => {
            let src = cx.get_iter(args[0].clone())?;
            let Value::Iter(src) = src else {
                return type_err(format!("'{}' object is not iterable", src.type_name()));
            };
            while let Some(x) = cx.iter_next(&src)? {
                cx.meter().fuel(FUEL_PER_MIN_MAX_ITEM)?;
                best = Some(min_max_step(cx, best, x, key.as_ref(), want_max)?);
            }
        }
        _ => {
            for x in args {
                cx.meter().fuel(FUEL_PER_MIN_MAX_ITEM)?;
                best = Some(min_max_step(cx, best, x, key.as_ref(), want_max)?);
            }
        }
    }
    match best {
        Some((item, _)) => Ok(item),
        None => match kw(&kwargs, "default") {
            Some(d) => Ok(d.clone()),
            None => value_err(format!("{name}() arg is an empty sequence")),
        },
    }
}

/// One item against the best so far (item, key): the better of the two;
/// a tie keeps the earlier item, as CPython.
fn min_max_step<C: Callbacks + ?Sized>(
    cx: &mut C,
    best: Option<(Value, Value)>,
    item: Value,
    key: Option<&Value>,
    want_max: bool,
) -> R<(Value, Value)> {
    let k = match key {
        Some(kf) => cx.call_value(kf, vec![item.clone()], Vec::new())?,
        None => item.clone(),
    };
    let Some((best_item, best_key)) = best else { return Ok((item, k)) };
    let op = if want_max { rlm_syntax::ast::CmpOp::Gt } else { rlm_syntax::ast::CmpOp::Lt };
    Ok(if cx.compare(op, &k, &best_key)? { (item, k) } else { (best_item, best_key) })
}

/// `len(x)` of a str, list, tuple or dict, as `len` gives it; `None` for
/// any other value (the general `len` then answers, or raises). Also the
/// key of `sorted(..., key=len)` (`builtins/sort.rs`).
#[inline]
pub(crate) fn len_fast(x: &Value) -> Option<i64> {
    let n = match x {
        Value::Str(s) => s.char_len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().map.len(),
        _ => return None,
    };
    // A length is at most the collection cap, far below `i64::MAX`.
    i64::try_from(n).ok()
}

/// Whether `f` is the builtin `len` (not a module's function of that name).
pub(crate) fn is_builtin_len(f: &Value) -> bool {
    matches!(f, Value::Builtin(b) if b.module.is_empty() && b.name == "len")
}
