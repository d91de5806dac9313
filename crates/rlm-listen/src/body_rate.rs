//! The minimum request-body rate (Apache's `mod_reqtimeout`
//! `body=…,MinRate=…`): a request body must have sent, at every moment, at
//! least `min_body_rate` bytes for each second past a grace period (the
//! header timeout) since its head arrived. A body that falls behind fails,
//! and the serve loop answers 408 and closes the connection: 512 bodies
//! sending one byte every five seconds hold nothing for long. tower-http's
//! `RequestBodyTimeoutLayer` (the idle timeout) only bounds the gap between
//! two frames; hyper and tower have no rate, hence this small wrapper.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// How slow a body may be: `rate` bytes a second once `grace` has passed
/// (`rate` 0: no minimum).
#[derive(Debug, Clone, Copy)]
pub struct BodyRate {
    pub rate: u64,
    pub grace: Duration,
}

/// Set when a request's body fell below the rate.
#[derive(Debug, Clone, Default)]
pub struct TooSlow(Arc<AtomicBool>);

impl TooSlow {
    pub fn tripped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The error a body below the rate ends with (its reader fails; the serve
/// loop answers 408 in place of whatever the service answered).
#[derive(Debug, thiserror::Error)]
#[error(
    "the request body came slower than {rate} bytes a second (after a grace of {grace:?}): closed"
)]
pub struct BodyTooSlow {
    pub rate: u64,
    pub grace: Duration,
}

impl BodyRate {
    /// `body` held to the rate from now on, and the flag it trips.
    pub fn watch(self, body: Body) -> (Body, TooSlow) {
        let too_slow = TooSlow::default();
        if self.rate == 0 || body.is_end_stream() {
            return (body, too_slow);
        }
        let watched = RateBody {
            inner: body,
            rate: self,
            started: Instant::now(),
            received: 0,
            deadline: None,
            too_slow: too_slow.clone(),
        };
        (Body::new(watched), too_slow)
    }

    /// When a body that has sent `received` bytes since `started` falls
    /// behind.
    fn deadline(&self, started: Instant, received: u64) -> Instant {
        let earned = Duration::from_secs_f64(received as f64 / self.rate as f64);
        started + self.grace + earned.min(Duration::from_secs(1 << 30))
    }

    /// The answer to a request whose body fell behind.
    pub fn refusal(&self) -> Response {
        let detail = BodyTooSlow { rate: self.rate, grace: self.grace }.to_string();
        let body = serde_json::json!({ "detail": detail, "code": "body_too_slow" });
        (axum::http::StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response()
    }
}

struct RateBody {
    inner: Body,
    rate: BodyRate,
    started: Instant,
    received: u64,
    /// Armed while the reader waits for the client.
    deadline: Option<Pin<Box<Sleep>>>,
    too_slow: TooSlow,
}

impl HttpBody for RateBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                    let at = this.rate.deadline(this.started, this.received);
                    if let Some(sleep) = this.deadline.as_mut() {
                        sleep.as_mut().reset(at);
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                let (rate, started, received) = (this.rate, this.started, this.received);
                let sleep = this.deadline.get_or_insert_with(|| {
                    Box::pin(tokio::time::sleep_until(rate.deadline(started, received)))
                });
                ready!(sleep.as_mut().poll(cx));
                this.too_slow.0.store(true, Ordering::SeqCst);
                Poll::Ready(Some(Err(Box::new(BodyTooSlow { rate: rate.rate, grace: rate.grace }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    /// `bytes` one-byte frames, one every `every`.
    fn trickle(bytes: usize, every: Duration) -> Body {
        Body::from_stream(futures::stream::unfold(0, move |sent| async move {
            if sent == bytes {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"x")), sent + 1))
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_below_the_rate_fails_after_the_grace_and_a_fast_one_passes() {
        let rate = BodyRate { rate: 10, grace: Duration::from_secs(2) };
        // One byte a second against ten a second: behind once the grace is spent.
        let (slow, flag) = rate.watch(trickle(100, Duration::from_secs(1)));
        let started = Instant::now();
        let err = slow.collect().await.unwrap_err();
        assert!(err.to_string().contains("slower than 10 bytes"), "{err}");
        assert!(flag.tripped());
        let took = started.elapsed();
        assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(4), "{took:?}");
        // A hundred bytes a second passes.
        let (fast, flag) = rate.watch(trickle(100, Duration::from_millis(10)));
        assert_eq!(fast.collect().await.unwrap().to_bytes().len(), 100);
        assert!(!flag.tripped());
    }
}
