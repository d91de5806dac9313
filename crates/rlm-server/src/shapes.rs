//! The JSON shapes of the API: the RLM Engine's (field names its React
//! frontend reads: `Session`, `Execution`, `ExecutionDetail`, `ExecutionNode`,
//! `ExecutionTree`, `UsageStats`) with our additions beside them, and the
//! jobs' (Enzu's `job_id`/`status`/`answer`). They derive their OpenAPI
//! schemas (utoipa) and are built from the stored records here, in one place.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::{
    ExecutionRecord, HistoryPage, JobRecord, JobStatus, Micros, SessionOverrides, SessionRecord,
    Spend,
};

pub fn time(micros: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// `POST /api/sessions` (JSON) and `PUT /api/sessions/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCreate {
    pub name: Option<String>,
    /// The context as text (one document).
    pub context: Option<String>,
    /// Server-side files or folders, relative to the server's allowed directory.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    pub context_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Models and budgets for this session's executions.
    #[serde(default, deserialize_with = "crate::store::settings_object")]
    pub settings: Option<SessionOverrides>,
}

/// `POST /api/sessions` as multipart/form-data: each file is one document.
#[derive(Debug, Clone, ToSchema)]
#[allow(
    dead_code,
    reason = "a shape for the OpenAPI document only: the handler reads the multipart body"
)]
pub struct SessionUpload {
    pub name: Option<String>,
    /// [`SessionOverrides`] as JSON text (documented as the object it encodes).
    #[schema(value_type = Option<SessionOverrides>)]
    pub settings: Option<String>,
    /// A context as text (one more document).
    pub context: Option<String>,
    /// Documents, one part each: UTF-8 text (bytes that are not UTF-8 are
    /// refused with 400), named by the part's file name when it has one.
    /// Documented as text, not as binary: the server reads a part's bytes
    /// as text, and a part has no other type.
    #[schema(value_type = Option<Vec<String>>)]
    pub files: Option<Vec<Vec<u8>>>,
}

/// One Server-Sent Event as sent: `id` (its position, from 0), `event` (its
/// type) and `data` (JSON text `{"type": event, "data": {...}}`).
#[derive(Debug, Clone, ToSchema)]
#[schema(as = SseEvent)]
#[allow(dead_code, reason = "a shape for the OpenAPI document only: events are written by the bus")]
pub struct SseFrame {
    pub id: String,
    pub event: String,
    pub data: String,
}

/// A session (the RLM Engine's `Session`, plus settings and spend).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionResponse {
    pub id: Uuid,
    pub name: Option<String>,
    /// `size` (characters) and `hash` as the Engine gives them, plus `bytes`,
    /// `documents` and whatever the client sent.
    pub context_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub memory_count: usize,
    pub settings: SessionOverrides,
    /// Spent so far over all executions (`calls` + `root_calls` is what
    /// `max_total_calls` caps).
    pub spend: Spend,
    pub history_turns: usize,
}

