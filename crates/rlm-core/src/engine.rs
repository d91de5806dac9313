//! [`Engine`]: everything a configured [`crate::Rlm`] holds and every run
//! shares (models and their scheduler, budgets, sandbox limits, declared
//! functions and tools, prompts, options, trace settings), built once by the
//! builder and read-only afterwards.

use std::sync::Arc;

use rlm_adapters::{ModelAdapter, PriceTable};
use rlm_sched::Scheduler;
use rlm_trace::{RecorderOptions, TraceListener, TraceRecorder};

use crate::functions::FunctionRegistry;
use crate::memory::MemoryStore;
use crate::models::ModelSet;
use crate::options::LoopOptions;
use crate::prompts::Prompts;
use crate::tools::Tool;

pub(crate) struct Engine {
    /// The model that writes the programs.
    pub root: Arc<dyn ModelAdapter>,
    /// The models subcalls may use (the default one is the sub-model); the
    /// scheduler's executor.
    pub models: Arc<ModelSet>,
    pub scheduler: Scheduler<Arc<ModelSet>>,
    /// Each run's tree budget.
    pub budget_limits: rlm_policy::BudgetLimits,
    /// Each program's sandbox limits.
    pub sandbox_limits: rlm_interp::Limits,
    pub functions: FunctionRegistry,
    pub tools: Vec<Tool>,
    pub listeners: Vec<Arc<dyn TraceListener>>,
    pub recorder_options: RecorderOptions,
    pub prompts: Prompts,
    pub options: LoopOptions,
    /// Where `memory` persists between runs of [`crate::Rlm::run`].
    pub memory: Arc<dyn MemoryStore>,
    /// SmartRouter: contexts shorter than this get one direct call.
    pub router_threshold_chars: Option<u64>,
    pub prices: PriceTable,
}

impl Engine {
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

    /// A recorder with the engine's options and listeners.
    pub fn new_recorder(&self) -> TraceRecorder {
        let recorder = TraceRecorder::with_options(self.recorder_options.clone());
        for l in &self.listeners {
            recorder.add_listener(Arc::clone(l));
        }
        recorder
    }
}
