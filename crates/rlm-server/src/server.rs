//! Assembles and runs the server: opens the store and the contexts folder,
//! reports what a previous process left running as interrupted (on a store
//! other processes share: only what a dead process left, by its expired
//! leases), connects the cluster's job queue, starts the job workers, binds
//! the listener (`rlm-listen`'s serve loop: timeouts, the connection cap,
//! the Host/Origin rules; a `worker` serves `/healthz` and `/readyz` only), and shuts
//! down in order (refuse new work, drain or interrupt executions and jobs,
//! close connections, flush the store).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rlm_core::sandbox::{SandboxHost, WorkerPool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{AppState, router};
use crate::auth::Auth;
use crate::config::{DatabaseConfig, ServerConfig, ServerIsolation};
use crate::contexts::ContextFiles;
use crate::engine::SessionRunner;
use crate::error::ServerError;
use crate::executions::Executions;
use crate::jobs::Jobs;
use crate::leases::LeaseHolder;
use crate::metrics::Metrics;
use crate::store::{SledStore, Store};

/// Opens the store the configuration names.
async fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, ServerError> {
    match &config.database {
        DatabaseConfig::Sled => {
            let db_dir = config.data_dir.join("db");
            Ok(Arc::new(tokio::task::block_in_place(|| SledStore::open(&db_dir))?))
        }
        #[cfg(feature = "postgres")]
        DatabaseConfig::Postgres { url, schema } => {
            Ok(Arc::new(crate::store::PgStore::connect(url, schema).await?))
        }
        #[cfg(not(feature = "postgres"))]
        DatabaseConfig::Postgres { .. } => Err(ServerError::Config(
            "--database-url: this build has no PostgreSQL store (the `postgres` feature)".into(),
        )),
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<Result<(), ServerError>>,
}

impl Server {
    /// Starts the server.
    pub async fn start(config: ServerConfig) -> Result<Server, ServerError> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::Io {
            what: format!("cannot create the data directory {}", config.data_dir.display()),
            source,
        })?;
        let store = open_store(&config).await?;
        let blob_dir = config.blobs.dir_in(&config.data_dir);
        let blobs: Arc<dyn crate::blobs::BlobStore> =
            Arc::new(crate::blobs::FolderBlobs::open(blob_dir.clone()).map_err(|e| {
                ServerError::Config(format!("server.blob_dir {}: {e}", blob_dir.display()))
            })?);
        let contexts =
            Arc::new(ContextFiles::open(config.data_dir.join("contexts"), Arc::clone(&blobs))?);
        let blob_sweep = crate::blob_sweep::BlobSweep {
            store: Arc::clone(&store),
            blobs,
            grace: config.blobs.grace,
        };
        let sandbox = match &config.isolation {
            ServerIsolation::None => SandboxHost::InProcess,
            ServerIsolation::Process(pool) => {
                let pool = tokio::task::block_in_place(|| WorkerPool::start(pool.clone()))
                    .map_err(|e| ServerError::Config(format!("--isolate process: {e}")))?;
                SandboxHost::process(pool)
            }
        };
        let engine =
            Arc::new(tokio::task::block_in_place(|| SessionRunner::new(&config, sandbox))?);
        let role = config.cluster.role;
        // Other processes may share this store: only the executions of dead
        // ones (their leases ran out) are interrupted, here and every lease.
        let interrupted = if store.shared() {
            crate::leases::sweep(&*store, config.jobs.lease).await
        } else {
            store
                .interrupt_running_executions(
                    "interrupted: the server stopped while this execution ran",
                )
                .await?
        };
        let queue = match &config.cluster.queue {
            Some(q) => Some(
                rlm_queue::JobQueue::connect(q.clone())
                    .await
                    .map_err(|e| ServerError::Config(format!("--nats-url: {e}")))?,
            ),
            None => None,
        };
        let metrics = Arc::new(Metrics::new());
        // With a queue, work for it goes through the outbox (see `relay`).
        let gate =
            queue.as_ref().map(|_| Arc::new(crate::queue_gate::QueueGate::new(&config.jobs)));
        let executions = Executions::new(
            Arc::clone(&store),
            engine,
            Arc::clone(&contexts),
            Arc::clone(&metrics),
            config.limits.clone(),
        )
        .with_tenants(config.api_keys.len())
        .with_lease(config.jobs.lease);
        // An `api` process runs no execution: the cluster's workers do.
        let executions = Arc::new(match (&queue, role) {
            (Some(q), crate::config::ServerRole::Api) => match &gate {
                Some(gate) => executions.with_remote(q.clone()).with_gate(Arc::clone(gate)),
                None => executions.with_remote(q.clone()),
            },
            _ => executions,
        });
        let relay_queue = queue.clone();
        let jobs = Jobs::new(
            Arc::clone(&store),
            Arc::clone(&executions),
            Arc::clone(&metrics),
            config.jobs.clone(),
            queue,
            role,
        );
        let jobs = Arc::new(match &gate {
            Some(gate) => jobs.with_gate(Arc::clone(gate)),
            None => jobs,
        });
        if let Some(queue) = &relay_queue {
            crate::protocol_check::check(&*store, queue, &config.jobs, role, jobs.worker_id())
                .await?;
        }
        let interrupted_jobs = jobs.recover().await?;
        if interrupted > 0 || !interrupted_jobs.is_empty() {
            tracing::warn!(
                executions = interrupted,
                jobs = interrupted_jobs.len(),
                "the previous server stopped while these ran: they are reported interrupted"
            );
        }
        if store.shared() {
            // Before the first request: its idempotency keys' claims name
            // this process, alive while its lease lasts.
            let until = crate::store::now_micros() + crate::leases::micros(config.jobs.lease);
            store.renew_process_lease(executions.holder(), until).await?;
        }
        let auth = Arc::new(Auth::new(&config.api_keys, &config.operator_keys));
        let ready = Arc::new(AtomicBool::new(true));
        let state = AppState {
            store: Arc::clone(&store),
            executions: Arc::clone(&executions),
            jobs: Arc::clone(&jobs),
            contexts,
            blob_sweep: blob_sweep.clone(),
            metrics: Arc::clone(&metrics),
            quotas: Arc::new(crate::quotas::Quotas::new(config.limits.clone())),
            auth: Arc::clone(&auth),
            limits: config.limits.clone(),
            allowed_path_root: config.allowed_path_root.clone(),
            ready: Arc::clone(&ready),
            listeners: rlm_listen::Streams::new(config.limits.listeners),
        };
        let app = if role.serves_api() {
            router(state, crate::web::routes(), &config.cors_origins)
        } else {
            crate::api::probes_router(state)
        };
        // Host and Origin rules for every route, probes included (a keyless
        // server answers loopback names only).
        let door = rlm_listen::Door::new(auth.keys().clone(), config.cors_origins.clone());
        let app =
            app.layer(axum::middleware::from_fn_with_state(door, rlm_listen::door::check_names));
        let listener =
            rlm_listen::bind(config.bind).await.map_err(|e| ServerError::Config(e.to_string()))?;
        let limits =
            rlm_listen::ListenLimits { shutdown_grace: Duration::from_secs(10), ..config.listen };
        let http = rlm_listen::serve(listener, app, limits)
            .map_err(|e| ServerError::Config(e.to_string()))?;
        let addr = http.addr();
        if auth.enabled() {
            tracing::info!(%addr, keys = config.api_keys.len(), role = ?role, "rlm serve listening (bearer-token auth on)");
        } else {
            tracing::warn!(%addr, role = ?role, "rlm serve listening WITHOUT authentication (no API keys; loopback only)");
        }
        let workers = jobs.spawn_workers();
        let stop = CancellationToken::new();
        let sweeper = (!config.retention.is_off()).then(|| {
            crate::retention::spawn(Arc::clone(&store), config.retention.clone(), stop.clone())
        });
        // At start (what a crash left unreferenced), then every grace period.
        let blob_sweeper = blob_sweep.clone().spawn(config.blobs.grace, stop.clone());
        let leases = store.shared().then(|| {
            crate::leases::spawn(
                Arc::clone(&store),
                Arc::clone(&executions),
                config.jobs.lease,
                stop.clone(),
            )
        });
        let relay = match (relay_queue, gate) {
            (Some(queue), Some(gate)) if role.serves_api() => Some(
                crate::relay::Relay::new(Arc::clone(&jobs), queue, gate, Arc::clone(&metrics))
                    .spawn(stop.clone()),
            ),
            _ => None,
        };
        let grace = config.shutdown_grace;
        let holder = executions.holder().to_string();
        let task = {
            let stop = stop.clone();
            tokio::spawn(async move {
                stop.cancelled().await;
                tracing::info!("shutting down: no new work; draining executions");
                ready.store(false, Ordering::SeqCst);
                jobs.stop();
                executions.shutdown(grace).await;
                let tasks = workers.into_iter().chain(sweeper).chain(leases).chain(relay);
                for w in tasks.chain([blob_sweeper]) {
                    let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
                }
                // Requests under way get the listener's grace (10 s), then close.
                http.stop().await;
                // Gone: a claim this process left unanswered is free at once.
                if store.shared()
                    && let Err(e) = store.renew_process_lease(&holder, 0).await
                {
                    tracing::warn!(error = %e, "cannot end this process's lease");
                }
                store.flush().await?;
                tracing::info!("stopped");
                Ok(())
            })
        };
        Ok(Server { addr, stop, task })
    }

    /// Where it listens (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Begins a graceful shutdown.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }

    /// Waits until the server has stopped.
    pub async fn wait(self) -> Result<(), ServerError> {
        self.task.await.map_err(|e| ServerError::Internal(format!("the server task: {e}")))?
    }

    /// Shuts down and waits.
    pub async fn stop(self) -> Result<(), ServerError> {
        self.shutdown();
        self.wait().await
    }
}

/// Structured JSON logs on stderr (`RUST_LOG` filters; default `info`).
pub fn init_json_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_writer(std::io::stderr)
        .try_init();
}
