//! What every handler of the API reaches: the server's parts, shared.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::auth::Auth;
use crate::config::ServerLimits;
use crate::contexts::ContextFiles;
use crate::executions::Executions;
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub executions: Arc<Executions>,
    pub jobs: Arc<Jobs>,
    pub contexts: Arc<ContextFiles>,
    /// Deletes the blobs records stop referencing.
    pub blob_sweep: crate::blob_sweep::BlobSweep,
    pub metrics: Arc<Metrics>,
    pub quotas: Arc<crate::quotas::Quotas>,
    pub auth: Arc<Auth>,
    pub limits: ServerLimits,
    pub allowed_path_root: Option<PathBuf>,
    /// False once shutdown has begun (`/readyz` answers 503).
    pub ready: Arc<AtomicBool>,
    /// The SSE listeners open, per key and per execution (`listeners.rs`).
    pub listeners: Arc<rlm_listen::Streams>,
}
