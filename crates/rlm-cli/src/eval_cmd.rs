//! `rlm eval DIR` (issue #57): runs the cases of a folder (the same folders
//! as `rlm test`) live, `--runs N` times each, under each configuration
//! (`--profile A --profile B`: prompt profiles, or `[profiles.NAME]` tables of
//! the config file; `--model X --model Y`; both: every pair), scores each
//! answer with its task's criteria (and a judge model with `--judge`), and
//! writes side by side: a table on stdout, `results.jsonl` and `report.html`
//! (self-contained; each run's trace beside it under `traces/`, linked) in
//! `--out`. A progress bar on a terminal.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rlm_core::adapters::CompletionRequest;
use serde::Serialize;

use crate::cases::{Case, CaseRun, cases_in, run_case};
use crate::config::{ConfigFlags, Settings};
use crate::engine::engine_parts;
use crate::exit::{CliError, Exit};

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The folder of cases: task files (NAME.toml or NAME.json).
    pub dir: PathBuf,
    /// Runs of each case under each configuration.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// A configuration to compare (repeat it): a prompt profile (auto, full,
    /// compact) or a `[profiles.NAME]` table of the config file.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// A root model to compare (repeat it), e.g. `openai:gpt-5-mini`.
    #[arg(long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// A judge model: also asks it whether each answer meets the task
    /// (the task's judge requirement, else whether it answers the question).
    #[arg(long, value_name = "MODEL")]
    pub judge: Option<String>,
    /// Where the report goes: results.jsonl, report.html and traces/.
    #[arg(long, value_name = "DIR", default_value = "rlm-eval")]
    pub out: PathBuf,
    /// A scripted model file (.toml/.json) for `--model scripted` (default: the bundled demo).
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Config file to read instead of the searched ones.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// A progress bar on stderr: auto (when stderr is a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub progress: String,
}

/// One configuration under comparison.
#[derive(Debug, Clone)]
struct Variant {
    label: String,
    flags: ConfigFlags,
}

/// One run of one case under one configuration: a line of results.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct EvalRow {
    pub case: String,
    pub variant: String,
    pub run: u32,
    pub model: Option<String>,
    pub answer: Option<String>,
    pub finish: String,
    /// Every criterion (the judge's verdict included) passed.
    pub passed: bool,
    pub criteria_passed: usize,
    pub criteria_total: usize,
    /// The share of criteria passed (no criteria: 1 with an answer, else 0).
    pub score: f64,
    pub judge: Option<String>,
    pub cost_usd: f64,
    pub tokens: u64,
    pub latency_ms: u64,
    pub steps: u32,
    pub subcalls: u64,
    /// The run's trace, relative to the report (HTML, and its events as JSON lines).
    pub trace: Option<String>,
    pub trace_events: Option<String>,
    pub error: Option<String>,
}

impl EvalRow {
    /// The row of a run that has not ended (an error until it does).
    pub fn empty(case: &str, variant: &str, run: u32) -> EvalRow {
        EvalRow {
            case: case.to_string(),
            variant: variant.to_string(),
            run,
            model: None,
            answer: None,
            finish: "error".into(),
            passed: false,
            criteria_passed: 0,
            criteria_total: 0,
            score: 0.0,
            judge: None,
            cost_usd: 0.0,
            tokens: 0,
            latency_ms: 0,
            steps: 0,
            subcalls: 0,
            trace: None,
            trace_events: None,
            error: None,
        }
    }
}

