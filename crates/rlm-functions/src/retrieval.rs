//! Retrieval inside a run: the settings an embedder gives ([`RetrievalSettings`]),
//! and one run's retrieval state ([`RunRetrieval`]) that serves `search` over
//! the context's index (built on first use, or loaded from where it was
//! persisted) and the `es_*` functions over a document backend, caches their
//! results for the run, and finds the evidence of the retrieval-aware first step.
//!
//! The functions are declared in the function registry (listed only when
//! retrieval is configured); their arguments are bound and their fuel charged
//! in the interpreter before the call reaches the host, so a bad call costs
//! nothing and never reaches a backend.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rlm_context::Context;
use rlm_interp::{AlignedBool, ExcKind, HostError, Value};
use rlm_retrieval::{
    ContextIndex, Embedder, Filters, IndexOptions, RetrievalError, RetrievalPrompts, Retriever,
    SearchMode, open_context_index, open_context_index_with_vectors, question_evidence,
};

/// The largest `k` a program may ask for: results become dicts in the sandbox.
pub const MAX_PROGRAM_K: i64 = 100;

/// Texts embedded per call when a run first needs vectors.
const EMBED_BATCH: usize = 32;

/// Retrieval for the runs of an `rlm_core::Rlm`.
#[derive(Clone, Default)]
pub struct RetrievalSettings {
    /// `search(query, k, mode)` over the run's context (`None`: not offered).
    pub context_index: Option<ContextIndexSettings>,
    /// The backend of `es_search`, `es_vector_search`, `es_hybrid_search` and
    /// `es_get` (Elasticsearch, or any [`Retriever`]); `None`: not offered.
    pub backend: Option<Arc<dyn Retriever>>,
    /// Hits shown with the context metadata before the first model call (the
    /// retrieval-aware first step); 0: off. Needs `context_index`.
    pub first_step_hits: usize,
}

impl std::fmt::Debug for RetrievalSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetrievalSettings")
            .field("context_index", &self.context_index)
            .field("backend", &self.backend.as_ref().map(|b| b.name().to_string()))
            .field("first_step_hits", &self.first_step_hits)
            .finish()
    }
}

/// How the index of a run's context is made.
#[derive(Clone, Default)]
pub struct ContextIndexSettings {
    /// Chunking, and where the root run's index persists (`dir`; sub-RLMs,
    /// whose contexts differ, keep theirs in memory).
    pub index: IndexOptions,
    /// The embedding model of `mode="vector"`/`"hybrid"` (`None`: BM25 only).
    pub embedder: Option<Arc<dyn Embedder>>,
    /// The mode of a `search` that names none.
    pub default_mode: SearchMode,
}

impl std::fmt::Debug for ContextIndexSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextIndexSettings")
            .field("dir", &self.index.dir)
            .field("embedder", &self.embedder.as_ref().map(|e| e.id()))
            .field("default_mode", &self.default_mode)
            .finish()
    }
}

/// A retrieval function, as the host serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrievalOp {
    /// `search(query, k, mode)` over the context index.
    Search,
    /// `es_search` / `es_vector_search` / `es_hybrid_search(query, k, filters)`.
    Backend(SearchMode),
    /// `es_get(doc_id)`.
    Get,
}

/// One run's retrieval: its context index (made on first use) and its cache.
pub struct RunRetrieval {
    settings: RetrievalSettings,
    context: Context,
    /// Persist the index (the root run) or keep it in memory (sub-RLMs).
    persist: bool,
    index: RefCell<Option<Arc<dyn ContextIndex>>>,
    /// Results by call, so a program repeating a search pays the backend once.
    cache: RefCell<HashMap<String, serde_json::Value>>,
}

impl RunRetrieval {
    /// The retrieval state of a run at `depth` over `context`; `None` when
    /// `settings` configure no retrieval.
    pub fn for_run(
        settings: &RetrievalSettings,
        context: &Context,
        depth: u32,
    ) -> Option<Rc<RunRetrieval>> {
        (settings.context_index.is_some() || settings.backend.is_some()).then(|| {
            Rc::new(RunRetrieval {
                settings: settings.clone(),
                context: context.clone(),
                persist: depth == 0,
                index: RefCell::new(None),
                cache: RefCell::new(HashMap::new()),
            })
        })
    }

