//! Fast paths for the built-in function calls programs make most inside
//! loops (`len(x)` of a string or container): run on the argument where it
//! lies on the operand stack, with no argument vector and no name dispatch
//! (`Vm::call_builtin` matches the name twice). Any other builtin, argument
//! count or argument type takes the general path (`Vm::call_op`), which also
//! gives every error, so these paths never fail on input of their own.
//! `int(x)` and `str(x)` too (a match's group read as a number, a number
//! made text): their constructor is called on the argument in place, after
//! the general path's charge, and raises what it raises.

use crate::fault::R;
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::{Vm, internal};

impl Vm {
    /// Runs `f(args)` (the builtin and `argc` arguments on top of the
    /// stack) when a fast path applies, leaving its result in their place;
    /// `false` (the stack untouched) when none does.
    #[inline]
    pub(super) fn call_builtin_fast(&mut self, argc: u32) -> R<bool> {
        Ok(len_in_place(&mut top!(self).stack, argc))
    }

    /// Runs `int(x)` or `str(x)` (the type and its one argument on top of
    /// the stack) as the general path does (`Vm::call_nonframe`): the
    /// constructor's charge, then the constructor on the argument, with no
    /// argument vector and no dispatch by the type's name. `false` (the
    /// stack untouched) for any other callee or argument count.
    #[inline]
    pub(super) fn call_constructor_fast(&mut self, argc: u32) -> R<bool> {
        if argc != 1 {
            return Ok(false);
        }
        let frame = top!(self);
        let [.., Value::Type(t @ (Ty::Int | Ty::Str)), arg] = &*frame.stack else {
            return Ok(false);
        };
        let t = *t;
        crate::call_cost::charge_call(
            &mut self.meter,
            crate::builtins::constructors::CONSTRUCTORS,
            t.name(),
            None,
            std::slice::from_ref(arg),
        )?;
        let arg = frame.stack.pop().ok_or_else(|| internal("stack underflow"))?;
        frame.stack.pop();
        let v = if t == Ty::Int {
            crate::types::int::int_new(&mut self.meter, std::slice::from_ref(&arg), &Kwargs::new())?
        } else {
            crate::format::repr::str_value(&mut self.meter, arg)?
        };
        top!(self).stack.push(v);
        Ok(true)
    }
}

/// `len(x)` of a str or container (the builtin and its one argument on
/// top of `stack`), its result left in their place: no charge of its own
/// and no error, so the plain loop (`plain.rs`) runs it too. `false` (the
/// stack untouched) for any other call.
#[inline(always)]
pub(super) fn len_in_place(stack: &mut OperandStack, argc: u32) -> bool {
    if argc != 1 {
        return false;
    }
    let [.., Value::Builtin(b), x] = &**stack else { return false };
    if !b.module.is_empty() || b.name != "len" {
        return false;
    }
    let Some(n) = crate::builtins::iteration::len_fast(x) else { return false };
    stack.replace_top(2, Value::Int(n));
    true
}
