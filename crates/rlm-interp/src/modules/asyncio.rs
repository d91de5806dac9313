//! The `asyncio` module: `gather` (awaiting it runs its parts at once, see
//! `vm/tasks.rs`), `sleep` and `wait_for` (awaitables on the loop's virtual
//! clock, `vm/clock.rs`: a sleep advances the clock instead of waiting, a
//! `wait_for` times out when its work needs more virtual time than its
//! timeout), `create_task` and friends (the coroutine itself);
//! `asyncio.run(main())` awaits in the running loop (`vm/call.rs`), so
//! calling `run` elsewhere explains that.

use std::cell::Cell;
use std::rc::Rc;

use crate::args::{Kwargs, check_kwargs, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::functions;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("asyncio", &["gather", "run", "sleep", "create_task", "wait_for", "ensure_future"])
}

/// A coroutine of the virtual clock, made by `asyncio.sleep(...)` or
/// `asyncio.wait_for(...)`; its arguments are checked when it is awaited,
/// as CPython's coroutines check theirs.
pub struct Timed {
    pub what: TimedKind,
    pub awaited: Cell<bool>,
}

pub enum TimedKind {
    /// `sleep(delay, result)`.
    Sleep { delay: Value, result: Value },
    /// `wait_for(awaitable, timeout)`.
    WaitFor { awaitable: Value, timeout: Value },
}

impl Timed {
    pub(crate) fn name(&self) -> &'static str {
        match self.what {
            TimedKind::Sleep { .. } => "sleep",
            TimedKind::WaitFor { .. } => "wait_for",
        }
    }

    /// Each value it holds, for the cycle collector.
    pub(crate) fn held(&self, mut each: impl FnMut(&Value)) {
        match &self.what {
            TimedKind::Sleep { delay, result } => {
                each(delay);
                each(result);
            }
            TimedKind::WaitFor { awaitable, timeout } => {
                each(awaitable);
                each(timeout);
            }
        }
    }
}

/// A coroutine of the virtual clock as a value (awaiting it is in
/// `vm/clock.rs`).
impl NativeObject for Timed {
    fn ty(&self) -> Ty {
        Ty::Other(&"coroutine")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text(format!("<coroutine object {}>", self.name()))]
    }

    fn holds_values(&self) -> bool {
        true
    }

    fn held(&self, each: &mut dyn FnMut(&Value)) {
        Timed::held(self, each)
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Timed>()
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        let (a, b) = match &mut self.what {
            TimedKind::Sleep { delay, result } => (delay, result),
            TimedKind::WaitFor { awaitable, timeout } => (awaitable, timeout),
        };
        defer_drop(vec![std::mem::replace(a, Value::None), std::mem::replace(b, Value::None)]);
    }
}

/// Positional-or-keyword parameters `names` of `fname`, the first
/// `required` of them required, as CPython reports a bad call.
fn bind(
    fname: &str,
    args: Vec<Value>,
    kwargs: &Kwargs,
    names: &[&str],
    required: usize,
) -> R<Vec<Option<Value>>> {
    check_kwargs(fname, kwargs, names)?;
    if args.len() > names.len() {
        let range = if required == names.len() {
            format!("{required}")
        } else {
            format!("from {required} to {}", names.len())
        };
        return type_err(format!(
            "{fname}() takes {range} positional arguments but {} were given",
            args.len()
        ));
    }
    let n = args.len();
    let mut out: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    out.resize(names.len(), None);
    for (i, name) in names.iter().enumerate() {
        if let Some(v) = kw(kwargs, name) {
            if i < n {
                return type_err(format!("{fname}() got multiple values for argument '{name}'"));
            }
            out[i] = Some(v.clone());
        }
    }
    if let Some(i) = out[..required].iter().position(Option::is_none) {
        return type_err(format!(
            "{fname}() missing 1 required positional argument: '{}'",
            names[i]
        ));
    }
    Ok(out)
}

fn timed(what: TimedKind) -> Value {
    Native::value(Timed { what, awaited: Cell::new(false) })
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let _ = cx;
    match name {
        "gather" => {
            let re = kw(&kwargs, "return_exceptions").is_some_and(|v| v.truthy());
            Ok(Value::Gather(Rc::new(Gather { items: args, return_exceptions: re })))
        }
        "sleep" => {
            let mut a = bind("sleep", args, &kwargs, &["delay", "result"], 1)?.into_iter();
            let delay = a.next().flatten().unwrap_or(Value::None);
            let result = a.next().flatten().unwrap_or(Value::None);
            Ok(timed(TimedKind::Sleep { delay, result }))
        }
        "wait_for" => {
            let mut a = bind("wait_for", args, &kwargs, &["fut", "timeout"], 2)?.into_iter();
            let awaitable = a.next().flatten().unwrap_or(Value::None);
            let timeout = a.next().flatten().unwrap_or(Value::None);
            Ok(timed(TimedKind::WaitFor { awaitable, timeout }))
        }
        "create_task" | "ensure_future" => Ok(args.into_iter().next().unwrap_or(Value::None)),
        "run" => exc(
            ExcKind::RuntimeError,
            "asyncio.run() is not needed here: the cell already runs in an event loop; write `await main()` instead",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'asyncio' has no attribute '{name}'")),
    }
}
