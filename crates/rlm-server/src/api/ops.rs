//! Operations: liveness, readiness, Prometheus metrics, the OpenAPI document.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::state::AppState;
use crate::shapes::{ErrorBody, Health};
use rlm_listen::Tenant;

fn health(status: &str) -> Json<Health> {
    Json(Health { status: status.into(), service: "rlm-server".into() })
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    health("healthy")
}

/// The RLM Engine's health check (same as `/healthz`).
#[utoipa::path(get, path = "/api/health", tag = "operations", responses((status = 200, body = Health)))]
pub async fn api_health() -> Json<Health> {
    health("healthy")
}

/// Readiness: the store answers, the job queue's NATS connection is up (with
/// `--nats-url`), the Redis the engine uses (subcall cache, cluster rate
/// limits) answers, and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if !state.ready.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, health("shutting down")).into_response();
    }
    if let Err(e) = state.store.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, health(&format!("store unavailable: {e}")))
            .into_response();
    }
    if state.jobs.queue_connected() == Some(false) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            health("job queue unavailable: NATS is not connected"),
        )
            .into_response();
    }
    match state.executions.engine().check_redis().await {
        Ok(()) => health("ready").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, health(&format!("redis unavailable: {e}")))
            .into_response(),
    }
}

/// Prometheus metrics (text exposition format) of the caller's own
/// executions (each API key is a tenant); an operator key (`--operator-key`,
/// or the caller of a server without keys) also sees the deployment's
/// series: every tenant's jobs queued and running, the outbox, the relay.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn metrics(
    State(state): State<AppState>,
    Extension(tenant): Extension<Tenant>,
) -> Response {
    let operator = state.auth.is_operator(&tenant);
    if operator {
        refresh_cluster(&state).await;
    }
    let mut text = state.metrics.render(tenant.id(), operator);
    match state.store.stats(tenant.id(), None).await {
        Ok(stats) => text = crate::cluster_metrics::with_stored_totals(text, &stats),
        Err(e) => tracing::warn!(error = %e, "/metrics: cannot read the stored totals"),
    }
    exposition(text)
}

/// A worker's `/metrics` (on its probe port): every execution this
/// process ran, whoever's, and the deployment's series.
pub async fn process_metrics(State(state): State<AppState>) -> Response {
    refresh_cluster(&state).await;
    exposition(state.metrics.render_process())
}

/// The deployment's series from the store (every process shows the same).
async fn refresh_cluster(state: &AppState) {
    let cluster = &state.metrics.cluster;
    if let Err(e) = cluster.refresh(&*state.store, crate::store::now_micros()).await {
        tracing::warn!(error = %e, "/metrics: cannot read the job counts");
    }
    if let Some(connected) = state.jobs.queue_connected() {
        cluster.queue_connected.set(i64::from(connected));
    }
}

fn exposition(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn openapi(State(state): State<AppState>) -> Response {
    Json(super::document::served_document(
        &state.limits,
        state.auth.enabled(),
        state.allowed_path_root.is_some(),
        &state.executions.offered_models(),
    ))
    .into_response()
}
