//! [`Trace`]: the tree of spans built from the event stream.
//!
//! The stream is the source of truth; the tree is a view of it.
//! [`Trace::from_events`] checks that the stream is well formed (increasing
//! `seq`, every span opened once before it is used, closed at most once, by the
//! matching kind) and [`Trace::to_events`] gives the exact stream back.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::TraceError;
use crate::event::*;

/// Deepest span nesting accepted. A run nests about two spans per recursion
/// level (run → program → run ...), so this allows far deeper recursion than
/// any budget would; it also keeps the nested JSON within serde_json's
/// recursion limit and hostile input from exhausting the stack.
pub const MAX_SPAN_DEPTH: usize = 40;

/// A whole trace as a tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub schema_version: u32,
    /// Spans without a parent (normally one root run).
    pub roots: Vec<SpanNode>,
}

/// One span with what happened in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanNode {
    /// The event that opened the span.
    pub start: TraceEvent,
    /// The event that closed it (`None`: still running, or the run was cut short).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<TraceEvent>,
    /// Point events inside the span (retries, budget signals, errors, final answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TraceEvent>,
    /// Spans started inside this one, in start order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<SpanNode>,
}

impl SpanNode {
    pub fn span_id(&self) -> SpanId {
        self.start.span_id
    }

    pub fn kind(&self) -> Option<SpanKind> {
        match self.start.kind.role() {
            EventRole::Opens(kind) => Some(kind),
            _ => None,
        }
    }

    /// How the span ended, if it did.
    pub fn outcome(&self) -> Option<SpanOutcome> {
        match &self.end.as_ref()?.kind {
            EventKind::RunFinished(r) => Some(r.outcome),
            EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c) => Some(c.outcome),
            EventKind::ProgramFinished(p) => Some(p.outcome),
            EventKind::ToolCallFinished(t) => Some(t.outcome),
            _ => None,
        }
    }

    /// Time between the start and end events, in microseconds.
    pub fn elapsed_us(&self) -> Option<u64> {
        Some(self.end.as_ref()?.ts.saturating_sub(self.start.ts))
    }

    /// This span and all below it, depth first, in start order.
    pub fn walk(&self) -> Vec<&SpanNode> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            out.push(node);
            stack.extend(node.children.iter().rev());
        }
        out
    }
}

struct Builder {
    start: TraceEvent,
    end: Option<TraceEvent>,
    events: Vec<TraceEvent>,
    children: Vec<usize>,
    kind: SpanKind,
    depth: usize,
}

