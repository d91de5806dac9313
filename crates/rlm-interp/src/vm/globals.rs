//! Global variables: session-wide slots by name (compiled code addresses
//! them by index), and the fallback to host values, host functions and
//! builtins for names no cell assigned (cached per slot).

use std::collections::HashMap;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::compile::GlobalNames;
use crate::fault::{Fault, R};
use crate::host::HostFunc;
use crate::value::*;

/// The program's names: the global slots the compiled code addresses by
/// index, and what a name no cell assigned resolves to (a host value, a
/// host function, a builtin), cached per slot.
pub(crate) struct Globals {
    /// The session's global names and their slots (shared with the compiler).
    pub(crate) gnames: GlobalNames,
    /// The global variables' values by slot (`None`: unbound).
    pub(crate) values: Vec<Option<Value>>,
    /// The host value, host function or builtin a slot no cell bound
    /// resolved to.
    pub(super) builtin_cache: Vec<Option<Value>>,
    /// Looked up by name on every global miss; foldhash (not SipHash) because
    /// `Interpreter::new` registers eight of them and start-up is measured in µs.
    pub(crate) host_funcs: HashMap<SmolStr, HostFunc, HashState>,
    /// The host's objects bound as names (`Interpreter::register_object`).
    pub(crate) host_values: HashMap<SmolStr, Value, HashState>,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            gnames: GlobalNames::default(),
            values: Vec::new(),
            builtin_cache: Vec::new(),
            host_funcs: HashMap::with_capacity_and_hasher(16, HashState::default()),
            host_values: HashMap::default(),
        }
    }
}

impl Globals {
    pub(crate) fn slot(&mut self, name: &str) -> usize {
        let i = self.gnames.slot(name) as usize;
        if self.values.len() <= i {
            self.values.resize(i + 1, None);
        }
        i
    }

    pub(crate) fn set(&mut self, name: &str, v: Value) {
        let i = self.slot(name);
        self.values[i] = Some(v);
    }

    pub(crate) fn get(&self, name: &str) -> Option<Value> {
        let i = *self.gnames.names.get(name)?;
        self.values.get(i).cloned().flatten()
    }

    pub(crate) fn user_globals(&self) -> Vec<(SmolStr, Value)> {
        let mut out = Vec::new();
        for (n, &i) in &self.gnames.names {
            if let Some(Some(v)) = self.values.get(i) {
                if !n.starts_with('_') {
                    out.push((n.clone(), v.clone()));
                }
            }
        }
        out
    }

    pub(super) fn load(&mut self, i: usize) -> R<Value> {
        if let Some(Some(v)) = self.values.get(i) {
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
