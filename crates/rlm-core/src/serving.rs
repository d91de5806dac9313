//! Serving a program's host calls for one run ([`RunServer`], the loop's
//! [`CallServer`]): each call is bound to its declared function; a
//! suspension starting more sub-model calls than `max_batch` raises before
//! anything is sent; then sub-model prompts go out as one scheduler batch
//! per model (each request's trace span closed live from the scheduler's
//! events), sub-RLMs run concurrently on this thread, and tools and
//! retrieval (`search`, `es_*`) on the async side. Cancelling the execution
//! abandons the batches (queued calls are never sent) and the tools.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use futures::future::{LocalBoxFuture, join_all};
use rlm_context::{Context, PromptFit, WindowFit};
use rlm_interp::{ExcKind, HostCall, HostError, Interpreter, SmolStr, Value};
use rlm_policy::{Budget, SubtreeLimits};
use rlm_sched::SubcallError;
use rlm_trace::{SCHEMA_PREVIEW_CHARS, SpanId, SubcallStarted};
use rlm_types::{ChatMessage, CompletionRequest, ModelId, OutputConstraint};

use crate::answer_shapes::{Shape, shaped};
use crate::ledger::Ledger;
use crate::models::subcall_request;
use crate::options::OverflowPolicy;
use crate::outcome::Finish;
use crate::scope::RunScope;
use crate::subcall_schema::{SchemaCache, SubcallSchema};
use crate::subcall_spans::SubcallSpans;
use crate::tool_spans;
use rlm_functions::RetrievalOp;
use rlm_functions::{BoundCall, LlmError, ON_ERROR_VALUE, Service};
use rlm_prompts::render_or_explain;
use rlm_sandbox_host::cell::{Answers, CallServer};

/// Starts sub-RLMs for `rlm_query` (the loop implements it; serving only
/// knows that a sub-run answers a prompt over a context).
pub(crate) trait SubRunner {
    fn sub_run(
        &self,
        parent: &RunScope,
        budget: Budget,
        prompt: String,
        context: Context,
        span: SpanId,
    ) -> LocalBoxFuture<'static, (Option<String>, Finish)>;
}

/// A host call turned into work for the async side.
enum Job {
    /// Sub-model prompts (one per part of a prompt, or per item), combined by
    /// `shape`; `keep_failure`: a failure is the call's `LLMError` value, not
    /// its exception (an `llm_batch` prompt's).
    Llm {
        parts: Vec<String>,
        model: ModelId,
        max_tokens: Option<u32>,
        shape: Shape,
        keep_failure: bool,
        /// `schema=`: the one reply is checked and parsed (one part only).
        schema: Option<Arc<SubcallSchema>>,
    },
    /// `answer_from_chunks`: one prompt per passage; the first answer found
    /// in its own passage.
    Verified { parts: Vec<String>, passages: Vec<String>, model: ModelId, max_tokens: Option<u32> },
    /// A sub-RLM over `context`, within its own level of the budget tree
    /// (below the depth limit; at it, [`RunServer::job`] makes a subcall).
    SubRlm { prompt: String, context: Context, budget: Budget },
    /// A registered tool.
    Tool { index: usize, args: Vec<serde_json::Value> },
    /// `search` / `es_*`, served by the run's retrieval.
    Retrieval { op: RetrievalOp, name: SmolStr, args: Vec<Value> },
    /// Already answered (bad arguments, a prompt too large...).
    Ready(Result<Value, HostError>),
}

/// Passages `answer_from_chunks` asks about, and their size in characters.
const ANSWER_PASSAGES: usize = 4;
const ANSWER_PASSAGE_CHARS: usize = 1_500;

/// Serves the host calls of one run's programs (or of a session an embedder
/// drives, through [`crate::ProgramHost`]).
pub(crate) struct RunServer {
    pub scope: Rc<RunScope>,
    pub sub_runs: Rc<dyn SubRunner>,
    /// Sub-model calls and sub-RLMs started so far.
    pub subcalls: u64,
    /// The execution was cancelled during a serve.
    pub cancelled: bool,
    /// The span of the program being run: its subcalls and sub-RLMs hang
    /// from it (`None`: from the run's span, for embedder-driven sessions).
    pub program_span: Option<SpanId>,
    /// The claims of what the calls served since the loop last took them
    /// answered (sub-models, sub-RLMs, tools, retrieval): evidence an answer
    /// may rest on (`ledger.rs`), read in place as each batch ends, never
    /// kept as text. `None` where no run judges an answer (a program host
    /// an embedder drives): nothing is kept at all.
    pub answered: Option<Ledger>,
}

impl CallServer for RunServer {
    fn serve<'a>(
        &'a mut self,
        _session: &'a mut Interpreter,
        calls: Vec<HostCall>,
    ) -> LocalBoxFuture<'a, Answers> {
        Box::pin(self.serve_calls(calls))
    }

    fn cancelled(&self) -> bool {
        self.cancelled
    }
}

