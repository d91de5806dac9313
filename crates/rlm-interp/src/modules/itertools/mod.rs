//! The `itertools` module, lazy as CPython's (issue #76): each function
//! makes an iterator (`tool.rs`) that draws from its sources one item a
//! step, in CPython's order; nothing is drawn when it is made. Arguments
//! are checked, and the combinatoric functions' pools read, when it is
//! made, as CPython does. `count` and `repeat` are states of their own
//! (`types/iter.rs`).

mod combinatorics;
mod shared;
pub(crate) mod tool;

use std::collections::VecDeque;

use tool::{Tool, source};

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err, value_err};
use crate::modules::function::functions;
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions(
        "itertools",
        &[
            "chain",
            "islice",
            "groupby",
            "combinations",
            "combinations_with_replacement",
            "permutations",
            "product",
            "accumulate",
            "count",
            "cycle",
            "repeat",
            "zip_longest",
            "takewhile",
            "dropwhile",
            "starmap",
            "pairwise",
            "compress",
            "filterfalse",
            "tee",
            "from_iterable",
        ],
    )
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "combinations" | "combinations_with_replacement" | "permutations" | "product" => {
            combinatorics::call(cx, name, args, kwargs)
        }
        "count" | "repeat" => endless(name, args, kwargs),
        _ => drawing(cx, name, args, kwargs),
    }
}

/// The argument at `i`, or `None`.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::None)
}

/// CPython's error for a call with the wrong number of arguments.
fn arity(name: &str, args: &[Value], min: usize, max: usize) -> R<()> {
    let n = args.len();
    if n < min {
        return type_err(format!("{name} expected {min} arguments, got {n}"));
    }
    if n > max {
        return type_err(format!("{name} expected at most {max} arguments, got {n}"));
    }
    Ok(())
}

/// The iterators that draw from their sources.
fn drawing<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let tool = match name {
        "chain" => Tool::Chain { rest: args.into_iter().collect(), outer: None, cur: None },
        "from_iterable" => {
            let outer = Some(source(cx, arg(&args, 0))?);
            Tool::Chain { rest: VecDeque::new(), outer, cur: None }
        }
        "islice" => islice(cx, args)?,
        "accumulate" => {
            let src = source(cx, arg(&args, 0))?;
            let func = args.get(1).or_else(|| kw(&kwargs, "func")).cloned();
            let func = func.filter(|f| !matches!(f, Value::None));
            let initial = kw(&kwargs, "initial").cloned().filter(|v| !matches!(v, Value::None));
            Tool::Accumulate { src, func, acc: None, initial }
        }
        "takewhile" | "dropwhile" | "filterfalse" | "starmap" => {
            arity(name, &args, 2, 2)?;
            let pred = arg(&args, 0);
            let src = source(cx, arg(&args, 1))?;
            match name {
                "takewhile" => Tool::TakeWhile { pred, src: Some(src) },
                "dropwhile" => Tool::DropWhile { pred, src, dropping: true },
                "filterfalse" => Tool::FilterFalse { pred, src },
                _ => Tool::StarMap { func: pred, src },
            }
        }
        "pairwise" => {
            if !kwargs.is_empty() {
                return type_err("pairwise() takes no keyword arguments");
            }
            if args.len() != 1 {
                return type_err(format!("pairwise expected 1 argument, got {}", args.len()));
            }
            Tool::Pairwise { src: Some(source(cx, arg(&args, 0))?), last: None }
        }
        "compress" => {
            let data = args.first().or_else(|| kw(&kwargs, "data")).cloned().unwrap_or(Value::None);
            let sel = args.get(1).or_else(|| kw(&kwargs, "selectors")).cloned();
            let data = source(cx, data)?;
            Tool::Compress { data, sel: source(cx, sel.unwrap_or(Value::None))? }
        }
        "zip_longest" => {
            let fill = kw(&kwargs, "fillvalue").cloned().unwrap_or(Value::None);
            let mut srcs = Vec::with_capacity(args.len());
            for a in args {
                srcs.push(Some(source(cx, a)?));
            }
            Tool::ZipLongest { live: srcs.len(), srcs, fill }
        }
        "cycle" => {
            let src = Some(source(cx, arg(&args, 0))?);
            Tool::Cycle { src, saved: Vec::new(), at: 0, bytes: 0 }
        }
        "groupby" => {
            let src = source(
                cx,
                args.first().or_else(|| kw(&kwargs, "iterable")).cloned().unwrap_or(Value::None),
            )?;
            let key = args.get(1).or_else(|| kw(&kwargs, "key")).cloned();
            let key = key.filter(|k| !matches!(k, Value::None));
            Tool::GroupBy(std::rc::Rc::new(std::cell::RefCell::new(shared::GroupBy::new(src, key))))
        }
        "tee" => {
            arity("tee", &args, 1, 2)?;
            let n = match args.get(1) {
                None => 2,
                Some(v) => as_int(v).ok_or_else(|| {
                    crate::fault::Fault::Exc(Exception::new(
                        ExcKind::TypeError,
                        format!("'{}' object cannot be interpreted as an integer", v.type_name()),
                    ))
                })?,
            };
            if n < 0 {
                return value_err("n must be >= 0");
            }
            let n = n as usize;
            cx.meter().check_len(n)?;
            // Each iterator's box and its place in the buffer, before any is made.
            cx.meter().fuel(n as u64)?;
            cx.meter().alloc(n.saturating_mul(std::mem::size_of::<Tool>() + 64))?;
            let src = source(cx, arg(&args, 0))?;
            return Ok(Value::tuple(shared::tee(src, n)));
        }
        _ => {
            return exc(
                ExcKind::AttributeError,
                format!("module 'itertools' has no attribute '{name}'"),
            );
        }
    };
    Ok(tool.value())
}

