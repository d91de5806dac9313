//! The OpenAI-compatible endpoint: `POST /v1/chat/completions`,
//! `POST /v1/responses` (the Responses API, read as a chat completion) and
//! `GET /v1/models` (`/v1/models/{model}`), so the OpenAI SDKs and the
//! frameworks built on them use an RLM as a model. Behind the same API keys,
//! limits and per-key concurrency as `/api` (executions start through
//! [`crate::executions::Executions::start`]); every error is OpenAI's error
//! object. `request` holds how messages become question and context, `model`
//! what a `model` name runs, `completions` the answers (blocking and SSE),
//! `shapes` the response bodies (the OpenAPI document's `/v1` schemas).

pub(crate) mod completions;
mod error;
mod model;
pub(crate) mod models;
pub(crate) mod request;
pub(crate) mod responses;
pub(crate) mod shapes;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::Auth;
use error::OpenAiError;

/// The response header that names the execution (its trace and tree:
/// `/api/executions/{id}/tree`, the web page).
pub const TRACE_ID_HEADER: &str = "x-rlm-trace-id";

/// The `/v1` routes, authenticated like `/api` but answering OpenAI's errors.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", post(completions::chat_completions))
        .route("/v1/responses", post(responses::create_response))
        .route("/v1/models", get(models::list))
        .route("/v1/models/{*model}", get(models::retrieve))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::body_account::charge,
        ))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&state.auth), require_key))
}

/// Whether a request path is the OpenAI-compatible endpoint's (its errors
/// are OpenAI's error objects, also for routes that do not exist).
pub fn owns(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// A refusal of the API's as OpenAI's error object (a layer shared with `/api`).
pub fn refusal(e: crate::error::ServerError) -> OpenAiError {
    OpenAiError::from(e)
}

/// OpenAI's 404 for a route under `/v1` that does not exist.
pub fn no_route() -> OpenAiError {
    refused(
        axum::http::StatusCode::NOT_FOUND,
        "no such route: /v1 serves POST /v1/chat/completions, POST /v1/responses, GET /v1/models and GET /v1/models/{model}".into(),
    )
}

/// A request refused before any handler ran (no route, a wrong method, an
/// extractor's rejection), as OpenAI's error object.
pub fn refused(status: axum::http::StatusCode, message: String) -> OpenAiError {
    let code = match status.as_u16() {
        404 => "unknown_url",
        405 => "method_not_allowed",
        413 => "too_large",
        415 => "unsupported_media_type",
        _ => "invalid_json",
    };
    OpenAiError { status, message, param: None, code: code.into(), retry_after_secs: None }
}

/// Middleware: the request's tenant (its API key's) within its connection
/// share (`Auth::let_in`, the one door), or OpenAI's 401 or 429.
async fn require_key(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    match auth.let_in(&mut request) {
        Ok(_) => next.run(request).await,
        Err(e) => OpenAiError::from(e).into_response(),
    }
}

/// The request's tenant scope (`crate::scope`), refused as OpenAI's 401
/// outside the door.
pub struct OpenAiScope(pub crate::scope::Scope);

impl FromRequestParts<AppState> for OpenAiScope {
    type Rejection = OpenAiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match rlm_listen::Tenant::of_parts(parts) {
            Some(tenant) => {
                Ok(OpenAiScope(crate::scope::Scope::new(tenant.clone(), Arc::clone(&state.store))))
            }
            None => Err(OpenAiError::from(crate::error::ServerError::MissingKey)),
        }
    }
}

/// A JSON body whose refusals (bad JSON, wrong content type, too large) are
/// OpenAI's error objects.
pub struct OpenAiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OpenAiJson<T> {
    type Rejection = OpenAiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(OpenAiJson(v)),
            Err(r) => Err(refused(r.status(), r.body_text())),
        }
    }
}

/// A path parameter whose refusals (bad percent-encoding, not UTF-8) are
/// OpenAI's error objects.
pub struct OpenAiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for OpenAiPath<T> {
    type Rejection = OpenAiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(OpenAiPath(v)),
            Err(r) => {
                let status = r.status();
                // A path that did not parse is the client's (axum says 500
                // only for a route declared wrongly, which is ours).
                let status = if status.is_server_error() {
                    axum::http::StatusCode::BAD_REQUEST
                } else {
                    status
                };
                Err(refused(status, r.body_text()))
            }
        }
    }
}
