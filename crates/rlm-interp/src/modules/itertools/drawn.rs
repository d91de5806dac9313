//! The `itertools` functions that call back into the program or draw from
//! several sources: each draws one item at a time and calls its callback
//! before the next draw, in CPython's order, so a callback that consumes
//! the same iterator (`accumulate(it, lambda a, b: a + next(it))`) sees
//! what CPython's would. Each item drawn pays a unit of fuel before its
//! work; results grow in a `ChargedVec` (budget and collection cap).

use std::cell::RefCell;
use std::rc::Rc;

use rlm_syntax::ast::BinOp;

use super::items_iter;
use crate::args::{Kwargs, kw};
use crate::callbacks::Callbacks;
use crate::charged::ChargedVec;
use crate::fault::{R, type_err};
use crate::value::*;

type Source = Rc<RefCell<IterState>>;

/// The iterator over argument `i` (a missing one is `None`'s error).
fn source<C: Callbacks + ?Sized>(cx: &mut C, args: &[Value], i: usize) -> R<Source> {
    match cx.get_iter(args.get(i).cloned().unwrap_or(Value::None))? {
        Value::Iter(it) => Ok(it),
        other => type_err(format!("'{}' object is not iterable", other.type_name())),
    }
}

/// The next item of `src`, its unit of fuel paid first.
fn draw<C: Callbacks + ?Sized>(cx: &mut C, src: &Source) -> R<Option<Value>> {
    cx.meter().fuel(1)?;
    cx.iter_next(src)
}

fn call1<C: Callbacks + ?Sized>(cx: &mut C, f: &Value, x: &Value) -> R<Value> {
    cx.call_value(f, vec![x.clone()], Vec::new())
}

pub(super) fn accumulate<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let src = source(cx, &args, 0)?;
    let func =
        args.get(1).or_else(|| kw(&kwargs, "func")).cloned().filter(|f| !matches!(f, Value::None));
    let mut acc = kw(&kwargs, "initial").cloned().filter(|v| !matches!(v, Value::None));
    let mut out = ChargedVec::new();
    if let Some(a) = &acc {
        out.push(cx.meter(), a.clone())?;
    }
    while let Some(x) = draw(cx, &src)? {
        let next = match acc.take() {
            None => x,
            Some(a) => match &func {
                Some(f) => cx.call_value(f, vec![a, x], Vec::new())?,
                None => cx.binary(BinOp::Add, &a, &x)?,
            },
        };
        out.push(cx.meter(), next.clone())?;
        acc = Some(next);
    }
    Ok(items_iter(out.into_vec()))
}

/// Rows until every source is spent: a row draws from each live source in
/// turn; the row in which the last one ends is not made.
pub(super) fn zip_longest<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let fill = kw(&kwargs, "fillvalue").cloned().unwrap_or(Value::None);
    let mut srcs: Vec<Option<Source>> = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        srcs.push(Some(source(cx, &args, i)?));
    }
    let mut live = srcs.len();
    let mut out = ChargedVec::new();
    // A row pays its draws (a unit an item, as the eager version paid);
    // its tuple charges its own memory.
    while live > 0 {
        let mut row = ChargedVec::new();
        for slot in srcs.iter_mut() {
            let item = match slot {
                Some(src) => draw(cx, &src.clone())?,
                None => None,
            };
            let item = match item {
                Some(v) => v,
                None => {
                    if slot.take().is_some() {
                        live -= 1;
                    }
                    fill.clone()
                }
            };
            row.push(cx.meter(), item)?;
        }
        if live > 0 {
            out.push(cx.meter(), Value::tuple(row.into_vec()))?;
        }
    }
    Ok(items_iter(out.into_vec()))
}

pub(super) fn dropwhile<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    let pred = args.first().cloned().unwrap_or(Value::None);
    let src = source(cx, &args, 1)?;
    let mut out = ChargedVec::new();
    while let Some(x) = draw(cx, &src)? {
        if !call1(cx, &pred, &x)?.truthy() {
            out.push(cx.meter(), x)?;
            break;
        }
    }
    while let Some(x) = draw(cx, &src)? {
        out.push(cx.meter(), x)?;
    }
    Ok(items_iter(out.into_vec()))
}

/// A `None` predicate keeps the falsy items, as CPython.
pub(super) fn filterfalse<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    let pred = args.first().cloned().unwrap_or(Value::None);
    let src = source(cx, &args, 1)?;
    let mut out = ChargedVec::new();
    while let Some(x) = draw(cx, &src)? {
        let t = match &pred {
            Value::None => x.truthy(),
            f => call1(cx, f, &x)?.truthy(),
        };
        if !t {
            out.push(cx.meter(), x)?;
        }
    }
    Ok(items_iter(out.into_vec()))
}

pub(super) fn starmap<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    let func = args.first().cloned().unwrap_or(Value::None);
    let src = source(cx, &args, 1)?;
    let mut out = ChargedVec::new();
    while let Some(x) = draw(cx, &src)? {
        let call_args = cx.iterate(&x)?;
        let r = cx.call_value(&func, call_args, Vec::new())?;
        out.push(cx.meter(), r)?;
    }
    Ok(items_iter(out.into_vec()))
}

pub(super) fn pairwise<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    let src = source(cx, &args, 0)?;
    let mut out = ChargedVec::new();
    let Some(mut prev) = draw(cx, &src)? else { return Ok(items_iter(Vec::new())) };
    while let Some(x) = draw(cx, &src)? {
        out.push(cx.meter(), Value::tuple(vec![prev, x.clone()]))?;
        prev = x;
    }
    Ok(items_iter(out.into_vec()))
}

/// A datum is drawn, then its selector; either ending stops.
pub(super) fn compress<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    let data = source(cx, &args, 0)?;
    let sel = source(cx, &args, 1)?;
    let mut out = ChargedVec::new();
    while let Some(d) = draw(cx, &data)? {
        let Some(s) = draw(cx, &sel)? else { break };
        if s.truthy() {
            out.push(cx.meter(), d)?;
        }
    }
    Ok(items_iter(out.into_vec()))
}

/// Groups of consecutive items with equal keys; each item's key is taken
/// before the next item is drawn.
pub(super) fn groupby<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let src = source(cx, &args, 0)?;
    let key =
        args.get(1).or_else(|| kw(&kwargs, "key")).cloned().filter(|k| !matches!(k, Value::None));
    let mut out = ChargedVec::new();
    let mut cur_key: Option<Value> = None;
    let mut group = ChargedVec::new();
    while let Some(x) = draw(cx, &src)? {
        let k = match &key {
            Some(kf) => call1(cx, kf, &x)?,
            None => x.clone(),
        };
        let same = match &cur_key {
            Some(ck) => crate::types::equality::eq(cx.meter(), ck, &k)?,
            None => false,
        };
        if !same {
            if let Some(ck) = cur_key.take() {
                let g = std::mem::replace(&mut group, ChargedVec::new()).into_vec();
                out.push(cx.meter(), Value::tuple(vec![ck, items_iter(g)]))?;
            }
            cur_key = Some(k);
        }
        group.push(cx.meter(), x)?;
    }
    if let Some(ck) = cur_key {
        out.push(cx.meter(), Value::tuple(vec![ck, items_iter(group.into_vec())]))?;
    }
    Ok(items_iter(out.into_vec()))
}
