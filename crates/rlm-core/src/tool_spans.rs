//! A program's tool call as a span of its own (`tool_call_started` /
//! `tool_call_finished`, under the program's span): the tool's name, its MCP
//! server when it is one's, the start of its arguments and of its result,
//! how long it took and the message it raised. The span closes when the
//! call ends, or as cancelled when the call is dropped unfinished.

use std::time::Instant;

use futures::future::BoxFuture;
use rlm_functions::{Tool, ToolResult};
use rlm_trace::{SpanId, SpanOutcome, ToolCallFinished, ToolCallStarted, TraceRecorder};
use serde_json::Value as Json;

/// Characters of a tool's arguments and result a trace keeps.
const PREVIEW_CHARS: usize = 400;

/// `tool`'s call with `args`, traced under `parent`.
pub(crate) fn traced_call(
    recorder: &TraceRecorder,
    parent: SpanId,
    tool: &Tool,
    args: Vec<Json>,
) -> BoxFuture<'static, ToolResult> {
    let span = recorder.start_tool_call(
        parent,
        ToolCallStarted {
            tool: tool.name.clone(),
            server: tool.server().map(str::to_string),
            arguments_preview: preview(&Json::Array(args.clone())),
        },
    );
    let mut open = OpenSpan { recorder: recorder.clone(), span, started: Instant::now() };
    let call = tool.call(args);
    Box::pin(async move {
        let result = call.await;
        let (outcome, result_preview, error) = match &result {
            Ok(value) => (SpanOutcome::Ok, preview(value), None),
            Err(message) => (SpanOutcome::Error, String::new(), Some(message.clone())),
        };
        open.finish(outcome, result_preview, error);
        result
    })
}

/// The start of `value` as the program would see it (a string as itself).
fn preview(value: &Json) -> String {
    match value {
        Json::String(s) => s.chars().take(PREVIEW_CHARS).collect(),
        other => other.to_string().chars().take(PREVIEW_CHARS).collect(),
    }
}

/// A tool call's span until it is finished; dropped open, it closes as cancelled.
struct OpenSpan {
    recorder: TraceRecorder,
    span: SpanId,
    started: Instant,
}

impl OpenSpan {
    fn finish(&mut self, outcome: SpanOutcome, result_preview: String, error: Option<String>) {
        let latency_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let span = std::mem::replace(&mut self.span, SpanId(0));
        self.recorder.finish_tool_call(
            span,
            ToolCallFinished { outcome, result_preview, latency_ms, error },
        );
    }
}

impl Drop for OpenSpan {
    fn drop(&mut self) {
        if self.span != SpanId(0) {
            self.finish(SpanOutcome::Cancelled, String::new(), None);
        }
    }
}