impl RunServer {
    /// Performs a suspension's host calls, concurrently. If any call is badly
    /// made, none is performed (the program raises at the first bad call, as
    /// Python would before starting any).
    async fn serve_calls(&mut self, calls: Vec<HostCall>) -> Answers {
        let ids: Vec<u64> = calls.iter().map(|c| c.id).collect();
        let engine = Arc::clone(&self.scope.engine);
        let mut schemas = SchemaCache::default();
        let bound: Vec<Result<StructuredCall, HostError>> = calls
            .iter()
            .map(|c| {
                let call = engine.functions.bind(c)?;
                let schema = match schema_arg(&call) {
                    Some(v) => Some(schemas.compile(&c.name, v)?),
                    None => None,
                };
                Ok((call, schema))
            })
            .collect();
        if let Some(Err(first)) = bound.iter().find(|b| b.is_err()) {
            let first = first.clone();
            return ids
                .into_iter()
                .zip(bound)
                .map(|(id, b)| (id, Err(b.err().unwrap_or_else(|| first.clone()))))
                .collect();
        }
        if let Some(refused) = self.over_batch_cap(&bound, &calls) {
            return ids.into_iter().map(|id| (id, Err(refused.clone()))).collect();
        }
        let jobs: Vec<Job> = bound
            .into_iter()
            .zip(&calls)
            .filter_map(|(b, c)| b.ok().map(|(b, schema)| self.job(b, &c.name, schema)))
            .collect();
        let results = self.perform(jobs).await;
        ids.into_iter().zip(results).collect()
    }

    /// The error every call of a suspension raises when together they would
    /// start more sub-model calls and sub-RLMs than `max_batch` (issue #74:
    /// one `llm_batch` sent 3,000). Checked before any job is made, so none
    /// of them is sent, charged or counted, and no child budget is made.
    fn over_batch_cap(
        &self,
        bound: &[Result<StructuredCall, HostError>],
        calls: &[HostCall],
    ) -> Option<HostError> {
        let limit = self.scope.engine.options.max_batch;
        let mut count = 0usize;
        let mut first = None;
        for (b, c) in bound.iter().zip(calls) {
            let Ok((call, _)) = b else { continue };
            let n = model_calls(call);
            if n > 0 && first.is_none() {
                first = Some(c.name.as_str());
            }
            count = count.saturating_add(n);
        }
        if count <= limit {
            return None;
        }
        let notes = &self.scope.engine.prompts.notes;
        Some(HostError::typed(
            ExcKind::ValueError,
            render_or_explain(
                &notes.batch_too_large,
                &[
                    ("name", first.unwrap_or("llm_batch")),
                    ("count", &count.to_string()),
                    ("limit", &limit.to_string()),
                ],
            ),
        ))
    }

    /// The work a bound call asks for (or its answer, when known already).
    fn job(&self, call: BoundCall, name: &SmolStr, schema: Option<Arc<SubcallSchema>>) -> Job {
        let engine = &self.scope.engine;
        let opts = &engine.options;
        let args = call.args;
        let text = |i: usize| match args.get(i) {
            Some(Value::Str(s)) => Some(s.as_str().to_string()),
            _ => None,
        };
        match call.service {
            Service::Subcall => {
                let job = self.subcall_job(text(0).unwrap_or_default(), text(1), args.get(2));
                self.structured(job, schema, false)
            }
            Service::BatchSubcall => {
                // The registry checked `on_error`: "value" keeps a failure in the slot.
                let keep = text(3).is_some_and(|w| w == ON_ERROR_VALUE);
                let job = self.subcall_job(text(0).unwrap_or_default(), text(1), args.get(2));
                self.structured(job, schema, keep)
            }
            Service::SubcallJson { records } => {
                // llm_query_json(prompt, text, model, max_tokens); records: (prompt, model, max_tokens).
                let (body, at) = if records { (None, 1) } else { (text(1), 2) };
                let prompt = match body {
                    Some(b) if !b.is_empty() => format!("{}\n\n{b}", text(0).unwrap_or_default()),
                    _ => text(0).unwrap_or_default(),
                };
                match self.subcall_job(prompt, text(at), args.get(at + 1)) {
                    Job::Llm { parts, model, max_tokens, keep_failure, .. } => Job::Llm {
                        parts,
                        model,
                        max_tokens,
                        shape: Shape::Json { records },
                        keep_failure,
                        schema: None,
                    },
                    other => other,
                }
            }
            Service::Ask => {
                let (question, body) = (text(0).unwrap_or_default(), text(1).unwrap_or_default());
                let prompt = render_or_explain(
                    &engine.prompts.ask,
                    &[("question", &question), ("text", &body)],
                );
                // pyrlm's `ask(question, text, max_tokens=)` passes a third argument.
                let max_tokens = positive_tokens(args.get(2)).or(opts.sub_max_tokens);
                let room = u64::from(max_tokens.unwrap_or(512));
                let sub = engine.sub().model_id();
                self.llm_job(prompt, sub, engine.sub_window(), room, max_tokens, opts.sub_overflow)
            }
            Service::AskChunks { first } => {
                let chunks: Vec<Value> = match args.get(1) {
                    Some(Value::List(l)) => l.borrow().clone(),
                    Some(Value::Tuple(t)) => t.iter().cloned().collect(),
                    _ => Vec::new(),
                };
                let max_tokens = positive_tokens(args.get(2));
                self.ask_chunks_job(text(0).unwrap_or_default(), &chunks, first, max_tokens)
            }
            Service::AnswerFromChunks => self.answer_from_chunks_job(text(0).unwrap_or_default()),
            Service::SubRlm => self.sub_rlm_job(text(0).unwrap_or_default(), text(1)),
            Service::Tool(index) => self.tool_job(index, &args),
            Service::Retrieval(op) => Job::Retrieval { op, name: name.clone(), args },
            Service::Inline(_) => Job::Ready(Err(HostError::new(
                "an inline function reached the host (a bug in rlm)",
            ))),
        }
    }

