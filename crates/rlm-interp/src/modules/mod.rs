//! The importable modules, one file or folder each, and the registry below
//! (one line per module) that `import` and calls of module functions read.
//! A module's native objects (compiled patterns, dates...) live in its folder;
//! `types/native.rs` dispatches to them.

pub(crate) mod asyncio;
pub(crate) mod collections;
pub(crate) mod csv;
pub(crate) mod datetime;
pub(crate) mod functools;
pub(crate) mod io;
pub(crate) mod itertools;
pub(crate) mod json;
pub(crate) mod math;
pub(crate) mod re;
pub(crate) mod string;
pub(crate) mod textwrap;

use std::rc::Rc;

use indexmap::IndexMap;
use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::fault::{R, exc};
use crate::value::*;
use crate::vm::Vm;

/// A module's attributes, built on its first import in a session.
type Attrs = fn() -> Vec<(&'static str, Value)>;
/// A call of one of the module's functions: `(vm, function name, args, kwargs)`.
type Call = fn(&mut Vm, &str, Vec<Value>, Kwargs) -> R<Value>;

/// Every module a program may import, in the order error messages list them.
const REGISTRY: &[(&str, Attrs, Call)] = &[
    ("re", re::attrs, re::call),
    ("json", json::attrs, json::call),
    ("math", math::attrs, math::call),
    ("collections", collections::attrs, collections::call),
    ("itertools", itertools::attrs, itertools::call),
    ("functools", functools::attrs, functools::call),
    ("string", string::attrs, string::call),
    ("textwrap", textwrap::attrs, textwrap::call),
    ("asyncio", asyncio::attrs, asyncio::call),
    ("datetime", datetime::attrs, datetime::call),
    ("csv", csv::attrs, csv::call),
    ("io", io::attrs, io::call),
];

/// A module function as a value: calling it goes to the module's `call`.
pub(crate) fn function(module: &'static str, name: &'static str) -> Value {
    Value::Builtin(Rc::new(BuiltinFn { module, name: SmolStr::new_static(name) }))
}

/// Attributes for a list of module functions.
pub(crate) fn functions(m: &'static str, names: &[&'static str]) -> Vec<(&'static str, Value)> {
    names.iter().map(|n| (*n, function(m, n))).collect()
}

impl Vm {
    pub(crate) fn import(&mut self, name: &str) -> R<Value> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        match REGISTRY.iter().find(|(n, ..)| *n == name) {
            Some((n, attrs, _)) => {
                let m = Value::Module(Rc::new(Module {
                    name: n,
                    attrs: attrs().into_iter().collect::<IndexMap<_, _>>(),
                }));
                self.modules.insert(n, m.clone());
                Ok(m)
            }
            None => {
                let names: Vec<&str> = REGISTRY.iter().map(|(n, ..)| *n).collect();
                exc(
                    ExcKind::ModuleNotFoundError,
                    format!(
                        "No module named '{name}' (not available in this sandbox; available modules: {})",
                        names.join(", ")
                    ),
                )
            }
        }
    }
}

/// `module.name(*args, **kwargs)` for a function of a built-in module.
pub(crate) fn call_module_fn(
    vm: &mut Vm,
    m: &str,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match REGISTRY.iter().find(|(n, ..)| *n == m) {
        Some((_, _, call)) => call(vm, name, args, kwargs),
        None => exc(ExcKind::AttributeError, format!("module '{m}' has no attribute '{name}'")),
    }
}
