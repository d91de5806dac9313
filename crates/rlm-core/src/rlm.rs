//! The embedding API: [`Rlm::builder`] → [`Rlm`] → [`Rlm::run`] →
//! [`RunResult`] (answer, how the run finished, usage, trace events); and
//! [`ProgramHost`] for interpreter sessions an embedder drives itself.

use std::rc::Rc;
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use rlm_adapters::{ModelAdapter, PriceTable};
use rlm_context::Context;
use rlm_interp::{HostCall, Interpreter};
use rlm_policy::{Budget, UsageSnapshot};
use rlm_sched::SchedulerConfig;
use rlm_trace::{RecorderOptions, RunStarted, TraceEvent, TraceListener, TraceRecorder};
use rlm_types::CompletionCache;
use tokio_util::sync::CancellationToken;

use crate::cancel::Canceller;
use crate::checkpoint::{Checkpoint, CheckpointSink, Durable};
use crate::engine::{Engine, Scheduling};
use crate::error::RlmError;
use crate::models::ModelSet;
use crate::options::LoopOptions;
use crate::outcome::{Mode, RunResult};
use crate::program::program_session;
use crate::run_loop::{LoopSubRuns, RunControl, RunParams, run_rlm};
use crate::scope::RunScope;
use crate::serving::RunServer;
use crate::turn::Turn;
use rlm_functions::FunctionRegistry;
use rlm_functions::Tool;
use rlm_functions::{InMemoryStore, MemoryMap, MemoryStore};
use rlm_functions::{RetrievalSettings, RunRetrieval};
use rlm_prompts::Prompts;
use rlm_sandbox_host::SandboxHost;
use rlm_sandbox_host::cell::{Answers, CallServer};

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
    pub turns: Vec<Turn>,
    pub cancel: Option<CancellationToken>,
    /// Stream the root model's replies as trace deltas (also on when the
    /// loop options say so).
    pub stream_root: bool,
    /// Leave the events in the recorder (late listeners replay them) rather
    /// than moving them into the result.
    pub keep_events: bool,
    /// Checkpoints after each root step, and the one to start from.
    pub durable: Option<Durable>,
}

/// A configured RLM runtime. Cheap to clone; runs may go on concurrently.
#[derive(Clone)]
pub struct Rlm {
    engine: Arc<Engine>,
}

impl std::fmt::Debug for Rlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rlm")
            .field("root", &self.engine.root.model_id().to_string())
            .field("sub", &self.engine.sub().model_id().to_string())
            .finish_non_exhaustive()
    }
}

/// Serves the host calls of interpreter sessions an embedder drives itself (a
/// REPL, `rlm exec`): the same functions, models, scheduler, budget and trace
/// as a run's programs get. Made by [`Rlm::program_host`]; drive cells with
/// [`rlm_sandbox_host::cell::run_cell`].
pub struct ProgramHost {
    server: RunServer,
}

impl std::fmt::Debug for ProgramHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgramHost")
            .field("subcalls", &self.server.subcalls)
            .finish_non_exhaustive()
    }
}

impl ProgramHost {
    /// The trace so far (one run span holding every subcall).
    pub fn events(&self) -> Vec<TraceEvent> {
        self.server.scope.recorder.events()
    }

    /// What the calls served so far spent.
    pub fn usage(&self) -> UsageSnapshot {
        self.server.scope.budget.tree_snapshot()
    }

    /// When a cell about to run must stop: the run's wall-time budget and
    /// the program's own time limit (`rlm exec`, `rlm repl` set it on their
    /// session before each cell).
    pub fn interrupt(&self) -> rlm_sandbox_host::Interrupt {
        crate::program::interrupt_check(&self.server.scope)
    }
}

impl CallServer for ProgramHost {
    fn serve<'a>(
        &'a mut self,
        session: &'a mut Interpreter,
        calls: Vec<HostCall>,
    ) -> LocalBoxFuture<'a, Answers> {
        self.server.serve(session, calls)
    }
}

