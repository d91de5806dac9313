//! The stepping interpreter that runs DSL programs in a sandbox.
//!
//! A cell's AST (from `rlm-syntax`) is compiled to a compact bytecode and run
//! by a loop over an explicit frame stack: no Rust recursion per Python call,
//! so deep programs cannot overflow the host stack, and the machine can stop
//! at any host call and be resumed later. Entry point: [`Interpreter`].
//!
//! * **Suspension.** [`Interpreter::run_cell`] / [`Interpreter::resume`] return an
//!   [`Outcome`]: `Done`, `Final(answer)`, `Error(..)`, or `Suspended(calls)`
//!   with one or more pending [`HostCall`]s (several at once for
//!   `asyncio.gather` and `llm_batch`). The embedder answers each id with
//!   [`Interpreter::answer`] and calls `resume`.
//! * **Limits.** Every instruction costs fuel, and builtins charge fuel in
//!   proportion to the bytes/elements they touch, before touching them;
//!   memory is charged before allocation against a budget over live values;
//!   string, collection, call-depth, value-nesting and output caps apply. A
//!   limit error cannot be caught by `try/except`; it ends the cell and rolls
//!   the session back to its state before the cell (`undo`): the variables,
//!   the containers the cell changed and the memory count are as they were,
//!   and the next cell runs.
//! * **Values.** `int` is i64 (overflow raises `OverflowError` with a clear
//!   message instead of growing into a bigint). `str` indexes by code point,
//!   with an ASCII fast path and a sampled index for large non-ASCII text;
//!   [`Str::from_buffer`] wraps an external [`TextBuffer`] zero-copy and its
//!   slices stay views. Values use `Rc`: a session lives on one thread.
//!
//! This crate knows nothing of LLMs, HTTP or async runtimes: `llm_query` and
//! friends are host calls the embedder performs.

mod adopt;
mod args;
mod builtins;
mod call_cost;
mod callbacks;
mod charged;
mod code;
mod compile;
mod cost;
mod epoch;
mod error_info;
mod fault;
mod format;
mod gc;
mod host;
mod json_value;
mod limits;
mod mem;
mod meter;
mod modules;
mod paid;
mod parse_cache;
mod signature;
mod snapshot;
mod stack_guard;
mod types;
mod undo;
mod unicode;
mod unicode_tables;
mod value;
mod vm;

use std::rc::Rc;

/// `rlm_syntax::parse(source)`, shared with this thread's runs of cells: a
/// program a check reads before or after the interpreter ran it is parsed
/// once (`parse_cache.rs`). The tree is the one a parse would give.
pub fn parse_cached(source: &str) -> Result<Rc<rlm_syntax::ast::Module>, rlm_syntax::ParseError> {
    parse_cache::parse(source)
}

/// The fuel cost table (`builtins/cost.rs`): every builtin, method, module
/// function and operator with the cost it declares, for the tests generated
/// from it and the calibration example.
#[doc(hidden)]
pub mod cost_table {
    pub use crate::builtins::cost::{
        Cost, HOST_CALL_FUEL, HOST_TEXT, Over, Rate, entries, host_call_fuel,
    };
}
pub use error_info::{ErrorKind, LimitStop, RuntimeErrorInfo};
pub use host::{FuelMeter, HostCall, HostError, HostFunc, HostReturn, InlineFn, MeteredFn};
pub use json_value::{MAX_JSON_DEPTH, NotJson, from_json, to_json};
pub use limits::{HostStop, InterruptCheck, LimitError, LimitKind, Limits};
pub use mem::HostBytes;
pub use signature::{DefaultValue, ParamType, Signature, SignatureParam};
pub use smol_str::SmolStr;
pub use snapshot::{
    GlobalsSnapshot, LostGlobal, Node as SnapshotNode, NodeDictKind as SnapshotDictKind,
    SNAPSHOT_VERSION, SnapshotError, SnapshotLimits, snapshot_value,
};
pub use value::{AlignedBool, Dict, DictKind, ExcKind, HostObject, Key, Str, TextBuffer, Value};

