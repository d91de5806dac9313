//! The call stack of the running task: its frames, the emptied buffers of
//! returned ones kept for the next calls, and how deep builtins' callbacks
//! nest (each nested loop counts as four frames against the depth cap).

use crate::value::Value;
use crate::value::frame::Frame;
use crate::value::stack::OperandStack;

/// The running task's frames (the dispatch loop reads the top one on every
/// instruction), the buffers they recycle, and the callbacks' nesting.
#[derive(Default)]
pub(super) struct Frames {
    /// The frames of the running task, innermost last.
    pub(super) stack: Vec<Frame>,
    /// Emptied operand stacks and locals of returned frames, reused by the
    /// next calls (a call then allocates nothing for them).
    pub(super) spare: Vec<(OperandStack, Vec<Option<Value>>)>,
    /// How many nested loops run callbacks of builtins (a sort's key...).
    pub(super) callback_depth: usize,
}

impl Frames {
    /// A recycled operand stack and locals (empty), or new ones.
    #[inline]
    pub(super) fn take_spare(&mut self) -> (OperandStack, Vec<Option<Value>>) {
        self.spare.pop().unwrap_or_default()
    }

    /// The frames running now, a nested callback loop counting four.
    #[inline]
    pub(super) fn depth(&self) -> usize {
        self.stack.len() + self.callback_depth * 4
    }

    /// Pops the top frame, which returned, keeping its operand stack and
    /// locals for the next call (a few, and only small ones: what they hold
    /// is not charged), taken from it where it lies; the rest is dropped in
    /// place (a frame moved out of the stack is a ~170-byte copy).
    #[inline]
    pub(super) fn pop_returned(&mut self) {
        let Some(frame) = self.stack.last_mut() else { return };
        if self.spare.len() < 16 && frame.stack.capacity() <= 64 && frame.locals.capacity() <= 64 {
            let mut stack = std::mem::take(&mut frame.stack);
            let mut locals = std::mem::take(&mut frame.locals);
            stack.clear();
            locals.clear();
            self.spare.push((stack, locals));
        }
        self.stack.truncate(self.stack.len() - 1);
    }
}
