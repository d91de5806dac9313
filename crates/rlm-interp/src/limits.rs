//! The sandbox's limits and the error that says one was reached: the core
//! every layer names (the values charge against them, the machine enforces
//! them), so they live below everything else and `lib.rs` re-exports them.

use std::rc::Rc;

/// Resource limits of a session. All are checked before the work happens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Instructions (plus proportional builtin work) per cell.
    pub fuel: u64,
    /// Budget over live values, in (approximate) bytes.
    pub memory_bytes: usize,
    /// Longest string a program may build, in bytes/characters.
    pub max_str_len: usize,
    /// Largest list/dict/set a program may build.
    pub max_collection_len: usize,
    /// Deepest call stack.
    pub max_call_depth: usize,
    /// Deepest nesting `repr`/`==`/hash/json will walk.
    pub max_nesting: usize,
    /// Bytes a cell may print.
    pub max_output_bytes: usize,
    /// Backtracking steps for regexes with lookaround/backreferences.
    pub regex_backtrack_limit: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // 10x the heaviest real program (corpus cell 26, 18.6 M) rounded up;
            // the plain dispatch loop runs it in ~0.57 s on the quiet Intel VM,
            // and the slow per-unit paths are charged so that a fuel-bound
            // hostile row ends within the suite's 1 s
            // (docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, issue #53).
            fuel: 200_000_000,
            memory_bytes: 512 << 20,
            max_str_len: 256 << 20,
            max_collection_len: 20_000_000,
            max_call_depth: 400,
            max_nesting: 200,
            max_output_bytes: 8 << 20,
            regex_backtrack_limit: 1_000_000,
        }
    }
}

/// Which limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LimitKind {
    Fuel,
    Memory,
    StrLen,
    CollectionLen,
    CallDepth,
    Nesting,
    Output,
    Regex,
    /// The host's deadline for the program (a run's time budget) passed
    /// while it ran ([`HostStop::Deadline`]).
    WallTime,
}

/// A sandbox limit was reached: uncatchable, ends the run.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct LimitError {
    pub kind: LimitKind,
    pub message: String,
}

impl LimitKind {
    /// Its `snake_case` name, as APIs name it (`rlm_rs.errors.limit_class`,
    /// JSON): `fuel`, `memory`, `str_len`, `collection_len`, `call_depth`,
    /// `nesting`, `output`, `regex`, `wall_time`.
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory",
            LimitKind::StrLen => "str_len",
            LimitKind::CollectionLen => "collection_len",
            LimitKind::CallDepth => "call_depth",
            LimitKind::Nesting => "nesting",
            LimitKind::Output => "output",
            LimitKind::Regex => "regex",
            LimitKind::WallTime => "wall_time",
        }
    }

    /// The limit in words, as a message to a model names it.
    pub fn words(self) -> &'static str {
        match self {
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory",
            LimitKind::StrLen => "string length",
            LimitKind::CollectionLen => "collection size",
            LimitKind::CallDepth => "call depth",
            LimitKind::Nesting => "nesting",
            LimitKind::Output => "output",
            LimitKind::Regex => "regex backtracking",
            LimitKind::WallTime => "wall time",
        }
    }
}

impl LimitError {
    pub fn new(kind: LimitKind, message: impl Into<String>) -> LimitError {
        LimitError { kind, message: message.into() }
    }
}

/// Why the host stops a running program (see [`InterruptCheck`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStop {
    /// The host's Ctrl-C (a cancelled execution): `KeyboardInterrupt` in the
    /// program, which `except BaseException` may catch; what the program
    /// changed before it stands, as in CPython.
    Cancel,
    /// The host's deadline passed: the wall-time limit error, which cannot
    /// be caught and rolls the cell back like every limit.
    Deadline,
}

/// Asked by a running program every so many fuel units (see
/// [`crate::Interpreter::set_interrupt_check`]); `Some` stops it.
pub type InterruptCheck = Rc<dyn Fn() -> Option<HostStop>>;
