//! A module's functions as values: what a module's attributes hold for each
//! function it defines (`re.findall` is the builtin `findall` of `re`).

use std::rc::Rc;

use smol_str::SmolStr;

use crate::value::*;

/// A module function as a value: calling it goes to the module's `call`.
pub(crate) fn function(module: &'static str, name: &'static str) -> Value {
    Value::Builtin(Rc::new(BuiltinFn { module, name: SmolStr::new_static(name) }))
}

/// Attributes for a list of module functions.
pub(crate) fn functions(m: &'static str, names: &[&'static str]) -> Vec<(&'static str, Value)> {
    names.iter().map(|n| (*n, function(m, n))).collect()
}
