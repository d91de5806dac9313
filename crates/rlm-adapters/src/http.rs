//! The HTTP machinery the provider adapters share: one reqwest client, the
//! per-attempt timeout, the retry loop, and the mapping from an HTTP failure
//! (status, headers, body) to a typed, scrubbed [`AdapterError`].

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use futures::stream::BoxStream;
use regex::Regex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rlm_types::CompletionRequest;
use serde_json::Value;

use crate::error::AdapterError;
use crate::retry::{
    AttemptFailure, Retried, RetryGate, RetryPolicy, RetryReason, run_with_retries, server_delay,
};
use crate::secret::{Secret, scrub};
use crate::sse::{SseEvent, SseParser};

/// Provider messages longer than this are cut (they end up in prompts and traces).
const MAX_PROVIDER_MESSAGE: usize = 2000;

/// The most bytes a provider's answer may take: a 2xx body read whole, or
/// the text a stream delivers. A model's longest replies are well under a
/// megabyte; a provider that sends more (or a hostile one that never ends)
/// gets a malformed-response error, never the server's memory.
pub const MAX_REPLY_BYTES: usize = 16 << 20;

/// `resp`'s body, at most [`MAX_REPLY_BYTES`] of it (a longer one is a
/// malformed response, refused from its announced length when it has one).
async fn bounded_body(resp: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > MAX_REPLY_BYTES as u64) {
        return Err(BodyError::TooLong);
    }
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(BodyError::Broke)?;
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(BodyError::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a body could not be read whole.
enum BodyError {
    TooLong,
    Broke(reqwest::Error),
}

fn too_long() -> AdapterError {
    AdapterError::MalformedResponse {
        message: format!(
            "the answer passed the most a model's reply may take ({MAX_REPLY_BYTES} bytes)"
        ),
    }
}

/// Transport settings common to every HTTP adapter.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Per attempt: the whole request for `complete`; the wait for headers and
    /// then for each chunk for `stream`.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Reuse a client (connection pool) across adapters; one is built otherwise.
    pub client: Option<reqwest::Client>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            client: None,
        }
    }
}

/// A prepared POST: URL, headers (secret ones marked) and JSON body.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Value,
}

/// An adapter's own headers, and the request's W3C `traceparent` when it
/// has one (a value that is no valid header is left out: tracing never
/// fails a call).
pub(crate) fn headers_with_trace(
    headers: &[(HeaderName, HeaderValue)],
    request: &CompletionRequest,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut all = headers.to_vec();
    if let Some(value) = request.traceparent.as_deref() {
        if let Ok(value) = HeaderValue::from_str(value) {
            all.push((HeaderName::from_static("traceparent"), value));
        }
    }
    all
}

/// Builds a header; `sensitive` marks it so that reqwest/hyper never print it.
pub(crate) fn header(
    name: &str,
    value: &str,
    sensitive: bool,
) -> Result<(HeaderName, HeaderValue), AdapterError> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| AdapterError::Config(format!("invalid header name {name:?}")))?;
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        AdapterError::Config(format!("invalid value for header {name:?} (control characters?)"))
    })?;
    v.set_sensitive(sensitive);
    Ok((n, v))
}

/// The shared client, options and secrets of one adapter.
#[derive(Debug, Clone)]
pub(crate) struct HttpTransport {
    client: reqwest::Client,
    pub options: HttpOptions,
    secrets: Vec<Secret>,
}

impl HttpTransport {
    pub fn new(options: HttpOptions, secrets: Vec<Secret>) -> Result<Self, AdapterError> {
        let client = match &options.client {
            Some(c) => c.clone(),
            None => reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .build()
                .map_err(|e| {
                    AdapterError::Config(format!("cannot build HTTP client: {}", e.without_url()))
                })?,
        };
        Ok(HttpTransport {
            client,
            options,
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        })
    }

    pub fn scrub(&self, text: &str) -> String {
        let refs: Vec<&Secret> = self.secrets.iter().collect();
        scrub(text, &refs)
    }

    fn builder(&self, req: &HttpRequest) -> reqwest::RequestBuilder {
        let mut b = self.client.post(&req.url).json(&req.body);
        for (k, v) in &req.headers {
            b = b.header(k.clone(), v.clone());
        }
        b
    }

