//! `rlm stats TRACE...`: analytics across runs (rlm-trace's `RunStats`) over
//! trace files and folders of them (every `.json`/`.jsonl` file under a
//! folder, in path order): a table, `--json`, or `--prometheus` text.

use std::path::{Path, PathBuf};

use rlm_trace::{DEFAULT_STORM_RETRIES, RunStats};

use crate::exit::{CliError, Exit};
use crate::trace_cmd::{load_trace, write_stdout};

/// The flags of `rlm stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Trace files (JSON tree or JSON lines; one run each) or folders of them.
    #[arg(required = true)]
    pub traces: Vec<PathBuf>,
    /// Print the stats as one JSON document.
    #[arg(long, conflicts_with = "prometheus")]
    pub json: bool,
    /// Print the stats in the Prometheus text exposition format.
    #[arg(long)]
    pub prometheus: bool,
    /// Retries in one run from which it counts as a retry storm.
    #[arg(long, default_value_t = DEFAULT_STORM_RETRIES)]
    pub storm_retries: u64,
}

pub fn stats(args: StatsArgs) -> Result<Exit, CliError> {
    let mut files = Vec::new();
    for path in &args.traces {
        trace_files(path, &mut files)?;
    }
    if files.is_empty() {
        return Err(CliError::Config(format!(
            "no trace files (.json, .jsonl) under {}",
            args.traces.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut traces = Vec::with_capacity(files.len());
    for file in &files {
        traces.push(load_trace(file)?.to_events());
    }
    let stats = RunStats::from_traces(&traces, args.storm_retries);
    let text = if args.json {
        let mut doc = serde_json::to_string_pretty(&stats)
            .map_err(|e| CliError::Internal(format!("stats do not serialise: {e}")))?;
        doc.push('\n');
        doc
    } else if args.prometheus {
        stats.to_prometheus("rlm")
    } else {
        stats.to_table()
    };
    write_stdout(&text)?;
    Ok(Exit::Ok)
}

/// `path` itself, or the trace files under it.
fn trace_files(path: &Path, into: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::read(path, &e))?;
    if !meta.is_dir() {
        into.push(path.to_path_buf());
        return Ok(());
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| CliError::read(&dir, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| CliError::read(&dir, &e))?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json" || e == "jsonl") {
                found.push(p);
            }
        }
    }
    found.sort();
    into.extend(found);
    Ok(())
}
