//! OTLP metrics mirroring `rlm serve`'s main Prometheus series, for teams
//! without Prometheus. They are counted from the same trace events as the
//! spans (by [`crate::OtelListener`]), so every front end that exports
//! traces exports them too, through the same endpoint:
//!
//! | OTLP metric | Prometheus series | attributes |
//! |---|---|---|
//! | `rlm.executions` | `rlm_executions_total` | `rlm.outcome` |
//! | `rlm.execution.duration` (s) | `rlm_execution_duration_seconds` | `rlm.outcome` |
//! | `rlm.tokens` | `rlm_tokens_total` | `gen_ai.token.type` (`input`, `output`) |
//! | `rlm.cost` (USD) | `rlm_cost_usd_total` | |
//! | `rlm.subcalls` | `rlm_subcalls_total` | `rlm.result` (`ok`, `error`, `cancelled`, `cached`, `deduped`) |
//! | `rlm.subcall.duration` (s) | `rlm_subcall_duration_seconds` | |
//! | `rlm.retries` | `rlm_retries_total` | `rlm.retry.reason` |
//! | `gen_ai.client.token.usage` | `rlm_model_tokens_total` | GenAI's: model, provider, token type |
//!
//! Executions, tokens and cost count root runs only (a nested run's spend
//! is in its root's).

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};
use rlm_trace::{CallFinished, RunFinished, SpanOutcome};

/// Seconds: from 5 ms doubling 18 times, as the Prometheus histograms.
fn seconds_buckets(first: f64) -> Vec<f64> {
    (0..18).map(|i| first * 2f64.powi(i)).collect()
}

/// GenAI's token-usage buckets (powers of 4 from 1 to 4^13).
fn token_buckets() -> Vec<f64> {
    (0..14).map(|i| 4f64.powi(i)).collect()
}

/// The instruments every listener of one pipeline counts into.
#[derive(Debug)]
pub(crate) struct RunMetrics {
    executions: Counter<u64>,
    execution_duration: Histogram<f64>,
    tokens: Counter<u64>,
    cost: Counter<f64>,
    subcalls: Counter<u64>,
    subcall_duration: Histogram<f64>,
    retries: Counter<u64>,
    token_usage: Histogram<u64>,
}

impl RunMetrics {
    pub(crate) fn new(meter: &Meter) -> RunMetrics {
        RunMetrics {
            executions: meter
                .u64_counter("rlm.executions")
                .with_description("Finished root runs by outcome")
                .build(),
            execution_duration: meter
                .f64_histogram("rlm.execution.duration")
                .with_unit("s")
                .with_description("Wall time of finished root runs")
                .with_boundaries(seconds_buckets(0.005))
                .build(),
            tokens: meter
                .u64_counter("rlm.tokens")
                .with_description("Model tokens spent by root runs' trees (input, output)")
                .build(),
            cost: meter
                .f64_counter("rlm.cost")
                .with_unit("USD")
                .with_description("Model spend of root runs' trees in US dollars")
                .build(),
            subcalls: meter
                .u64_counter("rlm.subcalls")
                .with_description(
                    "Sub-model calls by result (ok, error, cancelled, cached, deduped)",
                )
                .build(),
            subcall_duration: meter
                .f64_histogram("rlm.subcall.duration")
                .with_unit("s")
                .with_description("Latency of sub-model calls that reached the provider")
                .with_boundaries(seconds_buckets(0.001))
                .build(),
            retries: meter
                .u64_counter("rlm.retries")
                .with_description("Model call retries by reason")
                .build(),
            token_usage: meter
                .u64_histogram("gen_ai.client.token.usage")
                .with_unit("{token}")
                .with_description("Tokens per model call (GenAI semantic conventions)")
                .with_boundaries(token_buckets())
                .build(),
        }
    }

    /// A root run ended.
    pub(crate) fn run_finished(&self, run: &RunFinished) {
        let outcome = [KeyValue::new("rlm.outcome", run.outcome.as_str())];
        self.executions.add(1, &outcome);
        self.execution_duration.record(run.duration_ms as f64 / 1000.0, &outcome);
        let input = [KeyValue::new("gen_ai.token.type", "input")];
        let output = [KeyValue::new("gen_ai.token.type", "output")];
        self.tokens.add(run.usage.prompt_tokens, &input);
        self.tokens.add(run.usage.completion_tokens, &output);
        self.cost.add(run.cost_usd.max(0.0), &[]);
    }

    /// A model call (root or sub) of `model` (`provider:model`) ended.
    pub(crate) fn call_finished(&self, model: &str, call: &CallFinished, subcall: bool) {
        let (provider, name) = crate::spans::provider_and_model(model);
        let attributes = |kind: &'static str| {
            [
                KeyValue::new("gen_ai.operation.name", "chat"),
                KeyValue::new("gen_ai.provider.name", provider.to_string()),
                KeyValue::new("gen_ai.request.model", name.to_string()),
                KeyValue::new("gen_ai.token.type", kind),
            ]
        };
        if !call.cached && !call.deduped {
            self.token_usage.record(call.usage.prompt_tokens, &attributes("input"));
            self.token_usage.record(call.usage.completion_tokens, &attributes("output"));
        }
        if !subcall {
            return;
        }
        let result = if call.cached {
            "cached"
        } else if call.deduped {
            "deduped"
        } else {
            self.subcall_duration.record(call.latency_ms as f64 / 1000.0, &[]);
            match call.outcome {
                SpanOutcome::Ok => "ok",
                SpanOutcome::Cancelled => "cancelled",
                _ => "error",
            }
        };
        self.subcalls.add(1, &[KeyValue::new("rlm.result", result)]);
    }

    /// A model call was retried.
    pub(crate) fn retry(&self, reason: &str) {
        self.retries.add(1, &[KeyValue::new("rlm.retry.reason", reason.to_string())]);
    }
}
