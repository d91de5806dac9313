//! The messages between the loop's process and a sandbox worker, and values
//! as they cross: `None`, bools, ints, floats (as bits: NaN and infinities
//! survive), strings, lists, tuples and dicts, nested at most
//! [`MAX_WIRE_DEPTH`] deep, and an `llm_batch` prompt's `LLMError`
//! ([`LlmError`]). Anything else (a function, a set...) has no wire
//! form: a host call with such an argument fails in the worker with a
//! `TypeError`, as a call with a bad argument fails.
//!
//! One execution's exchange: `Open` (the context's file attached) →
//! `Opened`; then any of `Run` → (`Suspended` → `Answers` | `Abandon`)* →
//! `Ran`, and the one-reply queries; `Close` → `Closed`.

use rlm_interp::{AlignedBool, Dict, ErrorKind, ExcKind, HostCall, HostError, Key, SmolStr, Value};
use serde::{Deserialize, Serialize};

use crate::{CellRun, RunEnd};
use rlm_functions::{LlmError, MemoryMap};

/// Deepest value that crosses (deeper is an error, never a deep recursion).
pub(crate) const MAX_WIRE_DEPTH: usize = 64;

/// From the loop's process to the worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Request {
    /// Starts an execution's session; the context's file comes attached.
    Open(Box<OpenSession>),
    Run {
        code: String,
        echo: bool,
        counted: bool,
        /// Milliseconds left of the run's time budget: past them the cell
        /// ends with the wall-time limit error (and is rolled back).
        deadline_ms: Option<u64>,
    },
    /// The answers to the last `Suspended`.
    Answers(Vec<(u64, Result<Wire, WireHostError>)>),
    /// The run was cancelled while the cell waited: end it without answers.
    Abandon,
    SetGlobal {
        name: String,
        value: Wire,
    },
    DisplayGlobal(String),
    AnswerReady,
    PartialAnswer(Option<String>),
    AutoFinal(String),
    Memory,
    /// The execution is over: drop its session.
    Close,
    /// Diagnostics: try what the confinement forbids and report.
    Probe,
}

/// What an execution's session is made of.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OpenSession {
    /// Names the context's content for the worker's cache: never reused for
    /// another content by the parent.
    pub context_id: u64,
    /// Each document's name and length in bytes, and their separator.
    pub documents: Vec<(Option<String>, usize)>,
    pub separator: String,
    pub limits: rlm_interp::Limits,
    /// The declared functions (the worker has the same registry), then the
    /// embedder's tools (served by the parent).
    pub functions: Vec<String>,
    pub tools: Vec<String>,
    pub query: String,
}

/// From the worker to the loop's process.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Reply {
    Opened,
    /// The cell waits for these host calls.
    Suspended(Vec<WireCall>),
    Ran(WireRun),
    Text(Option<String>),
    Memory {
        map: MemoryMap,
        dropped: Vec<String>,
    },
    Done,
    Closed,
    Probe(ProbeReport),
    /// The request could not be carried out (a context that does not load...).
    Failed(String),
}

/// What [`Request::Probe`] found: each attempt's error, or `"allowed"`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProbeReport {
    pub open_file: String,
    pub open_socket: String,
}

/// A value on the wire (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Wire {
    None,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
    List(Vec<Wire>),
    Tuple(Vec<Wire>),
    Dict(Vec<(Wire, Wire)>),
    /// A failed `llm_batch` prompt's value.
    LlmError(LlmError),
}

