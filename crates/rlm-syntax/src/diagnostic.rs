//! Diagnostics: what went wrong, where, and what to do instead.
//!
//! A `Diagnostic` is plain data; `render` turns a list of them into the plain
//! text (no ANSI colours) that the model reads in its next turn: the message,
//! the offending line with a caret, and a hint. These strings are part of the
//! prompt, so they are short, precise and snapshot-tested.

use std::fmt;

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};

use crate::Span;

/// What kind of problem a diagnostic reports, for callers that act on it
/// (a REPL deciding whether input is finished) without reading its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticKind {
    /// A bracket opened and never closed: everything after it was swallowed.
    UnclosedBracket,
    /// A string literal with no closing quote.
    UnterminatedString {
        /// `"""`/`'''`: may legitimately span the lines still to come.
        triple: bool,
    },
    /// The input stopped where more was required (`found end of input`).
    UnexpectedEnd,
    /// Any other problem.
    #[default]
    Other,
}

impl DiagnosticKind {
    /// Whether the rest of the program became part of the unclosed construct,
    /// so later errors are echoes of this one.
    pub fn swallows_rest(self) -> bool {
        matches!(self, DiagnosticKind::UnclosedBracket | DiagnosticKind::UnterminatedString { .. })
    }
}

/// One problem found in a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem, for programs; `message` is for people and models.
    pub kind: DiagnosticKind,
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
        Diagnostic {
            kind: DiagnosticKind::Other,
            message: message.into(),
            span,
            label: None,
            hint: None,
            related: Vec::new(),
        }
    }

    pub fn with_kind(mut self, kind: DiagnosticKind) -> Diagnostic {
        self.kind = kind;
        self
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

/// Widest source line shown, in characters: long lines are cut to a window
/// around the span, because every character shown costs the model tokens.
const MAX_LINE_CHARS: usize = 120;
/// Most lines an excerpt spans; beyond that only the primary line is shown.
const MAX_EXCERPT_LINES: usize = 8;

/// The part of the source a report shows: the lines with spans, each possibly
/// cut to a window, with a map from source offsets to its offsets.
struct Excerpt {
    text: String,
    /// Per shown line: (source byte start of the window, excerpt byte start, window byte length).
    windows: Vec<(usize, usize, usize)>,
}

impl Excerpt {
    fn new(source: &str, spans: &[Span]) -> Excerpt {
        let line_of = |at: usize| {
            source[..floor_char_boundary(source, at.min(source.len()))].matches('\n').count()
        };
        let primary = spans.first().map_or(0, |s| s.start as usize);
        let mut lo = line_of(primary);
        let mut hi = lo;
        for s in spans.iter().skip(1) {
            let l = line_of(s.start as usize);
            if l.abs_diff(line_of(primary)) < MAX_EXCERPT_LINES {
                lo = lo.min(l);
                hi = hi.max(l);
            }
        }
        // Leading empty lines keep ariadne's line numbers right (its display
        // offset does not reach the gutter in 0.6); it prints only labelled lines.
        let mut text = "\n".repeat(lo);
        let mut windows = Vec::new();
        for (i, line) in source.split('\n').enumerate().skip(lo).take(hi - lo + 1) {
            let line_start = line.as_ptr() as usize - source.as_ptr() as usize;
            let line = line.strip_suffix('\r').unwrap_or(line);
            // Center the window on the first span that starts on this line.
            let focus = spans
                .iter()
                .map(|s| s.start as usize)
                .find(|&at| at >= line_start && at <= line_start + line.len())
                .map_or(0, |at| at - line_start);
            let (w_start, w_end) = window(line, focus);
            if i > lo {
                text.push('\n');
            }
            let prefix = if w_start > 0 { "…" } else { "" };
            text.push_str(prefix);
            windows.push((line_start + w_start, text.len(), w_end - w_start));
            push_visible(&mut text, &line[w_start..w_end]);
            if w_end < line.len() {
                text.push('…');
            }
        }
        Excerpt { text, windows }
    }

    /// The excerpt range for a source span (clamped into the shown windows).
    fn map(&self, span: Span) -> std::ops::Range<usize> {
        let at = |off: usize| {
            for &(src_start, ex_start, len) in &self.windows {
                if off >= src_start && off <= src_start + len {
                    return Some(ex_start + (off - src_start));
                }
            }
            None
        };
        let start =
            at(span.start as usize).or_else(|| self.windows.first().map(|w| w.1)).unwrap_or(0);
        // A span that runs past the shown lines ends where its first line does.
        let line_end = self
            .windows
            .iter()
            .find(|w| start >= w.1 && start <= w.1 + w.2)
            .map_or(start, |w| w.1 + w.2);
        let mut end = at(span.end as usize).unwrap_or(line_end).max(start);
        // Keep labels on one line: ariadne draws multi-line spans as long arrows.
        if let Some(nl) = self.text[start..end].find('\n') {
            end = start + nl;
        }
        floor_char_boundary(&self.text, start)..floor_char_boundary(&self.text, end)
    }
}

/// Append `s` with control characters (which would reach the model's prompt
/// or a terminal raw) replaced by `?`, byte for byte, so offsets still map.
fn push_visible(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_control() && c != '\t' {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
}

/// Byte range of `line` to show: all of it if short, else about
/// `MAX_LINE_CHARS` characters around byte offset `focus`.
fn window(line: &str, focus: usize) -> (usize, usize) {
    if line.chars().count() <= MAX_LINE_CHARS {
        return (0, line.len());
    }
    let focus = floor_char_boundary(line, focus.min(line.len()));
    let before: Vec<usize> = line[..focus].char_indices().map(|(i, _)| i).collect();
    let start = if before.len() > MAX_LINE_CHARS / 3 {
        before[before.len() - MAX_LINE_CHARS / 3]
    } else {
        0
    };
    let end =
        line[start..].char_indices().nth(MAX_LINE_CHARS).map_or(line.len(), |(i, _)| start + i);
    (start, end)
}

fn render_one(source: &str, name: &str, d: &Diagnostic, out: &mut Vec<u8>) {
    let mut spans = vec![d.span];
    spans.extend(d.related.iter().map(|(s, _)| *s));
    let ex = Excerpt::new(source, &spans);
    let span = (name, ex.map(d.span));
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
            Label::new((name, ex.map(*s)))
                .with_message(msg.clone())
                .with_order(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        );
    }
    if let Some(h) = &d.hint {
        report = report.with_help(h.clone());
    }
    let src = Source::from(ex.text.as_str());
    if report.finish().write((name, src), &mut *out).is_err() {
        // Writing to a Vec cannot fail; keep a plain fallback all the same.
        let (line, col) = line_col(source, d.span.start as usize);
        out.extend_from_slice(format!("error: {d} at line {line}, column {col}\n").as_bytes());
    }
}
