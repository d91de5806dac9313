//! `GET /v1/models`: what a chat completion may name: `rlm`, `rlm:<model>`
//! for each root model the server offers, and `rlm:session/<id>` for the
//! caller's newest sessions that hold a context (at most
//! [`LISTED_SESSIONS`]: a list page, never every session stored).
//! `GET /v1/models/{model}` answers one of them, or OpenAI's 404.

use axum::Json;
use axum::extract::State;

use super::error::OpenAiError;
use super::extract::{OpenAiPath, OpenAiScope};
use super::model::{PREFIX, RlmModel, offered_names};
use super::shapes::{ModelList, ModelObject, OpenAiErrorBody};
use crate::api::state::AppState;
use crate::store::PageRequest;

/// How many sessions the list names.
pub const LISTED_SESSIONS: usize = 100;

/// One model object. `created` is 0 for the server's models (it does not
/// know when a provider made them) and the creation time of a session.
fn model_object(id: &str, created_micros: i64) -> ModelObject {
    ModelObject {
        id: id.to_string(),
        object: "model".into(),
        created: created_micros / 1_000_000,
        owned_by: PREFIX.into(),
    }
}

/// The models a chat completion may name: `rlm`, `rlm:<model>` for each
/// root model the server offers, and the caller's newest sessions.
#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, body = ModelList), (status = 401, body = OpenAiErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    OpenAiScope(scope): OpenAiScope,
) -> Result<Json<ModelList>, OpenAiError> {
    let mut data: Vec<ModelObject> =
        offered_names(&state).iter().map(|n| model_object(n, 0)).collect();
    let page = PageRequest { cursor: None, offset: 0, limit: LISTED_SESSIONS };
    let sessions = state
        .store
        .list_sessions(scope.owner(), &page)
        .await
        .map_err(|e| OpenAiError::from(crate::error::ServerError::from(e)))?;
    data.extend(
        sessions
            .items
            .iter()
            .filter(|s| s.context.is_some())
            .map(|s| model_object(&format!("{PREFIX}:session/{}", s.id), s.created_at)),
    );
    Ok(Json(ModelList { object: "list".into(), data }))
}

/// One model a chat completion may name, or OpenAI's 404.
#[utoipa::path(get, path = "/v1/models/{model}", tag = "openai",
    params(("model" = String, Path, description = "`rlm`, `rlm:<provider>:<model>` or `rlm:session/<id>`")),
    responses((status = 200, body = ModelObject), (status = 401, body = OpenAiErrorBody),
        (status = 404, body = OpenAiErrorBody)),
    security(("bearer" = [])))]
pub async fn retrieve(
    State(state): State<AppState>,
    OpenAiScope(scope): OpenAiScope,
    OpenAiPath(name): OpenAiPath<String>,
) -> Result<Json<ModelObject>, OpenAiError> {
    let created = match RlmModel::resolve(&state, &scope, &name).await? {
        RlmModel::Session(id) => scope.session(id).await?.created_at,
        RlmModel::Default | RlmModel::Root(_) => 0,
    };
    Ok(Json(model_object(&name, created)))
}