    /// A subcall `job` with its `schema` (if any) and `keep_failure`. A
    /// structured reply is one JSON value: a prompt that would be split to
    /// fit the window is the call's error instead.
    fn structured(&self, job: Job, schema: Option<Arc<SubcallSchema>>, keep_failure: bool) -> Job {
        match job {
            Job::Llm { parts, .. } if schema.is_some() && parts.len() > 1 => {
                let notes = &self.scope.engine.prompts.notes;
                Job::Ready(Err(HostError::typed(
                    ExcKind::ValueError,
                    render_or_explain(
                        &notes.subcall_schema_too_large,
                        &[("parts", &parts.len().to_string())],
                    ),
                )))
            }
            Job::Llm { parts, model, max_tokens, shape, .. } => {
                Job::Llm { parts, model, max_tokens, shape, keep_failure, schema }
            }
            other => other,
        }
    }

    /// `llm_query(prompt, model, max_tokens)`.
    fn subcall_job(
        &self,
        prompt: String,
        model: Option<String>,
        max_tokens: Option<&Value>,
    ) -> Job {
        let engine = &self.scope.engine;
        let opts = &engine.options;
        let max_tokens = match max_tokens {
            Some(Value::Int(n)) if *n > 0 => Some((*n).min(u32::MAX as i64) as u32),
            _ => opts.sub_max_tokens,
        };
        let adapter = match engine.models.resolve(model.as_deref()) {
            Ok(a) => a,
            Err(e) => {
                let known = e.known.join(", ");
                return Job::Ready(Err(HostError::typed(
                    ExcKind::ValueError,
                    render_or_explain(
                        &engine.prompts.notes.unknown_model,
                        &[("name", &e.name), ("known", &known)],
                    ),
                )));
            }
        };
        let window = adapter.context_window().or(opts.sub_window_tokens);
        let room = u64::from(max_tokens.unwrap_or(512));
        self.llm_job(prompt, adapter.model_id(), window, room, max_tokens, opts.sub_overflow)
    }

    /// `ask_chunks(question, chunks)` (`first`: `ask_chunks_first`): one
    /// `ask` prompt per chunk, each fitting the sub-model's window.
    fn ask_chunks_job(
        &self,
        question: String,
        chunks: &[Value],
        first: bool,
        max_tokens: Option<u32>,
    ) -> Job {
        let engine = &self.scope.engine;
        let opts = &engine.options;
        let max_tokens = max_tokens.or(opts.sub_max_tokens);
        let fit = self.window_fit(
            engine.sub_window(),
            u64::from(max_tokens.unwrap_or(512)),
            OverflowPolicy::Error,
        );
        let mut parts = Vec::with_capacity(chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            let body = match chunk {
                Value::Str(s) => s.as_str().to_string(),
                _ => String::new(),
            };
            let prompt =
                render_or_explain(&engine.prompts.ask, &[("question", &question), ("text", &body)]);
            match fit.fit(prompt) {
                PromptFit::Fits(p) => parts.push(p),
                // Only with a split label, which is not given here.
                PromptFit::Parts(ps) => parts.extend(ps),
                PromptFit::TooLarge(t) => {
                    let message = self.too_large_message(&t);
                    return Job::Ready(Err(HostError::typed(
                        ExcKind::ValueError,
                        render_or_explain(
                            &engine.prompts.notes.chunk_too_large,
                            &[("index", &i.to_string()), ("message", &message)],
                        ),
                    )));
                }
            }
        }
        let shape = if first { Shape::First } else { Shape::List };
        if parts.is_empty() {
            return Job::Ready(Ok(match shape {
                Shape::List => Value::list(Vec::new()),
                _ => Value::None,
            }));
        }
        let model = engine.sub().model_id();
        Job::Llm { parts, model, max_tokens, shape, keep_failure: false, schema: None }
    }

