//! The order of a mirrored execution's log: the frames a worker forwards
//! on NATS (core publish, no redelivery) arrive with gaps when NATS
//! restarts or a connection drops, and the api's log must not skip what
//! fell in one (a page counting a batch's subcalls would stop short).
//!
//! Frames are pushed in id order only. A frame past a gap is held until
//! the gap is closed: by the frames that arrive late, or by the stored
//! trace once the worker's persister has stored past the gap (it stores in
//! order, so a stored position at or past the first held frame means every
//! trace event before it is stored). A lost frame that is not a trace event
//! (a reply's tokens) is not stored anywhere and stays lost; the reply it
//! belonged to is in its step's trace event. A redelivered attempt's ids
//! start past the earlier attempt's (`bus::attempt_base`): that jump is a
//! gap like any other, closed by the store (what the dead attempt stored
//! that the mirror missed) and the new attempt's frames.
//!
//! Held frames are bounded ([`HELD_MAX_BYTES`]): past it a frame is dropped,
//! and the store gives back its trace event.

use std::collections::BTreeMap;

use rlm_trace::TraceEvent;
use serde::{Deserialize, Serialize};

use crate::bus::sse_name;
use crate::store::StreamedEvent;

/// The most a mirror holds past a gap (frames' JSON bytes).
pub(super) const HELD_MAX_BYTES: usize = 32 * 1024 * 1024;

/// One frame of a worker's live log, as forwarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SentFrame {
    pub id: u64,
    pub name: String,
    pub json: String,
    pub trace: Option<TraceEvent>,
}

impl SentFrame {
    /// The frame a stored trace event was sent as.
    pub fn of_stored(stored: StreamedEvent) -> SentFrame {
        let name = sse_name(&stored.event);
        let data = serde_json::to_value(&stored.event).unwrap_or_default();
        let json = serde_json::json!({ "type": name, "data": data }).to_string();
        SentFrame { id: stored.position, name: name.to_string(), json, trace: Some(stored.event) }
    }
}

/// See the module docs. `next` is always the id the mirror's log takes
/// next (`ExecutionBus::next_id`), passed in by the caller.
#[derive(Debug, Default)]
pub(super) struct MirrorOrder {
    held: BTreeMap<u64, SentFrame>,
    held_bytes: usize,
}

impl MirrorOrder {
    /// Whether frames wait past a gap.
    pub fn waiting(&self) -> bool {
        !self.held.is_empty()
    }

    /// A frame that arrived live; the frames now ready, in order.
    pub fn offer(&mut self, next: u64, frame: SentFrame) -> Vec<SentFrame> {
        if frame.id < next {
            return Vec::new(); // one the log has
        }
        if frame.id == next && self.held.is_empty() {
            return vec![frame];
        }
        if self.held_bytes + frame.json.len() <= HELD_MAX_BYTES
            && !self.held.contains_key(&frame.id)
        {
            self.held_bytes += frame.json.len();
            self.held.insert(frame.id, frame);
        }
        let mut ready = Vec::new();
        self.drain_from(next, &mut ready);
        ready
    }

