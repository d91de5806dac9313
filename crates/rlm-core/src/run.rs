//! The loop: messages → root model → extract the program → run it in the
//! interpreter, serving its host calls through the scheduler, sub-RLMs and
//! tools → feed back the real output → … until an answer or a budget.
//!
//! A run owns one interpreter session (not `Send`), so everything here runs on
//! one thread; concurrency comes from awaiting many calls at once (a batch of
//! subcalls, several sub-RLMs), never from sharing a session.

use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use futures::future::LocalBoxFuture;
use rlm_context::Context;
use rlm_interp::{Dict, ErrorKind, Key, Outcome, Session, Value};
use rlm_policy::{Budget, BudgetError, CallKind, Estimate};
use rlm_trace::{
    BudgetEvent, BudgetLevel, CallFinished, ErrorEvent, FinalAnswer, ModelCallStarted,
    Outcome as SpanOutcome, ProgramFinished, ProgramStarted, Retry, RunFinished, RunStarted,
    SpanId, TraceRecorder,
};
use rlm_types::{ChatMessage, CompletionRequest, GenerationParams, Role};

use crate::extract::{ProseFinal, extract};
use crate::host;
use crate::memory::MemoryMap;
use crate::outcome::{Finish, Mode, RunResult};
use crate::prompts::render;
use crate::rlm::Inner;
use crate::serve::Services;
use crate::subcalls;
use crate::tools::render_tool_list;

/// What a (sub-)run produced.
pub(crate) struct RunOut {
    pub answer: Option<String>,
    pub finish: Finish,
    pub steps: u32,
    /// `memory` at the end (top-level runs only).
    pub memory: Option<MemoryMap>,
}

/// Runs an RLM over `context` at `depth` (0: the root run).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_rlm(
    inner: Arc<Inner>,
    recorder: TraceRecorder,
    budget: Budget,
    query: String,
    context: Context,
    depth: u32,
    parent: Option<SpanId>,
    memory: Option<MemoryMap>,
) -> LocalBoxFuture<'static, RunOut> {
    async move {
        let mut runner =
            Runner::new(inner, recorder, budget, query, context, depth, parent, memory);
        let out = runner.run().await;
        runner.close(&out);
        out
    }
    .boxed_local()
}

/// The SmartRouter's baseline: one direct call with the whole context.
pub(crate) async fn direct(
    inner: &Inner,
    recorder: &TraceRecorder,
    budget: &Budget,
    query: &str,
    context: &Context,
) -> RunResult {
    let started = Instant::now();
    let model = inner.root.model_id();
    let run_span = recorder.start_run(
        None,
        RunStarted {
            query: query.to_string(),
            model: model.to_string(),
            depth: 0,
            context_chars: context.len_chars(),
            context_documents: context.num_documents() as u64,
        },
    );
    let prompt = render(&inner.prompts.direct, &[("query", query), ("context", context.as_str())])
        .unwrap_or_else(|e| e.to_string());
    let messages = vec![ChatMessage::user(prompt)];
    let (_, result) = root_call(inner, recorder, budget, run_span, messages, 1).await;
    let (answer, finish) = match result {
        Ok(text) => (Some(text.trim().to_string()), Finish::Direct),
        Err(RootError::Budget(e)) => (None, Finish::BestEffort { reason: e.to_string() }),
        Err(RootError::Model(m)) => (None, Finish::ModelError { message: m }),
    };
    if let Some(a) = &answer {
        recorder.final_answer(run_span, FinalAnswer { answer: a.clone() });
    }
    let snap = budget.tree_snapshot();
    recorder.finish_run(
        run_span,
        RunFinished {
            outcome: if answer.is_some() { SpanOutcome::Ok } else { SpanOutcome::Error },
            iterations: 1,
            usage: snap.usage,
            cost_usd: snap.cost_usd,
            duration_ms: started.elapsed().as_millis() as u64,
        },
    );
    RunResult {
        answer,
        finish,
        mode: Mode::Direct,
        steps: 1,
        usage: budget.tree_snapshot(),
        events: recorder.take_events(),
    }
}

pub(crate) enum RootError {
    Budget(BudgetError),
    Model(String),
}

