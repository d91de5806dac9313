//! The plain instructions' loop: the instructions that touch only the top
//! frame, its code's constants and the globals (loads, stores, jumps, int
//! arithmetic and comparisons, range and list loops, cells, `not`), and a
//! few whose work is known before it is done (a list comprehension's append
//! within the memory count, `w in line` over a short line, the calls that
//! charge nothing of their own: `len(x)`, `d.get(k)`, `s.startswith(p)`,
//! and `d[k] = v` over the entry the lookup before it found) run here with the
//! frame, its code and the pc held in registers. The full loop
//! (`exec_inner`) looks each of them up through the `Vm` per instruction,
//! about a third of a plain instruction's cost (issue #59).
//!
//! Exact by construction: an instruction outside the set, or a case its
//! fast path here does not take (an unbound local, an operand that is not
//! an int, an overflow, an iterator that is not a range or a list), goes to
//! the full loop's match charged and with the pc past it, as the full loop
//! would have reached it, and nothing of it done. The loop runs only while
//! the fuel is at least [`PLAIN_MARGIN`] units from the next checkpoint, so
//! no instruction here (a fused one charges up to three units, a short `in`
//! its search's units within what is left) reaches a checkpoint or the
//! fuel limit: those stay the full loop's.

use crate::compile::Instr;
use crate::value::frame::{Block, Collect, Frame};
use crate::value::stack::OperandStack;
use crate::value::*;
use crate::vm::Vm;
use crate::vm::builtin_fast::len_in_place;
use crate::vm::frames::Frames;
use crate::vm::fused::{
    int_binary_fast, int_compare_fast, pop_into_global, pop_into_local, store_global_slot,
    truthy_fast,
};
use crate::vm::generator::FUEL_PER_ITEM_AT_ONCE;
use crate::vm::globals::Globals;
use crate::vm::method_fast::method_in_place;
use rlm_syntax::ast::{CmpOp, UnaryOp};

/// The most units one instruction here charges (a three-instruction fusion).
const PLAIN_MARGIN: u64 = 3;

/// A loop's next item, read where the iterator lies.
enum Step {
    Item(Value),
    Done,
    /// Not a range, a list or a tuple: the full loop's step.
    Other,
}

