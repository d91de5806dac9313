//! Starts of executions on PostgreSQL by group commit (`batcher.rs`): the
//! ones that arrive while a batch is written share the next one
//! (`start_batch.rs`). A batch that fails for another reason than the
//! database being away is undone whole, and each of its starts is then
//! written alone, so a start whose own write fails gets its own error and
//! the others are kept; a second start of one execution or of one
//! session is written alone as well, after the batch.

use std::collections::HashSet;

use super::PgStore;
use super::batch_items::{Started, Starting};
use super::batcher::write_together;
use super::start_batch::start_batch;
use crate::store::errors::StoreError;

impl PgStore {
    /// Writes `item` in the next batch of starts; answers once the batch
    /// holding it has committed (or with the error that kept it from
    /// committing).
    pub(super) async fn start_grouped(&self, item: Starting) -> Result<Started, StoreError> {
        let store = self.clone();
        let write = move |items: Vec<Starting>| async move { store.start_together(&items).await };
        self.starter.submit(item, write).await
    }

    /// The starts of `items` as one batch: each one's outcome, in order.
    async fn start_together(&self, items: &[Starting]) -> Vec<Result<Started, StoreError>> {
        let (mut ids, mut sessions) = (HashSet::new(), HashSet::new());
        let joins = |s: &Starting| {
            let session = s.record.session_id.filter(|_| s.take.is_some());
            ids.insert(s.record.id) && session.is_none_or(|sid| sessions.insert(sid))
        };
        write_together(
            items,
            joins,
            |batch| async move { self.writing(|| start_batch(self, &batch)).await },
            |s| self.start_alone(s),
        )
        .await
    }

    /// One start in a transaction of its own.
    async fn start_alone(&self, s: &Starting) -> Result<Started, StoreError> {
        match s.take {
            Some(take) => self.take_session_alone(s, take).await,
            None => self.put_leased_alone(s).await.map(|()| None),
        }
    }
}
