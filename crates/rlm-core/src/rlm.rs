//! The embedding API: [`Rlm::builder`] → [`Rlm`] → [`Rlm::run`] →
//! [`RunResult`] (answer, how the run finished, usage, trace events).

use std::sync::Arc;

use rlm_adapters::{ModelAdapter, PriceTable};
use rlm_context::Context;
use rlm_policy::{Budget, UsageSnapshot};
use rlm_sched::{Scheduler, SchedulerConfig};
use rlm_trace::{RecorderOptions, TraceEvent, TraceListener, TraceRecorder};
use rlm_types::CompletionCache;
use tokio_util::sync::CancellationToken;

use crate::error::RlmError;
use crate::memory::{InMemoryStore, MemoryMap, MemoryStore};
use crate::outcome::{Finish, Mode, RunResult};
use crate::prompts::Prompts;
use crate::subcalls::AdapterExecutor;
use crate::tools::Tool;

/// What a sub-model call does when its prompt is larger than the sub-model's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverflowPolicy {
    /// The call fails with an error the program sees (and can react to by chunking).
    #[default]
    Error,
    /// The prompt is split into window-sized parts (each keeping the prompt's
    /// first lines as a header); the answers are joined with newlines.
    Chunk,
}

/// When and how old turns are summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionOptions {
    /// Summarise once the history's estimated tokens exceed this fraction of
    /// the root model's window.
    pub threshold_ratio: f64,
    /// Messages kept verbatim after the summary (even: assistant/user pairs).
    pub keep_last: usize,
}

impl Default for CompactionOptions {
    fn default() -> Self {
        CompactionOptions { threshold_ratio: 0.8, keep_last: 4 }
    }
}

/// How the loop behaves (everything not about budgets or models).
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Program output shown to the model per step, in characters (head and tail kept).
    pub max_output_chars: usize,
    /// Refuse a FINAL before any program has run (the model cannot have seen data).
    pub require_program_before_final: bool,
    /// Refuse a FINAL before any sub-model call was made.
    pub require_subcall_before_final: bool,
    /// Consecutive replies with nothing to run before the loop gives up on the
    /// model (runs the fallback program, then asks for a final answer).
    pub max_invalid_replies: u32,
    /// A program run when the model keeps failing to produce one.
    pub fallback_program: Option<String>,
    /// A variable that, once set (not None) by a program, is the answer.
    pub auto_final_var: Option<String>,
    /// History compaction; `None` never compacts.
    pub compaction: Option<CompactionOptions>,
    /// The root model's window in tokens, when the adapter does not know it.
    pub root_window_tokens: Option<u64>,
    /// The sub-model's window in tokens, when the adapter does not know it.
    pub sub_window_tokens: Option<u64>,
    /// What a too-large subcall prompt does.
    pub sub_overflow: OverflowPolicy,
    /// `max_tokens` of root-model calls.
    pub root_max_tokens: Option<u32>,
    /// `max_tokens` of sub-model calls (a program's `max_tokens=` wins).
    pub sub_max_tokens: Option<u32>,
    /// Deepest sub-RLM (`rlm_query`) level; at this depth `rlm_query` is a plain subcall.
    pub max_depth: u32,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            max_output_chars: 20_000,
            require_program_before_final: true,
            require_subcall_before_final: false,
            max_invalid_replies: 3,
            fallback_program: None,
            auto_final_var: Some("final_answer".to_string()),
            compaction: Some(CompactionOptions::default()),
            root_window_tokens: None,
            sub_window_tokens: None,
            sub_overflow: OverflowPolicy::Error,
            root_max_tokens: None,
            sub_max_tokens: None,
            max_depth: 2,
        }
    }
}

pub(crate) struct Inner {
    pub root: Arc<dyn ModelAdapter>,
    pub sub: Arc<dyn ModelAdapter>,
    pub executor: Arc<AdapterExecutor>,
    pub scheduler: Scheduler<Arc<AdapterExecutor>>,
    pub budget_limits: rlm_policy::Limits,
    pub interp_limits: rlm_interp::Limits,
    pub tools: Vec<Tool>,
    pub listeners: Vec<Arc<dyn TraceListener>>,
    pub recorder_options: RecorderOptions,
    pub prompts: Prompts,
    pub options: LoopOptions,
    pub memory: Arc<dyn MemoryStore>,
    pub router_threshold_chars: Option<u64>,
    pub prices: PriceTable,
}

