//! The `asyncio` module on CPython 3.11's task model: its functions and
//! classes, the coroutines of the loop (`sleep`, `wait_for`, the waits of
//! the primitives: `Timed`, run when awaited by `vm/loop_ops.rs`), its
//! futures and tasks (`future.rs`) and primitives (`sync.rs`). What needs
//! the running loop (`create_task`, `gather`, `shield`, `as_completed`...)
//! is the machine's, reached through `Callbacks::event_loop`.
//! `asyncio.run(main())` awaits in the running loop (`vm/call.rs`), so
//! calling `run` elsewhere explains that.

pub(crate) mod future;
pub(crate) mod sync;
pub(crate) mod taskgroup;
pub(crate) mod timeout;

use std::cell::Cell;

use sync::{SyncKind, SyncObj};

use crate::args::{Kwargs, check_kwargs, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::function::functions;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// The module's functions and classes that need the running loop.
pub(crate) const LOOP_FUNCTIONS: &[&str] = &[
    "all_tasks",
    "as_completed",
    "create_task",
    "current_task",
    "ensure_future",
    "gather",
    "shield",
    "timeout",
    "timeout_at",
];

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let mut v = functions(
        "asyncio",
        &[
            "gather",
            "run",
            "sleep",
            "create_task",
            "wait_for",
            "ensure_future",
            "shield",
            "as_completed",
            "current_task",
            "all_tasks",
            "Event",
            "Lock",
            "Semaphore",
            "Queue",
            "Future",
            "TaskGroup",
            "timeout",
            "timeout_at",
            "iscoroutine",
        ],
    );
    for (name, kind) in [
        ("CancelledError", ExcKind::CancelledError),
        ("TimeoutError", ExcKind::TimeoutError),
        ("InvalidStateError", ExcKind::InvalidStateError),
        ("QueueEmpty", ExcKind::QueueEmpty),
        ("QueueFull", ExcKind::QueueFull),
    ] {
        v.push((name, Value::Type(Ty::Exc(kind))));
    }
    v
}

/// What awaiting a primitive's wait does (`vm/loop_ops.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyncOp {
    EventWait,
    Acquire,
    Get,
    Put,
    Join,
    /// One of `as_completed`'s awaitables: the next done future's result.
    NextDone,
    /// A lock's or semaphore's `__aenter__`: `acquire()`, giving `None`.
    Enter,
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
    /// A primitive's wait (`ev.wait()`, `lock.acquire()`, `q.get()`, `q.put(x)`...).
    Op { obj: Value, op: SyncOp, arg: Value },
    /// `mgr.__aenter__()` of an `async with` (`vm/async_with.rs`).
    Enter { mgr: Value },
    /// `mgr.__aexit__(type(exc), exc, tb)`, `exc` `None` when none.
    Exit { mgr: Value, exc: Value },
}

impl Timed {
    pub(crate) fn name(&self) -> &'static str {
        match self.what {
            TimedKind::Sleep { .. } => "sleep",
            TimedKind::WaitFor { .. } => "wait_for",
            TimedKind::Op { op, .. } => match op {
                SyncOp::EventWait => "Event.wait",
                SyncOp::Acquire => "acquire",
                SyncOp::Get => "Queue.get",
                SyncOp::Put => "Queue.put",
                SyncOp::Join => "Queue.join",
                SyncOp::NextDone => "as_completed.<locals>._wait_for_one",
                SyncOp::Enter => "Lock.__aenter__",
            },
            TimedKind::Enter { .. } => "__aenter__",
            TimedKind::Exit { .. } => "__aexit__",
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
            TimedKind::Op { obj, arg, .. } => {
                each(obj);
                each(arg);
            }
            TimedKind::Enter { mgr } => each(mgr),
            TimedKind::Exit { mgr, exc } => {
                each(mgr);
                each(exc);
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
        let mut none = Value::None;
        let (a, b) = match &mut self.what {
            TimedKind::Sleep { delay, result } => (delay, result),
            TimedKind::WaitFor { awaitable, timeout } => (awaitable, timeout),
            TimedKind::Op { obj, arg, .. } => (obj, arg),
            TimedKind::Enter { mgr } => (mgr, &mut none),
            TimedKind::Exit { mgr, exc } => (mgr, exc),
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

pub(crate) fn timed(what: TimedKind) -> Value {
    Native::value(Timed { what, awaited: Cell::new(false) })
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        _ if LOOP_FUNCTIONS.contains(&name) => cx.event_loop(None, name, args, kwargs),
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
        "Event" | "Lock" => {
            bind(name, args, &kwargs, &[], 0)?;
            let kind = if name == "Event" { SyncKind::Event } else { SyncKind::Lock };
            Ok(Native::value(SyncObj::new(kind, 0, None)))
        }
        "Semaphore" => {
            let a = bind(name, args, &kwargs, &["value"], 0)?;
            let n = match a.into_iter().next().flatten() {
                None => 1,
                Some(v) => crate::args::as_int(&v).ok_or_else(|| {
                    crate::fault::Fault::Exc(Exception::new(
                        ExcKind::TypeError,
                        format!(
                            "'<' not supported between instances of '{}' and 'int'",
                            v.type_name()
                        ),
                    ))
                })?,
            };
            if n < 0 {
                return crate::fault::value_err("Semaphore initial value must be >= 0");
            }
            Ok(Native::value(SyncObj::new(SyncKind::Semaphore, n, None)))
        }
        "Queue" => {
            let a = bind(name, args, &kwargs, &["maxsize"], 0)?;
            let maxsize = match a.into_iter().next().flatten() {
                Some(f @ (Value::Float(_) | Value::Bool(AlignedBool(_)))) => f,
                v => Value::Int(v.as_ref().and_then(crate::args::as_int).unwrap_or(0)),
            };
            let finished = SyncObj::new(SyncKind::Event, 0, None);
            finished.st.borrow_mut().flag = true;
            Ok(Native::value(SyncObj::queue(maxsize, Native::value(finished))))
        }
        "TaskGroup" => {
            bind(name, args, &kwargs, &[], 0)?;
            Ok(Native::value(taskgroup::TaskGroup::default()))
        }
        "Future" => {
            bind(name, args, &kwargs, &[], 0)?;
            Ok(Native::value(future::Future::new(future::FutKind::Future)))
        }
        "iscoroutine" => {
            let a = bind(name, args, &kwargs, &["object"], 1)?;
            let v = a.into_iter().next().flatten().unwrap_or(Value::None);
            let is = matches!(v, Value::Coroutine(_) | Value::HostFuture(_))
                || Native::of::<Timed>(&v).is_some();
            Ok(Value::Bool(AlignedBool(is)))
        }
        "run" => exc(
            ExcKind::RuntimeError,
            "asyncio.run() is not needed here: the cell already runs in an event loop; write `await main()` instead",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'asyncio' has no attribute '{name}'")),
    }
}
