//! The `rlm` command-line tool. For now: `rlm exec` runs DSL cells offline
//! (host LLM calls answered by a scripted reply) and `rlm check` parses a
//! program and prints its diagnostics.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rlm_interp::{ErrorKind, Limits, Outcome, Session, Value};

#[derive(Parser)]
#[command(name = "rlm", version, about = "Recursive Language Model runtime")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run DSL files as consecutive cells of one session (shared variables).
    Exec {
        /// The cells, in order.
        #[arg(required = true)]
        cells: Vec<PathBuf>,
        /// A file or folder bound to `context`/`P` and `ctx` (several: one document each).
        #[arg(long = "context")]
        context: Vec<PathBuf>,
        /// The reply every host LLM call (`llm_query`, `llm_batch`, ...) gets.
        #[arg(long, conflicts_with = "replies")]
        reply: Option<String>,
        /// A JSON array of replies, used in order (the last one repeats).
        #[arg(long)]
        replies: Option<PathBuf>,
        /// Print one JSON document on stdout instead of the program output.
        #[arg(long)]
        json: bool,
        /// Fuel per cell (instructions plus proportional builtin work).
        #[arg(long)]
        fuel: Option<u64>,
    },
    /// Parse a program and print its diagnostics (exit 1 on error).
    Check { program: PathBuf },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot load context {path}: {reason}")]
    Context { path: String, reason: String },
    #[error("{path}: replies must be a JSON array of strings: {reason}")]
    Replies { path: String, reason: String },
}

/// One path (file or folder): loaded by `rlm-context`, memory-mapped when
/// large. Several paths: one document each, joined with the default separator.
fn load_context(paths: &[PathBuf]) -> Result<rlm_context::Context, CliError> {
    let options = rlm_context::LoadOptions::default();
    let load = |p: &PathBuf| {
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

fn read(path: &PathBuf) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Read { path: path.display().to_string(), source: e })
}

/// Hands out scripted replies in order; the last one repeats.
struct Replies {
    list: Vec<String>,
    next: usize,
}

impl Replies {
    fn take(&mut self) -> String {
        let r = self
            .list
            .get(self.next.min(self.list.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_default();
        self.next += 1;
        r
    }
}

struct CellReport {
    file: String,
    stdout: String,
    error: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { program } => match read(&program) {
            Ok(src) => match rlm_syntax::parse(&src) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprint!("{}", e.render(&src, &program.display().to_string()));
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Exec { cells, context, reply, replies, json, fuel } => {
            match exec(cells, context, reply, replies, json, fuel) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn exec(
    cells: Vec<PathBuf>,
    context: Vec<PathBuf>,
    reply: Option<String>,
    replies: Option<PathBuf>,
    json: bool,
    fuel: Option<u64>,
) -> Result<ExitCode, CliError> {
    let mut replies = match replies {
        Some(p) => {
            let text = read(&p)?;
            let list: Vec<String> = serde_json::from_str(&text).map_err(|e| CliError::Replies {
                path: p.display().to_string(),
                reason: e.to_string(),
            })?;
            Replies { list, next: 0 }
        }
        None => Replies { list: vec![reply.unwrap_or_else(|| "ok".to_string())], next: 0 },
    };
    let mut limits = Limits::default();
    if let Some(f) = fuel {
        limits.fuel = f;
    }
    let mut session = Session::new(limits);
    if !context.is_empty() {
        let ctx = load_context(&context)?;
        rlm_core::bind_context(&mut session, &ctx);
    }
    let mut all_ok = true;
    let mut reports = Vec::new();
    let mut final_answer: Option<String> = None;
    let stdout = std::io::stdout();
    for cell in &cells {
        let src = read(cell)?;
        let name = cell.display().to_string();
        session.set_cell_name(&name);
        let mut report = CellReport { file: name.clone(), stdout: String::new(), error: None };
        let mut outcome = session.run_cell(&src);
        loop {
            let out = session.take_output();
            if json {
                report.stdout.push_str(&out);
            } else {
                let mut lock = stdout.lock();
                let _ = lock.write_all(out.as_bytes());
                let _ = lock.flush();
            }
            match outcome {
                Outcome::Suspended(calls) => {
                    for c in calls {
                        let r = if c.name == "llm_query" {
                            Ok(Value::str(replies.take()))
                        } else {
                            Err(rlm_interp::HostError::new(format!(
                                "no host handles '{}' in `rlm exec`",
                                c.name
                            )))
                        };
                        let _ = session.answer(c.id, r);
                    }
                    outcome = session.resume();
                }
                Outcome::Done => break,
                Outcome::Final(v) => {
                    final_answer = Some(session.display(&v));
                    break;
                }
                Outcome::Error(e) => {
                    all_ok = false;
                    let text = e.render(&src, &name);
                    if !json {
                        eprint!("{text}");
                    }
                    report.error = Some(text);
                    let dead = matches!(e.kind, ErrorKind::Limit(_));
                    reports.push(report);
                    report = CellReport { file: String::new(), stdout: String::new(), error: None };
                    if dead {
                        return finish(json, reports, final_answer, false);
                    }
                    break;
                }
            }
        }
        if !report.file.is_empty() {
            reports.push(report);
        }
        if final_answer.is_some() {
            break;
        }
    }
    finish(json, reports, final_answer, all_ok)
}

fn finish(
    json: bool,
    reports: Vec<CellReport>,
    final_answer: Option<String>,
    ok: bool,
) -> Result<ExitCode, CliError> {
    if json {
        let cells: Vec<serde_json::Value> = reports
            .into_iter()
            .map(|r| serde_json::json!({"file": r.file, "stdout": r.stdout, "error": r.error}))
            .collect();
        let doc = serde_json::json!({"cells": cells, "final": final_answer, "ok": ok});
        println!("{doc}");
    } else if let Some(a) = &final_answer {
        eprintln!("FINAL: {a}");
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
