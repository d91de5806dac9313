//! The loop: messages → root model → extract the program → run it in the
//! sandbox, its host calls served by the run's server → feed back the real
//! output → … until an answer, a budget, or a cancellation.
//!
//! A run owns one interpreter session (not `Send`), so everything here runs on
//! one thread; concurrency comes from awaiting many calls at once (a batch of
//! subcalls, several sub-RLMs), never from sharing a session.

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::LocalBoxFuture;
use rlm_context::Context;
use rlm_helps::{RunHelps, is_placeholder};
use rlm_interp::{Dict, ErrorKind, Key, Value};
use rlm_policy::{Budget, BudgetError};
use rlm_trace::{
    BudgetEvent, BudgetLevel, ErrorEvent, FinalAnswer, RunFinished, RunStarted, SpanId,
    SpanOutcome, TraceRecorder,
};
use rlm_types::{ChatMessage, Role};
use tokio_util::sync::CancellationToken;

mod answers;
mod closing;
mod durable;
mod evidence;
mod grounded;
mod guards;
mod parsed;
mod repeats;
mod schema;

use answers::ProseRefusal;

use crate::checkpoint::Durable;
use crate::compaction;
use crate::engine::Engine;
use crate::options::RepeatEscape;
use crate::outcome::Finish;
use crate::program::{ProgramReport, Sandbox};
use crate::root_call::{RootError, Sampling, call_root_with};
use crate::scope::RunScope;
use crate::serving::{RunServer, SubRunner};
use crate::turn::Turn;
use rlm_functions::MemoryMap;
use rlm_functions::RunRetrieval;
use rlm_prompts::extract::{Extraction, ProseFinal, extract, find_final};
use rlm_prompts::text::{strip_quotes, truncate_middle};
use rlm_prompts::{render, render_or_explain};

/// What a (sub-)run produced.
pub(crate) struct RunOut {
    pub answer: Option<String>,
    pub finish: Finish,
    pub steps: u32,
    /// `memory` at the end (runs that were given one).
    pub memory: Option<MemoryMap>,
    /// The task's criteria checked against the answer (root run, criteria set).
    pub criteria: Option<rlm_taskspec::CriteriaReport>,
}

/// What a reply's code blocks gave ([`Runner::run_blocks`]).
struct BlocksRun {
    /// The answer a block gave with FINAL (or as a prose FINAL it failed to parse as).
    final_answer: Option<(String, Finish)>,
    /// The error the last block run ended with.
    error: Option<String>,
}

/// What to run: the question, its context, and where it sits in the tree.
pub(crate) struct RunParams {
    pub query: String,
    pub context: Context,
    /// 0 for the root run.
    pub depth: u32,
    /// The span that started a sub-run.
    pub parent: Option<SpanId>,
    /// `memory` at the start (`None`: no `memory` persistence).
    pub memory: Option<MemoryMap>,
    /// Earlier questions and answers of a session, shown to the model.
    pub turns: Vec<Turn>,
    /// Checkpoints after each step, and the one to start from (root run).
    pub durable: Option<Durable>,
}

/// How the run is watched and stopped: shared by every level of the tree.
#[derive(Clone)]
pub(crate) struct RunControl {
    pub recorder: TraceRecorder,
    pub cancel: Option<CancellationToken>,
    pub stream_root: bool,
}

/// Runs an RLM (the root run, or a sub-RLM at `params.depth`).
pub(crate) fn run_rlm(
    engine: Arc<Engine>,
    control: RunControl,
    budget: Budget,
    params: RunParams,
) -> LocalBoxFuture<'static, RunOut> {
    async move {
        let mut runner = Runner::new(engine, control, budget, params);
        let out = runner.run().await;
        runner.close(&out);
        out
    }
    .boxed_local()
}

/// Sub-RLMs for `rlm_query`: a run one level down, sharing the trace and the
/// cancellation, with its own level of the budget.
pub(crate) struct LoopSubRuns;

impl SubRunner for LoopSubRuns {
    fn sub_run(
        &self,
        parent: &RunScope,
        budget: Budget,
        prompt: String,
        context: Context,
        span: SpanId,
    ) -> LocalBoxFuture<'static, (Option<String>, Finish)> {
        let control = RunControl {
            recorder: parent.recorder.clone(),
            cancel: parent.cancel.clone(),
            stream_root: parent.stream_root,
        };
        let params = RunParams {
            query: prompt,
            context,
            depth: parent.depth + 1,
            parent: Some(span),
            memory: None,
            turns: Vec::new(),
            durable: None,
        };
        run_rlm(Arc::clone(&parent.engine), control, budget, params)
            .map(|out| (out.answer, out.finish))
            .boxed_local()
    }
}

