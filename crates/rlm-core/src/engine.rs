//! [`Engine`]: everything a configured [`crate::Rlm`] holds and every run
//! shares (models and their scheduler, budgets, sandbox limits, declared
//! functions and tools, prompts, options, trace settings), built once by the
//! builder and read-only afterwards. What does not depend on the models is
//! behind `Arc`s, so that [`crate::Rlm::with_models`] makes another engine
//! for other adapters without building it again.

use std::sync::Arc;

use rlm_adapters::{ModelAdapter, PriceTable};
use rlm_sched::{Scheduler, SchedulerConfig, SharedLimiter};
use rlm_trace::{RecorderOptions, TraceListener, TraceRecorder};
use rlm_types::CompletionCache;

use crate::models::ModelSet;
use crate::options::LoopOptions;
use rlm_functions::FunctionRegistry;
use rlm_functions::MemoryStore;
use rlm_functions::RetrievalSettings;
use rlm_functions::tools::{Tool, render_tool_list};
use rlm_prompts::text::group_digits;
use rlm_prompts::{Prompts, render_or_explain};

#[derive(Clone)]
pub(crate) struct Engine {
    /// The model that writes the programs.
    pub root: Arc<dyn ModelAdapter>,
    /// The models subcalls may use (the default one is the sub-model); the
    /// scheduler's executor.
    pub models: Arc<ModelSet>,
    pub scheduler: Scheduler<Arc<ModelSet>>,
    /// What the scheduler was built from besides the models, to build one
    /// for other models ([`crate::Rlm::with_models`]).
    pub scheduling: Scheduling,
    /// The models besides the root and sub-models (`RlmBuilder::model`).
    pub extra_models: Vec<Arc<dyn ModelAdapter>>,
    /// Each run's tree budget.
    pub budget_limits: rlm_policy::BudgetLimits,
    /// Each program's sandbox limits.
    pub sandbox_limits: rlm_interp::Limits,
    pub functions: Arc<FunctionRegistry>,
    /// Where programs' interpreter sessions run.
    pub sandbox_host: rlm_sandbox_host::SandboxHost,
    pub tools: Arc<[Tool]>,
    /// `search`, `es_*` and the retrieval-aware first step.
    pub retrieval: RetrievalSettings,
    pub listeners: Vec<Arc<dyn TraceListener>>,
    /// The OpenTelemetry export (rlm-telemetry): each recorder gets its own
    /// listener, each run its own trace.
    pub telemetry: Option<rlm_telemetry::Telemetry>,
    /// The remote span (a request's W3C `traceparent`) runs' traces hang under.
    pub trace_parent: Option<rlm_telemetry::TraceParent>,
    pub recorder_options: RecorderOptions,
    pub prompts: Arc<Prompts>,
    pub options: LoopOptions,
    /// Where `memory` persists between runs of [`crate::Rlm::run`].
    pub memory: Arc<dyn MemoryStore>,
    /// A task's success criteria, checked before the root run accepts a FINAL.
    pub criteria: Option<Arc<rlm_taskspec::SuccessCriteria>>,
    /// The JSON Schema the root run's answer must match (issue #57).
    pub output_schema: Option<rlm_taskspec::OutputSchema>,
    /// SmartRouter: contexts shorter than this get one direct call.
    pub router_threshold_chars: Option<u64>,
    pub prices: Arc<PriceTable>,
    /// The root model's system prompt, rendered once (a sub-RLM's adds a note).
    pub system_prompt: Arc<str>,
}

/// A scheduler's settings besides its models.
#[derive(Clone)]
pub(crate) struct Scheduling {
    pub config: SchedulerConfig,
    pub cache: Option<Arc<dyn CompletionCache>>,
    pub shared_limiter: Option<Arc<dyn SharedLimiter>>,
}

