//! [`RlmServer`]: the MCP server handler. Tools: `rlm_ask`, `rlm_exec`,
//! `rlm_search`, `rlm_session_create`, `rlm_session_ask`, `rlm_session_list`,
//! `rlm_session_close` (inputs in [`crate::inputs`], schemas derived).
//! Resources: the session list and the traces of the runs it did
//! ([`crate::resources`]). Sessions, traces and resources are kept per
//! tenant ([`Registry`]): over HTTP the tenant is the request's API key's,
//! named by the door (a request without one is refused, never given a
//! shared default); over stdio the one client is the user. A tool that fails
//! (a path that does not load, a program's exception, a run without an
//! answer) returns its result marked `isError` with the reason: the request
//! itself succeeded.

use std::path::PathBuf;
use std::sync::Arc;

use rlm_context::{Context, Document};
use rlm_core::Finish;
use rlm_listen::{AllocatorPurge, Tenant};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde_json::{Value, json};

use crate::access::{FileAccess, Sources};
use crate::engines::Engines;
use crate::error::EngineError;
use crate::inputs::{
    AskInput, ExecInput, SearchInput, SessionAskInput, SessionCloseInput, SessionCreateInput,
    SessionListInput,
};
use crate::registry::{Registry, RegistryLimits, SessionEntry};

/// The server: cheap to clone (one per HTTP session shares the same state).
#[derive(Clone)]
pub struct RlmServer {
    engines: Arc<dyn Engines>,
    registry: Arc<Registry>,
    access: Arc<FileAccess>,
    /// Where `rlm_search` keeps its indexes.
    index_home: Arc<PathBuf>,
    /// Whether each request names its tenant (HTTP: the door's; a request
    /// without one is refused). Otherwise (stdio) every call is `local`'s.
    keyed: bool,
    /// The most bytes one context may hold: files and `text` together
    /// (`--max-context-mb`).
    max_context_bytes: u64,
    /// The allocator's free pages given back after each tool call ends, as
    /// `rlm serve` does after each execution (`rlm_listen::AllocatorPurge`).
    purge: Arc<AllocatorPurge>,
}

/// A context's cap unless the front end sets one (`rlm serve`'s default).
pub const DEFAULT_MAX_CONTEXT_BYTES: u64 = 512 << 20;

impl RlmServer {
    /// A server reading any file the user can (stdio's default), its
    /// indexes in the system's temporary folder until [`Self::with_index_home`].
    pub fn new(engines: Arc<dyn Engines>) -> RlmServer {
        RlmServer {
            engines,
            registry: Arc::new(Registry::default()),
            access: Arc::new(FileAccess::Any),
            index_home: Arc::new(std::env::temp_dir().join("rlm-indexes")),
            keyed: false,
            max_context_bytes: DEFAULT_MAX_CONTEXT_BYTES,
            purge: AllocatorPurge::new(None),
        }
    }

    /// The binary's allocator's purge, run after tool calls end (`None`: none).
    pub fn with_allocator_purge(mut self, purge: Option<fn()>) -> RlmServer {
        self.purge = AllocatorPurge::new(purge);
        self
    }

    /// The most bytes one context may hold (files and `text` together).
    pub fn with_max_context_bytes(mut self, bytes: u64) -> RlmServer {
        self.max_context_bytes = bytes;
        self
    }

    /// Bounds of what each tenant keeps (sessions, traces).
    pub fn with_limits(mut self, limits: RegistryLimits) -> RlmServer {
        self.registry = Arc::new(Registry::new(limits));
        self
    }

    /// Every request must name its tenant (the HTTP transport's door does).
    pub(crate) fn keyed(mut self) -> RlmServer {
        self.keyed = true;
        self
    }

    /// The tenant `request` acts for: the door's over HTTP, `local` over
    /// stdio. A keyed server's request without one is refused (fail closed:
    /// never a shared default).
    fn tenant(&self, request: &RequestContext<RoleServer>) -> Result<Tenant, ErrorData> {
        let named = request
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(Tenant::of_parts)
            .cloned();
        match (named, self.keyed) {
            (Some(tenant), _) => Ok(tenant),
            (None, false) => Ok(Tenant::local()),
            (None, true) => Err(ErrorData::invalid_request(
                "this request names no API key's tenant".to_string(),
                None,
            )),
        }
    }