/// The values of a snapshot's globals, made outside any session (they are
/// charged to the session that binds them): corrupt data is an error.
pub fn restore_snapshot(
    snap: &GlobalsSnapshot,
    limits: &SnapshotLimits,
) -> Result<Vec<(SmolStr, Value)>, SnapshotError> {
    let modules = Interpreter::default().import_all(snapshot::module_names(snap));
    let values = snapshot::restore(snap, limits, &modules)?;
    Ok(values.into_iter().map(|(n, v)| (SmolStr::new(n), v)).collect())
}

/// How a cell run (or resume) ended.
#[derive(Debug)]
pub enum Outcome {
    /// The cell ran to its end.
    Done,
    /// `FINAL(x)` / `FINAL_VAR(name)` ended the run with this answer.
    Final(Value),
    /// Waiting for these host calls; answer them and call [`Interpreter::resume`].
    Suspended(Vec<HostCall>),
    /// An error ended the cell.
    Error(RuntimeErrorInfo),
}

/// Errors of the embedding API itself (not of the program).
#[derive(Debug, thiserror::Error)]
pub enum InterpreterError {
    #[error("no host call with id {0} is pending")]
    UnknownCall(u64),
}

/// A notebook-like session: globals persist from cell to cell.
pub struct Interpreter {
    vm: vm::Vm,
    /// What the host keeps of the session's finished host calls (their
    /// trace records), charged to its budget for as long as it lives
    /// ([`Interpreter::keep_host_bytes`]).
    kept_host: Option<mem::HostBytes>,
    /// What `kept_host` held when the running cell started: a rollback
    /// puts it back.
    kept_at_start: usize,
}

impl Default for Interpreter {
    fn default() -> Self {
        Interpreter::new(Limits::default())
    }
}

impl Interpreter {
    /// A session with the standard host functions (`llm_query`, `llm_batch`,
    /// their async forms) registered as suspending host calls.
    pub fn new(limits: Limits) -> Interpreter {
        let mut s = Interpreter {
            vm: vm::Vm::with_session(limits, gc::Session::new()),
            kept_host: None,
            kept_at_start: 0,
        };
        let call = SmolStr::new_static("llm_query");
        s.register("llm_query", HostFunc::Suspend { call: call.clone() });
        s.register("llm_query_async", HostFunc::Async { call: call.clone() });
        for n in ["llm_batch", "llm_query_batched", "llm_query_batch"] {
            s.register(n, HostFunc::Batch { call: call.clone(), awaitable: false });
        }
        for n in ["llm_batch_async", "llm_query_batch_async", "llm_query_batched_async"] {
            s.register(n, HostFunc::Batch { call: call.clone(), awaitable: true });
        }
        s
    }

    /// Register (or replace) a host function under a global name.
    pub fn register(&mut self, name: &str, f: HostFunc) {
        self.vm.globals.host_funcs.insert(SmolStr::new(name), f);
        self.vm.globals.clear_builtin_cache();
    }

    /// Bind a host object (e.g. `ctx`) under a name visible to programs.
    pub fn register_object(&mut self, name: &str, obj: Rc<dyn HostObject>) {
        self.vm.globals.host_values.insert(SmolStr::new(name), Value::Host(Rc::new(obj)));
        self.vm.globals.clear_builtin_cache();
    }

    /// Bind a global. A value made outside any session is charged to this
    /// one from now on (see `adopt`).
    pub fn set_global(&mut self, name: &str, v: Value) {
        let _in = gc::enter(&self.vm.meter.session);
        adopt::adopt(&v, &self.vm.meter.account);
        self.vm.globals.set(name, v);
    }

    pub fn get_global(&self, name: &str) -> Option<Value> {
        self.vm.globals.get(name)
    }

    /// User-visible global variables (not modules or host functions).
    pub fn globals(&self) -> Vec<(SmolStr, Value)> {
        self.vm.globals.user_globals()
    }

    /// The session's user globals as data (`snapshot`): shared values and
    /// cycles kept, globals with no data form (functions, iterators...) left
    /// out and named; the names in `skip` (bound by the embedder) are not
    /// saved. Bounded by `limits`; charges no fuel.
    pub fn snapshot_globals(&self, skip: &[&str], limits: &SnapshotLimits) -> GlobalsSnapshot {
        let globals = self
            .vm
            .globals
            .user_globals()
            .into_iter()
            .filter(|(n, _)| !skip.contains(&n.as_str()))
            .map(|(n, v)| (n.to_string(), v));
        snapshot::snapshot(globals, limits)
    }