    /// The evidence block of the retrieval-aware first step (BM25 over the
    /// question), or `None` (off, nothing found, or the index failed: a first
    /// step without evidence is the run without the option).
    pub fn first_step_evidence(&self, question: &str) -> Option<String> {
        let k = self.settings.first_step_hits;
        if k == 0 || self.settings.context_index.is_none() {
            return None;
        }
        let index = self.context_index().ok()?;
        let hits = index.search_sync(question, k, &Filters::none()).ok()?;
        question_evidence(question, &hits, &RetrievalPrompts::default()).ok().flatten()
    }

    /// Performs a bound call (`args`: one value per declared parameter).
    pub async fn call(
        &self,
        op: RetrievalOp,
        name: &str,
        args: &[Value],
    ) -> Result<Value, HostError> {
        let request = Request::read(op, name, args, self.default_mode())?;
        let key = request.cache_key(op);
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(rlm_interp::from_json(hit));
        }
        let json = self.perform(op, &request).await.map_err(|e| host_error(name, &e))?;
        let value = rlm_interp::from_json(&json);
        self.cache.borrow_mut().insert(key, json);
        Ok(value)
    }

    fn default_mode(&self) -> SearchMode {
        self.settings.context_index.as_ref().map(|c| c.default_mode).unwrap_or_default()
    }

    async fn perform(
        &self,
        op: RetrievalOp,
        request: &Request,
    ) -> Result<serde_json::Value, RetrievalError> {
        let hits = match op {
            RetrievalOp::Search => {
                let index = self.index_for(request.mode).await?;
                request
                    .mode
                    .search(index.as_retriever(), &request.text, request.k, &request.filters)
                    .await?
            }
            RetrievalOp::Backend(mode) => {
                let backend = self.backend()?;
                mode.search(&*backend, &request.text, request.k, &request.filters).await?
            }
            RetrievalOp::Get => {
                let fetched = self.backend()?.get(&request.text).await?;
                return Ok(to_json(&fetched));
            }
        };
        Ok(to_json(&hits))
    }

    fn backend(&self) -> Result<Arc<dyn Retriever>, RetrievalError> {
        self.settings.backend.clone().ok_or_else(|| {
            RetrievalError::Unsupported("no document backend is configured for this run".into())
        })
    }

    /// The context index, with vectors when `mode` needs them (embedding the
    /// context the first time, or loading the persisted vectors).
    async fn index_for(&self, mode: SearchMode) -> Result<Arc<dyn ContextIndex>, RetrievalError> {
        if !mode.needs_vectors() {
            return self.context_index();
        }
        let current = self.index.borrow().clone();
        if let Some(index) = current.filter(|i| i.has_vectors()) {
            return Ok(index);
        }
        let settings = self.index_settings()?;
        let Some(embedder) = settings.embedder.clone() else {
            return Err(RetrievalError::Unsupported(format!(
                "mode={:?} needs an embedding model and none is configured; use mode=\"bm25\"",
                mode.as_str()
            )));
        };
        let index = open_context_index_with_vectors(
            &self.context,
            &self.index_options()?,
            embedder,
            EMBED_BATCH,
        )
        .await?;
        *self.index.borrow_mut() = Some(Arc::clone(&index));
        Ok(index)
    }

    /// The BM25 index of the context, opened or built on first use.
    fn context_index(&self) -> Result<Arc<dyn ContextIndex>, RetrievalError> {
        if let Some(index) = self.index.borrow().clone() {
            return Ok(index);
        }
        let index = open_context_index(&self.context, &self.index_options()?)?;
        *self.index.borrow_mut() = Some(Arc::clone(&index));
        Ok(index)
    }

    fn index_settings(&self) -> Result<&ContextIndexSettings, RetrievalError> {
        self.settings.context_index.as_ref().ok_or_else(|| {
            RetrievalError::Unsupported("no context index is configured for this run".into())
        })
    }

    fn index_options(&self) -> Result<IndexOptions, RetrievalError> {
        let mut options = self.index_settings()?.index.clone();
        if !self.persist {
            options.dir = None;
        }
        // A run draws no progress bars: its front end owns the terminal.
        options.progress = false;
        Ok(options)
    }
}

