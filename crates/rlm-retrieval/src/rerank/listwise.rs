//! Listwise reranking with a sliding window (RankGPT's scheme): windows of
//! `window_size` items from the bottom of the list to the top, each moved up by
//! `step`, each permuted by the model, so good items bubble up to the top.

use rlm_sched::SubcallExecutor;

use super::{ModelCaller, RankItem, RerankOutcome, complete, parse_ranking};
use crate::error::{Result, RetrievalError};
use crate::prompts::{RetrievalPrompts, numbered_passages, render};

/// Sliding-window listwise reranker. Best for pools up to a few hundred items:
/// it keeps the first-stage order where the model says nothing and never drops an item.
pub struct ListwiseReranker<X: SubcallExecutor> {
    caller: ModelCaller<X>,
    window_size: usize,
    step: usize,
    max_passage_chars: usize,
    prompts: RetrievalPrompts,
}

impl<X: SubcallExecutor> ListwiseReranker<X> {
    /// Defaults: windows of 20, step 10, passages cut to 300 characters.
    pub fn new(caller: ModelCaller<X>) -> Self {
        ListwiseReranker {
            caller,
            window_size: 20,
            step: 10,
            max_passage_chars: 300,
            prompts: RetrievalPrompts::default(),
        }
    }

    /// Items per model call and how far each window moves up (`1 <= step <= window_size`).
    pub fn with_window(mut self, window_size: usize, step: usize) -> Result<Self> {
        if window_size < 2 || step == 0 || step > window_size {
            return Err(RetrievalError::invalid(
                "need window_size >= 2 and 1 <= step <= window_size",
            ));
        }
        self.window_size = window_size;
        self.step = step;
        Ok(self)
    }

    pub fn with_max_passage_chars(mut self, chars: usize) -> Self {
        self.max_passage_chars = chars.max(1);
        self
    }

    pub fn with_prompts(mut self, prompts: RetrievalPrompts) -> Self {
        self.prompts = prompts;
        self
    }

    /// The prompt for one window (public so it can be snapshot-tested and inspected).
    pub fn window_prompt<T: RankItem>(&self, query: &str, items: &[&T]) -> Result<String> {
        let passages =
            numbered_passages(items.iter().map(|i| i.item_text()), self.max_passage_chars);
        let count = items.len().to_string();
        render(
            &self.prompts.rerank_listwise,
            &[("count", &count), ("passages", &passages), ("query", query)],
        )
    }

    /// Reorders `items` for `query` and returns the best `top_k`.
    pub async fn rerank<T: RankItem + Clone>(
        &self,
        query: &str,
        items: &[T],
        top_k: usize,
    ) -> Result<RerankOutcome<T>> {
        if query.trim().is_empty() {
            return Err(RetrievalError::invalid("query must not be empty"));
        }
        let n = items.len();
        let mut order: Vec<usize> = (0..n).collect();
        let mut outcome =
            RerankOutcome { items: Vec::new(), calls: 0, unparsed: 0, failures: Vec::new() };
        let mut end = n;
        // One item (or none) is already in order.
        while end > 1 {
            let start = end.saturating_sub(self.window_size);
            let window: Vec<usize> = order[start..end].to_vec();
            let shown: Vec<&T> = window.iter().map(|&i| &items[i]).collect();
            let prompt = self.window_prompt(query, &shown)?;
            outcome.calls += 1;
            match self.caller.call(None, prompt).await {
                Ok(reply) => {
                    let ranking = parse_ranking(&reply, window.len());
                    if ranking.is_empty() {
                        outcome.unparsed += 1;
                    } else {
                        let permuted = complete(ranking, window.len());
                        for (slot, pos) in permuted.into_iter().enumerate() {
                            order[start + slot] = window[pos];
                        }
                    }
                }
                Err(e) => outcome.failures.push(e.to_string()),
            }
            if start == 0 {
                break;
            }
            end -= self.step;
        }
        outcome.items = order.into_iter().take(top_k).map(|i| items[i].clone()).collect();
        Ok(outcome)
    }
}
