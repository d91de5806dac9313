//! Retries: the policy (full-jitter exponential backoff, a deadline, a shared
//! retry budget), the server's own wait hints (`Retry-After` in seconds or as
//! an HTTP-date, `retry-after-ms`, OpenAI's `x-ratelimit-reset-*`, Anthropic's
//! `anthropic-ratelimit-*-reset`), the [`RetryGate`] a scheduler puts between
//! attempts, and the loop that applies them while recording every retry for
//! the trace.
//!
//! The stopping rule is time, not a count: a transient failure is retried
//! until the next wait would end past the call's deadline (the policy's
//! `max_elapsed`, or the gate's, whichever is sooner). A rate limit (429)
//! is the provider pacing us, so its retries never draw on the shared
//! [`RetryBudget`]; every other transient failure does, so that an outage
//! does not multiply traffic.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use rand::Rng;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::error::AdapterError;

/// Why an attempt was retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RetryReason {
    /// HTTP 429.
    RateLimited,
    /// A retryable HTTP status other than 429 (408, 5xx, 529).
    Status { status: u16 },
    /// The attempt timed out.
    Timeout,
    /// The connection failed or broke mid-response.
    Connection,
}

/// Where a retry's delay came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelaySource {
    /// The policy's exponential backoff with jitter.
    Backoff,
    /// The server's `Retry-After` / `retry-after-ms` header.
    RetryAfter,
    /// A provider rate-limit reset header (`x-ratelimit-reset-*`, `anthropic-ratelimit-*-reset`).
    RateLimitReset,
}

/// One retry: attempt `attempt` (1-based) failed for `reason`, and the adapter
/// waited `delay` before attempt `attempt + 1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryRecord {
    pub attempt: u32,
    pub reason: RetryReason,
    #[serde(with = "rlm_types::duration_ms")]
    pub delay: Duration,
    pub delay_source: DelaySource,
}

/// How an adapter waits between attempts. Defaults to `tokio::time::sleep`;
/// tests inject one that records the delays and returns at once.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>);

impl Sleeper {
    pub fn tokio() -> Self {
        Sleeper(Arc::new(|d| Box::pin(tokio::time::sleep(d))))
    }
    pub fn new(f: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Self {
        Sleeper(Arc::new(f))
    }
    pub fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        (self.0)(d)
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Sleeper::tokio()
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeper")
    }
}

/// Called with each retry just before its wait, so a trace can show a retry
/// while it is happening (a 60-second `Retry-After` should not look like a hang).
#[derive(Clone)]
pub struct RetryListener(Arc<dyn Fn(&RetryRecord) + Send + Sync>);

impl RetryListener {
    pub fn new(f: impl Fn(&RetryRecord) + Send + Sync + 'static) -> Self {
        RetryListener(Arc::new(f))
    }
}

impl fmt::Debug for RetryListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryListener")
    }
}

/// What a caller scheduling many calls puts between the attempts of one
/// (rlm-sched, through rlm-core's executor): while a retry waits, the call
/// may give back what it holds (a concurrency slot, a place in its batch's
/// window), the caller may slow its other calls to the same provider, and
/// the retries end at the caller's deadline (the run's time left, the
/// subcall's own deadline).
pub trait RetryGate: Send + Sync {
    /// No retry whose wait would end after this instant is started.
    fn deadline(&self) -> Option<Instant>;

    /// Waits out the retry `record` describes: `wait` is its delay (the
    /// policy's sleeper, not yet started). Returns when the next attempt may
    /// be sent.
    fn between_attempts<'a>(
        &'a self,
        record: &'a RetryRecord,
        wait: BoxFuture<'static, ()>,
    ) -> BoxFuture<'a, ()>;
}

/// A retry budget shared by many calls (e.g. all subcalls of one run), so that
/// a provider outage does not multiply traffic by `max_retries`.
///
/// It starts with `reserve` retries; every successful call deposits `ratio` of
/// a retry (up to the reserve); every retry withdraws one, except the retries
/// of rate limits (429s), which are the provider pacing us: they wait as long
/// as it asks and must not use up the room honest retries need. When empty,
/// failures are returned at once.
#[derive(Debug)]
pub struct RetryBudget {
    milli: AtomicI64,
    cap_milli: i64,
    deposit_milli: i64,
}

