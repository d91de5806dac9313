//! The open connections, capped and shared among tenants. Each connection
//! knows whether a request is under way on it (from a request's head to the
//! end of its response body, so a long SSE stream is busy) and, once the
//! door has named its request's [`Tenant`], whose it is.
//!
//! The share rule: a tenant's share of the cap is the cap over the tenants
//! holding busy connections plus one (room for a newcomer), at least one;
//! busy connections no door attributed (a probe's) count as one more
//! holder. Alone, a tenant has half the cap; the shares of the holders
//! always leave room (a cap's worth of busy connections means some holder
//! is past its share). A tenant may hold more busy
//! connections than its share only until it asks for another: the door then
//! refuses the new request (429, the connection closed). At the cap a new
//! connection, whoever it is, gets in: the oldest idle connection (a
//! half-sent head, an idle keep-alive) is closed to make room; when every
//! connection is busy, the newest busy connection of the tenant furthest
//! past its share is; only when no one is past their share is the newcomer
//! refused. So one tenant holding its share cannot keep a probe or another
//! tenant's first request out.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use crate::tenant::Tenant;

/// One open connection.
#[derive(Default)]
pub struct Conn {
    in_flight: AtomicUsize,
    /// The tenant the door named for its latest request (`None`: no request
    /// passed a door yet, e.g. only `/healthz` was asked).
    tenant: Mutex<Option<Tenant>>,
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

