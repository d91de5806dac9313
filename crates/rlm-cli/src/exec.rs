//! `rlm exec CELL.py...`: run files as consecutive cells of one session,
//! offline (sub-model calls get scripted replies, or a scripted model,
//! `--script`, which also plays the root model of `rlm_query`'s runs).
//! Stdout is exactly what the programs print; tracebacks and `FINAL` go to
//! stderr (or everything into one JSON document with `--json`).
//!
//! [`SessionArgs`] are the flags `exec` and `repl` share (the context, the
//! scripted replies, and every knob of `rlm_config::RlmConfig`, the same as
//! `rlm run`'s: no private limit flags), and [`SessionArgs::open`] the one way
//! both build a session: every function a model's program has, its host
//! calls served by rlm-core (the configured models, or the scripted replies
//! as one), each cell driven by `rlm_core::cell`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rlm_core::adapters::{FakeAdapter, FakeReply, FakeScript, ModelAdapter, WhenExhausted};
use rlm_core::cell::{CellEnd, run_cell};
use rlm_core::{EngineModels, EngineParts, ProgramHost, Rlm, RunOverrides};
use rlm_interp::{ErrorKind, Interpreter};

use crate::config::{ConfigFlags, RlmConfig, SCRIPTED_MODEL, Settings, warn_unsupported};
use crate::exit::{CliError, Exit};
use rlm_config::FrontEnd;

/// The flags of `rlm exec`.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// The cells, in order.
    #[arg(required = true)]
    pub cells: Vec<PathBuf>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Print one JSON document on stdout instead of the program output.
    #[arg(long)]
    pub json: bool,
}

/// Flags shared by `exec` and `repl`: the context, the scripted replies (or
/// a scripted model), and the configuration's knobs.
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// Files, folders or globs bound to `context`/`P` and `ctx` (one document per file).
    #[arg(long = "context")]
    pub context: Vec<String>,
    /// Decode context files that are not UTF-8 anyway, invalid bytes becoming U+FFFD.
    #[arg(long)]
    pub lossy: bool,
    /// The reply every sub-model call (`llm_query`, `llm_batch`, `ask`, ...) gets.
    #[arg(long, conflicts_with = "replies")]
    pub reply: Option<String>,
    /// A JSON array of replies, used in order (the last one repeats).
    #[arg(long)]
    pub replies: Option<PathBuf>,
    /// A scripted model file (.toml/.json, the format of `rlm run --script`:
    /// ordered replies, rules, `when_exhausted`) that plays the sub-model and
    /// the root model of the runs `rlm_query` starts.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["reply", "replies"])]
    pub script: Option<PathBuf>,
    /// Every knob of the configuration (`rlm config` lists them; the same
    /// flags, variables and `rlm.toml` keys as `rlm run`): the sandbox limits
    /// (`--fuel`, `--memory-bytes`, ...), the budgets (`--max-subcalls`, ...), the
    /// models (`--model`: `llm_query` and friends ask it instead of the
    /// scripted replies). Knobs a session does not use are named in a warning.
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// An interpreter session with every function a model's program has, the
/// host that serves its calls, and the runtime that drives its cells.
pub struct OpenSession {
    pub session: Interpreter,
    pub host: ProgramHost,
    pub runtime: tokio::runtime::Runtime,
    /// The bound context.
    pub context: rlm_context::Context,
    /// The model sub-model calls go to (`None`: the scripted replies).
    pub model: Option<String>,
}

impl SessionArgs {
    /// The configuration the flags, the environment and `rlm.toml` give
    /// (no model: the scripted replies), with a warning on stderr for each
    /// knob set that `front_end` ignores.
    pub fn config(&self, front_end: &str) -> Result<(Settings, RlmConfig), CliError> {
        let mut settings = Settings::from_process(&self.config)?;
        warn_unsupported(&settings, front_end, &FrontEnd::Exec.keys());
        settings.default_model(SCRIPTED_MODEL);
        let config = settings.resolve()?;
        Ok((settings, config))
    }

    /// The scripted model: `--script FILE`, else the scripted replies:
    /// `--replies FILE` (a JSON array of strings), else `--reply TEXT`, else
    /// `"ok"`; the last reply repeats.
    pub fn scripted_model(&self) -> Result<Arc<dyn ModelAdapter>, CliError> {
        if let Some(path) = &self.script {
            return Ok(Arc::new(crate::engine::script_adapter(path)?));
        }
        let list = match &self.replies {
            Some(path) => read_replies(path)?,
            None => vec![self.reply.clone().unwrap_or_else(|| "ok".to_string())],
        };
        let script = FakeScript {
            model: Some("scripted-replies".into()),
            replies: list.into_iter().map(FakeReply::Text).collect(),
            when_exhausted: WhenExhausted::RepeatLast,
            ..Default::default()
        };
        let fake = FakeAdapter::scripted(script).map_err(|e| CliError::Internal(e.to_string()))?;
        Ok(Arc::new(fake))
    }

    /// The models sub-model calls (and `rlm_query`'s runs) go to: the
    /// configured ones, or the scripted replies when none is configured (or
    /// `scripted`), or when `--reply`/`--replies`/`--script` is given.
    fn models(&self, config: &RlmConfig) -> Result<EngineModels, CliError> {
        if self.scripted(config) {
            let replies = self.scripted_model()?;
            return Ok(EngineModels::Given { root: Arc::clone(&replies), sub: replies });
        }
        Ok(EngineModels::Configured)
    }

    fn scripted(&self, config: &RlmConfig) -> bool {
        self.reply.is_some()
            || self.replies.is_some()
            || self.script.is_some()
            || config.model == SCRIPTED_MODEL && config.sub_model() == SCRIPTED_MODEL
    }

