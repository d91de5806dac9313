//! Serving a program's host calls for one run ([`RunServer`], the loop's
//! [`CallServer`]): each call is bound to its declared function, then
//! sub-model prompts go out as one scheduler batch per model (each request's
//! trace span closed live from the scheduler's events), sub-RLMs run
//! concurrently on this thread, and tools and retrieval (`search`, `es_*`)
//! on the async side. Cancelling the
//! execution abandons the batches (queued calls are never sent) and the tools.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use futures::future::{LocalBoxFuture, join_all};
use rlm_context::{Context, PromptFit, WindowFit};
use rlm_interp::{ExcKind, HostCall, HostError, Session, SmolStr, Value};
use rlm_policy::{Budget, SubtreeLimits};
use rlm_sched::SubcallError;
use rlm_trace::{SpanId, SubcallStarted};
use rlm_types::{CompletionRequest, ModelId};

use crate::cell::{Answers, CallServer};
use crate::functions::{BoundCall, Service, pick_first};
use crate::models::subcall_request;
use crate::options::OverflowPolicy;
use crate::outcome::Finish;
use crate::prompts::render_or_explain;
use crate::retrieval::RetrievalOp;
use crate::scope::RunScope;
use crate::subcall_spans::SubcallSpans;

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
    /// Sub-model prompts, combined by `shape`.
    Llm { parts: Vec<String>, model: ModelId, max_tokens: Option<u32>, shape: Shape },
    /// `answer_from_chunks`: one prompt per passage; the first answer found
    /// in its own passage.
    Verified { parts: Vec<String>, passages: Vec<String>, model: ModelId, max_tokens: Option<u32> },
    /// A sub-RLM over `text` (default: the run's context).
    SubRlm { prompt: String, text: Option<String> },
    /// A registered tool.
    Tool { index: usize, args: Vec<serde_json::Value> },
    /// `search` / `es_*`, served by the run's retrieval.
    Retrieval { op: RetrievalOp, name: SmolStr, args: Vec<Value> },
    /// Already answered (bad arguments, a prompt too large...).
    Ready(Result<Value, HostError>),
}

/// How the answers of a job's prompts make its result.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Window-sized parts of one prompt: the answers joined with newlines.
    Joined,
    /// One prompt per item (`ask_chunks`): the list of answers.
    List,
    /// One prompt per item (`ask_chunks_first`): the first real answer, or None.
    First,
    /// One prompt per passage (`answer_from_chunks`): the first real answer
    /// its passage confirms, or None.
    Verified,
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
}

