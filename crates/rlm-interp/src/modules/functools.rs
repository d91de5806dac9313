//! The `functools` module: `reduce`, `partial` (a native object: its
//! attributes and `repr` are here, calling it is in `vm/call.rs`) and
//! `cmp_to_key` (understood by `sorted` and `list.sort`).

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::fault::{R, exc, type_err};
use crate::modules::functions;
use crate::value::*;
use crate::vm::Vm;

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

pub(crate) fn partial_attr(p: &Partial, name: &str) -> Option<Value> {
    match name {
        "func" => Some(p.func.clone()),
        "args" => Some(Value::tuple(p.args.clone())),
        _ => None,
    }
}

pub(crate) fn partial_repr(vm: &mut Vm, p: &Partial) -> R<String> {
    let mut parts = vec![vm.repr(&p.func)?];
    for a in &p.args {
        parts.push(vm.repr(a)?);
    }
    for (k, v) in &p.kwargs {
        parts.push(format!("{k}={}", vm.repr(v)?));
    }
    Ok(format!("functools.partial({})", parts.join(", ")))
}

pub(crate) fn call(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    match name {
        "reduce" => {
            let func = args.first().cloned().unwrap_or(Value::None);
            let items = vm.iterate(args.get(1).unwrap_or(&Value::None))?;
            let mut it = items.into_iter();
            let mut acc = match args.get(2).cloned() {
                Some(v) => v,
                None => match it.next() {
                    Some(v) => v,
                    None => return type_err("reduce() of empty iterable with no initial value"),
                },
            };
            for x in it {
                acc = vm.call_value(&func, vec![acc, x], Vec::new())?;
            }
            Ok(acc)
        }
        "partial" => {
            let mut a = args.into_iter();
            let Some(func) = a.next() else {
                return type_err("partial() missing required argument 'func'");
            };
            Ok(Value::Native(Rc::new(Native::Partial(Partial { func, args: a.collect(), kwargs }))))
        }
        "cmp_to_key" => {
            let Some(func) = args.into_iter().next() else {
                return type_err("cmp_to_key() missing required argument 'mycmp'");
            };
            let marker = Value::Builtin(Rc::new(BuiltinFn {
                module: "functools",
                name: SmolStr::new_static("_cmp_key"),
            }));
            Ok(Value::Native(Rc::new(Native::Partial(Partial {
                func: marker,
                args: vec![func],
                kwargs: Vec::new(),
            }))))
        }
        "_cmp_key" => exc(
            ExcKind::NotImplementedError,
            "cmp_to_key(...) keys work with sorted() and list.sort(); use a key function elsewhere",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'functools' has no attribute '{name}'")),
    }
}
