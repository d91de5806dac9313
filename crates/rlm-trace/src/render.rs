//! Human views of a [`Trace`]: an indented tree for terminals
//! ([`Trace::render_tree_text`]) and a self-contained HTML page
//! ([`Trace::render_html`]).
//!
//! Both walk the same description of each span ([`describe_span`]): a title,
//! an outcome, metrics (tokens, cost, timings) and details (query, prompt,
//! code, output, errors), with point events (retries, budget signals, errors,
//! final answers) and child spans interleaved in `seq` order. Durations come
//! from the events' own fields (`duration_ms`, `latency_ms`), not from
//! timestamps, so a render is deterministic. Text from the trace is untrusted:
//! the terminal view replaces control characters (no escape sequences reach the
//! terminal) and the HTML view escapes everything it prints.

use std::fmt::Write as _;

use crate::event::*;
use crate::summary::TraceSummary;
use crate::tree::{SpanNode, Trace};

/// How [`Trace::render_tree_text`] lays out a trace.
#[derive(Debug, Clone)]
pub struct TextRenderOptions {
    /// ANSI colours (only when writing to a terminal).
    pub color: bool,
    /// Lines of code / output / error shown per block; the rest is counted.
    pub max_block_lines: usize,
    /// Characters per line of a block or a one-line detail.
    pub max_line_chars: usize,
}

impl Default for TextRenderOptions {
    fn default() -> Self {
        TextRenderOptions { color: false, max_block_lines: 8, max_line_chars: 100 }
    }
}

/// The tone of a piece of text (maps to a colour or a CSS class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Good,
    Bad,
    Warn,
    Plain,
}

impl Tone {
    fn of(outcome: Option<SpanOutcome>) -> Tone {
        match outcome {
            Some(SpanOutcome::Ok) => Tone::Good,
            Some(SpanOutcome::Error) => Tone::Bad,
            Some(SpanOutcome::Timeout | SpanOutcome::BudgetExceeded | SpanOutcome::Cancelled) => {
                Tone::Warn
            }
            None => Tone::Plain,
        }
    }
    fn css(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Bad => "bad",
            Tone::Warn => "warn",
            Tone::Plain => "plain",
        }
    }
    fn ansi(self) -> &'static str {
        match self {
            Tone::Good => "32",
            Tone::Bad => "31",
            Tone::Warn => "33",
            Tone::Plain => "0",
        }
    }
}

/// One labelled piece of a span: short text on one line, or a block (code, output).
struct Detail {
    label: &'static str,
    text: String,
    block: bool,
    tone: Tone,
}

/// What a span shows, independent of the output format.
struct SpanView {
    kind: &'static str,
    css_kind: &'static str,
    id: SpanId,
    title: Vec<String>,
    outcome: Option<SpanOutcome>,
    metrics: Vec<String>,
    details: Vec<Detail>,
}

/// What a point event shows.
struct PointView {
    label: &'static str,
    css_kind: &'static str,
    text: String,
    tone: Tone,
}

fn format_ms(ms: u64) -> String {
    if ms < 1000 { format!("{ms}ms") } else { format!("{:.2}s", ms as f64 / 1000.0) }
}

fn format_cost(usd: f64) -> String {
    if usd == 0.0 {
        "$0".to_string()
    } else if usd.abs() < 0.0001 {
        format!("${usd:.6}")
    } else {
        format!("${usd:.4}")
    }
}

fn format_tokens(prompt: u64, completion: u64) -> String {
    format!("{prompt}+{completion} tok")
}

/// A byte count as people read it: `512 B`, `31.4 KiB`, `47.9 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    if bytes < KIB {
        format!("{bytes} B")
    } else if bytes < KIB * KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{:.1} MiB", bytes as f64 / (KIB * KIB) as f64)
    }
}

fn detail(label: &'static str, text: impl Into<String>) -> Detail {
    Detail { label, text: text.into(), block: false, tone: Tone::Plain }
}

