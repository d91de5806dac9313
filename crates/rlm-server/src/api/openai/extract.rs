//! What a `/v1` handler takes from its request, and the refusals before any
//! handler ran, each as OpenAI's error object.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;

use super::error::OpenAiError;
use crate::api::state::AppState;

/// The response header that names the execution (its trace and tree:
/// `/api/executions/{id}/tree`, the web page).
pub const TRACE_ID_HEADER: &str = "x-rlm-trace-id";

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
