//! `asyncio.timeout(delay)` and `timeout_at(when)` (3.11's `Timeout`): the
//! data only, its state, deadline on the loop's virtual clock, the task it
//! was entered in and its armed timer. Entering, leaving and firing are
//! the machine's (`vm/timeout.rs`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// Where a timeout stands (CPython's `_State`, named by its value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TmState {
    Created,
    Entered,
    Expiring,
    Expired,
    Exited,
}

impl TmState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TmState::Created => "created",
            TmState::Entered => "active",
            TmState::Expiring => "expiring",
            TmState::Expired => "expired",
            TmState::Exited => "finished",
        }
    }
}

pub struct TmInner {
    pub state: TmState,
    /// The deadline (`None` or a number on the loop's clock).
    pub when: Value,
    pub task: Option<Value>,
    /// The armed `_on_timeout`'s cancel flag.
    pub timer: Option<Rc<Cell<bool>>>,
    /// The task's `cancelling()` when it was entered.
    pub cancelling: u32,
    /// Which arming of `_on_timeout` is the live one (each `reschedule`
    /// makes a new one; an older one that runs does nothing).
    pub armed: u64,
}

/// `asyncio.Timeout`.
pub struct Timeout {
    pub st: RefCell<TmInner>,
}

impl Timeout {
    pub(crate) fn new(when: Value) -> Timeout {
        Timeout {
            st: RefCell::new(TmInner {
                state: TmState::Created,
                when,
                task: None,
                timer: None,
                cancelling: 0,
                armed: 0,
            }),
        }
    }
}

impl NativeObject for Timeout {
    fn ty(&self) -> Ty {
        Ty::Other(&"Timeout")
    }

    fn repr(&self) -> Vec<ReprPart> {
        let Ok(st) = self.st.try_borrow() else {
            return vec![ReprPart::Text("<Timeout>".into())];
        };
        let mut s = format!("<Timeout [{}]", st.state.name());
        if st.state == TmState::Entered {
            let when = match &st.when {
                Value::Int(i) => i.to_string(),
                Value::Float(f) => {
                    crate::types::float::repr::float_repr((f * 1000.0).round() / 1000.0)
                }
                _ => "None".to_string(),
            };
            s.push_str(&format!(" when={when}"));
        }
        s.push('>');
        vec![ReprPart::Text(s)]
    }

    fn method_names(&self) -> &'static [&'static str] {
        &["expired", "reschedule", "when"]
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        let Ok(st) = self.st.try_borrow() else { return };
        each(&st.when);
        st.task.iter().for_each(each);
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Timeout>()
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        let st = self.st.get_mut();
        let mut out = vec![std::mem::replace(&mut st.when, Value::None)];
        out.extend(st.task.take());
        defer_drop(out);
    }
}
