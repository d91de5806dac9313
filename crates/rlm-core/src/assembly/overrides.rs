//! What a front end sets over the configuration for its engine's runs
//! ([`RunOverrides`]: a server session's budgets and models, Python's
//! keyword arguments, `rlm exec`'s stub replies) and [`merge`], the one
//! function where they meet the configuration. [`Rlm::from_config`] is its
//! only caller: no front end layers a setting over the built engine
//! afterwards (ARCHITECTURE.md's invariant; `tests/suite.rs` holds it).
//!
//! [`Rlm::from_config`]: crate::Rlm::from_config

use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::{ModelAdapter, RecordingWriter, ReplayBook};
use rlm_config::RlmConfig;
use rlm_policy::BudgetLimits;
use rlm_prompts::Prompts;
use rlm_sched::SchedulerConfig;

use crate::error::RlmError;
use crate::options::{CompactionOptions, Helps, LoopOptions};

/// A front end's settings over the configuration's, for the runs of the
/// engine [`crate::Rlm::from_config`] builds: each `None` (or default) field
/// is the configuration's. The front end builds this value and nothing
/// else: the merge is [`merge`]'s.
#[derive(Default)]
pub struct RunOverrides {
    /// Which models run (default: the configuration's `model` and `sub_model`).
    pub models: EngineModels,
    /// A recording the models write to, in place of the configuration's
    /// `record` (the server's per-execution recording).
    pub record: Option<RecordingWriter>,
    /// A recording the models answer from, in place of the configuration's
    /// `replay` (the server's per-execution replay); it wins over `record`.
    pub replay: Option<Arc<ReplayBook>>,
    /// The run's own budget values (a server session's, Python's keyword
    /// arguments): each set one wins over every layer below.
    pub budget: BudgetOverrides,
    /// The front end's budget in place of the configuration's `[budgets]`
    /// (the server's `ServerLimits.execution`: its operator's defaults and
    /// ceilings, made by [`RunOverrides::budget`] from the configuration).
    pub budget_base: Option<BudgetLimits>,
    /// The front end's defaults under the configuration's `[budgets]` (the
    /// server's step limit when none is configured).
    pub budget_defaults: BudgetOverrides,
    /// The longest the run's tree may take, whatever the budget says (the
    /// server's execution deadline).
    pub max_wall_time_cap: Option<Duration>,
    /// The deepest sub-RLM level the loop opens (pyrlm's `recursion_depth`):
    /// the budget's depth, or the configured one, still caps it.
    pub recursion_depth: Option<u32>,
    /// The sandbox's limits for each program, in place of `[limits]`.
    pub interpreter_limits: Option<rlm_interp::Limits>,
    /// The loop's options over the configuration's (pyrlm's keyword arguments).
    pub loop_options: LoopOverrides,
    /// Calls in flight at once, in place of `concurrency`.
    pub max_concurrency: Option<usize>,
    /// The root model's system prompt, in place of the profile's.
    pub system_prompt: Option<String>,
    /// The sub-model's system prompt, in place of the profile's.
    pub subcall_system_prompt: Option<String>,
}

/// Which models an engine runs.
#[derive(Default)]
pub enum EngineModels {
    /// The configuration's `model` and `sub_model`.
    #[default]
    Configured,
    /// Models named per run (a server session picks among the allowed
    /// ones, `rlm optimize` its reflection model); `sub: None` is the root
    /// model.
    Named { root: String, sub: Option<String> },
    /// Adapters the front end made itself (Python's adapter objects,
    /// `rlm exec`'s stub replies, `rlm stress`'s fault injectors).
    Given { root: Arc<dyn ModelAdapter>, sub: Arc<dyn ModelAdapter> },
}

/// A budget's values set over a layer below (`None`: the layer's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetOverrides {
    pub max_steps: Option<u64>,
    pub max_subcalls: Option<u64>,
    pub max_depth: Option<u32>,
    pub max_total_tokens: Option<u64>,
    pub max_subcall_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub max_wall_time: Option<Duration>,
    pub max_consecutive_errors: Option<u32>,
}

impl BudgetOverrides {
    /// `below` with each value set here in place of its own.
    fn over(&self, below: BudgetLimits) -> BudgetLimits {
        BudgetLimits {
            max_steps: self.max_steps.or(below.max_steps),
            max_subcalls: self.max_subcalls.or(below.max_subcalls),
            max_depth: self.max_depth.or(below.max_depth),
            max_total_tokens: self.max_total_tokens.or(below.max_total_tokens),
            max_subcall_tokens: self.max_subcall_tokens.or(below.max_subcall_tokens),
            max_cost_usd: self.max_cost_usd.or(below.max_cost_usd),
            max_wall_time: self.max_wall_time.or(below.max_wall_time),
            max_consecutive_errors: self.max_consecutive_errors.or(below.max_consecutive_errors),
            ..below
        }
    }

    /// `above` with each value set here where it sets none.
    fn under(&self, above: BudgetLimits) -> BudgetLimits {
        let own = BudgetOverrides::of(&above);
        own.over(self.over(above))
    }

