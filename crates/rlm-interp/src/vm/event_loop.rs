//! The event loop's state (`tasks.rs` runs it): the task table by slot,
//! the ready queue, the virtual clock (`clock.rs`), where the loop is in
//! `asyncio.run`, and the task running now.

use std::collections::VecDeque;

use crate::modules::asyncio::future::{FutKind, Future};
use crate::value::frame::Frame;
use crate::value::{Native, Value, defer_drop};
use crate::vm::clock::Clock;
use crate::vm::{Handle, Task};

/// Where the loop is in `asyncio.run`.
#[derive(Clone, Copy, Default)]
pub(super) enum LoopPhase {
    /// Running until the main task is done.
    #[default]
    Main,
    /// The main task is done: one more round (CPython's stop callback).
    LastRound,
    /// The tasks left are cancelled: running until they end.
    Cancelling,
}

/// The scheduler: the loop's tasks and the callbacks ready to run, its
/// clock and timers, and which task runs now.
#[derive(Default)]
pub(super) struct EventLoop {
    /// The loop's tasks by slot (`None`: a free slot, reused).
    pub(super) tasks: Vec<Option<Task>>,
    /// The free slots of `tasks`.
    pub(super) free_slots: Vec<usize>,
    /// The next task's generation number (tells a slot's tasks apart).
    pub(super) next_era: u64,
    /// The loop's ready queue (`tasks.rs`).
    pub(super) ready: VecDeque<Handle>,
    /// How many tasks this session named (`Task-N`).
    pub(super) tasks_named: u64,
    /// Where the loop is in `asyncio.run` (`tasks.rs`).
    pub(super) loop_phase: LoopPhase,
    /// The loop's virtual time and its timers (`clock.rs`).
    pub(super) clock: Clock<Handle>,
    /// The slot of the task running now.
    pub(super) current_task: usize,
}

impl EventLoop {
    /// A new cell's loop: no tasks, nothing ready, the clock at 0.
    pub(super) fn reset(&mut self) {
        self.tasks.clear();
        self.free_slots.clear();
        self.ready.clear();
        self.clock.reset();
        self.loop_phase = LoopPhase::Main;
    }

    /// A new task over `frames` in a free slot, its first step scheduled
    /// (CPython's `Task.__init__`): its slot and its `asyncio.Task`.
    pub(super) fn new_task(&mut self, frames: Vec<Frame>) -> (usize, Value) {
        let era = self.next_era;
        self.next_era += 1;
        self.tasks_named += 1;
        let slot = self.free_slots.pop().unwrap_or(self.tasks.len());
        let name = format!("Task-{}", self.tasks_named);
        let fut = Native::value(Future::new(FutKind::Task { slot, era, name: name.into() }));
        let task = Task {
            frames,
            fut: fut.clone(),
            era,
            started: false,
            host: None,
            cont: None,
            charge: None,
        };
        if slot == self.tasks.len() {
            self.tasks.push(Some(task));
        } else {
            self.tasks[slot] = Some(task);
        }
        self.ready.push_back(Handle::Step { task: slot, era, send: None });
        (slot, fut)
    }

    /// The live task in `slot` of generation `era`.
    pub(super) fn task_mut(&mut self, slot: usize, era: u64) -> Option<&mut Task> {
        self.tasks.get_mut(slot)?.as_mut().filter(|t| t.era == era)
    }

    /// The task running now.
    pub(super) fn current(&self) -> Option<&Task> {
        self.tasks.get(self.current_task).and_then(Option::as_ref)
    }

    /// The task in slot `t` ended: its slot is free (its future lives on).
    pub(super) fn end_task(&mut self, t: usize) {
        if t == 0 {
            // The main task's slot stays: the loop reads its future.
            if let Some(task) = self.tasks[0].as_mut() {
                task.frames.clear();
                task.cont = None;
            }
            return;
        }
        if let Some(task) = self.tasks.get_mut(t).and_then(Option::take) {
            defer_drop(task.frames.into_iter().flat_map(Frame::into_values).collect());
            self.free_slots.push(t);
        }
    }

    /// Moves the timers due now to the ready queue (CPython: at the start
    /// of each round); when nothing is ready, first moves the clock to the
    /// earliest live timer. False when no timer was moved.
    pub(super) fn fire_due_timers(&mut self, advance: bool) -> bool {
        self.clock.fire_due(advance, &mut self.ready)
    }
}