struct Runner {
    scope: Rc<RunScope>,
    server: RunServer,
    sandbox: Sandbox,
    query: String,
    /// The previous step's code (a model repeating itself gets told).
    last_code: Option<String>,
    /// The last output a program printed (shown when a FINAL is refused as
    /// a placeholder).
    last_output: String,
    /// The next root call's temperature (the repeat escape's re-ask).
    next_temperature: Option<f32>,
    /// The small-model helps' state (rlm-helps): evidence shown, grounds,
    /// the confirmed count, the programs sent and their repeats.
    helps: RunHelps,
    /// What the root model sees (compacted).
    messages: Vec<ChatMessage>,
    /// Everything, for the `history` variable once compaction has happened.
    full_history: Vec<ChatMessage>,
    compacted: bool,
    steps: u32,
    /// Programs that are evidence for a FINAL (`evidence.rs`).
    evidence_programs: u32,
    /// A literal-only program printed this step: evidence once the model
    /// has seen its output, at the next step.
    printed_unseen: bool,
    /// The longest root call so far: the closing call must fit in the time left.
    slowest_root_call: Duration,
    invalid_streak: u32,
    fallback_used: bool,
    started: Instant,
    memory_in: bool,
    /// The sandbox failed (its worker died): the run ends with it.
    sandbox_failure: Option<String>,
    soft_limit_seen: bool,
    /// The last answer checked against the task's criteria, and its report.
    checked: Option<(String, rlm_taskspec::CriteriaReport)>,
    /// Checkpoints after each step (`durable.rs`).
    durable: Option<durable::DurableRun>,
    /// The last answer the output schema refused, and why (`schema.rs`).
    schema_candidate: Option<(String, String)>,
    /// What the run has seen and what the model wrote: no answer ends the
    /// run unless it rests on the evidence (`ledger.rs`, issue #78).
    ledger: crate::ledger::Ledger,
    /// The programs that would print what they printed before (`repeats.rs`).
    repeats: repeats::Repeats,
    /// The programs the checks above read, each parsed once (`parsed.rs`).
    parsed: parsed::Parsed,
    /// The replies with nothing to run so far, as hashes of their words (the
    /// last few; a reply may be MiBs): one sent again is degenerate
    /// (`degenerate_reply`).
    invalid_seen: Vec<u64>,
    /// The next root call breaks a degenerate reply: held to a ```repl
    /// block where the provider decodes under a grammar, else at another
    /// temperature.
    break_degenerate: bool,
    /// Each distinct output a program printed, with its step (the closing
    /// call's digest, `closing.rs`).
    outputs: Vec<(u32, String)>,
    /// How many of the history's first messages are the run's opening (the
    /// system prompt, the question): the closing call starts from them.
    opening: usize,
    /// The names programs bound to literals, as of the last program
    /// (`evidence::answer_sites`): an answer read from one is written, not
    /// computed.
    literal_vars: HashSet<String>,
    /// The last program's FINAL had a literal argument.
    literal_final: bool,
    /// How the closing call's answer was made (`closing.rs`): `true`
    /// written as text, `false` read from a variable.
    closing_written: bool,
    /// The last reply's prose FINAL, if it had one (its origin decides
    /// whether the answer was computed).
    last_prose_final: Option<ProseFinal>,
}

impl Runner {
    fn new(engine: Arc<Engine>, control: RunControl, budget: Budget, params: RunParams) -> Runner {
        let RunParams { query, context, depth, parent, memory, turns, durable } = params;
        let mut durable = durable.map(|d| durable::DurableRun::new(d, memory.clone()));
        // A run resumed in a recorder that holds its trace so far goes on in
        // the same run span (`Session::start_durable`).
        let resumed_span = durable
            .as_ref()
            .filter(|d| d.resuming() && parent.is_none())
            .and_then(|_| control.recorder.root_run_span());
        let run_span = match resumed_span {
            Some(span) => {
                // The next checkpoint's trace starts after the events taken over.
                if let Some(d) = &mut durable {
                    d.continue_trace_at(control.recorder.len());
                }
                span
            }
            None => control.recorder.start_run(
                parent,
                RunStarted {
                    query: query.clone(),
                    model: engine.root.model_id().to_string(),
                    depth,
                    context_chars: context.len_chars(),
                    context_documents: context.num_documents() as u64,
                    otel_trace_id: None,
                },
            ),
        };
        let mut sandbox = Sandbox::new(&engine, &context, &query);
        let memory_in = memory.is_some();
        if let Some(m) = &memory {
            sandbox.set_memory(m);
        }
        let retrieval = RunRetrieval::for_run(&engine.retrieval, &context, depth);
        // Evidence first is the root run's: a sub-RLM's question is the
        // parent's program's, already informed.
        let (helps, evidence) = RunHelps::first_message(
            &engine.prompts.helps,
            engine.options.helps.switches(),
            &context,
            &query,
            depth == 0,
            || retrieval.as_deref().and_then(|r| r.first_step_evidence(&query)),
        );
        let messages = initial_messages(
            &engine,
            &query,
            &context,
            (depth, crate::options::sub_rlm_depth(&budget)),
            &turns,
            evidence.as_deref(),
            helps.count_shown(),
        );
        let opening = messages.len();
        let mut ledger = crate::ledger::Ledger::default();
        // The passages the evidence help showed are the context's own text.
        if let Some(shown) = &evidence {
            ledger.evidence(shown);
        }
        // The session's earlier answers, shown as its history, are what this
        // session's runs settled on: a later answer may rest on them.
        for answer in turns.iter().filter_map(|t| t.answer.as_deref()) {
            ledger.settled(answer);
        }
        let scope = Rc::new(RunScope {
            engine,
            recorder: control.recorder,
            run_span,
            budget,
            context,
            depth,
            cancel: control.cancel,
            stream_root: control.stream_root,
            retrieval,
        });
        Runner {
            server: RunServer {
                scope: Rc::clone(&scope),
                sub_runs: Rc::new(LoopSubRuns),
                subcalls: 0,
                cancelled: false,
                program_span: None,
                answered: Some(crate::ledger::Ledger::default()),
            },
            scope,
            sandbox,
            query,
            last_code: None,
            last_output: String::new(),
            next_temperature: None,
            helps,
            full_history: messages.clone(),
            messages,
            compacted: false,
            steps: 0,
            evidence_programs: 0,
            printed_unseen: false,
            slowest_root_call: Duration::ZERO,
            invalid_streak: 0,
            fallback_used: false,
            started: Instant::now(),
            memory_in,
            sandbox_failure: None,
            soft_limit_seen: false,
            checked: None,
            durable,
            schema_candidate: None,
            ledger,
            repeats: repeats::Repeats::default(),
            parsed: parsed::Parsed::default(),
            invalid_seen: Vec::new(),
            break_degenerate: false,
            outputs: Vec::new(),
            opening,
            literal_vars: HashSet::new(),
            literal_final: false,
            closing_written: true,
            last_prose_final: None,
        }
    }