    /// Binds the globals of `snap` (made by [`Interpreter::snapshot_globals`]),
    /// charged to this session; returns how many were bound. Corrupt data
    /// is an error and binds nothing.
    pub fn restore_globals(
        &mut self,
        snap: &GlobalsSnapshot,
        limits: &SnapshotLimits,
    ) -> Result<usize, SnapshotError> {
        let modules = self.import_all(snapshot::module_names(snap));
        let values = {
            let _in = gc::enter(&self.vm.meter.session);
            snapshot::restore(snap, limits, &modules)?
        };
        let n = values.len();
        for (name, v) in values {
            self.set_global(&name, v);
        }
        Ok(n)
    }

    /// The modules named that exist, imported.
    fn import_all(&mut self, names: Vec<&str>) -> std::collections::HashMap<String, Value> {
        let _in = gc::enter(&self.vm.meter.session);
        names
            .into_iter()
            .filter_map(|n| self.vm.modules.registry.import(n).ok().map(|m| (n.to_string(), m)))
            .collect()
    }

    /// Name used in tracebacks for the next cells.
    pub fn set_cell_name(&mut self, name: &str) {
        self.vm.modules.source_name = SmolStr::new(name);
    }

    /// Parse, compile and run one cell.
    pub fn run_cell(&mut self, source: &str) -> Outcome {
        self.run_cell_inner(source, None)
    }

    /// [`Interpreter::run_cell`], storing the value of the cell's last statement,
    /// when it is an expression, in the global `result_global` (as a REPL
    /// shows it). One parse: the store is compiled in place of the `Pop`.
    pub fn run_cell_keeping_last(&mut self, source: &str, result_global: &str) -> Outcome {
        self.run_cell_inner(source, Some(result_global))
    }

    /// Every `every_fuel` fuel units (at least 1) a running program calls
    /// `check`; when it returns [`HostStop::Cancel`] the program gets a
    /// `KeyboardInterrupt` (as CPython's Ctrl-C: `except BaseException` can
    /// catch it), and [`HostStop::Deadline`] ends it with the wall-time limit
    /// error (the cell rolled back). `None` removes the check. Costs nothing
    /// between checks.
    pub fn set_interrupt_check(&mut self, check: Option<(u64, InterruptCheck)>) {
        self.vm.meter.interrupt_check = check.map(|(every, f)| (every.max(1), f));
    }

    /// Changes the fuel limit of the cells that follow (the tests generated
    /// from the cost table build their inputs under a large limit, then
    /// call under a small one).
    #[doc(hidden)]
    pub fn set_fuel_limit(&mut self, fuel: u64) {
        self.vm.meter.limits.fuel = fuel;
    }

    fn run_cell_inner(&mut self, source: &str, result_global: Option<&str>) -> Outcome {
        let _in = gc::enter(&self.vm.meter.session);
        // A cell left waiting with a limit to report (the host stopped
        // serving it): it is rolled back before the next one starts.
        if self.vm.output.pending_limit.is_some() {
            self.roll_back();
        }
        // Parsing, compiling and dropping the tree recurse over the source's
        // nesting (bounded by the parser's budgets): on a thread with a small
        // stack they run on a heap segment (see `stack_guard`).
        let source_name = self.vm.modules.source_name.clone();
        let gnames = &mut self.vm.globals.gnames;
        let code = match stacker::maybe_grow(
            stack_guard::FRONT_END_STACK,
            stack_guard::FRONT_END_SEGMENT,
            || front_end(source, &source_name, gnames, result_global),
        ) {
            Ok(code) => code,
            Err(e) => return Outcome::Error(*e),
        };
        self.vm.meter.fuel_used = 0;
        self.kept_at_start = self.kept_host_bytes();
        let state = self.vm.start(code);
        self.finish(state)
    }