impl Vm {
    /// Runs plain instructions from the top frame's pc. Returns the first
    /// other one, charged, the frame's pc past it; `None` when the
    /// checkpoint is near (or there is no frame or instruction), nothing
    /// charged for the next instruction.
    #[inline(always)]
    pub(super) fn run_plain(&mut self) -> Option<Instr> {
        let Vm { frames: Frames { stack: frames, .. }, meter, globals, .. } = self;
        let Globals { values: globals, builtin_cache, .. } = globals;
        // `left`: how many units may still be charged before no
        // instruction may start here (`PLAIN_MARGIN` short of the
        // checkpoint), counted down in one register: the fuel used and the
        // last start held apart cost the loop a register it spilled
        // (issue #79, `arith_loop`). Written back as fuel on the way out.
        let room = room_of(meter)?;
        let Frame { code, pc: frame_pc, stack, locals, cells, blocks, handled, collect, .. } =
            frames.last_mut()?;
        // The instructions as a slice, held across the loop: read through
        // the frame, they were reloaded after every store to the stack
        // (which may alias them, for all the compiler knows).
        let ops: &[Instr] = &code.ops;
        let consts = &code.consts;
        let names = &code.names;
        let mut pc = *frame_pc;
        let mut left = room;
        macro_rules! full_loop {
            ($op:expr) => {{
                *frame_pc = pc;
                meter.fuel_used = fuel_after(meter, left);
                return Some($op);
            }};
        }
        loop {
            if left < 0 {
                break;
            }
            // Matched in place: each arm reads only its own operands.
            let Some(instr) = ops.get(pc) else { break };
            left -= 1;
            pc += 1;
            match *instr {
                Instr::LoadConst(i) => match consts.get(i as usize) {
                    Some(v) => stack.push_clone(v),
                    None => full_loop!(*instr),
                },
                Instr::LoadNone => stack.push(Value::None),
                Instr::LoadFast(i) => match locals.get(i as usize) {
                    Some(Some(v)) => stack.push_clone(v),
                    _ => full_loop!(*instr),
                },
                Instr::StoreFast(i) => {
                    if !store_local(stack, locals, i) {
                        full_loop!(*instr)
                    }
                }
                Instr::LoadFastLoadFast(a, b) => {
                    match (locals.get(a as usize), locals.get(b as usize)) {
                        (Some(Some(x)), Some(Some(y))) => {
                            stack.push_clone(x);
                            stack.push_clone(y);
                        }
                        _ => full_loop!(*instr),
                    }
                    left -= 1;
                    pc += 1;
                }
                Instr::LoadGlobal(i) => match global_or_builtin(globals, builtin_cache, i) {
                    Some(v) => stack.push_clone(v),
                    None => full_loop!(*instr),
                },
                Instr::LoadGlobalLoadGlobal(a, b) => {
                    match (
                        global_or_builtin(globals, builtin_cache, a),
                        global_or_builtin(globals, builtin_cache, b),
                    ) {
                        (Some(x), Some(y)) => {
                            stack.push_clone(x);
                            stack.push_clone(y);
                        }
                        _ => full_loop!(*instr),
                    }
                    left -= 1;
                    pc += 1;
                }
                Instr::StoreGlobal(i) => {
                    if !pop_into_global(stack, globals, i) {
                        full_loop!(*instr)
                    }
                }
                Instr::Jump(t) => pc = t as usize,
                Instr::JumpIfFalse(t) | Instr::JumpIfTrue(t) => {
                    let Some(v) = stack.pop() else { full_loop!(*instr) };
                    if truthy_fast(&v) == matches!(instr, Instr::JumpIfTrue(_)) {
                        pc = t as usize;
                    }
                    v.discard();
                }
                Instr::Pop => {
                    if let Some(v) = stack.pop() {
                        v.discard();
                    }
                }
                Instr::Binary(bop) | Instr::Inplace(bop) => {
                    let [.., Value::Int(x), Value::Int(y)] = &mut **stack else {
                        full_loop!(*instr)
                    };
                    let Some(r) = int_binary_fast(bop, *x, *y) else { full_loop!(*instr) };
                    *x = r;
                    stack.pop_int();
                }
                Instr::Compare(cop @ (CmpOp::In | CmpOp::NotIn)) => {
                    let Some((v, units)) = pop_str_in(stack, cop, within(left)) else {
                        full_loop!(*instr)
                    };
                    left -= units as i64;
                    stack.push(Value::Bool(AlignedBool(v)));
                }
                Instr::CompareJumpIfFalse(cop @ (CmpOp::In | CmpOp::NotIn), t) => {
                    let Some((v, units)) = pop_str_in(stack, cop, within(left - 1)) else {
                        full_loop!(*instr)
                    };
                    left -= 1 + units as i64;
                    pc = if v { pc + 1 } else { t as usize };
                }
                Instr::Compare(cop) => {
                    let Some(v) = pop_int_compare(stack, cop) else { full_loop!(*instr) };
                    stack.push(Value::Bool(AlignedBool(v)));
                }
                Instr::CompareJumpIfFalse(cop, t) => {
                    let Some(v) = pop_int_compare(stack, cop) else { full_loop!(*instr) };
                    left -= 1;
                    pc = if v { pc + 1 } else { t as usize };
                }
                Instr::Unary(UnaryOp::Not) => {
                    let Some(v) = stack.pop() else { full_loop!(*instr) };
                    let not = !truthy_fast(&v);
                    v.discard();
                    stack.push(Value::Bool(AlignedBool(not)));
                }
                Instr::LoadCell(i) => match cells.get(i as usize).map(|c| c.borrow().clone()) {
                    Some(Some(v)) => stack.push(v),
                    _ => full_loop!(*instr),
                },
                Instr::StoreCell(i) => {
                    let Some(cell) = cells.get(i as usize) else { full_loop!(*instr) };
                    let Some(v) = stack.pop() else { full_loop!(*instr) };
                    *cell.borrow_mut() = Some(v);
                }
                Instr::Yield => {
                    // An item of `any(<genexpr>)` or `all(<genexpr>)` run at
                    // once that does not decide: charged and dropped as
                    // `short_circuit_item` does. One that decides, or any
                    // other frame's yield, is the full loop's.
                    let until_true = match *collect {
                        Collect::UntilTrue => true,
                        Collect::UntilFalse => false,
                        _ => full_loop!(*instr),
                    };
                    let Some(v) = stack.last() else { full_loop!(*instr) };
                    if truthy_fast(v) == until_true || !affordable(left, FUEL_PER_ITEM_AT_ONCE) {
                        full_loop!(*instr)
                    }
                    left -= FUEL_PER_ITEM_AT_ONCE as i64;
                    if let Some(v) = stack.pop() {
                        v.discard();
                    }
                }
                // `len(x)`, `d.get(k)`, `s.startswith(p)`: no charge of
                // their own and no error (see `len_in_place` and
                // `method_in_place`); any other call is the full loop's.
                Instr::Call(argc) => {
                    if !len_in_place(stack, argc) {
                        full_loop!(*instr)
                    }
                }
                Instr::CallMethod(name, argc) => {
                    if !method_in_place(stack, names, name, argc) {
                        full_loop!(*instr)
                    }
                }
                Instr::StoreSubscr | Instr::StoreSubscrAssign => {
                    let value_first = matches!(instr, Instr::StoreSubscrAssign);
                    if !crate::types::dict::store_found_item(stack, value_first) {
                        full_loop!(*instr)
                    }
                }
                Instr::ListAppend(depth) => {
                    if !list_append(stack, meter, depth) {
                        full_loop!(*instr)
                    }
                }
                Instr::LoadConstBinary(c, bop, _) => {
                    let (Some(Value::Int(y)), Some(Value::Int(x))) =
                        (consts.get(c as usize), stack.last_mut())
                    else {
                        full_loop!(*instr)
                    };
                    let Some(r) = int_binary_fast(bop, *x, *y) else { full_loop!(*instr) };
                    *x = r;
                    left -= 1;
                    pc += 1;
                }
                Instr::LoadFastConstBinary(l, c, bop, _) => {
                    let (Some(Some(Value::Int(x))), Some(Value::Int(y))) =
                        (locals.get(l as usize), consts.get(c as usize))
                    else {
                        full_loop!(*instr)
                    };
                    let Some(r) = int_binary_fast(bop, *x, *y) else { full_loop!(*instr) };
                    stack.push(Value::Int(r));
                    left -= 2;
                    pc += 2;
                }
                Instr::LoadGlobalConstBinary(g, c, bop, _) => {
                    let (Some(Some(Value::Int(x))), Some(Value::Int(y))) =
                        (globals.get(g as usize), consts.get(c as usize))
                    else {
                        full_loop!(*instr)
                    };
                    let Some(r) = int_binary_fast(bop, *x, *y) else { full_loop!(*instr) };
                    stack.push(Value::Int(r));
                    left -= 2;
                    pc += 2;
                }
                Instr::LoadConstCompareJumpIfFalse(c, cop, t) => {
                    let (Some(b @ Value::Int(_)), Some(a @ Value::Int(_))) =
                        (consts.get(c as usize), stack.last())
                    else {
                        full_loop!(*instr)
                    };
                    let Some(v) = int_compare_fast(cop, a, b) else { full_loop!(*instr) };
                    stack.pop_int();
                    left -= 2;
                    pc = if v { pc + 2 } else { t as usize };
                }
                Instr::StoreFastJump(l, t) => {
                    if !store_local(stack, locals, l) {
                        full_loop!(*instr)
                    }
                    left -= 1;
                    pc = t as usize;
                }
                Instr::StoreGlobalJump(g, t) => {
                    if !pop_into_global(stack, globals, g) {
                        full_loop!(*instr)
                    }
                    left -= 1;
                    pc = t as usize;
                }
                Instr::ForIter(t) => match range_or_seq_step(stack) {
                    Step::Item(v) => stack.push(v),
                    Step::Done => {
                        stack.pop();
                        pc = t as usize;
                    }
                    Step::Other => {
                        // `for i, x in enumerate(<list or tuple>)`: the
                        // pair's step (`fused::enumerate_unpack`), when its
                        // charge and the unpack's stay short of the checkpoint.
                        if !matches!(ops.get(pc), Some(Instr::Unpack(2)))
                            || !affordable(left, ENUMERATE_STEP_FUEL + 1)
                        {
                            full_loop!(*instr)
                        }
                        match enumerate_step(stack) {
                            Some(Some((index, item))) => {
                                left -= ENUMERATE_STEP_FUEL as i64 + 1;
                                pc += 1;
                                stack.push(item);
                                stack.push(Value::Int(index));
                            }
                            Some(None) => {
                                left -= ENUMERATE_STEP_FUEL as i64;
                                stack.pop();
                                pc = t as usize;
                            }
                            None => full_loop!(*instr),
                        }
                    }
                },
                Instr::ForIterStoreFast(t, l) => {
                    if l as usize >= locals.len() {
                        full_loop!(*instr)
                    }
                    match range_or_seq_step(stack) {
                        Step::Item(v) => {
                            left -= 1;
                            pc += 1;
                            if let Some(old) = locals[l as usize].replace(v) {
                                old.discard();
                            }
                        }
                        Step::Done => {
                            stack.pop();
                            pc = t as usize;
                        }
                        Step::Other => full_loop!(*instr),
                    }
                }
                Instr::ForIterStoreGlobal(t, g) => match range_or_seq_step(stack) {
                    Step::Item(v) => {
                        left -= 1;
                        pc += 1;
                        store_global_slot(globals, g, v);
                    }
                    Step::Done => {
                        stack.pop();
                        pc = t as usize;
                    }
                    Step::Other => full_loop!(*instr),
                },
                Instr::Unpack(n) => {
                    let Some(Value::Tuple(t)) = stack.last() else { full_loop!(*instr) };
                    if t.len() != n as usize {
                        full_loop!(*instr)
                    }
                    let Some(Value::Tuple(mut t)) = stack.pop() else { full_loop!(*instr) };
                    match std::rc::Rc::get_mut(&mut t) {
                        Some(only) => stack.extend(only.take_items().into_iter().rev()),
                        None => t.iter().rev().for_each(|x| stack.push_clone(x)),
                    }
                }
                Instr::Dup => {
                    let Some(v) = stack.last() else { full_loop!(*instr) };
                    let v = v.clone();
                    stack.push(v);
                }
                Instr::Rot2 => {
                    let n = stack.len();
                    if n < 2 {
                        full_loop!(*instr)
                    }
                    stack.swap(n - 1, n - 2);
                }
                Instr::SetupExcept(handler) => {
                    let block =
                        Block { handler, stack_len: stack.len(), handled_len: handled.len() };
                    blocks.push(block);
                }
                Instr::PopBlock => {
                    blocks.pop();
                }
                Instr::JumpIfFalseOrPop(t) | Instr::JumpIfTrueOrPop(t) => {
                    let jump = match stack.last() {
                        Some(Value::Bool(AlignedBool(b))) => *b,
                        Some(Value::Int(n)) => *n != 0,
                        _ => full_loop!(*instr),
                    } == matches!(instr, Instr::JumpIfTrueOrPop(_));
                    if jump {
                        pc = t as usize;
                    } else {
                        stack.pop();
                    }
                }
                Instr::Defer => {}
                _ => full_loop!(*instr),
            }
        }
        *frame_pc = pc;
        meter.fuel_used = fuel_after(meter, left);
        None
    }
}

