//! `rlm exec CELL.py...`: run files as consecutive cells of one session,
//! offline (host LLM calls get scripted replies). Stdout is exactly what the
//! programs print; tracebacks and `FINAL` go to stderr (or everything into one
//! JSON document with `--json`).

use std::io::Write;
use std::path::{Path, PathBuf};

use rlm_interp::{ErrorKind, LimitKind, Limits, Session};

use crate::exit::{CliError, Exit};
use crate::host::{CellEnd, HostServer, ScriptedReplies, drive_cell};

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

/// Flags shared by `exec` and `repl`: the context and the scripted host.
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// A file or folder bound to `context`/`P` and `ctx` (several: one document each).
    #[arg(long = "context")]
    pub context: Vec<PathBuf>,
    /// The reply every host LLM call (`llm_query`, `llm_batch`, ...) gets.
    #[arg(long, conflicts_with = "replies")]
    pub reply: Option<String>,
    /// A JSON array of replies, used in order (the last one repeats).
    #[arg(long)]
    pub replies: Option<PathBuf>,
    /// Fuel per cell (instructions plus proportional builtin work).
    #[arg(long)]
    pub fuel: Option<u64>,
}

impl SessionArgs {
    /// A session with the context bound, and its scripted replies.
    pub fn open(&self) -> Result<(Session, ScriptedReplies), CliError> {
        let replies = ScriptedReplies::from_flags(self.reply.clone(), self.replies.as_deref())?;
        let mut limits = Limits::default();
        if let Some(f) = self.fuel {
            limits.fuel = f;
        }
        let mut session = Session::new(limits);
        if !self.context.is_empty() {
            let ctx = load_context(&self.context)?;
            rlm_core::bind_context(&mut session, &ctx);
        }
        Ok((session, replies))
    }
}

/// One path (file or folder): loaded by `rlm-context`, memory-mapped when
/// large. Several paths: one document each, joined with the default separator.
pub fn load_context(paths: &[PathBuf]) -> Result<rlm_context::Context, CliError> {
    let options = rlm_context::LoadOptions::default();
    let load = |p: &PathBuf| {
        if !p.exists() {
            return Err(CliError::Context {
                path: p.display().to_string(),
                reason: "no such file or folder".into(),
            });
        }
        rlm_context::Context::from_path(p, &options)
            .map_err(|e| CliError::Context { path: p.display().to_string(), reason: e.to_string() })
    };
    match paths {
        [one] => load(one),
        many => {
            let mut docs = Vec::with_capacity(many.len());
            for p in many {
                let ctx = load(p)?;
                docs.push(rlm_context::Document::named(
                    p.display().to_string(),
                    ctx.as_str().to_string(),
                ));
            }
            Ok(rlm_context::Context::from_documents(docs))
        }
    }
}

/// Read a program file.
pub fn read_program(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))
}

/// The exit code of a cell error: running out of fuel is a budget running out.
pub fn exit_for_error(kind: &ErrorKind) -> Exit {
    match kind {
        ErrorKind::Limit(LimitKind::Fuel) => Exit::BudgetExhausted,
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
    let (mut session, replies) = args.session.open()?;
    let mut server = HostServer::Scripted(replies);
    let json = args.json;
    let mut exit = Exit::Ok;
    let mut reports = Vec::new();
    let mut final_answer: Option<String> = None;
    let stdout = std::io::stdout();
    for (name, src) in &sources {
        session.set_cell_name(name);
        let mut captured = String::new();
        let outcome = session.run_cell(src);
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
            drive_cell(&mut session, outcome, &mut server, &mut |_, _, _| Ok(false), &mut out)?
        };
        let mut report = CellReport { file: name.clone(), stdout: captured, error: None };
        match end {
            CellEnd::Done => reports.push(report),
            CellEnd::Final(answer) => {
                reports.push(report);
                final_answer = Some(answer);
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
                // A limit makes the session unusable: later cells cannot run.
                if matches!(e.kind, ErrorKind::Limit(_)) {
                    break;
                }
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
