//! The text one `trace_batches` row holds: a written batch's events as a
//! JSON array of `[position, event]` pairs, positions ascending (the chunk
//! the sled store keeps per append). It is assembled from the events'
//! JSON as encoded (no event encoded again), and is JSON PostgreSQL can
//! read too (a checkpoint counts the events it covers in SQL).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::de::IgnoredAny;

use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, StreamedEvent, attempt_of_position};

/// A batch of one execution's trace events as one row: its first and
/// last positions, its events' text, and its attempt.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TraceBatch {
    pub first: u64,
    pub last: u64,
    pub text: String,
    /// The earliest attempt its positions name (a later attempt's write
    /// fences it out).
    pub attempt: u32,
}

impl TraceBatch {
    pub fn attempt_param(&self) -> i32 {
        i32::try_from(self.attempt).unwrap_or(i32::MAX)
    }
}

/// `events` as one batch, one event per position (the last given for a
/// position winning, as a re-sent event does); `None` with no event.
pub(super) fn trace_batch(events: &[EncodedEvent<'_>]) -> Option<TraceBatch> {
    let mut by_position: BTreeMap<u64, &str> = BTreeMap::new();
    for e in events {
        by_position.insert(e.position, e.json.as_ref());
    }
    let (&first, _) = by_position.first_key_value()?;
    let (&last, _) = by_position.last_key_value()?;
    let size: usize = by_position.values().map(|json| json.len() + 24).sum();
    let mut text = String::with_capacity(size + 2);
    text.push('[');
    for (n, (position, json)) in by_position.into_iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(text, "[{position},");
        text.push_str(json);
        text.push(']');
    }
    text.push(']');
    Some(TraceBatch { first, last, text, attempt: attempt_of_position(first) })
}

/// The events of a stored batch (`first..=last` its row's positions):
/// unreadable text, or a position outside the row's, is corrupt.
pub(super) fn batch_events(
    first: i64,
    last: i64,
    text: &str,
) -> Result<Vec<StreamedEvent>, StoreError> {
    let pairs: Vec<(u64, rlm_trace::TraceEvent)> =
        serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    check_positions(first, last, pairs.iter().map(|(p, _)| *p))?;
    Ok(pairs.into_iter().map(|(position, event)| StreamedEvent { position, event }).collect())
}

/// The positions of a stored batch's events, the events themselves skipped
/// (what a cut counts), checked as [`batch_events`] checks them.
pub(super) fn batch_positions(first: i64, last: i64, text: &str) -> Result<Vec<u64>, StoreError> {
    let pairs: Vec<(u64, IgnoredAny)> =
        serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let positions: Vec<u64> = pairs.into_iter().map(|(p, _)| p).collect();
    check_positions(first, last, positions.iter().copied())?;
    Ok(positions)
}

fn check_positions(
    first: i64,
    last: i64,
    mut positions: impl Iterator<Item = u64>,
) -> Result<(), StoreError> {
    let within = |p: u64| i64::try_from(p).is_ok_and(|p| first <= p && p <= last);
    match positions.find(|p| !within(*p)) {
        Some(p) => Err(corrupt(format!("position {p} is outside the batch's {first}..={last}"))),
        None => Ok(()),
    }
}

fn corrupt(message: String) -> StoreError {
    StoreError::Corrupt { what: "trace batch".into(), message }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn event(seq: u64) -> String {
        let rec = rlm_trace::TraceRecorder::new();
        let run = rec.start_run(None, rlm_trace::RunStarted::default());
        for i in 0..seq {
            rec.error(run, rlm_trace::ErrorEvent { message: format!("n{i}"), fatal: false });
        }
        serde_json::to_string(rec.events().last().unwrap()).unwrap()
    }

    #[test]
    fn a_batch_is_its_events_in_position_order_the_last_given_winning() {
        let (a, b, c) = (event(0), event(1), event(2));
        let given = [
            EncodedEvent { position: 7, json: Cow::Borrowed(a.as_str()) },
            EncodedEvent { position: 3, json: Cow::Borrowed(b.as_str()) },
            EncodedEvent { position: 7, json: Cow::Borrowed(c.as_str()) },
        ];
        let batch = trace_batch(&given).unwrap();
        assert_eq!((batch.first, batch.last, batch.attempt), (3, 7, 1));
        assert_eq!(batch.text, format!("[[3,{b}],[7,{c}]]"));
        let read = batch_events(3, 7, &batch.text).unwrap();
        assert_eq!(read.iter().map(|e| e.position).collect::<Vec<_>>(), [3, 7]);
        assert_eq!(serde_json::to_string(&read[1].event).unwrap(), c);
        assert_eq!(batch_positions(3, 7, &batch.text).unwrap(), [3, 7]);
        assert!(trace_batch(&[]).is_none());
    }

    #[test]
    fn corrupt_stored_text_is_an_error() {
        let ok = format!("[[3,{}]]", event(0));
        for (first, last, text) in [
            (0, 9, "not json"),
            (0, 9, "[[1]]"),
            (0, 9, "[[-1,{}]]"),
            (0, 9, "{\"a\":1}"),
            (0, 9, "[[1,{\"seq\":\"x\"}]]"),
            (4, 9, ok.as_str()),
            (0, 2, ok.as_str()),
        ] {
            let read = batch_events(first, last, text);
            assert!(matches!(read, Err(StoreError::Corrupt { .. })), "{text}: {read:?}");
        }
        for text in ["[", "[[1]]", "[[\"1\",{}]]", "[[99,{}]]"] {
            let read = batch_positions(0, 9, text);
            assert!(matches!(read, Err(StoreError::Corrupt { .. })), "{text}: {read:?}");
        }
    }
}
