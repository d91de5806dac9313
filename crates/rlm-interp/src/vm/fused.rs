//! The superinstructions' work (`compile/fuse.rs` makes them): each runs
//! its first instruction, charges the second as the loop charges every
//! instruction (one unit of fuel, the limit checked before it runs), steps
//! over it and runs it (the three-instruction forms, in `exec.rs`, do so
//! twice). The single instructions' fast paths that both use live here too.

use rlm_syntax::ast::{BinOp, CmpOp};

use std::rc::Rc;

use crate::compile::{Code, Instr};
use crate::fault::{R, exc};
use crate::value::frame::Frame;
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::{Vm, internal, pop};

/// What a for loop's fused store writes to.
#[derive(Clone, Copy)]
pub(super) enum LoopTarget {
    Fast(u32),
    Global(u32),
}

impl Vm {
    /// Charges the second instruction of a pair and moves past it.
    /// (The hot paths here return no `Result` of their own: one the size
    /// of `Fault` costs its copies on every instruction.)
    #[inline(always)]
    pub(super) fn second_half(&mut self) -> R<()> {
        self.meter.fuel_used += 1;
        if self.meter.fuel_used > self.meter.limits.fuel {
            self.meter.fuel(0)?;
        }
        top!(self).pc += 1;
        Ok(())
    }

    /// Pushes a global's value when its slot is set, or the builtin already
    /// looked up for it (`Globals::load` otherwise: the first lookup of a
    /// builtin, and the error for an unknown name). Copied straight into
    /// the stack (`OperandStack::push_clone`), not returned.
    #[inline(always)]
    pub(super) fn push_global(&mut self, i: u32) -> R<()> {
        let Some(frame) = self.frames.stack.last_mut() else { return Err(internal("no frame")) };
        if let Some(Some(v)) = self.globals.values.get(i as usize) {
            frame.stack.push_clone(v);
            return Ok(());
        }
        if let Some(Some(v)) = self.globals.builtin_cache.get(i as usize) {
            frame.stack.push_clone(v);
            return Ok(());
        }
        let v = self.globals.load(i as usize)?;
        top!(self).stack.push(v);
        Ok(())
    }

    /// Pops the top value into global `i` (`pop_into_global`).
    #[inline(always)]
    pub(super) fn pop_store_global(&mut self, i: u32) -> R<()> {
        let frame = top!(self);
        if pop_into_global(&mut frame.stack, &mut self.globals.values, i) {
            return Ok(());
        }
        Err(internal("stack underflow"))
    }

    #[inline(always)]
    pub(super) fn store_global(&mut self, i: u32, v: Value) {
        store_global_slot(&mut self.globals.values, i, v);
    }

    /// The next item of the iterator on top of the stack (`None` at its end).
    #[inline(always)]
    pub(super) fn for_iter_next(&mut self) -> R<Option<Value>> {
        let it = top!(self).stack.last().ok_or_else(|| internal("stack"))?;
        match it {
            Value::Iter(state) => {
                let state = state.clone();
                self.iter_next(&state)
            }
            _ => Err(internal("ForIter without iterator")),
        }
    }

    #[inline(always)]
    pub(super) fn load_fast_pair(&mut self, a: u32, b: u32) -> R<()> {
        push_local(top!(self), a)?;
        self.second_half()?;
        push_local(top!(self), b)
    }

    #[inline(always)]
    pub(super) fn load_global_pair(&mut self, a: u32, b: u32) -> R<()> {
        self.push_global(a)?;
        self.second_half()?;
        self.push_global(b)
    }