    /// `answer_from_chunks(question)`: `ask` about the passages holding the
    /// question's words (the whole context when it is small).
    fn answer_from_chunks_job(&self, question: String) -> Job {
        let engine = &self.scope.engine;
        let whole = self.scope.context.as_str();
        let passages: Vec<String> =
            if whole.chars().count() <= ANSWER_PASSAGE_CHARS * ANSWER_PASSAGES {
                vec![whole.to_string()]
            } else {
                let terms = rlm_context::salient_terms(&question);
                rlm_context::best_passages(whole, &terms, ANSWER_PASSAGE_CHARS, ANSWER_PASSAGES)
                    .into_iter()
                    .map(|p| p.text)
                    .collect()
            };
        if passages.is_empty() {
            return Job::Ready(Ok(Value::None));
        }
        let parts = passages
            .iter()
            .map(|body| {
                render_or_explain(&engine.prompts.ask, &[("question", &question), ("text", body)])
            })
            .collect();
        Job::Verified {
            parts,
            passages,
            model: engine.sub().model_id(),
            max_tokens: engine.options.sub_max_tokens,
        }
    }

    /// A registered tool's call: its arguments as JSON.
    fn tool_job(&self, index: usize, args: &[Value]) -> Job {
        let mut json = Vec::with_capacity(args.len());
        for a in args {
            match rlm_interp::to_json(a) {
                Ok(j) => json.push(j),
                Err(e) => {
                    let tools = &self.scope.engine.tools;
                    let name = tools.get(index).map(|t| t.name.as_str()).unwrap_or("tool");
                    return Job::Ready(Err(HostError::typed(
                        ExcKind::TypeError,
                        format!("{name}(): {e}"),
                    )));
                }
            }
        }
        Job::Tool { index, args: json }
    }

