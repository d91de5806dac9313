//! A future of the event loop, CPython 3.11's `asyncio.Future` and what is
//! built on it (`Task`, gather's `_GatheringFuture`): its state, the
//! callbacks run when it is done, and a task's cancellation bookkeeping.
//! The data only: the loop that completes futures, schedules their
//! callbacks and steps the tasks is the machine's (`vm/tasks.rs`,
//! `vm/futures.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// Where a future stands: pending, or done with a result, an exception, or
/// cancelled (with the `CancelledError` to raise, whose message is the
/// cancel's).
pub enum FutState {
    Pending,
    Result(Value),
    Failed(Rc<Exception>),
    Cancelled(Rc<Exception>),
}

/// A callback run (scheduled on the loop) when a future is done, given the
/// future. Each is one of CPython's own callbacks, or the program's.
#[derive(Clone)]
pub enum DoneCb {
    /// `Task.__wakeup`: the task in slot `task` (of generation `era`) that
    /// awaits the future steps on with its outcome.
    Wakeup { task: usize, era: u64 },
    /// gather's `_done_callback` for its child at `index`.
    Gather { outer: Value },
    /// `_release_waiter(waiter)`: `wait_for`'s waiter is set to `None`.
    Release(Value),
    /// shield's `_inner_done_callback`: the outer future copies the inner's outcome.
    ShieldInner(Value),
    /// shield's `_outer_done_callback`: a cancelled outer leaves the inner alone.
    ShieldOuter(Value),
    /// `as_completed`'s `_on_completion`: the done future joins its queue.
    AsCompleted(Value),
    /// `fut.add_done_callback(f)`: the program's callable.
    User(Value),
    /// A task group's `_on_task_done` for one of its tasks.
    TaskGroup(Value),
    /// A timeout's `_on_timeout` (armed on the clock, not on a future).
    Timeout(Value),
    /// `as_completed`'s `_on_timeout` over its queue (armed on the clock).
    AsCompletedTimeout(Value),
}

impl DoneCb {
    fn value(&self) -> Option<&Value> {
        match self {
            DoneCb::Wakeup { .. } => None,
            DoneCb::Gather { outer: v }
            | DoneCb::Release(v)
            | DoneCb::ShieldInner(v)
            | DoneCb::ShieldOuter(v)
            | DoneCb::AsCompleted(v)
            | DoneCb::User(v)
            | DoneCb::TaskGroup(v)
            | DoneCb::Timeout(v)
            | DoneCb::AsCompletedTimeout(v) => Some(v),
        }
    }
}

/// Which of CPython's future classes it is.
pub enum FutKind {
    Future,
    /// A task: its coroutine runs in slot `slot` of the machine's tasks;
    /// its name is `set_name`'s to change.
    Task {
        slot: usize,
        era: u64,
        name: RefCell<String>,
    },
    /// `gather(...)`'s future over its children (`distinct` of them:
    /// `gather(c, c)` awaits `c` once).
    Gathering {
        children: Vec<Value>,
        return_exceptions: bool,
        distinct: usize,
    },
}

/// A future's changing part.
pub struct FutInner {
    pub state: FutState,
    pub callbacks: Vec<DoneCb>,
    /// A task's `_must_cancel` and `_cancel_message`: a cancel asked while
    /// it could not be thrown in yet.
    pub must_cancel: bool,
    pub cancel_msg: Option<Value>,
    /// A task's `_num_cancels_requested`.
    pub cancels: u32,
    /// A task's `_fut_waiter`: the future it awaits.
    pub waiting_on: Option<Value>,
    /// A gathering future's count of done children and `_cancel_requested`.
    pub finished: usize,
    pub cancel_requested: bool,
    /// `as_completed`'s queue of done futures, and its getters.
    pub done_queue: std::collections::VecDeque<Value>,
}

/// `asyncio.Future`, `asyncio.Task` or `_GatheringFuture`.
pub struct Future {
    pub kind: FutKind,
    pub inner: RefCell<FutInner>,
}

impl Future {
    pub(crate) fn new(kind: FutKind) -> Future {
        Future {
            kind,
            inner: RefCell::new(FutInner {
                state: FutState::Pending,
                callbacks: Vec::new(),
                must_cancel: false,
                cancel_msg: None,
                cancels: 0,
                waiting_on: None,
                finished: 0,
                cancel_requested: false,
                done_queue: Default::default(),
            }),
        }
    }

