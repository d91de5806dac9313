//! One question asked in a [`Session`] on behalf of a tool call: progress
//! notifications per step while it runs, and cancellation honoured. An MCP
//! `notifications/cancelled` cancels the request's token, which cancels the
//! execution through rlm-core's `Canceller` (calls in flight abandoned,
//! reservations released, spans closed, `Finish::Cancelled`); a request whose
//! handler is dropped (the client went away) cancels it too. A
//! `traceparent` in the call's `_meta` parents the run's OpenTelemetry trace.

use std::sync::Arc;

use rlm_core::{Canceller, Execution, Session, SessionError};
use rmcp::RoleServer;
use rmcp::service::RequestContext;
use serde_json::{Value, json};

use crate::progress::StepProgress;

/// Cancels the execution unless disarmed: the handler's future dropped
/// mid-run (client gone) must not leave the run spending.
struct CancelOnDrop(Option<Canceller>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel();
        }
    }
}

/// Asks `question` in `session` and waits for its record, sending progress
/// when the request carries a progress token and cancelling the execution
/// when the request is cancelled.
pub async fn ask(
    session: &Session,
    question: String,
    request: &RequestContext<RoleServer>,
) -> Result<Execution, SessionError> {
    let handle = session.start_traced(question, trace_parent_of(request))?;
    let progress = request
        .meta
        .get_progress_token()
        .map(|token| Arc::new(StepProgress::start(request.peer.clone(), token)));
    if let Some(p) = &progress {
        handle.subscribe(Arc::clone(p) as Arc<dyn rlm_trace::TraceListener>);
    }
    let canceller = handle.canceller();
    let mut guard = CancelOnDrop(Some(handle.canceller()));
    let wait = handle.wait();
    tokio::pin!(wait);
    let result = tokio::select! {
        r = &mut wait => r,
        () = request.ct.cancelled() => {
            canceller.cancel();
            wait.await
        }
    };
    guard.0 = None;
    // The last step's progress reaches the client before the result does.
    if let Some(p) = &progress {
        p.finish().await;
    }
    result
}

/// The W3C `traceparent` a tool call carries in `params._meta` (the MCP
/// convention for trace context), if it is one; a malformed one is ignored,
/// as W3C says of a bad header.
fn trace_parent_of(request: &RequestContext<RoleServer>) -> Option<rlm_core::TraceParent> {
    rlm_core::TraceParent::parse(request.meta.get_traceparent()?).ok()
}

/// What a tool returns about a finished execution (its structured content).
pub fn execution_json(execution: &Execution, session_id: Option<&str>) -> Value {
    let u = &execution.usage;
    json!({
        "answer": execution.answer,
        "finish": execution.finish.as_str(),
        "finish_reason": execution.finish.reason(),
        "steps": execution.steps,
        "usage": {
            "prompt_tokens": u.usage.prompt_tokens,
            "completion_tokens": u.usage.completion_tokens,
            "total_tokens": u.usage.total(),
            "root_calls": u.root_calls,
            "subcalls": u.subcalls,
        },
        "cost_usd": u.cost_usd,
        "duration_ms": execution.duration_ms,
        "trace_id": execution.id.0,
        "trace_uri": crate::resources::trace_uri(&execution.id.0),
        "session_id": session_id,
    })
}
