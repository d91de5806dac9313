//! Generator expressions: making one (`MakeGenerator`, a frame that has not
//! started) and running its frame to its next `yield` when a consumer asks
//! for an item (`for`, `next`, `any`, `join`...). The frame runs in a nested
//! loop on the frame stack, as a builtin's callback does, and is taken back
//! into the generator when it yields; a return, an exception or a host call
//! finishes the generator. Two kinds run at once instead, on the loop's own
//! frame stack (no nested loop, and a host call can suspend the program
//! there): the sole argument of the builtin `any` or `all`, read up to the
//! item that decides (issue #59: a step of a lazy generator cost ~2.5x
//! CPython's), and one whose body may reach a host call (it names a host
//! function or value, or a program's function whose code does), run as a
//! list comprehension.

use std::cell::RefCell;
use std::rc::Rc;

use crate::compile::Instr;
use crate::fault::{Fault, R, exc};
use crate::value::frame::{Collect, Generator};
use crate::value::*;
use crate::vm::{ExecEnd, Vm};

/// Fuel for each item a generator expression run at once for `any` or `all`
/// yields, besides its body's instructions: the `Yield` handing it over and
/// the builtin's read of it. Under callgrind an item of `any(x > k for x
/// in xs)` ran ~640 instructions for 7 units without it, 55 a unit with it
/// (the reference loop runs ~52 a unit).
pub(super) const FUEL_PER_ITEM_AT_ONCE: u64 = 5;

/// Fuel for a generator expression run at once for `any` or `all`, besides
/// a call's: its function made, its frame bound and pushed and, at its end,
/// popped. An `any` over one item ran ~3,900 instructions for 34 units
/// without it (2.2x the reference loop's instructions a unit; 1.4x with it).
const FUEL_PER_SHORT_CIRCUIT_START: u64 = 20;

/// Fuel for the end of a generator expression run at once for `any` or
/// `all`: the frame's return and the `Pop`, `GetIter` and `Call(1)` of the
/// builtin it skips.
const FUEL_PER_SHORT_CIRCUIT_END: u64 = 4;

/// The most code objects `generator_might_suspend` reads for one generator.
const MAX_CODES_SCANNED: usize = 64;

/// Why a host call cannot run inside a generator expression: its frame runs
/// nested inside whatever consumes it, which cannot be suspended.
const GENERATOR_HOST_MSG: &str = "a host call (llm_query...) cannot run inside a generator expression \
     (its items are made while a builtin or loop consumes them); use a list comprehension instead";

impl Vm {
    /// `MakeGenerator`: a generator over a frame of `func` (a generator
    /// expression's code) with `iterator` (its first iterable, evaluated
    /// now) as its argument, pushed with a `None` above it. A generator
    /// whose body may reach a host call runs at once instead, as the list
    /// comprehension it was before it was lazy: its frame, pushed on the
    /// loop's own frame stack, can suspend there, where a generator run by
    /// its consumer (a builtin) cannot. The caller's stack then holds the
    /// list it fills and, once the frame returns, its `None`.
    pub(super) fn make_generator(&mut self, func: &Rc<Function>, iterator: Value) -> R<()> {
        // Charged as a call is (`call_dispatch`): the frame is made now.
        self.meter.fuel(2)?;
        let mut frame = self.make_frame(func, vec![iterator], Vec::new())?;
        let run_at_once = match self.short_circuit_consumer() {
            Some(mode) => Some(mode),
            None if self.frames.callback_depth == 0 && self.generator_might_suspend(func)? => {
                Some(Collect::List)
            }
            None => None,
        };
        if let Some(mode @ (Collect::UntilTrue | Collect::UntilFalse)) = run_at_once {
            // Its answer replaces the builtin on the caller's stack when the
            // frame ends (`end_short_circuit`): no list, iterator or call.
            self.meter.fuel(FUEL_PER_SHORT_CIRCUIT_START)?;
            frame.collect = mode;
            return self.push_frame(frame);
        }
        if let Some(mode) = run_at_once {
            let list = Value::list(Vec::new());
            frame.stack.push(list.clone());
            frame.collect = mode;
            top!(self).stack.push(list);
            return self.push_frame(frame);
        }
        let g = Value::iter(IterState::Gen(Generator::boxed(frame)));
        let caller = top!(self);
        caller.stack.push(g);
        caller.stack.push(Value::None);
        Ok(())
    }