    /// A failure of the transport. Failures of the connection (refused,
    /// reset, a connect timeout, a body broken off) are retried; a response
    /// that did not come within the attempt's `timeout` is not
    /// ([`HttpTransport::timeout_failure`]).
    fn transport_failure(&self, e: &reqwest::Error, what: &str) -> AttemptFailure {
        if e.is_timeout() && !e.is_connect() {
            return self.timeout_failure();
        }
        let mut msg = format!("{what}: {}", error_chain(e));
        msg = self.scrub(&msg);
        AttemptFailure::transient(
            AdapterError::Connection { attempts: 1, message: msg },
            RetryReason::Connection,
            None,
        )
    }

    /// No response within the attempt's `timeout` (default 600 s, also the
    /// default deadline of a call): not retried. The connection was up, so
    /// the model was most likely still generating; a new attempt would start
    /// (and may bill) the same long generation again, and could not finish
    /// within the deadline anyway.
    fn timeout_failure(&self) -> AttemptFailure {
        AttemptFailure::fatal(AdapterError::Timeout { timeout: self.options.timeout, attempts: 1 })
    }

    /// POSTs `req` and reads the whole 2xx body, retrying as the policy says
    /// (through `gate`, when the caller schedules its calls).
    pub async fn post_json(
        &self,
        req: &HttpRequest,
        gate: Option<&dyn RetryGate>,
    ) -> Retried<Vec<u8>> {
        run_with_retries(&self.options.retry, gate, |_| async move {
            let send = self.builder(req).timeout(self.options.timeout).send();
            let resp = send.await.map_err(|e| self.transport_failure(&e, "request failed"))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = match bounded_body(resp).await {
                Ok(b) => b,
                Err(BodyError::TooLong) => return Err(AttemptFailure::fatal(too_long())),
                Err(BodyError::Broke(e)) => {
                    return Err(self.transport_failure(&e, "response body broke off"));
                }
            };
            if (200..300).contains(&status) {
                Ok(body)
            } else {
                Err(classify_failure(status, &headers, &body, |s| self.scrub(s)))
            }
        })
        .await
    }

    /// POSTs `req` and returns the parsed SSE events of a 2xx response (or,
    /// when a server ignores the streaming request and answers with plain
    /// JSON, that whole body). Failures before the first byte of a 2xx body
    /// are retried; failures after it are error events.
    pub async fn post_sse(
        &self,
        req: &HttpRequest,
        gate: Option<&dyn RetryGate>,
    ) -> Retried<StreamBody> {
        let timeout = self.options.timeout;
        let retried = run_with_retries(&self.options.retry, gate, |_| async move {
            let send = self.builder(req).header("accept", "text/event-stream").send();
            let resp = match tokio::time::timeout(timeout, send).await {
                Err(_) => return Err(self.timeout_failure()),
                Ok(r) => r.map_err(|e| self.transport_failure(&e, "request failed"))?,
            };
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let is_json = content_type.contains("json") && !content_type.contains("event-stream");
            if (200..300).contains(&status) && !is_json {
                return Ok(StreamBody::Sse(sse_events(resp, timeout, self.clone())));
            }
            let headers = resp.headers().clone();
            let body = match tokio::time::timeout(timeout, bounded_body(resp)).await {
                Err(_) => return Err(self.timeout_failure()),
                Ok(Err(BodyError::TooLong)) => return Err(AttemptFailure::fatal(too_long())),
                Ok(Err(BodyError::Broke(e))) => {
                    return Err(self.transport_failure(&e, "response body broke off"));
                }
                Ok(Ok(b)) => b,
            };
            if (200..300).contains(&status) {
                return Ok(StreamBody::Json(body));
            }
            Err(classify_failure(status, &headers, &body, |s| self.scrub(s)))
        })
        .await;
        Retried { result: retried.result, retries: retried.retries, attempts: retried.attempts }
    }
}

