//! The SmartRouter's baseline: a context small enough is answered by one
//! direct root-model call with the whole context, not by the loop.

use std::time::Instant;

use rlm_trace::{FinalAnswer, RunFinished, RunStarted, SpanOutcome};
use rlm_types::ChatMessage;

use crate::outcome::{Finish, Mode, RunResult};
use crate::root_call::{RootError, call_root};
use crate::scope::RunScope;
use rlm_prompts::render_or_explain;

/// Starts the run span and returns the scope the call runs in.
pub(crate) fn start(
    engine: std::sync::Arc<crate::engine::Engine>,
    control: crate::run_loop::RunControl,
    budget: rlm_policy::Budget,
    query: &str,
    context: rlm_context::Context,
) -> RunScope {
    let run_span = control.recorder.start_run(
        None,
        RunStarted {
            query: query.to_string(),
            model: engine.root.model_id().to_string(),
            depth: 0,
            context_chars: context.len_chars(),
            context_documents: context.num_documents() as u64,
            otel_trace_id: None,
        },
    );
    RunScope {
        engine,
        recorder: control.recorder,
        run_span,
        budget,
        context,
        depth: 0,
        cancel: control.cancel,
        stream_root: control.stream_root,
        // One direct call runs no program.
        retrieval: None,
    }
}

/// One direct call with the whole context (events left in the recorder).
pub(crate) async fn answer_directly(scope: &RunScope, query: &str) -> RunResult {
    let started = Instant::now();
    let mut prompt = render_or_explain(
        &scope.engine.prompts.direct,
        &[("query", query), ("context", scope.context.as_str())],
    );
    if let Some(schema) = &scope.engine.output_schema {
        let note = &scope.engine.prompts.notes.direct_answer_schema;
        let note = render_or_explain(note, &[("schema", schema.schema_text())]);
        prompt = format!("{}\n\n{note}", prompt.trim_end());
    }
    let (_, result) = call_root(scope, vec![ChatMessage::user(prompt)], 1).await;
    let (answer, finish) = match result {
        Ok(text) => (Some(text.trim().to_string()), Finish::Direct),
        Err(RootError::Budget(e)) => (None, Finish::BestEffort { reason: e.to_string() }),
        Err(RootError::Model(e)) => (None, Finish::ModelError { message: e.to_string() }),
        Err(RootError::Cancelled) => (None, Finish::Cancelled),
    };
    let (answer, finish) = match (&scope.engine.output_schema, answer) {
        (Some(schema), Some(a)) => match crate::answer_schema::check(schema, &a) {
            crate::answer_schema::SchemaCheck::Valid(json) => (Some(json), finish),
            crate::answer_schema::SchemaCheck::Invalid(violations) => {
                let reason = format!("the direct answer fails the output schema:\n{violations}");
                (Some(a), Finish::SchemaFailed { reason })
            }
        },
        (_, answer) => (answer, finish),
    };
    if let Some(a) = &answer {
        scope.recorder.final_answer(scope.run_span, FinalAnswer { answer: a.clone() });
    }
    let snap = scope.budget.tree_snapshot();
    scope.recorder.finish_run(
        scope.run_span,
        RunFinished {
            outcome: match (&answer, &finish) {
                (_, Finish::Cancelled) => SpanOutcome::Cancelled,
                (Some(_), _) => SpanOutcome::Ok,
                (None, _) => SpanOutcome::Error,
            },
            iterations: 1,
            usage: snap.usage,
            cost_usd: snap.cost_usd,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
    );
    // One direct call: the answer is checked but not sent back (no loop to go on).
    let criteria =
        answer.as_deref().and_then(|a| scope.engine.criteria.as_ref().map(|c| c.check(a)));
    RunResult {
        criteria,
        answer,
        finish,
        mode: Mode::Direct,
        steps: 1,
        usage: scope.budget.tree_snapshot(),
        events: Vec::new(),
    }
}