impl From<&SessionRecord> for SessionResponse {
    fn from(s: &SessionRecord) -> Self {
        SessionResponse {
            id: s.id,
            name: s.name.clone(),
            context_metadata: Some(s.context_metadata.clone()),
            created_at: time(s.created_at),
            updated_at: time(s.updated_at),
            memory_count: s.state.memory.len(),
            settings: s.settings.clone(),
            spend: Spend::from(&s.state.usage),
            history_turns: usize::try_from(s.history_len).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionListResponse {
    pub sessions: Vec<SessionResponse>,
    pub total: usize,
    /// `cursor` of the next page; null on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeletedExecution {
    pub status: String,
    pub execution_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeletedSession {
    pub status: String,
    pub session_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemoryDictResponse {
    /// One page of the dict, in key order: at most `limit` keys and 4 MiB
    /// of values (at least one key).
    pub memory: serde_json::Map<String, serde_json::Value>,
    /// Pass as `?cursor=` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemorySetRequest {
    #[schema(min_length = 1)]
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemorySetResponse {
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeletedMemoryKey {
    pub status: String,
    pub key: String,
}

/// One question of a session and its answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Turn)]
pub struct HistoryTurn {
    /// The execution that answered it.
    pub execution_id: String,
    pub query: String,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryResponse {
    pub session_id: Uuid,
    /// Oldest first; the most recent ones are shown to the root model.
    pub turns: Vec<HistoryTurn>,
    /// Turns in the whole history.
    pub total: u64,
    /// `cursor` of the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl HistoryResponse {
    pub fn from_page(session_id: Uuid, page: &HistoryPage) -> Self {
        let turns = page
            .turns
            .iter()
            .map(|(_, t)| HistoryTurn {
                execution_id: t.execution_id.0.clone(),
                query: t.query.clone(),
                answer: t.answer.clone(),
            })
            .collect();
        HistoryResponse {
            session_id,
            turns,
            total: page.total,
            next_cursor: page.next.map(|n| n.to_string()),
        }
    }
}

/// `POST /api/execute`, `/api/execute/stream` and `/api/jobs`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionCreate {
    #[schema(min_length = 1)]
    pub user_query: String,
    /// A context for this execution only (when there is no `session_id`).
    pub context: Option<String>,
    pub session_id: Option<Uuid>,
    /// Root model for this execution (one the server allows).
    pub model: Option<String>,
    /// `true`: record this execution's model exchanges (root and subcalls)
    /// into a recording of its own, served at `GET
    /// /api/executions/{id}/recording` once it ends. Not with `replay`.
    pub record: Option<bool>,
    /// Answer this execution's model calls from this recording only (no
    /// model is called): the JSON lines `GET /api/executions/{id}/recording`
    /// serves (or `rlm run --record` wrote), as one string, or the same
    /// exchanges as an array of objects. A call it does not hold fails the
    /// execution, its error a diff naming the changed message. Not with
    /// `record`.
    pub replay: Option<crate::recordings::InlineReplay>,
}

/// An execution (the RLM Engine's `Execution`, plus how it ended).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutionResponse {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    pub user_query: String,
    pub context_size: u64,
    /// pending, running, completed, failed, cancelled or interrupted.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub total_input_tokens: u64,
    pub total_output_tokens: u64,
    pub total_cost_usd: f64,
    pub final_result: Option<String>,
    pub error_message: Option<String>,
    /// Always null (the Engine's optional metric; not computed here).
    pub compression_ratio: Option<f64>,
    /// Always null (the Engine's optional metric; not computed here).
    pub memory_speedup_pct: Option<f64>,
    pub model: String,
    /// How the loop ended: final, finalized, best_effort, model_error, cancelled, timeout...
    pub finish: Option<String>,
    pub steps: u32,
    pub subcalls: u64,
    pub cache_hits: u64,
    pub retries: u64,
    pub latency_ms: Option<u64>,
    pub job_id: Option<Uuid>,
    /// Tokens sent inline (root prompts and replies, subcall prompts and
    /// replies) against held symbolically (the context), and the tokens of
    /// the same question asked directly (rlm-trace's `ContextBreakdown`).
    #[schema(value_type = Option<Object>)]
    pub context_breakdown: Option<rlm_trace::ContextBreakdown>,
    /// A queued execution's deliveries that ran it, each marked when it
    /// started: its number, the checkpoint's step it went on from, and the
    /// spend it carried from the earlier attempts (the totals above are
    /// the sum over the attempts' checkpointed work). Absent when no queue
    /// ran it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<crate::store::AttemptMark>,
}

impl From<&ExecutionRecord> for ExecutionResponse {
    fn from(e: &ExecutionRecord) -> Self {
        ExecutionResponse {
            id: e.id,
            session_id: e.session_id,
            user_query: e.user_query.clone(),
            context_size: e.context_size,
            status: e.status.as_str().to_string(),
            started_at: e.started_at.map(time),
            completed_at: e.completed_at.map(time),
            total_input_tokens: e.spend.input_tokens,
            total_output_tokens: e.spend.output_tokens,
            total_cost_usd: e.spend.cost_usd,
            final_result: e.final_result.clone(),
            error_message: e.error_message.clone(),
            compression_ratio: None,
            memory_speedup_pct: None,
            model: e.model.clone(),
            finish: e.finish.clone(),
            steps: e.steps,
            subcalls: e.spend.calls,
            cache_hits: e.cache_hits,
            retries: e.retries,
            latency_ms: e.latency_ms(),
            job_id: e.job_id,
            context_breakdown: e.context_breakdown.clone(),
            attempts: e.attempts.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutionListResponse {
    pub executions: Vec<ExecutionResponse>,
    pub total: usize,
    /// `cursor` of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// An execution with its tree (the Engine's `ExecutionDetail`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutionDetailResponse {
    #[serde(flatten)]
    pub execution: ExecutionResponse,
    pub tree: Option<ExecutionTree>,
    /// The root run's programs, in order.
    pub generated_code: Option<String>,
    /// Always null (the Engine's optional metrics).
    pub metrics: Option<serde_json::Value>,
}

/// One node of the execution tree (the Engine's `ExecutionNode`): the root
/// run, its subcalls and its sub-RLMs (with their own subcalls), nested.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutionNode {
    pub id: String,
    pub execution_id: Uuid,
    pub parent_node_id: Option<String>,
    /// `root` for the top run, `child` below it.
    pub node_type: String,
    pub depth: u32,
    pub sequence_number: u32,
    pub prompt: Option<String>,
    pub generated_code: Option<String>,
    /// running, completed, failed or cancelled.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub model_used: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub output: Option<String>,
    pub error_message: Option<String>,
    pub memory_before: Option<serde_json::Map<String, serde_json::Value>>,
    pub memory_after: Option<serde_json::Map<String, serde_json::Value>>,
    #[schema(no_recursion)]
    pub children: Vec<ExecutionNode>,
    /// `run` (the root or a sub-RLM) or `subcall`.
    pub span_kind: String,
    pub cached: bool,
    pub deduped: bool,
    pub retries: u32,
    pub latency_ms: Option<u64>,
}

/// `GET /api/executions/{id}/tree`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutionTree {
    pub execution_id: Uuid,
    pub tree: Option<ExecutionNode>,
    pub total_nodes: usize,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
}

/// Usage of one session (in `UsageStats.per_session`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionStats {
    pub session_id: Uuid,
    pub executions: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// Executions created in one time bucket (`UsageStats.timeline`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimeBucket {
    /// Start of the bucket (its width is `Timeline.bucket_secs`).
    pub start: DateTime<Utc>,
    pub executions: u64,
    /// Of which ended `completed`.
    pub completed: u64,
    /// Of which ended otherwise (failed, cancelled, interrupted).
    pub failed: u64,
    pub tokens: u64,
    pub cost_usd: f64,
}

/// Executions over time: consecutive buckets (empty ones included) from the
/// oldest execution's to the newest's, at most 60 of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Timeline {
    pub bucket_secs: u64,
    pub buckets: Vec<TimeBucket>,
}

/// `GET /api/stats` (the Engine's `UsageStats`, plus latency, outcomes,
/// subcalls, cache hit rate, per-session totals and executions over time).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UsageStats {
    pub total_executions: u64,
    pub total_input_tokens: u64,
    pub total_output_tokens: u64,
    pub total_cost_usd: f64,
    pub average_cost_per_execution: f64,
    pub executions_by_status: BTreeMap<String, u64>,
    /// Always null (the Engine's optional metric summary).
    pub metrics_summary: Option<serde_json::Value>,
    /// How finished executions ended (`final`, `finalized`, `model_error`, ...).
    pub outcomes: BTreeMap<String, u64>,
    pub latency: Percentiles,
    pub total_subcalls: u64,
    pub cache_hits: u64,
    /// `cache_hits / total_subcalls` (null with no subcall).
    pub cache_hit_rate: Option<f64>,
    pub total_retries: u64,
    pub per_session: Vec<SessionStats>,
    /// Executions over time, by creation time.
    pub timeline: Timeline,
}

/// `POST /api/jobs`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobCreate {
    pub session_id: Uuid,
    #[schema(min_length = 1)]
    pub user_query: String,
    /// As `POST /api/execute`'s `record`: the job's execution records its
    /// model exchanges (`GET /api/executions/{execution_id}/recording`).
    pub record: Option<bool>,
    /// As `POST /api/execute`'s `replay`: the job's execution answers its
    /// model calls from this recording only.
    pub replay: Option<crate::recordings::InlineReplay>,
}

/// A job (Enzu's `job_id`, `status`, `answer`, plus timings and the execution).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobResponse {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub session_id: Uuid,
    pub user_query: String,
    pub execution_id: Option<Uuid>,
    pub answer: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancel_requested: bool,
}

impl From<&JobRecord> for JobResponse {
    fn from(j: &JobRecord) -> Self {
        JobResponse {
            job_id: j.id,
            status: j.status,
            session_id: j.session_id,
            user_query: j.user_query.clone(),
            execution_id: j.execution_id,
            answer: j.answer.clone(),
            error: j.error.clone(),
            created_at: time(j.created_at),
            started_at: j.started_at.map(time),
            finished_at: j.finished_at.map(time),
            cancel_requested: j.cancel_requested,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobListResponse {
    pub jobs: Vec<JobResponse>,
    pub total: usize,
    /// `cursor` of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `/healthz`, `/readyz`, `/api/health`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub service: String,
}

/// Every error body: `{"detail": "...", "code": "..."}`, plus `field` (its
/// path, `settings.max_steps`) when one request field is at fault.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub detail: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
