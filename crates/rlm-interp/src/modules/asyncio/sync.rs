//! asyncio's synchronisation primitives as CPython 3.11 has them: `Event`,
//! `Lock`, `Semaphore` and `Queue` (and `as_completed`'s queue of done
//! futures). The data only: their waiters are futures, which the loop
//! completes (`vm/loop_ops.rs` runs their methods).

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// Which primitive it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    Event,
    Lock,
    Semaphore,
    Queue,
}

/// A primitive's changing part.
#[derive(Default)]
pub struct SyncState {
    /// An event's flag, a lock's `_locked`; `as_completed`'s queue: closed
    /// by its timeout.
    pub flag: bool,
    /// A semaphore's value, a queue's `maxsize`.
    pub value: i64,
    /// The waiters (a queue's getters), futures in arrival order.
    pub waiters: VecDeque<Value>,
    /// A queue's putters.
    pub putters: VecDeque<Value>,
    /// A queue's items.
    pub items: VecDeque<Value>,
    /// A queue's unfinished tasks and its `_finished` event.
    pub unfinished: i64,
    pub finished: Option<Value>,
}

/// `asyncio.Event()`, `Lock()`, `Semaphore(n)` or `Queue(maxsize)`.
pub struct SyncObj {
    pub kind: SyncKind,
    pub st: RefCell<SyncState>,
    /// A queue's `maxsize` as given (an int, float or bool, as CPython keeps it);
    /// `st.value` is the item count at which it is full (0: never).
    pub maxsize: Value,
}

impl SyncObj {
    pub(crate) fn new(kind: SyncKind, value: i64, finished: Option<Value>) -> SyncObj {
        SyncObj {
            kind,
            st: RefCell::new(SyncState { value, finished, ..Default::default() }),
            maxsize: Value::Int(value),
        }
    }

    /// `asyncio.Queue(maxsize)`: full at `qsize() >= maxsize` when `maxsize > 0`,
    /// so a float maxsize of 1.3 holds 2 items, as CPython's comparison does.
    pub(crate) fn queue(maxsize: Value, finished: Value) -> SyncObj {
        let full_at = match maxsize {
            Value::Float(f) if f > 0.0 && f.is_finite() => f.ceil().min(i64::MAX as f64) as i64,
            Value::Float(_) => 0,
            ref v => crate::args::as_int(v).unwrap_or(0).max(0),
        };
        let st = SyncState { value: full_at, finished: Some(finished), ..Default::default() };
        SyncObj { kind: SyncKind::Queue, st: RefCell::new(st), maxsize }
    }

    /// A queue's `full()`.
    pub(crate) fn full(&self) -> bool {
        let st = self.st.borrow();
        st.value > 0 && st.items.len() as i64 >= st.value
    }

    /// A lock's or semaphore's `locked()`.
    pub(crate) fn locked(&self) -> bool {
        let st = self.st.borrow();
        match self.kind {
            SyncKind::Semaphore => {
                st.value == 0
                    || st.waiters.iter().any(|w| {
                        !crate::modules::asyncio::future::future_of(w)
                            .is_some_and(|f| f.cancelled())
                    })
            }
            _ => st.flag,
        }
    }

    fn name(&self) -> &'static &'static str {
        match self.kind {
            SyncKind::Event => &"Event",
            SyncKind::Lock => &"Lock",
            SyncKind::Semaphore => &"Semaphore",
            SyncKind::Queue => &"Queue",
        }
    }
}

impl NativeObject for SyncObj {
    fn ty(&self) -> Ty {
        Ty::Other(self.name())
    }

    fn repr(&self) -> Vec<ReprPart> {
        let st = self.st.borrow();
        let extra = match self.kind {
            SyncKind::Event => if st.flag { "set" } else { "unset" }.to_string(),
            SyncKind::Lock => if st.flag { "locked" } else { "unlocked" }.to_string(),
            SyncKind::Semaphore => format!("value:{}", st.value),
            SyncKind::Queue => match self.maxsize {
                Value::Float(f) => format!("maxsize={}", crate::types::float::repr::float_repr(f)),
                Value::Bool(AlignedBool(b)) => {
                    format!("maxsize={}", if b { "True" } else { "False" })
                }
                _ => format!("maxsize={}", crate::args::as_int(&self.maxsize).unwrap_or(0)),
            },
        };
        vec![ReprPart::Text(format!("<asyncio.{} [{extra}]>", self.name()))]
    }

    fn method_names(&self) -> &'static [&'static str] {
        match self.kind {
            SyncKind::Event => &["clear", "is_set", "set", "wait"],
            SyncKind::Lock => &["acquire", "locked", "release"],
            SyncKind::Semaphore => &["acquire", "locked", "release"],
            SyncKind::Queue => &[
                "empty",
                "full",
                "get",
                "get_nowait",
                "join",
                "put",
                "put_nowait",
                "qsize",
                "task_done",
            ],
        }
    }

    fn attr(&self, name: &str) -> Option<Value> {
        match (self.kind, name) {
            (SyncKind::Queue, "maxsize") => Some(self.maxsize.clone()),
            _ => None,
        }
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        let Ok(st) = self.st.try_borrow() else { return };
        st.waiters
            .iter()
            .chain(st.putters.iter())
            .chain(st.items.iter())
            .chain(st.finished.iter())
            .for_each(each);
    }

    fn mem_cost(&self) -> usize {
        let st = self.st.try_borrow();
        let n = st.map_or(0, |s| s.items.capacity() + s.waiters.capacity() + s.putters.capacity());
        boxed_cost::<SyncObj>() + crate::mem::vec_block::<Value>(n)
    }
}

impl Drop for SyncObj {
    fn drop(&mut self) {
        let st = self.st.get_mut();
        let mut out: Vec<Value> = st.items.drain(..).collect();
        out.extend(st.waiters.drain(..));
        out.extend(st.putters.drain(..));
        out.extend(st.finished.take());
        defer_drop(out);
    }
}
