//! `operator.itemgetter`, `attrgetter` and `methodcaller`: callable objects
//! that read an item, an attribute or call a method of their argument
//! (`sorted(rows, key=itemgetter(1))`). Each is a module's object
//! (`NativeObject`): its type, repr, memory and held values are here, and
//! its call, [`call`], is reached from `modules/native.rs`. Each read goes
//! through the machine's own `x[i]`, `x.a` or `x.m(...)` (`Callbacks`), so
//! it is charged, checked and worded as the program's own would be.

use std::any::Any;

use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::mem::vec_block;
use crate::value::*;
use crate::value::{NativeObject, ReprPart, boxed_cost};

/// `itemgetter(*items)`: `x[item]`, or the tuple of `x[i]` for each item.
pub(crate) struct ItemGetter(Vec<Value>);

/// `attrgetter(*names)`: `x.a.b` for each dotted name, split at the dots
/// when made (the names as given are kept for the repr).
pub(crate) struct AttrGetter {
    names: Vec<Str>,
    paths: Vec<Vec<SmolStr>>,
}

/// `methodcaller(name, *args, **kwargs)`: `x.name(*args, **kwargs)`.
pub(crate) struct MethodCaller {
    name: Str,
    args: Vec<Value>,
    kwargs: Kwargs,
}

/// `itemgetter(...)`, `attrgetter(...)` or `methodcaller(...)` (`what`),
/// with CPython's errors for what it is given.
pub(crate) fn make<C: Callbacks + ?Sized>(
    cx: &mut C,
    what: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    if what == "methodcaller" {
        let mut a = args.into_iter();
        let name = match a.next() {
            Some(Value::Str(s)) => s,
            Some(_) => return type_err("method name must be a string"),
            None => return type_err("methodcaller needs at least one argument, the method name"),
        };
        return Ok(Native::value(MethodCaller { name, args: a.collect(), kwargs }));
    }
    if !kwargs.is_empty() {
        return type_err(format!("{what}() takes no keyword arguments"));
    }
    if args.is_empty() {
        return type_err(format!("{what} expected 1 argument, got 0"));
    }
    if what == "itemgetter" {
        return Ok(Native::value(ItemGetter(args)));
    }
    let mut names = Vec::with_capacity(args.len());
    for a in args {
        let Value::Str(s) = a else { return type_err("attribute name must be a string") };
        names.push(s);
    }
    // Splitting the names at their dots reads their bytes and makes a name
    // per part: paid for, and its memory charged, before it is done.
    let bytes: usize = names.iter().map(Str::byte_len).sum();
    cx.meter().fuel((bytes / 32 + names.len()) as u64)?;
    let parts: usize = names.iter().map(|n| n.as_str().matches('.').count() + 1).sum();
    cx.meter().fuel(parts as u64)?;
    cx.meter().alloc(vec_block::<SmolStr>(parts) + bytes)?;
    let paths = names.iter().map(|n| n.as_str().split('.').map(SmolStr::new).collect()).collect();
    Ok(Native::value(AttrGetter { names, paths }))
}

/// Calling `getter` (one of this file's objects) on `args`; `None` when it
/// is none of them.
pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    getter: &dyn Any,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> Option<R<Value>> {
    let what = if getter.is::<ItemGetter>() {
        "itemgetter"
    } else if getter.is::<AttrGetter>() {
        "attrgetter"
    } else if getter.is::<MethodCaller>() {
        "methodcaller"
    } else {
        return None;
    };
    let x = match args.as_slice() {
        _ if !kwargs.is_empty() => {
            return Some(type_err(format!("{what}() takes no keyword arguments")));
        }
        [x] => x,
        _ => return Some(type_err(format!("{what} expected 1 argument, got {}", args.len()))),
    };
    Some(if let Some(g) = getter.downcast_ref::<ItemGetter>() {
        each(cx, &g.0, |cx, i| cx.getitem(x, i))
    } else if let Some(g) = getter.downcast_ref::<AttrGetter>() {
        each(cx, &g.paths, |cx, p| attr_path(cx, x, p))
    } else if let Some(m) = getter.downcast_ref::<MethodCaller>() {
        cx.call_method(x, m.name.as_str(), m.args.clone(), m.kwargs.clone())
    } else {
        return None;
    })
}

