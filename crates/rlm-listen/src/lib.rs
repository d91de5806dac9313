//! What every listening surface of `rlm` shares (`rlm serve` in its `all`,
//! `api` and `worker` roles, `rlm mcp --transport http`):
//!
//! * [`serve`]: the hardened serve loop (HTTP/1 and h2c, header and idle
//!   timeouts, a connection cap that sheds idle connections, graceful shutdown),
//!   within [`ListenLimits`];
//! * [`keys`]: bearer-key authentication ([`ApiKey`], [`KeyRing`]);
//! * [`Tenant`]: who a request acts for, named by the door, the one owner
//!   every surface keeps and counts objects under;
//! * [`door`]: the refusal to listen beyond loopback without keys, and the
//!   Host/Origin rules of a keyless listener.
//!
//! Files: `serve.rs`, `connections.rs` (the cap), `limits.rs`, `keys.rs`,
//! `door.rs`, `tenant.rs`, `error.rs`.

mod connections;
pub mod door;
mod error;
pub mod keys;
mod limits;
mod serve;
mod tenant;

pub use door::{Door, check_bind};
pub use error::{ListenError, Refusal};
pub use keys::{ApiKey, KeyRing, KeyToken};
pub use limits::ListenLimits;
pub use serve::{Listening, bind, serve};
pub use tenant::Tenant;
