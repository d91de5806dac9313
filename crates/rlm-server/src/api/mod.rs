//! The HTTP API: the router (routes, auth, limits, CORS, request ids and
//! logs), the shared state of the handlers, and the OpenAPI document built
//! from the handlers' annotations and types (`/api` and the OpenAI-compatible
//! `/v1`).

mod body_account;
mod executions;
mod extract;
mod idempotency;
mod jobs;
mod listeners;
mod openai;
mod ops;
mod sessions;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::{get, post};
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::auth::{Auth, require_tenant};
use crate::config::ServerLimits;
use crate::contexts::ContextFiles;
use crate::error::ServerError;
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

#[derive(OpenApi)]
#[openapi(
    info(title = "rlm serve", description = "Recursive Language Model runtime: sessions, executions, SSE, jobs. The RLM Engine's API plus ours."),
    paths(
        sessions::create, sessions::list, sessions::get, sessions::update, sessions::delete,
        sessions::get_memory, sessions::set_memory, sessions::delete_memory, sessions::history,
        executions::execute, executions::execute_stream, executions::events, executions::list,
        executions::get, executions::delete, executions::tree, executions::trace, executions::recording, executions::cancel, executions::stats,
        jobs::submit, jobs::get, jobs::list, jobs::cancel,
        ops::healthz, ops::api_health, ops::readyz, ops::metrics, ops::openapi,
        openai::completions::chat_completions, openai::responses::create_response,
        openai::models::list, openai::models::retrieve,
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The OpenAPI document of this API, from the handlers' annotations and the
/// request and response types (their serde attributes and schema ranges).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document a server serves: [`openapi_document`] with this server's
/// own limits written into the schemas (the longest question, the execution
/// time limit, the operator's budget ceilings), and bearer security declared
/// only when the server has keys (without keys nothing answers 401).
pub fn served_document(
    limits: &ServerLimits,
    auth: bool,
    paths: bool,
    models: &[String],
) -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi_document()).unwrap_or_default();
    let schemas = "/components/schemas";
    // The models a client may name are this server's offer.
    for pointer in [
        "ExecutionCreate/properties/model",
        "SessionSettings/properties/model",
        "SessionSettings/properties/sub_model",
    ] {
        if let Some(schema) = doc.pointer_mut(&format!("{schemas}/{pointer}")) {
            let mut offered: Vec<serde_json::Value> =
                models.iter().map(|m| m.as_str().into()).collect();
            offered.push(serde_json::Value::Null);
            schema["enum"] = serde_json::Value::Array(offered);
        }
    }
    // An execution runs over a session or an inline context, exactly one of
    // them (the type has both optional; the server refuses both and neither).
    if let Some(shape) = doc.pointer_mut(&format!("{schemas}/ExecutionCreate")) {
        let one = |field: &str, schema: serde_json::Value| serde_json::json!({ "required": [field], "properties": { field: schema } });
        shape["oneOf"] = serde_json::json!([
            one("session_id", serde_json::json!({ "type": "string", "format": "uuid" })),
            one("context", serde_json::json!({ "type": "string" })),
        ]);
    }
    // A multipart body takes the named parts only (the type has no serde derive to say so).
    if let Some(shape) = doc.pointer_mut(&format!("{schemas}/SessionUpload")) {
        shape["additionalProperties"] = false.into();
        // One `files` part is one text, several are several: both are what
        // a form sends (a part has no JSON type to be wrong about).
        if let Some(files) = shape.pointer_mut("/properties/files") {
            let text = serde_json::json!({ "type": "string" });
            *files = serde_json::json!({
                "description": files.get("description").cloned().unwrap_or_default(),
                "anyOf": [text, { "type": "array", "items": text }],
            });
        }
    }
    // A chat has a user message; tools and functions are refused unless null
    // (what the types cannot say).
    if let Some(chat) = doc.pointer_mut(&format!("{schemas}/ChatRequest/properties")) {
        // The names this server offers first (any other name is a 404).
        if let Some(model) = chat.get_mut("model") {
            let mut offered = vec![serde_json::Value::from("rlm")];
            offered.extend(models.iter().map(|m| serde_json::Value::from(format!("rlm:{m}"))));
            let description = model.get("description").cloned().unwrap_or_default();
            *model = serde_json::json!({
                "description": description,
                "anyOf": [{ "enum": offered }, { "type": "string" }],
            });
        }
        if let Some(messages) = chat.get_mut("messages").and_then(|m| m.as_object_mut()) {
            messages.insert("minItems".into(), 1.into());
            messages.insert(
                "contains".into(),
                serde_json::json!({
                    "type": "object",
                    "required": ["role"],
                    "properties": { "role": { "const": "user" } },
                }),
            );
        }
        for refused in ["tools", "functions"] {
            if let Some(field) = chat.get_mut(refused) {
                let description = field.get("description").cloned().unwrap_or_default();
                *field = serde_json::json!({ "type": "null", "description": description });
            }
        }
    }
    // Server-side paths exist only on a server started with `--allow-path`.
    if !paths
        && let Some(properties) = doc
            .pointer_mut(&format!("{schemas}/SessionCreate/properties"))
            .and_then(|p| p.as_object_mut())
    {
        properties.remove("paths");
    }
    let query = limits.max_query_chars as u64;
    for shape in ["ExecutionCreate", "JobCreate"] {
        set_bound(
            &mut doc,
            &format!("{schemas}/{shape}/properties/user_query"),
            "maxLength",
            query,
        );
    }
    let settings = format!("{schemas}/SessionSettings/properties");
    let ceilings = &limits.execution;
    for (field, ceiling) in [
        ("timeout_secs", Some(limits.max_execution.as_secs())),
        ("max_steps", ceilings.max_steps),
        ("max_subcalls", ceilings.max_subcalls),
        ("max_depth", ceilings.max_depth.map(u64::from)),
    ] {
        if let Some(ceiling) = ceiling {
            set_bound(&mut doc, &format!("{settings}/{field}"), "maximum", ceiling);
        }
    }
    if !auth {
        if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
            for item in paths.values_mut().filter_map(|i| i.as_object_mut()) {
                for operation in item.values_mut().filter_map(|o| o.as_object_mut()) {
                    operation.remove("security");
                    if let Some(responses) =
                        operation.get_mut("responses").and_then(|r| r.as_object_mut())
                    {
                        responses.remove("401");
                    }
                }
            }
        }
        if let Some(components) = doc.pointer_mut("/components").and_then(|c| c.as_object_mut()) {
            components.remove("securitySchemes");
        }
    }
    doc
}

/// Lowers (never raises) a schema's bound at `pointer` to `value`.
fn set_bound(doc: &mut serde_json::Value, pointer: &str, bound: &str, value: u64) {
    if let Some(schema) = doc.pointer_mut(pointer).and_then(|s| s.as_object_mut()) {
        let lower = schema.get(bound).and_then(|v| v.as_f64()).is_none_or(|b| (value as f64) < b);
        if lower {
            schema.insert(bound.to_string(), value.into());
        }
    }
}

/// No such route: the API's JSON error, OpenAI's under `/v1`.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if openai::owns(uri.path()) {
        return openai::no_route().into_response();
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
    if openai::owns(uri.path()) {
        return openai::refused(status, message).into_response();
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