/// What a streaming request got back.
pub(crate) enum StreamBody {
    /// Server-sent events, parsed as they arrive.
    Sse(BoxStream<'static, Result<SseEvent, AdapterError>>),
    /// A whole JSON body: the server did not stream.
    Json(Vec<u8>),
}

/// The SSE events of a response body, with an idle timeout between chunks.
fn sse_events(
    resp: reqwest::Response,
    idle_timeout: Duration,
    transport: HttpTransport,
) -> BoxStream<'static, Result<SseEvent, AdapterError>> {
    struct State {
        body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
        parser: SseParser,
        queue: std::collections::VecDeque<SseEvent>,
        finished: bool,
        transport: HttpTransport,
        idle_timeout: Duration,
        /// Bytes of the body read so far (at most [`MAX_REPLY_BYTES`]).
        read: usize,
    }
    let state = State {
        body: resp.bytes_stream().boxed(),
        parser: SseParser::new(),
        queue: Default::default(),
        finished: false,
        transport,
        idle_timeout,
        read: 0,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(ev) = st.queue.pop_front() {
                return Some((Ok(ev), st));
            }
            if st.finished {
                return None;
            }
            match tokio::time::timeout(st.idle_timeout, st.body.next()).await {
                Err(_) => {
                    st.finished = true;
                    let e = AdapterError::Timeout { timeout: st.idle_timeout, attempts: 1 };
                    return Some((Err(e), st));
                }
                Ok(None) => {
                    st.finished = true;
                    st.queue.extend(st.parser.finish());
                }
                Ok(Some(Ok(chunk))) => {
                    st.read += chunk.len();
                    if st.read > MAX_REPLY_BYTES {
                        st.finished = true;
                        return Some((Err(too_long()), st));
                    }
                    let evs = st.parser.push(&chunk);
                    st.queue.extend(evs);
                }
                Ok(Some(Err(e))) => {
                    st.finished = true;
                    let msg = st.transport.scrub(&format!("stream broke off: {}", error_chain(&e)));
                    return Some((Err(AdapterError::Connection { attempts: 1, message: msg }), st));
                }
            }
        }
    })
    .boxed()
}

/// An error and its causes on one line, without the URL (it may carry a key).
fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = e.source();
    parts.push(if e.is_connect() {
        "connection error".to_string()
    } else {
        kind_of(e).to_string()
    });
    while let Some(c) = cur {
        parts.push(c.to_string());
        cur = c.source();
    }
    parts.dedup();
    parts.join(": ")
}

fn kind_of(e: &reqwest::Error) -> &'static str {
    if e.is_body() || e.is_decode() {
        "error reading body"
    } else if e.is_request() {
        "error sending request"
    } else {
        "HTTP error"
    }
}

static CONTEXT_LENGTH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)context[_ ]length|maximum context|context window|context size|exceed_context_size",
        r"|prompt is too long|input is too long|too many (input )?tokens",
        r"|input token count.*exceeds|exceeds the maximum number of tokens|reduce the length of the messages",
        r"|maximum (number of )?tokens? (allowed|permitted)",
    ))
    .ok()
});

static AUTH_IN_400: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID.
    Regex::new(r"(?i)api[_ ]key[_ ]invalid|api key not valid|invalid[_ ]api[_ ]key|unauthenticated")
        .ok()
});

static MODEL_NOT_FOUND: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)model_not_found|deploymentnotfound|model .*(does not exist|not found)|no such model|unknown model")
        .ok()
});