/// The next item of the loop whose iterator is on top of the stack, when
/// it is a range (an int made in registers) or walks a list or a tuple (the
/// item copied out under the borrows); the index moves on past the end too,
/// as `iter_next` moves it.
#[inline(always)]
fn range_or_seq_step(stack: &OperandStack) -> Step {
    let Some(Value::Iter(state)) = stack.last() else { return Step::Other };
    let Ok(mut st) = state.try_borrow_mut() else { return Step::Other };
    match &mut *st {
        IterState::Range(cur, stop, step) => {
            match crate::types::iter::range_step(cur, *stop, *step) {
                Some(n) => Step::Item(Value::Int(n)),
                None => Step::Done,
            }
        }
        IterState::Seq(seq, at) => {
            let item = match seq {
                Value::List(list) => match list.try_borrow() {
                    Ok(items) => items.get(*at).map(Value::clone_fast),
                    Err(_) => return Step::Other,
                },
                Value::Tuple(tuple) => tuple.get(*at).map(Value::clone_fast),
                _ => return Step::Other,
            };
            *at += 1;
            match item {
                Some(v) => Step::Item(v),
                None => Step::Done,
            }
        }
        _ => Step::Other,
    }
}

/// `enumerate`'s step over a list or a tuple: the adapter's and its
/// source's (`fused::enumerate_unpack`).
const ENUMERATE_STEP_FUEL: u64 = 2 * crate::types::iter::FUEL_PER_ADAPTER_STEP;

