//! rlm-retrieval's rerankers (`ListwiseReranker`, `TournamentReranker`) and
//! `QueryRewriter` for Python (`rlm_rs.rerank`, `rlm_rs.multiquery`): each
//! drives its model through a scheduler of its own (the `FileCache`, when
//! given, as the scheduler's cache), waiting without the GIL.

use std::sync::Arc;

use futures::future::BoxFuture;
use pyo3::prelude::*;
use rlm_adapters::{AdapterError, ModelAdapter};
use rlm_retrieval::{ListwiseReranker, ModelCaller, QueryRewriter, RankItem, TournamentReranker};
use rlm_sched::{Scheduler, SchedulerConfig, SubcallExecutor};
use rlm_types::{Completion, CompletionRequest, ModelId};

use crate::adapters::resolve;
use crate::cache::FileCache;
use crate::error::BindError;
use crate::py_adapter::LoopSlot;
use crate::runtime::{runtime, wait_interruptibly};

/// One adapter as the scheduler's executor.
struct AdapterExecutor(Arc<dyn ModelAdapter>);

impl SubcallExecutor for AdapterExecutor {
    type Error = AdapterError;

    fn execute(
        &self,
        _model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, AdapterError>> {
        let adapter = Arc::clone(&self.0);
        Box::pin(async move { adapter.complete(&request).await })
    }
}

/// A candidate: its position in the caller's list, and the text shown.
#[derive(Clone)]
struct Candidate {
    index: usize,
    id: String,
    text: String,
}

impl RankItem for Candidate {
    fn item_id(&self) -> &str {
        &self.id
    }
    fn item_text(&self) -> &str {
        &self.text
    }
}

/// What a reranker or rewriter calls its model through.
struct Calls {
    caller: ModelCaller<AdapterExecutor>,
    /// The caller's scheduler (a clone sharing its counters).
    scheduler: Scheduler<AdapterExecutor>,
    event_loop: Option<LoopSlot>,
}

impl Calls {
    /// `(model calls made, replies served by the cache)` so far.
    fn counts(scheduler: &Scheduler<AdapterExecutor>) -> (u64, u64) {
        let stats = scheduler.stats();
        (stats.executed, stats.cache_hits)
    }
}

/// The model caller over `adapter` (a model as `RLM` takes it).
fn caller(
    py: Python<'_>,
    adapter: &Bound<'_, PyAny>,
    max_tokens: u32,
    cache: Option<&Bound<'_, FileCache>>,
) -> PyResult<Calls> {
    let resolved = resolve(py, adapter)?;
    let model = resolved.adapter.model_id();
    let mut builder =
        Scheduler::builder(AdapterExecutor(resolved.adapter)).config(SchedulerConfig::default());
    if let Some(c) = cache {
        builder = builder.cache(Arc::clone(&c.get().inner) as Arc<dyn rlm_types::CompletionCache>);
    }
    let scheduler = {
        let _entered = runtime()?.enter();
        builder.build().map_err(|e| BindError::Config(e.to_string()))?
    };
    Ok(Calls {
        caller: ModelCaller::new(scheduler.clone(), model).with_max_tokens(max_tokens),
        scheduler,
        event_loop: resolved.event_loop,
    })
}

/// An `async def complete` adapter runs on a background loop here.
fn background(slot: &Option<LoopSlot>) {
    if let Some(s) = slot {
        *s.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

fn retrieval_error(e: rlm_retrieval::RetrievalError) -> PyErr {
    BindError::Config(e.to_string()).into()
}

enum Method {
    Listwise(ListwiseReranker<AdapterExecutor>),
    Tournament(TournamentReranker<AdapterExecutor>),
}

/// A reranker of rlm-retrieval (see `rlm_rs.rerank`).
#[pyclass(module = "rlm_rs._native", frozen, name = "Reranker")]
pub struct PyReranker {
    method: Method,
    scheduler: Scheduler<AdapterExecutor>,
    event_loop: Option<LoopSlot>,
}

#[pymethods]
impl PyReranker {
    /// Sliding windows of `window_size` candidates, moving up by `step`.
    #[staticmethod]
    #[pyo3(signature = (adapter, *, window_size, step, max_passage_chars, max_tokens, cache=None))]
    fn listwise(
        py: Python<'_>,
        adapter: &Bound<'_, PyAny>,
        window_size: usize,
        step: usize,
        max_passage_chars: usize,
        max_tokens: u32,
        cache: Option<&Bound<'_, FileCache>>,
    ) -> PyResult<PyReranker> {
        let Calls { caller, scheduler, event_loop } = caller(py, adapter, max_tokens, cache)?;
        let reranker = ListwiseReranker::new(caller)
            .with_window(window_size, step)
            .map_err(retrieval_error)?
            .with_max_passage_chars(max_passage_chars);
        Ok(PyReranker { method: Method::Listwise(reranker), scheduler, event_loop })
    }

    /// Batches of `batch_size`, `keep_per_batch` survivors each, shuffled by `seed`.
    #[staticmethod]
    #[pyo3(signature = (adapter, *, batch_size, keep_per_batch, seed, max_passage_chars, max_tokens, cache=None))]
    #[allow(clippy::too_many_arguments)]
    fn tournament(
        py: Python<'_>,
        adapter: &Bound<'_, PyAny>,
        batch_size: usize,
        keep_per_batch: usize,
        seed: u64,
        max_passage_chars: usize,
        max_tokens: u32,
        cache: Option<&Bound<'_, FileCache>>,
    ) -> PyResult<PyReranker> {
        let Calls { caller, scheduler, event_loop } = caller(py, adapter, max_tokens, cache)?;
        let reranker = TournamentReranker::new(caller)
            .with_batches(batch_size, keep_per_batch)
            .map_err(retrieval_error)?
            .with_seed(seed)
            .with_max_passage_chars(max_passage_chars);
        Ok(PyReranker { method: Method::Tournament(reranker), scheduler, event_loop })
    }

    /// Orders `candidates` (`(id, text)` pairs) for `query`. Returns the
    /// best `top_k` positions in `candidates`, best first, the model calls
    /// asked for, the replies no ranking could be read from, and the calls
    /// that failed (those windows or batches kept their order).
    fn rerank(
        &self,
        py: Python<'_>,
        query: String,
        candidates: Vec<(String, String)>,
        top_k: usize,
    ) -> PyResult<(Vec<usize>, usize, usize, Vec<String>)> {
        background(&self.event_loop);
        let items: Vec<Candidate> = candidates
            .into_iter()
            .enumerate()
            .map(|(index, (id, text))| Candidate { index, id, text })
            .collect();
        let outcome = wait_interruptibly(
            py,
            async {
                match &self.method {
                    Method::Listwise(r) => r.rerank(&query, &items, top_k).await,
                    Method::Tournament(r) => r.rerank(&query, &items, top_k).await,
                }
            },
            || {},
        )?
        .map_err(retrieval_error)?;
        let order = outcome.items.iter().map(|c| c.index).collect();
        Ok((order, outcome.calls, outcome.unparsed, outcome.failures))
    }

    /// `(model calls made, replies served by the cache)` so far.
    fn counts(&self) -> (u64, u64) {
        Calls::counts(&self.scheduler)
    }
}

/// rlm-retrieval's `QueryRewriter` (see `rlm_rs.multiquery`).
#[pyclass(module = "rlm_rs._native", frozen, name = "QueryRewriter")]
pub struct PyQueryRewriter {
    inner: QueryRewriter<AdapterExecutor>,
    scheduler: Scheduler<AdapterExecutor>,
    event_loop: Option<LoopSlot>,
}

#[pymethods]
impl PyQueryRewriter {
    #[new]
    #[pyo3(signature = (adapter, *, n, system_prompt=None, max_tokens, cache=None))]
    fn new(
        py: Python<'_>,
        adapter: &Bound<'_, PyAny>,
        n: usize,
        system_prompt: Option<String>,
        max_tokens: u32,
        cache: Option<&Bound<'_, FileCache>>,
    ) -> PyResult<PyQueryRewriter> {
        let Calls { caller, scheduler, event_loop } = caller(py, adapter, max_tokens, cache)?;
        let mut inner = QueryRewriter::new(caller, n).map_err(retrieval_error)?;
        if let Some(p) = system_prompt {
            inner = inner.with_system_prompt(p);
        }
        Ok(PyQueryRewriter { inner, scheduler, event_loop })
    }

    /// Up to `n` distinct reformulations of `query` (the query excluded).
    fn rewrite(&self, py: Python<'_>, query: String) -> PyResult<Vec<String>> {
        background(&self.event_loop);
        let out = wait_interruptibly(py, self.inner.rewrite(&query), || {})?;
        out.map_err(retrieval_error)
    }

    /// `(model calls made, replies served by the cache)` so far.
    fn counts(&self) -> (u64, u64) {
        Calls::counts(&self.scheduler)
    }

    /// The system prompt sent with each rewrite.
    #[getter]
    fn system_prompt(&self) -> &str {
        self.inner.system_prompt()
    }
}
