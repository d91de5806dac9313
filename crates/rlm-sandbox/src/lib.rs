//! Sandbox worker processes, the second implementation of the sandbox-host
//! seam (DESIGN.md, "Seams with two implementations each"): defence in
//! depth around the interpreter, whose own limits must hold without it.
//!
//! This crate knows nothing of the interpreter or the RLM loop. It gives:
//! * [`WorkerPool`] (`pool.rs`): worker processes (a program, normally the
//!   `rlm` binary's hidden `sandbox-worker` subcommand) started ahead of
//!   need, handed out one execution at a time, replaced when one dies, with
//!   the exit described by signal name ([`describe_exit`]);
//! * [`start_worker`] (`worker.rs`): the worker's side of start-up;
//! * [`confine`] (`confine.rs`): what a worker does to itself first:
//!   `RLIMIT_AS`, `RLIMIT_CPU`, `PR_SET_NO_NEW_PRIVS`, landlock, seccomp;
//! * [`Channel`] (`channel.rs`): length-prefixed JSON frames over the
//!   worker's socket, with a file descriptor attached when needed (the
//!   context, shared read-only).
//!
//! The messages of the serving protocol itself are the embedder's
//! (rlm-core's `sandbox` module).

mod channel;
mod confine;
mod error;
mod pool;
mod worker;

pub use channel::{Channel, MAX_FRAME_BYTES};
pub use confine::{Confinement, OsLimits, confine};
pub use error::{ChannelError, SandboxError};
pub use pool::{PoolConfig, Worker, WorkerPool, describe_exit};
pub use worker::start_worker;
