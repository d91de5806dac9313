//! Shared helpers of the loop tests: scripted adapters and the trace's shape.

#![allow(dead_code)]

pub mod logs;

use std::collections::HashMap;
use std::sync::Arc;

use rlm_adapters::{FakeAdapter, FakeReply, FakeRule, FakeScript, MatchTarget, WhenExhausted};
use rlm_trace::{EventKind, TraceEvent};

/// A root model that replies in order (the last reply repeats when `repeat`).
pub fn root(replies: &[&str]) -> Arc<FakeAdapter> {
    Arc::new(FakeAdapter::replies(replies.iter().copied()).with_model_name("root"))
}

/// A scripted adapter: `(pattern, reply)` rules over the last user message,
/// then ordered replies, then `fallback`.
pub fn scripted(
    name: &str,
    rules: &[(&str, &str)],
    replies: &[&str],
    fallback: Option<&str>,
) -> Arc<FakeAdapter> {
    let script = FakeScript {
        model: Some(name.to_string()),
        replies: replies.iter().map(|r| FakeReply::Text(r.to_string())).collect(),
        rules: rules
            .iter()
            .map(|(p, r)| FakeRule {
                pattern: p.to_string(),
                target: MatchTarget::LastUser,
                reply: FakeReply::Text(r.to_string()),
                times: None,
            })
            .collect(),
        when_exhausted: match fallback {
            Some(f) => WhenExhausted::Fixed(f.to_string()),
            None => WhenExhausted::Error,
        },
        context_window: None,
    };
    Arc::new(FakeAdapter::scripted(script).expect("valid script"))
}

/// Like [`scripted`], with every rule's reply delayed by `delay_ms` (so
/// concurrent runs really overlap).
pub fn scripted_delayed(name: &str, rules: &[(&str, &str)], delay_ms: u64) -> Arc<FakeAdapter> {
    let script = FakeScript {
        model: Some(name.to_string()),
        replies: Vec::new(),
        rules: rules
            .iter()
            .map(|(p, r)| FakeRule {
                pattern: p.to_string(),
                target: MatchTarget::LastUser,
                reply: FakeReply::Full(rlm_adapters::FakeReplySpec {
                    text: r.to_string(),
                    delay_ms: Some(delay_ms),
                    ..Default::default()
                }),
                times: None,
            })
            .collect(),
        when_exhausted: WhenExhausted::Error,
        context_window: None,
    };
    Arc::new(FakeAdapter::scripted(script).expect("valid script"))
}

/// A ```repl block.
pub fn repl(code: &str) -> String {
    format!("```repl\n{code}\n```")
}

/// The trace as an indented outline of span openings and point events, with
/// the fields that matter for the shape (no times, no ids).
pub fn shape(events: &[TraceEvent]) -> String {
    let mut depth: HashMap<u64, usize> = HashMap::new();
    let mut out = String::new();
    for e in events {
        let parent_depth = e.parent_span_id.and_then(|p| depth.get(&p.0).copied());
        let own = match &e.kind {
            EventKind::RunStarted(_)
            | EventKind::ModelCallStarted(_)
            | EventKind::ProgramStarted(_)
            | EventKind::SubcallStarted(_)
            | EventKind::ToolCallStarted(_) => {
                let d = parent_depth.map(|d| d + 1).unwrap_or(0);
                depth.insert(e.span_id.0, d);
                d
            }
            _ => depth.get(&e.span_id.0).copied().unwrap_or(0),
        };
        let line = match &e.kind {
            EventKind::RunStarted(r) => format!("run depth={} query={:?}", r.depth, cut(&r.query)),
            EventKind::RunFinished(r) => {
                format!("run_finished outcome={} iterations={}", r.outcome.as_str(), r.iterations)
            }
            EventKind::ModelCallStarted(m) => format!("model_call iteration={}", m.iteration),
            EventKind::ModelCallFinished(c) => {
                format!("model_call_finished {}", c.outcome.as_str())
            }
            EventKind::ProgramStarted(p) => format!("program {:?}", cut(&p.code)),
            EventKind::ProgramFinished(p) => format!(
                "program_finished {} stdout={:?}{}",
                p.outcome.as_str(),
                cut(&p.stdout),
                p.error
                    .as_ref()
                    .map(|e| format!(" error={:?}", cut(last_line(e))))
                    .unwrap_or_default()
            ),
            EventKind::SubcallStarted(s) => format!("subcall model={}", s.model),
            EventKind::SubcallFinished(c) => {
                format!("subcall_finished {} {:?}", c.outcome.as_str(), cut(&c.response_preview))
            }
            EventKind::Retry(r) => format!("retry {}", r.reason),
            EventKind::Budget(b) => format!("budget {} {}", b.level.as_str(), b.budget),
            EventKind::Error(e) => format!("note {:?}", cut(&e.message)),
            EventKind::FinalAnswer(a) => format!("final_answer {:?}", cut(&a.answer)),
            EventKind::Compaction(c) => format!("compaction messages={}", c.messages_summarised),
            EventKind::ToolCallStarted(t) => format!("tool_call {}", t.tool),
            EventKind::ToolCallFinished(t) => format!("tool_call_finished {}", t.outcome.as_str()),
        };
        let indent = match &e.kind {
            EventKind::RunFinished(_)
            | EventKind::ModelCallFinished(_)
            | EventKind::ProgramFinished(_)
            | EventKind::SubcallFinished(_)
            | EventKind::ToolCallFinished(_) => own,
            EventKind::RunStarted(_)
            | EventKind::ModelCallStarted(_)
            | EventKind::ProgramStarted(_)
            | EventKind::SubcallStarted(_)
            | EventKind::ToolCallStarted(_) => own,
            _ => own + 1,
        };
        out.push_str(&"  ".repeat(indent));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or("")
}

fn cut(s: &str) -> String {
    let one_line = s.replace('\n', "⏎");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(60).collect::<String>())
    } else {
        one_line
    }
}
