//! The one guard of every SSE route (`/api/execute/stream`,
//! `/api/executions/{id}/events`, streamed `/v1/chat/completions`): a
//! listener's slot in rlm-listen's [`Streams`] (at most
//! `server.max_listeners_per_key` open per key and
//! `server.max_listeners_per_execution` per execution; 429 past either),
//! held by the response stream until it ends or its reader goes away.

use futures::{Stream, StreamExt};
use rlm_listen::{StreamSlot, Tenant};
use uuid::Uuid;

use super::state::AppState;
use crate::error::ServerError;
use crate::scope::Scope;

/// One SSE listener, counted until its stream is dropped.
pub(crate) struct Listener(StreamSlot);

impl Listener {
    /// A slot for one more listener of `scope`'s tenant on `execution`
    /// (`None`: one about to start, named by [`Listener::attach`]).
    pub(crate) fn open(
        state: &AppState,
        scope: &Scope,
        execution: Option<Uuid>,
    ) -> Result<Listener, ServerError> {
        let tenant = Tenant::of_key(scope.owner());
        let subject = execution.map(|id| id.to_string());
        state.listeners.open(&tenant, subject.as_deref()).map(Listener).map_err(|refusal| {
            tracing::debug!(tenant = %tenant, %refusal, "SSE listener refused");
            ServerError::TooManyRequests { message: refusal.to_string(), retry_after_secs: 1 }
        })
    }

    /// Names the execution a listener opened before it started.
    pub(crate) fn attach(&mut self, execution: Uuid) {
        self.0.attach(&execution.to_string());
    }

    /// `stream`, holding this slot while it lives.
    pub(crate) fn hold<S: Stream>(self, stream: S) -> impl Stream<Item = S::Item> {
        stream.map(move |item| {
            let _held = &self.0;
            item
        })
    }
}
