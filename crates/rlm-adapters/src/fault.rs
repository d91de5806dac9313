//! Fault injection over any adapter: rate-limit responses, errors, added
//! latency, truncated or malformed bodies, at a given rate or in bursts, from a
//! seeded RNG — the basis of the stress harness. Injected transient faults go
//! through the same retry loop as real ones, so retries can be exercised and
//! counted without a flaky server.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rlm_types::{CompletionRequest, FinishReason, ModelId};
use serde::{Deserialize, Serialize};

use crate::adapter::{CallReport, CompletionEvents, ModelAdapter, StreamEvent, StreamReport};
use crate::error::{AdapterError, AdapterErrorKind};
use crate::retry::{
    AttemptFailure, DelaySource, RetryGate, RetryPolicy, RetryReason, run_with_retries,
};

/// One kind of fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// A 429, optionally with a `Retry-After` (ms). Retried by the injector's policy.
    RateLimit {
        #[serde(default)]
        retry_after_ms: Option<u64>,
    },
    /// An error of the given kind (transient kinds are retried by the policy).
    Error {
        kind: AdapterErrorKind,
        #[serde(default)]
        message: String,
    },
    /// Extra latency before the call, uniform in `[min_ms, max_ms]`. Not a failure.
    Latency { min_ms: u64, max_ms: u64 },
    /// A 2xx whose body is not valid JSON (not retried, as with a real server).
    MalformedBody,
    /// The connection breaks mid-body (retried as a connection failure); in a
    /// stream, the stream breaks after its first delta.
    TruncatedBody,
    /// The model's reply cut to this fraction of its characters, finish reason
    /// `length` (applies to `call`/`complete`; streams use `TruncatedBody`).
    TruncatedReply { keep_fraction: f64 },
}

impl Fault {
    fn name(&self) -> &'static str {
        match self {
            Fault::RateLimit { .. } => "rate_limit",
            Fault::Error { .. } => "error",
            Fault::Latency { .. } => "latency",
            Fault::MalformedBody => "malformed_body",
            Fault::TruncatedBody => "truncated_body",
            Fault::TruncatedReply { .. } => "truncated_reply",
        }
    }
}

/// When a fault fires: with a probability per attempt, or in bursts (attempts
/// `k*every .. k*every+length`, counting all attempts through the injector from 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    pub fault: Fault,
    #[serde(default)]
    pub probability: f64,
    #[serde(default)]
    pub burst: Option<Burst>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burst {
    pub every: u64,
    pub length: u64,
}

impl FaultRule {
    pub fn with_probability(fault: Fault, probability: f64) -> Self {
        FaultRule { fault, probability, burst: None }
    }
    pub fn in_bursts(fault: Fault, every: u64, length: u64) -> Self {
        FaultRule { fault, probability: 0.0, burst: Some(Burst { every, length }) }
    }
}

/// Counts of what the injector did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FaultStats {
    /// Attempts that went through the injector.
    pub attempts: u64,
    /// Attempts passed on to the wrapped adapter.
    pub passed_through: u64,
    /// Faults injected, by name.
    pub injected: BTreeMap<String, u64>,
}

#[derive(Debug)]
struct InjectorState {
    rng: StdRng,
    stats: FaultStats,
}

/// Wraps an adapter and injects faults into its calls.
pub struct FaultInjector {
    inner: Arc<dyn ModelAdapter>,
    rules: Vec<FaultRule>,
    retry: RetryPolicy,
    state: Mutex<InjectorState>,
}

impl std::fmt::Debug for FaultInjector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultInjector")
            .field("inner", &self.inner.model_id())
            .field("rules", &self.rules)
            .finish()
    }
}

/// The decision for one attempt.
struct Plan {
    latency: Duration,
    failure: Option<Fault>,
    truncate_reply: Option<f64>,
}

impl FaultInjector {
    /// `retry` applies to injected transient faults only (the wrapped adapter
    /// retries its own). Use [`RetryPolicy::none`] to see every fault as an error.
    pub fn new(
        inner: Arc<dyn ModelAdapter>,
        rules: Vec<FaultRule>,
        seed: u64,
        retry: RetryPolicy,
    ) -> Self {
        FaultInjector {
            inner,
            rules,
            retry,
            state: Mutex::new(InjectorState {
                rng: StdRng::seed_from_u64(seed),
                stats: FaultStats::default(),
            }),
        }
    }