    /// The stored trace from `next` on (`stored`, in position order);
    /// the frames now ready, in order. `settled`: the execution's record is
    /// terminal in the store, so the stored trace is whole and everything
    /// held goes out. Otherwise the stored events are pushed only up to the
    /// store's frontier, and only once it reaches the first held frame (or
    /// when nothing is held: the live frames stopped coming).
    pub fn fill(&mut self, next: u64, stored: Vec<StreamedEvent>, settled: bool) -> Vec<SentFrame> {
        let frontier = stored.last().map(|s| s.position);
        let limit = match (settled, frontier, self.held.keys().next()) {
            (true, _, _) => u64::MAX,
            (false, None, _) => return Vec::new(),
            (false, Some(f), Some(&first)) if f < first => return Vec::new(),
            (false, Some(f), _) => f,
        };
        let mut merged: BTreeMap<u64, SentFrame> = stored
            .into_iter()
            .filter(|s| s.position >= next && s.position <= limit)
            .map(|s| (s.position, SentFrame::of_stored(s)))
            .collect();
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > limit {
                break;
            }
            let frame = entry.remove();
            self.held_bytes -= frame.json.len();
            if frame.id >= next {
                merged.insert(frame.id, frame);
            }
        }
        let mut ready: Vec<SentFrame> = merged.into_values().collect();
        let after = ready.last().map_or(next, |f| f.id + 1);
        self.drain_from(after, &mut ready);
        ready
    }

    /// Moves the held frames that follow on from `next` without a gap to `ready`.
    fn drain_from(&mut self, mut next: u64, ready: &mut Vec<SentFrame>) {
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > next {
                break;
            }
            let frame = entry.remove();
            self.held_bytes -= frame.json.len();
            if frame.id == next {
                next += 1;
                ready.push(frame);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: u64) -> SentFrame {
        SentFrame { id, name: "token".into(), json: format!("{{\"id\":{id}}}"), trace: None }
    }

    fn stored(position: u64) -> StreamedEvent {
        let event = TraceEvent {
            schema_version: 2,
            seq: position,
            ts: 0,
            span_id: rlm_trace::SpanId(position),
            parent_span_id: None,
            kind: rlm_trace::EventKind::Error(rlm_trace::ErrorEvent {
                message: format!("event {position}"),
                fatal: false,
            }),
        };
        StreamedEvent { position, event }
    }

    fn ids(frames: &[SentFrame]) -> Vec<u64> {
        frames.iter().map(|f| f.id).collect()
    }

    #[test]
    fn frames_in_order_go_straight_through() {
        let mut order = MirrorOrder::default();
        assert_eq!(ids(&order.offer(0, frame(0))), [0]);
        assert_eq!(ids(&order.offer(1, frame(1))), [1]);
        assert!(order.offer(2, frame(1)).is_empty(), "a frame the log has is dropped");
        assert!(!order.waiting());
    }

    #[test]
    fn a_late_frame_closes_its_gap() {
        let mut order = MirrorOrder::default();
        assert!(order.offer(0, frame(1)).is_empty());
        assert!(order.offer(0, frame(2)).is_empty());
        assert!(order.waiting());
        assert_eq!(ids(&order.offer(0, frame(0))), [0, 1, 2]);
        assert!(!order.waiting());
    }

    #[test]
    fn the_store_closes_a_gap_once_it_has_stored_past_it() {
        let mut order = MirrorOrder::default();
        // 3 and 4 were lost; 5 (a token frame) and 6 (a trace event) arrived.
        assert!(order.offer(3, frame(5)).is_empty());
        assert!(order.offer(3, frame(6)).is_empty());
        // The persister has stored 3 only: the gap may hold more, so nothing moves.
        assert!(order.fill(3, vec![stored(3)], false).is_empty());
        assert!(order.waiting());
        // Stored up to 6: 3 and 6 from the store (4 was a token frame), 5 held.
        let ready = order.fill(3, vec![stored(3), stored(6)], false);
        assert_eq!(ids(&ready), [3, 5, 6]);
        assert!(ready[0].trace.is_some() && ready[1].trace.is_none());
        assert!(!order.waiting());
        // Live frames after it go straight through again.
        assert_eq!(ids(&order.offer(7, frame(7))), [7]);
    }

    #[test]
    fn held_frames_past_the_frontier_wait_for_their_own_gap() {
        let mut order = MirrorOrder::default();
        for id in [2, 3, 7, 8] {
            assert!(order.offer(0, frame(id)).is_empty());
        }
        // Stored to 2: 0 and 1 from the store, 2 and 3 held; 4..7 is a second gap.
        let ready = order.fill(0, vec![stored(0), stored(1), stored(2)], false);
        assert_eq!(ids(&ready), [0, 1, 2, 3]);
        assert!(order.waiting());
        assert_eq!(ids(&order.fill(4, vec![stored(5), stored(7)], false)), [5, 7, 8]);
        assert!(!order.waiting());
    }

    #[test]
    fn a_settled_execution_sends_everything_in_order() {
        let mut order = MirrorOrder::default();
        // A redelivered attempt's frames start past the first's ids.
        let base = 1u64 << 32;
        assert!(order.offer(10, frame(base)).is_empty());
        let ready = order.fill(10, vec![stored(11), stored(12), stored(base + 1)], true);
        assert_eq!(ids(&ready), [11, 12, base, base + 1]);
        assert!(!order.waiting());
    }

    #[test]
    fn with_no_live_frames_the_store_is_followed_to_its_frontier() {
        let mut order = MirrorOrder::default();
        assert_eq!(ids(&order.fill(4, vec![stored(2), stored(4), stored(6)], false)), [4, 6]);
        assert!(order.fill(7, Vec::new(), false).is_empty());
    }

    #[test]
    fn held_frames_are_bounded() {
        let mut order = MirrorOrder::default();
        let big = "x".repeat(HELD_MAX_BYTES / 2 + 1);
        let mut f = frame(5);
        f.json = big.clone();
        assert!(order.offer(0, f).is_empty());
        let mut g = frame(6);
        g.json = big;
        assert!(order.offer(0, g).is_empty());
        assert_eq!(order.held.len(), 1, "the second frame is past the bound");
        assert_eq!(ids(&order.fill(0, vec![stored(6)], false)), [5, 6]);
        assert_eq!(order.held_bytes, 0);
    }
}
