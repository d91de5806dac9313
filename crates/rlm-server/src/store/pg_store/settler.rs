//! Settlements on PostgreSQL by group commit (`batcher.rs`): the ones
//! that arrive while a batch is written share the next one
//! (`settle_batch.rs`). A batch that fails for another reason than the
//! database being away is undone whole, and each of its settlements is
//! then written alone, so a settlement whose own write fails gets its own
//! error and the others are kept; one with a job, and a second settlement
//! of one execution, are written alone as well.

use std::collections::HashSet;

use super::PgStore;
use super::batch_items::Settling;
use super::batcher::write_together;
use super::executions::settle;
use super::settle_batch::settle_batch;
use crate::store::errors::StoreError;
use crate::store::settlement::Settled;

impl PgStore {
    /// Settles `item` in the next batch; answers once the batch holding it
    /// has committed (or with the error that kept it from committing).
    pub(super) async fn settle_grouped(&self, item: Settling) -> Result<Settled, StoreError> {
        let store = self.clone();
        let write = move |items: Vec<Settling>| async move { store.settle_together(&items).await };
        self.settler.submit(item, write).await
    }

    /// Settles `items` as one batch (the settler's: public so that a test
    /// can give it a batch of its choosing): each one's outcome, in order.
    /// One with a job, and a second one of an execution, is written alone
    /// after the batch; if the batch fails but for the database being
    /// away, each of its settlements is written alone, so only those whose
    /// own write fails fail.
    pub async fn settle_together(&self, items: &[Settling]) -> Vec<Result<Settled, StoreError>> {
        let mut seen = HashSet::new();
        let joins = |s: &Settling| s.settled.job.is_none() && seen.insert(s.settled.record.id);
        write_together(
            items,
            joins,
            |batch| async move { self.writing(|| settle_batch(self, &batch)).await },
            |s| self.settle_alone(s),
        )
        .await
    }

    /// One settlement in a transaction of its own.
    async fn settle_alone(&self, s: &Settling) -> Result<Settled, StoreError> {
        self.writing(|| settle(self, &s.settled, &s.trace, s.release.as_deref())).await
    }
}
