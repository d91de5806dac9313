//! `rlm run "question" --context PATH...`: an RLM run over files, folders,
//! globs or stdin. The answer goes to stdout; on a terminal, stderr shows a
//! live tree of the run (steps, programs, subcalls in flight, tokens, cost,
//! elapsed); piped, stderr stays quiet. `--json` prints one JSON document.
//!
//! `--model scripted` runs offline: without `RLM_FAKE_SCRIPT`/`--script`, the
//! root model is the bundled demo script (`crates/rlm-cli/scripted/demo.toml`), and
//! everything printed says that the model is a script, not an LLM.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rlm_core::{Rlm, RunOverrides, RunResult, shown_model_id};
use rlm_trace::{EventKind, TraceEvent, TraceListener};

use crate::config::{ConfigFlags, LogFormat, SCRIPTED_MODEL, Settings};
use crate::engine::engine_parts;
use crate::exit::{CliError, Exit, exit_for_run, run_failure};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The question to answer (or `--task FILE`).
    #[arg(required_unless_present = "task")]
    pub question: Option<String>,
    /// A task file (TOML or JSON): question, context, models, budgets,
    /// expected output and success criteria checked before FINAL is accepted.
    #[arg(long, value_name = "FILE", conflicts_with = "question")]
    pub task: Option<PathBuf>,
    /// Files, folders or glob patterns to load as the context (`-`: stdin).
    /// Several: one document each. None and stdin piped: stdin.
    #[arg(long = "context", short = 'c', value_name = "PATH")]
    pub context: Vec<String>,
    /// Decode context files that are not UTF-8 anyway, invalid bytes becoming U+FFFD.
    #[arg(long)]
    pub lossy: bool,
    /// A scripted model file (.toml/.json) for `--model scripted` (default: the bundled demo).
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Print one JSON document (answer, usage, cost, trace path) instead of the answer.
    #[arg(long)]
    pub json: bool,
    /// Live progress on stderr: auto (when stderr is a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub progress: String,
    /// Every knob of the configuration (models, budgets, limits, rates,
    /// guards, router, prompts, retrieval, logs): see `rlm config`.
    #[command(flatten)]
    pub config: ConfigFlags,
}

pub fn run(mut args: RunArgs) -> Result<Exit, CliError> {
    let (question, criteria) = match (&args.task, args.question.take()) {
        (Some(path), _) => {
            let path = path.clone();
            let task = crate::task_args::apply_task(&path, &mut args.context, &mut args.config)?;
            (task.question, task.criteria)
        }
        (None, Some(q)) => (q, None),
        (None, None) => {
            return Err(CliError::Config("no question: pass one, or --task FILE".into()));
        }
    };
    let settings = Settings::from_process(&args.config)?;
    crate::config::warn_unsupported(&settings, "rlm run", &rlm_config::FrontEnd::Run.keys());
    let cfg = settings.resolve()?;
    let context = crate::context_args::load_contexts(&args.context, args.lossy)?;
    let json_logs = cfg.log_format == LogFormat::Json;
    let trace_path = cfg.trace.clone();
    let scripted = cfg.model == SCRIPTED_MODEL;
    let parts = engine_parts(cfg, settings.env.clone(), args.script.as_deref())?;
    // JSON logs own stderr: no human progress lines mixed into them.
    let show_progress = match args.progress.as_str() {
        _ if json_logs => false,
        "always" => true,
        "never" => false,
        _ => std::io::stderr().is_terminal(),
    };
    let progress = show_progress.then(|| Arc::new(Progress::new(scripted)));
    let mut builder = Rlm::from_config(&parts, RunOverrides::default(), &args.context)?;
    if let Some(c) = criteria {
        builder = builder.criteria(c);
    }
    if let Some(p) = &progress {
        builder = builder.listener(Arc::clone(p) as Arc<dyn TraceListener>);
    }
    if json_logs {
        crate::json_log::install();
        builder = builder.listener(Arc::new(crate::json_log::JsonLog::default()));
    }
    let rlm = builder.build()?;
    if let Some(p) = &progress {
        p.header(&question, &context, &rlm);
    }
    let started = Instant::now();
    // A multi-thread runtime: the loop runs on one thread while the HTTP work of
    // a batch of subcalls spreads over the workers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let result = runtime.block_on(run_until_interrupted(&rlm, &question, context))?;
    // A short-lived process: send the run's spans before it exits.
    if let Some(telemetry) = parts.telemetry() {
        telemetry.shutdown();
    }
    if let Some(p) = &progress {
        p.finish(&result, started.elapsed());
    }
    if let Some(path) = &trace_path {
        write_trace(path, &result)?;
    }
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        // `answer` is what the run answered, or null; a candidate it did not
        // answer with (it failed the output schema, or the model failed after
        // it) has its own field, so a script reading `.answer` never takes it.
        let answered = crate::exit::answered(&result);
        let doc = serde_json::json!({
            "answer": if answered { result.answer.as_deref() } else { None },
            "candidate": if answered { None } else { result.answer.as_deref() },
            "finish": result.finish.as_str(),
            "finish_reason": finish_reason(&result),
            "mode": match result.mode { rlm_core::Mode::Rlm => "rlm", rlm_core::Mode::Direct => "direct" },
            "steps": result.steps,
            "model": shown_model_id(&rlm.root_model()),
            "sub_model": shown_model_id(&rlm.sub_model()),
            "scripted": scripted,
            "usage": {
                "prompt_tokens": result.usage.usage.prompt_tokens,
                "completion_tokens": result.usage.usage.completion_tokens,
                "total_tokens": result.usage.usage.total(),
                "subcalls": result.usage.subcalls,
                "root_calls": result.usage.root_calls,
            },
            "cost_usd": result.usage.cost_usd,
            "elapsed_ms": started.elapsed().as_millis() as u64,
            "trace": trace_path.as_ref().map(|p| p.display().to_string()),
            "context_breakdown": context_breakdown(&result),
            "criteria": result.criteria.as_ref().map(|c| serde_json::json!({
                "passed": c.passed(),
                "results": c.results,
            })),
        });
        writeln!(out, "{doc}")
    } else if let Some(a) = &result.answer
        && crate::exit::answered(&result)
    {
        // A candidate that fails the output schema is no answer: stderr names it.
        writeln!(out, "{a}")
    } else {
        Ok(())
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::Write { what: "the answer to stdout".into(), source: e });
    }
    drop(out);
    if let Some(report) = result.criteria.as_ref().filter(|_| !args.json) {
        eprintln!("criteria: {} of {} passed", report.passed_count(), report.results.len());
        for r in report.results.iter().filter(|r| !r.passed) {
            eprintln!("  failed: {}: {}", r.criterion, r.detail);
        }
    }
    // A replay miss's diff reads as lines, not folded into the error's
    // paragraph, and is printed once: the error below only points at it.
    if let Some(miss) = crate::cases::replay_miss(&result) {
        eprintln!("{miss}");
        if !args.json {
            return Err(CliError::Provider(format!(
                "the replay missed after {} step(s): a request is not in the recording (the \
                 nearest recorded one and the difference are above)",
                result.steps
            )));
        }
    }
    match run_failure(&result) {
        Some(e) if !args.json => Err(e),
        _ => Ok(exit_for_run(&result)),
    }
}

