//! The RLM Engine's execution tree from our trace: the root run is the
//! `root` node; the subcalls and sub-RLM runs its programs made are its
//! `child` nodes, nested (a sub-RLM's own subcalls are its children). Programs
//! and root-model calls are folded into their run (`generated_code`, tokens).

use rlm_trace::{EventKind, SpanKind, SpanNode, SpanOutcome, Trace, TraceEvent};
use uuid::Uuid;

use crate::shapes::{ExecutionNode, ExecutionTree, time};

/// Builds the tree; `None` inside when there is no run yet (or the stream is unusable).
pub fn execution_tree(execution_id: Uuid, events: &[TraceEvent]) -> ExecutionTree {
    let root = Trace::from_events(events.iter().cloned())
        .ok()
        .and_then(|t| t.roots.into_iter().find(|r| r.kind() == Some(SpanKind::Run)));
    let tree = root.map(|r| node(execution_id, &r, None, 0, 0));
    let total_nodes = tree.as_ref().map_or(0, count);
    ExecutionTree { execution_id, tree, total_nodes }
}

fn count(node: &ExecutionNode) -> usize {
    1 + node.children.iter().map(count).sum::<usize>()
}

fn status(span: &SpanNode) -> &'static str {
    match span.outcome() {
        None => "running",
        Some(SpanOutcome::Ok) => "completed",
        Some(SpanOutcome::Cancelled) => "cancelled",
        Some(_) => "failed",
    }
}

fn node(
    execution_id: Uuid,
    span: &SpanNode,
    parent: Option<String>,
    depth: u32,
    sequence_number: u32,
) -> ExecutionNode {
    let id = format!("{execution_id}-{}", span.span_id().0);
    let mut n = ExecutionNode {
        id: id.clone(),
        execution_id,
        parent_node_id: parent,
        node_type: if depth == 0 { "root" } else { "child" }.to_string(),
        depth,
        sequence_number,
        prompt: None,
        generated_code: None,
        status: status(span).to_string(),
        started_at: Some(time(span.start.ts as i64)),
        completed_at: span.end.as_ref().map(|e| time(e.ts as i64)),
        model_used: None,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0.0,
        output: None,
        error_message: None,
        memory_before: None,
        memory_after: None,
        children: Vec::new(),
        span_kind: span.kind().map_or("run", SpanKind::as_str).to_string(),
        cached: false,
        deduped: false,
        retries: 0,
        latency_ms: span.elapsed_us().map(|us| us / 1000),
    };
    n.retries = span.events.iter().filter(|e| matches!(e.kind, EventKind::Retry(_))).count() as u32;
    match &span.start.kind {
        EventKind::SubcallStarted(s) => {
            n.prompt = Some(s.prompt_preview.clone());
            n.model_used = Some(s.model.clone());
            if let Some(EventKind::SubcallFinished(c)) = span.end.as_ref().map(|e| &e.kind) {
                n.output = Some(c.response_preview.clone());
                n.input_tokens = c.usage.prompt_tokens;
                n.output_tokens = c.usage.completion_tokens;
                n.cost_usd = c.cost_usd;
                n.cached = c.cached;
                n.deduped = c.deduped;
                n.error_message = c.error.clone();
                n.latency_ms = Some(c.latency_ms);
            }
            return n;
        }
        EventKind::RunStarted(r) => {
            n.prompt = Some(r.query.clone());
            n.model_used = Some(r.model.clone());
        }
        _ => {}
    }
    // A run: its programs' code, its answer, its spend, and the calls below it.
    let mut code = Vec::new();
    let mut last_stdout = None;
    let mut children = Vec::new();
    for child in &span.children {
        match &child.start.kind {
            EventKind::ProgramStarted(p) => {
                code.push(p.code.clone());
                if let Some(EventKind::ProgramFinished(f)) = child.end.as_ref().map(|e| &e.kind) {
                    last_stdout = Some(f.stdout.clone());
                    if f.error.is_some() {
                        n.error_message = f.error.clone();
                    }
                }
                children.extend(
                    child.children.iter().filter(|c| {
                        matches!(c.kind(), Some(SpanKind::Subcall) | Some(SpanKind::Run))
                    }),
                );
            }
            EventKind::ModelCallStarted(_) => {
                n.retries +=
                    child.events.iter().filter(|e| matches!(e.kind, EventKind::Retry(_))).count()
                        as u32;
                if let Some(EventKind::ModelCallFinished(c)) = child.end.as_ref().map(|e| &e.kind)
                    && c.error.is_some()
                {
                    n.error_message = c.error.clone();
                }
            }
            EventKind::SubcallStarted(_) | EventKind::RunStarted(_) => children.push(child),
            _ => {}
        }
    }
    if !code.is_empty() {
        n.generated_code = Some(code.join("\n\n"));
    }
    let answer = span.events.iter().find_map(|e| match &e.kind {
        EventKind::FinalAnswer(a) => Some(a.answer.clone()),
        _ => None,
    });
    n.output = answer.or(last_stdout);
    for e in &span.events {
        if let EventKind::Error(err) = &e.kind
            && err.fatal
        {
            n.error_message = Some(err.message.clone());
        }
    }
    if let Some(EventKind::RunFinished(r)) = span.end.as_ref().map(|e| &e.kind) {
        n.input_tokens = r.usage.prompt_tokens;
        n.output_tokens = r.usage.completion_tokens;
        n.cost_usd = r.cost_usd;
    }
    if n.status == "completed" {
        n.error_message = None;
    }
    n.children = children
        .into_iter()
        .enumerate()
        .map(|(i, c)| node(execution_id, c, Some(id.clone()), depth + 1, i as u32))
        .collect();
    n
}
