//! `rlm test`'s snapshots (issue #57): the normalised summary of a run (its
//! answer, finish, criteria, and per step the root model's reply, the
//! program, its output or error and its subcalls' prompts and answers; no
//! ids, times, durations, token counts or the case folder's path), stored
//! in insta's `.snap` format (a `---` header with `source` and
//! `expression`, then the text), a new or changed one written beside it as
//! `.snap.new` the way insta does; and the diff of two texts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rlm_core::RunResult;
use rlm_trace::EventKind;

use crate::exit::CliError;

/// The `source` of every snapshot `rlm test` writes.
const SOURCE: &str = "rlm test";

/// The normalised summary of `result`: `dir`'s path (the case folder) is
/// written `[DIR]`.
pub fn summary(result: &RunResult, dir: &Path) -> String {
    let mut out = String::new();
    let line = |out: &mut String, text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(&mut out, format!("answer: {}", block(result.answer.as_deref().unwrap_or("(none)"), 1)));
    let finish = match result.finish.reason() {
        Some(r) => format!("{} ({})", result.finish.as_str(), first_line(r)),
        None => result.finish.as_str().to_string(),
    };
    line(&mut out, format!("finish: {finish}"));
    if let Some(c) = &result.criteria {
        line(&mut out, format!("criteria: {} of {} passed", c.passed_count(), c.results.len()));
    }
    line(&mut out, format!("steps: {}", result.steps));
    line(&mut out, format!("root calls: {}", result.usage.root_calls));
    line(&mut out, format!("subcalls: {}", result.usage.subcalls));
    let mut subcalls: Vec<(Option<u32>, String, String)> = Vec::new();
    let mut open: HashMap<u64, (Option<u32>, String)> = HashMap::new();
    for e in &result.events {
        match &e.kind {
            EventKind::RunStarted(r) if r.depth > 0 => {
                line(&mut out, format!("sub-RLM (depth {}): {}", r.depth, block(&r.query, 1)));
            }
            EventKind::ModelCallStarted(m) => {
                line(&mut out, format!("step {}:", m.iteration));
                line(&mut out, format!("  model: {}", m.model));
            }
            EventKind::ModelCallFinished(c) => {
                let reply = c.error.as_deref().unwrap_or(&c.response_preview);
                line(&mut out, format!("  reply: {}", block(reply, 2)));
            }
            EventKind::ProgramStarted(p) => {
                subcalls.clear();
                line(&mut out, format!("  program: {}", block(&p.code, 2)));
            }
            EventKind::SubcallStarted(s) => {
                open.insert(e.span_id.0, (s.batch_index, s.prompt_preview.clone()));
            }
            EventKind::SubcallFinished(c) => {
                if let Some((index, prompt)) = open.remove(&e.span_id.0) {
                    let answer = c.error.as_deref().unwrap_or(&c.response_preview).to_string();
                    subcalls.push((index, prompt, answer));
                }
            }
            EventKind::ProgramFinished(p) => {
                line(&mut out, format!("  output: {}", block(&p.stdout, 2)));
                if let Some(err) = &p.error {
                    line(&mut out, format!("  error: {}", block(err, 2)));
                }
                // Concurrent subcalls finish in any order: by batch index, then prompt.
                subcalls.sort();
                for (i, (_, prompt, answer)) in subcalls.drain(..).enumerate() {
                    line(&mut out, format!("  subcall {i}:"));
                    line(&mut out, format!("    prompt: {}", block(&prompt, 3)));
                    line(&mut out, format!("    answer: {}", block(&answer, 3)));
                }
            }
            _ => {}
        }
    }
    normalise_path(&out, dir)
}

/// `text` as a YAML-like value: one line as is, several as an indented block.
fn block(text: &str, depth: usize) -> String {
    let text = text.trim_end();
    if !text.contains('\n') {
        return text.to_string();
    }
    let pad = "  ".repeat(depth);
    let lines: Vec<String> =
        text.lines().map(|l| format!("{pad}{l}").trim_end().to_string()).collect();
    format!("|\n{}", lines.join("\n"))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// `text` with `dir`'s path (as given and canonical) written `[DIR]`.
fn normalise_path(text: &str, dir: &Path) -> String {
    let mut out = text.to_string();
    let mut paths = vec![dir.display().to_string()];
    if let Ok(c) = dir.canonicalize() {
        paths.push(c.display().to_string());
    }
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in paths.iter().filter(|p| p.len() > 1) {
        out = out.replace(p.as_str(), "[DIR]");
    }
    out
}

/// Where a case's snapshot is: `DIR/snapshots/NAME.snap`.
pub fn snapshot_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("snapshots").join(format!("{name}.snap"))
}

/// `path` with `.new` after its name (`NAME.snap.new`).
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The text of the snapshot at `path`, if there is one: what follows its
/// header, without the final line break.
pub fn read_snapshot(path: &Path) -> Result<Option<String>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::read(path, &e)),
    };
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n").map(|(_, body)| body))
        .ok_or_else(|| CliError::Read {
            path: path.display().to_string(),
            reason: "not a snapshot (insta's format: a header between --- lines, then the text)"
                .into(),
        })?;
    Ok(Some(body.trim_end_matches('\n').to_string()))
}

/// Writes `contents` as the snapshot `name` at `path`, in insta's format.
pub fn write_snapshot(path: &Path, name: &str, contents: &str) -> Result<(), CliError> {
    let write_err = |e| CliError::Write { what: path.display().to_string(), source: e };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let expression = serde_json::to_string(&format!("case {name}")).unwrap_or_default();
    let text = format!("---\nsource: {SOURCE}\nexpression: {expression}\n---\n{contents}\n");
    std::fs::write(path, text).map_err(write_err)
}

/// A unified diff of `old` against `new` (`-` old, `+` new), colored when
/// `color` (red removed, green added).
pub fn diff(old: &str, new: &str, old_name: &str, new_name: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff.unified_diff().context_radius(3).header(old_name, new_name).to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|l| match l.chars().next() {
            Some('-') if !l.starts_with("---") => format!("\x1b[31m{l}\x1b[0m"),
            Some('+') if !l.starts_with("+++") => format!("\x1b[32m{l}\x1b[0m"),
            Some('@') => format!("\x1b[36m{l}\x1b[0m"),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_round_trips_in_instas_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = snapshot_path(dir.path(), "case");
        write_snapshot(&path, "case", "answer: 42\nsteps: 1").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("---\nsource: rlm test\nexpression: \"case case\"\n---\n"));
        assert_eq!(read_snapshot(&path).unwrap().as_deref(), Some("answer: 42\nsteps: 1"));
        assert_eq!(read_snapshot(&pending_path(&path)).unwrap(), None);
        assert!(pending_path(&path).to_string_lossy().ends_with("case.snap.new"));
    }

    #[test]
    fn a_diff_marks_removed_and_added_lines() {
        let d = diff("a\nb\n", "a\nc\n", "stored", "new", false);
        assert!(d.contains("-b") && d.contains("+c"), "{d}");
    }
}