/// The run's inline-against-symbolic context figures, the direct call priced
/// at the root model's price when it is known.
fn context_breakdown(result: &RunResult) -> Option<rlm_trace::ContextBreakdown> {
    let mut breakdown = rlm_trace::ContextBreakdown::from_events(&result.events)?;
    let prices = rlm_core::adapters::PriceTable::default();
    breakdown.price_direct(|model, usage| {
        let id: rlm_core::ModelId = model.parse().ok()?;
        prices.cost(&id, usage)
    });
    Some(breakdown)
}

fn finish_reason(result: &RunResult) -> Option<String> {
    result.finish.reason().map(str::to_string)
}

/// Writes the trace: JSON lines for `.jsonl`, else the JSON tree.
fn write_trace(path: &Path, result: &RunResult) -> Result<(), CliError> {
    let text = if path.extension().is_some_and(|e| e == "jsonl") {
        let mut s = String::new();
        for e in &result.events {
            s.push_str(&rlm_trace::to_json_line(e));
            s.push('\n');
        }
        s
    } else {
        result
            .trace()
            .map(|t| t.to_json())
            .map_err(|e| CliError::Internal(format!("the run's trace is inconsistent: {e}")))?
    };
    std::fs::write(path, text)
        .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })
}

/// The live view on stderr: a status line (indicatif) and, above it, one
/// line per finished step, program and batch of subcalls (a compact tree).
struct Progress {
    bar: indicatif::ProgressBar,
    /// stderr is a terminal: draw the status line; else print plain lines.
    tty: bool,
    state: Mutex<ProgressState>,
    scripted: bool,
}

#[derive(Default)]
struct ProgressState {
    step: u32,
    depth: std::collections::HashMap<u64, u32>,
    subcalls_started: u64,
    subcalls_done: u64,
    tokens: u64,
    cost: f64,
}

