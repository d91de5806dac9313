//! The scheduler's events mapped onto the trace's subcall spans, live: one
//! observer per batch closes each request's span when its call ends, with its
//! own latency, its retries as `retry` events, and cache or dedup hits marked
//! and priced at $0 (nothing was spent). It keeps each request's latency for
//! the `LLMError` of a prompt that failed.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use rlm_adapters::AdapterError;
use rlm_sched::{CallObserver, CallResult, SubcallEvent, SubcallEventKind};
use rlm_trace::{CallFinished, Retry, SpanId, SpanOutcome, TraceRecorder};

/// Watches one scheduler batch; `spans[i]` is the span of the batch's request `i`.
pub(crate) struct SubcallSpans {
    pub recorder: TraceRecorder,
    pub spans: Vec<SpanId>,
    /// When the batch was submitted (the latency of cache and dedup hits).
    pub submitted: Instant,
    /// Each request's latency in milliseconds, once its call ended.
    pub latencies_ms: Mutex<Vec<u64>>,
}

impl SubcallSpans {
    pub(crate) fn new(recorder: TraceRecorder, spans: Vec<SpanId>, submitted: Instant) -> Self {
        let latencies_ms = Mutex::new(vec![0; spans.len()]);
        SubcallSpans { recorder, spans, submitted, latencies_ms }
    }

    /// Each request's latency in milliseconds (0 for a call that has not ended).
    pub(crate) fn latencies_ms(&self) -> Vec<u64> {
        self.latencies_ms.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl CallObserver<AdapterError> for SubcallSpans {
    fn on_event(&self, event: &SubcallEvent, result: Option<&CallResult<AdapterError>>) {
        let Some(&span) = self.spans.get(event.index) else { return };
        let waited_ms = u64::try_from(self.submitted.elapsed().as_millis()).unwrap_or(u64::MAX);
        let text = || match result {
            Some(Ok(c)) => c.text.clone(),
            _ => String::new(),
        };
        let error = || match result {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        };
        let free = |outcome, cached, deduped| CallFinished {
            outcome,
            response_preview: text(),
            usage: Default::default(),
            cost_usd: 0.0,
            latency_ms: waited_ms,
            cached,
            deduped,
            error: error(),
        };
        let finished = match &event.kind {
            SubcallEventKind::Started { .. } => return,
            SubcallEventKind::Retried { attempt, reason, delay_ms } => {
                self.recorder.retry(
                    span,
                    Retry { attempt: *attempt, reason: reason.clone(), delay_ms: *delay_ms },
                );
                return;
            }
            SubcallEventKind::CacheHit { .. } => free(SpanOutcome::Ok, true, false),
            SubcallEventKind::DedupHit { ok, .. } => {
                free(if *ok { SpanOutcome::Ok } else { SpanOutcome::Error }, false, true)
            }
            SubcallEventKind::BudgetRefused { .. } => {
                free(SpanOutcome::BudgetExceeded, false, false)
            }
            SubcallEventKind::Cancelled => CallFinished {
                error: Some("cancelled".to_string()),
                ..free(SpanOutcome::Cancelled, false, false)
            },
            SubcallEventKind::Finished { latency_ms, usage, cost_usd } => CallFinished {
                usage: *usage,
                cost_usd: *cost_usd,
                latency_ms: *latency_ms,
                ..free(SpanOutcome::Ok, false, false)
            },
            SubcallEventKind::Failed { latency_ms, .. } => {
                CallFinished { latency_ms: *latency_ms, ..free(SpanOutcome::Error, false, false) }
            }
        };
        if let Some(ms) =
            self.latencies_ms.lock().unwrap_or_else(PoisonError::into_inner).get_mut(event.index)
        {
            *ms = finished.latency_ms;
        }
        self.recorder.finish_subcall(span, finished);
    }
}
