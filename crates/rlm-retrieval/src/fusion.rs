//! Combining ranked lists: reciprocal-rank fusion (hybrid search) and
//! [`union_pool`] (first occurrence wins, for multi-query retrieval).

use std::collections::HashMap;
use std::collections::HashSet;

use crate::types::Hit;

/// The RRF constant of Cormack et al. (2009), also Elasticsearch's default.
pub const RRF_K: f64 = 60.0;

/// Reciprocal-rank fusion: each list gives `1 / (rrf_k + rank)` (rank from 1) to
/// each of its hits; hits are returned by their summed score, best first, at most
/// `k`. A hit keeps the preview and metadata of the list that ranked it first;
/// its `score` becomes the fused score. Ties keep first-seen order.
pub fn reciprocal_rank_fusion(lists: &[Vec<Hit>], k: usize, rrf_k: f64) -> Vec<Hit> {
    let mut fused: Vec<Hit> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for list in lists {
        let mut seen_here = HashSet::new();
        for (rank, hit) in list.iter().enumerate() {
            if !seen_here.insert(hit.doc_id.as_str()) {
                continue;
            }
            let add = 1.0 / (rrf_k + (rank + 1) as f64);
            match position.get(&hit.doc_id) {
                Some(&i) => fused[i].score += add,
                None => {
                    position.insert(hit.doc_id.clone(), fused.len());
                    fused.push(Hit { score: add, ..hit.clone() });
                }
            }
        }
    }
    // Stable sort: equal scores keep first-seen order.
    fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    fused.truncate(k);
    fused
}

/// Merges result lists into one without duplicates: the first occurrence of each
/// `doc_id` wins (lists earlier in `pools`, and hits earlier in a list, first).
pub fn union_pool(pools: &[Vec<Hit>]) -> Vec<Hit> {
    let mut seen = HashSet::new();
    pools.iter().flatten().filter(|h| seen.insert(h.doc_id.clone())).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(ids: &[&str]) -> Vec<Hit> {
        ids.iter()
            .map(|id| Hit {
                doc_id: id.to_string(),
                preview: format!("p-{id}"),
                score: 1.0,
                metadata: Default::default(),
            })
            .collect()
    }

    #[test]
    fn rrf_rewards_agreement() {
        let fused =
            reciprocal_rank_fusion(&[hits(&["a", "b", "c"]), hits(&["c", "b", "d"])], 10, 60.0);
        let ids: Vec<_> = fused.iter().map(|h| h.doc_id.as_str()).collect();
        // c: 1/63 + 1/61 = 0.032266; b: 2/62 = 0.032258; a: 1/61; d: 1/63.
        assert_eq!(ids, ["c", "b", "a", "d"]);
        assert!((fused[0].score - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-12);
        assert_eq!(reciprocal_rank_fusion(&[hits(&["a", "b"])], 1, 60.0).len(), 1);
    }

    #[test]
    fn rrf_counts_a_repeated_id_once_per_list() {
        let fused = reciprocal_rank_fusion(&[hits(&["a", "a", "b"])], 10, 60.0);
        assert_eq!(fused.len(), 2);
        assert!((fused[0].score - 1.0 / 61.0).abs() < 1e-12);
    }

    #[test]
    fn union_keeps_first_occurrence() {
        let mut second = hits(&["b", "c"]);
        second[0].preview = "later".into();
        let u = union_pool(&[hits(&["a", "b"]), second]);
        let ids: Vec<_> = u.iter().map(|h| h.doc_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(u[1].preview, "p-b");
    }
}