impl Trace {
    /// Build the tree from a stream of events (in `seq` order).
    pub fn from_events(events: impl IntoIterator<Item = TraceEvent>) -> Result<Trace, TraceError> {
        let mut nodes: Vec<Builder> = Vec::new();
        let mut index: HashMap<SpanId, usize> = HashMap::new();
        let mut roots = Vec::new();
        let mut previous: Option<u64> = None;
        // The tree says the newest version among its events (1 for an empty one).
        let mut newest_version: Option<u32> = None;
        for event in events {
            let seq = event.seq;
            newest_version = newest_version.max(Some(event.schema_version));
            if event.schema_version > SCHEMA_VERSION {
                return Err(TraceError::UnsupportedSchema {
                    seq,
                    found: event.schema_version,
                    supported: SCHEMA_VERSION,
                });
            }
            if let Some(previous) = previous {
                if seq <= previous {
                    return Err(TraceError::SeqNotIncreasing { seq, previous });
                }
            }
            previous = Some(seq);
            let span = event.span_id;
            match event.kind.role() {
                EventRole::Opens(kind) => {
                    if index.contains_key(&span) {
                        return Err(TraceError::DuplicateSpan { seq, span });
                    }
                    let (parent_idx, depth) = match event.parent_span_id {
                        None => (None, 1),
                        Some(parent) => {
                            let &p = index.get(&parent).ok_or(TraceError::UnknownParent {
                                seq,
                                span,
                                parent,
                            })?;
                            (Some(p), nodes[p].depth + 1)
                        }
                    };
                    if depth > MAX_SPAN_DEPTH {
                        return Err(TraceError::TooDeep { seq, span, max: MAX_SPAN_DEPTH });
                    }
                    let idx = nodes.len();
                    nodes.push(Builder {
                        start: event,
                        end: None,
                        events: Vec::new(),
                        children: Vec::new(),
                        kind,
                        depth,
                    });
                    index.insert(span, idx);
                    match parent_idx {
                        Some(p) => nodes[p].children.push(idx),
                        None => roots.push(idx),
                    }
                }
                EventRole::Closes(found) => {
                    let &idx = index.get(&span).ok_or(TraceError::UnknownSpan { seq, span })?;
                    let node = &mut nodes[idx];
                    if node.kind != found {
                        return Err(TraceError::KindMismatch {
                            seq,
                            span,
                            opened: node.kind,
                            found,
                        });
                    }
                    if node.end.is_some() {
                        return Err(TraceError::AlreadyClosed { seq, span });
                    }
                    node.end = Some(event);
                }
                EventRole::Point => {
                    let &idx = index.get(&span).ok_or(TraceError::UnknownSpan { seq, span })?;
                    nodes[idx].events.push(event);
                }
            }
        }
        // Assemble children before parents: a child always has a larger index
        // than its parent, so walking indices backwards finishes every child first.
        let mut built: Vec<Option<SpanNode>> = (0..nodes.len()).map(|_| None).collect();
        for idx in (0..nodes.len()).rev() {
            let b = &mut nodes[idx];
            let children = std::mem::take(&mut b.children)
                .into_iter()
                .filter_map(|c| built[c].take())
                .collect();
            let start = b.start.clone();
            built[idx] = Some(SpanNode {
                start,
                end: b.end.take(),
                events: std::mem::take(&mut b.events),
                children,
            });
        }
        let roots = roots.into_iter().filter_map(|r| built[r].take()).collect();
        Ok(Trace { schema_version: newest_version.unwrap_or(1), roots })
    }

    /// The event stream again, in `seq` order.
    pub fn to_events(&self) -> Vec<TraceEvent> {
        let mut out = Vec::new();
        for root in &self.roots {
            for node in root.walk() {
                out.push(node.start.clone());
                out.extend(node.events.iter().cloned());
                out.extend(node.end.iter().cloned());
            }
        }
        out.sort_by_key(|e| e.seq);
        out
    }

    /// Every span, depth first.
    pub fn spans(&self) -> Vec<&SpanNode> {
        self.roots.iter().flat_map(|r| r.walk()).collect()
    }

