//! Python bindings (`rlm_rs._native`): the RLM API shaped like
//! pyrlm-runtime's (`RLM`, `Context`, adapters, `Policy`, `FileCache`,
//! `Trace`) and the sandbox on its own (`Sandbox`, `Limits`). The Python
//! package `rlm_rs` (under `python/`) re-exports these and holds the
//! exception classes (`rlm_rs/errors.py`).
//!
//! Files, one job each: `sandbox.rs` (the interpreter for Python callers),
//! `host_functions.rs` (Python callables as host functions), `limits.rs`,
//! `convert.rs` (Python ↔ DSL values), `engine.rs` (an `rlm_core::Rlm` run
//! through `rlm_core::Session`, sync and asyncio), `adapters.rs` (the adapters
//! Python builds; resolving a model argument), `py_adapter.rs` (a Python
//! object as a model), `event_listener.rs` (a Python trace listener),
//! `py_retriever.rs` (a Python retriever behind `es_*`), `prompts.rs` (the
//! prompt templates for `rlm_rs.prompts`), `metrics.rs` (nDCG and recall), `rerank.rs` (the rerankers and
//! the query rewriter of rlm-retrieval), `elastic.rs` (its Elasticsearch retriever), `context.rs`, `cache.rs`, `runtime.rs` (the tokio
//! runtime; waiting with Ctrl-C handled), `worker.rs` (the thread a sandbox's
//! interpreter lives on), `error.rs`.

use pyo3::prelude::*;

mod adapters;
mod cache;
mod context;
mod convert;
mod elastic;
mod engine;
mod error;
mod event_listener;
mod host_functions;
mod limits;
mod metrics;
mod prompts;
mod py_adapter;
mod py_retriever;
mod rerank;
mod runtime;
mod sandbox;
mod worker;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<limits::PyLimits>()?;
    m.add_class::<sandbox::PySandbox>()?;
    m.add_class::<sandbox::SandboxResult>()?;
    m.add_class::<sandbox::PyHostCall>()?;
    m.add_class::<sandbox::Suspension>()?;
    m.add_class::<context::PyContext>()?;
    m.add_class::<cache::FileCache>()?;
    m.add_class::<adapters::PyFakeAdapter>()?;
    m.add_class::<adapters::Adapter>()?;
    m.add_function(wrap_pyfunction!(adapters::openai_compat_adapter, m)?)?;
    m.add_function(wrap_pyfunction!(adapters::azure_openai_adapter, m)?)?;
    m.add_function(wrap_pyfunction!(adapters::generic_chat_adapter, m)?)?;
    m.add_function(wrap_pyfunction!(adapters::vertex_ai_adapter, m)?)?;
    m.add_class::<engine::PyRlm>()?;
    m.add_function(wrap_pyfunction!(prompts::prompt_template, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::ndcg_at_k, m)?)?;
    m.add_function(wrap_pyfunction!(metrics::recall_at_k, m)?)?;
    m.add_class::<rerank::PyReranker>()?;
    m.add_class::<rerank::PyQueryRewriter>()?;
    m.add_class::<elastic::PyElastic>()?;
    Ok(())
}