impl RetryBudget {
    pub fn new(reserve: u32, ratio: f64) -> Self {
        let cap_milli = i64::from(reserve) * 1000;
        let deposit_milli = (ratio.clamp(0.0, 1000.0) * 1000.0) as i64;
        RetryBudget { milli: AtomicI64::new(cap_milli), cap_milli, deposit_milli }
    }

    /// Retries currently available (rounded down).
    pub fn available(&self) -> u32 {
        u32::try_from(self.milli.load(Ordering::Relaxed).max(0) / 1000).unwrap_or(u32::MAX)
    }

    fn try_withdraw(&self) -> bool {
        self.milli
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| (v >= 1000).then_some(v - 1000))
            .is_ok()
    }

    fn deposit(&self) {
        let cap = self.cap_milli;
        let add = self.deposit_milli;
        let _ = self
            .milli
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| Some((v + add).min(cap)));
    }
}

/// How failed attempts are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// A cap on the retries after the first attempt, for callers that want
    /// one (default: none, [`u32::MAX`]: the deadline decides).
    pub max_retries: u32,
    /// Delay before the first retry, doubled (times `multiplier`) each time.
    pub base_delay: Duration,
    pub multiplier: f64,
    /// Cap on a backoff delay.
    pub max_delay: Duration,
    /// Fraction of each backoff delay that is randomised (0 = none, 1 = full
    /// jitter, the default: uniform in `(0, backoff]`, so that calls failing
    /// together do not retry together).
    pub jitter: f64,
    /// Honour `Retry-After` and provider reset headers.
    pub respect_server_delay: bool,
    /// A server asking to wait longer than this ends the retries at once
    /// (waiting an hour for a daily quota helps no one).
    pub max_server_delay: Duration,
    /// The call's deadline, from its first attempt: no wait is started that
    /// would end past it (default 600 s; a [`RetryGate`]'s deadline, when
    /// sooner, wins).
    pub max_elapsed: Option<Duration>,
    /// Shared budget, if any.
    pub budget: Option<Arc<RetryBudget>>,
    pub sleeper: Sleeper,
    /// Told of each retry as it starts (the records are also in the call's report).
    pub on_retry: Option<RetryListener>,
}

/// How long a call may go on retrying by default (from its first attempt):
/// ten minutes, what a user waiting on a rate-limited provider would expect,
/// and the HTTP adapters' per-attempt timeout.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(600);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(500),
            multiplier: 2.0,
            max_delay: Duration::from_secs(30),
            jitter: 1.0,
            respect_server_delay: true,
            max_server_delay: Duration::from_secs(120),
            max_elapsed: Some(DEFAULT_CALL_DEADLINE),
            budget: None,
            sleeper: Sleeper::tokio(),
            on_retry: None,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// The backoff delay before retry number `retry` (1-based), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .multiplier
            .max(1.0)
            .powi(i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX));
        let secs = (self.base_delay.as_secs_f64() * exp).min(self.max_delay.as_secs_f64());
        Duration::try_from_secs_f64(secs).unwrap_or(self.max_delay)
    }

    fn jittered(&self, d: Duration) -> Duration {
        let j = self.jitter.clamp(0.0, 1.0);
        if j == 0.0 {
            return d;
        }
        let factor = 1.0 - j * rand::rng().random::<f64>();
        d.mul_f64(factor)
    }
}

/// What a failed attempt tells the retry loop.
#[derive(Debug)]
pub(crate) struct AttemptFailure {
    pub error: AdapterError,
    /// `Some` when the failure is transient.
    pub retry: Option<RetryHint>,
}

#[derive(Debug)]
pub(crate) struct RetryHint {
    pub reason: RetryReason,
    pub server_delay: Option<(Duration, DelaySource)>,
}

impl AttemptFailure {
    pub fn fatal(error: AdapterError) -> Self {
        AttemptFailure { error, retry: None }
    }
    pub fn transient(
        error: AdapterError,
        reason: RetryReason,
        server_delay: Option<(Duration, DelaySource)>,
    ) -> Self {
        AttemptFailure { error, retry: Some(RetryHint { reason, server_delay }) }
    }
}

