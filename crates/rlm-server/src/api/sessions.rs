//! Session handlers: create (JSON text, multipart files, or server-side
//! paths), list, get, update, delete; `memory` get/set/delete; history.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery, parse_json};
use super::idempotency::{KeyAnswered, RequestKey};
use super::state::AppState;
use crate::contexts::{NewDocument, read_documents, resolve_under};
use crate::error::ServerError;
use crate::quotas::ContextAllowance;
use crate::scope::Scope;
use crate::shapes::*;
use crate::store::{
    ContextRef, Created, Creation, KeyedAnswer, MemoryEdit, PageRequest, SessionOverrides,
    SessionRecord, StoredResponse, new_session_state, now_micros,
};

/// `?cursor=&limit=&offset=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Where the page starts: the `next_cursor` of the previous page (a
    /// page read by cursor costs its length; by `offset`, the offset too).
    #[param(pattern = "^[0-9a-fA-F]{48}$")]
    pub cursor: Option<String>,
    /// At most this many (default 50, at most 1000).
    #[param(maximum = 1000000)]
    pub limit: Option<usize>,
    #[param(maximum = 1000000000)]
    pub offset: Option<usize>,
}

impl Page {
    /// `(offset, limit)`; out-of-range values are refused as the schema says.
    pub fn bounds(&self) -> Result<(usize, usize), ServerError> {
        let (offset, limit) = (self.offset.unwrap_or(0), self.limit.unwrap_or(50));
        if offset > 1_000_000_000 || limit > 1_000_000 {
            return Err(ServerError::BadRequest(
                "offset must be at most 1000000000 and limit at most 1000000".into(),
            ));
        }
        Ok((offset, limit.min(1000)))
    }

    /// The store's page request.
    pub fn request(&self) -> Result<PageRequest, ServerError> {
        let (offset, limit) = self.bounds()?;
        Ok(PageRequest { cursor: self.cursor.clone(), offset, limit })
    }
}

/// `?cursor=&limit=` of a session's `memory` (in key order).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemoryQuery {
    /// The key the page starts after: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// At most this many keys (default 1000, at most 1000).
    #[param(maximum = 1000000)]
    pub limit: Option<usize>,
}

/// `?cursor=&limit=` of a session's history (oldest first).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// The turn number to start at: the `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,19}$")]
    pub cursor: Option<String>,
    /// At most this many (default 50, at most 1000).
    #[param(maximum = 1000000)]
    pub limit: Option<usize>,
}

/// Create a session with a context: JSON `{name, context}` (the RLM Engine's
/// call), JSON `{name, paths}` (server-side files under the allowed
/// directory), or multipart/form-data with `name`, `settings` (JSON) and one
/// or more files.
#[utoipa::path(post, path = "/api/sessions", tag = "sessions",
    request_body(content(
        (SessionCreate = "application/json"),
        (SessionUpload = "multipart/form-data")
    )),
    responses(
        (status = 200, body = SessionResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    key: Option<Extension<RequestKey>>,
    request: Request,
) -> Result<Response, ServerError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    state.quotas.check_new_session(state.store.as_ref(), scope.owner()).await?;
    let allowance = state.quotas.context_allowance(state.store.as_ref(), scope.owner(), 0).await?;
    let (body, context) = if is_multipart {
        // The slot is held while the body streams to disk.
        let _slot = state.quotas.upload_slot(scope.owner())?;
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|r| ServerError::Rejected { status: r.status(), message: r.body_text() })?;
        read_multipart(&state, multipart, &allowance).await?
    } else {
        let ApiJson(body) = ApiJson::<SessionCreate>::from_request(request, &state).await?;
        let context = match documents_of(&state, &body, &allowance)? {
            Some(docs) => Some(state.contexts.store(&docs)?),
            None => None,
        };
        (body, context)
    };
    let settings = body.settings.clone().unwrap_or_default();
    if let Err(e) = validate_settings(&state, &settings) {
        if let Some(c) = &context {
            drop_context(&state, c).await;
        }
        return Err(e);
    }
    // Checked again now that the context is written: another request of the
    // key may have taken the place or the bytes since the first check.
    let bytes = context.as_ref().map_or(0, |c| c.bytes);
    let admitted = state.quotas.admit(state.store.as_ref(), scope.owner(), true, bytes, 0).await;
    let _admitted = match admitted {
        Ok(a) => a,
        Err(e) => {
            if let Some(c) = &context {
                drop_context(&state, c).await;
            }
            return Err(e);
        }
    };
    let now = now_micros();
    let id = Uuid::new_v4();
    let record = SessionRecord {
        id,
        owner: scope.owner().to_string(),
        name: body.name,
        context_metadata: metadata(body.context_metadata, context.as_ref()),
        context,
        settings,
        state: new_session_state(id),
        history_len: 0,
        created_at: now,
        updated_at: now,
    };
    // The one idempotent write: the session with its key's response.
    let view = SessionResponse::from(&record);
    let response = key.as_ref().map(|_| StoredResponse {
        status: 200,
        body: serde_json::to_string(&view).unwrap_or_default(),
    });
    let answer = key
        .as_ref()
        .zip(response.as_ref())
        .map(|(Extension(RequestKey(key)), response)| KeyedAnswer { key, response });
    let creation = Creation { created: Created::Session(&record), outbox: None, key: answer };
    if let Err(e) = state.store.create(&creation).await {
        if let Some(c) = &record.context {
            drop_context(&state, c).await;
        }
        return Err(e.into());
    }
    let mut answered = Json(view).into_response();
    if key.is_some() {
        answered.extensions_mut().insert(KeyAnswered);
    }
    Ok(answered)
}

