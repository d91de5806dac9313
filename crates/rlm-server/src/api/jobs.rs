//! Job handlers: submit (returns at once), poll, list, cancel.

use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::{KeyAnswered, RequestKey};
use super::sessions::Page;
use super::state::AppState;
use crate::error::ServerError;
use crate::jobs::KeyedSubmission;
use crate::recordings::ExchangeMode;
use crate::scope::Scope;
use crate::shapes::*;
use crate::store::{JobRecord, StoredResponse};

/// Submit an execution as a job; answers at once with the PENDING job, or
/// 429 with `Retry-After` when the queue is full.
#[utoipa::path(post, path = "/api/jobs", tag = "jobs", request_body = JobCreate,
    responses((status = 200, body = JobResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    scope: Scope,
    key: Option<Extension<RequestKey>>,
    ApiJson(body): ApiJson<JobCreate>,
) -> Result<Response, ServerError> {
    crate::executions::check_query(&body.user_query, state.limits.max_query_chars)?;
    let exchanges =
        ExchangeMode::of_request(body.record, body.replay, state.limits.max_context_bytes)?;
    // The key's response is this handler's, committed with the job.
    let render = |job: &JobRecord| StoredResponse {
        status: 200,
        body: serde_json::to_string(&JobResponse::from(job)).unwrap_or_default(),
    };
    let keyed = key.as_ref().map(|k| KeyedSubmission { key: &k.0.0, render: &render });
    let answered = keyed.is_some();
    let job =
        state.jobs.submit(&scope, body.session_id, body.user_query, &exchanges, keyed).await?;
    let mut response = Json(JobResponse::from(&job)).into_response();
    if answered {
        response.extensions_mut().insert(KeyAnswered);
    }
    Ok(response)
}

/// A job: PENDING, RUNNING, COMPLETE (with `answer`), FAILED or INTERRUPTED
/// (with `error`), CANCELLED.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "job id")),
    responses((status = 200, body = JobResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<JobResponse>, ServerError> {
    Ok(Json(JobResponse::from(&scope.job(id).await?)))
}

/// The caller's jobs, newest first, a page at a time.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(Page),
    responses((status = 200, body = JobListResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<JobListResponse>, ServerError> {
    let listed = state.jobs.list(scope.owner(), &page.request()?).await?;
    Ok(Json(JobListResponse {
        total: listed.total,
        jobs: listed.items.iter().map(JobResponse::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// Cancel a job: a pending one never runs; a running one's execution is
/// stopped (in-flight subcalls dropped, spend settled) before this answers.
#[utoipa::path(delete, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "job id")),
    responses((status = 200, body = JobResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<JobResponse>, ServerError> {
    let job = state.jobs.cancel(&scope, id, Duration::from_secs(30)).await?;
    Ok(Json(JobResponse::from(&job)))
}