/// One root-model call: reservation, trace span, retries, settlement.
async fn root_call(
    inner: &Inner,
    recorder: &TraceRecorder,
    budget: &Budget,
    run_span: SpanId,
    messages: Vec<ChatMessage>,
    iteration: u32,
) -> (Vec<ChatMessage>, Result<String, RootError>) {
    let chars: usize = messages.iter().map(|m| m.content.len()).sum();
    let completion_room = u64::from(inner.options.root_max_tokens.unwrap_or(1024));
    let estimate = Estimate::new(subcalls::estimate_tokens(chars) + completion_room, 0.0);
    let reservation = match budget.reserve(CallKind::Root, estimate) {
        Ok(r) => r,
        Err(e) => return (messages, Err(RootError::Budget(e))),
    };
    let model = inner.root.model_id();
    let span = recorder.start_model_call(
        run_span,
        ModelCallStarted {
            model: model.to_string(),
            iteration,
            prompt_preview: messages.last().map(|m| m.content.clone()).unwrap_or_default(),
            prompt_messages: messages.len() as u32,
        },
    );
    let request = CompletionRequest {
        messages,
        params: GenerationParams {
            max_tokens: inner.options.root_max_tokens,
            ..Default::default()
        },
    };
    let started = Instant::now();
    let report = inner.root.call(&request).await;
    let messages = request.messages;
    for r in &report.retries {
        recorder.retry(
            span,
            Retry {
                attempt: r.attempt,
                reason: subcalls::retry_reason(&r.reason),
                delay_ms: r.delay.as_millis() as u64,
            },
        );
    }
    let latency_ms = started.elapsed().as_millis() as u64;
    match report.result {
        Ok(c) => {
            let cost = inner.prices.cost(&model, &c.usage).unwrap_or(0.0);
            reservation.settle(&c.usage, cost);
            recorder.finish_model_call(
                span,
                CallFinished {
                    outcome: SpanOutcome::Ok,
                    response_preview: c.text.clone(),
                    usage: c.usage,
                    cost_usd: cost,
                    latency_ms,
                    cached: false,
                    deduped: false,
                    error: None,
                },
            );
            (messages, Ok(c.text))
        }
        Err(e) => {
            reservation.cancel();
            let message = e.to_string();
            recorder.finish_model_call(
                span,
                CallFinished {
                    outcome: SpanOutcome::Error,
                    response_preview: String::new(),
                    usage: Default::default(),
                    cost_usd: 0.0,
                    latency_ms,
                    cached: false,
                    deduped: false,
                    error: Some(message.clone()),
                },
            );
            (messages, Err(RootError::Model(message)))
        }
    }
}

/// The result of running one program (one code block, or a FINAL check).
struct ProgramReport {
    stdout: String,
    /// The rendered error the model will read.
    error: Option<String>,
    /// `FINAL(...)`'s value, displayed.
    final_answer: Option<String>,
    /// Whether the error was a NameError/SyntaxError-like failure of the code itself.
    error_kind: Option<ErrorKind>,
    /// Things the model should know about this run (a restored `context`...).
    notes: Vec<String>,
}

struct Runner {
    services: Services,
    /// `context` as bound: restored if a program assigns the name.
    context_value: Option<Value>,
    /// The previous step's code (a model repeating itself gets told).
    last_code: Option<String>,
    inner: Arc<Inner>,
    recorder: TraceRecorder,
    budget: Budget,
    query: String,
    context: Context,
    run_span: SpanId,
    session: Session,
    /// What the root model sees (compacted).
    messages: Vec<ChatMessage>,
    /// Everything, for the `history` variable once compaction has happened.
    full_history: Vec<ChatMessage>,
    compacted: bool,
    steps: u32,
    programs_run: u32,
    invalid_streak: u32,
    fallback_used: bool,
    started: Instant,
    memory_in: bool,
    soft_limit_seen: bool,
}