    /// Which files the tools may read.
    pub fn with_file_access(mut self, access: FileAccess) -> RlmServer {
        self.access = Arc::new(access);
        self
    }

    /// Where `rlm_search`'s indexes go (one folder per searched folder).
    pub fn with_index_home(mut self, home: PathBuf) -> RlmServer {
        self.index_home = Arc::new(home);
        self
    }

    /// The context of `paths` (checked against the file access, binary
    /// files of folders left out) plus `text` (one more document), within
    /// the context cap; and the sources it was loaded from.
    fn context(
        &self,
        paths: &[String],
        text: Option<String>,
    ) -> Result<(Context, Sources), EngineError> {
        let text_bytes = text.as_ref().map_or(0, |t| t.len() as u64);
        if text_bytes > self.max_context_bytes {
            return Err(crate::access::too_large(text_bytes, self.max_context_bytes));
        }
        let room = self.max_context_bytes - text_bytes;
        let sources = self.access.sources(paths, room)?;
        let context = self.context_of(&sources.files, text, room)?;
        Ok((context, sources))
    }

    fn context_of(
        &self,
        paths: &[String],
        text: Option<String>,
        room: u64,
    ) -> Result<Context, EngineError> {
        let Some(text) = text else {
            return self.engines.context(paths, room);
        };
        if paths.is_empty() {
            return Ok(Context::from_documents(vec![Document::named("text", text)]));
        }
        let loaded = self.engines.context(paths, room)?;
        let mut docs = Vec::with_capacity(loaded.num_documents() + 1);
        for (i, info) in loaded.documents().iter().enumerate() {
            let body =
                loaded.get_document(i as i64).map(|v| v.as_str().to_string()).unwrap_or_default();
            let name = info.name.clone().unwrap_or_else(|| format!("document {i}"));
            docs.push(Document::named(name, body));
        }
        docs.push(Document::named("text", text));
        Ok(Context::from_documents(docs))
    }

    /// A session over `paths` and `text` with a fresh engine; its answers
    /// must match `schema` when one is given (else the configuration's).
    fn open_session(
        &self,
        name: String,
        paths: Vec<String>,
        text: Option<String>,
        schema: Option<Value>,
    ) -> Result<SessionEntry, EngineError> {
        let schema = schema
            .map(|s| rlm_core::OutputSchema::new(s, "of output_schema"))
            .transpose()
            .map_err(|e| EngineError::new(e.to_string()))?;
        let (context, sources) = self.context(&paths, text)?;
        let mut rlm = self.engines.engine(&sources.files)?;
        if schema.is_some() {
            rlm = rlm.with_output_schema(schema);
        }
        let settings = rlm_core::SessionSettings { name: name.clone(), ..Default::default() };
        let session = rlm_core::Session::new(&rlm, context, settings);
        Ok(SessionEntry { session, name, sources: paths, skipped_binary: sources.skipped_binary })
    }

    async fn ask_in(
        &self,
        tool: &'static str,
        tenant: &Tenant,
        entry: &SessionEntry,
        question: String,
        request: &RequestContext<RoleServer>,
        session_id: Option<&str>,
    ) -> CallToolResult {
        match crate::runs::ask(&entry.session, question, request).await {
            Ok(execution) => {
                self.registry.add_trace(tenant, tool, &execution);
                let doc = crate::runs::execution_json(&execution, session_id);
                match &execution.answer {
                    // A candidate that fails the output schema is no answer.
                    Some(answer) if matches!(execution.finish, Finish::SchemaFailed { .. }) => {
                        let why = execution.finish.reason().unwrap_or_default();
                        let text = format!("schema_failed: {why}\nthe last candidate: {answer}");
                        with_structure(CallToolResult::error, text, doc)
                    }
                    Some(answer) => with_structure(CallToolResult::success, answer.clone(), doc),
                    None => {
                        let why = execution.finish.reason().unwrap_or(execution.finish.as_str());
                        let text = format!("the run ended without an answer: {why}");
                        with_structure(CallToolResult::error, text, doc)
                    }
                }
            }
            Err(e) => failure(e.to_string()),
        }
    }
}