/// Builds an [`Rlm`]. Only the root model is required.
pub struct RlmBuilder {
    root: Option<Arc<dyn ModelAdapter>>,
    sub: Option<Arc<dyn ModelAdapter>>,
    extra_models: Vec<Arc<dyn ModelAdapter>>,
    budget: rlm_policy::BudgetLimits,
    cache: Option<Arc<dyn CompletionCache>>,
    shared_limiter: Option<Arc<dyn rlm_sched::SharedLimiter>>,
    scheduler: SchedulerConfig,
    sandbox: rlm_interp::Limits,
    sandbox_host: SandboxHost,
    tools: Vec<Tool>,
    retrieval: RetrievalSettings,
    flavor: rlm_functions::Flavor,
    listeners: Vec<Arc<dyn TraceListener>>,
    telemetry: Option<rlm_telemetry::Telemetry>,
    recorder_options: RecorderOptions,
    prompts: Prompts,
    options: LoopOptions,
    memory: Arc<dyn MemoryStore>,
    router_threshold_chars: Option<u64>,
    prices: PriceTable,
    criteria: Option<Arc<rlm_taskspec::SuccessCriteria>>,
    output_schema: Option<rlm_taskspec::OutputSchema>,
}

impl Rlm {
    pub fn builder() -> RlmBuilder {
        RlmBuilder {
            root: None,
            sub: None,
            extra_models: Vec::new(),
            budget: rlm_policy::BudgetLimits { max_steps: Some(20), ..Default::default() },
            cache: None,
            shared_limiter: None,
            scheduler: SchedulerConfig::default(),
            sandbox: rlm_interp::Limits::default(),
            sandbox_host: SandboxHost::default(),
            tools: Vec::new(),
            retrieval: RetrievalSettings::default(),
            flavor: rlm_functions::Flavor::Rlm,
            listeners: Vec::new(),
            telemetry: None,
            recorder_options: RecorderOptions::default(),
            prompts: Prompts::default(),
            options: LoopOptions::default(),
            memory: Arc::new(InMemoryStore::default()),
            router_threshold_chars: None,
            prices: PriceTable::default(),
            criteria: None,
            output_schema: None,
        }
    }

    /// Answers `query` over `context`. The future is `Send`: the loop (whose
    /// interpreter values are single-threaded) runs on a blocking-pool thread
    /// that drives it with the current runtime's handle.
    pub async fn run(&self, query: &str, context: Context) -> Result<RunResult, RlmError> {
        self.run_on_a_thread(query, context, None).await
    }

    /// [`Rlm::run`] that `canceller` stops: the run then ends as
    /// [`crate::Finish::Cancelled`] with its spend and trace so far, a model
    /// call in flight cut (a recording writes it as cut, where a replay
    /// waits for the same cancellation).
    pub async fn run_cancellable(
        &self,
        query: &str,
        context: Context,
        canceller: &Canceller,
    ) -> Result<RunResult, RlmError> {
        self.run_on_a_thread(query, context, Some(canceller.0.clone())).await
    }

