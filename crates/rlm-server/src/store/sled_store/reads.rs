//! Reads that cost no more than their answer: pages from the by-time
//! index, counts, aggregates, the stats timeline, and `/api/stats`.

use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::tx::*;
use crate::store::aggregate::{
    Aggregate, BUCKET_SECS, BucketTotals, StatsSnapshot, StoredBucket, timeline_span,
};
use crate::store::errors::StoreError;
use crate::store::keys::{self, *};
use crate::store::pages::{Listed, PAGE_BYTES, PageRequest};
use crate::store::traits::StatsStore;

impl SledStore {
    /// One page from the by-time index under `prefix`, newest first, of at
    /// most [`PAGE_BYTES`] stored bytes (at least one record); `load` reads
    /// the record an entry names and its stored size (`None`: skip it),
    /// `keep` filters.
    pub(super) fn page<T>(
        &self,
        prefix: Vec<u8>,
        page: &PageRequest,
        total: usize,
        load: impl Fn(Uuid) -> Result<Option<(T, usize)>, StoreError>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Listed<T>, StoreError> {
        let entries: Box<dyn DoubleEndedIterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            match &page.cursor {
                Some(cursor) => {
                    let (created, id) = decode_cursor(cursor)
                        .ok_or_else(|| StoreError::BadCursor(cursor.chars().take(64).collect()))?;
                    let end = keys::entry(prefix.clone(), created, id);
                    Box::new(self.index.range(prefix..end))
                }
                None => Box::new(self.index.scan_prefix(prefix)),
            };
        let mut items = Vec::new();
        let mut skipped = 0;
        let mut last = None;
        let mut more = false;
        let mut bytes = 0u64;
        for item in entries.rev() {
            let (key, _) = item.map_err(backend)?;
            let Some((created, id)) = keys::position(&key) else { continue };
            if items.len() == page.limit {
                more = true;
                break;
            }
            let Some((record, size)) = load(id)? else { continue };
            if !keep(&record) {
                continue;
            }
            if skipped < page.offset {
                skipped += 1;
                continue;
            }
            bytes = bytes.saturating_add(size as u64);
            if !items.is_empty() && bytes > PAGE_BYTES {
                more = true;
                break;
            }
            items.push(record);
            last = Some((created, id));
        }
        let next_cursor = last.filter(|_| more).map(|(c, id)| encode_cursor(c, id));
        Ok(Listed { items, total, next_cursor })
    }

    pub(super) fn count(&self, key: &[u8]) -> Result<usize, StoreError> {
        let bytes = self.index.get(key).map_err(backend)?;
        let count = bytes.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok());
        Ok(count.map_or(0, u64::from_be_bytes) as usize)
    }

    pub(super) fn aggregate(&self, key: &[u8]) -> Result<Aggregate, StoreError> {
        match self.index.get(key).map_err(backend)? {
            Some(bytes) => decode_compact("aggregate", &bytes),
            None => Ok(Aggregate::default()),
        }
    }

    /// The timeline of a scope: the minute buckets' first and last key and
    /// the record of the newest buckets say the span, then one range read
    /// of at most 60 buckets, and the newest one of the width from that record.
    pub(super) fn timeline(&self, scope: Vec<u8>) -> Result<(u64, Vec<StoredBucket>), StoreError> {
        let hot_key = keys::hot_buckets(scope.clone());
        let hot = read_hot(self.index.get(&hot_key).map_err(backend)?.as_deref())?;
        let minutes = keys::width_prefix(scope.clone(), 0);
        let oldest = self.index.scan_prefix(&minutes).next().transpose().map_err(backend)?;
        let newest = self.index.scan_prefix(&minutes).next_back().transpose().map_err(backend)?;
        let stored =
            |found: Option<(sled::IVec, sled::IVec)>| found.and_then(|(k, _)| bucket_number(&k));
        let held = hot.at(0).map(|(bucket, _)| bucket);
        let oldest = [stored(oldest), held].into_iter().flatten().min();
        let newest = [stored(newest), held].into_iter().flatten().max();
        let (Some(oldest), Some(newest)) = (oldest, newest) else {
            return Ok((0, Vec::new()));
        };
        let (width, first, last) = timeline_span(oldest, newest);
        let secs = BUCKET_SECS[width] as i64;
        let mut buckets: Vec<StoredBucket> = (first..=last)
            .map(|b| StoredBucket { start_secs: b * secs, totals: BucketTotals::default() })
            .collect();
        let range = keys::bucket(scope.clone(), width, first)..=keys::bucket(scope, width, last);
        for item in self.index.range(range) {
            let (key, bytes) = item.map_err(backend)?;
            let Some(n) = bucket_number(&key) else { continue };
            if let Some(b) = usize::try_from(n - first).ok().and_then(|i| buckets.get_mut(i)) {
                b.totals.merge(&decode_compact("time bucket", &bytes)?);
            }
        }
        if let Some((n, totals)) = hot.at(width)
            && let Some(b) = usize::try_from(n - first).ok().and_then(|i| buckets.get_mut(i))
        {
            b.totals.merge(totals);
        }
        Ok((secs as u64, buckets))
    }
}

#[async_trait::async_trait]
impl StatsStore for SledStore {
    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        let (totals, per_session, scope) = match session {
            Some(s) => {
                let a = self.aggregate(&keys::session_aggregate(owner, s))?;
                let per_session = if a.executions > 0 { vec![(s, a.clone())] } else { Vec::new() };
                (a, per_session, session_scope(s))
            }
            None => {
                let mut per_session = Vec::new();
                let prefix = owner_prefix(SESSION_AGGREGATE, owner);
                for item in self.index.scan_prefix(&prefix) {
                    let (key, bytes) = item.map_err(backend)?;
                    let Ok(id) = Uuid::from_slice(&key[prefix.len()..]) else { continue };
                    per_session.push((id, decode_compact("aggregate", &bytes)?));
                }
                let totals = self.aggregate(&owner_prefix(OWNER_AGGREGATE, owner))?;
                (totals, per_session, owner_scope(owner))
            }
        };
        if totals.executions == 0 {
            return Ok(StatsSnapshot { totals, ..StatsSnapshot::default() });
        }
        let (bucket_secs, buckets) = self.timeline(scope)?;
        Ok(StatsSnapshot { totals, per_session, bucket_secs, buckets })
    }
}