pub fn eval(args: EvalArgs) -> Result<Exit, CliError> {
    let cases = cases_in(&args.dir)?;
    let variants = variants(&args);
    let traces = args.out.join("traces");
    std::fs::create_dir_all(&traces)
        .map_err(|e| CliError::Write { what: traces.display().to_string(), source: e })?;
    let total = cases.len() as u64 * variants.len() as u64 * u64::from(args.runs);
    let bar = progress_bar(&args.progress, total);
    let judge = match &args.judge {
        Some(model) => Some(Judge::new(model, &args)?),
        None => None,
    };
    let mut rows = Vec::new();
    for case in &cases {
        for variant in &variants {
            for run in 1..=args.runs {
                bar.set_message(format!("{} · {} · run {run}", case.name, variant.label));
                rows.push(one_run(case, variant, run, &args, &traces, judge.as_ref())?);
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    let jsonl = args.out.join("results.jsonl");
    let lines: String =
        rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default() + "\n").collect();
    std::fs::write(&jsonl, lines)
        .map_err(|e| CliError::Write { what: jsonl.display().to_string(), source: e })?;
    let labels: Vec<String> = variants.iter().map(|v| v.label.clone()).collect();
    let names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    let html = args.out.join("report.html");
    std::fs::write(&html, crate::eval_report::html(&names, &labels, &rows))
        .map_err(|e| CliError::Write { what: html.display().to_string(), source: e })?;
    let table = crate::eval_report::table(&names, &labels, &rows);
    let mut out = std::io::stdout().lock();
    write!(out, "{table}")
        .and_then(|()| writeln!(out, "results: {}\nreport:  {}", jsonl.display(), html.display()))
        .map_err(|e| CliError::Write { what: "stdout".into(), source: e })?;
    Ok(Exit::Ok)
}

/// Every configuration: each profile with each model (none given: the
/// configured one).
fn variants(args: &EvalArgs) -> Vec<Variant> {
    let profiles: Vec<Option<&String>> = if args.profiles.is_empty() {
        vec![None]
    } else {
        args.profiles.iter().map(Some).collect()
    };
    let models: Vec<Option<&String>> =
        if args.models.is_empty() { vec![None] } else { args.models.iter().map(Some).collect() };
    let mut out = Vec::new();
    for p in &profiles {
        for m in &models {
            let mut flags = ConfigFlags::default();
            flags.config.clone_from(&args.config);
            let mut label = Vec::new();
            if let Some(p) = p {
                if rlm_config::knobs::PROMPT_PROFILES.contains(&p.as_str()) {
                    flags.set("prompt_profile", p.as_str());
                } else {
                    flags.profile = Some(p.to_string());
                }
                label.push(format!("profile {p}"));
            }
            if let Some(m) = m {
                flags.set("model", m.as_str());
                label.push(format!("model {m}"));
            }
            let label = if label.is_empty() { "configured".into() } else { label.join(", ") };
            out.push(Variant { label, flags });
        }
    }
    out
}

fn progress_bar(mode: &str, total: u64) -> indicatif::ProgressBar {
    let show = match mode {
        "always" => true,
        "never" => false,
        _ => std::io::stderr().is_terminal(),
    };
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A file name from a case, a variant and a run.
fn trace_stem(case: &str, variant: &str, run: u32) -> String {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
    };
    format!("{}--{}--{run}", clean(case), clean(variant))
}

fn one_run(
    case: &Case,
    variant: &Variant,
    run: u32,
    args: &EvalArgs,
    traces: &Path,
    judge: Option<&Judge>,
) -> Result<EvalRow, CliError> {
    let mut row = EvalRow::empty(&case.name, &variant.label, run);
    let done = match run_case(case, &variant.flags, args.script.as_deref(), &[]) {
        Ok(done) => done,
        Err(e) => {
            row.error = Some(e.to_string());
            return Ok(row);
        }
    };
    fill_row(&mut row, &done);
    if let Some(judge) = judge
        && let Some(answer) = &done.result.answer
    {
        let verdict = judge.verdict(&done, answer);
        row.criteria_total += 1;
        if verdict.is_none() {
            row.criteria_passed += 1;
        }
        row.judge = Some(verdict.unwrap_or_else(|| "PASS".into()));
        row.passed = row.criteria_passed == row.criteria_total;
        row.score = row.criteria_passed as f64 / row.criteria_total as f64;
    }
    let stem = trace_stem(&case.name, &variant.label, run);
    write_traces(&done, traces, &stem)?;
    row.trace = Some(format!("traces/{stem}.html"));
    row.trace_events = Some(format!("traces/{stem}.jsonl"));
    Ok(row)
}

/// The row's figures from a finished run and its criteria.
pub(crate) fn fill_row(row: &mut EvalRow, done: &CaseRun) {
    let r = &done.result;
    row.model = Some(rlm_core::shown_model_id(&done.model));
    row.answer = r.answer.clone();
    row.finish = r.finish.as_str().to_string();
    row.error = match &r.finish {
        rlm_core::Finish::ModelError { message } => Some(message.clone()),
        _ => None,
    };
    let (passed, total) =
        r.criteria.as_ref().map(|c| (c.passed_count(), c.results.len())).unwrap_or((0, 0));
    let answered = r.answer.is_some();
    row.criteria_passed = if answered { passed } else { 0 };
    row.criteria_total = total;
    row.score = match total {
        0 => f64::from(u8::from(answered)),
        t => row.criteria_passed as f64 / t as f64,
    };
    row.passed = answered && row.criteria_passed == total;
    row.cost_usd = r.usage.cost_usd;
    row.tokens = r.usage.usage.total();
    row.latency_ms = done.elapsed.as_millis() as u64;
    row.steps = r.steps;
    row.subcalls = r.usage.subcalls;
}

pub(crate) fn write_traces(done: &CaseRun, traces: &Path, stem: &str) -> Result<(), CliError> {
    let events: String =
        done.result.events.iter().map(|e| rlm_trace::to_json_line(e) + "\n").collect();
    let html = match done.result.trace() {
        Ok(t) => t.render_html(),
        Err(e) => format!("<!DOCTYPE html><p>the run's trace is inconsistent: {e}</p>"),
    };
    for (ext, text) in [("jsonl", events), ("html", html)] {
        let path = traces.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text)
            .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })?;
    }
    Ok(())
}

/// The judge model of `--judge`.
struct Judge {
    adapter: std::sync::Arc<dyn rlm_core::adapters::ModelAdapter>,
    runtime: tokio::runtime::Runtime,
}

impl Judge {
    fn new(model: &str, args: &EvalArgs) -> Result<Judge, CliError> {
        let mut flags = ConfigFlags::default();
        flags.config.clone_from(&args.config);
        flags.set("model", model);
        let settings = Settings::from_process(&flags)?;
        let parts =
            engine_parts(settings.resolve()?, settings.env.clone(), args.script.as_deref())?;
        let adapter = parts.adapter(model)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
        Ok(Judge { adapter, runtime })
    }

    /// `None` when the judge passes the answer, else why not.
    fn verdict(&self, done: &CaseRun, answer: &str) -> Option<String> {
        let requirement = done
            .judge_requirement
            .clone()
            .unwrap_or_else(|| "The answer answers the question correctly.".into());
        let prompt = rlm_core::judge::judge_prompt(&done.question, answer, &requirement);
        let request = CompletionRequest::user(prompt);
        let call = self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(600), self.adapter.complete(&request)).await
        });
        match call {
            Ok(Ok(c)) => match rlm_core::judge::parse_verdict(&c.text) {
                rlm_core::judge::Verdict::Pass => None,
                rlm_core::judge::Verdict::Fail(why) => Some(format!("FAIL: {why}")),
            },
            Ok(Err(e)) => Some(format!("FAIL: the judge failed: {e}")),
            Err(_) => Some("FAIL: the judge did not answer in 600 s".into()),
        }
    }
}