    /// `any(<genexpr>)` or `all(<genexpr>)`, the builtin itself, about to
    /// be called with the generator alone (the instructions after
    /// `MakeGenerator` are `Pop`, `GetIter`, `Call(1)` and the callee is
    /// below): the frame may run at once, read up to the item that decides,
    /// and its answer stands in for the builtin's call
    /// (`end_short_circuit`). Every item the builtin would have read is
    /// made, in the same order, and none after; an exception from the body
    /// reaches the same handlers.
    fn short_circuit_consumer(&self) -> Option<Collect> {
        let frame = self.frames.stack.last()?;
        let next = frame.code.ops.get(frame.pc..frame.pc + 3)?;
        if !matches!(next, [Instr::Pop, Instr::GetIter, Instr::Call(1)]) {
            return None;
        }
        match frame.stack.last() {
            Some(Value::Builtin(b)) if b.module.is_empty() => match b.name.as_str() {
                "any" => Some(Collect::UntilTrue),
                "all" => Some(Collect::UntilFalse),
                _ => None,
            },
            _ => None,
        }
    }

    /// An item of a frame run at once for `any` or `all`: charged as the
    /// builtin's read of it and the step that made it
    /// ([`FUEL_PER_ITEM_AT_ONCE`]); one that decides (true for `any`, false
    /// for `all`) ends the frame with the builtin's answer. One that does not
    /// is dropped (the builtin would have read it and gone on).
    pub(super) fn short_circuit_item(&mut self, v: Value, mode: Collect) -> R<()> {
        self.meter.fuel(FUEL_PER_ITEM_AT_ONCE)?;
        let decides = v.truthy() == (mode == Collect::UntilTrue);
        v.discard();
        if decides {
            self.end_short_circuit(mode == Collect::UntilTrue)?;
        }
        Ok(())
    }

    /// A frame run at once for `any` or `all` ends (an item decided, or it
    /// returned: `any` is false, `all` true): the answer replaces the builtin
    /// below it on the caller's stack and the caller moves past the `Pop`,
    /// `GetIter`, `Call(1)` that would have called it, charged as those
    /// instructions and the builtin's call would be.
    pub(super) fn end_short_circuit(&mut self, answer: bool) -> R<()> {
        self.meter.fuel(FUEL_PER_SHORT_CIRCUIT_END)?;
        self.frames.pop_returned();
        let caller = top!(self);
        match caller.stack.pop() {
            Some(Value::Builtin(_)) => {}
            _ => return Err(crate::vm::internal("any/all run at once without the builtin below")),
        }
        caller.stack.push(Value::Bool(AlignedBool(answer)));
        caller.pc += 3;
        Ok(())
    }

    /// Whether a generator expression's body may reach a host call: it
    /// names (as a global or a free variable) a host function or value, a
    /// method, a partial, or a program's function whose own code does, as
    /// the globals are now. Read from the code objects reached (at most
    /// [`MAX_CODES_SCANNED`]; past that it may, as far as this knows).
    fn generator_might_suspend(&mut self, func: &Rc<Function>) -> R<bool> {
        let mut codes: Vec<Rc<crate::compile::Code>> = Vec::new();
        let mut seen: Vec<*const crate::compile::Code> = Vec::new();
        if self.reach(&Value::Func(func.clone()), &mut codes) {
            return Ok(true);
        }
        while let Some(code) = codes.pop() {
            let at = Rc::as_ptr(&code);
            if seen.contains(&at) {
                continue;
            }
            seen.push(at);
            if seen.len() > MAX_CODES_SCANNED {
                return Ok(true);
            }
            // A unit per 16 instructions read (a few nanoseconds each).
            self.meter.fuel(1 + code.ops.len() as u64 / 16)?;
            for op in &code.ops {
                let global = match *op {
                    Instr::LoadGlobal(g)
                    | Instr::LoadGlobalLoadGlobal(g, _)
                    | Instr::LoadGlobalConstBinary(g, ..) => g as usize,
                    _ => continue,
                };
                let suspends = match self.globals.values.get(global) {
                    Some(Some(v)) => {
                        let v = v.clone();
                        self.reach(&v, &mut codes)
                    }
                    _ => self.globals.gnames.names.get_index(global).is_some_and(|(name, _)| {
                        self.globals.host_funcs.contains_key(name)
                            || self.globals.host_values.contains_key(name)
                    }),
                };
                if suspends {
                    return Ok(true);
                }
            }
            for c in &code.consts {
                if let Value::Func(f) = c {
                    codes.push(f.code.clone());
                }
            }
        }
        Ok(false)
    }

