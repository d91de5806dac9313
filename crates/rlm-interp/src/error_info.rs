//! How a cell's error is reported to the embedder: the kind (syntax,
//! exception, limit) and a CPython-like rendering. Built by the machine
//! (`vm/tasks.rs`) from an exception or a limit error; re-exported by `lib.rs`.

use crate::limits::{LimitError, LimitKind, Limits};
use crate::{value, vm};

/// What kind of error ended a cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The cell did not parse (or compile).
    Syntax,
    /// An uncaught Python exception (`ValueError`, ...).
    Exception,
    /// A sandbox limit; the session is unusable afterwards.
    Limit(LimitKind),
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
}

impl RuntimeErrorInfo {
    pub(crate) fn exception(e: &value::Exception) -> RuntimeErrorInfo {
        let mut vm = vm::Vm::new(Limits::default());
        let message = vm.exc_str(e).unwrap_or_default();
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
        }
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
        if let ErrorKind::Limit(_) = self.kind {
            out.push_str(&self.last_line());
            out.push_str("\n(limit errors cannot be caught; this session cannot run more code)\n");
            return out;
        }
        out.push_str("Traceback (most recent call last):\n");
        let lines: Vec<&str> = source.lines().collect();
        for (func, line) in &self.traceback {
            out.push_str(&format!("  File \"{name}\", line {line}, in {func}\n"));
            if let Some(text) = lines.get((*line as usize).wrapping_sub(1)) {
                out.push_str(&format!("    {}\n", text.trim()));
            }
        }
        out.push_str(&self.last_line());
        if let Some(h) = &self.hint {
            out.push_str(&format!(". Did you mean: '{h}'?"));
        }
        out.push('\n');
        out
    }
}
