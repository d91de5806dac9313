//! `rlm serve`: the HTTP API of the RLM runtime, on axum.
//!
//! * Sessions (a context stored once and memory-mapped, settings, a
//!   cumulative budget, `memory`, history), executions (blocking, or streamed
//!   as Server-Sent Events with the root model's tokens), the execution tree,
//!   the trace, stats; jobs (submit, poll, cancel) on a bounded worker pool;
//!   `/metrics`, `/healthz`, `/readyz`, `/api/openapi.json`.
//! * The RLM Engine's calls and shapes are kept exactly (its React frontend
//!   works unchanged); ours sit beside them under `/api`.
//! * Layers, one way (private modules; the public API is re-exported below):
//!   `api` (HTTP) → `executions` / `jobs` → `engine` (the execution seam:
//!   rlm-core's `Session`) and `store` (the storage seam, sled embedded).
//!   [`Server`] assembles them.
//!
//! ```no_run
//! # async fn f() -> Result<(), rlm_server::ServerError> {
//! let script = rlm_core::adapters::FakeScript::default();
//! let config = rlm_server::ServerConfig::local("./data".into(), script);
//! let server = rlm_server::Server::start(config).await?;
//! println!("listening on {}", server.addr());
//! server.stop().await
//! # }
//! ```

mod api;
mod auth;
pub mod blob_sweep;
pub mod blobs;
mod bus;
mod cluster_metrics;
mod config;
mod contexts;
mod engine;
mod error;
mod executions;
pub mod governor;
mod jobs;
mod leases;
pub mod machine_memory;
mod memory_quota;
mod metrics;
mod protocol_check;
mod queue_gate;
mod queued;
mod quotas;
mod recordings;
mod relay;
mod retention;
mod scope;
mod server;
mod shapes;
mod stats;
pub mod store;
mod tree;
mod web;

pub use config::{
    ApiKey, BlobConfig, ClusterConfig, DEFAULT_REDIS_PREFIX, DatabaseConfig, JobsConfig,
    SCRIPTED_MODEL, ServerConfig, ServerIsolation, ServerLimits, ServerRole, redis_cache_config,
    redis_limiter_config,
};
pub use engine::durable::{StoreCheckpoints, run_resuming};
pub use error::ServerError;
pub use retention::{RetentionConfig, sweep as retention_sweep};
pub use rlm_queue::QueueConfig;
pub use server::{Server, init_json_logs};
pub use store::STORE_OPEN_THREAD;
