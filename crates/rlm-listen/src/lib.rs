//! What every listening surface of `rlm` shares (`rlm serve` in its `all`,
//! `api` and `worker` roles, `rlm mcp --transport http`):
//!
//! * [`serve`]: the hardened serve loop (HTTP/1 and h2c, header and idle
//!   timeouts, a minimum body rate, a connection cap shared among tenants
//!   that sheds idle connections, then those past a tenant's share,
//!   graceful shutdown), within [`ListenLimits`];
//! * [`keys`]: bearer-key authentication ([`ApiKey`], [`KeyRing`]);
//! * [`Tenant`]: who a request acts for, named by the door, the one owner
//!   every surface keeps and counts objects under;
//! * [`door`]: the refusal to listen beyond loopback without keys, the
//!   Host/Origin rules of a keyless listener, and [`door::let_in`], which
//!   every surface's door calls to name a request's tenant and hold it to
//!   its share of the connections;
//! * [`Streams`]: the cap on long-lived response streams (SSE listeners)
//!   per tenant and per subject;
//! * [`json_parse_cost`]: what parsing a JSON body takes, before it is parsed;
//! * [`request_body`]: a body read whole within a limit, and one past it
//!   drained before its refusal so the client reads the refusal;
//! * [`AllocatorPurge`]: the allocator's free pages given back after work ends.
//!
//! Files: `allocator_purge.rs`, `serve.rs`, `connections.rs` (the cap and its shares),
//! `body_rate.rs`, `limits.rs`, `keys.rs`, `door.rs`, `tenant.rs`,
//! `streams.rs`, `json_cost.rs`, `request_body.rs`, `error.rs`.

mod allocator_purge;
mod body_rate;
mod connections;
pub mod door;
mod error;
mod json_cost;
pub mod keys;
mod limits;
pub mod request_body;
mod serve;
mod streams;
mod tenant;

pub use allocator_purge::{AllocatorPurge, PurgeOnDrop};
pub use door::{Door, check_bind, let_in};
pub use error::{ListenError, Refusal};
pub use json_cost::json_parse_cost;
pub use keys::{ApiKey, KeyRing, KeyToken};
pub use limits::ListenLimits;
pub use serve::{Listening, bind, serve};
pub use streams::{StreamLimits, StreamRefusal, StreamSlot, Streams};
pub use tenant::Tenant;