fn block(label: &'static str, text: impl Into<String>, tone: Tone) -> Detail {
    Detail { label, text: text.into(), block: true, tone }
}

/// A block if the text has several lines, else one line (a short reply).
fn text_or_block(label: &'static str, text: &str, tone: Tone) -> Detail {
    let text = text.strip_suffix('\n').unwrap_or(text);
    Detail { label, text: text.to_string(), block: text.contains('\n'), tone }
}

fn call_metrics(c: &CallFinished, metrics: &mut Vec<String>) {
    metrics.push(format_tokens(c.usage.prompt_tokens, c.usage.completion_tokens));
    metrics.push(format_cost(c.cost_usd));
    metrics.push(format_ms(c.latency_ms));
    if c.cached {
        metrics.push("cached".into());
    }
    if c.deduped {
        metrics.push("deduped".into());
    }
}

fn call_details(c: &CallFinished, details: &mut Vec<Detail>) {
    if !c.response_preview.is_empty() {
        details.push(text_or_block("reply", &c.response_preview, Tone::Plain));
    }
    if let Some(e) = &c.error {
        details.push(text_or_block("error", e, Tone::Bad));
    }
}

/// The format-independent description of one span.
fn describe_span(node: &SpanNode) -> SpanView {
    let mut view = SpanView {
        kind: "span",
        css_kind: "span",
        id: node.span_id(),
        title: Vec::new(),
        outcome: node.outcome(),
        metrics: Vec::new(),
        details: Vec::new(),
    };
    match &node.start.kind {
        EventKind::RunStarted(r) => {
            view.kind = if r.depth == 0 { "run" } else { "sub-run" };
            view.css_kind = "run";
            view.title.push(r.model.clone());
            view.title.push(format!("depth {}", r.depth));
            view.details.push(detail("query", r.query.clone()));
            view.details.push(detail(
                "context",
                format!("{} chars in {} documents", r.context_chars, r.context_documents),
            ));
        }
        EventKind::ModelCallStarted(m) => {
            view.kind = "model call";
            view.css_kind = "model_call";
            view.title.push(format!("iteration {}", m.iteration));
            view.title.push(m.model.clone());
            view.details.push(detail(
                "prompt",
                format!("({} messages) {}", m.prompt_messages, m.prompt_preview),
            ));
        }
        EventKind::ProgramStarted(p) => {
            view.kind = "program";
            view.css_kind = "program";
            view.title.push(format!("iteration {}", p.iteration));
            view.details.push(block("code", p.code.clone(), Tone::Plain));
        }
        EventKind::SubcallStarted(s) => {
            view.kind = "subcall";
            view.css_kind = "subcall";
            view.title.push(s.model.clone());
            if let Some(i) = s.batch_index {
                view.title.push(format!("batch[{i}]"));
            }
            view.details.push(detail("prompt", s.prompt_preview.clone()));
        }
        EventKind::ToolCallStarted(t) => {
            view.kind = "tool call";
            view.css_kind = "subcall";
            view.title.push(t.tool.clone());
            if let Some(server) = &t.server {
                view.title.push(format!("mcp server {server}"));
            }
            view.details.push(detail("arguments", t.arguments_preview.clone()));
        }
        // Not an opening event: `Trace::from_events` never builds such a node.
        other => view.title.push(other.name().to_string()),
    }
    match node.end.as_ref().map(|e| &e.kind) {
        Some(EventKind::RunFinished(r)) => {
            view.metrics.push(format!(
                "{} iteration{}",
                r.iterations,
                if r.iterations == 1 { "" } else { "s" }
            ));
            view.metrics.push(format_tokens(r.usage.prompt_tokens, r.usage.completion_tokens));
            view.metrics.push(format_cost(r.cost_usd));
            view.metrics.push(format_ms(r.duration_ms));
        }
        Some(EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c)) => {
            call_metrics(c, &mut view.metrics);
            call_details(c, &mut view.details);
        }
        Some(EventKind::ProgramFinished(p)) => {
            view.metrics.push(format!("fuel {}", p.fuel_used));
            view.metrics.push(format_bytes(p.memory_bytes));
            view.metrics.push(format_ms(p.duration_ms));
            if !p.stdout.is_empty() {
                view.details.push(block("output", p.stdout.clone(), Tone::Plain));
            }
            if let Some(e) = &p.error {
                view.details.push(text_or_block("error", e, Tone::Bad));
            }
        }
        Some(EventKind::ToolCallFinished(t)) => {
            view.metrics.push(format_ms(t.latency_ms));
            view.details.push(block("result", t.result_preview.clone(), Tone::Plain));
            if let Some(e) = &t.error {
                view.details.push(text_or_block("error", e, Tone::Bad));
            }
        }
        _ => {}
    }
    view
}