    /// `LoadConst(c)` then `Binary(op)` or `Inplace(op)`: the constant is
    /// the right operand, never pushed.
    #[inline(always)]
    pub(super) fn load_const_binary(&mut self, c: u32, op: BinOp, inplace: bool) -> R<()> {
        self.second_half()?;
        let frame = top!(self);
        // An int and an int constant: the result replaces the int in place.
        if let (Some(Value::Int(y)), Some(Value::Int(x))) =
            (frame.code.consts.get(c as usize), frame.stack.last_mut())
        {
            if let Some(r) = int_binary_fast(op, *x, *y) {
                *x = r;
                return Ok(());
            }
        }
        let b = frame.code.consts[c as usize].clone_fast();
        let a = pop(frame)?;
        let v = if inplace { self.inplace(op, a, &b)? } else { self.binary(op, &a, &b)? };
        top!(self).stack.push(v);
        Ok(())
    }

    /// `Compare(op)`'s work, shared with its fused form: pops both
    /// operands, compares them (ints inline) and drops them.
    #[inline(always)]
    pub(super) fn pop_compare(&mut self, op: CmpOp) -> R<bool> {
        let frame = top!(self);
        // `s in t` for two strings (a keyword in a line, most `in` of model
        // code): searched where they lie, then dropped.
        if let (CmpOp::In | CmpOp::NotIn, [.., Value::Str(needle), Value::Str(hay)]) =
            (op, &*frame.stack)
        {
            let found = crate::types::str::str_in_str(&mut self.meter, needle, hay)?;
            for _ in 0..2 {
                if let Some(v) = frame.stack.pop() {
                    v.discard();
                }
            }
            return Ok(found == (op == CmpOp::In));
        }
        // Two ints: compared where they lie, popped by parts.
        if let [.., a @ Value::Int(_), b @ Value::Int(_)] = &*frame.stack {
            if let Some(v) = int_compare_fast(op, a, b) {
                frame.stack.pop_int();
                frame.stack.pop_int();
                return Ok(v);
            }
        }
        let b = pop(frame)?;
        let a = pop(frame)?;
        let v = match int_compare_fast(op, &a, &b) {
            Some(v) => v,
            None => self.compare(op, &a, &b)?,
        };
        a.discard();
        b.discard();
        Ok(v)
    }

    /// `Compare(op)` then `JumpIfFalse(t)`: the result is never pushed.
    #[inline(always)]
    pub(super) fn compare_jump_if_false(&mut self, op: CmpOp, t: u32) -> R<()> {
        let v = self.pop_compare(op)?;
        self.second_half()?;
        if !v {
            top!(self).pc = t as usize;
        }
        Ok(())
    }

    /// `ForIter(t)` then a store of the item; at the iterator's end the
    /// loop jumps past both and the store is neither run nor charged.
    #[inline(always)]
    pub(super) fn for_iter_store(&mut self, t: u32, target: LoopTarget) -> R<()> {
        match self.range_next() {
            RangeNext::Int(n) => {
                self.second_half()?;
                self.store_target(target, Value::Int(n));
                return Ok(());
            }
            RangeNext::Done => {
                self.end_loop(t);
                return Ok(());
            }
            RangeNext::NotARange => {}
        }
        if let Some(done) = self.seq_next_store(t, target) {
            return done;
        }
        let Some(v) = self.for_iter_next()? else {
            self.end_loop(t);
            return Ok(());
        };
        self.second_half()?;
        self.store_target(target, v);
        Ok(())
    }

