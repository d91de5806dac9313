//! Who a request acts for: its [`Tenant`], the id of the API key it carries,
//! or [`Tenant::LOCAL`] on a listener without keys (loopback only: one user).
//!
//! The door ([`crate::door::require_key`]) names the tenant of every request
//! it lets through, in the request's extensions; every surface reads it from
//! there ([`Tenant::of_parts`]) and nowhere else. It is the one owner that
//! stored and listed objects are kept under (`rlm serve`'s records, `rlm
//! mcp`'s sessions, traces and transport sessions) and the one name shares
//! are counted by (connections, sandbox memory, queues), so no surface
//! re-derives it from headers or invents a second notion of "who".

use std::fmt;
use std::sync::Arc;

/// See the module docs. Cheap to clone (a shared string).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenant(Arc<str>);

impl Tenant {
    /// The tenant of every request to a listener without keys.
    pub const LOCAL: &'static str = "local";

    /// The tenant of the API key whose id is `key_id`.
    pub fn of_key(key_id: &str) -> Tenant {
        Tenant(Arc::from(key_id))
    }

    /// The one tenant of a keyless listener.
    pub fn local() -> Tenant {
        Tenant::of_key(Tenant::LOCAL)
    }

    /// Its id: the key's id, or `local`.
    pub fn id(&self) -> &str {
        &self.0
    }

    /// The tenant the door named for the request whose parts these are
    /// (`None`: the request did not pass the door, which only a route
    /// mounted outside it can see).
    pub fn of_parts(parts: &axum::http::request::Parts) -> Option<&Tenant> {
        parts.extensions.get::<Tenant>()
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tenant({:?})", &*self.0)
    }
}

impl AsRef<str> for Tenant {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