/// `read(x, part)` for the one part, or the tuple of each part's: a unit
/// of fuel a part, as the program's own subscript or attribute is.
fn each<C: Callbacks + ?Sized, T>(
    cx: &mut C,
    parts: &[T],
    mut read: impl FnMut(&mut C, &T) -> R<Value>,
) -> R<Value> {
    cx.meter().fuel(parts.len() as u64)?;
    if let [one] = parts {
        return read(cx, one);
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        out.push(read(cx, p)?);
    }
    Ok(Value::tuple(out))
}

/// `x.a.b...` along `path`.
fn attr_path<C: Callbacks + ?Sized>(cx: &mut C, x: &Value, path: &[SmolStr]) -> R<Value> {
    let mut v = x.clone();
    for name in path {
        v = cx.get_attr(&v, name)?;
    }
    Ok(v)
}

/// `operator.name(` followed by `values`' reprs, `, `-separated, and the
/// keyword arguments.
fn repr_of(name: &str, values: &[Value], kwargs: &Kwargs) -> Vec<ReprPart> {
    let mut parts = vec![ReprPart::Text(format!("operator.{name}("))];
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            parts.push(ReprPart::Text(", ".to_string()));
        }
        parts.push(ReprPart::Value(v.clone()));
    }
    for (k, v) in kwargs {
        parts.push(ReprPart::Text(format!(", {k}=")));
        parts.push(ReprPart::Value(v.clone()));
    }
    parts.push(ReprPart::Text(")".to_string()));
    parts
}

impl Drop for ItemGetter {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.0));
    }
}

impl Drop for MethodCaller {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl NativeObject for ItemGetter {
    fn ty(&self) -> Ty {
        Ty::Other(&"operator.itemgetter")
    }

    fn repr(&self) -> Vec<ReprPart> {
        repr_of("itemgetter", &self.0, &Vec::new())
    }

    fn callable(&self) -> bool {
        true
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        self.0.iter().for_each(each);
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<ItemGetter>() + vec_block::<Value>(self.0.capacity())
    }
}

impl NativeObject for AttrGetter {
    fn ty(&self) -> Ty {
        Ty::Other(&"operator.attrgetter")
    }

    fn repr(&self) -> Vec<ReprPart> {
        let names: Vec<Value> = self.names.iter().cloned().map(Value::Str).collect();
        repr_of("attrgetter", &names, &Vec::new())
    }

    fn callable(&self) -> bool {
        true
    }

    /// Its box, the names' buffer and the split paths (the names' text is
    /// the strings', charged by themselves; a path's name may spill).
    fn mem_cost(&self) -> usize {
        let paths: usize = self
            .paths
            .iter()
            .map(|p| {
                vec_block::<SmolStr>(p.capacity())
                    + p.iter()
                        .map(|n| if n.is_heap_allocated() { n.len() } else { 0 })
                        .sum::<usize>()
            })
            .sum();
        boxed_cost::<AttrGetter>()
            + vec_block::<Str>(self.names.capacity())
            + vec_block::<Vec<SmolStr>>(self.paths.capacity())
            + paths
    }
}

impl NativeObject for MethodCaller {
    fn ty(&self) -> Ty {
        Ty::Other(&"operator.methodcaller")
    }

    fn repr(&self) -> Vec<ReprPart> {
        let mut values = vec![Value::Str(self.name.clone())];
        values.extend(self.args.iter().cloned());
        repr_of("methodcaller", &values, &self.kwargs)
    }

    fn callable(&self) -> bool {
        true
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        self.args.iter().for_each(&mut *each);
        self.kwargs.iter().for_each(|(_, v)| each(v));
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<MethodCaller>()
            + vec_block::<Value>(self.args.capacity())
            + vec_block::<(SmolStr, Value)>(self.kwargs.capacity())
    }
}
