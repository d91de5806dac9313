//! Diagnostics: what went wrong, where, and what to do instead.
//!
//! A `Diagnostic` is plain data; `render` turns a list of them into the plain
//! text (no ANSI colours) that the model reads in its next turn: the message,
//! the offending line with a caret, and a hint. These strings are part of the
//! prompt, so they are short, precise and snapshot-tested.

use std::fmt;

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};

use crate::Span;

/// One problem found in a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// One line: what is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short label shown under the caret (defaults to the message).
    pub label: Option<String>,
    /// What to do instead, when we know.
    pub hint: Option<String>,
    /// Other places worth pointing at (e.g. the opening bracket of an unclosed one).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic { message: message.into(), span, label: None, hint: None, related: Vec::new() }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Render diagnostics as plain text, one report each, for a program named `name`.
pub fn render(source: &str, name: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    for d in diagnostics {
        render_one(source, name, d, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn clamp_span(source: &str, span: Span) -> std::ops::Range<usize> {
    let start = floor_char_boundary(source, (span.start as usize).min(source.len()));
    let mut end = floor_char_boundary(source, (span.end as usize).min(source.len())).max(start);
    // Keep labels on one line: ariadne draws multi-line spans as long arrows,
    // which cost the model tokens and say nothing more.
    if let Some(nl) = source[start..end].find('\n') {
        end = start + nl;
    }
    start..end
}

fn render_one(source: &str, name: &str, d: &Diagnostic, out: &mut Vec<u8>) {
    let span = (name, clamp_span(source, d.span));
    let config = Config::default()
        .with_color(false)
        .with_index_type(IndexType::Byte)
        .with_compact(false)
        .with_underlines(false);
    let mut report = Report::build(ReportKind::Error, span.clone())
        .with_config(config)
        .with_message(&d.message)
        .with_label(
            Label::new(span).with_message(d.label.as_deref().unwrap_or("here")).with_order(0),
        );
    for (i, (s, msg)) in d.related.iter().enumerate() {
        report = report.with_label(
            Label::new((name, clamp_span(source, *s)))
                .with_message(msg.clone())
                .with_order(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        );
    }
    if let Some(h) = &d.hint {
        report = report.with_help(h.clone());
    }
    if report.finish().write((name, Source::from(source)), &mut *out).is_err() {
        // Writing to a Vec cannot fail; keep a plain fallback all the same.
        let (line, col) = line_col(source, d.span.start as usize);
        out.extend_from_slice(format!("error: {d} at line {line}, column {col}\n").as_bytes());
    }
}
