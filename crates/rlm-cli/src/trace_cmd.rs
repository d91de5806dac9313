//! `rlm trace show FILE` (the execution tree in the terminal) and
//! `rlm trace html FILE` (the same tree as a self-contained HTML page).
//!
//! A trace file is either the JSON tree (`Trace::to_json`) or JSON lines of
//! events (`write_jsonl`, the live trace file); the form is detected from the
//! content. `-` reads standard input.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rlm_trace::{TextRenderOptions, Trace};

use crate::exit::{CliError, Exit, stdout_wants_color};

#[derive(Debug, clap::Subcommand)]
pub enum TraceCommand {
    /// Print the execution tree: runs, model calls, programs (code, output,
    /// errors), subcalls, with tokens, cost and timings.
    Show {
        /// A trace file (JSON tree or JSON lines), or `-` for stdin.
        file: PathBuf,
        /// Colours: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        /// Lines of code/output shown per program.
        #[arg(long, default_value_t = 8)]
        max_lines: usize,
    },
    /// Write the tree as one self-contained HTML page (no scripts, no external files).
    Html {
        /// A trace file (JSON tree or JSON lines), or `-` for stdin.
        file: PathBuf,
        /// Write the page here instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Read a trace in either form.
pub fn load_trace(path: &Path) -> Result<Trace, CliError> {
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| CliError::read(path, &e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))?
    };
    parse_trace(&text)
        .map_err(|reason| CliError::Trace { path: path.display().to_string(), reason })
}

/// Detect the form: one JSON object with `roots` is a tree; anything else is
/// read as JSON lines (whose errors name the line).
fn parse_trace(text: &str) -> Result<Trace, String> {
    if text.trim().is_empty() {
        return Err("the file is empty".into());
    }
    let is_tree = matches!(
        serde_json::from_str::<serde_json::Value>(text),
        Ok(serde_json::Value::Object(ref o)) if o.contains_key("roots")
    );
    if is_tree {
        return Trace::from_json(text).map_err(|e| e.to_string());
    }
    let events = rlm_trace::read_jsonl(text.as_bytes()).map_err(|e| e.to_string())?;
    Trace::from_events(events).map_err(|e| e.to_string())
}

pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::Write { what: "stdout".into(), source: e })
}

pub fn trace(command: TraceCommand) -> Result<Exit, CliError> {
    match command {
        TraceCommand::Show { file, color, max_lines } => {
            let trace = load_trace(&file)?;
            let options = TextRenderOptions {
                color: match color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => stdout_wants_color(),
                },
                max_block_lines: max_lines,
                ..TextRenderOptions::default()
            };
            let mut text = trace.render_tree_text(&options);
            if let Some(breakdown) = rlm_trace::ContextBreakdown::from_events(&trace.to_events()) {
                text.push('\n');
                text.push_str(&breakdown.render_text());
            }
            write_stdout(&text)?;
        }
        TraceCommand::Html { file, output } => {
            let html = load_trace(&file)?.render_html();
            match output {
                Some(path) => std::fs::write(&path, html)
                    .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })?,
                None => write_stdout(&html)?,
            }
        }
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_are_detected_and_garbage_is_explained() {
        let rec = rlm_trace::TraceRecorder::new();
        let run =
            rec.start_run(None, rlm_trace::RunStarted { query: "q".into(), ..Default::default() });
        rec.final_answer(run, rlm_trace::FinalAnswer { answer: "a".into() });
        let trace = rec.trace().unwrap();
        assert_eq!(parse_trace(&trace.to_json()).unwrap(), trace);
        let mut lines = Vec::new();
        rlm_trace::write_jsonl(&rec.events(), &mut lines).unwrap();
        assert_eq!(parse_trace(std::str::from_utf8(&lines).unwrap()).unwrap(), trace);
        assert!(parse_trace("").unwrap_err().contains("empty"));
        assert!(parse_trace("{\"seq\": 1}\nnot json\n").unwrap_err().contains("line 1"));
        assert!(parse_trace("{\"roots\": 3}").unwrap_err().contains("not a trace"));
    }
}
