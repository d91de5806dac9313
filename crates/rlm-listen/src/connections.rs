//! The open connections, capped: each knows whether a request is under way
//! on it (a request counts from its head to the end of its response body, so
//! a long SSE stream is busy). At the cap, the oldest connection with nothing
//! under way (a half-sent head, an idle keep-alive) is closed to admit the
//! new one: a flood of slow clients cannot keep a probe out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

/// One open connection.
#[derive(Default)]
pub struct Conn {
    in_flight: AtomicUsize,
    /// Cancelled when the connection is shed.
    pub shed: CancellationToken,
}

impl Conn {
    /// Marks a request under way until the returned guard drops.
    pub fn begin(self: &Arc<Conn>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }
}

/// A request under way on a connection.
pub struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The open connections of one listener.
pub struct Connections {
    max: usize,
    open: Mutex<BTreeMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// The cap's log line is written once per flood (again after the count
    /// fell to three quarters of the cap).
    at_cap: AtomicBool,
}

impl Connections {
    pub fn new(max: usize) -> Connections {
        Connections {
            max: max.max(1),
            open: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            at_cap: AtomicBool::new(false),
        }
    }

    /// Admits a new connection, shedding the oldest idle one at the cap;
    /// `None`: every open connection is busy, the new one is refused.
    pub fn admit(&self) -> Option<(u64, Arc<Conn>)> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= self.max {
            if !self.at_cap.swap(true, Ordering::SeqCst) {
                tracing::warn!(
                    max_connections = self.max,
                    "connection cap reached: closing the oldest idle connections to admit new ones"
                );
            }
            let oldest_idle = open.iter().find(|(_, c)| c.idle()).map(|(id, _)| *id);
            match oldest_idle.and_then(|id| open.remove(&id)) {
                Some(shed) => shed.shed.cancel(),
                None => return None,
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn::default());
        open.insert(id, Arc::clone(&conn));
        Some((id, conn))
    }

    /// Forgets a closed connection.
    pub fn leave(&self, id: u64) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(&id);
        if open.len() <= self.max * 3 / 4 {
            self.at_cap.store(false, Ordering::SeqCst);
        }
    }

    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_idle_connection_makes_room_and_busy_ones_stay() {
        let conns = Connections::new(2);
        let (a, ca) = conns.admit().unwrap();
        let (_, cb) = conns.admit().unwrap();
        let busy_b = cb.begin();
        let (_, cc) = conns.admit().unwrap();
        assert!(ca.shed.is_cancelled() && !cb.shed.is_cancelled());
        conns.leave(a);
        let _busy_c = cc.begin();
        assert!(conns.admit().is_none(), "both busy: the newcomer is refused");
        drop(busy_b);
        assert!(conns.admit().is_some());
        assert!(cb.shed.is_cancelled() && conns.open() == 2);
    }
}