    /// How a run or resume ended, as the embedder sees it: a cell that ended
    /// closes its journal; one a limit stopped is rolled back, its error
    /// telling where it stopped and what it had used.
    fn finish(&mut self, state: vm::RunState) -> Outcome {
        match state {
            vm::RunState::Suspended(c) => Outcome::Suspended(c),
            vm::RunState::Error(mut e) if matches!(e.kind, ErrorKind::Limit(_)) => {
                e.stop = Some(LimitStop {
                    fuel_used: self.vm.meter.fuel_used,
                    fuel_limit: self.vm.meter.limits.fuel,
                    memory_bytes: self.vm.output.stop_memory.max(self.vm.meter.live_bytes()) as u64,
                    memory_limit: self.vm.meter.limits.memory_bytes as u64,
                });
                e.traceback = std::mem::take(&mut self.vm.output.stop_traceback);
                self.roll_back();
                Outcome::Error(e)
            }
            other => {
                self.vm.end_cell();
                convert(other)
            }
        }
    }

    /// Puts the session back as it was before the running cell (see `undo`),
    /// the host's kept bytes included.
    fn roll_back(&mut self) {
        self.vm.roll_back();
        if self.kept_host_bytes() != self.kept_at_start {
            let old = self.kept_host.take();
            self.kept_host =
                Some(mem::HostBytes::charge(&self.vm.meter.account, self.kept_at_start));
            drop(old);
        }
    }

    /// Deliver the result of a pending host call. A reply made outside any
    /// session (a model's answer) is charged to this one from now on (see
    /// `adopt`), and checked against the memory budget before the program
    /// sees it: one that does not fit ends the program with the memory
    /// limit error when it resumes.
    pub fn answer(
        &mut self,
        id: u64,
        result: Result<Value, HostError>,
    ) -> Result<(), InterpreterError> {
        let _in = gc::enter(&self.vm.meter.session);
        if let Ok(v) = &result {
            adopt::adopt(v, &self.vm.meter.account);
            self.vm.output.check_answer_memory(&mut self.vm.meter);
        }
        if self.vm.host_calls.answer(id, result) {
            Ok(())
        } else {
            Err(InterpreterError::UnknownCall(id))
        }
    }

    /// Continue after answering host calls (at least one).
    pub fn resume(&mut self) -> Outcome {
        let _in = gc::enter(&self.vm.meter.session);
        let state = self.vm.resume();
        self.finish(state)
    }

    /// Ids of host calls still waiting for an answer.
    pub fn pending_calls(&self) -> Vec<u64> {
        self.vm.host_calls.pending_ids()
    }