/// `islice(src, stop)` or `islice(src, start, stop[, step])`, checked as CPython checks them.
fn islice<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Tool> {
    arity("islice", &args, 2, 4)?;
    const MSG_STOP: &str =
        "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    const MSG: &str = "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    let int_or_none = |v: &Value, msg: &str| -> R<Option<i64>> {
        match v {
            Value::None => Ok(None),
            v => match as_int(v) {
                Some(i) if i >= 0 => Ok(Some(i)),
                _ => value_err(msg.to_string()),
            },
        }
    };
    let (start, stop, step) = if args.len() == 2 {
        (Some(0), int_or_none(&args[1], MSG_STOP)?, Some(1))
    } else {
        let start = int_or_none(&args[1], MSG)?;
        let stop = int_or_none(&args[2], MSG_STOP)?;
        let step = match args.get(3) {
            None | Some(Value::None) => Some(1),
            Some(v) => match as_int(v) {
                Some(i) if i >= 1 => Some(i),
                Some(_) => {
                    return value_err("Step for islice() must be a positive integer or None.");
                }
                None => return value_err("Step for islice() must be a positive integer or None."),
            },
        };
        (start, stop, step)
    };
    let src = source(cx, arg(&args, 0))?;
    Ok(Tool::Islice {
        src: Some(src),
        next: start.unwrap_or(0),
        stop,
        step: step.unwrap_or(1),
        at: 0,
    })
}

/// `count(start, step)` and `repeat(x, times)`.
fn endless(name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    match name {
        "count" => {
            let start_v = args.first().or_else(|| kw(&kwargs, "start")).cloned();
            let step_v = args.get(1).or_else(|| kw(&kwargs, "step")).cloned();
            for v in [&start_v, &step_v].into_iter().flatten() {
                if !matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(AlignedBool(_))) {
                    return type_err("a number is required");
                }
            }
            if matches!(start_v, Some(Value::Float(_))) || matches!(step_v, Some(Value::Float(_))) {
                // CPython adds the step to the running value, so the first
                // value keeps the start's type and later ones are floats.
                let start = match start_v {
                    Some(Value::Float(f)) => Value::Float(f),
                    Some(v) => Value::Int(as_int(&v).unwrap_or(0)),
                    None => Value::Int(0),
                };
                let step = match step_v {
                    Some(Value::Float(f)) => f,
                    Some(v) => as_int(&v).unwrap_or(1) as f64,
                    None => 1.0,
                };
                return Ok(Value::iter(IterState::CountFloat(start, step)));
            }
            let start = start_v.as_ref().and_then(as_int).unwrap_or(0);
            let step = step_v.as_ref().and_then(as_int).unwrap_or(1);
            Ok(Value::iter(IterState::Count(start, step)))
        }
        _ => {
            let v = args.first().cloned().unwrap_or(Value::None);
            let n = args.get(1).or_else(|| kw(&kwargs, "times")).and_then(as_int);
            Ok(Value::iter(IterState::Repeat(v, n.map(|n| n.max(0)))))
        }
    }
}