/// Everything one run needs besides the engine: built by [`Rlm::run_local`]
/// and by a [`crate::Session`]'s executions.
pub(crate) struct RunSpec {
    pub query: String,
    pub context: Context,
    pub recorder: TraceRecorder,
    pub budget: Budget,
    /// `memory` at the start (`None`: no `memory` persistence).
    pub memory: Option<MemoryMap>,
    /// Earlier questions and answers of the session, shown to the model.
    #[allow(dead_code)] // read by the loop once it shows the history (next commit)
    pub turns: Vec<crate::session::Turn>,
    pub cancel: Option<CancellationToken>,
    /// Stream the root model's replies as trace deltas.
    #[allow(dead_code)] // read by the root call once it streams (next commit)
    pub stream_root: bool,
    /// Leave the events in the recorder (late listeners replay them) rather
    /// than moving them into the result.
    pub keep_events: bool,
}

/// A configured RLM runtime. Cheap to clone; runs may go on concurrently.
#[derive(Clone)]
pub struct Rlm {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Rlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rlm")
            .field("root", &self.inner.root.model_id().to_string())
            .field("sub", &self.inner.sub.model_id().to_string())
            .finish_non_exhaustive()
    }
}

/// Serves the host calls of sessions an embedder drives itself (a REPL, a
/// notebook): the same functions, models, scheduler, budget and trace as a
/// run's programs get. Made by [`Rlm::program_host`].
pub struct ProgramHost {
    services: crate::serve::Services,
    run_span: rlm_trace::SpanId,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for ProgramHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgramHost")
            .field("subcalls", &self.services.subcalls)
            .finish_non_exhaustive()
    }
}

impl ProgramHost {
    /// Performs `calls` (from a suspended cell of a session made by
    /// [`Rlm::new_session`]) and returns each call's result, to hand to
    /// `Session::answer`.
    pub fn serve_blocking(
        &mut self,
        session: &mut rlm_interp::Session,
        calls: Vec<rlm_interp::HostCall>,
    ) -> Vec<(u64, Result<rlm_interp::Value, rlm_interp::HostError>)> {
        let span = self.run_span;
        let services = &mut self.services;
        self.runtime.block_on(services.serve(session, calls, span))
    }

    /// The trace so far (one run span holding every subcall).
    pub fn events(&self) -> Vec<TraceEvent> {
        self.services.recorder.events()
    }

    /// What the calls served so far spent.
    pub fn usage(&self) -> UsageSnapshot {
        self.services.budget.tree_snapshot()
    }
}

/// Builds an [`Rlm`]. Only the root model is required.
pub struct RlmBuilder {
    root: Option<Arc<dyn ModelAdapter>>,
    sub: Option<Arc<dyn ModelAdapter>>,
    extra_models: Vec<Arc<dyn ModelAdapter>>,
    budget: rlm_policy::Limits,
    cache: Option<Arc<dyn CompletionCache>>,
    scheduler: SchedulerConfig,
    interp: rlm_interp::Limits,
    tools: Vec<Tool>,
    listeners: Vec<Arc<dyn TraceListener>>,
    recorder_options: RecorderOptions,
    prompts: Prompts,
    options: LoopOptions,
    memory: Arc<dyn MemoryStore>,
    router_threshold_chars: Option<u64>,
    prices: PriceTable,
}

impl Rlm {
    pub fn builder() -> RlmBuilder {
        RlmBuilder {
            root: None,
            sub: None,
            extra_models: Vec::new(),
            budget: rlm_policy::Limits { max_steps: Some(20), ..Default::default() },
            cache: None,
            scheduler: SchedulerConfig::default(),
            interp: rlm_interp::Limits::default(),
            tools: Vec::new(),
            listeners: Vec::new(),
            recorder_options: RecorderOptions::default(),
            prompts: Prompts::default(),
            options: LoopOptions::default(),
            memory: Arc::new(InMemoryStore::default()),
            router_threshold_chars: None,
            prices: PriceTable::default(),
        }
    }

