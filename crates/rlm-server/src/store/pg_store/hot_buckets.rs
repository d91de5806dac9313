//! Each aggregate row's newest time buckets (migration 11): what its scope
//! and shard added to the newest bucket of every width, kept in the row's
//! `hot` column. An execution's change in the newest buckets, the common
//! case, then rewrites the aggregate row it rewrites anyway, instead of one
//! `buckets` row per width (9 for the owner's shard and 9 for the session:
//! 18 of the 22.6 row updates of an execution's start and settlement).
//!
//! A bucket's total is its `buckets` rows' plus what the rows of its scope
//! hold for it here: a hot bucket is a delta, so nothing is read to take it
//! in, and a store of version 10 is read as it is. When a newer bucket
//! begins at a width, the one it replaces goes to `buckets` (one upsert,
//! once); a change of an older bucket goes there directly; a row deleted
//! (it counts no execution) gives its held buckets there first. Rows of
//! one scope and shard are only written under their aggregate row's lock.

use serde::{Deserialize, Serialize};

use super::sql::{decode, encode};
use crate::store::aggregate::BUCKET_SECS;
use crate::store::errors::StoreError;

/// A bucket's signed totals: executions, completed, failed, tokens and
/// cost in nano-dollars (the `buckets` columns' order).
pub(super) type Deltas = [i64; 5];

/// One aggregate row's held buckets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct HotBuckets {
    /// Per width, in [`BUCKET_SECS`]' order: the newest bucket's number and
    /// what was added to it while it was the newest.
    widths: Vec<Option<(i64, Deltas)>>,
}

impl HotBuckets {
    /// The `hot` column's value (empty: none held).
    pub fn decode(text: &str) -> Result<Self, StoreError> {
        if text.is_empty() { Ok(HotBuckets::default()) } else { decode("time buckets", text) }
    }

    /// The `hot` column's value for these buckets (empty when none is held).
    pub fn encode(&self) -> Result<String, StoreError> {
        if self.widths.iter().flatten().all(|(_, d)| is_zero(d)) {
            Ok(String::new())
        } else {
            encode(self)
        }
    }

    /// Adds `delta` to `bucket` at `width`: into the held bucket when it is
    /// that one; when `bucket` is newer, the held one is handed to `cold`
    /// and `bucket` held from now; when older, `delta` is handed to `cold`.
    pub fn add(
        &mut self,
        width: usize,
        bucket: i64,
        delta: &Deltas,
        cold: &mut impl FnMut(usize, i64, &Deltas),
    ) {
        if self.widths.len() < BUCKET_SECS.len() {
            self.widths.resize(BUCKET_SECS.len(), None);
        }
        let Some(slot) = self.widths.get_mut(width) else { return };
        match slot {
            Some((held, sum)) if *held == bucket => add_into(sum, delta),
            Some((held, _)) if *held > bucket => cold(width, bucket, delta),
            _ => {
                if let Some((held, sum)) = slot.take().filter(|(_, sum)| !is_zero(sum)) {
                    cold(width, held, &sum);
                }
                *slot = Some((bucket, *delta));
            }
        }
    }

    /// Hands every held bucket to `cold` (the row is deleted).
    pub fn drain(&mut self, cold: &mut impl FnMut(usize, i64, &Deltas)) {
        for (width, slot) in self.widths.iter_mut().enumerate() {
            if let Some((held, sum)) = slot.take().filter(|(_, sum)| !is_zero(sum)) {
                cold(width, held, &sum);
            }
        }
    }

    /// The held bucket at `width` and what it holds, unless nothing.
    pub fn at(&self, width: usize) -> Option<(i64, &Deltas)> {
        match self.widths.get(width) {
            Some(Some((bucket, sum))) if !is_zero(sum) => Some((*bucket, sum)),
            _ => None,
        }
    }
}

fn is_zero(d: &Deltas) -> bool {
    d.iter().all(|v| *v == 0)
}

pub(super) fn add_into(sum: &mut Deltas, delta: &Deltas) {
    for (s, d) in sum.iter_mut().zip(delta) {
        *s = s.saturating_add(*d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cold_of(hot: &mut HotBuckets, steps: &[(usize, i64, i64)]) -> Vec<(usize, i64, i64)> {
        let mut cold = Vec::new();
        for (width, bucket, n) in steps {
            hot.add(*width, *bucket, &[*n, 0, 0, 0, 0], &mut |w, b, d| cold.push((w, b, d[0])));
        }
        cold
    }

    #[test]
    fn the_newest_bucket_is_held_and_a_newer_one_sends_it_to_the_table() {
        let mut hot = HotBuckets::default();
        assert!(cold_of(&mut hot, &[(0, 10, 1), (0, 10, 2)]).is_empty());
        assert_eq!(hot.at(0), Some((10, &[3, 0, 0, 0, 0])));
        assert_eq!(cold_of(&mut hot, &[(0, 11, 1)]), vec![(0, 10, 3)], "displaced, once");
        assert_eq!(cold_of(&mut hot, &[(0, 9, -1)]), vec![(0, 9, -1)], "older: straight there");
        assert_eq!(hot.at(0), Some((11, &[1, 0, 0, 0, 0])));
        assert_eq!(hot.at(1), None);
    }

    #[test]
    fn a_held_bucket_that_nets_to_nothing_is_not_written_anywhere() {
        let mut hot = HotBuckets::default();
        assert!(cold_of(&mut hot, &[(2, 5, 1), (2, 5, -1), (2, 6, 1)]).is_empty());
        let mut drained = Vec::new();
        hot.drain(&mut |w, b, d| drained.push((w, b, d[0])));
        assert_eq!(drained, vec![(2, 6, 1)]);
        assert_eq!(hot.encode().unwrap(), "", "nothing held: an empty column");
    }

    #[test]
    fn the_column_round_trips_and_an_empty_one_holds_nothing() {
        let mut hot = HotBuckets::decode("").unwrap();
        hot.add(8, 56, &[1, 1, 0, 40, 7], &mut |_, _, _| unreachable!());
        let text = hot.encode().unwrap();
        assert_eq!(HotBuckets::decode(&text).unwrap(), hot);
        assert!(HotBuckets::decode("{").is_err(), "a damaged column is an error, not zeros");
    }
}