    /// Whether calling `v` (or a method of it) may reach a host call by
    /// itself; a program's function adds its code, and the functions its
    /// free variables hold, to `codes` to be read.
    fn reach(&self, v: &Value, codes: &mut Vec<Rc<crate::compile::Code>>) -> bool {
        match v {
            Value::Func(f) => {
                codes.push(f.code.clone());
                for cell in &f.closure {
                    let held = cell.borrow().clone();
                    match held {
                        Some(Value::Func(inner)) => codes.push(inner.code.clone()),
                        Some(other) if self.reach(&other, codes) => return true,
                        _ => {}
                    }
                }
                false
            }
            Value::Host(_) | Value::Method(_) => true,
            Value::Native(n) => n.module::<crate::modules::functools::Partial>().is_some(),
            Value::Builtin(b) => b.module == "host",
            _ => false,
        }
    }

    /// Runs a suspended generator's frame to its next item (`None`: it
    /// returned, or had ended). The generator `it` is marked running
    /// meanwhile; the frame moves from its box onto the frame stack and,
    /// when it yields, straight back (a frame is ~170 bytes: each move
    /// through a local was a `memcpy`), and never when it ends. The
    /// generator is found behind its iterator's `Suspended` twice a step
    /// (here and at the step's end), the borrow released between.
    pub(crate) fn resume_generator(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        let base = self.frames.stack.len();
        {
            let mut st = it.borrow_mut();
            let g = match &mut *st {
                IterState::Gen(g) => Generator::of(&mut **g),
                _ => None,
            };
            let Some(g) = g else {
                return Err(crate::vm::internal("resuming a generator that is not one"));
            };
            if g.frame.is_none() {
                if g.running {
                    return crate::fault::value_err("generator already executing");
                }
                return Ok(None);
            }
            // The resumption itself (the nested loop's entry, the frame
            // moved twice), besides the instructions the frame runs;
            // charged with the generator borrowed (the meter's checkpoint
            // runs no program code).
            self.meter.fuel(crate::cost::FUEL_PER_GENERATOR_STEP)?;
            // Each nested level counts as callbacks do, so that a chain of
            // generators over generators meets the call-depth limit.
            self.check_call_depth()?;
            let Some(frame) = g.frame.take() else {
                return Err(crate::vm::internal("resuming a generator without its frame"));
            };
            g.running = true;
            self.frames.stack.push(frame);
            // Released while the frame runs: it may ask this generator again.
        }
        self.frames.callback_depth += 1;
        // Nested loops use more Rust stack: grown on the heap (see `call_value`).
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.exec(base));
        self.frames.callback_depth -= 1;
        let yielded = matches!(r, Ok(ExecEnd::Yielded(_))) && self.frames.stack.len() == base + 1;
        if let IterState::Gen(g) = &mut *it.borrow_mut() {
            if let Some(g) = Generator::of(&mut **g) {
                g.finish_step(if yielded { self.frames.stack.pop() } else { None });
            }
        }
        self.frames.stack.truncate(base);
        generator_step_end(r, yielded)
    }
}

/// PEP 479 for a generator's frame run at once: a `StopIteration` leaving it
/// becomes the `RuntimeError` a lazy generator's consumer gets (else it
/// would end a loop around the consumer, or reach a handler for it).
pub(super) fn stop_iteration_leaving(e: Rc<Exception>) -> Rc<Exception> {
    if matches!(e.kind, ExcKind::StopIteration) {
        Exception::with_args(
            ExcKind::RuntimeError,
            vec![Value::str("generator raised StopIteration")],
        )
    } else {
        e
    }
}

/// What a generator's step gives its consumer, from how its frame's run ended.
fn generator_step_end(r: R<ExecEnd>, yielded: bool) -> R<Option<Value>> {
    match r {
        Ok(ExecEnd::Yielded(v)) if yielded => Ok(Some(v)),
        Ok(ExecEnd::Yielded(_)) => Err(crate::vm::internal("generator frame lost")),
        Ok(ExecEnd::Returned(_)) => Ok(None),
        Ok(ExecEnd::Suspend(..) | ExecEnd::Block(_) | ExecEnd::Yield(_))
        | Err(Fault::Suspend(..)) => exc(ExcKind::RuntimeError, GENERATOR_HOST_MSG),
        // CPython turns a StopIteration escaping a generator's body into
        // this (PEP 479): it would otherwise end the consumer's loop.
        Err(Fault::Exc(e)) if matches!(e.kind, ExcKind::StopIteration) => {
            exc(ExcKind::RuntimeError, "generator raised StopIteration")
        }
        Err(e) => Err(e),
    }
}