    fn window_fit(
        &self,
        window: Option<u64>,
        reserve: u64,
        policy: OverflowPolicy,
    ) -> WindowFit<'_> {
        let prompts = &self.scope.engine.prompts;
        WindowFit {
            window,
            system_chars: prompts.subcall_system.chars().count(),
            reserve_completion: reserve,
            split_label: match policy {
                OverflowPolicy::Chunk => Some(prompts.notes.subcall_part_label.as_str()),
                OverflowPolicy::Error => None,
            },
        }
    }

    fn too_large_message(&self, t: &rlm_context::TooLarge) -> String {
        render_or_explain(
            &self.scope.engine.prompts.notes.subcall_too_large,
            &[
                ("tokens", &t.tokens.to_string()),
                ("chars", &t.chars.to_string()),
                ("window", &t.window.to_string()),
                ("suggested_chars", &t.suggested_chars.to_string()),
            ],
        )
    }

    fn llm_job(
        &self,
        prompt: String,
        model: ModelId,
        window: Option<u64>,
        room: u64,
        max_tokens: Option<u32>,
        policy: OverflowPolicy,
    ) -> Job {
        match self.window_fit(window, room, policy).fit(prompt) {
            PromptFit::Fits(p) => Job::Llm {
                parts: vec![p],
                model,
                max_tokens,
                shape: Shape::Joined,
                keep_failure: false,
                schema: None,
            },
            PromptFit::Parts(parts) => Job::Llm {
                parts,
                model,
                max_tokens,
                shape: Shape::Joined,
                keep_failure: false,
                schema: None,
            },
            PromptFit::TooLarge(t) => {
                Job::Ready(Err(HostError::typed(ExcKind::ValueError, self.too_large_message(&t))))
            }
        }
    }

    /// The message a program sees when a subcall failed (typed, never matched as text).
    fn subcall_error(&self, e: &SubcallError<rlm_adapters::AdapterError>) -> String {
        let notes = &self.scope.engine.prompts.notes;
        let template = match e {
            SubcallError::Budget(_) => &notes.subcall_budget_refused,
            SubcallError::Executor(a) if a.is_context_length_exceeded() => {
                &notes.subcall_refused_too_long
            }
            SubcallError::Executor(_) | SubcallError::Deadline { .. } => &notes.subcall_failed,
        };
        let inner = match e {
            SubcallError::Budget(b) => b.to_string(),
            SubcallError::Executor(a) => a.to_string(),
            SubcallError::Deadline { .. } => e.to_string(),
        };
        render_or_explain(template, &[("error", &inner)])
    }

    /// A prompt's failure, raised or kept: the `LLMError` gives the kind, the
    /// requests sent and the time from the first attempt (`latency_ms`).
    fn failed(&self, e: &SubcallError<rlm_adapters::AdapterError>, latency_ms: u64) -> Failed {
        let notes = &self.scope.engine.prompts.notes;
        let (kind, attempts, reason) = match e {
            SubcallError::Executor(a) => (a.kind().as_str(), a.attempts(), a.to_string()),
            SubcallError::Deadline { attempts, .. } => ("deadline", *attempts, e.to_string()),
            SubcallError::Budget(b) => (
                "budget",
                0,
                render_or_explain(&notes.subcall_budget_refused, &[("error", &b.to_string())]),
            ),
        };
        let seconds = latency_ms as f64 / 1000.0;
        let message = render_or_explain(
            &notes.llm_error,
            &[("error", &reason), ("seconds", &format!("{seconds:.1}"))],
        );
        Failed {
            raised: HostError::new(self.subcall_error(e)),
            kept: LlmError { kind: kind.to_string(), message, attempts, seconds },
        }
    }

    /// A prompt the cancelled execution never answered.
    fn cancelled_failure(&self) -> Failed {
        let message = self.scope.engine.prompts.notes.subcall_cancelled.clone();
        Failed {
            raised: HostError::new(message.clone()),
            kept: LlmError { kind: "cancelled".into(), message, attempts: 0, seconds: 0.0 },
        }
    }

    /// `rlm_query(prompt, text)`: a sub-RLM with a child budget; at the depth
    /// limit (or when the budget tree refuses a child) one sub-model call.
    fn sub_rlm_job(&self, prompt: String, text: Option<String>) -> Job {
        let scope = &self.scope;
        let child = if scope.depth < crate::options::sub_rlm_depth(&scope.budget) {
            scope.budget.child(SubtreeLimits::default()).ok()
        } else {
            None
        };
        match child {
            Some(budget) => {
                let context = match text {
                    Some(t) => Context::from_text(t),
                    None => scope.context.clone(),
                };
                Job::SubRlm { prompt, context, budget }
            }
            None => self.sub_rlm_as_subcall(prompt, text),
        }
    }

    /// At the depth limit a sub-RLM is one sub-model call on its prompt (and text).
    fn sub_rlm_as_subcall(&self, prompt: String, text: Option<String>) -> Job {
        let engine = &self.scope.engine;
        let full = match text {
            Some(t) => render_or_explain(
                &engine.prompts.notes.sub_rlm_as_subcall,
                &[("prompt", &prompt), ("text", &t)],
            ),
            None => prompt,
        };
        self.llm_job(
            full,
            engine.sub().model_id(),
            engine.sub_window(),
            512,
            engine.options.sub_max_tokens,
            engine.options.sub_overflow,
        )
    }

    /// Runs the jobs: sub-model prompts in one scheduler batch per model,
    /// sub-RLMs, tools and retrieval alongside; results in job order.
    async fn perform(&mut self, jobs: Vec<Job>) -> Vec<Result<Value, HostError>> {
        let scope = Rc::clone(&self.scope);
        let span = self.program_span.unwrap_or(scope.run_span);
        let Plan { mut slots, prompts, sub_runs, tools, retrievals } = self.plan(jobs, span);
        self.subcalls += prompts.len() as u64 + sub_runs.len() as u64;

        let (batches, placed) = self.batches(prompts, span);
        let tool_futs = join_all(tools.into_iter().map(|(j, f)| {
            let scope = Rc::clone(&scope);
            async move { (j, scope.unless_cancelled(f).await) }
        }));
        let sub_futs = join_all(sub_runs.into_iter().map(|(j, f)| async move { (j, f.await) }));
        let retrieval = scope.retrieval.clone();
        let retrieval_futs = join_all(retrievals.into_iter().map(|(j, op, name, args)| {
            let scope = Rc::clone(&scope);
            let retrieval = retrieval.clone();
            async move {
                let result = match retrieval {
                    Some(r) => scope.unless_cancelled(r.call(op, &name, &args)).await,
                    None => Some(Err(HostError::new(format!(
                        "{name}() is not available: no retrieval is configured"
                    )))),
                };
                (j, result)
            }
        }));
        let (batch_results, tool_results, sub_results, retrieval_results) =
            futures::join!(join_all(batches), tool_futs, sub_futs, retrieval_futs);
        if scope.cancelled() {
            self.cancelled = true;
        }

        self.place_answers(&mut slots, batch_results, placed);
        self.settle_schemas(&mut slots, span).await;
        let notes = &scope.engine.prompts.notes;
        let cancelled_error = || HostError::new(notes.subcall_cancelled.clone());
        let cancelled = self.cancelled_failure();
        for (j, r) in tool_results {
            slots[j] = Slot::Done(match r {
                Some(Ok(json)) => Ok(rlm_interp::from_json(&json)),
                Some(Err(message)) => Err(HostError::new(message)),
                None => Err(cancelled_error()),
            });
        }
        for (j, r) in retrieval_results {
            slots[j] = Slot::Done(r.unwrap_or_else(|| Err(cancelled_error())));
        }
        for (j, (answer, finish)) in sub_results {
            slots[j] = Slot::Done(match answer {
                Some(a) => Ok(Value::str(a)),
                None => Err(HostError::new(render_or_explain(
                    &notes.sub_rlm_no_answer,
                    &[("reason", finish.reason().unwrap_or(finish.as_str()))],
                ))),
            });
        }
        let results: Vec<Result<Value, HostError>> =
            slots.into_iter().map(|slot| slot.result(&cancelled)).collect();
        self.keep_answered(&results);
        results
    }

    /// Reads the claims of what the calls answered into the run's evidence
    /// (a text in place; another value as its JSON text, for as long as it
    /// is read).
    fn keep_answered(&mut self, results: &[Result<Value, HostError>]) {
        let Some(answered) = self.answered.as_mut() else { return };
        for value in results.iter().flatten() {
            match value.as_str() {
                Some(s) => answered.evidence(s.as_str()),
                None => {
                    if let Ok(json) = rlm_interp::to_json(value) {
                        answered.evidence(&json.to_string());
                    }
                }
            }
        }
    }

    /// One slot per job, and the work the slots wait on: every sub-model
    /// prompt (moved, never copied: a chunk may be megabytes), the sub-RLMs
    /// (started here, hanging from `span`), the tools and the retrieval calls.
    fn plan(&self, jobs: Vec<Job>, span: SpanId) -> Plan {
        let engine = &self.scope.engine;
        let system = &engine.prompts.subcall_system;
        let mut plan = Plan {
            slots: Vec::with_capacity(jobs.len()),
            prompts: Vec::new(),
            sub_runs: Vec::new(),
            tools: Vec::new(),
            retrievals: Vec::new(),
        };
        for (j, job) in jobs.into_iter().enumerate() {
            let slot = match job {
                Job::Llm { parts, model, max_tokens, shape, keep_failure, schema } => {
                    let note = schema.as_ref().map(|s| {
                        render_or_explain(
                            &engine.prompts.notes.subcall_schema,
                            &[("schema", s.text())],
                        )
                    });
                    let count = plan.add_prompts(j, parts, &model, max_tokens, system);
                    let mut slot = Slot::prompts(shape, Vec::new(), count, keep_failure);
                    if let (Some(schema), Some(note), Some(last)) =
                        (schema, note, plan.prompts.last_mut())
                    {
                        // One part (`structured`): its request asks for the schema twice.
                        if let Some(m) = last.request.messages.last_mut() {
                            m.content.push_str("\n\n");
                            m.content.push_str(&note);
                        }
                        last.request.params.constraint =
                            Some(OutputConstraint::JsonSchema(schema.text().to_string()));
                        let request = last.request.clone();
                        slot.set_schema(SchemaCall { schema, model, request });
                    }
                    slot
                }
                Job::Verified { parts, passages, model, max_tokens } => {
                    let count = plan.add_prompts(j, parts, &model, max_tokens, system);
                    Slot::prompts(Shape::Verified, passages, count, false)
                }
                Job::SubRlm { prompt, context, budget } => {
                    let run = self.sub_runs.sub_run(&self.scope, budget, prompt, context, span);
                    plan.sub_runs.push((j, run));
                    Slot::Pending
                }
                Job::Tool { index, args } => {
                    if let Some(tool) = engine.tools.get(index) {
                        let recorder = &self.scope.recorder;
                        plan.tools.push((j, tool_spans::traced_call(recorder, span, tool, args)));
                    }
                    Slot::Pending
                }
                Job::Retrieval { op, name, args } => {
                    plan.retrievals.push((j, op, name, args));
                    Slot::Pending
                }
                Job::Ready(r) => Slot::Done(r),
            };
            plan.slots.push(slot);
        }
        plan
    }

    /// One scheduler batch per model, all at once, and where each answer goes
    /// (slot, part, batch). Each request's span is opened now and closed by
    /// the scheduler's events as its call ends.
    fn batches(
        &self,
        prompts: Vec<PlannedPrompt>,
        span: SpanId,
    ) -> (Vec<BatchFuture>, Vec<Placed>) {
        let scope = &self.scope;
        let mut models: Vec<ModelId> = Vec::new();
        for prompt in &prompts {
            if !models.contains(&prompt.model) {
                models.push(prompt.model.clone());
            }
        }
        let batch_size = prompts.len();
        let mut per_model: Vec<(Vec<CompletionRequest>, Vec<SpanId>)> =
            models.iter().map(|_| (Vec::new(), Vec::new())).collect();
        let mut placed = Vec::with_capacity(prompts.len());
        for (i, prompt) in prompts.into_iter().enumerate() {
            let batch = models.iter().position(|x| *x == prompt.model).unwrap_or(0);
            let preview: String = prompt
                .request
                .messages
                .last()
                .map(|m| m.content.chars().take(400).collect())
                .unwrap_or_default();
            let request_span = scope.recorder.start_subcall(
                span,
                SubcallStarted {
                    model: prompt.model.to_string(),
                    prompt_preview: preview,
                    batch_index: (batch_size > 1).then_some(i as u32),
                    schema: match &prompt.request.params.constraint {
                        Some(OutputConstraint::JsonSchema(s)) => {
                            Some(s.chars().take(SCHEMA_PREVIEW_CHARS).collect())
                        }
                        _ => None,
                    },
                },
            );
            let mut request = prompt.request;
            request.traceparent = scope.recorder.traceparent(request_span);
            per_model[batch].0.push(request);
            per_model[batch].1.push(request_span);
            placed.push(Placed { slot: prompt.slot, part: prompt.part, batch });
        }
        let submitted = Instant::now();
        let batches = models
            .into_iter()
            .zip(per_model)
            .map(|(model, (requests, spans))| {
                let observer =
                    Arc::new(SubcallSpans::new(scope.recorder.clone(), spans, submitted));
                let engine = Arc::clone(&scope.engine);
                let budget = scope.budget.clone();
                let scope = Rc::clone(scope);
                let batch: BatchFuture = Box::pin(async move {
                    let results = scope
                        .unless_cancelled(engine.scheduler.run_batch_observed(
                            &model,
                            requests,
                            Some(&budget),
                            Some(Arc::clone(&observer) as _),
                        ))
                        .await?;
                    Some(results.into_iter().zip(observer.latencies_ms()).collect())
                });
                batch
            })
            .collect();
        (batches, placed)
    }

    /// Checks the structured subcalls' replies: a matching reply becomes
    /// its call's parsed value; one that does not is re-asked once (all
    /// re-asks in one round of batches, each a subcall of its own in the
    /// trace), and fails if the new reply does not match either.
    async fn settle_schemas(&mut self, slots: &mut [Slot], span: SpanId) {
        let repairs = self.check_schema_replies(slots, true);
        if repairs.is_empty() {
            return;
        }
        self.subcalls += repairs.len() as u64;
        let (batches, placed) = self.batches(repairs, span);
        let results = join_all(batches).await;
        if self.scope.cancelled() {
            self.cancelled = true;
        }
        self.place_answers(slots, results, placed);
        self.check_schema_replies(slots, false);
    }

    /// Settles each structured slot holding a reply (see
    /// [`Self::settle_schemas`]); on the `first` check, the re-asks of the
    /// replies that do not match.
    fn check_schema_replies(&self, slots: &mut [Slot], first: bool) -> Vec<PlannedPrompt> {
        let notes = &self.scope.engine.prompts.notes;
        let mut repairs = Vec::new();
        for (j, slot) in slots.iter_mut().enumerate() {
            let Slot::Prompts { schema: Some(call), answers, keep_failure, .. } = slot else {
                continue;
            };
            let Some(Some(Ok(reply))) = answers.first() else { continue };
            let settled = match call.schema.check(reply) {
                Ok(value) => Ok(rlm_interp::from_json(&value)),
                Err(violations) if first => {
                    let mut request = call.request.clone();
                    request.messages.push(ChatMessage::assistant(reply.clone()));
                    request.messages.push(ChatMessage::user(render_or_explain(
                        &notes.subcall_schema_invalid,
                        &[("violations", &violations)],
                    )));
                    repairs.push(PlannedPrompt {
                        slot: j,
                        part: 0,
                        model: call.model.clone(),
                        request,
                    });
                    continue;
                }
                Err(violations) => {
                    let failed = self.schema_failure(reply, &violations);
                    if *keep_failure { Ok(failed.kept.into_value()) } else { Err(failed.raised) }
                }
            };
            *slot = Slot::Done(settled);
        }
        repairs
    }

    /// A structured subcall whose re-asked reply did not match: a
    /// `ValueError`, or the `LLMError` (kind `schema`) a batch keeps.
    fn schema_failure(&self, reply: &str, violations: &str) -> Failed {
        let notes = &self.scope.engine.prompts.notes;
        let shown: String = reply.chars().take(REPLY_SHOWN_CHARS).collect();
        let message = render_or_explain(
            &notes.subcall_schema_failed,
            &[("violations", violations), ("reply", &shown)],
        );
        Failed {
            raised: HostError::typed(ExcKind::ValueError, message.clone()),
            kept: LlmError { kind: "schema".into(), message, attempts: 2, seconds: 0.0 },
        }
    }

    /// Puts each batch's answers (in its requests' order) into their slots'
    /// parts; a batch abandoned by cancellation leaves its parts cancelled.
    fn place_answers(
        &self,
        slots: &mut [Slot],
        batch_results: Vec<Option<Vec<(BatchResult, u64)>>>,
        placed: Vec<Placed>,
    ) {
        let mut per_batch: Vec<std::vec::IntoIter<(BatchResult, u64)>> =
            batch_results.into_iter().map(|b| b.unwrap_or_default().into_iter()).collect();
        for Placed { slot, part, batch } in placed {
            let text = match per_batch.get_mut(batch).and_then(Iterator::next) {
                Some((Ok(c), _)) => Ok(c.text),
                Some((Err(e), latency_ms)) => Err(self.failed(&e, latency_ms)),
                None => Err(self.cancelled_failure()),
            };
            if let Some(Slot::Prompts { answers, .. }) = slots.get_mut(slot) {
                answers[part] = Some(text);
            }
        }
    }
}