    /// A session over the `--context` sources, built from the configuration
    /// (its models, budgets, sandbox limits and scheduler); `front_end` names
    /// the command in warnings.
    pub fn open(&self, front_end: &str) -> Result<OpenSession, CliError> {
        let (settings, config) = self.config(front_end)?;
        let models = self.models(&config)?;
        let scripted = self.scripted(&config);
        let model = config.model.clone();
        let parts = EngineParts::new(config, settings.env.clone())?;
        let rlm = Rlm::from_config(&parts, RunOverrides::models(models), &self.context)?.build()?;
        let context = crate::context_args::load_sources(&self.context, self.lossy)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
        Ok(OpenSession {
            session: rlm.new_session(&context),
            host: rlm.program_host(&context)?,
            runtime,
            context,
            model: (!scripted).then_some(model),
        })
    }
}

fn read_replies(path: &Path) -> Result<Vec<String>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?;
    let list: Vec<String> = serde_json::from_str(&text).map_err(|e| CliError::Replies {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    if list.is_empty() {
        return Err(CliError::Replies {
            path: path.display().to_string(),
            reason: "the array is empty".into(),
        });
    }
    Ok(list)
}

/// Read a program file, at most the parser's source cap plus one byte: a
/// larger "program" (`/dev/zero`, a log file) is refused after that much
/// reading, not after reading all of it.
pub fn read_program(path: &Path) -> Result<String, CliError> {
    use std::io::Read as _;
    let cap = rlm_syntax::ParseOptions::default().max_source_bytes;
    let file = std::fs::File::open(path).map_err(|e| CliError::read(path, &e))?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1).read_to_end(&mut bytes).map_err(|e| CliError::read(path, &e))?;
    if bytes.len() > cap {
        return Err(CliError::Read {
            path: path.display().to_string(),
            reason: format!("a program is at most {cap} bytes; this file is larger"),
        });
    }
    String::from_utf8(bytes).map_err(|_| CliError::Read {
        path: path.display().to_string(),
        reason: "it is not UTF-8 text".into(),
    })
}

/// The session of `rlm exec`/`rlm repl`, which live as long as the process:
/// when the command returns, the process exits and the OS takes the
/// session's heap back at once, so it is not freed value by value first
/// (a program stopped at its memory limit holds up to the whole budget in
/// small values: freeing the 4.5 M lists of `x = [x]` and collecting their
/// cycles took longer than building them). A `Interpreter` dropped in a library
/// still frees everything.
pub fn kept_until_exit(session: Interpreter) -> std::mem::ManuallyDrop<Interpreter> {
    std::mem::ManuallyDrop::new(session)
}

/// The exit code of a cell error: any sandbox limit (fuel, memory, string or
/// collection size, depth, output...) is a budget running out.
pub fn exit_for_error(kind: &ErrorKind) -> Exit {
    match kind {
        ErrorKind::Limit(_) => Exit::BudgetExhausted,
        _ => Exit::ProgramError,
    }
}

struct CellReport {
    file: String,
    stdout: String,
    error: Option<String>,
}

pub fn exec(args: ExecArgs) -> Result<Exit, CliError> {
    // Read every cell first: a missing file is a usage error before anything runs.
    let mut sources = Vec::with_capacity(args.cells.len());
    for cell in &args.cells {
        sources.push((cell.display().to_string(), read_program(cell)?));
    }
    let OpenSession { session, mut host, runtime, .. } = args.session.open("rlm exec")?;
    let mut session = kept_until_exit(session);
    let json = args.json;
    let mut exit = Exit::Ok;
    let mut reports = Vec::new();
    let mut final_answer: Option<String> = None;
    let stdout = std::io::stdout();
    for (name, src) in &sources {
        session.set_cell_name(name);
        // The run's wall-time budget and the program's time limit stop the
        // cell with the wall-time error (rolled back).
        session.set_interrupt_check(Some(host.interrupt().check()));
        let mut captured = String::new();
        let end = {
            let mut out = |text: &str| -> Result<(), CliError> {
                if json {
                    captured.push_str(text);
                    Ok(())
                } else {
                    let mut lock = stdout.lock();
                    lock.write_all(text.as_bytes())
                        .and_then(|_| lock.flush())
                        .map_err(|e| CliError::Write { what: "stdout".into(), source: e })
                }
            };
            runtime.block_on(run_cell(&mut session, src, &mut host, &mut out))?
        };
        let mut report = CellReport { file: name.clone(), stdout: captured, error: None };
        match end {
            CellEnd::Done | CellEnd::Cancelled => reports.push(report),
            CellEnd::Final(answer) => {
                reports.push(report);
                final_answer = Some(session.display(&answer));
                break;
            }
            CellEnd::Error(e) => {
                let text = e.render(src, name);
                if !json {
                    eprint!("{text}");
                }
                report.error = Some(text);
                reports.push(report);
                let cell_exit = exit_for_error(&e.kind);
                if exit == Exit::Ok || cell_exit == Exit::BudgetExhausted {
                    exit = cell_exit;
                }
                // A limit rolled the cell back: the later cells run on the
                // session as it was before it.
            }
        }
    }
    if json {
        let cells: Vec<serde_json::Value> = reports
            .into_iter()
            .map(|r| serde_json::json!({"file": r.file, "stdout": r.stdout, "error": r.error}))
            .collect();
        let doc =
            serde_json::json!({"cells": cells, "final": final_answer, "ok": exit == Exit::Ok});
        let mut lock = stdout.lock();
        writeln!(lock, "{doc}")
            .map_err(|e| CliError::Write { what: "stdout".into(), source: e })?;
    } else if let Some(a) = &final_answer {
        eprintln!("FINAL: {a}");
    }
    Ok(exit)
}
