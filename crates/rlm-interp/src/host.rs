//! The host-call boundary: what the embedder registers (suspending or inline
//! functions, host objects) and what a suspended run hands back to it.

use std::rc::Rc;

use smol_str::SmolStr;

// What a host's functions and objects' methods return is the value layer's,
// beside the host objects' trait (`value/objects.rs`): a `Value` holds a
// host object, and the trait speaks in values.
use crate::value::Value;
pub use crate::value::{HostError, HostReturn};

/// A call the program made that the embedder must perform (an LLM request,
/// a sub-RLM...). Resume the VM with its `id` and a result.
#[derive(Debug, Clone)]
pub struct HostCall {
    pub id: u64,
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
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