    /// `for_iter_store`'s step when its iterator walks a list or a tuple:
    /// the item is copied straight into the loop's variable, not returned
    /// through `for_iter_next` (see `range_next`). `None`: another
    /// iterator, nothing done. Out of the dispatch loop: inlined, it made
    /// the loop's other paths slower.
    #[inline(never)]
    fn seq_next_store(&mut self, t: u32, target: LoopTarget) -> Option<R<()>> {
        // One look at the frame: the item is read under the iterator's and
        // the list's borrows and copied out (no clone of the list's `Rc`,
        // no second lookup of the frame for the store).
        let frame = self.frames.stack.last_mut()?;
        let item = {
            let Some(Value::Iter(state)) = frame.stack.last() else { return None };
            let mut st = state.try_borrow_mut().ok()?;
            match &mut *st {
                IterState::Seq(seq, i) => {
                    let at = *i;
                    let item = match seq {
                        Value::List(list) => list.try_borrow().ok()?.get(at).cloned(),
                        Value::Tuple(tuple) => tuple.get(at).cloned(),
                        _ => return None,
                    };
                    *i += 1;
                    item
                }
                // A dict's keys or values, read in place (as `iter_next`'s
                // step does, charged the same).
                IterState::DictEntries { kind: kind @ (0 | 1), .. } => {
                    let keys = *kind == 0;
                    if let Err(e) = self.meter.fuel(crate::types::iter::FUEL_PER_DICT_STEP) {
                        return Some(Err(e));
                    }
                    let next = if keys {
                        st.dict_next(|k, _| k.0.clone())
                    } else {
                        st.dict_next(|_, v| v.clone())
                    };
                    match next {
                        Ok(item) => item,
                        Err(e) => return Some(Err(e.into())),
                    }
                }
                _ => return None,
            }
        };
        let Some(item) = item else {
            self.end_loop(t);
            return Some(Ok(()));
        };
        // The store's half of the fused pair (`second_half`), on the frame
        // in hand.
        self.meter.fuel_used += 1;
        if self.meter.fuel_used > self.meter.limits.fuel {
            if let Err(e) = self.meter.fuel(0) {
                item.discard();
                return Some(Err(e));
            }
        }
        frame.pc += 1;
        let slot = match target {
            LoopTarget::Fast(l) => frame.locals.get_mut(l as usize),
            LoopTarget::Global(_) => {
                self.store_target(target, item);
                return Some(Ok(()));
            }
        };
        if let Some(slot) = slot {
            if let Some(old) = slot.replace(item) {
                old.discard();
            }
        }
        Some(Ok(()))
    }

    /// `ForIter(t)` then `Unpack(2)` over `enumerate(<list or tuple>)`: the
    /// index and the item go to the stack as the unpack leaves them, with
    /// no pair made, charged, unpacked and dropped between (that was ~1,300
    /// instructions a step, 2.7x CPython's, issue #59). The step pays the
    /// adapter's step and its source's, not the pair it no longer makes
    /// (`FUEL_PER_ADAPTER_TUPLE`); the unpack pays its unit. A dict's items
    /// likewise (`dict_items_unpack`). `None`: another shape, nothing done.
    #[inline(never)]
    pub(super) fn enumerate_unpack(&mut self, t: u32) -> Option<R<()>> {
        let frame = self.frames.stack.last()?;
        if !matches!(frame.code.ops.get(frame.pc), Some(Instr::Unpack(2))) {
            return None;
        }
        let Some(Value::Iter(state)) = frame.stack.last() else { return None };
        if matches!(state.try_borrow().as_deref(), Ok(IterState::DictEntries { kind: 2, .. })) {
            return Some(self.dict_items_unpack(t));
        }
        let state = Rc::clone(state);
        {
            let st = state.try_borrow().ok()?;
            let IterState::Enumerate(_, src) = &*st else { return None };
            let src = src.try_borrow().ok()?;
            let IterState::Seq(Value::List(_) | Value::Tuple(_), _) = &*src else { return None };
        }
        if let Err(e) = self.meter.fuel(2 * crate::types::iter::FUEL_PER_ADAPTER_STEP) {
            return Some(Err(e));
        }
        let (index, item) = {
            let Ok(mut st) = state.try_borrow_mut() else {
                return Some(Err(internal("enumerate changed under its step")));
            };
            let IterState::Enumerate(n, src) = &mut *st else {
                return Some(Err(internal("enumerate changed under its step")));
            };
            let Ok(mut src) = src.try_borrow_mut() else {
                return Some(Err(internal("enumerate's source changed under its step")));
            };
            let IterState::Seq(seq, at) = &mut *src else {
                return Some(Err(internal("enumerate's source changed under its step")));
            };
            let item = match seq {
                Value::List(list) => list.borrow().get(*at).cloned(),
                Value::Tuple(tuple) => tuple.get(*at).cloned(),
                _ => None,
            };
            *at += 1;
            let index = *n;
            if item.is_some() {
                *n = index.saturating_add(1);
            }
            (index, item)
        };
        let Some(item) = item else {
            self.end_loop(t);
            return Some(Ok(()));
        };
        if let Err(e) = self.second_half() {
            item.discard();
            return Some(Err(e));
        }
        let frame = self.frames.stack.last_mut()?;
        frame.stack.push(item);
        frame.stack.push(Value::Int(index));
        Some(Ok(()))
    }