fn describe_point(event: &TraceEvent) -> PointView {
    match &event.kind {
        EventKind::Retry(r) => PointView {
            label: "retry",
            css_kind: "retry",
            text: format!("attempt {}: {}, waited {}", r.attempt, r.reason, format_ms(r.delay_ms)),
            tone: Tone::Warn,
        },
        EventKind::Budget(b) => PointView {
            label: "budget",
            css_kind: "budget",
            text: format!(
                "{} {}: {} of {} ({})",
                b.level.as_str(),
                b.budget,
                b.used,
                b.limit,
                b.message
            ),
            tone: match b.level {
                BudgetLevel::SoftLimit => Tone::Warn,
                BudgetLevel::HardStop => Tone::Bad,
            },
        },
        EventKind::Error(e) => PointView {
            label: if e.fatal { "fatal error" } else { "error" },
            css_kind: "error",
            text: e.message.clone(),
            tone: Tone::Bad,
        },
        EventKind::Compaction(c) => PointView {
            label: "compaction",
            css_kind: "compaction",
            text: format!(
                "{} messages summarised, ~{} -> ~{} tokens",
                c.messages_summarised, c.tokens_before, c.tokens_after
            ),
            tone: Tone::Plain,
        },
        EventKind::FinalAnswer(a) => PointView {
            label: "final answer",
            css_kind: "final_answer",
            text: a.answer.clone(),
            tone: Tone::Good,
        },
        other => PointView {
            label: other.name(),
            css_kind: "event",
            text: String::new(),
            tone: Tone::Plain,
        },
    }
}

/// A span's point events and children, in `seq` order.
enum Item<'a> {
    Point(&'a TraceEvent),
    Child(&'a SpanNode),
}

fn items(node: &SpanNode) -> Vec<Item<'_>> {
    let mut items: Vec<(u64, Item)> = node.events.iter().map(|e| (e.seq, Item::Point(e))).collect();
    items.extend(node.children.iter().map(|c| (c.start.seq, Item::Child(c))));
    items.sort_by_key(|(seq, _)| *seq);
    items.into_iter().map(|(_, item)| item).collect()
}

/// The totals line both views start with.
fn totals(trace: &Trace) -> String {
    let summary = TraceSummary::from_events(&trace.to_events());
    let spans = |kind: &str| -> u64 {
        summary.spans.get(kind).map(|by_outcome| by_outcome.values().sum()).unwrap_or(0)
    };
    format!(
        "{} runs, {} model calls, {} programs, {} subcalls, {} retries, {} spent ({})",
        spans("run"),
        spans("model_call"),
        spans("program"),
        spans("subcall"),
        summary.events_by_kind.get("retry").copied().unwrap_or(0),
        format_tokens(summary.usage.prompt_tokens, summary.usage.completion_tokens),
        format_cost(summary.cost_usd),
    )
}

// ---------------------------------------------------------------- terminal

/// Untrusted text made safe for a terminal: control characters (escape
/// sequences included) shown as `\u{..}`, tabs as spaces.
fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn cut(line: &str, max: usize) -> String {
    if line.chars().count() > max {
        let kept: String = line.chars().take(max).collect();
        format!("{kept}…")
    } else {
        line.to_string()
    }
}

struct TextWriter<'a> {
    options: &'a TextRenderOptions,
    out: String,
}

