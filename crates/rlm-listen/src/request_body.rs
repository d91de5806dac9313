//! Reading a request body whole within a limit, and refusing one past it so
//! that the client reads the refusal.
//!
//! A server that answers 413 while the client is still sending, then closes,
//! leaves unread bytes in its socket: the kernel answers them with a reset,
//! and the client, mid-write, loses the answer too (reqwest says
//! `IncompleteMessage`; the OpenAI SDK retries a request that can never
//! fit). So a refused body is first read and dropped, as a lingering close
//! would, within [`DRAIN_BYTES`] and [`DRAIN_TIME`]: a body announced past
//! those is not read at all (its sender gets the refusal or a reset, as
//! from any server), and dropping costs no memory beyond one frame.

use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;

/// At most this much of a refused body is read (and dropped) before the refusal is sent.
pub const DRAIN_BYTES: u64 = 32 << 20;

/// At most this long is spent reading a refused body.
pub const DRAIN_TIME: Duration = Duration::from_secs(5);

/// A body past its limit; what of it arrived has been read and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body is larger than {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit the body went past.
    pub limit: usize,
}

/// The whole body if it is at most `limit` bytes; otherwise the rest is
/// drained (see the module docs) and the body refused. A body that breaks off
/// (the client went away) is refused the same way: nothing was kept of it.
pub async fn read_within(body: Body, limit: usize) -> Result<Bytes, BodyTooLarge> {
    let mut body = body;
    let mut kept: Vec<Bytes> = Vec::new();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(BodyTooLarge { limit });
        };
        let Ok(data) = frame.into_data() else { continue };
        size = size.saturating_add(data.len());
        if size > limit {
            drop(kept);
            drain_bounded(body, DRAIN_BYTES.saturating_sub(size as u64)).await;
            return Err(BodyTooLarge { limit });
        }
        kept.push(data);
    }
    Ok(match kept.len() {
        0 => Bytes::new(),
        1 => kept.pop().unwrap_or_default(),
        _ => {
            let mut whole = Vec::with_capacity(size);
            for part in kept {
                whole.extend_from_slice(&part);
            }
            Bytes::from(whole)
        }
    })
}

/// Reads and drops a body that is refused unread (its announced length past
/// the limit), when that length is within [`DRAIN_BYTES`].
pub async fn drain_refused(body: Body, announced: Option<u64>) {
    if announced.is_some_and(|n| n > DRAIN_BYTES) {
        return;
    }
    drain_bounded(body, DRAIN_BYTES).await;
}

async fn drain_bounded(mut body: Body, budget: u64) {
    let mut left = budget;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while left > 0 {
            match body.frame().await {
                Some(Ok(frame)) => {
                    let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                    left = left.saturating_sub(n);
                }
                _ => break,
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    fn chunked(parts: &[&'static [u8]]) -> Body {
        let frames: Vec<Result<Bytes, std::io::Error>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        Body::from_stream(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole_in_order() {
        let bytes = read_within(chunked(&[b"ab", b"", b"cd", b"e"]), 5).await.unwrap();
        assert_eq!(&bytes[..], b"abcde");
        assert_eq!(&read_within(Body::empty(), 0).await.unwrap()[..], b"");
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_refused_and_read_to_its_end() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let sender = tokio::spawn(async move {
            let mut sent = 0;
            for _ in 0..10 {
                if tx.send(Ok(Bytes::from(vec![b'x'; 1000]))).await.is_err() {
                    break;
                }
                sent += 1;
            }
            sent
        });
        let body = Body::from_stream(tokio_stream_of(rx));
        assert_eq!(read_within(body, 2500).await, Err(BodyTooLarge { limit: 2500 }));
        // Every frame was taken: the sender was never cut off mid-body.
        assert_eq!(sender.await.unwrap(), 10);
    }

    #[tokio::test]
    async fn a_refused_body_announced_past_the_drain_budget_is_not_read() {
        let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&taken);
        let frames = futures::stream::repeat_with(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        })
        .take(3);
        drain_refused(Body::from_stream(frames), Some(DRAIN_BYTES + 1)).await;
        assert_eq!(taken.load(std::sync::atomic::Ordering::SeqCst), 0);
        let counter = std::sync::Arc::clone(&taken);
        let frames = futures::stream::repeat_with(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        })
        .take(3);
        drain_refused(Body::from_stream(frames), Some(3)).await;
        assert_eq!(taken.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    fn tokio_stream_of(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
