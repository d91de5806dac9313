//! Serving a program's host calls: `llm_query`/`llm_batch`/`ask*` as one
//! scheduler batch per model, `rlm_query` as sub-RLMs (concurrently, on this
//! thread), tools on the async side. Used by the loop for every program, and
//! by [`crate::ProgramHost`] for sessions an embedder drives itself (the CLI's
//! REPL).

use std::sync::Arc;
use std::time::Instant;

use futures::future::join_all;
use rlm_context::Context;
use rlm_interp::{HostCall, HostError, Session, Value};
use rlm_policy::{Budget, BudgetError, SubtreeLimits};
use rlm_trace::{CallFinished, Outcome as SpanOutcome, SpanId, SubcallStarted, TraceRecorder};
use rlm_types::{CompletionRequest, ModelId};

use crate::host;
use crate::json_value;
use crate::outcome::Finish;
use crate::prompts::render;
use crate::rlm::Inner;
use crate::run::run_rlm;
use crate::subcalls::{self, Fit};

/// A host call turned into work for the async side.
enum Job {
    /// Sub-model prompts, combined by `shape`.
    Llm { parts: Vec<String>, model: Option<String>, max_tokens: Option<u32>, shape: Shape },
    /// A sub-RLM over `text`.
    SubRlm { prompt: String, text: Option<String> },
    /// A registered tool.
    Tool { index: usize, args: Vec<serde_json::Value> },
    /// Already answered (bad arguments, unknown function).
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
}

/// What a job produced, before it becomes an interpreter value.
enum JobResult {
    Text(String),
    Json(serde_json::Value),
    Failed(HostError),
    Value(Result<Value, HostError>),
}

/// What serving host calls needs: the models and scheduler, the budget and
/// trace of the run, the run's context (for `rlm_query` without a text) and
/// its depth.
pub(crate) struct Services {
    pub inner: Arc<Inner>,
    pub recorder: TraceRecorder,
    pub budget: Budget,
    pub context: Context,
    pub depth: u32,
    /// Sub-model calls and sub-RLMs started so far.
    pub subcalls: u64,
}

impl Services {
    /// Performs a suspension's host calls, concurrently.
    pub(crate) async fn serve(
        &mut self,
        session: &mut Session,
        calls: Vec<HostCall>,
        span: SpanId,
    ) -> Vec<(u64, Result<Value, HostError>)> {
        let ids: Vec<u64> = calls.iter().map(|c| c.id).collect();
        let jobs: Vec<Job> = calls.into_iter().map(|c| self.job(session, c)).collect();
        let results = self.perform(jobs, span).await;
        ids.into_iter()
            .zip(results)
            .map(|(id, r)| {
                let v = match r {
                    JobResult::Text(t) => Ok(Value::str(t)),
                    JobResult::Json(j) => Ok(json_value::from_json(&j)),
                    JobResult::Failed(e) => Err(e),
                    JobResult::Value(v) => v,
                };
                (id, v)
            })
            .collect()
    }

