//! `ndcg_at_k` / `recall_at_k`: rlm-retrieval's IR metrics (trec_eval's
//! definitions) for Python, with pyrlm-runtime's argument order
//! (`ranked ids, judgments, k`).

use std::collections::HashMap;

use pyo3::prelude::*;

/// nDCG at cut-off `k` of `ranked` (ids, best first) against `qrels`
/// (id -> grade; a grade <= 0 is not relevant).
#[pyfunction]
#[pyo3(signature = (ranked, qrels, k=10))]
pub fn ndcg_at_k(ranked: Vec<String>, qrels: HashMap<String, i64>, k: usize) -> f64 {
    rlm_retrieval::ndcg_at_k(&ranked, &qrels, k)
}

/// Recall at cut-off `k`: the share of the relevant ids of `qrels` found in
/// the first `k` of `ranked`.
#[pyfunction]
#[pyo3(signature = (ranked, qrels, k=10))]
pub fn recall_at_k(ranked: Vec<String>, qrels: HashMap<String, i64>, k: usize) -> f64 {
    rlm_retrieval::recall_at_k(&ranked, &qrels, k)
}
