//! Lists and pages: what a list is asked for ([`PageRequest`],
//! [`ExecutionFilter`]) and what it answers ([`Listed`], [`HistoryPage`]),
//! with the bytes one page may hold, and an owner's quota counts.

use uuid::Uuid;

/// Which executions to list: an owner's, optionally one session's.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub owner: String,
    pub session_id: Option<Uuid>,
}

/// The most stored bytes one page of any list or history holds (at least
/// one record, whatever its size): a page of 100 executions with 6 MB
/// answers is never read, held and sent whole. A page cut short by it
/// says so the way a full page does: its `next_cursor` (or `next`) is set.
pub const PAGE_BYTES: u64 = 4 << 20;

/// Where a list's page starts: after `cursor` (a list's `next_cursor`),
/// else after skipping `offset` records; newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: usize,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What one owner holds, for the per-key quotas (kept by the writes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OwnerUsage {
    pub sessions: u64,
    /// Bytes of the contexts of the owner's sessions.
    pub context_bytes: u64,
    /// Bytes of the recordings of the owner's executions.
    pub recording_bytes: u64,
}

/// One page of a session's history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// `(turn number, turn)`.
    pub turns: Vec<(u64, rlm_core::Turn)>,
    pub total: u64,
    /// The turn number the next page starts at; `None` on the last page.
    pub next: Option<u64>,
}
