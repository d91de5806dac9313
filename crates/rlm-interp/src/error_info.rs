//! How a cell's error is reported to the embedder: the kind (syntax,
//! exception, limit) and a CPython-like rendering. Built by the machine
//! (`vm/tasks.rs`) from an exception or a limit error; re-exported by `lib.rs`.

use crate::limits::{LimitError, LimitKind, Limits};
use crate::value;

/// What kind of error ended a cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The cell did not parse (or compile).
    Syntax,
    /// An uncaught Python exception (`ValueError`, ...).
    Exception,
    /// A sandbox limit: the cell was rolled back (the session as before it).
    Limit(LimitKind),
}

/// How far a program had got when a limit stopped it: what it had used of
/// its fuel and memory. The session was then rolled back to its state
/// before the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LimitStop {
    pub fuel_used: u64,
    pub fuel_limit: u64,
    /// Bytes live when it stopped (what the memory budget counts).
    pub memory_bytes: u64,
    pub memory_limit: u64,
}

/// An error that ended a cell, ready to show to the model.
#[derive(Debug, Clone)]
pub struct RuntimeErrorInfo {
    pub kind: ErrorKind,
    /// Python's exception class name (`ValueError`), `SyntaxError`, or `LimitError`.
    pub type_name: String,
    pub message: String,
    /// (function, line) pairs, outermost first.
    pub traceback: Vec<(String, u32)>,
    /// A pre-rendered text (parse errors come rendered by rlm-syntax).
    pub rendered: Option<String>,
    /// A "Did you mean" suggestion (shown by `render`, as CPython 3.11 does).
    pub hint: Option<String>,
    /// For a limit error: what the program had used when it stopped.
    pub stop: Option<LimitStop>,
}

/// What a limit error's rendering says after its last line: the cell was
/// rolled back (model-facing: the embedder may add how far it got).
const ROLLED_BACK: &str =
    "\n(limit errors cannot be caught; every variable is as it was before this program ran)\n";

impl RuntimeErrorInfo {
    pub(crate) fn exception(e: &value::Exception) -> RuntimeErrorInfo {
        // Rendered under default limits, charged to no program: a meter of
        // its own, as a value's `Debug` (`format/repr.rs`).
        let mut meter =
            crate::meter::Meter::new(Limits::default(), crate::gc::current_or_detached());
        let message = crate::format::repr::exc_str(&mut meter, e).unwrap_or_default();
        let mut tb: Vec<(String, u32)> =
            e.traceback.borrow().iter().map(|(n, l)| (n.to_string(), *l)).collect();
        tb.reverse();
        RuntimeErrorInfo {
            kind: ErrorKind::Exception,
            type_name: e.kind.qualified_name().to_string(),
            message,
            traceback: tb,
            rendered: None,
            hint: e.hint.borrow().clone(),
            stop: None,
        }
    }

    pub(crate) fn limit(l: LimitError) -> RuntimeErrorInfo {
        RuntimeErrorInfo {
            kind: ErrorKind::Limit(l.kind),
            type_name: "LimitError".into(),
            message: l.message,
            traceback: Vec::new(),
            rendered: None,
            hint: None,
            stop: None,
        }
    }

    /// The line the program was on when it stopped (its innermost frame), if known.
    pub fn line(&self) -> Option<u32> {
        self.traceback.last().map(|(_, l)| *l).filter(|l| *l > 0)
    }

    /// The last line, as CPython prints it: `ValueError: message`.
    pub fn last_line(&self) -> String {
        if self.message.is_empty() {
            self.type_name.clone()
        } else {
            format!("{}: {}", self.type_name, self.message)
        }
    }

    /// A CPython-like traceback for a cell named `name` with source `source`.
    pub fn render(&self, source: &str, name: &str) -> String {
        if let Some(r) = &self.rendered {
            return r.clone();
        }
        let mut out = String::new();
        if self.traceback.is_empty() && matches!(self.kind, ErrorKind::Limit(_)) {
            out.push_str(&self.last_line());
            out.push_str(ROLLED_BACK);
            return out;
        }
        out.push_str("Traceback (most recent call last):\n");
        let lines: Vec<&str> = source.lines().collect();
        // As CPython: a frame repeated more than three times in a row (a
        // recursion) is shown three times, then counted.
        let mut repeats = 0usize;
        for (i, (func, line)) in self.traceback.iter().enumerate() {
            let same = i > 0 && self.traceback[i - 1] == (func.clone(), *line);
            repeats = if same { repeats + 1 } else { 0 };
            let last_of_run = self.traceback.get(i + 1) != Some(&(func.clone(), *line));
            if repeats >= 3 {
                if last_of_run {
                    let more = repeats - 2;
                    let s = if more == 1 { "" } else { "s" };
                    out.push_str(&format!("  [Previous line repeated {more} more time{s}]\n"));
                }
                continue;
            }
            out.push_str(&format!("  File \"{name}\", line {line}, in {func}\n"));
            if let Some(text) = lines.get((*line as usize).wrapping_sub(1)) {
                out.push_str(&format!("    {}\n", text.trim()));
            }
        }
        out.push_str(&self.last_line());
        if let Some(h) = &self.hint {
            out.push_str(&format!(". Did you mean: '{h}'?"));
        }
        if matches!(self.kind, ErrorKind::Limit(_)) {
            out.push_str(ROLLED_BACK);
        } else {
            out.push('\n');
        }
        out
    }
}
