//! Tournament reranking for large pools: shuffle (seeded), split into batches,
//! let the model pick each batch's best few, repeat on the survivors until one
//! batch remains, then order that batch. Batches of a round run concurrently
//! (one scheduler batch).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rlm_sched::SubcallExecutor;

use super::{ModelCaller, RankItem, RerankOutcome, complete, parse_ranking};
use crate::error::{Result, RetrievalError};
use crate::prompts::{RetrievalPrompts, numbered_passages, render};

/// Batches, survivors, seeded shuffle. Best for pools of hundreds to thousands.
pub struct TournamentReranker<X: SubcallExecutor> {
    caller: ModelCaller<X>,
    batch_size: usize,
    keep_per_batch: usize,
    seed: u64,
    max_passage_chars: usize,
    prompts: RetrievalPrompts,
}

impl<X: SubcallExecutor> TournamentReranker<X> {
    /// Defaults: batches of 20, 4 survivors each, seed 42, passages cut to 300 characters.
    pub fn new(caller: ModelCaller<X>) -> Self {
        TournamentReranker {
            caller,
            batch_size: 20,
            keep_per_batch: 4,
            seed: 42,
            max_passage_chars: 300,
            prompts: RetrievalPrompts::default(),
        }
    }

    /// Items per call and survivors per batch (`1 <= keep < batch_size`).
    pub fn with_batches(mut self, batch_size: usize, keep_per_batch: usize) -> Result<Self> {
        if keep_per_batch == 0 || keep_per_batch >= batch_size {
            return Err(RetrievalError::invalid("need 1 <= keep_per_batch < batch_size"));
        }
        self.batch_size = batch_size;
        self.keep_per_batch = keep_per_batch;
        Ok(self)
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn with_max_passage_chars(mut self, chars: usize) -> Self {
        self.max_passage_chars = chars.max(1);
        self
    }

    pub fn with_prompts(mut self, prompts: RetrievalPrompts) -> Self {
        self.prompts = prompts;
        self
    }

    fn prompt<T: RankItem>(
        &self,
        query: &str,
        items: &[&T],
        keep: Option<usize>,
    ) -> Result<String> {
        let passages =
            numbered_passages(items.iter().map(|i| i.item_text()), self.max_passage_chars);
        let count = items.len().to_string();
        match keep {
            Some(keep) => render(
                &self.prompts.rerank_select,
                &[
                    ("count", &count),
                    ("passages", &passages),
                    ("query", query),
                    ("keep", &keep.to_string()),
                ],
            ),
            None => render(
                &self.prompts.rerank_listwise,
                &[("count", &count), ("passages", &passages), ("query", query)],
            ),
        }
    }

    /// Reorders `items` for `query` and returns the best `top_k`. Items
    /// eliminated in later rounds rank above those eliminated earlier.
    pub async fn rerank<T: RankItem + Clone>(
        &self,
        query: &str,
        items: &[T],
        top_k: usize,
    ) -> Result<RerankOutcome<T>> {
        if query.trim().is_empty() {
            return Err(RetrievalError::invalid("query must not be empty"));
        }
        let mut outcome =
            RerankOutcome { items: Vec::new(), calls: 0, unparsed: 0, failures: Vec::new() };
        let mut pool: Vec<usize> = (0..items.len()).collect();
        pool.shuffle(&mut StdRng::seed_from_u64(self.seed));
        let mut eliminated: Vec<Vec<usize>> = Vec::new();
        while pool.len() > self.batch_size {
            let batches: Vec<Vec<usize>> =
                pool.chunks(self.batch_size).map(<[usize]>::to_vec).collect();
            let mut prompts = Vec::new();
            for batch in batches.iter().filter(|b| b.len() > self.keep_per_batch) {
                let shown: Vec<&T> = batch.iter().map(|&i| &items[i]).collect();
                prompts.push(self.prompt(query, &shown, Some(self.keep_per_batch))?);
            }
            outcome.calls += prompts.len();
            let mut replies = self.caller.call_many(prompts).await.into_iter();
            let (mut survivors, mut losers) = (Vec::new(), Vec::new());
            for batch in batches {
                if batch.len() <= self.keep_per_batch {
                    survivors.extend(batch);
                    continue;
                }
                let chosen = match replies.next() {
                    Some(Ok(reply)) => {
                        let ranking = parse_ranking(&reply, batch.len());
                        if ranking.is_empty() {
                            outcome.unparsed += 1;
                        }
                        ranking
                    }
                    Some(Err(e)) => {
                        outcome.failures.push(e.to_string());
                        Vec::new()
                    }
                    None => Vec::new(),
                };
                let ranked = complete(chosen, batch.len());
                let (keep, lose) = ranked.split_at(self.keep_per_batch);
                survivors.extend(keep.iter().map(|&p| batch[p]));
                losers.extend(lose.iter().map(|&p| batch[p]));
            }
            eliminated.push(losers);
            pool = survivors;
        }
        if pool.len() > 1 {
            let shown: Vec<&T> = pool.iter().map(|&i| &items[i]).collect();
            let prompt = self.prompt(query, &shown, None)?;
            outcome.calls += 1;
            match self.caller.call(None, prompt).await {
                Ok(reply) => {
                    let ranking = parse_ranking(&reply, pool.len());
                    if ranking.is_empty() {
                        outcome.unparsed += 1;
                    }
                    pool = complete(ranking, pool.len()).into_iter().map(|p| pool[p]).collect();
                }
                Err(e) => outcome.failures.push(e.to_string()),
            }
        }
        let order = pool.into_iter().chain(eliminated.into_iter().rev().flatten());
        outcome.items = order.take(top_k).map(|i| items[i].clone()).collect();
        Ok(outcome)
    }
}
