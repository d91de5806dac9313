//! A cell as a unit that a limit error undoes (issue #53): the journal
//! (`undo`) is opened when a cell starts, dropped when it ends any other
//! way (its changes stand, as after a cell CPython finished or an
//! exception ended), and played back when a limit stops it: the globals
//! and every container the cell changed are as they were before it, and
//! what the cell made and held is released.

use crate::value::{Value, defer_drop};
use crate::vm::Vm;

impl Vm {
    /// Opens the journal of a cell about to start: a fresh epoch, and the
    /// global bindings as they are now.
    pub(super) fn begin_cell(&mut self) {
        self.end_cell();
        let epoch = crate::epoch::fresh_epoch();
        if let Ok(mut j) = self.meter.session.journal.try_borrow_mut() {
            j.epoch = epoch;
            j.globals = Some(self.globals.values.clone());
        }
        crate::epoch::swap_epoch(epoch);
        self.output.stop_traceback.clear();
        self.output.stop_memory = 0;
    }

    /// Drops the journal of the cell that ended: its changes stand.
    pub(crate) fn end_cell(&mut self) {
        let bytes = self.meter.session.journal.try_borrow_mut().map_or(0, |mut j| j.clear());
        crate::epoch::swap_epoch(0);
        self.meter.account.credit(bytes);
    }

    /// A limit stopped task `t`: where it was, and the bytes live.
    pub(super) fn note_stop(&mut self, t: usize) {
        self.output.stop_traceback = self.traceback_of(t);
        self.output.stop_memory = self.meter.account.live();
    }

    /// Where the running program was, outermost frame first: the frames of
    /// task `t` (the one a limit stopped), or of the main task.
    fn traceback_of(&self, t: usize) -> Vec<(String, u32)> {
        let frames = match self.event_loop.tasks.get(t).and_then(Option::as_ref) {
            Some(task) if !task.frames.is_empty() => &task.frames[..],
            _ => match self.event_loop.tasks.first().and_then(Option::as_ref) {
                Some(task) if !task.frames.is_empty() => &task.frames[..],
                _ => &self.frames.stack[..],
            },
        };
        frames
            .iter()
            .map(|f| {
                let line = f.code.lines.get(f.pc.saturating_sub(1)).copied().unwrap_or(0);
                (f.code.name.to_string(), line)
            })
            .collect()
    }

    /// A limit stopped the running cell: puts the session back as it was
    /// before the cell (globals, the containers it changed, the memory
    /// count) and drops everything the cell was running (frames, tasks,
    /// pending host calls). The session can run the next cell.
    pub(crate) fn roll_back(&mut self) {
        let mut released: Vec<Value> = Vec::new();
        let frames = self
            .frames
            .stack
            .take_all()
            .into_iter()
            .chain(self.event_loop.tasks.drain(..).flatten().flat_map(|t| t.frames));
        for f in frames {
            released.extend(f.into_values());
        }
        self.event_loop.reset();
        released.extend(self.host_calls.clear());
        released.extend(self.modules.sort_cmp.take());
        self.frames.callback_depth = 0;
        self.output.pending_limit = None;
        let journal = self.meter.session.journal.try_borrow_mut().ok().map(|mut j| {
            j.epoch = 0;
            (j.globals.take(), std::mem::take(&mut j.saved), std::mem::take(&mut j.bytes))
        });
        // Nothing the playback does is journaled.
        crate::epoch::swap_epoch(0);
        if let Some((globals, mut saved, bytes)) = journal {
            if let Some(mut globals) = globals {
                globals.resize(self.globals.gnames.names.len().max(globals.len()), None);
                let now = std::mem::replace(&mut self.globals.values, globals);
                released.extend(now.into_iter().flatten());
            }
            released.extend(crate::gc::restore_journaled(&self.meter.session, &mut saved));
            for (_, s) in saved.drain() {
                s.into_values(&mut released);
            }
            self.meter.account.credit(bytes);
        }
        self.globals.clear_builtin_cache();
        defer_drop(released);
        // Cycles the cell made are garbage now; the count is synced. Within
        // the room the budget leaves, as a collection during the run: its
        // bookkeeping is on no meter, and after a memory stop an unbounded
        // one held 38-61 MiB of heap past the budget (issue #77's
        // `deque.remove`). One that gives up leaves the cycles to the next
        // collection due.
        let room = self
            .meter
            .limits
            .memory_bytes
            .saturating_add(crate::meter::SYNC_GRACE)
            .saturating_sub(self.meter.account.live());
        let _ = crate::gc::collect_garbage_bounded(&self.meter.session, room);
        self.meter.reset_memory_pacing();
    }
}