impl Runner {
    #[allow(clippy::too_many_arguments)]
    fn new(
        inner: Arc<Inner>,
        recorder: TraceRecorder,
        budget: Budget,
        query: String,
        context: Context,
        depth: u32,
        parent: Option<SpanId>,
        memory: Option<MemoryMap>,
    ) -> Runner {
        let run_span = recorder.start_run(
            parent,
            RunStarted {
                query: query.clone(),
                model: inner.root.model_id().to_string(),
                depth,
                context_chars: context.len_chars(),
                context_documents: context.num_documents() as u64,
            },
        );
        let mut session = host::new_session(&inner, &context);
        session.set_global("query", rlm_interp::Value::str(query.as_str()));
        let memory_in = memory.is_some();
        if let Some(m) = &memory {
            host::set_memory(&mut session, m);
        }
        let messages = initial_messages(&inner, &query, &context, depth);
        let context_value = session.get_global("context");
        Runner {
            context_value,
            last_code: None,
            services: Services {
                inner: Arc::clone(&inner),
                recorder: recorder.clone(),
                budget: budget.clone(),
                context: context.clone(),
                depth,
                subcalls: 0,
            },
            full_history: messages.clone(),
            inner,
            recorder,
            budget,
            query,
            context,
            run_span,
            session,
            messages,
            compacted: false,
            steps: 0,
            programs_run: 0,
            invalid_streak: 0,
            fallback_used: false,
            started: Instant::now(),
            memory_in,
            soft_limit_seen: false,
        }
    }

    async fn run(&mut self) -> RunOut {
        loop {
            if !self.soft_limit_seen
                && let Some(hit) = self.budget.soft_limit()
            {
                self.soft_limit_seen = true;
                let resource = format!("{:?}", hit.resource).to_lowercase();
                self.recorder.budget(
                    self.run_span,
                    BudgetEvent {
                        level: BudgetLevel::SoftLimit,
                        budget: resource.clone(),
                        used: hit.used,
                        limit: hit.limit,
                        message: format!(
                            "{:.0}% of the {resource} budget used",
                            hit.fraction * 100.0
                        ),
                    },
                );
                return self
                    .finalize(format!(
                        "{:.0}% of the {resource} budget is used",
                        hit.fraction * 100.0
                    ))
                    .await;
            }
            if let Err(e) = self.budget.begin_step() {
                self.budget_event(BudgetLevel::HardStop, &e);
                return self.finalize(format!("budget exhausted: {e}")).await;
            }
            self.steps += 1;
            self.maybe_compact().await;
            let messages = std::mem::take(&mut self.messages);
            let reply = match self.call_root(messages).await {
                Ok(r) => r,
                Err(RootError::Budget(e)) => {
                    self.budget_event(BudgetLevel::HardStop, &e);
                    return self.best_effort(format!("budget exhausted: {e}"));
                }
                Err(RootError::Model(m)) => {
                    let answer = self.partial();
                    return RunOut {
                        answer,
                        finish: Finish::ModelError { message: m },
                        steps: self.steps,
                        memory: None,
                    };
                }
            };
            self.push(ChatMessage::assistant(reply.clone()));
            if let Some(out) = self.step(&reply).await {
                return out;
            }
        }
    }