/// The documents a JSON body gives (text or server-side paths), if any.
fn documents_of(
    state: &AppState,
    body: &SessionCreate,
    allowance: &ContextAllowance,
) -> Result<Option<Vec<NewDocument>>, ServerError> {
    let limit = state.limits.max_context_bytes;
    match (&body.context, &body.paths) {
        (Some(_), Some(_)) => {
            Err(ServerError::BadRequest("give `context` or `paths`, not both".into()))
        }
        (Some(text), None) => {
            allowance.check(text.len() as u64)?;
            Ok(Some(vec![NewDocument { name: None, text: text.clone() }]))
        }
        (None, Some(paths)) => {
            let Some(root) = &state.allowed_path_root else {
                return Err(ServerError::BadRequest(
                    "this server does not load server-side paths (start it with --allow-path DIR)"
                        .into(),
                ));
            };
            if paths.is_empty() {
                return Err(ServerError::BadRequest("`paths` is empty".into()));
            }
            let mut docs = Vec::new();
            let mut total = 0;
            for p in paths {
                let full = resolve_under(root, p)?;
                docs.extend(read_documents(root, &full, limit, &mut total)?);
            }
            allowance.check(total)?;
            if docs.is_empty() {
                return Err(ServerError::BadRequest("the paths hold no files".into()));
            }
            Ok(Some(docs))
        }
        (None, None) => Ok(None),
    }
}

/// Small form fields (name, settings) are read whole, up to this size.
const MAX_FORM_FIELD_BYTES: usize = 1 << 20;

/// Reads a multipart body: files and `context` fields stream to one context
/// file chunk by chunk (memory stays bounded whatever their size), the
/// other fields are small and read whole.
async fn read_multipart(
    state: &AppState,
    mut multipart: Multipart,
    allowance: &ContextAllowance,
) -> Result<(SessionCreate, Option<ContextRef>), ServerError> {
    let bad = |e: axum::extract::multipart::MultipartError| ServerError::Rejected {
        status: e.status(),
        message: format!("bad multipart body: {}", e.body_text()),
    };
    let mut body = SessionCreate::default();
    let mut writer = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let document = match (name.as_str(), field.file_name()) {
            (_, Some(file)) => Some(Some(file.to_string())),
            // A `files` part without a file name is a document without a name.
            ("context" | "files", None) => Some(None),
            _ => None,
        };
        if let Some(document) = document {
            let w = match &mut writer {
                Some(w) => w,
                None => writer.insert(state.contexts.writer()?),
            };
            w.begin_document(document)?;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                allowance.check(w.bytes() + chunk.len() as u64)?;
                w.write(&chunk)?;
            }
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if bytes.len() + chunk.len() > MAX_FORM_FIELD_BYTES {
                return Err(ServerError::TooLarge {
                    what: "a form field",
                    found: (bytes.len() + chunk.len()) as u64,
                    limit: MAX_FORM_FIELD_BYTES as u64,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "name" => body.name = Some(utf8_field("name", &bytes)?),
            "settings" => {
                // Empty or `null` (as JSON would have it) is no settings.
                if bytes.trim_ascii().is_empty() {
                    continue;
                }
                body.settings =
                    parse_json::<SettingsField>(&bytes).map(|f| f.0).map_err(|e| match e {
                        ServerError::Invalid { field, message } => ServerError::Invalid {
                            field: Some(
                                field.map_or("settings".into(), |f| format!("settings.{f}")),
                            ),
                            message,
                        },
                        other => other,
                    })?;
            }
            other => {
                return Err(ServerError::BadRequest(format!(
                    "unknown form field {other:?} (expected name, settings, context, or files)"
                )));
            }
        }
    }
    let context = writer.map(|w| w.finish()).transpose()?;
    Ok((body, context))
}

/// The multipart `settings` field: an object or null, like the JSON body's.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct SettingsField(
    #[serde(deserialize_with = "crate::store::settings_object")] Option<SessionOverrides>,
);