impl TextWriter<'_> {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.options.color && code != "0" {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn span(&mut self, node: &SpanNode, first: &str, rest: &str) {
        let view = describe_span(node);
        let outcome = match view.outcome {
            Some(o) => o.as_str(),
            None => "open",
        };
        let mut head = format!("{} {}", self.paint(view.kind, "1"), view.id);
        for t in &view.title {
            head.push_str(" · ");
            head.push_str(&cut(&terminal_safe(t), self.options.max_line_chars));
        }
        head.push_str(" — ");
        head.push_str(&self.paint(outcome, Tone::of(view.outcome).ansi()));
        for m in &view.metrics {
            head.push_str(" · ");
            head.push_str(m);
        }
        let _ = writeln!(self.out, "{first}{head}");
        let items = items(node);
        let detail_prefix = format!("{rest}{}", if items.is_empty() { "   " } else { "│  " });
        for d in &view.details {
            self.detail(d, &detail_prefix);
        }
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let last = i + 1 == n;
            let (branch, cont) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
            match item {
                Item::Point(e) => {
                    let p = describe_point(e);
                    let text = cut(
                        &terminal_safe(&p.text.replace('\n', "⏎")),
                        self.options.max_line_chars,
                    );
                    let label = self.paint(&format!("• {}", p.label), p.tone.ansi());
                    let _ = writeln!(self.out, "{rest}{branch}{label}: {text}");
                }
                Item::Child(c) => {
                    self.span(c, &format!("{rest}{branch}"), &format!("{rest}{cont}"))
                }
            }
        }
    }

    fn detail(&mut self, d: &Detail, prefix: &str) {
        let label = self.paint(d.label, if d.tone == Tone::Bad { "31" } else { "2" });
        if !d.block {
            let text = cut(&terminal_safe(&d.text.replace('\n', "⏎")), self.options.max_line_chars);
            let _ = writeln!(self.out, "{prefix}{label}: {text}");
            return;
        }
        let lines: Vec<&str> = d.text.lines().collect();
        let _ = writeln!(self.out, "{prefix}{label}:");
        let shown = lines.len().min(self.options.max_block_lines);
        for line in &lines[..shown] {
            let _ = writeln!(
                self.out,
                "{prefix}  {}",
                cut(&terminal_safe(line), self.options.max_line_chars)
            );
        }
        if lines.len() > shown {
            let more = lines.len() - shown;
            let note = format!("… {more} more line{}", if more == 1 { "" } else { "s" });
            let _ = writeln!(self.out, "{prefix}  {}", self.paint(&note, "2"));
        }
    }
}

