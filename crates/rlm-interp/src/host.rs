//! The host-call boundary: what the embedder registers (suspending or inline
//! functions, host objects) and what a suspended run hands back to it.

use std::rc::Rc;

use smol_str::SmolStr;

use crate::value::{ExcKind, Value};

/// A call the program made that the embedder must perform (an LLM request,
/// a sub-RLM...). Resume the VM with its `id` and a result.
#[derive(Debug, Clone)]
pub struct HostCall {
    pub id: u64,
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
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

/// What an inline host function returns: a value now, or a request to
/// suspend the program with a host call (e.g. `ask(q, text)` becoming an
/// `llm_query`).
pub enum HostReturn {
    Value(Value),
    Suspend { name: SmolStr, args: Vec<Value>, kwargs: Vec<(SmolStr, Value)> },
}

pub type InlineFn = Rc<dyn Fn(&[Value], &[(SmolStr, Value)]) -> Result<HostReturn, HostError>>;

/// Charges fuel for work about to be done; fails once the fuel is spent
/// (the VM then ends the program with the limit error, uncatchably).
pub type FuelMeter<'a> = &'a mut dyn FnMut(u64) -> Result<(), crate::limits::LimitError>;

/// An inline host function that charges fuel for its own work (a scan of the
/// context, a walk over a list) before doing it.
pub type MeteredFn =
    Rc<dyn Fn(&[Value], &[(SmolStr, Value)], FuelMeter<'_>) -> Result<HostReturn, HostError>>;

/// How a registered host name behaves when the program calls it.
#[derive(Clone)]
pub enum HostFunc {
    /// Suspends the program with one host call named `call` (sync-looking: `llm_query(p)`).
    Suspend { call: SmolStr },
    /// Returns an awaitable that, when awaited, makes one host call named `call`.
    Async { call: SmolStr },
    /// Takes a list as first argument and suspends with one host call per
    /// item, named `call`; returns the list of results (`llm_batch`).
    Batch { call: SmolStr, awaitable: bool },
    /// Runs inline (context queries, tools that answer immediately).
    Inline(InlineFn),
    /// Runs inline and charges fuel for its work through the meter it is given.
    InlineMetered(MeteredFn),
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
