//! The in-process sandbox: one interpreter session in this process, with the
//! context bound, the declared functions installed, `query` and `answer`;
//! runs a cell through the cell driver, echoes its last expression, puts
//! `context`/`P` back, and reports a limit error's rollback (the interpreter
//! puts the session back as it was before the cell). A sandbox worker
//! process runs exactly this, behind its channel.

use std::convert::Infallible;
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use rlm_context::Context;
use rlm_interp::{
    AlignedBool, Dict, ErrorKind, GlobalsSnapshot, Interpreter, Key, SnapshotError, SnapshotLimits,
    Value,
};

use crate::cell::{CallServer, CellEnd, run_cell, run_cell_keeping_last};
use crate::{CellRun, Interrupt, ProgramSandbox, RolledBack, RunEnd};
use rlm_functions::FunctionRegistry;
use rlm_functions::MemoryMap;
use rlm_functions::bind_context;

/// The global holding a program's last expression for the echo
/// (`Helps::echo_last_expression`); its leading underscore keeps it out of
/// the user's variables.
const LAST_VALUE_VAR: &str = "_repl_last_value_";

/// What a program's session is made of.
#[derive(Clone)]
pub struct SessionRecipe {
    pub limits: rlm_interp::Limits,
    pub functions: Arc<FunctionRegistry>,
    pub context: Context,
    pub query: String,
}

impl SessionRecipe {
    /// An interpreter session with everything a model's program has: the
    /// context binding, the declared functions, `query` and `answer`.
    pub fn session(&self) -> Interpreter {
        let mut s = Interpreter::new(self.limits.clone());
        bind_context(&mut s, &self.context);
        self.functions.install(&mut s, &self.context);
        s.set_global("answer", answer_dict());
        s.set_global("query", Value::str(self.query.as_str()));
        s
    }
}

/// `answer = {"content": "", "ready": False}` (the paper's reference protocol).
fn answer_dict() -> Value {
    let mut d = Dict::new();
    d.map.insert(Key(Value::str("content")), Value::str(""));
    d.map.insert(Key(Value::str("ready")), Value::Bool(AlignedBool(false)));
    Value::dict(d)
}

/// What the model reads when it finalizes the `answer` protocol dict while
/// its `content` is still empty (pyrlm-runtime's wording for a `FINAL_VAR`
/// of an unset variable, with what to do here).
const UNSET_ANSWER_ERROR: &str = "NameError: FINAL_VAR missing in REPL; set the variable before \
finalizing. `answer` has not been assigned by your program: assign it first (answer = ...), \
or call FINAL(value)";

/// Whether `d` still has the shape of [`answer_dict`]: exactly the keys
/// `content` and `ready`.
fn is_answer_protocol(d: &Dict) -> bool {
    d.map.len() == 2
        && d.map.contains_key(&Key(Value::str("content")))
        && d.map.contains_key(&Key(Value::str("ready")))
}

/// One run's interpreter session in this process.
pub struct LocalSandbox {
    session: Interpreter,
    /// `context` as bound: restored if a program assigns the name.
    context_value: Option<Value>,
}

impl LocalSandbox {
    pub fn new(recipe: SessionRecipe) -> LocalSandbox {
        let session = recipe.session();
        let context_value = session.get_global("context");
        LocalSandbox { session, context_value }
    }

