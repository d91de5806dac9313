//! A program's tool call as an OpenTelemetry span under the program's:
//! OpenInference `TOOL`, `gen_ai.operation.name = execute_tool`,
//! `gen_ai.tool.name` the tool's, and `mcp.server.name` when it is an MCP
//! server's; arguments and result only with `telemetry.capture_content`.

use opentelemetry::trace::Span as _;
use rlm_trace::{ToolCallFinished, ToolCallStarted, TraceEvent};

use super::{Open, OtelListener, State, int, kv, status_of};

impl OtelListener {
    pub(super) fn tool_call_started(
        &self,
        state: &mut State,
        event: &TraceEvent,
        call: &ToolCallStarted,
    ) {
        let Some(program) = event.parent_span_id else { return };
        let Some(parent) = state.open.get(&program) else { return };
        let (parent, run) = (parent.context.clone(), parent.run);
        let mut attributes = vec![
            kv("openinference.span.kind", "TOOL"),
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", call.tool.clone()),
            kv("tool.name", call.tool.clone()),
            kv("rlm.span_id", int(event.span_id.0)),
        ];
        if let Some(server) = &call.server {
            attributes.push(kv("mcp.server.name", server.clone()));
        }
        if let Some(kv) = self.content("input.value", &call.arguments_preview) {
            attributes.push(kv);
        }
        let name = format!("execute_tool {}", call.tool);
        let (span, context) = self.start(name, Some(parent), event.ts, attributes);
        state.open.insert(event.span_id, Open { span, context, run, model: String::new() });
    }

    pub(super) fn tool_call_finished(
        &self,
        state: &mut State,
        event: &TraceEvent,
        call: &ToolCallFinished,
    ) {
        let Some(mut open) = Self::close(state, event.span_id, event.ts) else { return };
        let span = &mut open.span;
        span.set_attribute(kv("rlm.outcome", call.outcome.as_str()));
        span.set_attribute(kv("rlm.latency_ms", int(call.latency_ms)));
        if let Some(kv) = self.content("output.value", &call.result_preview) {
            span.set_attribute(kv);
        }
        span.set_status(status_of(call.outcome, call.error.as_deref()));
        span.end_with_timestamp(super::time(event.ts));
    }
}