/// A host error on the wire: its exception class by name.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireHostError {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireCall {
    pub id: u64,
    pub name: String,
    pub args: Vec<Wire>,
    pub kwargs: Vec<(String, Wire)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireRun {
    pub stdout: String,
    pub end: WireEnd,
    pub fuel_used: u64,
    pub memory_bytes: u64,
    pub restored: Vec<String>,
    pub rolled_back: Option<crate::RolledBack>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum WireEnd {
    Done,
    Final(String),
    Error { rendered: String, kind: ErrorKind },
    Cancelled,
}

/// `v` on the wire, or why it cannot cross.
pub(crate) fn to_wire(v: &Value) -> Result<Wire, String> {
    to_wire_at(v, 0)
}

fn to_wire_at(v: &Value, depth: usize) -> Result<Wire, String> {
    if depth > MAX_WIRE_DEPTH {
        return Err(format!("a value nested deeper than {MAX_WIRE_DEPTH} levels"));
    }
    let items = |xs: &[Value]| -> Result<Vec<Wire>, String> {
        xs.iter().map(|x| to_wire_at(x, depth + 1)).collect()
    };
    Ok(match v {
        Value::None => Wire::None,
        Value::Bool(AlignedBool(b)) => Wire::Bool(*b),
        Value::Int(i) => Wire::Int(*i),
        Value::Float(f) => Wire::Float(f.to_bits()),
        Value::Str(s) => Wire::Str(s.as_str().to_string()),
        Value::List(l) => Wire::List(items(&l.borrow())?),
        Value::Tuple(t) => Wire::Tuple(items(&t.0)?),
        Value::Dict(d) => {
            let d = d.borrow();
            let mut pairs = Vec::with_capacity(d.map.len());
            for (k, v) in d.map.iter() {
                pairs.push((to_wire_at(&k.0, depth + 1)?, to_wire_at(v, depth + 1)?));
            }
            Wire::Dict(pairs)
        }
        other => match LlmError::of(other) {
            Some(e) => Wire::LlmError(e.clone()),
            None => return Err(format!("a {} value", type_name(other))),
        },
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Set(_) => "set",
        Value::FrozenSet(_) => "frozenset",
        Value::Func(_) | Value::Builtin(_) | Value::Method(_) => "function",
        Value::Range(_) => "range",
        _ => "non-data",
    }
}

/// The value of `w`; dict keys must be hashable (a peer's malformed key is
/// an error, never a panic).
pub(crate) fn from_wire(w: &Wire) -> Result<Value, String> {
    Ok(match w {
        Wire::None => Value::None,
        Wire::Bool(b) => Value::Bool(AlignedBool(*b)),
        Wire::Int(i) => Value::Int(*i),
        Wire::Float(bits) => Value::Float(f64::from_bits(*bits)),
        Wire::Str(s) => Value::str(s.as_str()),
        Wire::List(xs) => Value::list(xs.iter().map(from_wire).collect::<Result<_, _>>()?),
        Wire::Tuple(xs) => Value::tuple(xs.iter().map(from_wire).collect::<Result<_, _>>()?),
        Wire::Dict(pairs) => {
            let mut d = Dict::new();
            for (k, v) in pairs {
                if !hashable(k) {
                    return Err("an unhashable dict key".into());
                }
                d.map.insert(Key(from_wire(k)?), from_wire(v)?);
            }
            Value::dict(d)
        }
        Wire::LlmError(e) => e.clone().into_value(),
    })
}

fn hashable(w: &Wire) -> bool {
    match w {
        Wire::List(_) | Wire::Dict(_) | Wire::LlmError(_) => false,
        Wire::Tuple(xs) => xs.iter().all(hashable),
        _ => true,
    }
}

impl From<&HostError> for WireHostError {
    fn from(e: &HostError) -> Self {
        WireHostError { kind: e.kind.name().to_string(), message: e.message.clone() }
    }
}

impl From<WireHostError> for HostError {
    fn from(e: WireHostError) -> Self {
        let kind = ExcKind::ALL.iter().copied().find(|k| k.name() == e.kind);
        HostError::typed(kind.unwrap_or(ExcKind::RuntimeError), e.message)
    }
}

impl WireCall {
    /// The host call the worker's cell made, as this process serves it.
    pub fn into_call(self) -> Result<HostCall, String> {
        Ok(HostCall {
            id: self.id,
            name: SmolStr::new(&self.name),
            args: self.args.iter().map(from_wire).collect::<Result<_, _>>()?,
            kwargs: self
                .kwargs
                .iter()
                .map(|(k, v)| Ok((SmolStr::new(k), from_wire(v)?)))
                .collect::<Result<_, String>>()?,
        })
    }
}

impl From<CellRun> for WireRun {
    fn from(run: CellRun) -> Self {
        let end = match run.end {
            RunEnd::Done => WireEnd::Done,
            RunEnd::Final(s) => WireEnd::Final(s),
            RunEnd::Error { rendered, kind } => WireEnd::Error { rendered, kind },
            // A worker's own sandbox never fails; a cancelled cell is all it can report.
            RunEnd::Cancelled | RunEnd::SandboxFailed(_) => WireEnd::Cancelled,
        };
        WireRun {
            stdout: run.stdout,
            end,
            fuel_used: run.fuel_used,
            memory_bytes: run.memory_bytes,
            restored: run.restored,
            rolled_back: run.rolled_back,
        }
    }
}

impl From<WireRun> for CellRun {
    fn from(run: WireRun) -> Self {
        let end = match run.end {
            WireEnd::Done => RunEnd::Done,
            WireEnd::Final(s) => RunEnd::Final(s),
            WireEnd::Error { rendered, kind } => RunEnd::Error { rendered, kind },
            WireEnd::Cancelled => RunEnd::Cancelled,
        };
        CellRun {
            stdout: run.stdout,
            end,
            fuel_used: run.fuel_used,
            memory_bytes: run.memory_bytes,
            // Only the two names exist; anything else a worker says is dropped.
            restored: run.restored.into_iter().filter(|n| n == "context" || n == "P").collect(),
            rolled_back: run.rolled_back,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_round_trip_and_others_are_refused() {
        let mut d = Dict::new();
        d.map.insert(
            Key(Value::str("k")),
            Value::tuple(vec![Value::Int(1), Value::Float(f64::NAN)]),
        );
        let v = Value::list(vec![
            Value::None,
            Value::Bool(AlignedBool(true)),
            Value::dict(d),
            Value::str("é"),
        ]);
        let wire = to_wire(&v).unwrap();
        let text = serde_json::to_string(&wire).unwrap();
        let back = from_wire(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), "[None, True, {'k': (1, nan)}, 'é']");
        let mut deep = Value::None;
        for _ in 0..=MAX_WIRE_DEPTH + 1 {
            deep = Value::list(vec![deep]);
        }
        assert!(to_wire(&deep).is_err());
        assert!(from_wire(&Wire::Dict(vec![(Wire::List(vec![]), Wire::None)])).is_err());
    }

    #[test]
    fn a_failed_batch_prompt_crosses_as_its_llm_error() {
        let failed = LlmError {
            kind: "rate_limited".into(),
            message: "rate limited after 9 attempt(s)".into(),
            attempts: 9,
            seconds: 8.5,
        };
        let v = Value::list(vec![Value::str("yes"), failed.clone().into_value()]);
        let text = serde_json::to_string(&to_wire(&v).unwrap()).unwrap();
        let back = from_wire(&serde_json::from_str(&text).unwrap()).unwrap();
        let Value::List(items) = &back else { panic!("{back:?}") };
        assert_eq!(LlmError::of(&items.borrow()[1]), Some(&failed));
        assert_eq!(format!("{back:?}"), "['yes', <LLMError: rate limited after 9 attempt(s)>]");
    }

    #[test]
    fn host_errors_keep_their_class() {
        let e = HostError::typed(ExcKind::KeyError, "missing");
        let back = HostError::from(WireHostError::from(&e));
        assert_eq!((back.kind, back.message.as_str()), (ExcKind::KeyError, "missing"));
    }
}