    /// Runs `code` as one cell, its host calls served by `server`. `echo`:
    /// the value of a last expression follows the output; `counted`: a
    /// step's program, whose assignments to `context`/`P` are undone.
    pub async fn run_with(
        &mut self,
        code: &str,
        echo: bool,
        counted: bool,
        server: &mut dyn CallServer,
    ) -> CellRun {
        let mut stdout = String::new();
        let mut print = |text: &str| {
            stdout.push_str(text);
            Ok::<(), Infallible>(())
        };
        let end = if echo {
            self.session.set_global(LAST_VALUE_VAR, Value::None);
            run_cell_keeping_last(&mut self.session, code, LAST_VALUE_VAR, server, &mut print).await
        } else {
            run_cell(&mut self.session, code, server, &mut print).await
        };
        if echo && matches!(end, Ok(CellEnd::Done)) {
            self.echo_last_value(&mut stdout);
        }
        let fuel_used = self.session.fuel_used();
        let memory_bytes = self.session.live_memory_bytes();
        let mut rolled_back = None;
        let end = match end {
            Ok(CellEnd::Done) => RunEnd::Done,
            Ok(CellEnd::Final(v)) => self.final_end(&v),
            Ok(CellEnd::Error(e)) => {
                if let (ErrorKind::Limit(kind), Some(stop)) = (&e.kind, e.stop) {
                    rolled_back = Some(RolledBack {
                        kind: *kind,
                        message: e.message.clone(),
                        line: e.line(),
                        stop,
                    });
                }
                RunEnd::Error { rendered: e.render(code, "<repl>"), kind: e.kind }
            }
            Ok(CellEnd::Cancelled) => RunEnd::Cancelled,
            Err(never) => match never {},
        };
        let restored = if counted { self.restore_context() } else { Vec::new() };
        CellRun { stdout, end, fuel_used, memory_bytes, restored, rolled_back }
    }

    /// How a `FINAL(v)` / `FINAL_VAR(name)` ends the cell. The `answer`
    /// protocol dict every session starts with is no answer while its
    /// `content` is empty: a FINAL of it is an error the model sees, and the
    /// run goes on, as pyrlm-runtime's does for a `FINAL_VAR` of a name the
    /// program never assigned (issue #56: `FINAL_VAR: answer` after a failed
    /// program returned `{'content': '', 'ready': False}`). With text in
    /// `content`, that text is the answer (as [`Self::auto_final`] reads it).
    fn final_end(&mut self, v: &Value) -> RunEnd {
        match self.protocol_content(v) {
            None => RunEnd::Final(self.session.display(v)),
            Some(text) if !text.is_empty() => RunEnd::Final(text),
            Some(_) => RunEnd::Error {
                rendered: UNSET_ANSWER_ERROR.to_string(),
                kind: ErrorKind::Exception,
            },
        }
    }

    /// The text of `v`'s `content` ("" while empty) when `v` is the `answer`
    /// protocol dict; `None` for any other value.
    fn protocol_content(&mut self, v: &Value) -> Option<String> {
        let Value::Dict(d) = v else { return None };
        if !is_answer_protocol(&d.borrow()) {
            return None;
        }
        let content = d.borrow().map.get(&Key(Value::str("content"))).cloned();
        Some(content.map(|c| self.session.display(&c)).unwrap_or_default())
    }

    /// When the next cells must stop (see [`Interrupt`]).
    pub fn set_interrupt(&mut self, stop: &Interrupt) {
        self.session.set_interrupt_check(Some(stop.check()));
    }

    /// `Helps::echo_last_expression`: the value of the cell's last
    /// expression, as Python's interactive prompt shows it (its repr, and
    /// nothing for None), after what the cell printed.
    fn echo_last_value(&mut self, stdout: &mut String) {
        let Some(value) = self.session.get_global(LAST_VALUE_VAR) else { return };
        if matches!(value, Value::None) {
            return;
        }
        // The global would keep the value alive until the next program.
        self.session.set_global(LAST_VALUE_VAR, Value::None);
        let shown = self.session.repr(&value);
        if !stdout.is_empty() && !stdout.ends_with('\n') {
            stdout.push('\n');
        }
        stdout.push_str(&shown);
        stdout.push('\n');
    }

    /// Puts `context`/`P` back if the program assigned them; the names put back.
    fn restore_context(&mut self) -> Vec<String> {
        let Some(original) = self.context_value.clone() else { return Vec::new() };
        let mut restored = Vec::new();
        for name in ["context", "P"] {
            let same = match (self.session.get_global(name), &original) {
                (Some(Value::Str(now)), Value::Str(bound)) => rlm_interp::Str::ptr_eq(&now, bound),
                _ => false,
            };
            if !same {
                self.session.set_global(name, original.clone());
                restored.push(name.to_string());
            }
        }
        restored
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        self.session.set_global(name, v);
    }

    /// `str()` of the global `name`, if it is set.
    pub fn display_global(&mut self, name: &str) -> Option<String> {
        let v = self.session.get_global(name)?;
        Some(self.session.display(&v))
    }