    pub fn stats(&self) -> FaultStats {
        self.lock().stats.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InjectorState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn plan(&self) -> Plan {
        let mut st = self.lock();
        let n = st.stats.attempts;
        st.stats.attempts += 1;
        let mut plan = Plan { latency: Duration::ZERO, failure: None, truncate_reply: None };
        for rule in &self.rules {
            // Draw for every probabilistic rule so that one rule's outcome does
            // not shift the random sequence seen by the others.
            let fires = match rule.burst {
                Some(b) if b.every > 0 => n % b.every < b.length,
                Some(_) => false,
                None => st.rng.random::<f64>() < rule.probability,
            };
            if !fires {
                continue;
            }
            match &rule.fault {
                Fault::Latency { min_ms, max_ms } => {
                    let (lo, hi) = (*min_ms.min(max_ms), *min_ms.max(max_ms));
                    let ms = st.rng.random_range(lo..=hi);
                    plan.latency = plan.latency.saturating_add(Duration::from_millis(ms));
                }
                Fault::TruncatedReply { keep_fraction } if plan.truncate_reply.is_none() => {
                    plan.truncate_reply = Some(keep_fraction.clamp(0.0, 1.0));
                }
                Fault::TruncatedReply { .. } => continue,
                f if plan.failure.is_none() => plan.failure = Some(f.clone()),
                _ => continue,
            }
            *st.stats.injected.entry(rule.fault.name().to_string()).or_default() += 1;
        }
        if plan.failure.is_none() {
            st.stats.passed_through += 1;
        }
        plan
    }
}

/// The error an injected failure produces, and whether it is retried.
fn injected_failure(f: &Fault) -> AttemptFailure {
    match f {
        Fault::RateLimit { retry_after_ms } => {
            let delay =
                retry_after_ms.map(|ms| (Duration::from_millis(ms), DelaySource::RetryAfter));
            AttemptFailure::transient(
                AdapterError::RateLimited {
                    attempts: 1,
                    retry_after: delay.map(|d| d.0),
                    provider_message: "injected rate limit".into(),
                },
                RetryReason::RateLimited,
                delay,
            )
        }
        Fault::Error { kind, message } => {
            let msg = if message.is_empty() {
                format!("injected {}", kind.as_str())
            } else {
                message.clone()
            };
            let e = AdapterError::synthetic(*kind, msg);
            let reason = match kind {
                AdapterErrorKind::RateLimited => Some(RetryReason::RateLimited),
                AdapterErrorKind::Server => Some(RetryReason::Status { status: 500 }),
                AdapterErrorKind::Timeout => Some(RetryReason::Timeout),
                AdapterErrorKind::Connection => Some(RetryReason::Connection),
                _ => None,
            };
            match reason {
                Some(r) => AttemptFailure::transient(e, r, None),
                None => AttemptFailure::fatal(e),
            }
        }
        Fault::MalformedBody => AttemptFailure::fatal(AdapterError::malformed(
            "invalid JSON (injected): body starts \"{\\\"choi\"",
        )),
        Fault::TruncatedBody => AttemptFailure::transient(
            AdapterError::Connection {
                attempts: 1,
                message: "response body broke off (injected)".into(),
            },
            RetryReason::Connection,
            None,
        ),
        // Not failures; never reach here.
        Fault::Latency { .. } | Fault::TruncatedReply { .. } => {
            AttemptFailure::fatal(AdapterError::Config("latency is not a failure".into()))
        }
    }
}

fn truncate_chars(text: &str, keep: f64) -> String {
    let n = text.chars().count();
    let k = ((n as f64) * keep).floor() as usize;
    text.chars().take(k).collect()
}

impl ModelAdapter for FaultInjector {
    fn model_id(&self) -> ModelId {
        self.inner.model_id()
    }

    fn context_window(&self) -> Option<u64> {
        self.inner.context_window()
    }

    fn supports_streaming(&self) -> bool {
        self.inner.supports_streaming()
    }

    fn decodes_grammar(&self) -> bool {
        self.inner.decodes_grammar()
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        self.call_gated(request, None)
    }

    fn call_gated<'a>(
        &'a self,
        request: &'a CompletionRequest,
        gate: Option<&'a dyn RetryGate>,
    ) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            let inner_retries = Mutex::new(Vec::new());
            let inner_extra_attempts = Mutex::new(0u32);
            let r = run_with_retries(&self.retry, gate, |_| async {
                let plan = self.plan();
                if !plan.latency.is_zero() {
                    tokio::time::sleep(plan.latency).await;
                }
                if let Some(f) = &plan.failure {
                    return Err(injected_failure(f));
                }
                let report = self.inner.call_gated(request, gate).await;
                if let Ok(mut v) = inner_retries.lock() {
                    v.extend(report.retries);
                }
                if let Ok(mut n) = inner_extra_attempts.lock() {
                    *n += report.attempts.saturating_sub(1);
                }
                let mut completion = report.result.map_err(AttemptFailure::fatal)?;
                if let Some(keep) = plan.truncate_reply {
                    completion.text = truncate_chars(&completion.text, keep);
                    completion.finish_reason = Some(FinishReason::Length);
                }
                Ok(completion)
            })
            .await;
            let mut retries = r.retries;
            retries.extend(inner_retries.into_inner().unwrap_or_default());
            let extra = inner_extra_attempts.into_inner().unwrap_or(0);
            CallReport { result: r.result, retries, attempts: r.attempts + extra }
        })
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        Box::pin(async move {
            let r = run_with_retries(&self.retry, None, |_| async {
                let plan = self.plan();
                if !plan.latency.is_zero() {
                    tokio::time::sleep(plan.latency).await;
                }
                match &plan.failure {
                    // Breaks after the stream has started: handled below.
                    Some(Fault::TruncatedBody) => {}
                    Some(f) => return Err(injected_failure(f)),
                    None => {}
                }
                let report = self.inner.stream(request).await;
                let events = report.result.map_err(AttemptFailure::fatal)?;
                Ok((events, plan))
            })
            .await;
            let result = r.result.map(|(events, plan)| -> CompletionEvents {
                if matches!(plan.failure, Some(Fault::TruncatedBody)) {
                    let broken = AdapterError::Connection {
                        attempts: 1,
                        message: "stream broke off (injected)".into(),
                    };
                    return events
                        .take(1)
                        .filter(|e| {
                            futures::future::ready(matches!(e, Ok(StreamEvent::Delta { .. })))
                        })
                        .chain(futures::stream::iter([Err(broken)]))
                        .boxed();
                }
                events
            });
            StreamReport { result, retries: r.retries, attempts: r.attempts }
        })
    }
}