impl Progress {
    fn new(scripted: bool) -> Progress {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let tty = std::io::stderr().is_terminal();
        if tty {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Progress { bar, tty, state: Mutex::new(ProgressState::default()), scripted }
    }

    fn header(&self, question: &str, context: &rlm_context::Context, rlm: &Rlm) {
        let model = if self.scripted {
            format!(
                "{} (offline scripted demo: a script, not an LLM)",
                shown_model_id(&rlm.root_model())
            )
        } else {
            rlm.root_model()
        };
        self.line(0, format!("question: {question}"));
        self.line(
            0,
            format!(
                "context:  {} chars in {} document(s)",
                context.len_chars(),
                context.num_documents()
            ),
        );
        self.line(0, format!("model:    {model}; subcalls: {}", shown_model_id(&rlm.sub_model())));
    }

    fn line(&self, depth: u32, text: String) {
        let line = format!("{}{}", "  ".repeat(depth as usize), text);
        if self.tty {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn status(&self, s: &ProgressState) {
        let in_flight = s.subcalls_started.saturating_sub(s.subcalls_done);
        self.bar.set_message(format!(
            "step {} · subcalls {} ({} in flight) · {} tokens · ${:.4}",
            s.step, s.subcalls_done, in_flight, s.tokens, s.cost
        ));
    }

    fn finish(&self, result: &RunResult, elapsed: Duration) {
        self.bar.finish_and_clear();
        eprintln!(
            "done: {} in {} step(s), {} subcall(s), {} tokens, ${:.4}, {:.2} s",
            result.finish.as_str(),
            result.steps,
            result.usage.subcalls,
            result.usage.usage.total(),
            result.usage.cost_usd,
            elapsed.as_secs_f64()
        );
    }
}

impl TraceListener for Progress {
    fn on_event(&self, e: &TraceEvent) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let parent_depth = e.parent_span_id.and_then(|p| s.depth.get(&p.0).copied()).unwrap_or(0);
        match &e.kind {
            EventKind::RunStarted(r) => {
                s.depth.insert(e.span_id.0, parent_depth + u32::from(e.parent_span_id.is_some()));
                if r.depth > 0 {
                    let d = parent_depth + 1;
                    drop(s);
                    self.line(d, format!("↳ sub-RLM (depth {}): {}", r.depth, short(&r.query, 70)));
                    return;
                }
            }
            EventKind::ModelCallStarted(m) => {
                s.depth.insert(e.span_id.0, parent_depth);
                if parent_depth == 0 {
                    s.step = m.iteration;
                }
            }
            EventKind::ModelCallFinished(c) => {
                s.tokens += c.usage.total();
                s.cost += c.cost_usd;
                let d = s.depth.get(&e.span_id.0).copied().unwrap_or(0);
                let step = s.step;
                drop(s);
                self.line(d, format!("step {step}: model replied ({} ms)", c.latency_ms));
                return;
            }
            EventKind::ProgramStarted(_) => {
                s.depth.insert(e.span_id.0, parent_depth);
            }
            EventKind::ProgramFinished(p) => {
                let d = s.depth.get(&e.span_id.0).copied().unwrap_or(0);
                drop(s);
                let lines = p.stdout.lines().count();
                let what = match &p.error {
                    Some(err) => {
                        format!("error: {}", short(err.trim().lines().last().unwrap_or(""), 80))
                    }
                    None => format!("ok, printed {lines} line(s)"),
                };
                self.line(d + 1, format!("program {what} ({} ms)", p.duration_ms));
                return;
            }
            EventKind::SubcallStarted(_) => {
                s.depth.insert(e.span_id.0, parent_depth);
                s.subcalls_started += 1;
            }
            EventKind::SubcallFinished(c) => {
                s.subcalls_done += 1;
                s.tokens += c.usage.total();
                s.cost += c.cost_usd;
                if s.subcalls_done == s.subcalls_started {
                    let d = s.depth.get(&e.span_id.0).copied().unwrap_or(0);
                    let n = s.subcalls_done;
                    self.status(&s);
                    drop(s);
                    self.line(d + 1, format!("subcalls done: {n} so far"));
                    return;
                }
            }
            EventKind::Budget(b) => {
                drop(s);
                self.line(1, format!("budget {}: {}", b.level.as_str(), b.message));
                return;
            }
            EventKind::FinalAnswer(a) if e.parent_span_id.is_none() => {
                drop(s);
                self.line(0, format!("FINAL: {}", short(&a.answer, 120)));
                return;
            }
            _ => {}
        }
        self.status(&s);
    }
}

fn short(s: &str, n: usize) -> String {
    let one: String = s.replace('\n', " ");
    if one.chars().count() > n {
        format!("{}…", one.chars().take(n).collect::<String>())
    } else {
        one
    }
}

/// The run, which a first Ctrl-C cancels (it ends as `cancelled`, its trace
/// and recording kept) and a second ends at once.
async fn run_until_interrupted(
    rlm: &rlm_core::Rlm,
    question: &str,
    context: rlm_context::Context,
) -> Result<rlm_core::RunResult, rlm_core::RlmError> {
    let canceller = rlm_core::Canceller::default();
    let watch = canceller.clone();
    let interrupts = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("rlm: cancelling the run (Ctrl-C again to quit at once)");
            watch.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(crate::exit::Exit::Cancelled.code()));
            }
        }
    });
    let result = rlm.run_cancellable(question, context, &canceller).await;
    interrupts.abort();
    result
}