    /// `answer["content"]` when `answer["ready"]` is true.
    pub fn answer_ready(&mut self) -> Option<String> {
        let Some(Value::Dict(d)) = self.session.get_global("answer") else { return None };
        let (ready, content) = {
            let d = d.borrow();
            (
                d.map.get(&Key(Value::str("ready"))).map(|v| v.truthy()).unwrap_or(false),
                d.map.get(&Key(Value::str("content"))).cloned(),
            )
        };
        if !ready {
            return None;
        }
        Some(content.map(|c| self.session.display(&c)).unwrap_or_default())
    }

    /// What the program has put aside as an answer so far (for endings
    /// without a FINAL): `answer["content"]`, else the auto-finalize variable.
    pub fn partial_answer(&mut self, auto_var: Option<&str>) -> Option<String> {
        if let Some(Value::Dict(d)) = self.session.get_global("answer") {
            let content = d.borrow().map.get(&Key(Value::str("content"))).cloned();
            if let Some(c) = content {
                let text = self.session.display(&c);
                if !text.trim().is_empty() {
                    return Some(text);
                }
            }
        }
        auto_var.and_then(|n| self.auto_final(n))
    }

    /// The auto-finalize variable's value, if a program set it (not None).
    /// The `answer` protocol dict every session starts with counts as set
    /// only once its `content` holds text, and then as that text: pyrlm's
    /// `auto_finalize_var="answer"` must not end a run on the untouched
    /// `{"content": "", "ready": False}` (issue #38, `hybrid_audit.py`).
    pub fn auto_final(&mut self, name: &str) -> Option<String> {
        let v = self.session.get_global(name).filter(|v| !matches!(v, Value::None))?;
        if name == "answer"
            && let Some(text) = self.protocol_content(&v)
        {
            return (!text.is_empty()).then_some(text);
        }
        Some(self.session.display(&v))
    }

    /// `memory` back as JSON; entries without a JSON form are dropped and named.
    pub fn memory(&mut self) -> (MemoryMap, Vec<String>) {
        let mut out = MemoryMap::new();
        let mut dropped = Vec::new();
        let Some(Value::Dict(d)) = self.session.get_global("memory") else { return (out, dropped) };
        let entries: Vec<(Value, Value)> =
            d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
        for (k, v) in entries {
            let key = match &k {
                Value::Str(k) => k.as_str().to_string(),
                other => {
                    dropped.push(self.session.repr(other));
                    continue;
                }
            };
            match rlm_interp::to_json(&v) {
                Ok(j) => {
                    out.insert(key, j);
                }
                Err(_) => dropped.push(key),
            }
        }
        (out, dropped)
    }
}

impl ProgramSandbox for LocalSandbox {
    fn run<'a>(
        &'a mut self,
        code: &'a str,
        echo: bool,
        counted: bool,
        server: &'a mut dyn CallServer,
        stop: Interrupt,
    ) -> LocalBoxFuture<'a, CellRun> {
        self.set_interrupt(&stop);
        Box::pin(self.run_with(code, echo, counted, server))
    }

    fn set_global(&mut self, name: &str, v: Value) {
        LocalSandbox::set_global(self, name, v);
    }

    fn display_global(&mut self, name: &str) -> Option<String> {
        LocalSandbox::display_global(self, name)
    }

    fn answer_ready(&mut self) -> Option<String> {
        LocalSandbox::answer_ready(self)
    }

    fn partial_answer(&mut self, auto_var: Option<&str>) -> Option<String> {
        LocalSandbox::partial_answer(self, auto_var)
    }

    fn memory(&mut self) -> (MemoryMap, Vec<String>) {
        LocalSandbox::memory(self)
    }

    fn auto_final(&mut self, name: &str) -> Option<String> {
        LocalSandbox::auto_final(self, name)
    }

    fn snapshot_globals(&mut self, limits: &SnapshotLimits) -> Option<GlobalsSnapshot> {
        Some(self.session.snapshot_globals(crate::BOUND_GLOBALS, limits))
    }

    fn restore_globals(
        &mut self,
        snap: &GlobalsSnapshot,
        limits: &SnapshotLimits,
    ) -> Result<usize, SnapshotError> {
        self.session.restore_globals(snap, limits)
    }
}
