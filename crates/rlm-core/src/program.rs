//! The sandbox of one run: its interpreter session, with the context, the
//! declared functions, `query`, `answer` and `memory` bound; running one
//! program through the cell driver inside its trace span; reading what a
//! program put aside as its answer; restarting after a limit error.

use std::convert::Infallible;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use rlm_context::Context;
use rlm_interp::{Dict, ErrorKind, Key, Session, Value};
use rlm_trace::{Outcome, ProgramFinished, ProgramStarted};

use crate::cell::{CellEnd, run_cell, run_cell_keeping_last};
use crate::context_binding::bind_context;
use crate::engine::Engine;
use crate::memory::MemoryMap;
use crate::prompts::render_or_explain;
use crate::scope::RunScope;
use crate::serving::RunServer;

/// The global holding a program's last expression for the echo
/// (`Helps::echo_last_expression`); its leading underscore keeps it out of
/// the user's variables.
const LAST_VALUE_VAR: &str = "_repl_last_value_";

/// An interpreter session with everything a model's program has: the
/// context binding, the declared functions, `query` and `answer`.
pub(crate) fn program_session(engine: &Engine, context: &Context, query: &str) -> Session {
    let mut s = Session::new(engine.sandbox_limits.clone());
    bind_context(&mut s, context);
    engine.functions.install(&mut s, context);
    s.set_global("answer", answer_dict());
    s.set_global("query", Value::str(query));
    s
}

/// How often (in fuel) a running program asks whether to stop: about a
/// millisecond of work at the interpreter's speed (BENCHMARKS.md, "Fuel cost
/// table and calibration"); every builtin charges its work before it starts,
/// so a long one asks before it runs.
const INTERRUPT_CHECK_FUEL: u64 = 250_000;

/// The program stops (with `KeyboardInterrupt`, which ends the cell) when
/// the execution is cancelled or the run's wall-time budget has run out:
/// cancellation and `max_wall_time` reach inside a program that makes no
/// host call, and `rlm serve` shutting down is not held up by one.
fn interrupt_check(scope: &RunScope) -> (u64, Rc<dyn Fn() -> bool>) {
    let cancel = scope.cancel.clone();
    let budget = scope.budget.clone();
    let check = move || {
        cancel.as_ref().is_some_and(|c| c.is_cancelled())
            || budget.time_left().is_some_and(|left| left.is_zero())
    };
    (INTERRUPT_CHECK_FUEL, Rc::new(check))
}

/// `answer = {"content": "", "ready": False}` (the paper's reference protocol).
fn answer_dict() -> Value {
    let mut d = Dict::new();
    d.map.insert(Key(Value::str("content")), Value::str(""));
    d.map.insert(Key(Value::str("ready")), Value::Bool(false));
    Value::dict(d)
}

/// What running one program (a code block, or a FINAL check) produced.
pub(crate) struct ProgramReport {
    pub stdout: String,
    /// The rendered error the model will read.
    pub error: Option<String>,
    pub error_kind: Option<ErrorKind>,
    /// `FINAL(...)`'s value, displayed.
    pub final_answer: Option<String>,
    /// Things the model should know about this run (a restored `context`...).
    pub notes: Vec<String>,
    /// The execution was cancelled while the program waited for host calls.
    pub cancelled: bool,
}

/// One run's interpreter session and what it needs to restart it.
pub(crate) struct Sandbox {
    session: Session,
    engine: Arc<Engine>,
    context: Context,
    query: String,
    /// `context` as bound: restored if a program assigns the name.
    context_value: Option<Value>,
}

impl Sandbox {
    pub fn new(engine: &Arc<Engine>, context: &Context, query: &str) -> Sandbox {
        let session = program_session(engine, context, query);
        let context_value = session.get_global("context");
        Sandbox {
            session,
            engine: Arc::clone(engine),
            context: context.clone(),
            query: query.to_string(),
            context_value,
        }
    }