    /// `for k, v in d.items()`: the key and the value go to the stack as
    /// the unpack leaves them, read from the table in place, no pair made.
    /// The step pays a dict step without the pair's fuel, the unpack its
    /// unit (see `enumerate_unpack`).
    fn dict_items_unpack(&mut self, t: u32) -> R<()> {
        self.meter.fuel(crate::types::iter::FUEL_PER_DICT_STEP)?;
        let pair = {
            let frame = self.frames.stack.last().ok_or_else(|| internal("no frame"))?;
            let Some(Value::Iter(state)) = frame.stack.last() else {
                return Err(internal("dict items changed under its step"));
            };
            let mut st = state
                .try_borrow_mut()
                .map_err(|_| internal("dict items changed under its step"))?;
            st.dict_next(|k, v| (k.0.clone(), v.clone()))?
        };
        let Some((k, v)) = pair else {
            self.end_loop(t);
            return Ok(());
        };
        if let Err(e) = self.second_half() {
            k.discard();
            v.discard();
            return Err(e);
        }
        let frame = top!(self);
        frame.stack.push(v);
        frame.stack.push(k);
        Ok(())
    }

    /// The loop's next value, when its iterator is a range: an int made and
    /// stored in registers. A `Value` returned through `for_iter_next`'s
    /// `R<Option<Value>>` is written to memory by parts and read back whole,
    /// a stalled store-to-load forwarding per step (a fifth of the dispatch
    /// loop's time in `x = [x]` 10^7 times).
    #[inline(always)]
    pub(super) fn range_next(&mut self) -> RangeNext {
        let Some(frame) = self.frames.stack.last() else { return RangeNext::NotARange };
        let Some(Value::Iter(state)) = frame.stack.last() else { return RangeNext::NotARange };
        let Ok(mut st) = state.try_borrow_mut() else { return RangeNext::NotARange };
        let IterState::Range(cur, stop, step) = &mut *st else { return RangeNext::NotARange };
        match crate::types::iter::range_step(cur, *stop, *step) {
            Some(n) => RangeNext::Int(n),
            None => RangeNext::Done,
        }
    }

    /// The loop is over: drop its iterator and jump past it.
    #[inline(always)]
    pub(super) fn end_loop(&mut self, t: u32) {
        if let Some(frame) = self.frames.stack.last_mut() {
            frame.stack.pop();
            frame.pc = t as usize;
        }
    }

    #[inline(always)]
    fn store_target(&mut self, target: LoopTarget, v: Value) {
        match target {
            LoopTarget::Fast(l) => {
                if let Some(frame) = self.frames.stack.last_mut() {
                    if let Some(old) = frame.locals[l as usize].replace(v) {
                        old.discard();
                    }
                }
            }
            LoopTarget::Global(g) => self.store_global(g, v),
        }
    }
}

/// What [`Vm::range_next`] found.
pub(super) enum RangeNext {
    Int(i64),
    Done,
    NotARange,
}

/// Pops the top value into local `i` (`pop_into_local`).
#[inline(always)]
pub(super) fn store_fast(frame: &mut Frame, i: u32) -> R<()> {
    let Some(slot) = frame.locals.get_mut(i as usize) else {
        return Err(internal("local out of range"));
    };
    if pop_into_local(&mut frame.stack, slot) {
        return Ok(());
    }
    Err(internal("stack underflow"))
}