// -------------------------------------------------------------------- HTML

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than newline/tab are not valid in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .3rem}
.totals{color:#555;margin:0 0 1rem}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.2rem;border-left:1px solid #ddd}
ul.tree{padding-left:0;border-left:none}
li{margin:.25rem 0}
details>summary{cursor:pointer;padding:.15rem .3rem;border-radius:4px}
details>summary:hover{background:#eef}
.kind{font-weight:600}
.id{color:#888}
.title,.metric{color:#444}
.outcome{font-weight:600;padding:0 .3rem;border-radius:3px}
.good{color:#106b21}.bad{color:#b00020}.warn{color:#8a5a00}.plain{color:#555}
.outcome.good{background:#e3f5e6}.outcome.bad{background:#fde7ea}.outcome.warn{background:#fff3d6}
dl{margin:.2rem 0 .2rem .6rem;display:grid;grid-template-columns:max-content 1fr;gap:.1rem .6rem}
dt{color:#666}dd{margin:0;white-space:pre-wrap;word-break:break-word}
pre{margin:.1rem 0 .3rem;padding:.4rem .6rem;background:#f0f0f3;border-radius:4px;white-space:pre-wrap;word-break:break-word;font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.bad{background:#fdeef0}
.event{padding-left:.3rem}
";

fn html_span(node: &SpanNode, out: &mut String) {
    let view = describe_span(node);
    let tone = Tone::of(view.outcome);
    let outcome = view.outcome.map(SpanOutcome::as_str).unwrap_or("open");
    let _ = write!(
        out,
        "<li><details{} class=\"span {}\" id=\"span-{}\" data-span=\"{}\" data-kind=\"{}\"><summary>",
        // Subcalls can be thousands: folded, one line each until opened.
        if view.css_kind == "subcall" { "" } else { " open" },
        view.css_kind,
        view.id.0,
        view.id.0,
        view.css_kind
    );
    let _ = write!(
        out,
        "<span class=\"kind\">{}</span> <span class=\"id\">{}</span>",
        escape_html(view.kind),
        view.id
    );
    for t in &view.title {
        let _ = write!(out, " · <span class=\"title\">{}</span>", escape_html(t));
    }
    let _ = write!(out, " <span class=\"outcome {}\">{}</span>", tone.css(), outcome);
    for m in &view.metrics {
        let _ = write!(out, " · <span class=\"metric\">{}</span>", escape_html(m));
    }
    out.push_str("</summary>");
    let (lines, blocks): (Vec<&Detail>, Vec<&Detail>) = view.details.iter().partition(|d| !d.block);
    if !lines.is_empty() {
        out.push_str("<dl>");
        for d in lines {
            let _ = write!(
                out,
                "<dt>{}</dt><dd class=\"{}\">{}</dd>",
                escape_html(d.label),
                d.tone.css(),
                escape_html(&d.text)
            );
        }
        out.push_str("</dl>");
    }
    for d in blocks {
        let _ = write!(
            out,
            "<div class=\"block\"><span class=\"label {}\">{}</span><pre class=\"{} {}\">{}</pre></div>",
            d.tone.css(),
            escape_html(d.label),
            escape_html(d.label),
            d.tone.css(),
            escape_html(&d.text)
        );
    }
    let items = items(node);
    if !items.is_empty() {
        out.push_str("<ul>");
        for item in items {
            match item {
                Item::Point(e) => {
                    let p = describe_point(e);
                    let _ = write!(
                        out,
                        "<li class=\"event {}\" data-seq=\"{}\"><span class=\"kind {}\">• {}</span>: <span class=\"text\">{}</span></li>",
                        p.css_kind,
                        e.seq,
                        p.tone.css(),
                        escape_html(p.label),
                        escape_html(&p.text)
                    );
                }
                Item::Child(c) => html_span(c, out),
            }
        }
        out.push_str("</ul>");
    }
    out.push_str("</details></li>");
}

impl Trace {
    /// The execution tree for a terminal: runs → model calls → programs (code,
    /// output, errors) → subcalls, with tokens, cost and timings on each span
    /// and retries, budget signals, errors and final answers where they
    /// happened. Starts with a totals line.
    pub fn render_tree_text(&self, options: &TextRenderOptions) -> String {
        let mut w = TextWriter { options, out: String::new() };
        let _ = writeln!(w.out, "trace: {}", totals(self));
        for root in &self.roots {
            w.span(root, "", "");
        }
        w.out
    }

    /// The same tree as one self-contained HTML page: inline CSS, no script
    /// and no external resource; every span is a `<details>` element
    /// (collapsible without JavaScript; open, except subcalls) with
    /// `id="span-N"`. All text from the trace is escaped.
    pub fn render_html(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let title = match self.roots.first().map(|r| &r.start.kind) {
            Some(EventKind::RunStarted(r)) => format!("rlm trace: {}", cut(&r.query, 80)),
            _ => "rlm trace".to_string(),
        };
        let _ = write!(
            out,
            "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            escape_html(&title)
        );
        let _ = write!(
            out,
            "<h1>{}</h1>\n<p class=\"totals\">{}</p>\n<ul class=\"tree\">",
            escape_html(&title),
            escape_html(&totals(self))
        );
        for root in &self.roots {
            html_span(root, &mut out);
        }
        out.push_str("</ul>\n</body>\n</html>\n");
        out
    }
}
