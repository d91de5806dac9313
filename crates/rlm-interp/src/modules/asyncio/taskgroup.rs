//! `asyncio.TaskGroup()` as CPython 3.11 has it: the data only (its
//! flags, parent task, live tasks, errors), its repr and its methods'
//! names. Entering, leaving, `create_task` and the callback each task runs
//! when done are the machine's (`vm/taskgroup.rs`), on the loop's tasks.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// A task group's changing part (CPython's `TaskGroup` attributes).
#[derive(Default)]
pub struct TgState {
    pub entered: bool,
    pub exiting: bool,
    pub aborting: bool,
    pub parent_cancel_requested: bool,
    /// The task that entered it.
    pub parent: Option<Value>,
    /// Its tasks not done yet, by the order they were made (a task's era).
    pub tasks: BTreeMap<u64, Value>,
    /// The exceptions its tasks ended with (cleared once raised in a group).
    pub errors: Vec<Rc<Exception>>,
    /// The first `SystemExit` or `KeyboardInterrupt`, raised as itself.
    pub base_error: Option<Rc<Exception>>,
    /// The future `__aexit__` awaits while tasks are left.
    pub on_completed: Option<Value>,
}

/// `asyncio.TaskGroup()`.
#[derive(Default)]
pub struct TaskGroup {
    pub st: RefCell<TgState>,
}

impl NativeObject for TaskGroup {
    fn ty(&self) -> Ty {
        Ty::Other(&"TaskGroup")
    }

    fn repr(&self) -> Vec<ReprPart> {
        let Ok(st) = self.st.try_borrow() else {
            return vec![ReprPart::Text("<TaskGroup>".into())];
        };
        let mut s = String::from("<TaskGroup");
        if !st.tasks.is_empty() {
            s.push_str(&format!(" tasks={}", st.tasks.len()));
        }
        if !st.errors.is_empty() {
            s.push_str(&format!(" errors={}", st.errors.len()));
        }
        if st.aborting {
            s.push_str(" cancelling");
        } else if st.entered {
            s.push_str(" entered");
        }
        s.push('>');
        vec![ReprPart::Text(s)]
    }

    fn method_names(&self) -> &'static [&'static str] {
        &["create_task"]
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        let Ok(st) = self.st.try_borrow() else { return };
        st.parent
            .iter()
            .chain(st.tasks.values())
            .chain(st.on_completed.iter())
            .for_each(&mut *each);
        for e in st.errors.iter().chain(st.base_error.iter()) {
            each(&Value::Exc(e.clone()));
        }
    }

    fn mem_cost(&self) -> usize {
        let st = self.st.try_borrow();
        let n = st.map_or(0, |s| s.tasks.len() * 3 + s.errors.capacity());
        boxed_cost::<TaskGroup>() + crate::mem::vec_block::<Value>(n)
    }
}

impl Drop for TaskGroup {
    fn drop(&mut self) {
        let st = self.st.get_mut();
        let mut out: Vec<Value> = std::mem::take(&mut st.tasks).into_values().collect();
        out.extend(st.parent.take());
        out.extend(st.on_completed.take());
        out.extend(st.errors.drain(..).map(Value::Exc));
        out.extend(st.base_error.take().map(Value::Exc));
        defer_drop(out);
    }
}