impl CallServer for RunServer {
    fn serve<'a>(
        &'a mut self,
        _session: &'a mut Session,
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
        let bound: Vec<Result<BoundCall, HostError>> =
            calls.iter().map(|c| engine.functions.bind(c)).collect();
        if let Some(Err(first)) = bound.iter().find(|b| b.is_err()) {
            let first = first.clone();
            return ids
                .into_iter()
                .zip(bound)
                .map(|(id, b)| (id, Err(b.err().unwrap_or_else(|| first.clone()))))
                .collect();
        }
        let jobs: Vec<Job> = bound
            .into_iter()
            .zip(&calls)
            .filter_map(|(b, c)| b.ok().map(|b| self.job(b, &c.name)))
            .collect();
        let results = self.perform(jobs).await;
        ids.into_iter().zip(results).collect()
    }

    fn job(&self, call: BoundCall, name: &SmolStr) -> Job {
        let engine = &self.scope.engine;
        let opts = &engine.options;
        let notes = &engine.prompts.notes;
        let args = call.args;
        let text = |i: usize| match args.get(i) {
            Some(Value::Str(s)) => Some(s.as_str().to_string()),
            _ => None,
        };
        match call.service {
            Service::Subcall => {
                let prompt = text(0).unwrap_or_default();
                let model = text(1);
                let max_tokens = match args.get(2) {
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
                                &notes.unknown_model,
                                &[("name", &e.name), ("known", &known)],
                            ),
                        )));
                    }
                };
                let window = adapter.context_window().or(opts.sub_window_tokens);
                let room = u64::from(max_tokens.unwrap_or(512));
                self.llm_job(
                    prompt,
                    adapter.model_id(),
                    window,
                    room,
                    max_tokens,
                    opts.sub_overflow,
                )
            }
            Service::Ask => {
                let (question, body) = (text(0).unwrap_or_default(), text(1).unwrap_or_default());
                let prompt = render_or_explain(
                    &engine.prompts.ask,
                    &[("question", &question), ("text", &body)],
                );
                let room = u64::from(opts.sub_max_tokens.unwrap_or(512));
                let sub = engine.sub().model_id();
                self.llm_job(
                    prompt,
                    sub,
                    engine.sub_window(),
                    room,
                    opts.sub_max_tokens,
                    opts.sub_overflow,
                )
            }
            Service::AskChunks { first } => {
                let question = text(0).unwrap_or_default();
                let chunks: Vec<Value> = match args.get(1) {
                    Some(Value::List(l)) => l.borrow().clone(),
                    Some(Value::Tuple(t)) => t.iter().cloned().collect(),
                    _ => Vec::new(),
                };
                let fit = self.window_fit(
                    engine.sub_window(),
                    u64::from(opts.sub_max_tokens.unwrap_or(512)),
                    OverflowPolicy::Error,
                );
                let mut parts = Vec::with_capacity(chunks.len());
                for (i, chunk) in chunks.iter().enumerate() {
                    let body = match chunk {
                        Value::Str(s) => s.as_str().to_string(),
                        _ => String::new(),
                    };
                    let prompt = render_or_explain(
                        &engine.prompts.ask,
                        &[("question", &question), ("text", &body)],
                    );
                    match fit.fit(prompt) {
                        PromptFit::Fits(p) => parts.push(p),
                        // Only with a split label, which is not given here.
                        PromptFit::Parts(ps) => parts.extend(ps),
                        PromptFit::TooLarge(t) => {
                            let message = self.too_large_message(&t);
                            return Job::Ready(Err(HostError::typed(
                                ExcKind::ValueError,
                                render_or_explain(
                                    &notes.chunk_too_large,
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
                Job::Llm {
                    parts,
                    model: engine.sub().model_id(),
                    max_tokens: opts.sub_max_tokens,
                    shape,
                }
            }
            Service::AnswerFromChunks => {
                let question = text(0).unwrap_or_default();
                let whole = self.scope.context.as_str();
                let passages: Vec<String> = if whole.chars().count()
                    <= ANSWER_PASSAGE_CHARS * ANSWER_PASSAGES
                {
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
                        render_or_explain(
                            &engine.prompts.ask,
                            &[("question", &question), ("text", body)],
                        )
                    })
                    .collect();
                Job::Verified {
                    parts,
                    passages,
                    model: engine.sub().model_id(),
                    max_tokens: opts.sub_max_tokens,
                }
            }
            Service::SubRlm => Job::SubRlm { prompt: text(0).unwrap_or_default(), text: text(1) },
            Service::Tool(index) => {
                let mut json = Vec::with_capacity(args.len());
                for a in &args {
                    match rlm_interp::to_json(a) {
                        Ok(j) => json.push(j),
                        Err(e) => {
                            let name =
                                engine.tools.get(index).map(|t| t.name.as_str()).unwrap_or("tool");
                            return Job::Ready(Err(HostError::typed(
                                ExcKind::TypeError,
                                format!("{name}(): {e}"),
                            )));
                        }
                    }
                }
                Job::Tool { index, args: json }
            }
            Service::Retrieval(op) => Job::Retrieval { op, name: name.clone(), args },
            Service::Inline(_) => Job::Ready(Err(HostError::new(
                "an inline function reached the host (a bug in rlm)",
            ))),
        }
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
            PromptFit::Fits(p) => {
                Job::Llm { parts: vec![p], model, max_tokens, shape: Shape::Joined }
            }
            PromptFit::Parts(parts) => Job::Llm { parts, model, max_tokens, shape: Shape::Joined },
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
            SubcallError::Executor(_) => &notes.subcall_failed,
        };
        let inner = match e {
            SubcallError::Budget(b) => b.to_string(),
            SubcallError::Executor(a) => a.to_string(),
        };
        render_or_explain(template, &[("error", &inner)])
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
    /// sub-RLMs and tools alongside; results in job order.
    /// Prompts are moved into the batches, never copied (a chunk may be megabytes).
    async fn perform(&mut self, jobs: Vec<Job>) -> Vec<Result<Value, HostError>> {
        let scope = Rc::clone(&self.scope);
        let engine = Arc::clone(&scope.engine);
        let system = engine.prompts.subcall_system.clone();
        let notes = &engine.prompts.notes;
        let span = self.program_span.unwrap_or(scope.run_span);
        let mut results: Vec<Option<Result<Value, HostError>>> =
            (0..jobs.len()).map(|_| None).collect();
        // (job, part, model, request) of every sub-model prompt.
        let mut llm: Vec<(usize, usize, ModelId, CompletionRequest)> = Vec::new();
        let mut parts_of: Vec<usize> = vec![0; jobs.len()];
        let mut shapes: Vec<Shape> = vec![Shape::Joined; jobs.len()];
        let mut verify_in: Vec<Vec<String>> = vec![Vec::new(); jobs.len()];
        let mut subruns = Vec::new();
        let mut tools = Vec::new();
        let mut retrievals = Vec::new();
        for (j, job) in jobs.into_iter().enumerate() {
            match job {
                Job::Llm { parts, model, max_tokens, shape } => {
                    shapes[j] = shape;
                    parts_of[j] = parts.len();
                    for (p, part) in parts.into_iter().enumerate() {
                        llm.push((j, p, model.clone(), subcall_request(&system, part, max_tokens)));
                    }
                }
                Job::Verified { parts, passages, model, max_tokens } => {
                    shapes[j] = Shape::Verified;
                    parts_of[j] = parts.len();
                    verify_in[j] = passages;
                    for (p, part) in parts.into_iter().enumerate() {
                        llm.push((j, p, model.clone(), subcall_request(&system, part, max_tokens)));
                    }
                }
                Job::SubRlm { prompt, text } => {
                    let child = if scope.depth < engine.options.max_depth {
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
                            subruns.push((
                                j,
                                self.sub_runs.sub_run(&scope, budget, prompt, context, span),
                            ));
                        }
                        None => match self.sub_rlm_as_subcall(prompt, text) {
                            Job::Llm { parts, model, max_tokens, .. } => {
                                parts_of[j] = parts.len();
                                for (p, part) in parts.into_iter().enumerate() {
                                    llm.push((
                                        j,
                                        p,
                                        model.clone(),
                                        subcall_request(&system, part, max_tokens),
                                    ));
                                }
                            }
                            Job::Ready(r) => results[j] = Some(r),
                            Job::SubRlm { .. }
                            | Job::Tool { .. }
                            | Job::Retrieval { .. }
                            | Job::Verified { .. } => {}
                        },
                    }
                }
                Job::Tool { index, args } => {
                    if let Some(tool) = engine.tools.get(index) {
                        tools.push((j, tool.call(args)));
                    }
                }
                Job::Retrieval { op, name, args } => retrievals.push((j, op, name, args)),
                Job::Ready(r) => results[j] = Some(r),
            }
        }
        self.subcalls += llm.len() as u64 + subruns.len() as u64;

        // One batch per model, all batches at once; each request's span is
        // opened now and closed by the scheduler's events as its call ends.
        let mut models: Vec<ModelId> = Vec::new();
        for (_, _, m, _) in &llm {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        let batch_size = llm.len();
        let mut per_model: Vec<(Vec<CompletionRequest>, Vec<SpanId>)> =
            models.iter().map(|_| (Vec::new(), Vec::new())).collect();
        let mut meta: Vec<(usize, usize, usize)> = Vec::with_capacity(llm.len());
        for (i, (j, p, m, req)) in llm.into_iter().enumerate() {
            let k = models.iter().position(|x| *x == m).unwrap_or(0);
            let preview: String = req
                .messages
                .last()
                .map(|m| m.content.chars().take(400).collect())
                .unwrap_or_default();
            let span = scope.recorder.start_subcall(
                span,
                SubcallStarted {
                    model: m.to_string(),
                    prompt_preview: preview,
                    batch_index: (batch_size > 1).then_some(i as u32),
                },
            );
            per_model[k].0.push(req);
            per_model[k].1.push(span);
            meta.push((j, p, k));
        }
        let submitted = Instant::now();
        let batches = models.iter().zip(per_model).map(|(m, (reqs, spans))| {
            let observer =
                Arc::new(SubcallSpans { recorder: scope.recorder.clone(), spans, submitted });
            let engine = Arc::clone(&engine);
            let budget = scope.budget.clone();
            let scope = Rc::clone(&scope);
            let m = m.clone();
            async move {
                scope
                    .unless_cancelled(engine.scheduler.run_batch_observed(
                        &m,
                        reqs,
                        Some(&budget),
                        Some(observer),
                    ))
                    .await
            }
        });
        let tool_futs = join_all(tools.into_iter().map(|(j, f)| {
            let scope = Rc::clone(&scope);
            async move { (j, scope.unless_cancelled(f).await) }
        }));
        let sub_futs = join_all(subruns.into_iter().map(|(j, f)| async move { (j, f.await) }));
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

        // Back to request order: each model's results come in its requests' order.
        let cancelled_error = || HostError::new(notes.subcall_cancelled.clone());
        let mut per_batch: Vec<
            std::vec::IntoIter<rlm_sched::CallResult<rlm_adapters::AdapterError>>,
        > = batch_results.into_iter().map(|b| b.unwrap_or_default().into_iter()).collect();
        let mut texts: Vec<Vec<Option<Result<String, HostError>>>> =
            parts_of.iter().map(|n| vec![None; *n]).collect();
        for (j, p, k) in meta {
            let text = match per_batch.get_mut(k).and_then(Iterator::next) {
                Some(Ok(c)) => Ok(c.text),
                Some(Err(e)) => Err(HostError::new(self.subcall_error(&e))),
                None => Err(cancelled_error()),
            };
            texts[j][p] = Some(text);
        }
        for (j, parts) in texts.into_iter().enumerate() {
            if parts.is_empty() || results[j].is_some() {
                continue;
            }
            let joined: Result<Vec<String>, HostError> =
                parts.into_iter().map(|p| p.unwrap_or_else(|| Err(cancelled_error()))).collect();
            results[j] = Some(joined.map(|answers| shaped(answers, shapes[j], &verify_in[j])));
        }
        for (j, r) in tool_results {
            results[j] = Some(match r {
                Some(Ok(json)) => Ok(rlm_interp::from_json(&json)),
                Some(Err(message)) => Err(HostError::new(message)),
                None => Err(cancelled_error()),
            });
        }
        for (j, r) in retrieval_results {
            results[j] = Some(r.unwrap_or_else(|| Err(cancelled_error())));
        }
        for (j, (answer, finish)) in sub_results {
            results[j] = Some(match answer {
                Some(a) => Ok(Value::str(a)),
                None => Err(HostError::new(render_or_explain(
                    &notes.sub_rlm_no_answer,
                    &[("reason", finish.reason().unwrap_or(finish.as_str()))],
                ))),
            });
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(HostError::new("host call was not performed"))))
            .collect()
    }
}

/// A job's answers (one per part of its prompt) as the value its call returns.
fn shaped(answers: Vec<String>, shape: Shape, passages: &[String]) -> Value {
    match shape {
        Shape::Joined => Value::str(answers.join("\n")),
        Shape::List => Value::list(answers.into_iter().map(Value::str).collect()),
        Shape::First => {
            let answers: Vec<Value> = answers.into_iter().map(Value::str).collect();
            pick_first(&answers).map(Value::str).unwrap_or(Value::None)
        }
        Shape::Verified => answers
            .iter()
            .zip(passages)
            .find_map(|(a, passage)| {
                let picked = pick_first(&[Value::str(a.as_str())])?;
                confirmed_by(&picked, passage).then_some(picked)
            })
            .map(Value::str)
            .unwrap_or(Value::None),
    }
}

/// Whether `passage` bears out `answer`: it holds the answer (quotes and a
/// final period trimmed), or a distinctive token of it (3+ characters with a
/// digit, or a capitalised word not at the answer's start), case-insensitive.
/// A sub-model's sentence ("The code is ZX-3390.") passes by its token; an
/// invented answer does not.
fn confirmed_by(answer: &str, passage: &str) -> bool {
    let hay = passage.to_lowercase();
    let bare = answer.trim().trim_matches(|c| c == '"' || c == '\'' || c == '.').to_lowercase();
    if !bare.is_empty() && contains_whole(&hay, &bare) {
        return true;
    }
    answer
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '(' | ')'))
        .map(|t| t.trim_end_matches(['.', ':', '!', '?']))
        .enumerate()
        .filter(|(i, t)| {
            t.chars().count() >= 3
                && (t.chars().any(|c| c.is_ascii_digit())
                    || (*i > 0 && t.chars().next().is_some_and(char::is_uppercase)))
        })
        .any(|(_, t)| contains_whole(&hay, &t.to_lowercase()))
}

/// `needle` occurs in `hay` not inside a longer word or number.
fn contains_whole(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::confirmed_by;

    #[test]
    fn answers_are_confirmed_by_their_passage() {
        let passage = "Notes. The launch code of the Orion project is ZX-3390. More notes.";
        assert!(confirmed_by("ZX-3390", passage));
        assert!(confirmed_by("The launch code is ZX-3390.", passage));
        assert!(confirmed_by("\"zx-3390\"", passage));
        assert!(!confirmed_by("AB-1234", passage));
        assert!(!confirmed_by("The code is 4817.", passage));
        assert!(!confirmed_by("the", "other"));
        assert!(!confirmed_by("4817", "code 48170"));
    }
}