    fn engine(&self) -> &Engine {
        &self.scope.engine
    }

    async fn run(&mut self) -> RunOut {
        if !self.resume().await {
            return self.cancelled();
        }
        loop {
            if self.scope.cancelled() {
                return self.cancelled();
            }
            if std::mem::take(&mut self.printed_unseen) {
                self.evidence_programs += 1;
            }
            if let Some(reason) = self.time_short() {
                return self.finalize(reason).await;
            }
            if !self.soft_limit_seen
                && let Some(hit) = self.scope.budget.soft_limit()
            {
                self.soft_limit_seen = true;
                let resource = format!("{:?}", hit.resource).to_lowercase();
                let percent = format!("{:.0}", hit.fraction * 100.0);
                self.scope.recorder.budget(
                    self.scope.run_span,
                    BudgetEvent {
                        level: BudgetLevel::SoftLimit,
                        budget: resource.clone(),
                        used: hit.used,
                        limit: hit.limit,
                        message: format!("{percent}% of the {resource} budget used"),
                    },
                );
                let notes = &self.engine().prompts.notes;
                let note = if hit.fraction >= 1.0 {
                    &notes.finalize_spent
                } else {
                    &notes.finalize_soft_limit
                };
                let reason = render_or_explain(note, &[("resource", &resource)]);
                return self.finalize(reason).await;
            }
            if let Err(e) = self.scope.budget.begin_step() {
                self.budget_event(BudgetLevel::HardStop, &e);
                let reason = self.budget_reason(&e);
                return self.finalize(reason).await;
            }
            self.steps += 1;
            self.maybe_compact().await;
            let messages = std::mem::take(&mut self.messages);
            let reply = match self.call_root(messages).await {
                Ok(r) => r,
                Err(RootError::Budget(e)) => {
                    self.budget_event(BudgetLevel::HardStop, &e);
                    let reason = self.budget_reason(&e);
                    return self.best_effort(reason);
                }
                Err(RootError::Model(e)) => {
                    let answer = self.partial();
                    let criteria = self.criteria_for(answer.as_deref());
                    return RunOut {
                        answer,
                        finish: Finish::ModelError { message: e.to_string() },
                        steps: self.steps,
                        memory: None,
                        criteria,
                    };
                }
                Err(RootError::Cancelled) => return self.cancelled(),
            };
            self.push(ChatMessage::assistant(reply.clone()));
            if let Some(out) = self.step(&reply).await {
                return out;
            }
            if let Some(out) = self.step_guards().await {
                return out;
            }
            self.checkpoint().await;
        }
    }

    fn budget_reason(&self, e: &BudgetError) -> String {
        render_or_explain(
            &self.engine().prompts.notes.finalize_budget,
            &[("error", &e.to_string())],
        )
    }

    fn note(&self, template: &str, values: &[(&str, &str)]) -> String {
        render_or_explain(template, values)
    }