    /// The loop on a blocking-pool thread, driven by the current runtime.
    async fn run_on_a_thread(
        &self,
        query: &str,
        context: Context,
        cancel: Option<CancellationToken>,
    ) -> Result<RunResult, RlmError> {
        let this = self.clone();
        let query = query.to_string();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            handle.block_on(this.run_local_until(&query, context, cancel))
        })
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

    /// [`Rlm::run`] made durable: after each completed root step the run's
    /// [`Checkpoint`] goes to `sink` (see [`crate::checkpoint`]).
    pub async fn run_durable(
        &self,
        query: &str,
        context: Context,
        sink: Arc<dyn CheckpointSink>,
    ) -> Result<RunResult, RlmError> {
        let memory = Some(self.engine.memory.load());
        let durable = Durable { sink, from: None };
        self.run_durable_spec(query.to_string(), context, memory, durable).await
    }

    /// Goes on with the durable run `checkpoint` was taken from (same
    /// context and settings) at its next step: the history and variables
    /// back, the programs whose variables had no saved form run again
    /// (their subcalls answered by the completion cache, when one is set).
    /// Its later checkpoints go to `sink`. A checkpoint whose variables
    /// cannot be read is an error, before anything runs.
    pub async fn resume(
        &self,
        checkpoint: Checkpoint,
        context: Context,
        sink: Arc<dyn CheckpointSink>,
    ) -> Result<RunResult, RlmError> {
        let limits = rlm_interp::SnapshotLimits::default();
        rlm_interp::restore_snapshot(&checkpoint.globals, &limits)
            .map_err(|e| RlmError::Checkpoint(e.into()))?;
        let query = checkpoint.query.clone();
        let memory = checkpoint.memory_at_start.clone();
        let durable = Durable { sink, from: Some(checkpoint) };
        self.run_durable_spec(query, context, memory, durable).await
    }

    async fn run_durable_spec(
        &self,
        query: String,
        context: Context,
        memory: Option<MemoryMap>,
        durable: Durable,
    ) -> Result<RunResult, RlmError> {
        let spec = RunSpec {
            query,
            context,
            recorder: self.engine.new_recorder(),
            budget: self.engine.run_budget(self.engine.budget_limits.clone())?,
            memory,
            turns: Vec::new(),
            cancel: None,
            stream_root: false,
            keep_events: false,
            durable: Some(durable),
        };
        let (result, memory) = self.run_spec_send(spec).await?;
        if let Some(m) = memory {
            self.engine.memory.save(m);
        }
        Ok(result)
    }

    /// The loop on the current thread (the future is not `Send`).
    pub async fn run_local(&self, query: &str, context: Context) -> Result<RunResult, RlmError> {
        self.run_local_until(query, context, None).await
    }

    async fn run_local_until(
        &self,
        query: &str,
        context: Context,
        cancel: Option<CancellationToken>,
    ) -> Result<RunResult, RlmError> {
        let spec = RunSpec {
            query: query.to_string(),
            context,
            recorder: self.engine.new_recorder(),
            budget: self.engine.run_budget(self.engine.budget_limits.clone())?,
            memory: Some(self.engine.memory.load()),
            turns: Vec::new(),
            cancel,
            stream_root: false,
            keep_events: false,
            durable: None,
        };
        let (result, memory) = self.run_spec(spec).await;
        if let Some(m) = memory {
            self.engine.memory.save(m);
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
            turns,
            cancel,
            stream_root,
            keep_events,
            durable,
        } = spec;
        let take = |recorder: &TraceRecorder| {
            if keep_events { recorder.events() } else { recorder.take_events() }
        };
        let control = RunControl {
            recorder: recorder.clone(),
            cancel,
            stream_root: stream_root || self.engine.options.stream_root,
        };
        if let Some(threshold) = self.engine.router_threshold_chars
            && context.len_chars() < threshold
        {
            let scope =
                crate::direct::start(Arc::clone(&self.engine), control, budget, &query, context);
            let mut result = crate::direct::answer_directly(&scope, &query).await;
            result.events = take(&recorder);
            return (result, None);
        }
        let params = RunParams { query, context, depth: 0, parent: None, memory, turns, durable };
        let out = run_rlm(Arc::clone(&self.engine), control, budget.clone(), params).await;
        let result = RunResult {
            answer: out.answer,
            finish: out.finish,
            mode: Mode::Rlm,
            steps: out.steps,
            usage: budget.tree_snapshot(),
            events: take(&recorder),
            criteria: out.criteria,
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

    /// An interpreter session over `context` with every function a model's
    /// program has (`context`, `ctx`, `llm_query`, `ask`, `rlm_query`, tools,
    /// `answer`...). Serve its host calls with a [`ProgramHost`].
    pub fn new_session(&self, context: &Context) -> Interpreter {
        program_session(&self.engine, context, "")
    }

    /// A host for the calls of sessions made by [`Rlm::new_session`] over `context`.
    pub fn program_host(&self, context: &Context) -> Result<ProgramHost, RlmError> {
        let recorder = self.engine.new_recorder();
        let budget = self.engine.run_budget(self.engine.budget_limits.clone())?;
        let run_span = recorder.start_run(
            None,
            RunStarted {
                query: "(interactive session)".into(),
                model: self.engine.root.model_id().to_string(),
                depth: 0,
                context_chars: context.len_chars(),
                context_documents: context.num_documents() as u64,
                otel_trace_id: None,
            },
        );
        let scope = Rc::new(RunScope {
            engine: Arc::clone(&self.engine),
            recorder,
            run_span,
            budget,
            context: context.clone(),
            depth: 0,
            cancel: None,
            stream_root: false,
            retrieval: RunRetrieval::for_run(&self.engine.retrieval, context, 0),
        });
        Ok(ProgramHost {
            server: RunServer {
                scope,
                sub_runs: Rc::new(LoopSubRuns),
                subcalls: 0,
                cancelled: false,
                program_span: None,
                answered: None,
            },
        })
    }

    /// The root model's id (`provider:model`).
    pub fn root_model(&self) -> String {
        self.engine.root.model_id().to_string()
    }

    /// The sub-model's id.
    pub fn sub_model(&self) -> String {
        self.engine.sub().model_id().to_string()
    }

    /// The functions programs have (for front ends and prompts).
    pub fn functions(&self) -> &FunctionRegistry {
        &self.engine.functions
    }

    /// The trace options runs are recorded with.
    pub fn recorder_options(&self) -> RecorderOptions {
        self.engine.recorder_options.clone()
    }

    /// A recorder with the trace options and the builder's listeners, for a
    /// run driven from outside `Rlm` (a [`crate::Session`] execution); its
    /// runs' OpenTelemetry trace is under `parent` when given (else the
    /// engine's).
    pub(crate) fn new_recorder_under(
        &self,
        parent: Option<rlm_telemetry::TraceParent>,
    ) -> TraceRecorder {
        self.engine.new_recorder_under(parent)
    }

    /// The budget of each run's tree.
    pub fn budget_limits(&self) -> rlm_policy::BudgetLimits {
        self.engine.budget_limits.clone()
    }

    /// A run's tree budget under `limits`, on the run clock of the engine's
    /// models ([`Engine::run_budget`]).
    pub(crate) fn run_budget(
        &self,
        limits: rlm_policy::BudgetLimits,
    ) -> Result<Budget, rlm_policy::BudgetError> {
        self.engine.run_budget(limits)
    }

    /// This runtime with another output schema (`None`: free text): one
    /// request's `response_format`, an MCP call's or a Python call's
    /// `output_schema`. Everything else is this one's, shared.
    pub fn with_output_schema(&self, schema: Option<rlm_taskspec::OutputSchema>) -> Rlm {
        let mut engine = (*self.engine).clone();
        engine.output_schema = schema;
        Rlm { engine: Arc::new(engine) }
    }

    /// This runtime with its runs' OpenTelemetry traces under `parent` (a
    /// request's W3C `traceparent`; `None`: each run a trace of its own).
    /// Everything else is this one's, shared.
    pub fn with_trace_parent(&self, parent: Option<rlm_telemetry::TraceParent>) -> Rlm {
        let mut engine = (*self.engine).clone();
        engine.trace_parent = parent;
        Rlm { engine: Arc::new(engine) }
    }

    /// Whether runs are exported as OpenTelemetry traces.
    pub fn exports_telemetry(&self) -> bool {
        self.engine.telemetry.is_some()
    }

    /// The output schema runs are held to, if any.
    pub fn output_schema(&self) -> Option<&rlm_taskspec::OutputSchema> {
        self.engine.output_schema.as_ref()
    }

    /// This runtime with other root and sub-models (new adapters of the same
    /// models, say: a scripted model played from its start): everything else
    /// (functions, tools, prompts, options, budgets, sandbox, listeners, the
    /// `memory` store, the cache and the scheduler's settings) is this one's,
    /// shared rather than built again, and the system prompt is rendered
    /// again only if the sub-model's window differs. The scheduler is new
    /// (its caps, rate limits and in-flight dedup are the new runtime's own,
    /// as a built one's are); the other models ([`RlmBuilder::model`]) stay.
    /// A front end that builds a runtime per run (`rlm serve`: one per
    /// execution) builds one once and calls this per run.
    pub fn with_models(
        &self,
        root: Arc<dyn ModelAdapter>,
        sub: Arc<dyn ModelAdapter>,
    ) -> Result<Rlm, RlmError> {
        let e = &self.engine;
        let mut models = Vec::with_capacity(2 + e.extra_models.len());
        models.extend([Arc::clone(&root), Arc::clone(&sub)]);
        models.extend(e.extra_models.iter().cloned());
        let models = Arc::new(ModelSet::new(models, sub));
        let scheduler = e.scheduling.build(&models, &e.prices)?;
        let sub_window = models.default_model().context_window().or(e.options.sub_window_tokens);
        let system_prompt = if sub_window == e.sub_window() {
            Arc::clone(&e.system_prompt)
        } else {
            Engine::render_system_prompt(&e.prompts, &e.functions, &e.tools, &e.options, sub_window)
                .into()
        };
        Ok(Rlm {
            engine: Arc::new(Engine {
                root,
                models,
                scheduler,
                scheduling: e.scheduling.clone(),
                extra_models: e.extra_models.clone(),
                budget_limits: e.budget_limits.clone(),
                sandbox_limits: e.sandbox_limits.clone(),
                functions: Arc::clone(&e.functions),
                sandbox_host: e.sandbox_host.clone(),
                tools: Arc::clone(&e.tools),
                retrieval: e.retrieval.clone(),
                listeners: e.listeners.clone(),
                telemetry: e.telemetry.clone(),
                trace_parent: e.trace_parent,
                recorder_options: e.recorder_options.clone(),
                prompts: Arc::clone(&e.prompts),
                options: e.options.clone(),
                memory: Arc::clone(&e.memory),
                router_threshold_chars: e.router_threshold_chars,
                criteria: e.criteria.clone(),
                output_schema: e.output_schema.clone(),
                prices: Arc::clone(&e.prices),
                system_prompt,
            }),
        })
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
    pub fn budget(mut self, limits: rlm_policy::BudgetLimits) -> Self {
        self.budget = limits;
        self
    }

    /// A completion cache for subcalls.
    pub fn cache(mut self, cache: Arc<dyn CompletionCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The cluster-wide second gate of the rate limits (e.g. rlm-redis'
    /// `RedisLimiter`), asked after the scheduler's own limiter.
    pub fn shared_limiter(mut self, limiter: Arc<dyn rlm_sched::SharedLimiter>) -> Self {
        self.shared_limiter = Some(limiter);
        self
    }

    /// Subcall concurrency, rate limits, dedup.
    pub fn scheduler(mut self, config: SchedulerConfig) -> Self {
        self.scheduler = config;
        self
    }

    /// Sandbox limits per program (fuel, memory, output...).
    pub fn interpreter_limits(mut self, limits: rlm_interp::Limits) -> Self {
        self.sandbox = limits;
        self
    }

    /// Where programs' interpreter sessions run: in this process (the
    /// default) or in sandbox worker processes ([`SandboxHost::process`]).
    pub fn sandbox_host(mut self, host: SandboxHost) -> Self {
        self.sandbox_host = host;
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

    /// Export every run as an OpenTelemetry trace (rlm-telemetry).
    pub fn telemetry(mut self, telemetry: Option<rlm_telemetry::Telemetry>) -> Self {
        self.telemetry = telemetry;
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

    /// Changes the loop's options set so far (a front end's own settings
    /// over those [`Rlm::from_config`] applied).
    pub fn map_options(mut self, change: impl FnOnce(&mut LoopOptions)) -> Self {
        change(&mut self.options);
        self
    }

    /// Changes the prompts set so far (see [`RlmBuilder::map_options`]).
    pub fn map_prompts(mut self, change: impl FnOnce(&mut Prompts)) -> Self {
        change(&mut self.prompts);
        self
    }

    /// Changes the budgets set so far (see [`RlmBuilder::map_options`]).
    pub fn map_budget(mut self, change: impl FnOnce(&mut rlm_policy::BudgetLimits)) -> Self {
        change(&mut self.budget);
        self
    }

    /// Changes the scheduler's settings set so far.
    pub fn map_scheduler(mut self, change: impl FnOnce(&mut SchedulerConfig)) -> Self {
        change(&mut self.scheduler);
        self
    }

    /// Where `memory` persists between runs (default: in this process).
    pub fn memory(mut self, store: Arc<dyn MemoryStore>) -> Self {
        self.memory = store;
        self
    }

    /// SmartRouter: contexts shorter than this many characters get one direct
    /// model call instead of the loop.
    /// A task's success criteria: the root run checks each FINAL against them
    /// (and asks the root model the judge question, if any) before accepting
    /// it; an unmet criterion goes back to the model as feedback while the
    /// budget lasts. [`RunResult::criteria`] says which passed.
    pub fn criteria(mut self, criteria: rlm_taskspec::SuccessCriteria) -> Self {
        self.criteria = (!criteria.is_empty()).then(|| Arc::new(criteria));
        self
    }

    /// The JSON Schema the answer must match (issue #57): the root model
    /// sees it after the question, every FINAL is checked against it before
    /// it is accepted (a failure goes back to the model with the failing
    /// paths), an accepted answer is compact JSON text, and a run that ends
    /// with no matching answer finishes [`crate::Finish::SchemaFailed`].
    pub fn output_schema(mut self, schema: Option<rlm_taskspec::OutputSchema>) -> Self {
        self.output_schema = schema;
        self
    }

    pub fn smart_router(mut self, threshold_chars: u64) -> Self {
        self.router_threshold_chars = Some(threshold_chars);
        self
    }

    /// Retrieval: `search` over each run's context index, the `es_*`
    /// functions over a document backend, the retrieval-aware first step.
    /// The functions are listed in the root prompt only when configured here.
    pub fn retrieval(mut self, settings: RetrievalSettings) -> Self {
        self.retrieval = settings;
        self
    }

    /// The programs' API: rlm's own (default), or pyrlm-runtime's
    /// signatures and return shapes (`rlm_functions::pyrlm`), for programs
    /// written against pyrlm (the Python bindings' `RLM`).
    pub fn functions_flavor(mut self, flavor: rlm_functions::Flavor) -> Self {
        self.flavor = flavor;
        self
    }

    /// Prices used for cost accounting (the budget's and the trace's).
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
        if self.retrieval.first_step_hits > 0 && self.retrieval.context_index.is_none() {
            return Err(RlmError::Config(
                "the retrieval-aware first step needs a context index (RetrievalSettings::context_index)"
                    .into(),
            ));
        }
        let functions = FunctionRegistry::configured_for(&self.tools, &self.retrieval, self.flavor)
            .map_err(RlmError::Config)?;
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
        models.extend(self.extra_models.iter().cloned());
        let models = Arc::new(ModelSet::new(models, sub));
        let scheduling = Scheduling {
            config: self.scheduler,
            cache: self.cache,
            shared_limiter: self.shared_limiter,
        };
        let prices = Arc::new(self.prices);
        let scheduler = scheduling.build(&models, &prices)?;
        let sub_window = models.default_model().context_window().or(self.options.sub_window_tokens);
        let system_prompt = Engine::render_system_prompt(
            &self.prompts,
            &functions,
            &self.tools,
            &self.options,
            sub_window,
        );
        Ok(Rlm {
            engine: Arc::new(Engine {
                root,
                models,
                scheduler,
                scheduling,
                extra_models: self.extra_models,
                budget_limits: self.budget,
                sandbox_limits: self.sandbox,
                functions: Arc::new(functions),
                sandbox_host: self.sandbox_host,
                tools: self.tools.into(),
                retrieval: self.retrieval,
                listeners: self.listeners,
                telemetry: self.telemetry,
                trace_parent: None,
                recorder_options: self.recorder_options,
                prompts: Arc::new(self.prompts),
                options: self.options,
                memory: self.memory,
                router_threshold_chars: self.router_threshold_chars,
                criteria: self.criteria,
                output_schema: self.output_schema,
                prices,
                system_prompt: system_prompt.into(),
            }),
        })
    }
}
