//! Extractors whose rejections are the API's JSON errors (axum's own answer
//! in plain text): JSON bodies (shape errors naming their field), path ids and
//! query strings; and the request's tenant scope.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ServerError;

/// A JSON body (`application/json` or `application/*+json`). Malformed JSON
/// is 400; JSON of the wrong shape (an unknown field, a missing one, a value
/// of the wrong type or out of its range) is 422 naming the field by its
/// path (`settings.max_steps`).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ServerError::Rejected {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "expected a body with `Content-Type: application/json`".into(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ServerError::Rejected { status: r.status(), message: r.body_text() })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Whether the request says its body is JSON.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON value of type `T`, with the path of the field a shape error is in.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServerError> {
    let not_json =
        |e: serde_json::Error| ServerError::BadRequest(format!("the body is not valid JSON: {e}"));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = (path != ".").then_some(path);
                ServerError::Invalid { field, message: inner.to_string() }
            }
            _ => not_json(inner),
        }
    })?;
    de.end().map_err(not_json)?;
    Ok(value)
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(r) => Err(ServerError::Rejected {
                status: StatusCode::BAD_REQUEST,
                message: r.body_text(),
            }),
        }
    }
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(ServerError::Rejected {
                status: StatusCode::BAD_REQUEST,
                message: r.body_text(),
            }),
        }
    }
}

/// The tenant scope of the request (`crate::scope`), over the tenant the
/// door named; a route outside the door has none and is refused (401).
impl FromRequestParts<super::state::AppState> for crate::scope::Scope {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        let tenant = rlm_listen::Tenant::of_parts(parts).cloned().ok_or(ServerError::MissingKey)?;
        Ok(crate::scope::Scope::new(tenant, std::sync::Arc::clone(&state.store)))
    }
}