    /// Handles one reply; `Some` ends the run.
    async fn step(&mut self, reply: &str) -> Option<RunOut> {
        let ex = extract(reply);
        self.last_prose_final.clone_from(&ex.prose_final);
        let engine = Arc::clone(&self.scope.engine);
        let notes_t = &engine.prompts.notes;
        if ex.is_empty()
            && let Some(answer) = self.bare_answer(reply)
            && let Some(out) = self.accept_grounded(answer, Finish::BareAnswer).await
        {
            return Some(out);
        }
        if ex.is_empty() {
            return self.invalid_reply(&ex, reply).await;
        }
        self.invalid_streak = 0;
        let mut notes: Vec<String> = Vec::new();
        let mut stdout = String::new();
        let joined_code = ex.code.join("\n");
        let repeats_last = !ex.code.is_empty()
            && self.last_code.as_deref().map(str::trim) == Some(joined_code.trim());
        if repeats_last
            && let Some(n) = self.helps.confirmed_count()
            && let Some(out) = self.accept_grounded(n.to_string(), Finish::ConfirmedCount).await
        {
            return Some(out);
        }
        // The repeat escape help, when on, handles a repeat its own way.
        if !ex.code.is_empty()
            && let Some(escape) = self.engine().options.helps.repeat_escape.clone()
            && self.helps.seen_before(&joined_code)
        {
            return self.escape_repeat(&joined_code, &escape).await;
        }
        if !ex.code.is_empty()
            && let repeats::Repeat::Skip { step, times } =
                self.repeats
                    .check(&joined_code, &mut self.parsed, &|name| calls_a_model(&engine, name))
        {
            return self.skip_repeat(step, times);
        }
        if repeats_last {
            notes.push(notes_t.repeated_program.clone());
        }
        if !ex.code.is_empty() {
            self.helps.remember(&joined_code);
        }
        self.last_code = Some(joined_code.clone());
        let BlocksRun { mut final_answer, mut error } =
            match self.run_blocks(&ex.code, &mut stdout, &mut notes).await {
                Ok(run) => run,
                Err(out) => return Some(out),
            };
        if final_answer.is_none()
            && let Some(a) = self.sandbox.answer_ready()
        {
            final_answer = Some((a, Finish::AnswerReady));
        }
        if final_answer.is_none()
            && let Some(var) = self.engine().options.auto_final_var.clone()
            && let Some(a) = self.sandbox.auto_final(&var)
        {
            final_answer = Some((a, Finish::AutoVariable));
        }
        if final_answer.is_none()
            && let Some(pf) = ex.prose_final.clone()
        {
            match self.prose_final(pf, !ex.code.is_empty(), error.is_some()).await {
                Ok(answer) => final_answer = Some((answer, Finish::ProseFinal)),
                Err(ProseRefusal::Note(n)) => notes.push(n),
                Err(ProseRefusal::Error(e)) => {
                    error = Some(match error {
                        Some(prev) => format!("{prev}\n{e}"),
                        None => e,
                    })
                }
            }
            if self.scope.cancelled() {
                return Some(self.cancelled());
            }
        }
        if let Some((answer, _)) = &final_answer
            && self.engine().options.refuse_placeholder_final
            && is_placeholder(answer)
        {
            notes.push(self.placeholder_refusal(answer, &stdout));
            final_answer = None;
        }
        if let Some((answer, how)) = &final_answer
            && matches!(how, Finish::Final | Finish::ProseFinal)
            && let Some(note) =
                self.helps.final_refusal(&engine.prompts.helps, &self.query, answer, reply, &stdout)
        {
            self.scope.recorder.error(
                self.scope.run_span,
                ErrorEvent {
                    message: format!("FINAL refused: {answer} is no count a program printed"),
                    fatal: false,
                },
            );
            notes.push(note);
            final_answer = None;
        }
        if let Some((answer, how)) = final_answer {
            match self.final_guard(&how).map_or_else(|| self.schema_answer(&answer), Err) {
                Ok(answer) => match self.unmet_criteria(&answer).await {
                    None => return Some(self.end(Some(answer), how)),
                    Some(feedback) => notes.push(feedback),
                },
                Err(note) => notes.push(note),
            }
        }
        if ex.claimed_output {
            notes.push(notes_t.claimed_output.clone());
        }
        if !ex.rejected_languages.is_empty() {
            let languages = ex.rejected_languages.join(", ```");
            notes.push(self.note(&notes_t.rejected_languages, &[("languages", &languages)]));
        }
        // The helps' evidence note, and what they remember of this output.
        if let Some(note) = self.helps.after_output(
            &engine.prompts.helps,
            &self.scope.context,
            &self.query,
            &joined_code,
            &stdout,
            error.is_some(),
        ) {
            self.ledger.shown(&note);
            notes.push(note);
        }
        if error.is_some() {
            if let Err(e) = self.scope.budget.record_error() {
                self.budget_event(BudgetLevel::HardStop, &e);
                let reason =
                    self.note(&notes_t.finalize_failing_steps, &[("error", &e.to_string())]);
                return Some(self.finalize(reason).await);
            }
        } else {
            self.scope.budget.record_success();
        }
        if !stdout.trim().is_empty() {
            self.last_output = stdout.clone();
        }
        let feedback = self.feedback(&stdout, error.as_deref(), &notes);
        self.push(ChatMessage::user(feedback));
        None
    }