impl Scheduling {
    /// A scheduler over `models` with these settings, pricing calls with `prices`.
    pub fn build(
        &self,
        models: &Arc<ModelSet>,
        prices: &Arc<PriceTable>,
    ) -> Result<Scheduler<Arc<ModelSet>>, rlm_sched::SchedulerConfigError> {
        let costing = crate::models::PriceCosting {
            estimate: rlm_sched::HeuristicCosting::default(),
            prices: Arc::clone(prices),
        };
        let mut sched = Scheduler::builder(Arc::clone(models))
            .config(self.config.clone())
            .costing(Arc::new(costing));
        if let Some(c) = &self.cache {
            sched = sched.cache(Arc::clone(c));
        }
        if let Some(limiter) = &self.shared_limiter {
            sched = sched.shared_limiter(Arc::clone(limiter));
        }
        sched.build()
    }
}

impl Engine {
    /// A run's tree budget under `limits`, its wall time read on the root
    /// model's run clock when it keeps one (a recording's, whose exchanges
    /// carry their times; a replay's, moved to them), else on its own clock.
    pub fn run_budget(
        &self,
        limits: rlm_policy::BudgetLimits,
    ) -> Result<rlm_policy::Budget, rlm_policy::BudgetError> {
        rlm_policy::Budget::with_clock(limits, self.root.run_clock().unwrap_or_default())
    }

    /// The sub-model (`llm_query` without `model=`).
    pub fn sub(&self) -> &Arc<dyn ModelAdapter> {
        self.models.default_model()
    }

    /// The sub-model's window in tokens, if known.
    pub fn sub_window(&self) -> Option<u64> {
        self.sub().context_window().or(self.options.sub_window_tokens)
    }

    /// The root model's window in tokens, if known.
    pub fn root_window(&self) -> Option<u64> {
        self.options.root_window_tokens.or(self.root.context_window())
    }

    /// The system prompt for these prompts, functions, tools, options and
    /// sub-model window.
    pub fn render_system_prompt(
        prompts: &Prompts,
        functions: &FunctionRegistry,
        tools: &[Tool],
        options: &LoopOptions,
        sub_window: Option<u64>,
    ) -> String {
        let sub_window_chars = match sub_window {
            Some(t) => group_digits(t.saturating_mul(4).saturating_sub(2000)),
            None => "about 100,000".to_string(),
        };
        let max_output = group_digits(options.max_output_chars as u64);
        let lines = match prompts.profile {
            rlm_prompts::PromptProfile::Full => functions.prompt_lines(),
            rlm_prompts::PromptProfile::Compact => functions.compact_prompt_lines(),
        };
        let functions = render_or_explain(&lines, &[("sub_window_chars", &sub_window_chars)]);
        let tools = render_tool_list(tools);
        render_or_explain(
            &prompts.system,
            &[
                ("max_output_chars", &max_output),
                ("functions", &functions),
                ("tools", &tools),
                // Used by the function list; kept for system prompts written before it.
                ("sub_window_chars", &sub_window_chars),
            ],
        )
    }

    /// A recorder with the engine's options and listeners.
    pub fn new_recorder(&self) -> TraceRecorder {
        self.new_recorder_under(None)
    }

    /// [`Engine::new_recorder`] whose root runs are exported under
    /// `parent` (else under the engine's `trace_parent`, else a fresh trace).
    pub fn new_recorder_under(&self, parent: Option<rlm_telemetry::TraceParent>) -> TraceRecorder {
        let recorder = TraceRecorder::with_options(self.recorder_options.clone());
        for l in &self.listeners {
            recorder.add_listener(Arc::clone(l));
        }
        if let Some(telemetry) = &self.telemetry {
            // The trace is chosen here, so that our own trace names it.
            let trace =
                parent.or(self.trace_parent).unwrap_or_else(rlm_telemetry::TraceParent::fresh);
            recorder.set_otel_trace_id(trace.trace_id_hex());
            recorder.add_listener(telemetry.listener(Some(trace)));
        }
        recorder
    }
}