/// Pops the top value into a local's slot, an int by parts (over an int,
/// written in place; see `OperandStack::pop_int`). False, nothing done,
/// when the stack is empty.
#[inline(always)]
pub(super) fn pop_into_local(stack: &mut OperandStack, slot: &mut Option<Value>) -> bool {
    let v = match stack.pop_int() {
        Some(n) => {
            if let Some(Value::Int(l)) = slot {
                *l = n;
                return true;
            }
            Value::Int(n)
        }
        None => match stack.pop() {
            Some(v) => v,
            None => return false,
        },
    };
    if let Some(old) = slot.replace(v) {
        old.discard();
    }
    true
}

/// Pops the top value into global `i`, an int by parts as
/// `pop_into_local`. False, nothing done, when the stack is empty.
#[inline(always)]
pub(super) fn pop_into_global(
    stack: &mut OperandStack,
    globals: &mut Vec<Option<Value>>,
    i: u32,
) -> bool {
    let v = match stack.pop_int() {
        Some(n) => {
            if let Some(Some(Value::Int(g))) = globals.get_mut(i as usize) {
                *g = n;
                return true;
            }
            Value::Int(n)
        }
        None => match stack.pop() {
            Some(v) => v,
            None => return false,
        },
    };
    store_global_slot(globals, i, v);
    true
}

/// Writes global `i`, growing the slots to hold it.
#[inline(always)]
pub(super) fn store_global_slot(globals: &mut Vec<Option<Value>>, i: u32, v: Value) {
    let i = i as usize;
    if globals.len() <= i {
        globals.resize(i + 1, None);
    }
    if let Some(old) = globals[i].replace(v) {
        old.discard();
    }
}

/// Pushes a local's value (copied straight into the stack, see
/// `OperandStack::push_clone`), or raises CPython's error before it is assigned.
#[inline(always)]
pub(super) fn push_local(frame: &mut Frame, i: u32) -> R<()> {
    match frame.locals.get(i as usize) {
        Some(Some(v)) => {
            frame.stack.push_clone(v);
            Ok(())
        }
        _ => unbound_local(&frame.code, i),
    }
}

/// CPython's error for a local read before assignment.
#[cold]
pub(super) fn unbound_local<T>(code: &Code, i: u32) -> R<T> {
    let name = &code.local_names[i as usize];
    exc(
        ExcKind::UnboundLocalError,
        format!("cannot access local variable '{name}' where it is not associated with a value"),
    )
}

/// Int arithmetic the loop does inline; `None` hands over to `binary`
/// (overflow, a non-positive divisor, the other operators).
#[inline(always)]
pub(super) fn int_binary_fast(op: BinOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mult => x.checked_mul(y),
        BinOp::Mod if y > 0 => Some(x.rem_euclid(y)),
        BinOp::FloorDiv if y > 0 => Some(x.div_euclid(y)),
        _ => None,
    }
}

/// Comparisons of two ints the loop does inline; `None` for other
/// operands, and for `in`, `is` and the rest.
#[inline(always)]
pub(super) fn int_compare_fast(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    let (Value::Int(x), Value::Int(y)) = (a, b) else { return None };
    Some(match op {
        CmpOp::Lt => x < y,
        CmpOp::LtE => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::GtE => x >= y,
        CmpOp::Eq => x == y,
        CmpOp::NotEq => x != y,
        _ => return None,
    })
}

/// A condition's truth: bools and ints inline (`Value::truthy` is a call).
#[inline(always)]
pub(super) fn truthy_fast(v: &Value) -> bool {
    match v {
        Value::Bool(AlignedBool(b)) => *b,
        Value::Int(i) => *i != 0,
        other => other.truthy(),
    }
}
