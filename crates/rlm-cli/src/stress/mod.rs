//! `rlm stress`: the stress harness. Each scenario runs RLM runs over a
//! generated needle task (rlm-tasks: the answer is known) against the scripted
//! model (a scripted root program, the rule-based sub-model) or a real provider,
//! with rlm-adapters' `FaultInjector` in front of both models. Per scenario it
//! reports run latency p50/p95/p99 (measured by the harness), outcomes, retries
//! and budget exhaustion (rlm-trace's `RunStats` over the runs' traces), the
//! faults injected, and writes a self-contained HTML report with charts.

mod report;
mod scenario;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use rlm_core::adapters::{
    FakeAdapter, FaultInjector, FaultRule, FaultStats, ModelAdapter, RetryPolicy, Sleeper,
};
use rlm_core::{EngineModels, EngineParts, Finish, Rlm, RunOverrides, RunResult};
use rlm_trace::{LatencySummary, RunStats};
use serde::Serialize;

pub use scenario::{DEFAULT_SCENARIOS, Scenario, default_scenario, parse_mix};

use crate::config::{ConfigFlags, SCRIPTED_MODEL, Settings};

/// Steps of one run when `budgets.max_steps` is not set.
const STRESS_MAX_STEPS: u64 = 8;
/// Sub-model calls of one run when `budgets.max_subcalls` is not set.
const STRESS_MAX_SUBCALLS: u64 = 200;
use crate::exit::{CliError, Exit};

/// The flags of `rlm stress`.
#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// Default scenarios to run (baseline, rate_limit_50, latency_2_5s,
    /// burst_10, chaos); none given: all of them (then any --mix).
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// An extra scenario: `name=NAME,runs=N,concurrency=N,rate_limit=P,error=P,truncated=P,latency=MIN-MAX`.
    #[arg(long = "mix", value_name = "SPEC")]
    pub mixes: Vec<String>,
    /// Runs per scenario (the burst always runs 10 at once).
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Multiplies every injected latency and retry backoff (0.001 runs the
    /// scenarios a thousand times faster; the report says so).
    #[arg(long, default_value_t = 1.0)]
    pub latency_scale: f64,
    /// Size of the generated context, in bytes.
    #[arg(long, default_value_t = 20_000)]
    pub context_bytes: usize,
    /// Seed of the tasks and the fault injectors.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the HTML report. The model is `--model` (default: the
    /// scripted one, offline; never taken from the environment or rlm.toml).
    #[arg(long, default_value = "stress-report.html")]
    pub report: PathBuf,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// The expected answer.
    Correct,
    /// An answer, not the expected one.
    Wrong,
    /// A budget ran out before an answer.
    BudgetExhausted,
    /// The root model failed after its retries.
    ModelError,
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 4] = [
        RunOutcome::Correct,
        RunOutcome::Wrong,
        RunOutcome::BudgetExhausted,
        RunOutcome::ModelError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Correct => "correct",
            RunOutcome::Wrong => "wrong",
            RunOutcome::BudgetExhausted => "budget_exhausted",
            RunOutcome::ModelError => "model_error",
        }
    }
}

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    pub runs: usize,
    pub concurrency: usize,
    /// Wall time of each run, as the harness measured it.
    pub latency: LatencySummary,
    pub outcomes: std::collections::BTreeMap<RunOutcome, u64>,
    /// Retries recorded in the traces, by reason.
    pub retries: u64,
    pub budget_exhausted_runs: u64,
    /// Faults the injectors fired (root and sub-model together), by name.
    pub faults: FaultStats,
    pub stats: RunStats,
}

/// A whole stress run.
#[derive(Debug, Clone, Serialize)]
pub struct StressReport {
    pub model: String,
    pub scripted: bool,
    pub latency_scale: f64,
    pub context_bytes: usize,
    pub seed: u64,
    pub scenarios: Vec<ScenarioReport>,
}

