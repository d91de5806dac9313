//! `rlm test PATH` (issue #57): runs every case of a folder, or the one
//! case PATH names, offline from its
//! recording and compares the case's answer and the normalised summary of
//! its run with its stored snapshot (`DIR/snapshots/NAME.snap`, insta's
//! format). A difference, a request its recording does not hold (the
//! replay's diff names the changed message), a case with no recording or no
//! snapshot: the case fails, a new or changed snapshot is written as
//! `NAME.snap.new`, and the command exits 1.
//!
//! `--accept` accepts every failing case (`--review` asks case by case on a
//! terminal): a new or changed snapshot replaces the stored one; a case
//! whose replay missed (its requests changed: a prompt, a model, a
//! setting) or that has no recording is recorded again from the model
//! configured as usual, then snapshotted. `--record-missing` records the
//! cases without a recording and stores the snapshot of a case that had
//! none, in one command (as `pytest --snapshot-update` does). `-k PATTERN`
//! keeps the cases whose name contains PATTERN. `--junit FILE` writes
//! JUnit XML.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use crate::cases::{Case, cases_in, replay_miss, run_case};
use crate::config::ConfigFlags;
use crate::exit::{CliError, Exit};
use crate::snapshot::{diff, pending_path, read_snapshot, snapshot_path, summary, write_snapshot};

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The folder of cases (task files NAME.toml or NAME.json, each with its
    /// recording NAME.recording.jsonl beside it, and snapshots/), or one
    /// case's task file.
    #[arg(value_name = "PATH")]
    pub dir: PathBuf,
    /// Only the cases whose name contains PATTERN.
    #[arg(short = 'k', value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Accept every difference: new snapshots replace the stored ones; cases
    /// whose requests changed are recorded again from the configured model.
    #[arg(long, conflicts_with = "review")]
    pub accept: bool,
    /// Show each difference and ask whether to accept it (on a terminal).
    #[arg(long)]
    pub review: bool,
    /// Write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Record the cases that have no recording from the configured model
    /// (live), instead of failing them, and store the snapshot of a case
    /// that had none.
    #[arg(long)]
    pub record_missing: bool,
    /// A scripted model file (.toml/.json) for `--model scripted` (default: the bundled demo).
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Every knob of the configuration (`--prompts-dir`, `--prompt-profile`,
    /// models, budgets...): see `rlm config`.
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// How one case ended.
enum Verdict {
    Passed,
    /// It had no recording: recorded (`--record-missing`) and snapshotted.
    Recorded,
    /// Its replay asked for a request the recording does not hold.
    ReplayMiss(String),
    NoRecording,
    /// No stored snapshot; the new one.
    NewSnapshot(String),
    /// The stored snapshot and the new one.
    Changed {
        stored: String,
        new: String,
    },
    /// It could not run (a bad task file, a configuration error).
    Error(String),
}

impl Verdict {
    fn failure(&self) -> Option<String> {
        match self {
            Verdict::Passed | Verdict::Recorded => None,
            Verdict::ReplayMiss(m) => Some(format!("replay miss: {m}")),
            Verdict::NoRecording => {
                Some("no recording (record it with --record-missing or --accept)".into())
            }
            Verdict::NewSnapshot(_) => Some("new snapshot (accept it with --accept)".into()),
            Verdict::Changed { .. } => Some("the run differs from its snapshot".into()),
            Verdict::Error(e) => Some(e.clone()),
        }
    }
}

struct Outcome {
    name: String,
    verdict: Verdict,
    accepted: bool,
}

pub fn test(mut args: TestArgs) -> Result<Exit, CliError> {
    let (dir, cases) = selected_cases(&args.dir, args.filter.as_deref())?;
    // Snapshots and recordings are the folder's, whichever case was named.
    args.dir = dir;
    let color = std::io::stdout().is_terminal();
    let mut outcomes = Vec::new();
    let mut out = std::io::stdout().lock();
    for case in &cases {
        let verdict = check_case(case, &args)?;
        let mut accepted = false;
        if let Some(why) = verdict.failure() {
            let headline = match &verdict {
                Verdict::ReplayMiss(_) => "replay miss: a request is not in the recording",
                _ => first_line(&why),
            };
            writeln!(out, "case {}: FAILED: {headline}", case.name).map_err(stdout)?;
            show(&mut out, case, &verdict, color)?;
            if !matches!(verdict, Verdict::Error(_)) && wants_accept(&args, &case.name)? {
                accept(case, &verdict, &args)?;
                writeln!(out, "case {}: accepted", case.name).map_err(stdout)?;
                accepted = true;
            }
        } else if matches!(verdict, Verdict::Recorded) {
            writeln!(out, "case {}: recorded, new snapshot stored", case.name).map_err(stdout)?;
        } else {
            writeln!(out, "case {}: ok", case.name).map_err(stdout)?;
        }
        outcomes.push(Outcome { name: case.name.clone(), verdict, accepted });
    }
    let failed = outcomes.iter().filter(|o| o.verdict.failure().is_some() && !o.accepted).count();
    writeln!(
        out,
        "{} case(s): {} passed, {} failed",
        outcomes.len(),
        outcomes.len() - failed,
        failed
    )
    .map_err(stdout)?;
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&outcomes))
            .map_err(|e| CliError::Write { what: path.display().to_string(), source: e })?;
    }
    Ok(if failed == 0 { Exit::Ok } else { Exit::ProgramError })
}

