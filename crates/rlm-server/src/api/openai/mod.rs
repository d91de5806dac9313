//! The OpenAI-compatible endpoint: `POST /v1/chat/completions` and
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
pub(crate) mod shapes;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Request, State};
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
pub fn routes(auth: Arc<Auth>) -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", post(completions::chat_completions))
        .route("/v1/models", get(models::list))
        .route("/v1/models/{*model}", get(models::retrieve))
        .route_layer(axum::middleware::from_fn_with_state(auth, require_key))
}

/// Middleware: the caller's API key, or OpenAI's 401.
async fn require_key(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    match auth.identify(request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(e) => OpenAiError::from(e).into_response(),
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
            Err(r) => Err(OpenAiError {
                status: r.status(),
                message: r.body_text(),
                param: None,
                code: match r.status().as_u16() {
                    413 => "too_large",
                    415 => "unsupported_media_type",
                    _ => "invalid_json",
                }
                .into(),
                retry_after_secs: None,
            }),
        }
    }
}