/// The models a run uses, before faults.
#[derive(Clone)]
enum Models {
    /// The scripted root program of the task and the rule-based sub-model.
    Scripted,
    Real {
        root: Arc<dyn ModelAdapter>,
        sub: Arc<dyn ModelAdapter>,
    },
}

pub fn stress(mut args: StressArgs) -> Result<Exit, CliError> {
    let scenarios = scenarios(&args)?;
    // Offline unless a model is named on the command line: a stress run
    // against a provider spends money, so it is never picked up from the
    // environment or rlm.toml alone.
    args.config.set_if_unset("model", Some(SCRIPTED_MODEL));
    let settings = Settings::from_process(&args.config)?;
    let stress = rlm_config::FrontEnd::Stress;
    crate::config::warn_unsupported(&settings, "rlm stress", &stress.keys());
    let mut cfg = settings.resolve()?;
    // The harness's budgets where none is set (by a flag, the environment,
    // a profile or rlm.toml): enough for the scripted program, a bound on a
    // real model's spend.
    let set = settings.explicitly_set();
    if !set.contains(&"budgets.max_steps") {
        cfg.budgets.max_steps = Some(STRESS_MAX_STEPS);
    }
    if !set.contains(&"budgets.max_subcalls") {
        cfg.budgets.max_subcalls = Some(STRESS_MAX_SUBCALLS);
    }
    let scripted = cfg.model == SCRIPTED_MODEL;
    let model = cfg.model.clone();
    let parts = EngineParts::new(cfg, settings.env.clone())?;
    let models = if scripted {
        Models::Scripted
    } else {
        let (root, sub) = parts.models(EngineModels::Configured)?;
        Models::Real { root, sub }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let mut reports = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        if !args.json {
            eprintln!(
                "rlm stress: {} ({} runs, {} at once)",
                scenario.name, scenario.runs, scenario.concurrency
            );
        }
        let seed = args.seed.wrapping_add(1000 * i as u64);
        reports.push(runtime.block_on(run_scenario(scenario, &parts, &models, &args, seed))?);
    }
    let report = StressReport {
        model,
        scripted,
        latency_scale: args.latency_scale,
        context_bytes: args.context_bytes,
        seed: args.seed,
        scenarios: reports,
    };
    std::fs::write(&args.report, report::render_html(&report))
        .map_err(|e| CliError::Write { what: args.report.display().to_string(), source: e })?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Internal(format!("the report does not serialise: {e}")))?
            + "\n"
    } else {
        report::render_table(&report) + &format!("report: {}\n", args.report.display())
    };
    crate::trace_cmd::write_stdout(&text)?;
    Ok(Exit::Ok)
}

/// The scenarios asked for: the named defaults (all when none is named), then the mixes.
fn scenarios(args: &StressArgs) -> Result<Vec<Scenario>, CliError> {
    if args.runs == 0 {
        return Err(CliError::Config("--runs must be at least 1".into()));
    }
    if !(args.latency_scale.is_finite() && args.latency_scale >= 0.0) {
        return Err(CliError::Config("--latency-scale must be a number >= 0".into()));
    }
    let mut out = Vec::new();
    let names: Vec<&str> = if args.scenarios.is_empty() {
        DEFAULT_SCENARIOS.to_vec()
    } else {
        args.scenarios.iter().map(String::as_str).collect()
    };
    for name in names {
        out.push(default_scenario(name, args.runs, args.latency_scale).ok_or_else(|| {
            CliError::Config(format!(
                "unknown scenario {name:?}: the scenarios are {}; --mix SPEC adds others",
                DEFAULT_SCENARIOS.join(", ")
            ))
        })?);
    }
    for mix in &args.mixes {
        out.push(parse_mix(mix, args.runs, args.latency_scale)?);
    }
    Ok(out)
}

