//! IR evaluation metrics with trec_eval's definitions (`ndcg_cut_k`, `recall_k`):
//! linear gains, log2 discounts, judgments <= 0 count as not relevant.
//! Cross-checked against pytrec_eval in `tests/metrics_vs_pytrec_eval.rs`.

use std::collections::{HashMap, HashSet};

/// Relevance judgments of one query: document id -> grade (<= 0: not relevant).
pub type Qrels = HashMap<String, i64>;

/// nDCG at cut-off `k` of a ranking (best first) against `qrels`.
/// Repeated ids count once (at their first position). 0 when nothing is relevant or `k` is 0.
pub fn ndcg_at_k<S: AsRef<str>>(ranked: &[S], qrels: &Qrels, k: usize) -> f64 {
    let gain = |id: &str| qrels.get(id).copied().filter(|g| *g > 0).unwrap_or(0) as f64;
    let mut seen = HashSet::new();
    let dcg: f64 = ranked
        .iter()
        .map(AsRef::as_ref)
        .filter(|id| seen.insert(*id))
        .take(k)
        .enumerate()
        .map(|(i, id)| gain(id) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<i64> = qrels.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 =
        ideal.iter().take(k).enumerate().map(|(i, g)| *g as f64 / ((i + 2) as f64).log2()).sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Recall at cut-off `k`: the share of relevant documents found in the first `k`.
/// Repeated ids count once. 0 when nothing is relevant.
pub fn recall_at_k<S: AsRef<str>>(ranked: &[S], qrels: &Qrels, k: usize) -> f64 {
    let relevant = qrels.values().filter(|g| **g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let mut seen = HashSet::new();
    let found = ranked
        .iter()
        .map(AsRef::as_ref)
        .filter(|id| seen.insert(*id))
        .take(k)
        .filter(|id| qrels.get(*id).is_some_and(|g| *g > 0))
        .count();
    found as f64 / relevant as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qrels(pairs: &[(&str, i64)]) -> Qrels {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn perfect_and_empty_rankings() {
        let q = qrels(&[("a", 2), ("b", 1), ("z", 0)]);
        assert!((ndcg_at_k(&["a", "b"], &q, 10) - 1.0).abs() < 1e-12);
        assert_eq!(ndcg_at_k::<&str>(&[], &q, 10), 0.0);
        assert_eq!(recall_at_k(&["a", "x", "b"], &q, 2), 0.5);
        assert_eq!(recall_at_k(&["a", "a", "b"], &q, 2), 1.0);
        assert_eq!(ndcg_at_k(&["a"], &qrels(&[("a", 0)]), 10), 0.0);
        assert_eq!(recall_at_k(&["a"], &Qrels::new(), 10), 0.0);
    }

    #[test]
    fn swapped_grades_lose_by_the_discount() {
        let q = qrels(&[("a", 2), ("b", 1)]);
        let ideal = 2.0 + 1.0 / 3f64.log2();
        let swapped = 1.0 + 2.0 / 3f64.log2();
        assert!((ndcg_at_k(&["b", "a"], &q, 10) - swapped / ideal).abs() < 1e-12);
    }
}