    /// Runs `code` as one cell, serving its host calls, inside a program span.
    /// `counted`: a step's program (its assignments to `context` are undone)
    /// rather than a FINAL check.
    pub async fn run(
        &mut self,
        code: &str,
        iteration: u32,
        counted: bool,
        server: &mut RunServer,
    ) -> ProgramReport {
        let engine = Arc::clone(&self.engine);
        let recorder = server.scope.recorder.clone();
        let started = Instant::now();
        let span = recorder.start_program(
            server.scope.run_span,
            ProgramStarted { iteration, code: code.to_string() },
        );
        server.program_span = Some(span);
        self.session.set_interrupt_check(Some(interrupt_check(&server.scope)));
        let mut stdout = String::new();
        let mut print = |text: &str| {
            stdout.push_str(text);
            Ok::<(), Infallible>(())
        };
        let echo = counted && engine.options.helps.echo_last_expression;
        let end = if echo {
            self.session.set_global(LAST_VALUE_VAR, Value::None);
            run_cell_keeping_last(&mut self.session, code, LAST_VALUE_VAR, server, &mut print).await
        } else {
            run_cell(&mut self.session, code, server, &mut print).await
        };
        server.program_span = None;
        if echo && matches!(end, Ok(CellEnd::Done)) {
            self.echo_last_value(&mut stdout);
        }
        // Read before a restart replaces a session a limit error ended.
        let fuel_used = self.session.fuel_used();
        let memory_bytes = self.session.live_memory_bytes();
        let mut report = ProgramReport {
            stdout: String::new(),
            error: None,
            error_kind: None,
            final_answer: None,
            notes: Vec::new(),
            cancelled: false,
        };
        match end {
            Ok(CellEnd::Done) => {}
            Ok(CellEnd::Final(v)) => report.final_answer = Some(self.session.display(&v)),
            Ok(CellEnd::Error(e)) => {
                report.error = Some(e.render(code, "<repl>"));
                report.error_kind = Some(e.kind.clone());
            }
            Ok(CellEnd::Cancelled) => report.cancelled = true,
            Err(never) => match never {},
        }
        if counted {
            self.restore_context(&mut report);
        }
        if let Some(limit) = self.session.dead().cloned() {
            // A limit error leaves the session unusable: start a fresh one so the
            // run can go on, and say so.
            self.session = program_session(&engine, &self.context, &self.query);
            if let Some(e) = &mut report.error {
                e.push_str(&render_or_explain(
                    &engine.prompts.notes.repl_restarted,
                    &[("limit", &limit.message)],
                ));
            }
        }
        // Stopped inside the program (`KeyboardInterrupt`, see `interrupt_check`).
        report.cancelled |= server.scope.cancelled();
        let outcome = if report.cancelled {
            Outcome::Cancelled
        } else if report.error.is_some() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        recorder.finish_program(
            span,
            ProgramFinished {
                outcome,
                stdout: stdout.clone(),
                error: report.error.clone(),
                fuel_used,
                memory_bytes,
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
        );
        report.stdout = stdout;
        report
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

    /// Puts `context`/`P` back if the program assigned them, with a note.
    fn restore_context(&mut self, report: &mut ProgramReport) {
        let Some(original) = self.context_value.clone() else { return };
        for name in ["context", "P"] {
            let same = match (self.session.get_global(name), &original) {
                (Some(Value::Str(now)), Value::Str(bound)) => rlm_interp::Str::ptr_eq(&now, bound),
                _ => false,
            };
            if !same {
                self.session.set_global(name, original.clone());
                report.notes.push(render_or_explain(
                    &self.engine.prompts.notes.context_restored,
                    &[("name", name), ("chars", &self.context.len_chars().to_string())],
                ));
            }
        }
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        self.session.set_global(name, v);
    }

    pub fn get_global(&self, name: &str) -> Option<Value> {
        self.session.get_global(name)
    }

    /// `str(v)` as Python prints it.
    pub fn display(&mut self, v: &Value) -> String {
        self.session.display(v)
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
    pub fn auto_final(&mut self, name: &str) -> Option<String> {
        match self.session.get_global(name) {
            None | Some(Value::None) => None,
            Some(v) => Some(self.session.display(&v)),
        }
    }

    /// Binds `memory` as a dict.
    pub fn set_memory(&mut self, memory: &MemoryMap) {
        self.session.set_global(
            "memory",
            rlm_interp::from_json(&serde_json::Value::Object(memory.clone())),
        );
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
