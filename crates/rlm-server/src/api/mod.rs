//! The HTTP API: the router (routes, auth, limits, CORS, request ids and
//! logs), the shared state of the handlers, and the OpenAPI document built
//! from the handlers' annotations and types (`/api` and the OpenAI-compatible
//! `/v1`).

mod body_account;
mod document;
mod executions;
mod extract;
mod idempotency;
mod jobs;
mod listeners;
mod openai;
mod ops;
mod sessions;
mod state;

pub use state::AppState;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::{get, post};
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};

use crate::auth::require_tenant;
use crate::error::ServerError;

/// What a `worker` process serves: liveness and readiness, open, and its
/// metrics behind the same keys as an api's `/metrics`.
pub fn probes_router(state: AppState) -> Router {
    let metrics = Router::new()
        .route("/metrics", get(ops::process_metrics))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&state.auth), require_tenant));
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(metrics)
        .with_state(state)
}

/// No such route: the API's JSON error, OpenAI's under `/v1`.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if openai::extract::owns(uri.path()) {
        return openai::extract::no_route().into_response();
    }
    ServerError::NotFound { what: "route", id: "(see /api/openapi.json)".into() }.into_response()
}

/// A route that exists, asked with a method it does not take: a JSON error
/// body like every other error, OpenAI's under `/v1` (axum adds the `Allow`
/// header).
async fn method_not_allowed(
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = format!("this route does not take {method} (see /api/openapi.json)");
    let status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    if openai::extract::owns(uri.path()) {
        return openai::extract::refused(status, message).into_response();
    }
    ServerError::Rejected { status, message }.into_response()
}

/// The whole application: the API, the open operational routes, and `web`
/// (the page served at `/`, mounted by its own module).
pub fn router(state: AppState, web: Router<AppState>, cors_origins: &[String]) -> Router {
    let protected = Router::new()
        .route("/api/sessions", get(sessions::list).post(sessions::create))
        .route(
            "/api/sessions/{id}",
            get(sessions::get).put(sessions::update).delete(sessions::delete),
        )
        .route("/api/sessions/{id}/memory", get(sessions::get_memory).post(sessions::set_memory))
        .route("/api/sessions/{id}/memory/{key}", axum::routing::delete(sessions::delete_memory))
        .route("/api/sessions/{id}/history", get(sessions::history))
        .route("/api/execute", post(executions::execute))
        .route("/api/execute/stream", post(executions::execute_stream))
        .route("/api/executions", get(executions::list))
        .route("/api/executions/{id}", get(executions::get).delete(executions::delete))
        .route("/api/executions/{id}/tree", get(executions::tree))
        .route("/api/executions/{id}/trace", get(executions::trace))
        .route("/api/executions/{id}/recording", get(executions::recording))
        .route("/api/executions/{id}/events", get(executions::events))
        .route("/api/executions/{id}/cancel", post(executions::cancel))
        .route("/api/stats", get(executions::stats))
        .route("/api/jobs", get(jobs::list).post(jobs::submit))
        .route("/api/jobs/{id}", get(jobs::get).delete(jobs::cancel))
        .route("/metrics", get(ops::metrics))
        // Inside the door: an Idempotency-Key is scoped by the request's
        // tenant, and a body is charged to the tenant's memory share.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), body_account::charge))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&state.auth), require_tenant));
    let open = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/api/health", get(ops::api_health))
        .route("/api/openapi.json", get(ops::openapi));
    let body_limit = usize::try_from(state.limits.max_body_bytes).unwrap_or(usize::MAX);
    let request_id = HeaderName::from_static("x-request-id");
    let mut app = protected
        .merge(openai::routes(&state))
        .merge(open)
        .merge(web)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    if !cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app.layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            // Method, path and request id only: headers (keys) and queries stay out of logs.
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            tracing::debug_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        })
        // Per-request lines are DEBUG: at INFO they halved /healthz's throughput.
        .on_request(DefaultOnRequest::new().level(tracing::Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
    )
    .layer(PropagateRequestIdLayer::new(request_id.clone()))
    .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