    /// A reply with no program and no answer: a note saying why, and after
    /// `max_invalid_replies` in a row the fallback program (once), then the
    /// finalize-now prompt.
    async fn invalid_reply(&mut self, ex: &Extraction, reply: &str) -> Option<RunOut> {
        let engine = Arc::clone(&self.scope.engine);
        let notes_t = &engine.prompts.notes;
        self.invalid_streak += 1;
        self.degenerate_reply(reply);
        let languages = ex.rejected_languages.join(", ```");
        let reason = if reply.trim().is_empty() {
            notes_t.invalid_empty.clone()
        } else if !ex.rejected_languages.is_empty() {
            self.note(&notes_t.invalid_language, &[("languages", &languages)])
        } else if let Some(error) = &ex.bare_syntax_error {
            self.note(&notes_t.invalid_bare_syntax, &[("error", error.trim_end())])
        } else if ex.claimed_output {
            notes_t.invalid_claimed_output.clone()
        } else {
            notes_t.invalid_no_code.clone()
        };
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent { message: format!("invalid reply: {reason}"), fatal: false },
        );
        let _ = self.scope.budget.record_error();
        // A degenerate reply at the streak's limit: the held call it earned
        // is a step of its own, not the forced ending's closing call (a 0.5B
        // sent "3" three times, and its held call was spent on the closing
        // prompt). One step more at most: the next invalid reply ends the run.
        let max = self.engine().options.max_invalid_replies;
        let held_step = self.break_degenerate && self.invalid_streak == max;
        if self.invalid_streak >= max && !held_step {
            if let Some(program) = self.engine().options.fallback_program.clone()
                && !self.fallback_used
            {
                self.fallback_used = true;
                self.invalid_streak = 0;
                let report = self.run_program(&program, true).await;
                if report.cancelled {
                    return Some(self.cancelled());
                }
                let mut notes = vec![notes_t.fallback_ran.clone()];
                let answered = match report.final_answer {
                    Some(answer) => Some((answer, Finish::Final)),
                    None => self.sandbox.answer_ready().map(|a| (a, Finish::AnswerReady)),
                };
                if let Some((answer, how)) = answered {
                    match self.schema_answer(&answer) {
                        Ok(answer) => return Some(self.end(Some(answer), how)),
                        Err(note) => notes.push(note),
                    }
                }
                let feedback = self.feedback(&report.stdout, report.error.as_deref(), &notes);
                self.push(ChatMessage::user(feedback));
                return None;
            }
            let count = self.invalid_streak.to_string();
            let reason = self.note(&notes_t.finalize_invalid_replies, &[("count", &count)]);
            return Some(self.finalize(reason).await);
        }
        let text =
            render(&self.engine().prompts.invalid_reply, &[("reason", &reason)]).unwrap_or(reason);
        self.push(ChatMessage::user(text));
        None
    }

    /// Runs a reply's code blocks in order until one ends with FINAL or an
    /// error (the blocks after it are not run, and a note says so); their
    /// output and notes go to `stdout` and `notes`. `Err`: the run ended
    /// (cancelled).
    async fn run_blocks(
        &mut self,
        programs: &[String],
        stdout: &mut String,
        notes: &mut Vec<String>,
    ) -> Result<BlocksRun, RunOut> {
        let engine = Arc::clone(&self.scope.engine);
        let notes_t = &engine.prompts.notes;
        let blocks = programs.len();
        let mut error = None;
        let mut final_answer = None;
        for (i, code) in programs.iter().enumerate() {
            let report = self.run_program(code, true).await;
            if report.cancelled {
                return Err(self.cancelled());
            }
            stdout.push_str(&report.stdout);
            notes.extend(report.notes.iter().cloned());
            if let Some(answer) = report.final_answer {
                final_answer = Some((answer, Finish::Final));
                break;
            }
            if let Some(e) = report.error {
                // A block that is only `FINAL(prose)` fails to parse: take the prose.
                if report.error_kind == Some(ErrorKind::Syntax)
                    && let Some(ProseFinal::Final(inner)) = find_final(code)
                    && code.trim().starts_with("FINAL(")
                {
                    final_answer = Some((strip_quotes(&inner), Finish::ProseFinal));
                    break;
                }
                error = Some(e);
                if i + 1 < blocks {
                    let count = (blocks - i - 1).to_string();
                    notes.push(self.note(&notes_t.blocks_not_run, &[("count", &count)]));
                }
                break;
            }
        }
        Ok(BlocksRun { final_answer, error })
    }

    /// The repeat escape: a program the model sent before is not run again.
    /// The model is re-asked at a higher temperature with the program shown
    /// as failed; after `fallback_after` repeats the built-in strategy for
    /// the question's shape runs (once), and its answer ends the run.
    async fn escape_repeat(&mut self, code: &str, escape: &RepeatEscape) -> Option<RunOut> {
        let repeat = self.helps.count_repeat();
        let engine = Arc::clone(&self.scope.engine);
        let notes = &engine.prompts.notes;
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent {
                message: format!("repeated program not run (repeat {repeat})"),
                fatal: false,
            },
        );
        if let Some(program) =
            self.helps.strategy_due(&engine.prompts.helps, &self.query, escape.fallback_after)
        {
            let report = self.run_program(&program, true).await;
            if report.cancelled {
                return Some(self.cancelled());
            }
            let mut shown = vec![notes.strategy_ran.clone()];
            if let Some(answer) = report.final_answer {
                match self.schema_answer(&answer) {
                    Ok(answer) => return Some(self.end(Some(answer), Finish::Final)),
                    Err(note) => shown.push(note),
                }
            }
            let feedback = self.feedback(&report.stdout, report.error.as_deref(), &shown);
            self.push(ChatMessage::user(feedback));
            return None;
        }
        self.next_temperature = Some(escape.temperature);
        let text = self.note(&notes.repeat_reask, &[("program", code.trim_end())]);
        self.push(ChatMessage::user(text));
        None
    }

    /// A program not run: step `step` ran it over the same variables
    /// (`repeats.rs`). The model gets a note, firmer from the second repeat,
    /// and no value.
    fn skip_repeat(&mut self, step: u32, times: u32) -> Option<RunOut> {
        let engine = Arc::clone(&self.scope.engine);
        let notes = &engine.prompts.notes;
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent {
                message: format!(
                    "program not run: step {step} ran it over the same variables (repeat {times})"
                ),
                fatal: false,
            },
        );
        let (step, count) = (step.to_string(), (times + 1).to_string());
        let note = if times <= 1 {
            self.note(&notes.program_already_ran, &[("step", &step)])
        } else {
            self.note(&notes.program_already_ran_again, &[("step", &step), ("times", &count)])
        };
        self.push(ChatMessage::user(note));
        None
    }

    /// Runs `code` in the sandbox; a step's program (`counted`) counts for the guards.
    async fn run_program(&mut self, code: &str, counted: bool) -> ProgramReport {
        let module = self.parsed.module(code);
        let kind = evidence::of_program(module.as_deref());
        let sites = evidence::answer_sites(module.as_deref(), &self.literal_vars);
        self.literal_final = sites.literal_final;
        for (name, literal) in sites.binds {
            if literal {
                self.literal_vars.insert(name);
            } else {
                self.literal_vars.remove(&name);
            }
        }
        if counted {
            match kind {
                evidence::Evidence::Computed => self.evidence_programs += 1,
                evidence::Evidence::Printed => self.printed_unseen = true,
                evidence::Evidence::None => {}
            }
        }
        self.remember_program(code, counted);
        if self.compacted {
            self.sandbox.set_global("history", history_value(&self.full_history));
        }
        let mut report = self.sandbox.run(code, self.steps, counted, &mut self.server).await;
        // What the program printed, as the model is shown it (the same cut
        // as `feedback`'s), and what its calls answered is evidence; a
        // program that computed is evidence of its own.
        let max = self.engine().options.max_output_chars;
        let shown = truncate_middle(report.stdout.trim_end_matches('\n'), max);
        self.ledger.evidence(&shown);
        let engine = Arc::clone(&self.scope.engine);
        self.repeats.ran(code, self.steps, &mut self.parsed, &|name| calls_a_model(&engine, name));
        self.keep_output(&shown);
        if let Some(answered) = self.server.answered.as_mut() {
            self.ledger.absorb(std::mem::take(answered));
        }
        if kind == evidence::Evidence::Computed {
            self.ledger.computed();
        }
        if let Some(reason) = report.sandbox_failed.take() {
            // Nothing can run any more: end the run as a cancelled one ends,
            // with the failure as its finish (see `cancelled`).
            self.sandbox_failure = Some(reason);
            report.cancelled = true;
        }
        report
    }

    /// Keeps a program's output as the model was shown it (cut to
    /// `max_output_chars`) for the closing call's digest, once per distinct
    /// output, within [`DIGEST_KEPT_BYTES`] (the oldest go first).
    fn keep_output(&mut self, shown: &str) {
        let out = shown.trim();
        if out.is_empty() || self.outputs.iter().any(|(_, o)| o == out) {
            return;
        }
        self.outputs.push((self.steps, out.to_string()));
        let mut kept: usize = self.outputs.iter().map(|(_, o)| o.len()).sum();
        while kept > DIGEST_KEPT_BYTES && self.outputs.len() > 1 {
            kept -= self.outputs.remove(0).1.len();
        }
    }

    fn partial(&mut self) -> Option<String> {
        let var = self.engine().options.auto_final_var.clone();
        self.sandbox.partial_answer(var.as_deref())
    }

    fn push(&mut self, m: ChatMessage) {
        if self.compacted {
            self.full_history.push(m.clone());
        }
        self.messages.push(m);
    }

    fn feedback(&self, stdout: &str, error: Option<&str>, notes: &[String]) -> String {
        let engine = self.engine();
        let t = &engine.prompts.notes;
        let max = engine.options.max_output_chars;
        let output = if stdout.is_empty() {
            if error.is_some() { t.no_output_after_error.clone() } else { t.no_output.clone() }
        } else {
            truncate_middle(stdout.trim_end_matches('\n'), max)
        };
        let error = match error {
            Some(e) => {
                self.note(&t.error_block, &[("error", &truncate_middle(e.trim_end(), max / 2))])
            }
            None => String::new(),
        };
        let mut note_text = String::new();
        for n in notes {
            note_text.push_str(&self.note(&t.note_line, &[("note", n)]));
        }
        let step = self.steps.to_string();
        render(
            &engine.prompts.feedback,
            &[("step", &step), ("output", &output), ("error", &error), ("notes", &note_text)],
        )
        .unwrap_or_else(|e| format!("{output}\n{error}\n({e})"))
    }

    /// A reply with nothing to run that repeats an earlier one (at
    /// temperature 0 a small model gives it again every time it is asked
    /// again): the next root call is made differently, and the trace says how.
    fn degenerate_reply(&mut self, reply: &str) {
        let seen = normalised_hash(reply);
        if !self.invalid_seen.contains(&seen) {
            self.invalid_seen.push(seen);
            if self.invalid_seen.len() > DEGENERATE_MEMORY {
                self.invalid_seen.remove(0);
            }
            return;
        }
        self.break_degenerate = true;
        let how = if self.engine().root.decodes_grammar() {
            "held to a ```repl block (a grammar)".to_string()
        } else {
            format!("sent at temperature {DEGENERATE_TEMPERATURE}")
        };
        self.scope.recorder.error(
            self.scope.run_span,
            ErrorEvent {
                message: format!(
                    "the reply repeated an earlier one with nothing to run: the next root call is {how}"
                ),
                fatal: false,
            },
        );
    }

    /// Calls the root model with the history (moved out and back, not copied).
    /// A reply refused as over the model's window compacts the history once
    /// and tries again.
    async fn call_root(&mut self, messages: Vec<ChatMessage>) -> Result<String, RootError> {
        let mut sampling = Sampling {
            temperature: self.next_temperature.take(),
            constrained: self.engine().options.helps.constrain_root,
            answer_only: false,
        };
        if std::mem::take(&mut self.break_degenerate) {
            if self.engine().root.decodes_grammar() {
                sampling.constrained = true;
            } else {
                sampling.temperature = Some(DEGENERATE_TEMPERATURE);
            }
        }
        // On the run's clock: a replay's calls take the time they took when recorded.
        let clock = self.scope.budget.clock().clone();
        let called = clock.now();
        let (messages, result) = call_root_with(&self.scope, messages, self.steps, sampling).await;
        self.slowest_root_call = self.slowest_root_call.max(clock.since(called));
        self.messages = messages;
        if let Err(RootError::Model(e)) = &result
            && e.is_context_length_exceeded()
            && !self.compacted
            && self.engine().options.compaction.is_some()
            && self.messages.len() > 4
            && self.compact().await
        {
            let messages = std::mem::take(&mut self.messages);
            let (messages, retry) =
                call_root_with(&self.scope, messages, self.steps, sampling).await;
            self.messages = messages;
            return retry;
        }
        result
    }

    /// Summarises old turns when the history nears the root model's window.
    async fn maybe_compact(&mut self) {
        if compaction::is_due(&self.scope, &self.messages) {
            self.compact().await;
        }
    }

    /// Compacts the history; `false` when nothing was summarised.
    async fn compact(&mut self) -> bool {
        let Some(done) =
            compaction::compact(&self.scope, &self.messages, &self.query, self.steps).await
        else {
            return false;
        };
        if !self.compacted {
            self.compacted = true;
            self.full_history = self.messages.clone();
        }
        self.messages = done.messages;
        self.sandbox.set_global("history", history_value(&self.full_history));
        true
    }

    fn best_effort(&mut self, reason: String) -> RunOut {
        let partial = self.partial();
        self.end(partial, Finish::BestEffort { reason })
    }

    /// The run was cancelled: it ends with what the program put aside.
    fn cancelled(&mut self) -> RunOut {
        if let Some(reason) = self.sandbox_failure.take() {
            // The session's state died with the worker: `memory` stays as it was.
            let criteria = self.criteria_for(None);
            let finish = Finish::SandboxFailed { reason };
            return RunOut { answer: None, finish, steps: self.steps, memory: None, criteria };
        }
        let partial = self.partial();
        self.end(partial, Finish::Cancelled)
    }

    fn end(&mut self, answer: Option<String>, finish: Finish) -> RunOut {
        let (answer, finish) = self.schema_end(answer, finish);
        let (answer, finish) = self.grounded_end(answer, finish);
        let memory = if self.memory_in {
            let (m, dropped) = self.sandbox.memory();
            if !dropped.is_empty() {
                self.scope.recorder.error(
                    self.scope.run_span,
                    ErrorEvent {
                        message: format!(
                            "memory entries without a JSON form were not kept: {}",
                            dropped.join(", ")
                        ),
                        fatal: false,
                    },
                );
            }
            Some(m)
        } else {
            None
        };
        let criteria = self.criteria_for(answer.as_deref());
        RunOut { answer, finish, steps: self.steps, memory, criteria }
    }

    /// Records the end of the run in the trace.
    fn close(&mut self, out: &RunOut) {
        let recorder = &self.scope.recorder;
        let run_span = self.scope.run_span;
        if let Some(a) = &out.answer {
            recorder.final_answer(run_span, FinalAnswer { answer: a.clone() });
        }
        let outcome = match &out.finish {
            Finish::ModelError { .. }
            | Finish::SandboxFailed { .. }
            | Finish::SchemaFailed { .. } => SpanOutcome::Error,
            Finish::BestEffort { .. } | Finish::Finalized { .. } => SpanOutcome::BudgetExceeded,
            Finish::Cancelled => SpanOutcome::Cancelled,
            _ => SpanOutcome::Ok,
        };
        if let Finish::ModelError { message } | Finish::SandboxFailed { reason: message } =
            &out.finish
        {
            recorder.error(run_span, ErrorEvent { message: message.clone(), fatal: true });
        }
        let snap = self.scope.budget.snapshot();
        recorder.finish_run(
            run_span,
            RunFinished {
                outcome,
                iterations: self.steps,
                usage: snap.usage,
                cost_usd: snap.cost_usd,
                duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
        );
    }

    fn budget_event(&self, level: BudgetLevel, e: &BudgetError) {
        self.scope.recorder.budget(
            self.scope.run_span,
            BudgetEvent {
                level,
                budget: budget_name(e).to_string(),
                used: 0.0,
                limit: 0.0,
                message: e.to_string(),
            },
        );
    }
}