/// The result of a retried operation: its outcome, each retry, and the number of attempts.
pub(crate) struct Retried<T> {
    pub result: Result<T, AdapterError>,
    pub retries: Vec<RetryRecord>,
    pub attempts: u32,
}

/// Runs `op(attempt)` until it succeeds, fails for good, or time is up:
/// the next wait would end past the deadline (the policy's `max_elapsed`
/// from now, or `gate`'s, whichever is sooner), the server asks for more
/// than `max_server_delay`, the shared budget is empty (not for rate
/// limits), or the optional count cap is reached. Between attempts it waits
/// through `gate` when there is one.
pub(crate) async fn run_with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    gate: Option<&dyn RetryGate>,
    mut op: F,
) -> Retried<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, AttemptFailure>>,
{
    let start = Instant::now();
    let deadline = earliest(
        policy.max_elapsed.and_then(|d| start.checked_add(d)),
        gate.and_then(|g| g.deadline()),
    );
    let mut retries = Vec::new();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let failure = match op(attempt).await {
            Ok(v) => {
                if let Some(b) = &policy.budget {
                    b.deposit();
                }
                return Retried { result: Ok(v), retries, attempts: attempt };
            }
            Err(f) => f,
        };
        let give_up = |error: AdapterError, retries| Retried {
            result: Err(error.with_attempts(attempt)),
            retries,
            attempts: attempt,
        };
        let Some(hint) = failure.retry else {
            return give_up(failure.error, retries);
        };
        if attempt > policy.max_retries {
            return give_up(failure.error, retries);
        }
        let (delay, source) = match hint.server_delay {
            Some((d, src)) if policy.respect_server_delay => {
                if d > policy.max_server_delay {
                    return give_up(failure.error, retries);
                }
                (d, src)
            }
            _ => (policy.jittered(policy.backoff(attempt)), DelaySource::Backoff),
        };
        if let Some(deadline) = deadline
            && Instant::now().checked_add(delay).is_none_or(|t| t > deadline)
        {
            return give_up(failure.error, retries);
        }
        // A rate limit is the provider pacing us, not an outage: its retries
        // wait as asked and leave the budget to the other failures.
        if hint.reason != RetryReason::RateLimited
            && let Some(b) = &policy.budget
            && !b.try_withdraw()
        {
            return give_up(failure.error, retries);
        }
        let record = RetryRecord { attempt, reason: hint.reason, delay, delay_source: source };
        if let Some(l) = &policy.on_retry {
            (l.0)(&record);
        }
        let wait = policy.sleeper.sleep(delay);
        match gate {
            Some(gate) => gate.between_attempts(&record, wait).await,
            None => wait.await,
        }
        retries.push(record);
    }
}

