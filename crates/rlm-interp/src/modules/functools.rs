//! The `functools` module: `reduce`, `partial` (a native object: its
//! attributes and `repr` are here; calling it is the machine's, in
//! `vm/call.rs`, which runs its function's frame in place) and
//! `cmp_to_key` (understood by `sorted` and `list.sort`).

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::function::functions;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("functools", &["reduce", "partial", "cmp_to_key"])
}

/// `functools.partial(func, *args, **kwargs)`.
pub struct Partial {
    pub func: Value,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
}

impl Drop for Partial {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.push(std::mem::replace(&mut self.func, Value::None));
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

/// `partial(func, *args, **kwargs)`, flattened as CPython does: a partial of
/// a partial is one partial of the inner function with both argument lists
/// (`partial(partial(f, 1), 2)` is `partial(f, 1, 2)`), so a partial built
/// 10^6 levels deep still calls `f` in one step and drops as one object.
fn new_partial<C: Callbacks + ?Sized>(
    cx: &mut C,
    func: Value,
    args: Vec<Value>,
    kwargs: Vec<(SmolStr, Value)>,
) -> R<Partial> {
    let inner = match &func {
        // `cmp_to_key`'s marker is a key wrapper in CPython, not a
        // partial: it is never merged.
        Value::Native(n) => n.module::<Partial>().filter(|p| !is_cmp_key(p)),
        _ => None,
    };
    let Some(inner) = inner else {
        return Ok(Partial { func, args, kwargs });
    };
    // The inner arguments are copied: work and memory in proportion.
    let n = inner.args.len() + args.len();
    cx.meter().fuel(n as u64 / 8 + inner.kwargs.len() as u64)?;
    cx.meter().alloc(crate::mem::vec_block::<Value>(n))?;
    let mut all = Vec::with_capacity(n);
    all.extend(inner.args.iter().cloned());
    all.extend(args);
    // `{**inner.keywords, **kwargs}`: a key given again keeps its place.
    let mut kw = inner.kwargs.clone();
    for (k, v) in kwargs {
        match kw.iter_mut().find(|(k2, _)| *k2 == k) {
            Some(slot) => slot.1 = v,
            None => kw.push((k, v)),
        }
    }
    Ok(Partial { func: inner.func.clone(), args: all, kwargs: kw })
}

/// Whether `p` is the key wrapper `cmp_to_key` returns.
fn is_cmp_key(p: &Partial) -> bool {
    matches!(&p.func, Value::Builtin(b) if b.module == "functools" && b.name == "_cmp_key")
}

pub(crate) fn partial_attr(p: &Partial, name: &str) -> Option<Value> {
    match name {
        "func" => Some(p.func.clone()),
        "args" => Some(Value::tuple(p.args.clone())),
        _ => None,
    }
}

/// `reduce(function, iterable[, initial])`: each item is drawn after the
/// previous call returned (CPython's order: the function may consume the
/// same iterator).
fn reduce<C: Callbacks + ?Sized>(cx: &mut C, args: Vec<Value>) -> R<Value> {
    if !(2..=3).contains(&args.len()) {
        let what = if args.len() < 2 { "at least 2" } else { "at most 3" };
        return type_err(format!("reduce expected {what} arguments, got {}", args.len()));
    }
    let src = match cx.get_iter(args[1].clone()) {
        Ok(Value::Iter(src)) => src,
        Ok(_) | Err(crate::fault::Fault::Exc(_)) => {
            return type_err("reduce() arg 2 must support iteration");
        }
        Err(e) => return Err(e),
    };
    let mut acc = match args.get(2) {
        Some(v) => v.clone(),
        None => match cx.iter_next(&src)? {
            Some(v) => v,
            None => return type_err("reduce() of empty iterable with no initial value"),
        },
    };
    while let Some(x) = cx.iter_next(&src)? {
        cx.meter().fuel(1)?;
        acc = cx.call_value(&args[0], vec![acc, x], Vec::new())?;
    }
    Ok(acc)
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "reduce" => reduce(cx, args),
        "partial" => {
            let mut a = args.into_iter();
            let Some(func) = a.next() else {
                return type_err("partial() missing required argument 'func'");
            };
            Ok(Native::value(new_partial(cx, func, a.collect(), kwargs)?))
        }
        "cmp_to_key" => {
            let Some(func) = args.into_iter().next() else {
                return type_err("cmp_to_key() missing required argument 'mycmp'");
            };
            let marker = Value::Builtin(Rc::new(BuiltinFn {
                module: "functools",
                name: SmolStr::new_static("_cmp_key"),
            }));
            Ok(Native::value(Partial { func: marker, args: vec![func], kwargs: Vec::new() }))
        }
        "_cmp_key" => exc(
            ExcKind::NotImplementedError,
            "cmp_to_key(...) keys work with sorted() and list.sort(); use a key function elsewhere",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'functools' has no attribute '{name}'")),
    }
}

/// `functools.partial(f, 1, k=2)`: the function and the arguments are
/// written one level deeper in the repr walk that reached it.
pub(crate) fn partial_repr(p: &Partial) -> Vec<ReprPart> {
    let mut parts = Vec::with_capacity(2 * (p.args.len() + p.kwargs.len()) + 3);
    parts.push(ReprPart::Text("functools.partial(".to_string()));
    parts.push(ReprPart::Value(p.func.clone()));
    for a in &p.args {
        parts.push(ReprPart::Text(", ".to_string()));
        parts.push(ReprPart::Value(a.clone()));
    }
    for (k, v) in &p.kwargs {
        parts.push(ReprPart::Text(format!(", {k}=")));
        parts.push(ReprPart::Value(v.clone()));
    }
    parts.push(ReprPart::Text(")".to_string()));
    parts
}

/// A `functools.partial` as a value (calling it is in `vm/call.rs`).
impl NativeObject for Partial {
    fn ty(&self) -> Ty {
        Ty::Other(&"functools.partial")
    }

    fn repr(&self) -> Vec<ReprPart> {
        partial_repr(self)
    }

    fn attr(&self, name: &str) -> Option<Value> {
        partial_attr(self, name)
    }

    fn callable(&self) -> bool {
        true
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        each(&self.func);
        self.args.iter().for_each(&mut *each);
        self.kwargs.iter().for_each(|(_, x)| each(x));
    }

    /// Its box and its positional arguments' buffer.
    fn mem_cost(&self) -> usize {
        boxed_cost::<Partial>() + crate::mem::vec_block::<Value>(self.args.capacity())
    }
}