/// The next (index, item) of the `enumerate` over a list or a tuple on top
/// of the stack, `Some(None)` at its end (the source's index moves on past
/// it, as `iter_next` moves it); `None`: another iterator, nothing done.
#[inline(always)]
fn enumerate_step(stack: &OperandStack) -> Option<Option<(i64, Value)>> {
    let Some(Value::Iter(state)) = stack.last() else { return None };
    let mut st = state.try_borrow_mut().ok()?;
    let IterState::Enumerate(n, src) = &mut *st else { return None };
    let mut src = src.try_borrow_mut().ok()?;
    let IterState::Seq(seq, at) = &mut *src else { return None };
    let item = match seq {
        Value::List(list) => list.try_borrow().ok()?.get(*at).map(Value::clone_fast),
        Value::Tuple(tuple) => tuple.get(*at).map(Value::clone_fast),
        _ => return None,
    };
    *at += 1;
    let index = *n;
    Some(item.map(|item| {
        *n = index.saturating_add(1);
        (index, item)
    }))
}

/// A global's value, or the builtin already looked up for its slot.
#[inline(always)]
fn global_or_builtin<'a>(
    globals: &'a [Option<Value>],
    builtin_cache: &'a [Option<Value>],
    i: u32,
) -> Option<&'a Value> {
    match globals.get(i as usize) {
        Some(Some(v)) => Some(v),
        _ => builtin_cache.get(i as usize)?.as_ref(),
    }
}

