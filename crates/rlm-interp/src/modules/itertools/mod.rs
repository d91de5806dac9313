//! The `itertools` module. Results are materialised eagerly, charged
//! before they are built, except the infinite iterators (`count`, `cycle`,
//! `repeat`), which step lazily. Sources are drawn one item at a time,
//! each callback called before the next item is drawn, as CPython does
//! (a callback may consume the same iterator); `drawn.rs` holds those.
//! The combinatoric functions are in `combinatorics.rs`.

mod combinatorics;
mod drawn;

use drawn::{
    accumulate, compress, dropwhile, filterfalse, groupby, pairwise, starmap, zip_longest,
};

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::fault::{R, exc, type_err, value_err};
use crate::modules::functions;
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
        "chain" | "from_iterable" | "islice" | "count" | "cycle" | "repeat" | "groupby" => {
            sources(cx, name, args, kwargs)
        }
        "combinations" | "combinations_with_replacement" | "permutations" | "product" => {
            combinatorics::call(cx, name, args, kwargs)
        }
        _ => transforms(cx, name, args, kwargs),
    }
}

pub(super) fn items_iter(v: Vec<Value>) -> Value {
    Value::iter(IterState::Items(v.into()))
}

/// Chaining, slicing, grouping and the infinite iterators.
fn sources<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "chain" => {
            // Charged as it grows: each part's items are moved into a
            // buffer held to the budget and the cap.
            let mut out = ChargedVec::new();
            for a in &args {
                let part = cx.iterate(a)?;
                out.reserve(cx.meter(), part.len())?;
                for x in part {
                    out.push(cx.meter(), x)?;
                }
            }
            Ok(items_iter(out.into_vec()))
        }
        "from_iterable" => {
            let outer = cx.iterate(args.first().unwrap_or(&Value::None))?;
            let mut out = ChargedVec::new();
            for a in &outer {
                let part = cx.iterate(a)?;
                out.reserve(cx.meter(), part.len())?;
                for x in part {
                    out.push(cx.meter(), x)?;
                }
            }
            Ok(items_iter(out.into_vec()))
        }
        "islice" => {
            let src = args.first().cloned().unwrap_or(Value::None);
            let ints: Vec<Option<i64>> = args[1.min(args.len())..].iter().map(as_int).collect();
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [a, b] => (a.unwrap_or(0), *b, 1),
                [a, b, c] => (a.unwrap_or(0), *b, c.unwrap_or(1)),
                _ => return type_err("islice expected 2 to 4 arguments"),
            };
            if start < 0 || stop.is_some_and(|s| s < 0) || step <= 0 {
                return value_err(
                    "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
                );
            }
            let it = cx.get_iter(src)?;
            let Value::Iter(it) = it else { return Ok(items_iter(Vec::new())) };
            // Charged before each growth and held to the cap (a plain
            // `Vec` of 10^18 items from `count()` doubled to 512 MiB first).
            let mut out = ChargedVec::new();
            let mut i = 0i64;
            loop {
                if stop.is_some_and(|s| i >= s) {
                    break;
                }
                let Some(v) = cx.iter_next(&it)? else { break };
                cx.meter().fuel(1)?;
                if i >= start && (i - start) % step == 0 {
                    out.push(cx.meter(), v)?;
                }
                i += 1;
            }
            Ok(items_iter(out.into_vec()))
        }
        "count" => {
            let start_v = args.first().or_else(|| kw(&kwargs, "start")).cloned();
            let step_v = args.get(1).or_else(|| kw(&kwargs, "step")).cloned();
            for v in [&start_v, &step_v].into_iter().flatten() {
                if !matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
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
        "cycle" => {
            let items = cx.iterate(args.first().unwrap_or(&Value::None))?;
            Ok(Value::iter(IterState::Cycle(items, 0)))
        }
        "repeat" => {
            let v = args.first().cloned().unwrap_or(Value::None);
            let n = args.get(1).or_else(|| kw(&kwargs, "times")).and_then(as_int);
            Ok(Value::iter(IterState::Repeat(v, n.map(|n| n.max(0)))))
        }
        "groupby" => groupby(cx, args, kwargs),
        _ => exc(ExcKind::AttributeError, format!("module 'itertools' has no attribute '{name}'")),
    }
}

/// Functions that map, filter or regroup one or more iterables.
fn transforms<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "accumulate" => accumulate(cx, args, kwargs),
        "zip_longest" => zip_longest(cx, args, kwargs),
        "takewhile" => {
            let pred = args.first().cloned().unwrap_or(Value::None);
            let it = cx.get_iter(args.get(1).cloned().unwrap_or(Value::None))?;
            let Value::Iter(it) = it else { return Ok(items_iter(Vec::new())) };
            let mut out = ChargedVec::new();
            while let Some(x) = cx.iter_next(&it)? {
                cx.meter().fuel(1)?;
                if !cx.call_value(&pred, vec![x.clone()], Vec::new())?.truthy() {
                    break;
                }
                out.push(cx.meter(), x)?;
            }
            Ok(items_iter(out.into_vec()))
        }
        "dropwhile" => dropwhile(cx, args),
        "filterfalse" => filterfalse(cx, args),
        "starmap" => starmap(cx, args),
        "pairwise" => pairwise(cx, args),
        "compress" => compress(cx, args),
        "tee" => {
            let items = cx.iterate(args.first().unwrap_or(&Value::None))?;
            let n = args.get(1).and_then(as_int).unwrap_or(2);
            if n < 0 {
                return value_err("n must be >= 0");
            }
            // Each of the `n` iterators holds its own copy of the items:
            // held to the collection cap, fuel and memory for every copied
            // item before a copy is made (`tee(xs, 2**62)` asked Rust for a
            // 2^62-slot vector and panicked).
            // Each copy's cost is `IterState::mem_cost` of an `Items` state:
            // its box, its buffer and what its items hold inline (`tee('',
            // 10**6)` made a million empty iterators, 136 MiB, uncharged).
            let n = n as usize;
            cx.meter().check_len(n)?;
            let copied = n.saturating_mul(items.len());
            cx.meter().fuel(crate::cost::fuel_for(
                crate::cost::COPY,
                copied.saturating_add(n) as u64,
                0,
            ))?;
            let per_copy = crate::mem::rc_block::<std::cell::RefCell<IterState>>()
                + crate::mem::vec_block::<Value>(items.len())
                + items.iter().map(Value::unowned_cost).sum::<usize>();
            cx.meter().alloc(n.saturating_mul(per_copy))?;
            Ok(Value::tuple((0..n).map(|_| items_iter(items.clone())).collect()))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'itertools' has no attribute '{name}'")),
    }
}