/// The first messages of a run: system prompt (plus the sub-RLM note), then
/// the question, after the session's earlier turns if there are any, with the
/// first step's `evidence` (search hits) after the context metadata.
fn initial_messages(
    engine: &Engine,
    query: &str,
    context: &Context,
    (depth, max_depth): (u32, u32),
    turns: &[Turn],
    evidence: Option<&str>,
    count_shown: bool,
) -> Vec<ChatMessage> {
    let prompts = &engine.prompts;
    let mut system = engine.system_prompt.to_string();
    if depth > 0 {
        let d = depth.to_string();
        let max = max_depth.to_string();
        if let Ok(note) = render(&prompts.sub_rlm, &[("depth", &d), ("max_depth", &max)]) {
            system = format!("{}\n\n{}", system.trim_end(), note);
        }
    }
    let mut metadata = context.metadata().render();
    if let Some(e) = evidence {
        metadata = format!("{}\n\n{}", metadata.trim_end(), e.trim_end());
    }
    let next_step =
        if count_shown { &prompts.notes.first_step_after_count } else { &prompts.notes.first_step };
    let mut first = render_or_explain(
        &prompts.first_user,
        &[("query", query), ("context_metadata", &metadata), ("next_step", next_step)],
    );
    if !turns.is_empty() {
        let mut listed = String::new();
        for t in turns {
            let answer = t.answer.as_deref().unwrap_or(&prompts.notes.history_no_answer);
            listed.push_str(&render_or_explain(
                &prompts.notes.history_turn,
                &[("query", &t.query), ("answer", &truncate_middle(answer, 2000))],
            ));
        }
        let history = render_or_explain(&prompts.session_history, &[("turns", &listed)]);
        first = format!("{}\n\n{first}", history.trim_end());
    }
    if depth == 0
        && let Some(schema) = &engine.output_schema
    {
        let note =
            render_or_explain(&prompts.notes.answer_schema, &[("schema", schema.schema_text())]);
        first = format!("{}\n\n{note}", first.trim_end());
    }
    vec![ChatMessage::system(system), ChatMessage::user(first)]
}

