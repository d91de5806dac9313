//! Callables: user functions (`def`, `lambda`, comprehension bodies; their
//! defaults and closure cells are dropped without recursion) and built-in
//! functions (a module and a name; the implementations are in `builtins/`
//! and `modules/`).

use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::Code;
use crate::value::*;

/// A user-defined function (or lambda, or comprehension body).
pub struct Function {
    pub code: Rc<Code>,
    pub defaults: Vec<Value>,
    pub kwdefaults: Vec<Option<Value>>,
    pub closure: Vec<Rc<StoreCell<Option<Value>>>>,
}

/// A built-in function: a name and a Rust implementation.
pub struct BuiltinFn {
    /// `""` for builtins, `"host"` for host functions, else the module name.
    pub module: &'static str,
    pub name: SmolStr,
}

impl Function {
    /// Its own allocations (the `Rc` box, defaults, closure list); the cells
    /// are registered containers, charged on their own.
    pub(crate) fn mem_cost(&self) -> usize {
        crate::mem::rc_block::<Function>()
            + crate::mem::vec_block::<Value>(self.defaults.capacity())
            + crate::mem::vec_block::<Option<Value>>(self.kwdefaults.capacity())
            + crate::mem::vec_block::<Rc<StoreCell<Option<Value>>>>(self.closure.capacity())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.defaults);
        items.extend(std::mem::take(&mut self.kwdefaults).into_iter().flatten());
        for c in std::mem::take(&mut self.closure) {
            if let Ok(cell) = Rc::try_unwrap(c) {
                if let Some(v) = cell.into_inner() {
                    items.push(v);
                }
            }
        }
        defer_drop(items);
    }
}
