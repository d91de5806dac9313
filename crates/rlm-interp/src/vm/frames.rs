//! The call stack of the running task: its frames, returned ones kept
//! (emptied) for the next calls, and how deep builtins' callbacks nest
//! (each nested loop counts as four frames against the depth cap).

use crate::value::Value;
use crate::value::frame::Frame;
use crate::value::stack::OperandStack;

/// The running task's frames (the dispatch loop reads the top one on every
/// instruction), with returned ones kept for the next calls, and how deep
/// builtins' callbacks nest.
#[derive(Default)]
pub(super) struct Frames {
    /// The frames of the running task, innermost last (and returned ones
    /// kept for reuse above them: see [`FrameStack`]).
    pub(super) stack: FrameStack,
    /// How many nested loops run callbacks of builtins (a sort's key...).
    pub(super) callback_depth: usize,
}

impl Frames {
    /// An empty operand stack and locals for a new frame: a parked frame's
    /// (the frame pushed next takes that frame's slot), or new ones.
    #[inline]
    pub(super) fn take_spare(&mut self) -> (OperandStack, Vec<Option<Value>>) {
        self.stack.take_parked_buffers().unwrap_or_default()
    }

    /// The frames running now, a nested callback loop counting four.
    #[inline]
    pub(super) fn depth(&self) -> usize {
        self.stack.len() + self.callback_depth * 4
    }

    /// Pops the top frame, which returned. A small plain frame stays where
    /// it lies, emptied, for the next call to reuse ([`FrameStack`]); the
    /// rest is dropped in place.
    #[inline]
    pub(super) fn pop_returned(&mut self) {
        self.stack.pop_returned();
    }
}

/// The running task's frames, innermost last: `slots[..live]`, which is
/// what the stack derefs to. Above them lie up to [`PARKED`] frames that
/// returned, emptied, with their operand stack and locals buffers: a
/// plain call ([`FrameStack::reuse_top`]) rebinds the first one in place.
/// Neither the returning frame's buffers nor the frame itself move: moving
/// a frame's vectors out right after the loop had written their lengths
/// stalled the processor (a store forwarded to a wider load), about 8% of
/// a call-heavy program's time.
#[derive(Default)]
pub(crate) struct FrameStack {
    slots: Vec<Frame>,
    live: usize,
}

/// The most returned frames kept above the live ones (as many as the
/// deepest recent calls; each holds only small, emptied buffers).
const PARKED: usize = 16;

impl std::ops::Deref for FrameStack {
    type Target = [Frame];
    #[inline(always)]
    fn deref(&self) -> &[Frame] {
        self.slots.get(..self.live).unwrap_or_default()
    }
}

impl std::ops::DerefMut for FrameStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Frame] {
        self.slots.get_mut(..self.live).unwrap_or_default()
    }
}

impl FrameStack {
    /// The innermost frame. One comparison, as `Vec::last_mut`'s: with no
    /// frame, the index wraps past any vector's end.
    #[inline(always)]
    pub(crate) fn last_mut(&mut self) -> Option<&mut Frame> {
        self.slots.get_mut(self.live.wrapping_sub(1))
    }

    #[inline(always)]
    pub(crate) fn last(&self) -> Option<&Frame> {
        self.slots.get(self.live.wrapping_sub(1))
    }

    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Pushes `frame` as the innermost one. A parked frame in its slot
    /// moves up, to be reused later (a generator's frame, pushed for each
    /// of its items, would otherwise drop one each time), unless its
    /// buffers were taken for this frame ([`Frames::take_spare`]).
    pub(crate) fn push(&mut self, frame: Frame) {
        let live = self.live;
        self.live += 1;
        match self.slots.get_mut(live) {
            None => self.slots.push(frame),
            Some(husk) if husk.locals.capacity() == 0 => *husk = frame,
            Some(_) => {
                self.slots.push(frame);
                let last = self.slots.len() - 1;
                self.slots.swap(live, last);
            }
        }
    }

    /// The buffers of the parked frame the next push replaces.
    fn take_parked_buffers(&mut self) -> Option<(OperandStack, Vec<Option<Value>>)> {
        let parked = self.slots.get_mut(self.live)?;
        Some((std::mem::take(&mut parked.stack), std::mem::take(&mut parked.locals)))
    }

    /// Removes the innermost frame and gives it back (a generator keeps it
    /// between items); the parked frame last above it takes its slot.
    pub(crate) fn pop(&mut self) -> Option<Frame> {
        let i = self.live.checked_sub(1)?;
        self.live = i;
        Some(self.slots.swap_remove(i))
    }

    /// Drops the frames from `n` up (and the parked ones).
    pub(crate) fn truncate(&mut self, n: usize) {
        if n < self.live {
            self.slots.truncate(n);
            self.live = n;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.live = 0;
    }

    /// Exchanges the frames with a task's (its live ones only: the parked
    /// frames are dropped first).
    pub(crate) fn swap_with(&mut self, frames: &mut Vec<Frame>) {
        self.slots.truncate(self.live);
        std::mem::swap(&mut self.slots, frames);
        self.live = self.slots.len();
    }

    /// The live frames, taken (the parked ones dropped).
    pub(crate) fn take_all(&mut self) -> Vec<Frame> {
        self.slots.truncate(self.live);
        self.live = 0;
        std::mem::take(&mut self.slots)
    }

    /// The innermost frame and the parked frame above it, to be rebound
    /// in place for a call from it ([`FrameStack::push_reused`] makes it
    /// live). `None` when no frame is parked.
    #[inline(always)]
    pub(crate) fn reuse_top(&mut self) -> Option<(&mut Frame, &mut Frame)> {
        let i = self.live.checked_sub(1)?;
        match self.slots.get_mut(i..i + 2)? {
            [caller, parked] => Some((caller, parked)),
            _ => None,
        }
    }

    /// Makes the parked frame [`FrameStack::reuse_top`] gave the innermost.
    #[inline(always)]
    pub(crate) fn push_reused(&mut self) {
        self.live += 1;
    }

    /// Pops the top frame, which returned: parked in place, emptied, when
    /// its buffers are small and it holds no charge; else dropped.
    #[inline]
    fn pop_returned(&mut self) {
        let Some(i) = self.live.checked_sub(1) else { return };
        let parked = self.slots.len() - self.live;
        let Some(frame) = self.slots.get_mut(i) else { return };
        if parked < PARKED
            && frame.stack.capacity() <= 64
            && frame.locals.capacity() <= 64
            && frame._charge.is_none()
        {
            frame.stack.clear();
            frame.locals.clear();
            frame.cells.clear();
            frame.blocks.clear();
            frame.handled.clear();
            self.live = i;
        } else {
            self.pop();
        }
    }
}
