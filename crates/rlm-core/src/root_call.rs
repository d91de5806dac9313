//! One call of a run's root model: budget reservation, trace span, the
//! reply streamed to listeners when asked, retries recorded, usage settled;
//! abandoned (span closed as cancelled, reservation released) when the
//! execution is cancelled or the run's wall-time budget runs out while it is
//! in flight. Errors stay typed ([`RootError`]) so the loop can
//! tell a context-window overflow from any other failure.

use futures::StreamExt;
use rlm_adapters::{AdapterError, StreamEvent};
use rlm_policy::{BudgetError, CallKind, Estimate};
use rlm_trace::{CallFinished, ModelCallStarted, Retry, SpanId, SpanOutcome};
use rlm_types::{
    ChatMessage, Completion, CompletionRequest, GenerationParams, ModelId, OutputConstraint,
    estimate_tokens_for_chars,
};

use crate::models::retry_reason;
use crate::scope::RunScope;

/// Why a root call produced no reply.
#[derive(Debug)]
pub(crate) enum RootError {
    /// The budget refused the reservation (nothing was sent).
    Budget(BudgetError),
    /// The model failed, after its retries.
    Model(AdapterError),
    /// The execution was cancelled while the call ran.
    Cancelled,
}

/// How one step's root call samples, beyond the run's defaults.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sampling {
    /// A temperature for this call (the repeat escape's re-ask).
    pub temperature: Option<f32>,
    /// Hold the reply to [`ROOT_REPLY_GRAMMAR`](rlm_prompts::ROOT_REPLY_GRAMMAR).
    pub constrained: bool,
    /// The closing call: hold the reply to the answer call alone
    /// ([`ROOT_ANSWER_GRAMMAR`](rlm_prompts::ROOT_ANSWER_GRAMMAR)), where the
    /// provider decodes under a grammar (others ignore it), or to the run's
    /// output schema when it has one.
    pub answer_only: bool,
}

/// Calls the root model with `messages` (handed back, not copied, for the
/// history) for step `iteration`.
pub(crate) async fn call_root(
    scope: &RunScope,
    messages: Vec<ChatMessage>,
    iteration: u32,
) -> (Vec<ChatMessage>, Result<String, RootError>) {
    call_root_with(scope, messages, iteration, Sampling::default()).await
}

/// What the closing call's reply is held to: the run's output schema when
/// it has one (the reply is then the answer as JSON: every OpenAI-compatible
/// server, Anthropic and Gemini take it), else the answer call alone
/// (`ROOT_ANSWER_GRAMMAR`, for servers that decode under a grammar).
fn answer_constraint(scope: &RunScope) -> OutputConstraint {
    match &scope.engine.output_schema {
        Some(schema) if scope.depth == 0 => {
            OutputConstraint::JsonSchema(schema.schema_text().to_string())
        }
        _ => OutputConstraint::Grammar(rlm_prompts::ROOT_ANSWER_GRAMMAR.to_string()),
    }
}