    fn of(limits: &BudgetLimits) -> BudgetOverrides {
        BudgetOverrides {
            max_steps: limits.max_steps,
            max_subcalls: limits.max_subcalls,
            max_depth: limits.max_depth,
            max_total_tokens: limits.max_total_tokens,
            max_subcall_tokens: limits.max_subcall_tokens,
            max_cost_usd: limits.max_cost_usd,
            max_wall_time: limits.max_wall_time,
            max_consecutive_errors: limits.max_consecutive_errors,
        }
    }
}

/// The loop's options set over the configuration's (pyrlm's keyword
/// arguments; `None`: the configuration's value stands).
#[derive(Debug, Clone, Default)]
pub struct LoopOverrides {
    /// `max_tokens` of root-model calls.
    pub root_max_tokens: Option<u32>,
    /// `max_tokens` of sub-model calls.
    pub sub_max_tokens: Option<u32>,
    /// History compaction (`Some(None)`: never compact).
    pub compaction: Option<Option<CompactionOptions>>,
    pub require_program_before_final: Option<bool>,
    pub require_subcall_before_final: Option<bool>,
    pub max_invalid_replies: Option<u32>,
    /// The fallback program's source, in place of `guards.fallback_program`'s.
    pub fallback_program: Option<String>,
    pub auto_final_var: Option<String>,
    pub fallback_guard_steps: Option<u32>,
    pub subcall_guard_steps: Option<u32>,
}

/// Everything [`merge`] decides, for [`crate::Rlm::from_config`]'s builder.
pub(super) struct Merged {
    pub budget: BudgetLimits,
    pub options: LoopOptions,
    pub interpreter_limits: rlm_interp::Limits,
    pub scheduler: SchedulerConfig,
    pub prompts: Prompts,
}

impl RunOverrides {
    /// Runs of `models`, the configuration's settings otherwise.
    pub fn models(models: EngineModels) -> RunOverrides {
        RunOverrides { models, ..RunOverrides::default() }
    }

    /// The budget of each run: `budget` over the front end's base or the
    /// configuration's `[budgets]` (the front end's defaults under them);
    /// its wall time at most the cap; its depth at most `recursion_depth`,
    /// else the base's or configured one (a run's own depth only lowers
    /// it). `rlm serve` calls it for its per-execution defaults and
    /// ceilings; [`merge`] for every engine.
    pub fn budget(&self, config: &RlmConfig) -> BudgetLimits {
        let configured = match &self.budget_base {
            Some(base) => base.clone(),
            None => self.budget_defaults.under(config.budgets.to_limits()),
        };
        let configured_depth = configured.max_depth;
        let mut budget = self.budget.over(configured);
        if let Some(cap) = self.max_wall_time_cap {
            budget.max_wall_time = Some(budget.max_wall_time.map_or(cap, |t| t.min(cap)));
        }
        if let Some(depth) = self.recursion_depth.or(configured_depth) {
            budget.max_depth = Some(budget.max_depth.map_or(depth, |d| d.min(depth)));
        }
        budget
    }
}

/// The one merge of a run's settings: the configuration's, with `overrides`
/// over them (`helps` and `prompts` are those of the root model's profile).
/// [`crate::Rlm::from_config`] is its only caller.
pub(super) fn merge(
    config: &RlmConfig,
    overrides: &RunOverrides,
    helps: Helps,
    mut prompts: Prompts,
) -> Result<Merged, RlmError> {
    let o = &overrides.loop_options;
    let fallback = match &o.fallback_program {
        Some(source) => Some(source.clone()),
        None => config.fallback_program_source().map_err(|e| RlmError::Config(e.to_string()))?,
    };
    let budget = overrides.budget(config);
    let defaults = LoopOptions::from_config(config, fallback, helps);
    let options = LoopOptions {
        root_max_tokens: o.root_max_tokens.or(defaults.root_max_tokens),
        sub_max_tokens: o.sub_max_tokens.or(defaults.sub_max_tokens),
        compaction: o.compaction.clone().unwrap_or(defaults.compaction.clone()),
        require_program_before_final: o
            .require_program_before_final
            .unwrap_or(defaults.require_program_before_final),
        require_subcall_before_final: o
            .require_subcall_before_final
            .unwrap_or(defaults.require_subcall_before_final),
        max_invalid_replies: o.max_invalid_replies.unwrap_or(defaults.max_invalid_replies),
        auto_final_var: o.auto_final_var.clone().or(defaults.auto_final_var.clone()),
        fallback_guard_steps: o.fallback_guard_steps.or(defaults.fallback_guard_steps),
        subcall_guard_steps: o.subcall_guard_steps.or(defaults.subcall_guard_steps),
        ..defaults
    };
    let mut scheduler = config.scheduler_config().map_err(|e| RlmError::Config(e.to_string()))?;
    if let Some(n) = overrides.max_concurrency {
        scheduler.max_concurrency = n;
    }
    if let Some(system) = &overrides.system_prompt {
        prompts.system = system.clone();
    }
    if let Some(system) = &overrides.subcall_system_prompt {
        prompts.subcall_system = system.clone();
    }
    let interpreter_limits =
        overrides.interpreter_limits.clone().unwrap_or_else(|| config.limits.clone());
    Ok(Merged { budget, options, interpreter_limits, scheduler, prompts })
}