fn utf8_field(name: &str, bytes: &[u8]) -> Result<String, ServerError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ServerError::BadRequest(format!("field `{name}` is not UTF-8 text")))
}

fn validate_settings(state: &AppState, s: &SessionOverrides) -> Result<(), ServerError> {
    let invalid = |field: &str, message: String| ServerError::Invalid {
        field: Some(format!("settings.{field}")),
        message,
    };
    for (field, model) in [("model", &s.model), ("sub_model", &s.sub_model)] {
        if let Some(model) = model {
            state.executions.check_model(model).map_err(|e| invalid(field, e.to_string()))?;
        }
    }
    // The type holds the ranges any server allows; this one's time limit is its own.
    let max_secs = state.limits.max_execution.as_secs();
    if let Some(t) = s.timeout_secs
        && t > max_secs
    {
        return Err(invalid(
            "timeout_secs",
            format!("{t} is above this server's limit of {max_secs} seconds"),
        ));
    }
    // The operator's budgets are ceilings: a session may lower them, never raise them.
    let ceilings = &state.limits.execution;
    let depth = |d: Option<u32>| d.map(u64::from);
    for (name, asked, ceiling) in [
        ("max_steps", s.max_steps, ceilings.max_steps),
        ("max_subcalls", s.max_subcalls, ceilings.max_subcalls),
        ("max_depth", depth(s.max_depth), depth(ceilings.max_depth)),
    ] {
        if let (Some(asked), Some(ceiling)) = (asked, ceiling)
            && asked > ceiling
        {
            return Err(invalid(
                name,
                format!(
                    "{asked} is above this server's ceiling of {ceiling} (set by its operator: \
                     rlm serve's budgets.{name}); a session may lower it, not raise it"
                ),
            ));
        }
    }
    Ok(())
}

/// The client's metadata with the context's own (the Engine's `size`, `hash`).
fn metadata(
    client: Option<serde_json::Map<String, serde_json::Value>>,
    context: Option<&ContextRef>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = client.unwrap_or_default();
    if let Some(c) = context {
        m.insert("size".into(), c.chars.into());
        m.insert("hash".into(), c.hash.clone().into());
        // One hash for a context: its blob's name (records from before the
        // blob store keep the blake3 they were stored with).
        let algorithm = if c.blob.is_some() { "sha256" } else { "blake3" };
        m.insert("hash_algorithm".into(), algorithm.into());
        m.insert("bytes".into(), c.bytes.into());
        m.insert("documents".into(), c.documents.len().into());
    }
    m
}

