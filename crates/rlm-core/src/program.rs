//! The sandbox of one run, as the loop sees it: a program's interpreter
//! session (in this process or a worker's: `crate::sandbox`) with the
//! context, the declared functions, `query`, `answer` and `memory` bound;
//! running one program inside its trace span, with the notes the model reads
//! (a restored `context`, a restart after a limit error); reading what a
//! program put aside as its answer.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use rlm_context::Context;
use rlm_interp::{ErrorKind, GlobalsSnapshot, Interpreter, SnapshotError, SnapshotLimits, Value};
use rlm_trace::{ProgramFinished, ProgramStarted, SpanOutcome};

use crate::engine::Engine;
use crate::scope::RunScope;
use crate::serving::RunServer;
use rlm_functions::MemoryMap;
use rlm_prompts::render_or_explain;
use rlm_sandbox_host::{ProgramSandbox, RunEnd, SessionRecipe};

/// What a program's session is made of, under `engine`.
fn recipe(engine: &Engine, context: &Context, query: &str) -> SessionRecipe {
    SessionRecipe {
        limits: engine.sandbox_limits.clone(),
        functions: Arc::clone(&engine.functions),
        context: context.clone(),
        query: query.to_string(),
    }
}

/// An interpreter session in this process with everything a model's program
/// has: the context binding, the declared functions, `query` and `answer`.
pub(crate) fn program_session(engine: &Engine, context: &Context, query: &str) -> Interpreter {
    recipe(engine, context, query).session()
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
    /// The sandbox itself failed (its worker process died): why. The run
    /// cannot go on.
    pub sandbox_failed: Option<String>,
}

/// One run's sandbox, wherever its session lives (`crate::sandbox`), and
/// the trace spans of the programs it runs.
pub(crate) struct Sandbox {
    inner: Box<dyn ProgramSandbox>,
    engine: Arc<Engine>,
    context_chars: u64,
}

impl Sandbox {
    pub fn new(engine: &Arc<Engine>, context: &Context, query: &str) -> Sandbox {
        Sandbox {
            inner: engine.sandbox_host.open(recipe(engine, context, query)),
            engine: Arc::clone(engine),
            context_chars: context.len_chars(),
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
        let echo = counted && engine.options.helps.echo_last_expression;
        let stop = interrupt_check(&server.scope);
        let run = self.inner.run(code, echo, counted, server, stop).await;
        server.program_span = None;
        let mut report = ProgramReport {
            stdout: String::new(),
            error: None,
            error_kind: None,
            final_answer: None,
            notes: Vec::new(),
            cancelled: false,
            sandbox_failed: None,
        };
        match run.end {
            RunEnd::Done => {}
            RunEnd::Final(answer) => report.final_answer = Some(answer),
            RunEnd::Error { rendered, kind } => {
                report.error = Some(rendered);
                report.error_kind = Some(kind);
            }
            RunEnd::Cancelled => report.cancelled = true,
            RunEnd::SandboxFailed(reason) => {
                report.error = Some(reason.clone());
                report.sandbox_failed = Some(reason);
            }
        }
        for name in &run.restored {
            report.notes.push(render_or_explain(
                &engine.prompts.notes.context_restored,
                &[("name", name), ("chars", &self.context_chars.to_string())],
            ));
        }
        if let (Some(limit), Some(e)) = (&run.restarted_after, &mut report.error) {
            // The sandbox started a fresh session after the limit error; say so.
            e.push_str(&render_or_explain(
                &engine.prompts.notes.repl_restarted,
                &[("limit", limit)],
            ));
        }
        // Stopped inside the program (`KeyboardInterrupt`, see `interrupt_check`).
        report.cancelled |= server.scope.cancelled();
        let outcome = if report.cancelled {
            SpanOutcome::Cancelled
        } else if report.error.is_some() {
            SpanOutcome::Error
        } else {
            SpanOutcome::Ok
        };
        recorder.finish_program(
            span,
            ProgramFinished {
                outcome,
                stdout: run.stdout.clone(),
                error: report.error.clone(),
                fuel_used: run.fuel_used,
                memory_bytes: run.memory_bytes,
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
        );
        report.stdout = run.stdout;
        report
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        self.inner.set_global(name, v);
    }

    /// `str()` of the global `name`, if it is set.
    pub fn display_global(&mut self, name: &str) -> Option<String> {
        self.inner.display_global(name)
    }

    /// `answer["content"]` when `answer["ready"]` is true.
    pub fn answer_ready(&mut self) -> Option<String> {
        self.inner.answer_ready()
    }

    /// What the program has put aside as an answer so far (for endings
    /// without a FINAL): `answer["content"]`, else the auto-finalize variable.
    pub fn partial_answer(&mut self, auto_var: Option<&str>) -> Option<String> {
        self.inner.partial_answer(auto_var)
    }

    /// The auto-finalize variable's value, if a program set it (not None).
    pub fn auto_final(&mut self, name: &str) -> Option<String> {
        self.inner.auto_final(name)
    }

    /// Binds `memory` as a dict.
    pub fn set_memory(&mut self, memory: &MemoryMap) {
        self.inner.set_global(
            "memory",
            rlm_interp::from_json(&serde_json::Value::Object(memory.clone())),
        );
    }

    /// `memory` back as JSON; entries without a JSON form are dropped and named.
    pub fn memory(&mut self) -> (MemoryMap, Vec<String>) {
        self.inner.memory()
    }

    /// The program's variables as data (`None`: this sandbox cannot read them).
    pub fn snapshot_globals(&mut self, limits: &SnapshotLimits) -> Option<GlobalsSnapshot> {
        self.inner.snapshot_globals(limits)
    }

    /// Binds saved variables; corrupt data binds nothing.
    pub fn restore_globals(
        &mut self,
        snap: &GlobalsSnapshot,
        limits: &SnapshotLimits,
    ) -> Result<usize, SnapshotError> {
        self.inner.restore_globals(snap, limits)
    }
}
