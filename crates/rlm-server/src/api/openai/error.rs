//! OpenAI's error object (`{"error": {"message", "type", "param", "code"}}`)
//! for the `/v1` routes: the server's own errors keep their status and
//! `Retry-After`, and are reshaped so the OpenAI SDKs raise the class that
//! matches the status (`BadRequestError`, `AuthenticationError`,
//! `NotFoundError`, `RateLimitError`...).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::shapes::{OpenAiErrorBody, OpenAiErrorObject};
use crate::error::ServerError;

/// One error of the OpenAI-compatible endpoint.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct OpenAiError {
    pub status: StatusCode,
    pub message: String,
    /// The request field at fault (`model`, `messages`, `n`...), if one is.
    pub param: Option<&'static str>,
    pub code: String,
    /// Seconds a client should wait before retrying (429).
    pub retry_after_secs: Option<u64>,
}

impl OpenAiError {
    /// A request the endpoint refuses (400), naming the field at fault.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        OpenAiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            param: Some(param),
            code: "invalid_value".into(),
            retry_after_secs: None,
        }
    }

    /// A `model` this server does not offer (404, as OpenAI answers).
    pub fn model_not_found(message: impl Into<String>) -> Self {
        OpenAiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            param: Some("model"),
            code: "model_not_found".into(),
            retry_after_secs: None,
        }
    }

    /// OpenAI's `type` for this status.
    fn kind(&self) -> &'static str {
        match self.status.as_u16() {
            401 => "authentication_error",
            403 => "permission_error",
            429 => "rate_limit_error",
            s if s >= 500 => "server_error",
            _ => "invalid_request_error",
        }
    }

    /// The `{"error": {...}}` body (also sent as an SSE frame when a stream fails).
    pub fn body(&self) -> serde_json::Value {
        let body = OpenAiErrorBody {
            error: OpenAiErrorObject {
                message: bounded(&self.message),
                kind: self.kind().into(),
                param: self.param.map(str::to_string),
                code: self.code.clone(),
            },
        };
        serde_json::to_value(body).unwrap_or_default()
    }
}

/// The longest `message` an error carries: a client's 60k-character model
/// name is not echoed back whole.
const MAX_MESSAGE_CHARS: usize = 500;

fn bounded(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message.to_string(),
        Some((cut, _)) => {
            format!("{}… ({} characters in all)", &message[..cut], message.chars().count())
        }
    }
}

impl From<ServerError> for OpenAiError {
    fn from(e: ServerError) -> Self {
        let status = e.status();
        let code = match &e {
            ServerError::MissingKey | ServerError::WrongKey => "invalid_api_key",
            ServerError::TooManyRequests { .. } => "rate_limit_exceeded",
            other => other.code(),
        };
        let retry_after_secs = e.retry_after_secs();
        if status.is_server_error() {
            tracing::error!(error = %e, "openai endpoint: request failed");
        }
        OpenAiError {
            status,
            message: e.to_string(),
            param: None,
            code: code.into(),
            retry_after_secs,
        }
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_and_statuses_map_to_openai_types() {
        let long = OpenAiError::model_not_found("m".repeat(10_000));
        let body = long.body();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.chars().count() < MAX_MESSAGE_CHARS + 40, "{message}");
        assert!(message.ends_with("(10000 characters in all)"));
        assert_eq!(body["error"]["type"], "invalid_request_error");
        let key = OpenAiError::from(ServerError::WrongKey);
        assert_eq!(
            (key.status.as_u16(), key.body()["error"]["type"].as_str()),
            (401, Some("authentication_error"))
        );
        let busy = OpenAiError::from(ServerError::TooManyRequests {
            message: "busy".into(),
            retry_after_secs: 2,
        });
        assert_eq!(
            (busy.retry_after_secs, busy.body()["error"]["code"].as_str()),
            (Some(2), Some("rate_limit_exceeded"))
        );
    }
}
