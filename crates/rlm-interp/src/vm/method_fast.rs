//! Fast paths for the built-in method calls programs make most inside loops
//! (`d.get(k)`, `xs.append(x)`, `s.startswith(p)`, `line.lower()`,
//! `m.group(1)`): run on the arguments where they lie on the operand stack,
//! with no argument vector and no
//! arity-table lookup. Any other receiver, method, argument count or
//! argument type takes the general path (`Vm::call_method_op`), which also
//! gives every error, so these paths never fail on input of their own.

use smol_str::SmolStr;

use crate::fault::R;
use crate::modules::re::match_obj::{MatchObj, group_of};
use crate::types::dict::dict_get;
use crate::types::str::fast::{StrFast, str_fast_method};
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::{Vm, internal};

impl Vm {
    /// Runs `recv.method(args)` (receiver and `argc` arguments on top of the
    /// stack) when a fast path applies, leaving its result in their place;
    /// `false` (the stack untouched) when none does. `in_place_tried`: the
    /// plain loop tried [`method_in_place`] on it already.
    #[inline]
    pub(super) fn call_method_fast(
        &mut self,
        name: u32,
        argc: u32,
        in_place_tried: bool,
    ) -> R<bool> {
        let frame = top!(self);
        let Some(recv_at) = frame.stack.len().checked_sub(argc as usize + 1) else {
            return Err(internal("stack underflow"));
        };
        // The receiver's type first: other receivers (modules, instances,
        // regex matches...) leave at once, without reading the name.
        if !matches!(
            frame.stack[recv_at],
            Value::Dict(_) | Value::Str(_) | Value::List(_) | Value::Native(_)
        ) {
            return Ok(false);
        }
        if !in_place_tried && method_in_place(&mut frame.stack, &frame.code.names, name, argc) {
            return Ok(true);
        }
        let Some(name) = frame.code.names.get(name as usize) else {
            return Err(internal("method name out of range"));
        };
        let (recv, args) = frame.stack[recv_at..].split_at(1);
        let result = match (&recv[0], name.as_str(), args) {
            (Value::List(l), "append", [_]) => {
                let l = l.clone();
                let x = frame.stack.pop().ok_or_else(|| internal("stack underflow"))?;
                frame.stack.truncate(recv_at);
                crate::types::list::list_append(&mut self.meter, &l, x)?;
                top!(self).stack.push(Value::None);
                return Ok(true);
            }
            // A match's group (`m.group(1)` for each match a loop finds),
            // charged as the general path charges it, then held to the limits.
            (Value::Native(n), "group", [] | [_]) => {
                let Some(m) = n.module::<MatchObj>() else { return Ok(false) };
                crate::call_cost::charge_with(&mut self.meter, Some(&recv[0]), args, || {
                    crate::types::method_cost(&recv[0], "group")
                })?;
                let v = group_of(m, args.first())?;
                self.meter.guard_result(&v)?;
                v
            }
            (Value::Str(_), name, args) => {
                return match StrFast::of(name, args) {
                    Some(m) => self.call_str_fast(recv_at, m),
                    None => Ok(false),
                };
            }
            _ => return Ok(false),
        };
        frame.stack.replace_top(argc as usize + 1, result);
        Ok(true)
    }

    /// `s.m(args)` for a str method resolved by [`StrFast::of`], with the
    /// general path's charges in its order: the call's declared cost (the
    /// same table's entry), the method's own, then the result held to the
    /// limits. Inline, as is the charge it makes: out of line, each call
    /// (`line.lower()` once a line) paid a prologue and passed its result
    /// through memory, and which of them the optimiser inlined moved with
    /// changes elsewhere in the loop (+1.4% on a workload).
    #[inline(always)]
    fn call_str_fast(&mut self, recv_at: usize, m: StrFast) -> R<bool> {
        let frame = top!(self);
        let arg = if frame.stack.len() > recv_at + 1 { frame.stack.pop() } else { None };
        let recv = frame.stack.pop().ok_or_else(|| internal("stack underflow"))?;
        let Value::Str(s) = &recv else {
            return Err(internal("a str method's receiver is not a str"));
        };
        let args = arg.as_slice();
        crate::call_cost::charge_with(&mut self.meter, Some(&recv), args, || m.cost())?;
        let v = str_fast_method(self, s, m, args)?;
        self.meter.guard_result(&v)?;
        top!(self).stack.push(v);
        Ok(true)
    }
}

/// The method calls that charge nothing of their own and cannot fail
/// (`d.get(k)` of a key that hashes for free, `s.startswith(p)` and
/// `s.endswith(p)` of a short `p`), made where the receiver and `argc`
/// arguments lie on top of `stack`, the result left in their place; the
/// plain loop (`plain.rs`) runs them too. `false` (the stack untouched)
/// for any other call.
#[inline(always)]
pub(super) fn method_in_place(
    stack: &mut OperandStack,
    names: &[SmolStr],
    name: u32,
    argc: u32,
) -> bool {
    let Some(recv_at) = stack.len().checked_sub(argc as usize + 1) else { return false };
    let Some((recv, args)) = stack.get(recv_at..).and_then(|s| s.split_first()) else {
        return false;
    };
    // The receiver's type first: any other (a regex match, a module...)
    // leaves without the name read.
    if !matches!(recv, Value::Dict(_) | Value::Str(_)) {
        return false;
    }
    let Some(name) = names.get(name as usize) else { return false };
    let result = match (recv, args) {
        (Value::Dict(d), [k] | [k, _]) if name == "get" => {
            if !crate::types::equality::key_is_free(k) {
                return false;
            }
            dict_get(d, k, args.get(1))
        }
        (Value::Str(s), [Value::Str(p)]) => {
            let ends = match name.as_str() {
                "startswith" => false,
                "endswith" => true,
                _ => return false,
            };
            // A long prefix is work: the general path charges it.
            if p.byte_len() >= 256 {
                return false;
            }
            let (s, p) = (s.as_str(), p.as_str());
            Value::Bool(AlignedBool(if ends { s.ends_with(p) } else { s.starts_with(p) }))
        }
        _ => return false,
    };
    stack.replace_top(argc as usize + 1, result);
    true
}
