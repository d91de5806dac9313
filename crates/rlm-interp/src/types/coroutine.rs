//! Awaitables: coroutines made by calling an `async def` function, host
//! futures (`llm_query_async(...)`), and `asyncio.gather(...)` results (the
//! scheduling itself is in `vm/tasks.rs`). All drop without recursion.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::value::*;

/// A coroutine made by calling an `async def` function: not started until
/// awaited.
pub struct Coroutine {
    pub func: Rc<Function>,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
    pub started: bool,
}

/// An awaitable host call (`llm_query_async(...)`), performed when awaited.
pub struct HostFuture {
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
    pub awaited: std::cell::Cell<bool>,
}

/// `asyncio.gather(...)`'s result: awaiting it runs all its parts at once.
pub struct Gather {
    pub items: Vec<Value>,
    pub return_exceptions: bool,
}

/// The `Rc` box of an awaitable of type `T` and the buffers of its
/// arguments (each argument charges itself or is charged by its holder).
pub(crate) fn awaitable_mem_cost<T>(args: usize, kwargs: usize) -> usize {
    crate::mem::rc_block::<T>()
        + crate::mem::vec_block::<Value>(args)
        + crate::mem::vec_block::<(SmolStr, Value)>(kwargs)
}

impl Drop for Coroutine {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl Drop for HostFuture {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.args);
        items.extend(std::mem::take(&mut self.kwargs).into_iter().map(|(_, v)| v));
        defer_drop(items);
    }
}

impl Drop for Gather {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.items));
    }
}
