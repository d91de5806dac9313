//! The bodies the `/v1` routes answer with, as types: the handlers build
//! them and the OpenAPI document is generated from them (`crate::api`'s
//! `ApiDoc`), so the document and the server cannot disagree. OpenAI's
//! shapes: `chat.completion`, `chat.completion.chunk` (one SSE frame's
//! data), `model` and its list, the error object; plus the `rlm_trace_id`
//! and `rlm` fields the SDKs keep as extras.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// OpenAI's error body: `{"error": {...}}` (also one SSE frame of a stream that failed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAiErrorBody {
    pub error: OpenAiErrorObject,
}

/// What went wrong, in OpenAI's terms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAiErrorObject {
    pub message: String,
    /// invalid_request_error, authentication_error, permission_error, rate_limit_error or server_error.
    #[serde(rename = "type")]
    pub kind: String,
    /// The request field at fault, if one is.
    pub param: Option<String>,
    pub code: String,
}

/// Tokens of the whole tree (root, sub-models, sub-RLMs).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// What the RLM did (an extra field the SDKs keep).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RlmDetails {
    pub execution_id: Uuid,
    pub root_model: String,
    /// How the loop ended: final, finalized, best_effort...
    pub finish: Option<String>,
    pub steps: u32,
    pub root_calls: u64,
    pub subcalls: u64,
    pub cost_usd: f64,
}

/// The assistant's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssistantMessage {
    /// Always `assistant`.
    pub role: String,
    pub content: Option<String>,
    /// Always null.
    pub refusal: Option<String>,
}

/// The one choice of a completion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompletionChoice {
    pub index: u32,
    pub message: AssistantMessage,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub logprobs: Option<serde_json::Value>,
    /// `stop` (the model's answer) or `length` (an answer the budget forced).
    pub finish_reason: String,
}

/// `POST /v1/chat/completions` without `stream`: the settled execution.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatCompletion {
    /// `chatcmpl-` and the execution id.
    pub id: String,
    /// Always `chat.completion`.
    pub object: String,
    pub created: i64,
    /// The `model` the request named.
    pub model: String,
    /// Always null.
    pub system_fingerprint: Option<String>,
    pub choices: Vec<CompletionChoice>,
    pub usage: ChatUsage,
    /// The execution (its trace and tree: `/api/executions/{id}/tree`).
    pub rlm_trace_id: Uuid,
    pub rlm: RlmDetails,
}

/// What one chunk adds: the role first, the root models' tokens in
/// `reasoning_content`, the answer in `content`; the last delta is empty.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ChunkDelta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
}

/// The one choice of a chunk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkChoice {
    pub index: u32,
    pub delta: ChunkDelta,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub logprobs: Option<serde_json::Value>,
    /// Set on the last delta: `stop` or `length`.
    pub finish_reason: Option<String>,
}

/// One frame's data of a streamed completion (`stream: true`); the stream
/// ends with `data: [DONE]`, and a failure is a frame holding OpenAI's error body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatCompletionChunk {
    pub id: String,
    /// Always `chat.completion.chunk`.
    pub object: String,
    pub created: i64,
    pub model: String,
    /// Always null.
    pub system_fingerprint: Option<String>,
    /// One choice; none in the usage chunk.
    pub choices: Vec<ChunkChoice>,
    pub rlm_trace_id: Uuid,
    /// With `stream_options.include_usage`: null on every chunk but the last,
    /// which has the usage and no choices. Absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ChatUsage>, required = false)]
    pub usage: Option<Option<ChatUsage>>,
}

/// A model a completion may name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelObject {
    /// `rlm`, `rlm:<provider>:<model>` or `rlm:session/<id>`.
    pub id: String,
    /// Always `model`.
    pub object: String,
    /// Seconds since the epoch (0 for the server's models, a session's creation time).
    pub created: i64,
    /// Always `rlm`.
    pub owned_by: String,
}

/// `GET /v1/models`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelList {
    /// Always `list`.
    pub object: String,
    pub data: Vec<ModelObject>,
}