/// The folder and its cases that `path` names: every case of a folder, or
/// the one case of a task file; then those whose name contains `filter`.
fn selected_cases(path: &Path, filter: Option<&str>) -> Result<(PathBuf, Vec<Case>), CliError> {
    let (dir, only) = if path.is_file() {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let stem = path.file_stem().and_then(|s| s.to_str()).map(str::to_string);
        (dir.to_path_buf(), stem)
    } else {
        (path.to_path_buf(), None)
    };
    let mut cases = cases_in(&dir)?;
    if let Some(name) = &only {
        cases.retain(|c| c.name == *name);
        if cases.is_empty() {
            return Err(CliError::Config(format!(
                "{}: not a case (a task file NAME.toml or NAME.json)",
                path.display()
            )));
        }
    }
    if let Some(pattern) = filter {
        let all: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
        cases.retain(|c| c.name.contains(pattern));
        if cases.is_empty() {
            return Err(CliError::Config(format!(
                "-k {pattern}: no case of {} matches (cases: {})",
                dir.display(),
                all.join(", ")
            )));
        }
    }
    Ok((dir, cases))
}

fn stdout(e: std::io::Error) -> CliError {
    CliError::Write { what: "stdout".into(), source: e }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Runs `case` from its recording (or records it, with `--record-missing`)
/// and compares its summary with the stored snapshot; writes `.snap.new`
/// when they differ.
fn check_case(case: &Case, args: &TestArgs) -> Result<Verdict, CliError> {
    let knob = match (case.recording.exists(), args.record_missing) {
        (true, _) => "replay",
        (false, true) => "record",
        (false, false) => return Ok(Verdict::NoRecording),
    };
    let knobs = [(knob, case.recording.display().to_string())];
    let run = match run_case(case, &args.config, args.script.as_deref(), &knobs) {
        Ok(run) => run,
        Err(e) => return Ok(Verdict::Error(e.to_string())),
    };
    if let Some(miss) = replay_miss(&run.result) {
        return Ok(Verdict::ReplayMiss(miss.to_string()));
    }
    let new = summary(&run.result, &args.dir);
    let path = snapshot_path(&args.dir, &case.name);
    if knob == "record" && read_snapshot(&path)?.is_none() {
        // Recorded just now, with nothing stored to compare: its snapshot is
        // the new one (one command for a new case).
        write_snapshot(&path, &case.name, new.trim_end_matches('\n'))?;
        let _ = std::fs::remove_file(pending_path(&path));
        return Ok(Verdict::Recorded);
    }
    compare(case, &args.dir, &new)
}

fn compare(case: &Case, dir: &Path, new: &str) -> Result<Verdict, CliError> {
    let path = snapshot_path(dir, &case.name);
    let pending = pending_path(&path);
    let verdict = match read_snapshot(&path)? {
        Some(stored) if stored == new.trim_end_matches('\n') => Verdict::Passed,
        Some(stored) => Verdict::Changed { stored, new: new.to_string() },
        None => Verdict::NewSnapshot(new.to_string()),
    };
    match &verdict {
        Verdict::Passed => {
            let _ = std::fs::remove_file(&pending);
        }
        _ => write_snapshot(&pending, &case.name, new.trim_end_matches('\n'))?,
    }
    Ok(verdict)
}

/// Prints what failed: the replay's diff, or the snapshot's.
fn show(
    out: &mut impl std::io::Write,
    case: &Case,
    verdict: &Verdict,
    color: bool,
) -> Result<(), CliError> {
    let text = match verdict {
        Verdict::ReplayMiss(m) => m.clone(),
        Verdict::Changed { stored, new } => {
            diff(&format!("{stored}\n"), new, "stored snapshot", "this run", color)
        }
        Verdict::NewSnapshot(new) => format!("new snapshot of {}:\n{new}", case.name),
        Verdict::Error(e) => e.clone(),
        _ => return Ok(()),
    };
    writeln!(out, "{text}").map_err(stdout)
}

fn wants_accept(args: &TestArgs, name: &str) -> Result<bool, CliError> {
    if args.accept {
        return Ok(true);
    }
    if !args.review {
        return Ok(false);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Config(
            "--review asks on a terminal; use --accept in scripts".into(),
        ));
    }
    eprint!("accept case {name}? [a]ccept / [r]eject: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Read { path: "stdin".into(), reason: e.to_string() })?;
    Ok(matches!(answer.trim(), "a" | "A" | "accept" | "y" | "yes"))
}

/// Accepts a failing case: a changed or new snapshot replaces the stored
/// one; a case whose requests changed is recorded again, then snapshotted.
fn accept(case: &Case, verdict: &Verdict, args: &TestArgs) -> Result<(), CliError> {
    let path = snapshot_path(&args.dir, &case.name);
    let new = match verdict {
        Verdict::Changed { new, .. } | Verdict::NewSnapshot(new) => new.clone(),
        _ => {
            let knobs = [("record", case.recording.display().to_string())];
            let run = run_case(case, &args.config, args.script.as_deref(), &knobs)?;
            summary(&run.result, &args.dir)
        }
    };
    write_snapshot(&path, &case.name, new.trim_end_matches('\n'))?;
    let _ = std::fs::remove_file(pending_path(&path));
    Ok(())
}

/// The outcomes as JUnit XML: one test suite, one test case per case.
fn junit(outcomes: &[Outcome]) -> String {
    let failed: Vec<_> =
        outcomes.iter().filter(|o| o.verdict.failure().is_some() && !o.accepted).collect();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites tests=\"{n}\" failures=\"{f}\">\n<testsuite name=\"rlm test\" tests=\"{n}\" failures=\"{f}\">\n",
        n = outcomes.len(),
        f = failed.len()
    ));
    for o in outcomes {
        let name = xml_escape(&o.name);
        match o.verdict.failure().filter(|_| !o.accepted) {
            None => xml.push_str(&format!("  <testcase name=\"{name}\" classname=\"rlm test\"/>\n")),
            Some(why) => xml.push_str(&format!(
                "  <testcase name=\"{name}\" classname=\"rlm test\">\n    <failure message=\"{}\">{}</failure>\n  </testcase>\n",
                xml_escape(first_line(&why)),
                xml_escape(&why)
            )),
        }
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    xml
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