    /// Answers `query` over `context`. The future is `Send`: the loop (whose
    /// interpreter values are single-threaded) runs on a blocking-pool thread
    /// that drives it with the current runtime's handle.
    pub async fn run(&self, query: &str, context: Context) -> Result<RunResult, RlmError> {
        let this = self.clone();
        let query = query.to_string();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(this.run_local(&query, context)))
            .await
            .map_err(|e| RlmError::Internal(format!("the run's thread failed: {e}")))?
    }

    /// [`Rlm::run`] for callers without a runtime (it builds a small one).
    /// Do not call it from inside an async runtime.
    pub fn run_blocking(&self, query: &str, context: Context) -> Result<RunResult, RlmError> {
        // One small runtime per thread, reused by its later runs.
        thread_local! {
            static RUNTIME: std::cell::OnceCell<Option<tokio::runtime::Runtime>> =
                const { std::cell::OnceCell::new() };
        }
        RUNTIME.with(|cell| {
            let rt = cell.get_or_init(|| {
                tokio::runtime::Builder::new_current_thread().enable_all().build().ok()
            });
            match rt {
                Some(rt) => rt.block_on(self.run_local(query, context)),
                None => Err(RlmError::Internal("cannot start a tokio runtime".into())),
            }
        })
    }

    /// The loop on the current thread (the future is not `Send`).
    pub async fn run_local(&self, query: &str, context: Context) -> Result<RunResult, RlmError> {
        let recorder = TraceRecorder::with_options(self.inner.recorder_options.clone());
        for l in &self.inner.listeners {
            recorder.add_listener(Arc::clone(l));
        }
        let budget = Budget::new(self.inner.budget_limits.clone())?;
        let spec = RunSpec {
            query: query.to_string(),
            context,
            recorder,
            budget,
            memory: Some(self.inner.memory.load()),
            turns: Vec::new(),
            cancel: None,
            stream_root: false,
            keep_events: false,
        };
        let (result, memory) = self.run_spec(spec).await;
        if let Some(m) = memory {
            self.inner.memory.save(m);
        }
        Ok(result)
    }

    /// One run as `spec` describes it, on the current thread; returns the
    /// result and `memory` at its end.
    pub(crate) async fn run_spec(&self, spec: RunSpec) -> (RunResult, Option<MemoryMap>) {
        let RunSpec {
            query,
            context,
            recorder,
            budget,
            memory,
            turns: _,
            cancel,
            stream_root: _,
            keep_events,
        } = spec;
        let take = |recorder: &TraceRecorder| {
            if keep_events { recorder.events() } else { recorder.take_events() }
        };
        if let Some(threshold) = self.inner.router_threshold_chars
            && context.len_chars() < threshold
        {
            let mut r = crate::run::direct(&self.inner, &recorder, &budget, &query, &context).await;
            r.events = take(&recorder);
            return (r, None);
        }
        let run = crate::run::run_rlm(
            Arc::clone(&self.inner),
            recorder.clone(),
            budget.clone(),
            query,
            context,
            0,
            None,
            memory,
        );
        let cancelled = async {
            match &cancel {
                Some(c) => c.cancelled().await,
                None => std::future::pending().await,
            }
        };
        futures::pin_mut!(cancelled);
        let out = match futures::future::select(run, cancelled).await {
            futures::future::Either::Left((out, _)) => out,
            futures::future::Either::Right(((), _)) => crate::run::RunOut {
                answer: None,
                finish: Finish::Cancelled,
                steps: 0,
                memory: None,
            },
        };
        let result = RunResult {
            answer: out.answer,
            finish: out.finish,
            mode: Mode::Rlm,
            steps: out.steps,
            usage: budget.tree_snapshot(),
            events: take(&recorder),
        };
        (result, out.memory)
    }

    /// [`Rlm::run_spec`] as a `Send` future: the loop runs on a blocking-pool
    /// thread driven by the current runtime's handle.
    pub(crate) async fn run_spec_send(
        &self,
        spec: RunSpec,
    ) -> Result<(RunResult, Option<MemoryMap>), RlmError> {
        let this = self.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || handle.block_on(this.run_spec(spec)))
            .await
            .map_err(|e| RlmError::Internal(format!("the run's thread failed: {e}")))
    }

    /// The trace options runs are recorded with.
    pub fn recorder_options(&self) -> RecorderOptions {
        self.inner.recorder_options.clone()
    }

    /// The budget of each run's tree.
    pub fn budget_limits(&self) -> rlm_policy::Limits {
        self.inner.budget_limits.clone()
    }

    /// An interpreter session over `context` with every function a model's
    /// program has (`context`, `ctx`, `llm_query`, `ask`, `rlm_query`, tools,
    /// `answer`...). Serve its host calls with a [`ProgramHost`].
    pub fn new_session(&self, context: &Context) -> rlm_interp::Session {
        let mut s = crate::host::new_session(&self.inner, context);
        s.set_global("query", rlm_interp::Value::str(""));
        s
    }

    /// A host for the calls of sessions made by [`Rlm::new_session`] over `context`.
    pub fn program_host(&self, context: &Context) -> Result<ProgramHost, RlmError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RlmError::Internal(format!("cannot start a runtime: {e}")))?;
        let recorder = TraceRecorder::with_options(self.inner.recorder_options.clone());
        for l in &self.inner.listeners {
            recorder.add_listener(Arc::clone(l));
        }
        let budget = Budget::new(self.inner.budget_limits.clone())?;
        let run_span = recorder.start_run(
            None,
            rlm_trace::RunStarted {
                query: "(interactive session)".into(),
                model: self.inner.root.model_id().to_string(),
                depth: 0,
                context_chars: context.len_chars(),
                context_documents: context.num_documents() as u64,
            },
        );
        Ok(ProgramHost {
            services: crate::serve::Services {
                inner: Arc::clone(&self.inner),
                recorder,
                budget,
                context: context.clone(),
                depth: 0,
                subcalls: 0,
            },
            run_span,
            runtime,
        })
    }

    /// The root model's id (`provider:model`).
    pub fn root_model(&self) -> String {
        self.inner.root.model_id().to_string()
    }

    /// The sub-model's id.
    pub fn sub_model(&self) -> String {
        self.inner.sub.model_id().to_string()
    }
}