/// A scheduler batch's answers, each with its call's latency in milliseconds
/// (`None`: abandoned by cancellation).
type BatchResult = rlm_sched::CallResult<rlm_adapters::AdapterError>;
type BatchFuture = LocalBoxFuture<'static, Option<Vec<(BatchResult, u64)>>>;

/// A sub-model prompt that failed for good: the exception its call raises,
/// and the `LLMError` value an `llm_batch` slot keeps instead.
#[derive(Clone)]
struct Failed {
    raised: HostError,
    kept: LlmError,
}
/// A sub-RLM's answer and how it ended.
type SubRunFuture = LocalBoxFuture<'static, (Option<String>, Finish)>;

/// One sub-model prompt of a plan: part `part` of slot `slot`'s prompts.
struct PlannedPrompt {
    slot: usize,
    part: usize,
    model: ModelId,
    request: CompletionRequest,
}

/// Where a batch's answer goes.
struct Placed {
    slot: usize,
    part: usize,
    batch: usize,
}

/// What one call's result waits on.
enum Slot {
    /// Known already (bad arguments, a prompt too large, or served).
    Done(Result<Value, HostError>),
    /// The answers of its prompts, one per part, combined by `shape`
    /// (`passages`: what `Shape::Verified` checks each answer against;
    /// `keep_failure`: a failed part makes the result an `LLMError` value).
    Prompts {
        shape: Shape,
        passages: Vec<String>,
        answers: Vec<Option<Result<String, Failed>>>,
        keep_failure: bool,
        /// A structured subcall's schema, and what its re-ask needs.
        schema: Option<Box<SchemaCall>>,
    },
    /// A sub-RLM, tool or retrieval call, done when its future ends.
    Pending,
}