/// The sooner of two optional instants.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The wait the server asked for, from (in order) `retry-after-ms`,
/// `Retry-After` (seconds or HTTP-date) and, for rate limits, the providers'
/// reset headers. `now` is passed in so that tests are exact.
pub fn server_delay(
    headers: &HeaderMap,
    rate_limited: bool,
    now: SystemTime,
) -> Option<(Duration, DelaySource)> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Ok(d) = Duration::try_from_secs_f64(ms / 1000.0) {
            return Some((d, DelaySource::RetryAfter));
        }
    }
    if let Some(v) = get("retry-after") {
        if let Some(d) = parse_retry_after(v, now) {
            return Some((d, DelaySource::RetryAfter));
        }
    }
    if !rate_limited {
        return None;
    }
    // OpenAI-style: remaining-X / reset-X as Go durations ("1s", "6m0s", "20ms").
    // Anthropic-style: anthropic-ratelimit-X-remaining / -reset as RFC 3339 instants.
    let mut exhausted: Vec<Duration> = Vec::new();
    let mut all: Vec<Duration> = Vec::new();
    for kind in ["requests", "tokens"] {
        if let Some(d) = get(&format!("x-ratelimit-reset-{kind}")).and_then(parse_go_duration) {
            all.push(d);
            if get(&format!("x-ratelimit-remaining-{kind}")) == Some("0") {
                exhausted.push(d);
            }
        }
    }
    for kind in ["requests", "tokens", "input-tokens", "output-tokens"] {
        if let Some(d) =
            get(&format!("anthropic-ratelimit-{kind}-reset")).and_then(|v| rfc3339_until(v, now))
        {
            all.push(d);
            if get(&format!("anthropic-ratelimit-{kind}-remaining")) == Some("0") {
                exhausted.push(d);
            }
        }
    }
    // Wait for every exhausted limit to reset; if none is marked exhausted, the soonest reset.
    let pick =
        if exhausted.is_empty() { all.into_iter().min() } else { exhausted.into_iter().max() };
    pick.map(|d| (d, DelaySource::RateLimitReset))
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`. A date in
/// the past means "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        // Negative, NaN or absurdly large values are not a usable hint.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Go-style durations as OpenAI sends them: `1s`, `6m0s`, `20ms`, `1h2m3.5s`.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).ok()
}

/// Time from `now` until an RFC 3339 instant (`2026-11-21T18:00:30Z`,
/// `2026-11-21T18:00:30.5+01:00`); zero if it is past.
pub fn rfc3339_until(s: &str, now: SystemTime) -> Option<Duration> {
    let at = parse_rfc3339(s)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    let d = at - now;
    Some(if d > 0.0 { Duration::try_from_secs_f64(d).ok()? } else { Duration::ZERO })
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (chrono's parser: the
/// workspace's one calendar implementation).
fn parse_rfc3339(s: &str) -> Option<f64> {
    let at = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    Some(at.timestamp() as f64 + f64::from(at.timestamp_subsec_nanos()) / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn go_durations() {
        let cases = [
            ("1s", Some(1.0)),
            ("6m0s", Some(360.0)),
            ("20ms", Some(0.02)),
            ("1h2m3.5s", Some(3723.5)),
            ("0.5s", Some(0.5)),
            ("", None),
            ("abc", None),
            ("5x", None),
            ("s", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_go_duration(s).map(|d| d.as_secs_f64()), want, "{s}");
        }
    }

    #[test]
    fn rfc3339_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(parse_rfc3339("2026-11-21T18:00:30.5+01:00"), Some(1_795_280_430.5));
        assert_eq!(parse_rfc3339("2026-11-21"), None);
        assert_eq!(parse_rfc3339("2026-13-21T18:00:30Z"), None);
        assert_eq!(parse_rfc3339("2026-11-21T18:00:30+0100"), None);
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21 07:27:50 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1e300", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
        let h = headers(&[("retry-after-ms", "1e300"), ("retry-after", "inf")]);
        assert_eq!(server_delay(&h, true, now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn server_delay_precedence() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_276_800); // 2026-11-21T16:00:00Z
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "9")]);
        assert_eq!(
            server_delay(&h, true, now),
            Some((Duration::from_millis(250), DelaySource::RetryAfter))
        );
        let h = headers(&[
            ("x-ratelimit-remaining-requests", "5"),
            ("x-ratelimit-reset-requests", "2s"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "7s"),
        ]);
        assert_eq!(
            server_delay(&h, true, now),
            Some((Duration::from_secs(7), DelaySource::RateLimitReset))
        );
        // reset headers only matter for rate limits
        assert_eq!(server_delay(&h, false, now), None);
        let h =
            headers(&[("x-ratelimit-reset-requests", "2s"), ("x-ratelimit-reset-tokens", "7s")]);
        assert_eq!(
            server_delay(&h, true, now),
            Some((Duration::from_secs(2), DelaySource::RateLimitReset))
        );
        let h = headers(&[
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2026-11-21T16:00:04Z"),
        ]);
        assert_eq!(
            server_delay(&h, true, now),
            Some((Duration::from_secs(4), DelaySource::RateLimitReset))
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let got: Vec<u128> = (1..=4).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 350, 350]);
        let p = RetryPolicy { jitter: 1.0, ..p };
        for _ in 0..100 {
            assert!(p.jittered(Duration::from_millis(100)) <= Duration::from_millis(100));
        }
    }

    #[test]
    fn budget_withdraws_and_refills() {
        let b = RetryBudget::new(2, 0.5);
        assert!(b.try_withdraw());
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
        b.deposit();
        assert!(!b.try_withdraw());
        b.deposit();
        assert!(b.try_withdraw());
        for _ in 0..100 {
            b.deposit();
        }
        assert_eq!(b.available(), 2);
    }
}