/// Replies with nothing to run remembered to notice a degenerate one.
const DEGENERATE_MEMORY: usize = 8;
/// The temperature a degenerate reply's next call is sent at, where the
/// provider takes no grammar.
const DEGENERATE_TEMPERATURE: f32 = 0.8;
/// The most bytes of distinct outputs kept for the closing call's digest.
const DIGEST_KEPT_BYTES: usize = 256 * 1024;

/// A hash of `text`'s words (its whitespace normalised), read in place.
fn normalised_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for word in text.split_whitespace() {
        word.hash(&mut hasher);
    }
    hasher.finish()
}

/// Whether a name the program calls reaches a model, a sub-RLM, a tool or
/// a search (anything but the interpreter's own functions): such a program
/// may print something else when run again.
fn calls_a_model(engine: &Engine, name: &str) -> bool {
    engine
        .functions
        .get(name)
        .is_some_and(|f| f.kind() != Some(rlm_functions::FunctionKind::Inline))
}

/// `history` for the program: a list of `{"role", "content"}` dicts.
fn history_value(messages: &[ChatMessage]) -> Value {
    Value::list(
        messages
            .iter()
            .map(|m| {
                let mut d = Dict::new();
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                d.map.insert(Key(Value::str("role")), Value::str(role));
                d.map.insert(Key(Value::str("content")), Value::str(m.content.as_str()));
                Value::dict(d)
            })
            .collect(),
    )
}

fn budget_name(e: &BudgetError) -> &'static str {
    match e {
        BudgetError::MaxStepsExceeded { .. } => "steps",
        BudgetError::MaxSubcallsExceeded { .. } => "subcalls",
        BudgetError::MaxDepthExceeded { .. } => "depth",
        BudgetError::TokenBudgetExceeded { .. } => "tokens",
        BudgetError::CostBudgetExceeded { .. } => "cost_usd",
        BudgetError::TimeBudgetExceeded { .. } => "wall_time_ms",
        BudgetError::MaxConsecutiveErrors { .. } => "consecutive_errors",
        _ => "budget",
    }
}