/// Two ints on top of the stack compared and popped; `None`: other
/// operands or operators, nothing popped.
#[inline(always)]
fn pop_int_compare(stack: &mut OperandStack, op: CmpOp) -> Option<bool> {
    let [.., a @ Value::Int(_), b @ Value::Int(_)] = &**stack else { return None };
    let v = int_compare_fast(op, a, b)?;
    stack.pop_int();
    stack.pop_int();
    Some(v)
}

/// `ListAppend(depth)`'s work when the list `depth` items below the value
/// stays within the length cap and its growth's memory is counted without
/// a sync; false, nothing done, else (the full loop checks and syncs). Out
/// of line, as `pop_str_in`: inlined, they cost the int loops registers.
#[inline(never)]
fn list_append(stack: &mut OperandStack, meter: &mut crate::meter::Meter, depth: u32) -> bool {
    let Some(at) = stack.len().checked_sub(depth as usize + 2) else { return false };
    let Some(Value::List(l)) = stack.get(at) else { return false };
    let cost = {
        let items = l.borrow();
        if items.len() >= meter.limits.max_collection_len {
            return false;
        }
        crate::types::list::push_cost(&items)
    };
    if !meter.alloc_before_sync(cost) {
        return false;
    }
    let Some(v) = stack.pop() else { return false };
    if let Some(Value::List(l)) = stack.get(at) {
        l.borrow_mut_to_append().push(v);
    }
    true
}

/// The units left to the checkpoint when `left` is left to the last start
/// (an instruction's own units charged, so `left` is at least
/// `-PLAIN_MARGIN`).
#[inline(always)]
fn within(left: i64) -> u64 {
    u64::try_from(left + PLAIN_MARGIN as i64).unwrap_or(0)
}

/// Whether `units` more stay within the checkpoint.
#[inline(always)]
fn affordable(left: i64, units: u64) -> bool {
    units <= within(left)
}

/// The units from the fuel used to the plain loop's last start, `None`
/// past it (the meter is not written while the loop runs, so it is the
/// same on the way out).
#[inline(always)]
fn room_of(meter: &crate::meter::Meter) -> Option<i64> {
    let room = meter.fuel_checkpoint.checked_sub(PLAIN_MARGIN)?.checked_sub(meter.fuel_used)?;
    Some(i64::try_from(room).unwrap_or(i64::MAX))
}

/// The fuel used when the loop has `left` of the units it entered with.
#[inline(always)]
fn fuel_after(meter: &crate::meter::Meter, left: i64) -> u64 {
    let room = room_of(meter).unwrap_or(0);
    meter.fuel_used + room.abs_diff(left)
}

/// `needle in hay` (or `not in`) for two strings on top of the stack,
/// searched and popped when the text is short and the search's charge stays
/// within `budget` (the units left to the checkpoint): the answer and the
/// units it costs. `None`: other operands, a longer text or a dearer
/// search, nothing done.
#[inline(never)]
fn pop_str_in(stack: &mut OperandStack, op: CmpOp, budget: u64) -> Option<(bool, u64)> {
    let [.., Value::Str(needle), Value::Str(hay)] = &**stack else { return None };
    let (found, units) = crate::types::str::str_in_str_prepaid(needle, hay, budget)?;
    for _ in 0..2 {
        if let Some(v) = stack.pop() {
            v.discard();
        }
    }
    Some((found == (op == CmpOp::In), units))
}

/// `StoreFast(i)`'s work; false, nothing done, when the stack is empty or
/// the slot out of range.
#[inline(always)]
fn store_local(stack: &mut OperandStack, locals: &mut [Option<Value>], i: u32) -> bool {
    let Some(slot) = locals.get_mut(i as usize) else { return false };
    pop_into_local(stack, slot)
}
