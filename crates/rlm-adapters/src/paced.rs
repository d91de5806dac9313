//! Pacing for the offline scripted model (`rlm serve --scripted-token-delay-ms`):
//! its streamed replies arrive all at once, so a person (or a browser test)
//! could never watch a reply grow.
//! [`Paced`] waits a fixed time before each text delta; the completion, its
//! usage and its retries are the inner adapter's, unchanged.

use std::sync::Arc;
use std::time::Duration;

use crate::{CallReport, ModelAdapter, StreamEvent, StreamReport};
use futures::StreamExt;
use futures::future::BoxFuture;
use rlm_types::{CompletionRequest, ModelId};

/// An adapter whose stream waits `token_delay` before every text delta.
pub struct Paced {
    inner: Arc<dyn ModelAdapter>,
    token_delay: Duration,
}

impl Paced {
    pub fn new(inner: Arc<dyn ModelAdapter>, token_delay: Duration) -> Self {
        Paced { inner, token_delay }
    }
}

impl ModelAdapter for Paced {
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
        self.inner.call(request)
    }

    fn stream<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, StreamReport> {
        let delay = self.token_delay;
        Box::pin(async move {
            let report = self.inner.stream(request).await;
            let result = report.result.map(|events| {
                events
                    .then(move |event| async move {
                        if matches!(event, Ok(StreamEvent::Delta { .. })) {
                            tokio::time::sleep(delay).await;
                        }
                        event
                    })
                    .boxed()
            });
            StreamReport { result, retries: report.retries, attempts: report.attempts }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FakeAdapter;

    #[tokio::test(start_paused = true)]
    async fn deltas_are_spaced_and_the_text_is_unchanged() {
        let inner: Arc<dyn ModelAdapter> = Arc::new(FakeAdapter::fixed("one two three"));
        let paced = Paced::new(inner, Duration::from_millis(100));
        let request = CompletionRequest::user("hi");
        let started = tokio::time::Instant::now();
        let mut events = paced.stream(&request).await.result.unwrap();
        let mut text = String::new();
        let mut at = Vec::new();
        while let Some(event) = events.next().await {
            match event.unwrap() {
                StreamEvent::Delta { text: t } => {
                    text.push_str(&t);
                    at.push(started.elapsed());
                }
                StreamEvent::Done { completion } => assert_eq!(completion.text, "one two three"),
            }
        }
        assert_eq!(text, "one two three");
        // Paused clock: each of the three deltas came one delay after the previous one.
        let expected: Vec<Duration> = (1..=3).map(|i| Duration::from_millis(100 * i)).collect();
        assert_eq!(at, expected);
    }
}