/// The provider's message and error code from an error body, in any of the
/// shapes providers use (`{"error":{"message","code","type","status"}}`,
/// `{"error":"..."}`, `{"message":...}`, `{"detail":...}`, or plain text).
pub(crate) fn provider_message(body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body);
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (truncate(text.trim()), String::new());
    };
    // Some gateways wrap the error in a one-element array.
    let v = match &v {
        Value::Array(a) if a.len() == 1 => a[0].clone(),
        _ => v,
    };
    let err = v.get("error").unwrap_or(&v);
    let message = match err {
        Value::String(s) => s.clone(),
        _ => err
            .get("message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("detail"))
            .map(|m| match m {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| text.trim().to_string()),
    };
    let code = ["code", "type", "status"]
        .iter()
        .filter_map(|k| err.get(*k))
        .map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    (truncate(&message), code.to_lowercase())
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_PROVIDER_MESSAGE {
        return s.to_string();
    }
    let mut end = MAX_PROVIDER_MESSAGE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// Whether an HTTP status is worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429 | 500 | 502 | 503 | 504 | 520..=524 | 529)
}

/// Maps a non-2xx response to a typed error and tells the retry loop whether to retry.
pub(crate) fn classify_failure(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    scrub: impl Fn(&str) -> String,
) -> AttemptFailure {
    let (message, code) = provider_message(body);
    let message = scrub(&message);
    let haystack = format!("{code} {message}");
    let matches = |re: &LazyLock<Option<Regex>>| re.as_ref().is_some_and(|r| r.is_match(&haystack));
    if status == 429 {
        if code.contains("insufficient_quota") || haystack.contains("billing") {
            return AttemptFailure::fatal(AdapterError::QuotaExceeded {
                status,
                provider_message: message,
            });
        }
        let delay = server_delay(headers, true, SystemTime::now());
        return AttemptFailure::transient(
            AdapterError::RateLimited {
                attempts: 1,
                retry_after: delay.map(|d| d.0),
                provider_message: message,
            },
            RetryReason::RateLimited,
            delay,
        );
    }
    if (400..500).contains(&status) && matches(&CONTEXT_LENGTH) {
        return AttemptFailure::fatal(AdapterError::ContextLengthExceeded {
            status,
            provider_message: message,
        });
    }
    match status {
        401 | 403 => {
            AttemptFailure::fatal(AdapterError::Auth { status, provider_message: message })
        }
        404 => {
            AttemptFailure::fatal(AdapterError::ModelNotFound { status, provider_message: message })
        }
        400 if matches(&AUTH_IN_400) => {
            AttemptFailure::fatal(AdapterError::Auth { status, provider_message: message })
        }
        400 | 422 if matches(&MODEL_NOT_FOUND) => {
            AttemptFailure::fatal(AdapterError::ModelNotFound { status, provider_message: message })
        }
        s if is_retryable_status(s) => {
            let delay = server_delay(headers, false, SystemTime::now());
            AttemptFailure::transient(
                AdapterError::Server { status, attempts: 1, provider_message: message },
                RetryReason::Status { status },
                delay,
            )
        }
        s if s >= 500 => AttemptFailure::fatal(AdapterError::Server {
            status,
            attempts: 1,
            provider_message: message,
        }),
        _ => AttemptFailure::fatal(AdapterError::BadRequest { status, provider_message: message }),
    }
}

/// Parses a 2xx JSON body, or says (briefly, scrubbed) why it is not JSON.
pub(crate) fn parse_json(
    body: &[u8],
    scrub: impl Fn(&str) -> String,
) -> Result<Value, AdapterError> {
    serde_json::from_slice(body).map_err(|e| {
        let excerpt: String = String::from_utf8_lossy(body).chars().take(200).collect();
        AdapterError::malformed(scrub(&format!("invalid JSON ({e}); body starts {excerpt:?}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, body: &str) -> AttemptFailure {
        classify_failure(status, &HeaderMap::new(), body.as_bytes(), |s| s.to_string())
    }

    #[test]
    fn statuses_map_to_kinds() {
        use crate::error::AdapterErrorKind::*;
        let cases: &[(u16, &str, crate::error::AdapterErrorKind, bool)] = &[
            (
                400,
                r#"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#,
                ContextLengthExceeded,
                false,
            ),
            (
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 200001 tokens > 200000 maximum"}}"#,
                ContextLengthExceeded,
                false,
            ),
            (
                400,
                r#"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#,
                ContextLengthExceeded,
                false,
            ),
            (
                400,
                r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}"#,
                ContextLengthExceeded,
                false,
            ),
            (413, "request entity too large: too many tokens", ContextLengthExceeded, false),
            (401, r#"{"error":{"message":"Incorrect API key provided"}}"#, Auth, false),
            (403, "forbidden", Auth, false),
            (
                404,
                r#"{"error":{"message":"The model `gpt-9` does not exist","code":"model_not_found"}}"#,
                ModelNotFound,
                false,
            ),
            (400, r#"{"error":{"message":"model 'llama9' not found"}}"#, ModelNotFound, false),
            (400, r#"{"error":{"message":"temperature must be <= 2"}}"#, BadRequest, false),
            (
                429,
                r#"{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}"#,
                QuotaExceeded,
                false,
            ),
            (429, r#"{"error":{"message":"Rate limit reached"}}"#, RateLimited, true),
            (408, "timeout", Server, true),
            (500, "oops", Server, true),
            (502, "<html>bad gateway</html>", Server, true),
            (503, "unavailable", Server, true),
            (504, "gateway timeout", Server, true),
            (
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                Server,
                true,
            ),
            (501, "not implemented", Server, false),
        ];
        for (status, body, kind, retry) in cases {
            let f = classify(*status, body);
            assert_eq!(f.error.kind(), *kind, "{status} {body}");
            assert_eq!(f.retry.is_some(), *retry, "{status} {body}");
        }
    }

    #[test]
    fn provider_message_shapes() {
        assert_eq!(
            provider_message(br#"{"error":{"message":"m","code":"c"}}"#),
            ("m".into(), "c".into())
        );
        assert_eq!(provider_message(br#"{"error":"plain"}"#).0, "plain");
        assert_eq!(provider_message(br#"{"detail":"d"}"#).0, "d");
        assert_eq!(
            provider_message(br#"[{"error":{"message":"g","status":"UNAVAILABLE"}}]"#),
            ("g".into(), "unavailable".into())
        );
        assert_eq!(provider_message(b"not json").0, "not json");
        let long = "x".repeat(5000);
        assert!(provider_message(long.as_bytes()).0.len() < 2100);
    }
}
