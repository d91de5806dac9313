//! A frame's data: the code it runs, its position, operand stack, locals,
//! cells, exception blocks and what it was charged; and a suspended
//! generator's (`Generator`). The machine (`vm/`) runs frames; a suspended
//! generator's frame is held by its iterator (`IterState::Gen`), so the
//! frame's data is the value layer's, beside the other data a value holds
//! (issue #59: the iterator named `vm::Frame`, which put the machine in the
//! values' circle). The iterator holds the generator behind `Suspended`
//! (`value.rs`), so this file names the value layer and the value layer
//! does not name it (issue #59: the values' circle was 7 files with this
//! one and the operand stack in it).

use std::any::Any;
use std::rc::Rc;

use super::stack::OperandStack;
use super::*;
use crate::code::CodeOf;

/// A `try` block entered and not yet left: where its handler starts, and
/// the operand stack's and handled exceptions' depths to unwind to.
pub(crate) struct Block {
    pub(crate) handler: u32,
    pub(crate) stack_len: usize,
    pub(crate) handled_len: usize,
}

/// A running (or suspended) call of a function's code.
pub(crate) struct Frame {
    pub(crate) code: Rc<CodeOf<Value>>,
    pub(crate) pc: usize,
    pub(crate) stack: OperandStack,
    pub(crate) locals: Vec<Option<Value>>,
    pub(crate) cells: Vec<Rc<StoreCell<Option<Value>>>>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) handled: Vec<Rc<Exception>>,
    /// What a large frame was charged (`call::frame_cost`), credited when it
    /// is dropped (held for that); `None` for the small frames the call-depth cap bounds.
    pub(crate) _charge: Option<FrameCharge>,
    /// How its `Yield`s hand items over when it is a generator expression's
    /// frame run at once on its consumer's frame stack (`vm/generator.rs`).
    pub(crate) collect: Collect,
}

/// How a generator expression's frame run at once, on the frame stack of
/// the code that consumes it, hands over its items (`Vm::make_generator`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collect {
    /// An ordinary frame, or a lazy generator's (its items go to whatever
    /// resumes it).
    No,
    /// Each item joins the list at the bottom of its operand stack: a body
    /// that may reach a host call runs as a list comprehension.
    List,
    /// `any(...)` (`all(...)`) reads it: the items are read up to the first
    /// true (false) one, which alone joins the list, and the frame ends.
    UntilTrue,
    UntilFalse,
}

impl Frame {
    /// The values a suspended generator's frame holds, for dropping without
    /// recursion (its cells, shared with the enclosing scope, are let go).
    pub(crate) fn into_values(self) -> impl Iterator<Item = Value> {
        let Frame { stack, locals, handled, .. } = self;
        stack
            .into_values()
            .chain(locals.into_iter().flatten())
            .chain(handled.into_iter().map(Value::Exc))
    }

    /// The buffers a suspended generator's frame holds (its operand stack,
    /// locals and cells; its own fields are in the generator's box) and
    /// what its values cost besides themselves.
    pub(crate) fn buffers_cost(&self) -> usize {
        use crate::mem::vec_block;
        // The cells are shared with the enclosing scope, which charges them.
        let values = self.stack.iter().chain(self.locals.iter().flatten());
        vec_block::<Value>(self.stack.capacity())
            + vec_block::<Option<Value>>(self.locals.capacity())
            + vec_block::<Rc<StoreCell<Option<Value>>>>(self.cells.capacity())
            + vec_block::<Block>(self.blocks.capacity())
            + values.map(Value::unowned_cost).sum::<usize>()
    }
}

/// A generator expression's state: its frame while suspended between
/// items; none while the frame runs or once it ended. Boxed once, with the
/// frame inline: each step moves the frame out and back into the same box
/// (a box per step cost an allocation and a free on every item).
pub(crate) struct Generator {
    pub(crate) frame: Option<Frame>,
    pub(crate) running: bool,
}

impl Generator {
    /// A generator over `frame`, as its iterator holds it.
    pub(crate) fn boxed(frame: Frame) -> Box<dyn Suspended> {
        Box::new(Generator { frame: Some(frame), running: false })
    }

    /// The generator an iterator's `Gen` state holds (`None` cannot happen:
    /// it is the one implementation of `Suspended`).
    #[inline]
    pub(crate) fn of(state: &mut dyn Suspended) -> Option<&mut Generator> {
        state.as_any_mut().downcast_mut::<Generator>()
    }

    /// A step ended: the frame comes back if it yielded (`None`: it ended).
    pub(crate) fn finish_step(&mut self, frame: Option<Frame>) {
        self.frame = frame;
        self.running = false;
    }
}

impl Suspended for Generator {
    fn mem_cost(&self) -> usize {
        std::mem::size_of::<Generator>() + self.frame.as_ref().map_or(0, Frame::buffers_cost)
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Drop for Generator {
    /// The frame's values leave one at a time, without recursion (a
    /// generator over a generator over ...).
    fn drop(&mut self) {
        self.frame.take().into_iter().flat_map(Frame::into_values).for_each(defer_drop_one);
    }
}

/// Bytes charged to an account for a frame's own buffers while it lives.
pub(crate) struct FrameCharge {
    pub(crate) account: crate::mem::AccountRef,
    pub(crate) bytes: usize,
}

impl Drop for FrameCharge {
    fn drop(&mut self) {
        self.account.credit(self.bytes);
    }
}
