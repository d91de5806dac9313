//! Model-driven reranking. [`ModelCaller`] sends prompts through an `rlm-sched`
//! scheduler (cache, in-flight dedup, concurrency and rate limits, budget);
//! [`ListwiseReranker`] (sliding windows) and [`TournamentReranker`] (batches,
//! survivors, seeded shuffle) order any [`RankItem`]s with it.

mod caller;
mod listwise;
mod tournament;

pub use caller::ModelCaller;
pub use listwise::ListwiseReranker;
pub use tournament::TournamentReranker;

use crate::types::{Fetched, Hit};

/// Something a reranker can order: an id and the text shown to the model.
pub trait RankItem {
    fn item_id(&self) -> &str;
    fn item_text(&self) -> &str;
}

impl RankItem for Hit {
    fn item_id(&self) -> &str {
        &self.doc_id
    }
    fn item_text(&self) -> &str {
        &self.preview
    }
}

impl RankItem for Fetched {
    fn item_id(&self) -> &str {
        &self.doc_id
    }
    fn item_text(&self) -> &str {
        &self.content
    }
}

/// A reranked list and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RerankOutcome<T> {
    /// The items, best first (at most `top_k`).
    pub items: Vec<T>,
    /// Model calls the reranker asked for (cache hits and deduplicated calls included).
    pub calls: usize,
    /// Replies from which no ranking could be read: that window kept its order.
    pub unparsed: usize,
    /// Calls that failed (budget refusal, provider error): that window kept its order.
    pub failures: Vec<String>,
}

/// Reads a ranking like `[3] > [1] > [2]` (or bare numbers) of `count` items:
/// 0-based indices, each once, in the reply's order. Unknown or repeated numbers
/// are skipped; an empty result means the reply could not be read.
pub(crate) fn parse_ranking(reply: &str, count: usize) -> Vec<usize> {
    let bracketed = numbers(reply, true);
    let raw = if bracketed.is_empty() { numbers(reply, false) } else { bracketed };
    let mut seen = vec![false; count];
    let mut out = Vec::new();
    for n in raw {
        if (1..=count).contains(&n) && !seen[n - 1] {
            seen[n - 1] = true;
            out.push(n - 1);
        }
    }
    out
}

/// The numbers of `text`, only those written `[n]` when `bracketed`.
fn numbers(text: &str, bracketed: bool) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            let end = (i..bytes.len()).find(|&j| !bytes[j].is_ascii_digit()).unwrap_or(bytes.len());
            let framed = i > 0 && bytes[i - 1] == b'[' && bytes.get(end) == Some(&b']');
            if !bracketed || framed {
                if let Ok(n) = text[i..end].parse() {
                    out.push(n);
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// `order` (a ranking of some indices) completed with the missing indices of
/// `0..count` in their original order.
pub(crate) fn complete(mut order: Vec<usize>, count: usize) -> Vec<usize> {
    let mut present = vec![false; count];
    for &i in &order {
        present[i] = true;
    }
    order.extend((0..count).filter(|i| !present[*i]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rankings_are_read_leniently() {
        assert_eq!(parse_ranking("[2] > [1] > [3]", 3), [1, 0, 2]);
        assert_eq!(parse_ranking("Ranking: [3] > [3] > [9] > [1]", 3), [2, 0]);
        assert_eq!(parse_ranking("2, 1", 3), [1, 0]);
        assert!(parse_ranking("no idea", 3).is_empty());
        assert_eq!(parse_ranking("[12] > [2]", 12), [11, 1]);
        assert_eq!(complete(vec![2], 4), [2, 0, 1, 3]);
    }
}
