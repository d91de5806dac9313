//! Generator expressions: making one (`MakeGenerator`, a frame that has not
//! started) and running its frame to its next `yield` when a consumer asks
//! for an item (`for`, `next`, `any`, `join`...). The frame runs in a nested
//! loop on the frame stack, as a builtin's callback does, and is taken back
//! into the generator when it yields; a return, an exception or a host call
//! finishes the generator.

use std::cell::RefCell;
use std::rc::Rc;

use crate::fault::{Fault, R, exc};
use crate::types::iter::Generator;
use crate::value::*;
use crate::vm::{ExecEnd, Frame, Vm};

/// Why a host call cannot run inside a generator expression: its frame runs
/// nested inside whatever consumes it, which cannot be suspended.
const GENERATOR_HOST_MSG: &str = "a host call (llm_query...) cannot run inside a generator expression \
     (its items are made while a builtin or loop consumes them); use a list comprehension instead";

impl Vm {
    /// A generator over a frame of `func` (a generator expression's code)
    /// with `iterator` (its first iterable, evaluated now) as its argument.
    pub(super) fn make_generator(&mut self, func: &Rc<Function>, iterator: Value) -> R<Value> {
        // Charged as a call is (`call_dispatch`): the frame is made now.
        self.fuel(2)?;
        let frame = self.make_frame(func, vec![iterator], Vec::new())?;
        Ok(Value::iter(IterState::Gen(Generator::new(frame))))
    }

    /// Runs a generator's `frame` to its next item (`None`: it returned).
    /// The generator `it` is marked running meanwhile; the frame goes back
    /// into it when it yields, and never when it ends.
    pub(crate) fn resume_generator(
        &mut self,
        it: &Rc<RefCell<IterState>>,
        frame: Box<Frame>,
    ) -> R<Option<Value>> {
        let (back, out) = self.run_generator_frame(*frame);
        if let IterState::Gen(g) = &mut *it.borrow_mut() {
            g.finish_step(back);
        }
        out
    }

    fn run_generator_frame(&mut self, frame: Frame) -> (Option<Box<Frame>>, R<Option<Value>>) {
        // The resumption itself (the nested loop's entry, the frame moved
        // twice), besides the instructions the frame runs.
        if let Err(e) = self.fuel(1) {
            return (Some(Box::new(frame)), Err(e));
        }
        // Each nested level counts as callbacks do, so that a chain of
        // generators over generators meets the call-depth limit.
        if let Err(e) = self.check_call_depth() {
            return (Some(Box::new(frame)), Err(e));
        }
        let base = self.frames.len();
        self.frames.push(frame);
        self.callback_depth += 1;
        // Nested loops use more Rust stack: grown on the heap (see `call_value`).
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.exec(base));
        self.callback_depth -= 1;
        match r {
            Ok(ExecEnd::Yielded(v)) => {
                let back = if self.frames.len() == base + 1 { self.frames.pop() } else { None };
                self.frames.truncate(base);
                match back {
                    Some(f) => (Some(Box::new(f)), Ok(Some(v))),
                    None => (None, Err(crate::vm::internal("generator frame lost"))),
                }
            }
            Ok(ExecEnd::Returned(_)) => {
                self.frames.truncate(base);
                (None, Ok(None))
            }
            Ok(ExecEnd::Suspend(..) | ExecEnd::Gather(_)) | Err(Fault::Suspend(..)) => {
                self.frames.truncate(base);
                (None, exc(ExcKind::RuntimeError, GENERATOR_HOST_MSG))
            }
            // CPython turns a StopIteration escaping a generator's body into
            // this (PEP 479): it would otherwise end the consumer's loop.
            Err(Fault::Exc(e)) if matches!(e.kind, ExcKind::StopIteration) => {
                self.frames.truncate(base);
                (None, exc(ExcKind::RuntimeError, "generator raised StopIteration"))
            }
            Err(e) => {
                self.frames.truncate(base);
                (None, Err(e))
            }
        }
    }
}