impl RlmBuilder {
    /// The model that writes the programs (required).
    pub fn root(mut self, adapter: Arc<dyn ModelAdapter>) -> Self {
        self.root = Some(adapter);
        self
    }

    /// A (cheaper) model for `llm_query` and friends; default: the root model.
    pub fn sub_model(mut self, adapter: Arc<dyn ModelAdapter>) -> Self {
        self.sub = Some(adapter);
        self
    }

    /// Another model programs may pick with `llm_query(p, model="provider:name")`.
    pub fn model(mut self, adapter: Arc<dyn ModelAdapter>) -> Self {
        self.extra_models.push(adapter);
        self
    }

    /// Budgets for each run's whole tree (default: 20 steps per level, nothing else).
    pub fn budget(mut self, limits: rlm_policy::Limits) -> Self {
        self.budget = limits;
        self
    }

    /// A completion cache for subcalls.
    pub fn cache(mut self, cache: Arc<dyn CompletionCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Subcall concurrency, rate limits, dedup.
    pub fn scheduler(mut self, config: SchedulerConfig) -> Self {
        self.scheduler = config;
        self
    }

    /// Interpreter limits per program (fuel, memory, output...).
    pub fn interpreter_limits(mut self, limits: rlm_interp::Limits) -> Self {
        self.interp = limits;
        self
    }

    /// A tool the programs may call.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Receives every trace event as it happens.
    pub fn listener(mut self, listener: Arc<dyn TraceListener>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Trace options (clock, redaction, text caps).
    pub fn recorder_options(mut self, options: RecorderOptions) -> Self {
        self.recorder_options = options;
        self
    }

    pub fn prompts(mut self, prompts: Prompts) -> Self {
        self.prompts = prompts;
        self
    }

    pub fn options(mut self, options: LoopOptions) -> Self {
        self.options = options;
        self
    }

    /// Where `memory` persists between runs (default: in this process).
    pub fn memory(mut self, store: Arc<dyn MemoryStore>) -> Self {
        self.memory = store;
        self
    }

    /// SmartRouter: contexts shorter than this many characters get one direct
    /// model call instead of the loop.
    pub fn smart_router(mut self, threshold_chars: u64) -> Self {
        self.router_threshold_chars = Some(threshold_chars);
        self
    }

    /// Prices used for cost accounting.
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = prices;
        self
    }

    pub fn build(self) -> Result<Rlm, RlmError> {
        let root = self.root.ok_or_else(|| {
            RlmError::Config("no root model: call `.root(adapter)` on the builder".into())
        })?;
        let sub = self.sub.unwrap_or_else(|| Arc::clone(&root));
        for t in &self.tools {
            if !Tool::valid_name(&t.name) {
                return Err(RlmError::Config(format!(
                    "tool name {:?} is not a valid identifier",
                    t.name
                )));
            }
        }
        if let Some(c) = &self.options.compaction
            && !(c.threshold_ratio > 0.0 && c.threshold_ratio <= 1.0)
        {
            return Err(RlmError::Config(format!(
                "compaction threshold_ratio must be in (0, 1], got {}",
                c.threshold_ratio
            )));
        }
        // Validate the budget now, not at the first run.
        Budget::new(self.budget.clone())?;
        let mut models = vec![Arc::clone(&root), Arc::clone(&sub)];
        models.extend(self.extra_models);
        let executor = Arc::new(AdapterExecutor::new(models, Arc::clone(&sub)));
        let mut sched = Scheduler::builder(Arc::clone(&executor)).config(self.scheduler);
        if let Some(c) = self.cache {
            sched = sched.cache(c);
        }
        let scheduler = sched.build()?;
        Ok(Rlm {
            inner: Arc::new(Inner {
                root,
                sub,
                executor,
                scheduler,
                budget_limits: self.budget,
                interp_limits: self.interp,
                tools: self.tools,
                listeners: self.listeners,
                recorder_options: self.recorder_options,
                prompts: self.prompts,
                options: self.options,
                memory: self.memory,
                router_threshold_chars: self.router_threshold_chars,
                prices: self.prices,
            }),
        })
    }
}
