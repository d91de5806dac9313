//! A root-model adapter that streams: each call is made with the inner
//! adapter's `stream`, every text delta goes to the execution's sink as it
//! arrives, and the call returns the same completion (and retries) that a
//! plain call would.

use std::sync::Arc;

use futures::StreamExt;
use futures::future::BoxFuture;
use rlm_adapters::{AdapterError, CallReport, ModelAdapter, StreamEvent};
use rlm_types::{CompletionRequest, ModelId};

use super::{EventSink, LiveEvent};

pub struct TokenTap {
    inner: Arc<dyn ModelAdapter>,
    sink: Arc<dyn EventSink>,
}

impl TokenTap {
    pub fn new(inner: Arc<dyn ModelAdapter>, sink: Arc<dyn EventSink>) -> Self {
        TokenTap { inner, sink }
    }
}

impl ModelAdapter for TokenTap {
    fn model_id(&self) -> ModelId {
        self.inner.model_id()
    }

    fn context_window(&self) -> Option<u64> {
        self.inner.context_window()
    }

    fn supports_streaming(&self) -> bool {
        self.inner.supports_streaming()
    }

    fn call<'a>(&'a self, request: &'a CompletionRequest) -> BoxFuture<'a, CallReport> {
        Box::pin(async move {
            let report = self.inner.stream(request).await;
            let (retries, attempts) = (report.retries, report.attempts);
            let finish = |result| CallReport { result, retries: retries.clone(), attempts };
            let mut events = match report.result {
                Ok(events) => events,
                Err(e) => return finish(Err(e)),
            };
            let model = self.inner.model_id().to_string();
            while let Some(event) = events.next().await {
                match event {
                    Ok(StreamEvent::Delta { text }) => {
                        if !text.is_empty() {
                            self.sink.send(LiveEvent::Token { model: model.clone(), text });
                        }
                    }
                    Ok(StreamEvent::Done { completion }) => return finish(Ok(completion)),
                    Err(e) => return finish(Err(e)),
                }
            }
            finish(Err(AdapterError::MalformedResponse {
                message: "the stream ended before its final event".into(),
            }))
        })
    }
}
