//! The `asyncio` module: `gather` (awaiting it runs its parts at once, see
//! `vm/tasks.rs`), `sleep` (no clock: a no-op awaitable), `create_task` and
//! friends (the coroutine itself); `asyncio.run(main())` awaits in the
//! running loop (`vm/call.rs`), so calling `run` elsewhere explains that.

use std::rc::Rc;

use crate::args::{Kwargs, kw};
use crate::fault::{R, exc};
use crate::modules::functions;
use crate::value::*;
use crate::vm::Vm;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("asyncio", &["gather", "run", "sleep", "create_task", "wait_for", "ensure_future"])
}

pub(crate) fn call(vm: &mut Vm, name: &str, args: Vec<Value>, kwargs: Kwargs) -> R<Value> {
    let _ = vm;
    match name {
        "gather" => {
            let re = kw(&kwargs, "return_exceptions").is_some_and(|v| v.truthy());
            Ok(Value::Gather(Rc::new(Gather { items: args, return_exceptions: re })))
        }
        "sleep" => {
            Ok(Value::Gather(Rc::new(Gather { items: Vec::new(), return_exceptions: false })))
        }
        "create_task" | "ensure_future" | "wait_for" => {
            Ok(args.into_iter().next().unwrap_or(Value::None))
        }
        "run" => exc(
            ExcKind::RuntimeError,
            "asyncio.run() is not needed here: the cell already runs in an event loop; write `await main()` instead",
        ),
        _ => exc(ExcKind::AttributeError, format!("module 'asyncio' has no attribute '{name}'")),
    }
}