    /// Everything printed since the last call.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.vm.output.text)
    }

    pub fn fuel_used(&self) -> u64 {
        self.vm.meter.fuel_used
    }

    /// Bytes held by this session's values, as the memory budget counts
    /// them (context views cost nothing; see `mem.rs`): the session's
    /// running count, read in O(1). Strings, tuples and `StringIO`s are
    /// counted exactly; lists, dicts, sets, deques, closure cells and
    /// iterators at their size when last synced (when made, or at most
    /// max(4 MiB, live/2) bytes of charged allocation ago), and a dead one
    /// until the next sync forgets it. Values of other sessions on the same
    /// thread are never counted here. Charges no fuel.
    pub fn live_memory_bytes(&self) -> u64 {
        self.vm.meter.live_bytes() as u64
    }

    /// [`Interpreter::live_memory_bytes`] after bringing every container's
    /// figure up to date: a walk over the session's registered containers.
    pub fn synced_memory_bytes(&mut self) -> u64 {
        self.vm.meter.synced_live_bytes() as u64
    }

    /// The most [`Interpreter::live_memory_bytes`] reached since the session
    /// began or [`Interpreter::reset_peak_memory`]: a charge released before
    /// the cell ended (a sort's keys, the rollback journal's copies) counts
    /// here while it lived. Charges no fuel.
    pub fn peak_memory_bytes(&self) -> u64 {
        self.vm.meter.account.peak() as u64
    }

    /// Starts [`Interpreter::peak_memory_bytes`] again from what is live
    /// now (before a cell, to read that cell's own peak).
    pub fn reset_peak_memory(&mut self) {
        self.vm.meter.account.reset_peak();
    }

    /// A limit reached while the cell waited for the host (its answers or
    /// the host's bytes past the memory budget), not yet reported: the next
    /// `resume` reports it and rolls the cell back.
    pub fn pending_limit(&self) -> Option<&LimitError> {
        self.vm.output.pending_limit.as_ref()
    }

    /// Charges `bytes` the host holds for this session (its copies of the
    /// prompts and the records of the session's pending host calls) to the
    /// session's memory count until the returned guard is dropped. If they
    /// do not fit in the budget, nothing stays charged, the memory limit
    /// error is pending (resuming reports it and rolls the cell back) and
    /// is returned: the host should not perform the calls.
    pub fn hold_host_bytes(&mut self, bytes: usize) -> Result<mem::HostBytes, LimitError> {
        let held = mem::HostBytes::charge(&self.vm.meter.account, bytes);
        self.vm.output.check_answer_memory(&mut self.vm.meter);
        match &self.vm.output.pending_limit {
            Some(limit) => Err(limit.clone()),
            None => Ok(held),
        }
    }

    /// Charges `bytes` more that the host keeps for this session for as
    /// long as the session lives (the records of its finished host calls:
    /// trace spans, prompt and reply previews), on top of what earlier calls
    /// kept. If the total no longer fits in the budget, the memory limit
    /// error is pending (resuming reports it) and is returned. A cell rolled
    /// back gives back what its calls added.
    pub fn keep_host_bytes(&mut self, bytes: usize) -> Result<(), LimitError> {
        let old = self.kept_host.take();
        let before = old.as_ref().map_or(0, |h| h.bytes());
        // The new guard is charged before the old one credits (dropped).
        self.kept_host =
            Some(mem::HostBytes::charge(&self.vm.meter.account, before.saturating_add(bytes)));
        drop(old);
        self.vm.output.check_answer_memory(&mut self.vm.meter);
        match &self.vm.output.pending_limit {
            Some(limit) => Err(limit.clone()),
            None => Ok(()),
        }
    }

    /// The bytes charged by [`Interpreter::keep_host_bytes`] so far.
    pub fn kept_host_bytes(&self) -> usize {
        self.kept_host.as_ref().map_or(0, |h| h.bytes())
    }

    /// `str(v)` as Python prints it.
    pub fn display(&mut self, v: &Value) -> String {
        let _in = gc::enter(&self.vm.meter.session);
        crate::format::repr::py_str(&mut self.vm.meter, v)
            .unwrap_or_else(|_| "<unprintable>".into())
    }

    /// `repr(v)` as Python prints it.
    pub fn repr(&mut self, v: &Value) -> String {
        let _in = gc::enter(&self.vm.meter.session);
        crate::format::repr::repr(&mut self.vm.meter, v).unwrap_or_else(|_| "<unprintable>".into())
    }
}

/// Parse (through the cache) and compile one cell; a syntax error comes
/// back as the error that ends the cell.
fn front_end(
    source: &str,
    source_name: &SmolStr,
    gnames: &mut compile::GlobalNames,
    result_global: Option<&str>,
) -> Result<Rc<compile::Code>, Box<RuntimeErrorInfo>> {
    let module = match parse_cache::parse(source) {
        Ok(m) => m,
        Err(e) => {
            let name = source_name.clone();
            return Err(Box::new(RuntimeErrorInfo {
                kind: ErrorKind::Syntax,
                type_name: "SyntaxError".into(),
                message: e.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default(),
                traceback: Vec::new(),
                rendered: Some(e.render(source, &name)),
                hint: None,
                stop: None,
            }));
        }
    };
    let code = match compile::compile_module(&module, source, gnames, result_global) {
        Ok(c) => c,
        Err(e) => {
            return Err(Box::new(RuntimeErrorInfo {
                kind: ErrorKind::Syntax,
                type_name: "SyntaxError".into(),
                message: e.message.clone(),
                traceback: vec![("<module>".into(), e.line)],
                hint: None,
                stop: None,
                rendered: Some(format!(
                    "  File \"{}\", line {}\n    {}\nSyntaxError: {}\n",
                    source_name,
                    e.line,
                    source.lines().nth((e.line as usize).saturating_sub(1)).unwrap_or("").trim(),
                    e.message
                )),
            }));
        }
    };
    Ok(code)
}

fn convert(s: vm::RunState) -> Outcome {
    match s {
        vm::RunState::Done => Outcome::Done,
        vm::RunState::Final(v) => Outcome::Final(v),
        vm::RunState::Suspended(c) => Outcome::Suspended(c),
        vm::RunState::Error(e) => Outcome::Error(e),
    }
}