    fn job(&mut self, session: &mut Session, call: HostCall) -> Job {
        let inner = Arc::clone(&self.inner);
        let opts = &inner.options;
        match call.name.as_str() {
            "llm_query" => {
                let Some(prompt) = call.args.first().cloned().or_else(|| kwarg(&call, "prompt"))
                else {
                    return Job::Ready(Err(HostError::typed(
                        rlm_interp::ExcKind::TypeError,
                        "llm_query() missing required argument: 'prompt'",
                    )));
                };
                let prompt = Self::text_of(session, &prompt);
                let model = match kwarg(&call, "model") {
                    None | Some(Value::None) => None,
                    Some(v) => Some(Self::text_of(session, &v)),
                };
                let max_tokens = match kwarg(&call, "max_tokens") {
                    Some(Value::Int(n)) if n > 0 => Some(n.min(u32::MAX as i64) as u32),
                    _ => opts.sub_max_tokens,
                };
                let adapter = match self.inner.executor.resolve(model.as_deref()) {
                    Ok(a) => a,
                    Err(e) => {
                        return Job::Ready(Err(HostError::typed(
                            rlm_interp::ExcKind::ValueError,
                            e,
                        )));
                    }
                };
                let window = adapter.context_window().or(opts.sub_window_tokens);
                let room = u64::from(max_tokens.unwrap_or(512));
                let system = self.inner.prompts.subcall_system.chars().count();
                match subcalls::fit(prompt, system, window, room, opts.sub_overflow) {
                    Fit::One(p) => {
                        Job::Llm { parts: vec![p], model, max_tokens, shape: Shape::Joined }
                    }
                    Fit::Parts(parts) => {
                        Job::Llm { parts, model, max_tokens, shape: Shape::Joined }
                    }
                    Fit::TooLarge(m) => {
                        Job::Ready(Err(HostError::typed(rlm_interp::ExcKind::ValueError, m)))
                    }
                }
            }
            "ask_chunks" | "ask_chunks_first" => {
                let question =
                    call.args.first().map(|v| Self::text_of(session, v)).unwrap_or_default();
                let items: Vec<Value> = match call.args.get(1) {
                    Some(Value::List(l)) => l.borrow().clone(),
                    Some(Value::Tuple(t)) => t.iter().cloned().collect(),
                    Some(other) => {
                        return Job::Ready(Err(HostError::typed(
                            rlm_interp::ExcKind::TypeError,
                            format!(
                                "{}() chunks must be a list of str, not {}",
                                call.name,
                                other.type_name()
                            ),
                        )));
                    }
                    None => Vec::new(),
                };
                let window = inner.sub.context_window().or(opts.sub_window_tokens);
                let room = u64::from(opts.sub_max_tokens.unwrap_or(512));
                let system = inner.prompts.subcall_system.chars().count();
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let text = Self::text_of(session, item);
                    let prompt = match render(
                        &inner.prompts.ask,
                        &[("question", &question), ("text", &text)],
                    ) {
                        Ok(p) => p,
                        Err(e) => return Job::Ready(Err(HostError::new(e.to_string()))),
                    };
                    match subcalls::fit(
                        prompt,
                        system,
                        window,
                        room,
                        crate::rlm::OverflowPolicy::Error,
                    ) {
                        Fit::One(p) => parts.push(p),
                        Fit::TooLarge(m) => {
                            return Job::Ready(Err(HostError::typed(
                                rlm_interp::ExcKind::ValueError,
                                format!("chunk {i}: {m}"),
                            )));
                        }
                        Fit::Parts(_) => {
                            return Job::Ready(Err(HostError::new(format!(
                                "chunk {i} does not fit the sub-model"
                            ))));
                        }
                    }
                }
                let shape = if call.name == "ask_chunks" { Shape::List } else { Shape::First };
                if parts.is_empty() {
                    return Job::Ready(Ok(match shape {
                        Shape::List => Value::list(Vec::new()),
                        _ => Value::None,
                    }));
                }
                Job::Llm { parts, model: None, max_tokens: opts.sub_max_tokens, shape }
            }
            "rlm_query" => {
                let prompt = call.args.first().cloned().or_else(|| kwarg(&call, "prompt"));
                let Some(prompt) = prompt else {
                    return Job::Ready(Err(HostError::typed(
                        rlm_interp::ExcKind::TypeError,
                        "rlm_query() missing required argument: 'prompt'",
                    )));
                };
                let prompt = Self::text_of(session, &prompt);
                let text = match call.args.get(1).cloned().or_else(|| kwarg(&call, "context")) {
                    None | Some(Value::None) => None,
                    Some(v) => Some(Self::text_of(session, &v)),
                };
                Job::SubRlm { prompt, text }
            }
            name if name.starts_with("tool:") => {
                let tool_name = &name[5..];
                let Some(index) = self.inner.tools.iter().position(|t| t.name == tool_name) else {
                    return Job::Ready(Err(HostError::new(format!("no tool named '{tool_name}'"))));
                };
                if !call.kwargs.is_empty() {
                    return Job::Ready(Err(HostError::typed(
                        rlm_interp::ExcKind::TypeError,
                        format!("{tool_name}() takes positional arguments only"),
                    )));
                }
                let mut args = Vec::with_capacity(call.args.len());
                for a in &call.args {
                    match json_value::to_json(session, a) {
                        Ok(j) => args.push(j),
                        Err(e) => {
                            return Job::Ready(Err(HostError::typed(
                                rlm_interp::ExcKind::TypeError,
                                format!("{tool_name}(): {e}"),
                            )));
                        }
                    }
                }
                Job::Tool { index, args }
            }
            other => Job::Ready(Err(HostError::new(format!("no host function '{other}' here")))),
        }
    }

    fn text_of(session: &mut Session, v: &Value) -> String {
        match v {
            Value::Str(s) => s.as_str().to_string(),
            other => session.display(other),
        }
    }

    /// Runs the jobs: sub-model prompts in one scheduler batch per model,
    /// sub-RLMs and tools alongside; results in job order.
    /// Prompts are moved into the batches, never copied (a chunk may be megabytes).
    async fn perform(&mut self, jobs: Vec<Job>, span: SpanId) -> Vec<JobResult> {
        let inner = Arc::clone(&self.inner);
        let system = inner.prompts.subcall_system.clone();
        // Sub-RLM jobs past the depth limit become plain prompts.
        let mut llm: Vec<(usize, usize, ModelId, CompletionRequest)> = Vec::new();
        let mut parts_of: Vec<usize> = vec![0; jobs.len()];
        let mut subruns = Vec::new();
        let mut tools = Vec::new();
        let mut results: Vec<Option<JobResult>> = (0..jobs.len()).map(|_| None).collect();
        let mut shapes: Vec<Shape> = vec![Shape::Joined; jobs.len()];
        for (j, job) in jobs.into_iter().enumerate() {
            match job {
                Job::Llm { parts, model, max_tokens, shape } => {
                    shapes[j] = shape;
                    let adapter = match inner.executor.resolve(model.as_deref()) {
                        Ok(a) => a,
                        Err(e) => {
                            results[j] = Some(JobResult::Failed(HostError::new(e)));
                            continue;
                        }
                    };
                    parts_of[j] = parts.len();
                    for (p, part) in parts.into_iter().enumerate() {
                        llm.push((
                            j,
                            p,
                            adapter.model_id(),
                            subcalls::request(&system, part, max_tokens),
                        ));
                    }
                }
                Job::SubRlm { prompt, text } => {
                    let child = if self.depth < inner.options.max_depth {
                        self.budget.child(SubtreeLimits::default()).ok()
                    } else {
                        None
                    };
                    match child {
                        Some(budget) => {
                            let context = match text {
                                Some(t) => Context::from_text(t),
                                None => self.context.clone(),
                            };
                            subruns.push((
                                j,
                                run_rlm(
                                    Arc::clone(&inner),
                                    self.recorder.clone(),
                                    budget,
                                    prompt,
                                    context,
                                    self.depth + 1,
                                    Some(span),
                                    None,
                                ),
                            ));
                        }
                        None => {
                            // At the depth limit a sub-RLM is one sub-model call.
                            let full = match text {
                                Some(t) => format!("{prompt}\n\nText:\n{t}"),
                                None => prompt,
                            };
                            let window =
                                inner.sub.context_window().or(inner.options.sub_window_tokens);
                            match subcalls::fit(
                                full,
                                system.chars().count(),
                                window,
                                512,
                                inner.options.sub_overflow,
                            ) {
                                Fit::One(p) => {
                                    parts_of[j] = 1;
                                    llm.push((
                                        j,
                                        0,
                                        inner.sub.model_id(),
                                        subcalls::request(&system, p, inner.options.sub_max_tokens),
                                    ));
                                }
                                Fit::Parts(ps) => {
                                    parts_of[j] = ps.len();
                                    for (i, p) in ps.into_iter().enumerate() {
                                        llm.push((
                                            j,
                                            i,
                                            inner.sub.model_id(),
                                            subcalls::request(
                                                &system,
                                                p,
                                                inner.options.sub_max_tokens,
                                            ),
                                        ));
                                    }
                                }
                                Fit::TooLarge(m) => {
                                    results[j] = Some(JobResult::Failed(HostError::typed(
                                        rlm_interp::ExcKind::ValueError,
                                        m,
                                    )));
                                }
                            }
                        }
                    }
                }
                Job::Tool { index, args } => {
                    tools.push((j, inner.tools[index].call(args)));
                }
                Job::Ready(r) => results[j] = Some(JobResult::Value(r)),
            }
        }
        self.subcalls += llm.len() as u64 + subruns.len() as u64;

        // One batch per model, all batches at once.
        let mut models: Vec<ModelId> = Vec::new();
        for (_, _, m, _) in &llm {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        let mut spans = Vec::with_capacity(llm.len());
        for (i, (_, _, m, req)) in llm.iter().enumerate() {
            let preview = req
                .messages
                .last()
                .map(|m| m.content.chars().take(400).collect())
                .unwrap_or_default();
            spans.push(self.recorder.start_subcall(
                span,
                SubcallStarted {
                    model: m.to_string(),
                    prompt_preview: preview,
                    batch_index: (llm.len() > 1).then_some(i as u32),
                },
            ));
        }
        let started = Instant::now();
        let budget = self.budget.clone();
        let mut per_model: Vec<Vec<CompletionRequest>> =
            models.iter().map(|_| Vec::new()).collect();
        let mut meta: Vec<(usize, usize, ModelId)> = Vec::with_capacity(llm.len());
        for (j, p, m, req) in llm {
            if let Some(k) = models.iter().position(|x| *x == m) {
                per_model[k].push(req);
            }
            meta.push((j, p, m));
        }
        let batches = models.iter().zip(per_model).map(|(m, reqs)| {
            let inner = Arc::clone(&inner);
            let budget = budget.clone();
            let m = m.clone();
            async move { inner.scheduler.run_batch(&m, reqs, Some(&budget)).await }
        });
        let tool_futs = join_all(tools.into_iter().map(|(j, f)| async move { (j, f.await) }));
        let sub_futs = join_all(subruns.into_iter().map(|(j, f)| async move { (j, f.await) }));
        let (batch_results, tool_results, sub_results) =
            futures::join!(join_all(batches), tool_futs, sub_futs);
        let latency_ms = started.elapsed().as_millis() as u64;

        // Back to request order.
        let mut per_request: Vec<Option<rlm_sched::CallResult<rlm_adapters::AdapterError>>> =
            (0..meta.len()).map(|_| None).collect();
        for (m, batch) in models.iter().zip(batch_results) {
            let mut it = batch.into_iter();
            for (i, (_, _, mm)) in meta.iter().enumerate() {
                if mm == m {
                    per_request[i] = it.next();
                }
            }
        }
        let mut texts: Vec<Vec<Option<Result<String, String>>>> =
            parts_of.iter().map(|n| vec![None; *n]).collect();
        for (i, ((j, p, m), r)) in meta.iter().zip(per_request).enumerate() {
            let r = r.unwrap_or_else(|| {
                Err(rlm_sched::SubcallError::Budget(BudgetError::InvalidAmount {
                    what: "missing batch result".to_string(),
                    value: 0.0,
                }))
            });
            match &r {
                Ok(c) => {
                    let cost = inner.prices.cost(m, &c.usage).unwrap_or(0.0);
                    self.recorder.finish_subcall(
                        spans[i],
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
                }
                Err(e) => {
                    let outcome = match e {
                        rlm_sched::SubcallError::Budget(_) => SpanOutcome::BudgetExceeded,
                        _ => SpanOutcome::Error,
                    };
                    self.recorder.finish_subcall(
                        spans[i],
                        CallFinished {
                            outcome,
                            response_preview: String::new(),
                            usage: Default::default(),
                            cost_usd: 0.0,
                            latency_ms,
                            cached: false,
                            deduped: false,
                            error: Some(e.to_string()),
                        },
                    );
                }
            }
            texts[*j][*p] =
                Some(r.map(|c| c.text).map_err(|e| subcalls::subcall_error_message(&e)));
        }
        for (j, parts) in texts.into_iter().enumerate() {
            if parts.is_empty() || results[j].is_some() {
                continue;
            }
            let mut joined = Vec::with_capacity(parts.len());
            let mut failure = None;
            for part in parts {
                match part {
                    Some(Ok(t)) => joined.push(t),
                    Some(Err(e)) => {
                        failure = Some(e);
                        break;
                    }
                    None => {
                        failure = Some("sub-model call produced no result".to_string());
                        break;
                    }
                }
            }
            results[j] = Some(match (failure, shapes[j]) {
                (Some(e), _) => JobResult::Failed(HostError::new(e)),
                (None, Shape::Joined) => JobResult::Text(joined.join("\n")),
                (None, Shape::List) => {
                    JobResult::Value(Ok(Value::list(joined.into_iter().map(Value::str).collect())))
                }
                (None, Shape::First) => {
                    let answers: Vec<Value> = joined.into_iter().map(Value::str).collect();
                    JobResult::Value(Ok(host::pick_first(&answers)
                        .map(Value::str)
                        .unwrap_or(Value::None)))
                }
            });
        }
        for (j, r) in tool_results {
            results[j] = Some(match r {
                Ok(json) => JobResult::Json(json),
                Err(message) => JobResult::Failed(HostError::new(message)),
            });
        }
        for (j, out) in sub_results {
            results[j] = Some(match out.answer {
                Some(a) => JobResult::Text(a),
                None => JobResult::Failed(HostError::new(format!(
                    "the sub-RLM ended without an answer ({})",
                    match &out.finish {
                        Finish::BestEffort { reason } | Finish::Finalized { reason } =>
                            reason.clone(),
                        Finish::ModelError { message } => message.clone(),
                        other => other.as_str().to_string(),
                    }
                ))),
            });
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    JobResult::Failed(HostError::new("host call was not performed"))
                })
            })
            .collect()
    }
}

fn kwarg(call: &HostCall, name: &str) -> Option<Value> {
    call.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}
