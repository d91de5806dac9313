//! The serve loop's limits, their defaults and their checks.

use std::time::Duration;

use crate::error::ListenError;

/// How long a client may be slow or idle, and how many connections may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenLimits {
    /// An HTTP/1 connection that has not sent a whole request head this long
    /// after it opened, or after its previous response, is closed (hyper's
    /// `header_read_timeout`, which also bounds a kept-alive connection's wait).
    pub header_timeout: Duration,
    /// A request body that sends nothing for this long fails (its reader
    /// gets tower-http's `RequestBodyTimeoutLayer` error, reset at every frame); an
    /// HTTP/2 peer is pinged at this interval and closed when it does not answer.
    pub idle_timeout: Duration,
    /// Connections open at once, shared among tenants: past it the oldest
    /// connection with no request under way is closed to make room, else the
    /// newest busy one of the tenant furthest past its share (none: the new
    /// one is); see `connections.rs`.
    pub max_connections: usize,
    /// Bytes a second a request body must average once `header_timeout`
    /// has passed since its head (0: no minimum); one that falls behind
    /// is answered 408 and its connection closed (see `body_rate.rs`).
    pub min_body_rate: u64,
    /// How long shutdown waits for requests under way before closing.
    pub shutdown_grace: Duration,
}

impl ListenLimits {
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// Half of the usual 1,024 open files: room for the store, the sandbox
    /// workers and the accept of the connection that sheds another.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
    /// Apache `mod_reqtimeout`'s default `MinRate`: a phone on a poor link
    /// sends far more.
    pub const DEFAULT_MIN_BODY_RATE: u64 = 500;

    pub fn validate(&self) -> Result<(), ListenError> {
        if self.max_connections == 0 {
            return Err(ListenError::BadLimit("--max-connections must be at least 1".into()));
        }
        if self.header_timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err(ListenError::BadLimit(
                "--header-timeout and --idle-timeout must be more than 0 seconds".into(),
            ));
        }
        Ok(())
    }
}

impl Default for ListenLimits {
    fn default() -> Self {
        ListenLimits {
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            min_body_rate: Self::DEFAULT_MIN_BODY_RATE,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
