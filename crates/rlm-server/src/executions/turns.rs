//! Whose turn it is in a session: the executions of one session run one at
//! a time in this process, in arrival order, and each restores the state
//! the previous one stored. A session's [`SessionTurns`] holds that order
//! (a fair lock) and counts the executions settled in it, so an execution
//! that finds the session idle when it is admitted knows whether the
//! session record it read then is still the newest: if no execution of the
//! session settled in between, it starts at once from that record (created
//! already running, the session decoded once), instead of storing a
//! pending record, waiting for its turn, storing its move to running and
//! reading the session again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

/// One session's turn and how many of its executions have settled.
#[derive(Debug, Default)]
pub(crate) struct SessionTurns {
    /// Held by the execution that runs (tokio's lock is fair: arrival order).
    turn: Arc<Mutex<()>>,
    /// Executions of the session settled by this process (their new state
    /// stored), counted before their turn ends.
    settled: AtomicU64,
}

/// An execution's turn in its session, held until it has settled.
pub(crate) type Turn = OwnedMutexGuard<()>;

/// Every session's [`SessionTurns`] in this process (one entry per session
/// that ran here, as the lock map before it held).
#[derive(Debug, Default)]
pub(crate) struct Turns {
    sessions: DashMap<Uuid, Arc<SessionTurns>>,
}

impl Turns {
    /// How many executions of `session` have settled here so far; read
    /// before the session record is, to pass to [`Turns::take_if_idle`].
    /// Adds no entry (the session may not be the caller's, or not exist).
    pub(crate) fn settled(&self, session: Uuid) -> u64 {
        self.sessions.get(&session).map_or(0, |s| s.settled.load(Ordering::SeqCst))
    }

    fn of(&self, session: Uuid) -> Arc<SessionTurns> {
        Arc::clone(&self.sessions.entry(session).or_default())
    }

    /// The session's turn, at once, if nobody holds or awaits it and no
    /// execution of it settled since [`Turns::settled`] returned `seen`
    /// (so a session record read after that call is still the newest);
    /// `None` otherwise.
    pub(crate) fn take_if_idle(&self, session: Uuid, seen: u64) -> Option<Turn> {
        let turns = self.of(session);
        let turn = Arc::clone(&turns.turn).try_lock_owned().ok()?;
        // Checked while holding the turn: a settlement counts itself
        // before its turn ends, so none can slip in after this check.
        (turns.settled.load(Ordering::SeqCst) == seen).then_some(turn)
    }

    /// Waits for the session's turn (in arrival order).
    pub(crate) async fn wait(&self, session: Uuid) -> Turn {
        Arc::clone(&self.of(session).turn).lock_owned().await
    }

    /// Counts a settlement of `session` (its new state is stored); called
    /// before the settling execution's turn ends.
    pub(crate) fn count_settled(&self, session: Uuid) {
        self.of(session).settled.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_idle_session_gives_its_turn_at_once() {
        let turns = Turns::default();
        let s = Uuid::new_v4();
        let seen = turns.settled(s);
        let turn = turns.take_if_idle(s, seen);
        assert!(turn.is_some());
        // Held: the next one does not get it at once.
        assert!(turns.take_if_idle(s, seen).is_none());
        drop(turn);
        assert!(turns.take_if_idle(s, seen).is_some());
    }

    #[tokio::test]
    async fn a_settlement_after_the_read_refuses_the_turn() {
        let turns = Turns::default();
        let s = Uuid::new_v4();
        let seen = turns.settled(s);
        // Another execution ran and settled after `seen` was read.
        let other = turns.wait(s).await;
        turns.count_settled(s);
        drop(other);
        assert!(turns.take_if_idle(s, seen).is_none());
        // A caller that read the count afterwards gets it.
        let seen = turns.settled(s);
        assert_eq!(seen, 1);
        assert!(turns.take_if_idle(s, seen).is_some());
    }

    #[tokio::test]
    async fn reading_the_count_adds_no_entry() {
        let turns = Turns::default();
        assert_eq!(turns.settled(Uuid::new_v4()), 0);
        assert!(turns.sessions.is_empty());
    }
}