/// A call's arguments, checked.
struct Request {
    /// The query, or the id of `es_get`.
    text: String,
    k: usize,
    mode: SearchMode,
    filters: Filters,
}

impl Request {
    fn read(
        op: RetrievalOp,
        name: &str,
        args: &[Value],
        default_mode: SearchMode,
    ) -> Result<Request, HostError> {
        let text = match args.first() {
            Some(Value::Str(s)) => s.as_str().to_string(),
            _ => String::new(),
        };
        if op == RetrievalOp::Get {
            return Ok(Request { text, k: 1, mode: default_mode, filters: Filters::none() });
        }
        let k = check_k(name, args.get(1))? as usize;
        if text.trim().is_empty() {
            return Err(value_error(format!("{name}() query must not be empty")));
        }
        let (mode, filters) = match op {
            RetrievalOp::Search => {
                (check_mode(name, args.get(2))?.unwrap_or(default_mode), Filters::none())
            }
            RetrievalOp::Backend(mode) => (mode, check_filters(name, args.get(2))?),
            RetrievalOp::Get => (default_mode, Filters::none()),
        };
        Ok(Request { text, k, mode, filters })
    }

    fn cache_key(&self, op: RetrievalOp) -> String {
        let filters = serde_json::Value::Object(self.filters.0.clone());
        format!("{op:?}\u{0}{}\u{0}{}\u{0}{}\u{0}{filters}", self.text, self.k, self.mode)
    }
}

/// `k` as given (an int, checked by the signature), within 1..=[`MAX_PROGRAM_K`].
pub(crate) fn check_k(name: &str, k: Option<&Value>) -> Result<i64, HostError> {
    let k = match k {
        Some(Value::Int(k)) => *k,
        Some(Value::Bool(AlignedBool(b))) => i64::from(*b),
        _ => 10,
    };
    if !(1..=MAX_PROGRAM_K).contains(&k) {
        return Err(value_error(format!(
            "{name}() k must be between 1 and {MAX_PROGRAM_K}, not {k}"
        )));
    }
    Ok(k)
}

/// `mode` as given (`None`: the configured default).
pub(crate) fn check_mode(
    name: &str,
    mode: Option<&Value>,
) -> Result<Option<SearchMode>, HostError> {
    match mode {
        Some(Value::Str(s)) => s
            .as_str()
            .parse::<SearchMode>()
            .map(Some)
            .map_err(|e| value_error(format!("{name}() {}", bare(&e)))),
        _ => Ok(None),
    }
}

/// `filters`: `None` or a dict of scalar metadata values.
fn check_filters(name: &str, filters: Option<&Value>) -> Result<Filters, HostError> {
    let value = match filters {
        None | Some(Value::None) => return Ok(Filters::none()),
        Some(v @ Value::Dict(_)) => v,
        Some(other) => {
            return Err(HostError::typed(
                ExcKind::TypeError,
                format!(
                    "{name}() argument 'filters' must be dict or None, not {}",
                    other.type_name()
                ),
            ));
        }
    };
    let json = rlm_interp::to_json(value)
        .map_err(|e| HostError::typed(ExcKind::TypeError, format!("{name}() filters: {e}")))?;
    Filters::from_json(json).map_err(|e| value_error(format!("{name}() {}", bare(&e))))
}

fn value_error(message: String) -> HostError {
    HostError::typed(ExcKind::ValueError, message)
}

/// An invalid-argument message without its "invalid argument: " prefix.
fn bare(e: &RetrievalError) -> String {
    match e {
        RetrievalError::InvalidArgument(m) => m.clone(),
        other => other.to_string(),
    }
}

/// What the program sees when a retrieval fails: its arguments' fault as a
/// `ValueError`, an unknown id as a `KeyError`, anything else (a broken index,
/// a backend down) as a `RuntimeError`.
fn host_error(name: &str, e: &RetrievalError) -> HostError {
    let kind = match e {
        RetrievalError::InvalidArgument(_) | RetrievalError::Unsupported(_) => ExcKind::ValueError,
        RetrievalError::NotFound(_) => ExcKind::KeyError,
        _ => ExcKind::RuntimeError,
    };
    HostError::typed(kind, format!("{name}(): {}", bare(e)))
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
