//! Fast paths for the built-in function calls programs make most inside
//! loops (`len(x)` of a string or container): run on the argument where it
//! lies on the operand stack, with no argument vector and no name dispatch
//! (`Vm::call_builtin` matches the name twice). Any other builtin, argument
//! count or argument type takes the general path (`Vm::call_op`), which also
//! gives every error, so these paths never fail on input of their own.

use crate::fault::R;
use crate::value::*;
use crate::vm::{Vm, internal};

impl Vm {
    /// Runs `f(args)` (the builtin and `argc` arguments on top of the
    /// stack) when a fast path applies, leaving its result in their place;
    /// `false` (the stack untouched) when none does.
    #[inline]
    pub(super) fn call_builtin_fast(&mut self, argc: u32) -> R<bool> {
        let frame = top!(self);
        let Some(callee_at) = frame.stack.len().checked_sub(argc as usize + 1) else {
            return Err(internal("stack underflow"));
        };
        let (callee, args) = frame.stack[callee_at..].split_at(1);
        let Value::Builtin(b) = &callee[0] else { return Ok(false) };
        if !b.module.is_empty() {
            return Ok(false);
        }
        let result = match (b.name.as_str(), args) {
            ("len", [x]) => len_fast(x),
            _ => None,
        };
        let Some(n) = result else { return Ok(false) };
        frame.stack.truncate(callee_at);
        frame.stack.push(Value::Int(n));
        Ok(true)
    }
}

/// `len(x)` of a str, list, tuple or dict, as `len` gives it; `None` for
/// any other value (the general `len` then answers, or raises). Also the
/// key of `sorted(..., key=len)` (`builtins/sort.rs`).
#[inline]
pub(crate) fn len_fast(x: &Value) -> Option<i64> {
    let n = match x {
        Value::Str(s) => s.char_len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().map.len(),
        _ => return None,
    };
    // A length is at most the collection cap, far below `i64::MAX`.
    i64::try_from(n).ok()
}

/// Whether `f` is the builtin `len` (not a module's function of that name).
pub(crate) fn is_builtin_len(f: &Value) -> bool {
    matches!(f, Value::Builtin(b) if b.module.is_empty() && b.name == "len")
}
