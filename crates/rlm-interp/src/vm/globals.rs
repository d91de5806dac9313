//! Global variables: session-wide slots by name (compiled code addresses
//! them by index), and the fallback to host values, host functions and
//! builtins for names no cell assigned (cached per slot).

use std::rc::Rc;

use smol_str::SmolStr;

use crate::fault::{Fault, R};
use crate::value::*;
use crate::vm::Vm;

impl Vm {
    pub(crate) fn global_slot(&mut self, name: &str) -> usize {
        let i = self.gnames.slot(name) as usize;
        if self.globals.len() <= i {
            self.globals.resize(i + 1, None);
        }
        i
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        let i = self.global_slot(name);
        self.globals[i] = Some(v);
    }

    pub fn get_global(&self, name: &str) -> Option<Value> {
        let i = *self.gnames.names.get(name)?;
        self.globals.get(i).cloned().flatten()
    }

    pub(crate) fn user_globals(&self) -> Vec<(SmolStr, Value)> {
        let mut out = Vec::new();
        for (n, &i) in &self.gnames.names {
            if let Some(Some(v)) = self.globals.get(i) {
                if !n.starts_with('_') {
                    out.push((n.clone(), v.clone()));
                }
            }
        }
        out
    }

    pub(super) fn load_global(&mut self, i: usize) -> R<Value> {
        if let Some(Some(v)) = self.globals.get(i) {
            return Ok(v.clone());
        }
        if let Some(Some(v)) = self.builtin_cache.get(i) {
            return Ok(v.clone());
        }
        let name = self.gnames.names.get_index(i).map(|(n, _)| n.clone()).unwrap_or_default();
        let v = if let Some(v) = self.host_values.get(&name) {
            Some(v.clone())
        } else if self.host_funcs.contains_key(&name) {
            Some(Value::Builtin(Rc::new(BuiltinFn { module: "host", name: name.clone() })))
        } else {
            crate::builtins::lookup_builtin(&name)
        };
        match v {
            Some(v) => {
                if self.builtin_cache.len() <= i {
                    self.builtin_cache.resize(i + 1, None);
                }
                self.builtin_cache[i] = Some(v.clone());
                Ok(v)
            }
            None => Err(Fault::Exc(crate::builtins::names::name_error(&name))),
        }
    }

    /// Forget cached builtin lookups (after registering host names).
    pub(crate) fn clear_builtin_cache(&mut self) {
        self.builtin_cache.clear();
    }
}