/// A result whose text is `text` and whose structured content is `doc`.
fn with_structure(
    make: fn(Vec<ContentBlock>) -> CallToolResult,
    text: String,
    doc: Value,
) -> CallToolResult {
    let mut result = make(vec![ContentBlock::text(text)]);
    result.structured_content = Some(doc);
    result
}

/// A client's id as an error repeats it: quoted, and cut after 200
/// characters with its whole length said.
fn echo(input: &str) -> String {
    match input.char_indices().nth(200) {
        None => format!("{input:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &input[..cut], input.chars().count()),
    }
}

/// A tool-level failure: the reason, for the client to read.
fn failure(reason: String) -> CallToolResult {
    let doc = json!({ "error": reason });
    with_structure(CallToolResult::error, reason, doc)
}

#[tool_router]
impl RlmServer {
    #[tool(
        description = "Answer a question with a Recursive Language Model over files, folders or text: \
                       the model writes programs that read the context and ask sub-models about parts of it. \
                       Returns the answer, how the run ended, usage and a trace id (resource rlm://traces/{id}).",
        annotations(read_only_hint = false, destructive_hint = false)
    )]
    async fn rlm_ask(
        &self,
        Parameters(input): Parameters<AskInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tenant = self.tenant(&request)?;
        let opened = self.open_session(String::new(), input.paths, input.text, input.output_schema);
        let entry = match opened {
            Ok(entry) => entry,
            Err(e) => return Ok(failure(e.message)),
        };
        Ok(self.ask_in("rlm_ask", &tenant, &entry, input.question, &request, None).await)
    }

    #[tool(
        description = "Run a program in rlm's sandboxed Python subset over a context (files, folders or text \
                       bound to `context` and `ctx`, sub-model functions such as llm_query available). Returns \
                       what it printed, FINAL(x)'s value, or the typed error that ended it.",
        annotations(read_only_hint = true)
    )]
    async fn rlm_exec(
        &self,
        Parameters(input): Parameters<ExecInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let prepared = self
            .context(&input.paths, input.text)
            .and_then(|(c, sources)| self.engines.engine(&sources.files).map(|rlm| (rlm, c)));
        let (rlm, context) = match prepared {
            Ok(p) => p,
            Err(e) => return Ok(failure(e.message)),
        };
        let outcome = match crate::exec::exec(rlm, context, input.program, request.ct.clone()).await
        {
            Ok(o) => o,
            Err(reason) => return Ok(failure(reason)),
        };
        let doc = outcome.to_json();
        Ok(match (&outcome.error, outcome.cancelled) {
            (Some(e), _) => {
                let text = e["traceback"].as_str().unwrap_or_default().to_string();
                with_structure(CallToolResult::error, format!("{}{text}", outcome.stdout), doc)
            }
            (None, true) => with_structure(CallToolResult::error, "cancelled".into(), doc),
            (None, false) => {
                let mut text = outcome.stdout.clone();
                if let Some(answer) = &outcome.final_answer {
                    text.push_str(&format!("FINAL: {answer}\n"));
                }
                with_structure(CallToolResult::success, text, doc)
            }
        })
    }

    #[tool(
        description = "Search a file or folder (BM25 over its chunks) with an index the server keeps, \
                       built on first use. Returns the best hits: id, score, preview.",
        annotations(read_only_hint = true)
    )]
    async fn rlm_search(
        &self,
        Parameters(input): Parameters<SearchInput>,
    ) -> Result<CallToolResult, ErrorData> {
        let k = input.k.unwrap_or(5);
        if !(1..=crate::search::MAX_K).contains(&k) {
            let reason = format!("k must be between 1 and {}", crate::search::MAX_K);
            return Err(ErrorData::invalid_params(reason, None));
        }
        let loaded = self.access.folder(&input.path).and_then(|folder| {
            let (context, _) = self.context(std::slice::from_ref(&input.path), None)?;
            Ok((context, folder))
        });
        let (context, folder) = match loaded {
            Ok(c) => c,
            Err(e) => return Ok(failure(e.message)),
        };
        let found =
            crate::search::search(context, (input.path, folder), &self.index_home, input.query, k);
        Ok(match found.await {
            Ok(doc) => {
                let mut text = String::new();
                for hit in doc["hits"].as_array().into_iter().flatten() {
                    text.push_str(&format!(
                        "{} (score {:.3}): {}\n",
                        hit["doc_id"].as_str().unwrap_or(""),
                        hit["score"].as_f64().unwrap_or(0.0),
                        hit["preview"].as_str().unwrap_or("").replace('\n', " ")
                    ));
                }
                with_structure(CallToolResult::success, text, doc)
            }
            Err(reason) => failure(reason),
        })
    }

    #[tool(
        description = "Create a session over files, folders or text: later rlm_session_ask calls share its \
                       context, `memory` and history. Returns the session id.",
        annotations(read_only_hint = false, destructive_hint = false)
    )]
    async fn rlm_session_create(
        &self,
        Parameters(input): Parameters<SessionCreateInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tenant = self.tenant(&request)?;
        let name = input.name.unwrap_or_default();
        let entry = match self.open_session(name, input.paths, input.text, input.output_schema) {
            Ok(entry) => entry,
            Err(e) => return Ok(failure(e.message)),
        };
        let (chars, docs) =
            (entry.session.context().len_chars(), entry.session.context().num_documents());
        let (name, skipped) = (entry.name.clone(), entry.skipped_binary.clone());
        Ok(match self.registry.add_session(&tenant, entry) {
            Ok(id) => {
                let doc = json!({"session_id": id, "name": name, "context_chars": chars,
                                 "documents": docs, "skipped_binary": skipped});
                with_structure(CallToolResult::success, id, doc)
            }
            Err(e) => failure(e.to_string()),
        })
    }

    #[tool(
        description = "Ask a question in a session made by rlm_session_create.",
        annotations(read_only_hint = false, destructive_hint = false)
    )]
    async fn rlm_session_ask(
        &self,
        Parameters(input): Parameters<SessionAskInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tenant = self.tenant(&request)?;
        let Some(entry) = self.registry.session(&tenant, &input.session_id) else {
            return Ok(failure(format!("no session {}", echo(&input.session_id))));
        };
        let id = input.session_id.clone();
        Ok(self
            .ask_in("rlm_session_ask", &tenant, &entry, input.question, &request, Some(&id))
            .await)
    }

    #[tool(
        description = "List your sessions: id, name, sources, context size, executions, spend.",
        annotations(read_only_hint = true)
    )]
    async fn rlm_session_list(
        &self,
        Parameters(_): Parameters<SessionListInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tenant = self.tenant(&request)?;
        let doc = crate::resources::sessions_json(&self.registry, &tenant);
        let text = doc.to_string();
        Ok(with_structure(CallToolResult::success, text, doc))
    }

    #[tool(
        description = "Close a session made by rlm_session_create: its context, memory and history \
                       are dropped, and its place under your session limit is free again.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true)
    )]
    async fn rlm_session_close(
        &self,
        Parameters(input): Parameters<SessionCloseInput>,
        request: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tenant = self.tenant(&request)?;
        if !self.registry.close_session(&tenant, &input.session_id) {
            return Ok(failure(format!("no session {}", echo(&input.session_id))));
        }
        let doc = json!({ "session_id": input.session_id, "closed": true });
        Ok(with_structure(CallToolResult::success, format!("closed {}", input.session_id), doc))
    }
}

#[tool_handler]
impl ServerHandler for RlmServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(Implementation::new("rlm", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "rlm answers questions over large contexts with a Recursive Language Model. \
                 rlm_ask for one question over files or text; rlm_session_create then rlm_session_ask \
                 for several (rlm_session_close when done); rlm_exec runs a program over a context; rlm_search searches a folder. \
                 Traces of the runs: resources rlm://traces/{id}.",
            )
    }

    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        // However the call ends (an answer, an error, its client gone), what
        // it freed goes back to the OS once calls ending together are done.
        let _purge = self.purge.on_drop();
        let call = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        Self::tool_router().call(call).await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(crate::resources::list(&self.registry, &self.tenant(&context)?))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(crate::resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let tenant = self.tenant(&context)?;
        crate::resources::read(&self.registry, &tenant, &request.uri).map(Into::into)
    }
}
