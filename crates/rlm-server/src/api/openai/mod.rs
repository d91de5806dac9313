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
pub(super) mod extract;
mod model;
pub(crate) mod models;
pub(crate) mod request;
pub(crate) mod responses;
pub(crate) mod shapes;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::state::AppState;
use crate::auth::Auth;
use error::OpenAiError;

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

/// Middleware: the request's tenant (its API key's) within its connection
/// share (`Auth::let_in`, the one door), or OpenAI's 401 or 429.
async fn require_key(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    match auth.let_in(&mut request) {
        Ok(_) => next.run(request).await,
        Err(e) => OpenAiError::from(e).into_response(),
    }
}