/// Runs one scenario's runs, `concurrency` at a time.
async fn run_scenario(
    scenario: &Scenario,
    parts: &EngineParts,
    models: &Models,
    args: &StressArgs,
    seed: u64,
) -> Result<ScenarioReport, CliError> {
    let task = rlm_tasks::needle(args.context_bytes, seed);
    let context = rlm_context::Context::from_text(task.context.clone());
    let task = Arc::new(task);
    let mut runs = futures::stream::iter((0..scenario.runs).map(|i| {
        let task = Arc::clone(&task);
        let context = context.clone();
        let models = models.clone();
        let rules = scenario.rules.clone();
        let scale = args.latency_scale;
        let run_seed = seed.wrapping_mul(31).wrapping_add(i as u64);
        async move { one_run(&task, context, parts, &models, rules, scale, run_seed).await }
    }))
    .buffer_unordered(scenario.concurrency.max(1));
    let mut latencies = Vec::new();
    let mut outcomes = std::collections::BTreeMap::new();
    let mut traces = Vec::new();
    let mut faults = FaultStats::default();
    while let Some(done) = runs.next().await {
        let (result, elapsed, injected) = done?;
        latencies.push(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        *outcomes.entry(outcome(&task, &result)).or_insert(0) += 1;
        traces.push(result.events);
        for stats in injected {
            faults.attempts += stats.attempts;
            faults.passed_through += stats.passed_through;
            for (name, n) in stats.injected {
                *faults.injected.entry(name).or_default() += n;
            }
        }
    }
    let stats = RunStats::from_traces(&traces, rlm_trace::DEFAULT_STORM_RETRIES);
    Ok(ScenarioReport {
        name: scenario.name.clone(),
        runs: scenario.runs,
        concurrency: scenario.concurrency,
        latency: LatencySummary::from_values(latencies),
        outcomes,
        retries: stats.retries_by_reason.values().sum(),
        budget_exhausted_runs: stats.budget_exhausted_runs,
        faults,
        stats,
    })
}

/// One run with faults in front of both models; its result, wall time, and
/// what each injector did.
async fn one_run(
    task: &rlm_tasks::Task,
    context: rlm_context::Context,
    parts: &EngineParts,
    models: &Models,
    rules: Vec<FaultRule>,
    latency_scale: f64,
    seed: u64,
) -> Result<(RunResult, Duration, Vec<FaultStats>), CliError> {
    let (root, sub): (Arc<dyn ModelAdapter>, Arc<dyn ModelAdapter>) = match models {
        Models::Scripted => (
            Arc::new(FakeAdapter::replies(rlm_tasks::root_replies(task))),
            Arc::new(rlm_tasks::RuleModel::new()),
        ),
        Models::Real { root, sub } => (Arc::clone(root), Arc::clone(sub)),
    };
    let retry = || RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(200),
        sleeper: scaled_sleeper(latency_scale),
        ..RetryPolicy::default()
    };
    let root = Arc::new(FaultInjector::new(root, rules.clone(), seed, retry()));
    let sub = Arc::new(FaultInjector::new(sub, rules, seed ^ 0x5eed, retry()));
    let faulty = EngineModels::Given {
        root: Arc::clone(&root) as Arc<dyn ModelAdapter>,
        sub: Arc::clone(&sub) as Arc<dyn ModelAdapter>,
    };
    let rlm = Rlm::from_config(parts, RunOverrides::models(faulty), &[])?.build()?;
    let started = Instant::now();
    let result = rlm.run(&task.question, context).await?;
    Ok((result, started.elapsed(), vec![root.stats(), sub.stats()]))
}

/// Retry backoff slept at `scale` of its length.
fn scaled_sleeper(scale: f64) -> Sleeper {
    Sleeper::new(move |d: Duration| Box::pin(tokio::time::sleep(d.mul_f64(scale))))
}

fn outcome(task: &rlm_tasks::Task, result: &RunResult) -> RunOutcome {
    match (&result.answer, &result.finish) {
        (_, Finish::ModelError { .. }) => RunOutcome::ModelError,
        (Some(a), _) if task.is_correct(a) => RunOutcome::Correct,
        (Some(_), _) => RunOutcome::Wrong,
        (None, _) => RunOutcome::BudgetExhausted,
    }
}