    /// The tree as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Read a tree written by [`Trace::to_json`], checking its schema version
    /// and that it is a well-formed trace.
    pub fn from_json(json: &str) -> Result<Trace, TraceError> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let version: Version =
            serde_json::from_str(json).map_err(|e| TraceError::BadJson(e.to_string()))?;
        if version.schema_version > SCHEMA_VERSION {
            return Err(TraceError::UnsupportedSchema {
                seq: 0,
                found: version.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let trace: Trace =
            serde_json::from_str(json).map_err(|e| TraceError::BadJson(e.to_string()))?;
        // Re-derive the tree from its events: this validates the structure
        // (parents, kinds, seq) of whatever the file claimed.
        Trace::from_events(trace.to_events())
    }

    /// A human-readable outline (for terminals and logs). Uses the durations
    /// recorded in the events, not timestamps, so it is deterministic.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for root in &self.roots {
            render_node(root, "", "", &mut out);
        }
        out
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.chars().map(|c| if c == '\n' { '⏎' } else { c }).collect();
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

fn describe_call(c: &CallFinished) -> String {
    let mut s = format!(
        "[{}] {}+{} tok ${:.4} {}ms",
        c.outcome.as_str(),
        c.usage.prompt_tokens,
        c.usage.completion_tokens,
        c.cost_usd,
        c.latency_ms
    );
    if c.cached {
        s.push_str(" cached");
    }
    if c.deduped {
        s.push_str(" deduped");
    }
    if let Some(e) = &c.error {
        let _ = write!(s, " error={:?}", one_line(e, 60));
    }
    let _ = write!(s, " → {:?}", one_line(&c.response_preview, 40));
    s
}

fn describe_event(event: &TraceEvent) -> String {
    match &event.kind {
        EventKind::RunStarted(r) => format!(
            "run {} depth={} model={} context={} chars/{} docs query={:?}",
            event.span_id,
            r.depth,
            r.model,
            r.context_chars,
            r.context_documents,
            one_line(&r.query, 50)
        ),
        EventKind::ModelCallStarted(m) => format!(
            "model_call {} iter={} {} ({} msgs)",
            event.span_id, m.iteration, m.model, m.prompt_messages
        ),
        EventKind::ProgramStarted(p) => format!(
            "program {} iter={} code={:?}",
            event.span_id,
            p.iteration,
            one_line(&p.code, 50)
        ),
        EventKind::SubcallStarted(s) => {
            let batch = s.batch_index.map(|i| format!(" batch[{i}]")).unwrap_or_default();
            format!(
                "subcall {} {}{batch} {:?}",
                event.span_id,
                s.model,
                one_line(&s.prompt_preview, 40)
            )
        }
        EventKind::RunFinished(r) => format!(
            "[{}] iterations={} {}+{} tok ${:.4} {}ms",
            r.outcome.as_str(),
            r.iterations,
            r.usage.prompt_tokens,
            r.usage.completion_tokens,
            r.cost_usd,
            r.duration_ms
        ),
        EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c) => describe_call(c),
        EventKind::ProgramFinished(p) => {
            let mut s = format!(
                "[{}] fuel={} mem={}B {}ms stdout={:?}",
                p.outcome.as_str(),
                p.fuel_used,
                p.memory_bytes,
                p.duration_ms,
                one_line(&p.stdout, 40)
            );
            if let Some(e) = &p.error {
                let _ = write!(s, " error={:?}", one_line(e, 60));
            }
            s
        }
        EventKind::Retry(r) => {
            format!("retry attempt={} reason={} delay={}ms", r.attempt, r.reason, r.delay_ms)
        }
        EventKind::Budget(b) => format!(
            "budget {} {}: {} of {} ({})",
            b.level.as_str(),
            b.budget,
            b.used,
            b.limit,
            one_line(&b.message, 60)
        ),
        EventKind::Error(e) => {
            format!("error{} {:?}", if e.fatal { " (fatal)" } else { "" }, one_line(&e.message, 60))
        }
        EventKind::FinalAnswer(a) => format!("final_answer {:?}", one_line(&a.answer, 60)),
        EventKind::Compaction(c) => format!(
            "compaction messages={} tokens={}->{}",
            c.messages_summarised, c.tokens_before, c.tokens_after
        ),
        EventKind::ToolCallStarted(t) => {
            let server = t.server.as_ref().map(|s| format!(" mcp={s}")).unwrap_or_default();
            format!(
                "tool_call {} {}{server} args={:?}",
                event.span_id,
                t.tool,
                one_line(&t.arguments_preview, 40)
            )
        }
        EventKind::ToolCallFinished(t) => {
            let mut s = format!(
                "[{}] {}ms result={:?}",
                t.outcome.as_str(),
                t.latency_ms,
                one_line(&t.result_preview, 40)
            );
            if let Some(e) = &t.error {
                let _ = write!(s, " error={:?}", one_line(e, 60));
            }
            s
        }
    }
}

fn render_node(node: &SpanNode, first: &str, rest: &str, out: &mut String) {
    let end = match &node.end {
        Some(e) => describe_event(e),
        None => "[open]".to_string(),
    };
    let _ = writeln!(out, "{first}{} {end}", describe_event(&node.start));
    // Point events and children interleaved in seq order.
    enum Item<'a> {
        Point(&'a TraceEvent),
        Child(&'a SpanNode),
    }
    let mut items: Vec<(u64, Item)> = node.events.iter().map(|e| (e.seq, Item::Point(e))).collect();
    items.extend(node.children.iter().map(|c| (c.start.seq, Item::Child(c))));
    items.sort_by_key(|(seq, _)| *seq);
    let n = items.len();
    for (i, (_, item)) in items.into_iter().enumerate() {
        let last = i + 1 == n;
        let (branch, cont) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        match item {
            Item::Point(e) => {
                let _ = writeln!(out, "{rest}{branch}• {}", describe_event(e));
            }
            Item::Child(c) => {
                render_node(c, &format!("{rest}{branch}"), &format!("{rest}{cont}"), out)
            }
        }
    }
}