/// List the caller's sessions, newest first.
#[utoipa::path(get, path = "/api/sessions", tag = "sessions", params(Page),
    responses((status = 200, body = SessionListResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<SessionListResponse>, ServerError> {
    let listed = state.store.list_sessions(scope.owner(), &page.request()?).await?;
    let sessions = listed.items.iter().map(SessionResponse::from).collect();
    Ok(Json(SessionListResponse { sessions, total: listed.total, next_cursor: listed.next_cursor }))
}

/// One session.
#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SessionResponse>, ServerError> {
    let s = scope.session(id).await?;
    Ok(Json(SessionResponse::from(&s)))
}

/// Update a session's name, context (replaced), metadata or settings.
#[utoipa::path(put, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    request_body = SessionCreate,
    responses((status = 200, body = SessionResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SessionCreate>,
) -> Result<Json<SessionResponse>, ServerError> {
    let mut s = scope.session(id).await?;
    if let Some(settings) = &body.settings {
        validate_settings(&state, settings)?;
    }
    let replacing = s.context.as_ref().map_or(0, |c| c.bytes);
    let allowance =
        state.quotas.context_allowance(state.store.as_ref(), scope.owner(), replacing).await?;
    let documents = documents_of(&state, &body, &allowance)?;
    let old_context = s.context.clone();
    let mut _admitted = None;
    if let Some(docs) = documents {
        let stored = state.contexts.store(&docs)?;
        // Checked again under the key's lock (see `create`).
        let admitted = state
            .quotas
            .admit(state.store.as_ref(), scope.owner(), false, stored.bytes, replacing)
            .await;
        match admitted {
            Ok(a) => _admitted = Some(a),
            Err(e) => {
                drop_context(&state, &stored).await;
                return Err(e);
            }
        }
        s.context = Some(stored);
        s.context_metadata = metadata(body.context_metadata.clone(), s.context.as_ref());
    } else if let Some(m) = body.context_metadata {
        s.context_metadata = metadata(Some(m), s.context.as_ref());
    }
    if let Some(name) = body.name {
        s.name = Some(name);
    }
    if let Some(settings) = body.settings {
        s.settings = settings;
    }
    s.updated_at = now_micros();
    state.store.put_session(&s).await?;
    if let Some(old) = old_context
        && s.context.as_ref() != Some(&old)
    {
        drop_context(&state, &old).await;
    }
    Ok(Json(SessionResponse::from(&s)))
}

/// A context a session no longer names (or never came to): its mapping
/// is forgotten, a legacy file deleted, and its blob deleted if no record
/// references it any more (and it is older than the grace period; the
/// blob sweep takes it later otherwise).
async fn drop_context(state: &AppState, context: &ContextRef) {
    state.contexts.remove(context);
    if let Some(name) = &context.blob
        && let Err(e) = state.blob_sweep.release(name, std::time::SystemTime::now()).await
    {
        tracing::warn!(blob = %name, error = %e, "cannot release a context's blob");
    }
}

/// Delete a session (with its state: spend, memory, history) and its context file (its executions stay).
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = DeletedSession), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeletedSession>, ServerError> {
    let s = scope.session(id).await?;
    if !state.store.delete_session(id).await? {
        return Err(ServerError::not_found("session", id));
    }
    if let Some(c) = &s.context {
        drop_context(&state, c).await;
    }
    Ok(Json(DeletedSession { status: "deleted".into(), session_id: id }))
}

/// The session's `memory` dict, a page at a time: keys in order, at most
/// `limit` (default and at most 1000) and 4 MiB of values a page; pass
/// `next_cursor` as `?cursor=` for the next page.
#[utoipa::path(get, path = "/api/sessions/{id}/memory", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id"), MemoryQuery),
    responses((status = 200, body = MemoryDictResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_memory(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<MemoryQuery>,
) -> Result<Json<MemoryDictResponse>, ServerError> {
    scope.session(id).await?;
    let (_, limit) = Page { cursor: None, limit: q.limit, offset: None }.bounds()?;
    let limit = if q.limit.is_none() { 1000 } else { limit.max(1) };
    let memory = state.store.get_memory(id).await?;
    let (memory, next_cursor) = crate::memory_quota::page(memory, q.cursor.as_deref(), limit);
    Ok(Json(MemoryDictResponse { memory, next_cursor }))
}

/// Set one `memory` key.
#[utoipa::path(post, path = "/api/sessions/{id}/memory", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id")),
    request_body = MemorySetRequest,
    responses((status = 200, body = MemorySetResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_memory(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MemorySetRequest>,
) -> Result<Json<MemorySetResponse>, ServerError> {
    scope.session(id).await?;
    if body.key.is_empty() {
        return Err(ServerError::Invalid { field: Some("key".into()), message: "is empty".into() });
    }
    // Checked against the dict as stored now, under the key's write lock
    // (two writes of one key's sessions cannot both take the last bytes).
    let quota = crate::memory_quota::MemoryQuota::of(&state.limits);
    quota.check_value(&body.value)?;
    let _held = state.quotas.hold_writes(scope.owner()).await;
    quota.check_set(&state.store.get_memory(id).await?, &body.key, &body.value)?;
    let edit = MemoryEdit::Set { key: body.key.clone(), value: body.value.clone() };
    if state.store.edit_memory(id, &edit).await?.is_none() {
        return Err(ServerError::not_found("session", id));
    }
    Ok(Json(MemorySetResponse { key: body.key, value: body.value, updated_at: time(now_micros()) }))
}

/// Delete one `memory` key.
#[utoipa::path(delete, path = "/api/sessions/{id}/memory/{key}", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id"), ("key" = String, Path, description = "memory key")),
    responses((status = 200, body = DeletedMemoryKey), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_memory(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath((id, key)): ApiPath<(Uuid, String)>,
) -> Result<Json<DeletedMemoryKey>, ServerError> {
    scope.session(id).await?;
    match state.store.edit_memory(id, &MemoryEdit::Delete { key: key.clone() }).await? {
        None => return Err(ServerError::not_found("session", id)),
        Some(false) => return Err(ServerError::not_found("memory key", key)),
        Some(true) => {}
    }
    Ok(Json(DeletedMemoryKey { status: "deleted".into(), key }))
}

/// The session's questions and answers, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/sessions/{id}/history", tag = "sessions",
    params(("id" = Uuid, Path, description = "session id"), HistoryQuery),
    responses((status = 200, body = HistoryResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    scope: Scope,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryResponse>, ServerError> {
    scope.session(id).await?;
    let from = match &q.cursor {
        None => 0,
        Some(c) => c.parse::<u64>().map_err(|_| {
            ServerError::BadRequest("cursor must be a next_cursor the history answered with".into())
        })?,
    };
    let (_, limit) = Page { cursor: None, limit: q.limit, offset: None }.bounds()?;
    let page = state.store.history(id, from, limit).await?;
    Ok(Json(HistoryResponse::from_page(id, &page)))
}
