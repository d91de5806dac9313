//! The sandbox of one run, as the loop sees it: a program's interpreter
//! session (in this process or a worker's: `crate::sandbox`) with the
//! context, the declared functions, `query`, `answer` and `memory` bound;
//! running one program inside its trace span, with the notes the model reads
//! (a restored `context`, how far a program a limit stopped got: its session
//! was rolled back); reading what a program put aside as its answer.

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
use rlm_sandbox_host::{Interrupt, ProgramSandbox, RolledBack, RunEnd, SessionRecipe};

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
/// millisecond of work at the interpreter's speed
/// (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and calibration");
/// every builtin charges its work before it starts, so a long one asks before it runs.
const INTERRUPT_CHECK_FUEL: u64 = 250_000;

/// The program stops when the execution is cancelled (`KeyboardInterrupt`:
/// what it changed stands) or when the run's wall-time budget or the
/// program's own time limit (`max_program_time`) runs out (the wall-time
/// limit error: the cell is rolled back like any limit's): cancellation and
/// the deadlines reach inside a program that makes no host call, and
/// `rlm serve` shutting down is not held up by one.
pub(crate) fn interrupt_check(scope: &RunScope) -> Interrupt {
    let cancel = scope.cancel.clone();
    let now = Instant::now();
    let run_ends = scope.budget.time_left().map(|left| now + left);
    let program_ends = scope.budget.max_program_time().map(|limit| now + limit);
    Interrupt {
        every_fuel: INTERRUPT_CHECK_FUEL,
        cancelled: Rc::new(move || cancel.as_ref().is_some_and(|c| c.is_cancelled())),
        deadline: run_ends.into_iter().chain(program_ends).min(),
    }
}

/// The note after a limit error: which limit, the line, the fuel and memory
/// the program had used (its session is as it was before it).
fn rolled_back_note(template: &str, stop: &RolledBack) -> String {
    let at = stop.line.map(|l| format!(" at line {l}")).unwrap_or_default();
    render_or_explain(
        template,
        &[
            ("limit", stop.kind.words()),
            ("where", &at),
            ("fuel_used", &stop.stop.fuel_used.min(stop.stop.fuel_limit).to_string()),
            ("fuel_limit", &stop.stop.fuel_limit.to_string()),
            ("memory", &rlm_trace::format_bytes(stop.stop.memory_bytes)),
            ("memory_limit", &rlm_trace::format_bytes(stop.stop.memory_limit)),
        ],
    )
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
        if let (Some(stop), Some(e)) = (&run.rolled_back, &mut report.error) {
            // The session was rolled back: say how far the program got.
            e.push_str(&rolled_back_note(&engine.prompts.notes.limit_rolled_back, stop));
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