    fn tenant(&self) -> Option<Tenant> {
        self.tenant.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A request under way on a connection.
pub struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connection a request came on: the serve loop puts it in every
/// request's extensions, for the door to attribute it
/// ([`crate::door::let_in`]), and reads back whether to close it after the
/// response.
#[derive(Clone)]
pub(crate) struct ConnectionHandle {
    pub(crate) connections: Arc<Connections>,
    pub(crate) conn: Arc<Conn>,
    /// Set to close the connection after this request's response (HTTP/1).
    pub(crate) close: Arc<AtomicBool>,
}

impl ConnectionHandle {
    /// Attributes the connection to `tenant`; past its share, the
    /// connection is closed after the refusal.
    pub(crate) fn attribute(&self, tenant: &Tenant) -> Result<(), PastShare> {
        let attributed = self.connections.attribute(&self.conn, tenant);
        if attributed.is_err() {
            self.close.store(true, Ordering::SeqCst);
        }
        attributed
    }
}

/// A tenant past its share of busy connections asked for one more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastShare {
    /// Its busy connections, this request's included.
    pub held: usize,
    pub share: usize,
    pub cap: usize,
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

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Conn>>> {
        // Each change to the map is one call: a panic elsewhere leaves it whole.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A tenant's share of the cap while `holders` tenants (it counted)
    /// hold busy connections (see the module docs).
    pub fn share(&self, holders: usize) -> usize {
        (self.max / (holders + 1)).max(1)
    }

    /// Admits a new connection, making room at the cap (see the module
    /// docs); `None`: every open connection is busy and none past its
    /// tenant's share, the new one is refused.
    pub fn admit(&self) -> Option<(u64, Arc<Conn>)> {
        let mut open = self.lock();
        if open.len() >= self.max {
            if !self.at_cap.swap(true, Ordering::SeqCst) {
                tracing::warn!(
                    max_connections = self.max,
                    "connection cap reached: closing the oldest idle connections (else the newest of a tenant past its share) to admit new ones"
                );
            }
            let oldest_idle = open.iter().find(|(_, c)| c.idle()).map(|(id, _)| *id);
            let shed = oldest_idle.or_else(|| self.past_share(&open));
            match shed.and_then(|id| open.remove(&id)) {
                Some(shed) => shed.shed.cancel(),
                None => return None,
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn::default());
        open.insert(id, Arc::clone(&conn));
        Some((id, conn))
    }

    /// The newest busy connection of the tenant furthest past its share
    /// (connections no door attributed count as one more holder's).
    fn past_share(&self, open: &BTreeMap<u64, Arc<Conn>>) -> Option<u64> {
        let busy = busy_by_tenant(open);
        let share = self.share(busy.len());
        busy.into_values()
            .filter(|ids| ids.len() > share)
            .max_by_key(|ids| ids.len())
            .and_then(|ids| ids.into_iter().max())
    }

    /// Attributes `conn` to `tenant` (the door named it for a request on
    /// it, which made it busy); refused when the tenant now holds more busy
    /// connections than its share.
    pub fn attribute(&self, conn: &Conn, tenant: &Tenant) -> Result<(), PastShare> {
        let open = self.lock();
        *conn.tenant.lock().unwrap_or_else(|p| p.into_inner()) = Some(tenant.clone());
        let busy = busy_by_tenant(&open);
        let held = busy.get(&Some(tenant.clone())).map_or(0, Vec::len);
        let share = self.share(busy.len());
        if held > share { Err(PastShare { held, share, cap: self.max }) } else { Ok(()) }
    }

    /// Forgets a closed connection.
    pub fn leave(&self, id: u64) {
        let mut open = self.lock();
        open.remove(&id);
        if open.len() <= self.max * 3 / 4 {
            self.at_cap.store(false, Ordering::SeqCst);
        }
    }

    pub fn open(&self) -> usize {
        self.lock().len()
    }
}

/// The busy connections' ids by tenant (`None`: not attributed), oldest first.
fn busy_by_tenant(open: &BTreeMap<u64, Arc<Conn>>) -> HashMap<Option<Tenant>, Vec<u64>> {
    let mut busy: HashMap<Option<Tenant>, Vec<u64>> = HashMap::new();
    for (id, conn) in open.iter().filter(|(_, c)| !c.idle()) {
        busy.entry(conn.tenant()).or_default().push(*id);
    }
    busy
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
        assert_eq!(conns.attribute(&cb, &Tenant::of_key("alice")), Ok(()));
        let (_, cc) = conns.admit().unwrap();
        assert!(ca.shed.is_cancelled() && !cb.shed.is_cancelled());
        conns.leave(a);
        let _busy_c = cc.begin();
        assert_eq!(conns.attribute(&cc, &Tenant::of_key("bob")), Ok(()));
        assert!(conns.admit().is_none(), "both busy, no tenant past its share: refused");
        drop(busy_b);
        assert!(conns.admit().is_some());
        assert!(cb.shed.is_cancelled() && conns.open() == 2);
    }

    #[test]
    fn the_share_is_the_cap_over_the_holders_plus_one() {
        let conns = Connections::new(512);
        assert_eq!(conns.share(1), 256, "alone: half, room for a newcomer");
        assert_eq!(conns.share(2), 170);
        assert_eq!(conns.share(600), 1);
        for holders in 1..600 {
            assert!(holders * conns.share(holders) < 512 || conns.share(holders) == 1);
        }
    }

    /// Alice's requests past her share are refused at the door; at the cap
    /// with every connection busy, hers past her share are closed for a
    /// newcomer, and no one else's.
    #[test]
    fn a_tenant_past_its_share_is_refused_then_shed_at_the_cap() {
        let (alice, bob) = (Tenant::of_key("alice"), Tenant::of_key("bob"));
        let conns = Connections::new(8);
        let (mut conns_of_alice, mut busy) = (Vec::new(), Vec::new());
        for i in 0..5 {
            let (_, c) = conns.admit().unwrap();
            busy.push(c.begin());
            let attributed = conns.attribute(&c, &alice);
            if i < 4 {
                assert_eq!(attributed, Ok(()), "request {i}");
            } else {
                assert_eq!(attributed, Err(PastShare { held: 5, share: 4, cap: 8 }));
            }
            conns_of_alice.push(c);
        }
        let (_, b) = conns.admit().unwrap();
        let _bob_busy = b.begin();
        assert_eq!(conns.attribute(&b, &bob), Ok(()), "bob's first request gets in");
        let (_, probe) = conns.admit().unwrap();
        let _probe_busy = probe.begin();
        let (_, probe2) = conns.admit().unwrap();
        let _probe2_busy = probe2.begin();
        assert_eq!(conns.open(), 8);
        // Every connection busy: alice holds 5, past her share with bob and
        // the probes' (8 / 4 = 2).
        let newcomer = conns.admit();
        assert!(newcomer.is_some(), "a newcomer gets in");
        assert!(!b.shed.is_cancelled() && !probe.shed.is_cancelled());
        let shed: Vec<usize> = (0..5).filter(|i| conns_of_alice[*i].shed.is_cancelled()).collect();
        assert_eq!(shed, [4], "alice's newest connection made room");
        assert_eq!(conns.open(), 8);
    }
}