    /// Whether it is done (a result, an exception, or cancelled).
    pub(crate) fn done(&self) -> bool {
        !matches!(self.inner.borrow().state, FutState::Pending)
    }

    /// `fut.result()` once done: its result, or the exception it raises.
    pub(crate) fn outcome(&self) -> Option<Result<Value, Rc<Exception>>> {
        match &self.inner.borrow().state {
            FutState::Pending => None,
            FutState::Result(v) => Some(Ok(v.clone())),
            FutState::Failed(e) | FutState::Cancelled(e) => Some(Err(e.clone())),
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        matches!(self.inner.borrow().state, FutState::Cancelled(_))
    }

    /// The task's slot, if it is a task.
    pub(crate) fn task_slot(&self) -> Option<(usize, u64)> {
        match &self.kind {
            FutKind::Task { slot, era, .. } => Some((*slot, *era)),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static &'static str {
        match self.kind {
            FutKind::Future => &"Future",
            FutKind::Task { .. } => &"Task",
            FutKind::Gathering { .. } => &"_GatheringFuture",
        }
    }

    fn state_word(&self) -> &'static str {
        match self.inner.borrow().state {
            FutState::Pending => "pending",
            FutState::Cancelled(_) => "cancelled",
            _ => "finished",
        }
    }
}

/// A future of `v`, if it is one.
pub(crate) fn future_of(v: &Value) -> Option<&Future> {
    Native::of::<Future>(v)
}

/// A `CancelledError` carrying `msg` (if any), as CPython's `_make_cancelled_error`.
pub(crate) fn cancelled_error(msg: Option<&Value>) -> Rc<Exception> {
    Exception::with_args(ExcKind::CancelledError, msg.cloned().into_iter().collect())
}

impl NativeObject for Future {
    fn ty(&self) -> Ty {
        Ty::Other(self.type_name())
    }

    fn repr(&self) -> Vec<ReprPart> {
        let text = match &self.kind {
            FutKind::Task { name, .. } => {
                format!("<Task {} name='{}'>", self.state_word(), name.borrow())
            }
            _ => format!("<{} {}>", self.type_name(), self.state_word()),
        };
        vec![ReprPart::Text(text)]
    }

    fn method_names(&self) -> &'static [&'static str] {
        &[
            "add_done_callback",
            "cancel",
            "cancelled",
            "cancelling",
            "done",
            "exception",
            "get_name",
            "remove_done_callback",
            "result",
            "set_exception",
            "set_name",
            "set_result",
            "uncancel",
        ]
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        if let FutKind::Gathering { children, .. } = &self.kind {
            children.iter().for_each(&mut *each);
        }
        let Ok(inner) = self.inner.try_borrow() else { return };
        match &inner.state {
            FutState::Result(v) => each(v),
            FutState::Failed(e) | FutState::Cancelled(e) => e.args.iter().for_each(&mut *each),
            FutState::Pending => {}
        }
        inner.callbacks.iter().filter_map(DoneCb::value).for_each(&mut *each);
        inner.cancel_msg.iter().chain(inner.waiting_on.iter()).for_each(&mut *each);
        inner.done_queue.iter().for_each(each);
    }

    fn mem_cost(&self) -> usize {
        let inner = self.inner.try_borrow();
        let n = inner.map_or(0, |i| i.callbacks.capacity());
        boxed_cost::<Future>() + crate::mem::vec_block::<DoneCb>(n)
    }
}

impl Drop for Future {
    fn drop(&mut self) {
        let mut out = Vec::new();
        if let FutKind::Gathering { children, .. } = &mut self.kind {
            out.append(children);
        }
        let inner = self.inner.get_mut();
        if let FutState::Result(v) = std::mem::replace(&mut inner.state, FutState::Pending) {
            out.push(v);
        }
        for cb in inner.callbacks.drain(..) {
            out.extend(cb.value().cloned());
        }
        out.extend(inner.cancel_msg.take());
        out.extend(inner.waiting_on.take());
        out.extend(inner.done_queue.drain(..));
        defer_drop(out);
    }
}