impl Slot {
    fn prompts(shape: Shape, passages: Vec<String>, parts: usize, keep_failure: bool) -> Slot {
        Slot::Prompts { shape, passages, answers: vec![None; parts], keep_failure, schema: None }
    }

    fn set_schema(&mut self, call: SchemaCall) {
        if let Slot::Prompts { schema, .. } = self {
            *schema = Some(Box::new(call));
        }
    }

    /// The call's result; a part never answered counts as cancelled.
    fn result(self, cancelled: &Failed) -> Result<Value, HostError> {
        match self {
            Slot::Done(r) => r,
            Slot::Prompts { shape, passages, answers, keep_failure, .. } if !answers.is_empty() => {
                let answers: Result<Vec<String>, Failed> = answers
                    .into_iter()
                    .map(|a| a.unwrap_or_else(|| Err(cancelled.clone())))
                    .collect();
                match answers {
                    Ok(answers) => Ok(shaped(answers, shape, &passages)),
                    Err(failed) if keep_failure => Ok(failed.kept.into_value()),
                    Err(failed) => Err(failed.raised),
                }
            }
            Slot::Prompts { .. } | Slot::Pending => {
                Err(HostError::new("host call was not performed"))
            }
        }
    }
}

/// The work one suspension's jobs make ([`RunServer::plan`]).
struct Plan {
    slots: Vec<Slot>,
    prompts: Vec<PlannedPrompt>,
    sub_runs: Vec<(usize, SubRunFuture)>,
    tools: Vec<(usize, futures::future::BoxFuture<'static, rlm_functions::ToolResult>)>,
    retrievals: Vec<(usize, RetrievalOp, SmolStr, Vec<Value>)>,
}

impl Plan {
    fn add_prompts(
        &mut self,
        slot: usize,
        parts: Vec<String>,
        model: &ModelId,
        max_tokens: Option<u32>,
        system: &str,
    ) -> usize {
        let count = parts.len();
        for (part, text) in parts.into_iter().enumerate() {
            let request = subcall_request(system, text, max_tokens);
            self.prompts.push(PlannedPrompt { slot, part, model: model.clone(), request });
        }
        count
    }
}

/// A bound call and its compiled `schema` argument, if it has one.
type StructuredCall = (BoundCall, Option<Arc<SubcallSchema>>);

/// Most characters of a reply a schema failure shows.
const REPLY_SHOWN_CHARS: usize = 500;

/// What a structured subcall's re-ask needs: its schema, model and request.
struct SchemaCall {
    schema: Arc<SubcallSchema>,
    model: ModelId,
    request: CompletionRequest,
}

/// The `schema` argument of a subcall, when one is given (`llm_query`'s
/// fourth parameter, an `llm_batch` prompt's fifth).
fn schema_arg(call: &BoundCall) -> Option<&Value> {
    let at = match call.service {
        Service::Subcall => 3,
        Service::BatchSubcall => 4,
        _ => return None,
    };
    call.args.get(at).filter(|v| !matches!(v, Value::None))
}

/// The sub-model calls and sub-RLMs a bound call starts, as the batch cap
/// counts them: one per call, one per chunk of `ask_chunks`. A prompt split
/// to fit the window is still the one call the program made (its parts are
/// bounded by the prompt's size), and `answer_from_chunks` asks about a fixed
/// handful of passages ([`ANSWER_PASSAGES`]).
fn model_calls(call: &BoundCall) -> usize {
    match call.service {
        Service::Subcall
        | Service::BatchSubcall
        | Service::SubcallJson { .. }
        | Service::Ask
        | Service::AnswerFromChunks
        | Service::SubRlm => 1,
        Service::AskChunks { .. } => match call.args.get(1) {
            Some(Value::List(l)) => l.borrow().len(),
            Some(Value::Tuple(t)) => t.len(),
            _ => 0,
        },
        Service::Tool(_) | Service::Retrieval(_) | Service::Inline(_) => 0,
    }
}

/// A positive `max_tokens` argument (anything else: the run's setting).
fn positive_tokens(v: Option<&Value>) -> Option<u32> {
    match v {
        Some(Value::Int(n)) if *n > 0 => Some((*n).min(i64::from(u32::MAX)) as u32),
        _ => None,
    }
}