/// [`call_root`] with this step's [`Sampling`].
pub(crate) async fn call_root_with(
    scope: &RunScope,
    messages: Vec<ChatMessage>,
    iteration: u32,
    sampling: Sampling,
) -> (Vec<ChatMessage>, Result<String, RootError>) {
    let engine = &scope.engine;
    // Bytes, not characters: as many or more, so the reservation errs high, and
    // free to read (the history grows every step).
    let prompt_bytes: usize = messages.iter().map(|m| m.content.len()).sum();
    let prompt_tokens = estimate_tokens_for_chars(prompt_bytes as u64);
    let completion_room = u64::from(engine.options.root_max_tokens.unwrap_or(1024));
    let estimated_tokens = prompt_tokens + completion_room;
    let reservation =
        match scope.budget.reserve(CallKind::Root, Estimate::new(estimated_tokens, 0.0)) {
            Ok(r) => r,
            Err(e) => return (messages, Err(RootError::Budget(e))),
        };
    let model = engine.root.model_id();
    let span = scope.recorder.start_model_call(
        scope.run_span,
        ModelCallStarted {
            model: model.to_string(),
            iteration,
            prompt_preview: messages.last().map(|m| m.content.clone()).unwrap_or_default(),
            prompt_messages: messages.len() as u32,
        },
    );
    let traceparent = scope.recorder.traceparent(span);
    let request = CompletionRequest {
        messages,
        params: GenerationParams {
            max_tokens: engine.options.root_max_tokens,
            temperature: sampling.temperature,
            constraint: if sampling.answer_only {
                Some(answer_constraint(scope))
            } else {
                sampling
                    .constrained
                    .then(|| OutputConstraint::Grammar(rlm_prompts::ROOT_REPLY_GRAMMAR.to_string()))
            },
            ..Default::default()
        },
        traceparent,
    };
    let clock = scope.budget.clock().clone();
    let started = clock.now();
    // The run's deadline bounds the wait: a call queued at a slow server must
    // not outlast `max_wall_time` (which is otherwise checked between steps).
    let deadline = scope.budget.time_left();
    let outcome = scope
        .unless_cancelled(async {
            match deadline {
                // A replay's clock jumps to a cut call's time: watch it too.
                Some(left) => tokio::select! {
                    sent = admitted_send(scope, &request, span, (&model, estimated_tokens)) => Some(sent),
                    () = tokio::time::sleep(left) => None,
                    () = time_up(scope), if clock.is_replay() => None,
                },
                None => Some(admitted_send(scope, &request, span, (&model, estimated_tokens)).await),
            }
        })
        .await;
    let latency_ms = u64::try_from(clock.since(started).as_millis()).unwrap_or(u64::MAX);
    let messages = request.messages;
    let finished = |outcome, error: Option<String>| CallFinished {
        outcome,
        response_preview: String::new(),
        usage: Default::default(),
        cost_usd: 0.0,
        latency_ms,
        cached: false,
        deduped: false,
        error,
    };
    match outcome {
        Some(None) => {
            // The deadline passed with the call in flight: abandoned like a
            // cancelled one, and the run ends on its time budget.
            reservation.cancel();
            let error = scope.budget.check().err();
            scope.recorder.finish_model_call(
                span,
                finished(SpanOutcome::Cancelled, Some("the run's wall-time budget ran out".into())),
            );
            match error {
                Some(e) => (messages, Err(RootError::Budget(e))),
                None => (messages, Err(RootError::Cancelled)),
            }
        }
        Some(Some(Ok(c))) => {
            let cost = engine.prices.cost(&model, &c.usage).unwrap_or(0.0);
            reservation.settle(&c.usage, cost);
            scope.recorder.finish_model_call(
                span,
                CallFinished {
                    response_preview: c.text.clone(),
                    usage: c.usage,
                    cost_usd: cost,
                    ..finished(SpanOutcome::Ok, None)
                },
            );
            (messages, Ok(c.text))
        }
        Some(Some(Err(e))) => {
            reservation.cancel();
            scope
                .recorder
                .finish_model_call(span, finished(SpanOutcome::Error, Some(e.to_string())));
            (messages, Err(RootError::Model(e)))
        }
        None => {
            // Whatever the provider did with the abandoned request is unknown: the
            // reservation is released, nothing is charged.
            reservation.cancel();
            scope.recorder.finish_model_call(
                span,
                finished(SpanOutcome::Cancelled, Some("cancelled".to_string())),
            );
            (messages, Err(RootError::Cancelled))
        }
    }
}

/// Sends the request once the root model's rate limits let it through (the
/// scheduler's: a model's rates count its every call, root and sub alike).
async fn admitted_send(
    scope: &RunScope,
    request: &CompletionRequest,
    span: SpanId,
    (model, estimated_tokens): (&ModelId, u64),
) -> Result<Completion, AdapterError> {
    scope.engine.scheduler.admit(model, estimated_tokens).await;
    send(scope, request, span).await
}

/// Sends the request, streamed (deltas to the trace) when the run asks for it.
async fn send(
    scope: &RunScope,
    request: &CompletionRequest,
    span: SpanId,
) -> Result<Completion, AdapterError> {
    let root = &scope.engine.root;
    let record_retries = |retries: &[rlm_adapters::RetryRecord]| {
        for r in retries {
            scope.recorder.retry(
                span,
                Retry {
                    attempt: r.attempt,
                    reason: retry_reason(&r.reason),
                    delay_ms: u64::try_from(r.delay.as_millis()).unwrap_or(u64::MAX),
                },
            );
        }
    };
    // Every request sent counts in the run's usage, retries included.
    let count = |attempts: u32| scope.budget.count_requests(u64::from(attempts));
    if !scope.stream_root {
        let report = root.call(request).await;
        record_retries(&report.retries);
        count(report.attempts);
        return report.result;
    }
    let report = root.stream(request).await;
    record_retries(&report.retries);
    count(report.attempts);
    let mut events = report.result?;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Delta { text } => scope.recorder.model_delta(span, &text),
            StreamEvent::Done { completion } => return Ok(completion),
        }
    }
    Err(AdapterError::Connection {
        attempts: 1,
        message: "the stream ended before its final event".into(),
    })
}

/// Ends once the run's clock has no time left: a replay moves its clock to a
/// cut call's time (the call never answers), and the wait ends there, as the
/// recorded run's did. Only a replay's clock is watched (a live clock is
/// real time, which the sleep beside it covers).
async fn time_up(scope: &RunScope) {
    let mut tick = tokio::time::interval(TIME_UP_TICK);
    loop {
        tick.tick().await;
        if scope.budget.time_left().is_some_and(|left| left.is_zero()) {
            return;
        }
    }
}

/// How often a root call's wait looks at the run's clock.
const TIME_UP_TICK: std::time::Duration = std::time::Duration::from_millis(20);
