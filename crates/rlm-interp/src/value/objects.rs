//! The other objects' data: functions (user and built-in), exceptions,
//! modules and awaitables (coroutines, host futures, `gather`'s results),
//! each dropped without recursion, with what the memory count needs of it;
//! and the embedder's objects' trait (`HostObject`, with what a host's
//! methods and functions return: `host.rs` re-exports them), which a
//! `Value` holds and whose methods take and return values.
//! Only data: calling, raising, matching, `str` and `repr` are the
//! machine's and `types/`'s, which name this file (issue #59).

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;
use smol_str::SmolStr;

use super::*;
use crate::code::CodeOf;

/// A user-defined function (or lambda, or comprehension body).
pub struct Function {
    pub code: Rc<CodeOf<Value>>,
    pub defaults: Vec<Value>,
    pub kwdefaults: Vec<Option<Value>>,
    pub closure: Vec<Rc<StoreCell<Option<Value>>>>,
}

/// A built-in function: a name and a Rust implementation.
pub struct BuiltinFn {
    /// `""` for builtins, `"host"` for host functions, else the module name.
    pub module: &'static str,
    pub name: SmolStr,
}

impl Function {
    /// Its own allocations (the `Rc` box, defaults, closure list); the cells
    /// are registered containers, charged on their own.
    pub(crate) fn mem_cost(&self) -> usize {
        crate::mem::rc_block::<Function>()
            + crate::mem::vec_block::<Value>(self.defaults.capacity())
            + crate::mem::vec_block::<Option<Value>>(self.kwdefaults.capacity())
            + crate::mem::vec_block::<Rc<StoreCell<Option<Value>>>>(self.closure.capacity())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.defaults);
        items.extend(std::mem::take(&mut self.kwdefaults).into_iter().flatten());
        for c in std::mem::take(&mut self.closure) {
            if let Ok(cell) = Rc::try_unwrap(c) {
                if let Some(v) = cell.into_inner() {
                    items.push(v);
                }
            }
        }
        defer_drop(items);
    }
}

/// An exception instance.
#[derive(Debug)]
pub struct Exception {
    pub kind: ExcKind,
    pub args: Vec<Value>,
    /// Source lines of the frames it passed through, innermost last.
    pub traceback: RefCell<Vec<(SmolStr, u32)>>,
    /// "Did you mean" suggestion shown in the traceback (not part of `str(e)`).
    pub hint: RefCell<Option<String>>,
    /// Its attributes besides `args`, by name (a `JSONDecodeError`'s `msg`,
    /// `doc`, `pos`, `lineno` and `colno`).
    pub attrs: RefCell<Vec<(&'static str, Value)>>,
}

impl Exception {
    pub fn with_hint(self: Rc<Self>, hint: Option<String>) -> Rc<Self> {
        *self.hint.borrow_mut() = hint;
        self
    }

    /// The attribute `name` besides `args`, if it has one.
    pub fn attr(&self, name: &str) -> Option<Value> {
        self.attrs.borrow().iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }

    pub fn new(kind: ExcKind, msg: impl Into<String>) -> Rc<Exception> {
        Rc::new(Exception {
            kind,
            args: vec![Value::str(msg.into())],
            traceback: RefCell::new(Vec::new()),
            hint: RefCell::new(None),
            attrs: RefCell::new(Vec::new()),
        })
    }

    pub fn with_args(kind: ExcKind, args: Vec<Value>) -> Rc<Exception> {
        Rc::new(Exception {
            kind,
            args,
            traceback: RefCell::new(Vec::new()),
            hint: RefCell::new(None),
            attrs: RefCell::new(Vec::new()),
        })
    }
}

impl Exception {
    /// Its `Rc` box, arguments' buffer, traceback buffer and hint, as they
    /// are when its holder is synced. The traceback (at most 64 entries) is
    /// the bulk of a raised exception: left out, a caught and kept
    /// `ValueError(str(i))` cost 128 bytes more than it was charged.
    pub(crate) fn mem_cost(&self) -> usize {
        use crate::mem::{block, rc_block, vec_block};
        let traceback =
            self.traceback.try_borrow().map_or(0, |tb| vec_block::<(SmolStr, u32)>(tb.capacity()));
        let hint =
            self.hint.try_borrow().map_or(0, |h| h.as_ref().map_or(0, |h| block(h.capacity())));
        let attrs =
            self.attrs.try_borrow().map_or(0, |a| vec_block::<(&'static str, Value)>(a.capacity()));
        rc_block::<Exception>()
            + vec_block::<Value>(self.args.capacity())
            + traceback
            + hint
            + attrs
    }
}

impl Drop for Exception {
    fn drop(&mut self) {
        defer_drop(std::mem::take(&mut self.args));
    }
}

/// An imported module: its attributes are built once per session (`modules/`).
pub struct ModuleObject {
    pub name: &'static str,
    pub attrs: IndexMap<&'static str, Value>,
}

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

/// An opaque object owned by the embedder (e.g. `ctx`), with methods.
pub trait HostObject {
    fn type_name(&self) -> &str;
    /// Call a method. `None` means "no such method".
    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &[(SmolStr, Value)],
        fuel: &mut dyn FnMut(u64) -> Result<(), crate::limits::LimitError>,
    ) -> Option<Result<HostReturn, HostError>>;
    /// Attribute read (non-method). `None` means "no such attribute".
    fn get_attr(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_names(&self) -> Vec<String> {
        Vec::new()
    }
    /// `bool(obj)`, `if obj:` (default: true, as for any object).
    fn truthy(&self) -> bool {
        true
    }
    /// `repr(obj)`, and `str(obj)` unless [`HostObject::str`] says otherwise
    /// (`None`: `<type_name object>`).
    fn repr(&self) -> Option<String> {
        None
    }
    /// `str(obj)`, `print(obj)`, f-strings (`None`: its repr).
    fn str(&self) -> Option<String> {
        None
    }
    /// The object itself, for an embedder that must recognise its own
    /// objects among a program's values (to send one to another process).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// What an inline host function returns: a value now, or a request to
/// suspend the program with a host call (e.g. `ask(q, text)` becoming an
/// `llm_query`).
pub enum HostReturn {
    Value(Value),
    Suspend { name: SmolStr, args: Vec<Value>, kwargs: Vec<(SmolStr, Value)> },
}

/// An error a host function reports; the program sees it as an exception of
/// `kind` (default `RuntimeError`) that it may catch.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct HostError {
    pub kind: ExcKind,
    pub message: String,
}

impl HostError {
    pub fn new(message: impl Into<String>) -> HostError {
        HostError { kind: ExcKind::RuntimeError, message: message.into() }
    }

    pub fn typed(kind: ExcKind, message: impl Into<String>) -> HostError {
        HostError { kind, message: message.into() }
    }
}