    /// Handles one reply; `Some` ends the run.
    async fn step(&mut self, reply: &str) -> Option<RunOut> {
        let ex = extract(reply);
        if ex.is_empty() {
            self.invalid_streak += 1;
            let reason = if reply.trim().is_empty() {
                "the reply was empty".to_string()
            } else if !ex.rejected_languages.is_empty() {
                format!(
                    "```{} is not run here; only ```repl blocks of the Python subset run",
                    ex.rejected_languages.join(", ```")
                )
            } else if ex.claimed_output {
                "it showed output but no code: write the code, the REPL shows the output".into()
            } else {
                "no ```repl block and no FINAL(...)".into()
            };
            self.recorder.error(
                self.run_span,
                ErrorEvent { message: format!("invalid reply: {reason}"), fatal: false },
            );
            let _ = self.budget.record_error();
            if self.invalid_streak >= self.inner.options.max_invalid_replies {
                if let Some(program) = self.inner.options.fallback_program.clone()
                    && !self.fallback_used
                {
                    self.fallback_used = true;
                    self.invalid_streak = 0;
                    let report = self.run_program(&program, true).await;
                    if let Some(answer) = report.final_answer {
                        return Some(self.end(Some(answer), Finish::Final));
                    }
                    if let Some(a) = host::answer_ready(&mut self.session) {
                        return Some(self.end(Some(a), Finish::AnswerReady));
                    }
                    let feedback = self.feedback(&report.stdout, report.error.as_deref(), &[
                        "Your replies had no program, so a fallback program ran; its output is above.".into(),
                    ]);
                    self.push(ChatMessage::user(feedback));
                    return None;
                }
                return Some(
                    self.finalize(format!(
                        "{} replies in a row had no program",
                        self.invalid_streak
                    ))
                    .await,
                );
            }
            let text =
                render(&self.inner.prompts.invalid_reply, &[("reason", &reason)]).unwrap_or(reason);
            self.push(ChatMessage::user(text));
            return None;
        }
        self.invalid_streak = 0;
        let mut notes: Vec<String> = Vec::new();
        let mut stdout = String::new();
        let mut error: Option<String> = None;
        let mut final_answer: Option<(String, Finish)> = None;
        let blocks = ex.code.len();
        let joined_code = ex.code.join("\n");
        if !ex.code.is_empty() && self.last_code.as_deref() == Some(joined_code.as_str()) {
            notes.push(
                "This program is the same as your previous one, so it printed the same output: \
                 try a different approach (another search term, print the text around a hit, or \
                 ask sub-models about chunks with llm_batch)."
                    .into(),
            );
        }
        self.last_code = Some(joined_code);
        for (i, code) in ex.code.iter().enumerate() {
            let report = self.run_program(code, true).await;
            stdout.push_str(&report.stdout);
            notes.extend(report.notes.iter().cloned());
            if let Some(answer) = report.final_answer {
                final_answer = Some((answer, Finish::Final));
                break;
            }
            if let Some(e) = report.error {
                // A block that is only `FINAL(prose)` fails to parse: take the prose.
                if report.error_kind == Some(ErrorKind::Syntax)
                    && let Some(ProseFinal::Final(inner)) = crate::extract::find_final(code)
                    && code.trim().starts_with("FINAL(")
                {
                    final_answer = Some((strip_quotes(&inner), Finish::ProseFinal));
                    break;
                }
                error = Some(e);
                if i + 1 < blocks {
                    notes.push(format!(
                        "{} later code block(s) of your reply were not run because this one failed.",
                        blocks - i - 1
                    ));
                }
                break;
            }
        }
        if final_answer.is_none()
            && let Some(a) = host::answer_ready(&mut self.session)
        {
            final_answer = Some((a, Finish::AnswerReady));
        }
        if final_answer.is_none()
            && let Some(var) = self.auto_var().map(str::to_string)
            && let Some(a) = host::auto_final(&mut self.session, &var)
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
        }
        if let Some((answer, how)) = final_answer {
            match self.final_guard(&how) {
                None => return Some(self.end(Some(answer), how)),
                Some(note) => notes.push(note),
            }
        }
        if ex.claimed_output {
            notes.push(
                "Your reply contained output you wrote yourself; it was ignored. The real output is above."
                    .into(),
            );
        }
        if !ex.rejected_languages.is_empty() {
            notes.push(format!(
                "Blocks in ```{} were not run: only ```repl (Python subset) runs here.",
                ex.rejected_languages.join(", ```")
            ));
        }
        if error.is_some() {
            if let Err(e) = self.budget.record_error() {
                self.budget_event(BudgetLevel::HardStop, &e);
                return Some(self.finalize(format!("too many failing steps: {e}")).await);
            }
        } else {
            self.budget.record_success();
        }
        let feedback = self.feedback(&stdout, error.as_deref(), &notes);
        self.push(ChatMessage::user(feedback));
        None
    }

    /// Whether a FINAL may end the run now; `Some(note)` refuses it.
    fn final_guard(&self, how: &Finish) -> Option<String> {
        let opts = &self.inner.options;
        if opts.require_program_before_final && self.programs_run == 0 {
            return Some(
                "FINAL was not accepted: no program has run yet, so the answer cannot rest on the \
                 context. Explore it first with a ```repl program."
                    .into(),
            );
        }
        if opts.require_subcall_before_final && self.services.subcalls == 0 {
            return Some(format!(
                "FINAL ({}) was not accepted: this run requires at least one sub-model call \
                 (llm_query / llm_batch) on the context before answering.",
                how.as_str()
            ));
        }
        None
    }

    /// Evaluates a FINAL written in prose.
    async fn prose_final(
        &mut self,
        pf: ProseFinal,
        had_code: bool,
        code_failed: bool,
    ) -> Result<String, ProseRefusal> {
        match pf {
            ProseFinal::Var(name) => {
                let cell = format!("FINAL_VAR({})", py_string(&name));
                let report = self.run_program(&cell, false).await;
                match (report.final_answer, report.error) {
                    (Some(a), _) => Ok(a),
                    (None, Some(e)) => Err(ProseRefusal::Error(e)),
                    (None, None) => {
                        Err(ProseRefusal::Note(format!("FINAL_VAR({name}) gave no answer.")))
                    }
                }
            }
            ProseFinal::Final(inner) => {
                let parses = rlm_syntax::parse(&format!("({inner})\n")).is_ok();
                if !parses {
                    // Prose inside the parentheses: the text is the answer.
                    if had_code {
                        return Err(ProseRefusal::Note(deferred_note(&inner)));
                    }
                    return Ok(strip_quotes(&inner));
                }
                if had_code && (is_literal(&inner) || code_failed) {
                    return Err(ProseRefusal::Note(deferred_note(&inner)));
                }
                let report = self.run_program(&format!("FINAL({inner})\n"), false).await;
                match (report.final_answer, report.error) {
                    (Some(a), _) => Ok(a),
                    (None, Some(e)) if is_identifier(inner.trim()) => {
                        Err(ProseRefusal::Error(format!(
                            "{e}FINAL({0}): `{0}` is not a variable. To answer with that text, quote it: \
                         FINAL(\"{0}\"); to answer with a variable, assign it first.\n",
                            inner.trim()
                        )))
                    }
                    (None, Some(e)) => Err(ProseRefusal::Error(e)),
                    (None, None) => Err(ProseRefusal::Note("FINAL(...) gave no answer.".into())),
                }
            }
        }
    }

    fn partial(&mut self) -> Option<String> {
        let var = self.inner.options.auto_final_var.clone();
        host::partial_answer(&mut self.session, var.as_deref())
    }

    fn auto_var(&self) -> Option<&str> {
        self.inner.options.auto_final_var.as_deref()
    }

    fn push(&mut self, m: ChatMessage) {
        if self.compacted {
            self.full_history.push(m.clone());
        }
        self.messages.push(m);
    }

    fn feedback(&self, stdout: &str, error: Option<&str>, notes: &[String]) -> String {
        let max = self.inner.options.max_output_chars;
        let output = if stdout.is_empty() {
            if error.is_some() {
                "(no output)".to_string()
            } else {
                "(no output: use print() to see values)".to_string()
            }
        } else {
            truncate_middle(stdout.trim_end_matches('\n'), max)
        };
        let error = match error {
            Some(e) => format!("Error:\n{}\n", truncate_middle(e.trim_end(), max / 2)),
            None => String::new(),
        };
        let mut note_text = String::new();
        for n in notes {
            note_text.push_str("Note: ");
            note_text.push_str(n);
            note_text.push('\n');
        }
        let step = self.steps.to_string();
        render(
            &self.inner.prompts.feedback,
            &[("step", &step), ("output", &output), ("error", &error), ("notes", &note_text)],
        )
        .unwrap_or_else(|e| format!("{output}\n{error}\n({e})"))
    }

    /// Calls the root model with the history (moved out and back, not copied).
    async fn call_root(&mut self, messages: Vec<ChatMessage>) -> Result<String, RootError> {
        let (messages, result) = root_call(
            &self.inner,
            &self.recorder,
            &self.budget,
            self.run_span,
            messages,
            self.steps,
        )
        .await;
        self.messages = messages;
        if let Err(RootError::Model(m)) = &result
            && m.to_lowercase().contains("context")
            && !self.compacted
            && self.inner.options.compaction.is_some()
            && self.messages.len() > 4
            && self.compact().await
        {
            // The history outgrew the window: compacted once, retry.
            let messages = std::mem::take(&mut self.messages);
            let (messages, retry) = root_call(
                &self.inner,
                &self.recorder,
                &self.budget,
                self.run_span,
                messages,
                self.steps,
            )
            .await;
            self.messages = messages;
            return retry;
        }
        result
    }

    /// Summarises old turns when the history nears the root model's window.
    async fn maybe_compact(&mut self) {
        let Some(c) = &self.inner.options.compaction else { return };
        let Some(window) =
            self.inner.options.root_window_tokens.or(self.inner.root.context_window())
        else {
            return;
        };
        let chars: usize = self.messages.iter().map(|m| m.content.len()).sum();
        if (subcalls::estimate_tokens(chars) as f64) < c.threshold_ratio * window as f64 {
            return;
        }
        self.compact().await;
    }

    /// Replaces the turns between the first user message and the last
    /// `keep_last` messages by a model-written summary. `false` when there was
    /// nothing to summarise or the call failed.
    async fn compact(&mut self) -> bool {
        let keep = self.inner.options.compaction.as_ref().map(|c| c.keep_last).unwrap_or(4);
        let keep = keep + keep % 2;
        if self.messages.len() <= 2 + keep {
            return false;
        }
        let cut = self.messages.len() - keep;
        let mut transcript = String::new();
        for m in &self.messages[2..cut] {
            let role = match m.role {
                Role::Assistant => "assistant",
                Role::User => "user",
                Role::System => "system",
            };
            transcript.push_str(&format!("[{role}]\n{}\n\n", truncate_middle(&m.content, 4000)));
        }
        let prompt = match render(
            &self.inner.prompts.compaction,
            &[("query", &self.query), ("transcript", &transcript)],
        ) {
            Ok(p) => p,
            Err(_) => return false,
        };
        let messages = vec![
            ChatMessage::system(self.inner.prompts.subcall_system.clone()),
            ChatMessage::user(prompt),
        ];
        let summary = match root_call(
            &self.inner,
            &self.recorder,
            &self.budget,
            self.run_span,
            messages,
            self.steps,
        )
        .await
        .1
        {
            Ok(s) => s,
            Err(_) => return false,
        };
        if !self.compacted {
            self.compacted = true;
            self.full_history = self.messages.clone();
        }
        let note = render(&self.inner.prompts.compacted, &[("summary", summary.trim())])
            .unwrap_or(summary);
        let mut first_user = self.messages[1].clone();
        first_user.content = format!("{}\n\n{}", first_user.content.trim_end(), note);
        let mut messages = vec![self.messages[0].clone(), first_user];
        messages.extend(self.messages[cut..].iter().cloned());
        self.messages = messages;
        self.recorder.error(
            self.run_span,
            ErrorEvent {
                message: format!("history compacted: {} messages summarised", cut - 2),
                fatal: false,
            },
        );
        let history = history_value(&self.full_history);
        self.session.set_global("history", history);
        true
    }

    /// Runs `code` as one cell, serving its host calls. `counted`: a step's
    /// program (traced, counted for the guards) rather than a FINAL check.
    async fn run_program(&mut self, code: &str, counted: bool) -> ProgramReport {
        let started = Instant::now();
        let span = self.recorder.start_program(
            self.run_span,
            ProgramStarted { iteration: self.steps, code: code.to_string() },
        );
        if counted {
            self.programs_run += 1;
        }
        if self.compacted {
            let history = history_value(&self.full_history);
            self.session.set_global("history", history);
        }
        let mut stdout = String::new();
        let mut outcome = self.session.run_cell(code);
        let mut report = ProgramReport {
            stdout: String::new(),
            error: None,
            final_answer: None,
            error_kind: None,
            notes: Vec::new(),
        };
        loop {
            stdout.push_str(&self.session.take_output());
            match outcome {
                Outcome::Suspended(calls) => {
                    let answers = self.services.serve(&mut self.session, calls, span).await;
                    for (id, r) in answers {
                        let _ = self.session.answer(id, r);
                    }
                    outcome = self.session.resume();
                }
                Outcome::Done => break,
                Outcome::Final(v) => {
                    report.final_answer = Some(self.session.display(&v));
                    break;
                }
                Outcome::Error(e) => {
                    report.error = Some(e.render(code, "<repl>"));
                    report.error_kind = Some(e.kind.clone());
                    break;
                }
            }
        }
        if counted && let Some(original) = self.context_value.clone() {
            for name in ["context", "P"] {
                let same = match (self.session.get_global(name), &original) {
                    (Some(Value::Str(now)), Value::Str(bound)) => {
                        rlm_interp::Str::ptr_eq(&now, bound)
                    }
                    _ => false,
                };
                if !same {
                    self.session.set_global(name, original.clone());
                    report.notes.push(format!(
                        "Your program assigned `{name}`; it was restored to the whole context ({} chars), \
                         because `{name}` is the data you are asked about. Keep your own text in another variable.",
                        self.context.len_chars()
                    ));
                }
            }
        }
        if let Some(limit) = self.session.dead().cloned() {
            // A limit error leaves the session unusable: start a fresh one so the
            // run can go on, and say so.
            self.session = host::new_session(&self.inner, &self.context);
            self.session.set_global("query", Value::str(self.query.as_str()));
            if let Some(e) = &mut report.error {
                e.push_str(&format!(
                    "The REPL was restarted after this limit error ({}): your variables are gone; \
                     use smaller steps.\n",
                    limit.message
                ));
            }
        }
        let outcome = if report.error.is_some() { SpanOutcome::Error } else { SpanOutcome::Ok };
        self.recorder.finish_program(
            span,
            ProgramFinished {
                outcome,
                stdout: stdout.clone(),
                error: report.error.clone(),
                fuel_used: self.session.fuel_used(),
                memory_bytes: 0,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        report.stdout = stdout;
        report
    }

    /// Asks the model for an answer now (no code), or ends with what the
    /// program has put aside.
    async fn finalize(&mut self, reason: String) -> RunOut {
        let partial = self.partial();
        let partial_note = match &partial {
            Some(p) => format!(" (your program's answer so far: {})", truncate_middle(p, 500)),
            None => String::new(),
        };
        let prompt = render(
            &self.inner.prompts.finalize_now,
            &[("reason", &reason), ("partial", &partial_note)],
        )
        .unwrap_or_else(|_| format!("The run must end now: {reason}. Reply with FINAL(answer)."));
        let mut messages = self.messages.clone();
        messages.push(ChatMessage::user(prompt));
        match root_call(
            &self.inner,
            &self.recorder,
            &self.budget,
            self.run_span,
            messages,
            self.steps + 1,
        )
        .await
        .1
        {
            Ok(reply) => {
                let ex = extract(&reply);
                let answer = match ex.prose_final {
                    Some(ProseFinal::Var(name)) => host::auto_final(&mut self.session, &name),
                    Some(ProseFinal::Final(inner)) => {
                        // A variable name or an expression over the REPL's state, else the text.
                        match self.session.get_global(inner.trim()) {
                            Some(v) if is_identifier(inner.trim()) => {
                                Some(self.session.display(&v))
                            }
                            _ => Some(strip_quotes(&inner)),
                        }
                    }
                    None if ex.code.is_empty() && !reply.trim().is_empty() => {
                        Some(plain_text(&reply))
                    }
                    None => partial,
                };
                self.end(answer, Finish::Finalized { reason })
            }
            Err(_) => self.best_effort_with(partial, reason),
        }
    }

    fn best_effort(&mut self, reason: String) -> RunOut {
        let partial = self.partial();
        self.best_effort_with(partial, reason)
    }

    fn best_effort_with(&mut self, answer: Option<String>, reason: String) -> RunOut {
        self.end(answer, Finish::BestEffort { reason })
    }

    fn end(&mut self, answer: Option<String>, finish: Finish) -> RunOut {
        let memory = if self.memory_in {
            let (m, dropped) = host::get_memory(&mut self.session);
            if !dropped.is_empty() {
                self.recorder.error(
                    self.run_span,
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
        RunOut { answer, finish, steps: self.steps, memory }
    }

    /// Records the end of the run in the trace.
    fn close(&mut self, out: &RunOut) {
        if let Some(a) = &out.answer {
            self.recorder.final_answer(self.run_span, FinalAnswer { answer: a.clone() });
        }
        let outcome = match &out.finish {
            Finish::ModelError { .. } => SpanOutcome::Error,
            Finish::BestEffort { .. } | Finish::Finalized { .. } => SpanOutcome::BudgetExceeded,
            _ => SpanOutcome::Ok,
        };
        if let Finish::ModelError { message } = &out.finish {
            self.recorder
                .error(self.run_span, ErrorEvent { message: message.clone(), fatal: true });
        }
        let snap = self.budget.snapshot();
        self.recorder.finish_run(
            self.run_span,
            RunFinished {
                outcome,
                iterations: self.steps,
                usage: snap.usage,
                cost_usd: snap.cost_usd,
                duration_ms: self.started.elapsed().as_millis() as u64,
            },
        );
    }

    fn budget_event(&self, level: BudgetLevel, e: &BudgetError) {
        self.recorder.budget(
            self.run_span,
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

enum ProseRefusal {
    /// Not accepted, with a note for the model.
    Note(String),
    /// Evaluating it failed (e.g. a missing variable): the error text.
    Error(String),
}

fn deferred_note(inner: &str) -> String {
    format!(
        "FINAL({}) was not accepted: you wrote it next to code whose output you had not seen. \
         Check the real output above and call FINAL again if it still holds.",
        truncate_middle(inner, 200)
    )
}

/// The first messages of a run: system prompt (plus the sub-RLM note) and the question.
fn initial_messages(inner: &Inner, query: &str, context: &Context, depth: u32) -> Vec<ChatMessage> {
    let sub_window = inner.sub.context_window().or(inner.options.sub_window_tokens);
    let sub_window_chars = match sub_window {
        Some(t) => group_digits(t.saturating_mul(4).saturating_sub(2000)),
        None => "about 100,000".to_string(),
    };
    let max_output = group_digits(inner.options.max_output_chars as u64);
    let tools = render_tool_list(&inner.tools);
    let mut system = render(
        &inner.prompts.system,
        &[
            ("max_output_chars", &max_output),
            ("sub_window_chars", &sub_window_chars),
            ("tools", &tools),
        ],
    )
    .unwrap_or_else(|e| e.to_string());
    if depth > 0 {
        let d = depth.to_string();
        let max = inner.options.max_depth.to_string();
        if let Ok(note) = render(&inner.prompts.sub_rlm, &[("depth", &d), ("max_depth", &max)]) {
            system = format!("{}\n\n{}", system.trim_end(), note);
        }
    }
    let metadata = context.metadata().render();
    let first =
        render(&inner.prompts.first_user, &[("query", query), ("context_metadata", &metadata)])
            .unwrap_or_else(|e| e.to_string());
    vec![ChatMessage::system(system), ChatMessage::user(first)]
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

/// Keeps the head and tail of a long text, saying how much was cut.
pub(crate) fn truncate_middle(text: &str, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text.to_string();
    }
    let head = max_chars * 3 / 5;
    let tail = max_chars - head;
    let head_end = text.char_indices().nth(head).map(|(i, _)| i).unwrap_or(text.len());
    let tail_start = text.char_indices().nth(total - tail).map(|(i, _)| i).unwrap_or(text.len());
    format!(
        "{}\n... [{} characters cut] ...\n{}",
        &text[..head_end],
        total - head - tail,
        &text[tail_start..]
    )
}

/// A prose reply without its fence lines (a model asked for an answer may
/// wrap it in a code block; the answer is the text, not the block).
fn plain_text(reply: &str) -> String {
    reply
        .lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn strip_quotes(s: &str) -> String {
    let t = s.trim();
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if t.len() >= 2 * q.len() && t.starts_with(q) && t.ends_with(q) {
            return t[q.len()..t.len() - q.len()].to_string();
        }
    }
    t.to_string()
}

/// A Python string literal for `s`.
fn py_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// No names outside string literals: a constant the model could have invented.
fn is_literal(expr: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut prev_escape = false;
    for c in expr.chars() {
        if let Some(q) = quote {
            if prev_escape {
                prev_escape = false;
            } else if c == '\\' {
                prev_escape = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        } else if c.is_alphabetic() || c == '_' {
            return false;
        }
    }
    true
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_head_and_tail() {
        let t: String = (0..1000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let cut = truncate_middle(&t, 100);
        assert!(cut.starts_with(&t[..60]) && cut.ends_with(&t[960..]));
        assert!(cut.contains("[900 characters cut]"));
        assert_eq!(truncate_middle("short", 100), "short");
        assert_eq!(
            truncate_middle("héllo wörld ünïcode", 10).chars().filter(|c| *c == 'é').count(),
            1
        );
    }

    #[test]
    fn literals_and_quotes() {
        assert!(is_literal("42") && is_literal("'Paris'") && is_literal("\"a (b)\""));
        assert!(!is_literal("answer") && !is_literal("len(x)") && !is_literal("f'{x}'"));
        assert_eq!(strip_quotes(" 'Paris' "), "Paris");
        assert_eq!(strip_quotes("\"\"\"x\"\"\""), "x");
        assert_eq!(py_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(plain_text("```\nThe passphrase is x.\n```\n"), "The passphrase is x.");
        assert_eq!(group_digits(1234567), "1,234,567");
    }
}
